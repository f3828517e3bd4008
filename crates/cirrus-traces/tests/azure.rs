//! Azure Public Dataset reader: hand-computed expectations on the fixture
//! `tests/data/azure/`, column choice, duplicates and gaps, the vmtable, every
//! malformed-line class with its file:line, and the limits.

mod common;

use std::path::PathBuf;

use cirrus_traces::{
    AZURE_INTERVAL_S, AzureCpu, AzureDeparture, AzureOptions, AzureTrace, Duplicates, Gaps, OverCapacity,
    TraceFileError, TraceLimits, TracedVm, WorkloadTrace, list_azure_reading_files, load_azure, read_azure,
};
use common::{assert_error, assert_sane, data, files, names, stored};

fn fixture_readings() -> Vec<PathBuf> {
    vec![
        data("azure/vm_cpu_readings-file-1-of-2.csv"),
        data("azure/vm_cpu_readings-file-2-of-2.csv"),
    ]
}

fn read_fixture(options: &AzureOptions, vmtable: bool) -> Vec<TracedVm> {
    let vmtable = vmtable.then(|| data("azure/vmtable.csv"));
    let vms = read_azure(&fixture_readings(), vmtable.as_deref(), options).unwrap();
    assert_sane(&vms);
    vms
}

/// Reads one reading file with `contents` (and an optional vmtable).
fn read_one(
    contents: &str,
    vmtable: Option<&str>,
    options: &AzureOptions,
) -> (
    tempfile::TempDir,
    Vec<PathBuf>,
    Result<Vec<TracedVm>, TraceFileError>,
) {
    let mut list: Vec<(&str, &[u8])> = vec![("r.csv", contents.as_bytes())];
    if let Some(t) = vmtable {
        list.push(("vmtable.csv", t.as_bytes()));
    }
    let (dir, paths) = files(&list);
    let result = read_azure(&paths[..1], paths.get(1).map(PathBuf::as_path), options);
    (dir, paths, result)
}

/// The error of reading one reading file with `contents`, asserted to be on
/// line `line` of it and to mention `needles`.
#[track_caller]
fn line_error(contents: &str, line: usize, needles: &[&str]) {
    let (_dir, paths, result) = read_one(contents, None, &AzureOptions::default());
    assert_error(&result.unwrap_err(), &paths[0], Some(line), needles);
}

// ---------------------------------------------------------------- valid input

#[test]
fn fixture_without_vmtable_sorts_readings_and_holds_gaps() {
    let vms = read_fixture(&AzureOptions::default(), false);
    // Both arrive at 0: order of first appearance.
    assert_eq!(names(&vms), ["vmA", "vmB"]);
    let (a, b) = (&vms[0], &vms[1]);
    // vmA: readings at 0, 300 (file 1), 900, 600 (file 2, unsorted) → avg 20, 30, 50, 10 %.
    assert_eq!(a.utilization.samples(), stored(&[0.2, 0.3, 0.5, 0.1]));
    assert_eq!(a.utilization.interval_s(), AZURE_INTERVAL_S);
    assert_eq!(a.arrival_s, 0.0);
    assert_eq!(a.departure_s, Some(1200.0)); // last reading 900 + 300
    // vmB: 0, 600, 1200 → gaps at 300 and 900 hold 1 % and 4 %.
    assert_eq!(b.utilization.samples(), stored(&[0.01, 0.01, 0.04, 0.04, 0.99]));
    assert_eq!(b.departure_s, Some(1500.0));
    for v in &vms {
        assert_eq!((v.cores, v.ram_mb, v.mips_per_core), (None, None, None));
        assert!(v.memory_utilization.is_none());
    }
}

#[test]
fn cpu_column_is_selectable() {
    let mut options = AzureOptions {
        cpu_column: AzureCpu::Max,
        ..AzureOptions::default()
    };
    let vms = read_fixture(&options, false);
    assert_eq!(vms[0].utilization.samples(), stored(&[0.4, 0.6, 0.9, 0.15]));
    options.cpu_column = AzureCpu::Min;
    let vms = read_fixture(&options, false);
    assert_eq!(vms[0].utilization.samples(), stored(&[0.105, 0.12, 0.01, 0.05]));
}

#[test]
fn gaps_can_be_zero_or_an_error() {
    let options = AzureOptions {
        gaps: Gaps::Zero,
        ..AzureOptions::default()
    };
    let vms = read_fixture(&options, false);
    assert_eq!(
        vms[1].utilization.samples(),
        stored(&[0.01, 0.0, 0.04, 0.0, 0.99])
    );

    let options = AzureOptions {
        gaps: Gaps::Error,
        ..AzureOptions::default()
    };
    let err = read_azure(&fixture_readings(), None, &options).unwrap_err();
    // vmA has no gap; vmB's first reading after a gap is t = 600, file 1 line 4.
    assert_error(
        &err,
        &fixture_readings()[0],
        Some(4),
        &["\"vmB\"", "missing", "gaps = error"],
    );
}

#[test]
fn vmtable_gives_sizes_and_departures() {
    // vmA: deleted at 3600 s, but its readings stop at 900 + 300 s: it leaves then
    // (counted), or at its deletion with `departure = Deletion`; 2 cores, 4 GB.
    let loaded = load_azure(
        &fixture_readings(),
        Some(&data("azure/vmtable.csv")),
        &AzureOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.vms[0].departure_s, Some(1200.0));
    assert_eq!(loaded.report.vms_leaving_at_last_reading, 1);
    assert_eq!(loaded.report.files_read, 3);
    assert_eq!(loaded.report.records_read, 7);
    let options = AzureOptions {
        departure: AzureDeparture::Deletion,
        ..AzureOptions::default()
    };
    let vms = read_fixture(&options, true);
    let (a, b) = (&vms[0], &vms[1]);
    assert_eq!(a.departure_s, Some(3600.0));
    assert_eq!((a.cores, a.ram_mb), (Some(2), Some(4096.0)));
    // vmB: deleted at 600 s but read until 1200 + 300 s; open buckets >24, >64.
    assert_eq!(b.departure_s, Some(1500.0));
    assert_eq!((b.cores, b.ram_mb), (Some(30), Some(70.0 * 1024.0)));
    // vmC has a row but no readings: not a VM.
    assert_eq!(vms.len(), 2);

    let options = AzureOptions {
        open_core_bucket_cores: 32,
        open_memory_bucket_gb: 128.0,
        ..AzureOptions::default()
    };
    let vms = read_fixture(&options, true);
    assert_eq!((vms[1].cores, vms[1].ram_mb), (Some(32), Some(128.0 * 1024.0)));
}

#[test]
fn vms_are_sorted_by_arrival_and_utilisation_is_relative_to_it() {
    let (_dir, _paths, result) = read_one(
        "600,late,50,50,50\r\n\n  900 , late , 10 , 10 , 10 \n0,early,1,1,1\n",
        None,
        &AzureOptions::default(),
    );
    let vms = result.unwrap();
    assert_eq!(names(&vms), ["early", "late"]);
    let late = &vms[1];
    assert_eq!(late.arrival_s, 600.0);
    assert_eq!(late.utilization.samples(), stored(&[0.5, 0.1]));
    assert_eq!(late.utilization_at(600.0), 0.5);
    assert_eq!(late.utilization_at(900.0), f64::from(0.1f32));
    assert!(!late.is_alive_at(599.0) && late.is_alive_at(1199.0) && !late.is_alive_at(1200.0));
}

#[test]
fn readings_off_the_grid_go_to_the_nearest_sample() {
    let (_dir, _paths, result) = read_one(
        "0,v,1,1,1\n290,v,2,2,2\n601,v,3,3,3\n",
        None,
        &AzureOptions::default(),
    );
    assert_eq!(
        result.unwrap()[0].utilization.samples(),
        stored(&[0.01, 0.02, 0.03])
    );
}

#[test]
fn duplicates_are_an_error_or_the_last_wins() {
    let text = "0,v,1,1,1\n300,v,2,2,2\n0,v,3,3,3\n";
    let (_dir, paths, result) = read_one(text, None, &AzureOptions::default());
    let err = result.unwrap_err();
    let first = format!("{}:1", paths[0].display());
    assert_error(
        &err,
        &paths[0],
        Some(3),
        &["\"v\"", "second reading", &first, "duplicates = error"],
    );

    let options = AzureOptions {
        duplicates: Duplicates::LastWins,
        ..AzureOptions::default()
    };
    let (_dir, _paths, result) = read_one(text, None, &options);
    assert_eq!(result.unwrap()[0].utilization.samples(), stored(&[0.03, 0.02]));
}

#[test]
fn duplicates_across_files_name_both_files() {
    let (_dir, paths) = files(&[("a.csv", b"0,v,1,1,1\n"), ("b.csv", b"300,v,2,2,2\n0,v,3,3,3\n")]);
    let err = read_azure(&paths, None, &AzureOptions::default()).unwrap_err();
    let first = format!("{}:1", paths[0].display());
    assert_error(&err, &paths[1], Some(2), &[&first]);
}

#[test]
fn over_100_percent_can_be_clamped() {
    line_error(
        "0,v,1,2,100.5\n",
        1,
        &["column 5 (avg cpu)", "100.5", "above 100", "over_capacity"],
    );
    let options = AzureOptions {
        over_capacity: OverCapacity::Clamp,
        ..AzureOptions::default()
    };
    let (_dir, _paths, result) = read_one("0,v,1,2,100.5\n", None, &options);
    assert_eq!(result.unwrap()[0].utilization.samples(), stored(&[1.0]));
}

#[test]
fn trait_and_directory_listing() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "vm_cpu_readings-file-10-of-12.csv",
        "vm_cpu_readings-file-2-of-12.csv",
        "vm_cpu_readings-file-3-of-12.csv.gz",
        "vmtable.csv",
        ".vm_cpu_readings-file-1-of-12.csv",
    ] {
        std::fs::write(dir.path().join(name), "0,v,1,1,1\n").unwrap();
    }
    let listed = list_azure_reading_files(dir.path(), &TraceLimits::default()).unwrap();
    let listed: Vec<_> = listed
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "vm_cpu_readings-file-2-of-12.csv",
            "vm_cpu_readings-file-3-of-12.csv.gz",
            "vm_cpu_readings-file-10-of-12.csv"
        ]
    );

    let empty = tempfile::tempdir().unwrap();
    let err = list_azure_reading_files(empty.path(), &TraceLimits::default()).unwrap_err();
    assert_error(&err, empty.path(), None, &["no trace files", ".csv.gz"]);

    let trace = AzureTrace {
        readings: list_azure_reading_files(&data("azure"), &TraceLimits::default()).unwrap(),
        vmtable: Some(data("azure/vmtable.csv")),
        options: AzureOptions::default(),
    };
    assert_eq!(
        trace.read().unwrap(),
        read_fixture(&AzureOptions::default(), true)
    );
}

// ---------------------------------------------------------------- malformed readings

#[test]
fn malformed_reading_lines_name_file_and_line() {
    line_error("0,v,1,2\n", 1, &["expected 5 columns", "found 4"]);
    line_error("0,v,1,1,1\n0,v,1,2,3,4\n", 2, &["expected 5 columns", "found 6"]);
    line_error(
        "0,v,x,2,3\n",
        1,
        &["column 3 (min cpu)", "expected a number", "\"x\""],
    );
    line_error("0,v,1,,3\n", 1, &["column 4 (max cpu)", "expected a number"]);
    line_error("0,v,1,NaN,3\n", 1, &["column 4 (max cpu)", "finite"]);
    line_error("0,v,1,2,inf\n", 1, &["column 5 (avg cpu)", "finite"]);
    line_error("0,v,-1,2,3\n", 1, &["column 3 (min cpu)", "negative"]);
    line_error("-300,v,1,2,3\n", 1, &["column 1 (timestamp)", "negative"]);
    line_error("1e999,v,1,2,3\n", 1, &["column 1 (timestamp)", "finite"]);
    line_error("0,,1,2,3\n", 1, &["column 2 (vm id)", "empty"]);
    line_error(
        "0,v,1,1,1\n,,,,\n",
        2,
        &["column 1 (timestamp)", "expected a number"],
    );
    line_error("0,v,1,1,1\n,,\n", 2, &["expected 5 columns", "found 3"]);
    let (_dir, paths, result) = read_one("", None, &AzureOptions::default());
    assert_error(&result.unwrap_err(), &paths[0], None, &["no readings"]);
}

#[test]
fn quotes_are_plain_text() {
    // No CSV quoting: a stray quote must not swallow the following lines.
    let (_dir, _paths, result) = read_one("0,\"v,1,2,3\n300,w,1,1,1\n", None, &AzureOptions::default());
    assert_eq!(names(&result.unwrap()), ["\"v", "w"]);
}

#[test]
fn non_utf8_vm_id_is_refused() {
    let (_dir, paths) = files(&[("r.csv", b"0,v\xff,1,2,3\n")]);
    let err = read_azure(&paths, None, &AzureOptions::default()).unwrap_err();
    assert_error(&err, &paths[0], Some(1), &["column 2 (vm id)", "UTF-8"]);
}

#[test]
fn missing_and_odd_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let err = read_azure(std::slice::from_ref(&missing), None, &AzureOptions::default()).unwrap_err();
    assert_error(&err, &missing, None, &["not found"]);
    let err = read_azure(&[dir.path().to_path_buf()], None, &AzureOptions::default()).unwrap_err();
    assert_error(&err, dir.path(), None, &["not a regular file"]);
    let err = read_azure(&[], None, &AzureOptions::default()).unwrap_err();
    assert!(err.message.contains("no trace files"), "{err}");
    let options = AzureOptions {
        interval_s: 0.0,
        ..AzureOptions::default()
    };
    let err = read_azure(&fixture_readings(), None, &options).unwrap_err();
    assert!(err.message.contains("interval_s"), "{err}");
}

// ---------------------------------------------------------------- malformed vmtable

/// The error of reading "0,v,1,1,1" with vmtable `table`, asserted to be on
/// `line` of the vmtable.
#[track_caller]
fn vmtable_error(table: &str, line: usize, needles: &[&str]) {
    let (_dir, paths, result) = read_one("0,v,1,1,1\n", Some(table), &AzureOptions::default());
    assert_error(&result.unwrap_err(), &paths[1], Some(line), needles);
}

const ROW: &str = "v,s,d,0,600,50,20,40,Unknown,2,4";

#[test]
fn malformed_vmtable_lines_name_file_and_line() {
    vmtable_error(
        &format!("{ROW}\nw,s,d,0,600\n"),
        2,
        &["expected 11 columns", "found 5"],
    );
    vmtable_error(
        "v,s,d,600,0,50,20,40,Unknown,2,4\n",
        1,
        &["deleted", "before it is created"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,400,Unknown,2,4\n",
        1,
        &["column 8 (p95 max cpu)", "above 100"],
    );
    vmtable_error(
        "v,s,d,0,x,50,20,40,Unknown,2,4\n",
        1,
        &["column 5 (timestamp vm deleted)", "expected a number"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,two,4\n",
        1,
        &["column 10", "expected a number"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,2.5,4\n",
        1,
        &["column 10", "whole number"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,0,4\n",
        1,
        &["column 10", "not a positive size"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,2,>x\n",
        1,
        &["column 11", "expected a number"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,>32,4\n",
        1,
        &["column 10", "open bucket", "not above 32"],
    );
    vmtable_error(
        "v,s,d,0,600,50,20,40,Unknown,2,1e308\n",
        1,
        &["column 11", "too large"],
    );
    vmtable_error(
        &format!("{ROW}\n{ROW}\n"),
        2,
        &["\"v\"", "already has a row at line 1"],
    );
    vmtable_error(
        &format!("{ROW}\n,s,d,0,600,50,20,40,Unknown,2,4\n"),
        2,
        &["column 1 (vm id)", "empty"],
    );
}

#[test]
fn a_vm_without_a_vmtable_row_is_refused_at_its_first_reading() {
    let (_dir, paths, result) = read_one(
        "0,v,1,1,1\n300,w,1,1,1\n",
        Some(&format!("{ROW}\n")),
        &AzureOptions::default(),
    );
    let err = result.unwrap_err();
    assert_error(&err, &paths[0], Some(2), &["\"w\"", "has no row", "vmtable.csv"]);
}

// ---------------------------------------------------------------- limits

fn limited(limits: TraceLimits) -> AzureOptions {
    AzureOptions {
        limits,
        ..AzureOptions::default()
    }
}

#[test]
fn limits_refuse_with_a_clear_message() {
    let text = "0,a,1,1,1\n0,b,1,1,1\n300,a,1,1,1\n";
    let run = |limits: TraceLimits| {
        let (_dir, paths, result) = read_one(text, None, &limited(limits));
        (paths[0].clone(), result.unwrap_err())
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
        max_samples_per_vm: 1,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, Some(3), &["\"a\"", "max_samples_per_vm"]);
    let (p, err) = run(TraceLimits {
        max_file_bytes: 10,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_file_bytes"]);
    let (p, err) = run(TraceLimits {
        max_files: 0,
        ..TraceLimits::default()
    });
    assert_error(&err, &p, None, &["max_files"]);

    // An over-long line is refused at its own line, after the lines before it.
    let long = format!("0,a,1,1,1\n0,{},1,1,1\n", "x".repeat(100));
    let (_dir, paths, result) = read_one(
        &long,
        None,
        &limited(TraceLimits {
            max_line_bytes: 50,
            ..TraceLimits::default()
        }),
    );
    assert_error(&result.unwrap_err(), &paths[0], Some(2), &["max_line_bytes"]);
    let bad_first = format!("0,a,1,1\n0,{},1,1,1\n", "x".repeat(100));
    let (_dir, paths, result) = read_one(
        &bad_first,
        None,
        &limited(TraceLimits {
            max_line_bytes: 50,
            ..TraceLimits::default()
        }),
    );
    assert_error(&result.unwrap_err(), &paths[0], Some(1), &["expected 5 columns"]);
}

#[test]
fn a_huge_gap_is_refused_before_allocating() {
    let (_dir, paths, result) = read_one("0,v,1,1,1\n1e300,v,1,1,1\n", None, &AzureOptions::default());
    assert_error(&result.unwrap_err(), &paths[0], Some(2), &["max_samples_per_vm"]);
}

#[test]
fn the_samples_held_are_bounded_in_bytes() {
    // 300 001 slots of 4 bytes (the gap held), over 1 MiB: refused at the
    // reading that crosses it, naming the key and the ways to load less.
    let text = "0,v,1,1,1\n0,w,1,1,1\n90000000,v,1,1,1\n";
    let (_dir, paths, result) = read_one(
        text,
        None,
        &limited(TraceLimits {
            max_sample_mb: 1,
            ..TraceLimits::default()
        }),
    );
    assert_error(
        &result.unwrap_err(),
        &paths[0],
        Some(3),
        &["more than 1 MB", "max_sample_mb", "sample_fraction", "start_s"],
    );
    let (_dir, _paths, result) = read_one(
        text,
        None,
        &limited(TraceLimits {
            max_sample_mb: 2,
            ..TraceLimits::default()
        }),
    );
    assert_eq!(result.unwrap().len(), 2);
    // Nothing held: refused at the first reading kept.
    let (_dir, paths, result) = read_one(
        text,
        None,
        &limited(TraceLimits {
            max_sample_mb: 0,
            ..TraceLimits::default()
        }),
    );
    assert_error(&result.unwrap_err(), &paths[0], Some(1), &["max_sample_mb"]);
}

#[cfg(unix)]
#[test]
fn a_broken_grid_rule_read_through_a_pipe_names_the_vm() {
    // The line of a duplicate is found by reading the files again, which a
    // pipe does not allow: the error names the VM and the rules instead.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("vm_cpu_readings-file-1-of-1.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, "0,v,1,1,1\n0,w,1,1,1\n0,v,2,2,2\n").unwrap())
    };
    let mut options = AzureOptions::default();
    options.limits.read_pipes = true;
    let err = read_azure(std::slice::from_ref(&fifo), None, &options).unwrap_err();
    writer.join().unwrap();
    assert_error(
        &err,
        &fifo,
        None,
        &["\"v\"", "duplicates = error", "pipes are read once"],
    );
}
