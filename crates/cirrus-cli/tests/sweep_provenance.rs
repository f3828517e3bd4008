//! Sweeps record what made each run as `cirrus run` does (a run folder with
//! `manifest.json` and `scenario.resolved.toml`, whose overrides repeat the
//! run); `cirrus sweep --set` applies to every run and is part of the sweep
//! (resuming with other values is refused); `cirrus validate` recognises a
//! sweep file and checks its every scenario variant, errors located.

use std::path::Path;

mod common;

use common::{bad_input, cirrus_in as cirrus, json, ok};

/// A small stochastic datacenter with THR consolidation (seeds matter).
const BASE: &str = r#"
[simulation]
name = "prov-base"
duration_s = 21600.0
scheduling_interval_s = 300.0
seed = 5

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[hosts]
count = 20
types = ["g4"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 613
bw_mbps = 100

[vms]
count = 40

[workload]
format = "synthetic"
distribution = { kind = "normal", mean = 0.4, std_dev = 0.2 }

[placement]
policy = "pabfd"

[consolidation.detector]
name = "thr"
threshold = 0.8

[consolidation.selection]
name = "rs"
"#;

const SWEEP: &str = r#"
[sweep]
name = "prov"
scenario = "base.toml"
replications = 2
set = ["simulation.duration_s=14400"]

[[axes]]
name = "threshold"
key = "consolidation.detector.threshold"
values = [0.7, 0.9]
"#;

fn setup(sweep: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    std::fs::write(dir.path().join("sweep.toml"), sweep).unwrap();
    dir
}

/// The value of `column` in every row of `runs.csv`.
fn column(runs_csv: &str, column: &str) -> Vec<String> {
    let mut lines = runs_csv.lines();
    let c = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == column)
        .unwrap();
    lines.map(|l| l.split(',').nth(c).unwrap().to_string()).collect()
}

#[test]
fn every_run_of_a_sweep_says_what_made_it_and_its_overrides_repeat_it() {
    let dir = setup(SWEEP);
    let d = dir.path();
    ok(&cirrus(
        d,
        &["sweep", "sweep.toml", "--out", "out", "--run-outputs"],
    ));
    let sweep = json(&d.join("out/sweep.json"));
    let runs = std::fs::read_to_string(d.join("out/runs.csv")).unwrap();
    for run in 0..4 {
        let run_dir = d.join(format!("out/runs/{run:06}"));
        let m = json(&run_dir.join("manifest.json"));
        assert_eq!(m["scenario"], "prov-base");
        assert_eq!(m["cirrus_version"], env!("CARGO_PKG_VERSION"));
        assert_ne!(m["cirrus_commit"], "", "the binary's commit");
        assert_eq!(m["sweep"]["name"], "prov");
        assert_eq!(m["sweep"]["fingerprint"], sweep["fingerprint"]);
        assert_eq!(m["sweep"]["run"], run);
        assert_eq!(m["sweep"]["replication"], run % 2);
        let overrides: Vec<&str> = m["overrides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        let threshold = if run < 2 { "0.7" } else { "0.9" };
        // The run's seed (as in runs.csv), derived from the file's, is the last override:
        // loading drew with it too.
        assert_eq!(m["seed"].to_string(), column(&runs, "seed")[run]);
        assert_eq!(m["sweep"]["scenario_seed"], 5);
        assert_eq!(
            overrides,
            [
                "simulation.duration_s=14400".to_string(),
                format!("consolidation.detector.threshold={threshold}"),
                format!("simulation.seed={}", m["seed"]),
            ]
        );
        let resolved = std::fs::read_to_string(run_dir.join("scenario.resolved.toml")).unwrap();
        assert!(
            resolved.contains(&format!("threshold = {threshold}")),
            "{resolved}"
        );
        assert!(
            resolved.contains(&format!(
                "its seed {} is the sweep's seed\n# rule applied to the scenario's simulation.seed = 5.",
                m["seed"]
            )),
            "{resolved}"
        );
        assert_eq!(
            m["scenario_sha256"],
            cirrus_output::sha256_hex(&std::fs::read(d.join("base.toml")).unwrap())
        );
    }
    // `cirrus run` with the manifest's scenario and overrides gives the run's summary, byte for
    // byte, seed included: loading and the run's streams (RS selection) drew with the run's seed.
    let run_dir = d.join("out/runs/000001");
    let m = json(&run_dir.join("manifest.json"));
    let mut args = vec![
        "run".to_string(),
        m["scenario_path"].as_str().unwrap().to_string(),
        "--out".into(),
        "again".into(),
    ];
    for o in m["overrides"].as_array().unwrap() {
        args.extend(["--set".to_string(), o.as_str().unwrap().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&cirrus(d, &args));
    let summary = |dir: &Path| json(&dir.join("summary.json"));
    let (again, swept) = (summary(&d.join("again")), summary(&run_dir));
    assert_eq!(again, swept);
    assert!(swept["migrations"].as_u64().unwrap() > 0, "{swept}");

    // Replications draw their own synthetic demand: with MMT selection the simulation draws
    // nothing, so two replications of a point differ only through what loading drew.
    ok(&cirrus(
        d,
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "mmt",
            "--set",
            "consolidation.selection.name=mmt",
        ],
    ));
    let mmt = std::fs::read_to_string(d.join("mmt/runs.csv")).unwrap();
    let energy = column(&mmt, "energy_kwh");
    let seeds = column(&mmt, "seed");
    assert_ne!(seeds[0], seeds[1]);
    assert_ne!(
        energy[0], energy[1],
        "replications of one point drew the same workload"
    );
    // Common random numbers: replication r has the same seed, hence demand, at every point.
    assert_eq!(seeds[0], seeds[2]);
}

#[test]
fn shards_merge_with_their_run_folders() {
    let dir = setup(SWEEP);
    let d = dir.path();
    ok(&cirrus(
        d,
        &["sweep", "sweep.toml", "--out", "s0", "--shard", "0/2"],
    ));
    ok(&cirrus(
        d,
        &["sweep", "sweep.toml", "--out", "s1", "--shard", "1/2"],
    ));
    ok(&cirrus(d, &["merge", "s0", "s1", "--out", "merged"]));
    for run in 0..4 {
        let m = json(&d.join(format!("merged/runs/{run:06}/manifest.json")));
        assert_eq!(m["sweep"]["run"], run);
        assert!(
            d.join(format!("merged/runs/{run:06}/scenario.resolved.toml"))
                .exists()
        );
    }
}

#[test]
fn sweep_set_applies_to_every_run_and_is_part_of_the_sweep() {
    let dir = setup(SWEEP);
    let d = dir.path();
    // Overrides the sweep's own `set` (14400 s) in every run.
    let printed = ok(&cirrus(
        d,
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "out",
            "--set",
            "simulation.duration_s=7200",
        ],
    ));
    assert!(printed.contains("4 run now"), "{printed}");
    let runs = std::fs::read_to_string(d.join("out/runs.csv")).unwrap();
    assert_eq!(column(&runs, "simulated_s"), vec!["7200.0"; 4]);
    assert_eq!(
        json(&d.join("out/sweep.json"))["overrides"],
        serde_json::json!(["simulation.duration_s=7200"])
    );
    let m = json(&d.join("out/runs/000001/manifest.json"));
    assert_eq!(
        m["overrides"][1], "simulation.duration_s=7200",
        "after the sweep's set"
    );
    // The same --set resumes; another is another sweep, refused.
    let again = ok(&cirrus(
        d,
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "out",
            "--set",
            "simulation.duration_s=7200",
        ],
    ));
    assert!(again.contains("4 done before, 0 run now"), "{again}");
    let err = bad_input(&cirrus(d, &["sweep", "sweep.toml", "--out", "out"]));
    assert!(
        err.contains("it was run with --set simulation.duration_s=7200, this one with no --set"),
        "{err}"
    );
    let err = bad_input(&cirrus(
        d,
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "out",
            "--set",
            "simulation.duration_s=3600",
        ],
    ));
    assert!(
        err.contains("this one with --set simulation.duration_s=3600"),
        "{err}"
    );
    // Without --set the fingerprint is the file's alone: a folder of the plain sweep resumes.
    ok(&cirrus(
        d,
        &["sweep", "sweep.toml", "--out", "plain", "--jobs", "1"],
    ));
    let plain = json(&d.join("plain/sweep.json"));
    assert!(plain.get("overrides").is_none(), "{plain}");
    assert_ne!(
        plain["fingerprint"],
        json(&d.join("out/sweep.json"))["fingerprint"]
    );
}

#[test]
fn sweep_set_may_not_fix_a_key_an_axis_varies() {
    let dir = setup(SWEEP);
    for key in [
        "consolidation.detector.threshold=0.5",
        "consolidation.detector={ name = \"thr\" }",
    ] {
        let err = bad_input(&cirrus(dir.path(), &["sweep", "sweep.toml", "--set", key]));
        assert!(
            err.contains(&format!("--set {}", key.split('=').next().unwrap())),
            "{err}"
        );
        assert!(
            err.contains("axis \"threshold\" sweeps consolidation.detector.threshold"),
            "{err}"
        );
    }
    let err = bad_input(&cirrus(dir.path(), &["sweep", "sweep.toml", "--set", "novalue"]));
    assert!(err.contains("--set novalue: expected KEY=VALUE"), "{err}");
    // A value the scenario rejects names the --set argument, the run and the scenario's message.
    let err = bad_input(&cirrus(
        dir.path(),
        &["sweep", "sweep.toml", "--set", "hosts.count=-3", "--out", "x"],
    ));
    assert!(err.contains("--set hosts.count=-3: run 0"), "{err}");
    assert_eq!(
        err.matches("--set hosts.count=-3").count(),
        1,
        "named once: {err}"
    );
}

#[test]
fn validate_recognises_a_sweep_file_and_checks_every_variant() {
    let dir = setup(SWEEP);
    let d = dir.path();
    let printed = ok(&cirrus(d, &["validate", "sweep.toml"]));
    assert!(
        printed.contains(
            "sweep.toml: ok (sweep prov: 4 runs, 2 grid points, 2 distinct scenario variants loaded and checked)"
        ),
        "{printed}"
    );
    // A value of the third point's axis that the scenario rejects: located at the value.
    let bad = SWEEP.replace("values = [0.7, 0.9]", "values = [0.7, 0.9, 80]");
    std::fs::write(d.join("bad.toml"), bad).unwrap();
    let err = bad_input(&cirrus(d, &["validate", "bad.toml"]));
    assert!(
        err.contains("bad.toml:11:21: axes[0].values[2]: run 4 (threshold = 80"),
        "{err}"
    );
    assert!(err.contains("did you mean 0.8?"), "{err}");
    // The sweep file's own schema errors are located too: no more "unknown field `axes`".
    let typo = SWEEP.replace("replications = 2", "replication = 2");
    std::fs::write(d.join("typo.toml"), typo).unwrap();
    let err = bad_input(&cirrus(d, &["validate", "typo.toml"]));
    assert!(err.contains("typo.toml:5:1"), "{err}");
    assert!(err.contains("unknown field `replication`"), "{err}");
    // --set reaches every variant.
    let err = bad_input(&cirrus(d, &["validate", "sweep.toml", "--set", "vms.count=0"]));
    assert!(err.contains("--set vms.count=0: run 0"), "{err}");
    // A scenario file is still validated as one.
    let printed = ok(&cirrus(d, &["validate", "base.toml"]));
    assert!(printed.contains("base.toml: ok (20 hosts, 40 VMs"), "{printed}");
}

/// Seeds span `u64` (a sweep derives them over the whole range), beyond what a TOML integer
/// holds: `--seed` and `--set simulation.seed=` take them, and the manifest's overrides repeat them.
#[test]
fn seeds_beyond_toml_integers_are_accepted() {
    let dir = setup(SWEEP);
    let d = dir.path();
    let max = u64::MAX.to_string();
    ok(&cirrus(d, &["run", "base.toml", "--out", "a", "--seed", &max]));
    let m = json(&d.join("a/manifest.json"));
    assert_eq!(m["seed"].as_u64(), Some(u64::MAX));
    assert_eq!(json(&d.join("a/summary.json"))["seed"].as_u64(), Some(u64::MAX));
    let set = format!("simulation.seed={max}");
    ok(&cirrus(d, &["run", "base.toml", "--out", "b", "--set", &set]));
    assert_eq!(json(&d.join("a/summary.json")), json(&d.join("b/summary.json")));
    let err = bad_input(&cirrus(
        d,
        &[
            "run",
            "base.toml",
            "--out",
            "c",
            "--set",
            "simulation.seed=18446744073709551616",
        ],
    ));
    assert!(err.contains("simulation.seed"), "{err}");
}
