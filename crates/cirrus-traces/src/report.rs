//! What a reader did with a trace: the [`LoadReport`] each reader returns
//! beside its VMs ([`LoadedTrace`]), so that a user can see how much of a
//! published dataset was taken as it is, and what was resolved by a rule.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::vm_trace::TracedVm;

/// A trace's VMs and the report of reading them.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedTrace {
    /// The VMs, as the reader returns them.
    pub vms: Vec<TracedVm>,
    /// What was read, skipped and resolved.
    pub report: LoadReport,
}

/// Counts of what a reader met and did, for one trace. Every count is of
/// this trace only; a count that a format cannot produce stays 0 (each
/// reader's docs say which it fills).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// The format read (`azure`, `google`, `bitbrains`, `swf`).
    pub format: String,
    /// Files read (a vmtable included).
    pub files_read: u64,
    /// Of those, gzip-compressed.
    pub gzip_files: u64,
    /// Data records read (readings, usage records, sample lines, job lines).
    pub records_read: u64,
    /// VMs returned.
    pub vms_read: u64,
    /// VMs (or jobs, or files) left out, by reason.
    pub vms_skipped: BTreeMap<String, u64>,
    /// Readings above the capacity they are a fraction of (CPU or memory
    /// usage above provisioned, a percentage above 100, CPU time above run
    /// time, a rate above a fixed capacity), kept or clamped.
    pub readings_above_capacity: u64,
    /// Of those, clamped to the capacity.
    pub readings_clamped: u64,
    /// Grid slots on which two or more readings fell (one was kept).
    pub slots_with_duplicates: u64,
    /// Readings more than a tenth of an interval away from their grid slot.
    pub off_grid_readings: u64,
    /// Grid slots without a reading between a VM's first and last, filled by
    /// the `gaps` rule (held, or zero).
    pub gap_slots_filled: u64,
    /// All-zero rows before a VM's first or after its last real row: the VM
    /// did not exist yet or was gone (Bitbrains).
    pub zero_rows_absent: u64,
    /// All-zero rows between real rows: the VM was off, demand 0 (Bitbrains).
    pub zero_rows_off: u64,
    /// Jobs with run time 0 (under 0.5 s) kept as short jobs (SWF).
    pub zero_runtime_jobs_kept: u64,
    /// VMs whose readings stop before their recorded deletion, made to
    /// leave at the end of their last reading (Azure with a vmtable).
    pub vms_leaving_at_last_reading: u64,
    /// Readings (records, rows) outside the time window, left out.
    pub readings_outside_window: u64,
    /// VMs left out of the sample.
    pub vms_not_sampled: u64,
    /// VMs whose recorded size exceeds every host type in use and was capped
    /// to fit (filled by a scenario that sizes VMs from the trace).
    pub vms_capped_to_hosts: u64,
}

impl LoadReport {
    /// An empty report for `format`.
    pub fn new(format: &str) -> Self {
        Self {
            format: format.to_owned(),
            ..Self::default()
        }
    }

    /// Counts one VM left out for `reason`.
    pub(crate) fn skip(&mut self, reason: &str) {
        *self.vms_skipped.entry(reason.to_owned()).or_insert(0) += 1;
    }

    /// VMs left out, all reasons.
    pub fn vms_skipped_total(&self) -> u64 {
        self.vms_skipped.values().sum()
    }
}

impl fmt::Display for LoadReport {
    /// One line: what was read, then every non-zero count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} VMs from {} records in {} files",
            self.format, self.vms_read, self.records_read, self.files_read
        )?;
        if self.gzip_files > 0 {
            write!(f, " ({} gzip)", self.gzip_files)?;
        }
        let mut parts: Vec<String> = Vec::new();
        if !self.vms_skipped.is_empty() {
            let reasons: Vec<String> = self.vms_skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.push(format!(
                "{} skipped ({})",
                self.vms_skipped_total(),
                reasons.join(", ")
            ));
        }
        let counts = [
            (self.readings_above_capacity, "readings above capacity"),
            (self.readings_clamped, "clamped"),
            (self.slots_with_duplicates, "slots with duplicates"),
            (self.off_grid_readings, "off-grid readings"),
            (self.gap_slots_filled, "gap slots filled"),
            (self.zero_rows_absent, "zero rows before arrival/after departure"),
            (self.zero_rows_off, "zero rows while off"),
            (self.zero_runtime_jobs_kept, "zero-run-time jobs kept"),
            (
                self.vms_leaving_at_last_reading,
                "VMs leaving at their last reading",
            ),
            (self.vms_capped_to_hosts, "VMs capped to the largest host"),
            (self.readings_outside_window, "readings outside the time window"),
            (self.vms_not_sampled, "VMs not sampled"),
        ];
        parts.extend(
            counts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}")),
        );
        if !parts.is_empty() {
            write!(f, "; {}", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_lists_non_zero_counts() {
        let mut r = LoadReport::new("bitbrains");
        r.files_read = 3;
        r.records_read = 10;
        r.vms_read = 2;
        assert_eq!(r.to_string(), "bitbrains: 2 VMs from 10 records in 3 files");
        r.skip("no non-zero row");
        r.zero_rows_absent = 4;
        r.gzip_files = 1;
        assert_eq!(
            r.to_string(),
            "bitbrains: 2 VMs from 10 records in 3 files (1 gzip); 1 skipped (1 no non-zero row), \
             4 zero rows before arrival/after departure"
        );
    }
}
