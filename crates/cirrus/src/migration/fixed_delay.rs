//! CloudSim's migration: a fixed delay, no downtime, the RAM sent once.

use super::process::{Ledger, Phase, PhaseEffects, PhaseKind, StopReason, rebox, wait};
use super::{
    BITS_PER_BYTE, Completion, MigrationModel, MigrationPlan, MigrationProcess, MigrationReport,
    MigrationStart, Prediction, PredictionInput,
};
use super::{PhaseOutcome, VmMemory};
use crate::datacenter::time_shared::{MIGRATION_IN_FACTOR, MIGRATION_OUT_FACTOR};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

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
        self.delay_s(dc.vm_type(vm).ram_mb as f64, dc.host_type(host).bw_mbps)
    }

    /// The delay for `ram_mb` over a target link of `bw_mbps`.
    fn delay_s(&self, ram_mb: f64, bw_mbps: f64) -> f64 {
        // Same operation order as CloudSim: RAM / (bw / (2 × 8000)).
        ram_mb / (bw_mbps * self.bandwidth_share / BITS_PER_BYTE)
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

    /// Exact: the delay over `input.bandwidth_mbps` read as the destination's link, no
    /// downtime, the RAM sent once.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        Prediction {
            total_s: self.delay_s(input.memory.ram_mb, input.bandwidth_mbps),
            downtime_s: 0.0,
            data_mb: input.memory.ram_mb,
            rounds: 0,
            stop: StopReason::FixedDelay,
            approximate: None,
        }
    }

    /// CloudSim's `VM_MIGRATE` events: [`Completion::PerInstant`].
    fn completion(&self) -> Completion {
        Completion::PerInstant
    }

    /// One [`Phase::Wait`] of exactly [`plan`](MigrationModel::plan)'s duration (the VM's RAM
    /// over the target's link, bit for bit the same expression), the VM at the source at
    /// CloudSim's 90 % and 10 % reserved at the destination, then [`Phase::Done`]. It ignores
    /// the network, as CloudSim does; the RAM counts as sent from the start.
    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess> {
        self.start_in(start, None)
    }

    fn start_in(
        &self,
        start: &MigrationStart<'_>,
        spare: Option<Box<dyn MigrationProcess>>,
    ) -> Box<dyn MigrationProcess> {
        rebox(
            spare,
            FixedDelayProcess::new(
                self.delay_s(start.memory.ram_mb, start.target_bw_mbps),
                start.memory,
                start.now_s,
            ),
        )
    }
}

/// A single wait, accounted as the RAM sent once (from the start: nothing is transferred
/// over the network, so nothing is sent progressively).
#[derive(Debug, Clone)]
struct FixedDelayProcess {
    ledger: Ledger,
    duration_s: f64,
    started: bool,
}

impl FixedDelayProcess {
    fn new(duration_s: f64, memory: &VmMemory, now_s: f64) -> Self {
        let mut ledger = Ledger::new(now_s);
        ledger.report.stop = Some(StopReason::FixedDelay);
        ledger.report.data_mb = memory.ram_mb;
        Self {
            ledger,
            duration_s,
            started: false,
        }
    }
}

impl MigrationProcess for FixedDelayProcess {
    fn next(&mut self, previous: PhaseOutcome) -> Phase {
        self.ledger.close(previous);
        if !std::mem::replace(&mut self.started, true) {
            // CloudSim: the VM gets 90 % of its request while migrating, the destination
            // reserves 10 % (VmSchedulerTimeShared).
            let effects = PhaseEffects::cloudsim(MIGRATION_OUT_FACTOR, MIGRATION_IN_FACTOR);
            if let Some(p) = wait(self.duration_s, PhaseKind::FixedDelay, effects) {
                return self.ledger.open(p);
            }
        }
        self.ledger.open(Phase::Done)
    }

    fn report(&self) -> MigrationReport {
        self.ledger.report
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let share = params
        .fraction("bandwidth_share")?
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::simulate_alone;
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
        // docs/CLOUDSIM.md §3.2: 13.92 s, 27.84 s, 9.808 s at 1 Gbit/s.
        assert_eq!(d(0), 870.0 / 62.5);
        assert_eq!(d(1), 27.84);
        assert_eq!(d(2), 9.808);
        assert_eq!(m.estimate_duration_s(&dc, VmId(1), HostId(0)), 27.84);
    }

    #[test]
    fn share_is_validated() {
        let mut p = Params::default();
        p.insert("bandwidth_share", crate::params::ParamValue::Number(0.0));
        assert_eq!(build(p).unwrap_err().key, "bandwidth_share");
    }

    #[test]
    fn cloudsim_process_is_one_wait_of_the_plan() {
        let memory = VmMemory::idle(870.0);
        let mut p = FixedDelay::CLOUDSIM.start(&MigrationStart::new(&memory, 1000.0, 0.0));
        let Phase::Wait {
            duration_s, effects, ..
        } = p.next(PhaseOutcome::START)
        else {
            panic!("expected a wait");
        };
        // Bit for bit the duration `plan` gives (13.92 s).
        assert_eq!(duration_s, 870.0 / 62.5);
        assert_eq!(effects.cpu_factor, MIGRATION_OUT_FACTOR);
        assert_eq!(effects.target_cpu_reserve, MIGRATION_IN_FACTOR);
        assert!(effects.charge_source_in_full);
        // The RAM counts as sent from the start: a run cut short mid-wait reports it.
        assert_eq!(p.report().data_mb, 870.0);
        assert_eq!(p.next(PhaseOutcome::new(duration_s, 0.9)), Phase::Done);
        assert_eq!(p.next(PhaseOutcome::START), Phase::Done);
        let r = p.report();
        assert_eq!((r.total_s, r.downtime_s, r.data_mb), (13.92, 0.0, 870.0));
        assert_eq!(r.stop, Some(StopReason::FixedDelay));
        let alone = simulate_alone(&FixedDelay::CLOUDSIM, &memory, 1000.0, 1.0).unwrap();
        assert_eq!(alone, r);
    }
}
