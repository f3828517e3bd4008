//! The Standard Workload Format (SWF) of Feitelson's Parallel Workloads
//! Archive (Chapin et al., *Benchmarks and standards for the evaluation of
//! parallel job schedulers*, JSSPP 1999; format version 2.2 as documented
//! on the archive's "swf.html" page).
//!
//! # Format
//! One job per line, 18 fields separated by whitespace; lines starting with
//! `;` are header comments (`; MaxProcs: 128` …). Every field is a number,
//! `-1` meaning unknown. The fields, in order:
//!
//! | # | field | unit |
//! |---|---|---|
//! | 1 | job number | |
//! | 2 | submit time | s from the log's start |
//! | 3 | wait time | s |
//! | 4 | run time | s (wall clock) |
//! | 5 | number of allocated processors | |
//! | 6 | average CPU time used | s, per processor |
//! | 7 | used memory | KB, per processor |
//! | 8 | requested number of processors | |
//! | 9 | requested time | s |
//! | 10 | requested memory | KB, per processor |
//! | 11 | status | 0 failed, 1 completed, 5 cancelled, … |
//! | 12 | user ID | |
//! | 13 | group ID | |
//! | 14 | executable (application) number | |
//! | 15 | queue number | |
//! | 16 | partition number | |
//! | 17 | preceding job number | |
//! | 18 | think time from preceding job | s |
//!
//! The archive's files are sorted by submit time.
//!
//! # What this reader does
//! - Blank lines and `;` lines are skipped. Every other line must have
//!   exactly 18 fields, each a finite decimal number that is `-1` or ≥ 0;
//!   the job number must be a whole number, unique in the file; submit times
//!   must not go backwards.
//! - Each job becomes one VM named after its job number, arriving at its
//!   submit time plus its wait time — when the job actually started, so the
//!   log's load profile is reproduced ([`SwfArrival::Start`], the default;
//!   the submit time alone if the wait is unknown) — or at its submit time
//!   ([`SwfArrival::Submit`], to let the simulator do the queueing), and
//!   leaving run time seconds later.
//! - `cores` = allocated processors, or the requested number when that is
//!   unknown ([`SwfCores::Allocated`], the default; [`SwfCores::Requested`]
//!   prefers the request).
//! - The utilisation is constant: average CPU time ÷ run time when the CPU
//!   time is known, else 1 (a parallel job is assumed to keep its processors
//!   busy). CPU time above run time follows [`SwfOptions::over_capacity`]
//!   (`Keep` clamps), counted in the [`LoadReport`].
//!   The trace has one sample, of length run time.
//! - `ram_mb` = used memory per processor (else requested memory per
//!   processor) × cores ÷ 1024, when known. No `mips_per_core`.
//! - Run time 0 means the job ran for under half a second (the format
//!   rounds run times to whole seconds): by default it is kept as a short
//!   job of [`SWF_ZERO_RUN_TIME_S`] (0.25 s, the middle of [0, 0.5)) at
//!   utilisation 1 (its CPU time, rounded too, says nothing), counted in
//!   [`LoadReport::zero_runtime_jobs_kept`]; with
//!   [`SwfOptions::skip_zero_run_time`] it is skipped, counted as skipped.
//! - A job that never ran — run time unknown (`-1`), or no processor count —
//!   is skipped (the archive keeps cancelled jobs), counted by reason in the
//!   [`LoadReport`], or refused with [`SwfOptions::skip_unrunnable`] off.
//!   Failed and cancelled jobs that did run are kept: they used the machine.

//! - [`SwfOptions::subset`] keeps the jobs arriving in a time window (the
//!   others skipped, counted) and a sample of them (by a hash of the job
//!   number); a departure after the window's end moves to it.
//! - The file may be gzip-compressed (`*.swf.gz` as published).
//! - VMs are returned sorted by arrival, ties in file order.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::report::{LoadReport, LoadedTrace};
use crate::source::{At, Lines, RecordBudget, shown, too_many_vms};
use crate::vm_trace::{OverCapacity, Subset, TraceLimits, TracedVm, WorkloadTrace};

/// The run time given to a job whose log says 0 (under 0.5 s): the middle
/// of [0, 0.5) s.
pub const SWF_ZERO_RUN_TIME_S: f64 = 0.25;

/// Fields per job line (SWF v2.2).
const FIELDS: usize = 18;

/// KB per MB (SWF memory fields are in KB = 1 024 bytes).
const KB_PER_MB: f64 = 1024.0;

/// The value SWF uses for "unknown".
const UNKNOWN: f64 = -1.0;

/// The field names, for messages.
const NAMES: [&str; FIELDS] = [
    "job number",
    "submit time",
    "wait time",
    "run time",
    "allocated processors",
    "average CPU time used",
    "used memory",
    "requested processors",
    "requested time",
    "requested memory",
    "status",
    "user ID",
    "group ID",
    "executable number",
    "queue number",
    "partition number",
    "preceding job number",
    "think time",
];

/// When a job's VM arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SwfArrival {
    /// At submit + wait, when the job started in the log (default).
    #[default]
    Start,
    /// At submit.
    Submit,
}

/// Which processor count is the VM's cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SwfCores {
    /// Allocated processors, else requested (default).
    #[default]
    Allocated,
    /// Requested processors, else allocated.
    Requested,
}

/// How an SWF log is read; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct SwfOptions {
    /// When a VM arrives (default: at the job's start).
    pub arrival: SwfArrival,
    /// Which processor count is used (default: allocated).
    pub cores: SwfCores,
    /// Skip jobs that never ran instead of refusing the file (default: yes).
    pub skip_unrunnable: bool,
    /// Skip jobs with run time 0 instead of keeping them as
    /// [`SWF_ZERO_RUN_TIME_S`]-long jobs (default: no, keep them).
    pub skip_zero_run_time: bool,
    /// Average CPU time above run time (default: error).
    pub over_capacity: OverCapacity,
    /// The time window (on job arrivals) and job sample to load (default:
    /// all).
    pub subset: Subset,
    /// Size limits (`max_records` counts job lines).
    pub limits: TraceLimits,
}

impl Default for SwfOptions {
    fn default() -> Self {
        Self {
            arrival: SwfArrival::default(),
            cores: SwfCores::default(),
            skip_unrunnable: true,
            skip_zero_run_time: false,
            over_capacity: OverCapacity::default(),
            subset: Subset::default(),
            limits: TraceLimits::default(),
        }
    }
}

/// An SWF log to read and options.
#[derive(Debug, Clone, PartialEq)]
pub struct SwfTrace {
    /// The `.swf` file.
    pub path: PathBuf,
    /// How to read it.
    pub options: SwfOptions,
}

impl WorkloadTrace for SwfTrace {
    fn load(&self) -> Result<LoadedTrace, TraceFileError> {
        load_swf(&self.path, &self.options)
    }
}

/// A field's value, `None` when unknown (`-1`).
fn known(v: f64) -> Option<f64> {
    (v != UNKNOWN).then_some(v)
}

/// Reads an SWF log. See the [module docs](self) for the rules.
pub fn read_swf(path: &Path, options: &SwfOptions) -> Result<Vec<TracedVm>, TraceFileError> {
    load_swf(path, options).map(|l| l.vms)
}

/// As [`read_swf`], with the [`LoadReport`].
pub fn load_swf(path: &Path, options: &SwfOptions) -> Result<LoadedTrace, TraceFileError> {
    let limits = &options.limits;
    let mut report = LoadReport::new("swf");
    options.subset.check(path)?;
    let mut lines = Lines::open(path, limits, "SWF file")?;
    report.files_read = 1;
    report.gzip_files = u64::from(lines.is_gzip());
    let mut budget = RecordBudget::new(limits, std::mem::size_of::<TracedVm>());
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut previous_submit: Option<(f64, usize)> = None;
    let mut vms: Vec<TracedVm> = Vec::new();
    while let Some((line, text)) = lines.next_line()? {
        let at = At { path, line };
        let text = text.trim_ascii();
        if text.is_empty() || text.starts_with(b";") {
            continue;
        }
        budget.take(at)?;
        report.records_read += 1;
        let fields = || text.split(u8::is_ascii_whitespace).filter(|s| !s.is_empty());
        let n = fields().count();
        if n != FIELDS {
            return Err(at.err(format!(
                "expected {FIELDS} columns (SWF), found {n}: {}",
                shown(text)
            )));
        }
        let mut f = [0.0; FIELDS];
        for (i, field) in fields().enumerate() {
            f[i] = at.number_in(field, i, NAMES[i])?;
            if f[i] < 0.0 && f[i] != UNKNOWN {
                return Err(at.err(format!(
                    "column {} ({}): {} is negative (only -1, unknown, is allowed)",
                    i + 1,
                    NAMES[i],
                    f[i]
                )));
            }
        }
        let job = f[0];
        if job < 0.0 || job.fract() != 0.0 || job >= u64::MAX as f64 {
            return Err(at.err(format!("column 1 (job number): {job} is not a job number")));
        }
        // A whole number in 0..2^64, checked above.
        let job = job as u64;
        match seen.entry(job) {
            Entry::Occupied(e) => {
                return Err(at.err(format!("job {job} already appears at line {}", e.get())));
            }
            Entry::Vacant(e) => {
                e.insert(line);
            }
        }
        let Some(submit) = known(f[1]) else {
            return Err(at.err("column 2 (submit time): unknown (-1); every job needs one"));
        };
        if let Some((before, before_line)) = previous_submit
            && submit < before
        {
            return Err(at.err(format!(
                "submit time {submit} goes backwards (line {before_line} has {before}); SWF files are sorted by submit time"
            )));
        }
        previous_submit = Some((submit, line));
        let zero_run = f[3] == 0.0;
        if zero_run && options.skip_zero_run_time {
            report.skip("jobs with run time 0 (skip_zero_run_time)");
            continue;
        }
        let run = known(f[3]).map(|r| if zero_run { SWF_ZERO_RUN_TIME_S } else { r });
        let (first, second) = match options.cores {
            SwfCores::Allocated => (f[4], f[7]),
            SwfCores::Requested => (f[7], f[4]),
        };
        let cores = known(first)
            .filter(|&c| c > 0.0)
            .or(known(second).filter(|&c| c > 0.0));
        let (Some(run_s), Some(cores)) = (run, cores) else {
            if options.skip_unrunnable {
                report.skip(if run.is_none() {
                    "jobs with unknown run time"
                } else {
                    "jobs without a processor count"
                });
                continue;
            }
            return Err(at.err(format!(
                "job {job} never ran: run time {} and processors {}/{} (allocated/requested) \
                 (skip_unrunnable = false)",
                f[3], f[4], f[7]
            )));
        };
        if cores.fract() != 0.0 || cores > f64::from(u32::MAX) {
            return Err(at.err(format!("job {job}: {cores} processors is not a whole number")));
        }
        // A whole number in 1..=u32::MAX, checked above.
        let cores = cores as u32;
        let utilization = match known(f[5]) {
            _ if zero_run => 1.0,
            None => 1.0,
            Some(cpu_s) if cpu_s <= run_s => cpu_s / run_s,
            Some(cpu_s) => match options.over_capacity {
                OverCapacity::Clamp | OverCapacity::Keep => {
                    report.readings_above_capacity += 1;
                    report.readings_clamped += 1;
                    1.0
                }
                OverCapacity::Error => {
                    return Err(at.err(format!(
                        "job {job}: average CPU time {cpu_s} s is above its run time {run_s} s \
                         (over_capacity = error)"
                    )));
                }
            },
        };
        let arrival_s = match (options.arrival, known(f[2])) {
            (SwfArrival::Start, Some(wait)) => submit + wait,
            _ => submit,
        };
        if !options.subset.in_window(arrival_s) {
            report.skip("jobs arriving outside the time window");
            continue;
        }
        if !options.subset.may_keep(&job.to_string()) {
            report.vms_not_sampled += 1;
            continue;
        }
        if !(arrival_s + run_s).is_finite() {
            return Err(at.err(format!(
                "job {job}: times too large (arrival {arrival_s} s + run time {run_s} s)"
            )));
        }
        let ram_mb = known(f[6])
            .or(known(f[9]))
            .map(|kb| kb * f64::from(cores) / KB_PER_MB);
        if ram_mb.is_some_and(|m| !m.is_finite()) {
            return Err(at.err(format!(
                "job {job}: memory too large ({cores} processors × {} KB)",
                f[6].max(f[9])
            )));
        }
        if vms.len() == limits.max_vms {
            return Err(too_many_vms(at, limits.max_vms));
        }
        let name = job.to_string();
        let utilization =
            UtilizationTrace::new(&name, run_s, vec![utilization]).map_err(|e| at.err(e.to_string()))?;
        report.zero_runtime_jobs_kept += u64::from(zero_run);
        vms.push(TracedVm {
            name,
            utilization,
            memory_utilization: None,
            arrival_s,
            departure_s: Some(arrival_s + run_s),
            cores: Some(cores),
            mips_per_core: None,
            ram_mb,
        });
    }
    if vms.is_empty() {
        return Err(TraceFileError::new(path, "no job that ran in this SWF file"));
    }
    // Stable: ties keep file order.
    vms.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s));
    options.subset.finish(&mut vms, &mut report);
    report.vms_read = vms.len() as u64;
    Ok(LoadedTrace { vms, report })
}
