//! Google cluster-usage traces, 2011 version 2 (`clusterdata-2011-2`): the
//! `task_usage` table.
//!
//! # Format
//! From the trace's "v2.1 format + schema document" (Reiss, Wilkes &
//! Hellerstein, *Google cluster-usage traces: format + schema*, 2011/2014)
//! and its `schema.csv`, linked from `ClusterData2011_2.md` in
//! github.com/google/cluster-data. `task_usage/part-NNNNN-of-00500.csv`
//! (published as `.csv.gz`, read compressed or not) holds comma-separated lines
//! without a header, one per task per measurement period:
//!
//! | # | column | unit |
//! |---|---|---|
//! | 1 | start time of the measurement period | µs (trace time) |
//! | 2 | end time of the measurement period | µs |
//! | 3 | job ID | integer |
//! | 4 | task index | integer |
//! | 5 | machine ID | integer |
//! | 6 | CPU rate (mean CPU usage) | normalised cores, optional |
//! | 7 | canonical memory usage | normalised bytes, optional |
//! | 8–19 | assigned memory, page cache, max memory, disk I/O time, local disk, max CPU, max disk I/O, CPI, MAI, sample portion, aggregation type | — |
//! | 20 | sampled CPU usage (2011-2 only) | normalised cores |
//!
//! Measurement periods are nominally 300 s (shorter when a task starts, ends
//! or moves within one). CPU is in *normalised cores*: core-seconds per
//! second, scaled so that the largest machine's capacity is 1; memory is
//! normalised the same way. Trace time 600 s is the trace's start
//! (2011-05-01 19:00 EDT).
//!
//! # What this reader does
//! - A line must have 7 to 20 columns (the full 19- or 20-column files, or
//!   files cut after column 7). Columns 1–4 must be non-negative integers with
//!   end ≥ start; columns 6 and 7 are empty (missing) or non-negative finite
//!   numbers; columns 5 and 8–20 are not read. Files are read in the order
//!   given; lines need not be sorted. A line starting with `#` is a comment
//!   (the published files have none; hand-made samples put a header there).
//! - Each (job ID, task index) becomes one VM named `"<job>-<task>"`.
//! - Time is cut into windows of [`GoogleOptions::window_s`] (300 s) from
//!   trace time 0; a record belongs to the window its start falls in. A
//!   window's value is the duration-weighted mean of its records' values
//!   (Σ value·(end − start) / Σ (end − start)), so a task restarted within a
//!   window counts once; records of zero duration carry no weight.
//! - The VM spans the windows from its first record's to its last record's.
//!   A window without a measured value (no record, only empty or
//!   zero-duration records) follows [`GoogleOptions::gaps`]: hold the
//!   previous value (before the first measured window: the first measured
//!   value), 0, or an error. A task with no CPU rate at all is an error; one
//!   with no memory value has no memory trace.
//! - Utilisation = window mean ÷ capacity ([`GoogleCapacity`]): by default
//!   a fixed capacity of 1 in the trace's normalised units — the largest
//!   machine — so the load is absolute (a task using 0.02 of the largest
//!   machine is at 0.02); another fixed capacity scales it; above the
//!   capacity [`GoogleOptions::over_capacity`] applies (clamped and counted
//!   by default). Or, by choice, each task's own peak window mean
//!   ([`GoogleCapacity::PerTaskPeak`]: the VM sized to the task's busiest 5
//!   minutes, every task reaching 1; the trace's requests live in another
//!   table, `task_events`). Memory likewise, with its own capacity. A task
//!   whose peak is 0 has utilisation 0 throughout.
//! - [`GoogleOptions::subset`] loads a time window (on record start times)
//!   and a sample of the tasks (by a hash of `"<job>-<task>"`).
//! - Files may be gzip-compressed (`part-NNNNN-of-00500.csv.gz` as
//!   published). The [`LoadReport`] counts files (gzip ones too), records,
//!   VMs, window means above a fixed capacity (and clamped), CPU windows
//!   filled by the `gaps` rule, records outside the window and tasks not
//!   sampled.
//! - `arrival_s` = start of the first window (so sample *k* is the mean over
//!   `[arrival + k·300, arrival + (k+1)·300)`); `departure_s` = the latest
//!   record end. No size hints: normalised units are not cores or MB.
//! - CPU and memory samples are stored rounded to `f32` (within 2⁻²⁵ of the
//!   exact fraction; see `UtilizationTrace`'s storage).
//! - VMs are returned sorted by arrival, ties in order of first appearance.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::report::{LoadReport, LoadedTrace};
use crate::source::{
    At, CsvRecord, CsvRecords, RecordBudget, check_file_count, field, list_dir, too_many_vms,
};
use crate::vm_trace::{Gaps, OverCapacity, Subset, TraceLimits, TracedVm, WorkloadTrace};

/// Length of a measurement window in seconds: the trace's "5-minute
/// usage-reporting period" (`ClusterData2011_2.md`).
pub const GOOGLE_WINDOW_S: f64 = 300.0;

/// Trace timestamps are 64-bit integers in microseconds (format + schema
/// document, on times in all tables).
const MICROS_PER_S: f64 = 1e6;

/// Layout of a `task_usage` line, for column-count errors.
const LAYOUT: &str = "start time, end time, job ID, task index, machine ID, CPU rate, \
                      canonical memory usage, …";

/// What a task's usage is a fraction of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoogleCapacity {
    /// The task's own highest window mean: its busiest window is
    /// utilisation 1, whatever its absolute load.
    PerTaskPeak,
    /// A fixed capacity in the trace's normalised units (1 = the largest
    /// machine), the same for every task: absolute load. The default is
    /// `Fixed(1.0)`, a VM the size of the largest machine.
    Fixed(f64),
}

impl Default for GoogleCapacity {
    fn default() -> Self {
        Self::Fixed(1.0)
    }
}

/// How a Google `task_usage` trace is read; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct GoogleOptions {
    /// What CPU usage is a fraction of (default: the largest machine,
    /// `Fixed(1.0)`).
    pub cpu_capacity: GoogleCapacity,
    /// What canonical memory usage is a fraction of (default: the largest
    /// machine's memory, `Fixed(1.0)`).
    pub memory_capacity: GoogleCapacity,
    /// Window length in seconds (default [`GOOGLE_WINDOW_S`]); a whole
    /// number of microseconds.
    pub window_s: f64,
    /// Windows without a value (default: hold the previous value).
    pub gaps: Gaps,
    /// Usage above a [`GoogleCapacity::Fixed`] capacity (default: clamp,
    /// counted; `Keep` clamps too).
    pub over_capacity: OverCapacity,
    /// The time window (on record start times) and VM sample to load
    /// (default: all).
    pub subset: Subset,
    /// Size limits.
    pub limits: TraceLimits,
}

impl Default for GoogleOptions {
    fn default() -> Self {
        Self {
            cpu_capacity: GoogleCapacity::default(),
            memory_capacity: GoogleCapacity::default(),
            window_s: GOOGLE_WINDOW_S,
            gaps: Gaps::default(),
            over_capacity: OverCapacity::Clamp,
            subset: Subset::default(),
            limits: TraceLimits::default(),
        }
    }
}

/// A Google `task_usage` trace to read: its files (in order) and options.
#[derive(Debug, Clone, PartialEq)]
pub struct GoogleTrace {
    /// `task_usage` CSV files, read in this order.
    pub files: Vec<PathBuf>,
    /// How to read them.
    pub options: GoogleOptions,
}

impl WorkloadTrace for GoogleTrace {
    fn load(&self) -> Result<LoadedTrace, TraceFileError> {
        load_google_task_usage(&self.files, &self.options)
    }
}

/// The `part-N-of-M.csv` files of `dir` (a `task_usage` directory), sorted
/// by `N` (other files are ignored).
pub fn list_google_task_usage_files(
    dir: &Path,
    limits: &TraceLimits,
) -> Result<Vec<PathBuf>, TraceFileError> {
    list_dir(dir, limits, "part-NNNNN-of-NNNNN.csv files, or .csv.gz", |name| {
        let (n, m) = name
            .strip_prefix("part-")?
            .strip_suffix(".csv")?
            .split_once("-of-")?;
        Some((n.parse::<u64>().ok()?, m.parse::<u64>().ok()?))
    })
}

/// One `task_usage` record, as kept until its task is assembled.
#[derive(Debug, Clone, Copy)]
struct Record {
    start_us: u64,
    end_us: u64,
    /// Mean CPU rate; NaN when missing.
    cpu: f64,
    /// Canonical memory usage; NaN when missing.
    memory: f64,
    file: u32,
    line: usize,
}

/// Reads a Google 2011 `task_usage` trace from `files` (in order). See the
/// [module docs](self) for the rules.
pub fn read_google_task_usage(
    files: &[PathBuf],
    options: &GoogleOptions,
) -> Result<Vec<TracedVm>, TraceFileError> {
    load_google_task_usage(files, options).map(|l| l.vms)
}

/// As [`read_google_task_usage`], with the [`LoadReport`].
pub fn load_google_task_usage(
    files: &[PathBuf],
    options: &GoogleOptions,
) -> Result<LoadedTrace, TraceFileError> {
    let mut report = LoadReport::new("google");
    check_file_count(files, &options.limits, "task_usage")?;
    let window_us = check_options(&files[0], options)?;
    options.subset.check(&files[0])?;
    let limits = &options.limits;
    // Tasks left out of a fraction sample.
    let mut not_sampled: HashSet<(u64, u64)> = HashSet::new();
    let mut ids: HashMap<(u64, u64), usize> = HashMap::new();
    let mut tasks: Vec<Vec<Record>> = Vec::new();
    let mut budget = RecordBudget::new(limits, std::mem::size_of::<Record>());
    for (file, path) in files.iter().enumerate() {
        // `check_file_count` keeps the index within u32.
        let file = u32::try_from(file).unwrap_or(u32::MAX);
        let mut records = CsvRecords::open(path, b',', limits, "task_usage file")?;
        report.files_read += 1;
        report.gzip_files += u64::from(records.is_gzip());
        while let Some((line, r)) = records.next_record()? {
            let at = At { path, line };
            if field(r, 0).starts_with(b"#") {
                continue;
            }
            at.check_columns(r, 7..=20, LAYOUT)?;
            report.records_read += 1;
            let start_us = at.unsigned(r, 0, "start time")?;
            if !options.subset.in_window(start_us as f64 / MICROS_PER_S) {
                report.readings_outside_window += 1;
                continue;
            }
            let end_us = at.unsigned(r, 1, "end time")?;
            if end_us < start_us {
                return Err(at.err(format!("end time {end_us} µs is before start time {start_us} µs")));
            }
            let job = at.unsigned(r, 2, "job ID")?;
            let task = at.unsigned(r, 3, "task index")?;
            if !ids.contains_key(&(job, task))
                && (not_sampled.contains(&(job, task)) || !options.subset.may_keep(&format!("{job}-{task}")))
            {
                not_sampled.insert((job, task));
                continue;
            }
            budget.take(at)?;
            let cpu = optional(at, r, 5, "CPU rate")?;
            let memory = optional(at, r, 6, "canonical memory usage")?;
            let t = match ids.entry((job, task)) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    if tasks.len() == limits.max_vms {
                        return Err(too_many_vms(at, limits.max_vms));
                    }
                    tasks.push(Vec::new());
                    *e.insert(tasks.len() - 1)
                }
            };
            tasks[t].push(Record {
                start_us,
                end_us,
                cpu,
                memory,
                file,
                line,
            });
        }
    }
    report.vms_not_sampled = not_sampled.len() as u64;
    if tasks.is_empty() {
        return Err(TraceFileError::new(
            &files[0],
            "no records in the task_usage files (in the time window and sample)",
        ));
    }
    let mut names: Vec<(u64, u64)> = vec![(0, 0); tasks.len()];
    for (key, t) in ids {
        names[t] = key;
    }
    let mut out = Vec::with_capacity(tasks.len());
    for ((job, task), records) in names.into_iter().zip(&tasks) {
        out.push(assemble(
            &format!("{job}-{task}"),
            records,
            window_us,
            files,
            options,
            &mut report,
        )?);
    }
    // Stable: ties keep the order of first appearance.
    out.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s));
    options.subset.finish(&mut out, &mut report);
    report.vms_read = out.len() as u64;
    Ok(LoadedTrace { vms: out, report })
}

/// Column `index` as a non-negative number, or NaN when empty (missing).
fn optional(at: At<'_>, r: &CsvRecord, index: usize, name: &str) -> Result<f64, TraceFileError> {
    if field(r, index).is_empty() {
        return Ok(f64::NAN);
    }
    at.non_negative(r, index, name)
}

/// Builds one task's VM from its records (in input order).
fn assemble(
    name: &str,
    records: &[Record],
    window_us: u64,
    files: &[PathBuf],
    options: &GoogleOptions,
    report: &mut LoadReport,
) -> Result<TracedVm, TraceFileError> {
    let at = |r: &Record| At {
        path: files.get(r.file as usize).map_or(Path::new(""), PathBuf::as_path),
        line: r.line,
    };
    let first_w = records.iter().map(|r| r.start_us / window_us).min().unwrap_or(0);
    let mut windows = 0;
    for r in records {
        let span = r.start_us / window_us - first_w;
        if span >= options.limits.max_samples_per_vm as u64 {
            return Err(at(r).err(format!(
                "task {name}: record starts {span} windows after the task's first, more than \
                 max_samples_per_vm = {}",
                options.limits.max_samples_per_vm
            )));
        }
        // Below max_samples_per_vm, so it fits a usize.
        windows = windows.max(span as usize + 1);
    }
    // Per window: the first record in it (for messages), and per metric the
    // weighted sum and the weight.
    let mut first_in: Vec<Option<usize>> = vec![None; windows];
    let mut cpu = Weighted::new(windows);
    let mut memory = Weighted::new(windows);
    for (i, r) in records.iter().enumerate() {
        let w = (r.start_us / window_us - first_w) as usize;
        first_in[w].get_or_insert(i);
        // µs durations are far below 2^53: exact as f64.
        let weight = (r.end_us - r.start_us) as f64;
        cpu.add(w, r.cpu, weight);
        memory.add(w, r.memory, weight);
    }
    // A window's first record, or (for a window without records) the next
    // record after it.
    let located = |w: usize| at(&records[first_in[w..].iter().flatten().next().copied().unwrap_or(0)]);
    let interval_s = window_us as f64 / MICROS_PER_S;
    let Some(cpu) = cpu.means(name, "CPU rate", options, &located, report)? else {
        return Err(at(&records[0]).err(format!("task {name}: no record has a CPU rate")));
    };
    let cpu = scale(
        name,
        "CPU rate",
        cpu,
        options.cpu_capacity,
        options.over_capacity,
        &located,
        report,
    )?;
    let trace_error = |e: cirrus::workload::TraceError| at(&records[0]).err(e.to_string());
    let utilization = UtilizationTrace::rounded_to_f32(name, interval_s, cpu).map_err(trace_error)?;
    // Memory gaps are the CPU's windows again: not counted twice.
    let memory_means = memory.means(
        name,
        "canonical memory usage",
        options,
        &located,
        &mut LoadReport::default(),
    )?;
    let memory_utilization = match memory_means {
        None => None,
        Some(m) => {
            let m = scale(
                name,
                "canonical memory usage",
                m,
                options.memory_capacity,
                options.over_capacity,
                &located,
                report,
            )?;
            Some(UtilizationTrace::rounded_to_f32(name, interval_s, m).map_err(trace_error)?)
        }
    };
    let last_end_us = records.iter().map(|r| r.end_us).max().unwrap_or(0);
    Ok(TracedVm {
        name: name.to_owned(),
        utilization,
        memory_utilization,
        arrival_s: (first_w * window_us) as f64 / MICROS_PER_S,
        departure_s: Some(last_end_us as f64 / MICROS_PER_S),
        cores: None,
        mips_per_core: None,
        ram_mb: None,
    })
}

/// Duration-weighted sums of one metric per window.
struct Weighted {
    sum: Vec<f64>,
    weight: Vec<f64>,
}

impl Weighted {
    fn new(windows: usize) -> Self {
        Self {
            sum: vec![0.0; windows],
            weight: vec![0.0; windows],
        }
    }

    /// Adds `value` (NaN: missing) measured for `weight` µs to window `w`.
    fn add(&mut self, w: usize, value: f64, weight: f64) {
        if !value.is_nan() && weight > 0.0 {
            self.sum[w] += value * weight;
            self.weight[w] += weight;
        }
    }

    /// Each window's mean with gaps filled by `options.gaps`, or `None` if no
    /// window has a value.
    fn means<'a>(
        &self,
        task: &str,
        metric: &str,
        options: &GoogleOptions,
        located: &dyn Fn(usize) -> At<'a>,
        report: &mut LoadReport,
    ) -> Result<Option<Vec<f64>>, TraceFileError> {
        let mean = |w: usize| (self.weight[w] > 0.0).then(|| self.sum[w] / self.weight[w]);
        let Some(first) = (0..self.sum.len()).find_map(mean) else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(self.sum.len());
        let mut previous = first;
        for w in 0..self.sum.len() {
            if mean(w).is_some_and(|m| !m.is_finite()) {
                return Err(located(w).err(format!("task {task}: {metric} values too large to average")));
            }
            if mean(w).is_none() && options.gaps != Gaps::Error {
                report.gap_slots_filled += 1;
            }
            let value = match (mean(w), options.gaps) {
                (Some(v), _) => v,
                (None, Gaps::Hold) => previous,
                (None, Gaps::Zero) => 0.0,
                (None, Gaps::Error) => {
                    return Err(located(w).err(format!(
                        "task {task}: no {metric} for the window starting {} s after the task's first \
                         (gaps = error)",
                        w as f64 * options.window_s
                    )));
                }
            };
            previous = value;
            out.push(value);
        }
        Ok(Some(out))
    }
}

/// Window means divided by the capacity.
fn scale<'a>(
    task: &str,
    metric: &str,
    mut means: Vec<f64>,
    capacity: GoogleCapacity,
    over: OverCapacity,
    located: &dyn Fn(usize) -> At<'a>,
    report: &mut LoadReport,
) -> Result<Vec<f64>, TraceFileError> {
    let capacity = match capacity {
        GoogleCapacity::PerTaskPeak => means.iter().copied().fold(0.0, f64::max),
        GoogleCapacity::Fixed(c) => c,
    };
    if capacity <= 0.0 {
        // Only a peak of 0 gets here (fixed capacities are checked): idle.
        means.iter_mut().for_each(|m| *m = 0.0);
        return Ok(means);
    }
    for (w, m) in means.iter_mut().enumerate() {
        let u = *m / capacity;
        *m = if u <= 1.0 {
            u
        } else {
            report.readings_above_capacity += 1;
            match over {
                OverCapacity::Clamp | OverCapacity::Keep => {
                    report.readings_clamped += 1;
                    1.0
                }
                OverCapacity::Error => {
                    return Err(located(w).err(format!(
                        "task {task}: the window's mean {metric} {m} is above the capacity {capacity} \
                         (over_capacity = error)"
                    )));
                }
            }
        };
    }
    Ok(means)
}

/// Refuses options that cannot describe a trace; returns the window in µs.
fn check_options(first: &Path, options: &GoogleOptions) -> Result<u64, TraceFileError> {
    let window_us = options.window_s * MICROS_PER_S;
    // Below 2^53 µs (285 years), so the cast and the check are exact.
    if !((1.0..9e15).contains(&window_us) && window_us.fract() == 0.0) {
        return Err(TraceFileError::new(
            first,
            format!(
                "window_s = {} must be a positive whole number of microseconds",
                options.window_s
            ),
        ));
    }
    for (name, capacity) in [
        ("cpu_capacity", options.cpu_capacity),
        ("memory_capacity", options.memory_capacity),
    ] {
        if let GoogleCapacity::Fixed(c) = capacity
            && !(c.is_finite() && c > 0.0)
        {
            return Err(TraceFileError::new(
                first,
                format!("{name} = {c} must be positive"),
            ));
        }
    }
    Ok(window_us as u64)
}
