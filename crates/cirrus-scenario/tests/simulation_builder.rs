//! `Scenario::simulation_builder`: policy objects of one's own in a scenario
//! loaded from a file, nothing else it configured dropped. The scenario here
//! has a network, failures (with evacuations), scripted moves and a
//! consolidation loop; each is shown to act (counted), then the same policies
//! passed as objects give the plain run's result (summary and
//! every record) to the bit, and other
//! objects change the answer while keeping every part.

use std::path::{Path, PathBuf};

use cirrus::metrics::RunResult;
use cirrus::registry::{
    build_migration_model, build_overload_detector, build_placement_policy, build_vm_selection,
};
use cirrus_scenario::Scenario;

/// `failures/degraded.toml` (pre-copy over a 1 Gbit/s network, host failures with
/// evacuation) with a THR/MMT consolidation loop and two scripted moves, for two days.
fn scenario() -> (tempfile::TempDir, Scenario) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let text = std::fs::read_to_string(root.join("failures/degraded.toml")).unwrap();
    let text = text.replace(
        "[migration]\n",
        "[consolidation.detector]\nname = \"thr\"\nthreshold = 0.8\n\n\
         [consolidation.selection]\nname = \"mmt\"\n\n[consolidation.migration]\n",
    ) + "\n[[migrations]]\nat_s = 3600.0\nvm = 0\ntarget = 99\n\n\
         [[migrations]]\nat_s = 7200.0\nvm = 1\ntarget = 98\n";
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("everything.toml");
    std::fs::write(&path, text).unwrap();
    let scenario = cirrus_scenario::load(&path, &["simulation.duration_s=172800".to_string()]).unwrap();
    (dir, scenario)
}

/// Every value of the result, summary and records (f64 printed shortest
/// round-trip, so equal text is equal bits).
fn everything(result: &RunResult) -> String {
    format!("{result:?}")
}

/// Every part the file configured acted in `result`.
fn assert_every_part_acted(result: &RunResult) {
    let s = &result.summary;
    assert!(
        s.failures.host_failures > 0,
        "failures: {}",
        s.failures.host_failures
    );
    assert!(s.migration_costs.migrations_evacuation > 0, "evacuations");
    // Two scripted; a target without room refuses one (worst fit fills host 98).
    assert!(s.migration_costs.migrations_scripted >= 1, "scripted moves");
    assert!(
        s.migration_counts.migrations_overload + s.migration_counts.migrations_underload > 0,
        "consolidation moves"
    );
    // Pre-copy over the network: data sent, downtime short of the whole transfer.
    assert!(s.migration_costs.migration_data_mb > 0.0);
    assert!(
        result
            .migrations
            .iter()
            .all(|m| m.rounds >= 1 || m.end_s.is_nan())
    );
}

#[test]
fn the_same_policies_as_objects_give_the_plain_run_to_the_bit() {
    let (_dir, scenario) = scenario();
    let plain = scenario.simulation().unwrap().run().unwrap();
    assert_every_part_acted(&plain);
    assert_eq!(plain.summary.migration_costs.migrations_scripted, 2);

    let c = scenario.consolidation.as_ref().unwrap();
    let p = &scenario.placement;
    let explicit = scenario
        .simulation_builder()
        .placement(build_placement_policy(&p.name, p.params.clone()).unwrap())
        .detector(build_overload_detector(&c.detector.name, c.detector.params.clone()).unwrap())
        .selection(build_vm_selection(&c.selection.name, c.selection.params.clone()).unwrap())
        .consolidation_placement(
            build_placement_policy(&c.placement.name, c.placement.params.clone()).unwrap(),
        )
        .migration_model(build_migration_model(&c.migration.name, c.migration.params.clone()).unwrap())
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert!(everything(&explicit) == everything(&plain), "the results differ");
}

#[test]
fn another_initial_placement_changes_the_run_and_keeps_every_part() {
    let (_dir, scenario) = scenario();
    assert_eq!(scenario.placement.name, "bf");
    let plain = scenario.simulation().unwrap().run().unwrap();
    let worst_fit = scenario
        .simulation_builder()
        .placement(build_placement_policy("wf", Default::default()).unwrap())
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_every_part_acted(&worst_fit);
    // Worst fit spreads the VMs over more hosts at t = 0 than best fit.
    assert!(
        worst_fit.summary.placement.placement_hosts > plain.summary.placement.placement_hosts,
        "wf {} vs bf {}",
        worst_fit.summary.placement.placement_hosts,
        plain.summary.placement.placement_hosts
    );
}

#[test]
fn a_part_of_a_consolidation_the_scenario_lacks_is_an_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let scenario = cirrus_scenario::load(&root.join("failures/degraded.toml"), &[]).unwrap();
    assert!(scenario.consolidation.is_none());
    let err = scenario
        .simulation_builder()
        .detector(build_overload_detector("thr", Default::default()).unwrap())
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("the scenario has no [consolidation]"), "{err}");
}

/// A `MovePlanner` that keeps every `n`-th move (none when `n` is 0), counting the rounds.
#[derive(Debug)]
struct EveryNth {
    n: usize,
    rounds: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl cirrus::consolidation::planner::MovePlanner for EveryNth {
    fn revise(
        &mut self,
        dc: &mut cirrus::datacenter::Datacenter,
        round: &cirrus::consolidation::planner::Round<'_>,
        moves: &mut Vec<cirrus::consolidation::PlannedMigration>,
    ) {
        assert!(round.time_s > 0.0);
        let before = format!(
            "{:?}",
            dc.hosts().map(|h| dc.vms_on(h).to_vec()).collect::<Vec<_>>()
        );
        let mut i = 0;
        moves.retain(|_| {
            i += 1;
            self.n != 0 && (i - 1) % self.n == 0
        });
        assert_eq!(
            before,
            format!(
                "{:?}",
                dc.hosts().map(|h| dc.vms_on(h).to_vec()).collect::<Vec<_>>()
            )
        );
        self.rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn a_move_planner_sees_every_round_and_decides_the_moves() {
    let (_dir, scenario) = scenario();
    let plain = scenario.simulation().unwrap().run().unwrap();
    let run = |n| {
        let rounds = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let planner = EveryNth {
            n,
            rounds: rounds.clone(),
        };
        let result = scenario
            .simulation()
            .unwrap()
            .with_move_planner(Box::new(planner))
            .run()
            .unwrap();
        (result, rounds.load(std::sync::atomic::Ordering::Relaxed))
    };
    // Keeping every move is the plain run, to the bit; the planner saw every round.
    let (kept, rounds) = run(1);
    assert_eq!(everything(&kept), everything(&plain));
    assert_eq!(rounds as u64, plain.summary.consolidation.consolidation_rounds);
    // Keeping every other one changes the answer; keeping none makes no consolidation move.
    let (halved, _) = run(2);
    let (none, _) = run(0);
    let consolidation_moves = |r: &RunResult| {
        r.summary.migration_counts.migrations_overload + r.summary.migration_counts.migrations_underload
    };
    assert!(consolidation_moves(&plain) > 10, "the round must plan moves");
    assert_ne!(everything(&halved), everything(&plain));
    assert_eq!(consolidation_moves(&none), 0);
    assert!(
        none.migrations
            .iter()
            .any(|m| m.reason == cirrus::consolidation::MigrationReason::Evacuation),
        "evacuations are not the planner's"
    );
}
