//! Google 2011 `task_usage` reader: hand-computed window means on the fixture
//! `tests/data/google/`, capacities, gaps, every malformed-line class with its
//! file:line, and the limits.

mod common;

use std::path::PathBuf;

use cirrus_traces::{
    GOOGLE_WINDOW_S, Gaps, GoogleCapacity, GoogleOptions, GoogleTrace, OverCapacity, TraceFileError,
    TraceLimits, TracedVm, WorkloadTrace, list_google_task_usage_files, read_google_task_usage,
};
use common::{assert_close, assert_error, assert_sane, data, files, names};

fn fixture() -> PathBuf {
    data("google/part-00000-of-00001.csv")
}

/// The options before absolute utilisation became the default: each task
/// relative to its own peak, usage above a fixed capacity refused.
fn peak() -> GoogleOptions {
    GoogleOptions {
        cpu_capacity: GoogleCapacity::PerTaskPeak,
        memory_capacity: GoogleCapacity::PerTaskPeak,
        over_capacity: OverCapacity::Error,
        ..GoogleOptions::default()
    }
}

fn read_fixture(options: &GoogleOptions) -> Result<Vec<TracedVm>, TraceFileError> {
    read_google_task_usage(&[fixture()], options)
}

fn read_one(
    contents: &str,
    options: &GoogleOptions,
) -> (tempfile::TempDir, PathBuf, Result<Vec<TracedVm>, TraceFileError>) {
    let (dir, paths) = files(&[("part-00000-of-00001.csv", contents.as_bytes())]);
    let result = read_google_task_usage(&paths, options);
    (dir, paths[0].clone(), result)
}

#[track_caller]
fn line_error(contents: &str, line: usize, needles: &[&str]) {
    let (_dir, path, result) = read_one(contents, &peak());
    assert_error(&result.unwrap_err(), &path, Some(line), needles);
}

// ---------------------------------------------------------------- valid input

#[test]
fn fixture_window_means_relative_to_each_tasks_peak() {
    let vms = read_fixture(&peak()).unwrap();
    assert_sane(&vms);
    // Task 3-1 appears second but arrives first (window 1, 300 s).
    assert_eq!(names(&vms), ["3-1", "1-0"]);
    let (t31, t10) = (&vms[0], &vms[1]);

    // 3-1: one 300 s record at 0.5 (the zero-length record at 330 s carries no
    // weight): its own peak, so 1.0. No memory value anywhere: no memory trace.
    assert_eq!(t31.utilization.samples(), [1.0]);
    assert!(t31.memory_utilization.is_none());
    assert_eq!((t31.arrival_s, t31.departure_s), (300.0, Some(600.0)));

    // 1-0: windows 2..=5 (600..1800 s).
    //   w2: 0.02 (mem 0.01); w3: (0.01·100 + 0.04·200)/300 = 0.03 (mem 0.02, the
    //   other record has none); w4: no record, held; w5: 0.05 (mem 0.04).
    //   Peaks 0.05 and 0.04.
    assert_close(t10.utilization.samples(), &[0.4, 0.6, 0.6, 1.0]);
    let memory = t10.memory_utilization.as_ref().unwrap();
    assert_close(memory.samples(), &[0.25, 0.5, 0.5, 1.0]);
    assert_eq!(t10.utilization.interval_s(), GOOGLE_WINDOW_S);
    assert_eq!(memory.interval_s(), GOOGLE_WINDOW_S);
    assert_eq!((t10.arrival_s, t10.departure_s), (600.0, Some(1800.0)));
    for v in &vms {
        assert_eq!((v.cores, v.ram_mb, v.mips_per_core), (None, None, None));
    }
}

#[test]
fn fixed_capacity_and_over_capacity() {
    let options = GoogleOptions {
        cpu_capacity: GoogleCapacity::Fixed(0.1),
        memory_capacity: GoogleCapacity::Fixed(0.08),
        ..peak()
    };
    // 3-1 uses 0.5 > 0.1: refused at its record (line 2).
    let err = read_fixture(&options).unwrap_err();
    assert_error(
        &err,
        &fixture(),
        Some(2),
        &["task 3-1", "CPU rate", "above the capacity 0.1", "over_capacity"],
    );

    let options = GoogleOptions {
        over_capacity: OverCapacity::Clamp,
        ..options
    };
    let vms = read_fixture(&options).unwrap();
    assert_sane(&vms);
    assert_eq!(vms[0].utilization.samples(), [1.0]);
    assert_close(vms[1].utilization.samples(), &[0.2, 0.3, 0.3, 0.5]);
    assert_close(
        vms[1].memory_utilization.as_ref().unwrap().samples(),
        &[0.125, 0.25, 0.25, 0.5],
    );
}

#[test]
fn gaps_zero_and_error() {
    let options = GoogleOptions {
        gaps: Gaps::Zero,
        ..peak()
    };
    let vms = read_fixture(&options).unwrap();
    assert_close(vms[1].utilization.samples(), &[0.4, 0.6, 0.0, 1.0]);
    assert_close(
        vms[1].memory_utilization.as_ref().unwrap().samples(),
        &[0.25, 0.5, 0.0, 1.0],
    );

    let options = GoogleOptions {
        gaps: Gaps::Error,
        ..peak()
    };
    // Window 4 of task 1-0 has no record: named at the record after it (line 6).
    let err = read_fixture(&options).unwrap_err();
    assert_error(
        &err,
        &fixture(),
        Some(6),
        &["task 1-0", "no CPU rate", "gaps = error"],
    );
}

#[test]
fn leading_windows_without_a_value_take_the_first_value_when_holding() {
    // Window 0 has only a memory value; CPU starts in window 1.
    let (_dir, _path, result) = read_one(
        "0,300000000,7,0,1,,0.5\n300000000,600000000,7,0,1,0.2,0.5\n",
        &peak(),
    );
    let vms = result.unwrap();
    assert_eq!(vms[0].utilization.samples(), [1.0, 1.0]);
    assert_eq!(vms[0].memory_utilization.as_ref().unwrap().samples(), [1.0, 1.0]);
    assert_eq!(vms[0].arrival_s, 0.0);
}

#[test]
fn an_idle_task_has_zero_utilisation() {
    let (_dir, _path, result) = read_one("0,300000000,7,0,1,0,0\n", &peak());
    let vms = result.unwrap();
    assert_eq!(vms[0].utilization.samples(), [0.0]);
    assert_eq!(vms[0].memory_utilization.as_ref().unwrap().samples(), [0.0]);
}

#[test]
fn window_length_is_an_option() {
    let options = GoogleOptions {
        window_s: 600.0,
        ..peak()
    };
    // 1-0 in 600 s windows: w1 (600..1200): (0.02·300 + 0.01·100 + 0.04·200)/600 = 0.025;
    // w2 (1200..1800): 0.05.
    let vms = read_fixture(&options).unwrap();
    assert_close(vms[1].utilization.samples(), &[0.5, 1.0]);
    assert_eq!(vms[1].utilization.interval_s(), 600.0);

    for bad in [0.0, -300.0, f64::NAN, 1e-9] {
        let options = GoogleOptions {
            window_s: bad,
            ..peak()
        };
        let err = read_fixture(&options).unwrap_err();
        assert_error(&err, &fixture(), None, &["window_s"]);
    }
    let options = GoogleOptions {
        cpu_capacity: GoogleCapacity::Fixed(0.0),
        ..peak()
    };
    assert_error(
        &read_fixture(&options).unwrap_err(),
        &fixture(),
        None,
        &["cpu_capacity"],
    );
}

#[test]
fn files_are_merged_and_listed_in_part_order() {
    let (_dir, paths) = files(&[
        ("part-00010-of-00500.csv", b"600000000,900000000,1,0,1,0.2,0.1\n"),
        ("part-00002-of-00500.csv", b"0,300000000,1,0,1,0.1,0.1\n"),
        ("task_events.csv", b"junk"),
        ("part-00003-of-00500.txt", b"junk"),
    ]);
    let dir = paths[0].parent().unwrap();
    let listed = list_google_task_usage_files(dir, &TraceLimits::default()).unwrap();
    assert_eq!(listed, [paths[1].clone(), paths[0].clone()]);
    let trace = GoogleTrace {
        files: listed,
        options: peak(),
    };
    let vms = trace.read().unwrap();
    // Windows 0, (1 held), 2.
    assert_eq!(vms[0].utilization.samples(), [0.5, 0.5, 1.0]);
}

// ---------------------------------------------------------------- malformed

#[test]
fn malformed_lines_name_file_and_line() {
    const OK: &str = "0,300000000,1,0,1,0.1,0.1\n";
    line_error(
        "0,300000000,1,0,1,0.1\n",
        1,
        &["expected 7 to 20 columns", "found 6"],
    );
    line_error(&format!("{OK}{}\n", ["0"; 21].join(",")), 2, &["found 21"]);
    line_error(
        "x,300000000,1,0,1,0.1,0.1\n",
        1,
        &["column 1 (start time)", "non-negative integer", "\"x\""],
    );
    line_error(
        "-1,300000000,1,0,1,0.1,0.1\n",
        1,
        &["column 1 (start time)", "\"-1\""],
    );
    line_error(
        "300000000,0,1,0,1,0.1,0.1\n",
        1,
        &["end time 0 µs is before start time 300000000 µs"],
    );
    line_error("0,300000000,1.5,0,1,0.1,0.1\n", 1, &["column 3 (job ID)"]);
    line_error("0,300000000,1,,1,0.1,0.1\n", 1, &["column 4 (task index)"]);
    line_error(
        "0,300000000,1,99999999999999999999999,1,0.1,0.1\n",
        1,
        &["column 4 (task index)"],
    );
    line_error(
        "0,300000000,1,0,1,NaN,0.1\n",
        1,
        &["column 6 (CPU rate)", "finite"],
    );
    line_error(
        "0,300000000,1,0,1,-0.1,0.1\n",
        1,
        &["column 6 (CPU rate)", "negative"],
    );
    line_error(
        "0,300000000,1,0,1,0.1,abc\n",
        1,
        &["column 7 (canonical memory usage)", "expected a number"],
    );
    line_error(
        "0,300000000,1,0,1,1e308,0.1\n",
        1,
        &["task 1-0", "CPU rate values too large"],
    );
    line_error(
        "0,300000000,1,0,1,0.1,0.1\n,,,,,,\n",
        2,
        &["column 1 (start time)"],
    );
    line_error(
        "0,300000000,1,0,1,,\n",
        1,
        &["task 1-0", "no record has a CPU rate"],
    );
    let (_dir, path, result) = read_one("\n\n", &peak());
    assert_error(&result.unwrap_err(), &path, None, &["no records"]);
}

#[test]
fn limits_refuse_with_a_clear_message() {
    let text = "0,300000000,1,0,1,0.1,0.1\n0,300000000,2,0,1,0.1,0.1\n1200000000,1500000000,1,0,1,0.1,0.1\n";
    let run = |limits: TraceLimits| {
        let options = GoogleOptions { limits, ..peak() };
        let (_dir, path, result) = read_one(text, &options);
        (path, result.unwrap_err())
    };
    let (p, err) = run(TraceLimits {
        max_records: 2,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(3), &["max_records"]);
    let (p, err) = run(TraceLimits {
        max_vms: 1,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(2), &["max_vms"]);
    let (p, err) = run(TraceLimits {
        max_samples_per_vm: 4,
        ..TraceLimits::default()
    });
    assert_error(
        &err,
        &p,
        Some(3),
        &["task 1-0", "4 windows after", "max_samples_per_vm"],
    );
    let (p, err) = run(TraceLimits {
        max_line_bytes: 20,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(1), &["max_line_bytes"]);
    let (p, err) = run(TraceLimits {
        max_file_bytes: 20,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_file_bytes"]);
}

#[test]
fn a_record_far_in_the_future_is_refused_before_allocating() {
    line_error(
        "0,300000000,1,0,1,0.1,0.1\n18000000000000000000,18000000000000000001,1,0,1,0.1,0.1\n",
        2,
        &["max_samples_per_vm"],
    );
}

#[test]
fn the_default_is_absolute_load_against_the_largest_machine() {
    // The fixture's rates are fractions of the largest machine: by default the
    // utilisation is the window mean itself (capacity 1).
    let vms = read_fixture(&GoogleOptions::default()).unwrap();
    let relative = read_fixture(&peak()).unwrap();
    for (absolute, relative) in vms.iter().zip(&relative) {
        let top = absolute.utilization.samples().iter().copied().fold(0.0, f64::max);
        for (a, r) in absolute
            .utilization
            .samples()
            .iter()
            .zip(relative.utilization.samples())
        {
            // Both stored as `f32`: agree to a few `f32` steps.
            assert!((a / top - r).abs() < 1e-6, "{a} / {top} vs {r}");
        }
    }
    // A rate above the capacity is clamped and counted.
    let (_dir, path, _) = read_one("0,300000000,1,0,1,0.5,0.1\n", &peak());
    let options = GoogleOptions {
        cpu_capacity: GoogleCapacity::Fixed(0.25),
        ..GoogleOptions::default()
    };
    let loaded = cirrus_traces::load_google_task_usage(&[path], &options).unwrap();
    assert_eq!(loaded.vms[0].utilization.samples(), [1.0]);
    assert_eq!(loaded.report.readings_above_capacity, 1);
    assert_eq!(loaded.report.readings_clamped, 1);
}
