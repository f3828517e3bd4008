//! Bitbrains GWA-T-12 reader: hand-computed expectations on the fixture
//! `tests/data/bitbrains/`, column choice, sizes, rebasing, every
//! malformed-line class with its file:line, and the limits.

mod common;

use std::path::PathBuf;

use cirrus_traces::{
    BITBRAINS_INTERVAL_S, BitbrainsCpu, BitbrainsOptions, BitbrainsTrace, BitbrainsZeroRows, Duplicates,
    Gaps, OverCapacity, TraceFileError, TraceLimits, TracedVm, WorkloadTrace, list_bitbrains_files,
    load_bitbrains, read_bitbrains,
};
use common::{assert_error, assert_sane, data, files, names, stored};

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

/// The options that refuse every habit the defaults resolve: duplicates,
/// usage above provisioned, all-zero rows.
fn strict() -> BitbrainsOptions {
    BitbrainsOptions {
        duplicates: Duplicates::Error,
        over_capacity: OverCapacity::Error,
        zero_rows: BitbrainsZeroRows::Error,
        ..BitbrainsOptions::default()
    }
}

/// The error for a file of the header + `body` read with [`strict`]
/// options, asserted on `line` (the header is line 1).
#[track_caller]
fn line_error(body: &str, line: usize, needles: &[&str]) {
    let (_dir, path, result) = read_one(body, &strict());
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
    assert_eq!(one.utilization.samples(), stored(&[0.25, 0.75, 0.75, 0.1]));
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
    assert_eq!(two.utilization.samples(), stored(&[0.25, 0.5]));
    assert_eq!(
        two.memory_utilization.as_ref().unwrap().samples(),
        stored(&[1.0, 0.5])
    );
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
    assert_eq!(vms[0].utilization.samples(), stored(&[0.25, 0.75, 0.75, 0.1]));
    // 100 % of 4000 MHz = half of the VM's 8000 MHz.
    assert_eq!(vms[1].utilization.samples(), stored(&[0.25, 0.5]));
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
    let (_dir, path, result) = read_one(&body, &strict());
    let first = format!("{}:2", path.display());
    assert_error(&result.unwrap_err(), &path, Some(3), &["second reading", &first]);

    let options = BitbrainsOptions {
        duplicates: Duplicates::LastWins,
        gaps: Gaps::Zero,
        ..BitbrainsOptions::default()
    };
    let (_dir, _path, result) = read_one(&body, &options);
    assert_eq!(
        result.unwrap()[0].utilization.samples(),
        stored(&[0.5, 0.0, 0.0, 0.5])
    );

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
fn over_capacity_is_an_error_clamped_or_kept() {
    let over_mhz = "0;2;2000;2500;50;1048576;524288;0;0;0;0\n";
    line_error(
        over_mhz,
        2,
        &[
            "column 4 (CPU usage [MHZ])",
            "2500 MHz is above the provisioned 2000 MHz",
        ],
    );
    // Only the CPU column in use is checked: the percentage with `cpu = percent`.
    let percent_over = "0;2;2000;1000;120;1048576;524288;0;0;0;0\n";
    let (_dir, _path, result) = read_one(percent_over, &strict());
    assert!(result.is_ok());
    let options = BitbrainsOptions {
        cpu: BitbrainsCpu::UsagePercent,
        ..strict()
    };
    let (_dir, path, result) = read_one(percent_over, &options);
    assert_error(
        &result.unwrap_err(),
        &path,
        Some(2),
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
    assert_eq!(result.unwrap()[0].utilization.samples(), stored(&[1.0]));
    // Kept (the default): the VM is as large as its peak, 2500 MHz.
    let (_dir, _path, result) = read_one(&format!("{over_mhz}{}", line(300)), &BitbrainsOptions::default());
    let vm = &result.unwrap()[0];
    assert_eq!(vm.utilization.samples(), stored(&[1.0, 1000.0 / 2500.0]));
    assert_eq!((vm.cores, vm.mips_per_core), (Some(2), Some(1250.0)));
}

#[test]
fn zero_memory_means_no_memory_hint() {
    let (_dir, _path, result) = read_one("0;1;1000;10;1;0;0;0;0;0;0\n", &BitbrainsOptions::default());
    let vm = &result.unwrap()[0];
    assert_eq!((vm.ram_mb, vm.memory_utilization.as_ref()), (None, None));
    assert_eq!(vm.utilization.samples(), stored(&[0.01]));
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

// ---------------------------------------------------------------- the dataset's habits

/// A row at `t` of a VM with 4 cores of 2000 MHz and 8 GB, using `mhz` MHz
/// and `mem_kb` KB (the percentage column consistent with the MHz).
fn row(t: u64, mhz: f64, mem_kb: f64) -> String {
    format!(
        "{t};\t4;\t8000.0;\t{mhz};\t{};\t8388608.0;\t{mem_kb};\t0.0;\t0.0;\t0.0;\t0.0\n",
        mhz / 8000.0 * 100.0
    )
}

/// An all-zero row at `t`, as the Rnd files have them.
fn zero(t: u64) -> String {
    format!("{t};\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n")
}

#[test]
fn zero_rows_over_capacity_and_repeated_timestamps_load_with_their_counts() {
    // Two leading zero rows (the VM does not exist yet), real rows from t = 600 with
    // a repeated timestamp (900 twice: the later wins), an off-grid step (1200 + 114 =
    // 1314, which rounds to slot 2 as well — with 1200 it makes the slot's second
    // reading), CPU above provisioned (9000 of 8000 MHz) and memory above provisioned,
    // an interior zero row (off) at 1800, a gap (2100 missing, held), and one
    // trailing zero row (gone).
    let body = [
        zero(0),
        zero(300),
        row(600, 2000.0, 1_000_000.0),
        row(900, 4000.0, 1_000_000.0),
        row(900, 6000.0, 1_000_000.0),
        row(1200, 1000.0, 2_000_000.0),
        row(1314, 9000.0, 9_000_000.0),
        row(1500, 8000.0, 4_194_304.0),
        zero(1800),
        row(2400, 4500.0, 1_000_000.0),
        zero(2700),
    ]
    .concat();
    let contents = format!("{HEADER}{body}");
    let (_dir, paths) = files(&[("7.csv", contents.as_bytes())]);
    let options = BitbrainsOptions {
        rebase: false,
        ..BitbrainsOptions::default()
    };
    let loaded = load_bitbrains(&paths, &options).unwrap();
    let r = &loaded.report;
    assert_eq!(r.records_read, 11);
    assert_eq!(r.vms_read, 1);
    assert_eq!(r.zero_rows_absent, 3, "two leading, one trailing");
    assert_eq!(r.zero_rows_off, 1, "the interior one at 1800");
    assert_eq!(r.slots_with_duplicates, 2, "900 twice; 1200 and 1314");
    assert_eq!(r.off_grid_readings, 1, "1314 is 114 s off its slot");
    assert_eq!(r.readings_above_capacity, 2, "9000 MHz and 9 000 000 KB");
    assert_eq!(r.readings_clamped, 0);
    assert_eq!(r.gap_slots_filled, 1, "2100");
    assert!(r.vms_skipped.is_empty());

    let vm = &loaded.vms[0];
    // Arrives at its first real row, leaves 300 s after its last.
    assert_eq!((vm.arrival_s, vm.departure_s), (600.0, Some(2700.0)));
    // Kept above provisioned: the VM is 9000 MHz (4 × 2250) and 9 000 000 KB.
    assert_eq!((vm.cores, vm.mips_per_core), (Some(4), Some(2250.0)));
    assert_eq!(vm.ram_mb, Some(9_000_000.0 / 1024.0));
    // Slots 600, 900 (6000, the later), 1200 (9000 from 1314, the later), 1500,
    // 1800 (off: 0), 2100 (held: 0), 2400.
    let u = |mhz: f64| mhz / 9000.0;
    assert_eq!(
        vm.utilization.samples(),
        stored(&[u(2000.0), u(6000.0), 1.0, u(8000.0), 0.0, 0.0, u(4500.0)])
    );

    // Clamped instead: the VM keeps its provisioned size and the readings are cut.
    let clamp = BitbrainsOptions {
        over_capacity: OverCapacity::Clamp,
        ..options.clone()
    };
    let loaded = load_bitbrains(&paths, &clamp).unwrap();
    assert_eq!(loaded.report.readings_above_capacity, 2);
    assert_eq!(loaded.report.readings_clamped, 2);
    assert_eq!(loaded.vms[0].mips_per_core, Some(2000.0));
    assert_eq!(loaded.vms[0].utilization.samples()[2], 1.0);

    // The strict options refuse the first habit met: the first zero row.
    let err = load_bitbrains(&paths, &strict()).unwrap_err();
    assert_error(&err, &paths[0], Some(2), &["all-zero row", "zero_rows = error"]);
}

#[test]
fn a_file_of_only_zero_rows_is_skipped_and_counted() {
    let only_zero = format!("{HEADER}{}{}", zero(0), zero(300));
    let real = format!("{HEADER}{}", row(0, 800.0, 0.0));
    let (_dir, paths) = files(&[("1.csv", only_zero.as_bytes()), ("2.csv", real.as_bytes())]);
    let loaded = load_bitbrains(&paths, &BitbrainsOptions::default()).unwrap();
    assert_eq!(names(&loaded.vms), ["2"]);
    assert_eq!(loaded.report.vms_skipped_total(), 1);
    assert_eq!(loaded.report.zero_rows_absent, 2);
    assert_eq!(loaded.report.vms_read, 1);
}
