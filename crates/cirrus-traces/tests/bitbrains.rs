//! Bitbrains GWA-T-12 reader: hand-computed expectations on the fixture
//! `tests/data/bitbrains/`, column choice, sizes, rebasing, every
//! malformed-line class with its file:line, and the limits.

mod common;

use std::path::PathBuf;

use cirrus_traces::{
    BITBRAINS_INTERVAL_S, BitbrainsCpu, BitbrainsOptions, BitbrainsTrace, Duplicates, Gaps, OverCapacity,
    TraceFileError, TraceLimits, TracedVm, WorkloadTrace, list_bitbrains_files, read_bitbrains,
};
use common::{assert_error, assert_sane, data, files, names};

const HEADER: &str = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t\
                      CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\t\
                      Disk read throughput [KB/s];\tDisk write throughput [KB/s];\t\
                      Network received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

/// A valid line at `t` with 2 cores of 1000 MHz, half used, 1 GB half used.
fn line(t: u64) -> String {
    format!("{t};\t2;\t2000;\t1000;\t50;\t1048576;\t524288;\t0;\t0;\t0;\t0\n")
}

fn fixture_files() -> Vec<PathBuf> {
    list_bitbrains_files(&data("bitbrains"), &TraceLimits::default()).unwrap()
}

fn read_one(
    body: &str,
    options: &BitbrainsOptions,
) -> (tempfile::TempDir, PathBuf, Result<Vec<TracedVm>, TraceFileError>) {
    let contents = format!("{HEADER}{body}");
    let (dir, paths) = files(&[("7.csv", contents.as_bytes())]);
    let result = read_bitbrains(&paths, options);
    (dir, paths[0].clone(), result)
}

/// The error for a file of the header + `body`, asserted on `line` (the
/// header is line 1).
#[track_caller]
fn line_error(body: &str, line: usize, needles: &[&str]) {
    let (_dir, path, result) = read_one(body, &BitbrainsOptions::default());
    assert_error(&result.unwrap_err(), &path, Some(line), needles);
}

// ---------------------------------------------------------------- valid input

#[test]
fn fixture_sizes_utilisation_and_rebased_times() {
    let vms = read_bitbrains(&fixture_files(), &BitbrainsOptions::default()).unwrap();
    assert_sane(&vms);
    assert_eq!(names(&vms), ["1", "2"]);
    let (one, two) = (&vms[0], &vms[1]);

    // 1.csv: 2 × 2000 MHz, 4 GB; samples at +0, +300, +901 s (jitter: grid
    // point 3), grid point 2 held.
    assert_eq!(
        (one.cores, one.mips_per_core, one.ram_mb),
        (Some(2), Some(2000.0), Some(4096.0))
    );
    assert_eq!(one.utilization.samples(), [0.25, 0.75, 0.75, 0.1]);
    assert_eq!(
        one.memory_utilization.as_ref().unwrap().samples(),
        [0.25, 0.5, 0.5, 0.0]
    );
    assert_eq!(one.utilization.interval_s(), BITBRAINS_INTERVAL_S);
    assert_eq!((one.arrival_s, one.departure_s), (0.0, Some(1200.0)));

    // 2.csv (CRLF): 8000 MHz on 4 cores, then 4000 MHz: sized at 8000 MHz, 2 GB.
    assert_eq!(
        (two.cores, two.mips_per_core, two.ram_mb),
        (Some(4), Some(2000.0), Some(2048.0))
    );
    assert_eq!(two.utilization.samples(), [0.25, 0.5]);
    assert_eq!(two.memory_utilization.as_ref().unwrap().samples(), [1.0, 0.5]);
    assert_eq!((two.arrival_s, two.departure_s), (600.0, Some(1200.0)));
}

#[test]
fn percent_column_agrees_and_rebasing_is_optional() {
    let options = BitbrainsOptions {
        cpu: BitbrainsCpu::UsagePercent,
        rebase: false,
        ..BitbrainsOptions::default()
    };
    let vms = read_bitbrains(&fixture_files(), &options).unwrap();
    assert_eq!(vms[0].utilization.samples(), [0.25, 0.75, 0.75, 0.1]);
    // 100 % of 4000 MHz = half of the VM's 8000 MHz.
    assert_eq!(vms[1].utilization.samples(), [0.25, 0.5]);
    assert_eq!(vms[0].arrival_s, 1_000_000_000.0);
    assert_eq!(vms[1].departure_s, Some(1_000_001_200.0));

    let trace = BitbrainsTrace {
        files: fixture_files(),
        options: BitbrainsOptions::default(),
    };
    assert_eq!(
        trace.read().unwrap(),
        read_bitbrains(&fixture_files(), &BitbrainsOptions::default()).unwrap()
    );
}

#[test]
fn listing_is_numeric_then_by_name() {
    let (_dir, paths) = files(&[
        ("10.csv", b""),
        ("2.csv", b""),
        ("a.csv", b""),
        ("notes.txt", b""),
        (".5.csv", b""),
    ]);
    let dir = paths[0].parent().unwrap();
    let listed = list_bitbrains_files(dir, &TraceLimits::default()).unwrap();
    assert_eq!(listed, [paths[1].clone(), paths[0].clone(), paths[2].clone()]);
}

#[test]
fn gaps_duplicates_and_headerless_files() {
    let body = format!("{}{}{}", line(0), line(0), line(900));
    let (_dir, path, result) = read_one(&body, &BitbrainsOptions::default());
    let first = format!("{}:2", path.display());
    assert_error(&result.unwrap_err(), &path, Some(3), &["second reading", &first]);

    let options = BitbrainsOptions {
        duplicates: Duplicates::LastWins,
        gaps: Gaps::Zero,
        ..BitbrainsOptions::default()
    };
    let (_dir, _path, result) = read_one(&body, &options);
    assert_eq!(result.unwrap()[0].utilization.samples(), [0.5, 0.0, 0.0, 0.5]);

    let options = BitbrainsOptions {
        gaps: Gaps::Error,
        ..BitbrainsOptions::default()
    };
    let (_dir, path, result) = read_one(&format!("{}{}", line(0), line(900)), &options);
    assert_error(&result.unwrap_err(), &path, Some(3), &["2 missing sample(s)"]);

    let options = BitbrainsOptions {
        has_header: false,
        ..BitbrainsOptions::default()
    };
    let (_dir, paths) = files(&[("h.csv", line(0).as_bytes())]);
    assert_eq!(
        read_bitbrains(&paths, &options).unwrap()[0].utilization.samples(),
        [0.5]
    );
}

#[test]
fn over_capacity_is_an_error_or_clamped() {
    let over_mhz = "0;2;2000;2500;50;1048576;524288;0;0;0;0\n";
    line_error(
        over_mhz,
        2,
        &[
            "column 4 (CPU usage [MHZ])",
            "2500 MHz is above the provisioned 2000 MHz",
        ],
    );
    line_error(
        "0;2;2000;1000;120;1048576;524288;0;0;0;0\n",
        2,
        &["column 5 (CPU usage [%])", "above"],
    );
    line_error(
        "0;2;2000;1000;50;1048576;2000000;0;0;0;0\n",
        2,
        &["column 7 (Memory usage [KB])", "above"],
    );
    let options = BitbrainsOptions {
        over_capacity: OverCapacity::Clamp,
        ..BitbrainsOptions::default()
    };
    let (_dir, _path, result) = read_one(over_mhz, &options);
    assert_eq!(result.unwrap()[0].utilization.samples(), [1.0]);
}

#[test]
fn zero_memory_means_no_memory_hint() {
    let (_dir, _path, result) = read_one("0;1;1000;10;1;0;0;0;0;0;0\n", &BitbrainsOptions::default());
    let vm = &result.unwrap()[0];
    assert_eq!((vm.ram_mb, vm.memory_utilization.as_ref()), (None, None));
    assert_eq!(vm.utilization.samples(), [0.01]);
}

// ---------------------------------------------------------------- malformed

#[test]
fn malformed_lines_name_file_and_line() {
    let (_dir, paths) = files(&[("1.csv", line(0).as_bytes())]);
    let err = read_bitbrains(&paths, &BitbrainsOptions::default()).unwrap_err();
    assert_error(&err, &paths[0], Some(1), &["expected the GWA-T-12 header"]);

    line_error(
        "0;2;2000;1000;50;1048576;524288;0;0;0\n",
        2,
        &["expected 11 columns", "found 10"],
    );
    line_error(
        &format!("{}0;2;x;1000;50;1048576;524288;0;0;0;0\n", line(0)),
        3,
        &["column 3 (CPU capacity provisioned [MHZ])", "expected a number"],
    );
    line_error(
        "0;2;2000;1000;50;1048576;524288;0;nan;0;0\n",
        2,
        &["column 9", "finite"],
    );
    line_error(
        "0;2;2000;1000;50;1048576;524288;0;0;-1;0\n",
        2,
        &["column 10", "negative"],
    );
    line_error(
        "0;0;2000;1000;50;1048576;524288;0;0;0;0\n",
        2,
        &["column 2 (CPU cores)", "≥ 1"],
    );
    line_error(
        "0;1.5;2000;1000;50;1048576;524288;0;0;0;0\n",
        2,
        &["column 2 (CPU cores)", "whole number"],
    );
    line_error(
        "0;2;0;0;0;1048576;524288;0;0;0;0\n",
        2,
        &["column 3", "needs some CPU"],
    );
    line_error(
        &format!("{}{}", line(600), line(300)),
        3,
        &["goes backwards", "line 2"],
    );
    line_error(
        &format!("{}\u{1}{}", line(0), line(300)),
        3,
        &["column 1", "expected a number"],
    );

    let (_dir, path, result) = read_one("\n", &BitbrainsOptions::default());
    assert_error(&result.unwrap_err(), &path, None, &["no samples"]);
}

#[test]
fn limits_refuse_with_a_clear_message() {
    let body = format!("{}{}{}", line(0), line(300), line(600));
    let run = |limits: TraceLimits| {
        let options = BitbrainsOptions {
            limits,
            ..BitbrainsOptions::default()
        };
        let (_dir, path, result) = read_one(&body, &options);
        (path, result.unwrap_err())
    };
    let (p, err) = run(TraceLimits {
        max_records: 2,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(4), &["max_records"]);
    let (p, err) = run(TraceLimits {
        max_samples_per_vm: 2,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(4), &["max_samples_per_vm"]);
    let (p, err) = run(TraceLimits {
        max_vms: 0,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_vms"]);
    let (p, err) = run(TraceLimits {
        max_line_bytes: 100,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(1), &["max_line_bytes"]);
    let (p, err) = run(TraceLimits {
        max_file_bytes: 100,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_file_bytes"]);
}
