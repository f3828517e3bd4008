//! Scenario errors: every one names where the offending value came from (file,
//! line, column, or the `--set` argument) and its key path.

use std::fmt;
use std::path::PathBuf;

use cirrus_traces::TraceFileError;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a scenario file (1-based line and column).
    File {
        /// The scenario file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A command-line override, `--set KEY=VALUE`.
    Override {
        /// The whole `KEY=VALUE` argument.
        argument: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => write!(f, "{}:{line}:{column}", path.display()),
            Origin::Override { argument } => write!(f, "--set {argument}"),
        }
    }
}

/// A scenario that cannot be loaded or built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file cannot be read at all.
    #[error("{}: cannot read scenario: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// A value is malformed, unknown, missing or out of range.
    #[error("{origin}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
    Invalid {
        /// Where the value is (or where it should have been).
        origin: Origin,
        /// Dotted key path, e.g. `host_types[1].power.model` (empty for syntax errors).
        key: String,
        /// What was expected.
        message: String,
    },
    /// A trace file the scenario points at is missing or malformed.
    #[error("{trace}\n  (from {key} at {origin})")]
    Trace {
        /// The trace reader's error: file and line of the bad data.
        trace: Box<TraceFileError>,
        /// The scenario key that named the traces.
        key: String,
        /// Where that key is.
        origin: Origin,
    },
}

impl ScenarioError {
    /// The key path the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Io { .. } => None,
            ScenarioError::Invalid { key, .. } | ScenarioError::Trace { key, .. } => Some(key),
        }
    }
}
