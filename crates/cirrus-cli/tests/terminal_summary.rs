//! The text summary of `cirrus run` says nothing untrue: racks only when the
//! scenario has racks, CloudSim's "average violation" with what it averages,
//! migration downtime with its maximum beside a mean above the p99; `--audit`
//! says what it checked; no progress line when stderr is not a terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
}

fn run(name: &str, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out: Output = Command::new(CIRRUS)
        .arg("run")
        .arg(scenario(name))
        .arg("--out")
        .arg(dir.path())
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
}

/// The number after `label` in `line`.
fn number_after(line: &str, label: &str) -> f64 {
    let rest = &line[line.find(label).unwrap_or_else(|| panic!("{label:?} in {line}")) + label.len()..];
    rest.trim_start()
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_scenario_without_racks_says_nothing_of_racks() {
    let (text, stderr) = run(
        "planetlab-20110303-lr-mmt.toml",
        &["--set", "simulation.duration_s=3600"],
    );
    let placement = line(&text, "placement ");
    assert!(!placement.contains("rack"), "{placement}");
    assert!(placement.contains("hosts at t = 0"), "{placement}");
    // Not a terminal: no progress line, no audit line.
    assert_eq!(stderr, "");
}

#[test]
fn a_failure_run_explains_its_average_violation_and_the_audit_says_what_it_checked() {
    let (text, stderr) = run("failures/degraded.toml", &["--audit"]);
    let placement = line(&text, "placement ");
    assert!(placement.contains("hosts in 3 racks at t = 0"), "{placement}");
    let sla = line(&text, "SLA ");
    assert!(sla.contains("SLAV 0.00000 %"), "{sla}");
    // The case the issue reports: SLAV 0, yet CloudSim's average violation is 100 % (lost VMs
    // got nothing while down); the line says it is over the under-served VM-intervals only.
    let violation = line(&text, "              overall violation");
    assert!(
        violation
            .contains("average violation 100.00 % (mean shortfall of the under-served VM-intervals only)"),
        "{violation}"
    );
    assert!(
        violation.contains("overall violation 0.00 % of the MIPS·s requested"),
        "{violation}"
    );
    let audit = line(&stderr, "audit: ");
    let checked: u64 = audit["audit: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    let events = number_after(line(&text, "throughput"), "throughput") as u64;
    assert_eq!(
        checked,
        events + 1,
        "every event and the initial placement: {audit}"
    );
    assert!(
        audit.contains("capacity per host") && audit.ends_with("no violation"),
        "{audit}"
    );
}

#[test]
fn pre_copy_prints_the_maximum_downtime_beside_a_mean_above_the_p99() {
    let (text, _) = run("migration/lr-mmt-pre-copy.toml", &[]);
    let m = line(&text, "migrations ");
    let (mean, p99, max) = (
        number_after(m, "downtime mean"),
        number_after(m, "p99"),
        number_after(m, "max"),
    );
    assert!(mean > p99, "the case the issue reports: {m}");
    assert!(max >= mean && max > p99, "{m}");
}

#[test]
fn a_run_without_migrations_prints_no_means_of_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        r#"
[simulation]
name = "calm"
duration_s = 3600.0
scheduling_interval_s = 300.0
[[host_types]]
name = "h"
mips_per_core = 2000
cores = 4
ram_mb = 8192
bw_mbps = 1000
power = { model = "linear", max_w = 250.0, static_fraction = 0.7 }
[hosts]
count = 4
types = ["h"]
[[vm_types]]
name = "v"
mips = 500
ram_mb = 512
[vms]
count = 2
[workload]
format = "synthetic"
distribution = { kind = "uniform", low = 0.1, high = 0.2 }
[consolidation.detector]
name = "thr"
threshold = 0.9
[consolidation.selection]
name = "mmt"
"#,
    )
    .unwrap();
    let out = Command::new(CIRRUS)
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("NaN"), "{text}");
    let m = line(&text, "migrations ");
    assert!(
        m.starts_with("migrations    none (12 consolidation rounds)"),
        "{m}"
    );
}
