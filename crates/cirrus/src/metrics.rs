//! What a run measured: the summary CloudSim's `Helper.printResults` reports,
//! plus per-interval, per-host and per-VM records. Plain data, serialisable;
//! `cirrus-output` writes it.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::consolidation::MigrationReason;
use crate::migration::{ModelKind, StopReason};

/// Joules per kWh (CloudSim divides by 3600 × 1000).
pub const JOULES_PER_KWH: f64 = 3_600_000.0;

/// Declares a part of [`Summary`]: a plain struct of public fields, which the
/// summary writes in its own place, field by field, in declaration order.
///
/// Not `#[serde(flatten)]`: flattening serialises as a map, which the `csv`
/// writer of a sweep's `runs.csv` cannot write.
macro_rules! summary_part {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $($(#[$field_attr:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            $($(#[$field_attr])* pub $field: $ty,)*
        }

        impl $name {
            /// Its fields' names, in order: the columns it contributes.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn serialize_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
                $(out.serialize_field(stringify!($field), &self.$field)?;)*
                Ok(())
            }
        }
    };
}

summary_part! {
    /// What was run, and how much of it.
    pub struct RunSummary {
        /// Scenario name.
        pub scenario: String,
        /// Seed the RNG streams were derived from.
        pub seed: u64,
        /// Number of hosts.
        pub hosts: usize,
        /// Number of VMs.
        pub vms: usize,
        /// VMs that found a host.
        pub vms_placed: usize,
        /// VMs arriving during the run that fit on no host.
        pub vms_rejected: u64,
        /// VMs retired because their demand dropped to zero (CloudSim's
        /// "completed VMs"; only with `finish_idle_vms`), or because they left.
        pub vms_finished: usize,
        /// Simulated time, seconds: the run's horizon (CloudSim's "Total
        /// simulation time").
        pub simulated_s: f64,
        /// Time of the last datacenter step, seconds (energy is accounted up to
        /// here; CloudSim's day ends its accounting at 86 100.1 s).
        pub last_step_s: f64,
        /// Datacenter steps taken.
        pub steps: u64,
        /// Events the engine processed.
        pub events: u64,
        /// VM-steps simulated: Σ over steps of the VMs placed at that step.
        pub vm_steps: u64,
    }
}

summary_part! {
    /// Energy drawn, by consumer.
    pub struct EnergySummary {
        /// Energy drawn by the servers, kWh (CloudSim's "energy consumption").
        pub energy_kwh: f64,
        /// Energy of the racks' top-of-rack switches, kWh (0 unless modelled).
        pub network_energy_kwh: f64,
        /// Cooling energy, kWh (0 unless modelled).
        pub cooling_energy_kwh: f64,
        /// Energy of migrations (`E = α·V + β`), kWh (0 unless modelled).
        pub migration_energy_kwh: f64,
        /// Servers + network + cooling + migrations, kWh.
        pub total_energy_kwh: f64,
    }
}

summary_part! {
    /// Hosts and racks in use over the steps.
    pub struct ActivitySummary {
        /// Mean number of racks with an active host over the steps.
        pub active_racks_mean: f64,
        /// Mean number of active hosts over the steps.
        pub active_hosts_mean: f64,
        /// Fewest active hosts at a step.
        pub active_hosts_min: usize,
        /// Most active hosts at a step.
        pub active_hosts_max: usize,
    }
}

summary_part! {
    /// CloudSim's host metrics from the state histories: shutdowns and SLA
    /// violation.
    pub struct SlaSummary {
        /// Active→inactive transitions of hosts, counted as CloudSim's
        /// `Helper.getTimesBeforeHostShutdown` does (every host starts "active",
        /// so a host never used counts one shutdown at the first step).
        pub host_shutdowns: u64,
        /// Mean time from a host's last switch-on to its shutdown, seconds.
        pub time_before_host_shutdown_mean_s: f64,
        /// Sample standard deviation of that time, seconds.
        pub time_before_host_shutdown_std_s: f64,
        /// SLATAH: fraction of active-host time during which a host delivered less
        /// than its VMs requested (Beloglazov & Buyya 2012; CloudSim
        /// `getSlaTimePerActiveHost`).
        pub slatah: f64,
        /// CloudSim's "overall SLA violation": (requested − delivered) / requested
        /// over all VMs, in MIPS·s.
        pub overall_sla_violation: f64,
        /// CloudSim's "average SLA violation": mean of (requested − delivered) /
        /// requested over the (VM, interval) pairs that were under-served.
        pub average_sla_violation: f64,
        /// Total MIPS·s requested by the VMs.
        pub requested_mips_s: f64,
        /// Total MIPS·s delivered to the VMs.
        pub allocated_mips_s: f64,
    }
}

summary_part! {
    /// Live migrations started, by reason.
    pub struct MigrationCounts {
        /// Live migrations started.
        pub migrations: u64,
        /// Of which to relieve an overloaded host.
        pub migrations_overload: u64,
        /// Of which to empty an under-utilised host.
        pub migrations_underload: u64,
    }
}

summary_part! {
    /// What migrations cost the VMs (CloudSim's PDM, SLAV, ESV) and how long
    /// VMs spent migrating, from the state histories.
    pub struct DegradationSummary {
        /// PDM as CloudSim computes it (`Helper.getSlaMetrics`,
        /// "underallocated_migration"): MIPS·s VMs missed while migrating, over
        /// all MIPS·s requested, summed over VMs.
        pub pdm: f64,
        /// PDM as the paper defines it (Beloglazov & Buyya 2012, eq. 8): the mean
        /// over VMs that ran of each VM's missed-while-migrating / requested.
        pub pdm_per_vm_mean: f64,
        /// SLAV = SLATAH × PDM (CloudSim's printed "SLA"), with CloudSim's PDM.
        pub slav: f64,
        /// ESV = energy (kWh) × SLAV.
        pub esv: f64,
        /// Mean duration of a VM's migration, seconds (CloudSim's "time before a
        /// VM migration", which measures in-migration periods).
        pub time_before_vm_migration_mean_s: f64,
        /// Sample standard deviation of that duration, seconds.
        pub time_before_vm_migration_std_s: f64,
    }
}

summary_part! {
    /// What the migrations took, and the moves asked for outside consolidation.
    pub struct MigrationCosts {
        /// Total time VMs were suspended by migrations, seconds.
        pub migration_downtime_s: f64,
        /// Mean downtime per migration, seconds.
        pub migration_downtime_mean_s: f64,
        /// 99th percentile of the downtime per migration (nearest rank), seconds.
        pub migration_downtime_p99_s: f64,
        /// Data migrations sent, MB.
        pub migration_data_mb: f64,
        /// Mean duration of a migration, from its start to the VM running on
        /// its target alone, seconds (completed migrations; NaN if none).
        pub migration_time_mean_s: f64,
        /// Migrations the scenario scripted (`[[migrations]]`).
        pub migrations_scripted: u64,
        /// Migrations evacuating a host that announced a failure.
        pub migrations_evacuation: u64,
        /// Moves that could not start: VM not running or already migrating, or
        /// no room on the target.
        pub migrations_refused: u64,
    }
}

summary_part! {
    /// VM downtime by cause, and the availability it leaves.
    pub struct AvailabilitySummary {
        /// Seconds VMs were unavailable, all causes.
        pub vm_downtime_s: f64,
        /// Of which paused by live migrations.
        pub vm_downtime_migration_s: f64,
        /// Of which the restart delay of VMs lost with a failed host.
        pub vm_downtime_restart_s: f64,
        /// Of which lost VMs waited beyond the delay for a host with room.
        pub vm_downtime_crash_s: f64,
        /// Mean availability of the placed VMs: 1 − downtime / lifetime, the
        /// lifetime running from placement to retirement or the end.
        pub vm_availability_mean: f64,
        /// Lowest availability of a placed VM.
        pub vm_availability_min: f64,
        /// The availability each VM is promised (fraction).
        pub availability_target: f64,
        /// Placed VMs whose availability fell below the target.
        pub availability_violations: u64,
    }
}

summary_part! {
    /// Host failures and what they did to the VMs.
    pub struct FailureSummary {
        /// Host failures (hosts going down).
        pub host_failures: u64,
        /// Of which crashes (unannounced).
        pub host_crashes: u64,
        /// Observed mean time between failures: host up-time / failures,
        /// seconds (NaN without failures).
        pub host_mtbf_s: f64,
        /// Observed mean time to repair, over the repairs completed, seconds.
        pub host_mttr_s: f64,
        /// Share of host-time up: 1 − down time / (hosts × duration).
        pub host_availability: f64,
        /// Share of hosts that never failed: the datacenter's empirical
        /// reliability R(duration).
        pub host_reliability: f64,
        /// VMs lost with a failed host (events; a VM can be lost twice).
        pub vm_losses: u64,
        /// Lost VMs restarted elsewhere (events).
        pub vm_restarts: u64,
        /// Evacuation migrations that completed before their host failed.
        pub vms_evacuated: u64,
        /// Migrations called off by a host failure.
        pub migrations_aborted: u64,
    }
}

summary_part! {
    /// What happened to the VMs, one count per [`VmStatus`] (they add up to
    /// the number of VMs).
    pub struct VmFates {
        /// VMs never disturbed: never migrated, never lost.
        pub vms_undisturbed: u64,
        /// VMs migrated at least once and never lost.
        pub vms_migrated: u64,
        /// VMs lost at least once, running again at the end.
        pub vms_restarted: u64,
        /// VMs lost and still down at the end.
        pub vms_down_at_end: u64,
        /// VMs never placed.
        pub vms_unplaced: u64,
    }
}

summary_part! {
    /// The consolidation loop's work.
    pub struct ConsolidationSummary {
        /// Planning rounds of the consolidation loop.
        pub consolidation_rounds: u64,
    }
}

summary_part! {
    /// The quality of the initial placement: `placement::evaluate` of the
    /// datacenter once every VM has been created at t = 0 (before the first
    /// step), whatever happens later (migrations, retired VMs). Plain numbers
    /// so that they are columns of a sweep's `runs.csv`.
    pub struct PlacementSummary {
        /// Hosts running a VM after initial placement.
        pub placement_hosts: usize,
        /// Racks with such a host (a host without a rack counts as a rack).
        pub placement_racks: usize,
        /// Lower bound on the hosts the placed VMs need: the Martello–Toth L2
        /// bin-packing bound, the largest over CPU (MIPS requested at creation),
        /// RAM and bandwidth (`PlacementQuality::hosts_lower_bound`); 0 when no
        /// VM was placed.
        pub placement_lower_bound_hosts: usize,
        /// Relative optimality gap, `placement_hosts / placement_lower_bound_hosts
        /// − 1` (0 when no VM was placed): an upper bound on how far the host
        /// count is from optimal.
        pub placement_gap: f64,
        /// Application traffic whose two ends run on different hosts, Mbit/s.
        pub placement_inter_host_traffic_mbps: f64,
        /// Application traffic whose two ends run in different racks, Mbit/s.
        pub placement_inter_rack_traffic_mbps: f64,
        /// Application traffic between placed VMs, Mbit/s (0 without applications).
        pub placement_total_traffic_mbps: f64,
        /// Broken availability constraints: over all anti-collocation sets,
        /// members placed minus the distinct hosts (or racks) they occupy.
        pub placement_anti_collocation_violations: usize,
        /// Broken demand constraints: hosts over capacity in at least one
        /// resource (MIPS in total or per core, RAM, bandwidth) after initial
        /// placement.
        pub placement_constraint_violations: usize,
        /// Hosts whose VMs' summed trace demand exceeds the host's MIPS at some
        /// instant of the traces: the placement fits at t = 0 but will
        /// oversubscribe them later.
        pub placement_trace_overloaded_hosts: usize,
    }
}

summary_part! {
    /// Host power states (`docs/MODELS.md` C.5): transitions, energy by
    /// state, and the time VMs waited for a host to come on. Without power
    /// management a host counts as off while the off rule says so (or while
    /// failed), else on, and nothing waits.
    pub struct PowerStateSummary {
        /// Hosts that began booting.
        pub power_boots: u64,
        /// Hosts that began shutting down.
        pub power_shutdowns: u64,
        /// Hosts that began suspending to RAM.
        pub power_sleeps: u64,
        /// Hosts that began resuming from sleep.
        pub power_wakes: u64,
        /// Server energy while on, kWh.
        pub energy_on_kwh: f64,
        /// Server energy while off, kWh.
        pub energy_off_kwh: f64,
        /// Server energy while asleep, kWh.
        pub energy_sleep_kwh: f64,
        /// Server energy while booting, kWh.
        pub energy_booting_kwh: f64,
        /// Server energy while shutting down, kWh.
        pub energy_shutting_down_kwh: f64,
        /// Server energy while suspending, kWh.
        pub energy_suspending_kwh: f64,
        /// Server energy while resuming, kWh.
        pub energy_resuming_kwh: f64,
        /// VM-seconds spent on a host that was not on (placed on a host
        /// still booting or resuming), unserved: counted in the SLA figures
        /// as an active host delivering nothing. A migration towards such a
        /// host waits for it instead, the VM served at its source.
        pub vm_waiting_s: f64,
    }
}

summary_part! {
    /// Moves that waited for their target to come on (`docs/MODELS.md` C.5): only in runs
    /// with power states, whose `summary.json` and sweep rows have these columns after
    /// the power-state ones (before any real-time ones).
    pub struct MoveWaits {
        /// Migrations (consolidation, scripted, evacuation) that started after waiting for
        /// their target to boot or resume; the VM ran at its source meanwhile.
        pub moves_waited_for_host: u64,
        /// The seconds those moves waited, summed.
        pub move_wait_s: f64,
    }
}

/// Power-state transitions begun, of a host or a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PowerStateCounts {
    /// Boots.
    pub power_boots: u64,
    /// Shutdowns.
    pub power_shutdowns: u64,
    /// Suspends to RAM.
    pub power_sleeps: u64,
    /// Resumes from sleep.
    pub power_wakes: u64,
}

/// Headline numbers of a run, in parts, each filled by the part of the
/// simulation that measured it. Written as one flat record: `summary.json`
/// and a sweep's `runs.csv` columns list every part's fields in place, in
/// [`Summary::columns`] order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// What was run.
    pub run: RunSummary,
    /// Energy by consumer.
    pub energy: EnergySummary,
    /// Hosts and racks in use.
    pub activity: ActivitySummary,
    /// Host shutdowns and SLA violation.
    pub sla: SlaSummary,
    /// Migrations started, by reason.
    pub migration_counts: MigrationCounts,
    /// PDM, SLAV, ESV.
    pub degradation: DegradationSummary,
    /// Migration downtime, data and duration; scripted, evacuation and refused moves.
    pub migration_costs: MigrationCosts,
    /// VM downtime and availability.
    pub availability: AvailabilitySummary,
    /// Host failures.
    pub failures: FailureSummary,
    /// What happened to the VMs.
    pub fates: VmFates,
    /// Consolidation rounds.
    pub consolidation: ConsolidationSummary,
    /// Initial placement quality.
    pub placement: PlacementSummary,
    /// Host power states.
    pub power_states: PowerStateSummary,
    /// Moves that waited for their target: only in runs with power states; `None` (and no
    /// columns) otherwise.
    pub move_waits: Option<MoveWaits>,
    /// Real-time VMs and the deadline-aware policy (docs/REALTIME.md): only in runs with a
    /// real-time VM, whose `summary.json` and sweep rows end with its columns; `None` (and
    /// no columns) otherwise, as CloudSim's runs.
    pub real_time: Option<RealTimeCounts>,
}

impl Summary {
    /// Every column, in the order written ([`MoveWaits::COLUMNS`] follow in runs with power
    /// states, then [`RealTimeCounts::COLUMNS`] in runs with a real-time VM).
    pub fn columns() -> impl Iterator<Item = &'static str> {
        [
            RunSummary::COLUMNS,
            EnergySummary::COLUMNS,
            ActivitySummary::COLUMNS,
            SlaSummary::COLUMNS,
            MigrationCounts::COLUMNS,
            DegradationSummary::COLUMNS,
            MigrationCosts::COLUMNS,
            AvailabilitySummary::COLUMNS,
            FailureSummary::COLUMNS,
            VmFates::COLUMNS,
            ConsolidationSummary::COLUMNS,
            PlacementSummary::COLUMNS,
            PowerStateSummary::COLUMNS,
        ]
        .into_iter()
        .flatten()
        .copied()
    }
}

impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Summary", Self::columns().count())?;
        self.run.serialize_fields(&mut out)?;
        self.energy.serialize_fields(&mut out)?;
        self.activity.serialize_fields(&mut out)?;
        self.sla.serialize_fields(&mut out)?;
        self.migration_counts.serialize_fields(&mut out)?;
        self.degradation.serialize_fields(&mut out)?;
        self.migration_costs.serialize_fields(&mut out)?;
        self.availability.serialize_fields(&mut out)?;
        self.failures.serialize_fields(&mut out)?;
        self.fates.serialize_fields(&mut out)?;
        self.consolidation.serialize_fields(&mut out)?;
        self.placement.serialize_fields(&mut out)?;
        self.power_states.serialize_fields(&mut out)?;
        if let Some(w) = &self.move_waits {
            w.serialize_fields(&mut out)?;
        }
        if let Some(rt) = &self.real_time {
            rt.serialize_fields(&mut out)?;
        }
        out.end()
    }
}

summary_part! {
    /// Real-time VMs' migrations (docs/REALTIME.md).
    pub struct RealTimeCounts {
        /// VMs with a `real_time` declaration.
        pub real_time_vms: u64,
        /// Migrations of real-time VMs whose simulated downtime exceeded the VM's bound.
        pub deadline_misses: u64,
        /// Moves the deadline-aware policy did not start: no candidate was predicted to meet
        /// the VM's bound.
        pub deadline_deferrals: u64,
        /// Evacuations the deadline-aware policy started although no candidate was predicted
        /// to finish before the announced failure (it took the fastest).
        pub evacuations_too_late: u64,
    }
}

/// One datacenter step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalRecord {
    /// Time of the step, seconds.
    pub time_s: f64,
    /// Hosts on after the step: with non-zero utilisation, or (in runs whose
    /// migrations are processes, not CloudSim's fixed delay) sending or
    /// receiving a migration.
    pub active_hosts: usize,
    /// Racks with at least one active host after the step.
    pub active_racks: usize,
    /// Mean power over the interval that ended at this step, watts (0 for a
    /// step at t = 0, which ends no interval).
    pub power_w: f64,
    /// Energy drawn since t = 0, kWh.
    pub energy_kwh: f64,
    /// MIPS requested by all VMs at this step. In runs whose migrations are
    /// processes, a migrating VM's request is counted once, where it runs;
    /// CloudSim's fixed-delay runs keep CloudSim's per-host sums, in which the
    /// destination lists a migrating-in VM's full request too.
    pub requested_mips: f64,
    /// MIPS delivered to all VMs at this step.
    pub allocated_mips: f64,
    /// Hosts the overload detector flagged at this step.
    pub overloaded_hosts: usize,
    /// Migrations started in the interval that ended at this step (after the
    /// previous step's record, up to and including this step's own), for any
    /// reason: the sum of the four columns by reason.
    pub migrations: usize,
    /// Host-seconds of SLA violation (an active host delivering less than
    /// requested) in the interval that ended at this step.
    pub sla_violation_s: f64,
    /// Of `migrations`, those consolidation started to relieve an overloaded host.
    pub migrations_overload: usize,
    /// Of `migrations`, those consolidation started to empty an under-utilised host.
    pub migrations_underload: usize,
    /// Of `migrations`, those evacuating a host that warned of its failure.
    pub migrations_evacuation: usize,
    /// Of `migrations`, the scenario's `[[migrations]]` moves.
    pub migrations_scripted: usize,
    /// Hosts on after the step (without power management: not failed and
    /// not counted off by the off rule).
    pub hosts_on: usize,
    /// Hosts off after the step (failed hosts included).
    pub hosts_off: usize,
    /// Hosts asleep after the step.
    pub hosts_asleep: usize,
    /// Hosts booting, shutting down, suspending or resuming after the step.
    pub hosts_in_transition: usize,
}

/// One live migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationRecord {
    /// When it started, seconds.
    pub start_s: f64,
    /// When the VM was running at the target, seconds (NaN if the run ended first).
    pub end_s: f64,
    /// The VM.
    pub vm: u32,
    /// Host it left.
    pub source: u32,
    /// Host it went to.
    pub target: u32,
    /// Planned duration, seconds.
    pub duration_s: f64,
    /// Time the VM was suspended, seconds.
    pub downtime_s: f64,
    /// Data sent, MB.
    pub data_mb: f64,
    /// Why it moved (`overload`, `underload`, `scripted`, `evacuation`).
    pub reason: MigrationReason,
    /// The model that moved it (its registered name).
    pub model: ModelKind,
    /// Live pre-copy rounds.
    pub rounds: u32,
    /// Post-copy network page faults.
    pub faults: u64,
    /// Why it stopped iterating (e.g. `max-rounds`, `few-dirty-pages`,
    /// `post-copy-done`, `fixed-delay`), or `aborted`; empty (`None`) if it had
    /// not ended.
    pub stop_reason: Option<StopReason>,
    /// Its model's predicted downtime, seconds ([`MigrationModel::predict`](crate::migration::MigrationModel::predict)):
    /// over the share its first transfer got (a capped one: the slower end's nominal link),
    /// else over the destination's nominal link, the VM at the CPU share it had at the start. Against
    /// [`downtime_s`](Self::downtime_s), the prediction error of sharing the network.
    pub predicted_downtime_s: f64,
    /// Its model's predicted total time, seconds, made as
    /// [`predicted_downtime_s`](Self::predicted_downtime_s).
    pub predicted_total_s: f64,
    /// The VM's downtime bound, seconds, for a real-time VM: written as the last column,
    /// `max_downtime_s`, of runs with a real-time VM ([`MigrationRecord::REAL_TIME_COLUMN`]).
    #[serde(skip)]
    pub max_downtime_s: Option<f64>,
    /// The downtime the model that chose this migration's model predicted at its start, on
    /// the link share a new transfer would get then ([`MigrationModel::choose`](crate::migration::MigrationModel::choose)):
    /// for a real-time VM's move by the deadline-aware policy; not written.
    #[serde(skip)]
    pub chosen_on_downtime_s: Option<f64>,
}

impl MigrationRecord {
    /// The CSV columns, in field order (for a header over zero rows).
    pub const COLUMNS: &'static [&'static str] = &[
        "start_s",
        "end_s",
        "vm",
        "source",
        "target",
        "duration_s",
        "downtime_s",
        "data_mb",
        "reason",
        "model",
        "rounds",
        "faults",
        "stop_reason",
        "predicted_downtime_s",
        "predicted_total_s",
    ];

    /// The column runs with a real-time VM add after [`COLUMNS`](Self::COLUMNS): the VM's
    /// bound, empty for an ordinary VM.
    pub const REAL_TIME_COLUMN: &'static str = "max_downtime_s";
}

/// One host over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRecord {
    /// Host id.
    pub host: u32,
    /// Host type name.
    pub host_type: String,
    /// Rack, if modelled.
    pub rack: Option<u32>,
    /// Energy drawn, kWh.
    pub energy_kwh: f64,
    /// Seconds the host was active (utilisation > 0 at the interval start).
    pub active_s: f64,
    /// Time-weighted mean CPU utilisation over the run.
    pub mean_utilization: f64,
    /// Active→inactive transitions.
    pub shutdowns: u64,
    /// VMs on the host at the end.
    pub vms_at_end: usize,
    /// Energy drawn while on, kWh.
    pub energy_on_kwh: f64,
    /// Energy drawn while off (or counted off by the off rule), kWh.
    pub energy_off_kwh: f64,
    /// Energy drawn while asleep, kWh.
    pub energy_sleep_kwh: f64,
    /// Energy drawn while booting, shutting down, suspending or resuming, kWh.
    pub energy_transition_kwh: f64,
    /// Boots begun.
    pub boots: u64,
    /// Suspends to RAM begun.
    pub sleeps: u64,
}

/// One VM over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VmRecord {
    /// VM id.
    pub vm: u32,
    /// VM type name.
    pub vm_type: String,
    /// Name of the trace it follows.
    pub trace: String,
    /// Host at the end (None if never placed or finished).
    pub host: Option<u32>,
    /// When the VM was retired for having zero demand, if it was.
    pub finished_at_s: Option<f64>,
    /// MIPS·s requested.
    pub requested_mips_s: f64,
    /// MIPS·s delivered.
    pub allocated_mips_s: f64,
    /// Times it was migrated.
    pub migrations: u32,
    /// Seconds it was unavailable (all causes).
    pub downtime_s: f64,
    /// Times it was lost with a failed host.
    pub losses: u32,
    /// What happened to it over the run.
    pub status: VmStatus,
    /// 1 − downtime / lifetime (NaN if never placed).
    pub availability: f64,
}

/// What happened to a VM over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VmStatus {
    /// Never migrated, never lost.
    Undisturbed,
    /// Migrated at least once, never lost.
    Migrated,
    /// Lost with a failed host at least once, running again at the end.
    Restarted,
    /// Lost, and not running at the end.
    Down,
    /// Never placed.
    Unplaced,
}

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    /// Headline numbers.
    pub summary: Summary,
    /// One record per datacenter step.
    pub intervals: Vec<IntervalRecord>,
    /// One record per host.
    pub hosts: Vec<HostRecord>,
    /// One record per VM.
    pub vms: Vec<VmRecord>,
    /// One record per live migration, in start order.
    pub migrations: Vec<MigrationRecord>,
}

/// Mean and sample standard deviation (n − 1), as Apache Commons Math's
/// `DescriptiveStatistics` (used by CloudSim's `MathUtil`) computes them;
/// `(NaN, NaN)` for an empty slice, std 0 for a single value.
pub fn mean_and_sample_std(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_statistics() {
        let (m, s) = mean_and_sample_std(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((s - 1.290_994_448_735_805_6).abs() < 1e-15);
        assert!(mean_and_sample_std(&[]).0.is_nan());
        assert_eq!(mean_and_sample_std(&[5.0]), (5.0, 0.0));
    }

    #[test]
    fn the_summary_is_one_flat_record_in_its_historical_column_order() {
        // summary.json and runs.csv have had these columns, in this order; a
        // part moved or a field renamed changes every output file.
        const WRITTEN: [&str; 92] = [
            "scenario",
            "seed",
            "hosts",
            "vms",
            "vms_placed",
            "vms_rejected",
            "vms_finished",
            "simulated_s",
            "last_step_s",
            "steps",
            "events",
            "vm_steps",
            "energy_kwh",
            "network_energy_kwh",
            "cooling_energy_kwh",
            "migration_energy_kwh",
            "total_energy_kwh",
            "active_racks_mean",
            "active_hosts_mean",
            "active_hosts_min",
            "active_hosts_max",
            "host_shutdowns",
            "time_before_host_shutdown_mean_s",
            "time_before_host_shutdown_std_s",
            "slatah",
            "overall_sla_violation",
            "average_sla_violation",
            "requested_mips_s",
            "allocated_mips_s",
            "migrations",
            "migrations_overload",
            "migrations_underload",
            "pdm",
            "pdm_per_vm_mean",
            "slav",
            "esv",
            "time_before_vm_migration_mean_s",
            "time_before_vm_migration_std_s",
            "migration_downtime_s",
            "migration_downtime_mean_s",
            "migration_downtime_p99_s",
            "migration_data_mb",
            "migration_time_mean_s",
            "migrations_scripted",
            "migrations_evacuation",
            "migrations_refused",
            "vm_downtime_s",
            "vm_downtime_migration_s",
            "vm_downtime_restart_s",
            "vm_downtime_crash_s",
            "vm_availability_mean",
            "vm_availability_min",
            "availability_target",
            "availability_violations",
            "host_failures",
            "host_crashes",
            "host_mtbf_s",
            "host_mttr_s",
            "host_availability",
            "host_reliability",
            "vm_losses",
            "vm_restarts",
            "vms_evacuated",
            "migrations_aborted",
            "vms_undisturbed",
            "vms_migrated",
            "vms_restarted",
            "vms_down_at_end",
            "vms_unplaced",
            "consolidation_rounds",
            "placement_hosts",
            "placement_racks",
            "placement_lower_bound_hosts",
            "placement_gap",
            "placement_inter_host_traffic_mbps",
            "placement_inter_rack_traffic_mbps",
            "placement_total_traffic_mbps",
            "placement_anti_collocation_violations",
            "placement_constraint_violations",
            "placement_trace_overloaded_hosts",
            "power_boots",
            "power_shutdowns",
            "power_sleeps",
            "power_wakes",
            "energy_on_kwh",
            "energy_off_kwh",
            "energy_sleep_kwh",
            "energy_booting_kwh",
            "energy_shutting_down_kwh",
            "energy_suspending_kwh",
            "energy_resuming_kwh",
            "vm_waiting_s",
        ];
        assert_eq!(Summary::columns().collect::<Vec<_>>(), WRITTEN);
        let mut summary = Summary::default();
        summary.run.scenario = "s".into();
        summary.energy.energy_kwh = 1.5;
        summary.failures.host_mtbf_s = f64::NAN;
        let json = serde_json::to_string(&summary).unwrap();
        let keys: Vec<&str> = json
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .map(|kv| kv.split(':').next().unwrap().trim_matches('"'))
            .collect();
        assert_eq!(keys, WRITTEN);
        assert!(json.starts_with(r#"{"scenario":"s","seed":0,"#), "{json}");
        assert!(json.contains(r#""energy_kwh":1.5,"#), "{json}");
        assert!(json.contains(r#""host_mtbf_s":null,"#), "{json}");
    }

    #[test]
    fn vm_statuses_are_written_in_lowercase() {
        let written: Vec<String> = [
            VmStatus::Undisturbed,
            VmStatus::Migrated,
            VmStatus::Restarted,
            VmStatus::Down,
            VmStatus::Unplaced,
        ]
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
        assert_eq!(
            written,
            [
                "\"undisturbed\"",
                "\"migrated\"",
                "\"restarted\"",
                "\"down\"",
                "\"unplaced\""
            ]
        );
    }
}
