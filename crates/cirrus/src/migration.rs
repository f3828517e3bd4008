//! How long a live migration takes and what it costs.
//!
//! The consolidation loop asks a [`MigrationModel`] for each move it decides.
//! The baseline is CloudSim's: a fixed delay of RAM over half the target's
//! bandwidth, during which the VM runs at 90 % at the source and the target
//! already holds its capacity (the 90 %/10 % shares live in
//! [`crate::datacenter::time_shared`]).

use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};
use crate::registry::Entry;

/// Bits in a byte: RAM is in MB, bandwidth in Mbit/s.
const BITS_PER_BYTE: f64 = 8.0;

/// What one migration will take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationPlan {
    /// From start to the VM running at the target, seconds.
    pub duration_s: f64,
    /// Time the VM is suspended, seconds.
    pub downtime_s: f64,
    /// Data sent over the network, MB.
    pub data_mb: f64,
}

/// A live-migration model.
pub trait MigrationModel: Send + Sync + std::fmt::Debug {
    /// The registered name.
    fn name(&self) -> &'static str;

    /// The plan for moving VM `vm` from `source` to `target` now.
    fn plan(&self, dc: &Datacenter, vm: VmId, source: HostId, target: HostId) -> MigrationPlan;

    /// What a planner should expect moving `vm` off `host` to take, before a
    /// target is known (the look-ahead of the LR/LRR overload detectors).
    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64;
}

/// CloudSim's migration: `T = RAM / (bw × share)` with `share` = ½ ("we use
/// BW / 2 to model BW available for migration purposes, the other half of BW
/// is for VM communication", `PowerDatacenter.java:128`), no downtime, the
/// whole RAM sent once. 870 MB over 1 Gbit/s: 13.92 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedDelay {
    /// Fraction of the target host's bandwidth a migration uses.
    pub bandwidth_share: f64,
}

impl FixedDelay {
    /// CloudSim's half of the link.
    pub const CLOUDSIM: Self = Self { bandwidth_share: 0.5 };

    fn duration(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64 {
        let ram_mb = dc.vm_type(vm).ram_mb as f64;
        // Same operation order as CloudSim: RAM / (bw / (2 × 8000)).
        ram_mb / (dc.host_type(host).bw_mbps * self.bandwidth_share / BITS_PER_BYTE)
    }
}

impl MigrationModel for FixedDelay {
    fn name(&self) -> &'static str {
        "cloudsim"
    }

    fn plan(&self, dc: &Datacenter, vm: VmId, _source: HostId, target: HostId) -> MigrationPlan {
        MigrationPlan {
            duration_s: self.duration(dc, vm, target),
            downtime_s: 0.0,
            data_mb: dc.vm_type(vm).ram_mb as f64,
        }
    }

    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64 {
        self.duration(dc, vm, host)
    }
}

fn build_fixed(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let share = params
        .number("bandwidth_share")?
        .unwrap_or(FixedDelay::CLOUDSIM.bandwidth_share);
    params.finish(&["bandwidth_share"])?;
    if !(share > 0.0 && share <= 1.0) {
        return Err(ParamError::new(
            "bandwidth_share",
            format!("must be in (0, 1], found {share}"),
        ));
    }
    Ok(Box::new(FixedDelay {
        bandwidth_share: share,
    }))
}

/// Registered migration models (see [`crate::registry`]).
pub(crate) static REGISTRY: &[Entry<dyn MigrationModel>] = &[Entry {
    name: "cloudsim",
    summary: "fixed delay RAM / (bandwidth x share), share 0.5; 10 % CPU penalty at the source (CloudSim PowerDatacenter)",
    build: build_fixed,
}];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    #[test]
    fn cloudsim_durations() {
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0, 500.0, 500.0]);
        s.vm_types[0].ram_mb = 870;
        s.vm_types[1].ram_mb = 1740;
        s.vm_types[2].ram_mb = 613;
        let dc = Datacenter::new(s);
        let m = FixedDelay::CLOUDSIM;
        let d = |v| m.plan(&dc, VmId(v), HostId(0), HostId(0)).duration_s;
        // reference/cloudsim.md 3.2: 13.92 s, 27.84 s, 9.808 s at 1 Gbit/s.
        assert_eq!(d(0), 870.0 / 62.5);
        assert_eq!(d(1), 27.84);
        assert_eq!(d(2), 9.808);
        assert_eq!(m.estimate_duration_s(&dc, VmId(1), HostId(0)), 27.84);
    }

    #[test]
    fn share_is_validated() {
        let mut p = Params::default();
        p.insert("bandwidth_share", crate::params::ParamValue::Number(0.0));
        assert_eq!(build_fixed(p).unwrap_err().key, "bandwidth_share");
    }
}
