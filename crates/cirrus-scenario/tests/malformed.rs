//! One test per class of malformed input, each asserting that the message names the
//! file, the line (and column) and the key — or the `--set` argument, or the trace file
//! and its line. `errors.rs` pins the basic cases of most classes; this file adds the
//! variants of each class it does not cover, and the classes it lacks (bad policy
//! parameters, unreadable trace lines, bad order-file lines, bad `--set` keys, files that
//! are not UTF-8 or too large).
//!
//! | class | here | in `errors.rs` |
//! |---|---|---|
//! | TOML syntax error | `toml_syntax_errors`, `scenario_file_not_utf8_or_too_large` | `invalid_toml_syntax` |
//! | unknown key | `unknown_keys` | `unknown_nested_key`, `unknown_top_level_key` |
//! | wrong type | `wrong_types` | `wrong_type_points_at_the_key` |
//! | out-of-range value | `out_of_range_values` | `indented_key_in_the_second_array_table`, `huge_count` |
//! | unknown policy / model name | `unknown_names` | `inline_table_key_column`, `unknown_enum_value` |
//! | bad policy parameter | `bad_policy_parameters` | — |
//! | missing trace directory | `missing_or_wrong_trace_paths` | `missing_trace_directory_names_key_and_line` |
//! | unreadable trace line | `unreadable_trace_line` | — |
//! | bad order file line | `bad_order_file_line` | — |
//! | bad `--set` argument | `bad_set_arguments` | `values_from_overrides_are_blamed_on_the_argument` |

use std::fs;
use std::path::{Path, PathBuf};

use cirrus_scenario::{Origin, ScenarioError};

/// `errors.rs`'s small synthetic scenario plus a consolidation section (detector,
/// selection, migration), so that every kind of name and parameter is present. Line
/// numbers below refer to it.
const BASE: &str = r#"[simulation]
name = "malformed"
duration_s = 3600.0
scheduling_interval_s = 300.0
seed = 1

[energy]
off_rule = "zero-utilization"

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[[host_types]]
  name = "lin"
  mips_per_core = 2660
  cores = 2
  ram_mb = 4096
  bw_mbps = 1000
  power = { model = "linear", max_w = 250.0, static_fraction = 0.7 }

[hosts]
count = 4
types = ["g4", "lin"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 1740

[vms]
count = 6

[workload]
format = "synthetic"
distribution = { kind = "normal", mean = 0.3, std_dev = 0.1 }

[placement]
policy = "ff"

[consolidation]
detector = { name = "lr", safety = 1.2 }
selection = { name = "mmt" }
migration = { name = "cloudsim" }
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    BASE.replacen(from, to, 1)
}

fn error_at(text: &str, path: &Path, overrides: &[&str]) -> ScenarioError {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match cirrus_scenario::load_str(text, path, &overrides) {
        Ok(_) => panic!("expected an error, the scenario loaded"),
        Err(e) => e,
    }
}

fn message(text: &str, overrides: &[&str]) -> String {
    error_at(text, Path::new("x.toml"), overrides).to_string()
}

/// Loads each `(text, expected message)` and lists every mismatch at once.
fn expect_all<'a>(cases: impl Iterator<Item = (&'a str, &'a str)>) {
    let wrong: Vec<String> = cases
        .filter_map(|(text, expected)| {
            let got = message(text, &[]);
            (got != expected).then(|| format!("expected: {expected}\n     got: {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn base_loads() {
    cirrus_scenario::load_str(BASE, Path::new("x.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
}

// ------------------------------------------------------------------ TOML syntax

#[test]
fn toml_syntax_errors() {
    // Each: the broken text, and the location and message the parser reports.
    let cases = [
        (
            with("seed = 1", "seed = 1\nseed = 2"),
            "x.toml:6:1: invalid TOML: duplicate key `seed` in table `simulation`",
        ),
        (
            format!("{BASE}\n[hosts]\ncount = 5\n"),
            "x.toml:50:1: invalid TOML: invalid table header; duplicate key `hosts` in document root",
        ),
        (
            with("name = \"malformed\"", "name = \"malformed"),
            "x.toml:2:18: invalid TOML: invalid basic string",
        ),
        (
            with("name = \"malformed\"", "name = \"mal\\qformed\""),
            "x.toml:2:14: invalid TOML: invalid escape sequence; expected `b`, `f`, `n`, `r`, `t`, `u`, \
             `U`, `\\`, `\"`",
        ),
        (
            with("types = [\"g4\", \"lin\"]", "types = [\"g4\", \"lin\""),
            "x.toml:30:1: invalid TOML: invalid array; expected `]`",
        ),
        (
            with("seed = 1", "seed = 18446744073709551616"),
            "x.toml:5:8: invalid TOML: number too large to fit in target type",
        ),
        (
            with("[energy]", "[energy"),
            "x.toml:7:8: invalid TOML: invalid table header; expected `.`, `]`",
        ),
    ];
    expect_all(cases.iter().map(|(t, e)| (t.as_str(), *e)));
}

#[test]
fn scenario_file_not_utf8_or_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    // "café" in Latin-1 on line 2, column 10.
    fs::write(&path, b"[simulation]\nname = \"caf\xe9\"\n").unwrap();
    let e = cirrus_scenario::load(&path, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2:12: invalid UTF-8: a scenario file is UTF-8 text",
            path.display()
        )
    );

    let big = dir.path().join("big.toml");
    let f = fs::File::create(&big).unwrap();
    f.set_len(cirrus_scenario::MAX_SCENARIO_BYTES + 1).unwrap();
    let e = cirrus_scenario::load(&big, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: cannot read scenario: larger than 16777216 bytes; is this a scenario file?",
            big.display()
        )
    );

    let missing = dir.path().join("missing.toml");
    let e = cirrus_scenario::load(&missing, &[]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read scenario: ", missing.display())),
        "{e}"
    );
    // A directory, and an endless device, are refused without being read to the end.
    for odd in [dir.path(), Path::new("/dev/zero")] {
        if odd.exists() {
            let e = cirrus_scenario::load(odd, &[]).unwrap_err();
            assert!(matches!(e, ScenarioError::Io { .. }), "{e}");
            assert!(e.to_string().starts_with(&odd.display().to_string()), "{e}");
        }
    }
}

// ------------------------------------------------------------------ unknown keys

#[test]
fn unknown_keys() {
    // (The lists of known fields grow with the schema: only their start is pinned.)
    let e = message(&with("ram_mb = 1740", "ram_mb = 1740\nram = 1"), &[]);
    assert!(
        e.starts_with(
            "x.toml:34:1: vm_types[0].ram: unknown field `ram`, expected one of `name`, `mips`, `cores`, \
             `ram_mb`, `bw_mbps`"
        ),
        "{e}"
    );
    let e = message(&with("  bw_mbps = 1000\n", "  bw_mbps = 1000\n  bw = 1\n"), &[]);
    assert!(
        e.starts_with(
            "x.toml:24:3: host_types[1].bw: unknown field `bw`, expected one of `name`, `mips_per_core`, \
             `cores`, `ram_mb`, `bw_mbps`"
        ),
        "{e}"
    );
    // Parameters are checked by the model, and still located.
    assert_eq!(
        message(
            &with("static_fraction = 0.7 }", "static_fraction = 0.7, idle = 3 }"),
            &[]
        ),
        "x.toml:24:69: host_types[1].power.idle: unknown parameter; known: max_w, static_fraction"
    );
    assert_eq!(
        message(&with("safety = 1.2 }", "safety = 1.2, windw = 5 }"), &[]),
        "x.toml:46:41: consolidation.detector.windw: unknown parameter; known: safety, \
         fallback_threshold, window, weighting"
    );
    assert_eq!(
        message(
            &with("policy = \"ff\"", "policy = \"pabfd\"\nparams = { x = 1 }"),
            &[]
        ),
        "x.toml:44:12: placement.params.x: unknown parameter; this model takes none"
    );
    assert_eq!(
        message(
            &with("policy = \"ff\"", "policy = \"ff\"\nparams = { x = 1 }"),
            &[]
        ),
        "x.toml:44:12: placement.params.x: unknown parameter; known: admission"
    );
    assert_eq!(
        message(&with("std_dev = 0.1 }", "std_dev = 0.1, sd = 0.1 }"), &[]),
        "x.toml:40:62: workload.distribution.sd: unknown parameter; known: mean, std_dev"
    );
}

// ------------------------------------------------------------------ wrong types

#[test]
fn wrong_types() {
    let cases = [
        (
            with("cores = 2\n", "cores = 2.5\n"),
            "x.toml:13:1: host_types[0].cores: invalid type: floating point `2.5`, expected u32",
        ),
        (
            with("seed = 1", "seed = 1\nstep_at_start = \"yes\""),
            "x.toml:6:1: simulation.step_at_start: invalid type: string \"yes\", expected a boolean",
        ),
        (
            format!(
                "energy = \"x\"\n{}",
                with("[energy]\noff_rule = \"zero-utilization\"", "")
            ),
            "x.toml:1:1: energy: invalid type: string \"x\", expected struct EnergySection",
        ),
        (
            with("name = \"malformed\"", "name = { first = \"a\" }"),
            "x.toml:2:1: simulation.name: invalid type: map, expected a string",
        ),
        (
            with("types = [\"g4\", \"lin\"]", "types = \"g4\""),
            "x.toml:28:1: hosts.types: invalid type: string \"g4\", expected a sequence",
        ),
        (
            with("types = [\"g4\", \"lin\"]", "types = [\"g4\", 2]"),
            "x.toml:28:16: hosts.types[1]: invalid type: integer `2`, expected a string",
        ),
        (
            with("ram_mb = 1740", "ram_mb = -1740"),
            "x.toml:33:1: vm_types[0].ram_mb: invalid value: integer `-1740`, expected u64",
        ),
        (
            with("{ model = \"spec-hp-ml110-g4\" }", "\"spec-hp-ml110-g4\""),
            "x.toml:16:1: host_types[0].power: invalid type: string \"spec-hp-ml110-g4\", expected a map",
        ),
        (
            with("safety = 1.2 }", "safety = \"high\" }"),
            "x.toml:46:27: consolidation.detector.safety: expected a number, found a string",
        ),
        (
            with("max_w = 250.0", "max_w = [250.0]"),
            "x.toml:24:31: host_types[1].power.max_w: expected a number, found a list of numbers",
        ),
        (
            with("max_w = 250.0", "max_w = { w = 1 }"),
            "x.toml:24:31: host_types[1].power.max_w: expected a number, found a table",
        ),
    ];
    expect_all(cases.iter().map(|(t, e)| (t.as_str(), *e)));
}

// ------------------------------------------------------------------ out of range

#[test]
fn out_of_range_values() {
    let cases = [
        (
            with("policy = \"ff\"", "policy = \"ff\"\nadmission_threshold = 0"),
            "x.toml:44:1: placement.admission_threshold: expected a number in (0, 1], found 0",
        ),
        (
            with("policy = \"ff\"", "policy = \"ff\"\nadmission_threshold = 80"),
            "x.toml:44:1: placement.admission_threshold: a fraction in [0, 1] is expected, found 80; did you mean 0.8?",
        ),
        (
            with("safety = 1.2 }", "safety = 1.2, fallback_threshold = 7 }"),
            "x.toml:46:41: consolidation.detector.fallback_threshold: a fraction in [0, 1] is expected, found 7; did you mean 0.07?",
        ),
        (
            with("seed = 1", "seed = 1\nstep_offset_s = -0.1"),
            "x.toml:6:1: simulation.step_offset_s: expected a number >= 0, found -0.1",
        ),
        (
            with("off_rule = \"zero-utilization\"", "cooling = { pue = 0.5 }"),
            "x.toml:8:13: energy.cooling.pue: expected a number >= 1, found 0.5",
        ),
        (
            with("count = 4", "count = 4\nhosts_per_rack = 0"),
            "x.toml:28:1: hosts.hosts_per_rack: must be at least 1",
        ),
        (
            with("mean = 0.3", "mean = 3"),
            "x.toml:40:35: workload.distribution.mean: a fraction in [0, 1] is expected, found 3; did you mean 0.03?",
        ),
        (
            with("safety = 1.2", "safety = -1.2"),
            "x.toml:46:27: consolidation.detector.safety: expected a finite safety parameter >= 0, found -1.2",
        ),
        (
            with("ram_mb = 1740", "ram_mb = 1740\nbw_mbps = -1"),
            "x.toml:34:1: vm_types[0].bw_mbps: expected a number >= 0, found -1",
        ),
        (
            with("  bw_mbps = 1000", "  bw_mbps = 0"),
            "x.toml:23:3: host_types[1].bw_mbps: expected a positive number, found 0",
        ),
        (
            with("count = 6", "count = 0"),
            "x.toml:36:1: vms.count: must be at least 1",
        ),
    ];
    expect_all(cases.iter().map(|(t, e)| (t.as_str(), *e)));
}

// ------------------------------------------------------------------ unknown names

/// The names a registry knows, as its error lists them.
fn known(names: impl Iterator<Item = &'static str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[test]
fn unknown_names() {
    use cirrus::registry;
    assert_eq!(
        message(&with("policy = \"ff\"", "policy = \"bestfit\""), &[]),
        format!(
            "x.toml:43:1: placement.policy: unknown placement policy \"bestfit\"; known: {}",
            known(registry::placement_policies().iter().map(|e| e.name))
        )
    );
    assert_eq!(
        message(&with("name = \"lr\"", "name = \"xyz\""), &[]),
        format!(
            "x.toml:46:14: consolidation.detector.name: unknown overload detector \"xyz\"; known: {}",
            known(registry::overload_detectors().iter().map(|e| e.name))
        )
    );
    assert_eq!(
        message(&with("name = \"mmt\"", "name = \"abc\""), &[]),
        format!(
            "x.toml:47:15: consolidation.selection.name: unknown VM selection policy \"abc\"; known: {}",
            known(registry::vm_selections().iter().map(|e| e.name))
        )
    );
    assert_eq!(
        message(&with("name = \"cloudsim\"", "name = \"teleport\""), &[]),
        format!(
            "x.toml:48:15: consolidation.migration.name: unknown migration model \"teleport\"; known: {}",
            known(registry::migration_models().iter().map(|e| e.name))
        )
    );
    assert_eq!(
        message(&with("format = \"synthetic\"", "format = \"csv\""), &[]),
        "x.toml:39:1: workload.format: unknown workload format \"csv\"; known: planetlab, synthetic, azure, google, bitbrains, swf"
    );
    assert_eq!(
        message(&with("count = 6", "count = 6\nassign = \"random\""), &[]),
        "x.toml:37:1: vms.assign: unknown variant `random`, expected `round-robin` or `blocks`"
    );
    assert_eq!(
        message(
            &with("types = [\"g4\", \"lin\"]", "types = [\"g4\", \"g5\"]"),
            &[]
        ),
        "x.toml:28:16: hosts.types[1]: unknown host type \"g5\"; known: g4, lin"
    );
}

// ------------------------------------------------------------------ bad parameters

#[test]
fn bad_policy_parameters() {
    let cases = [
        (
            with("safety = 1.2 }", "safety = 1.2, window = 2 }"),
            "x.toml:46:41: consolidation.detector.window: expected an integer >= 3 (CloudSim's regression \
             needs three values), found 2",
        ),
        (
            with("safety = 1.2 }", "safety = 1.2, window = 10.5 }"),
            "x.toml:46:41: consolidation.detector.window: expected an integer >= 3 (CloudSim's regression \
             needs three values), found 10.5",
        ),
        (
            with("safety = 1.2 }", "safety = 1.2, weighting = \"x\" }"),
            "x.toml:46:41: consolidation.detector.weighting: expected \"cloudsim\" or \"tricube\", found \"x\"",
        ),
        (
            with(
                "name = \"cloudsim\" }",
                "name = \"cloudsim\", bandwidth_share = 0 }",
            ),
            "x.toml:48:34: consolidation.migration.bandwidth_share: must be in (0, 1], found 0",
        ),
        (
            with("max_w = 250.0, ", ""),
            "x.toml:24:3: host_types[1].power.max_w: missing required number",
        ),
        (
            with(
                "{ model = \"linear\", max_w = 250.0, static_fraction = 0.7 }",
                "{ model = \"table\", watts = [1.0] }",
            ),
            "x.toml:24:30: host_types[1].power.watts: expected at least 2 values (power at utilisation 0 and 1), found 1",
        ),
        (
            with("safety = 1.2 }", "safety = nan }"),
            "x.toml:46:27: consolidation.detector.safety: expected a finite number, found NaN",
        ),
        (
            with("name = \"mmt\" }", "name = \"mmt\", k = 1 }"),
            "x.toml:47:29: consolidation.selection.k: unknown parameter; this model takes none",
        ),
    ];
    expect_all(cases.iter().map(|(t, e)| (t.as_str(), *e)));
}

// ------------------------------------------------------------------ traces

/// A PlanetLab scenario in a temporary folder, next to a `day/` of traces and an
/// `order.txt`. Line numbers: `path` is on line 25, `order` on line 26.
struct Day {
    dir: tempfile::TempDir,
}

const PLANETLAB: &str = r#"[simulation]
name = "pl"
duration_s = 86400.0
scheduling_interval_s = 300.0

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[hosts]
count = 4
types = ["g4"]

[[vm_types]]
name = "small"
mips = 500
ram_mb = 613

[workload]
format = "planetlab"
path = "day"
order = "order.txt"
"#;

impl Day {
    fn new(traces: &[(&str, &[u8])], order: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("day")).unwrap();
        for (name, body) in traces {
            fs::write(dir.path().join("day").join(name), body).unwrap();
        }
        fs::write(dir.path().join("order.txt"), order).unwrap();
        fs::write(dir.path().join("s.toml"), PLANETLAB).unwrap();
        Self { dir }
    }

    fn scenario(&self) -> PathBuf {
        self.dir.path().join("s.toml")
    }

    fn at(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn error(&self, overrides: &[&str]) -> ScenarioError {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        cirrus_scenario::load(&self.scenario(), &overrides).unwrap_err()
    }
}

#[test]
fn planetlab_day_loads() {
    let day = Day::new(&[("a", b"10\n20\n"), ("b", b"5\n")], b"0\tb\n1\ta\n");
    let s = cirrus_scenario::load(&day.scenario(), &[]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = s.spec.traces.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["b", "a"]);
}

#[test]
fn missing_or_wrong_trace_paths() {
    let day = Day::new(&[("a", b"10\n")], b"0\ta\n");
    let s = day.scenario();
    // The folder is a file.
    // (A path given with --set is relative to the working directory, so use an absolute one.)
    let arg = format!("workload.path={}", s.display());
    let e = day.error(&[&arg]);
    assert_eq!(e.key(), Some("workload.path"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: not a directory (expected a PlanetLab day: a directory with one file per VM)\n  \
             (from workload.path at --set {arg})",
            s.display()
        )
    );
    // The order file is missing: blamed on `order`, in the file.
    fs::remove_file(day.at("order.txt")).unwrap();
    let e = day.error(&[]);
    assert_eq!(e.key(), Some("workload.order"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: order file not found\n  (from workload.order at {}:26:1)",
            day.at("order.txt").display(),
            s.display()
        )
    );
    // The folder is missing.
    fs::remove_dir_all(day.at("day")).unwrap();
    let e = day.error(&[]);
    assert_eq!(
        e.to_string(),
        format!(
            "{}: trace directory not found\n  (from workload.path at {}:25:1)",
            day.at("day").display(),
            s.display()
        )
    );
}

#[test]
fn unreadable_trace_line() {
    let day = Day::new(
        &[("a", b"10\n20\n"), ("vm b", b"1\n2\nabc\n")],
        b"0\ta\n1\tvm b\n",
    );
    let e = day.error(&[]);
    assert_eq!(e.key(), Some("workload.path"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3: expected an integer utilisation percent in 0..=100, found \"abc\"\n  (from workload.path at \
             {}:25:1)",
            day.at("day/vm b").display(),
            day.scenario().display()
        )
    );
    let ScenarioError::Trace { trace, .. } = e else {
        panic!("not a trace error")
    };
    assert_eq!((trace.path, trace.line), (day.at("day/vm b"), Some(3)));
}

#[test]
fn bad_order_file_line() {
    let day = Day::new(&[("a", b"10\n"), ("b", b"20\n")], b"0\ta\n1 b\n");
    let e = day.error(&[]);
    assert_eq!(e.key(), Some("workload.order"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2: expected \"index<TAB>filename\", found \"1 b\"\n  (from workload.order at {}:26:1)",
            day.at("order.txt").display(),
            day.scenario().display()
        )
    );
    let ScenarioError::Trace { origin, .. } = &e else {
        panic!("not a trace error")
    };
    assert!(
        matches!(
            origin,
            Origin::File {
                line: 26,
                column: 1,
                ..
            }
        ),
        "{origin:?}"
    );
    // An order file given with --set is blamed on the argument.
    fs::write(day.at("other.txt"), b"0\ta\n0\tb\n").unwrap();
    let arg = format!("workload.order={}", day.at("other.txt").display());
    let e = day.error(&[&arg]);
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2: index 0 out of sequence, expected 1\n  (from workload.order at --set {arg})",
            day.at("other.txt").display()
        )
    );
}

// ------------------------------------------------------------------ --set

#[test]
fn bad_set_arguments() {
    let cases: &[(&str, &str)] = &[
        ("=5", "--set =5: empty key; expected KEY=VALUE"),
        (
            "hosts.count",
            "--set hosts.count: hosts.count: expected KEY=VALUE, e.g. simulation.seed=7",
        ),
        (
            "hosts..count=3",
            "--set hosts..count=3: hosts..count: malformed key \"hosts..count\": expected names joined by \
             '.' and [N] indices, e.g. host_types[0].cores",
        ),
        (
            "host_types[x].cores=3",
            "--set host_types[x].cores=3: host_types[x].cores: malformed key \"host_types[x].cores\": \
             expected names joined by '.' and [N] indices, e.g. host_types[0].cores",
        ),
        (
            "simulation.seed.x=3",
            "--set simulation.seed.x=3: simulation.seed.x: cannot set \"x\" inside a non-table value",
        ),
        (
            "hosts[0]=3",
            "--set hosts[0]=3: hosts[0]: cannot index [0] into a non-array value",
        ),
        (
            "simulation.duration_s=nan",
            "--set simulation.duration_s=nan: simulation.duration_s: expected a positive number, found NaN",
        ),
        (
            "consolidation.detector.safety=[1, 2]",
            "--set consolidation.detector.safety=[1, 2]: consolidation.detector.safety: expected a number, \
             found a list of numbers",
        ),
    ];
    for (arg, expected) in cases {
        assert_eq!(&message(BASE, &[arg]), expected, "--set {arg}");
    }
    let e = message(BASE, &["simulation.sped=3"]);
    assert!(
        e.starts_with(
            "--set simulation.sped=3: simulation.sped: unknown field `sped`, expected one of `name`, "
        ),
        "{e}"
    );
    let deep = format!("placement.params.{}=1", vec!["a"; 40].join("."));
    let e = message(BASE, &[&deep]);
    assert!(
        e.starts_with(&format!("--set {deep}: "))
            && e.ends_with("key has 42 parts, more than the 32 this version supports"),
        "{e}"
    );
}

/// The deepest nesting the parser and `--set` allow together (80 levels of value from
/// TOML, 32 key parts) is an error, not a stack overflow, on a test thread's stack.
#[test]
fn deepest_allowed_nesting_does_not_overflow() {
    let key = vec!["a"; 29].join(".");
    let value = format!("{}1{}", "[".repeat(78), "]".repeat(78));
    let text = with(
        "policy = \"ff\"",
        &format!("policy = \"ff\"\nparams.{key}.x = {value}"),
    );
    // placement + params + 29 + y = 32 parts, through the tables the file made.
    let arg = format!("placement.params.{key}.y={value}");
    let e = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || message(&text, &[&arg]))
        .unwrap()
        .join()
        .expect("no panic, no overflow");
    assert!(
        e.contains("placement.params.a.a.a") && e.ends_with("expected a number"),
        "{e}"
    );
}
