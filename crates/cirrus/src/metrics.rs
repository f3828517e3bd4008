//! What a run measured: the summary CloudSim's `Helper.printResults` reports,
//! plus per-interval, per-host and per-VM records. Plain data, serialisable;
//! `cirrus-output` writes it.

use serde::Serialize;

/// Joules per kWh (CloudSim divides by 3600 × 1000).
pub const JOULES_PER_KWH: f64 = 3_600_000.0;

/// Headline numbers of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
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
    /// VMs retired because their demand dropped to zero (CloudSim's
    /// "completed VMs"; only with `finish_idle_vms`).
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
    /// Mean number of racks with an active host over the steps.
    pub active_racks_mean: f64,
    /// Mean number of active hosts over the steps.
    pub active_hosts_mean: f64,
    /// Fewest active hosts at a step.
    pub active_hosts_min: usize,
    /// Most active hosts at a step.
    pub active_hosts_max: usize,
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
    /// Live migrations started.
    pub migrations: u64,
    /// Of which to relieve an overloaded host.
    pub migrations_overload: u64,
    /// Of which to empty an under-utilised host.
    pub migrations_underload: u64,
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
    /// Total time VMs were suspended by migrations, seconds.
    pub migration_downtime_s: f64,
    /// Mean downtime per migration, seconds.
    pub migration_downtime_mean_s: f64,
    /// 99th percentile of the downtime per migration (nearest rank), seconds.
    pub migration_downtime_p99_s: f64,
    /// Data migrations sent, MB.
    pub migration_data_mb: f64,
    /// Planning rounds of the consolidation loop.
    pub consolidation_rounds: u64,
}

/// One datacenter step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalRecord {
    /// Time of the step, seconds.
    pub time_s: f64,
    /// Hosts with non-zero utilisation after the step.
    pub active_hosts: usize,
    /// Racks with at least one active host after the step.
    pub active_racks: usize,
    /// Mean power over the interval that ended at this step, watts (0 for a
    /// step at t = 0, which ends no interval).
    pub power_w: f64,
    /// Energy drawn since t = 0, kWh.
    pub energy_kwh: f64,
    /// MIPS requested by all VMs at this step.
    pub requested_mips: f64,
    /// MIPS delivered to all VMs at this step.
    pub allocated_mips: f64,
    /// Hosts the overload detector flagged at this step.
    pub overloaded_hosts: usize,
    /// Migrations started at this step.
    pub migrations: usize,
    /// Host-seconds of SLA violation (an active host delivering less than
    /// requested) in the interval that ended at this step.
    pub sla_violation_s: f64,
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
    /// "overload" or "underload".
    pub reason: &'static str,
    /// Migration model.
    pub model: &'static str,
    /// Live pre-copy rounds.
    pub rounds: u32,
    /// Post-copy network page faults.
    pub faults: u64,
    /// Why it stopped iterating (e.g. `max-rounds`, `few-dirty-pages`,
    /// `post-copy-done`, `fixed-delay`; empty if it had not ended).
    pub stop_reason: &'static str,
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
    ];
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
}
