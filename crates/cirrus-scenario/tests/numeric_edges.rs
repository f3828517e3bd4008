//! Numeric edge cases, explicitly: NaN and infinities in every numeric key, zero
//! capacities, empty traces, traces shorter than the run, and counts too large to
//! allocate. Each rejection must name the key and the line it is on; each acceptance is
//! documented behaviour.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use cirrus_scenario::{Origin, ScenarioError};

/// A scenario with every numeric key present (the synthetic workload's, the power
/// models', the consolidation's). Line numbers are looked up, not hard-coded.
const FULL: &str = r#"[simulation]
name = "edges"
duration_s = 3600.0
scheduling_interval_s = 300.0
step_offset_s = 0.1
seed = 1

[energy]
switch = { chassis_w = 66.7, port_w = 1.0 }
cooling = { pue = 1.5 }

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
storage_mb = 100
power = { model = "linear", max_w = 250.0, static_fraction = 0.7 }
off_w = 5.0

[[host_types]]
name = "fan"
mips_per_core = 2660
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "fan", idle_w = 100.0, max_w = 200.0, r = 1.4 }

[[host_types]]
name = "table"
mips_per_core = 2660
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "table", watts = [70.0, 110.0, 180.0] }

[hosts]
count = 6
types = ["g4", "fan", "table"]
hosts_per_rack = 2

[[vm_types]]
name = "small"
mips = 500
cores = 1
ram_mb = 613
bw_mbps = 64
size_mb = 10

[vms]
count = 4

[workload]
format = "synthetic"
distribution = { kind = "uniform", low = 0.1, high = 0.5 }
interval_s = 600.0

[placement]
policy = "ff"
admission_threshold = 1.0

[consolidation]
detector = { name = "lr", safety = 1.2, fallback_threshold = 0.7, window = 10 }
selection = { name = "mmt" }
migration = { name = "cloudsim", bandwidth_share = 0.5 }
"#;

/// (key path, `key = value` as written in [`FULL`]; the value is replaced).
const FLOAT_KEYS: &[(&str, &str)] = &[
    ("simulation.duration_s", "duration_s = 3600.0"),
    (
        "simulation.scheduling_interval_s",
        "scheduling_interval_s = 300.0",
    ),
    ("simulation.step_offset_s", "step_offset_s = 0.1"),
    ("energy.switch.chassis_w", "chassis_w = 66.7"),
    ("energy.switch.port_w", "port_w = 1.0"),
    ("energy.cooling.pue", "pue = 1.5"),
    ("host_types[0].mips_per_core", "mips_per_core = 1860"),
    ("host_types[0].bw_mbps", "bw_mbps = 1000"),
    ("host_types[0].power.max_w", "max_w = 250.0"),
    ("host_types[0].power.static_fraction", "static_fraction = 0.7"),
    ("host_types[0].off_w", "off_w = 5.0"),
    ("host_types[1].power.idle_w", "idle_w = 100.0"),
    ("host_types[1].power.r", "r = 1.4"),
    ("host_types[2].power.watts", "watts = [70.0, 110.0, 180.0]"),
    ("vm_types[0].mips", "mips = 500"),
    ("vm_types[0].bw_mbps", "bw_mbps = 64"),
    ("workload.distribution.low", "low = 0.1"),
    ("workload.distribution.high", "high = 0.5"),
    ("workload.interval_s", "interval_s = 600.0"),
    ("placement.admission_threshold", "admission_threshold = 1.0"),
    ("consolidation.detector.safety", "safety = 1.2"),
    (
        "consolidation.detector.fallback_threshold",
        "fallback_threshold = 0.7",
    ),
    ("consolidation.detector.window", "window = 10"),
    ("consolidation.migration.bandwidth_share", "bandwidth_share = 0.5"),
];

/// Integer keys: a float there is a type error.
const INTEGER_KEYS: &[(&str, &str)] = &[
    ("simulation.seed", "seed = 1"),
    ("host_types[0].cores", "cores = 2"),
    ("host_types[0].ram_mb", "ram_mb = 4096"),
    ("host_types[0].storage_mb", "storage_mb = 100"),
    ("hosts.count", "count = 6"),
    ("hosts.hosts_per_rack", "hosts_per_rack = 2"),
    ("vm_types[0].cores", "cores = 1"),
    ("vm_types[0].ram_mb", "ram_mb = 613"),
    ("vm_types[0].size_mb", "size_mb = 10"),
    ("vms.count", "count = 4"),
];

/// `FULL` with the value of `assignment` replaced by `value`, and the 1-based line the
/// assignment is on.
fn replaced(assignment: &str, value: &str) -> (String, usize) {
    let at = FULL
        .find(assignment)
        .unwrap_or_else(|| panic!("FULL lacks {assignment:?}"));
    let key = assignment.split(" = ").next().unwrap();
    let line = FULL[..at].matches('\n').count() + 1;
    let text = format!("{}{key} = {value}{}", &FULL[..at], &FULL[at + assignment.len()..]);
    (text, line)
}

fn load(text: &str, overrides: &[&str]) -> Result<cirrus_scenario::Scenario, ScenarioError> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    cirrus_scenario::load_str(text, Path::new("edges.toml"), &overrides)
}

/// The error must be about `key` (or, for a list, one of its elements) and sit on `line`.
fn assert_located(e: &ScenarioError, key: &str, line: usize, context: &str) {
    let ScenarioError::Invalid { origin, key: got, .. } = e else {
        panic!("{context}: not a located error: {e}");
    };
    assert!(
        got == key || got.starts_with(&format!("{key}[")),
        "{context}: {e}"
    );
    assert!(
        matches!(origin, Origin::File { line: l, .. } if *l == line),
        "{context}: expected line {line}: {e}"
    );
}

#[test]
fn full_scenario_loads() {
    let s = load(FULL, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.spec.hosts.len(), 6);
}

#[test]
fn nan_and_infinities_in_every_float_key() {
    for &(key, assignment) in FLOAT_KEYS {
        for value in ["nan", "-nan", "inf", "-inf"] {
            // A list gets the value as an element.
            let value = if assignment.contains('[') {
                format!("[70.0, {value}, 180.0]")
            } else {
                value.into()
            };
            let (text, line) = replaced(assignment, &value);
            let e = load(&text, &[]).expect_err(&format!("{key} = {value} was accepted"));
            assert_located(&e, key, line, &format!("{key} = {value}"));
            let m = e.to_string();
            assert!(
                m.contains("NaN") || m.contains("inf") || m.contains("finite"),
                "{key} = {value}: the message does not show the value: {m}"
            );
        }
    }
}

#[test]
fn floats_in_every_integer_key() {
    for &(key, assignment) in INTEGER_KEYS {
        for value in ["nan", "inf", "-inf", "1.5", "-0.0"] {
            let (text, line) = replaced(assignment, value);
            let e = load(&text, &[]).expect_err(&format!("{key} = {value} was accepted"));
            assert_located(&e, key, line, &format!("{key} = {value}"));
            assert!(e.to_string().contains("invalid type: floating point"), "{e}");
        }
        // And beyond the type's range.
        let (text, line) = replaced(assignment, "-1");
        let e = load(&text, &[]).expect_err(&format!("{key} = -1 was accepted"));
        assert_located(&e, key, line, &format!("{key} = -1"));
    }
}

#[test]
fn negative_zero_and_extremes() {
    // -0.0 is 0: fine where 0 is, refused where a positive number is needed.
    let (text, _) = replaced("step_offset_s = 0.1", "-0.0");
    load(&text, &[]).unwrap_or_else(|e| panic!("{e}"));
    for (assignment, key) in [
        ("duration_s = 3600.0", "simulation.duration_s"),
        ("mips = 500", "vm_types[0].mips"),
        ("mips_per_core = 1860", "host_types[0].mips_per_core"),
    ] {
        for value in ["-0.0", "0", "-1e-300", "-1.7976931348623157e308"] {
            let (text, line) = replaced(assignment, value);
            let e = load(&text, &[]).expect_err(&format!("{key} = {value}"));
            assert_located(&e, key, line, value);
        }
    }
    // The smallest positive interval and the largest duration make too many steps.
    let (text, line) = replaced("scheduling_interval_s = 300.0", "5e-324");
    let e = load(&text, &[]).unwrap_err();
    assert_located(&e, "simulation.scheduling_interval_s", line, "5e-324");
    assert!(e.to_string().contains("steps, more than the 10000000"), "{e}");
    // f64::MAX MIPS is a valid number: a VM of that size fits on no host.
    let (text, line) = replaced("mips = 500", "1.7976931348623157e308");
    let e = load(&text, &[]).unwrap_err();
    assert_located(&e, "vm_types[0].mips", line, "huge MIPS");
}

#[test]
fn zero_capacities() {
    let refused = [
        ("host_types[0].cores", "cores = 2", "expected at least 1 core"),
        (
            "host_types[0].mips_per_core",
            "mips_per_core = 1860",
            "expected a positive number, found 0",
        ),
        (
            "host_types[0].ram_mb",
            "ram_mb = 4096",
            "expected a positive amount of RAM",
        ),
        (
            "host_types[0].bw_mbps",
            "bw_mbps = 1000",
            "expected a positive number, found 0",
        ),
        (
            "vm_types[0].mips",
            "mips = 500",
            "expected a positive number, found 0",
        ),
        ("vm_types[0].cores", "cores = 1", "expected at least 1 core"),
        ("hosts.count", "count = 6", "must be at least 1"),
        ("vms.count", "count = 4", "must be at least 1"),
        ("hosts.hosts_per_rack", "hosts_per_rack = 2", "must be at least 1"),
    ];
    for (key, assignment, message) in refused {
        let (text, line) = replaced(assignment, "0");
        let e = load(&text, &[]).expect_err(&format!("{key} = 0 was accepted"));
        assert_located(&e, key, line, key);
        assert!(e.to_string().ends_with(&format!("{key}: {message}")), "{e}");
    }
    // Zero is a valid amount for these: a VM needing no RAM or network, no storage, a
    // switch drawing nothing, a host drawing nothing while off.
    for assignment in [
        "bw_mbps = 64",
        "size_mb = 10",
        "storage_mb = 100",
        "chassis_w = 66.7",
        "port_w = 1.0",
        "off_w = 5.0",
        "step_offset_s = 0.1",
    ] {
        let (text, _) = replaced(assignment, "0");
        load(&text, &[]).unwrap_or_else(|e| panic!("{assignment} -> 0: {e}"));
    }
    // A VM without RAM: whether the memory model accepts it may change; if it does not,
    // the error must be about `ram_mb`, on its line.
    let (text, line) = replaced("ram_mb = 613", "0");
    if let Err(e) = load(&text, &[]) {
        assert_located(&e, "vm_types[0].ram_mb", line, "VM ram_mb = 0");
    }
}

// ------------------------------------------------------------------ traces

/// One host, one VM following a PlanetLab trace in `day/`, an hour in 300 s steps.
const ONE_VM: &str = r#"[simulation]
name = "short"
duration_s = 3600.0
scheduling_interval_s = 300.0

[[host_types]]
name = "h"
mips_per_core = 1000
cores = 1
ram_mb = 1024
bw_mbps = 1000
power = { model = "linear", max_w = 200.0, static_fraction = 0.5 }

[hosts]
count = 1
types = ["h"]

[[vm_types]]
name = "v"
mips = 1000
ram_mb = 512

[workload]
format = "planetlab"
path = "day"
"#;

fn day_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("day")).unwrap();
    for (name, body) in files {
        fs::write(dir.path().join("day").join(name), body).unwrap();
    }
    fs::write(dir.path().join("s.toml"), ONE_VM).unwrap();
    dir
}

#[test]
fn empty_traces_are_refused_by_name() {
    for body in [&b""[..], b"\n", b"\n \r\n"] {
        let dir = day_with(&[("vm-a", b"10\n"), ("vm-b", body)]);
        let e = cirrus_scenario::load(&dir.path().join("s.toml"), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: empty trace file: expected an integer utilisation percent in 0..=100 on each line\n  \
                 (from workload.path at {}:25:1)",
                dir.path().join("day/vm-b").display(),
                dir.path().join("s.toml").display()
            )
        );
    }
    let dir = day_with(&[]);
    let e = cirrus_scenario::load(&dir.path().join("s.toml"), &[]).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{}: no trace files in directory",
            dir.path().join("day").display()
        )),
        "{e}"
    );
}

/// Documented (SCENARIOS.md "workload", `UtilizationTrace`): traces are interpolated
/// between samples and hold their last value past their end. A two-sample trace
/// (10 %, 50 %) over a one-hour run asks 100 MIPS at t = 0, 500 MIPS at 300 s, and
/// 500 MIPS at every later step.
#[test]
fn traces_shorter_than_the_run_hold_their_last_value() {
    let dir = day_with(&[("vm", b"10\n50\n")]);
    let s = cirrus_scenario::load(&dir.path().join("s.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.spec.traces[0].duration_s() < s.config.duration_s);
    // Reported, naming the file: 2 samples × 300 s against the hour.
    assert_eq!(s.short_traces.len(), 1);
    assert_eq!(
        (s.short_traces[0].samples, s.short_traces[0].covered_s),
        (2, 600.0)
    );
    assert_eq!(s.short_traces[0].file, dir.path().join("day/vm"));
    let r = s.simulation().unwrap().run().unwrap();
    let requested: Vec<(f64, f64)> = r.intervals.iter().map(|i| (i.time_s, i.requested_mips)).collect();
    assert_eq!(requested.first(), Some(&(0.0, 100.0)), "{requested:?}");
    assert_eq!(requested.len(), 13, "steps at 0, 300, …, 3600: {requested:?}");
    for &(t, mips) in &requested[1..] {
        assert_eq!(mips, 500.0, "at {t} s: {requested:?}");
    }
    // A single sample is a constant.
    let dir = day_with(&[("vm", b"30\n")]);
    let s = cirrus_scenario::load(&dir.path().join("s.toml"), &[]).unwrap();
    let r = s.simulation().unwrap().run().unwrap();
    assert!(
        r.intervals.iter().all(|i| i.requested_mips == 300.0),
        "{:?}",
        r.intervals
    );
}

// ------------------------------------------------------------------ counts

/// A count too large must be refused before anything of its size is allocated: fast.
fn refused_quickly(text: &str, overrides: &[&str], key: &str, contains: &str) {
    let started = Instant::now();
    let e = load(text, overrides).expect_err(&format!("{overrides:?} was accepted"));
    let took = started.elapsed();
    assert_eq!(e.key(), Some(key), "{e}");
    assert!(e.to_string().contains(contains), "{e}");
    // Allocating 10⁷ hosts or VMs takes seconds in a debug build; refusing, milliseconds.
    assert!(
        took < Duration::from_secs(2),
        "{overrides:?} took {took:?}: allocated first?"
    );
}

#[test]
fn huge_counts_are_refused_before_allocating() {
    let limit = "more than the 10000000 this version supports";
    for n in ["10000001", "4294967296", "1000000000000000"] {
        refused_quickly(FULL, &[&format!("hosts.count={n}")], "hosts.count", limit);
        refused_quickly(FULL, &[&format!("vms.count={n}")], "vms.count", limit);
    }
    // Steps: duration / interval.
    refused_quickly(
        FULL,
        &["simulation.duration_s=1e8", "simulation.scheduling_interval_s=1"],
        "simulation.scheduling_interval_s",
        "1.000e8 steps, more than the 10000000 this version supports",
    );
    refused_quickly(
        FULL,
        &[
            "simulation.duration_s=1e15",
            "simulation.scheduling_interval_s=1e-300",
        ],
        "simulation.scheduling_interval_s",
        "steps, more than the 10000000",
    );
    // Synthetic samples: per VM (a tiny sampling interval), and in all.
    refused_quickly(
        FULL,
        &["workload.interval_s=1e-300"],
        "workload.interval_s",
        "samples per VM, more than",
    );
    refused_quickly(
        FULL,
        &["workload.interval_s=1e-4"],
        "workload.interval_s",
        "3.600e7 samples per VM",
    );
    refused_quickly(
        FULL,
        &[
            "vms.count=10000000",
            "simulation.duration_s=86400",
            "workload.interval_s=60",
        ],
        "vms.count",
        "10000000 VMs of 1441 samples each (duration_s / workload.interval_s) is 14410000000 samples, \
         more than the 400000000 this version generates",
    );
    // Type lists: their checks are quadratic, so their length is bounded too.
    let names = vec!["\"g4\""; 10_001].join(", ");
    refused_quickly(
        &FULL.replacen(
            "types = [\"g4\", \"fan\", \"table\"]",
            &format!("types = [{names}]"),
            1,
        ),
        &[],
        "hosts.types",
        "10001 names, more than the 10000 this version supports",
    );
    let names = vec!["\"small\""; 10_001].join(", ");
    refused_quickly(
        &FULL.replacen("count = 4\n", &format!("count = 4\ntypes = [{names}]\n"), 1),
        &[],
        "vms.types",
        "10001 names, more than the 10000 this version supports",
    );
}

/// Finite numbers too large to be real (beyond ±10¹⁵) are refused wherever they are, so
/// that no result can overflow to infinity; the seed is exempt.
#[test]
fn numbers_beyond_any_real_quantity() {
    for (key, assignment) in FLOAT_KEYS.iter().chain(INTEGER_KEYS) {
        if *key == "simulation.seed" {
            continue;
        }
        for value in [
            "1e308",
            "-1.7976931348623157e308",
            "1.0000001e15",
            "9223372036854775807",
        ] {
            let value = if assignment.contains('[') {
                format!("[70.0, {value}]")
            } else {
                value.into()
            };
            let (text, line) = replaced(assignment, &value);
            let e = load(&text, &[]).expect_err(&format!("{key} = {value} was accepted"));
            assert_located(&e, key, line, &format!("{key} = {value}"));
        }
    }
    let (text, line) = replaced("max_w = 250.0", "1e308");
    assert_eq!(
        load(&text, &[]).unwrap_err().to_string(),
        format!(
            "edges.toml:{line}:29: host_types[0].power.max_w: 1e308 is beyond ±1e15, larger than any real \
             quantity (a wrong unit?)"
        )
    );
    let e = load(FULL, &["hosts.count=9223372036854775807"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--set hosts.count=9223372036854775807: hosts.count: 9223372036854775807 is beyond ±1e15, larger \
         than any real quantity (a wrong unit?)"
    );
    // Up to the bound is fine (it is not a unit error to be big), and so is any seed.
    let (text, _) = replaced("max_w = 250.0", "1e15");
    load(&text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let (text, _) = replaced("seed = 1", "9223372036854775807");
    load(&text, &[]).unwrap_or_else(|e| panic!("{e}"));
}

/// The limits themselves are allowed (slow in a debug build: run with `--ignored`).
#[test]
#[ignore = "allocates 10^7 hosts and 10^7 VMs (seconds, ~1 GB)"]
fn limits_are_inclusive() {
    let s = load(FULL, &["hosts.count=10000000"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.spec.hosts.len(), 10_000_000);
    let s =
        load(FULL, &["vms.count=10000000", "simulation.duration_s=300"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.spec.vms.len(), 10_000_000);
    load(
        FULL,
        &[
            "simulation.duration_s=1e7",
            "simulation.scheduling_interval_s=1",
            "workload.interval_s=300",
        ],
    )
    .unwrap_or_else(|e| panic!("10^7 steps: {e}"));
}
