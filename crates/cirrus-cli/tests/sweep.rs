//! `cirrus sweep` and `cirrus merge` through the real binary: results do not
//! depend on `--jobs`; a killed sweep resumes to exactly one row per run;
//! shards merge into the unsharded sweep's tables; bad input is a located
//! error with exit code 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;

use common::{CIRRUS, cirrus, ok};

/// A small stochastic datacenter with THR consolidation: every run draws
/// its demand from its seed, so replications differ and seeds matter.
/// `HOURS` sets the simulated duration (and so the cost of a run).
const BASE: &str = r#"
[simulation]
name = "sweep-base"
duration_s = HOURS
scheduling_interval_s = 300.0
seed = 5

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[[host_types]]
name = "g5"
mips_per_core = 2660
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g5" }

[hosts]
count = HOSTS
types = ["g4", "g5"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 1740
bw_mbps = 100

[[vm_types]]
name = "micro"
mips = 500
ram_mb = 613
bw_mbps = 100

[vms]
count = VMS

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
name = "t"
scenario = "base.toml"
replications = 3

[[axes]]
name = "threshold"
key = "consolidation.detector.threshold"
values = [0.7, 0.9]

[[axes]]
name = "selection"
key = "consolidation.selection.name"
values = ["mmt", "rs"]
"#;

/// A folder with `base.toml` (hours, hosts, VMs) and `sweep.toml`.
fn setup(sweep: &str, hours: f64, hosts: u32, vms: u32) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE
        .replace("HOURS", &format!("{:.1}", hours * 3600.0))
        .replace("HOSTS", &hosts.to_string())
        .replace("VMS", &vms.to_string());
    std::fs::write(dir.path().join("base.toml"), base).unwrap();
    std::fs::write(dir.path().join("sweep.toml"), sweep).unwrap();
    dir
}

fn sweep(dir: &Path, out: &str, extra: &[&str]) -> String {
    let file = dir.join("sweep.toml");
    let out = dir.join(out);
    let mut args = vec!["sweep", file.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    ok(&cirrus(&args))
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn results_do_not_depend_on_jobs() {
    let dir = setup(SWEEP, 6.0, 40, 80);
    sweep(dir.path(), "j1", &["--jobs", "1"]);
    let printed = sweep(dir.path(), "j2", &["--jobs", "2"]);
    assert!(
        printed.contains("12 runs, 0 done before, 12 run now"),
        "{printed}"
    );
    let runs = read(dir.path().join("j1/runs.csv"));
    assert_eq!(runs, read(dir.path().join("j2/runs.csv")));
    assert_eq!(
        read(dir.path().join("j1/aggregate.csv")),
        read(dir.path().join("j2/aggregate.csv"))
    );
    assert_eq!(runs.lines().count(), 1 + 12);
    // Common random numbers: replication r has the same seed at every point;
    // replications differ from each other.
    let seed_col = runs
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "seed")
        .unwrap();
    let seeds: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(seed_col).unwrap())
        .collect();
    assert_eq!(seeds[0], seeds[3]);
    assert_ne!(seeds[0], seeds[1]);
    // Aggregate: 4 points of 3 runs, with a CI.
    let agg = read(dir.path().join("j1/aggregate.csv"));
    assert_eq!(agg.lines().count(), 1 + 4);
    assert!(agg.starts_with("point,threshold,selection,runs,"), "{agg}");
    assert!(
        agg.lines()
            .next()
            .unwrap()
            .contains("energy_kwh_mean,energy_kwh_std,energy_kwh_ci95")
    );
    assert!(agg.lines().nth(1).unwrap().starts_with("0,0.7,mmt,3,"));
    // A rerun finds everything done and rewrites the same tables.
    let again = sweep(dir.path(), "j1", &["--jobs", "2"]);
    assert!(again.contains("12 done before, 0 run now"), "{again}");
    assert_eq!(runs, read(dir.path().join("j1/runs.csv")));
}

#[test]
fn killed_sweep_resumes_with_one_row_per_run() {
    // 16 runs of a few hundred milliseconds each, on one thread.
    let text = SWEEP
        .replace("values = [0.7, 0.9]", "values = [0.6, 0.7, 0.8, 0.9]")
        .replace("replications = 3", "replications = 2");
    let dir = setup(&text, 24.0, 150, 300);
    let out = dir.path().join("killed");
    let mut child = Command::new(CIRRUS)
        .args([
            "sweep",
            dir.path().join("sweep.toml").to_str().unwrap(),
            "--jobs",
            "1",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let records = |d: &Path| {
        std::fs::read_dir(d.join("runs"))
            .map(|rd| {
                rd.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
                })
                .count()
            })
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while records(&out) < 3 {
        assert!(Instant::now() < deadline, "the sweep made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let done = records(&out);
    assert!((3..16).contains(&done), "{done} runs done when killed");
    assert!(
        !out.join("runs.csv").exists(),
        "tables appear only when every run is done"
    );

    let printed = sweep(dir.path(), "killed", &["--jobs", "2"]);
    assert!(
        printed.contains(&format!("16 runs, {done} done before, {} run now", 16 - done)),
        "{printed}"
    );
    let runs = read(out.join("runs.csv"));
    let ids: Vec<usize> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        ids,
        (0..16).collect::<Vec<_>>(),
        "exactly one row per run, in order"
    );
    // And the same bytes as a sweep that was never interrupted.
    sweep(dir.path(), "clean", &["--jobs", "2"]);
    assert_eq!(runs, read(dir.path().join("clean/runs.csv")));
    assert_eq!(
        read(out.join("aggregate.csv")),
        read(dir.path().join("clean/aggregate.csv"))
    );
}

#[test]
fn shards_merge_into_the_unsharded_sweep() {
    let dir = setup(SWEEP, 6.0, 40, 80);
    sweep(dir.path(), "all", &["--jobs", "2"]);
    let s0 = sweep(dir.path(), "s0", &["--shard", "0/2", "--jobs", "1"]);
    assert!(s0.contains("(shard 0/2): 6 runs"), "{s0}");
    assert!(s0.contains("cirrus merge"), "{s0}");
    sweep(dir.path(), "s1", &["--shard", "1/2", "--jobs", "1"]);
    assert!(!dir.path().join("s0/runs.csv").exists());
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();

    // One shard alone is incomplete: exit 2, naming the missing runs.
    let partial = cirrus(&["merge", &p("s0"), "--out", &p("merged")]);
    assert_eq!(partial.status.code(), Some(2));
    let err = String::from_utf8_lossy(&partial.stderr);
    assert!(
        err.contains("6 of the sweep's 12 runs are missing (runs 1, 3, 5"),
        "{err}"
    );

    let printed = ok(&cirrus(&["merge", &p("s0"), &p("s1"), "--out", &p("merged")]));
    assert!(printed.contains("12 runs"), "{printed}");
    for table in ["runs.csv", "aggregate.csv"] {
        assert_eq!(
            read(dir.path().join("merged").join(table)),
            read(dir.path().join("all").join(table)),
            "{table}"
        );
    }
    // Shards written into one shared folder complete it themselves.
    sweep(dir.path(), "shared", &["--shard", "1/2"]);
    let last = sweep(dir.path(), "shared", &["--shard", "0/2"]);
    assert!(last.contains("runs.csv, aggregate.csv"), "{last}");
    assert_eq!(
        read(dir.path().join("shared/runs.csv")),
        read(dir.path().join("all/runs.csv"))
    );
}

#[test]
fn bad_input_is_a_located_error() {
    let bad_value = SWEEP.replace("values = [0.7, 0.9]", "values = [0.7, -0.9]");
    let dir = setup(&bad_value, 1.0, 4, 4);
    let file = dir.path().join("sweep.toml");
    let out = cirrus(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The sweep-file value to blame, then the scenario's own complaint.
    assert!(
        err.contains(
            "sweep.toml:10:16: axes[0].values[1]: run 6 (threshold = -0.9, selection = mmt, replication 0)"
        ),
        "{err}"
    );
    assert!(err.contains("consolidation.detector.threshold"), "{err}");

    // --check finds it without running anything.
    let check = cirrus(&["sweep", file.to_str().unwrap(), "--check"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&check.stderr).contains("axes[0].values[1]"));

    // A results folder of another sweep is refused.
    let good = setup(SWEEP, 1.0, 4, 4);
    let o = good.path().join("o");
    sweep(good.path(), "o", &[]);
    std::fs::write(good.path().join("sweep.toml"), SWEEP.replace("0.9]", "0.95]")).unwrap();
    let other = cirrus(&[
        "sweep",
        good.path().join("sweep.toml").to_str().unwrap(),
        "--out",
        o.to_str().unwrap(),
    ]);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("holds results of another sweep"));

    for (args, needle) in [
        (vec!["--shard", "2/2"], "expected I/N"),
        (vec!["--jobs", "0"], "at least one worker"),
    ] {
        let mut a = vec!["sweep", file.to_str().unwrap()];
        a.extend(args);
        let out = cirrus(&a);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
    // Free parameters need code to read them.
    let params = setup(
        &SWEEP.replace("consolidation.selection.name", "param.k"),
        1.0,
        4,
        4,
    );
    let out = cirrus(&["sweep", params.path().join("sweep.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sets param.k, a free parameter"));

    let missing = cirrus(&["sweep", "no/such/sweep.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/sweep.toml: cannot read sweep file"));
}

#[test]
fn a_sweep_mixing_runs_with_and_without_power_states_leaves_their_columns_empty() {
    // Power management adds summary columns (the moves that waited for their target) that a
    // run without it does not have; the tables hold the union, empty where a run has none.
    let dir = TempDir::new().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/power-states");
    let sweep = dir.path().join("mixed.toml");
    std::fs::write(
        &sweep,
        format!(
            "[sweep]\nname = \"mixed\"\nreplications = 1\nset = [\"simulation.duration_s=900.0\"]\n\n\
             [[axes]]\nname = \"variant\"\nkey = \"scenario\"\nvalues = [{:?}, {:?}]\nlabels = [\"instant\", \"boot\"]\n",
            scenarios.join("lr-mmt-instant.toml").display().to_string(),
            scenarios.join("lr-mmt-boot.toml").display().to_string(),
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&cirrus(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|&c| c == "moves_waited_for_host")
        .expect("the union's column");
    let cells: Vec<String> = lines
        .map(|l| l.split(',').nth(column).unwrap().to_string())
        .collect();
    assert_eq!(cells[0], "", "instant has no power management");
    assert!(cells[1].parse::<u64>().is_ok(), "{cells:?}");
    // The aggregate has the column, empty for the point without it.
    let aggregate = std::fs::read_to_string(out.join("aggregate.csv")).unwrap();
    let header: Vec<&str> = aggregate.lines().next().unwrap().split(',').collect();
    let mean = header
        .iter()
        .position(|&c| c == "moves_waited_for_host_mean")
        .expect("aggregated");
    let row0: Vec<&str> = aggregate.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row0[mean], "");
}
