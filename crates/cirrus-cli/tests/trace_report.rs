//! `cirrus run` of a trace format with lifetimes prints the reader's load
//! report and writes it to `trace_report.json` beside the other results; a
//! PlanetLab run writes none.

use std::path::{Path, PathBuf};
use std::process::Command;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cirrus-traces/tests/data")
        .join(rel)
        .canonicalize()
        .unwrap()
}

const SCENARIO: &str = r#"[simulation]
name = "swf-report"
duration_s = 600.0
scheduling_interval_s = 60.0

[[host_types]]
name = "big"
mips_per_core = 3000
cores = 64
ram_mb = 262144
bw_mbps = 10000
power = { model = "linear", max_w = 400.0, static_fraction = 0.5 }

[hosts]
count = 2
types = ["big"]

[[vm_types]]
name = "v"
mips = 1000
cores = 1
ram_mb = 1024

[workload]
format = "swf"
"#;

#[test]
fn the_load_report_is_printed_and_written() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("swf.toml");
    let swf = fixture("swf/tiny.swf");
    std::fs::write(
        &scenario,
        format!("{SCENARIO}path = {:?}\n", swf.to_str().unwrap()),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(CIRRUS)
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // The tiny log: 4 jobs, job 3 with run time 0 kept.
    assert!(
        stdout.contains("trace         swf: 4 VMs from 4 records in 1 files; 1 zero-run-time jobs kept"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("trace_report.json")).unwrap()).unwrap();
    assert_eq!(report["format"], "swf");
    assert_eq!(report["vms_read"], 4);
    assert_eq!(report["zero_runtime_jobs_kept"], 1);
    assert_eq!(report["vms_skipped"], serde_json::json!({}));

    // The folder holds a run: refused without --force, replaced with it.
    let again = Command::new(CIRRUS)
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
        ])
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn a_planetlab_run_has_no_trace_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = Command::new(CIRRUS)
        .current_dir(&repo)
        .args([
            "run",
            "scenarios/planetlab-20110303-dvfs.toml",
            "--set",
            "simulation.duration_s=600",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("summary.json").is_file());
    assert!(!out.join("trace_report.json").exists());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("trace         "));
}
