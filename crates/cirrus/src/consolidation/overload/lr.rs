//! LR and LRR: local regression on the newest utilisation values, extrapolated over the time a
//! migration takes (Beloglazov & Buyya, CCPE 2012; CloudSim
//! `PowerVmAllocationPolicyMigrationLocalRegression.isHostOverUtilized` and
//! `PowerVmAllocationPolicyMigrationLocalRegressionRobust.getParameterEstimates`).

use super::{
    HostLoad, OverloadDetector, above, check_count, check_safety, check_threshold, count_param, safety_param,
    threshold_param,
};
use crate::consolidation::stats::{cloudsim_robust_line, loess_line, ols_line, robust_loess_line};
use crate::params::{ParamError, Params};

/// How the regression line is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LrWeighting {
    /// What CloudSim actually computes (registry value `"cloudsim"`, the default): its tricube
    /// weights are never applied, so LR fits an unweighted OLS line
    /// ([`ols_line`](crate::consolidation::stats::ols_line)) and LRR's bisquare re-weighting
    /// returns the same line
    /// ([`cloudsim_robust_line`](crate::consolidation::stats::cloudsim_robust_line), which also
    /// reproduces its one degenerate exception).
    CloudSim,
    /// What the paper describes (registry value `"tricube"`): Cleveland's tricube-weighted
    /// local linear fit ([`loess_line`](crate::consolidation::stats::loess_line)), with LRR
    /// adding a bisquare robustness step
    /// ([`robust_loess_line`](crate::consolidation::stats::robust_loess_line)).
    Tricube,
}

/// Overloaded when the utilisation predicted for the end of the slowest migration, times a
/// safety parameter, reaches 1:
///
/// ```text
/// (b0 + b1 · (window + ⌈max_migration_time_s / scheduling_interval_s⌉)) · safety ≥ 1
/// ```
///
/// where `(b0, b1)` is the line fitted to the newest `window` history values ordered oldest
/// first (`rev[i] = history[window − 1 − i]`) at `x = 1..window`. Note **`≥`**, not `>`. With
/// the PlanetLab setup the longest migration (a 1740 MB VM at half of 1 Gbit/s, 27.84 s) is
/// one 300 s interval, so the prediction is for `x = 11`.
///
/// A history shorter than `window` (CloudSim: 10) falls back to `u > fallback_threshold`
/// (CloudSim's examples: THR 0.7). Unlike IQR/MAD, the length is the history's length
/// (CloudSim's histories are trimmed of trailing zeros), not a count of non-zero values.
/// A NaN prediction is never `≥ 1`: not overloaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrDetector {
    robust: bool,
    safety: f64,
    fallback_threshold: f64,
    window: usize,
    weighting: LrWeighting,
}

impl LrDetector {
    /// CloudSim's LR/LRR safety parameter s = 1.2 (`RunnerAbstract`, the PlanetLab examples).
    pub const CLOUDSIM_SAFETY: f64 = 1.2;
    /// CloudSim's fallback THR threshold 0.7 (`RunnerAbstract.getVmAllocationPolicy`).
    pub const CLOUDSIM_FALLBACK_THRESHOLD: f64 = 0.7;
    /// CloudSim's regression window: the 10 newest values ("10 to make the regression
    /// responsive enough to latest values", `isHostOverUtilized`).
    pub const CLOUDSIM_WINDOW: usize = 10;

    /// A detector: robust (LRR) or not (LR), with safety parameter `safety` (≥ 0), fallback
    /// threshold `fallback_threshold` (in (0, 1]), regression window `window` (≥ 3: CloudSim's
    /// `getTricubeWeigts` indexes the third value and commons-math's `SimpleRegression`
    /// needs three observations) and weighting `weighting`.
    ///
    /// # Errors
    /// A value out of range, named by its registry key.
    pub fn new(
        robust: bool,
        safety: f64,
        fallback_threshold: f64,
        window: usize,
        weighting: LrWeighting,
    ) -> Result<Self, ParamError> {
        Ok(Self {
            robust,
            safety: check_safety("safety", safety)?,
            fallback_threshold: check_threshold("fallback_threshold", fallback_threshold)?,
            window: check_count("window", window, 3, WINDOW_WHY)?,
            weighting,
        })
    }

    /// The regression window.
    pub fn window(&self) -> usize {
        self.window
    }

    /// The safety parameter.
    pub fn safety(&self) -> f64 {
        self.safety
    }

    /// Is the line an unweighted least-squares fit (LR as CloudSim computes it), whose
    /// coefficients are linear in the history values?
    pub fn is_ols(&self) -> bool {
        !self.robust && self.weighting == LrWeighting::CloudSim
    }

    /// The safety-scaled predicted utilisation CloudSim compares with 1, or `None` when the
    /// history is shorter than the window and the fallback applies.
    pub fn predicted_utilization(&self, load: &HostLoad<'_>) -> Option<f64> {
        let window = self.window;
        let newest = load.history.get(..window)?;
        let estimate = |rev: &[f64]| match (self.weighting, self.robust) {
            (LrWeighting::CloudSim, false) => ols_line(rev),
            (LrWeighting::CloudSim, true) => cloudsim_robust_line(rev),
            (LrWeighting::Tricube, false) => loess_line(rev),
            (LrWeighting::Tricube, true) => robust_loess_line(rev),
        };
        let (b0, b1) = if window <= REVERSED_ON_STACK {
            let mut buf = [0.0; REVERSED_ON_STACK];
            reverse_into(newest, &mut buf[..window]);
            estimate(&buf[..window])
        } else {
            let mut buf = vec![0.0; window];
            reverse_into(newest, &mut buf);
            estimate(&buf)
        };
        let migration_intervals = (load.max_migration_time_s / load.scheduling_interval_s).ceil();
        let predicted = b0 + b1 * (window as f64 + migration_intervals);
        Some(predicted * self.safety)
    }
}

/// Windows up to this length are reversed in a stack buffer (CloudSim's window is 10, its
/// histories at most 30 long).
const REVERSED_ON_STACK: usize = 32;

const WINDOW_WHY: &str = "CloudSim's regression needs three values";

/// `out[i] = newest[len − 1 − i]`: CloudSim's `utilizationHistoryReversed`, oldest first.
fn reverse_into(newest: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(newest.iter().rev()) {
        *o = v;
    }
}

pub(super) fn build(robust: bool, mut params: Params) -> Result<Box<dyn OverloadDetector>, ParamError> {
    let safety = safety_param(&mut params, "safety", LrDetector::CLOUDSIM_SAFETY)?;
    let fallback_threshold = threshold_param(
        &mut params,
        "fallback_threshold",
        LrDetector::CLOUDSIM_FALLBACK_THRESHOLD,
    )?;
    let window = count_param(&mut params, "window", LrDetector::CLOUDSIM_WINDOW, 3, WINDOW_WHY)?;
    let weighting = match params.text("weighting")?.as_deref() {
        None | Some("cloudsim") => LrWeighting::CloudSim,
        Some("tricube") => LrWeighting::Tricube,
        Some(other) => {
            return Err(ParamError::new(
                "weighting",
                format!("expected \"cloudsim\" or \"tricube\", found \"{other}\""),
            ));
        }
    };
    params.finish(&["safety", "fallback_threshold", "window", "weighting"])?;
    Ok(Box::new(LrDetector {
        robust,
        safety,
        fallback_threshold,
        window,
        weighting,
    }))
}

impl OverloadDetector for LrDetector {
    fn name(&self) -> &'static str {
        if self.robust { "lrr" } else { "lr" }
    }

    fn as_lr(&self) -> Option<&LrDetector> {
        Some(self)
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        match self.predicted_utilization(load) {
            Some(predicted) => predicted >= 1.0,
            None => above(load, self.fallback_threshold),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::overload::test_load as load;

    fn cloudsim(robust: bool) -> LrDetector {
        LrDetector::new(robust, 1.2, 0.7, 10, LrWeighting::CloudSim).unwrap()
    }

    /// Newest first: y = 0.25 + 0.05·x at x = 10 (newest) down to x = 1 (oldest).
    fn rising() -> Vec<f64> {
        (1..=10).rev().map(|x| 0.25 + 0.05 * f64::from(x)).collect()
    }

    #[test]
    fn falls_back_below_ten_values() {
        let d = cloudsim(false);
        let h = rising();
        // 9 values: THR 0.7 on the current utilisation.
        assert!(d.is_overloaded(&load(0.71, &h[..9])));
        assert!(!d.is_overloaded(&load(0.7, &h[..9])));
        assert_eq!(d.predicted_utilization(&load(0.71, &h[..9])), None);
        // 10 values: the regression decides, whatever the current utilisation.
        assert!(d.predicted_utilization(&load(0.71, &h)).is_some());
        assert!(!d.is_overloaded(&load(0.71, &h)));
    }

    #[test]
    fn looks_ahead_by_whole_migration_intervals() {
        let d = cloudsim(false);
        let h = rising();
        let at = |migration_s: f64| {
            let l = HostLoad {
                max_migration_time_s: migration_s,
                ..load(0.5, &h)
            };
            (d.predicted_utilization(&l).unwrap(), d.is_overloaded(&l))
        };
        // PlanetLab: 1740 MB at 1 Gbit/s / 2 → 27.84 s → ⌈27.84/300⌉ = 1 interval → x = 11:
        // (0.25 + 0.05·11)·1.2 = 0.96 < 1.
        let (p, over) = at(27.84);
        assert!((p - 0.96).abs() < 1e-12 && !over, "{p}");
        // 300.1 s → 2 intervals → x = 12: 0.85·1.2 = 1.02 ≥ 1.
        let (p, over) = at(300.1);
        assert!((p - 1.02).abs() < 1e-12 && over, "{p}");
        // No migration → x = 10: 0.75·1.2 = 0.9.
        let (p, _) = at(0.0);
        assert!((p - 0.9).abs() < 1e-12, "{p}");
    }

    #[test]
    fn the_comparison_is_at_least_one() {
        // A flat history at 1/1.2: prediction·1.2 = 1 up to rounding; choose safety so the
        // product is exactly 1: flat 0.5, safety 2.
        let d = LrDetector::new(false, 2.0, 0.7, 10, LrWeighting::CloudSim).unwrap();
        assert_eq!(d.predicted_utilization(&load(0.5, &[0.5; 10])), Some(1.0));
        assert!(d.is_overloaded(&load(0.5, &[0.5; 10])));
    }

    #[test]
    fn uses_only_the_newest_window_values() {
        let d = cloudsim(false);
        let mut h = rising();
        let p10 = d.predicted_utilization(&load(0.5, &h)).unwrap();
        h.extend([5.0; 20]);
        assert_eq!(d.predicted_utilization(&load(0.5, &h)), Some(p10));
    }

    #[test]
    fn lrr_is_lr_with_cloudsim_weighting() {
        let h = [0.31, 0.72, 0.15, 0.44, 0.93, 0.27, 0.58, 0.66, 0.12, 0.49, 0.8];
        let (lr, lrr) = (cloudsim(false), cloudsim(true));
        assert_eq!(lr.name(), "lr");
        assert_eq!(lrr.name(), "lrr");
        let l = load(0.5, &h);
        assert_eq!(lr.predicted_utilization(&l), lrr.predicted_utilization(&l));
    }

    #[test]
    fn cloudsim_lrr_differs_from_lr_only_on_exactly_collinear_data() {
        // See stats::cloudsim_robust_line: six values exactly on a flat line, four off it.
        let h = [
            0.03125, 0.09375, 0.09375, 0.03125, 0.0625, 0.0625, 0.0625, 0.0625, 0.0625, 0.0625,
        ];
        let l = load(0.1, &h);
        assert!(!cloudsim(false).is_overloaded(&l));
        assert!(cloudsim(true).is_overloaded(&l));
    }

    #[test]
    fn robust_tricube_ignores_an_outlier() {
        let lr = LrDetector::new(false, 1.0, 0.7, 10, LrWeighting::Tricube).unwrap();
        let lrr = LrDetector::new(true, 1.0, 0.7, 10, LrWeighting::Tricube).unwrap();
        let mut h = vec![0.5; 10];
        h[2] = 1.0; // a spike three intervals ago
        let l = load(0.5, &h);
        let p_lrr = lrr.predicted_utilization(&l).unwrap();
        let p_lr = lr.predicted_utilization(&l).unwrap();
        assert!((p_lrr - 0.5).abs() < 1e-12, "{p_lrr}");
        assert!((p_lr - 0.5).abs() > 0.01, "{p_lr}");
    }

    #[test]
    fn nan_history_is_not_overloaded() {
        let mut h = rising();
        h[4] = f64::NAN;
        assert!(!cloudsim(false).is_overloaded(&load(2.0, &h)));
    }
}
