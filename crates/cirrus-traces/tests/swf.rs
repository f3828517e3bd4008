//! SWF reader: hand-computed expectations on the fixture `tests/data/swf/`,
//! arrival and core choices, skipped jobs, every malformed-line class with its
//! file:line, and the limits.

mod common;

use std::path::PathBuf;

use cirrus_traces::{
    OverCapacity, SWF_ZERO_RUN_TIME_S, SwfArrival, SwfCores, SwfOptions, SwfTrace, TraceFileError,
    TraceLimits, TracedVm, WorkloadTrace, load_swf, read_swf,
};
use common::{assert_error, assert_sane, data, files, names};

fn fixture() -> PathBuf {
    data("swf/tiny.swf")
}

/// A job line with the given first six fields and the rest plausible.
fn job(number: i64, submit: i64, wait: i64, run: i64, procs: i64, cpu: i64) -> String {
    format!("{number} {submit} {wait} {run} {procs} {cpu} -1 {procs} -1 -1 1 1 1 1 1 1 -1 -1\n")
}

fn read_text(
    text: &str,
    options: &SwfOptions,
) -> (tempfile::TempDir, PathBuf, Result<Vec<TracedVm>, TraceFileError>) {
    let (dir, paths) = files(&[("log.swf", text.as_bytes())]);
    let result = read_swf(&paths[0], options);
    (dir, paths[0].clone(), result)
}

#[track_caller]
fn line_error(text: &str, line: usize, needles: &[&str]) {
    let (_dir, path, result) = read_text(text, &SwfOptions::default());
    assert_error(&result.unwrap_err(), &path, Some(line), needles);
}

// ---------------------------------------------------------------- valid input

#[test]
fn fixture_jobs_become_vms_at_their_start() {
    let loaded = load_swf(&fixture(), &SwfOptions::default()).unwrap();
    let vms = loaded.vms;
    assert_sane(&vms);
    // Job 3 has run time 0 (cancelled within half a second): kept as a 0.25 s job
    // at utilisation 1, counted. Sorted by arrival.
    assert_eq!(names(&vms), ["2", "1", "3", "4"]);
    assert_eq!(loaded.report.zero_runtime_jobs_kept, 1);
    assert_eq!((loaded.report.records_read, loaded.report.vms_read), (4, 4));
    let (j2, j1, j3, j4) = (&vms[0], &vms[1], &vms[2], &vms[3]);
    assert_eq!(
        (j3.arrival_s, j3.departure_s),
        (20.0, Some(20.0 + SWF_ZERO_RUN_TIME_S))
    );
    assert_eq!((j3.cores, j3.utilization.samples()), (Some(2), vec![1.0]));

    // Job 1: submit 0 + wait 10; 100 s; 4 processors; 50 s CPU per processor of
    // 100 s; 1024 KB per processor.
    assert_eq!((j1.arrival_s, j1.departure_s), (10.0, Some(110.0)));
    assert_eq!(
        (j1.cores, j1.ram_mb, j1.mips_per_core),
        (Some(4), Some(4.0), None)
    );
    assert_eq!(j1.utilization.samples(), [0.5]);
    assert_eq!(j1.utilization.interval_s(), 100.0);
    assert_eq!(j1.utilization_at(1e6), 0.5);

    // Job 2: wait unknown → arrives at submit; CPU time unknown → busy.
    assert_eq!((j2.arrival_s, j2.departure_s), (5.0, Some(205.0)));
    assert_eq!((j2.cores, j2.ram_mb), (Some(8), None));
    assert_eq!(j2.utilization.samples(), [1.0]);

    // Job 4: allocated unknown → 16 requested; requested 512 KB per processor.
    assert_eq!((j4.arrival_s, j4.departure_s), (30.0, Some(90.0)));
    assert_eq!((j4.cores, j4.ram_mb), (Some(16), Some(8.0)));
    for v in &vms {
        assert!(v.memory_utilization.is_none());
    }
}

#[test]
fn arrival_at_submit_and_requested_cores() {
    let options = SwfOptions {
        arrival: SwfArrival::Submit,
        cores: SwfCores::Requested,
        ..SwfOptions::default()
    };
    let vms = SwfTrace {
        path: fixture(),
        options,
    }
    .read()
    .unwrap();
    assert_eq!(names(&vms), ["1", "2", "3", "4"]);
    assert_eq!((vms[0].arrival_s, vms[0].departure_s), (0.0, Some(100.0)));
    assert_eq!(
        vms.iter().map(|v| v.cores.unwrap()).collect::<Vec<_>>(),
        [4, 8, 2, 16]
    );
}

#[test]
fn requested_cores_fall_back_to_allocated() {
    let text = "1 0 0 10 4 -1 -1 -1 -1 -1 1 1 1 1 1 1 -1 -1\n";
    let options = SwfOptions {
        cores: SwfCores::Requested,
        ..SwfOptions::default()
    };
    let (_dir, _path, result) = read_text(text, &options);
    assert_eq!(result.unwrap()[0].cores, Some(4));
}

#[test]
fn unrunnable_jobs_can_be_refused() {
    let options = SwfOptions {
        skip_unrunnable: false,
        ..SwfOptions::default()
    };
    // Job 3's run time 0 is a short job, not a refusal; skipped by choice, counted.
    assert_eq!(read_swf(&fixture(), &options).unwrap().len(), 4);
    let skip_zero = SwfOptions {
        skip_zero_run_time: true,
        ..SwfOptions::default()
    };
    let loaded = load_swf(&fixture(), &skip_zero).unwrap();
    assert_eq!(names(&loaded.vms), ["2", "1", "4"]);
    assert_eq!(loaded.report.vms_skipped_total(), 1);
    assert_eq!(loaded.report.zero_runtime_jobs_kept, 0);
    // Run time unknown: never ran.
    let text = format!("{}{}", job(1, 0, 0, 10, 1, -1), job(2, 0, 0, -1, 1, -1));
    let (_dir, path, result) = read_text(&text, &options);
    assert_error(
        &result.unwrap_err(),
        &path,
        Some(2),
        &["job 2 never ran", "skip_unrunnable"],
    );
    let loaded = load_swf(&path, &SwfOptions::default()).unwrap();
    assert_eq!(
        loaded.report.vms_skipped.get("jobs with unknown run time"),
        Some(&1)
    );
    // No processors known at all.
    let text = format!(
        "{}{}",
        job(1, 0, 0, 10, 1, -1),
        "2 0 0 10 -1 -1 -1 -1 -1 -1 1 1 1 1 1 1 -1 -1\n"
    );
    let (_dir, path, result) = read_text(&text, &options);
    assert_error(&result.unwrap_err(), &path, Some(2), &["job 2 never ran"]);
    let (_dir, path, result) = read_text(&job(1, 0, 0, -1, 1, -1), &SwfOptions::default());
    assert_error(&result.unwrap_err(), &path, None, &["no job that ran"]);
}

#[test]
fn cpu_time_above_run_time_is_an_error_or_clamped() {
    let text = job(5, 40, 0, 50, 2, 100);
    line_error(
        &text,
        1,
        &["job 5", "100 s is above its run time 50 s", "over_capacity"],
    );
    let options = SwfOptions {
        over_capacity: OverCapacity::Clamp,
        ..SwfOptions::default()
    };
    let (_dir, _path, result) = read_text(&text, &options);
    assert_eq!(result.unwrap()[0].utilization.samples(), [1.0]);
}

#[test]
fn comments_blank_lines_crlf_and_decimals() {
    let text = "; header\r\n\r\n  \t\n1 0 0 10.5 2 5.25 -1 2 -1 -1 1 1 1 1 1 1 -1 -1\r\n;trailing\n";
    let (_dir, _path, result) = read_text(text, &SwfOptions::default());
    let vm = &result.unwrap()[0];
    assert_eq!(vm.departure_s, Some(10.5));
    assert_eq!(vm.utilization.samples(), [0.5]);
}

// ---------------------------------------------------------------- malformed

#[test]
fn malformed_lines_name_file_and_line() {
    let ok = job(1, 0, 0, 10, 1, -1);
    line_error(&format!("{ok}1 2 3\n"), 2, &["expected 18 columns", "found 3"]);
    line_error(
        &format!("{ok}{} 7\n", job(2, 0, 0, 10, 1, -1).trim_end()),
        2,
        &["found 19"],
    );
    line_error(
        "1 0 0 ten 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["column 4 (run time)", "expected a number"],
    );
    line_error(
        "1 0 0 NaN 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["run time", "finite"],
    );
    line_error(
        "1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 inf\n",
        1,
        &["think time", "finite"],
    );
    line_error(
        &job(1, 0, -2, 10, 1, -1),
        1,
        &["column 3 (wait time)", "-2 is negative"],
    );
    line_error(&job(1, -1, 0, 10, 1, -1), 1, &["submit time", "unknown"]);
    line_error(
        &format!("{ok}{}", job(1, 5, 0, 10, 1, -1)),
        2,
        &["job 1 already appears at line 1"],
    );
    line_error(
        &format!("{}{}", job(1, 50, 0, 10, 1, -1), job(2, 40, 0, 10, 1, -1)),
        2,
        &["submit time 40 goes backwards", "line 1"],
    );
    line_error(
        "1.5 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["column 1 (job number)"],
    );
    line_error(
        "1 0 0 10 2.5 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["2.5 processors"],
    );
    line_error(
        "1 0 1e308 1e308 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["too large"],
    );
    line_error(
        "1 0 0 10 4 -1 1e308 4 -1 -1 1 1 1 1 1 1 -1 -1\n",
        1,
        &["job 1", "memory too large"],
    );
    line_error(&format!("{ok}\u{ff}\n"), 2, &["found 1", "\"ÿ\""]);
    let (_dir, paths) = files(&[("bin.swf", b"1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 \xff\n")]);
    let err = read_swf(&paths[0], &SwfOptions::default()).unwrap_err();
    assert_error(&err, &paths[0], Some(1), &["think time", "expected a number"]);
}

#[test]
fn limits_refuse_with_a_clear_message() {
    let text = format!("; c\n{}{}", job(1, 0, 0, 10, 1, -1), job(2, 0, 0, 10, 1, -1));
    let run = |limits: TraceLimits| {
        let options = SwfOptions {
            limits,
            ..SwfOptions::default()
        };
        let (_dir, path, result) = read_text(&text, &options);
        (path, result.unwrap_err())
    };
    let (p, err) = run(TraceLimits {
        max_records: 1,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(3), &["max_records"]);
    let (p, err) = run(TraceLimits {
        max_vms: 1,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(3), &["max_vms"]);
    let (p, err) = run(TraceLimits {
        max_line_bytes: 20,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(2), &["max_line_bytes"]);
    let (p, err) = run(TraceLimits {
        max_file_bytes: 20,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_file_bytes"]);
}

#[test]
fn missing_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_swf(&dir.path().join("x.swf"), &SwfOptions::default()).unwrap_err();
    assert!(err.message.contains("not found"), "{err}");
    let err = read_swf(dir.path(), &SwfOptions::default()).unwrap_err();
    assert!(err.message.contains("not a regular file"), "{err}");
}
