//! `[workload]`: one reader per format, from the format's section of the schema to the
//! model's traces (and, for trace formats that say so, when each VM arrives and leaves).
//!
//! Adding a trace format: a reader of its files in `cirrus-traces`; in `schema.rs` a struct
//! of its keys, a variant of [`WorkloadSection`] and a line of
//! [`WORKLOAD_FORMATS`](crate::schema::WORKLOAD_FORMATS); here its [`ReadWorkload`] impl and
//! its arm in [`Context::workload_reader`] (the compiler asks for it). Keys of other formats
//! are rejected by the schema, with no check here.

use std::path::{Path, PathBuf};

use cirrus::RngStreams;
use cirrus::failures::Lifetime;
use cirrus::simulation::VmLifetime;
use cirrus::workload::UtilizationTrace;
use cirrus::workload::synthetic::SyntheticDemand;
use cirrus_traces::{
    Duplicates, Gaps, LoadReport, OverCapacity, Subset, TraceFileError, TraceLimits, VmSample, WorkloadTrace,
};

use super::{Context, MAX_COUNT, MAX_SYNTHETIC_SAMPLES, join};
use crate::coverage::TraceFiles;
use crate::error::ScenarioError;
use crate::schema::{
    AzureDepartureKey, AzureWorkload, BitbrainsWorkload, DuplicatesKey, GapsKey, GoogleRelativeTo,
    GoogleWorkload, OverCapacityKey, PlanetLabWorkload, SwfWorkload, SyntheticLifetimesSection,
    SyntheticWorkload, WORKLOAD_FORMATS, WorkloadSection, ZeroRowsKey, ZeroRunTimeKey,
};

/// What a workload gives the datacenter.
pub(super) struct Workload {
    /// One trace per distinct VM demand.
    pub(super) traces: Vec<UtilizationTrace>,
    /// When VMs arrive and leave, if the format says.
    pub(super) lifetimes: Option<Lifetimes>,
    /// Where the traces came from (to name a short one's file).
    pub(super) files: TraceFiles,
    /// What the trace reader read, skipped and resolved (trace formats with lifetimes).
    pub(super) report: Option<LoadReport>,
    /// The size each trace records (trace formats with lifetimes), for `vms.sizing = "trace"`.
    pub(super) sizes: Option<Vec<TraceSize>>,
}

/// The size a trace records for its VM; `None` where it records none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TraceSize {
    /// Virtual cores.
    pub(super) cores: Option<u32>,
    /// MIPS (MHz) per core.
    pub(super) mips_per_core: Option<f64>,
    /// Memory in MB.
    pub(super) ram_mb: Option<f64>,
}

/// When VMs arrive and leave.
pub(super) enum Lifetimes {
    /// One per VM (synthetic arrivals).
    PerVm(Vec<VmLifetime>),
    /// One per trace: VM i follows trace i mod traces, and so its lifetime.
    PerTrace(Vec<VmLifetime>),
}

/// A workload format's reader: its section of the scenario in, traces out.
pub(super) trait ReadWorkload {
    /// Reads (or generates) the traces, with located errors.
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError>;

    /// How many times the trace set is replayed (`workload.replicate`).
    fn replicate(&self) -> u64;
}

impl Context {
    /// The reader of the scenario's workload format.
    pub(super) fn workload_reader(&self) -> &dyn ReadWorkload {
        match &self.file.workload {
            WorkloadSection::PlanetLab(w) => w,
            WorkloadSection::Synthetic(w) => w,
            WorkloadSection::Azure(w) => w,
            WorkloadSection::Google(w) => w,
            WorkloadSection::Bitbrains(w) => w,
            WorkloadSection::Swf(w) => w,
        }
    }

    fn trace_error(&self, key: &str, trace: TraceFileError) -> ScenarioError {
        ScenarioError::Trace {
            origin: self.origin(key),
            key: key.to_string(),
            trace: Box::new(trace),
        }
    }
}

/// An error deserialising `[workload]`, located: serde reports every error inside the
/// tagged enum at `workload` (or `workload.format`), so the format's own struct is
/// deserialised again alone to find the key. Returns the key path and the message, or
/// `None` to keep serde's.
pub(super) fn locate_error(workload: Option<&toml::Value>) -> Option<(String, String)> {
    let table = match workload? {
        toml::Value::Table(t) => t,
        other => {
            return Some((
                "workload".into(),
                format!(
                    "invalid type: {}, expected a table naming its `format`",
                    other.type_str()
                ),
            ));
        }
    };
    let known = || {
        WORKLOAD_FORMATS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match table.get("format") {
        None => {
            return Some((
                "workload.format".into(),
                format!("missing field `format`; known: {}", known()),
            ));
        }
        Some(toml::Value::String(name)) => name,
        Some(other) => {
            return Some((
                "workload.format".into(),
                format!(
                    "expected a string naming a workload format, found {}; known: {}",
                    other.type_str(),
                    known()
                ),
            ));
        }
    };
    let Some(format) = WORKLOAD_FORMATS.iter().find(|f| f.name == name) else {
        return Some((
            "workload.format".into(),
            format!("unknown workload format \"{name}\"; known: {}", known()),
        ));
    };
    let mut rest = table.clone();
    rest.remove("format");
    let (path, message) = format.locate_error(rest)?;
    // An unknown key of a known format: say whose keys these are.
    if let Some(after) = message.strip_prefix("unknown field `")
        && let Some((field, expected)) = after.split_once("`, expected one of ")
        && (path == field || path == ".")
    {
        return Some((
            format!("workload.{field}"),
            format!(
                "not used by the {} format (its keys: `format`, {expected})",
                format.name
            ),
        ));
    }
    let path = if path == "." {
        "workload".to_string()
    } else {
        format!("workload.{path}")
    };
    Some((path, message))
}

impl ReadWorkload for PlanetLabWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let raw = self
            .path
            .as_deref()
            .ok_or_else(|| ctx.invalid("workload", "missing `path` (the trace folder)"))?;
        let dir = ctx.resolve("workload.path", raw);
        let order = self.order.as_deref().map(|o| ctx.resolve("workload.order", o));
        let traces = cirrus_traces::read_planetlab(&dir, order.as_deref()).map_err(|trace| {
            let key = if order.as_deref() == Some(trace.path.as_path()) {
                "workload.order"
            } else {
                "workload.path"
            };
            ctx.trace_error(key, trace)
        })?;
        Ok(Workload {
            traces,
            lifetimes: None,
            files: TraceFiles::OnePerTrace(dir),
            report: None,
            sizes: None,
        })
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

impl ReadWorkload for SyntheticWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let Some(count) = ctx.file.vms.count else {
            return Err(ctx.invalid("vms.count", "a synthetic workload needs vms.count"));
        };
        let vms = ctx.count("vms.count", count)?;
        // Distinct traces to generate; VMs share them round-robin.
        let (n, n_key) = match self.traces {
            Some(t) => (ctx.count("workload.traces", t)?.min(vms), "workload.traces"),
            None => (vms, "vms.count"),
        };
        let table = self
            .distribution
            .as_ref()
            .ok_or_else(|| ctx.invalid("workload", "missing `distribution` ({ kind = \"normal\", … })"))?;
        let kind = match table.get("kind") {
            Some(toml::Value::String(s)) => s.clone(),
            _ => {
                return Err(ctx.invalid(
                    "workload.distribution.kind",
                    "expected a string naming a distribution",
                ));
            }
        };
        let mut rest = table.clone();
        rest.remove("kind");
        let params = ctx.params("workload.distribution", &rest)?;
        let demand = SyntheticDemand::from_params(&kind, params).map_err(|e| {
            let key = if e.key == "distribution" {
                "workload.distribution.kind".to_string()
            } else {
                join("workload.distribution", &e.key)
            };
            ctx.invalid(&key, e.message)
        })?;
        let sim = &ctx.file.simulation;
        let interval = self.interval_s.unwrap_or(sim.scheduling_interval_s);
        ctx.positive("workload.interval_s", interval)?;
        // In f64 first: a tiny interval gives more samples than `usize` holds
        // (both are positive and finite, so this is a number or +inf).
        let samples = (sim.duration_s / interval).ceil() + 1.0;
        if samples > MAX_COUNT as f64 {
            return Err(ctx.invalid(
                "workload.interval_s",
                format!("{samples:.3e} samples per VM, more than the {MAX_COUNT} this version supports"),
            ));
        }
        let samples = samples as usize;
        let total = (n as u64).saturating_mul(samples as u64);
        if total > MAX_SYNTHETIC_SAMPLES {
            let what = if self.traces.is_some() { "traces" } else { "VMs" };
            return Err(ctx.invalid(
                n_key,
                format!(
                    "{n} {what} of {samples} samples each (duration_s / workload.interval_s) is {total} \
                     samples, more than the {MAX_SYNTHETIC_SAMPLES} this version generates"
                ),
            ));
        }
        let traces = demand.generate(n, interval, samples, &RngStreams::new(sim.seed));
        let lifetimes = match &self.lifetimes {
            Some(l) => Some(Lifetimes::PerVm(synthetic_lifetimes(ctx, l)?)),
            None => None,
        };
        Ok(Workload {
            traces,
            lifetimes,
            files: TraceFiles::Generated,
            report: None,
            sizes: None,
        })
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

/// `[workload.lifetimes]`: one lifetime per VM (`vms.count` of them).
/// Arrivals and lifetimes come from their own seeded streams.
fn synthetic_lifetimes(
    ctx: &Context,
    l: &SyntheticLifetimesSection,
) -> Result<Vec<VmLifetime>, ScenarioError> {
    let n = ctx.file.vms.count.unwrap_or(0) as usize;
    if !(l.arrivals_per_h.is_finite() && l.arrivals_per_h > 0.0) {
        return Err(ctx.invalid(
            "workload.lifetimes.arrivals_per_h",
            format!("expected a number > 0, found {}", l.arrivals_per_h),
        ));
    }
    let lifetime = match &l.lifetime {
        None => None,
        Some(t) => Some(
            Lifetime::from_params(ctx.params("workload.lifetimes.lifetime", t)?)
                .map_err(|e| ctx.invalid(&join("workload.lifetimes.lifetime", &e.key), e.message))?,
        ),
    };
    let streams = RngStreams::new(ctx.file.simulation.seed);
    let mut arrivals = streams.stream("vm-arrivals");
    // Exponential gaps between arrivals, mean 3600 / rate seconds.
    let gap = Lifetime::Exponential {
        mean_s: 3600.0 / l.arrivals_per_h,
    };
    let mut t = 0.0;
    Ok((0..n)
        .map(|i| {
            let arrival_s = if (i as u64) < l.at_start {
                0.0
            } else {
                t += gap.sample(&mut arrivals);
                t
            };
            let departure_s = lifetime.map(|d| {
                let mut rng = streams.indexed("vm-lifetimes", i as u64);
                arrival_s + d.sample(&mut rng).max(f64::MIN_POSITIVE)
            });
            VmLifetime {
                arrival_s,
                departure_s,
            }
        })
        .collect())
}

/// Lists the files of a trace format: every matching file of the folder at `workload.path`,
/// or that path itself when it is a file.
type ListFiles = fn(&Path, &TraceLimits) -> Result<Vec<PathBuf>, TraceFileError>;

/// `workload.path` of a trace format with lifetimes, resolved.
fn trace_path(ctx: &Context, path: Option<&str>) -> Result<PathBuf, ScenarioError> {
    let raw = path.ok_or_else(|| ctx.invalid("workload", "missing `path` (the trace folder or file)"))?;
    Ok(ctx.resolve("workload.path", raw))
}

/// The files under `path` (a folder, listed by `list`) or `path` itself.
fn trace_files(ctx: &Context, path: &Path, list: ListFiles) -> Result<Vec<PathBuf>, ScenarioError> {
    if path.is_dir() {
        list(path, &TraceLimits::default()).map_err(|e| ctx.trace_error("workload.path", e))
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

fn duplicates(key: Option<DuplicatesKey>, default: Duplicates) -> Duplicates {
    match key {
        None => default,
        Some(DuplicatesKey::Error) => Duplicates::Error,
        Some(DuplicatesKey::Last) => Duplicates::LastWins,
    }
}

fn gaps(key: Option<GapsKey>, default: Gaps) -> Gaps {
    match key {
        None => default,
        Some(GapsKey::Hold) => Gaps::Hold,
        Some(GapsKey::Zero) => Gaps::Zero,
        Some(GapsKey::Error) => Gaps::Error,
    }
}

fn over_capacity(key: Option<OverCapacityKey>, default: OverCapacity) -> OverCapacity {
    match key {
        None => default,
        Some(OverCapacityKey::Error) => OverCapacity::Error,
        Some(OverCapacityKey::Clamp) => OverCapacity::Clamp,
        Some(OverCapacityKey::Keep) => OverCapacity::Keep,
    }
}

/// `workload.start_s`, `end_s`, `sample_fraction`, `sample_count`, checked by key.
fn subset(
    ctx: &Context,
    start_s: Option<f64>,
    end_s: Option<f64>,
    fraction: Option<f64>,
    count: Option<u64>,
) -> Result<Subset, ScenarioError> {
    for (key, t) in [("workload.start_s", start_s), ("workload.end_s", end_s)] {
        if let Some(t) = t
            && !t.is_finite()
        {
            return Err(ctx.invalid(key, format!("expected a finite time in seconds, found {t}")));
        }
    }
    if let (Some(s), Some(e)) = (start_s, end_s)
        && e <= s
    {
        return Err(ctx.invalid("workload.end_s", format!("{e} is not after start_s = {s}")));
    }
    let sample = match (fraction, count) {
        (Some(_), Some(_)) => {
            return Err(ctx.invalid(
                "workload.sample_count",
                "give sample_fraction or sample_count, not both",
            ));
        }
        (Some(f), None) => {
            if !(f > 0.0 && f <= 1.0) {
                return Err(ctx.invalid(
                    "workload.sample_fraction",
                    format!("expected a fraction in (0, 1], found {f}"),
                ));
            }
            Some(VmSample::Fraction(f))
        }
        (None, Some(n)) => Some(VmSample::Count(ctx.count("workload.sample_count", n)?)),
        (None, None) => None,
    };
    Ok(Subset {
        start_s,
        end_s,
        sample,
    })
}

/// The readers' limits, with `workload.max_sample_mb` when given.
fn limits(ctx: &Context, max_sample_mb: Option<u64>) -> Result<TraceLimits, ScenarioError> {
    let mut limits = TraceLimits::default();
    if let Some(mb) = max_sample_mb {
        if mb == 0 {
            return Err(ctx.invalid("workload.max_sample_mb", "expected at least 1 (MiB)"));
        }
        limits.max_sample_mb = mb;
    }
    Ok(limits)
}

/// `workload.cpu` is not one of `known`.
fn bad_cpu(ctx: &Context, cpu: &str, known: &str) -> ScenarioError {
    ctx.invalid(
        "workload.cpu",
        format!("unknown CPU column \"{cpu}\"; known: {known}"),
    )
}

/// Reads a trace format whose VMs arrive and leave: each VM a trace from its arrival, and its
/// lifetime. `vmtable` is the second file some formats read, to blame the right key.
fn read_traced(
    ctx: &Context,
    source: &Path,
    reader: &dyn WorkloadTrace,
    rebase: Option<bool>,
    vmtable: Option<&Path>,
) -> Result<Workload, ScenarioError> {
    let loaded = reader.load().map_err(|e| {
        let key = if vmtable == Some(e.path.as_path()) {
            "workload.vmtable"
        } else {
            "workload.path"
        };
        ctx.trace_error(key, e)
    })?;
    let (mut vms, report) = (loaded.vms, loaded.report);
    if vms.is_empty() {
        return Err(ctx.invalid("workload.path", "the trace holds no VM"));
    }
    if rebase.unwrap_or(true) {
        cirrus_traces::rebase(&mut vms);
    }
    let mut traces = Vec::with_capacity(vms.len());
    let mut lifetimes = Vec::with_capacity(vms.len());
    let mut sizes = Vec::with_capacity(vms.len());
    for vm in vms {
        sizes.push(TraceSize {
            cores: vm.cores,
            mips_per_core: vm.mips_per_core,
            ram_mb: vm.ram_mb,
        });
        let arrival_s = vm.arrival_s.max(0.0);
        lifetimes.push(VmLifetime {
            arrival_s,
            departure_s: vm.departure_s.filter(|&d| d > arrival_s),
        });
        traces.push(vm.utilization.starting_at(arrival_s));
    }
    Ok(Workload {
        traces,
        lifetimes: Some(Lifetimes::PerTrace(lifetimes)),
        files: TraceFiles::Shared(source.to_path_buf()),
        report: Some(report),
        sizes: Some(sizes),
    })
}

impl ReadWorkload for AzureWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let path = trace_path(ctx, self.path.as_deref())?;
        let cpu_column = match self.cpu.as_deref() {
            None | Some("avg") => cirrus_traces::AzureCpu::Avg,
            Some("min") => cirrus_traces::AzureCpu::Min,
            Some("max") => cirrus_traces::AzureCpu::Max,
            Some(other) => return Err(bad_cpu(ctx, other, "avg, min, max")),
        };
        let vmtable = self
            .vmtable
            .as_deref()
            .map(|v| ctx.resolve("workload.vmtable", v));
        let d = cirrus_traces::AzureOptions::default();
        let reader = cirrus_traces::AzureTrace {
            readings: trace_files(ctx, &path, cirrus_traces::list_azure_reading_files)?,
            vmtable: vmtable.clone(),
            options: cirrus_traces::AzureOptions {
                cpu_column,
                departure: match self.departure {
                    None => d.departure,
                    Some(AzureDepartureKey::LastReading) => cirrus_traces::AzureDeparture::LastReading,
                    Some(AzureDepartureKey::Deletion) => cirrus_traces::AzureDeparture::Deletion,
                },
                duplicates: duplicates(self.duplicates, d.duplicates),
                gaps: gaps(self.gaps, d.gaps),
                over_capacity: over_capacity(self.over_capacity, d.over_capacity),
                subset: subset(
                    ctx,
                    self.start_s,
                    self.end_s,
                    self.sample_fraction,
                    self.sample_count,
                )?,
                limits: limits(ctx, self.max_sample_mb)?,
                ..d
            },
        };
        read_traced(ctx, &path, &reader, self.rebase, vmtable.as_deref())
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

impl ReadWorkload for GoogleWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let path = trace_path(ctx, self.path.as_deref())?;
        let capacity = self.machine_capacity.unwrap_or(1.0);
        ctx.positive("workload.machine_capacity", capacity)?;
        let capacity = match self.relative_to {
            None | Some(GoogleRelativeTo::Machine) => cirrus_traces::GoogleCapacity::Fixed(capacity),
            Some(GoogleRelativeTo::TaskPeak) => {
                if self.machine_capacity.is_some() {
                    return Err(ctx.invalid(
                        "workload.machine_capacity",
                        "not used with relative_to = \"task-peak\" (each task is its own capacity)",
                    ));
                }
                cirrus_traces::GoogleCapacity::PerTaskPeak
            }
        };
        let d = cirrus_traces::GoogleOptions::default();
        let reader = cirrus_traces::GoogleTrace {
            files: trace_files(ctx, &path, cirrus_traces::list_google_task_usage_files)?,
            options: cirrus_traces::GoogleOptions {
                cpu_capacity: capacity,
                memory_capacity: capacity,
                gaps: gaps(self.gaps, d.gaps),
                over_capacity: over_capacity(self.over_capacity, d.over_capacity),
                subset: subset(
                    ctx,
                    self.start_s,
                    self.end_s,
                    self.sample_fraction,
                    self.sample_count,
                )?,
                limits: limits(ctx, self.max_sample_mb)?,
                ..d
            },
        };
        read_traced(ctx, &path, &reader, self.rebase, None)
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

impl ReadWorkload for BitbrainsWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let path = trace_path(ctx, self.path.as_deref())?;
        let cpu = match self.cpu.as_deref() {
            None | Some("mhz") => cirrus_traces::BitbrainsCpu::UsageMhz,
            Some("percent") => cirrus_traces::BitbrainsCpu::UsagePercent,
            Some(other) => return Err(bad_cpu(ctx, other, "mhz, percent")),
        };
        let d = cirrus_traces::BitbrainsOptions::default();
        let reader = cirrus_traces::BitbrainsTrace {
            files: trace_files(ctx, &path, cirrus_traces::list_bitbrains_files)?,
            options: cirrus_traces::BitbrainsOptions {
                cpu,
                zero_rows: match self.zero_rows {
                    None => d.zero_rows,
                    Some(ZeroRowsKey::Absent) => cirrus_traces::BitbrainsZeroRows::Absent,
                    Some(ZeroRowsKey::Error) => cirrus_traces::BitbrainsZeroRows::Error,
                },
                over_capacity: over_capacity(self.over_capacity, d.over_capacity),
                duplicates: duplicates(self.duplicates, d.duplicates),
                gaps: gaps(self.gaps, d.gaps),
                subset: subset(
                    ctx,
                    self.start_s,
                    self.end_s,
                    self.sample_fraction,
                    self.sample_count,
                )?,
                limits: limits(ctx, self.max_sample_mb)?,
                ..d
            },
        };
        read_traced(ctx, &path, &reader, self.rebase, None)
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

impl ReadWorkload for SwfWorkload {
    fn read(&self, ctx: &Context) -> Result<Workload, ScenarioError> {
        let path = trace_path(ctx, self.path.as_deref())?;
        let d = cirrus_traces::SwfOptions::default();
        let reader = cirrus_traces::SwfTrace {
            path: path.clone(),
            options: cirrus_traces::SwfOptions {
                skip_zero_run_time: self.zero_run_time == Some(ZeroRunTimeKey::Skip),
                over_capacity: over_capacity(self.over_capacity, d.over_capacity),
                subset: subset(
                    ctx,
                    self.start_s,
                    self.end_s,
                    self.sample_fraction,
                    self.sample_count,
                )?,
                limits: limits(ctx, self.max_sample_mb)?,
                ..d
            },
        };
        read_traced(ctx, &path, &reader, self.rebase, None)
    }

    fn replicate(&self) -> u64 {
        self.replicate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ScenarioFile;

    /// The message serde gives for `[workload]` with these extra lines.
    fn serde_message(workload: &str) -> String {
        let text = format!("[workload]\n{workload}\n");
        let table: toml::Table = toml::from_str(&text).unwrap();
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct OnlyWorkload {
            workload: WorkloadSection,
        }
        let e = serde_path_to_error::deserialize::<_, OnlyWorkload>(toml::Value::Table(table)).unwrap_err();
        e.inner().message().trim().to_string()
    }

    #[test]
    fn the_format_table_matches_the_enum() {
        // serde lists the variants of the enum: the table has the same names, in order.
        let variants = serde_message("format = \"?\"");
        let listed: Vec<String> = WORKLOAD_FORMATS.iter().map(|f| format!("`{}`", f.name)).collect();
        assert!(variants.ends_with(&listed.join(", ")), "{variants}");
        // Each line's struct is its variant's: same keys.
        for f in WORKLOAD_FORMATS {
            let from_enum = serde_message(&format!("format = \"{}\"\nbogus = 1", f.name));
            let mut rest = toml::Table::new();
            rest.insert("bogus".into(), toml::Value::Integer(1));
            let (path, from_line) = f.locate_error(rest).unwrap();
            assert_eq!(
                (path.as_str(), from_line.as_str()),
                ("bogus", from_enum.as_str()),
                "{}",
                f.name
            );
            assert!(!f.summary.is_empty());
        }
        let _ = std::mem::size_of::<ScenarioFile>();
    }

    #[test]
    fn errors_inside_workload_are_located() {
        let at = |workload: &str| {
            let table: toml::Table = toml::from_str(workload).unwrap();
            locate_error(Some(&toml::Value::Table(table)))
        };
        let some = |k: &str, m: &str| Some((k.to_string(), m.to_string()));
        assert_eq!(
            at("format = \"synthetic\"\ninterval_s = \"x\""),
            some("workload.interval_s", "invalid type: string \"x\", expected f64")
        );
        assert_eq!(
            at("format = \"synthetic\"\n[lifetimes]\narrivals_per_h = true"),
            some(
                "workload.lifetimes.arrivals_per_h",
                "invalid type: boolean `true`, expected f64"
            )
        );
        assert_eq!(
            at("format = \"swf\"\npath = \"x\"\ncpu = \"avg\""),
            some(
                "workload.cpu",
                "not used by the swf format (its keys: `format`, `path`, `zero_run_time`, `over_capacity`, `start_s`, \
                 `end_s`, `sample_fraction`, `sample_count`, `max_sample_mb`, `rebase`, `replicate`)"
            )
        );
        assert_eq!(
            at("path = \"x\""),
            some(
                "workload.format",
                "missing field `format`; known: planetlab, synthetic, azure, google, bitbrains, swf"
            )
        );
        assert_eq!(
            at("format = 3"),
            some(
                "workload.format",
                "expected a string naming a workload format, found integer; known: planetlab, synthetic, \
                 azure, google, bitbrains, swf"
            )
        );
        assert_eq!(
            at("format = \"csv\""),
            some(
                "workload.format",
                "unknown workload format \"csv\"; known: planetlab, synthetic, azure, google, bitbrains, swf"
            )
        );
        assert_eq!(
            at("format = \"synthetic\"\n[lifetimes]\narrivals_per_h = 1.0\nlife = 2"),
            some(
                "workload.lifetimes.life",
                "unknown field `life`, expected one of `at_start`, `arrivals_per_h`, `lifetime`"
            )
        );
        assert_eq!(at("format = \"planetlab\"\npath = \"x\""), None);
        assert_eq!(
            locate_error(Some(&toml::Value::Integer(5))),
            some(
                "workload",
                "invalid type: integer, expected a table naming its `format`"
            )
        );
    }
}
