//! What a migration will take, before it runs, for the models defined by their process alone
//! (stop-and-copy, pre-copy, time-series, post-copy, hybrid).
//!
//! Such a model implements [`ProcessModel`] (its name and how a migration starts); it then is
//! a [`MigrationModel`] whose [`plan`](MigrationModel::plan) and
//! [`estimate_duration_s`](MigrationModel::estimate_duration_s) run that very process for an
//! idle VM alone on the slower end's link ([`simulate_alone`]): the datacenter does not hold
//! the VM's dirtying, so this is a lower bound, the same for every such model.

use super::alone::{drive, validate};
use super::{
    MigrationModel, MigrationPlan, MigrationProcess, MigrationStart, Prediction, PredictionInput, VmMemory,
    rebox,
};
use crate::datacenter::{Datacenter, HostId, VmId};

/// A migration model defined by its [`MigrationProcess`] alone; every one is a
/// [`MigrationModel`] priced as an idle VM alone (see the module docs).
///
/// Not re-exported: `migration/mod.rs` does not name it, so glob imports of the migration
/// module never see two `name` methods on one model.
pub(crate) trait ProcessModel: Send + Sync + std::fmt::Debug {
    /// The process this model runs.
    type Process: MigrationProcess;

    /// The registered name.
    fn name(&self) -> &'static str;

    /// Starts one migration as a process the simulator drives phase by phase.
    fn new_process(&self, start: &MigrationStart<'_>) -> Self::Process;

    /// [`MigrationModel::predict`].
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction;
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

    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        ProcessModel::predict(self, input)
    }

    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess> {
        Box::new(self.new_process(start))
    }

    fn start_in(
        &self,
        start: &MigrationStart<'_>,
        spare: Option<Box<dyn MigrationProcess>>,
    ) -> Box<dyn MigrationProcess> {
        rebox(spare, self.new_process(start))
    }
}

/// The plan of an idle VM of `ram_mb` alone on a link of `bw_mbps`: the model's own process,
/// driven as [`simulate_alone`](super::simulate_alone) drives it, unboxed (planners ask
/// this again and again). Infinite when the link cannot carry it.
fn idle_plan<T: ProcessModel>(model: &T, ram_mb: f64, bw_mbps: f64) -> MigrationPlan {
    let memory = VmMemory::idle(ram_mb);
    if validate(&memory, bw_mbps, 1.0).is_err() {
        return MigrationPlan {
            duration_s: f64::INFINITY,
            downtime_s: f64::INFINITY,
            data_mb: ram_mb,
        };
    }
    let mut process = model.new_process(&MigrationStart::new(&memory, bw_mbps, 0.0));
    let r = drive(&mut process, bw_mbps, 1.0, |_| {});
    MigrationPlan {
        duration_s: r.total_s,
        downtime_s: r.downtime_s,
        data_mb: r.data_mb,
    }
}

/// [`idle_plan`] from the datacenter: the VM's RAM over the slower of the two hosts' links.
fn idle_plan_in<T: ProcessModel>(
    model: &T,
    dc: &Datacenter,
    vm: VmId,
    source: HostId,
    target: HostId,
) -> MigrationPlan {
    let bw = dc.host_type(source).bw_mbps.min(dc.host_type(target).bw_mbps);
    idle_plan(model, dc.vm_type(vm).ram_mb as f64, bw)
}
