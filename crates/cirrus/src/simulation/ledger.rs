//! CloudSim's state histories, kept as running sums: an entry per host and
//! per VM at each processing instant, a later entry at the same instant
//! replacing the earlier one, each entry holding until the next. SLATAH, the
//! SLA violation figures, PDM, host shutdowns and the time VMs spend
//! migrating are computed over them, as CloudSim's `Helper` does.

use crate::datacenter::{Datacenter, HostId, VmId};
use crate::metrics::{DegradationSummary, SlaSummary, mean_and_sample_std};
use crate::power::PowerState;

/// One host's state history (CloudSim `HostStateHistoryEntry`): its open
/// entry, and what its closed entries added up to.
#[derive(Debug, Clone, Copy, Default)]
struct HostStates {
    has_entry: bool,
    entry_active: bool,
    /// `active` of the last entry already superseded (CloudSim assumes true before the first).
    committed_active: bool,
    shutdowns: u64,
    entry_t: f64,
    entry_alloc: f64,
    entry_req: f64,
    last_switched_on_s: f64,
    active_s: f64,
    violation_s: f64,
    /// VMs of the entry waiting for the host to be on.
    entry_waiting_vms: u32,
}

/// One VM's state history (CloudSim `VmStateHistoryEntry`), kept together:
/// every VM touches all of it at every processing, so one record per VM
/// costs one or two cache lines instead of one per field.
#[derive(Debug, Clone, Copy, Default)]
struct VmStates {
    has_entry: bool,
    entry_in_migration: bool,
    committed_in_migration: bool,
    entry_t: f64,
    entry_alloc: f64,
    entry_req: f64,
    migration_started_s: f64,
    requested_mips_s: f64,
    allocated_mips_s: f64,
    missed_in_migration_mips_s: f64,
}

/// The state histories of every host and VM of a run.
#[derive(Debug)]
pub(super) struct StateLedger {
    hosts: Vec<HostStates>,
    vms: Vec<VmStates>,
    under_served_fractions_sum: f64,
    under_served_count: u64,
    shutdown_durations_s: Vec<f64>,
    migration_durations_s: Vec<f64>,
    /// Host-seconds of SLA violation since the last regular step.
    interval_violation_s: f64,
    /// Σ over VMs of the seconds spent on a host that was not on.
    vm_waiting_s: f64,
}

impl StateLedger {
    /// Empty histories; every host counts as active before its first entry,
    /// as in CloudSim.
    pub(super) fn new(n_hosts: usize, n_vms: usize) -> Self {
        Self {
            hosts: vec![
                HostStates {
                    committed_active: true,
                    ..HostStates::default()
                };
                n_hosts
            ],
            vms: vec![VmStates::default(); n_vms],
            under_served_fractions_sum: 0.0,
            under_served_count: 0,
            shutdown_durations_s: Vec::new(),
            migration_durations_s: Vec::new(),
            interval_violation_s: 0.0,
            vm_waiting_s: 0.0,
        }
    }

    /// Host `h`'s last entry says it was inactive, delivering and requesting
    /// nothing: a repeat of it would add nothing to any metric.
    #[inline]
    pub(super) fn has_idle_entry(&self, h: HostId) -> bool {
        let l = &self.hosts[h.index()];
        l.has_entry && !l.entry_active && l.entry_alloc == 0.0 && l.entry_req == 0.0
    }

    /// Records host `h`'s state at `t` (and that of the VMs running on it),
    /// replacing an entry already made at `t`.
    pub(super) fn record_host(&mut self, dc: &Datacenter, h: HostId, t: f64, util_mips: f64, requested: f64) {
        let l = &mut self.hosts[h.index()];
        if l.has_entry && l.entry_t != t {
            // CloudSim getSlaTimePerActiveHost: the previous entry's state holds until the next.
            let dt = t - l.entry_t;
            self.vm_waiting_s += f64::from(l.entry_waiting_vms) * dt;
            if l.entry_active {
                l.active_s += dt;
                if l.entry_alloc < l.entry_req {
                    l.violation_s += dt;
                    self.interval_violation_s += dt;
                }
            }
            transition_host(l, &mut self.shutdown_durations_s);
        }
        l.has_entry = true;
        l.entry_t = t;
        l.entry_alloc = util_mips;
        l.entry_req = requested;
        l.entry_active = util_mips > 0.0;
        // A host that is not on serves none of its VMs: they wait, and the
        // host counts as active and in violation while they do.
        let waiting = dc.power_state(h) != PowerState::On;
        let mut waiting_vms = 0;
        for &v in dc.vms_on(h) {
            if dc.is_incoming(h, v) {
                // CloudSim records a migrating VM at its source only.
                continue;
            }
            waiting_vms += u32::from(waiting);
            // A booked move waiting for its target has not started.
            let migrating = dc.in_migration(v) && !dc.migration_booked(v);
            self.record_vm(v, t, dc.vm_allocated_mips(v), dc.vm_requested_mips(v), migrating);
        }
        if waiting_vms > 0 {
            let l = &mut self.hosts[h.index()];
            l.entry_waiting_vms = waiting_vms;
            l.entry_active = true;
        } else {
            self.hosts[h.index()].entry_waiting_vms = 0;
        }
    }

    /// VM-seconds spent waiting for a host to be on (closed entries).
    pub(super) fn vm_waiting_s(&self) -> f64 {
        self.vm_waiting_s
    }

    /// Records VM `v`'s state at `t`, replacing an entry already made at `t`.
    #[inline(always)]
    pub(super) fn record_vm(&mut self, v: VmId, t: f64, alloc: f64, req: f64, in_migration: bool) {
        let l = &mut self.vms[v.index()];
        if l.has_entry && l.entry_t != t {
            // CloudSim Helper.getSlaMetrics: the entry holds until the next.
            let dt = t - l.entry_t;
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
            transition_vm(l, &mut self.migration_durations_s);
        }
        l.has_entry = true;
        l.entry_t = t;
        l.entry_alloc = alloc;
        l.entry_req = req;
        l.entry_in_migration = in_migration;
    }

    /// Host-seconds of SLA violation since the last call.
    pub(super) fn take_interval_violation_s(&mut self) -> f64 {
        std::mem::take(&mut self.interval_violation_s)
    }

    /// The run is over: the last entries are never superseded, they count
    /// for transitions only.
    pub(super) fn close(&mut self) {
        for l in self.hosts.iter_mut().filter(|l| l.has_entry) {
            transition_host(l, &mut self.shutdown_durations_s);
        }
        for l in self.vms.iter_mut().filter(|l| l.has_entry) {
            transition_vm(l, &mut self.migration_durations_s);
        }
    }

    /// Whether VM `v` ever ran (has an entry).
    pub(super) fn ran(&self, v: VmId) -> bool {
        self.vms[v.index()].has_entry
    }

    /// Seconds host `h` was active.
    pub(super) fn host_active_s(&self, h: HostId) -> f64 {
        self.hosts[h.index()].active_s
    }

    /// Host `h`'s shutdowns.
    pub(super) fn host_shutdowns(&self, h: HostId) -> u64 {
        self.hosts[h.index()].shutdowns
    }

    /// MIPS·s VM `v` requested and was given.
    pub(super) fn vm_mips_s(&self, v: VmId) -> (f64, f64) {
        let l = &self.vms[v.index()];
        (l.requested_mips_s, l.allocated_mips_s)
    }

    /// Σ over VMs of MIPS·s (requested, allocated, missed while migrating).
    fn totals(&self) -> (f64, f64, f64) {
        let requested: f64 = self.vms.iter().map(|l| l.requested_mips_s).sum();
        let allocated: f64 = self.vms.iter().map(|l| l.allocated_mips_s).sum();
        let missed: f64 = self.vms.iter().map(|l| l.missed_in_migration_mips_s).sum();
        (requested, allocated, missed)
    }

    fn slatah(&self) -> f64 {
        let active_total: f64 = self.hosts.iter().map(|l| l.active_s).sum();
        let violation_total: f64 = self.hosts.iter().map(|l| l.violation_s).sum();
        ratio(violation_total, active_total)
    }

    /// Shutdowns and SLA violation (after [`close`](Self::close)).
    pub(super) fn sla_summary(&self) -> SlaSummary {
        let (shutdown_mean, shutdown_std) = mean_and_sample_std(&self.shutdown_durations_s);
        let (requested, allocated, _) = self.totals();
        SlaSummary {
            host_shutdowns: self.hosts.iter().map(|l| l.shutdowns).sum(),
            time_before_host_shutdown_mean_s: shutdown_mean,
            time_before_host_shutdown_std_s: shutdown_std,
            slatah: self.slatah(),
            overall_sla_violation: ratio(requested - allocated, requested),
            average_sla_violation: ratio(self.under_served_fractions_sum, self.under_served_count as f64),
            requested_mips_s: requested,
            allocated_mips_s: allocated,
        }
    }

    /// PDM, SLAV, ESV (the servers having drawn `energy_kwh`) and the time VMs
    /// spent migrating (after [`close`](Self::close)).
    pub(super) fn degradation_summary(&self, energy_kwh: f64) -> DegradationSummary {
        let (migration_mean, migration_std) = mean_and_sample_std(&self.migration_durations_s);
        let (requested, _, missed) = self.totals();
        let (pdm_sum, pdm_vms) = self
            .vms
            .iter()
            .map(|l| (l.requested_mips_s, l.missed_in_migration_mips_s))
            .filter(|(r, _)| *r > 0.0)
            .fold((0.0, 0usize), |(s, n), (r, m)| (s + m / r, n + 1));
        let slatah = self.slatah();
        let pdm = ratio(missed, requested);
        DegradationSummary {
            pdm,
            pdm_per_vm_mean: ratio(pdm_sum, pdm_vms as f64),
            slav: slatah * pdm,
            esv: energy_kwh * (slatah * pdm),
            time_before_vm_migration_mean_s: migration_mean,
            time_before_vm_migration_std_s: migration_std,
        }
    }
}

/// CloudSim getTimesBeforeHostShutdown, one entry at a time.
fn transition_host(l: &mut HostStates, shutdowns: &mut Vec<f64>) {
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

/// CloudSim getTimesBeforeVmMigration, one entry at a time.
fn transition_vm(l: &mut VmStates, durations: &mut Vec<f64>) {
    let (t, in_mig) = (l.entry_t, l.entry_in_migration);
    if l.committed_in_migration && !in_mig {
        durations.push(t - l.migration_started_s);
    }
    if !l.committed_in_migration && in_mig {
        l.migration_started_s = t;
    }
    l.committed_in_migration = in_mig;
}

/// `num / den`, 0 when `den` is 0.
pub(super) fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}
