//! The real-time scenario (scenarios/realtime/, docs/REALTIME.md): reserved real-time VMs
//! get all they request on every host, audited after every event; the deadline-aware policy
//! never starts a move it predicts will miss its bound, and misses fewer deadlines than
//! fixed pre-copy, its misses explained by the link share (the prediction on the share the
//! first transfer got is above the bound).

use std::path::{Path, PathBuf};

use cirrus::audit::Auditor;
use cirrus::consolidation::MigrationReason;
use cirrus::metrics::RunResult;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../scenarios/realtime/{name}.toml"))
}

/// Runs a real-time scenario under the auditor; the result and the auditor.
fn run(name: &str) -> (RunResult, Auditor) {
    run_with(name, &[])
}

/// [`run`] with `--set` overrides.
fn run_with(name: &str, overrides: &[String]) -> (RunResult, Auditor) {
    let scenario = cirrus_scenario::load(&scenario(name), overrides).expect("scenario loads");
    let mut auditor = Auditor::new();
    let mut failures = Vec::new();
    let result = scenario
        .into_simulation()
        .expect("simulation builds")
        .run_observed(|o| {
            if let Err(e) = auditor.check(o) {
                failures.push(e);
            }
        })
        .expect("run");
    assert!(
        failures.is_empty(),
        "{name}: {:?}",
        &failures[..failures.len().min(3)]
    );
    (result, auditor)
}

#[test]
fn reserved_real_time_vms_never_fall_short_and_deadline_aware_misses_least() {
    let (da, audit) = run("deadline-aware");
    let rt = da.summary.real_time.clone().expect("real-time counts");
    assert_eq!(rt.real_time_vms, 50);
    // Every running reserved VM was checked after every event. (In this scenario no host
    // holding a reservation is oversubscribed: the reservations keep the other VMs' demand
    // under capacity; `reserved_beside_shortfall` counts the checks where one was. The
    // sharing under oversubscription is tested in datacenter::time_shared and audit.)
    assert!(audit.reserved_checked() > 1000, "{}", audit.reserved_checked());
    eprintln!(
        "reserved VM checks: {}, beside an under-served VM: {}",
        audit.reserved_checked(),
        audit.reserved_beside_shortfall()
    );
    // No move started that the choice predicted to miss (evacuations may have to).
    let bounded: Vec<_> = da
        .migrations
        .iter()
        .filter(|m| m.max_downtime_s.is_some())
        .collect();
    assert!(bounded.len() >= 20, "{} real-time migrations", bounded.len());
    for m in &bounded {
        let bound = m.max_downtime_s.unwrap();
        let chosen_on = m.chosen_on_downtime_s.expect("a choice was made");
        if m.reason != MigrationReason::Evacuation {
            assert!(chosen_on <= bound, "{m:?}");
        }
    }
    // Its misses: each is explained by the share its first transfer got, on which the
    // model's own prediction is above the bound.
    let misses: Vec<_> = bounded
        .iter()
        .filter(|m| m.downtime_s > m.max_downtime_s.unwrap())
        .collect();
    assert_eq!(misses.len() as u64, rt.deadline_misses);
    for m in &misses {
        assert!(m.predicted_downtime_s > m.max_downtime_s.unwrap(), "{m:?}");
    }
    // Fixed pre-copy (QEMU's 300 ms rule) misses more.
    let (pre, _) = run("pre-copy");
    let pre_misses = pre.summary.real_time.expect("counts").deadline_misses;
    assert!(
        rt.deadline_misses < pre_misses,
        "{} vs {pre_misses}",
        rt.deadline_misses
    );
}

/// Every bounded move that is not an evacuation was predicted to meet its bound when chosen.
fn assert_never_started_predicted_to_miss(result: &RunResult) {
    for m in result.migrations.iter().filter(|m| m.max_downtime_s.is_some()) {
        if m.reason != MigrationReason::Evacuation {
            assert!(
                m.chosen_on_downtime_s.unwrap() <= m.max_downtime_s.unwrap(),
                "{m:?}"
            );
        }
    }
}

#[test]
fn moves_no_candidate_can_make_are_deferred() {
    // Candidates that rarely meet 50 ms: stop-and-copy (4 s for 512 MB) and pre-copy cut
    // after one round. The consolidation's moves of real-time VMs are then mostly deferred.
    let overrides: Vec<String> = [
        r#"consolidation.migration.candidates=["stop-and-copy","pre-copy"]"#,
        r#"consolidation.migration.pre-copy.stop_rule="xen""#,
        "consolidation.migration.pre-copy.max_rounds=1",
    ]
    .map(String::from)
    .to_vec();
    let (result, _) = run_with("deadline-aware", &overrides);
    let rt = result.summary.real_time.clone().expect("counts");
    assert!(rt.deadline_deferrals >= 10, "{rt:?}");
    assert_never_started_predicted_to_miss(&result);
    // The deferred VMs stayed where they were: no stop-and-copy of a real-time VM but for an
    // evacuation.
    for m in result.migrations.iter().filter(|m| m.max_downtime_s.is_some()) {
        if m.model == cirrus::migration::ModelKind::StopAndCopy {
            assert_eq!(m.reason, MigrationReason::Evacuation, "{m:?}");
        }
    }
}
