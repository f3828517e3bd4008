//! IQR and MAD: an adaptive upper threshold `1 − safety · spread(history)`, the spread being the
//! inter-quartile range or the median absolute deviation of the host's utilisation history
//! (Beloglazov & Buyya, CCPE 2012; CloudSim
//! `PowerVmAllocationPolicyMigrationInterQuartileRange.isHostOverUtilized` and
//! `PowerVmAllocationPolicyMigrationMedianAbsoluteDeviation.isHostOverUtilized`, which differ
//! only in the statistic and the safety parameter of CloudSim's examples).

use super::{
    HostLoad, OverloadDetector, above, check_count, check_safety, check_threshold, count_param, safety_param,
    threshold_param,
};
use crate::consolidation::stats::{count_non_zero_beginning, iqr, mad};
use crate::params::{ParamError, Params};

/// The spread statistic an [`AdaptiveThresholdDetector`] subtracts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spread {
    /// CloudSim's inter-quartile range ([`iqr`]: rounded indices, no interpolation); the
    /// detector registered as `iqr`.
    Iqr,
    /// CloudSim's `MathUtil.mad` ([`mad`]: medians by commons-math's percentile rule, no 1.4826
    /// consistency factor); the detector registered as `mad`.
    Mad,
}

impl Spread {
    /// The registered name of the detector using this statistic.
    pub fn name(self) -> &'static str {
        match self {
            Spread::Iqr => "iqr",
            Spread::Mad => "mad",
        }
    }

    /// The statistic of `history`.
    pub fn of(self, history: &[f64]) -> f64 {
        match self {
            Spread::Iqr => iqr(history),
            Spread::Mad => mad(history),
        }
    }

    /// CloudSim's safety parameter for this statistic (`RunnerAbstract`, the PlanetLab
    /// examples): 1.5 for the IQR, 2.5 for the MAD.
    pub fn cloudsim_safety(self) -> f64 {
        match self {
            Spread::Iqr => 1.5,
            Spread::Mad => 2.5,
        }
    }

    /// The shortest usable minimum history, and why (for the error message): the quartile
    /// indices need two values; a median needs one.
    fn min_history_floor(self) -> (usize, &'static str) {
        match self {
            Spread::Iqr => (2, "the quartile indices need two values"),
            Spread::Mad => (1, "a count of history values"),
        }
    }
}

/// Overloaded when `u > 1 − safety · spread(history)`, the [`Spread`] taken over the whole
/// history.
///
/// The spread is used only when `countNonZeroBeginning(history) ≥ min_history` (CloudSim: 12,
/// "a safe value"); otherwise the detector falls back to `u > fallback_threshold` (CloudSim's
/// examples: a THR policy with 0.7). That count ([`count_non_zero_beginning`]) is the length
/// of the history up to its last non-zero value, interior zeros included — for CloudSim's
/// trimmed histories simply their length, and 1 for an idle host's `[0.0]`.
///
/// The comparison is strict in both branches; a NaN anywhere makes the host not overloaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveThresholdDetector {
    spread: Spread,
    safety: f64,
    fallback_threshold: f64,
    min_history: usize,
}

impl AdaptiveThresholdDetector {
    /// CloudSim's fallback THR threshold 0.7 (`RunnerAbstract.getVmAllocationPolicy`).
    pub const CLOUDSIM_FALLBACK_THRESHOLD: f64 = 0.7;
    /// CloudSim's minimum history: 12 values ("12 has been suggested as a safe value",
    /// `getHostUtilizationIqr`, `getHostUtilizationMad`).
    pub const CLOUDSIM_MIN_HISTORY: usize = 12;

    /// A detector on `spread` with safety parameter `safety` (≥ 0), fallback threshold
    /// `fallback_threshold` (in (0, 1]) and minimum history `min_history` (≥ 2 for the IQR, whose
    /// quartile indices need two values; ≥ 1 for the MAD).
    ///
    /// # Errors
    /// A value out of range, named by its registry key.
    pub fn new(
        spread: Spread,
        safety: f64,
        fallback_threshold: f64,
        min_history: usize,
    ) -> Result<Self, ParamError> {
        let (floor, why) = spread.min_history_floor();
        Ok(Self {
            spread,
            safety: check_safety("safety", safety)?,
            fallback_threshold: check_threshold("fallback_threshold", fallback_threshold)?,
            min_history: check_count("min_history", min_history, floor, why)?,
        })
    }

    /// CloudSim's detector on `spread`: its safety parameter, fallback 0.7, 12 values.
    pub fn cloudsim(spread: Spread) -> Self {
        Self {
            spread,
            safety: spread.cloudsim_safety(),
            fallback_threshold: Self::CLOUDSIM_FALLBACK_THRESHOLD,
            min_history: Self::CLOUDSIM_MIN_HISTORY,
        }
    }

    /// The spread statistic.
    pub fn spread(&self) -> Spread {
        self.spread
    }

    /// The upper utilisation threshold `1 − safety·spread` for `history`, or `None` when the
    /// history is too short and the fallback applies.
    pub fn upper_threshold(&self, history: &[f64]) -> Option<f64> {
        (count_non_zero_beginning(history) >= self.min_history)
            .then(|| 1.0 - self.safety * self.spread.of(history))
    }
}

/// The catalogue constructor of the detector on `spread`: parameters `safety`,
/// `fallback_threshold`, `min_history`, CloudSim's values by default.
pub(super) fn build(spread: Spread, mut params: Params) -> Result<Box<dyn OverloadDetector>, ParamError> {
    let (floor, why) = spread.min_history_floor();
    let safety = safety_param(&mut params, "safety", spread.cloudsim_safety())?;
    let fallback_threshold = threshold_param(
        &mut params,
        "fallback_threshold",
        AdaptiveThresholdDetector::CLOUDSIM_FALLBACK_THRESHOLD,
    )?;
    let min_history = count_param(
        &mut params,
        "min_history",
        AdaptiveThresholdDetector::CLOUDSIM_MIN_HISTORY,
        floor,
        why,
    )?;
    params.finish(&["safety", "fallback_threshold", "min_history"])?;
    Ok(Box::new(AdaptiveThresholdDetector {
        spread,
        safety,
        fallback_threshold,
        min_history,
    }))
}

impl OverloadDetector for AdaptiveThresholdDetector {
    fn name(&self) -> &'static str {
        self.spread.name()
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        match self.upper_threshold(load.history) {
            Some(upper) => above(load, upper),
            None => above(load, self.fallback_threshold),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::overload::test_load as load;

    fn cloudsim(spread: Spread) -> AdaptiveThresholdDetector {
        let d = AdaptiveThresholdDetector::new(spread, spread.cloudsim_safety(), 0.7, 12).unwrap();
        assert_eq!(d, AdaptiveThresholdDetector::cloudsim(spread));
        d
    }

    #[test]
    fn falls_back_below_twelve_values() {
        // A flat history has spread 0, so with the spread the threshold is 1; the fallback
        // says 0.7.
        for spread in [Spread::Iqr, Spread::Mad] {
            let d = cloudsim(spread);
            assert!(d.is_overloaded(&load(0.75, &[0.5; 11])), "{spread:?}");
            assert!(!d.is_overloaded(&load(0.75, &[0.5; 12])), "{spread:?}");
            assert!(d.is_overloaded(&load(1.000_001, &[0.5; 12])), "{spread:?}");
            assert!(!d.is_overloaded(&load(1.0, &[0.5; 12])), "{spread:?}");
            assert!(!d.is_overloaded(&load(0.7, &[0.5; 11])), "{spread:?}");
        }
    }

    #[test]
    fn interior_zeros_count_trailing_zeros_do_not() {
        for spread in [Spread::Iqr, Spread::Mad] {
            let d = cloudsim(spread);
            let mut h = [0.5; 12];
            h[3] = 0.0;
            assert_eq!(d.upper_threshold(&h), Some(1.0), "{spread:?}");
            h[3] = 0.5;
            h[11] = 0.0;
            assert_eq!(d.upper_threshold(&h), None, "{spread:?}");
            assert_eq!(d.upper_threshold(&[0.0]), None, "{spread:?}");
        }
    }

    #[test]
    fn iqr_threshold_by_hand() {
        // Sorted 0.1..1.2 in steps of 0.1: q1 = x[2] = 0.3, q3 = x[9] = 1.0, IQR = 0.7;
        // Tu = 1 - 1.5*0.7 = -0.05 (so any load is overloaded).
        let h: Vec<f64> = (1..=12).rev().map(|i| f64::from(i) / 10.0).collect();
        let d = cloudsim(Spread::Iqr);
        let tu = d.upper_threshold(&h).unwrap();
        assert!((tu - (1.0 - 1.5 * 0.7)).abs() < 1e-12, "{tu}");
        assert!(d.is_overloaded(&load(0.0, &h)));
    }

    #[test]
    fn mad_threshold_by_hand() {
        // 12 values: six 0.4 and six 0.6 → median 0.4 + 0.5*(0.6 - 0.4) = 0.5, every deviation
        // 0.1 (up to rounding) → MAD ≈ 0.1, Tu = 1 - 2.5*0.1 = 0.75.
        let h = [0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6];
        let d = cloudsim(Spread::Mad);
        let tu = d.upper_threshold(&h).unwrap();
        assert!((tu - 0.75).abs() < 1e-12, "{tu}");
        assert!(d.is_overloaded(&load(0.76, &h)));
        assert!(!d.is_overloaded(&load(0.74, &h)));
        assert!(!d.is_overloaded(&load(f64::NAN, &h)));
    }

    #[test]
    fn min_history_floor_depends_on_the_statistic() {
        assert_eq!(
            AdaptiveThresholdDetector::new(Spread::Iqr, 1.5, 0.7, 1)
                .unwrap_err()
                .key,
            "min_history"
        );
        assert!(AdaptiveThresholdDetector::new(Spread::Mad, 2.5, 0.7, 1).is_ok());
    }

    #[test]
    fn names_follow_the_statistic() {
        assert_eq!(cloudsim(Spread::Iqr).name(), "iqr");
        assert_eq!(cloudsim(Spread::Mad).name(), "mad");
    }
}
