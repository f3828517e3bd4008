//! Moves towards a host that is not on wait for it (`docs/MODELS.md` C.5): the target's
//! room is booked, the VM is served at its source, the transfer starts when the host is
//! on; evacuations plan with each host's ready time; a booked move that becomes
//! impossible is called off cleanly.

mod common;

use cirrus::audit::Auditor;
use cirrus::consolidation::{Consolidation, MigrationReason};
use cirrus::datacenter::{CreationRequest, DatacenterSpec, HostId, HostType, RealTime, VmId, VmSpec};
use cirrus::failures::{FailureConfig, FailureKind, FailureSource, HostFailure};
use cirrus::metrics::RunResult;
use cirrus::migration::{DeadlineAware, FixedDelay, MigrationModel};
use cirrus::params::{ParamValue, Params};
use cirrus::placement::FirstFit;
use cirrus::power::PowerStateSpec;
use cirrus::registry::{
    build_migration_model, build_overload_detector, build_placement_policy, build_vm_selection,
};
use cirrus::simulation::{PowerManagement, ScriptedMigration, Simulation, SimulationConfig};
use cirrus::workload::UtilizationTrace;
use common::{constant_trace, host_type, hosts, linear_power, vm_type};

/// A host of 2 × 1000 MIPS that boots in 200 s at 200 W and shuts down in 10 s.
fn slow_boot_host() -> HostType {
    HostType {
        off_power_w: 10.0,
        power_states: Some(PowerStateSpec {
            boot_s: 200.0,
            boot_w: 200.0,
            shutdown_s: 10.0,
            shutdown_w: 100.0,
            sleep: None,
        }),
        ..host_type("slow-boot", 2, 1000.0, 4096, 1000.0, linear_power(200.0, 0.5))
    }
}

/// `n_hosts` slow-boot hosts and `utilizations.len()` one-core VMs of 1000 MIPS and
/// 512 MB, each at its constant utilisation.
fn datacenter(n_hosts: usize, utilizations: &[f64]) -> DatacenterSpec {
    DatacenterSpec {
        host_types: vec![slow_boot_host()],
        hosts: hosts(n_hosts, 0),
        vm_types: vec![vm_type("vm", 1, 1000.0, 512, 100.0)],
        vms: (0..utilizations.len())
            .map(|i| VmSpec { vm_type: 0, trace: i })
            .collect(),
        traces: (utilizations.iter().enumerate())
            .map(|(i, &u)| constant_trace(&format!("t{i}"), 300.0, u, 40))
            .collect(),
        applications: Default::default(),
        real_time: Vec::new(),
        creation_request: CreationRequest::FullMips,
    }
}

/// Power management in which an empty host shuts down at once.
fn config(duration_s: f64) -> SimulationConfig {
    SimulationConfig {
        duration_s,
        scheduling_interval_s: 300.0,
        power_management: Some(PowerManagement::default()),
        ..SimulationConfig::default()
    }
}

/// Runs `sim` under the auditor; the violations it found.
fn audited(sim: Simulation) -> (RunResult, Vec<String>) {
    let mut auditor = Auditor::new();
    let mut violations = Vec::new();
    let result = sim
        .run_observed(|o| {
            if let Err(e) = auditor.check(o) {
                violations.push(e.to_string());
            }
        })
        .expect("runs");
    assert!(auditor.events() > 0);
    (result, violations)
}

#[test]
fn a_consolidation_move_to_an_off_host_starts_when_the_host_is_on() {
    // Two VMs at 90 % on host 0 (first fit) load it beyond THR's 80 %; host 1 is empty and
    // shuts down at t = 0. At the step at 300 s one VM must go, and only host 1 can take it: it
    // boots from 300 s to 500 s, and the VM runs at its source, in full, meanwhile.
    let consolidation = Consolidation::new(
        build_overload_detector("thr", Params::new().with("threshold", ParamValue::Number(0.8))).unwrap(),
        build_vm_selection("mmt", Default::default()).unwrap(),
        build_placement_policy("pabfd", Default::default()).unwrap(),
        Box::new(FixedDelay::CLOUDSIM),
    );
    // The VMs ask 30 % at t = 0 (placed together: initial placement screens with THR), 90 %
    // from 300 s on.
    let mut spec = datacenter(2, &[0.9, 0.9]);
    spec.creation_request = CreationRequest::Demand;
    for (i, trace) in spec.traces.iter_mut().enumerate() {
        let mut samples = vec![0.9; 40];
        samples[0] = 0.3;
        *trace = UtilizationTrace::new(format!("rising{i}"), 300.0, samples).unwrap();
    }
    let sim = Simulation::new(spec, config(1200.0), Box::new(FirstFit::default()))
        .unwrap()
        .with_consolidation(consolidation);
    let mut served_while_booked = Vec::new();
    let mut auditor = Auditor::new();
    let result = sim
        .run_observed(|o| {
            auditor.check(o).unwrap_or_else(|e| panic!("{e}"));
            let dc = o.datacenter;
            for v in [VmId(0), VmId(1)] {
                if dc.migration_booked(v) {
                    served_while_booked.push((o.time_s, dc.host_of(v), dc.vm_allocated_mips(v)));
                }
            }
        })
        .unwrap();
    let first = &result.migrations[0];
    assert_eq!(first.reason, MigrationReason::Overload);
    assert_eq!(first.target, 1);
    // Planned at 300 s, started at the end of the boot: the host's ready time.
    assert_eq!(first.start_s, 500.0, "{:?}", result.migrations);
    // Booked at 300 s: the VM ran at its source and got its whole request (900 MIPS).
    assert!(!served_while_booked.is_empty());
    for &(t, host, mips) in &served_while_booked {
        assert!((300.0..500.0).contains(&t), "booked at {t} s");
        assert_eq!((host, mips), (Some(HostId(0)), 900.0), "at {t} s");
    }
    let p = &result.summary.power_states;
    assert_eq!(p.power_boots, 1);
    // Nothing waited unserved on the booting host.
    assert_eq!(p.vm_waiting_s, 0.0);
    let waits = result.summary.move_waits.expect("power states are managed");
    assert_eq!((waits.moves_waited_for_host, waits.move_wait_s), (1, 200.0));
}

/// Host 0 runs VM 0 and is announced (at 1000 s) to fail at 1100 s; host 1 is empty, off;
/// with `busy_third`, host 2 runs VM 1 and is on. Evacuated with `model`, placed first fit.
fn evacuation(busy_third: bool, model: Box<dyn MigrationModel>, real_time: bool) -> (RunResult, Vec<String>) {
    let (n_hosts, utilizations) = if busy_third {
        (3, vec![0.3, 0.3])
    } else {
        (2, vec![0.3])
    };
    let mut spec = datacenter(n_hosts, &utilizations);
    if real_time {
        spec.real_time = vec![Some(RealTime {
            max_downtime_s: 10.0,
            reserve: false,
        })];
        spec.real_time.resize(utilizations.len(), None);
    }
    // Initial placement (first fit, full MIPS reserved): every VM on host 0.
    let placement = build_placement_policy("ff", Default::default()).unwrap();
    let warning = HostFailure {
        host: HostId(0),
        warning_s: 1000.0,
        down_s: 1100.0,
        up_s: 5000.0,
        kind: FailureKind::Degraded,
    };
    let mut sim = Simulation::new(spec, config(1800.0), placement)
        .unwrap()
        .with_migration_model(model)
        .with_failures(FailureConfig {
            source: FailureSource::Trace(vec![warning]),
            restart_delay_s: 60.0,
            evacuate: true,
        })
        .unwrap();
    if busy_third {
        // VM 1 to host 2 at t = 0, which is shutting down then: it waits for the
        // shutdown and a boot, and runs on host 2 from 210 s.
        sim = sim
            .with_scripted_migrations(vec![ScriptedMigration {
                at_s: 0.0,
                vm: VmId(1),
                target: HostId(2),
            }])
            .unwrap();
    }
    audited(sim)
}

#[test]
fn an_evacuation_prefers_a_host_ready_in_time_and_counts_one_that_is_not_too_late() {
    // First fit would pick host 1, off: ready at 1200 s, after the failure. Host 2 is on.
    let (r, violations) = evacuation(true, Box::new(FixedDelay::CLOUDSIM), false);
    assert!(violations.is_empty(), "{violations:?}");
    let evac: Vec<_> = (r.migrations.iter())
        .filter(|m| m.reason == MigrationReason::Evacuation)
        .collect();
    assert_eq!(evac.len(), 1, "{:?}", r.migrations);
    assert_eq!((evac[0].target, evac[0].start_s), (2, 1000.0));
    // VM 1's move to host 2, shutting down at t = 0, waited for the rest of the shutdown
    // (10 s) and a boot (200 s): the host's ready time.
    let scripted = (r.migrations.iter())
        .find(|m| m.reason == MigrationReason::Scripted)
        .expect("VM 1's move");
    assert_eq!((scripted.target, scripted.start_s), (2, 210.0));
    assert!(evac[0].end_s <= 1100.0);
    assert_eq!(r.summary.failures.vm_losses, 0);
    // Only host 1, too slow to wake: the move is booked, cannot start before the failure,
    // and the VM is lost; the deadline-aware policy counts it too late (once).
    let deadline_aware = || {
        let stop_and_copy = build_migration_model("stop-and-copy", Default::default()).unwrap();
        Box::new(DeadlineAware::new(vec![stop_and_copy]).unwrap()) as Box<dyn MigrationModel>
    };
    for (model, real_time) in [
        (Box::new(FixedDelay::CLOUDSIM) as Box<dyn MigrationModel>, false),
        (deadline_aware(), true),
    ] {
        let (r, violations) = evacuation(false, model, real_time);
        assert!(violations.is_empty(), "{violations:?}");
        assert!(
            r.migrations
                .iter()
                .all(|m| m.reason != MigrationReason::Evacuation),
            "{:?}",
            r.migrations
        );
        assert_eq!(r.summary.failures.vm_losses, 1);
        assert_eq!(r.summary.migration_costs.migrations_refused, 1);
        if real_time {
            assert_eq!(
                r.summary.real_time.expect("a real-time VM").evacuations_too_late,
                1
            );
        }
    }
}

/// VM 0 on host 0, scripted to move at 100 s to host 1 (off: ready at 300 s); `failure`,
/// announced failures evacuated or not.
fn booked_then(failure: HostFailure, evacuate: bool) -> (RunResult, Vec<String>) {
    let sim = Simulation::new(
        datacenter(2, &[0.3]),
        config(900.0),
        build_placement_policy("ff", Default::default()).unwrap(),
    )
    .unwrap()
    .with_migration_model(Box::new(FixedDelay::CLOUDSIM))
    .with_scripted_migrations(vec![ScriptedMigration {
        at_s: 100.0,
        vm: VmId(0),
        target: HostId(1),
    }])
    .unwrap()
    .with_failures(FailureConfig {
        source: FailureSource::Trace(vec![failure]),
        restart_delay_s: 30.0,
        evacuate,
    })
    .unwrap();
    audited(sim)
}

#[test]
fn a_booked_move_whose_target_or_source_fails_is_called_off_cleanly() {
    let crash = |host: u32| HostFailure {
        host: HostId(host),
        warning_s: 200.0,
        down_s: 200.0,
        up_s: 5000.0,
        kind: FailureKind::Crash,
    };
    // The target crashes while booting: the move never starts, the VM stays at its source.
    let (r, violations) = booked_then(crash(1), false);
    assert!(violations.is_empty(), "{violations:?}");
    assert!(r.migrations.is_empty(), "{:?}", r.migrations);
    assert_eq!(r.summary.migration_costs.migrations_refused, 1);
    assert_eq!(r.summary.failures.vm_losses, 0);
    assert_eq!(r.vms[0].host, Some(0));
    assert_eq!(r.summary.move_waits.unwrap().moves_waited_for_host, 0);
    // The source crashes: the VM is lost with it, its booking given back; it restarts
    // 30 s later on host 1 (booting since 100 s).
    let (r, violations) = booked_then(crash(0), false);
    assert!(violations.is_empty(), "{violations:?}");
    assert!(r.migrations.is_empty(), "{:?}", r.migrations);
    assert_eq!(r.summary.migration_costs.migrations_refused, 1);
    assert_eq!(r.summary.failures.vm_losses, 1);
    assert_eq!(r.vms[0].host, Some(1));
    // Without a failure the move starts at 300 s, when host 1 is on.
    let (r, violations) = booked_then(
        HostFailure {
            down_s: 2000.0,
            warning_s: 2000.0,
            ..crash(0)
        },
        false,
    );
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(r.migrations.len(), 1);
    assert_eq!(r.migrations[0].start_s, 300.0);
    let waits = r.summary.move_waits.unwrap();
    assert_eq!((waits.moves_waited_for_host, waits.move_wait_s), (1, 200.0));
    // The source is announced to fail at 150 s (down at 1000 s): the booked move is planned
    // again as an evacuation, to host 1 again (ready in time), and not counted refused.
    let (r, violations) = booked_then(
        HostFailure {
            warning_s: 150.0,
            down_s: 1000.0,
            kind: FailureKind::Degraded,
            ..crash(0)
        },
        true,
    );
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(r.migrations.len(), 1, "{:?}", r.migrations);
    let m = &r.migrations[0];
    assert_eq!(
        (m.reason, m.target, m.start_s),
        (MigrationReason::Evacuation, 1, 300.0)
    );
    assert_eq!(r.summary.migration_costs.migrations_refused, 0);
    assert_eq!(r.summary.failures.vm_losses, 0);
}

#[test]
fn a_booked_move_takes_nothing_from_the_link_shares_of_the_moves_starting_beside_it() {
    // Host 0 (3 cores) is evacuated: VM 0 to host 1, which is off, so it is booked; VMs 1 and
    // 2 start at once, to hosts 2 and 3, both leaving host 0's link. The deadline-aware
    // choice must predict both on half of it (a booked move taking one of their counts let
    // the first be predicted on the whole link).
    let with_boot = |cores: u32| HostType {
        off_power_w: 10.0,
        power_states: Some(PowerStateSpec {
            boot_s: 5.0,
            boot_w: 200.0,
            shutdown_s: 10.0,
            shutdown_w: 100.0,
            sleep: None,
        }),
        ..host_type("h", cores, 1000.0, 4096, 1000.0, linear_power(200.0, 0.5))
    };
    let cores = [3u32, 1, 3, 3];
    let spec = DatacenterSpec {
        host_types: cores.iter().map(|&c| with_boot(c)).collect(),
        hosts: (0..4).map(|i| hosts(1, i).remove(0)).collect(),
        vm_types: vec![
            vm_type("v1", 1, 1000.0, 512, 100.0),
            vm_type("v2", 2, 1000.0, 512, 100.0),
        ],
        vms: [0, 0, 0, 1, 1]
            .iter()
            .enumerate()
            .map(|(i, &t)| VmSpec { vm_type: t, trace: i })
            .collect(),
        traces: (0..5)
            .map(|i| constant_trace(&format!("t{i}"), 300.0, 0.9, 40))
            .collect(),
        applications: Default::default(),
        real_time: [Some(RealTime {
            max_downtime_s: 100.0,
            reserve: false,
        }); 3]
            .into_iter()
            .chain([None, None])
            .collect(),
        creation_request: CreationRequest::FullMips,
    };
    let config = SimulationConfig {
        duration_s: 1800.0,
        scheduling_interval_s: 300.0,
        power_management: Some(PowerManagement::default()),
        ..SimulationConfig::default()
    };
    let stop_and_copy = build_migration_model("stop-and-copy", Params::default()).unwrap();
    let model: Box<dyn MigrationModel> = Box::new(DeadlineAware::new(vec![stop_and_copy]).unwrap());
    let failure = HostFailure {
        host: HostId(0),
        warning_s: 1000.0,
        down_s: 1100.0,
        up_s: 5000.0,
        kind: FailureKind::Degraded,
    };
    let sim = Simulation::new(
        spec,
        config,
        build_placement_policy("ff", Params::default()).unwrap(),
    )
    .unwrap()
    .with_migration_model(model)
    .with_failures(FailureConfig {
        source: FailureSource::Trace(vec![failure]),
        restart_delay_s: 60.0,
        evacuate: true,
    })
    .unwrap();
    let (r, violations) = audited(sim);
    assert!(violations.is_empty(), "{violations:?}");
    let first = |vm: u32| r.migrations.iter().find(|m| m.vm == vm).expect("moved");
    // VM 0 waited for host 1 (reached: a batch mixing a booked move and started ones).
    assert!(first(0).start_s > 1000.0, "{:?}", first(0));
    assert_eq!((first(1).start_s, first(2).start_s), (1000.0, 1000.0));
    let on = |vm: u32| first(vm).chosen_on_downtime_s.unwrap();
    assert_eq!(on(1), on(2), "VM 1 predicted on a link of its own");
    // The share each first transfer got is the share chosen on (VM 0's transfer joining at
    // host 1's boot, 5 s later, slows both afterwards: sharing the choice could not know).
    for vm in [1, 2] {
        assert_eq!(first(vm).predicted_downtime_s, on(vm), "{:?}", first(vm));
    }
}
