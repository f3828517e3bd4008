//! What the run meant for each VM: its downtime by cause — paused by
//! migrations (the [`MigrationExecutor`](super::executor::MigrationExecutor)'s
//! books), the restart delay and the wait beyond it after a loss
//! ([`Faults`](super::faults::Faults)') — the availability that leaves over its
//! lifetime, and its fate.

use crate::metrics::{AvailabilitySummary, VmFates, VmStatus};

/// Per VM, what the run left (inputs of [`outcomes`]).
pub(super) struct VmHistory<'a> {
    /// Seconds paused by migrations.
    pub(super) migration_s: &'a [f64],
    /// Seconds of restart delay after losses.
    pub(super) restart_s: &'a [f64],
    /// Seconds waiting for room beyond the delay.
    pub(super) crash_s: &'a [f64],
    /// Whether it was ever placed.
    pub(super) placed: &'a [bool],
    /// Its lifetime in the run, seconds (arrival to retirement, departure or the end).
    pub(super) lifetime_s: &'a [f64],
    /// Whether it is down (lost, not restarted) at the end.
    pub(super) down: &'a [bool],
    /// Times it was lost.
    pub(super) losses: &'a [u32],
    /// Times it was migrated.
    pub(super) migrations: &'a [u32],
}

/// Per VM and in total: downtime, availability, status.
pub(super) struct VmOutcomes {
    /// Per VM: seconds unavailable, all causes.
    pub(super) downtime_s: Vec<f64>,
    /// Per VM: 1 − downtime / lifetime (NaN if never placed).
    pub(super) availability: Vec<f64>,
    /// Per VM: what happened to it.
    pub(super) status: Vec<VmStatus>,
    /// Downtime by cause and availability over the VMs.
    pub(super) summary: AvailabilitySummary,
    /// How many VMs had each fate.
    pub(super) fates: VmFates,
}

/// The outcome of every VM of `vms`, against `availability_target`.
pub(super) fn outcomes(vms: &VmHistory<'_>, availability_target: f64) -> VmOutcomes {
    let n = vms.placed.len();
    let downtime_s: Vec<f64> = (0..n)
        .map(|vi| vms.migration_s[vi] + vms.restart_s[vi] + vms.crash_s[vi])
        .collect();
    let availability: Vec<f64> = (0..n)
        .map(|vi| match (vms.placed[vi], vms.lifetime_s[vi] > 0.0) {
            (false, _) => f64::NAN,
            (true, false) => 1.0,
            (true, true) => (1.0 - downtime_s[vi] / vms.lifetime_s[vi]).clamp(0.0, 1.0),
        })
        .collect();
    let status: Vec<VmStatus> = (0..n)
        .map(|vi| {
            if availability[vi].is_nan() {
                VmStatus::Unplaced
            } else if vms.down[vi] {
                VmStatus::Down
            } else if vms.losses[vi] > 0 {
                VmStatus::Restarted
            } else if vms.migrations[vi] > 0 {
                VmStatus::Migrated
            } else {
                VmStatus::Undisturbed
            }
        })
        .collect();
    let count = |s: VmStatus| status.iter().filter(|&&x| x == s).count() as u64;
    let placed_availability = || availability.iter().copied().filter(|a| !a.is_nan());
    let n_placed = placed_availability().count();
    let summary = AvailabilitySummary {
        vm_downtime_s: downtime_s.iter().sum(),
        vm_downtime_migration_s: vms.migration_s.iter().sum(),
        vm_downtime_restart_s: vms.restart_s.iter().sum(),
        vm_downtime_crash_s: vms.crash_s.iter().sum(),
        vm_availability_mean: if n_placed == 0 {
            f64::NAN
        } else {
            placed_availability().sum::<f64>() / n_placed as f64
        },
        vm_availability_min: placed_availability().fold(f64::NAN, f64::min),
        availability_target,
        availability_violations: placed_availability().filter(|&a| a < availability_target).count() as u64,
    };
    let fates = VmFates {
        vms_undisturbed: count(VmStatus::Undisturbed),
        vms_migrated: count(VmStatus::Migrated),
        vms_restarted: count(VmStatus::Restarted),
        vms_down_at_end: count(VmStatus::Down),
        vms_unplaced: count(VmStatus::Unplaced),
    };
    VmOutcomes {
        downtime_s,
        availability,
        status,
        summary,
        fates,
    }
}
