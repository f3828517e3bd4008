//! A run: initial placement, then a datacenter step every scheduling interval,
//! driven by the discrete-event engine.
//!
//! Each step does what CloudSim's `PowerDatacenter.updateCloudletProcessing`
//! does: every host re-shares its CPU among its VMs' trace-driven requests,
//! the energy of the interval since the previous processing is added, VMs
//! whose demand dropped to zero may be retired, and then the consolidation
//! policy, if any, plans migrations, which start at once. A migration's
//! completion is an event of its own, at which the datacenter is processed
//! again (before and after the VM moves), as CloudSim's
//! `PowerDatacenter.processVmMigrate` does.
//!
//! Hosts and VMs keep a *state history* the way CloudSim does: an entry per
//! processing instant, a later entry at the same instant replacing the
//! earlier one; SLA metrics and shutdown counts are computed over those
//! entries, each holding until the next.

mod faults;
mod flights;
mod lifetimes;
mod scripted;

pub use lifetimes::VmLifetime;
pub use scripted::ScriptedMigration;

use std::collections::BTreeMap;

use cirrus_engine::{Engine, EventId, Handler, RngStreams, Scheduler, SimTime, StreamRng};

use crate::consolidation::history::VmHistories;
use crate::consolidation::{Consolidation, DetectorAdmission, LoadView, MigrationReason, PlannedMigration};
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, HostState, SpecError, VmId};
use crate::metrics::{
    ActivitySummary, AvailabilitySummary, ConsolidationSummary, DegradationSummary, EnergySummary,
    FailureSummary, HostRecord, IntervalRecord, JOULES_PER_KWH, MigrationCosts, MigrationCounts,
    MigrationRecord, PlacementSummary, RunResult, RunSummary, SlaSummary, Summary, VmFates, VmRecord,
    VmStatus, mean_and_sample_std,
};
use crate::migration::{MigrationModel, StopReason, VmMemory};
use crate::network::{FlowId, Network, Topology, TopologySpec};
use crate::placement::{
    AdmissionCheck, NoAdmissionCheck, PlacementContext, PlacementPolicy, PlacementQuality, StaticThreshold,
    place_all,
};

/// When a host counts as switched off (drawing 0 W) for an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffRule {
    /// CloudSim: a host whose utilisation was 0 at the start of the interval is
    /// off (drawing its type's `off_power_w`, 0 W in CloudSim), even if it hosts idle VMs (`PowerHost.getEnergyLinearInterpolation`
    /// returns 0 when the previous utilisation is 0).
    #[default]
    ZeroUtilization,
    /// A host is off only while it hosts no VM; an idle host with VMs draws its
    /// idle power.
    NoVms,
    /// Hosts are never switched off.
    Never,
}

/// How power is turned into energy over an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Integration {
    /// CloudSim: `(P(u_start) + P(u_end)) / 2 × Δt`.
    #[default]
    Trapezoid,
    /// `P(u_start) × Δt`: exact for this model, where a host's allocation is
    /// constant between steps.
    Step,
}

/// How the datacenter's energy is accounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnergyAccounting {
    /// Power follows utilisation (CloudSim's `PowerDatacenter`).
    #[default]
    PowerAware,
    /// Every host draws its full-load power all the time (CloudSim's
    /// `PowerDatacenterNonPowerAware`, the "NPA" baseline).
    NonPowerAware,
}

/// How VMs are presented to the placement policy at t = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialPlacement {
    /// One at a time in id order, as CloudSim's broker submits them.
    #[default]
    Online,
    /// All at once, in the policy's batch order (e.g. FFD sorts).
    Batch,
}

/// Everything about a run that is not the datacenter itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationConfig {
    /// Scenario name, carried into the results.
    pub name: String,
    /// Seed of every RNG stream.
    pub seed: u64,
    /// Simulated time, seconds.
    pub duration_s: f64,
    /// Seconds between datacenter steps.
    pub scheduling_interval_s: f64,
    /// Delay of the first interval's start: steps happen at
    /// `offset + k × interval`. CloudSim submits cloudlets 0.1 s in
    /// (`CloudSim.minTimeBetweenEvents`), so its steps are at 300.1, 600.1, …
    pub step_offset_s: f64,
    /// Take a step at t = 0, right after initial placement, so the first
    /// interval is charged at the utilisation the VMs actually have. CloudSim
    /// does not: its hosts start at utilisation 0, so with its off rule the
    /// first interval costs nothing.
    pub step_at_start: bool,
    /// Add a final step at `duration_s` if the last regular step is earlier.
    /// CloudSim does not (its energy stops at 86 100.1 s of a 86 400 s day).
    pub step_at_end: bool,
    /// Power-aware or not.
    pub energy: EnergyAccounting,
    /// When a host is off.
    pub off_rule: OffRule,
    /// Trapezoid or step integration.
    pub integration: Integration,
    /// Online or batch initial placement.
    pub initial_placement: InitialPlacement,
    /// Static-threshold admission for initial placement (CloudSim's
    /// `isHostOverUtilizedAfterAllocation` with THR); `None` admits any host
    /// with room.
    pub admission_threshold: Option<f64>,
    /// Whether a VM that fits nowhere is an error (`false`) or is left out of
    /// the run, as CloudSim does (`true`).
    pub allow_unplaced: bool,
    /// Treat a VM whose demand is exactly zero at a step as finished and
    /// remove it for good. CloudSim does this (`HostDynamicWorkload.getCompletedVms`,
    /// called by `PowerDatacenter` after every step): on PlanetLab traces, where
    /// 15 % of samples are 0, it retires a large share of the VMs during the day,
    /// which is why CloudSim's "Dvfs" day costs 765 kWh rather than ~930.
    pub finish_idle_vms: bool,
    /// CloudSim behaviours kept for compatibility; see [`CloudSimQuirks`].
    pub quirks: CloudSimQuirks,
    /// Power drawn besides the servers: rack switches and cooling.
    pub infrastructure: InfrastructurePower,
    /// Energy of each migration, if modelled.
    pub migration_energy: Option<MigrationEnergy>,
    /// The availability each VM is promised, a fraction (0.9995 = 99.95 %):
    /// VMs below it count as availability-SLA violations.
    pub availability_target: f64,
}

/// The availability target of [`SimulationConfig::default`]: 99.95 %, the
/// monthly uptime public clouds commit to for VMs spread over fault domains
/// (e.g. the Azure and EC2 SLAs).
pub const DEFAULT_AVAILABILITY_TARGET: f64 = 0.9995;

/// The energy of one migration, `E = α·V + β` (Liu, Jin, Xu, Liao, HPDC 2011;
/// `docs/MODELS.md` A.1.3): α joules per MB sent, β joules fixed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationEnergy {
    /// Joules per MB sent.
    pub alpha_j_per_mb: f64,
    /// Fixed joules per migration.
    pub beta_j: f64,
}

impl MigrationEnergy {
    /// Liu et al.'s fit: α = 0.512 J/MB, β = 20.165 J.
    pub const LIU: Self = Self {
        alpha_j_per_mb: 0.512,
        beta_j: 20.165,
    };
}

/// Power drawn besides the servers. CloudSim models neither; both are off by
/// default, and the summary keeps server energy (`energy_kwh`) apart from
/// network and cooling energy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InfrastructurePower {
    /// Each rack's top-of-rack switch, if modelled (hosts need a rack).
    pub switch: Option<SwitchPower>,
    /// Cooling.
    pub cooling: Cooling,
}

/// A top-of-rack switch: chassis plus a fixed power per active port, and
/// nothing while no host of its rack is on (CloudSimSDN's simplification of
/// the CARPO model, Wang et al., INFOCOM 2012: 66.7 W + 1 W per active port;
/// `docs/MODELS.md` C.4). A rack's active ports are its hosts that are
/// on, plus one uplink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwitchPower {
    /// Chassis power while the switch is on, W.
    pub chassis_w: f64,
    /// Power per active port, W.
    pub port_w: f64,
}

impl SwitchPower {
    /// CARPO's Pronto 3240 as CloudSimSDN encodes it.
    pub const CARPO: Self = Self {
        chassis_w: 66.7,
        port_w: 1.0,
    };
}

/// How cooling power is accounted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Cooling {
    /// Not modelled.
    #[default]
    None,
    /// Power usage effectiveness: cooling = (PUE − 1) × (server + network) power.
    Pue(f64),
    /// A constant power per rack with at least one host on, W (e.g. in-row coolers).
    PerActiveRack(f64),
}

/// Behaviours of CloudSim 3.0/4.0 that its published PlanetLab numbers depend
/// on but that a model of a real datacenter would not have. The
/// CloudSim-compatible scenarios switch them all on; each is off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloudSimQuirks {
    /// VMs hold RAM and bandwidth only from initial placement until the
    /// first consolidation round. CloudSim's PlanetLab cloudlets use
    /// `UtilizationModelNull` for RAM and bandwidth, so once a VM is
    /// instantiated `Vm.getCurrentRequestedRam()` is 0, and
    /// `restoreAllocation` re-creates every VM with that: memory never
    /// constrains consolidation, and hosts take as many VMs as their CPU
    /// allows.
    pub memory_only_at_creation: bool,
    /// During initial placement, the overload test of a candidate host sees
    /// only the VM being placed: CloudSim's VMs already created there request
    /// nothing until their cloudlets are submitted 0.1 s later.
    pub initial_admission_new_vm_only: bool,
}

impl CloudSimQuirks {
    /// All quirks on.
    pub const ALL: Self = Self {
        memory_only_at_creation: true,
        initial_admission_new_vm_only: true,
    };
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            name: "unnamed".into(),
            seed: 0,
            duration_s: 86_400.0,
            scheduling_interval_s: 300.0,
            step_offset_s: 0.0,
            step_at_start: true,
            step_at_end: true,
            energy: EnergyAccounting::PowerAware,
            off_rule: OffRule::ZeroUtilization,
            integration: Integration::Trapezoid,
            initial_placement: InitialPlacement::Online,
            admission_threshold: None,
            allow_unplaced: false,
            finish_idle_vms: false,
            quirks: CloudSimQuirks::default(),
            infrastructure: InfrastructurePower::default(),
            migration_energy: None,
            availability_target: DEFAULT_AVAILABILITY_TARGET,
        }
    }
}

/// Why a run could not start or finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The datacenter description is inconsistent.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A VM fit on no host and `allow_unplaced` is false.
    #[error("VM {vm} (type \"{vm_type}\") could not be placed on any host")]
    Unplaced {
        /// VM id.
        vm: u32,
        /// Its type's name.
        vm_type: String,
    },
    /// A configuration value is unusable.
    #[error("{field}: {message}")]
    Config {
        /// The configuration field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Events of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A datacenter step: update VM demand, share CPUs, account energy,
    /// consolidate.
    Step,
    /// Live migrations end now (all those due at this instant, in start order).
    MigrationsDone,
    /// A phase timer of the migration in flight slot `.0`, generation `.1`
    /// (process models).
    MigrationPhase(u32, u32),
    /// The network's earliest flow completion is due.
    NetworkDue,
    /// The scenario's scripted migration `.0` starts.
    Scripted(u32),
    /// Failure `.0` of the schedule is announced (degraded host).
    FailureWarning(u32),
    /// Failure `.0` takes its host down.
    HostDown(u32),
    /// Failure `.0`'s host is repaired.
    HostUp(u32),
    /// VM `.0`, lost, is due to restart.
    Restart(u32),
    /// VM `.0` arrives.
    VmArrival(u32),
    /// VM `.0` leaves.
    VmDeparture(u32),
}

/// One host's state-history bookkeeping (CloudSim `HostStateHistoryEntry`)
/// and energy, kept together: every processing of a host touches most of it.
#[derive(Debug, Clone, Copy, Default)]
struct HostLedger {
    has_entry: bool,
    entry_active: bool,
    /// `active` of the last entry already superseded (CloudSim assumes true before the first).
    committed_active: bool,
    had_vms: bool,
    shutdowns: u64,
    entry_t: f64,
    entry_alloc: f64,
    entry_req: f64,
    last_switched_on_s: f64,
    active_s: f64,
    violation_s: f64,
    energy_j: f64,
    utilization_s: f64,
    /// Utilisation at the host's last processing (CloudSim `previousUtilizationMips`).
    prev_utilization: f64,
    /// Power at `prev_utilization` (the host type's model, computed once).
    prev_power_w: f64,
    /// Time of the host's last processing, seconds.
    last_t: f64,
}

/// One VM's state-history bookkeeping (CloudSim `VmStateHistoryEntry`),
/// kept together: every VM touches all of it at every processing, so one
/// record per VM costs one or two cache lines instead of one per field.
#[derive(Debug, Clone, Copy, Default)]
struct VmLedger {
    has_entry: bool,
    entry_in_migration: bool,
    committed_in_migration: bool,
    migrations: u32,
    entry_t: f64,
    entry_alloc: f64,
    entry_req: f64,
    migration_started_s: f64,
    requested_mips_s: f64,
    allocated_mips_s: f64,
    missed_in_migration_mips_s: f64,
}

/// Seconds each VM was unavailable, by cause.
#[derive(Debug, Clone, Default)]
struct DowntimeLedger {
    /// Paused by a live migration (stop-and-copy phases, post-copy faults
    /// count as degradation, not downtime).
    migration_s: Vec<f64>,
    /// Lost with a failed host: the restart delay.
    restart_s: Vec<f64>,
    /// Lost with a failed host: waiting beyond the delay for a host with room.
    crash_s: Vec<f64>,
}

impl DowntimeLedger {
    fn new(n_vms: usize) -> Self {
        Self {
            migration_s: vec![0.0; n_vms],
            restart_s: vec![0.0; n_vms],
            crash_s: vec![0.0; n_vms],
        }
    }

    fn total_s(&self, vi: usize) -> f64 {
        self.migration_s[vi] + self.restart_s[vi] + self.crash_s[vi]
    }
}

/// What the current interval (between two regular steps) accumulated.
#[derive(Debug, Clone, Copy, Default)]
struct IntervalAcc {
    energy_j: f64,
    violation_s: f64,
}

/// A simulation run, ready to go.
#[derive(Debug)]
pub struct Simulation {
    dc: Datacenter,
    config: SimulationConfig,
    placement: Box<dyn PlacementPolicy>,
    consolidation: Option<Consolidation>,
    /// The migration model when there is no consolidation (scripted moves).
    migration_model: Option<Box<dyn MigrationModel>>,
    scripted: Vec<ScriptedMigration>,
    /// Moves asked for that could not start (VM gone, already moving, no room).
    migrations_refused: u64,
    downtime: DowntimeLedger,
    faults: faults::Faults,
    streams: RngStreams,
    selection_rng: StreamRng,
    histories: VmHistories,
    last_process_s: f64,
    last_step_s: f64,
    steps: u64,
    vm_steps: u64,
    energy_j: f64,
    network_energy_j: f64,
    cooling_energy_j: f64,
    /// Rack of each host, if racks are modelled.
    rack_of: Vec<Option<u32>>,
    /// Per rack: hosts on at the start of the interval being accounted.
    rack_hosts_on: Vec<u32>,
    hosts: Vec<HostLedger>,
    vms: Vec<VmLedger>,
    under_served_fractions_sum: f64,
    under_served_count: u64,
    shutdown_durations_s: Vec<f64>,
    migration_durations_s: Vec<f64>,
    intervals: Vec<IntervalRecord>,
    interval: IntervalAcc,
    vms_placed: usize,
    vm_finished_at_s: Vec<Option<f64>>,
    migrations: Vec<MigrationRecord>,
    /// Migrations in flight by completion instant (`f64` bits, positive
    /// times order like their bits), each list in start order.
    due: BTreeMap<u64, Vec<u32>>,
    consolidation_rounds: u64,
    planned: Vec<PlannedMigration>,
    touched: Vec<bool>,
    touched_list: Vec<HostId>,
    scratch_vms: Vec<VmId>,
    scratch_racks: Vec<u32>,
    /// Memory and dirtying of each VM type (process migration models).
    vm_memory: Vec<VmMemory>,
    /// The network migrations cross (process migration models).
    network: Option<Network>,
    network_timer: Option<EventId>,
    network_dirty: bool,
    flights: Vec<Option<flights::Flight>>,
    /// Per flight slot, bumped whenever the slot changes hands.
    flight_generation: Vec<u32>,
    free_flights: Vec<u32>,
    flow_flight: BTreeMap<FlowId, u32>,
    /// Events to schedule once the current event is handled.
    to_schedule: Vec<(f64, Event)>,
    /// Transfers to start once the current event is handled (flight, flow).
    pending_flows: Vec<(u32, crate::network::FlowRequest)>,
    migration_energy_j: f64,
    /// The quality of the initial placement, evaluated once when it completes.
    initial_quality: Option<PlacementQuality>,
    /// (`t` bits, answer) of the last [`is_history_instant`](Self::is_history_instant).
    history_instant: (u64, bool),
    /// When each VM arrives and leaves (empty: all at t = 0, forever).
    lifetimes: Vec<VmLifetime>,
    /// Arriving VMs that fit nowhere.
    vms_rejected: u64,
}

impl Simulation {
    /// Validates `spec` and `config` and prepares a run.
    pub fn new(
        spec: DatacenterSpec,
        config: SimulationConfig,
        placement: Box<dyn PlacementPolicy>,
    ) -> Result<Self, SimError> {
        spec.validate()?;
        let positive = |field, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(SimError::Config {
                    field,
                    message: format!("must be a positive number, found {x}"),
                })
            }
        };
        positive("duration_s", config.duration_s)?;
        positive("scheduling_interval_s", config.scheduling_interval_s)?;
        if !(config.step_offset_s.is_finite() && config.step_offset_s >= 0.0) {
            return Err(SimError::Config {
                field: "step_offset_s",
                message: format!("must be a non-negative number, found {}", config.step_offset_s),
            });
        }
        if !(config.availability_target.is_finite() && (0.0..=1.0).contains(&config.availability_target)) {
            return Err(SimError::Config {
                field: "availability_target",
                message: format!(
                    "must be a fraction in [0, 1], found {}",
                    config.availability_target
                ),
            });
        }
        let n_hosts = spec.hosts.len();
        let n_vms = spec.vms.len();
        let streams = RngStreams::new(config.seed);
        let rack_of: Vec<Option<u32>> = spec.hosts.iter().map(|h| h.rack).collect();
        let vm_memory: Vec<VmMemory> = spec
            .vm_types
            .iter()
            .map(|t| VmMemory::idle(t.ram_mb as f64))
            .collect();
        let idle_power_w: Vec<f64> = spec
            .hosts
            .iter()
            .map(|h| spec.host_types[h.host_type].power.power_watts(0.0))
            .collect();
        let n_racks = rack_of.iter().flatten().max().map_or(0, |&r| r as usize + 1);
        if let Some(sw) = config.infrastructure.switch
            && !(sw.chassis_w.is_finite() && sw.chassis_w >= 0.0 && sw.port_w.is_finite() && sw.port_w >= 0.0)
        {
            return Err(SimError::Config {
                field: "switch",
                message: format!("powers must be finite and >= 0, found {sw:?}"),
            });
        }
        match config.infrastructure.cooling {
            Cooling::Pue(p) if !(p.is_finite() && p >= 1.0) => {
                return Err(SimError::Config {
                    field: "cooling.pue",
                    message: format!("must be a number >= 1, found {p}"),
                });
            }
            Cooling::PerActiveRack(w) if !(w.is_finite() && w >= 0.0) => {
                return Err(SimError::Config {
                    field: "cooling.rack_w",
                    message: format!("must be a number >= 0, found {w}"),
                });
            }
            _ => {}
        }
        let steps_expected = (config.duration_s / config.scheduling_interval_s).ceil() as usize + 1;
        Ok(Self {
            dc: Datacenter::new(spec),
            placement,
            consolidation: None,
            migration_model: None,
            scripted: Vec::new(),
            migrations_refused: 0,
            downtime: DowntimeLedger::new(n_vms),
            faults: faults::Faults::new(n_hosts, n_vms),
            selection_rng: streams.stream("vm-selection"),
            streams,
            histories: VmHistories::new(n_vms),
            last_process_s: 0.0,
            last_step_s: 0.0,
            steps: 0,
            vm_steps: 0,
            energy_j: 0.0,
            network_energy_j: 0.0,
            cooling_energy_j: 0.0,
            rack_hosts_on: vec![0; n_racks],
            rack_of,
            hosts: idle_power_w
                .iter()
                .map(|&p| HostLedger {
                    committed_active: true,
                    prev_power_w: p,
                    ..HostLedger::default()
                })
                .collect(),
            vms: vec![VmLedger::default(); n_vms],
            under_served_fractions_sum: 0.0,
            under_served_count: 0,
            shutdown_durations_s: Vec::new(),
            migration_durations_s: Vec::new(),
            intervals: Vec::with_capacity(steps_expected.min(1 << 20)),
            interval: IntervalAcc::default(),
            vms_placed: 0,
            vm_finished_at_s: vec![None; n_vms],
            migrations: Vec::new(),
            due: BTreeMap::new(),
            consolidation_rounds: 0,
            planned: Vec::new(),
            touched: vec![false; n_hosts],
            touched_list: Vec::new(),
            scratch_vms: Vec::new(),
            scratch_racks: Vec::new(),
            vm_memory,
            network: None,
            network_timer: None,
            network_dirty: false,
            flights: Vec::new(),
            flight_generation: Vec::new(),
            free_flights: Vec::new(),
            flow_flight: BTreeMap::new(),
            to_schedule: Vec::new(),
            pending_flows: Vec::new(),
            migration_energy_j: 0.0,
            initial_quality: None,
            history_instant: (f64::NAN.to_bits(), false),
            lifetimes: Vec::new(),
            vms_rejected: 0,
            config,
        })
    }

    /// Adds dynamic consolidation, run at every regular step (not at the
    /// optional step at t = 0). Its overload detector also screens hosts
    /// during initial placement, as in CloudSim.
    pub fn with_consolidation(mut self, consolidation: Consolidation) -> Self {
        self.consolidation = Some(consolidation);
        self
    }

    /// The network migrations cross, for migration models that move data
    /// (all but `cloudsim`). Without one, such models get a flat network in
    /// which each host's link has its type's bandwidth.
    pub fn with_network(mut self, spec: &TopologySpec) -> Result<Self, SimError> {
        let topology = Topology::new(spec).map_err(|e| SimError::Config {
            field: "network",
            message: e.to_string(),
        })?;
        if topology.hosts() as usize != self.dc.host_count() {
            return Err(SimError::Config {
                field: "network",
                message: format!(
                    "the network has {} hosts, the datacenter {}",
                    topology.hosts(),
                    self.dc.host_count()
                ),
            });
        }
        self.network = Some(Network::new(topology));
        Ok(self)
    }

    /// Each VM type's memory and dirtying (default: idle VMs of the type's RAM).
    pub fn with_vm_memory(mut self, memory: Vec<VmMemory>) -> Result<Self, SimError> {
        if memory.len() != self.dc.spec().vm_types.len() {
            return Err(SimError::Config {
                field: "vm_types.memory",
                message: format!(
                    "{} memory models for {} VM types",
                    memory.len(),
                    self.dc.spec().vm_types.len()
                ),
            });
        }
        self.vm_memory = memory;
        Ok(self)
    }

    /// The migration model for moves outside consolidation (scripted ones),
    /// when there is no consolidation; with consolidation, its model moves
    /// every VM and this one is not used.
    pub fn with_migration_model(mut self, model: Box<dyn MigrationModel>) -> Self {
        self.migration_model = Some(model);
        self
    }

    /// Migrations the scenario asks for at fixed times, whatever the
    /// consolidation does: to reproduce a measured migration, or to study a
    /// model on a known sequence of moves. A move whose VM is not running
    /// then (or already migrating), or whose target lacks room, is refused
    /// and counted in `migrations_refused`.
    pub fn with_scripted_migrations(mut self, moves: Vec<ScriptedMigration>) -> Result<Self, SimError> {
        for (i, m) in moves.iter().enumerate() {
            let bad = |message: String| SimError::Config {
                field: "migrations",
                message: format!("move {i}: {message}"),
            };
            if !(m.at_s.is_finite() && m.at_s >= 0.0) {
                return Err(bad(format!("time must be a number >= 0, found {}", m.at_s)));
            }
            if m.vm.index() >= self.dc.vm_count() {
                return Err(bad(format!(
                    "VM {} does not exist ({} VMs)",
                    m.vm.0,
                    self.dc.vm_count()
                )));
            }
            if m.target.index() >= self.dc.host_count() {
                return Err(bad(format!(
                    "host {} does not exist ({} hosts)",
                    m.target.0,
                    self.dc.host_count()
                )));
            }
        }
        self.scripted = moves;
        Ok(self)
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

    /// Does the migration model run as a process over the network (every
    /// model but CloudSim's fixed delay)?
    fn process_migrations(&self) -> bool {
        Self::model_of(&self.consolidation, &self.migration_model).is_some_and(|m| m.name() != "cloudsim")
    }

    /// A flat network with each host's link at its type's bandwidth.
    fn default_network(&self) -> Network {
        let n = self.dc.host_count() as u32;
        let first_bw = self.dc.host_type(HostId(0)).bw_mbps;
        let mut topology =
            Topology::new(&TopologySpec::flat(n, first_bw)).expect("host bandwidths are validated");
        for h in self.dc.hosts() {
            let bw = self.dc.host_type(h).bw_mbps;
            if bw != first_bw {
                for dir in [crate::network::Direction::Up, crate::network::Direction::Down] {
                    if let Some(link) = topology.host_link(h.0, dir) {
                        topology
                            .set_link(link, crate::network::LinkSpec::idle(bw))
                            .expect("a positive bandwidth");
                    }
                }
            }
        }
        Network::new(topology)
    }

    /// The RNG streams of this run (for policies that need randomness).
    pub fn streams(&self) -> &RngStreams {
        &self.streams
    }

    /// The datacenter state.
    pub fn datacenter(&self) -> &Datacenter {
        &self.dc
    }

    /// Places the VMs, runs to `duration_s` and returns the measurements.
    pub fn run(self) -> Result<RunResult, SimError> {
        self.run_observed(|_| {})
    }

    /// As [`run`](Self::run), calling `observer` after initial placement and
    /// after every event with the state at that instant: for invariant
    /// checks, tracing, or live plots.
    pub fn run_observed(mut self, observer: impl FnMut(&Observation<'_>)) -> Result<RunResult, SimError> {
        if !self.scripted.is_empty() && Self::model_of(&self.consolidation, &self.migration_model).is_none() {
            return Err(SimError::Config {
                field: "migrations",
                message: "scripted migrations need a migration model (with_migration_model)".into(),
            });
        }
        self.place_initial()?;
        if self.process_migrations() && self.network.is_none() {
            self.network = Some(self.default_network());
        }
        if self.config.quirks.memory_only_at_creation {
            self.dc.set_reserve_memory(false);
        }
        let mut engine: Engine<Event> = Engine::new();
        let first = self.config.step_offset_s + self.config.scheduling_interval_s;
        let duration = SimTime::from_secs(self.config.duration_s);
        if first <= self.config.duration_s {
            engine
                .scheduler()
                .schedule_at(SimTime::from_secs(first), Event::Step)
                .expect("the first step lies in the future");
        } else if self.config.step_at_end {
            engine
                .scheduler()
                .schedule_at(duration, Event::Step)
                .expect("duration is positive");
        }
        if self.config.step_at_start {
            engine
                .scheduler()
                .schedule_at(SimTime::ZERO, Event::Step)
                .expect("t = 0 is not in the past");
        }
        for (at, event) in self.lifetime_events().into_iter().chain(self.failure_events()) {
            engine
                .scheduler()
                .schedule_at(SimTime::from_secs(at), event)
                .expect("arrival, departure and failure times are >= 0");
        }
        for (i, m) in self.scripted.iter().enumerate() {
            if m.at_s <= self.config.duration_s {
                engine
                    .scheduler()
                    .schedule_at(SimTime::from_secs(m.at_s), Event::Scripted(i as u32))
                    .expect("scripted times are >= 0");
            }
        }
        let mut observed = Observed { sim: self, observer };
        observed.notify(0.0);
        let stats = engine.run(&mut observed, duration);
        Ok(observed.sim.finish(stats.events))
    }

    fn place_initial(&mut self) -> Result<(), SimError> {
        let admission = Admission::of(
            &self.config,
            &self.consolidation,
            &self.histories,
            self.config.quirks.initial_admission_new_vm_only,
        );
        let ctx = PlacementContext {
            excluded: &[],
            admission: admission.check(),
            exclude_idle: false,
        };
        let mut unplaced = Vec::new();
        match self.config.initial_placement {
            InitialPlacement::Online => {
                for i in 0..self.dc.vm_count() as u32 {
                    if !self.present_at_start(VmId(i)) {
                        continue;
                    }
                    unplaced.extend(place_all(
                        self.placement.as_mut(),
                        &mut self.dc,
                        &ctx,
                        &mut [VmId(i)],
                    ));
                }
            }
            InitialPlacement::Batch => {
                let mut vms: Vec<VmId> = (0..self.dc.vm_count() as u32)
                    .map(VmId)
                    .filter(|&v| self.present_at_start(v))
                    .collect();
                unplaced = place_all(self.placement.as_mut(), &mut self.dc, &ctx, &mut vms);
            }
        }
        if let Some(&v) = unplaced.first()
            && !self.config.allow_unplaced
        {
            return Err(SimError::Unplaced {
                vm: v.0,
                vm_type: self.dc.vm_type(v).name.clone(),
            });
        }
        let at_start = (0..self.dc.vm_count() as u32)
            .filter(|&i| self.present_at_start(VmId(i)))
            .count();
        self.vms_placed = at_start - unplaced.len();
        self.initial_quality = Some(crate::placement::evaluate(&self.dc));
        Ok(())
    }

    /// The host the placement policy picks for VM `v` now, with initial
    /// placement's admission check (for VMs arriving during the run).
    fn choose_host(&mut self, v: VmId) -> Option<HostId> {
        let admission = Admission::of(&self.config, &self.consolidation, &self.histories, false);
        let ctx = PlacementContext {
            excluded: &[],
            admission: admission.check(),
            exclude_idle: false,
        };
        self.placement.select_host(&self.dc, &ctx, v)
    }

    /// CloudSim's `updateCloudetProcessingWithoutSchedulingFutureEventsForce`
    /// at `t`: every host steps and records its state, the energy since the
    /// last processing is added, and (if configured) VMs with zero demand
    /// are retired.
    fn process(&mut self, t: f64) {
        let dt = t - self.last_process_s;
        let racks = self.config.infrastructure.switch.is_some()
            || matches!(self.config.infrastructure.cooling, Cooling::PerActiveRack(_));
        if racks {
            self.rack_hosts_on.fill(0);
        }
        let mut energy_j = 0.0;
        for h in self.dc.hosts() {
            energy_j += self.process_host(h, t, racks);
        }
        if dt > 0.0 {
            self.infrastructure_energy(energy_j, dt);
        }
        self.last_process_s = t;
        if self.config.finish_idle_vms {
            self.finish_idle_vms(t);
        }
    }

    /// Processes only the hosts in `touched_list` at `t` (and clears it):
    /// what changes when a migration starts, changes phase or ends. Each
    /// host's energy is integrated from its own last processing.
    fn process_touched(&mut self, t: f64) {
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            self.process_host(h, t, false);
        }
        if self.config.finish_idle_vms {
            self.finish_idle_vms_on(t);
        }
        self.touched_list.clear();
    }

    /// Steps host `h` at `t`: shares its CPU, adds the energy since its last
    /// processing (returned, J), records its state entry and, at history
    /// instants, its VMs' utilisation samples.
    fn process_host(&mut self, h: HostId, t: f64, count_racks: bool) -> f64 {
        let hi = h.index();
        let dt = t - self.hosts[hi].last_t;
        self.hosts[hi].last_t = t;
        if self.is_idle(h) {
            // Nothing to share and nothing recorded changes: an idle entry
            // that repeats the last one adds nothing to any metric.
            if dt <= 0.0 {
                return 0.0;
            }
            let p0 = self.hosts[hi].prev_power_w;
            let e = self.interval_energy_j(h, 0.0, p0, p0, false, dt);
            self.add_energy(hi, e);
            if count_racks && self.dc.host_state(h) != HostState::Down && self.host_on(0.0, false) {
                self.count_on(hi);
            }
            return e;
        }
        let (util_mips, requested) = self.dc.step_host(h, t);
        let u_prev = self.hosts[hi].prev_utilization;
        let u_now = self.dc.utilization(h);
        let mut e = 0.0;
        if dt > 0.0 {
            let had_vms = self.hosts[hi].had_vms;
            // The power at both ends was computed already: at the last
            // processing, and by `step_host` now.
            let (p_prev, p_now) = (self.hosts[hi].prev_power_w, self.dc.power_watts(h));
            debug_assert_eq!(p_now, self.dc.host_type(h).power.power_watts(u_now));
            e = self.interval_energy_j(h, u_prev, p_prev, p_now, had_vms, dt);
            self.add_energy(hi, e);
            self.hosts[hi].utilization_s += u_prev * dt;
            if count_racks && self.dc.host_state(h) != HostState::Down && self.host_on(u_prev, had_vms) {
                self.count_on(hi);
            }
        }
        self.record_host(h, t, util_mips, requested);
        // Only consolidation (its detectors, selections and admission) reads histories.
        if self.consolidation.is_some() && self.is_history_instant(t) {
            for &v in self.dc.vms_on(h) {
                self.histories.record(v, t, self.dc.vm_cpu_fraction(v));
            }
        }
        e
    }

    /// Is `t` an instant at which VMs record a history sample? PowerVm does
    /// when (t − offset) is a whole number of intervals, tested on the same
    /// f64 values as CloudSim; the answer is kept for the instant, since every
    /// host processed then asks.
    fn is_history_instant(&mut self, t: f64) -> bool {
        if self.history_instant.0 != t.to_bits() {
            let sample = (t - self.config.step_offset_s) % self.config.scheduling_interval_s == 0.0;
            self.history_instant = (t.to_bits(), sample);
        }
        self.history_instant.1
    }

    fn add_energy(&mut self, hi: usize, e: f64) {
        self.hosts[hi].energy_j += e;
        self.energy_j += e;
        self.interval.energy_j += e;
    }

    /// Was a host with this state at the start of an interval drawing more
    /// than its off power (the off rule of [`interval_energy_j`](Self::interval_energy_j))?
    fn host_on(&self, u_prev: f64, had_vms: bool) -> bool {
        if self.config.energy == EnergyAccounting::NonPowerAware {
            return true;
        }
        match self.config.off_rule {
            OffRule::ZeroUtilization => u_prev != 0.0,
            OffRule::NoVms => had_vms,
            OffRule::Never => true,
        }
    }

    fn count_on(&mut self, hi: usize) {
        if let Some(r) = self.rack_of[hi] {
            self.rack_hosts_on[r as usize] += 1;
        }
    }

    /// Switch and cooling energy of an interval of `dt` seconds in which the
    /// servers drew `server_j`, from the hosts counted on at its start.
    fn infrastructure_energy(&mut self, server_j: f64, dt: f64) {
        let infra = self.config.infrastructure;
        let mut network_j = 0.0;
        let mut racks_on = 0u32;
        for &on in &self.rack_hosts_on {
            if on > 0 {
                racks_on += 1;
                if let Some(sw) = infra.switch {
                    // Active ports: the hosts that are on, plus the uplink.
                    network_j += (sw.chassis_w + sw.port_w * f64::from(on + 1)) * dt;
                }
            }
        }
        let cooling_j = match infra.cooling {
            Cooling::None => 0.0,
            Cooling::Pue(pue) => (pue - 1.0) * (server_j + network_j),
            Cooling::PerActiveRack(w) => w * f64::from(racks_on) * dt,
        };
        self.network_energy_j += network_j;
        self.cooling_energy_j += cooling_j;
    }

    /// Host `h` has no VM, delivered nothing at its last processing and its
    /// last state entry says so.
    fn is_idle(&self, h: HostId) -> bool {
        let hi = h.index();
        self.dc.vms_on(h).is_empty()
            && self.dc.utilization_mips(h) == 0.0
            && self.hosts[hi].has_entry
            && !self.hosts[hi].entry_active
            && self.hosts[hi].entry_alloc == 0.0
            && self.hosts[hi].entry_req == 0.0
            && self.hosts[hi].prev_utilization == 0.0
            && !self.hosts[hi].had_vms
    }

    /// Records host `h`'s state at `t` (and that of the VMs running on it),
    /// replacing an entry already made at `t`.
    fn record_host(&mut self, h: HostId, t: f64, util_mips: f64, requested: f64) {
        let hi = h.index();
        let l = &mut self.hosts[hi];
        if l.has_entry && l.entry_t != t {
            Self::commit_host(l, &mut self.shutdown_durations_s, &mut self.interval, t);
        }
        l.has_entry = true;
        l.entry_t = t;
        l.entry_alloc = util_mips;
        l.entry_req = requested;
        l.entry_active = util_mips > 0.0;
        l.prev_utilization = self.dc.utilization(h);
        l.prev_power_w = self.dc.power_watts(h);
        l.had_vms = !self.dc.vms_on(h).is_empty();
        for i in 0..self.dc.vms_on(h).len() {
            let v = self.dc.vms_on(h)[i];
            if self.dc.is_incoming(h, v) {
                // CloudSim records a migrating VM at its source only.
                continue;
            }
            let (alloc, req, in_mig) = (
                self.dc.vm_allocated_mips(v),
                self.dc.vm_requested_mips(v),
                self.dc.in_migration(v),
            );
            self.record_vm(v, t, alloc, req, in_mig);
        }
    }

    /// Closes host `hi`'s current entry, superseded at `t_next`.
    fn commit_host(l: &mut HostLedger, shutdowns: &mut Vec<f64>, acc: &mut IntervalAcc, t_next: f64) {
        let dt = t_next - l.entry_t;
        // CloudSim getSlaTimePerActiveHost: the previous entry's state holds until the next.
        if l.entry_active {
            l.active_s += dt;
            if l.entry_alloc < l.entry_req {
                l.violation_s += dt;
                acc.violation_s += dt;
            }
        }
        Self::transition_host(l, shutdowns);
    }

    /// CloudSim getTimesBeforeHostShutdown, one entry at a time.
    fn transition_host(l: &mut HostLedger, shutdowns: &mut Vec<f64>) {
        let (t, active) = (l.entry_t, l.entry_active);
        if l.committed_active && !active {
            l.shutdowns += 1;
            shutdowns.push(t - l.last_switched_on_s);
        }
        if !l.committed_active && active {
            l.last_switched_on_s = t;
        }
        l.committed_active = active;
    }

    fn record_vm(&mut self, v: VmId, t: f64, alloc: f64, req: f64, in_migration: bool) {
        let vi = v.index();
        if self.vms[vi].has_entry && self.vms[vi].entry_t != t {
            self.commit_vm(vi, t);
        }
        let l = &mut self.vms[vi];
        l.has_entry = true;
        l.entry_t = t;
        l.entry_alloc = alloc;
        l.entry_req = req;
        l.entry_in_migration = in_migration;
    }

    /// Closes VM `vi`'s current entry, superseded at `t_next` (CloudSim
    /// `Helper.getSlaMetrics`).
    fn commit_vm(&mut self, vi: usize, t_next: f64) {
        let l = &mut self.vms[vi];
        let dt = t_next - l.entry_t;
        let (alloc, req) = (l.entry_alloc, l.entry_req);
        l.requested_mips_s += req * dt;
        l.allocated_mips_s += alloc * dt;
        if alloc < req {
            self.under_served_fractions_sum += (req - alloc) / req;
            self.under_served_count += 1;
            if l.entry_in_migration {
                l.missed_in_migration_mips_s += (req - alloc) * dt;
            }
        }
        Self::transition_vm(l, &mut self.migration_durations_s);
    }

    /// CloudSim getTimesBeforeVmMigration, one entry at a time.
    fn transition_vm(l: &mut VmLedger, durations: &mut Vec<f64>) {
        let (t, in_mig) = (l.entry_t, l.entry_in_migration);
        if l.committed_in_migration && !in_mig {
            durations.push(t - l.migration_started_s);
        }
        if !l.committed_in_migration && in_mig {
            l.migration_started_s = t;
        }
        l.committed_in_migration = in_mig;
    }

    /// A regular step at `t`: process, consolidate, start the migrations.
    fn step(&mut self, t: f64) {
        let interval_s = t - self.last_step_s;
        self.process(t);
        let mut overloaded_hosts = 0;
        let mut started = 0;
        let regular = !(t == 0.0 && self.config.step_at_start);
        if regular && let Some(c) = self.consolidation.as_mut() {
            self.planned.clear();
            let stats = c.plan(
                &mut self.dc,
                &self.histories,
                self.config.scheduling_interval_s,
                &mut self.selection_rng,
                &mut self.planned,
            );
            self.consolidation_rounds += 1;
            overloaded_hosts = stats.overloaded_hosts;
            started = self.planned.len();
            if self.process_migrations() {
                self.start_flights(t);
            } else {
                self.start_migrations(t);
            }
        }
        self.retry_restarts(t);
        let mut active_hosts = 0;
        let mut requested_total = 0.0;
        let mut allocated_total = 0.0;
        self.scratch_racks.clear();
        for h in self.dc.hosts() {
            if self.dc.utilization_mips(h) > 0.0 {
                active_hosts += 1;
                if let Some(r) = self.rack_of[h.index()] {
                    self.scratch_racks.push(r);
                }
            }
            requested_total += self.dc.requested_mips(h);
            allocated_total += self.dc.utilization_mips(h);
            self.vm_steps += self.dc.vms_on(h).len() as u64;
        }
        self.scratch_racks.sort_unstable();
        self.scratch_racks.dedup();
        self.intervals.push(IntervalRecord {
            time_s: t,
            active_hosts,
            active_racks: self.scratch_racks.len(),
            power_w: if interval_s > 0.0 {
                self.interval.energy_j / interval_s
            } else {
                0.0
            },
            energy_kwh: self.energy_j / JOULES_PER_KWH,
            requested_mips: requested_total,
            allocated_mips: allocated_total,
            overloaded_hosts,
            migrations: started,
            sla_violation_s: self.interval.violation_s,
        });
        self.interval = IntervalAcc::default();
        self.steps += 1;
        self.last_step_s = t;
    }

    /// Starts the planned migrations at `t` (CloudSim: `addMigratingInVm`,
    /// then a `VM_MIGRATE` event after the migration time) and records the
    /// new state of every host involved.
    fn start_migrations(&mut self, t: f64) {
        let Some(model) = Self::model_of(&self.consolidation, &self.migration_model) else {
            return;
        };
        for i in 0..self.planned.len() {
            let m = self.planned[i];
            let Some(source) = self.dc.host_of(m.vm) else {
                continue;
            };
            let plan = model.plan(&self.dc, m.vm, source, m.target);
            self.dc.start_migration(m.vm, m.target);
            for h in [m.target, source] {
                if !self.touched[h.index()] {
                    self.touched[h.index()] = true;
                    self.touched_list.push(h);
                }
            }
            let end = t + plan.duration_s;
            let id = self.migrations.len() as u32;
            self.migrations.push(MigrationRecord {
                start_s: t,
                end_s: end,
                vm: m.vm.0,
                source: source.0,
                target: m.target.0,
                duration_s: plan.duration_s,
                downtime_s: plan.downtime_s,
                data_mb: plan.data_mb,
                reason: m.reason,
                model: model.kind(),
                rounds: 0,
                faults: 0,
                stop_reason: Some(StopReason::FixedDelay),
            });
            self.vms[m.vm.index()].migrations += 1;
            self.downtime.migration_s[m.vm.index()] += plan.downtime_s;
            self.due.entry(end.to_bits()).or_default().push(id);
        }
        // Hosts are processed again at the same instant: their entries at `t`
        // are replaced and the next interval's energy starts from the new shares.
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            self.process_host(h, t, false);
        }
        self.touched_list.clear();
    }

    /// Completes the migrations due at `t`.
    fn complete_migrations(&mut self, t: f64) {
        let Some(ids) = self.due.remove(&t.to_bits()) else {
            return;
        };
        if t > self.last_process_s {
            self.process(t);
        }
        for &id in &ids {
            let m = &self.migrations[id as usize];
            if m.stop_reason == Some(StopReason::Aborted) {
                continue;
            }
            let (vm, target) = (VmId(m.vm), HostId(m.target));
            if let Some(source) = self.dc.complete_migration(vm, target) {
                self.touch(source);
            }
            self.touch(target);
        }
        // CloudSim processes every host again at the same instant; only the
        // hosts the moves touched can change (same requests, same shares
        // elsewhere), so only they are stepped again.
        self.process_touched(t);
    }

    fn touch(&mut self, h: HostId) {
        if !self.touched[h.index()] {
            self.touched[h.index()] = true;
            self.touched_list.push(h);
        }
    }

    /// Removes the VMs that requested nothing at this processing (see
    /// [`SimulationConfig::finish_idle_vms`]); migrating VMs are kept.
    fn finish_idle_vms(&mut self, t: f64) {
        self.scratch_vms.clear();
        for h in self.dc.hosts() {
            self.collect_idle_vms(h);
        }
        self.retire_collected(t);
    }

    /// As [`finish_idle_vms`](Self::finish_idle_vms), on the touched hosts only.
    fn finish_idle_vms_on(&mut self, t: f64) {
        self.scratch_vms.clear();
        for i in 0..self.touched_list.len() {
            self.collect_idle_vms(self.touched_list[i]);
        }
        self.retire_collected(t);
    }

    fn collect_idle_vms(&mut self, h: HostId) {
        {
            for &v in self.dc.vms_on(h) {
                if self.dc.vm_requested_mips(v) == 0.0
                    && !self.dc.in_migration(v)
                    && self.dc.host_of(v) == Some(h)
                {
                    self.scratch_vms.push(v);
                }
            }
        }
    }

    fn retire_collected(&mut self, t: f64) {
        for i in 0..self.scratch_vms.len() {
            let v = self.scratch_vms[i];
            self.dc.destroy_vm(v);
            self.vm_finished_at_s[v.index()] = Some(t);
        }
    }

    /// Energy of host `h` over `dt` seconds from utilisation `u_prev` (power
    /// `p_prev`) to power `p_now`, under the run's accounting and off rule.
    fn interval_energy_j(
        &self,
        h: HostId,
        u_prev: f64,
        p_prev: f64,
        p_now: f64,
        had_vms: bool,
        dt: f64,
    ) -> f64 {
        let host_type = self.dc.host_type(h);
        if self.dc.host_state(h) == HostState::Down {
            // Failed: unpowered until repaired.
            return 0.0;
        }
        if self.config.energy == EnergyAccounting::NonPowerAware {
            return host_type.power.max_power_watts() * dt;
        }
        let off = match self.config.off_rule {
            OffRule::ZeroUtilization => u_prev == 0.0,
            OffRule::NoVms => !had_vms,
            OffRule::Never => false,
        };
        if off {
            return host_type.off_power_w * dt;
        }
        match self.config.integration {
            // CloudSim PowerHost.getEnergyLinearInterpolation's operation order.
            Integration::Trapezoid => (p_prev + (p_now - p_prev) / 2.0) * dt,
            Integration::Step => p_prev * dt,
        }
    }

    fn finish(mut self, events: u64) -> RunResult {
        // The last entries are never superseded: they count for transitions only.
        for hi in 0..self.dc.host_count() {
            if self.hosts[hi].has_entry {
                Self::transition_host(&mut self.hosts[hi], &mut self.shutdown_durations_s);
            }
        }
        for vi in 0..self.dc.vm_count() {
            if self.vms[vi].has_entry {
                Self::transition_vm(&mut self.vms[vi], &mut self.migration_durations_s);
            }
        }
        for m in &mut self.migrations {
            if m.end_s > self.config.duration_s {
                m.end_s = f64::NAN;
            }
        }
        // Migrations still in flight: what they did so far.
        for f in self.flights.iter().flatten() {
            let (record, report) = f.partial();
            let r = &mut self.migrations[record];
            r.downtime_s = report.downtime_s;
            r.data_mb = report.data_mb;
            r.rounds = report.rounds;
            r.faults = report.faults;
            self.downtime.migration_s[r.vm as usize] += report.downtime_s;
        }
        // VMs still down: their outage so far.
        for vi in 0..self.dc.vm_count() {
            if let Some(since) = self.faults.vm_down_since[vi] {
                self.add_outage(VmId(vi as u32), since, self.config.duration_s);
            }
        }
        let mut host_down_total_s: f64 = self.faults.host_down_s.iter().sum();
        for since in self.faults.host_down_since.iter().flatten() {
            host_down_total_s += self.config.duration_s - since;
        }
        let mut downtimes: Vec<f64> = self.migrations.iter().map(|m| m.downtime_s).collect();
        downtimes.sort_by(f64::total_cmp);
        let downtime_p99_s = percentile_sorted(&downtimes, 0.99);
        let migration_data_mb = self.migrations.iter().fold(0.0, |s, m| s + m.data_mb);
        let n_steps = self.intervals.len();
        let (active_mean, active_min, active_max) = if n_steps == 0 {
            (0.0, 0, 0)
        } else {
            let sum: usize = self.intervals.iter().map(|r| r.active_hosts).sum();
            (
                sum as f64 / n_steps as f64,
                self.intervals.iter().map(|r| r.active_hosts).min().unwrap_or(0),
                self.intervals.iter().map(|r| r.active_hosts).max().unwrap_or(0),
            )
        };
        let (shutdown_mean, shutdown_std) = mean_and_sample_std(&self.shutdown_durations_s);
        let (migration_mean, migration_std) = mean_and_sample_std(&self.migration_durations_s);
        let active_total: f64 = self.hosts.iter().map(|l| l.active_s).sum();
        let violation_total: f64 = self.hosts.iter().map(|l| l.violation_s).sum();
        let requested: f64 = self.vms.iter().map(|l| l.requested_mips_s).sum();
        let allocated: f64 = self.vms.iter().map(|l| l.allocated_mips_s).sum();
        let missed: f64 = self.vms.iter().map(|l| l.missed_in_migration_mips_s).sum();
        let ratio = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };
        let (pdm_sum, pdm_vms) = self
            .vms
            .iter()
            .map(|l| (l.requested_mips_s, l.missed_in_migration_mips_s))
            .filter(|(r, _)| *r > 0.0)
            .fold((0.0, 0usize), |(s, n), (r, m)| (s + m / r, n + 1));
        let slatah = ratio(violation_total, active_total);
        let pdm = ratio(missed, requested);
        let energy_kwh = self.energy_j / JOULES_PER_KWH;
        let count_reason =
            |reason: MigrationReason| self.migrations.iter().filter(|m| m.reason == reason).count() as u64;
        let overload_moves = count_reason(MigrationReason::Overload);
        let underload_moves = count_reason(MigrationReason::Underload);
        let scripted_moves = count_reason(MigrationReason::Scripted);
        let (mut completed, mut completed_s) = (0usize, 0.0);
        for m in &self.migrations {
            if m.end_s.is_finite() {
                completed += 1;
                completed_s += m.duration_s;
            }
        }
        // Availability over each placed VM's lifetime (all start at t = 0).
        let availability: Vec<f64> = (0..self.dc.vm_count())
            .map(|vi| {
                let placed = self.vms[vi].has_entry || self.dc.host_of(VmId(vi as u32)).is_some();
                let end = self.vm_finished_at_s[vi].unwrap_or(self.config.duration_s);
                let lifetime = end - self.arrival_s(VmId(vi as u32));
                match (placed, lifetime > 0.0) {
                    (false, _) => f64::NAN,
                    (true, false) => 1.0,
                    (true, true) => (1.0 - self.downtime.total_s(vi) / lifetime).clamp(0.0, 1.0),
                }
            })
            .collect();
        let status: Vec<VmStatus> = (0..self.dc.vm_count())
            .map(|vi| {
                if availability[vi].is_nan() {
                    VmStatus::Unplaced
                } else if self.faults.vm_down_since[vi].is_some() {
                    VmStatus::Down
                } else if self.faults.vm_losses[vi] > 0 {
                    VmStatus::Restarted
                } else if self.vms[vi].migrations > 0 {
                    VmStatus::Migrated
                } else {
                    VmStatus::Undisturbed
                }
            })
            .collect();
        let count_status = |s: VmStatus| status.iter().filter(|&&x| x == s).count() as u64;
        let evacuations_done = self
            .migrations
            .iter()
            .filter(|m| {
                m.reason == MigrationReason::Evacuation
                    && m.stop_reason != Some(StopReason::Aborted)
                    && m.end_s.is_finite()
            })
            .count() as u64;
        let host_time_s = self.dc.host_count() as f64 * self.config.duration_s;
        let placed_availability = || availability.iter().copied().filter(|a| !a.is_nan());
        let n_placed = placed_availability().count();

        let spec = self.dc.spec();
        let hosts = self
            .dc
            .hosts()
            .map(|h| {
                let hi = h.index();
                HostRecord {
                    host: h.0,
                    host_type: self.dc.host_type(h).name.clone(),
                    rack: spec.hosts[hi].rack,
                    energy_kwh: self.hosts[hi].energy_j / JOULES_PER_KWH,
                    active_s: self.hosts[hi].active_s,
                    mean_utilization: ratio(self.hosts[hi].utilization_s, self.last_process_s),
                    shutdowns: self.hosts[hi].shutdowns,
                    vms_at_end: self.dc.vms_on(h).len(),
                }
            })
            .collect();
        let vms = (0..self.dc.vm_count() as u32)
            .map(VmId)
            .map(|v| VmRecord {
                vm: v.0,
                vm_type: self.dc.vm_type(v).name.clone(),
                trace: spec.traces[spec.vms[v.index()].trace].name().to_string(),
                host: self.dc.host_of(v).map(|h| h.0),
                finished_at_s: self.vm_finished_at_s[v.index()],
                requested_mips_s: self.vms[v.index()].requested_mips_s,
                allocated_mips_s: self.vms[v.index()].allocated_mips_s,
                migrations: self.vms[v.index()].migrations,
                downtime_s: self.downtime.total_s(v.index()),
                losses: self.faults.vm_losses[v.index()],
                status: status[v.index()],
                availability: availability[v.index()],
            })
            .collect();
        let n_migrations = self.migrations.len() as u64;
        let initial = self
            .initial_quality
            .unwrap_or_else(|| crate::placement::evaluate(&self.dc));
        RunResult {
            summary: Summary {
                run: RunSummary {
                    scenario: self.config.name.clone(),
                    seed: self.config.seed,
                    hosts: self.dc.host_count(),
                    vms: self.dc.vm_count(),
                    vms_placed: self.vms_placed,
                    vms_rejected: self.vms_rejected,
                    vms_finished: self.vm_finished_at_s.iter().filter(|f| f.is_some()).count(),
                    simulated_s: self.config.duration_s,
                    last_step_s: self.last_step_s,
                    steps: self.steps,
                    events,
                    vm_steps: self.vm_steps,
                },
                energy: EnergySummary {
                    energy_kwh,
                    network_energy_kwh: self.network_energy_j / JOULES_PER_KWH,
                    cooling_energy_kwh: self.cooling_energy_j / JOULES_PER_KWH,
                    migration_energy_kwh: self.migration_energy_j / JOULES_PER_KWH,
                    total_energy_kwh: (self.energy_j
                        + self.network_energy_j
                        + self.cooling_energy_j
                        + self.migration_energy_j)
                        / JOULES_PER_KWH,
                },
                activity: ActivitySummary {
                    active_racks_mean: if n_steps == 0 {
                        0.0
                    } else {
                        self.intervals.iter().map(|r| r.active_racks).sum::<usize>() as f64 / n_steps as f64
                    },
                    active_hosts_mean: active_mean,
                    active_hosts_min: active_min,
                    active_hosts_max: active_max,
                },
                sla: SlaSummary {
                    host_shutdowns: self.hosts.iter().map(|l| l.shutdowns).sum(),
                    time_before_host_shutdown_mean_s: shutdown_mean,
                    time_before_host_shutdown_std_s: shutdown_std,
                    slatah,
                    overall_sla_violation: ratio(requested - allocated, requested),
                    average_sla_violation: ratio(
                        self.under_served_fractions_sum,
                        self.under_served_count as f64,
                    ),
                    requested_mips_s: requested,
                    allocated_mips_s: allocated,
                },
                migration_counts: MigrationCounts {
                    migrations: n_migrations,
                    migrations_overload: overload_moves,
                    migrations_underload: underload_moves,
                },
                degradation: DegradationSummary {
                    pdm,
                    pdm_per_vm_mean: ratio(pdm_sum, pdm_vms as f64),
                    slav: slatah * pdm,
                    esv: energy_kwh * (slatah * pdm),
                    time_before_vm_migration_mean_s: migration_mean,
                    time_before_vm_migration_std_s: migration_std,
                },
                migration_costs: MigrationCosts {
                    migration_downtime_s: self.migrations.iter().fold(0.0, |s, m| s + m.downtime_s),
                    migration_downtime_mean_s: if self.migrations.is_empty() {
                        f64::NAN
                    } else {
                        self.migrations.iter().fold(0.0, |s, m| s + m.downtime_s)
                            / self.migrations.len() as f64
                    },
                    migration_downtime_p99_s: downtime_p99_s,
                    migration_data_mb,
                    migration_time_mean_s: if completed == 0 {
                        f64::NAN
                    } else {
                        completed_s / completed as f64
                    },
                    migrations_scripted: scripted_moves,
                    migrations_evacuation: count_reason(MigrationReason::Evacuation),
                    migrations_refused: self.migrations_refused,
                },
                availability: AvailabilitySummary {
                    vm_downtime_s: (0..self.dc.vm_count()).map(|vi| self.downtime.total_s(vi)).sum(),
                    vm_downtime_migration_s: self.downtime.migration_s.iter().sum(),
                    vm_downtime_restart_s: self.downtime.restart_s.iter().sum(),
                    vm_downtime_crash_s: self.downtime.crash_s.iter().sum(),
                    vm_availability_mean: if n_placed == 0 {
                        f64::NAN
                    } else {
                        placed_availability().sum::<f64>() / n_placed as f64
                    },
                    vm_availability_min: placed_availability().fold(f64::NAN, f64::min),
                    availability_target: self.config.availability_target,
                    availability_violations: placed_availability()
                        .filter(|&a| a < self.config.availability_target)
                        .count() as u64,
                },
                failures: FailureSummary {
                    host_failures: self.faults.failures,
                    host_crashes: self.faults.crashes,
                    host_mtbf_s: if self.faults.failures == 0 {
                        f64::NAN
                    } else {
                        (host_time_s - host_down_total_s) / self.faults.failures as f64
                    },
                    host_mttr_s: if self.faults.repairs_s.is_empty() {
                        f64::NAN
                    } else {
                        self.faults.repairs_s.iter().sum::<f64>() / self.faults.repairs_s.len() as f64
                    },
                    host_availability: ratio(host_time_s - host_down_total_s, host_time_s),
                    host_reliability: ratio(
                        self.faults.host_failed.iter().filter(|&&f| !f).count() as f64,
                        self.dc.host_count() as f64,
                    ),
                    vm_losses: self.faults.vm_losses.iter().map(|&n| u64::from(n)).sum(),
                    vm_restarts: self.faults.vm_restarts.iter().map(|&n| u64::from(n)).sum(),
                    vms_evacuated: evacuations_done,
                    migrations_aborted: self
                        .migrations
                        .iter()
                        .filter(|m| m.stop_reason == Some(StopReason::Aborted))
                        .count() as u64,
                },
                fates: VmFates {
                    vms_undisturbed: count_status(VmStatus::Undisturbed),
                    vms_migrated: count_status(VmStatus::Migrated),
                    vms_restarted: count_status(VmStatus::Restarted),
                    vms_down_at_end: count_status(VmStatus::Down),
                    vms_unplaced: count_status(VmStatus::Unplaced),
                },
                consolidation: ConsolidationSummary {
                    consolidation_rounds: self.consolidation_rounds,
                },
                placement: PlacementSummary {
                    placement_hosts: initial.active_hosts,
                    placement_racks: initial.active_racks,
                    placement_lower_bound_hosts: initial.hosts_lower_bound,
                    placement_gap: initial.optimality_gap,
                    placement_inter_host_traffic_mbps: initial.inter_host_traffic_mbps,
                    placement_inter_rack_traffic_mbps: initial.inter_rack_traffic_mbps,
                    placement_total_traffic_mbps: initial.total_traffic_mbps,
                    placement_anti_collocation_violations: initial.anti_collocation_violations,
                    placement_constraint_violations: initial.capacity_violations,
                    placement_trace_overloaded_hosts: initial.trace_overloaded_hosts,
                },
            },
            intervals: self.intervals,
            hosts,
            vms,
            migrations: self.migrations,
        }
    }
}

/// The admission check of placements outside consolidation: the
/// consolidation's overload detector (as CloudSim's initial placement), else
/// the static threshold, else none.
enum Admission<'a> {
    Detector(DetectorAdmission<'a>),
    Threshold(StaticThreshold),
    None,
}

impl<'a> Admission<'a> {
    fn of(
        config: &SimulationConfig,
        consolidation: &'a Option<Consolidation>,
        histories: &'a VmHistories,
        new_vm_only: bool,
    ) -> Self {
        match (consolidation, config.admission_threshold) {
            (Some(c), _) => Admission::Detector(DetectorAdmission {
                detector: c.detector.as_ref(),
                view: LoadView {
                    histories,
                    migration: c.migration.as_ref(),
                    migration_times: &c.migration_times,
                    scheduling_interval_s: config.scheduling_interval_s,
                },
                new_vm_only,
                lines: Some(&c.lines),
            }),
            (None, Some(t)) => Admission::Threshold(StaticThreshold(t)),
            (None, None) => Admission::None,
        }
    }

    fn check(&self) -> &dyn AdmissionCheck {
        match self {
            Admission::Detector(d) => d,
            Admission::Threshold(t) => t,
            Admission::None => &NoAdmissionCheck,
        }
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
            datacenter: &self.sim.dc,
            energy_j: self.sim.energy_j,
            migrations: &self.sim.migrations,
        });
    }
}

impl<F: FnMut(&Observation<'_>)> Handler<Event> for Observed<F> {
    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<Event>) {
        self.sim.handle(now, event, sched);
        self.notify(now.secs());
    }
}

/// The `q` quantile of sorted `values` (nearest rank; NaN when empty).
fn percentile_sorted(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

impl Handler<Event> for Simulation {
    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Step => {
                self.step(now.secs());
                self.schedule_completions(now, sched);
                if now == SimTime::ZERO && self.config.step_at_start {
                    // The regular grid was scheduled by `run`.
                    self.flush_schedule(now, sched);
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
            Event::MigrationsDone => self.complete_migrations(now.secs()),
            Event::MigrationPhase(slot, generation) => self.phase_timer(slot, generation, now.secs()),
            Event::NetworkDue => self.network_due(now.secs()),
            Event::Scripted(i) => {
                self.start_scripted(i, now.secs());
                self.schedule_completions(now, sched);
            }
            Event::FailureWarning(i) => {
                self.failure_warning(i, now.secs());
                self.schedule_completions(now, sched);
            }
            Event::HostDown(i) => self.host_down(i, now.secs()),
            Event::HostUp(i) => self.host_up(i, now.secs()),
            Event::Restart(v) => self.restart_due(v, now.secs()),
            Event::VmArrival(v) => self.vm_arrival(v, now.secs()),
            Event::VmDeparture(v) => self.vm_departure(v, now.secs()),
        }
        self.flush_schedule(now, sched);
    }
}

impl Simulation {
    /// Schedules one `MigrationsDone` event per completion instant that the
    /// last step created.
    fn schedule_completions(&mut self, now: SimTime, sched: &mut Scheduler<Event>) {
        let now_s = now.secs();
        for (&bits, ids) in &self.due {
            let at = f64::from_bits(bits);
            // Instants whose first migration started now are new.
            if ids
                .first()
                .is_some_and(|&id| self.migrations[id as usize].start_s == now_s)
            {
                sched
                    .schedule_at(SimTime::from_secs(at.max(now_s)), Event::MigrationsDone)
                    .expect("migrations end after they start");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::registry::build_placement_policy;
    use crate::workload::UtilizationTrace;

    /// One-hour runs at a 300 s step, no offset: steps at 300, 600, …, 3600.
    fn config() -> SimulationConfig {
        SimulationConfig {
            duration_s: 3600.0,
            ..SimulationConfig::default()
        }
    }

    fn run(spec: DatacenterSpec, config: SimulationConfig) -> RunResult {
        let policy = build_placement_policy("ff", Default::default()).unwrap();
        Simulation::new(spec, config, policy).unwrap().run().unwrap()
    }

    #[test]
    fn an_off_host_draws_its_off_power() {
        // Host 0 (idle 50 W, max 100 W) takes the VM at full load; host 1 stays empty.
        let mut s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)], &[1000.0]);
        s.host_types[1].off_power_w = 7.0;
        let step = SimulationConfig {
            integration: Integration::Step,
            ..config()
        };
        let r = run(s.clone(), step.clone());
        assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3600.0).abs() < 1e-6);
        assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
        // Without the step at t = 0, every host starts at u = 0, so off, as in CloudSim.
        let r = run(
            s,
            SimulationConfig {
                step_at_start: false,
                ..step
            },
        );
        assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3300.0).abs() < 1e-6);
        assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn non_power_aware_charges_full_power_for_every_host_all_the_time() {
        let s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 40.0, 80.0)], &[500.0]);
        let r = run(
            s,
            SimulationConfig {
                energy: EnergyAccounting::NonPowerAware,
                ..config()
            },
        );
        assert!((r.summary.energy.energy_kwh * JOULES_PER_KWH - 180.0 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn idle_vms_are_retired_only_when_asked() {
        let mut s = spec(&[(1000.0, 2, 50.0, 100.0)], &[500.0, 500.0]);
        s.traces = vec![
            UtilizationTrace::new("busy", 300.0, vec![0.5; 13]).unwrap(),
            UtilizationTrace::new("stops", 300.0, vec![0.5, 0.5, 0.0, 0.0, 0.0]).unwrap(),
        ];
        s.vms[1].trace = 1;
        let kept = run(s.clone(), config());
        assert_eq!(kept.summary.run.vms_finished, 0);
        let retired = run(
            s,
            SimulationConfig {
                finish_idle_vms: true,
                ..config()
            },
        );
        assert_eq!(retired.summary.run.vms_finished, 1);
        assert_eq!(retired.vms[1].finished_at_s, Some(600.0));
        assert_eq!(retired.vms[1].host, None);
        assert_eq!(retired.hosts[0].vms_at_end, 1);
    }

    #[test]
    fn switches_and_cooling_are_charged_for_racks_with_hosts_on() {
        // Three hosts in two racks (0, 0, 1); one full-load VM on host 0.
        let mut s = spec(
            &[
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
            ],
            &[1000.0],
        );
        for (h, rack) in s.hosts.iter_mut().zip([0, 0, 1]) {
            h.rack = Some(rack);
        }
        let base = SimulationConfig {
            integration: Integration::Step,
            ..config()
        };
        let plain = run(s.clone(), base.clone());
        assert_eq!(plain.summary.energy.network_energy_kwh, 0.0);
        assert_eq!(
            plain.summary.energy.total_energy_kwh,
            plain.summary.energy.energy_kwh
        );
        let r = run(
            s.clone(),
            SimulationConfig {
                infrastructure: InfrastructurePower {
                    switch: Some(SwitchPower::CARPO),
                    cooling: Cooling::Pue(1.5),
                },
                ..base.clone()
            },
        );
        // Rack 0: one host on, one uplink: 66.7 + 2 × 1 W for the hour; rack 1 off.
        let network_j = (66.7 + 2.0) * 3600.0;
        assert!((r.summary.energy.network_energy_kwh * JOULES_PER_KWH - network_j).abs() < 1e-6);
        let server_j = 100.0 * 3600.0;
        assert!((r.summary.energy.energy_kwh * JOULES_PER_KWH - server_j).abs() < 1e-6);
        let cooling_j = 0.5 * (server_j + network_j);
        assert!((r.summary.energy.cooling_energy_kwh * JOULES_PER_KWH - cooling_j).abs() < 1e-6);
        assert!(
            (r.summary.energy.total_energy_kwh * JOULES_PER_KWH - (server_j + network_j + cooling_j)).abs()
                < 1e-6
        );
        assert!(r.intervals.iter().skip(1).all(|i| i.active_racks == 1));
        let per_rack = run(
            s,
            SimulationConfig {
                infrastructure: InfrastructurePower {
                    switch: None,
                    cooling: Cooling::PerActiveRack(200.0),
                },
                ..base
            },
        );
        assert!((per_rack.summary.energy.cooling_energy_kwh * JOULES_PER_KWH - 200.0 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn cloudsim_step_grid() {
        let grid = SimulationConfig {
            step_offset_s: 0.1,
            duration_s: 1200.0,
            ..config()
        };
        let s = spec(&[(1000.0, 1, 50.0, 100.0)], &[500.0]);
        let r = run(
            s.clone(),
            SimulationConfig {
                step_at_start: false,
                step_at_end: false,
                ..grid.clone()
            },
        );
        let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
        assert_eq!(times, [300.1, 600.1, 900.1]);
        assert_eq!(r.summary.run.last_step_s, 900.1);
        assert_eq!(r.summary.run.simulated_s, 1200.0);
        let r = run(s, grid);
        let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
        assert_eq!(times, [0.0, 300.1, 600.1, 900.1, 1200.0]);
    }
}
