//! Issue 5's shoot-out, `scenarios/sweeps/placement-shootout.toml`: it
//! crosses every registered placement policy with the three workloads of
//! `scenarios/placement/` (33 runs), and its `runs.csv` carries the energy
//! split and the quality of each initial placement. The whole sweep runs in
//! about 2 s in the test profile.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use cirrus_sweep::{Plan, SweepSpec};

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");
const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/sweeps/placement-shootout.toml"
);
const WORKLOADS: [&str; 3] = ["planetlab", "vdi-desktops", "multitier-apps"];

fn policies() -> Vec<&'static str> {
    cirrus::registry::placement_policies()
        .iter()
        .map(|e| e.name)
        .collect()
}

#[test]
fn shootout_sweep_crosses_every_policy_with_every_workload() {
    let spec = SweepSpec::load(Path::new(SWEEP)).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.runs().len(), 33);
    assert_eq!(plan.points(), 33);
    let axes = &plan.spec().axes;
    assert_eq!(axes.len(), 2);
    assert_eq!(axes[0].labels, WORKLOADS);
    // A policy added to the registry must join the shoot-out.
    let mut swept = axes[1].labels.clone();
    swept.sort();
    let mut registered = policies();
    registered.sort_unstable();
    assert_eq!(swept, registered);
    // Workload varies slowest: runs 0..11 are the PlanetLab day.
    for run in plan.runs() {
        assert_eq!(run.labels[0], WORKLOADS[run.index / 11]);
        let policy = format!("placement.policy=\"{}\"", run.labels[1]);
        assert!(run.overrides.contains(&policy), "{:?}", run.overrides);
    }
}

/// Runs the sweep and checks `runs.csv`: one row per (workload, policy),
/// the placement and energy columns, and what holds by construction.
#[test]
fn shootout_runs_csv_compares_the_policies() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(CIRRUS)
        .args(["sweep", SWEEP, "--jobs", "2", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(out.path().join("runs.csv")).unwrap();
    assert!(!text.contains('"'), "no quoted fields expected");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<BTreeMap<&str, &str>> = lines
        .map(|l| header.iter().copied().zip(l.split(',')).collect())
        .collect();
    assert_eq!(rows.len(), 33);
    for column in [
        "energy_kwh",
        "network_energy_kwh",
        "cooling_energy_kwh",
        "total_energy_kwh",
        "active_hosts_mean",
        "active_racks_mean",
        "slatah",
        "slav",
        "placement_hosts",
        "placement_racks",
        "placement_lower_bound_hosts",
        "placement_gap",
        "placement_inter_rack_traffic_mbps",
        "placement_anti_collocation_violations",
        "placement_constraint_violations",
        "placement_trace_overloaded_hosts",
    ] {
        assert!(header.contains(&column), "runs.csv lacks {column}");
    }
    let num = |r: &BTreeMap<&str, &str>, c: &str| -> f64 {
        r[c].parse().unwrap_or_else(|_| panic!("{c} = {:?}", r[c]))
    };
    let row = |workload: &str, policy: &str| {
        rows.iter()
            .find(|r| r["workload"] == workload && r["policy"] == policy)
            .unwrap_or_else(|| panic!("no row {workload}/{policy}"))
    };
    for r in &rows {
        let what = format!("{}/{}", r["workload"], r["policy"]);
        // No consolidation: nothing migrates, so nothing is switched on after t = 0.
        assert_eq!(num(r, "migrations"), 0.0, "{what}");
        assert!(num(r, "active_hosts_max") <= num(r, "placement_hosts"), "{what}");
        assert!(num(r, "active_racks_mean") <= num(r, "placement_racks"), "{what}");
        // Initial placement never oversubscribes a host, and L2 is a lower bound.
        assert_eq!(num(r, "placement_constraint_violations"), 0.0, "{what}");
        let (hosts, lower) = (num(r, "placement_hosts"), num(r, "placement_lower_bound_hosts"));
        assert!(lower >= 1.0 && lower <= hosts, "{what}");
        assert!(
            (num(r, "placement_gap") - (hosts / lower - 1.0)).abs() < 1e-12,
            "{what}"
        );
        let parts = [
            "energy_kwh",
            "network_energy_kwh",
            "cooling_energy_kwh",
            "migration_energy_kwh",
        ]
        .iter()
        .map(|c| num(r, c))
        .sum::<f64>();
        assert!(
            (num(r, "total_energy_kwh") - parts).abs() <= 1e-9 * parts,
            "{what}"
        );
        assert!(num(r, "network_energy_kwh") > 0.0 && num(r, "cooling_energy_kwh") > 0.0);
    }
    // PABFD switches every rack on at t = 0 (it wakes empty hosts for free);
    // the rack policies do not.
    let pabfd = row("planetlab", "pabfd");
    assert_eq!(num(pabfd, "placement_racks"), 20.0);
    for p in ["rack-aware", "obfd-rack"] {
        assert!(num(row("planetlab", p), "placement_racks") < 20.0, "{p}");
    }
    // SCAVP keeps every anti-collocation set and cuts inter-rack traffic.
    let (scavp, ffd) = (row("multitier-apps", "scavp"), row("multitier-apps", "ffd"));
    assert_eq!(num(scavp, "placement_anti_collocation_violations"), 0.0);
    assert!(num(scavp, "placement_inter_rack_traffic_mbps") < num(ffd, "placement_inter_rack_traffic_mbps"));
    assert!(num(scavp, "placement_hosts") <= num(ffd, "placement_hosts"));
    // PBA never packs a host beyond its MIPS over the day.
    let pba = row("vdi-desktops", "pba");
    assert_eq!(num(pba, "placement_trace_overloaded_hosts"), 0.0);
    assert_eq!(num(pba, "slatah"), 0.0);
}
