//! A run: initial placement, then a datacenter step every scheduling interval,
//! driven by the discrete-event engine.
//!
//! [`Simulation`] is the engine's one [`Handler`]: it routes each [`Event`] to
//! the subsystem that owns the state it concerns, and schedules what they ask
//! for. The subsystems, one module each:
//!
//! - `site`: the [`Datacenter`] and the books kept each time a host is
//!   processed — `energy` (the energy meter: power integration, off rules,
//!   switches and cooling, migration energy) and `ledger` (CloudSim's state
//!   histories: SLATAH, PDM, shutdowns, migration times);
//! - `executor`: every migration, as its model's process, over the network;
//! - `faults`: host failures, lost and restarted VMs;
//! - `arrivals`: VMs arriving and leaving during the run;
//! - `scripted`: moves the scenario asks for;
//! - `steps`: the per-step records; `placing`: initial placement and
//!   arrivals' admission; `availability`: what the run meant for each VM;
//! - the consolidation, if any ([`Consolidation`]), planned at every regular
//!   step.
//!
//! Each step does what CloudSim's `PowerDatacenter.updateCloudletProcessing`
//! does: every host re-shares its CPU among its VMs' trace-driven requests,
//! the energy of the interval since the previous processing is added, VMs
//! whose demand dropped to zero may be retired, and then the consolidation
//! policy, if any, plans migrations, which start at once. Each part of the
//! summary comes from the subsystem that measured it.

mod arrivals;
mod availability;
mod batch_flows;
mod config;
mod energy;
mod executor;
mod faults;
mod ledger;
mod placing;
mod power_states;
mod scripted;
mod site;
mod steps;

#[cfg(test)]
mod tests;

pub use arrivals::VmLifetime;
pub use config::{CloudSimQuirks, DEFAULT_AVAILABILITY_TARGET, InitialPlacement, SimError, SimulationConfig};
pub use energy::{
    Cooling, EnergyAccounting, InfrastructurePower, Integration, MigrationEnergy, OffRule, SwitchPower,
};
pub use power_states::{DownState, IdleRule, IdleTimeout, PowerManagement};
pub use scripted::ScriptedMigration;
pub use site::STEP_CHUNK_HOSTS;

use cirrus_engine::{Engine, Handler, RngStreams, Scheduler, SimTime, StreamRng};

use crate::consolidation::planner::{MovePlanner, Round};
use crate::consolidation::{Consolidation, PlannedMigration};
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, VmId};
use crate::failures::FailureConfig;
use crate::metrics::{
    ConsolidationSummary, HostRecord, MigrationRecord, MoveWaits, PowerStateSummary, RunResult, RunSummary,
    Summary, VmRecord,
};
use crate::migration::{MigrationModel, VmMemory};
use crate::network::{Network, Topology, TopologySpec};
use crate::placement::{PlacementPolicy, PlacementQuality};

/// Events of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A datacenter step: update VM demand, share CPUs, account energy,
    /// consolidate.
    Step,
    /// The migration waits booked for this instant end, all together
    /// (models whose completions are per instant, as CloudSim's).
    MigrationsDue,
    /// A phase timer of the migration in flight `slot`, as of `generation`.
    MigrationPhase {
        /// The flight's slot.
        slot: u32,
        /// The slot's generation when the timer was set (a later one makes it stale).
        generation: u32,
    },
    /// The network's earliest flow completion is due.
    NetworkDue,
    /// A scripted migration starts.
    Scripted {
        /// Its index among the scenario's moves.
        index: u32,
    },
    /// A host failure is announced (degraded host).
    FailureWarning {
        /// The failure's index in the schedule.
        failure: u32,
    },
    /// A failure takes its host down.
    HostDown {
        /// The failure's index in the schedule.
        failure: u32,
    },
    /// A failure's host is repaired.
    HostUp {
        /// The failure's index in the schedule.
        failure: u32,
    },
    /// A lost VM is due to restart.
    Restart {
        /// The VM.
        vm: VmId,
    },
    /// A VM arrives.
    VmArrival {
        /// The VM.
        vm: VmId,
    },
    /// A VM leaves.
    VmDeparture {
        /// The VM.
        vm: VmId,
    },
    /// A host's power-state timer: its transition ends, or its idle time is up.
    PowerTimer {
        /// The host.
        host: u32,
        /// Its power books' generation when the timer was set (a later one makes it stale).
        generation: u32,
    },
}

/// A simulation run, ready to go.
#[derive(Debug)]
pub struct Simulation {
    config: SimulationConfig,
    site: site::Site,
    placement: Box<dyn PlacementPolicy>,
    consolidation: Option<Consolidation>,
    selection_rng: StreamRng,
    consolidation_rounds: u64,
    /// The migration model when there is no consolidation (scripted moves, evacuations).
    standalone_model: Option<Box<dyn MigrationModel>>,
    executor: executor::MigrationExecutor,
    faults: faults::Faults,
    arrivals: arrivals::Arrivals,
    scripted: scripted::ScriptedMoves,
    steps: steps::StepLog,
    streams: RngStreams,
    planned: Vec<PlannedMigration>,
    /// Revises each consolidation round's moves before they start, if given.
    move_planner: Option<Box<dyn MovePlanner>>,
    /// The quality of the initial placement, evaluated once when it completes.
    initial_quality: Option<PlacementQuality>,
    /// Host power states, if managed.
    power: Option<power_states::PowerManager>,
}

/// The model that moves VMs: the consolidation's, else the standalone one.
fn model_of<'a>(
    consolidation: &'a Option<Consolidation>,
    standalone: &'a Option<Box<dyn MigrationModel>>,
) -> Option<&'a dyn MigrationModel> {
    match consolidation {
        Some(c) => Some(c.migration.as_ref()),
        None => standalone.as_deref(),
    }
}

impl Simulation {
    /// Validates `spec` and `config` and prepares a run.
    pub fn new(
        spec: DatacenterSpec,
        config: SimulationConfig,
        placement: Box<dyn PlacementPolicy>,
    ) -> Result<Self, SimError> {
        spec.validate()?;
        config.validate()?;
        let streams = RngStreams::new(config.seed);
        let (n_hosts, n_vms) = (spec.hosts.len(), spec.vms.len());
        let mut site = site::Site::new(spec, &config);
        let modelled = site.dc.spec().host_types.iter().any(|t| t.power_states.is_some());
        let power = (config.power_management.is_some() || modelled).then(|| {
            site.dc.set_power_managed();
            site.meter.manage_power_states();
            power_states::PowerManager::new(config.power_management.unwrap_or_default(), &site.dc)
        });
        Ok(Self {
            power,
            executor: executor::MigrationExecutor::new(&site.dc),
            faults: faults::Faults::new(n_hosts, n_vms, config.duration_s),
            steps: steps::StepLog::new(config.duration_s, config.scheduling_interval_s),
            site,
            placement,
            consolidation: None,
            selection_rng: streams.stream("vm-selection"),
            consolidation_rounds: 0,
            standalone_model: None,
            arrivals: arrivals::Arrivals::default(),
            scripted: scripted::ScriptedMoves::default(),
            streams,
            planned: Vec::new(),
            move_planner: None,
            initial_quality: None,
            config,
        })
    }

    /// Adds dynamic consolidation, run at every regular step (not at the
    /// optional step at t = 0). Its overload detector also screens hosts
    /// during initial placement, as in CloudSim.
    pub fn with_consolidation(mut self, consolidation: Consolidation) -> Self {
        self.consolidation = Some(consolidation);
        // Only consolidation (its detectors, selections and admission) reads histories.
        self.site.sample_histories = true;
        self
    }

    /// Hands each consolidation round's moves to `planner` before they start (it may change
    /// them: an agent, a filter; see [`MovePlanner`]). Without a consolidation it is never
    /// called.
    pub fn with_move_planner(mut self, planner: Box<dyn MovePlanner>) -> Self {
        self.move_planner = Some(planner);
        self
    }

    /// Runs the per-host work of every whole-datacenter step (CPU sharing,
    /// power, energy, the VMs to retire) on `threads` threads of the
    /// simulation's own pool; 1, the default, runs it on the calling thread
    /// without a pool. The hosts are measured in chunks of a fixed number of
    /// hosts and the results applied in host order, so every output is
    /// identical to the bit for any number of threads.
    pub fn with_threads(mut self, threads: usize) -> Result<Self, SimError> {
        let pool = match threads {
            0 => {
                return Err(SimError::Config {
                    field: "threads",
                    message: "must be at least 1".into(),
                });
            }
            1 => None,
            n => Some(std::sync::Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("cirrus-step-{i}"))
                    .build()
                    .map_err(|e| SimError::Config {
                        field: "threads",
                        message: format!("cannot start {n} threads: {e}"),
                    })?,
            )),
        };
        self.site.set_pool(pool);
        Ok(self)
    }

    /// Measures each step's hosts in chunks of `hosts` hosts (default
    /// [`STEP_CHUNK_HOSTS`]; 0 counts as 1). Changes no result: for tests
    /// that show it, with more chunks than a small datacenter would have.
    pub fn with_step_chunk_hosts(mut self, hosts: usize) -> Self {
        self.site.set_chunk_hosts(hosts);
        self
    }

    /// The network migrations cross. Without one, models that move data get
    /// a flat network in which each host's link has its type's bandwidth.
    pub fn with_network(mut self, spec: &TopologySpec) -> Result<Self, SimError> {
        let topology = Topology::new(spec).map_err(|e| SimError::Config {
            field: "network",
            message: e.to_string(),
        })?;
        if topology.hosts() as usize != self.site.dc.host_count() {
            return Err(SimError::Config {
                field: "network",
                message: format!(
                    "the network has {} hosts, the datacenter {}",
                    topology.hosts(),
                    self.site.dc.host_count()
                ),
            });
        }
        self.executor.set_network(Network::new(topology));
        Ok(self)
    }

    /// Each VM type's memory and dirtying (default: idle VMs of the type's RAM).
    pub fn with_vm_memory(mut self, memory: Vec<VmMemory>) -> Result<Self, SimError> {
        let n_types = self.site.dc.spec().vm_types.len();
        if memory.len() != n_types {
            return Err(SimError::Config {
                field: "vm_types.memory",
                message: format!("{} memory models for {n_types} VM types", memory.len()),
            });
        }
        self.executor.set_vm_memory(memory);
        Ok(self)
    }

    /// The migration model for moves outside consolidation (scripted ones,
    /// evacuations), when there is no consolidation; with consolidation, its
    /// model moves every VM and this one is not used.
    pub fn with_migration_model(mut self, model: Box<dyn MigrationModel>) -> Self {
        self.standalone_model = Some(model);
        self
    }

    /// Migrations the scenario asks for at fixed times, whatever the
    /// consolidation does: to reproduce a measured migration, or to study a
    /// model on a known sequence of moves. A move whose VM is not running
    /// then (or already migrating), or whose target lacks room, is refused
    /// and counted in `migrations_refused`.
    pub fn with_scripted_migrations(mut self, moves: Vec<ScriptedMigration>) -> Result<Self, SimError> {
        self.scripted.set(moves, &self.site.dc)?;
        Ok(self)
    }

    /// Host failures during the run; drawn (or taken from the trace) when the
    /// run starts, from the `"host-failures"` streams.
    pub fn with_failures(mut self, config: FailureConfig) -> Result<Self, SimError> {
        self.faults.configure(config, &self.site.dc)?;
        Ok(self)
    }

    /// When each VM arrives and leaves (one entry per VM, in VM order);
    /// without this every VM is placed at t = 0 and stays.
    pub fn with_vm_lifetimes(mut self, lifetimes: Vec<VmLifetime>) -> Result<Self, SimError> {
        self.arrivals.set(lifetimes, self.site.dc.vm_count())?;
        Ok(self)
    }

    /// The RNG streams of this run (for policies that need randomness).
    pub fn streams(&self) -> &RngStreams {
        &self.streams
    }

    /// The datacenter state.
    pub fn datacenter(&self) -> &Datacenter {
        &self.site.dc
    }

    /// Places the VMs, runs to `duration_s` and returns the measurements.
    pub fn run(self) -> Result<RunResult, SimError> {
        self.run_observed(|_| {})
    }

    /// As [`run`](Self::run), calling `observer` after initial placement and
    /// after every event with the state at that instant: for invariant
    /// checks, tracing, or live plots.
    pub fn run_observed(mut self, observer: impl FnMut(&Observation<'_>)) -> Result<RunResult, SimError> {
        let model = model_of(&self.consolidation, &self.standalone_model);
        if !self.scripted.is_empty() && model.is_none() {
            return Err(SimError::Config {
                field: "migrations",
                message: "scripted migrations need a migration model (with_migration_model)".into(),
            });
        }
        self.executor.use_model(model);
        // Hosts sending or receiving a process model's migration are on; CloudSim's
        // fixed-delay migrations keep CloudSim's accounting (see `keep_migrating_hosts_on`).
        self.site.meter.keep_migrating_hosts_on(
            model.is_some_and(|m| m.completion() == crate::migration::Completion::PerPhase),
        );
        // Initial placement, arrivals, restarts and consolidation's
        // destinations all place in the run's mode.
        let mut settings = self.config.quirks.placement_settings()?;
        if self.power.is_some() && settings.pabfd == crate::placement::PabfdMode::Paper {
            // Waking a host costs its transition's energy, spread over an interval.
            settings.wake_horizon_s = Some(self.config.scheduling_interval_s);
        }
        self.placement.configure(&settings);
        if let Some(c) = self.consolidation.as_mut() {
            c.placement.configure(&settings);
        }
        self.initial_quality = Some(placing::place_initial(
            &self.config,
            self.consolidation.as_mut(),
            &self.site.histories,
            self.placement.as_mut(),
            &mut self.site.dc,
            &mut self.arrivals,
        )?);
        if self.config.quirks.memory_only_at_creation {
            self.site.dc.set_reserve_memory(false);
        }
        if let Some(c) = self.consolidation.as_mut() {
            c.empty_overload_targets = self.config.quirks.empty_overload_targets;
        }
        let mut engine: Engine<Event> = Engine::new();
        let sched = engine.scheduler();
        let first = self.config.step_offset_s + self.config.scheduling_interval_s;
        let duration = SimTime::from_secs(self.config.duration_s);
        if first <= self.config.duration_s {
            sched
                .schedule_at(SimTime::from_secs(first), Event::Step)
                .expect("the first step lies in the future");
        } else if self.config.step_at_end {
            sched
                .schedule_at(duration, Event::Step)
                .expect("duration is positive");
        }
        if self.config.step_at_start {
            sched
                .schedule_at(SimTime::ZERO, Event::Step)
                .expect("t = 0 is not in the past");
        }
        let lifetimes = self.arrivals.events(self.config.duration_s);
        let failures = self.faults.events(&self.site.dc, &self.streams);
        let scripted = self.scripted.events(self.config.duration_s);
        for (at, event) in lifetimes.into_iter().chain(failures).chain(scripted) {
            sched
                .schedule_at(SimTime::from_secs(at), event)
                .expect("arrival, departure, failure and scripted times are >= 0");
        }
        if let Some(p) = self.power.as_mut() {
            p.after_event(&mut self.site, 0.0, false);
            for (at, event) in self.site.agenda.drain(..) {
                sched
                    .schedule_at(SimTime::from_secs(at), event)
                    .expect("power timers lie ahead");
            }
        }
        let mut observed = Observed { sim: self, observer };
        observed.notify(0.0);
        let stats = engine.run(&mut observed, duration);
        Ok(observed.sim.finish(stats.events))
    }

    /// A regular step at `t`: process, consolidate, start the migrations,
    /// restart the lost VMs that now fit, record the step.
    fn step(&mut self, t: f64) {
        self.site.process_all(t);
        let mut overloaded_hosts = 0;
        let regular = !(t == 0.0 && self.config.step_at_start);
        if regular && let Some(c) = self.consolidation.as_mut() {
            self.planned.clear();
            if let Some(pool) = self.site.pool() {
                // The round's overload tests start from every busy host's
                // history sum: computed here on the simulation's threads.
                c.cache
                    .histories
                    .prepare(&self.site.histories, &self.site.dc, pool, self.site.chunk_hosts());
            }
            let stats = c.plan(
                &mut self.site.dc,
                &self.site.histories,
                self.config.scheduling_interval_s,
                &mut self.selection_rng,
                &mut self.planned,
            );
            self.consolidation_rounds += 1;
            overloaded_hosts = stats.overloaded_hosts;
            if let Some(planner) = self.move_planner.as_mut() {
                let round = Round {
                    time_s: t,
                    overloaded: c.overloaded_hosts(),
                };
                planner.revise(&mut self.site.dc, &round, &mut self.planned);
            }
            self.executor
                .start(&mut self.site, c.migration.as_ref(), &self.planned, t);
        }
        self.faults
            .retry_restarts(t, &mut self.site, self.placement.as_mut());
        if let Some(p) = self.power.as_mut() {
            p.after_event(&mut self.site, t, regular);
        }
        self.steps
            .record(t, &mut self.site, overloaded_hosts, self.executor.records());
    }

    /// After the step at `now`, the next one: on the grid, or the last at
    /// the horizon if configured.
    fn schedule_next_step(&self, now: SimTime, sched: &mut Scheduler<Event>) {
        if now == SimTime::ZERO && self.config.step_at_start {
            // The regular grid was scheduled by `run`.
            return;
        }
        let next = now.secs() + self.config.scheduling_interval_s;
        if next <= self.config.duration_s {
            sched
                .schedule_at(SimTime::from_secs(next), Event::Step)
                .expect("steps move forward");
        } else if self.config.step_at_end && now.secs() < self.config.duration_s {
            sched
                .schedule_at(SimTime::from_secs(self.config.duration_s), Event::Step)
                .expect("the end lies ahead");
        }
    }

    /// Schedules what the subsystems asked for while handling the event at
    /// `now`: the transfers join the network together (one re-sharing of
    /// the links), then the timers, then the network's next completion.
    fn flush(&mut self, now: SimTime, sched: &mut Scheduler<Event>) {
        let model = model_of(&self.consolidation, &self.standalone_model);
        self.executor.start_flows(now.secs(), model);
        for (at, event) in self.site.agenda.drain(..) {
            sched
                .schedule_at(SimTime::from_secs(at.max(now.secs())), event)
                .expect("events are asked for at or after now");
        }
        self.executor.rearm_network(now, sched);
    }

    /// The measurements, each part from the subsystem that made it.
    fn finish(mut self, events: u64) -> RunResult {
        let duration_s = self.config.duration_s;
        self.site.ledger.close();
        self.executor.finish(duration_s);
        self.faults.finish();
        let site = &self.site;
        let dc = &site.dc;
        let vm_ids = || (0..dc.vm_count() as u32).map(VmId);
        let placed: Vec<bool> = vm_ids()
            .map(|v| site.ledger.ran(v) || dc.host_of(v).is_some())
            .collect();
        let lifetime_s: Vec<f64> = vm_ids()
            .map(|v| site.finished_at_s[v.index()].unwrap_or(duration_s) - self.arrivals.arrival_s(v))
            .collect();
        let down: Vec<bool> = vm_ids().map(|v| self.faults.is_down(v)).collect();
        let losses: Vec<u32> = vm_ids().map(|v| self.faults.losses(v)).collect();
        let migrations: Vec<u32> = vm_ids().map(|v| self.executor.vm_migrations(v)).collect();
        let (restart_s, crash_s) = self.faults.outages_s();
        let outcomes = availability::outcomes(
            &availability::VmHistory {
                migration_s: self.executor.vm_downtime_s(),
                restart_s,
                crash_s,
                placed: &placed,
                lifetime_s: &lifetime_s,
                down: &down,
                losses: &losses,
                migrations: &migrations,
            },
            self.config.availability_target,
        );
        let energy = site.meter.summary();
        let (vms_evacuated, migrations_aborted) = self.executor.evacuated_and_aborted();
        let initial = self
            .initial_quality
            .unwrap_or_else(|| crate::placement::evaluate(dc));
        let summary = Summary {
            run: RunSummary {
                scenario: self.config.name.clone(),
                seed: self.config.seed,
                hosts: dc.host_count(),
                vms: dc.vm_count(),
                vms_placed: self.arrivals.placed,
                vms_rejected: self.arrivals.rejected(),
                vms_finished: site.finished_at_s.iter().filter(|f| f.is_some()).count(),
                simulated_s: duration_s,
                last_step_s: self.steps.last_step_s,
                steps: self.steps.steps,
                events,
                vm_steps: self.steps.vm_steps,
            },
            activity: self.steps.activity(),
            sla: site.ledger.sla_summary(),
            migration_counts: self.executor.counts(),
            degradation: site.ledger.degradation_summary(energy.energy_kwh),
            migration_costs: self.executor.costs(),
            energy,
            availability: outcomes.summary,
            failures: self.faults.summary(vms_evacuated, migrations_aborted),
            fates: outcomes.fates,
            consolidation: ConsolidationSummary {
                consolidation_rounds: self.consolidation_rounds,
            },
            placement: placing::summary(&initial),
            power_states: self.power_state_summary(),
            move_waits: self.power.as_ref().map(|_| {
                let waits = self.executor.wait_counts();
                MoveWaits {
                    moves_waited_for_host: waits.moves,
                    move_wait_s: waits.wait_s,
                }
            }),
            real_time: {
                let rt_vms = site.dc.spec().real_time.iter().flatten().count() as u64;
                (rt_vms > 0).then(|| self.executor.real_time_counts(rt_vms))
            },
        };
        let spec = dc.spec();
        let hosts = dc
            .hosts()
            .map(|h| {
                let groups_kwh = site.meter.host_group_kwh(h);
                let counts = self.power.as_ref().map(|p| p.host_counts(h)).unwrap_or_default();
                HostRecord {
                    host: h.0,
                    host_type: dc.host_type(h).name.clone(),
                    rack: spec.hosts[h.index()].rack,
                    energy_kwh: site.meter.host_energy_kwh(h),
                    active_s: site.ledger.host_active_s(h),
                    mean_utilization: ledger::ratio(site.meter.host_utilization_s(h), site.last_process_s),
                    shutdowns: site.ledger.host_shutdowns(h),
                    vms_at_end: dc.vms_on(h).len(),
                    energy_on_kwh: groups_kwh[0],
                    energy_off_kwh: groups_kwh[1],
                    energy_sleep_kwh: groups_kwh[2],
                    energy_transition_kwh: groups_kwh[3],
                    boots: counts.power_boots,
                    sleeps: counts.power_sleeps,
                }
            })
            .collect();
        let vms = vm_ids()
            .map(|v| {
                let (requested_mips_s, allocated_mips_s) = site.ledger.vm_mips_s(v);
                VmRecord {
                    vm: v.0,
                    vm_type: dc.vm_type(v).name.clone(),
                    trace: spec.traces[spec.vms[v.index()].trace].name().to_string(),
                    host: dc.host_of(v).map(|h| h.0),
                    finished_at_s: site.finished_at_s[v.index()],
                    requested_mips_s,
                    allocated_mips_s,
                    migrations: migrations[v.index()],
                    downtime_s: outcomes.downtime_s[v.index()],
                    losses: losses[v.index()],
                    status: outcomes.status[v.index()],
                    availability: outcomes.availability[v.index()],
                }
            })
            .collect();
        RunResult {
            summary,
            intervals: self.steps.intervals,
            hosts,
            vms,
            migrations: self.executor.into_records(),
        }
    }
}

impl Simulation {
    /// Transitions, energy by state and VMs' waiting, from the power
    /// manager, the meter and the ledger.
    fn power_state_summary(&self) -> PowerStateSummary {
        let counts = self.power.as_ref().map(|p| p.counts()).unwrap_or_default();
        let [on, off, sleep, booting, shutting_down, suspending, resuming] = self.site.meter.state_kwh();
        PowerStateSummary {
            power_boots: counts.power_boots,
            power_shutdowns: counts.power_shutdowns,
            power_sleeps: counts.power_sleeps,
            power_wakes: counts.power_wakes,
            energy_on_kwh: on,
            energy_off_kwh: off,
            energy_sleep_kwh: sleep,
            energy_booting_kwh: booting,
            energy_shutting_down_kwh: shutting_down,
            energy_suspending_kwh: suspending,
            energy_resuming_kwh: resuming,
            vm_waiting_s: self.site.ledger.vm_waiting_s(),
        }
    }
}

impl Handler<Event> for Simulation {
    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<Event>) {
        let t = now.secs();
        let model = model_of(&self.consolidation, &self.standalone_model);
        let (site, executor, placement) = (&mut self.site, &mut self.executor, self.placement.as_mut());
        match event {
            Event::Step => self.step(t),
            Event::MigrationsDue => executor.settle_due(site, t),
            Event::MigrationPhase { slot, generation } => executor.phase_timer(site, slot, generation, t),
            Event::NetworkDue => executor.network_due(site, t),
            Event::Scripted { index } => self.scripted.start(index, t, site, executor, model),
            Event::FailureWarning { failure } => {
                self.faults.warning(failure, t, site, executor, placement, model)
            }
            Event::HostDown { failure } => self.faults.host_down(failure, t, site, executor),
            Event::HostUp { failure } => self.faults.host_up(failure, t, site, placement),
            Event::Restart { vm } => self.faults.restart_due(vm, t, site, placement),
            Event::VmArrival { vm } => {
                let host = placing::choose_host(
                    &self.config,
                    self.consolidation.as_mut(),
                    &site.histories,
                    placement,
                    &site.dc,
                    vm,
                );
                self.arrivals.arrive(vm, host, t, site);
            }
            Event::VmDeparture { vm } => self.arrivals.depart(vm, t, site, executor, &mut self.faults),
            Event::PowerTimer { host, generation } => {
                if let Some(p) = self.power.as_mut() {
                    p.timer(site, HostId(host), generation, t);
                }
                // A host that came on now receives the moves that waited for it.
                if executor.has_waiting()
                    && let Some(model) = model
                {
                    executor.start_waiting(site, model, t);
                }
            }
        }
        if event != Event::Step
            && let Some(p) = self.power.as_mut()
        {
            p.after_event(&mut self.site, t, false);
        }
        let moves_may_start = matches!(
            event,
            Event::Step | Event::Scripted { .. } | Event::FailureWarning { .. }
        );
        self.executor.arm_completions(now, sched, moves_may_start);
        if event == Event::Step {
            self.schedule_next_step(now, sched);
        }
        self.flush(now, sched);
    }
}

/// The state of a run after an event, as an observer sees it.
#[derive(Debug)]
pub struct Observation<'a> {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Who runs where.
    pub datacenter: &'a Datacenter,
    /// Energy drawn so far, joules.
    pub energy_j: f64,
    /// Migrations started so far (in flight or done).
    pub migrations: &'a [MigrationRecord],
}

/// A simulation with its observer, as the engine's handler.
struct Observed<F> {
    sim: Simulation,
    observer: F,
}

impl<F: FnMut(&Observation<'_>)> Observed<F> {
    fn notify(&mut self, time_s: f64) {
        (self.observer)(&Observation {
            time_s,
            datacenter: &self.sim.site.dc,
            energy_j: self.sim.site.meter.energy_j(),
            migrations: self.sim.executor.records(),
        });
    }
}

impl<F: FnMut(&Observation<'_>)> Handler<Event> for Observed<F> {
    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<Event>) {
        self.sim.handle(now, event, sched);
        self.notify(now.secs());
    }
}
