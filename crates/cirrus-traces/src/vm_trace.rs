//! The format-independent result of reading a workload trace: one [`TracedVm`]
//! per VM, plus the options every reader shares.
//!
//! # Time base
//! A [`TracedVm`] lives in *trace time*: seconds on the trace's own clock
//! (Azure and the Google trace count from their own origin; SWF from the log's
//! start; Bitbrains is rebased so that its first sample is at 0 — see each
//! reader). The VM exists from [`arrival_s`](TracedVm::arrival_s) until
//! [`departure_s`](TracedVm::departure_s) (or for ever when that is `None`), and
//! its [`utilization`](TracedVm::utilization) trace is *relative to its
//! arrival*: the VM's demand at trace time `t` is
//! `utilization.utilization_at(t - arrival_s)` × the VM's capacity, which
//! [`TracedVm::utilization_at`] computes. Past its last sample a trace holds
//! its last value ([`UtilizationTrace`]'s rule). [`rebase`] shifts a set of
//! VMs so that the earliest arrival is at 0.
//!
//! # Size hints
//! Formats that record a VM's size give it in [`cores`](TracedVm::cores),
//! [`mips_per_core`](TracedVm::mips_per_core) (MHz where the format gives
//! MHz) and [`ram_mb`](TracedVm::ram_mb); the others leave them `None`, and
//! the scenario decides the VM's size. Utilisation is always a fraction of
//! the VM's *whole* CPU capacity (all its cores).

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::report::{LoadReport, LoadedTrace};

/// One VM read from a workload trace: when it lives, what it asks for, and
/// the size the trace gives it (if any). See the [module docs](self) for the
/// time base.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedVm {
    /// The VM's name in the trace (file name, VM id, `job-task`, job number).
    pub name: String,
    /// CPU demand as a fraction (0..=1) of the VM's CPU capacity, sampled at a
    /// fixed interval; sample 0 is at [`arrival_s`](Self::arrival_s).
    pub utilization: UtilizationTrace,
    /// Memory in use as a fraction (0..=1) of the VM's memory, on the same
    /// time base as [`utilization`](Self::utilization), when the format
    /// records memory.
    pub memory_utilization: Option<UtilizationTrace>,
    /// Trace time (s) at which the VM appears.
    pub arrival_s: f64,
    /// Trace time (s) at which the VM leaves; `None`: it stays to the end of
    /// the simulation. Never before [`arrival_s`](Self::arrival_s).
    pub departure_s: Option<f64>,
    /// Number of virtual cores, when the format records it.
    pub cores: Option<u32>,
    /// Speed of one core (MHz or MIPS, as the format gives it), when recorded.
    pub mips_per_core: Option<f64>,
    /// Memory size (MB = 2²⁰ bytes), when recorded.
    pub ram_mb: Option<f64>,
}

impl TracedVm {
    /// A VM that is there from trace time 0 for ever, with no size hints: how
    /// a PlanetLab trace (or any bare [`UtilizationTrace`]) is a `TracedVm`.
    pub fn from_utilization(utilization: UtilizationTrace) -> Self {
        Self {
            name: utilization.name().to_owned(),
            utilization,
            memory_utilization: None,
            arrival_s: 0.0,
            departure_s: None,
            cores: None,
            mips_per_core: None,
            ram_mb: None,
        }
    }

    /// Seconds between arrival and departure; `None` if the VM never leaves.
    pub fn lifetime_s(&self) -> Option<f64> {
        self.departure_s.map(|d| d - self.arrival_s)
    }

    /// Whether the VM exists at trace time `t_s`: `arrival_s <= t_s <
    /// departure_s`.
    pub fn is_alive_at(&self, t_s: f64) -> bool {
        t_s >= self.arrival_s && self.departure_s.is_none_or(|d| t_s < d)
    }

    /// CPU utilisation at trace time `t_s` (the trace read `t_s - arrival_s`
    /// seconds after its first sample). It does not check that the VM is
    /// alive: see [`is_alive_at`](Self::is_alive_at).
    pub fn utilization_at(&self, t_s: f64) -> f64 {
        self.utilization.utilization_at(t_s - self.arrival_s)
    }
}

impl From<UtilizationTrace> for TracedVm {
    fn from(trace: UtilizationTrace) -> Self {
        Self::from_utilization(trace)
    }
}

/// A trace source that yields [`TracedVm`]s, so that formats are
/// interchangeable: each reader's `…Trace` struct (paths + options)
/// implements it.
pub trait WorkloadTrace {
    /// Reads the whole trace, with the report of what was read, skipped and
    /// resolved. Stops at the first problem, which names the file and, where
    /// there is one, the 1-based line.
    fn load(&self) -> Result<LoadedTrace, TraceFileError>;

    /// The VMs of [`load`](Self::load), without the report.
    fn read(&self) -> Result<Vec<TracedVm>, TraceFileError> {
        self.load().map(|l| l.vms)
    }
}

/// Shifts every VM so that the earliest arrival is at trace time 0 and
/// returns the shift (the old earliest arrival, in seconds); `0.0` for an
/// empty slice. Utilisation traces are relative to arrival and do not change.
pub fn rebase(vms: &mut [TracedVm]) -> f64 {
    let Some(origin) = vms.iter().map(|v| v.arrival_s).reduce(f64::min) else {
        return 0.0;
    };
    for vm in vms.iter_mut() {
        vm.arrival_s -= origin;
        if let Some(d) = vm.departure_s.as_mut() {
            *d -= origin;
        }
    }
    origin
}

/// Which part of a trace to load: a time window and a deterministic sample
/// of its VMs, so that a month of a subset fits where the whole month would
/// not. Readings and VMs left out never count against the [`TraceLimits`].
///
/// Times are on the trace's own clock, before any [`rebase`]: seconds since
/// the trace's start for Azure, Google (its µs ÷ 10⁶) and SWF (a job's
/// arrival), Unix seconds for Bitbrains.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subset {
    /// Readings (SWF: job arrivals) before this time are left out.
    pub start_s: Option<f64>,
    /// Readings (SWF: job arrivals) at or after this time are left out, and
    /// every departure after it is moved to it.
    pub end_s: Option<f64>,
    /// Keep only a sample of the VMs.
    pub sample: Option<VmSample>,
}

/// A deterministic sample of a trace's VMs, chosen by a hash of each VM's
/// name ([`vm_hash`]) so that the same VMs come back for every seed and
/// every run, and a smaller sample is part of a larger one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VmSample {
    /// The VMs whose hash, as a fraction of 2⁶⁴, is below this (in (0, 1]):
    /// about this fraction of them, decided VM by VM while reading.
    Fraction(f64),
    /// The this-many VMs with the smallest hashes (all if there are fewer),
    /// chosen after reading.
    Count(usize),
}

/// The hash that samples VMs: 64-bit FNV-1a of the name's bytes, then the
/// SplitMix64 finaliser to spread it. Stable across versions and platforms.
pub fn vm_hash(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in name.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

impl Subset {
    /// Whether a reading at `t_s` is inside the window.
    pub(crate) fn in_window(&self, t_s: f64) -> bool {
        self.start_s.is_none_or(|s| t_s >= s) && self.end_s.is_none_or(|e| t_s < e)
    }

    /// Whether VM `name` can be in the sample: always, except outside a
    /// [`VmSample::Fraction`].
    pub(crate) fn may_keep(&self, name: &str) -> bool {
        match self.sample {
            Some(VmSample::Fraction(f)) => ((vm_hash(name) >> 11) as f64 / (1u64 << 53) as f64) < f,
            _ => true,
        }
    }

    /// Checks the subset (`first` names the trace in messages).
    pub(crate) fn check(&self, first: &std::path::Path) -> Result<(), TraceFileError> {
        let bad = |m: String| Err(TraceFileError::new(first, m));
        for (name, t) in [("start_s", self.start_s), ("end_s", self.end_s)] {
            if let Some(t) = t
                && !t.is_finite()
            {
                return bad(format!("{name} = {t} must be a finite time"));
            }
        }
        if let (Some(s), Some(e)) = (self.start_s, self.end_s)
            && e <= s
        {
            return bad(format!("end_s = {e} must be after start_s = {s}"));
        }
        match self.sample {
            Some(VmSample::Fraction(f)) if !(f > 0.0 && f <= 1.0) => {
                bad(format!("the sample fraction {f} must be in (0, 1]"))
            }
            Some(VmSample::Count(0)) => bad("the sample count must be at least 1".into()),
            _ => Ok(()),
        }
    }

    /// After reading: keeps a [`VmSample::Count`] sample (in the VMs' order)
    /// and moves departures after `end_s` to it; counts in `report`.
    pub(crate) fn finish(&self, vms: &mut Vec<TracedVm>, report: &mut LoadReport) {
        if let Some(VmSample::Count(n)) = self.sample
            && vms.len() > n
        {
            let mut order: Vec<(u64, usize)> = vms
                .iter()
                .enumerate()
                .map(|(i, v)| (vm_hash(&v.name), i))
                .collect();
            order.sort_unstable();
            let mut keep = vec![false; vms.len()];
            for &(_, i) in &order[..n] {
                keep[i] = true;
            }
            report.vms_not_sampled += (vms.len() - n) as u64;
            let mut i = 0;
            vms.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        if let Some(end) = self.end_s {
            for v in vms.iter_mut() {
                if let Some(d) = v.departure_s.as_mut()
                    && *d > end
                {
                    *d = end.max(v.arrival_s);
                }
            }
        }
    }
}

/// What to do with two readings of one VM that fall on the same sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// Refuse the trace, naming the second reading's file and line and the
    /// first's (the default).
    #[default]
    Error,
    /// Keep the one that comes last in the input (files in the order given,
    /// lines in file order).
    LastWins,
}

/// What to do with missing samples between a VM's first and last reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gaps {
    /// Repeat the previous sample (the default): a monitoring hiccup, not an
    /// idle VM.
    #[default]
    Hold,
    /// Fill with 0 (the VM used nothing).
    Zero,
    /// Refuse the trace, naming the reading after the gap.
    Error,
}

/// What to do with a usage above the capacity it is a fraction of (a CPU
/// percentage above 100, usage MHz above provisioned MHz, usage above a fixed
/// capacity, CPU time above run time). Every such reading is counted in the
/// [`LoadReport`], whatever the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverCapacity {
    /// Refuse the trace, naming the line (the default of the readers whose
    /// capacity is a fixed 100 %: Azure, Google, SWF).
    #[default]
    Error,
    /// Cap the utilisation at 1 (the VM cannot use more than its size).
    Clamp,
    /// Keep the usage as measured. Bitbrains (whose rows carry the VM's
    /// size) sizes the VM to its peak usage when that is above its
    /// provisioned capacity, so that no sample is cut; the formats whose
    /// capacity is a fixed 100 % (Azure, Google, SWF) cannot express more
    /// than 1 and clamp, counting the reading as clamped.
    Keep,
}

/// Limits shared by the Azure, Google, Bitbrains and SWF readers, so that a
/// wrong path (a directory of unrelated files, a binary file, `/dev/zero`)
/// fails fast with a clear message instead of reading for a long time or
/// exhausting memory. Each limit is named in the error that it causes. The
/// defaults are above the real datasets' sizes where one file or one VM is
/// concerned; [`max_sample_mb`](Self::max_sample_mb) bounds the memory that
/// what is kept takes while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLimits {
    /// At most this many files in one trace (directory listing or list).
    pub max_files: usize,
    /// No file larger than this many bytes is read.
    pub max_file_bytes: u64,
    /// No line longer than this many bytes (without its line end) is read.
    pub max_line_bytes: usize,
    /// At most this many data records (readings, usage records, samples,
    /// jobs) kept in total over all files of one trace (records a
    /// [`Subset`] leaves out do not count).
    pub max_records: usize,
    /// At most this many MiB (2²⁰ bytes) held for what is kept while
    /// reading, counted as it is taken: Azure 4 bytes a sample slot (gaps
    /// included) of a VM whose readings come in time order on the grid, 12
    /// a reading of a VM whose readings do not; Google, Bitbrains and SWF
    /// the size of the state they hold per record or job (a few dozen to a
    /// hundred-odd bytes). Records a [`Subset`] leaves out do not count. The loaded
    /// samples take at most as much as the Azure count (4 bytes a sample).
    pub max_sample_mb: u64,
    /// At most this many VMs.
    pub max_vms: usize,
    /// At most this many samples in one VM's utilisation trace, gaps
    /// included.
    pub max_samples_per_vm: usize,
    /// Read named pipes (FIFOs) as streams, as well as regular files
    /// (default `false`: a FIFO is refused, since opening one with no writer
    /// blocks for ever). With it, a trace too large for the disk can be
    /// generated or decompressed on the fly into pipes named like its files;
    /// the readers only stream, never seek, and the size limits apply to the
    /// bytes as they come.
    pub read_pipes: bool,
}

impl TraceLimits {
    /// 100 000 files: Bitbrains' largest set has 1 250 files, Azure V2 195
    /// reading files, the Google 2011 `task_usage` table 500.
    pub const DEFAULT_MAX_FILES: usize = 100_000;
    /// 4 GiB: an Azure V2 reading file is about 0.8 GB uncompressed (159 GB
    /// over 195 files, AzurePublicDatasetV2.md).
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 << 30;
    /// 64 KiB: the longest real lines (Google `task_usage`, 20 columns) are
    /// under 300 bytes.
    pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 10;
    /// 2³² = 4 294 967 296 records (`usize::MAX` where that is less): a
    /// count above the datasets' (Azure V2's 195 reading files of ~10
    /// million readings are ~2 billion), so that the byte limit
    /// ([`DEFAULT_MAX_SAMPLE_MB`](Self::DEFAULT_MAX_SAMPLE_MB)) is what
    /// bounds memory.
    pub const DEFAULT_MAX_RECORDS: usize = (u32::MAX as usize).saturating_add(1);
    /// 16 GiB: a whole Azure-format month of ~490 000 VMs (8 640 samples of
    /// 4 bytes each; 100 000 VMs hold 3.5 GB); lower it on a machine with
    /// less memory (the process's peak is about 1.3 times what is held).
    pub const DEFAULT_MAX_SAMPLE_MB: u64 = 16 << 10;
    /// 2²² = 4 194 304 VMs: Azure V2 has 2 695 548 VMs (AzurePublicDatasetV2.md).
    pub const DEFAULT_MAX_VMS: usize = 1 << 22;
    /// 2²⁰ = 1 048 576 samples: about 10 years at 300 s (Azure's 30 days are
    /// 8 640 samples).
    pub const DEFAULT_MAX_SAMPLES_PER_VM: usize = 1 << 20;
}

impl Default for TraceLimits {
    fn default() -> Self {
        Self {
            max_files: Self::DEFAULT_MAX_FILES,
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
            max_line_bytes: Self::DEFAULT_MAX_LINE_BYTES,
            max_records: Self::DEFAULT_MAX_RECORDS,
            max_sample_mb: Self::DEFAULT_MAX_SAMPLE_MB,
            max_vms: Self::DEFAULT_MAX_VMS,
            max_samples_per_vm: Self::DEFAULT_MAX_SAMPLES_PER_VM,
            read_pipes: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(arrival_s: f64, departure_s: Option<f64>) -> TracedVm {
        let trace = UtilizationTrace::new("v", 300.0, vec![0.2, 0.4]).unwrap();
        TracedVm {
            arrival_s,
            departure_s,
            ..TracedVm::from_utilization(trace)
        }
    }

    #[test]
    fn utilisation_is_relative_to_arrival() {
        let v = vm(1000.0, Some(2000.0));
        assert_eq!(v.utilization_at(1000.0), 0.2);
        assert_eq!(v.utilization_at(1300.0), 0.4);
        assert!(v.is_alive_at(1000.0) && v.is_alive_at(1999.0));
        assert!(!v.is_alive_at(999.0) && !v.is_alive_at(2000.0));
        assert_eq!(v.lifetime_s(), Some(1000.0));
        assert!(vm(0.0, None).is_alive_at(1e12));
    }

    #[test]
    fn rebase_moves_the_earliest_arrival_to_zero() {
        let mut vms = vec![vm(500.0, Some(900.0)), vm(200.0, None)];
        assert_eq!(rebase(&mut vms), 200.0);
        assert_eq!(vms[0].arrival_s, 300.0);
        assert_eq!(vms[0].departure_s, Some(700.0));
        assert_eq!(vms[1].arrival_s, 0.0);
        assert_eq!(rebase(&mut []), 0.0);
    }
}
