//! THR: a static utilisation threshold (Beloglazov & Buyya, CCPE 2012; CloudSim
//! `PowerVmAllocationPolicyMigrationStaticThreshold.isHostOverUtilized`).

use super::{HostLoad, OverloadDetector, above, check_threshold, threshold_param};
use crate::params::{ParamError, Params};

/// Overloaded when the requested utilisation is **strictly** above a fixed threshold,
/// `u > threshold` (so a host at exactly the threshold is not overloaded; NaN never is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrDetector {
    threshold: f64,
}

impl ThrDetector {
    /// The threshold of CloudSim's THR examples (`RunnerAbstract`: 0.8); the registry default.
    pub const CLOUDSIM_THRESHOLD: f64 = 0.8;

    /// A detector with the given threshold, a fraction of host capacity.
    ///
    /// # Errors
    /// `threshold` not in `(0, 1]` (key `threshold`); a percentage such as `80` gets a hint.
    /// 1 is allowed: it flags only hosts whose VMs request more than the capacity.
    pub fn new(threshold: f64) -> Result<Self, ParamError> {
        Ok(Self {
            threshold: check_threshold("threshold", threshold)?,
        })
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn OverloadDetector>, ParamError> {
    let threshold = threshold_param(&mut params, "threshold", ThrDetector::CLOUDSIM_THRESHOLD)?;
    params.finish(&["threshold"])?;
    Ok(Box::new(ThrDetector { threshold }))
}

impl OverloadDetector for ThrDetector {
    fn name(&self) -> &'static str {
        "thr"
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        above(load, self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::overload::test_load as load;

    #[test]
    fn strictly_above_the_threshold() {
        let d = ThrDetector::new(0.8).unwrap();
        assert!(!d.is_overloaded(&load(0.8, &[])));
        assert!(d.is_overloaded(&load(0.800_000_1, &[])));
        assert!(d.is_overloaded(&load(1.3, &[])));
        assert!(!d.is_overloaded(&load(f64::NAN, &[])));
    }

    #[test]
    fn constructor_validates() {
        assert!(ThrDetector::new(0.0).is_err());
        assert!(ThrDetector::new(f64::INFINITY).is_err());
        assert_eq!(ThrDetector::new(1.0).unwrap().threshold(), 1.0);
        let err = ThrDetector::new(80.0).unwrap_err();
        assert_eq!(err.key, "threshold");
        assert!(err.message.ends_with("did you mean 0.8?"), "{err}");
        assert!(ThrDetector::new(1.5).is_err());
    }
}
