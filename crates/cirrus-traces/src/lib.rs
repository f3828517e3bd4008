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
//! - [`azure`]: the Azure Public Dataset VM traces (2017 V1, 2019 V2): 5-minute
//!   CPU readings of many VMs per file, plus the `vmtable` of lifetimes and sizes.
//! - [`google`]: the Google cluster-usage trace 2011 (`clusterdata-2011-2`)
//!   `task_usage` table: each task becomes a VM.
//! - [`bitbrains`]: the Bitbrains GWA-T-12 traces (fastStorage, Rnd): one
//!   `;`-separated file per VM with CPU, memory and the VM's size.
//! - [`swf`]: the Standard Workload Format of the Parallel Workloads Archive:
//!   each job becomes a VM that lives for the job's run time.
//!
//! # Compression
//! Every reader (PlanetLab days and order files, failure traces, Azure
//! readings and vmtable, Google `task_usage`, Bitbrains, SWF) reads a file
//! that starts with the gzip magic bytes `1f 8b` as gzip, whatever its name,
//! decompressing it while streaming (no temporary file; concatenated gzip
//! members are all read). Line numbers in errors are lines of the
//! decompressed text, and the size limits apply to the decompressed bytes.
//! Corrupt or truncated compressed data is an error naming the file (and the
//! line reached). Folder listings accept `name.csv.gz` where they accept
//! `name.csv`, and leave out a `name.gz` that sits next to its decompressed
//! `name`.
//!
//! Every format but PlanetLab's reads into [`TracedVm`]s — a utilisation trace
//! plus arrival, departure and the size hints the format records — through a
//! `…Trace` struct implementing [`WorkloadTrace`]; [`PlanetLabTrace`] adapts
//! PlanetLab days to the same interface.
//!
//! [`UtilizationTrace`]: cirrus::workload::UtilizationTrace

pub mod azure;
pub mod bitbrains;
pub mod error;
pub mod failures;
pub mod google;
mod grid_samples;
pub mod planetlab;
pub mod report;
mod source;
pub mod swf;
pub mod vm_trace;

pub use azure::{
    AZURE_INTERVAL_S, AzureCpu, AzureDeparture, AzureOptions, AzureTrace, list_azure_reading_files,
    load_azure, read_azure,
};
pub use bitbrains::{
    BITBRAINS_INTERVAL_S, BitbrainsCpu, BitbrainsOptions, BitbrainsTrace, BitbrainsZeroRows,
    list_bitbrains_files, load_bitbrains, read_bitbrains,
};
pub use error::TraceFileError;
pub use failures::{parse_failure_trace, read_failure_trace};
pub use google::{
    GOOGLE_WINDOW_S, GoogleCapacity, GoogleOptions, GoogleTrace, list_google_task_usage_files,
    load_google_task_usage, read_google_task_usage,
};
pub use planetlab::{
    PLANETLAB_INTERVAL_S, PLANETLAB_SAMPLES_PER_DAY, PlanetLabOptions, PlanetLabTrace, list_planetlab_files,
    read_planetlab, read_planetlab_file, read_planetlab_with,
};
pub use report::{LoadReport, LoadedTrace};
pub use swf::{SWF_ZERO_RUN_TIME_S, SwfArrival, SwfCores, SwfOptions, SwfTrace, load_swf, read_swf};
pub use vm_trace::{
    Duplicates, Gaps, OverCapacity, Subset, TraceLimits, TracedVm, VmSample, WorkloadTrace, rebase, vm_hash,
};
