//! `cirrus run --audit`: the invariant auditor over a run with failures,
//! evacuations and restarts; results written, exit code 0.

use std::path::Path;
use std::process::Command;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

#[test]
fn audit_passes_on_a_run_with_failures_and_writes_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/failures/degraded.toml");
    let out = Command::new(CIRRUS)
        .args(["run", "--audit", "--set", "simulation.duration_s=172800"])
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("failures "), "{text}");
    assert!(dir.path().join("summary.json").exists());
}
