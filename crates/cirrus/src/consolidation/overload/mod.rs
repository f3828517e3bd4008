//! Host overload detection: is a host so loaded that VMs must leave it?
//!
//! The five detectors of Beloglazov & Buyya, "Optimal online deterministic algorithms and
//! adaptive heuristics for energy and performance efficient dynamic consolidation of virtual
//! machines in Cloud data centers", CCPE 24(13), 2012, exactly as CloudSim
//! 3.0.3/4.0 implements them in `org.cloudbus.cloudsim.power` (quirks included; each file says
//! which):
//!
//! | name | type | CloudSim class (`PowerVmAllocationPolicyMigration…`) |
//! |---|---|---|
//! | `thr` | [`ThrDetector`] | `…StaticThreshold` |
//! | `iqr` | [`AdaptiveThresholdDetector`] on [`Spread::Iqr`] | `…InterQuartileRange` |
//! | `mad` | [`AdaptiveThresholdDetector`] on [`Spread::Mad`] | `…MedianAbsoluteDeviation` |
//! | `lr` | [`LrDetector`] | `…LocalRegression` |
//! | `lrr` | [`LrDetector`] (robust) | `…LocalRegressionRobust` |
//!
//! The adaptive ones fall back to a static threshold (CloudSim's examples: THR 0.7,
//! `RunnerAbstract.getVmAllocationPolicy`) while a host's history is too short.
//!
//! A detector sees a [`HostLoad`]: the host's current utilisation and its utilisation history,
//! which the caller builds as CloudSim does (see the field docs). NaN never makes a host
//! overloaded: every test is a comparison that NaN fails, as in Java.

mod adaptive;
mod lr;
mod thr;

pub use adaptive::{AdaptiveThresholdDetector, Spread};
pub use lr::{LrDetector, LrWeighting};
pub use thr::ThrDetector;

use crate::catalog::Entry;
use crate::params::{ParamError, Params, check_fraction};

/// What an overload detector sees of one host at a decision instant.
#[derive(Debug, Clone, Copy)]
pub struct HostLoad<'a> {
    /// MIPS currently requested by the host's VMs / host capacity (CloudSim: sum of
    /// getCurrentRequestedTotalMips / getTotalMips); may exceed 1.
    pub utilization: f64,
    /// CloudSim PowerHostUtilizationHistory.getUtilizationHistory(): newest first, fractions of
    /// host capacity, trailing zeros already trimmed.
    ///
    /// CloudSim sums, over the VMs *currently* on the host (including one tentatively placed
    /// there by PABFD's admission test), each VM's own history scaled by `vm MIPS / host
    /// MIPS`, then trims with [`trim_zero_tail`](crate::consolidation::stats::trim_zero_tail),
    /// so the history of an idle host is `[0.0]`, never empty.
    pub history: &'a [f64],
    /// Longest migration time among the host's VMs, seconds (LR's look-ahead).
    pub max_migration_time_s: f64,
    /// The scheduling interval, seconds.
    pub scheduling_interval_s: f64,
}

/// Decides whether a host is overloaded.
pub trait OverloadDetector: Send + Sync + std::fmt::Debug {
    /// Registered name.
    fn name(&self) -> &'static str;
    /// Is the host overloaded?
    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool;

    /// The detector as LR/LRR, if it is one (for
    /// [`LineCache`](crate::consolidation::lr_admission::LineCache)'s O(1)
    /// admission tests).
    fn as_lr(&self) -> Option<&LrDetector> {
        None
    }
}

/// This family's catalogue (see [`crate::catalog`]): every overload detector by name. A new one is a
/// file in this module and one line here.
pub(crate) static CATALOG: &[Entry<Box<dyn OverloadDetector>>] = &[
    Entry {
        name: "thr",
        summary: "static threshold: u > threshold (Beloglazov & Buyya, CCPE 2012; CloudSim \
                  PowerVmAllocationPolicyMigrationStaticThreshold); param threshold (0.8)",
        build: thr::build,
    },
    Entry {
        name: "iqr",
        summary: "inter-quartile range: u > 1 - safety*IQR(history), THR fallback on short histories \
                  (CCPE 2012; CloudSim ...InterQuartileRange); params safety (1.5), \
                  fallback_threshold (0.7), min_history (12)",
        build: |p| adaptive::build(Spread::Iqr, p),
    },
    Entry {
        name: "mad",
        summary: "median absolute deviation: u > 1 - safety*MAD(history), THR fallback on short \
                  histories (CCPE 2012; CloudSim ...MedianAbsoluteDeviation); params safety (2.5), \
                  fallback_threshold (0.7), min_history (12)",
        build: |p| adaptive::build(Spread::Mad, p),
    },
    Entry {
        name: "lr",
        summary: "local regression: safety * predicted u >= 1 (CCPE 2012; CloudSim \
                  ...LocalRegression: an unweighted OLS line); params safety (1.2), \
                  fallback_threshold (0.7), window (10), weighting (\"cloudsim\" | \"tricube\")",
        build: |p| lr::build(false, p),
    },
    Entry {
        name: "lrr",
        summary: "robust local regression (CCPE 2012; CloudSim ...LocalRegressionRobust, identical \
                  to lr with weighting \"cloudsim\"); params as lr; \"tricube\" adds bisquare \
                  robustness",
        build: |p| lr::build(true, p),
    },
];

/// The static-threshold test every adaptive detector falls back to (CloudSim delegates to a
/// `PowerVmAllocationPolicyMigrationStaticThreshold`): strictly greater.
#[inline]
fn above(load: &HostLoad<'_>, threshold: f64) -> bool {
    load.utilization > threshold
}

/// Checks a threshold: a fraction of host capacity in `(0, 1]`.
///
/// A threshold is a fraction ([`check_fraction`]), so `80` meant as a percentage is an error
/// with a hint, not a threshold no host ever reaches. 0 would flag every host with any load.
/// 1 is allowed: utilisation counts *requested* MIPS, which may exceed the capacity under the
/// time-shared, oversubscribing CPU scheduler, so such a threshold flags only oversubscribed
/// hosts.
fn check_threshold(key: &str, value: f64) -> Result<f64, ParamError> {
    let value = check_fraction(key, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("expected a utilisation threshold in (0, 1] (fraction of capacity), found {value}"),
        ))
    }
}

/// Takes a threshold parameter (see [`check_threshold`]), default `default`.
fn threshold_param(params: &mut Params, key: &str, default: f64) -> Result<f64, ParamError> {
    check_threshold(key, params.number(key)?.unwrap_or(default))
}

/// Checks a safety parameter: finite and ≥ 0 (CloudSim's `setSafetyParameter` exits on a
/// negative value).
fn check_safety(key: &str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("expected a finite safety parameter >= 0, found {value}"),
        ))
    }
}

/// Takes a safety parameter (see [`check_safety`]), default `default`.
fn safety_param(params: &mut Params, key: &str, default: f64) -> Result<f64, ParamError> {
    check_safety(key, params.number(key)?.unwrap_or(default))
}

/// Checks a count: at least `min` (`why` says why, for the message).
fn check_count(key: &str, value: usize, min: usize, why: &str) -> Result<usize, ParamError> {
    if value >= min {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("expected an integer >= {min} ({why}), found {value}"),
        ))
    }
}

/// Takes an integer parameter ≥ `min`, default `default`.
fn count_param(
    params: &mut Params,
    key: &str,
    default: usize,
    min: usize,
    why: &str,
) -> Result<usize, ParamError> {
    // Far above any history length; keeps the conversion to usize exact.
    const MAX: f64 = 1e9;
    match params.number(key)? {
        None => check_count(key, default, min, why),
        Some(x) if x.fract() == 0.0 && (0.0..=MAX).contains(&x) => check_count(key, x as usize, min, why),
        Some(x) => Err(ParamError::new(
            key,
            format!("expected an integer >= {min} ({why}), found {x}"),
        )),
    }
}

/// A load with no migration time at CloudSim's 300 s interval, for the detectors' tests.
#[cfg(test)]
fn test_load(utilization: f64, history: &[f64]) -> HostLoad<'_> {
    HostLoad {
        utilization,
        history,
        max_migration_time_s: 0.0,
        // CloudSim's PlanetLab examples: SCHEDULING_INTERVAL = 300 s.
        scheduling_interval_s: 300.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    #[test]
    fn registry_names_are_unique_and_build_with_defaults() {
        let mut names: Vec<_> = CATALOG.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        for e in CATALOG {
            let detector = (e.build)(Params::new()).unwrap();
            assert_eq!(detector.name(), e.name);
            assert!(!e.summary.is_empty());
        }
    }

    #[test]
    fn unknown_and_out_of_range_parameters_are_named() {
        for e in CATALOG {
            let p = Params::new().with("tresh", ParamValue::Number(0.5));
            assert_eq!((e.build)(p).unwrap_err().key, "tresh", "{}", e.name);
        }
        let bad = [
            ("thr", "threshold", ParamValue::Number(0.0)),
            ("thr", "threshold", ParamValue::Number(80.0)),
            ("thr", "threshold", ParamValue::Number(1.05)),
            ("lr", "fallback_threshold", ParamValue::Number(7.0)),
            ("iqr", "fallback_threshold", ParamValue::Number(70.0)),
            ("iqr", "safety", ParamValue::Number(-1.0)),
            ("iqr", "min_history", ParamValue::Number(1.0)),
            ("mad", "min_history", ParamValue::Number(2.5)),
            ("mad", "fallback_threshold", ParamValue::Number(-0.7)),
            ("lr", "window", ParamValue::Number(2.0)),
            ("lr", "weighting", ParamValue::Text("gaussian".into())),
            ("lrr", "weighting", ParamValue::Number(1.0)),
        ];
        for (name, key, value) in bad {
            let entry = CATALOG.iter().find(|e| e.name == name).unwrap();
            let err = (entry.build)(Params::new().with(key, value)).unwrap_err();
            assert_eq!(err.key, key, "{name}: {err}");
        }
    }
}
