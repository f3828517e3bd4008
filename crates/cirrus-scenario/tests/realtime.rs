//! The real-time scenarios (scenarios/realtime/, docs/REALTIME.md): reserved real-time VMs
//! get all they request on every host, audited after every event, also where their
//! neighbours are scaled down (`oversubscribed.toml`); the deadline-aware policy never starts
//! a move it predicts will miss its bound, predicts on the share the round's transfers will
//! leave it, and misses fewer deadlines than fixed pre-copy, any miss explained by the link
//! share (the prediction on the share the first transfer got is above the bound).

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
    // Every running reserved VM was checked after every event. (Memory keeps two to four VMs
    // on a host here and no host holding a reservation is oversubscribed; see
    // `reservations_hold_on_oversubscribed_hosts` for hosts that are.)
    assert!(audit.reserved_checked() > 1000, "{}", audit.reserved_checked());
    // Each move was chosen on the share the round's transfers leave it (when the share was
    // estimated from the transfers started so far, 56 % of these moves were chosen on more
    // than they got).
    let optimistic = chosen_on_too_large_a_share(&da);
    assert!(optimistic < 0.01, "{optimistic}");
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

/// The share of the real-time moves (other than evacuations) chosen on a link share larger
/// than their first transfer got: the choice's prediction is below the one remade on that
/// share.
fn chosen_on_too_large_a_share(result: &RunResult) -> f64 {
    let bounded: Vec<_> = (result.migrations.iter())
        .filter(|m| m.max_downtime_s.is_some() && m.reason != MigrationReason::Evacuation)
        .collect();
    let optimistic = (bounded.iter())
        .filter(|m| m.chosen_on_downtime_s.unwrap() < m.predicted_downtime_s * (1.0 - 1e-9))
        .count();
    optimistic as f64 / bounded.len() as f64
}

#[test]
fn reservations_hold_on_oversubscribed_hosts() {
    // Hosts with 8 GB of RAM and demand drawn afresh every 5 minutes: consolidation packs
    // hosts that are short of CPU a tenth of the time, beside reserved VMs.
    let (result, audit) = run("oversubscribed");
    let rt = result.summary.real_time.clone().expect("real-time counts");
    assert!(result.summary.sla.slatah > 0.05, "{}", result.summary.sla.slatah);
    // The rare case the audit's rule is for, reached: a reserved VM checked while a VM beside
    // it got less than it requested (the auditor fails the run if the reserved one did).
    assert!(
        audit.reserved_beside_shortfall() > 10_000,
        "{} of {}",
        audit.reserved_beside_shortfall(),
        audit.reserved_checked()
    );
    // What the reservations are worth: without them the real-time guests share the
    // shortfall. With them they lose only what migrations and failures cost them.
    let unserved = |r: &RunResult| {
        let rt_vms = r.vms.iter().filter(|v| v.vm_type == "rt-control");
        let (req, got) = rt_vms.fold((0.0, 0.0), |(q, g), v| {
            (q + v.requested_mips_s, g + v.allocated_mips_s)
        });
        1.0 - got / req
    };
    let unreserved = cirrus_scenario::load(
        &scenario("oversubscribed"),
        &["vm_types[4].real_time.reserve=false".to_string()],
    )
    .expect("loads")
    .into_simulation()
    .expect("simulation builds")
    .run()
    .expect("runs");
    let (with, without) = (unserved(&result), unserved(&unreserved));
    assert!(
        without > 5.0 * with,
        "unserved with reservations {with}, without {without}"
    );
    // Many real-time moves a round: the choice predicts on the share the whole round's
    // transfers leave each one, which the first transfer gets or exceeds (max-min gives it
    // what a flow held up elsewhere leaves). No deadline is missed. (Predicting on the flows
    // started so far missed 955 of 4,830 here.)
    assert_eq!(rt.deadline_misses, 0, "{rt:?}");
    let optimistic = chosen_on_too_large_a_share(&result);
    assert!(optimistic < 0.01, "{optimistic}");
    assert_never_started_predicted_to_miss(&result);
}
