//! Helpers shared by the format tests.
// Each test binary uses a different subset.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use cirrus_traces::{TraceFileError, TracedVm};
use tempfile::TempDir;

/// The shipped fixture `tests/data/<rel>`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// A temporary directory holding `files` (name, contents), and their paths
/// in the order given.
pub fn files(contents: &[(&str, &[u8])]) -> (TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = contents
        .iter()
        .map(|(name, bytes)| {
            let p = dir.path().join(name);
            fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    (dir, paths)
}

/// Asserts that `err` is on `path`, `line`, and that its message contains
/// every one of `needles`.
#[track_caller]
pub fn assert_error(err: &TraceFileError, path: &Path, line: Option<usize>, needles: &[&str]) {
    assert_eq!(err.path, path, "{err}");
    assert_eq!(err.line, line, "{err}");
    for n in needles {
        assert!(err.message.contains(n), "{err:?} lacks {n:?}");
    }
    let shown = err.to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
}

/// Asserts that two float slices agree to 1e-7.
///
/// Readers of float datasets store samples as `f32`: each is within half
/// an `f32` step of the exact value (under 3·10⁻⁸ for fractions ≤ 1), so
/// hand-computed `f64` expectations agree to 10⁻⁷.
#[track_caller]
pub fn assert_close(actual: impl AsRef<[f64]>, expected: &[f64]) {
    let actual = actual.as_ref();
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-7, "{actual:?} vs {expected:?}");
    }
}

/// The VMs' names in order.
pub fn names(vms: &[TracedVm]) -> Vec<&str> {
    vms.iter().map(|v| v.name.as_str()).collect()
}

/// Checks what every successful read must give: utilisation in [0, 1],
/// finite times, departure not before arrival, non-empty names.
#[track_caller]
pub fn assert_sane(vms: &[TracedVm]) {
    assert!(!vms.is_empty());
    for v in vms {
        assert!(!v.name.is_empty());
        assert!(v.arrival_s.is_finite(), "{v:?}");
        if let Some(d) = v.departure_s {
            assert!(d.is_finite() && d >= v.arrival_s, "{v:?}");
        }
        for t in std::iter::once(&v.utilization).chain(v.memory_utilization.as_ref()) {
            assert!(!t.samples().is_empty());
            assert!(t.samples().iter().all(|x| (0.0..=1.0).contains(x)), "{v:?}");
            assert!(t.interval_s() > 0.0 && t.interval_s().is_finite());
        }
        assert!(v.cores.is_none_or(|c| c >= 1));
        assert!(v.mips_per_core.is_none_or(|m| m.is_finite() && m > 0.0));
        assert!(v.ram_mb.is_none_or(|m| m.is_finite() && m >= 0.0));
    }
}

/// `values` as a float dataset's reader stores them: each rounded to the
/// nearest `f32` (see `UtilizationTrace::rounded_to_f32`), so that a
/// hand-computed expectation compares exactly.
pub fn stored(values: &[f64]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v as f32)).collect()
}
