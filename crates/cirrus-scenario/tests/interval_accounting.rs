//! What `intervals.csv` counts (issue 17): every migration started, by
//! reason, whatever started it; and, in runs whose migrations are processes,
//! a migrating VM's demand counted once and the hosts a migration runs
//! between counted active and powered (the Clark SPECweb99 move).

mod common;

use common::{run_audited, scenarios};
use std::path::Path;

use cirrus::consolidation::MigrationReason;
use cirrus::metrics::{IntervalRecord, RunResult};

/// Runs `scenario` under the auditor.
fn run(path: &Path) -> RunResult {
    run_audited(path, &[])
}

fn sum(r: &RunResult, column: impl Fn(&IntervalRecord) -> usize) -> u64 {
    r.intervals.iter().map(|i| column(i) as u64).sum()
}

/// Each row's `migrations` is the sum of its columns by reason, and the
/// columns add up to the summary's counts and to `migrations.csv`.
fn assert_migrations_counted(r: &RunResult) {
    for i in &r.intervals {
        assert_eq!(
            i.migrations,
            i.migrations_overload + i.migrations_underload + i.migrations_evacuation + i.migrations_scripted,
            "at {} s",
            i.time_s
        );
    }
    let s = &r.summary;
    let by_reason = |reason| r.migrations.iter().filter(|m| m.reason == reason).count() as u64;
    assert_eq!(sum(r, |i| i.migrations), s.migration_counts.migrations);
    assert_eq!(sum(r, |i| i.migrations), r.migrations.len() as u64);
    assert_eq!(
        sum(r, |i| i.migrations_overload),
        s.migration_counts.migrations_overload
    );
    assert_eq!(
        sum(r, |i| i.migrations_underload),
        s.migration_counts.migrations_underload
    );
    assert_eq!(
        sum(r, |i| i.migrations_evacuation),
        s.migration_costs.migrations_evacuation
    );
    assert_eq!(
        sum(r, |i| i.migrations_scripted),
        s.migration_costs.migrations_scripted
    );
    for reason in [
        MigrationReason::Overload,
        MigrationReason::Underload,
        MigrationReason::Evacuation,
        MigrationReason::Scripted,
    ] {
        let column = |i: &IntervalRecord| match reason {
            MigrationReason::Overload => i.migrations_overload,
            MigrationReason::Underload => i.migrations_underload,
            MigrationReason::Evacuation => i.migrations_evacuation,
            MigrationReason::Scripted => i.migrations_scripted,
        };
        assert_eq!(sum(r, column), by_reason(reason), "{reason:?}");
    }
    // Each migration in the interval of the first step at or after its start.
    for m in &r.migrations {
        let step = r
            .intervals
            .iter()
            .find(|i| i.time_s >= m.start_s)
            .expect("a step after it");
        assert!(step.migrations > 0, "the move at {} s", m.start_s);
    }
}

#[test]
fn evacuations_are_counted_in_the_intervals() {
    let r = run(&scenarios().join("failures/degraded.toml"));
    assert_migrations_counted(&r);
    // What issue 17 found summing to 0: the run's 136 evacuations, and nothing else.
    assert_eq!(r.summary.migration_costs.migrations_evacuation, 136);
    assert_eq!(sum(&r, |i| i.migrations_evacuation), 136);
    assert_eq!(sum(&r, |i| i.migrations), 136);
    // They arrive between steps: several intervals hold some.
    assert!(r.intervals.iter().filter(|i| i.migrations_evacuation > 0).count() > 1);
}

#[test]
fn consolidation_moves_are_counted_by_reason() {
    // The CloudSim LR-MMT day: overload and underload moves, counted at the
    // step that starts them as before.
    let r = run(&scenarios().join("planetlab-20110303-lr-mmt.toml"));
    assert_migrations_counted(&r);
    assert!(sum(&r, |i| i.migrations_overload) > 0);
    assert!(sum(&r, |i| i.migrations_underload) > 0);
    assert_eq!(sum(&r, |i| i.migrations_evacuation + i.migrations_scripted), 0);
}

/// The Clark SPECweb99 move (pre-copy, 60 s → 130.08 s, host 0 → host 1):
/// the VM's 1800 MIPS are requested once, both hosts are on while it moves
/// (the final round pauses the VM, leaving neither host any load at 130 s),
/// and the destination draws its idle power while receiving.
#[test]
fn a_clark_migration_is_accounted_once_and_powered() {
    let r = run(&scenarios().join("migration/clark-specweb99.toml"));
    assert_migrations_counted(&r);
    assert_eq!(r.migrations.len(), 1);
    let m = &r.migrations[0];
    assert_eq!((m.source, m.target, m.start_s), (0, 1, 60.0));
    assert!(m.end_s > 130.0 && m.end_s < 140.0, "{}", m.end_s);
    assert!(m.downtime_s > 0.0);
    let dell = |u: f64| 100.0 + 100.0 * u; // linear, 200 W max, static 0.5
    let mut moving_steps = 0;
    let mut paused_steps = 0;
    for i in &r.intervals {
        // 350 clients: 90 % of 2000 MIPS, counted once.
        assert_eq!(i.requested_mips, 1800.0, "at {} s", i.time_s);
        assert!(i.active_hosts >= 1, "the VM exists at {} s", i.time_s);
        if i.time_s > m.start_s && i.time_s <= m.end_s {
            moving_steps += 1;
            assert_eq!(i.active_hosts, 2, "both hosts at {} s", i.time_s);
            // The source at most at its load, the destination at least idle.
            assert!(
                i.power_w > dell(0.45) + dell(0.0) - 2.0,
                "{} W at {} s",
                i.power_w,
                i.time_s
            );
            if i.allocated_mips == 0.0 {
                paused_steps += 1;
            }
        } else if i.time_s > m.end_s + 10.0 {
            assert_eq!(i.active_hosts, 1, "at {} s", i.time_s);
            assert_eq!(i.power_w, dell(0.45), "at {} s", i.time_s);
        }
    }
    assert_eq!(moving_steps, 7);
    // The final round's pause reached a step: the case that read 0 active hosts.
    assert_eq!(paused_steps, 1);
    // The destination drew power while receiving: more than its 170 s of load after.
    let destination_kwh = r.hosts[1].energy_kwh;
    let after_s = 300.0 - m.end_s;
    assert!(destination_kwh * 3.6e6 > dell(0.45) * (after_s - 10.0) + dell(0.0) * 60.0);
}
