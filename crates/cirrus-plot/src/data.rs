//! Reading the CSV files a run or sweep wrote, with errors that name the
//! file, line and column.

use std::path::{Path, PathBuf};

use crate::PlotError;

/// A CSV file held in memory.
pub(crate) struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

fn input(path: &Path, message: impl Into<String>) -> PlotError {
    PlotError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl Table {
    /// Reads `path`; `None` if it does not exist.
    pub fn read_optional(path: &Path) -> Result<Option<Self>, PlotError> {
        if !path.is_file() {
            return Ok(None);
        }
        Self::read(path).map(Some)
    }

    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, PlotError> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| input(path, e.to_string()))?;
        let header = reader
            .headers()
            .map_err(|e| input(path, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| input(path, e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Index of column `name`.
    pub fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            input(
                &self.path,
                format!("no column \"{name}\" (columns: {})", self.header.join(", ")),
            )
        })
    }

    /// Whether column `name` exists.
    pub fn has(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    /// Column `name` as numbers; an unparsable cell is an error naming its
    /// line (the header is line 1).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, PlotError> {
        let c = self.column(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let cell = r.get(c).unwrap_or("");
                cell.trim().parse::<f64>().map_err(|_| {
                    input(
                        &self.path,
                        format!("line {}: column {name}: \"{cell}\" is not a number", i + 2),
                    )
                })
            })
            .collect()
    }

    /// Column `name` as text.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, PlotError> {
        let c = self.column(name)?;
        Ok(self
            .rows
            .iter()
            .map(|r| r.get(c).unwrap_or("").to_string())
            .collect())
    }
}

/// The scenario name in a run folder's `summary.json`, if readable.
pub(crate) fn scenario_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("scenario")?.as_str().map(str::to_string)
}
