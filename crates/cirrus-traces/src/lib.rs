//! Readers for workload trace files.
//!
//! The cloud model (`cirrus`) knows nothing about files: it consumes
//! [`UtilizationTrace`]s. This crate turns trace files into them, one module
//! per trace format, all reporting problems as a [`TraceFileError`] that names
//! the file and, where there is one, the 1-based line.
//!
//! Formats:
//! - [`planetlab`]: the PlanetLab/CoMon CPU-utilisation days shipped with
//!   CloudSim (one file per VM, one integer percent per line, 300 s apart).
//! - [`failures`]: host failure traces (host, start, end, kind, warning).
//!
//! [`UtilizationTrace`]: cirrus::workload::UtilizationTrace

pub mod error;
pub mod failures;
pub mod planetlab;

pub use error::TraceFileError;
pub use failures::{parse_failure_trace, read_failure_trace};
pub use planetlab::{
    PLANETLAB_INTERVAL_S, PLANETLAB_SAMPLES_PER_DAY, PlanetLabOptions, list_planetlab_files, read_planetlab,
    read_planetlab_file, read_planetlab_with,
};
