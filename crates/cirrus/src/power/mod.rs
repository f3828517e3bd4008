//! Server power models: watts as a function of CPU utilisation.
//!
//! CloudSim's definitions (`org.cloudbus.cloudsim.power.models`) are reproduced
//! exactly, including their quirks: the analytical models return 0 W at zero
//! utilisation (the host is taken to be off), the SPECpower tables return their
//! idle entry.

use crate::params::{ParamError, Params};
use crate::registry::Entry;

/// Power draw of a server as a function of its CPU utilisation.
pub trait PowerModel: Send + Sync + std::fmt::Debug {
    /// Power in watts at utilisation `utilization` ∈ [0, 1]. Callers clamp to
    /// that range; implementations may `debug_assert!` it.
    fn power_watts(&self, utilization: f64) -> f64;

    /// Power in watts at full load (what CloudSim's non-power-aware datacenter
    /// charges for every host at every instant).
    fn max_power_watts(&self) -> f64 {
        self.power_watts(1.0)
    }
}

/// Registered power models (see [`crate::registry`]).
pub(crate) static REGISTRY: &[Entry<dyn PowerModel>] = &[];

#[allow(dead_code)]
fn no_params(p: Params) -> Result<(), ParamError> {
    p.finish(&[])
}
