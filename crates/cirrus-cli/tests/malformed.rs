//! Malformed input, through the real `cirrus` binary: every class of mistake
//! exits with code 2, prints nothing on stdout, writes no results, and names
//! the scenario file, the line (and column) and key path of the offending
//! value, and what was expected.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn traces(rel: &str) -> PathBuf {
    workspace().join("traces/planetlab").join(rel)
}

/// The shipped DVFS scenario, its trace paths made absolute so it can live
/// anywhere.
fn dvfs_text() -> String {
    let text = std::fs::read_to_string(workspace().join("scenarios/planetlab-20110303-dvfs.toml")).unwrap();
    let text = replace_once(
        &text,
        "path = \"../traces/planetlab/20110303\"",
        &format!("path = \"{}\"", traces("20110303").display()),
    );
    replace_once(
        &text,
        "order = \"../traces/planetlab/cloudsim_listfiles_order/20110303.txt\"",
        &format!(
            "order = \"{}\"",
            traces("cloudsim_listfiles_order/20110303.txt").display()
        ),
    )
}

/// `text` with the first occurrence of `from` replaced; `from` must occur.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the scenario no longer contains {from:?}");
    text.replacen(from, to, 1)
}

/// 1-based line of the only line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{needle:?} should be on exactly one line, found on {hits:?}"
    );
    hits[0]
}

/// A scenario written into its own temporary folder.
struct Case {
    dir: TempDir,
    scenario: PathBuf,
    text: String,
}

impl Case {
    fn new(text: String) -> Self {
        Self::in_dir(tempfile::tempdir().unwrap(), text)
    }

    fn in_dir(dir: TempDir, text: String) -> Self {
        let scenario = dir.path().join("scenario.toml");
        std::fs::write(&scenario, &text).unwrap();
        Self { dir, scenario, text }
    }

    fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `cirrus run SCENARIO --out DIR EXTRA…`, which must fail as bad input;
    /// returns stderr.
    fn run_fails(&self, extra: &[&str]) -> String {
        let out = Command::new(CIRRUS)
            .arg("run")
            .arg(&self.scenario)
            .arg("--out")
            .arg(self.out_dir())
            .args(extra)
            .output()
            .unwrap();
        self.bad_input(out)
    }

    /// `cirrus validate SCENARIO EXTRA…`, which must fail as bad input.
    fn validate_fails(&self, extra: &[&str]) -> String {
        let out = Command::new(CIRRUS)
            .arg("validate")
            .arg(&self.scenario)
            .args(extra)
            .output()
            .unwrap();
        self.bad_input(out)
    }

    fn bad_input(&self, out: Output) -> String {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "expected exit code 2 (bad input)\nstdout: {stdout}\nstderr: {stderr}"
        );
        assert!(
            stdout.trim().is_empty(),
            "nothing may be printed on stdout on failure, got: {stdout}"
        );
        assert!(stderr.starts_with("error: "), "stderr: {stderr}");
        assert!(
            !self.out_dir().join("summary.json").exists(),
            "a failed run must not write summary.json"
        );
        stderr
    }

    /// `"<scenario>:<line>:<col>: <key>: "`, how an error about `key` starts.
    fn at(&self, line: usize, column: usize, key: &str) -> String {
        format!("error: {}:{line}:{column}: {key}: ", self.scenario.display())
    }
}

fn assert_contains(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "stderr should contain {needle:?}\nstderr: {stderr}"
        );
    }
}

fn assert_starts(stderr: &str, prefix: &str) {
    assert!(
        stderr.starts_with(prefix),
        "stderr should start with {prefix:?}\nstderr: {stderr}"
    );
}

#[test]
fn the_unmodified_scenario_validates() {
    // The baseline every other case mutates must itself be fine, or the cases
    // below would be testing the wrong mistake.
    let case = Case::new(dvfs_text());
    let out = Command::new(CIRRUS)
        .arg("validate")
        .arg(&case.scenario)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_contains(
        &String::from_utf8_lossy(&out.stdout),
        &["ok (800 hosts, 1052 VMs, 1052 traces)"],
    );
}

#[test]
fn wrong_type() {
    let case = Case::new(replace_once(&dvfs_text(), "cores = 2", "cores = \"two\""));
    let line = line_of(&case.text, "cores = \"two\"");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "host_types[0].cores"));
    assert_contains(&stderr, &["\"two\"", "expected u32"]);
    // `validate` reports the same.
    assert_eq!(case.validate_fails(&[]), stderr);
}

#[test]
fn unknown_top_level_key() {
    let case = Case::new(format!("colour = \"blue\"\n{}", dvfs_text()));
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(1, 1, "colour"));
    assert_contains(
        &stderr,
        &[
            "unknown field `colour`",
            "expected one of",
            "`simulation`",
            "`workload`",
        ],
    );
}

#[test]
fn unknown_table() {
    let case = Case::new(replace_once(&dvfs_text(), "[placement]", "[placemnet]"));
    let line = line_of(&case.text, "[placemnet]");
    let stderr = case.run_fails(&[]);
    // Column 2: the table's name inside the brackets.
    assert_starts(&stderr, &case.at(line, 2, "placemnet"));
    assert_contains(&stderr, &["unknown field `placemnet`", "`placement`"]);
}

#[test]
fn unknown_key_in_a_table() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "[simulation]\n",
        "[simulation]\nsped = 1\n",
    ));
    let line = line_of(&case.text, "sped = 1");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "simulation.sped"));
    assert_contains(
        &stderr,
        &[
            "unknown field `sped`",
            "expected one of",
            "`scheduling_interval_s`",
        ],
    );
}

#[test]
fn unknown_key_in_an_array_of_tables() {
    // In the second [[host_types]]: the index must be right too.
    let text = dvfs_text();
    let second = text.find("name = \"hp-ml110-g5\"").unwrap();
    let text = format!(
        "{}{}",
        &text[..second],
        replace_once(&text[second..], "cores = 2\n", "cores = 2\n  turbo = true\n")
    );
    let case = Case::new(text);
    let line = line_of(&case.text, "turbo = true");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 3, "host_types[1].turbo"));
    assert_contains(&stderr, &["unknown field `turbo`", "`mips_per_core`"]);
}

#[test]
fn unknown_power_model_lists_the_known_ones() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "power = { model = \"spec-hp-ml110-g5\" }",
        "power = { model = \"spec-g6\" }",
    ));
    let line = line_of(&case.text, "spec-g6");
    // Column of `model` inside the inline table.
    let column = case.text.lines().nth(line - 1).unwrap().find("model").unwrap() + 1;
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, column, "host_types[1].power.model"));
    assert_contains(&stderr, &["unknown power model \"spec-g6\"", "known: "]);
    let models = cirrus::registry::power_models();
    assert!(!models.is_empty());
    for m in models {
        assert_contains(&stderr, &[m.name]);
    }
}

#[test]
fn unknown_placement_policy_lists_the_known_ones() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "policy = \"ff\"",
        "policy = \"best-fit\"",
    ));
    let line = line_of(&case.text, "policy = \"best-fit\"");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "placement.policy"));
    assert_contains(&stderr, &["unknown placement policy \"best-fit\"", "known: "]);
    for p in cirrus::registry::placement_policies() {
        assert_contains(&stderr, &[p.name]);
    }
}

#[test]
fn negative_mips() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "mips_per_core = 1860",
        "mips_per_core = -1860",
    ));
    let line = line_of(&case.text, "-1860");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "host_types[0].mips_per_core"));
    assert_contains(&stderr, &["expected a positive number, found -1860"]);
}

#[test]
fn negative_cores() {
    let case = Case::new(replace_once(&dvfs_text(), "cores = 2", "cores = -2"));
    let line = line_of(&case.text, "cores = -2");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "host_types[0].cores"));
    assert_contains(&stderr, &["-2", "expected u32"]);
}

#[test]
fn zero_ram() {
    let case = Case::new(replace_once(&dvfs_text(), "ram_mb = 4096", "ram_mb = 0"));
    let line = line_of(&case.text, "ram_mb = 0");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "host_types[0].ram_mb"));
    assert_contains(&stderr, &["expected a positive amount of RAM"]);
}

#[test]
fn vm_larger_than_every_host() {
    // `micro`, the fourth VM type, is the only one with 613 MB.
    let case = Case::new(replace_once(&dvfs_text(), "ram_mb = 613", "ram_mb = 999999"));
    let line = line_of(&case.text, "ram_mb = 999999");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "vm_types[3].ram_mb"));
    assert_contains(&stderr, &["\"micro\"", "999999 MB", "at most 4096 MB RAM"]);
}

#[test]
fn missing_trace_directory() {
    let missing = traces("20990101");
    let case = Case::new(replace_once(
        &dvfs_text(),
        &traces("20110303").display().to_string(),
        &missing.display().to_string(),
    ));
    let line = line_of(&case.text, "20990101");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &format!("error: {}: ", missing.display()));
    assert_contains(
        &stderr,
        &[
            "not found",
            &format!("workload.path at {}:{line}:1", case.scenario.display()),
        ],
    );
}

/// A scenario reading an unordered trace folder of two files: `a` (all 5 %)
/// and `b` (all 5 % but `bad` on line `bad_line`). Returns the case, the path
/// of `b` and the line of `workload.path`.
fn case_with_bad_trace(bad: &str, bad_line: usize) -> (Case, PathBuf, usize) {
    let dir = tempfile::tempdir().unwrap();
    let trace_dir = dir.path().join("traces");
    std::fs::create_dir(&trace_dir).unwrap();
    let mut lines = vec!["5"; 288];
    std::fs::write(trace_dir.join("a"), lines.join("\n") + "\n").unwrap();
    lines[bad_line - 1] = bad;
    std::fs::write(trace_dir.join("b"), lines.join("\n") + "\n").unwrap();

    let text = dvfs_text();
    let order_line = text.lines().find(|l| l.starts_with("order = ")).unwrap();
    let text = replace_once(&text, &format!("{order_line}\n"), "");
    let text = replace_once(
        &text,
        &traces("20110303").display().to_string(),
        &trace_dir.display().to_string(),
    );
    let case = Case::in_dir(dir, text);
    let path_line = line_of(&case.text, "path = ");
    (case, trace_dir.join("b"), path_line)
}

#[test]
fn trace_line_that_is_not_a_number() {
    let (case, bad_file, path_line) = case_with_bad_trace("abc", 3);
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &format!("error: {}:3: ", bad_file.display()));
    assert_contains(
        &stderr,
        &[
            "\"abc\"",
            "expected an integer utilisation percent in 0..=100",
            &format!("workload.path at {}:{path_line}:1", case.scenario.display()),
        ],
    );
}

#[test]
fn trace_value_out_of_range() {
    let (case, bad_file, path_line) = case_with_bad_trace("101", 7);
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &format!("error: {}:7: ", bad_file.display()));
    assert_contains(
        &stderr,
        &[
            "\"101\"",
            "0..=100",
            &format!("workload.path at {}:{path_line}:1", case.scenario.display()),
        ],
    );
}

#[test]
fn invalid_toml_syntax() {
    let case = Case::new(replace_once(&dvfs_text(), "seed = 1", "seed = = 1"));
    let line = line_of(&case.text, "seed = = 1");
    let column = "seed = = 1".find("= 1").unwrap() + 1;
    let stderr = case.run_fails(&[]);
    assert_starts(
        &stderr,
        &format!(
            "error: {}:{line}:{column}: invalid TOML: ",
            case.scenario.display()
        ),
    );
    // One line: `file:line:col: message`.
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
}

#[test]
fn unknown_enum_value() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "off_rule = \"zero-utilization\"",
        "off_rule = \"sometimes\"",
    ));
    let line = line_of(&case.text, "sometimes");
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "energy.off_rule"));
    assert_contains(
        &stderr,
        &[
            "unknown variant `sometimes`",
            "`zero-utilization`",
            "`no-vms`",
            "`never`",
        ],
    );
}

#[test]
fn bad_set_value() {
    let case = Case::new(dvfs_text());
    let stderr = case.run_fails(&["--set", "hosts.count=oops"]);
    assert_starts(&stderr, "error: --set hosts.count=oops: hosts.count: ");
    assert_contains(&stderr, &["\"oops\"", "expected u64"]);
    // The value is not in the file: no file position is claimed.
    assert!(
        !stderr.contains(&case.scenario.display().to_string()),
        "stderr: {stderr}"
    );
}

#[test]
fn bad_set_argument() {
    let case = Case::new(dvfs_text());
    let stderr = case.run_fails(&["--set", "hosts.count"]);
    assert_starts(&stderr, "error: --set hosts.count: ");
    assert_contains(&stderr, &["expected KEY=VALUE"]);
    let stderr = case.run_fails(&["--set", "hosts.count.x=1"]);
    assert_starts(&stderr, "error: --set hosts.count.x=1: hosts.count.x: ");
}

#[test]
fn bad_value_set_on_the_command_line_is_blamed_on_the_argument() {
    let case = Case::new(dvfs_text());
    let stderr = case.run_fails(&["--set", "vm_types[1].mips=-5"]);
    assert_eq!(
        stderr.trim_end(),
        "error: --set vm_types[1].mips=-5: vm_types[1].mips: expected a positive number, found -5"
    );
}

#[test]
fn missing_required_key() {
    let text = dvfs_text();
    let line = text.lines().find(|l| l.starts_with("duration_s")).unwrap();
    let case = Case::new(replace_once(&text, &format!("{line}\n"), ""));
    let table_line = line_of(&case.text, "[simulation]");
    let expected = format!(
        "{}missing field `duration_s`",
        case.at(table_line, 2, "simulation.duration_s")
    );
    let stderr = case.run_fails(&[]);
    assert_eq!(stderr.trim_end(), expected);
    // An unrelated override of the same table must not take the blame.
    let stderr = case.run_fails(&["--seed", "7"]);
    assert_eq!(stderr.trim_end(), expected);
    let stderr = case.run_fails(&["--set", "simulation.step_offset_s=0.5"]);
    assert_eq!(stderr.trim_end(), expected);
}

#[test]
fn huge_count_is_refused_quickly() {
    for (from, to, key) in [
        ("count = 800 ", "count = 100000000000 ", "hosts.count"),
        (
            "assign = \"blocks\"",
            "assign = \"blocks\"\ncount = 100000000000",
            "vms.count",
        ),
    ] {
        let case = Case::new(replace_once(&dvfs_text(), from, to));
        let line = line_of(&case.text, "100000000000");
        let started = Instant::now();
        let stderr = case.run_fails(&[]);
        let took = started.elapsed();
        assert_starts(&stderr, &case.at(line, 1, key));
        assert_contains(&stderr, &["100000000000", "more than the 10000000"]);
        assert!(took < Duration::from_secs(5), "refusing took {took:?}");
    }
}

#[test]
fn too_many_steps_are_refused_quickly() {
    let case = Case::new(replace_once(
        &dvfs_text(),
        "scheduling_interval_s = 300.0",
        "scheduling_interval_s = 0.000001",
    ));
    let line = line_of(&case.text, "scheduling_interval_s = 0.000001");
    let started = Instant::now();
    let stderr = case.run_fails(&[]);
    assert_starts(&stderr, &case.at(line, 1, "simulation.scheduling_interval_s"));
    assert_contains(&stderr, &["steps", "more than the 10000000"]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn every_shipped_scenario_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir(workspace().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        n += 1;
        let out = Command::new(CIRRUS).arg("validate").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_contains(&String::from_utf8_lossy(&out.stdout), &[": ok ("]);
    }
    assert!(n >= 2, "expected the shipped scenarios in scenarios/, found {n}");
}

#[test]
fn list_names_every_registered_model_and_policy() {
    let out = Command::new(CIRRUS).arg("list").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let models = cirrus::registry::power_models();
    assert!(!models.is_empty());
    for m in models {
        assert!(
            names.contains(&m.name),
            "`cirrus list` lacks power model {}",
            m.name
        );
    }
    for p in cirrus::registry::placement_policies() {
        assert!(
            names.contains(&p.name),
            "`cirrus list` lacks placement policy {}",
            p.name
        );
    }
    for f in cirrus_scenario::WORKLOAD_FORMATS {
        assert!(
            names.contains(&f.name),
            "`cirrus list` lacks workload format {}",
            f.name
        );
    }
}
