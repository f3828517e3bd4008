//! Migrations driven phase by phase over the network (issue 4): every model
//! but CloudSim's fixed delay.
//!
//! A migration is a [`MigrationProcess`]: it asks for a wait or a transfer,
//! the simulation carries it out — a timer, or a flow in the max-min fair
//! [`Network`] whose rate changes whenever another flow starts or ends — and
//! reports back how long it took. Each phase's effects are applied to the
//! datacenter for its duration: where the VM runs, the share of its CPU it
//! can use (0 while paused), and, after a post-copy switch-over, the memory
//! the source still holds. Hosts involved are processed before and after
//! every change, so energy and SLA entries follow the phases exactly.

use cirrus_engine::{EventId, Scheduler, SimTime};

use super::{Event, Simulation};
use crate::consolidation::PlannedMigration;
use crate::datacenter::{HostId, MigrationShares, VmId};
use crate::metrics::MigrationRecord;
use crate::migration::{
    MigrationProcess, MigrationStart, Phase, PhaseEffects, PhaseOutcome, StopReason, VmLocation,
};
use crate::network::{FlowId, FlowRequest};

/// A flow's remaining data below which it counts as complete, MB (1 byte).
const FLOW_DONE_MB: f64 = 1e-6;
/// Relative rounding tolerance on flow completion times.
const COMPLETION_SLACK_S: f64 = 1e-9;

/// One migration in flight.
#[derive(Debug)]
pub(super) struct Flight {
    /// Index of its [`MigrationRecord`].
    record: usize,
    vm: VmId,
    source: HostId,
    target: HostId,
    process: Box<dyn MigrationProcess>,
    phase_start_s: f64,
    flow: Option<FlowId>,
    /// The VM already runs at the target (post-copy), the source holds its memory.
    switched: bool,
}

impl Flight {
    /// The VM, its source and target, and whether it already runs at the target.
    pub(super) fn route(&self) -> (VmId, HostId, HostId, bool) {
        (self.vm, self.source, self.target, self.switched)
    }

    /// Its record and what it did so far.
    pub(super) fn partial(&self) -> (usize, crate::migration::MigrationReport) {
        (self.record, self.process.report())
    }
}

impl Simulation {
    /// Starts the planned migrations as processes at `t`.
    ///
    /// CloudSim's planner can send a VM to two hosts in one round (a
    /// destination of an overload move emptied as under-utilised); CloudSim
    /// runs both moves at once and the VM ends at the second. A real
    /// migration cannot have two destinations, so here only the last move of
    /// a VM in a round is started: same outcome, one migration.
    pub(super) fn start_flights(&mut self, t: f64) {
        for i in 0..self.planned.len() {
            let m: PlannedMigration = self.planned[i];
            if self.planned[i + 1..].iter().any(|later| later.vm == m.vm) {
                continue;
            }
            let Some(source) = self.dc.host_of(m.vm) else {
                continue;
            };
            let Some(model) = Simulation::model_of(&self.consolidation, &self.migration_model) else {
                return;
            };
            let vm_type = self.dc.spec().vms[m.vm.index()].vm_type;
            let memory = &self.vm_memory[vm_type];
            let process = model.start(&MigrationStart {
                memory,
                source_bw_mbps: self.dc.host_type(source).bw_mbps,
                target_bw_mbps: self.dc.host_type(m.target).bw_mbps,
                now_s: t,
            });
            let model = model.kind();
            // The destination holds the VM's memory from the start and no CPU.
            self.dc.set_migration_shares(
                m.vm,
                MigrationShares {
                    source: 1.0,
                    target: 0.0,
                    charge_source_in_full: false,
                },
            );
            self.dc.start_migration(m.vm, m.target);
            self.touch(source);
            self.touch(m.target);
            let record = self.migrations.len();
            self.migrations.push(MigrationRecord {
                start_s: t,
                end_s: f64::NAN,
                vm: m.vm.0,
                source: source.0,
                target: m.target.0,
                duration_s: f64::NAN,
                downtime_s: 0.0,
                data_mb: 0.0,
                reason: m.reason,
                model,
                rounds: 0,
                faults: 0,
                stop_reason: None,
            });
            self.vms[m.vm.index()].migrations += 1;
            let slot = self.alloc_flight(Flight {
                record,
                vm: m.vm,
                source,
                target: m.target,
                process,
                phase_start_s: t,
                flow: None,
                switched: false,
            });
            let first = self.flight_mut(slot).process.next(PhaseOutcome::START);
            self.begin_phase(slot, first, t);
        }
        self.process_touched(t);
    }

    fn alloc_flight(&mut self, f: Flight) -> u32 {
        let slot = match self.free_flights.pop() {
            Some(i) => {
                self.flights[i as usize] = Some(f);
                i
            }
            None => {
                self.flights.push(Some(f));
                self.flight_generation.push(0);
                (self.flights.len() - 1) as u32
            }
        };
        // Timers of an earlier flight in this slot (called off by a failure) go stale.
        self.flight_generation[slot as usize] = self.flight_generation[slot as usize].wrapping_add(1);
        slot
    }

    /// Calls off flight `slot` at `t` (a host it needs failed): its transfer
    /// leaves the network, its timers go stale, its record ends as aborted
    /// with what it did so far. Returns the downtime it caused. The caller
    /// puts the VM right in the datacenter.
    pub(super) fn take_flight(&mut self, slot: u32, t: f64) -> f64 {
        let f = self.flights[slot as usize].take().expect("a live flight");
        self.free_flights.push(slot);
        self.flight_generation[slot as usize] = self.flight_generation[slot as usize].wrapping_add(1);
        if let Some(id) = f.flow {
            self.advance_network(t);
            if let Some(net) = self.network.as_mut() {
                net.remove_flow(id).expect("a live flow");
            }
            self.flow_flight.remove(&id);
            self.network_dirty = true;
        }
        self.pending_flows.retain(|(s, _)| *s != slot);
        let report = f.process.report();
        close_record(
            &mut self.migrations[f.record],
            &report,
            t,
            Some(StopReason::Aborted),
        );
        report.downtime_s
    }

    fn flight_mut(&mut self, slot: u32) -> &mut Flight {
        self.flights[slot as usize].as_mut().expect("a live flight")
    }

    /// Carries out `phase` of flight `slot` from `t`.
    fn begin_phase(&mut self, slot: u32, phase: Phase, t: f64) {
        self.flight_mut(slot).phase_start_s = t;
        match phase {
            Phase::Wait {
                duration_s, effects, ..
            } => {
                self.apply_effects(slot, effects);
                let generation = self.flight_generation[slot as usize];
                self.to_schedule
                    .push((t + duration_s.max(0.0), Event::MigrationPhase(slot, generation)));
            }
            Phase::Transfer {
                data_mb,
                rate_cap_mbps,
                effects,
                ..
            } => {
                self.apply_effects(slot, effects);
                let (src, dst) = {
                    let f = self.flight_mut(slot);
                    (f.source.0, f.target.0)
                };
                // Flows started by one event join the network together, with
                // one re-sharing of the links (see `flush_schedule`).
                self.pending_flows.push((
                    slot,
                    FlowRequest {
                        src,
                        dst,
                        data_mb: data_mb.max(0.0),
                        rate_cap_mbps,
                    },
                ));
            }
            Phase::Done => self.land(slot, t),
        }
    }

    /// Where the VM runs and what it can use during a phase.
    fn apply_effects(&mut self, slot: u32, effects: PhaseEffects) {
        let (vm, target, switched) = {
            let f = self.flight_mut(slot);
            (f.vm, f.target, f.switched)
        };
        let cpu = match effects.vm {
            VmLocation::Suspended => 0.0,
            VmLocation::Source | VmLocation::Destination => effects.cpu_factor.clamp(0.0, 1.0),
        };
        if effects.vm == VmLocation::Destination && !switched {
            self.dc.switch_over(vm, target);
            self.flight_mut(slot).switched = true;
        }
        self.dc.set_migration_shares(
            vm,
            MigrationShares {
                source: cpu,
                target: 0.0,
                charge_source_in_full: false,
            },
        );
        let f = self.flight_mut(slot);
        let (s, d) = (f.source, f.target);
        self.touch(s);
        self.touch(d);
    }

    /// The current phase of flight `slot` ended at `t`: hosts are brought up
    /// to date, the process learns how it went and the next phase begins.
    fn end_phase(&mut self, slot: u32, t: f64) {
        let (vm, source, target, start) = {
            let f = self.flight_mut(slot);
            f.flow = None;
            (f.vm, f.source, f.target, f.phase_start_s)
        };
        self.touch(source);
        self.touch(target);
        self.process_touched(t);
        let full = self.dc.vm_type(vm).total_mips();
        // What the VM executed at the end of the phase stands for the phase
        // (shares only change at processing instants).
        let cpu_fraction = if full > 0.0 {
            (self.dc.vm_allocated_mips(vm) / full).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let outcome = PhaseOutcome::new((t - start).max(0.0), cpu_fraction);
        let next = self.flight_mut(slot).process.next(outcome);
        self.begin_phase(slot, next, t);
        self.process_touched(t);
    }

    /// The migration of flight `slot` is over at `t`.
    fn land(&mut self, slot: u32, t: f64) {
        let f = self.flights[slot as usize].take().expect("a live flight");
        self.free_flights.push(slot);
        if f.switched {
            self.dc.release_held_memory(f.vm, f.source);
        } else {
            self.dc.complete_migration(f.vm, f.target);
        }
        self.dc.set_migration_shares(f.vm, MigrationShares::CLOUDSIM);
        self.touch(f.source);
        self.touch(f.target);
        let report = f.process.report();
        close_record(&mut self.migrations[f.record], &report, t, report.stop);
        self.downtime.migration_s[f.vm.index()] += report.downtime_s;
        if let Some(e) = self.config.migration_energy {
            self.migration_energy_j += e.alpha_j_per_mb * report.data_mb + e.beta_j;
        }
    }

    /// A timer of flight `slot` fired at `t`.
    pub(super) fn phase_timer(&mut self, slot: u32, generation: u32, t: f64) {
        if self.flights.get(slot as usize).is_some_and(Option::is_some)
            && self.flight_generation[slot as usize] == generation
        {
            self.end_phase(slot, t);
        }
    }

    /// The network's next completion is due at `t`: every flow done by then
    /// ends its phase, in flow order.
    pub(super) fn network_due(&mut self, t: f64) {
        self.network_timer = None;
        // Completion times are computed in floating point: a flow due within
        // a rounding error of `t` is due now.
        let slack_s = COMPLETION_SLACK_S * t.abs().max(1.0);
        loop {
            let Some(net) = self.network.as_mut() else {
                return;
            };
            let Some((id, at)) = net.next_completion() else {
                break;
            };
            let done = at <= t + slack_s || net.remaining_mb(id).is_some_and(|r| r <= FLOW_DONE_MB);
            if !done {
                break;
            }
            let to = at.max(net.now_s());
            // A flow's completion is never skipped: `at` is the earliest.
            net.advance_to(to).expect("completions come in order");
            net.remove_flow(id).expect("a live flow");
            self.network_dirty = true;
            if let Some(slot) = self.flow_flight.remove(&id) {
                self.end_phase(slot, t);
            }
        }
        self.advance_network(t);
    }

    /// Moves the network's clock to `t`, or as close as its next pending
    /// completion allows (that completion's own event follows at once).
    pub(super) fn advance_network(&mut self, t: f64) {
        let Some(net) = self.network.as_mut() else {
            return;
        };
        let now = net.now_s();
        let mut to = t.max(now);
        if let Some((_, at)) = net.next_completion() {
            to = to.min(at.max(now));
        }
        net.advance_to(to)
            .expect("never before now, never past a completion");
    }

    /// Schedules the timers phases asked for and re-arms the network's
    /// completion event if flows changed.
    pub(super) fn flush_schedule(&mut self, now: SimTime, sched: &mut Scheduler<Event>) {
        if !self.pending_flows.is_empty() {
            self.advance_network(now.secs());
            let requests: Vec<FlowRequest> = self.pending_flows.iter().map(|(_, r)| *r).collect();
            let net = self.network.as_mut().expect("process migrations have a network");
            let ids = net.add_flows(&requests).expect("hosts exist and data is finite");
            for ((slot, _), id) in self.pending_flows.drain(..).zip(ids) {
                if let Some(f) = self.flights[slot as usize].as_mut() {
                    f.flow = Some(id);
                }
                self.flow_flight.insert(id, slot);
            }
            self.network_dirty = true;
        }
        for (at, event) in self.to_schedule.drain(..) {
            sched
                .schedule_at(SimTime::from_secs(at.max(now.secs())), event)
                .expect("phases end after they start");
        }
        if !self.network_dirty {
            return;
        }
        self.network_dirty = false;
        if let Some(id) = self.network_timer.take() {
            sched.cancel(id);
        }
        if let Some((_, at)) = self.network.as_ref().and_then(|n| n.next_completion()) {
            let id: EventId = sched
                .schedule_at(SimTime::from_secs(at.max(now.secs())), Event::NetworkDue)
                .expect("completions lie ahead");
            self.network_timer = Some(id);
        }
    }
}

/// Ends migration record `r` at `t` with what the process reported.
fn close_record(
    r: &mut MigrationRecord,
    report: &crate::migration::MigrationReport,
    t: f64,
    stop: Option<StopReason>,
) {
    r.end_s = t;
    r.duration_s = t - r.start_s;
    r.downtime_s = report.downtime_s;
    r.data_mb = report.data_mb;
    r.rounds = report.rounds;
    r.faults = report.faults;
    r.stop_reason = stop;
}
