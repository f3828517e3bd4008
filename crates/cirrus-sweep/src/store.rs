//! The results folder of a sweep, and the tables built from it.
//!
//! ```text
//! DIR/sweep.json          the manifest: name, fingerprint, axes and labels, run count
//! DIR/runs/000042.json    one finished run (written atomically, after its folder)
//! DIR/runs/000042/        its manifest.json and scenario.resolved.toml (what made it, as
//!                         `cirrus run` writes them), and its own result files when asked for
//! DIR/runs.csv            one row per run, once every run is in the folder
//! DIR/aggregate.csv       one row per grid point: mean, std, 95 % CI over replications
//! DIR/timings.csv         wall time per run (kept out of runs.csv, which is deterministic)
//! ```
//!
//! A run counts as done when its record exists; records are only ever
//! written whole (temporary file + rename), so a sweep killed at any instant
//! restarts from the runs that finished. `runs.csv` and `aggregate.csv` are
//! rebuilt from the records in run order, so they are the same bytes whatever
//! the number of threads, the order runs finished in, or how many shards or
//! restarts it took.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cirrus::metrics::Summary;
use cirrus_output::{OutputError, write_atomic};
use serde::{Deserialize, Serialize};

use crate::SweepError;
use crate::plan::Plan;
use crate::stats::Estimate;

/// Version of the folder layout and record format.
pub const FORMAT_VERSION: u32 = 1;

/// One axis as recorded in the manifest (what plots need).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisInfo {
    /// Column name.
    pub name: String,
    /// The keys it sets.
    pub keys: Vec<String>,
    /// One label per value.
    pub labels: Vec<String>,
    /// The values as numbers, if the axis is numeric (one key, all numbers).
    pub numeric: Option<Vec<f64>>,
}

/// `sweep.json`: what a results folder holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// The sweep's name.
    pub name: String,
    /// [`Plan::fingerprint`].
    pub fingerprint: String,
    /// Runs in the whole sweep (all shards).
    pub runs: usize,
    /// Grid points.
    pub points: usize,
    /// Runs per point.
    pub replications: usize,
    /// The axes, in grid order.
    pub axes: Vec<AxisInfo>,
    /// The command-line overrides (`cirrus sweep --set`) the sweep was run
    /// with, `KEY=VALUE`; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
}

impl Manifest {
    /// The manifest of `plan`.
    pub fn of(plan: &Plan) -> Self {
        let spec = plan.spec();
        Self {
            format: FORMAT_VERSION,
            name: spec.name.clone(),
            fingerprint: plan.fingerprint().to_string(),
            runs: plan.runs().len(),
            points: plan.points(),
            replications: spec.replications,
            axes: spec
                .axes
                .iter()
                .map(|a| AxisInfo {
                    name: a.name.clone(),
                    keys: a.keys.clone(),
                    labels: a.labels.clone(),
                    numeric: a.numeric_values(),
                })
                .collect(),
            overrides: spec.overrides.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        }
    }

    /// Reads `DIR/sweep.json`.
    pub fn read(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| SweepError::Results {
            path: path.clone(),
            message: format!("not a sweep results folder ({e})"),
        })?;
        let m: Self = serde_json::from_str(&text).map_err(|e| SweepError::Results {
            path: path.clone(),
            message: format!("unreadable manifest: {e}"),
        })?;
        if m.format != FORMAT_VERSION {
            return Err(SweepError::Results {
                path,
                message: format!("format {} (this cirrus reads {FORMAT_VERSION})", m.format),
            });
        }
        Ok(m)
    }
}

/// One finished run: its coordinates, every summary metric, its wall time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The sweep's fingerprint.
    pub fingerprint: String,
    /// Run index.
    pub run: usize,
    /// Grid point.
    pub point: usize,
    /// Replication.
    pub replication: usize,
    /// Label on each axis.
    pub labels: Vec<String>,
    /// `(column, value)` for every field of [`Summary`], in field order, as
    /// `cirrus-output` prints them (shortest round-trip numbers).
    pub metrics: Vec<(String, String)>,
    /// Seconds spent building and simulating the run (not loading the
    /// scenario, which runs may share, nor writing).
    pub wall_s: f64,
}

impl RunRecord {
    /// The value of metric `name` as a number, if it has one.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.parse().ok())
    }

    /// Everything but the wall time: what must agree between two records of
    /// the same run.
    fn same_result(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.run == other.run
            && self.point == other.point
            && self.replication == other.replication
            && self.labels == other.labels
            && self.metrics == other.metrics
    }
}

/// The summary as `(column, value)` pairs, formatted exactly as
/// `summary`-derived CSVs are.
pub fn summary_columns(summary: &Summary) -> Result<Vec<(String, String)>, csv::Error> {
    let bytes = cirrus_output::csv_bytes(std::slice::from_ref(summary))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers()?.clone();
    let row = reader.records().next().transpose()?.unwrap_or_default();
    Ok(header
        .iter()
        .zip(row.iter())
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect())
}

/// File name of the manifest.
pub const MANIFEST: &str = "sweep.json";

/// `DIR/runs`.
pub fn runs_dir(dir: &Path) -> PathBuf {
    dir.join("runs")
}

/// `DIR/runs/NNNNNN.json`.
pub fn record_path(dir: &Path, run: usize) -> PathBuf {
    runs_dir(dir).join(format!("{run:06}.json"))
}

/// `DIR/runs/NNNNNN/`: a run's own result files.
pub fn run_output_dir(dir: &Path, run: usize) -> PathBuf {
    runs_dir(dir).join(format!("{run:06}"))
}

fn out_err(path: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError::Output(OutputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Creates `dir` for `plan`, or checks that it already belongs to it.
pub(crate) fn open_dir(dir: &Path, plan: &Plan) -> Result<Manifest, SweepError> {
    let manifest = Manifest::of(plan);
    std::fs::create_dir_all(runs_dir(dir)).map_err(|e| out_err(&runs_dir(dir), e))?;
    let path = dir.join(MANIFEST);
    if path.exists() {
        let existing = Manifest::read(dir)?;
        if existing.fingerprint != manifest.fingerprint {
            let sets = |o: &[String]| {
                if o.is_empty() {
                    "no --set".to_string()
                } else {
                    o.iter()
                        .map(|s| format!("--set {s}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            };
            let why = if existing.overrides == manifest.overrides {
                "the sweep file or a scenario changed since".to_string()
            } else {
                format!(
                    "it was run with {}, this one with {}",
                    sets(&existing.overrides),
                    sets(&manifest.overrides)
                )
            };
            return Err(SweepError::Results {
                path,
                message: format!(
                    "this folder holds results of another sweep (\"{}\", fingerprint {}; this one is \"{}\", {}): \
                     {why}. Use another --out, or delete the folder to start over",
                    existing.name, existing.fingerprint, manifest.name, manifest.fingerprint
                ),
            });
        }
    } else {
        write_json(&path, &manifest)?;
    }
    Ok(manifest)
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), SweepError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| out_err(path, e))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)?;
    Ok(())
}

/// Writes a finished run's record (atomically).
pub(crate) fn write_record(dir: &Path, record: &RunRecord) -> Result<(), SweepError> {
    write_json(&record_path(dir, record.run), record)
}

/// The records in `dir` of sweep `fingerprint`, by run index. With `strict`,
/// an unreadable or foreign record is an error (merging); without, it is
/// ignored and the run recomputed (resuming).
pub fn read_records(
    dir: &Path,
    fingerprint: &str,
    strict: bool,
) -> Result<BTreeMap<usize, RunRecord>, SweepError> {
    let runs = runs_dir(dir);
    let mut out = BTreeMap::new();
    let entries = match std::fs::read_dir(&runs) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(SweepError::Results {
                path: runs,
                message: e.to_string(),
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|e| SweepError::Results {
            path: runs.clone(),
            message: e.to_string(),
        })?;
        let name = entry.file_name();
        let Some(index) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let path = entry.path();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<RunRecord>(&t).map_err(|e| e.to_string()))
            .and_then(|r| {
                if r.fingerprint != fingerprint {
                    Err(format!("belongs to sweep {}, not {fingerprint}", r.fingerprint))
                } else if r.run != index {
                    Err(format!("holds run {}", r.run))
                } else {
                    Ok(r)
                }
            });
        match parsed {
            Ok(r) => {
                out.insert(index, r);
            }
            Err(message) if strict => return Err(SweepError::Results { path, message }),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Writes `runs.csv`, `aggregate.csv` and `timings.csv` from a complete set
/// of records.
pub(crate) fn write_tables(
    dir: &Path,
    manifest: &Manifest,
    records: &BTreeMap<usize, RunRecord>,
) -> Result<(), SweepError> {
    let missing: Vec<usize> = (0..manifest.runs).filter(|i| !records.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(incomplete(dir, manifest, &missing));
    }
    let metric_names = metric_union(dir, records)?;
    // Each run's values by the union's columns: a column a run does not have (the power-state
    // or real-time part of a scenario without them) is empty.
    let cells: BTreeMap<usize, Vec<Option<&str>>> = records
        .iter()
        .map(|(&i, r)| {
            let mut own = r.metrics.iter().peekable();
            let row = (metric_names.iter())
                .map(|&name| own.next_if(|(n, _)| n == name).map(|(_, v)| v.as_str()))
                .collect();
            (i, row)
        })
        .collect();
    let axis_names: Vec<&str> = manifest.axes.iter().map(|a| a.name.as_str()).collect();

    // runs.csv
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["run", "point", "replication"];
    header.extend(&axis_names);
    header.extend(&metric_names);
    let path = dir.join("runs.csv");
    w.write_record(&header).map_err(|e| out_err(&path, e))?;
    for r in records.values() {
        let mut row: Vec<String> = vec![r.run.to_string(), r.point.to_string(), r.replication.to_string()];
        row.extend(r.labels.iter().cloned());
        row.extend(cells[&r.run].iter().map(|v| v.unwrap_or("").to_string()));
        w.write_record(&row).map_err(|e| out_err(&path, e))?;
    }
    write_atomic(&path, &w.into_inner().map_err(|e| out_err(&path, e.error()))?)?;

    // aggregate.csv: every metric that is a number in every run that has it, but the seed.
    let numeric: Vec<usize> = (0..metric_names.len())
        .filter(|&m| {
            metric_names[m] != "seed"
                && (cells.values()).all(|row| row[m].is_none_or(|v| v.parse::<f64>().is_ok()))
        })
        .collect();
    let path = dir.join("aggregate.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(axis_names.iter().map(|s| s.to_string()));
    header.push("runs".into());
    for &m in &numeric {
        for suffix in ["mean", "std", "ci95"] {
            header.push(format!("{}_{suffix}", metric_names[m]));
        }
    }
    w.write_record(&header).map_err(|e| out_err(&path, e))?;
    let mut by_point: BTreeMap<usize, Vec<&RunRecord>> = BTreeMap::new();
    for r in records.values() {
        by_point.entry(r.point).or_default().push(r);
    }
    let fmt_opt = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
    for (point, rs) in &by_point {
        let mut row: Vec<String> = vec![point.to_string()];
        row.extend(rs[0].labels.iter().cloned());
        row.push(rs.len().to_string());
        for &m in &numeric {
            let values: Vec<f64> = (rs.iter())
                .filter_map(|r| cells[&r.run][m])
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect();
            if values.is_empty() {
                row.extend([String::new(), String::new(), String::new()]);
                continue;
            }
            let e = Estimate::of(&values);
            row.push(e.mean.to_string());
            row.push(fmt_opt(e.std));
            row.push(fmt_opt(e.ci95));
        }
        w.write_record(&row).map_err(|e| out_err(&path, e))?;
    }
    write_atomic(&path, &w.into_inner().map_err(|e| out_err(&path, e.error()))?)?;

    // timings.csv
    let path = dir.join("timings.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["run", "wall_s"]).map_err(|e| out_err(&path, e))?;
    for r in records.values() {
        w.write_record([r.run.to_string(), format!("{:.6}", r.wall_s)])
            .map_err(|e| out_err(&path, e))?;
    }
    write_atomic(&path, &w.into_inner().map_err(|e| out_err(&path, e.error()))?)?;
    Ok(())
}

/// The metric columns of all `records`, in one order. Each run's columns are the summary's
/// columns in their order, its optional parts (power-state moves, real-time counts) present
/// or not, so merging them keeps that order; runs whose columns disagree in order come from
/// different Cirrus versions.
fn metric_union<'a>(dir: &Path, records: &'a BTreeMap<usize, RunRecord>) -> Result<Vec<&'a str>, SweepError> {
    let mut names: Vec<&str> = Vec::new();
    for r in records.values() {
        let mut at = 0;
        for (name, _) in &r.metrics {
            match names.iter().position(|n| n == name) {
                Some(p) if p >= at => at = p + 1,
                Some(_) => {
                    return Err(SweepError::Results {
                        path: record_path(dir, r.run),
                        message: format!(
                            "its metric column {name} comes in another order than in the runs before: \
                             the records come from different Cirrus versions"
                        ),
                    });
                }
                None => {
                    names.insert(at, name);
                    at += 1;
                }
            }
        }
    }
    Ok(names)
}

fn incomplete(dir: &Path, manifest: &Manifest, missing: &[usize]) -> SweepError {
    let shown: Vec<String> = missing.iter().take(10).map(usize::to_string).collect();
    SweepError::Results {
        path: dir.to_path_buf(),
        message: format!(
            "{} of the sweep's {} runs are missing (runs {}{}): run the missing shards, or rerun the sweep to finish it",
            missing.len(),
            manifest.runs,
            shown.join(", "),
            if missing.len() > shown.len() { ", …" } else { "" }
        ),
    }
}

/// What [`merge`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    /// Runs in the merged sweep.
    pub runs: usize,
    /// Records found more than once (identical, kept once).
    pub duplicates: usize,
}

/// Copies the files of run folder `from` (if there is one) into `to`.
fn copy_run_dir(from: &Path, to: &Path) -> Result<(), SweepError> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    std::fs::create_dir_all(to).map_err(|e| out_err(to, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| out_err(from, e))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let bytes = std::fs::read(entry.path()).map_err(|e| out_err(&entry.path(), e))?;
            write_atomic(&to.join(entry.file_name()), &bytes)?;
        }
    }
    Ok(())
}

/// Combines the results folders of shards of one sweep into `out`: checks
/// that they belong to the same sweep and together hold every run exactly
/// (duplicates must agree), copies the records (with each run's folder:
/// provenance, and outputs if any) and writes the same
/// `runs.csv`, `aggregate.csv` and `timings.csv` an unsharded sweep writes.
/// `out` may be one of `dirs`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeReport, SweepError> {
    let Some(first) = dirs.first() else {
        return Err(SweepError::Results {
            path: out.to_path_buf(),
            message: "nothing to merge: give at least one results folder".into(),
        });
    };
    let manifest = Manifest::read(first)?;
    let mut all: BTreeMap<usize, RunRecord> = BTreeMap::new();
    // The folder each run's record was taken from, for its run folder.
    let mut from: BTreeMap<usize, &Path> = BTreeMap::new();
    let mut duplicates = 0;
    for dir in dirs {
        let m = Manifest::read(dir)?;
        if m.fingerprint != manifest.fingerprint {
            return Err(SweepError::Results {
                path: dir.join(MANIFEST),
                message: format!(
                    "sweep \"{}\" with fingerprint {} cannot be merged with {} (\"{}\", {}): they are different sweeps",
                    m.name,
                    m.fingerprint,
                    first.display(),
                    manifest.name,
                    manifest.fingerprint
                ),
            });
        }
        for (i, r) in read_records(dir, &manifest.fingerprint, true)? {
            if i >= manifest.runs {
                return Err(SweepError::Results {
                    path: record_path(dir, i),
                    message: format!("run {i} is beyond the sweep's {} runs", manifest.runs),
                });
            }
            match all.get(&i) {
                Some(existing) if existing.same_result(&r) => duplicates += 1,
                Some(_) => {
                    return Err(SweepError::Results {
                        path: record_path(dir, i),
                        message: format!(
                            "run {i} differs from the same run in another folder: the shards were run by different Cirrus versions or on different traces"
                        ),
                    });
                }
                None => {
                    all.insert(i, r);
                    from.insert(i, dir.as_path());
                }
            }
        }
    }
    let missing: Vec<usize> = (0..manifest.runs).filter(|i| !all.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(incomplete(out, &manifest, &missing));
    }
    std::fs::create_dir_all(runs_dir(out)).map_err(|e| out_err(&runs_dir(out), e))?;
    let out_manifest = out.join(MANIFEST);
    if out_manifest.exists() {
        let existing = Manifest::read(out)?;
        if existing.fingerprint != manifest.fingerprint {
            return Err(SweepError::Results {
                path: out_manifest,
                message: "the output folder holds results of another sweep; choose another --out".into(),
            });
        }
    } else {
        write_json(&out_manifest, &manifest)?;
    }
    for r in all.values() {
        if !record_path(out, r.run).exists() {
            // The run's folder (provenance, outputs) before its record, as a run writes them.
            if let Some(src) = from.get(&r.run) {
                copy_run_dir(&run_output_dir(src, r.run), &run_output_dir(out, r.run))?;
            }
            write_record(out, r)?;
        }
    }
    write_tables(out, &manifest, &all)?;
    Ok(MergeReport {
        runs: all.len(),
        duplicates,
    })
}
