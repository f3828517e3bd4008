//! How long evacuating a host takes, for the coverage of the reliability
//! model: P(evacuation finishes within the warning).
//!
//! Computed from each VM type's migration model in closed form
//! ([`MigrationModel::predict`], no process is run) over its share of the
//! host link: the VMs of a failing host all leave at once through its link,
//! which max-min sharing splits evenly between them, so each moves at
//! link / (VMs on the host) and they finish together. Where the model's
//! prediction is exact (see `docs/MODELS.md` A.6) this is what
//! `cirrus migrate` would simulate; a test holds the two together.

use crate::migration::{MigrationModel, PredictionInput, VmMemory};
use crate::params::ParamError;

/// One VM type's migration in an evacuation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvacuationEstimate {
    /// Seconds from the warning to the VM running on its new host.
    pub total_s: f64,
    /// Seconds the VM is paused by the move.
    pub downtime_s: f64,
    /// The bandwidth it was given, Mbit/s.
    pub bandwidth_mbps: f64,
}

/// The migration with `model` of a VM of `memory` evacuated from a host
/// whose `link_mbps` it shares with `vms_sharing` − 1 others leaving at the
/// same time, the VM at its full CPU (the most dirtying).
///
/// # Errors
/// A link not > 0.
pub fn evacuation_estimate(
    model: &dyn MigrationModel,
    memory: &VmMemory,
    link_mbps: f64,
    vms_sharing: usize,
) -> Result<EvacuationEstimate, ParamError> {
    if !(link_mbps.is_finite() && link_mbps > 0.0) {
        return Err(ParamError::new(
            "bandwidth_mbps",
            format!("a bandwidth > 0 Mbit/s is expected, found {link_mbps}"),
        ));
    }
    let bandwidth_mbps = link_mbps / vms_sharing.max(1) as f64;
    let prediction = model.predict(&PredictionInput::alone(memory, bandwidth_mbps));
    Ok(EvacuationEstimate {
        total_s: prediction.total_s,
        downtime_s: prediction.downtime_s,
        bandwidth_mbps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::StopAndCopy;

    #[test]
    fn sharing_the_link_slows_each_move_in_proportion() {
        // Stop-and-copy of 1024 MB: 1000 Mbit/s = 125 MB/s → 8.192 s alone,
        // 4 × that when four VMs share the link.
        let model = StopAndCopy::default();
        let memory = VmMemory::idle(1024.0);
        let alone = evacuation_estimate(&model, &memory, 1000.0, 1).unwrap();
        let four = evacuation_estimate(&model, &memory, 1000.0, 4).unwrap();
        assert!((alone.total_s - 8.192).abs() < 1e-9, "{}", alone.total_s);
        assert!((four.total_s - 4.0 * alone.total_s).abs() < 1e-9);
        assert_eq!(four.bandwidth_mbps, 250.0);
        // Stop-and-copy pauses the VM the whole time.
        assert!((four.downtime_s - four.total_s).abs() < 1e-9);
        assert!(evacuation_estimate(&model, &memory, 0.0, 1).is_err());
    }

    #[test]
    fn the_closed_form_agrees_with_the_process_alone_for_pre_copy() {
        // What `cirrus migrate` runs: constant dirtying, pre-copy's default stop rules.
        let model = crate::migration::PreCopy::default();
        let memory = VmMemory::constant(1024.0, 20.0);
        let e = evacuation_estimate(&model, &memory, 1000.0, 8).unwrap();
        let alone = crate::migration::simulate_alone(&model, &memory, e.bandwidth_mbps, 1.0).unwrap();
        assert!(
            (e.total_s - alone.total_s).abs() <= 1e-9 * alone.total_s,
            "{e:?} {alone:?}"
        );
        assert!((e.downtime_s - alone.downtime_s).abs() <= 1e-9 * alone.downtime_s.max(1e-9));
    }
}
