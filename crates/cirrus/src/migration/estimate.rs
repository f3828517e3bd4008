//! What a migration will take, before it runs, for the models defined by their process alone
//! (stop-and-copy, pre-copy, time-series, post-copy, hybrid).
//!
//! Such a model implements [`ProcessModel`] (its name and how a migration starts); it then is
//! a [`MigrationModel`] whose [`plan`](MigrationModel::plan) and
//! [`estimate_duration_s`](MigrationModel::estimate_duration_s) run that very process for an
//! idle VM alone on the slower end's link ([`simulate_alone`]): the datacenter does not hold
//! the VM's dirtying, so this is a lower bound, the same for every such model.

use super::{MigrationModel, MigrationPlan, MigrationProcess, MigrationStart, VmMemory, simulate_alone};
use crate::datacenter::{Datacenter, HostId, VmId};

/// A migration model defined by its [`MigrationProcess`] alone; every one is a
/// [`MigrationModel`] priced as an idle VM alone (see the module docs).
///
/// Not re-exported: `migration/mod.rs` does not name it, so glob imports of the migration
/// module never see two `name`/`start` methods on one model.
pub trait ProcessModel: Send + Sync + std::fmt::Debug {
    /// The registered name.
    fn name(&self) -> &'static str;

    /// Starts one migration as a process the simulator drives phase by phase.
    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess>;
}

impl<T: ProcessModel> MigrationModel for T {
    fn name(&self) -> &'static str {
        ProcessModel::name(self)
    }

    fn plan(&self, dc: &Datacenter, vm: VmId, source: HostId, target: HostId) -> MigrationPlan {
        idle_plan_in(self, dc, vm, source, target)
    }

    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64 {
        idle_plan_in(self, dc, vm, host, host).duration_s
    }

    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess> {
        ProcessModel::start(self, start)
    }
}

/// The plan of an idle VM of `ram_mb` alone on a link of `bw_mbps`. Infinite when the link
/// cannot carry it.
fn idle_plan(model: &dyn MigrationModel, ram_mb: f64, bw_mbps: f64) -> MigrationPlan {
    match simulate_alone(model, &VmMemory::idle(ram_mb), bw_mbps, 1.0) {
        Ok(r) => MigrationPlan {
            duration_s: r.total_s,
            downtime_s: r.downtime_s,
            data_mb: r.data_mb,
        },
        Err(_) => MigrationPlan {
            duration_s: f64::INFINITY,
            downtime_s: f64::INFINITY,
            data_mb: ram_mb,
        },
    }
}

/// [`idle_plan`] from the datacenter: the VM's RAM over the slower of the two hosts' links.
fn idle_plan_in(
    model: &dyn MigrationModel,
    dc: &Datacenter,
    vm: VmId,
    source: HostId,
    target: HostId,
) -> MigrationPlan {
    let bw = dc.host_type(source).bw_mbps.min(dc.host_type(target).bw_mbps);
    idle_plan(model, dc.vm_type(vm).ram_mb as f64, bw)
}
