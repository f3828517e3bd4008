//! Measured power tables: CloudSim's `PowerModelSpecPower` and its seven
//! SPECpower_ssj2008 servers, plus user-supplied tables.
//!
//! A SPECpower_ssj2008 result reports a server's average power at 0 % (active
//! idle), 10 %, …, 100 % of its calibrated throughput. CloudSim stores those 11
//! numbers per server and interpolates linearly between them
//! (`PowerModelSpecPower.getPower`, cloudsim-4.0 lines 30–44). Beloglazov &
//! Buyya (CCPE 2012) chose this over analytical curves because measured servers
//! are not linear (the G4 and G5 tables used by every PlanetLab experiment
//! draw 73 % and 69 % of their peak when idle).

use super::{PowerModel, clamp_utilization};
use crate::params::{ParamError, Params};

/// CloudSim `PowerModelSpecPowerHpProLiantMl110G3PentiumD930`: HP ProLiant ML110 G3
/// (1 × Pentium D930, 2 cores, 3000 MHz, 4 GB); SPECpower_ssj2008 result
/// power_ssj2008-20110127-00342 as cited by the class. Watts at 0, 10, …, 100 %.
pub const HP_ML110_G3_PENTIUM_D930: [f64; 11] = [
    105.0, 112.0, 118.0, 125.0, 131.0, 137.0, 147.0, 153.0, 157.0, 164.0, 169.0,
];

/// CloudSim `PowerModelSpecPowerHpProLiantMl110G4Xeon3040`: HP ProLiant ML110 G4
/// (1 × Xeon 3040, 2 cores, 1860 MHz, 4 GB); the class cites
/// power_ssj2008-20110127-00342 (the same URL as the G3's). The even-numbered
/// hosts of CloudSim's PlanetLab experiments. Watts at 0, 10, …, 100 %.
pub const HP_ML110_G4_XEON_3040: [f64; 11] = [
    86.0, 89.4, 92.6, 96.0, 99.5, 102.0, 106.0, 108.0, 112.0, 114.0, 117.0,
];

/// CloudSim `PowerModelSpecPowerHpProLiantMl110G5Xeon3075`: HP ProLiant ML110 G5
/// (1 × Xeon 3075, 2 cores, 2660 MHz, 4 GB); SPECpower_ssj2008 result
/// power_ssj2008-20110124-00339. The odd-numbered hosts of CloudSim's
/// PlanetLab experiments. Watts at 0, 10, …, 100 %.
pub const HP_ML110_G5_XEON_3075: [f64; 11] = [
    93.7, 97.0, 101.0, 105.0, 110.0, 116.0, 121.0, 125.0, 129.0, 133.0, 135.0,
];

/// CloudSim `PowerModelSpecPowerIbmX3250XeonX3470`: IBM System x3250
/// (1 × Xeon X3470, 4 cores, 2933 MHz, 8 GB); SPECpower_ssj2008 result
/// power_ssj2008-20091104-00213 as cited by the class. Watts at 0, 10, …, 100 %.
pub const IBM_X3250_XEON_X3470: [f64; 11] =
    [41.6, 46.7, 52.3, 57.9, 65.4, 73.0, 80.7, 89.5, 99.6, 105.0, 113.0];

/// CloudSim `PowerModelSpecPowerIbmX3250XeonX3480`: IBM System x3250
/// (1 × Xeon X3480, 4 cores, 3067 MHz, 8 GB); SPECpower_ssj2008 result
/// power_ssj2008-20101001-00297 as cited by the class. Watts at 0, 10, …, 100 %.
pub const IBM_X3250_XEON_X3480: [f64; 11] =
    [42.3, 46.7, 49.7, 55.4, 61.8, 69.3, 76.1, 87.0, 96.1, 106.0, 113.0];

/// CloudSim `PowerModelSpecPowerIbmX3550XeonX5670`: IBM System x3550
/// (2 × Xeon X5670, 12 cores, 2933 MHz, 12 GB); SPECpower_ssj2008 result
/// power_ssj2008-20100315-00239 as cited by the class. Watts at 0, 10, …, 100 %.
pub const IBM_X3550_XEON_X5670: [f64; 11] = [
    66.0, 107.0, 120.0, 131.0, 143.0, 156.0, 173.0, 191.0, 211.0, 229.0, 247.0,
];

/// CloudSim `PowerModelSpecPowerIbmX3550XeonX5675`: IBM System x3550
/// (2 × Xeon X5675, 12 cores, 3067 MHz, 16 GB); SPECpower_ssj2008 result
/// power_ssj2008-20110406-00368. The table of CloudSim's own unit test
/// (`PowerModelSpecPowerIbmX3550XeonX5675Test`). Watts at 0, 10, …, 100 %.
pub const IBM_X3550_XEON_X5675: [f64; 11] = [
    58.4, 98.0, 109.0, 118.0, 128.0, 140.0, 153.0, 170.0, 189.0, 205.0, 222.0,
];

/// A power table: watts at `n ≥ 2` evenly spaced utilisations `0, 1/(n−1), …,
/// 1`, interpolated linearly with CloudSim's `PowerModelSpecPower.getPower`.
///
/// With 11 points (SPECpower's 10 % steps) every result is bit-for-bit
/// CloudSim's; other lengths use the same arithmetic with `n − 1` segments in
/// place of 10 (see the [`PowerModel`] implementation).
///
/// Unlike CloudSim's analytical models, `P(0)` is the first entry (the measured
/// active-idle power), not 0.
///
/// A table need not be non-decreasing: measured servers occasionally draw less
/// at a higher load step, and such a table is accepted as given. Interpolation
/// never leaves the two neighbouring entries, so `P(u)` always lies between the
/// table's minimum and maximum; only monotonicity in `u` is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecPowerTable {
    /// Watts at utilisation `i / segments`, `i = 0..=segments`.
    watts: Vec<f64>,
    /// Number of intervals, `watts.len() - 1` (CloudSim: 10).
    segments: f64,
    /// Utilisation between two entries, `1 / segments` (CloudSim: the literal
    /// `0.1`; `1.0 / 10.0` is the same double).
    step: f64,
    /// The utilisations in [0, 1] that are exact multiples of `step` (the only
    /// inputs for which `u % step == 0`) but for which `u · segments` is not an
    /// integer. Empty for CloudSim's 11-point tables; with 50 points
    /// `fl(1/49) · 49` is `0.999…`. (`u · segments` integral takes the exact
    /// branch's value either way, see `power_watts`.)
    irregular_multiples: Vec<f64>,
    /// `(watts[k + 1] − watts[k]) / percent_per_segment`: CloudSim's `delta`
    /// of segment `k`, computed once (the same double as per call).
    delta: Vec<f64>,
    /// `k / segments`: CloudSim's `utilization1 / 10` for segment `k`.
    start: Vec<f64>,
}

impl SpecPowerTable {
    /// A table from `watts`, the power at `watts.len()` evenly spaced
    /// utilisations from 0 to 1 inclusive.
    ///
    /// # Errors
    /// Fewer than 2 entries, or an entry that is NaN, infinite or negative;
    /// the error's key is `watts`, the registry parameter.
    pub fn new(watts: Vec<f64>) -> Result<Self, ParamError> {
        if watts.len() < 2 {
            return Err(ParamError::new(
                "watts",
                format!(
                    "expected at least 2 values (power at utilisation 0 and 1), found {}",
                    watts.len()
                ),
            ));
        }
        if let Some((i, w)) = watts
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(ParamError::new(
                "watts",
                format!("expected finite powers >= 0 W, found {w} at index {i}"),
            ));
        }
        // Exact conversion: a table cannot have 2^53 entries.
        let segments = (watts.len() - 1) as f64;
        let step = 1.0 / segments;
        // If u = n·step exactly, then fl(n·step) = u: every such u is found.
        let irregular_multiples = (0..watts.len() + 1)
            .map(|n| n as f64 * step)
            .filter(|&u| u <= 1.0 && u % step == 0.0 && (u * segments).fract() != 0.0)
            .collect();
        // Percentage points between two entries (CloudSim: the divisor `10` of
        // `delta`; `100.0 / 10.0` is exact).
        let percent_per_segment = 100.0 / segments;
        let delta = watts
            .windows(2)
            .map(|w| (w[1] - w[0]) / percent_per_segment)
            .collect();
        let start = (0..watts.len()).map(|k| k as f64 / segments).collect();
        Ok(Self {
            watts,
            segments,
            step,
            irregular_multiples,
            delta,
            start,
        })
    }

    /// The 11-point tables below are valid by construction.
    fn cloudsim(watts: &[f64; 11]) -> Self {
        Self::new(watts.to_vec()).expect("CloudSim tables are valid")
    }

    /// [`HP_ML110_G3_PENTIUM_D930`] (CloudSim
    /// `PowerModelSpecPowerHpProLiantMl110G3PentiumD930`).
    pub fn hp_ml110_g3() -> Self {
        Self::cloudsim(&HP_ML110_G3_PENTIUM_D930)
    }

    /// [`HP_ML110_G4_XEON_3040`] (CloudSim
    /// `PowerModelSpecPowerHpProLiantMl110G4Xeon3040`).
    pub fn hp_ml110_g4() -> Self {
        Self::cloudsim(&HP_ML110_G4_XEON_3040)
    }

    /// [`HP_ML110_G5_XEON_3075`] (CloudSim
    /// `PowerModelSpecPowerHpProLiantMl110G5Xeon3075`).
    pub fn hp_ml110_g5() -> Self {
        Self::cloudsim(&HP_ML110_G5_XEON_3075)
    }

    /// [`IBM_X3250_XEON_X3470`] (CloudSim `PowerModelSpecPowerIbmX3250XeonX3470`).
    pub fn ibm_x3250_x3470() -> Self {
        Self::cloudsim(&IBM_X3250_XEON_X3470)
    }

    /// [`IBM_X3250_XEON_X3480`] (CloudSim `PowerModelSpecPowerIbmX3250XeonX3480`).
    pub fn ibm_x3250_x3480() -> Self {
        Self::cloudsim(&IBM_X3250_XEON_X3480)
    }

    /// [`IBM_X3550_XEON_X5670`] (CloudSim `PowerModelSpecPowerIbmX3550XeonX5670`).
    pub fn ibm_x3550_x5670() -> Self {
        Self::cloudsim(&IBM_X3550_XEON_X5670)
    }

    /// [`IBM_X3550_XEON_X5675`] (CloudSim `PowerModelSpecPowerIbmX3550XeonX5675`).
    pub fn ibm_x3550_x5675() -> Self {
        Self::cloudsim(&IBM_X3550_XEON_X5675)
    }

    /// The table's entries, W.
    pub fn watts(&self) -> &[f64] {
        &self.watts
    }
}

impl PowerModel for SpecPowerTable {
    /// CloudSim's `PowerModelSpecPower.getPower`, operation for operation, with
    /// `s = n − 1` segments (10 in CloudSim):
    ///
    /// ```text
    /// if u % (1/s) == 0:  P[u·s]
    /// else:               u1 = ⌊u·s⌋, u2 = ⌈u·s⌉, delta = (P[u2] − P[u1]) / (100/s)
    ///                     P[u1] + delta · (u − u1/s) · 100
    /// ```
    ///
    /// One deliberate difference: in the exact branch the index is `u·s`
    /// rounded, where CloudSim truncates. For `s = 10` they agree on every
    /// input that reaches that branch (only u ∈ {0, 0.1, 0.2, 0.4, 0.8} do, and
    /// there `u·10` is an exact integer); for other `s` truncation can pick the
    /// entry below (with 50 points, `(1/49)·49` is `0.999…`), which rounding
    /// avoids.
    ///
    /// PABFD evaluates this for every busy host and every VM it places, so
    /// the per-segment `delta` and `u1 / s` are looked up, not divided anew.
    /// When `u·s` is an integer `n` both of CloudSim's branches give `P[n]`
    /// (the interpolating one adds `0 · x`), so that case is answered first.
    #[inline]
    fn power_watts(&self, utilization: f64) -> f64 {
        let u = clamp_utilization(utilization);
        let scaled = u * self.segments;
        // scaled >= 0: truncation is floor, and ceil follows from it. (Through
        // u32, whose conversions are single instructions: a table has far
        // fewer than 2^32 entries.)
        let k = scaled as u32;
        let u1 = k as usize;
        if f64::from(k) == scaled {
            return self.watts[u1];
        }
        if self.irregular_multiples.contains(&u) {
            debug_assert!(u % self.step == 0.0);
            return self.watts[scaled.round() as usize];
        }
        debug_assert!(u % self.step != 0.0);
        self.watts[u1] + self.delta[u1] * (u - self.start[u1]) * 100.0
    }

    fn as_table(&self) -> Option<&SpecPowerTable> {
        Some(self)
    }
}

/// Registry constructor for `table`: required list `watts`.
pub(super) fn build_custom(mut p: Params) -> Result<Box<dyn PowerModel>, ParamError> {
    let watts = p
        .list("watts")?
        .ok_or_else(|| ParamError::new("watts", "missing required list of powers in watts"))?;
    p.finish(&["watts"])?;
    Ok(Box::new(SpecPowerTable::new(watts)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    /// CloudSim's `getPower`, transcribed literally for 11-point tables.
    fn cloudsim_get_power(p: &[f64; 11], utilization: f64) -> f64 {
        if utilization % 0.1 == 0.0 {
            return p[(utilization * 10.0) as usize];
        }
        let utilization1 = (utilization * 10.0).floor() as usize;
        let utilization2 = (utilization * 10.0).ceil() as usize;
        let delta = (p[utilization2] - p[utilization1]) / 10.0;
        p[utilization1] + delta * (utilization - utilization1 as f64 / 10.0) * 100.0
    }

    #[test]
    fn identical_to_the_literal_cloudsim_transcription() {
        let tables = [
            HP_ML110_G3_PENTIUM_D930,
            HP_ML110_G4_XEON_3040,
            HP_ML110_G5_XEON_3075,
            IBM_X3250_XEON_X3470,
            IBM_X3250_XEON_X3480,
            IBM_X3550_XEON_X5670,
            IBM_X3550_XEON_X5675,
        ];
        for t in &tables {
            let m = SpecPowerTable::new(t.to_vec()).unwrap();
            for i in 0..=100_000 {
                let u = f64::from(i) / 100_000.0;
                assert_eq!(
                    m.power_watts(u).to_bits(),
                    cloudsim_get_power(t, u).to_bits(),
                    "u = {u}"
                );
            }
            // Arbitrary doubles in [0, 1] (a fixed xorshift sequence): the
            // per-segment lookups must not move a single bit.
            let mut x = 0x9E37_79B9_7F4A_7C15_u64;
            for _ in 0..200_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                assert_eq!(
                    m.power_watts(u).to_bits(),
                    cloudsim_get_power(t, u).to_bits(),
                    "u = {u}"
                );
            }
            // The multiples of 0.1 that take the exact branch, and their neighbours.
            for u in [0.0_f64, 0.1, 0.2, 0.4, 0.8, 0.3, 0.7, 1.0] {
                for v in [
                    u,
                    f64::from_bits(u.to_bits() + 1),
                    f64::from_bits(u.to_bits().max(1) - 1),
                ] {
                    if (0.0..=1.0).contains(&v) {
                        assert_eq!(
                            m.power_watts(v).to_bits(),
                            cloudsim_get_power(t, v).to_bits(),
                            "u = {v}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn exact_branch_takes_the_right_entry_for_other_lengths() {
        // 50 points: 1/49 % (1/49) == 0 but (1/49)*49 == 0.9999999999999999.
        let watts: Vec<f64> = (0..50).map(|i| f64::from(i) * 10.0).collect();
        let m = SpecPowerTable::new(watts).unwrap();
        let u = 1.0 / 49.0;
        assert_eq!(u % (1.0 / 49.0), 0.0);
        assert_eq!(m.power_watts(u), 10.0);
        for k in 0..50 {
            let u = f64::from(k) / 49.0;
            assert!((m.power_watts(u) - f64::from(k) * 10.0).abs() < 1e-9, "k = {k}");
        }
    }

    #[test]
    fn two_points_interpolate_linearly() {
        let m = SpecPowerTable::new(vec![100.0, 200.0]).unwrap();
        assert_eq!(m.power_watts(0.0), 100.0);
        assert_eq!(m.power_watts(1.0), 200.0);
        assert!((m.power_watts(0.25) - 125.0).abs() < 1e-12);
        assert_eq!(m.max_power_watts(), 200.0);
    }

    #[test]
    fn non_monotone_tables_stay_between_neighbours() {
        let m = SpecPowerTable::new(vec![50.0, 80.0, 70.0, 90.0]).unwrap();
        let p = m.power_watts(0.5);
        assert!((70.0..=80.0).contains(&p), "{p}");
        assert!((p - 75.0).abs() < 1e-12);
    }

    #[test]
    fn invalid_tables_are_rejected_by_key() {
        for bad in [
            vec![],
            vec![1.0],
            vec![1.0, -1.0],
            vec![1.0, f64::NAN],
            vec![f64::INFINITY, 1.0],
        ] {
            assert_eq!(SpecPowerTable::new(bad).unwrap_err().key, "watts");
        }
        assert!(SpecPowerTable::new(vec![0.0, 0.0]).is_ok());
    }

    #[test]
    fn registry_constructor() {
        let ok = Params::new().with("watts", ParamValue::List(HP_ML110_G4_XEON_3040.to_vec()));
        assert_eq!(build_custom(ok.clone()).unwrap().power_watts(0.5), 102.0);
        assert_eq!(build_custom(Params::new()).unwrap_err().key, "watts");
        let text = Params::new().with("watts", ParamValue::Text("86, 117".into()));
        assert_eq!(build_custom(text).unwrap_err().key, "watts");
        assert_eq!(
            build_custom(ok.with("max_w", ParamValue::Number(1.0)))
                .unwrap_err()
                .key,
            "max_w"
        );
    }
}
