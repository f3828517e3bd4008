//! PlanetLab reader: hand-computed expectations, every malformed case, and the
//! real shipped 20110303 day.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cirrus_traces::{
    PLANETLAB_INTERVAL_S, PlanetLabOptions, TraceFileError, list_planetlab_files, read_planetlab,
    read_planetlab_file, read_planetlab_with,
};
use tempfile::TempDir;

const REAL_DAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces/planetlab/20110303");
const REAL_ORDER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../traces/planetlab/cloudsim_listfiles_order/20110303.txt"
);

/// A temporary directory holding `files` (name, contents).
fn day(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

/// Writes an order file next to (not inside) nothing in particular: in its own
/// temporary directory, so it is never mistaken for a trace.
fn order_file(contents: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.txt");
    fs::write(&path, contents).unwrap();
    (dir, path)
}

fn names(traces: &[cirrus::workload::UtilizationTrace]) -> Vec<&str> {
    traces.iter().map(|t| t.name()).collect()
}

/// Reads a single-file day whose file holds `contents` and returns the error.
fn single_file_error(contents: &[u8]) -> (TempDir, TraceFileError) {
    let dir = day(&[("vm", contents)]);
    let err = read_planetlab(dir.path(), None).unwrap_err();
    (dir, err)
}

fn assert_error(err: &TraceFileError, path: &Path, line: Option<usize>, message: &str) {
    assert_eq!(err.path, path, "{err}");
    assert_eq!(err.line, line, "{err}");
    assert_eq!(err.message, message, "{err}");
}

const EXPECTED: &str = "expected an integer utilisation percent in 0..=100";

// ---------------------------------------------------------------- valid input

#[test]
fn values_are_percent_over_100_and_sorted_by_name_without_order() {
    let dir = day(&[
        ("b", b"10\n20\n30\n"),
        ("a", b"0\n100\n"),
        ("B upper", b"55\n"),
        (".hidden", b"not a trace"),
    ]);
    fs::create_dir(dir.path().join("subdir")).unwrap();
    let traces = read_planetlab(dir.path(), None).unwrap();
    // Byte order: 'B' (0x42) < 'a' (0x61) < 'b' (0x62); dotfile and subdir skipped.
    assert_eq!(names(&traces), ["B upper", "a", "b"]);
    assert_eq!(traces[0].samples(), [0.55]);
    assert_eq!(traces[1].samples(), [0.0, 1.0]);
    assert_eq!(traces[2].samples(), [0.1, 0.2, 0.3]);
    for t in &traces {
        assert_eq!(t.interval_s(), PLANETLAB_INTERVAL_S);
    }
    // Holds the last value past the end (CloudSim's slot 288 = slot 287).
    assert_eq!(traces[2].utilization_at(900.0), 0.3);
    assert_eq!(traces[2].utilization_at(150.0), 0.15000000000000002);
}

#[test]
fn order_file_is_honoured_and_omitted_files_are_not_read() {
    let dir = day(&[
        ("a", b"1\n"),
        ("b c", b"2\n"),
        ("d", b"3\n"),
        ("broken", b"garbage"),
    ]);
    let (_o, order) = order_file("0\td\n1\tb c\n2\ta\n");
    let traces = read_planetlab(dir.path(), Some(&order)).unwrap();
    assert_eq!(names(&traces), ["d", "b c", "a"]);
    assert_eq!(traces[0].samples(), [0.03]);
    assert_eq!(traces[1].samples(), [0.02]);
    assert_eq!(traces[2].samples(), [0.01]);
    let listed = list_planetlab_files(dir.path(), Some(&order), &PlanetLabOptions::default()).unwrap();
    assert_eq!(listed[1], dir.path().join("b c"));
}

#[test]
fn order_file_tolerates_crlf_and_a_trailing_blank_line() {
    let dir = day(&[("a", b"1\n"), ("b", b"2\n")]);
    let (_o, order) = order_file("0\tb\r\n1\ta\r\n\n");
    let traces = read_planetlab(dir.path(), Some(&order)).unwrap();
    assert_eq!(names(&traces), ["b", "a"]);
}

#[test]
fn whitespace_crlf_and_trailing_blank_lines_are_accepted() {
    let dir = day(&[("vm", b" 5\t\r\n+7\n-0\n007\n\n  \n")]);
    let traces = read_planetlab(dir.path(), None).unwrap();
    assert_eq!(traces[0].samples(), [0.05, 0.07, 0.0, 0.07]);
}

#[test]
fn values_are_bit_identical_to_cloudsims_division() {
    let contents: String = (0..=100).map(|v| format!("{v}\n")).collect();
    let dir = day(&[("vm", contents.as_bytes())]);
    let trace = read_planetlab(dir.path(), None).unwrap().remove(0);
    for (v, &x) in trace.samples().iter().enumerate() {
        assert_eq!(x.to_bits(), (v as f64 / 100.0).to_bits());
    }
}

#[test]
fn single_file_reader_names_the_trace_after_the_file() {
    let dir = day(&[("node_slice", b"42\n")]);
    let t = read_planetlab_file(&dir.path().join("node_slice"), &PlanetLabOptions::default()).unwrap();
    assert_eq!(t.name(), "node_slice");
    assert_eq!(t.samples(), [0.42]);
}

// ------------------------------------------------------------ malformed traces

#[test]
fn non_number_names_file_and_line() {
    let (dir, err) = single_file_error(b"1\n2\nxyz\n4\n");
    assert_error(
        &err,
        &dir.path().join("vm"),
        Some(3),
        &format!("{EXPECTED}, found \"xyz\""),
    );
    assert_eq!(
        err.to_string(),
        format!("{}:3: {EXPECTED}, found \"xyz\"", dir.path().join("vm").display())
    );
}

#[test]
fn out_of_range_and_fractional_values_are_rejected() {
    for (contents, line, found) in [
        (&b"101\n"[..], 1, "101"),
        (b"5\n-1\n", 2, "-1"),
        (b"5\n6\n3.5\n", 3, "3.5"),
        (b"5\n 1 2 \n", 2, "1 2"),
    ] {
        let (dir, err) = single_file_error(contents);
        assert_error(
            &err,
            &dir.path().join("vm"),
            Some(line),
            &format!("{EXPECTED}, found \"{found}\""),
        );
    }
}

#[test]
fn blank_line_between_values_is_an_error_at_the_blank_line() {
    let (dir, err) = single_file_error(b"1\n\n2\n");
    assert_error(
        &err,
        &dir.path().join("vm"),
        Some(2),
        &format!("{EXPECTED}, found \"\""),
    );
}

#[test]
fn empty_file_names_the_file() {
    for contents in [&b""[..], b"\n \n"] {
        let (dir, err) = single_file_error(contents);
        assert_eq!(err.path, dir.path().join("vm"));
        assert_eq!(err.line, None);
        assert!(err.message.starts_with("empty trace file"), "{err}");
    }
}

#[test]
fn non_utf8_is_an_error_on_its_line() {
    let (dir, err) = single_file_error(b"12\n\xff\xfe3\n");
    assert_error(
        &err,
        &dir.path().join("vm"),
        Some(2),
        &format!("{EXPECTED}, found non-UTF-8 text \"\u{fffd}\u{fffd}3\""),
    );
}

#[test]
fn first_bad_file_in_order_is_reported() {
    let dir = day(&[("a", b"1\n"), ("b", b"1\n2\n999\n"), ("c", b"x")]);
    let err = read_planetlab(dir.path(), None).unwrap_err();
    assert_eq!(err.path, dir.path().join("b"));
    assert_eq!(err.line, Some(3));
}

#[test]
fn limits_fail_clearly() {
    let dir = day(&[("a", b"1\n2\n3\n"), ("b", b"1\n")]);
    let tight = PlanetLabOptions {
        max_files: 1,
        ..PlanetLabOptions::default()
    };
    let err = read_planetlab_with(dir.path(), None, &tight).unwrap_err();
    assert_eq!(err.path, dir.path());
    assert!(err.message.contains("max_files"), "{err}");

    let tight = PlanetLabOptions {
        max_lines_per_file: 2,
        ..PlanetLabOptions::default()
    };
    let err = read_planetlab_with(dir.path(), None, &tight).unwrap_err();
    assert_eq!((err.path.clone(), err.line), (dir.path().join("a"), Some(3)));

    let tight = PlanetLabOptions {
        max_file_bytes: 4,
        ..PlanetLabOptions::default()
    };
    let err = read_planetlab_with(dir.path(), None, &tight).unwrap_err();
    assert_error(
        &err,
        &dir.path().join("a"),
        None,
        "trace file has 6 bytes, more than the limit of 4 (max_file_bytes)",
    );
}

// ------------------------------------------------------------ bad directories

#[test]
fn missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = read_planetlab(&missing, None).unwrap_err();
    assert_error(&err, &missing, None, "trace directory not found");
    assert_eq!(
        err.to_string(),
        format!("{}: trace directory not found", missing.display())
    );
}

#[test]
fn not_a_directory_and_empty_directory() {
    let dir = day(&[("file", b"1")]);
    let file = dir.path().join("file");
    let err = read_planetlab(&file, None).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (file.as_path(), None));
    assert!(err.message.starts_with("not a directory"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    fs::write(empty.path().join(".dotfile"), b"1").unwrap();
    fs::create_dir(empty.path().join("sub")).unwrap();
    let err = read_planetlab(empty.path(), None).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (empty.path(), None));
    assert!(err.message.starts_with("no trace files"), "{err}");
}

// ------------------------------------------------------------ bad order files

fn order_error(order_text: &str) -> (TempDir, PathBuf, TraceFileError, TempDir) {
    let dir = day(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
    let (o, order) = order_file(order_text);
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    (dir, order, err, o)
}

#[test]
fn order_line_without_tab() {
    let (_d, order, err, _o) = order_error("0\ta\n1\tb\n2 c\n");
    assert_error(
        &err,
        &order,
        Some(3),
        "expected \"index<TAB>filename\", found \"2 c\"",
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3: expected \"index<TAB>filename\", found \"2 c\"",
            order.display()
        )
    );
}

#[test]
fn order_line_with_bad_index_or_empty_name() {
    let (_d, order, err, _o) = order_error("zero\ta\n");
    assert_error(
        &err,
        &order,
        Some(1),
        "expected \"index<TAB>filename\", found \"zero\\ta\"",
    );
    let (_d, order, err, _o) = order_error("0\t\n");
    assert_eq!((err.path, err.line), (order, Some(1)));
}

#[test]
fn order_index_out_of_sequence() {
    let (_d, order, err, _o) = order_error("0\ta\n1\tb\n7\tc\n");
    assert_error(&err, &order, Some(3), "index 7 out of sequence, expected 2");
}

#[test]
fn order_names_missing_file() {
    let (dir, order, err, _o) = order_error("0\ta\n1\tx y\n");
    assert_error(
        &err,
        &order,
        Some(2),
        &format!("file \"x y\" not found in {}", dir.path().display()),
    );
}

#[test]
fn order_names_a_directory_a_path_or_a_duplicate() {
    let dir = day(&[("a", b"1")]);
    fs::create_dir(dir.path().join("sub")).unwrap();
    let (_o, order) = order_file("0\tsub\n");
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (order.as_path(), Some(1)));
    assert!(err.message.contains("not a regular file"), "{err}");

    let (_o, order) = order_file("0\t../a\n");
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (order.as_path(), Some(1)));

    let (_o, order) = order_file("0\ta\n1\ta\n");
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_error(&err, &order, Some(2), "file \"a\" already listed at line 1");
}

#[test]
fn order_file_non_utf8_blank_middle_empty_and_missing() {
    let dir = day(&[("a", b"1")]);
    let (_o, order) = order_file("");
    fs::write(&order, b"0\ta\n\xff\tb\n").unwrap();
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (order.as_path(), Some(2)));
    assert!(err.message.contains("not valid UTF-8"), "{err}");

    fs::write(&order, b"\n0\ta\n").unwrap();
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_eq!((err.path.as_path(), err.line), (order.as_path(), Some(1)));

    fs::write(&order, b"\n").unwrap();
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_error(&err, &order, None, "order file lists no files");

    let missing = dir.path().join("missing-order.txt");
    let err = read_planetlab(dir.path(), Some(&missing)).unwrap_err();
    assert_error(&err, &missing, None, "order file not found");
}

#[test]
fn trace_errors_under_an_order_name_the_trace_file() {
    let dir = day(&[("a", b"1\n"), ("b", b"1\n2\nbad\n")]);
    let (_o, order) = order_file("0\ta\n1\tb\n");
    let err = read_planetlab(dir.path(), Some(&order)).unwrap_err();
    assert_error(
        &err,
        &dir.path().join("b"),
        Some(3),
        &format!("{EXPECTED}, found \"bad\""),
    );
}

// ------------------------------------------------------------ the real day

#[test]
fn real_day_20110303_in_cloudsim_order() {
    let start = Instant::now();
    let traces = read_planetlab(Path::new(REAL_DAY), Some(Path::new(REAL_ORDER))).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "loaded {} PlanetLab traces (20110303, CloudSim order) in {:.2} ms",
        traces.len(),
        elapsed.as_secs_f64() * 1e3
    );
    // README table: 1052 files of 288 lines, mean utilisation 12.31 %.
    assert_eq!(traces.len(), 1052);
    assert!(traces.iter().all(|t| t.samples().len() == 288));
    assert_eq!(traces[0].name(), "planetlab3_cs_st-andrews_ac_uk_upmc_ts");
    assert_eq!(traces[1].name(), "planetlab1_fit_vutbr_cz_nyu_d");
    let (sum, n) = traces
        .iter()
        .flat_map(|t| t.samples())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    let mean_percent = 100.0 * sum / n as f64;
    assert!((mean_percent - 12.31).abs() <= 0.01, "mean {mean_percent} %");
    // Names with a space are read (README: 50 on this day).
    assert_eq!(traces.iter().filter(|t| t.name().contains(' ')).count(), 50);
}

#[test]
fn real_day_20110303_sorted_has_the_same_traces() {
    let mut ordered = read_planetlab(Path::new(REAL_DAY), Some(Path::new(REAL_ORDER))).unwrap();
    let sorted = read_planetlab(Path::new(REAL_DAY), None).unwrap();
    assert!(sorted.windows(2).all(|w| w[0].name() < w[1].name()));
    ordered.sort_by(|a, b| a.name().cmp(b.name()));
    assert_eq!(ordered, sorted);
}
