//! # Cirrus outputs
//!
//! Writes a [`RunResult`] as `summary.json`, `intervals.csv`, `hosts.csv`,
//! `vms.csv` and `migrations.csv`. Every file is written to a temporary file in the target folder
//! and renamed into place, and `summary.json` goes last: a folder holding a
//! `summary.json` holds a complete run, and an interrupted write never leaves a
//! half-written file under a final name. Numbers are printed with Rust's
//! shortest round-trip formatting, so equal results give byte-identical files.

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

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct OutputError {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

fn err(path: &Path, e: impl std::fmt::Display) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder,
/// flushed, then renamed over `path`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".cirrus-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| err(dir, e))?;
    tmp.write_all(bytes).map_err(|e| err(path, e))?;
    tmp.as_file().sync_all().map_err(|e| err(path, e))?;
    tmp.persist(path).map_err(|e| err(path, e.error))?;
    Ok(())
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

/// Serialises one table of a run.
type CsvOf = fn(&RunResult) -> Result<Vec<u8>, csv::Error>;

/// The files written for a run, in writing order.
pub fn write_run(result: &RunResult, dir: &Path, selection: Selection) -> Result<Vec<PathBuf>, OutputError> {
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
        ("migrations.csv", selection.migrations, |r| {
            csv_bytes_with_header(&r.migrations, MigrationRecord::COLUMNS)
        }),
    ];
    for (name, selected, bytes) in files {
        let path = dir.join(name);
        if selected {
            write_atomic(&path, &bytes(result).map_err(|e| err(&path, e))?)?;
            written.push(path);
        } else if path.is_file() {
            // A file left by an earlier run would pass for this run's.
            std::fs::remove_file(&path).map_err(|e| err(&path, e))?;
        }
    }
    let mut json = serde_json::to_vec_pretty(&result.summary).map_err(|e| err(&summary_path, e))?;
    json.push(b'\n');
    write_atomic(&summary_path, &json)?;
    written.push(summary_path);
    Ok(written)
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
