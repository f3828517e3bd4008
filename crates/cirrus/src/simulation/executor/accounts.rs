//! What the executor reports at the end of a run: migrations per VM and by reason, their
//! downtime, data and duration, the moves refused, evacuated and called off, and what the
//! deadline-aware policy did.

use super::MigrationExecutor;
use crate::consolidation::MigrationReason;
use crate::datacenter::VmId;
use crate::metrics::{MigrationCosts, MigrationCounts, MigrationRecord, RealTimeCounts};
use crate::migration::StopReason;

impl MigrationExecutor {
    /// Times VM `v` was migrated.
    pub(in crate::simulation) fn vm_migrations(&self, v: VmId) -> u32 {
        self.vm_migrations[v.index()]
    }

    /// Seconds each VM was paused by migrations.
    pub(in crate::simulation) fn vm_downtime_s(&self) -> &[f64] {
        &self.vm_downtime_s
    }

    fn count(&self, reason: MigrationReason) -> u64 {
        self.records.iter().filter(|m| m.reason == reason).count() as u64
    }

    /// Migrations started, by reason.
    pub(in crate::simulation) fn counts(&self) -> MigrationCounts {
        MigrationCounts {
            migrations: self.records.len() as u64,
            migrations_overload: self.count(MigrationReason::Overload),
            migrations_underload: self.count(MigrationReason::Underload),
        }
    }

    /// Downtime, data and duration of the migrations; scripted, evacuation
    /// and refused moves (after [`finish`](Self::finish)).
    pub(in crate::simulation) fn costs(&self) -> MigrationCosts {
        let mut downtimes: Vec<f64> = self.records.iter().map(|m| m.downtime_s).collect();
        downtimes.sort_by(f64::total_cmp);
        let (mut completed, mut completed_s) = (0usize, 0.0);
        for m in &self.records {
            if m.end_s.is_finite() {
                completed += 1;
                completed_s += m.duration_s;
            }
        }
        let downtime_s = self.records.iter().fold(0.0, |s, m| s + m.downtime_s);
        MigrationCosts {
            migration_downtime_s: downtime_s,
            migration_downtime_mean_s: if self.records.is_empty() {
                f64::NAN
            } else {
                downtime_s / self.records.len() as f64
            },
            migration_downtime_p99_s: percentile_sorted(&downtimes, 0.99),
            migration_data_mb: self.records.iter().fold(0.0, |s, m| s + m.data_mb),
            migration_time_mean_s: if completed == 0 {
                f64::NAN
            } else {
                completed_s / completed as f64
            },
            migrations_scripted: self.count(MigrationReason::Scripted),
            migrations_evacuation: self.count(MigrationReason::Evacuation),
            migrations_refused: self.refused,
        }
    }

    /// What the deadline-aware policy did, and how real-time VMs' migrations went (after
    /// [`finish`](Self::finish)): `vms` real-time VMs in the run.
    pub(in crate::simulation) fn real_time_counts(&self, vms: u64) -> RealTimeCounts {
        let misses = (self.records.iter())
            .filter(|m| m.max_downtime_s.is_some_and(|b| m.downtime_s > b))
            .count();
        RealTimeCounts {
            real_time_vms: vms,
            deadline_misses: misses as u64,
            ..self.real_time
        }
    }

    /// Evacuations that completed, and migrations called off (after
    /// [`finish`](Self::finish)).
    pub(in crate::simulation) fn evacuated_and_aborted(&self) -> (u64, u64) {
        let aborted = |m: &&MigrationRecord| m.stop_reason == Some(StopReason::Aborted);
        let evacuated = (self.records.iter())
            .filter(|m| m.reason == MigrationReason::Evacuation && !aborted(m) && m.end_s.is_finite())
            .count();
        (
            evacuated as u64,
            self.records.iter().filter(aborted).count() as u64,
        )
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
