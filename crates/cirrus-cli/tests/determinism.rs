//! Same scenario and seed ⇒ byte-identical outputs, through the real `cirrus`
//! binary; a different seed changes a randomised run; `--seed` and
//! `--set simulation.seed=` are the same thing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

/// Every file a run writes by default.
const OUTPUTS: [&str; 5] = [
    "summary.json",
    "intervals.csv",
    "hosts.csv",
    "vms.csv",
    "migrations.csv",
];

fn dvfs_scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/planetlab-20110303-dvfs.toml")
}

/// 50 hosts, 100 VMs with normally distributed demand, 6 simulated hours.
const SYNTHETIC: &str = r#"
[simulation]
name = "synthetic-determinism"
duration_s = 21600.0
scheduling_interval_s = 300.0
seed = 11

[[host_types]]
name = "hp-ml110-g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[[host_types]]
name = "hp-ml110-g5"
mips_per_core = 2660
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g5" }

[hosts]
count = 50
types = ["hp-ml110-g4", "hp-ml110-g5"]

[[vm_types]]
name = "high-cpu"
mips = 2500
ram_mb = 870

[[vm_types]]
name = "extra-large"
mips = 2000
ram_mb = 1740

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 1740

[[vm_types]]
name = "micro"
mips = 500
ram_mb = 613

[vms]
count = 100

[workload]
format = "synthetic"
distribution = { kind = "normal", mean = 0.3, std_dev = 0.1 }
"#;

/// `cirrus run SCENARIO --out <fresh dir> ARGS…`; returns the folder and the
/// files in it by name.
fn run(scenario: &Path, args: &[&str]) -> (TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = Command::new(CIRRUS)
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(&out_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cirrus run {} {args:?} failed: {}",
        scenario.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    // Provenance (start and wall time, the overrides as typed) is not a result.
    for name in ["manifest.json", "scenario.resolved.toml"] {
        assert!(
            files.remove(name).is_some_and(|b| !b.is_empty()),
            "{name} written"
        );
    }
    (dir, files)
}

fn assert_identical(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    let names: Vec<&str> = a.keys().map(String::as_str).collect();
    let mut expected = OUTPUTS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "{what}: unexpected set of output files");
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (name, bytes) in a {
        assert!(!bytes.is_empty(), "{what}: {name} is empty");
        assert!(bytes == &b[name], "{what}: {name} differs between the two runs");
    }
}

fn summary(files: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(&files["summary.json"]).unwrap()
}

fn synthetic_scenario() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.toml");
    std::fs::write(&path, SYNTHETIC).unwrap();
    (dir, path)
}

#[test]
fn planetlab_run_is_byte_identical() {
    let (_a, first) = run(&dvfs_scenario(), &[]);
    let (_b, second) = run(&dvfs_scenario(), &[]);
    assert_identical(&first, &second, "planetlab DVFS");
    let s = summary(&first);
    assert_eq!(s["vms"], 1052);
    assert_eq!(s["hosts"], 800);
}

#[test]
fn synthetic_run_depends_only_on_the_seed() {
    let (_dir, scenario) = synthetic_scenario();
    let (_a, first) = run(&scenario, &["--seed", "3"]);
    let (_b, second) = run(&scenario, &["--seed", "3"]);
    assert_identical(&first, &second, "synthetic, seed 3");
    let s = summary(&first);
    assert_eq!(s["seed"], 3);
    assert_eq!(s["hosts"], 50);
    assert_eq!(s["vms"], 100);
    assert_eq!(s["simulated_s"].as_f64().unwrap().round(), 21600.0);

    // Another seed draws other demand: the measurements (not only the echoed
    // seed) change.
    let (_c, other) = run(&scenario, &["--seed", "4"]);
    let t = summary(&other);
    assert_eq!(t["seed"], 4);
    assert_ne!(first["summary.json"], other["summary.json"]);
    assert_ne!(s["energy_kwh"], t["energy_kwh"], "energy ignores the seed");
    assert_ne!(
        s["requested_mips_s"], t["requested_mips_s"],
        "demand ignores the seed"
    );
    assert_ne!(first["intervals.csv"], other["intervals.csv"]);
    assert_ne!(first["vms.csv"], other["vms.csv"]);
}

#[test]
fn seed_flag_and_set_agree() {
    let (_dir, scenario) = synthetic_scenario();
    let (_a, by_flag) = run(&scenario, &["--seed", "5"]);
    let (_b, by_set) = run(&scenario, &["--set", "simulation.seed=5"]);
    assert_identical(&by_flag, &by_set, "--seed 5 vs --set simulation.seed=5");
    assert_eq!(summary(&by_flag)["seed"], 5);
    // Both actually override the file's seed (11).
    let (_c, from_file) = run(&scenario, &[]);
    assert_eq!(summary(&from_file)["seed"], 11);
    assert_ne!(from_file["intervals.csv"], by_flag["intervals.csv"]);
    let (_d, eleven) = run(&scenario, &["--seed", "11"]);
    assert_identical(&from_file, &eleven, "the file's seed vs --seed 11");
}
