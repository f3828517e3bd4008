//! # Cirrus outputs
//!
//! Writes a [`RunResult`] as `summary.json`, `intervals.csv`, `hosts.csv`,
//! `vms.csv` and `migrations.csv`. Every file is written to a temporary file in the target folder
//! and renamed into place, and `summary.json` goes last: a folder holding a
//! `summary.json` holds a complete run, and an interrupted write never leaves a
//! half-written file under a final name. Numbers are printed with Rust's
//! shortest round-trip formatting, so equal results give byte-identical files.
//!
//! Atomic is not durable: after an operating-system crash a renamed file may
//! still be empty. [`Durability::Synced`] flushes every file to disk before it
//! is renamed and the folder after the last rename; it costs a few
//! milliseconds per file when the disk is busy (nothing to ~35 ms for the
//! five files of the LR-MMT day on the development machine), so runs
//! ask for it (`cirrus run --durable`) and the default leaves flushing to the
//! operating system.
//!
//! Files get the mode a plain `File::create` gives (0o666 less the umask).
//!
//! [`prepare_dir`] checks an output folder before a run (created, writable,
//! not holding another run's results unless they are to be replaced), and
//! [`Manifest`] records what made a run (`manifest.json`), which
//! [`Provenance`] writes with the resolved scenario (`scenario.resolved.toml`)
//! for `cirrus run` and for every run of a sweep alike.

mod folder;
mod manifest;
mod provenance;

pub use folder::{FolderState, RUN_FILES, clear_run, prepare_dir};
pub use manifest::{Manifest, SweepRun, sha256_hex, utc_timestamp};
pub use provenance::{Program, Provenance, RunSettings, ScenarioSource, program};

use std::io::Write;
use std::path::{Path, PathBuf};

use cirrus::metrics::{MigrationRecord, RunResult};
use serde::Serialize;

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// `intervals.csv`.
    pub intervals: bool,
    /// `hosts.csv`.
    pub hosts: bool,
    /// `vms.csv`.
    pub vms: bool,
    /// `migrations.csv`.
    pub migrations: bool,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            intervals: true,
            hosts: true,
            vms: true,
            migrations: true,
        }
    }
}

/// Whether written files are flushed to disk before `write_run` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Temporary file + rename: readers never see a partial file, but an
    /// operating-system crash may lose what was written.
    #[default]
    Atomic,
    /// As `Atomic`, and each file is `fsync`ed before its rename and the
    /// folder after the last one, so a run reported written survives a crash.
    Synced,
}

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct OutputError {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

pub(crate) fn err(path: &Path, e: impl std::fmt::Display) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes `bytes` to `path` atomically and durably (temporary file in the
/// same folder, flushed to disk, then renamed over `path`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, bytes, Durability::Synced)
}

/// Writes `bytes` to `path` through a temporary file in the same folder
/// renamed over `path`, flushed to disk first if `durability` asks.
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> Result<(), OutputError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cirrus-").suffix(".tmp");
    // Result files are for sharing: the mode a plain `File::create` gives
    // (0o666 less the umask), not a temporary file's private 0o600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| err(dir, e))?;
    tmp.write_all(bytes).map_err(|e| err(path, e))?;
    if durability == Durability::Synced {
        tmp.as_file().sync_all().map_err(|e| err(path, e))?;
    }
    tmp.persist(path).map_err(|e| err(path, e.error))?;
    Ok(())
}

/// The name of the trace reader's load report in a results folder.
pub const TRACE_REPORT_FILE: &str = "trace_report.json";

/// Writes `report` (what the trace reader read, skipped and resolved) as
/// pretty JSON to [`TRACE_REPORT_FILE`] in `dir`.
pub fn write_trace_report<T: Serialize>(
    report: &T,
    dir: &Path,
    durability: Durability,
) -> Result<(), OutputError> {
    let path = dir.join(TRACE_REPORT_FILE);
    let mut json = serde_json::to_vec_pretty(report).map_err(|e| err(&path, e))?;
    json.push(b'\n');
    write_atomic_with(&path, &json, durability)
}

/// Serialises `rows` as CSV with a header row.
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// As [`csv_bytes`], but an empty table still gets its `header` row, so a
/// reader can tell "no rows" from "no file".
pub fn csv_bytes_with_header<T: Serialize>(rows: &[T], header: &[&str]) -> Result<Vec<u8>, csv::Error> {
    if !rows.is_empty() {
        return csv_bytes(rows);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// `migrations.csv`: the records, and in a run with a real-time VM a last column, the VM's
/// bound ([`MigrationRecord::REAL_TIME_COLUMN`], empty for an ordinary VM).
pub fn migrations_csv(result: &RunResult) -> Result<Vec<u8>, csv::Error> {
    let bytes = csv_bytes_with_header(&result.migrations, MigrationRecord::COLUMNS)?;
    if result.summary.real_time.is_none() {
        return Ok(bytes);
    }
    // Each row of the records is one line (numbers and names, never quoted newlines).
    let mut out = Vec::with_capacity(bytes.len() + 16 * (result.migrations.len() + 1));
    let mut rows = bytes.split_inclusive(|&b| b == b'\n');
    if let Some(header) = rows.next() {
        out.extend_from_slice(header.strip_suffix(b"\n").unwrap_or(header));
        out.push(b',');
        out.extend_from_slice(MigrationRecord::REAL_TIME_COLUMN.as_bytes());
        out.push(b'\n');
    }
    for (row, m) in rows.zip(&result.migrations) {
        out.extend_from_slice(row.strip_suffix(b"\n").unwrap_or(row));
        out.push(b',');
        if let Some(bound) = m.max_downtime_s {
            // Formatted as the other columns are (the csv writer's float format).
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            w.serialize(bound)?;
            out.extend_from_slice(&w.into_inner().map_err(|e| e.into_error())?);
        } else {
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Serialises one table of a run.
type CsvOf = fn(&RunResult) -> Result<Vec<u8>, csv::Error>;

/// Writes a run's files into `dir` ([`Durability::Atomic`]); returns them in
/// writing order.
pub fn write_run(result: &RunResult, dir: &Path, selection: Selection) -> Result<Vec<PathBuf>, OutputError> {
    write_run_with(result, dir, selection, Durability::Atomic)
}

/// As [`write_run`], with the given durability.
pub fn write_run_with(
    result: &RunResult,
    dir: &Path,
    selection: Selection,
    durability: Durability,
) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    // A summary left by an earlier run would make a failed rewrite look complete.
    let summary_path = dir.join("summary.json");
    if summary_path.exists() {
        std::fs::remove_file(&summary_path).map_err(|e| err(&summary_path, e))?;
    }
    let mut written = Vec::new();
    let files: [(&str, bool, CsvOf); 4] = [
        ("intervals.csv", selection.intervals, |r| csv_bytes(&r.intervals)),
        ("hosts.csv", selection.hosts, |r| csv_bytes(&r.hosts)),
        ("vms.csv", selection.vms, |r| csv_bytes(&r.vms)),
        ("migrations.csv", selection.migrations, migrations_csv),
    ];
    for (name, selected, bytes) in files {
        let path = dir.join(name);
        if selected {
            write_atomic_with(&path, &bytes(result).map_err(|e| err(&path, e))?, durability)?;
            written.push(path);
        } else if path.is_file() {
            // A file left by an earlier run would pass for this run's.
            std::fs::remove_file(&path).map_err(|e| err(&path, e))?;
        }
    }
    let mut json = serde_json::to_vec_pretty(&result.summary).map_err(|e| err(&summary_path, e))?;
    json.push(b'\n');
    write_atomic_with(&summary_path, &json, durability)?;
    written.push(summary_path);
    if durability == Durability::Synced {
        // The renames themselves: one flush of the folder.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| err(dir, e))?;
    }
    Ok(written)
}

/// A run's folder as `cirrus run` writes it: see [`write_run_folder`].
#[derive(Debug, Clone, Copy)]
pub struct RunFolder<'a, R: Serialize> {
    /// The folder, checked by [`prepare_dir`] before the run.
    pub dir: &'a Path,
    /// What [`prepare_dir`] found there: an earlier run's files are removed first.
    pub state: &'a FolderState,
    /// What made the run.
    pub provenance: &'a Provenance,
    /// The run.
    pub result: &'a RunResult,
    /// Which tables to write.
    pub selection: Selection,
    /// The trace reader's load report, if the workload has one (`trace_report.json`).
    pub trace_report: Option<&'a R>,
    /// How hard to make sure the files reach the disk.
    pub durability: Durability,
}

/// Writes a run's folder in `cirrus run`'s order: an earlier run's files removed
/// (`state` says there are some), `scenario.resolved.toml`, the tables, `summary.json`,
/// `trace_report.json`, and `manifest.json` last, whose wall time runs from `started`.
pub fn write_run_folder<R: Serialize>(
    folder: &RunFolder<'_, R>,
    started: std::time::Instant,
) -> Result<(), OutputError> {
    let dir = folder.dir;
    if *folder.state == FolderState::HoldsRun {
        clear_run(dir)?;
    }
    folder.provenance.write_resolved(dir, folder.durability)?;
    write_run_with(folder.result, dir, folder.selection, folder.durability)?;
    if let Some(report) = folder.trace_report {
        write_trace_report(report, dir, folder.durability)?;
    }
    folder
        .provenance
        .write_manifest(dir, started.elapsed(), folder.durability)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn synced_and_atomic_writes_give_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        for (i, mode) in [Durability::Atomic, Durability::Synced].into_iter().enumerate() {
            let p = dir.path().join(format!("{i}.txt"));
            write_atomic_with(&p, b"same bytes", mode).unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), b"same bytes");
        }
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["0.txt", "1.txt"], "no temporary file left behind");
    }

    #[test]
    fn csv_has_header_and_rows() {
        #[derive(Serialize)]
        struct Row {
            a: u32,
            b: f64,
        }
        let bytes = csv_bytes(&[Row { a: 1, b: 0.5 }, Row { a: 2, b: 300.1 }]).unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), "a,b\n1,0.5\n2,300.1\n");
    }
}
