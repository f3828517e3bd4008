//! The one error type shared by every trace reader.

use std::fmt;
use std::path::{Path, PathBuf};

/// A trace file (or directory, or order file) that could not be read.
///
/// Every reader reports problems with this type so that the CLI and the
/// scenario layer can print them uniformly, in the `path:line: message` form
/// that editors and terminals recognise as a jump-to location. It always
/// names the file; `line` is set whenever the problem is on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {}", path.display(), LineSuffix(*line), message)]
pub struct TraceFileError {
    /// The file or directory the problem is in.
    pub path: PathBuf,
    /// The 1-based line of `path` the problem is on, if it is on one line.
    pub line: Option<usize>,
    /// What is wrong, without the location.
    pub message: String,
}

impl TraceFileError {
    /// An error about `path` as a whole (`path: message`).
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            message: message.into(),
        }
    }

    /// An error on 1-based line `line` of `path` (`path:line: message`).
    pub fn at_line(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// An I/O failure while doing `what` (e.g. "cannot read file") on `path`.
    pub(crate) fn io(path: &Path, what: &str, err: &std::io::Error) -> Self {
        Self::new(path, format!("{what}: {err}"))
    }
}

/// Formats `:line` when there is a line, nothing otherwise.
struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_path_line_message() {
        let e = TraceFileError::at_line("dir/a b", 17, "bad");
        assert_eq!(e.to_string(), "dir/a b:17: bad");
        let e = TraceFileError::new("dir", "not found");
        assert_eq!(e.to_string(), "dir: not found");
    }
}
