//! Bitbrains VM traces, GWA-T-12 of the Grid Workloads Archive (Shen, van
//! Beek & Iosup, *Statistical characterization of business-critical
//! workloads hosted in cloud datacenters*, CCGrid 2015): `fastStorage/2013-8/`
//! (1 250 VMs) and `Rnd/2013-7/`, `2013-8/`, `2013-9/` (500 VMs).
//!
//! # Format
//! One file per VM (`1.csv`, `2.csv`, …), one line per 5-minute sample,
//! fields separated by `;` followed by a tab, under the header line
//!
//! ```text
//! Timestamp [ms];→CPU cores;→CPU capacity provisioned [MHZ];→CPU usage [MHZ];→CPU usage [%];
//! →Memory capacity provisioned [KB];→Memory usage [KB];→Disk read throughput [KB/s];
//! →Disk write throughput [KB/s];→Network received throughput [KB/s];
//! →Network transmitted throughput [KB/s]
//! ```
//!
//! (one line in the files; `→` stands for a tab). A data line looks like
//! `1376314846;→4;→11703.99824;→10912.0277;→93.2333;→6.7108864E7;→6129274.4;→0.1333;→15981.6;→0.0;→2.1333`.
//!
//! Despite the header's `[ms]`, timestamps are Unix time in **seconds**:
//! fastStorage's first is 1376314846 (2013-08-12 13:40 UTC; read as ms it
//! would be 1970-01-16), and consecutive lines are 300 apart, the archive's
//! stated 5-minute sampling. This reader takes them as seconds.
//!
//! # What this reader does
//! The defaults load the published files whole; every habit below is
//! counted in the [`LoadReport`].
//! - The first non-blank line must be the header (11 fields, the first
//!   starting with `Timestamp`) unless [`BitbrainsOptions::has_header`] is
//!   off. Every other non-blank line must have 11 fields, each a finite
//!   number ≥ 0 (decimal or exponent notation, as in `6.7108864E7`).
//!   Timestamps must not go backwards.
//! - **All-zero rows** (every field but the timestamp 0: `ts; 0; 0.0; 0.0; …`)
//!   mean the VM did not exist at that time ([`BitbrainsZeroRows::Absent`],
//!   the default): those before the first and after the last other row are
//!   dropped — the VM arrives at its first real row and leaves after its
//!   last ([`LoadReport::zero_rows_absent`]) — and those between real rows
//!   mean the VM was off: its demand is 0 there
//!   ([`LoadReport::zero_rows_off`]). A file of only zero rows is skipped
//!   (counted as skipped). [`BitbrainsZeroRows::Error`] refuses them. Any
//!   other row needs `CPU cores` a whole number ≥ 1 and a positive CPU
//!   capacity.
//! - The VM's size is its largest provisioned CPU capacity (MHz) — `cores`
//!   and `mips_per_core` = MHz ÷ cores come from the first line with that
//!   capacity — and its largest provisioned memory (`ram_mb` = KB ÷ 1024).
//! - Utilisation = `CPU usage [MHZ]` ÷ the VM's capacity (default), or
//!   `CPU usage [%]` ÷ 100 × the line's capacity ÷ the VM's capacity
//!   ([`BitbrainsCpu::UsagePercent`]); the two agree when the capacity never
//!   changes. Memory utilisation = `Memory usage [KB]` ÷ the VM's memory (no
//!   memory trace if the provisioned memory is always 0).
//! - **Usage above provisioned** (the used CPU column above the line's MHz
//!   or 100 %, memory usage above the line's KB) follows
//!   [`BitbrainsOptions::over_capacity`]: kept by default
//!   ([`OverCapacity::Keep`]) — the VM's capacity (MHz, and memory) is then
//!   its peak usage, so no sample is cut and the others are fractions of
//!   that larger size; clamped to the line's provisioned value
//!   ([`OverCapacity::Clamp`]); or refused. Each such value is counted in
//!   [`LoadReport::readings_above_capacity`].
//! - Samples are laid on a 300 s grid ([`BitbrainsOptions::interval_s`])
//!   from the VM's first real timestamp: a sample at `t` goes to
//!   `round((t − first) / 300)`, which absorbs clock jitter. **Repeated and
//!   off-grid timestamps** (0 s apart, steps of 114 or 186 s) that land on
//!   one grid point follow [`BitbrainsOptions::duplicates`]: by default the
//!   later line wins ([`Duplicates::LastWins`]); missing points between
//!   samples follow [`BitbrainsOptions::gaps`] (by default the previous
//!   value is held). Slots with duplicates, filled gap slots and readings
//!   more than 30 s off their grid point are counted.
//! - Each file is one VM named after the file without `.csv` (or
//!   `.csv.gz`); `arrival_s` is its first real timestamp and `departure_s`
//!   the end of its last sample (last grid point + 300 s). With
//!   [`BitbrainsOptions::rebase`] (the default) every VM is then shifted so
//!   that the earliest arrival is 0 ([`rebase`]).
//! - [`BitbrainsOptions::subset`] loads a time window (Unix seconds, on row
//!   timestamps; a file with no row in it is skipped, counted) and a sample
//!   of the VMs (by a hash of the file's VM name; files left out are not
//!   read).
//! - CPU and memory samples are stored rounded to `f32` (within 2⁻²⁵ of the
//!   exact fraction; see `UtilizationTrace`'s storage).
//! - VMs are returned in the order of the files given; [`list_bitbrains_files`]
//!   sorts a directory numerically (`2.csv` before `10.csv`). One directory is
//!   one month: the three Rnd months are separate traces of the same VMs.

use std::path::{Path, PathBuf};

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::report::{LoadReport, LoadedTrace};
use crate::source::{
    At, CsvRecords, GridRules, RecordBudget, Slot, Stamp, check_file_count, field, grid, list_dir,
};
use crate::vm_trace::{Duplicates, Gaps, OverCapacity, Subset, TraceLimits, TracedVm, WorkloadTrace, rebase};

/// Seconds between two samples (GWA-T-12 description: "sampled every 5
/// minutes"; consecutive timestamps differ by 300).
pub const BITBRAINS_INTERVAL_S: f64 = 300.0;

/// KB per MB (the files count memory in KB = 1 024 bytes).
const KB_PER_MB: f64 = 1024.0;

/// Largest valid percentage.
const MAX_PERCENT: f64 = 100.0;

/// Fields per line (the header's 11 columns).
const COLUMNS: usize = 11;

/// Layout of a line, for column-count errors.
const LAYOUT: &str = "timestamp; cores; capacity MHz; usage MHz; usage %; memory KB; memory usage KB; \
                      disk read; disk write; net in; net out";

/// The column names, for messages (the header's, units as the archive
/// states them except the timestamp's).
const NAMES: [&str; COLUMNS] = [
    "Timestamp (s)",
    "CPU cores",
    "CPU capacity provisioned [MHZ]",
    "CPU usage [MHZ]",
    "CPU usage [%]",
    "Memory capacity provisioned [KB]",
    "Memory usage [KB]",
    "Disk read throughput [KB/s]",
    "Disk write throughput [KB/s]",
    "Network received throughput [KB/s]",
    "Network transmitted throughput [KB/s]",
];

/// Which CPU usage column is the utilisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BitbrainsCpu {
    /// `CPU usage [MHZ]` ÷ the VM's capacity (default).
    #[default]
    UsageMhz,
    /// `CPU usage [%]`, rescaled to the VM's capacity.
    UsagePercent,
}

/// What an all-zero row (`ts; 0; 0.0; 0.0; …`) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BitbrainsZeroRows {
    /// Leading and trailing zero rows: the VM is not there yet / any more;
    /// interior ones: the VM was off, demand 0 (default).
    #[default]
    Absent,
    /// Refuse the file, naming the row.
    Error,
}

/// How Bitbrains files are read; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct BitbrainsOptions {
    /// The CPU column used (default: MHz).
    pub cpu: BitbrainsCpu,
    /// Grid interval in seconds (default [`BITBRAINS_INTERVAL_S`]).
    pub interval_s: f64,
    /// Two samples on one grid point (default: the later line wins).
    pub duplicates: Duplicates,
    /// Missing grid points (default: hold the previous value).
    pub gaps: Gaps,
    /// Usage above the provisioned capacity (default: keep, sizing the VM
    /// to its peak usage).
    pub over_capacity: OverCapacity,
    /// All-zero rows (default: absent before arrival / after departure, off
    /// in between).
    pub zero_rows: BitbrainsZeroRows,
    /// The time window (Unix seconds, on row timestamps) and VM sample to
    /// load (default: all).
    pub subset: Subset,
    /// Whether each file starts with the header line (default: yes).
    pub has_header: bool,
    /// Shift all VMs so that the earliest arrival is 0 (default: yes).
    pub rebase: bool,
    /// Size limits.
    pub limits: TraceLimits,
}

impl Default for BitbrainsOptions {
    fn default() -> Self {
        Self {
            cpu: BitbrainsCpu::default(),
            interval_s: BITBRAINS_INTERVAL_S,
            duplicates: Duplicates::LastWins,
            gaps: Gaps::default(),
            over_capacity: OverCapacity::Keep,
            zero_rows: BitbrainsZeroRows::default(),
            subset: Subset::default(),
            has_header: true,
            rebase: true,
            limits: TraceLimits::default(),
        }
    }
}

/// Bitbrains files to read (one VM each) and options.
#[derive(Debug, Clone, PartialEq)]
pub struct BitbrainsTrace {
    /// The VMs' files, in VM order.
    pub files: Vec<PathBuf>,
    /// How to read them.
    pub options: BitbrainsOptions,
}

impl WorkloadTrace for BitbrainsTrace {
    fn load(&self) -> Result<LoadedTrace, TraceFileError> {
        load_bitbrains(&self.files, &self.options)
    }
}

/// The `*.csv` files of `dir` (dotfiles skipped): names that are numbers
/// (`1.csv`, `2.csv`, …) in numeric order, then the others by name.
pub fn list_bitbrains_files(dir: &Path, limits: &TraceLimits) -> Result<Vec<PathBuf>, TraceFileError> {
    list_dir(dir, limits, "one N.csv file per VM", |name| {
        let stem = name.strip_suffix(".csv")?;
        Some(match stem.parse::<u64>() {
            Ok(n) => (false, n, String::new()),
            Err(_) => (true, 0, stem.to_owned()),
        })
    })
}

/// One line's values; an all-zero row has `cores` 0.
#[derive(Debug, Clone, Copy)]
struct Row {
    cores: u32,
    capacity_mhz: f64,
    usage_mhz: f64,
    usage_percent: f64,
    memory_kb: f64,
    memory_usage_kb: f64,
}

impl Row {
    /// The used CPU in MHz by the chosen column.
    fn used_mhz(&self, cpu: BitbrainsCpu) -> f64 {
        match cpu {
            BitbrainsCpu::UsageMhz => self.usage_mhz,
            BitbrainsCpu::UsagePercent => self.usage_percent / MAX_PERCENT * self.capacity_mhz,
        }
    }
}

/// Reads Bitbrains files (one VM each, in this order). See the
/// [module docs](self) for the rules.
pub fn read_bitbrains(
    files: &[PathBuf],
    options: &BitbrainsOptions,
) -> Result<Vec<TracedVm>, TraceFileError> {
    load_bitbrains(files, options).map(|l| l.vms)
}

/// As [`read_bitbrains`], with the [`LoadReport`].
pub fn load_bitbrains(files: &[PathBuf], options: &BitbrainsOptions) -> Result<LoadedTrace, TraceFileError> {
    let mut report = LoadReport::new("bitbrains");
    check_file_count(files, &options.limits, "bitbrains")?;
    if !(options.interval_s.is_finite() && options.interval_s > 0.0) {
        return Err(TraceFileError::new(
            &files[0],
            format!(
                "interval_s = {} must be a positive number of seconds",
                options.interval_s
            ),
        ));
    }
    if files.len() > options.limits.max_vms {
        return Err(TraceFileError::new(
            &files[0],
            format!(
                "{} files (one VM each), more than max_vms = {}",
                files.len(),
                options.limits.max_vms
            ),
        ));
    }
    options.subset.check(&files[0])?;
    let mut budget = RecordBudget::new(
        &options.limits,
        std::mem::size_of::<Stamp>() + std::mem::size_of::<Row>(),
    );
    let mut vms = Vec::with_capacity(files.len());
    for (file, path) in files.iter().enumerate() {
        if !options.subset.may_keep(vm_name(path)?) {
            report.vms_not_sampled += 1;
            continue;
        }
        // `check_file_count` keeps the index within u32.
        let file = u32::try_from(file).unwrap_or(u32::MAX);
        if let Some(vm) = read_vm(path, file, files, options, &mut budget, &mut report)? {
            vms.push(vm);
        }
    }
    options.subset.finish(&mut vms, &mut report);
    if options.rebase {
        rebase(&mut vms);
    }
    report.vms_read = vms.len() as u64;
    Ok(LoadedTrace { vms, report })
}

/// The VM named by a file: its name without `.csv` (or `.csv.gz`).
fn vm_name(path: &Path) -> Result<&str, TraceFileError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            let n = crate::source::strip_gz(n);
            n.strip_suffix(".csv").unwrap_or(n)
        })
        .ok_or_else(|| TraceFileError::new(path, "file name is missing or not valid UTF-8"))
}

/// Reads one file into a VM, or `None` when it holds only all-zero rows (or
/// none in the time window).
fn read_vm(
    path: &Path,
    file: u32,
    files: &[PathBuf],
    options: &BitbrainsOptions,
    budget: &mut RecordBudget,
    report: &mut LoadReport,
) -> Result<Option<TracedVm>, TraceFileError> {
    let name = vm_name(path)?;
    let mut outside = 0;
    let mut records = CsvRecords::open(path, b';', &options.limits, "trace file")?;
    report.files_read += 1;
    report.gzip_files += u64::from(records.is_gzip());
    let mut stamps: Vec<Stamp> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut header_pending = options.has_header;
    while let Some((line, r)) = records.next_record()? {
        let at = At { path, line };
        if header_pending {
            header_pending = false;
            if r.len() != COLUMNS || !field(r, 0).starts_with(b"Timestamp") {
                let found = r.iter().map(<[u8]>::trim_ascii).collect::<Vec<_>>().join(&b';');
                return Err(at.err(format!(
                    "expected the GWA-T-12 header (\"Timestamp [ms];\\tCPU cores;\\t…\", {COLUMNS} fields), \
                     found {} (has_header = false reads files without one)",
                    crate::source::shown(&found)
                )));
            }
            continue;
        }
        at.check_columns(r, COLUMNS..=COLUMNS, LAYOUT)?;
        budget.take(at)?;
        report.records_read += 1;
        let mut v = [0.0; COLUMNS];
        for (i, name) in NAMES.iter().enumerate() {
            v[i] = at.non_negative(r, i, name)?;
        }
        let t_s = v[0];
        if let Some(prev) = stamps.last()
            && t_s < prev.t_s
        {
            return Err(at.err(format!(
                "timestamp {t_s} goes backwards (line {} has {})",
                prev.line, prev.t_s
            )));
        }
        if !options.subset.in_window(t_s) {
            outside += 1;
            continue;
        }
        if v[1..].iter().all(|&x| x == 0.0) {
            if options.zero_rows == BitbrainsZeroRows::Error {
                return Err(at.err("all-zero row: the VM is not there (zero_rows = error)"));
            }
            stamps.push(Stamp { t_s, file, line });
            rows.push(Row {
                cores: 0,
                capacity_mhz: 0.0,
                usage_mhz: 0.0,
                usage_percent: 0.0,
                memory_kb: 0.0,
                memory_usage_kb: 0.0,
            });
            continue;
        }
        let cores = v[1];
        if cores < 1.0 || cores.fract() != 0.0 || cores > f64::from(u32::MAX) {
            return Err(at.err(format!(
                "column 2 ({}): {cores} is not a whole number ≥ 1",
                NAMES[1]
            )));
        }
        if v[2] == 0.0 {
            return Err(at.err(format!("column 3 ({}): 0, a VM needs some CPU", NAMES[2])));
        }
        let mut over = |value: f64, limit: f64, column: usize, unit: &str| -> Result<f64, TraceFileError> {
            if value <= limit {
                return Ok(value);
            }
            report.readings_above_capacity += 1;
            match options.over_capacity {
                OverCapacity::Keep => Ok(value),
                OverCapacity::Clamp => {
                    report.readings_clamped += 1;
                    Ok(limit)
                }
                OverCapacity::Error => Err(at.err(format!(
                    "column {} ({}): {value} {unit} is above the provisioned {limit} {unit} (over_capacity = error)",
                    column + 1,
                    NAMES[column]
                ))),
            }
        };
        // Only the CPU column in use is checked (and counted).
        let (usage_mhz, usage_percent) = match options.cpu {
            BitbrainsCpu::UsageMhz => (over(v[3], v[2], 3, "MHz")?, v[4]),
            BitbrainsCpu::UsagePercent => (v[3], over(v[4], MAX_PERCENT, 4, "%")?),
        };
        let row = Row {
            // Checked above: a whole number in 1..=u32::MAX.
            cores: cores as u32,
            capacity_mhz: v[2],
            usage_mhz,
            usage_percent,
            memory_kb: v[5],
            memory_usage_kb: over(v[6], v[5], 6, "KB")?,
        };
        stamps.push(Stamp { t_s, file, line });
        rows.push(row);
    }
    // Zero rows before the first and after the last real row: not there.
    let real = |r: &Row| r.cores > 0;
    report.readings_outside_window += outside;
    let (Some(first), Some(last)) = (rows.iter().position(real), rows.iter().rposition(real)) else {
        if rows.is_empty() && outside > 0 {
            report.skip("files with no row in the time window");
            return Ok(None);
        }
        if rows.is_empty() {
            return Err(TraceFileError::new(
                path,
                "no samples in the file (expected one line per 5 minutes)",
            ));
        }
        report.zero_rows_absent += rows.len() as u64;
        report.skip("files with only all-zero rows");
        return Ok(None);
    };
    report.zero_rows_absent += (first + rows.len() - 1 - last) as u64;
    let rows = &rows[first..=last];
    let stamps = &stamps[first..=last];
    report.zero_rows_off += rows.iter().filter(|r| !real(r)).count() as u64;
    let Some(biggest) = rows
        .iter()
        .copied()
        .reduce(|a, b| if b.capacity_mhz > a.capacity_mhz { b } else { a })
    else {
        return Err(TraceFileError::new(path, "no samples in the file"));
    };
    // Usage kept above provisioned (`Keep`) makes the VM as large as its peak.
    let capacity_mhz = rows
        .iter()
        .map(|r| r.used_mhz(options.cpu))
        .fold(biggest.capacity_mhz, f64::max);
    let memory_kb = rows
        .iter()
        .map(|r| r.memory_kb.max(r.memory_usage_kb))
        .fold(0.0, f64::max);
    let rules = GridRules {
        interval_s: options.interval_s,
        duplicates: options.duplicates,
        gaps: options.gaps,
        max_samples: options.limits.max_samples_per_vm,
        paths: files,
    };
    let (t0, slots) = grid(name, stamps, &rules, report)?;
    let series = |value: &dyn Fn(&Row) -> f64| -> Vec<f64> {
        slots
            .iter()
            .map(|s| match *s {
                Slot::Reading(i) => value(&rows[i]).min(1.0),
                Slot::Zero => 0.0,
            })
            .collect()
    };
    let cpu = match options.cpu {
        BitbrainsCpu::UsageMhz => series(&|r| r.usage_mhz / capacity_mhz),
        BitbrainsCpu::UsagePercent => {
            series(&|r| (r.usage_percent / MAX_PERCENT) * (r.capacity_mhz / capacity_mhz))
        }
    };
    let end_s = t0 + slots.len() as f64 * options.interval_s;
    if !end_s.is_finite() {
        return Err(TraceFileError::new(
            path,
            format!("times too large (first sample at {t0} s)"),
        ));
    }
    let trace_error = |e: cirrus::workload::TraceError| TraceFileError::new(path, e.to_string());
    let utilization = UtilizationTrace::rounded_to_f32(name, options.interval_s, cpu).map_err(trace_error)?;
    let memory_utilization = if memory_kb > 0.0 {
        let m = series(&|r| r.memory_usage_kb / memory_kb);
        Some(UtilizationTrace::rounded_to_f32(name, options.interval_s, m).map_err(trace_error)?)
    } else {
        None
    };
    Ok(Some(TracedVm {
        name: name.to_owned(),
        utilization,
        memory_utilization,
        arrival_s: t0,
        departure_s: Some(end_s),
        cores: Some(biggest.cores),
        mips_per_core: Some(capacity_mhz / f64::from(biggest.cores)),
        ram_mb: (memory_kb > 0.0).then_some(memory_kb / KB_PER_MB),
    }))
}
