//! The only way a VM migrates: every move — consolidation's, scripted,
//! evacuation — starts here and runs as its model's [`MigrationProcess`].
//!
//! A process asks for a wait or a transfer; the executor carries it out — a
//! timer, or a flow in the max-min fair [`Network`] whose rate changes
//! whenever another flow starts or ends — and reports back how long it took.
//! Each phase's effects are applied to the datacenter for its duration:
//! where the VM runs, the share of its CPU it can use (0 while paused) and
//! what the destination reserves, and, after a post-copy switch-over, the
//! memory the source still holds. Hosts involved are processed before and
//! after every change, so energy and SLA entries follow the phases exactly.
//!
//! When phases end is the model's [`Completion`] rule. Under
//! [`Completion::PerInstant`] (CloudSim's fixed delay) every wait ending at
//! one instant ends at one [`Event::MigrationsDue`], after the whole
//! datacenter has been processed, as CloudSim's `VM_MIGRATE` events do.
//!
//! Each migration's [`MigrationModel::predict`]ion is written next to what it
//! did: made at its start over the destination's nominal link, then again at
//! its first transfer over the share the network gave that transfer (a capped
//! transfer at its cap: the slower end's nominal link), the VM at the CPU
//! share it had when the move started.
//! Its error shows what sharing the network costs.

mod accounts;
mod waiting;

use std::collections::BTreeMap;

use cirrus_engine::{EventId, Scheduler, SimTime};

use super::Event;
use super::batch_flows::BatchFlows;
use super::site::Site;
use crate::consolidation::{MigrationReason, PlannedMigration};
use crate::datacenter::{Datacenter, HostId, MigrationShares, VmId};
use crate::metrics::{MigrationRecord, RealTimeCounts};
use crate::migration::{
    Completion, MigrationModel, MigrationProcess, MigrationReport, MigrationStart, MoveChoice, MoveRequest,
    Phase, PhaseEffects, PhaseOutcome, Prediction, PredictionInput, StopReason, VmLocation, VmMemory, chosen,
};
use crate::network::{Direction, FlowId, FlowRequest, LinkSpec, Network, Topology, TopologySpec};

/// A flow's remaining data below which it counts as complete, MB (1 byte).
const FLOW_DONE_MB: f64 = 1e-6;
/// Relative rounding tolerance on flow completion times.
const COMPLETION_SLACK_S: f64 = 1e-9;

/// One migration in flight.
#[derive(Debug)]
struct Flight {
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
    /// When its current wait ends, under [`Completion::PerInstant`].
    due_s: Option<f64>,
    /// It sent data over the network (a transfer phase began).
    networked: bool,
    /// Its VM's type (its memory in `vm_memory`).
    vm_type: usize,
    /// The slower end's nominal link, Mbit/s.
    path_bw_mbps: f64,
    /// Whether its prediction was made over its first transfer's share yet.
    predicted_on_share: bool,
    /// Fraction of its full CPU the VM had when the move started (for the prediction).
    cpu_fraction_at_start: f64,
    /// The candidate of a choosing model that runs it ([`chosen`]).
    candidate: Option<usize>,
    /// Its downtime target, if the choice set one.
    downtime_limit_s: Option<f64>,
}

/// A wait ending at a due instant: flight `slot` as of `generation`.
#[derive(Debug, Clone, Copy)]
struct DueWait {
    slot: u32,
    generation: u32,
}

/// The waits ending at one instant, in the order they began.
#[derive(Debug)]
struct DueInstant {
    /// Its [`Event::MigrationsDue`] is scheduled.
    armed: bool,
    /// When the migration of its first wait started, seconds.
    first_start_s: f64,
    waits: Vec<DueWait>,
}

/// The migrations of a run: those in flight, the network they cross, and
/// the record of every one started.
#[derive(Debug)]
pub(super) struct MigrationExecutor {
    completion: Completion,
    /// Memory and dirtying of each VM type.
    vm_memory: Vec<VmMemory>,
    /// The network migrations cross (a flat one is made at the first transfer if none was given).
    network: Option<Network>,
    network_timer: Option<EventId>,
    network_dirty: bool,
    flights: Vec<Option<Flight>>,
    /// Per flight slot, bumped whenever the slot changes hands.
    generations: Vec<u32>,
    free: Vec<u32>,
    /// The flight of each flow, by [`FlowId::index`] (with the id, to tell
    /// a slot's successive flows apart).
    flow_flight: Vec<Option<(FlowId, u32)>>,
    /// Transfers to start once the current event is handled (flight, flow).
    pending_flows: Vec<(u32, FlowRequest)>,
    /// Scratch for [`start_flows`](Self::start_flows): the requests and their ids.
    flow_requests: Vec<FlowRequest>,
    flow_ids: Vec<FlowId>,
    /// Boxes of finished processes, for the model's next migrations
    /// ([`MigrationModel::start_in`]): a run allocates for the most
    /// migrations in flight at once, not for every migration.
    spare_processes: Vec<Box<dyn MigrationProcess>>,
    /// Emptied wait lists of settled instants, for the next ones.
    spare_waits: Vec<Vec<DueWait>>,
    /// Waits by the instant they end (`f64` bits: non-negative times order
    /// like their bits), under [`Completion::PerInstant`].
    due: BTreeMap<u64, DueInstant>,
    /// Some instant of `due` is not armed yet.
    unarmed: bool,
    records: Vec<MigrationRecord>,
    vm_migrations: Vec<u32>,
    /// Seconds each VM was paused by migrations.
    vm_downtime_s: Vec<f64>,
    /// Moves asked for that could not start (VM gone, already moving, no room).
    refused: u64,
    /// What the deadline-aware policy did.
    real_time: RealTimeCounts,
    /// Booked moves waiting for their target to be on, in booking order (`waiting.rs`).
    waiting: Vec<waiting::WaitingMove>,
    /// Scratch for the booked moves starting at one instant, and their moves.
    ready_scratch: Vec<waiting::WaitingMove>,
    ready_planned: Vec<PlannedMigration>,
    /// Moves that started after waiting, and how long they waited.
    waits: waiting::WaitCounts,
    /// The current batch's moves yet to start, per host link (choosing models only).
    batch: BatchFlows,
}

impl MigrationExecutor {
    /// No migration yet; VMs of each type idle, with the type's RAM.
    pub(super) fn new(dc: &Datacenter) -> Self {
        let n_vms = dc.vm_count();
        Self {
            completion: Completion::default(),
            vm_memory: dc
                .spec()
                .vm_types
                .iter()
                .map(|t| VmMemory::idle(t.ram_mb as f64))
                .collect(),
            network: None,
            network_timer: None,
            network_dirty: false,
            flights: Vec::new(),
            generations: Vec::new(),
            free: Vec::new(),
            flow_flight: Vec::new(),
            pending_flows: Vec::new(),
            flow_requests: Vec::new(),
            flow_ids: Vec::new(),
            spare_processes: Vec::new(),
            spare_waits: Vec::new(),
            due: BTreeMap::new(),
            unarmed: false,
            records: Vec::new(),
            vm_migrations: vec![0; n_vms],
            vm_downtime_s: vec![0.0; n_vms],
            refused: 0,
            real_time: RealTimeCounts::default(),
            waiting: Vec::new(),
            ready_scratch: Vec::new(),
            ready_planned: Vec::new(),
            waits: waiting::WaitCounts::default(),
            batch: BatchFlows::default(),
        }
    }

    /// The network migrations cross.
    pub(super) fn set_network(&mut self, network: Network) {
        self.network = Some(network);
    }

    /// Each VM type's memory and dirtying.
    pub(super) fn set_vm_memory(&mut self, memory: Vec<VmMemory>) {
        self.vm_memory = memory;
    }

    /// Runs `model`'s migrations by its completion rule.
    pub(super) fn use_model(&mut self, model: Option<&dyn MigrationModel>) {
        self.completion = model.map_or(Completion::default(), |m| m.completion());
    }

    /// A move asked for could not start.
    pub(super) fn refuse(&mut self) {
        self.refused += 1;
    }

    /// Every migration started, in start order.
    pub(super) fn records(&self) -> &[MigrationRecord] {
        &self.records
    }

    /// Starts the `planned` moves at `t` with `model`, then processes the
    /// hosts involved (their entries at `t` are replaced, and the next
    /// interval's energy starts from the new shares).
    ///
    /// CloudSim's planner can send a VM to two hosts in one round (a
    /// destination of an overload move emptied as under-utilised). Under
    /// [`Completion::PerInstant`] both moves run at once and the VM ends at
    /// the second, as in CloudSim; otherwise only the last move of a VM in a
    /// round starts, since a real migration cannot have two destinations:
    /// same outcome, one migration.
    pub(super) fn start(
        &mut self,
        site: &mut Site,
        model: &dyn MigrationModel,
        planned: &[PlannedMigration],
        t: f64,
    ) {
        self.start_before(site, model, planned, t, None);
    }

    /// [`start`](Self::start) for evacuations of a host announced to fail at `deadline_s`
    /// (`None`: any other moves). A model that chooses per move
    /// ([`MigrationModel::choose`]) is asked first: it may run a candidate, with a downtime
    /// target, or defer the move (counted).
    pub(super) fn start_before(
        &mut self,
        site: &mut Site,
        model: &dyn MigrationModel,
        planned: &[PlannedMigration],
        t: f64,
        deadline_s: Option<f64>,
    ) {
        let per_phase = self.completion == Completion::PerPhase;
        let superseded = |i: usize| {
            per_phase
                && planned[i + 1..]
                    .iter()
                    .any(|later: &PlannedMigration| later.vm == planned[i].vm)
        };
        let choosing = !model.candidates().is_empty();
        if choosing {
            // A move whose target is not ready is booked, not started: it shares no link now.
            let dc = &site.dc;
            let booked = |m: &PlannedMigration| {
                dc.power_managed() && !dc.in_migration(m.vm) && dc.ready_at_s(m.target, t) > t
            };
            self.batch
                .fill(dc, planned, |i| !superseded(i) && !booked(&planned[i]));
        }
        for (i, m) in planned.iter().enumerate() {
            if superseded(i) {
                continue;
            }
            if choosing {
                self.batch.take(i);
            }
            let Some(source) = site.dc.host_of(m.vm) else {
                continue;
            };
            let deadline_s = if m.reason == MigrationReason::Evacuation {
                deadline_s
            } else {
                None
            };
            // (A VM CloudSim's planner already sent elsewhere in this round moves at once.)
            if site.dc.power_managed() && !site.dc.in_migration(m.vm) {
                let ready_s = site.dc.ready_at_s(m.target, t);
                if ready_s > t {
                    // The target is not on yet: the move waits for it (`waiting.rs`).
                    self.book_move(site, model, m, source, t, ready_s, deadline_s);
                    continue;
                }
            }
            self.start_one(site, model, m, source, t, deadline_s, false);
        }
        self.batch.clear();
        site.process_touched(t);
    }

    /// Starts move `m` of the VM running on `source` at `t` (`deadline_s`: an evacuation's
    /// announced failure), unless a choosing model defers it: returns whether it started.
    /// `late_counted`: it was already counted too late when it was booked.
    #[allow(clippy::too_many_arguments)]
    fn start_one(
        &mut self,
        site: &mut Site,
        model: &dyn MigrationModel,
        m: &PlannedMigration,
        source: HostId,
        t: f64,
        deadline_s: Option<f64>,
        late_counted: bool,
    ) -> bool {
        let vm_type = site.dc.spec().vms[m.vm.index()].vm_type;
        let cpu_fraction_at_start = cpu_fraction(&site.dc, m.vm);
        let max_downtime_s = site.dc.real_time(m.vm).map(|rt| rt.max_downtime_s);
        let (candidate, downtime_limit_s, chosen_on) = if model.candidates().is_empty() {
            (None, None, None)
        } else {
            let bandwidth_mbps = self.share_at_start_mbps(&site.dc, source, m.target);
            let request = move_request(&self.vm_memory, &site.dc, m.vm, bandwidth_mbps, t, deadline_s);
            match model.choose(&request) {
                MoveChoice::Defer => {
                    self.real_time.deadline_deferrals += 1;
                    return false;
                }
                MoveChoice::Run {
                    candidate,
                    downtime_limit_s,
                    in_time,
                } => {
                    if !in_time && !late_counted {
                        self.real_time.evacuations_too_late += 1;
                    }
                    let on = max_downtime_s.map(|_| {
                        let input = PredictionInput {
                            downtime_limit_s,
                            ..request.input
                        };
                        chosen(model, candidate).predict(&input).downtime_s
                    });
                    (candidate, downtime_limit_s, on)
                }
            }
        };
        let runs = chosen(model, candidate);
        let start = MigrationStart {
            memory: &self.vm_memory[vm_type],
            source_bw_mbps: site.dc.host_type(source).bw_mbps,
            target_bw_mbps: site.dc.host_type(m.target).bw_mbps,
            now_s: t,
            downtime_limit_s,
        };
        let predicted = predict(
            runs,
            start.memory,
            start.target_bw_mbps,
            cpu_fraction_at_start,
            t,
            downtime_limit_s,
        );
        let path_bw_mbps = start.path_bw_mbps();
        let process = runs.start_in(&start, self.spare_processes.pop());
        // The destination holds the VM's memory from the start; the shares
        // of each phase come with it.
        site.dc.start_migration(m.vm, m.target);
        site.touch(source);
        site.touch(m.target);
        let record = self.records.len();
        self.records.push(MigrationRecord {
            start_s: t,
            end_s: f64::NAN,
            vm: m.vm.0,
            source: source.0,
            target: m.target.0,
            duration_s: f64::NAN,
            downtime_s: 0.0,
            data_mb: 0.0,
            reason: m.reason,
            model: runs.kind(),
            rounds: 0,
            faults: 0,
            stop_reason: None,
            predicted_downtime_s: predicted.downtime_s,
            predicted_total_s: predicted.total_s,
            max_downtime_s,
            chosen_on_downtime_s: chosen_on,
        });
        self.vm_migrations[m.vm.index()] += 1;
        let slot = self.alloc(Flight {
            record,
            vm: m.vm,
            source,
            target: m.target,
            process,
            phase_start_s: t,
            flow: None,
            switched: false,
            due_s: None,
            networked: false,
            vm_type,
            path_bw_mbps,
            predicted_on_share: false,
            cpu_fraction_at_start,
            candidate,
            downtime_limit_s,
        });
        let first = self.flight_mut(slot).process.next(PhaseOutcome::START);
        self.begin_phase(site, slot, first, t);
        true
    }

    /// The rate a new transfer from `source` to `target` would get now, Mbit/s: the slower
    /// end's link shared equally with the flows already on it, the transfers started at
    /// this event and the batch's moves still to start (a max-min fair share, ignoring
    /// links further up).
    fn share_at_start_mbps(&self, dc: &Datacenter, source: HostId, target: HostId) -> f64 {
        let flows_on = |h: HostId, dir: Direction| {
            let on_network = self.network.as_ref().map_or(0, |net| {
                (net.topology().host_link(h.0, dir)).map_or(0, |l| net.link_flow_count(l).unwrap_or(0))
            });
            let pending = (self.pending_flows.iter())
                .filter(|(_, r)| match dir {
                    Direction::Up => r.src == h.0,
                    Direction::Down => r.dst == h.0,
                })
                .count();
            let batch = match dir {
                Direction::Up => self.batch.leaving(h),
                Direction::Down => self.batch.entering(h),
            };
            (on_network + pending) as f64 + f64::from(batch)
        };
        let up = dc.host_type(source).bw_mbps / (1.0 + flows_on(source, Direction::Up));
        let down = dc.host_type(target).bw_mbps / (1.0 + flows_on(target, Direction::Down));
        up.min(down)
    }

    fn alloc(&mut self, f: Flight) -> u32 {
        let slot = match self.free.pop() {
            Some(i) => {
                self.flights[i as usize] = Some(f);
                i
            }
            None => {
                self.flights.push(Some(f));
                self.generations.push(0);
                (self.flights.len() - 1) as u32
            }
        };
        // Timers of an earlier flight in this slot (called off by a failure) go stale.
        self.generations[slot as usize] = self.generations[slot as usize].wrapping_add(1);
        slot
    }

    fn flight_mut(&mut self, slot: u32) -> &mut Flight {
        self.flights[slot as usize].as_mut().expect("a live flight")
    }

    fn is_live(&self, slot: u32, generation: u32) -> bool {
        self.flights.get(slot as usize).is_some_and(Option::is_some)
            && self.generations[slot as usize] == generation
    }

    /// Carries out `phase` of flight `slot` from `t`.
    fn begin_phase(&mut self, site: &mut Site, slot: u32, phase: Phase, t: f64) {
        self.flight_mut(slot).phase_start_s = t;
        match phase {
            Phase::Wait {
                duration_s, effects, ..
            } => {
                self.apply_effects(site, slot, effects);
                let generation = self.generations[slot as usize];
                match self.completion {
                    Completion::PerPhase => site.agenda.push((
                        t + duration_s.max(0.0),
                        Event::MigrationPhase { slot, generation },
                    )),
                    Completion::PerInstant => self.book(slot, generation, t, duration_s.max(0.0)),
                }
            }
            Phase::Transfer {
                data_mb,
                rate_cap_mbps,
                effects,
                ..
            } => {
                self.apply_effects(site, slot, effects);
                if self.network.is_none() {
                    self.network = Some(flat_network(&site.dc));
                }
                let f = self.flight_mut(slot);
                f.networked = true;
                let (src, dst) = (f.source.0, f.target.0);
                // Flows started by one event join the network together, with
                // one re-sharing of the links (see `start_flows`).
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
            Phase::Done => self.land(site, slot, t),
        }
    }

    /// Books flight `slot`'s wait of `duration_s` from `t` at the instant it
    /// ends. That end is known now, so it is written in the record (with what
    /// the process reports so far), as CloudSim knows it when it schedules
    /// `VM_MIGRATE`.
    fn book(&mut self, slot: u32, generation: u32, t: f64, duration_s: f64) {
        let at = t + duration_s;
        let f = self.flights[slot as usize].as_mut().expect("a live flight");
        f.due_s = Some(at);
        let report = f.process.report();
        let r = &mut self.records[f.record];
        r.end_s = at;
        r.duration_s = (t - r.start_s) + duration_s;
        r.downtime_s = report.downtime_s;
        r.data_mb = report.data_mb;
        r.stop_reason = report.stop;
        let first_start_s = r.start_s;
        let instant = self.due.entry(at.to_bits()).or_insert_with(|| {
            self.unarmed = true;
            DueInstant {
                armed: false,
                first_start_s,
                waits: self.spare_waits.pop().unwrap_or_default(),
            }
        });
        instant.waits.push(DueWait { slot, generation });
    }

    /// Where the VM runs and what it and the hosts use during a phase.
    fn apply_effects(&mut self, site: &mut Site, slot: u32, effects: PhaseEffects) {
        let f = self.flights[slot as usize].as_mut().expect("a live flight");
        let cpu = match effects.vm {
            VmLocation::Suspended => 0.0,
            VmLocation::Source | VmLocation::Destination => effects.cpu_factor.clamp(0.0, 1.0),
        };
        if effects.vm == VmLocation::Destination && !f.switched {
            site.dc.switch_over(f.vm, f.target);
            f.switched = true;
        }
        site.dc.set_migration_shares(
            f.vm,
            MigrationShares {
                source: cpu,
                target: effects.target_cpu_reserve,
                charge_source_in_full: effects.charge_source_in_full,
            },
        );
        site.touch(f.source);
        site.touch(f.target);
    }

    /// The current phase of flight `slot` ended at `t`: the process learns
    /// how it went and the next phase begins. Unless the whole datacenter was
    /// just processed (`hosts_current`), the flight's hosts are brought up to
    /// date before, and processed again after.
    fn end_phase(&mut self, site: &mut Site, slot: u32, t: f64, hosts_current: bool) {
        let f = self.flight_mut(slot);
        f.flow = None;
        f.due_s = None;
        let (vm, source, target, start) = (f.vm, f.source, f.target, f.phase_start_s);
        if !hosts_current {
            site.touch(source);
            site.touch(target);
            site.process_touched(t);
        }
        let full = site.dc.vm_type(vm).total_mips();
        // What the VM executed at the end of the phase stands for the phase
        // (shares only change at processing instants).
        let cpu_fraction = if full > 0.0 {
            (site.dc.vm_allocated_mips(vm) / full).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let outcome = PhaseOutcome::new((t - start).max(0.0), cpu_fraction);
        let next = self.flight_mut(slot).process.next(outcome);
        self.begin_phase(site, slot, next, t);
        if !hosts_current {
            site.process_touched(t);
        }
    }

    /// The migration of flight `slot` is over at `t`.
    fn land(&mut self, site: &mut Site, slot: u32, t: f64) {
        let f = self.flights[slot as usize].take().expect("a live flight");
        self.free.push(slot);
        if f.switched {
            site.dc.release_held_memory(f.vm, f.source);
            site.touch(f.source);
        } else if let Some(left) = site.dc.complete_migration(f.vm, f.target) {
            // The VM leaves where it runs: its source, or the first target of
            // a VM CloudSim's planner sent to two hosts (none if it was
            // retired there meanwhile).
            site.touch(left);
        }
        site.dc.set_migration_shares(f.vm, MigrationShares::CLOUDSIM);
        site.touch(f.target);
        let report = f.process.report();
        close_record(&mut self.records[f.record], &report, t, report.stop);
        self.vm_downtime_s[f.vm.index()] += report.downtime_s;
        if f.networked {
            site.meter.charge_migration(report.data_mb);
        }
        self.spare_processes.push(f.process);
    }

    /// A timer of flight `slot` fired at `t`.
    pub(super) fn phase_timer(&mut self, site: &mut Site, slot: u32, generation: u32, t: f64) {
        if self.is_live(slot, generation) {
            self.end_phase(site, slot, t, false);
        }
    }

    /// The waits due at `t` end together: the whole datacenter is processed
    /// (unless it just was), then each wait ends in the order they began,
    /// and the hosts the migrations touched are processed again (only they
    /// can have changed: same requests, same shares elsewhere).
    pub(super) fn settle_due(&mut self, site: &mut Site, t: f64) {
        let Some(instant) = self.due.remove(&t.to_bits()) else {
            return;
        };
        if t > site.last_process_s {
            site.process_all(t);
        }
        let mut waits = instant.waits;
        for &w in &waits {
            if self.is_live(w.slot, w.generation) {
                self.end_phase(site, w.slot, t, true);
            }
        }
        waits.clear();
        self.spare_waits.push(waits);
        site.process_touched(t);
    }

    /// Schedules the [`Event::MigrationsDue`] of each instant booked since
    /// the last call. After an event at which moves may start (a step, a
    /// scripted move, a failure warning: `moves_may_start`), every instant
    /// whose first migration started now is armed, again if it was already:
    /// two such events at one time give an instant shared by their moves a
    /// second `MigrationsDue`, which finds nothing left to do. That is the
    /// event structure runs have always had, and `events` counts it.
    pub(super) fn arm_completions(
        &mut self,
        now: SimTime,
        sched: &mut Scheduler<Event>,
        moves_may_start: bool,
    ) {
        let now_s = now.secs();
        if !(std::mem::take(&mut self.unarmed) || moves_may_start && !self.due.is_empty()) {
            return;
        }
        for (&bits, instant) in &mut self.due {
            let again = moves_may_start && instant.first_start_s == now_s;
            if instant.armed && !again {
                continue;
            }
            instant.armed = true;
            let at = f64::from_bits(bits).max(now_s);
            sched
                .schedule_at(SimTime::from_secs(at), Event::MigrationsDue)
                .expect("migrations end after they start");
        }
    }

    /// The network's next completion is due at `t`: every flow done by then
    /// ends its phase, in flow order.
    pub(super) fn network_due(&mut self, site: &mut Site, t: f64) {
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
            if let Some(slot) = self.forget_flow(id) {
                self.end_phase(site, slot, t, false);
            }
        }
        self.advance_network(t);
    }

    /// Moves the network's clock to `t`, or as close as its next pending
    /// completion allows (that completion's own event follows at once).
    fn advance_network(&mut self, t: f64) {
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

    /// Starts the transfers phases asked for during the event at `now`, all
    /// at once.
    pub(super) fn start_flows(&mut self, now: f64, model: Option<&dyn MigrationModel>) {
        if self.pending_flows.is_empty() {
            return;
        }
        self.advance_network(now);
        self.flow_requests.clear();
        self.flow_requests
            .extend(self.pending_flows.iter().map(|(_, r)| *r));
        let net = self.network.as_mut().expect("a transfer made the network");
        net.add_flows_into(&self.flow_requests, &mut self.flow_ids)
            .expect("hosts exist and data is finite");
        for ((slot, request), &id) in self.pending_flows.drain(..).zip(&self.flow_ids) {
            if let Some(f) = self.flights[slot as usize].as_mut() {
                f.flow = Some(id);
                if let Some(model) = model
                    && !std::mem::replace(&mut f.predicted_on_share, true)
                {
                    // The share this first transfer got; at its cap, the share is not known.
                    let rate = net.rate_mbps(id).unwrap_or(f.path_bw_mbps);
                    let share = match request.rate_cap_mbps {
                        Some(cap) if rate >= cap => f.path_bw_mbps,
                        _ => rate,
                    };
                    let r = &mut self.records[f.record];
                    let p = predict(
                        chosen(model, f.candidate),
                        &self.vm_memory[f.vm_type],
                        share,
                        f.cpu_fraction_at_start,
                        r.start_s,
                        f.downtime_limit_s,
                    );
                    (r.predicted_downtime_s, r.predicted_total_s) = (p.downtime_s, p.total_s);
                }
            }
            let i = id.index() as usize;
            if self.flow_flight.len() <= i {
                self.flow_flight.resize(i + 1, None);
            }
            self.flow_flight[i] = Some((id, slot));
        }
        self.network_dirty = true;
    }

    /// Forgets flow `id`; the flight it carried, if it was still known.
    fn forget_flow(&mut self, id: FlowId) -> Option<u32> {
        let entry = self.flow_flight.get_mut(id.index() as usize)?;
        match *entry {
            Some((known, slot)) if known == id => {
                *entry = None;
                Some(slot)
            }
            _ => None,
        }
    }

    /// Re-arms the network's completion event if flows changed.
    pub(super) fn rearm_network(&mut self, now: SimTime, sched: &mut Scheduler<Event>) {
        if !std::mem::take(&mut self.network_dirty) {
            return;
        }
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

    /// Calls off, at `t`, every migration in flight for which `which(vm,
    /// source, target, switched_over)` says so: `Some(lost)`, the VM being
    /// lost with it (`true`: `on_lost` is told) or staying at its source.
    /// A migration whose wait ends at `t` under [`Completion::PerInstant`]
    /// is not called off: its completion is already due. Booked moves
    /// waiting for their target are asked too (as not switched over).
    pub(super) fn call_off(
        &mut self,
        site: &mut Site,
        t: f64,
        which: impl Fn(VmId, HostId, HostId, bool) -> Option<bool>,
        mut on_lost: impl FnMut(&mut Site, VmId),
    ) {
        for slot in self.call_off_order() {
            let Some(f) = self.flights[slot as usize].as_ref() else {
                continue;
            };
            if f.due_s.is_some_and(|at| at <= t) {
                continue;
            }
            let (vm, source, target, switched) = (f.vm, f.source, f.target, f.switched);
            let Some(lost) = which(vm, source, target, switched) else {
                continue;
            };
            site.touch(source);
            site.touch(target);
            site.process_touched(t);
            let downtime_s = self.take_flight(slot, t);
            if switched {
                site.dc.release_held_memory(vm, source);
            } else {
                site.dc.abort_migration(vm, target);
            }
            site.dc.set_migration_shares(vm, MigrationShares::CLOUDSIM);
            self.vm_downtime_s[vm.index()] += downtime_s;
            if lost {
                on_lost(site, vm);
            }
            site.touch(source);
            site.touch(target);
        }
        if self.has_waiting() {
            self.cancel_waiting(
                site,
                t,
                true,
                |vm, source, target| which(vm, source, target, false),
                on_lost,
            );
        }
    }

    /// The flights in flight, in the order a call-off visits them: by slot,
    /// or in start order under [`Completion::PerInstant`] (CloudSim's
    /// migrations have no slots).
    fn call_off_order(&self) -> Vec<u32> {
        let mut live: Vec<(usize, u32)> = (self.flights.iter().enumerate())
            .filter_map(|(slot, f)| f.as_ref().map(|f| (f.record, slot as u32)))
            .collect();
        if self.completion == Completion::PerInstant {
            live.sort_unstable();
        }
        live.into_iter().map(|(_, slot)| slot).collect()
    }

    /// Calls off flight `slot` at `t`: its transfer leaves the network, its
    /// timers go stale, its record ends as aborted with what it did so far.
    /// Returns the downtime it caused. The caller puts the VM right in the
    /// datacenter.
    fn take_flight(&mut self, slot: u32, t: f64) -> f64 {
        let f = self.flights[slot as usize].take().expect("a live flight");
        self.free.push(slot);
        self.generations[slot as usize] = self.generations[slot as usize].wrapping_add(1);
        if let Some(id) = f.flow {
            self.advance_network(t);
            if let Some(net) = self.network.as_mut() {
                net.remove_flow(id).expect("a live flow");
            }
            self.forget_flow(id);
            self.network_dirty = true;
        }
        self.pending_flows.retain(|(s, _)| *s != slot);
        let report = f.process.report();
        close_record(&mut self.records[f.record], &report, t, Some(StopReason::Aborted));
        self.spare_processes.push(f.process);
        report.downtime_s
    }

    /// The run ended at `duration_s`: ends after it are unknown, and the
    /// migrations still in flight report what they did so far.
    pub(super) fn finish(&mut self, duration_s: f64) {
        for m in &mut self.records {
            if m.end_s > duration_s {
                m.end_s = f64::NAN;
            }
        }
        for f in self.flights.iter().flatten() {
            let report = f.process.report();
            let r = &mut self.records[f.record];
            r.downtime_s = report.downtime_s;
            r.data_mb = report.data_mb;
            r.rounds = report.rounds;
            r.faults = report.faults;
            self.vm_downtime_s[r.vm as usize] += report.downtime_s;
        }
    }

    /// Consumes the executor: its records.
    pub(super) fn into_records(self) -> Vec<MigrationRecord> {
        self.records
    }
}

/// The request a choosing model sees for moving VM `vm` at `now_s` over a transfer at
/// `bandwidth_mbps` (`deadline_s`: an evacuation's announced failure).
fn move_request<'a>(
    vm_memory: &'a [VmMemory],
    dc: &Datacenter,
    vm: VmId,
    bandwidth_mbps: f64,
    now_s: f64,
    deadline_s: Option<f64>,
) -> MoveRequest<'a> {
    MoveRequest {
        input: PredictionInput {
            memory: &vm_memory[dc.spec().vms[vm.index()].vm_type],
            bandwidth_mbps,
            cpu_fraction: cpu_fraction(dc, vm),
            now_s,
            downtime_limit_s: None,
        },
        max_downtime_s: dc.real_time(vm).map(|rt| rt.max_downtime_s),
        deadline_s,
    }
}

/// The fraction of its full CPU VM `v` gets now.
fn cpu_fraction(dc: &Datacenter, v: VmId) -> f64 {
    let full_mips = dc.vm_type(v).total_mips();
    if full_mips > 0.0 {
        (dc.vm_allocated_mips(v) / full_mips).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// `model`'s prediction for `memory` over `bandwidth_mbps` from `now_s`, the VM getting
/// `cpu_fraction` of its full CPU, with the downtime target `downtime_limit_s`.
fn predict(
    model: &dyn MigrationModel,
    memory: &VmMemory,
    bandwidth_mbps: f64,
    cpu_fraction: f64,
    now_s: f64,
    downtime_limit_s: Option<f64>,
) -> Prediction {
    model.predict(&PredictionInput {
        memory,
        bandwidth_mbps,
        cpu_fraction,
        now_s,
        downtime_limit_s,
    })
}

/// Ends migration record `r` at `t` with what the process reported. A record
/// that already ends at `t` — a wait booked per instant — keeps its duration,
/// the wait's own, rather than a difference of instants.
fn close_record(r: &mut MigrationRecord, report: &MigrationReport, t: f64, stop: Option<StopReason>) {
    if r.end_s != t {
        r.end_s = t;
        r.duration_s = t - r.start_s;
    }
    r.downtime_s = report.downtime_s;
    r.data_mb = report.data_mb;
    r.rounds = report.rounds;
    r.faults = report.faults;
    r.stop_reason = stop;
}

/// A flat network with each host's link at its type's bandwidth.
fn flat_network(dc: &Datacenter) -> Network {
    let n = dc.host_count() as u32;
    let first_bw = dc.host_type(HostId(0)).bw_mbps;
    let mut topology =
        Topology::new(&TopologySpec::flat(n, first_bw)).expect("host bandwidths are validated");
    for h in dc.hosts() {
        let bw = dc.host_type(h).bw_mbps;
        if bw != first_bw {
            for dir in [Direction::Up, Direction::Down] {
                if let Some(link) = topology.host_link(h.0, dir) {
                    topology
                        .set_link(link, LinkSpec::idle(bw))
                        .expect("a positive bandwidth");
                }
            }
        }
    }
    Network::new(topology)
}
