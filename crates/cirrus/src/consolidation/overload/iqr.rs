//! IQR: an adaptive threshold from the inter-quartile range of the host's utilisation history
//! (Beloglazov & Buyya, CCPE 2012; CloudSim
//! `PowerVmAllocationPolicyMigrationInterQuartileRange.isHostOverUtilized`).

use super::{
    HostLoad, OverloadDetector, above, check_count, check_safety, check_threshold, count_param, safety_param,
    threshold_param,
};
use crate::consolidation::stats::{count_non_zero_beginning, iqr};
use crate::params::{ParamError, Params};

/// Overloaded when `u > 1 − safety · IQR(history)`, with CloudSim's own quartile rule
/// ([`iqr`]: rounded indices, no interpolation), over the whole history.
///
/// The IQR is used only when `countNonZeroBeginning(history) ≥ min_history` (CloudSim: 12, "a
/// safe value"); otherwise the detector falls back to `u > fallback_threshold` (CloudSim's
/// examples: a THR policy with 0.7). That count ([`count_non_zero_beginning`]) is the length
/// of the history up to its last non-zero value, interior zeros included — for CloudSim's
/// trimmed histories simply their length, and 1 for an idle host's `[0.0]`.
///
/// The comparison is strict in both branches; a NaN anywhere makes the host not overloaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IqrDetector {
    safety: f64,
    fallback_threshold: f64,
    min_history: usize,
}

impl IqrDetector {
    /// CloudSim's IQR safety parameter s = 1.5 (`RunnerAbstract`, the PlanetLab examples).
    pub const CLOUDSIM_SAFETY: f64 = 1.5;
    /// CloudSim's fallback THR threshold 0.7 (`RunnerAbstract.getVmAllocationPolicy`).
    pub const CLOUDSIM_FALLBACK_THRESHOLD: f64 = 0.7;
    /// CloudSim's minimum history: 12 values ("12 has been suggested as a safe value",
    /// `getHostUtilizationIqr`).
    pub const CLOUDSIM_MIN_HISTORY: usize = 12;

    /// A detector with safety parameter `safety` (≥ 0), fallback threshold
    /// `fallback_threshold` (> 0) and minimum history `min_history` (≥ 2: the quartile
    /// indices need two values).
    ///
    /// # Errors
    /// A value out of range, named by its registry key.
    pub fn new(safety: f64, fallback_threshold: f64, min_history: usize) -> Result<Self, ParamError> {
        Ok(Self {
            safety: check_safety("safety", safety)?,
            fallback_threshold: check_threshold("fallback_threshold", fallback_threshold)?,
            min_history: check_count("min_history", min_history, 2, MIN_HISTORY_WHY)?,
        })
    }

    /// The upper utilisation threshold `1 − safety·IQR` for `history`, or `None` when the
    /// history is too short and the fallback applies.
    pub fn upper_threshold(&self, history: &[f64]) -> Option<f64> {
        (count_non_zero_beginning(history) >= self.min_history).then(|| 1.0 - self.safety * iqr(history))
    }
}

const MIN_HISTORY_WHY: &str = "the quartile indices need two values";

pub(super) fn build(mut params: Params) -> Result<Box<dyn OverloadDetector>, ParamError> {
    let safety = safety_param(&mut params, "safety", IqrDetector::CLOUDSIM_SAFETY)?;
    let fallback_threshold = threshold_param(
        &mut params,
        "fallback_threshold",
        IqrDetector::CLOUDSIM_FALLBACK_THRESHOLD,
    )?;
    let min_history = count_param(
        &mut params,
        "min_history",
        IqrDetector::CLOUDSIM_MIN_HISTORY,
        2,
        MIN_HISTORY_WHY,
    )?;
    params.finish(&["safety", "fallback_threshold", "min_history"])?;
    Ok(Box::new(IqrDetector {
        safety,
        fallback_threshold,
        min_history,
    }))
}

impl OverloadDetector for IqrDetector {
    fn name(&self) -> &'static str {
        "iqr"
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

    fn cloudsim() -> IqrDetector {
        IqrDetector::new(1.5, 0.7, 12).unwrap()
    }

    #[test]
    fn falls_back_below_twelve_values() {
        // A flat history has IQR 0, so with the IQR the threshold is 1; the fallback says 0.7.
        let d = cloudsim();
        assert!(d.is_overloaded(&load(0.75, &[0.5; 11])));
        assert!(!d.is_overloaded(&load(0.75, &[0.5; 12])));
        assert!(d.is_overloaded(&load(1.01, &[0.5; 12])));
        assert!(!d.is_overloaded(&load(1.0, &[0.5; 12])));
        assert!(!d.is_overloaded(&load(0.7, &[0.5; 11])));
    }

    #[test]
    fn interior_zeros_count_trailing_zeros_do_not() {
        let d = cloudsim();
        let mut h = [0.5; 12];
        h[3] = 0.0;
        assert_eq!(d.upper_threshold(&h), Some(1.0));
        h[3] = 0.5;
        h[11] = 0.0;
        assert_eq!(d.upper_threshold(&h), None);
        assert_eq!(d.upper_threshold(&[0.0]), None);
    }

    #[test]
    fn threshold_by_hand() {
        // Sorted 0.1..1.2 in steps of 0.1: q1 = x[2] = 0.3, q3 = x[9] = 1.0, IQR = 0.7;
        // Tu = 1 - 1.5*0.7 = -0.05 (so any load is overloaded).
        let h: Vec<f64> = (1..=12).rev().map(|i| f64::from(i) / 10.0).collect();
        let tu = cloudsim().upper_threshold(&h).unwrap();
        assert!((tu - (1.0 - 1.5 * 0.7)).abs() < 1e-12, "{tu}");
        assert!(cloudsim().is_overloaded(&load(0.0, &h)));
    }
}
