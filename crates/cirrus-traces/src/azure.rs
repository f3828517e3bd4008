//! Azure Public Dataset VM traces: 2017 ("AzurePublicDatasetV1") and 2019
//! ("AzurePublicDatasetV2").
//!
//! # Format
//! Schemas from the dataset's documentation (`AzurePublicDatasetV1.md`,
//! `AzurePublicDatasetV2.md` in github.com/Azure/AzurePublicDataset) and the
//! column names its analysis notebooks give the header-less files
//! (`analysis/Azure 2019 Public Dataset V2 - Trace Analysis.ipynb`). Both
//! versions have the same two tables; files are plain comma-separated text
//! without a header, published gzip-compressed (`.csv.gz`), read as they are
//! or decompressed (see the crate docs on compression).
//!
//! `vm_cpu_readings-file-N-of-M.csv` — one 5-minute CPU reading per line, the
//! readings of many VMs interleaved:
//!
//! | # | column | unit |
//! |---|---|---|
//! | 1 | timestamp | s since the trace's start, every 300 s |
//! | 2 | vm id | encrypted text |
//! | 3 | min cpu | % (0–100) over the 5 minutes |
//! | 4 | max cpu | % |
//! | 5 | avg cpu | % |
//!
//! `vmtable.csv` — one VM per line:
//!
//! | # | column | unit |
//! |---|---|---|
//! | 1 | vm id | encrypted text |
//! | 2 | subscription id | encrypted text |
//! | 3 | deployment id | encrypted text |
//! | 4 | timestamp vm created | s |
//! | 5 | timestamp vm deleted | s |
//! | 6 | max cpu | % over the VM's life |
//! | 7 | avg cpu | % |
//! | 8 | p95 max cpu | % |
//! | 9 | vm category | `Interactive`, `Delay-insensitive`, `Unknown` |
//! | 10 | vm virtual core count bucket | `2`, `4`, `8`, `24`, `>24` |
//! | 11 | vm memory (GB) bucket | `2`, `4`, `8`, `32`, `64`, `>64` |
//!
//! A bucket `N` covers the sizes above the previous bucket up to `N`; this
//! reader takes `N` itself. The open buckets `>24` and `>64` become
//! [`AzureOptions::open_core_bucket_cores`] (default 30) and
//! [`AzureOptions::open_memory_bucket_gb`] (default 70), the values the
//! dataset's own V2 analysis notebook substitutes.
//!
//! # What this reader does
//! - Every reading file is read in the order given; each VM with at least one
//!   reading becomes one [`TracedVm`] named after its VM id. Readings may come
//!   in any order, within a file and across files (the V2 files are slices of
//!   time, so one VM's readings span several files).
//! - A VM's readings are sorted by time and laid on a 300 s grid
//!   ([`AzureOptions::interval_s`]) starting at its first reading: a reading
//!   at `t` is sample `round((t − first) / 300)`. Two readings on one sample
//!   follow [`AzureOptions::duplicates`] (error by default, or the last in
//!   the input wins); missing samples between readings follow
//!   [`AzureOptions::gaps`] (the previous value is held by default, or 0, or
//!   an error).
//! - The utilisation is the chosen column ([`AzureOptions::cpu_column`],
//!   average by default) divided by 100. Every percentage (all three reading
//!   columns and the three vmtable statistics) must be a finite number in
//!   0..=100; above 100 follows [`AzureOptions::over_capacity`]. The three
//!   reading columns are not checked against each other. Samples are stored
//!   rounded to `f32` (within 2⁻²⁵ of the exact fraction; see
//!   [`UtilizationTrace`]'s storage).
//! - `arrival_s` is the VM's first reading's timestamp. Without a vmtable,
//!   `departure_s` is the end of its last reading's 5 minutes (last
//!   timestamp + 300 s) and there are no size hints. With a vmtable, every VM
//!   that has readings must have a row (an error names its first reading
//!   otherwise); rows of VMs without readings are checked but otherwise
//!   ignored. The row gives `cores` and `ram_mb` (GB bucket × 1024) and the
//!   departure ([`AzureOptions::departure`]): by default a VM whose deletion
//!   comes more than one interval after the end of its last loaded reading —
//!   the files loaded stop before its end, a slice of the month — leaves at
//!   the end of that reading ([`AzureDeparture::LastReading`], counted in
//!   [`LoadReport::vms_leaving_at_last_reading`]) instead of holding its last
//!   reading for up to a month; otherwise, or with
//!   [`AzureDeparture::Deletion`], it leaves at its deletion, never before
//!   the end of its last reading (the notebook also counts every VM as living
//!   at least 300 s). A row whose deletion precedes its creation is an error.
//!   V1's vmtable holds real core counts and GB (`1`, `0.75`, `56`), V2's the
//!   buckets above; both read the same way.
//! - [`AzureOptions::subset`] loads a time window (on reading timestamps) and
//!   a sample of the VMs (by a hash of the VM id); readings left out are not
//!   checked beyond their timestamp and id, and take nothing of the limits.
//! - Memory: a VM's readings are laid on its grid as they stream in, 4
//!   bytes a sample (the `f32` the trace keeps), when each comes after the
//!   VM's previous one exactly on the grid, as in the published files; a VM
//!   whose readings do not (out of order, repeated, off the grid) holds 12
//!   bytes a reading until the end, where it is laid out by the same rules.
//!   No reading's file and line is held: an error that must name one (a
//!   duplicate or a gap refused, a VM longer than `max_samples_per_vm`)
//!   reads the files again for that VM (with named pipes, which cannot be
//!   read twice, the error names the VM and the rules only). What is held
//!   counts against [`TraceLimits::max_sample_mb`] (and kept readings
//!   against `max_records`), reading by reading.
//! - Every file may be gzip-compressed. The [`LoadReport`] counts files,
//!   records, VMs, percentages above 100 (clamped), slots with duplicates,
//!   gap slots filled, off-grid readings, readings outside the window, VMs
//!   not sampled and VMs leaving at their last reading.
//! - VMs are returned sorted by arrival, ties in order of first appearance.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::grid_samples::{GridBreak, GridSamples};
use crate::report::{LoadReport, LoadedTrace};
use crate::source::{
    At, CsvRecord, CsvRecords, GridRules, IdMap, RecordBudget, Stamp, check_file_count, field, grid,
    list_dir, too_many_vms,
};
use crate::vm_trace::{Duplicates, Gaps, OverCapacity, Subset, TraceLimits, TracedVm, WorkloadTrace};

/// Seconds between two readings of one VM ("Timestamp in seconds (every 5
/// minutes)", AzurePublicDatasetV2.md schema item 15).
pub const AZURE_INTERVAL_S: f64 = 300.0;

/// MB per GB for the vmtable's memory bucket (binary units, as the rest of
/// Cirrus counts memory).
const MB_PER_GB: f64 = 1024.0;

/// Largest valid percentage.
const MAX_PERCENT: f64 = 100.0;

/// Layout of a reading line, for column-count errors.
const READING_LAYOUT: &str = "timestamp, vm id, min cpu, max cpu, avg cpu";

/// Layout of a vmtable line, for column-count errors.
const VMTABLE_LAYOUT: &str = "vm id, subscription id, deployment id, created, deleted, max cpu, avg cpu, \
                              p95 max cpu, category, core count bucket, memory bucket";

/// When a VM with a vmtable row leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AzureDeparture {
    /// At the end of its last reading when its deletion comes more than one
    /// interval later (the readings loaded stop before the VM's recorded
    /// end: a slice or a window of the month); otherwise at its deletion
    /// time (the default). Counted in
    /// [`LoadReport::vms_leaving_at_last_reading`](crate::LoadReport::vms_leaving_at_last_reading).
    #[default]
    LastReading,
    /// At its deletion time, never before the end of its last reading: the
    /// last reading is held to the deletion, however far away.
    Deletion,
}

/// Which of a reading's three CPU columns is the utilisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AzureCpu {
    /// Minimum CPU over the 5 minutes (column 3).
    Min,
    /// Maximum CPU over the 5 minutes (column 4).
    Max,
    /// Average CPU over the 5 minutes (column 5, the default).
    #[default]
    Avg,
}

/// How an Azure trace is read; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct AzureOptions {
    /// The reading column used as utilisation (default: average).
    pub cpu_column: AzureCpu,
    /// Grid interval in seconds (default [`AZURE_INTERVAL_S`]).
    pub interval_s: f64,
    /// Two readings of one VM on one sample (default: error).
    pub duplicates: Duplicates,
    /// Missing samples between readings (default: hold the previous value).
    pub gaps: Gaps,
    /// A percentage above 100 (default: error; `Keep` clamps).
    pub over_capacity: OverCapacity,
    /// When a VM with a vmtable row leaves (default: at its last reading
    /// when the readings stop before its deletion).
    pub departure: AzureDeparture,
    /// Cores for the open core-count bucket `>24` (default 30).
    pub open_core_bucket_cores: u32,
    /// Memory in GB for the open memory bucket `>64` (default 70).
    pub open_memory_bucket_gb: f64,
    /// The time window and VM sample to load (default: all).
    pub subset: Subset,
    /// Size limits.
    pub limits: TraceLimits,
}

impl AzureOptions {
    /// The V2 notebook's value for `>24` cores ("Transform vmcorecount '>24'
    /// bucket to 30").
    pub const DEFAULT_OPEN_CORE_BUCKET_CORES: u32 = 30;
    /// The V2 notebook's value for `>64` GB ("'>64' to 70").
    pub const DEFAULT_OPEN_MEMORY_BUCKET_GB: f64 = 70.0;
}

impl Default for AzureOptions {
    fn default() -> Self {
        Self {
            cpu_column: AzureCpu::default(),
            interval_s: AZURE_INTERVAL_S,
            duplicates: Duplicates::default(),
            gaps: Gaps::default(),
            over_capacity: OverCapacity::default(),
            departure: AzureDeparture::default(),
            open_core_bucket_cores: Self::DEFAULT_OPEN_CORE_BUCKET_CORES,
            open_memory_bucket_gb: Self::DEFAULT_OPEN_MEMORY_BUCKET_GB,
            subset: Subset::default(),
            limits: TraceLimits::default(),
        }
    }
}

/// An Azure trace to read: reading files (in order), an optional vmtable,
/// and options.
#[derive(Debug, Clone, PartialEq)]
pub struct AzureTrace {
    /// `vm_cpu_readings-file-N-of-M.csv` files, read in this order.
    pub readings: Vec<PathBuf>,
    /// `vmtable.csv`, for lifetimes and sizes.
    pub vmtable: Option<PathBuf>,
    /// How to read them.
    pub options: AzureOptions,
}

impl WorkloadTrace for AzureTrace {
    fn load(&self) -> Result<LoadedTrace, TraceFileError> {
        load_azure(&self.readings, self.vmtable.as_deref(), &self.options)
    }
}

/// The `vm_cpu_readings-file-N-of-M.csv` files of `dir`, sorted by `N`
/// (other files are ignored).
pub fn list_azure_reading_files(dir: &Path, limits: &TraceLimits) -> Result<Vec<PathBuf>, TraceFileError> {
    list_dir(
        dir,
        limits,
        "vm_cpu_readings-file-N-of-M.csv files, or .csv.gz",
        |name| {
            let (n, m) = name
                .strip_prefix("vm_cpu_readings-file-")?
                .strip_suffix(".csv")?
                .split_once("-of-")?;
            Some((n.parse::<u64>().ok()?, m.parse::<u64>().ok()?))
        },
    )
}

/// One VM's readings while reading: their utilisations (fractions, rounded
/// to `f32`, the trace's storage) on the grid, and where the first is.
struct Readings {
    samples: GridSamples,
    /// The file (index in the list) and line of the VM's first reading.
    first_file: u32,
    first_line: usize,
}

/// What a vmtable row says about one VM.
#[derive(Clone, Copy)]
struct Row {
    deleted_s: f64,
    cores: u32,
    ram_mb: f64,
    line: usize,
}

/// Reads an Azure trace: `readings` in order, then `vmtable` if given. See
/// the [module docs](self) for the rules.
pub fn read_azure(
    readings: &[PathBuf],
    vmtable: Option<&Path>,
    options: &AzureOptions,
) -> Result<Vec<TracedVm>, TraceFileError> {
    load_azure(readings, vmtable, options).map(|l| l.vms)
}

/// As [`read_azure`], with the [`LoadReport`].
pub fn load_azure(
    readings: &[PathBuf],
    vmtable: Option<&Path>,
    options: &AzureOptions,
) -> Result<LoadedTrace, TraceFileError> {
    let mut report = LoadReport::new("azure");
    check_file_count(readings, &options.limits, "vm_cpu_readings")?;
    check_options(&readings[0], options)?;
    options.subset.check(&readings[0])?;
    let limits = &options.limits;
    // VM id → index in `vms`, or `NOT_SAMPLED` for an id left out of a
    // fraction sample (decided at its first reading): one lookup a line.
    const NOT_SAMPLED: usize = usize::MAX;
    let mut not_sampled = 0u64;
    let mut ids: IdMap<Box<str>, usize> = IdMap::default();
    let mut vms: Vec<Readings> = Vec::new();
    // Kept readings count against `max_records`, the slots and readings
    // held against `max_sample_mb`.
    let mut budget = RecordBudget::new(limits, 0);
    let rules = GridRules {
        interval_s: options.interval_s,
        duplicates: options.duplicates,
        gaps: options.gaps,
        max_samples: limits.max_samples_per_vm,
        paths: readings,
    };
    for (file, path) in readings.iter().enumerate() {
        // `check_file_count` keeps the index within u32.
        let file = u32::try_from(file).unwrap_or(u32::MAX);
        let mut records = CsvRecords::open(path, b',', limits, "reading file")?;
        report.files_read += 1;
        report.gzip_files += u64::from(records.is_gzip());
        while let Some((line, r)) = records.next_record()? {
            let at = At { path, line };
            at.check_columns(r, 5..=5, READING_LAYOUT)?;
            report.records_read += 1;
            let t_s = at.non_negative(r, 0, "timestamp")?;
            let id = vm_id(at, r, 1)?;
            if !options.subset.in_window(t_s) {
                report.readings_outside_window += 1;
                continue;
            }
            let known = ids.get(id).copied();
            if known == Some(NOT_SAMPLED) {
                continue;
            }
            if known.is_none() && !options.subset.may_keep(id) {
                ids.insert(id.into(), NOT_SAMPLED);
                not_sampled += 1;
                continue;
            }
            budget.take(at)?;
            let over = options.over_capacity;
            let min = percent(at, r, 2, "min cpu", over, &mut report)?;
            let max = percent(at, r, 3, "max cpu", over, &mut report)?;
            let avg = percent(at, r, 4, "avg cpu", over, &mut report)?;
            let value = match options.cpu_column {
                AzureCpu::Min => min,
                AzureCpu::Max => max,
                AzureCpu::Avg => avg,
            };
            // Looked up before allocating the key: most lines are of known VMs.
            let v = match known {
                Some(v) => v,
                None => {
                    if vms.len() == limits.max_vms {
                        return Err(too_many_vms(at, limits.max_vms));
                    }
                    vms.push(Readings {
                        samples: GridSamples::default(),
                        first_file: file,
                        first_line: line,
                    });
                    ids.insert(id.into(), vms.len() - 1);
                    vms.len() - 1
                }
            };
            let samples = &mut vms[v].samples;
            let before = samples.held_bytes();
            samples.push(t_s, (value / MAX_PERCENT) as f32, &rules);
            budget.hold(at, samples.held_bytes().saturating_sub(before))?;
        }
    }
    report.vms_not_sampled = not_sampled;
    if vms.is_empty() {
        return Err(TraceFileError::new(
            &readings[0],
            "no readings in the reading files (in the time window and sample)",
        ));
    }
    let mut names: Vec<Box<str>> = vec![Box::default(); vms.len()];
    for (name, v) in ids {
        if v != NOT_SAMPLED {
            names[v] = name;
        }
    }
    let rows = match vmtable {
        Some(path) => Some(read_vmtable(path, &names, options, &mut report)?),
        None => None,
    };
    let mut out = Vec::with_capacity(vms.len());
    for (v, (name, vm)) in names.into_iter().zip(vms).enumerate() {
        let (t0, samples) = match vm.samples.finish(&name, &rules, &mut report) {
            Ok(laid) => laid,
            Err(GridBreak) => return Err(locate_grid_break(&name, readings, options, &rules)),
        };
        let first_path = &readings[vm.first_file as usize];
        let first_line = vm.first_line;
        let end_s = t0 + samples.len() as f64 * options.interval_s;
        if !end_s.is_finite() {
            return Err(TraceFileError::at_line(
                first_path,
                first_line,
                format!("VM {name:?}: times too large (first reading at {t0} s)"),
            ));
        }
        let utilization = UtilizationTrace::from_f32(&*name, options.interval_s, samples)
            .map_err(|e| TraceFileError::at_line(first_path, first_line, e.to_string()))?;
        let mut traced = TracedVm {
            name: name.into(),
            utilization,
            memory_utilization: None,
            arrival_s: t0,
            departure_s: Some(end_s),
            cores: None,
            mips_per_core: None,
            ram_mb: None,
        };
        if let (Some(rows), Some(vmtable)) = (&rows, vmtable) {
            let Some(row) = rows[v] else {
                return Err(TraceFileError::at_line(
                    first_path,
                    first_line,
                    format!("VM {:?} has no row in {}", traced.name, vmtable.display()),
                ));
            };
            let stops_early = row.deleted_s > end_s + options.interval_s;
            traced.departure_s = Some(match options.departure {
                AzureDeparture::LastReading if stops_early => {
                    report.vms_leaving_at_last_reading += 1;
                    end_s
                }
                _ => row.deleted_s.max(end_s),
            });
            traced.cores = Some(row.cores);
            traced.ram_mb = Some(row.ram_mb);
        }
        out.push(traced);
    }
    // Stable: ties keep the order of first appearance.
    out.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s));
    options.subset.finish(&mut out, &mut report);
    report.vms_read = out.len() as u64;
    Ok(LoadedTrace { vms: out, report })
}

/// The error [`grid`] gives for VM `name`, whose held readings break one of
/// `rules` ([`GridBreak`]): its readings are read again, with their lines,
/// so that the error names them as [`grid`] does. Reading files that cannot
/// be read twice (named pipes) give an error that names the VM and the rules
/// instead.
fn locate_grid_break(
    name: &str,
    readings: &[PathBuf],
    options: &AzureOptions,
    rules: &GridRules<'_>,
) -> TraceFileError {
    let unlocated = |why: &str| {
        TraceFileError::new(
            &readings[0],
            format!(
                "VM {name:?}: its readings break a rule of the sample grid (duplicates = error, \
                 gaps = error, or max_samples_per_vm = {}), and {why}, so the line cannot be named",
                rules.max_samples
            ),
        )
    };
    if !readings
        .iter()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
    {
        return unlocated("the reading files are not regular files (pipes are read once)");
    }
    let again = || -> Result<Option<TraceFileError>, TraceFileError> {
        let mut stamps = Vec::new();
        for (file, path) in readings.iter().enumerate() {
            let file = u32::try_from(file).unwrap_or(u32::MAX);
            let mut records = CsvRecords::open(path, b',', &options.limits, "reading file")?;
            while let Some((line, r)) = records.next_record()? {
                let at = At { path, line };
                if field(r, 1) != name.as_bytes() {
                    continue;
                }
                let t_s = at.non_negative(r, 0, "timestamp")?;
                if options.subset.in_window(t_s) {
                    stamps.push(Stamp { t_s, file, line });
                }
            }
        }
        Ok(grid(name, &stamps, rules, &mut LoadReport::default()).err())
    };
    match again() {
        Ok(Some(err)) | Err(err) => err,
        Ok(None) => unlocated("the reading files changed while read"),
    }
}

/// Reads the vmtable, keeping the rows of the VMs in `names` (indexed like
/// it); every row is checked.
fn read_vmtable(
    path: &Path,
    names: &[Box<str>],
    options: &AzureOptions,
    report: &mut LoadReport,
) -> Result<Vec<Option<Row>>, TraceFileError> {
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (&**n, i)).collect();
    let mut rows: Vec<Option<Row>> = vec![None; names.len()];
    let mut records = CsvRecords::open(path, b',', &options.limits, "vmtable")?;
    report.files_read += 1;
    report.gzip_files += u64::from(records.is_gzip());
    while let Some((line, r)) = records.next_record()? {
        let at = At { path, line };
        at.check_columns(r, 11..=11, VMTABLE_LAYOUT)?;
        let id = vm_id(at, r, 0)?;
        let created_s = at.non_negative(r, 3, "timestamp vm created")?;
        let deleted_s = at.non_negative(r, 4, "timestamp vm deleted")?;
        if deleted_s < created_s {
            return Err(at.err(format!(
                "VM {id:?} is deleted (t = {deleted_s} s) before it is created (t = {created_s} s)"
            )));
        }
        for (column, name) in [(5, "max cpu"), (6, "avg cpu"), (7, "p95 max cpu")] {
            // The vmtable's statistics are checked, not used: not counted.
            percent(
                at,
                r,
                column,
                name,
                options.over_capacity,
                &mut LoadReport::default(),
            )?;
        }
        at.text(r, 8, "vm category")?;
        let cores = bucket(
            at,
            r,
            9,
            "vm virtual core count bucket",
            options.open_core_bucket_cores.into(),
        )?;
        // `bucket` returns a whole number of cores here (checked below).
        let cores = u32::try_from(cores as u64)
            .ok()
            .filter(|&c| f64::from(c) == cores)
            .ok_or_else(|| {
                at.err(format!(
                    "column 10 (vm virtual core count bucket): {cores} is not a whole number of cores"
                ))
            })?;
        let memory_gb = bucket(at, r, 10, "vm memory (GB) bucket", options.open_memory_bucket_gb)?;
        let ram_mb = memory_gb * MB_PER_GB;
        if !ram_mb.is_finite() {
            return Err(at.err(format!(
                "column 11 (vm memory (GB) bucket): {memory_gb} GB is too large"
            )));
        }
        if let Some(&v) = index.get(id) {
            if let Some(first) = rows[v] {
                return Err(at.err(format!("VM {id:?} already has a row at line {}", first.line)));
            }
            rows[v] = Some(Row {
                deleted_s,
                cores,
                ram_mb,
                line,
            });
        }
    }
    Ok(rows)
}

/// A non-empty VM id in field `index`.
fn vm_id<'r>(at: At<'_>, r: &'r CsvRecord, index: usize) -> Result<&'r str, TraceFileError> {
    let id = at.text(r, index, "vm id")?;
    if id.is_empty() {
        return Err(at.err(format!("column {} (vm id): empty", index + 1)));
    }
    Ok(id)
}

/// A percentage in 0..=100 in field `index`; above 100 follows `over`
/// (counted in `report`).
fn percent(
    at: At<'_>,
    r: &CsvRecord,
    index: usize,
    name: &str,
    over: OverCapacity,
    report: &mut LoadReport,
) -> Result<f64, TraceFileError> {
    let value = at.non_negative(r, index, name)?;
    if value <= MAX_PERCENT {
        return Ok(value);
    }
    report.readings_above_capacity += 1;
    match over {
        OverCapacity::Clamp | OverCapacity::Keep => {
            report.readings_clamped += 1;
            Ok(MAX_PERCENT)
        }
        OverCapacity::Error => Err(at.err(format!(
            "column {} ({name}): {value} % is above 100 % (over_capacity = error)",
            index + 1
        ))),
    }
}

/// A size bucket in field `index`: a positive number `N`, or `>N` which
/// becomes `open` (that must exceed `N`).
fn bucket(at: At<'_>, r: &CsvRecord, index: usize, name: &str, open: f64) -> Result<f64, TraceFileError> {
    let raw = field(r, index);
    let (is_open, number) = match raw.strip_prefix(b">") {
        Some(rest) => (true, rest.trim_ascii()),
        None => (false, raw),
    };
    let n = at.number_in(number, index, name)?;
    if n <= 0.0 {
        return Err(at.err(format!(
            "column {} ({name}): {n} is not a positive size",
            index + 1
        )));
    }
    if !is_open {
        return Ok(n);
    }
    if open <= n {
        return Err(at.err(format!(
            "column {} ({name}): the open bucket \">{n}\" is read as {open}, which is not above {n} \
             (see open_core_bucket_cores / open_memory_bucket_gb)",
            index + 1
        )));
    }
    Ok(open)
}

/// Refuses options that cannot describe a trace.
fn check_options(first: &Path, options: &AzureOptions) -> Result<(), TraceFileError> {
    if !(options.interval_s.is_finite() && options.interval_s > 0.0) {
        return Err(TraceFileError::new(
            first,
            format!(
                "interval_s = {} must be a positive number of seconds",
                options.interval_s
            ),
        ));
    }
    if !(options.open_memory_bucket_gb.is_finite() && options.open_memory_bucket_gb > 0.0) {
        return Err(TraceFileError::new(
            first,
            format!(
                "open_memory_bucket_gb = {} must be positive",
                options.open_memory_bucket_gb
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Slot;

    /// The reader as it was before readings were held on the grid while
    /// reading: every kept reading's time, file and line, laid on the grid
    /// by [`grid`] at the end. The VMs (name, first slot's time, samples) in
    /// order of first appearance, the grid's report counts, or the error.
    #[allow(clippy::type_complexity)]
    fn reference(
        readings: &[PathBuf],
        options: &AzureOptions,
    ) -> Result<(Vec<(String, f64, Vec<f32>)>, [u64; 3]), TraceFileError> {
        let mut ids: IdMap<Box<str>, usize> = IdMap::default();
        let mut vms: Vec<(String, Vec<Stamp>, Vec<f32>)> = Vec::new();
        for (file, path) in readings.iter().enumerate() {
            let mut records = CsvRecords::open(path, b',', &options.limits, "reading file")?;
            while let Some((line, r)) = records.next_record()? {
                let at = At { path, line };
                let t_s = at.non_negative(r, 0, "timestamp")?;
                let id = vm_id(at, r, 1)?;
                let value = percent(
                    at,
                    r,
                    4,
                    "avg cpu",
                    options.over_capacity,
                    &mut LoadReport::default(),
                )?;
                let v = *ids.entry(id.into()).or_insert_with(|| {
                    vms.push((id.to_owned(), Vec::new(), Vec::new()));
                    vms.len() - 1
                });
                vms[v].1.push(Stamp {
                    t_s,
                    file: file as u32,
                    line,
                });
                vms[v].2.push((value / MAX_PERCENT) as f32);
            }
        }
        let rules = GridRules {
            interval_s: options.interval_s,
            duplicates: options.duplicates,
            gaps: options.gaps,
            max_samples: options.limits.max_samples_per_vm,
            paths: readings,
        };
        let mut report = LoadReport::default();
        let mut out = Vec::new();
        for (name, stamps, values) in vms {
            let (t0, slots) = grid(&name, &stamps, &rules, &mut report)?;
            let samples = slots
                .iter()
                .map(|s| match *s {
                    Slot::Reading(i) => values[i],
                    Slot::Zero => 0.0,
                })
                .collect();
            out.push((name, t0, samples));
        }
        let counts = [
            report.slots_with_duplicates,
            report.gap_slots_filled,
            report.off_grid_readings,
        ];
        Ok((out, counts))
    }

    #[test]
    fn loads_as_the_reader_that_kept_every_reading_did() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (1..=2)
            .map(|n| dir.path().join(format!("vm_cpu_readings-file-{n}-of-2.csv")))
            .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut loaded, mut refused, mut irregular_inputs) = (0, 0, 0);
        for case in 0..400 {
            // Up to 4 VMs, readings mostly in time order on the 300 s grid,
            // with steps back, repeats, gaps and off-grid times mixed in,
            // interleaved across the VMs and split over two files.
            let vms = 1 + next() % 4;
            let mut t = vec![300.0 * (next() % 3) as f64; vms as usize];
            let mut lines = [String::new(), String::new()];
            let mut irregular = false;
            for i in 0..(5 + next() % 60) {
                let v = (next() % vms) as usize;
                let step = match next() % 25 {
                    0 => -300.0 * (next() % 3) as f64,
                    1 => 0.0,
                    2 => 300.0 * (2 + next() % 3) as f64,
                    3 => 114.0,
                    _ => 300.0,
                };
                irregular |= step <= 0.0 || step == 114.0;
                t[v] = (t[v] + step).max(0.0);
                let avg = (next() % 10_001) as f64 / 100.0;
                let file = usize::from(i >= 30);
                lines[file].push_str(&format!("{},vm{v},0,100,{avg}\n", t[v]));
            }
            irregular_inputs += usize::from(irregular);
            for (p, text) in paths.iter().zip(&lines) {
                std::fs::write(p, text).unwrap();
            }
            let mut options = AzureOptions {
                duplicates: [Duplicates::Error, Duplicates::LastWins][case % 2],
                gaps: [Gaps::Hold, Gaps::Zero, Gaps::Error][case / 2 % 3],
                ..AzureOptions::default()
            };
            if case % 5 == 0 {
                options.limits.max_samples_per_vm = [0, 1, 20][case / 5 % 3];
            }
            let want = reference(&paths, &options);
            match load_azure(&paths, None, &options) {
                Ok(got) => {
                    let (want, counts) = want.expect("the reference loads too");
                    let r = &got.report;
                    assert_eq!(
                        [r.slots_with_duplicates, r.gap_slots_filled, r.off_grid_readings],
                        counts
                    );
                    assert_eq!(got.vms.len(), want.len());
                    for (name, t0, samples) in want {
                        let vm = got.vms.iter().find(|v| v.name == name).unwrap();
                        assert_eq!(vm.arrival_s.to_bits(), t0.to_bits());
                        let got: Vec<u64> = vm.utilization.samples().iter().map(|s| s.to_bits()).collect();
                        let want: Vec<u64> = samples.iter().map(|&s| f64::from(s).to_bits()).collect();
                        assert_eq!(got, want, "{name}");
                    }
                    loaded += 1;
                }
                Err(err) => {
                    assert_eq!(err.to_string(), want.unwrap_err().to_string());
                    refused += 1;
                }
            }
        }
        // Both outcomes, and inputs that leave the regular form, were met.
        assert!(loaded > 40 && refused > 40, "{loaded} loaded, {refused} refused");
        assert!(irregular_inputs > 200, "{irregular_inputs}");
    }
}
