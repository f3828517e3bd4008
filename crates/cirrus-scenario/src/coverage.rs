//! Traces shorter than the run.
//!
//! A trace whose samples end before the simulated duration (or, for a VM that leaves, before
//! it leaves) holds its last value to the end: the run goes on, but part of it is not the
//! workload the user gave. Loading finds every such trace ([`Scenario::short_traces`]);
//! the command line reports them as warnings, and as an error with `--strict`.
//!
//! [`Scenario::short_traces`]: crate::Scenario::short_traces

use std::fmt;
use std::path::{Path, PathBuf};

use cirrus::simulation::VmLifetime;
use cirrus::workload::UtilizationTrace;

/// Where a workload's traces came from, to name the file of a short one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TraceFiles {
    /// One file per trace in this folder, named after the trace (PlanetLab).
    OnePerTrace(PathBuf),
    /// All traces from this file or folder (one VM id per trace).
    Shared(PathBuf),
    /// Generated to the run's length: never short.
    Generated,
}

/// One trace that ends before the run needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortTrace {
    /// The trace's file (for formats with many VMs per file, that file or folder).
    pub file: PathBuf,
    /// The trace's name: its file name (PlanetLab) or the VM's id.
    pub trace: String,
    /// Samples in the trace.
    pub samples: usize,
    /// Seconds between samples.
    pub interval_s: f64,
    /// Seconds the samples cover (`samples × interval_s`).
    pub covered_s: f64,
    /// When the samples end, seconds of simulated time (the VM's arrival + `covered_s`).
    pub end_s: f64,
    /// Until when the run needs the trace, seconds: the duration, or the VM's departure if
    /// earlier.
    pub needed_s: f64,
}

impl fmt::Display for ShortTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.file.file_name().and_then(|n| n.to_str()) != Some(self.trace.as_str()) {
            write!(f, " (trace {})", self.trace)?;
        }
        write!(
            f,
            ": {} samples × {} s = {} s",
            self.samples, self.interval_s, self.covered_s
        )?;
        let start_s = self.end_s - self.covered_s;
        if start_s == 0.0 {
            write!(f, ", shorter than the {} s the run needs", self.needed_s)
        } else {
            write!(
                f,
                " from {start_s} s, ending at {} s, before the {} s the run needs",
                self.end_s, self.needed_s
            )
        }
    }
}

/// The traces of `traces` that end before `duration_s` (or their VM's departure, with
/// `lifetimes` one per trace). Equal is not short: 288 samples × 300 s cover a 86 400 s run.
pub(crate) fn short_traces(
    files: &TraceFiles,
    traces: &[UtilizationTrace],
    lifetimes: Option<&[VmLifetime]>,
    duration_s: f64,
) -> Vec<ShortTrace> {
    let file = |name: &str| -> Option<PathBuf> {
        match files {
            TraceFiles::OnePerTrace(dir) => Some(dir.join(name)),
            TraceFiles::Shared(path) => Some(Path::to_path_buf(path)),
            TraceFiles::Generated => None,
        }
    };
    traces
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let departure = lifetimes.and_then(|l| l.get(i)).and_then(|l| l.departure_s);
            let needed_s = departure.map_or(duration_s, |d| d.min(duration_s));
            let end_s = t.start_s() + t.duration_s();
            (end_s < needed_s).then_some(())?;
            Some(ShortTrace {
                file: file(t.name())?,
                trace: t.name().to_string(),
                samples: t.samples().len(),
                interval_s: t.interval_s(),
                covered_s: t.duration_s(),
                end_s,
                needed_s,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(samples: usize) -> UtilizationTrace {
        UtilizationTrace::new("vm-a", 300.0, vec![0.5; samples]).unwrap()
    }

    #[test]
    fn a_full_day_is_not_short_and_a_cut_one_is() {
        let files = TraceFiles::OnePerTrace(PathBuf::from("day"));
        assert!(short_traces(&files, &[trace(288)], None, 86_400.0).is_empty());
        let short = short_traces(&files, &[trace(288), trace(100)], None, 86_400.0);
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].samples, 100);
        assert_eq!(short[0].covered_s, 30_000.0);
        assert_eq!(
            short[0].to_string(),
            "day/vm-a: 100 samples × 300 s = 30000 s, shorter than the 86400 s the run needs"
        );
        assert!(short_traces(&TraceFiles::Generated, &[trace(1)], None, 86_400.0).is_empty());
    }

    #[test]
    fn a_vm_that_leaves_needs_its_trace_only_until_then() {
        let files = TraceFiles::Shared(PathBuf::from("azure.csv"));
        let leaves = |d: f64| VmLifetime {
            arrival_s: 0.0,
            departure_s: Some(d),
        };
        assert!(short_traces(&files, &[trace(10)], Some(&[leaves(3_000.0)]), 86_400.0).is_empty());
        let short = short_traces(&files, &[trace(10)], Some(&[leaves(3_600.0)]), 86_400.0);
        assert_eq!(short[0].needed_s, 3_600.0);
        assert_eq!(
            short[0].to_string(),
            "azure.csv (trace vm-a): 10 samples × 300 s = 3000 s, shorter than the 3600 s the run needs"
        );
        let late = trace(10).starting_at(600.0);
        let short = short_traces(&files, &[late], None, 86_400.0);
        assert_eq!(
            short[0].to_string(),
            "azure.csv (trace vm-a): 10 samples × 300 s = 3000 s from 600 s, ending at 3600 s, \
             before the 86400 s the run needs"
        );
    }
}
