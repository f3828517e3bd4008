//! `--threads N` changes no output byte: a step's hosts are measured in
//! chunks of a fixed size, in parallel, and applied in host order, so every
//! floating-point sum is taken in the same order whatever the number of
//! threads. Checked on a scenario with consolidation (PlanetLab ×2, LR-MMT)
//! and one whose migrations are processes over the network (pre-copy), with
//! chunks small enough that every step has dozens of them; and through the
//! binary, with its default chunk size and its argument checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use cirrus::metrics::RunResult;
use tempfile::TempDir;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

/// Every file a run writes when all outputs are on.
const OUTPUTS: [&str; 5] = [
    "summary.json",
    "intervals.csv",
    "hosts.csv",
    "vms.csv",
    "migrations.csv",
];

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
}

/// Runs `name` cut to `duration_s` with `threads` threads and chunks of
/// `chunk_hosts` hosts; writes every output file into `dir`.
fn run(name: &str, duration_s: f64, threads: usize, chunk_hosts: usize, dir: &Path) -> RunResult {
    let overrides = [
        format!("simulation.duration_s={duration_s}"),
        "output.hosts=true".into(),
        "output.vms=true".into(),
        "output.migrations=true".into(),
        "output.intervals=true".into(),
    ];
    let loaded = cirrus_scenario::load(&scenario(name), &overrides).expect("scenario loads");
    let selection = cirrus_output::Selection {
        intervals: true,
        hosts: true,
        vms: true,
        migrations: true,
    };
    let sim = loaded
        .into_simulation()
        .and_then(|s| s.with_threads(threads))
        .expect("simulation builds")
        .with_step_chunk_hosts(chunk_hosts);
    let result = sim.run().expect("run succeeds");
    cirrus_output::write_run(&result, dir, selection).expect("outputs written");
    result
}

/// The run with 1 thread, then with 2, 3 and 7: every output file the same
/// bytes. Returns the 1-thread result.
fn same_for_any_thread_count(name: &str, duration_s: f64, chunk_hosts: usize) -> RunResult {
    let tmp = TempDir::new().unwrap();
    let reference = run(name, duration_s, 1, chunk_hosts, &tmp.path().join("t1"));
    let chunks = reference.summary.run.hosts.div_ceil(chunk_hosts);
    assert!(chunks >= 20, "{name}: only {chunks} chunks per step");
    for threads in [2, 3, 7] {
        let dir = tmp.path().join(format!("t{threads}"));
        run(name, duration_s, threads, chunk_hosts, &dir);
        for file in OUTPUTS {
            let a = std::fs::read(tmp.path().join("t1").join(file)).unwrap();
            let b = std::fs::read(dir.join(file)).unwrap();
            assert!(!a.is_empty(), "{name}: {file} is empty");
            assert!(a == b, "{name}: {file} differs between 1 and {threads} threads");
        }
    }
    reference
}

#[test]
fn consolidation_outputs_are_identical_for_any_thread_count() {
    // 1600 hosts in 50 chunks of 32; 4 h: initial placement and 47 rounds.
    let r = same_for_any_thread_count("scale/planetlab-x2-lr-mmt.toml", 14_400.0, 32);
    assert!(r.summary.run.steps >= 40);
    let migrations = r.summary.migration_counts.migrations;
    assert!(
        migrations > 100,
        "only {migrations} migrations: consolidation barely ran"
    );
    assert!(r.summary.run.vms_finished > 0, "no VM retired at zero demand");
}

#[test]
fn process_migration_outputs_are_identical_for_any_thread_count() {
    // 800 hosts in 50 chunks of 16; pre-copy migrations over the network,
    // each VM listed on its source and its target while it moves.
    let r = same_for_any_thread_count("migration/lr-mmt-pre-copy.toml", 10_800.0, 16);
    let migrations = r.summary.migration_counts.migrations;
    assert!(migrations > 100, "only {migrations} migrations");
    // Steps at 300.1, 600.1, …: a migration spanning one was in progress
    // (its VM on two hosts) while every host was processed.
    let spanning = r
        .migrations
        .iter()
        .filter(|m| {
            let next_step_s = (((m.start_s - 0.1) / 300.0).floor() + 1.0) * 300.0 + 0.1;
            next_step_s < m.end_s
        })
        .count();
    assert!(spanning > 0, "no migration was in progress during a step");
}

#[test]
fn the_binary_gives_the_same_files_with_one_thread_and_with_several() {
    let tmp = TempDir::new().unwrap();
    let path = scenario("planetlab-20110303-lr-mmt.toml");
    for threads in ["1", "3"] {
        let status = Command::new(CIRRUS)
            .arg("run")
            .arg(&path)
            .args([
                "--set",
                "simulation.duration_s=7200",
                "--threads",
                threads,
                "--out",
            ])
            .arg(tmp.path().join(threads))
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    for file in OUTPUTS {
        let a = std::fs::read(tmp.path().join("1").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("3").join(file)).unwrap();
        assert!(a == b, "{file} differs between --threads 1 and --threads 3");
    }
}

#[test]
fn bad_thread_counts_are_refused_by_name() {
    let path = scenario("planetlab-20110303-lr-mmt.toml");
    for (value, says) in [("0", "0 is not in 1..=65535"), ("two", "invalid digit")] {
        let out = Command::new(CIRRUS)
            .arg("run")
            .arg(&path)
            .args(["--threads", value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--threads {value} accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--threads") && stderr.contains(says),
            "--threads {value}: {stderr}"
        );
    }
}
