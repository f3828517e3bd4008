//! Unit tests of whole runs: energy rules, retirement, infrastructure power, the step grid.

use super::*;
use crate::metrics::JOULES_PER_KWH;
use crate::placement::test_support::spec;
use crate::registry::build_placement_policy;
use crate::workload::UtilizationTrace;

/// One-hour runs at a 300 s step, no offset: steps at 300, 600, …, 3600.
fn config() -> SimulationConfig {
    SimulationConfig {
        duration_s: 3600.0,
        ..SimulationConfig::default()
    }
}

fn run(spec: DatacenterSpec, config: SimulationConfig) -> RunResult {
    let policy = build_placement_policy("ff", Default::default()).unwrap();
    Simulation::new(spec, config, policy).unwrap().run().unwrap()
}

#[test]
fn an_off_host_draws_its_off_power() {
    // Host 0 (idle 50 W, max 100 W) takes the VM at full load; host 1 stays empty.
    let mut s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)], &[1000.0]);
    s.host_types[1].off_power_w = 7.0;
    let step = SimulationConfig {
        integration: Integration::Step,
        ..config()
    };
    let r = run(s.clone(), step.clone());
    assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3600.0).abs() < 1e-6);
    assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
    // Without the step at t = 0, every host starts at u = 0, so off, as in CloudSim.
    let r = run(
        s,
        SimulationConfig {
            step_at_start: false,
            ..step
        },
    );
    assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3300.0).abs() < 1e-6);
    assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
}

#[test]
fn non_power_aware_charges_full_power_for_every_host_all_the_time() {
    let s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 40.0, 80.0)], &[500.0]);
    let r = run(
        s,
        SimulationConfig {
            energy: EnergyAccounting::NonPowerAware,
            ..config()
        },
    );
    assert!((r.summary.energy.energy_kwh * JOULES_PER_KWH - 180.0 * 3600.0).abs() < 1e-6);
}

#[test]
fn idle_vms_are_retired_only_when_asked() {
    let mut s = spec(&[(1000.0, 2, 50.0, 100.0)], &[500.0, 500.0]);
    s.traces = vec![
        UtilizationTrace::new("busy", 300.0, vec![0.5; 13]).unwrap(),
        UtilizationTrace::new("stops", 300.0, vec![0.5, 0.5, 0.0, 0.0, 0.0]).unwrap(),
    ];
    s.vms[1].trace = 1;
    let kept = run(s.clone(), config());
    assert_eq!(kept.summary.run.vms_finished, 0);
    let retired = run(
        s,
        SimulationConfig {
            finish_idle_vms: true,
            ..config()
        },
    );
    assert_eq!(retired.summary.run.vms_finished, 1);
    assert_eq!(retired.vms[1].finished_at_s, Some(600.0));
    assert_eq!(retired.vms[1].host, None);
    assert_eq!(retired.hosts[0].vms_at_end, 1);
}

#[test]
fn switches_and_cooling_are_charged_for_racks_with_hosts_on() {
    // Three hosts in two racks (0, 0, 1); one full-load VM on host 0.
    let mut s = spec(
        &[
            (1000.0, 1, 50.0, 100.0),
            (1000.0, 1, 50.0, 100.0),
            (1000.0, 1, 50.0, 100.0),
        ],
        &[1000.0],
    );
    for (h, rack) in s.hosts.iter_mut().zip([0, 0, 1]) {
        h.rack = Some(rack);
    }
    let base = SimulationConfig {
        integration: Integration::Step,
        ..config()
    };
    let plain = run(s.clone(), base.clone());
    assert_eq!(plain.summary.energy.network_energy_kwh, 0.0);
    assert_eq!(
        plain.summary.energy.total_energy_kwh,
        plain.summary.energy.energy_kwh
    );
    let r = run(
        s.clone(),
        SimulationConfig {
            infrastructure: InfrastructurePower {
                switch: Some(SwitchPower::CARPO),
                cooling: Cooling::Pue { pue: 1.5 },
            },
            ..base.clone()
        },
    );
    // Rack 0: one host on, one uplink: 66.7 + 2 × 1 W for the hour; rack 1 off.
    let network_j = (66.7 + 2.0) * 3600.0;
    assert!((r.summary.energy.network_energy_kwh * JOULES_PER_KWH - network_j).abs() < 1e-6);
    let server_j = 100.0 * 3600.0;
    assert!((r.summary.energy.energy_kwh * JOULES_PER_KWH - server_j).abs() < 1e-6);
    let cooling_j = 0.5 * (server_j + network_j);
    assert!((r.summary.energy.cooling_energy_kwh * JOULES_PER_KWH - cooling_j).abs() < 1e-6);
    assert!(
        (r.summary.energy.total_energy_kwh * JOULES_PER_KWH - (server_j + network_j + cooling_j)).abs()
            < 1e-6
    );
    assert!(r.intervals.iter().skip(1).all(|i| i.active_racks == 1));
    let per_rack = run(
        s,
        SimulationConfig {
            infrastructure: InfrastructurePower {
                switch: None,
                cooling: Cooling::PerActiveRack { rack_w: 200.0 },
            },
            ..base
        },
    );
    assert!((per_rack.summary.energy.cooling_energy_kwh * JOULES_PER_KWH - 200.0 * 3600.0).abs() < 1e-6);
}

#[test]
fn cloudsim_step_grid() {
    let grid = SimulationConfig {
        step_offset_s: 0.1,
        duration_s: 1200.0,
        ..config()
    };
    let s = spec(&[(1000.0, 1, 50.0, 100.0)], &[500.0]);
    let r = run(
        s.clone(),
        SimulationConfig {
            step_at_start: false,
            step_at_end: false,
            ..grid.clone()
        },
    );
    let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
    assert_eq!(times, [300.1, 600.1, 900.1]);
    assert_eq!(r.summary.run.last_step_s, 900.1);
    assert_eq!(r.summary.run.simulated_s, 1200.0);
    let r = run(s, grid);
    let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
    assert_eq!(times, [0.0, 300.1, 600.1, 900.1, 1200.0]);
}

/// CloudSim's fixed delay under another name, with a completion rule of our choosing.
#[derive(Debug)]
struct RenamedFixedDelay(crate::migration::Completion);

impl MigrationModel for RenamedFixedDelay {
    fn name(&self) -> &'static str {
        "renamed"
    }

    fn plan(
        &self,
        dc: &Datacenter,
        vm: VmId,
        source: crate::datacenter::HostId,
        target: crate::datacenter::HostId,
    ) -> crate::migration::MigrationPlan {
        crate::migration::FixedDelay::CLOUDSIM.plan(dc, vm, source, target)
    }

    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: crate::datacenter::HostId) -> f64 {
        crate::migration::FixedDelay::CLOUDSIM.estimate_duration_s(dc, vm, host)
    }

    fn predict(&self, input: &crate::migration::PredictionInput<'_>) -> crate::migration::Prediction {
        crate::migration::FixedDelay::CLOUDSIM.predict(input)
    }

    fn start(
        &self,
        start: &crate::migration::MigrationStart<'_>,
    ) -> Box<dyn crate::migration::MigrationProcess> {
        crate::migration::FixedDelay::CLOUDSIM.start(start)
    }

    fn completion(&self) -> crate::migration::Completion {
        self.0
    }
}

/// VMs 0 and 1 scripted from host 0 to host 1, each `(at_s, ram_mb)`: the
/// move takes RAM over half of 1 Gbit/s (62.5 MB/s).
fn scripted_moves(model: Box<dyn MigrationModel>, moves: [(f64, u64); 2]) -> RunResult {
    let mut s = spec(
        &[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)],
        &[500.0, 500.0],
    );
    for (t, &(_, ram_mb)) in s.vm_types.iter_mut().zip(&moves) {
        t.ram_mb = ram_mb;
    }
    let moves = [0, 1].map(|vm| ScriptedMigration {
        at_s: moves[vm].0,
        vm: VmId(vm as u32),
        target: crate::datacenter::HostId(1),
    });
    let policy = build_placement_policy("ff", Default::default()).unwrap();
    Simulation::new(s, config(), policy)
        .unwrap()
        .with_migration_model(model)
        .with_scripted_migrations(moves.to_vec())
        .unwrap()
        .run()
        .unwrap()
}

/// Two moves started at 100 s (1000 MB: 16 s) and 108 s (500 MB: 8 s), both due at 116 s.
const DUE_TOGETHER: [(f64, u64); 2] = [(108.0, 500), (100.0, 1000)];

#[test]
fn the_completion_rule_not_the_name_decides_how_a_migration_runs() {
    use crate::migration::{Completion, ModelKind};
    let cloudsim = scripted_moves(Box::new(crate::migration::FixedDelay::CLOUDSIM), DUE_TOGETHER);
    let renamed = scripted_moves(Box::new(RenamedFixedDelay(Completion::PerInstant)), DUE_TOGETHER);
    // 13 steps, 2 scripted moves, 1 completion for both (they end at the same instant).
    assert_eq!(cloudsim.summary.run.events, 16);
    // (Debug, so that NaN fields compare equal.)
    assert_eq!(
        format!("{:?}", renamed.summary),
        format!("{:?}", cloudsim.summary)
    );
    assert_eq!(
        (renamed.intervals, renamed.hosts, renamed.vms),
        (cloudsim.intervals, cloudsim.hosts, cloudsim.vms)
    );
    for (r, c) in renamed.migrations.iter().zip(&cloudsim.migrations) {
        assert_eq!(c.model, ModelKind::FixedDelay);
        assert_eq!(r.model, ModelKind::Other("renamed"));
        assert_eq!(
            MigrationRecord {
                model: ModelKind::FixedDelay,
                ..r.clone()
            },
            *c
        );
        assert_eq!(c.end_s, 116.0);
        assert_eq!(c.stop_reason, Some(crate::migration::StopReason::FixedDelay));
    }
    // The same process, each wait ending at its own event: one more event.
    let own_events = scripted_moves(Box::new(RenamedFixedDelay(Completion::PerPhase)), DUE_TOGETHER);
    assert_eq!(own_events.summary.run.events, 17);
    assert_eq!(own_events.migrations.len(), 2);
    assert!(own_events.migrations.iter().all(|m| m.end_s == 116.0));
}

#[test]
fn a_fixed_delay_into_a_host_that_crashes_is_called_off_with_what_it_did() {
    use crate::datacenter::HostId;
    use crate::failures::{FailureConfig, FailureKind, FailureSource, HostFailure};
    use crate::migration::StopReason;
    let s = spec(&[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)], &[500.0]);
    let crash = HostFailure {
        host: HostId(1),
        warning_s: 104.0,
        down_s: 104.0,
        up_s: 2000.0,
        kind: FailureKind::Crash,
    };
    let policy = build_placement_policy("ff", Default::default()).unwrap();
    let r = Simulation::new(s, config(), policy)
        .unwrap()
        .with_migration_model(Box::new(crate::migration::FixedDelay::CLOUDSIM))
        .with_scripted_migrations(vec![ScriptedMigration {
            at_s: 100.0,
            vm: VmId(0),
            target: HostId(1),
        }])
        .unwrap()
        .with_failures(FailureConfig {
            source: FailureSource::Trace(vec![crash]),
            restart_delay_s: 0.0,
            evacuate: false,
        })
        .unwrap()
        .run()
        .unwrap();
    let m = &r.migrations[0];
    assert_eq!(m.stop_reason, Some(StopReason::Aborted));
    assert_eq!(
        (m.end_s, m.duration_s, m.data_mb, m.downtime_s),
        (104.0, 4.0, 512.0, 0.0)
    );
    // The VM stays where it ran; no completion is left to end the migration.
    assert_eq!(r.vms[0].host, Some(0));
    assert_eq!(r.summary.failures.migrations_aborted, 1);
    assert_eq!(r.summary.failures.vm_losses, 0);
    // 13 steps, the move, the crash, the repair, and the completion instant (which finds nothing).
    assert_eq!(r.summary.run.events, 17);
}

#[test]
fn each_event_starting_moves_arms_their_completion_again() {
    let fixed = || Box::new(crate::migration::FixedDelay::CLOUDSIM);
    // Both moves at 290 s, both due at 298 s: the second move's event arms
    // the instant again, as runs always have; the second `MigrationsDue`
    // finds nothing left to do.
    let r = scripted_moves(fixed(), [(290.0, 500), (290.0, 500)]);
    assert_eq!(r.summary.run.events, 13 + 2 + 2);
    assert!(r.migrations.iter().all(|m| m.end_s == 298.0));
    // At 600 s the step, scheduled (at 300 s) after the moves, arms it a
    // third time; at 300 s the step, scheduled first, comes before the moves.
    let r = scripted_moves(fixed(), [(600.0, 500), (600.0, 500)]);
    assert_eq!(r.summary.run.events, 13 + 2 + 3);
    let r = scripted_moves(fixed(), [(300.0, 500), (300.0, 500)]);
    assert_eq!(r.summary.run.events, 13 + 2 + 2);
    // Moves started at different times that end together: one completion.
    let r = scripted_moves(fixed(), DUE_TOGETHER);
    assert_eq!(r.summary.run.events, 13 + 2 + 1);
}

/// Pre-copy (QEMU's 300 ms rule) of VMs of 1000 and 500 MB dirtying 20 MB/s from host 0 to
/// host 1 over 1 Gbit/s links, at the times given.
fn pre_copy_moves(at_s: [f64; 2]) -> RunResult {
    use crate::migration::{PreCopy, StopRules, VmMemory};
    let mut s = spec(
        &[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)],
        &[500.0, 500.0],
    );
    s.vm_types[0].ram_mb = 1000;
    s.vm_types[1].ram_mb = 500;
    let memory = [1000.0, 500.0].map(|ram| VmMemory::constant(ram, 20.0)).to_vec();
    let moves = [0, 1].map(|vm| ScriptedMigration {
        at_s: at_s[vm],
        vm: VmId(vm as u32),
        target: crate::datacenter::HostId(1),
    });
    let model = PreCopy {
        rules: StopRules::QEMU,
        ..PreCopy::XEN
    };
    let policy = build_placement_policy("ff", Default::default()).unwrap();
    Simulation::new(s, config(), policy)
        .unwrap()
        .with_vm_memory(memory)
        .unwrap()
        .with_migration_model(Box::new(model))
        .with_scripted_migrations(moves.to_vec())
        .unwrap()
        .run()
        .unwrap()
}

#[test]
fn predicted_downtime_is_written_next_to_the_simulated_one() {
    use crate::migration::{MigrationModel, PreCopy, PredictionInput, StopRules, VmMemory};
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    // One at a time: each alone on the link, the prediction is the simulation.
    let alone = pre_copy_moves([100.0, 1000.0]);
    assert_eq!(alone.migrations.len(), 2);
    for m in &alone.migrations {
        assert!(m.rounds >= 2 && m.downtime_s > 0.0, "{m:?}");
        assert!(rel(m.predicted_downtime_s, m.downtime_s) < 1e-9, "{m:?}");
        assert!(rel(m.predicted_total_s, m.end_s - m.start_s) < 1e-9, "{m:?}");
    }
    // Together (two scripted events at 100 s): the first move starts alone on the link and is
    // predicted over all of it; the second starts on half of it, and is predicted so. Both
    // then share the link, so the first's prediction errs, visibly.
    let shared = pre_copy_moves([100.0, 100.0]);
    let model = PreCopy {
        rules: StopRules::QEMU,
        ..PreCopy::XEN
    };
    let over = |m: &MigrationRecord, bw: f64| {
        let ram = if m.vm == 0 { 1000.0 } else { 500.0 };
        let p = model.predict(&PredictionInput::alone(&VmMemory::constant(ram, 20.0), bw));
        (m.predicted_downtime_s, m.predicted_total_s) == (p.downtime_s, p.total_s)
    };
    let (first, second) = (&shared.migrations[0], &shared.migrations[1]);
    assert!(
        over(first, 1000.0) && over(second, 500.0),
        "{shared:?}",
        shared = shared.migrations
    );
    assert!(
        rel(first.predicted_total_s, first.end_s - first.start_s) > 0.01,
        "{first:?}"
    );
    assert!(
        rel(first.predicted_downtime_s, first.downtime_s) > 0.01,
        "{first:?}"
    );
}
