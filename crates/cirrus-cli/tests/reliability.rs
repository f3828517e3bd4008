//! `cirrus reliability`: the model's values lie within the 95 % confidence
//! intervals of the replicated simulation (a `cirrus sweep` of the
//! exponential-failure scenario); bad input is a clear error.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The model's JSON for `scenario`.
fn model(scenario: &str) -> serde_json::Value {
    let out = Command::new(CIRRUS)
        .args(["reliability", &repo(scenario), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A CSV of plain numbers and names as rows of column → text.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row.get(key)
        .unwrap_or_else(|| panic!("no column {key}"))
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// Mean and 95 % half-width (Student's t) of `xs`, as the sweep computes them.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let e = cirrus_sweep::stats::Estimate::of(xs);
    (e.mean, e.ci95.unwrap())
}

fn within(what: &str, model: f64, (mean, ci): (f64, f64)) {
    eprintln!("{what:<28} model {model:.6}  simulated {mean:.6} ± {ci:.6}");
    assert!(
        (model - mean).abs() <= ci,
        "{what}: the model's {model} is outside the simulation's 95 % CI {mean} ± {ci}"
    );
}

#[test]
fn the_model_lies_within_the_replicated_simulations_confidence_intervals() {
    let m = model("scenarios/failures/exponential.toml");
    let r = &m["model"];
    let f = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("model.{k}"));
    assert_eq!(r["exponential"], true);
    // The evacuation fits the warning and others have room: the coverage is
    // the announced share times the chance the host lives through the evacuation.
    assert!(f("evacuation_s") < m["warning_s"].as_f64().unwrap());
    assert!((r["coverage"]["room"].as_f64().unwrap() - 1.0).abs() < 1e-6);

    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(CIRRUS)
        .args([
            "sweep",
            &repo("scenarios/sweeps/reliability-exponential.toml"),
            "--out",
        ])
        .arg(dir.path())
        .args(["--jobs", "2"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let runs = read_csv(&dir.path().join("runs.csv"));
    assert_eq!(runs.len(), 40);
    let agg = &read_csv(&dir.path().join("aggregate.csv"))[0];
    let sweep_ci = |metric: &str| {
        (
            num(agg, &format!("{metric}_mean")),
            num(agg, &format!("{metric}_ci95")),
        )
    };
    let column = |metric: &str| runs.iter().map(|row| num(row, metric)).collect::<Vec<f64>>();
    // The runs differ: each drew its own failures.
    let losses = column("vm_losses");
    assert!(losses.iter().any(|&x| x != losses[0]));
    assert!(column("vms_evacuated").iter().sum::<f64>() > 0.0);

    within(
        "VM availability",
        f("vm_availability_with"),
        sweep_ci("vm_availability_mean"),
    );
    // From an up start over a week: the mission average (the steady state
    // 0.9231 lies below the CI: the start is a transient of the order MTTR / T).
    within(
        "host availability (mission)",
        f("host_availability_mission"),
        sweep_ci("host_availability"),
    );
    within(
        "host reliability R_h(T)",
        f("host_reliability"),
        sweep_ci("host_reliability"),
    );
    let n_vms = num(&runs[0], "vms_placed");
    let lost: Vec<f64> = runs
        .iter()
        .map(|row| (num(row, "vms_restarted") + num(row, "vms_down_at_end")) / n_vms)
        .collect();
    within("share of VMs lost", f("vms_lost_share_with"), mean_ci(&lost));
    let losses_per_vm: Vec<f64> = losses.iter().map(|l| l / n_vms).collect();
    within(
        "losses per VM",
        f("vm_losses_per_vm_with"),
        mean_ci(&losses_per_vm),
    );
    // Without migration the model is far outside: the agreement is not loose.
    let (mean, ci) = sweep_ci("vm_availability_mean");
    assert!((f("vm_availability_without") - mean).abs() > 3.0 * ci);
    let (mean, ci) = mean_ci(&lost);
    assert!((f("vms_lost_share_without") - mean).abs() > 3.0 * ci);
}

#[test]
fn a_scenario_without_failures_is_a_clear_error() {
    let out = Command::new(CIRRUS)
        .args(["reliability", &repo("scenarios/synthetic-racks-pabfd.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("synthetic-racks-pabfd.toml:1:1: failures: no [failures]"),
        "{err}"
    );
    // A located scenario error, as other commands report it.
    let out = Command::new(CIRRUS)
        .args([
            "reliability",
            &repo("scenarios/failures/exponential.toml"),
            "--set",
            "failures.restart_delay_s=-1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("restart_delay_s"), "{err}");
    let out = Command::new(CIRRUS)
        .args([
            "reliability",
            &repo("scenarios/failures/exponential.toml"),
            "--mission-h",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_text_report_names_every_quantity() {
    let out = Command::new(CIRRUS)
        .args([
            "reliability",
            &repo("scenarios/failures/degraded.toml"),
            "--mission-h",
            "24",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "mission                  24.0 h",
        "host availability",
        "coverage c",
        "VM reliability R_VM(T)",
        "VM availability",
        "VMs lost (share)",
        "hosts hold the load",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}
