//! MAD: an adaptive threshold from the median absolute deviation of the host's utilisation
//! history (Beloglazov & Buyya, CCPE 2012; CloudSim
//! `PowerVmAllocationPolicyMigrationMedianAbsoluteDeviation.isHostOverUtilized`).

use super::{
    HostLoad, OverloadDetector, above, check_count, check_safety, check_threshold, count_param, safety_param,
    threshold_param,
};
use crate::consolidation::stats::{count_non_zero_beginning, mad};
use crate::params::{ParamError, Params};

/// Overloaded when `u > 1 − safety · MAD(history)`, the MAD being CloudSim's `MathUtil.mad`
/// ([`mad`]: medians by commons-math's percentile rule, no 1.4826 consistency factor), over
/// the whole history.
///
/// The MAD is used only when `countNonZeroBeginning(history) ≥ min_history` (CloudSim: 12);
/// otherwise the detector falls back to `u > fallback_threshold` (CloudSim's examples: a THR
/// policy with 0.7). That count ([`count_non_zero_beginning`]) is the length of the history up
/// to its last non-zero value, interior zeros included — for CloudSim's trimmed histories
/// simply their length, and 1 for an idle host's `[0.0]`.
///
/// The comparison is strict in both branches; a NaN anywhere makes the host not overloaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MadDetector {
    safety: f64,
    fallback_threshold: f64,
    min_history: usize,
}

impl MadDetector {
    /// CloudSim's MAD safety parameter s = 2.5 (`RunnerAbstract`, the PlanetLab examples).
    pub const CLOUDSIM_SAFETY: f64 = 2.5;
    /// CloudSim's fallback THR threshold 0.7 (`RunnerAbstract.getVmAllocationPolicy`).
    pub const CLOUDSIM_FALLBACK_THRESHOLD: f64 = 0.7;
    /// CloudSim's minimum history: 12 values ("12 has been suggested as a safe value",
    /// `getHostUtilizationMad`).
    pub const CLOUDSIM_MIN_HISTORY: usize = 12;

    /// A detector with safety parameter `safety` (≥ 0), fallback threshold
    /// `fallback_threshold` (> 0) and minimum history `min_history` (≥ 1).
    ///
    /// # Errors
    /// A value out of range, named by its registry key.
    pub fn new(safety: f64, fallback_threshold: f64, min_history: usize) -> Result<Self, ParamError> {
        Ok(Self {
            safety: check_safety("safety", safety)?,
            fallback_threshold: check_threshold("fallback_threshold", fallback_threshold)?,
            min_history: check_count("min_history", min_history, 1, MIN_HISTORY_WHY)?,
        })
    }

    /// The upper utilisation threshold `1 − safety·MAD` for `history`, or `None` when the
    /// history is too short and the fallback applies.
    pub fn upper_threshold(&self, history: &[f64]) -> Option<f64> {
        (count_non_zero_beginning(history) >= self.min_history).then(|| 1.0 - self.safety * mad(history))
    }
}

const MIN_HISTORY_WHY: &str = "a count of history values";

pub(super) fn build(mut params: Params) -> Result<Box<dyn OverloadDetector>, ParamError> {
    let safety = safety_param(&mut params, "safety", MadDetector::CLOUDSIM_SAFETY)?;
    let fallback_threshold = threshold_param(
        &mut params,
        "fallback_threshold",
        MadDetector::CLOUDSIM_FALLBACK_THRESHOLD,
    )?;
    let min_history = count_param(
        &mut params,
        "min_history",
        MadDetector::CLOUDSIM_MIN_HISTORY,
        1,
        MIN_HISTORY_WHY,
    )?;
    params.finish(&["safety", "fallback_threshold", "min_history"])?;
    Ok(Box::new(MadDetector {
        safety,
        fallback_threshold,
        min_history,
    }))
}

impl OverloadDetector for MadDetector {
    fn name(&self) -> &'static str {
        "mad"
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

    fn cloudsim() -> MadDetector {
        MadDetector::new(2.5, 0.7, 12).unwrap()
    }

    #[test]
    fn falls_back_below_twelve_values() {
        // A flat history has MAD 0, so with the MAD the threshold is 1; the fallback says 0.7.
        let d = cloudsim();
        assert!(d.is_overloaded(&load(0.75, &[0.5; 11])));
        assert!(!d.is_overloaded(&load(0.75, &[0.5; 12])));
        assert!(!d.is_overloaded(&load(1.0, &[0.5; 12])));
        assert!(d.is_overloaded(&load(1.000_001, &[0.5; 12])));
    }

    #[test]
    fn threshold_by_hand() {
        // 12 values: six 0.4 and six 0.6 → median 0.4 + 0.5*(0.6 - 0.4) = 0.5, every deviation
        // 0.1 (up to rounding) → MAD ≈ 0.1, Tu = 1 - 2.5*0.1 = 0.75.
        let h = [0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6];
        let tu = cloudsim().upper_threshold(&h).unwrap();
        assert!((tu - 0.75).abs() < 1e-12, "{tu}");
        assert!(cloudsim().is_overloaded(&load(0.76, &h)));
        assert!(!cloudsim().is_overloaded(&load(0.74, &h)));
        assert!(!cloudsim().is_overloaded(&load(f64::NAN, &h)));
    }
}
