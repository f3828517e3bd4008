//! Host power states in a run: the SimGrid boot example reproduced
//! (`docs/MODELS.md` C.5), and the power manager's rules.

mod common;

use cirrus::datacenter::{CreationRequest, DatacenterSpec, HostType, VmSpec};
use cirrus::metrics::{JOULES_PER_KWH, RunResult};
use cirrus::placement::FirstFit;
use cirrus::power::PowerStateSpec;
use cirrus::simulation::{IdleRule, IdleTimeout, PowerManagement, Simulation, SimulationConfig, VmLifetime};
use common::{constant_trace, host_type, hosts, linear_power, vm_type};

/// SimGrid's host: 95 W idle, 7 s shutdown at 110 W, 10 W off, 150 s boot at 120 W.
fn simgrid_host() -> HostType {
    HostType {
        off_power_w: 10.0,
        power_states: Some(PowerStateSpec {
            boot_s: 150.0,
            boot_w: 120.0,
            shutdown_s: 7.0,
            shutdown_w: 110.0,
            sleep: None,
        }),
        // Linear from 95 W at no load (200 W × 0.475) to 200 W at full load.
        ..host_type("simgrid", 2, 1000.0, 4096, 1000.0, linear_power(200.0, 0.475))
    }
}

/// `hosts` SimGrid hosts and one VM at half load.
fn one_vm_on(hosts_n: usize) -> DatacenterSpec {
    DatacenterSpec {
        host_types: vec![simgrid_host()],
        hosts: hosts(hosts_n, 0),
        vm_types: vec![vm_type("vm", 1, 500.0, 512, 100.0)],
        vms: vec![VmSpec { vm_type: 0, trace: 0 }],
        traces: vec![constant_trace("half", 300.0, 0.5, 10)],
        applications: Default::default(),
        real_time: Vec::new(),
        creation_request: CreationRequest::FullMips,
    }
}

/// One host, empty until a VM arrives at `arrival_s`, whose idle rule is `rule`;
/// every (time, cumulative energy J) an observer saw, and the result.
fn run(rule: IdleRule, arrival_s: f64, duration_s: f64) -> (Vec<(f64, f64)>, RunResult) {
    let spec = one_vm_on(1);
    let config = SimulationConfig {
        duration_s,
        scheduling_interval_s: 1000.0,
        power_management: Some(PowerManagement {
            idle_rule: rule,
            ..PowerManagement::default()
        }),
        ..SimulationConfig::default()
    };
    let sim = Simulation::new(spec, config, Box::new(FirstFit::default()))
        .expect("valid")
        .with_vm_lifetimes(vec![VmLifetime {
            arrival_s,
            departure_s: None,
        }])
        .expect("valid lifetimes");
    let mut seen = Vec::new();
    let result = sim
        .run_observed(|o| seen.push((o.time_s, o.energy_j)))
        .expect("runs");
    (seen, result)
}

/// The energy last observed at `t`.
fn energy_at(seen: &[(f64, f64)], t: f64) -> f64 {
    seen.iter()
        .rev()
        .find(|(s, _)| *s == t)
        .unwrap_or_else(|| panic!("no event at {t} s: {seen:?}"))
        .1
}

#[test]
fn the_simgrid_boot_example() {
    // 10 s idle at 95 W, then the idle timeout: 7 s shutdown at 110 W, off
    // at 10 W until a VM arrives at 27 s, 150 s boot at 120 W.
    let (seen, result) = run(IdleRule::After(IdleTimeout::Seconds(10.0)), 27.0, 200.0);
    assert_eq!(energy_at(&seen, 10.0), 950.0);
    assert_eq!(energy_at(&seen, 17.0), 1720.0);
    assert_eq!(energy_at(&seen, 27.0), 1820.0);
    assert_eq!(energy_at(&seen, 177.0), 19_820.0);
    let p = &result.summary.power_states;
    assert_eq!((p.power_boots, p.power_shutdowns), (1, 1));
    assert_eq!(p.energy_booting_kwh * JOULES_PER_KWH, 18_000.0);
    assert_eq!(p.energy_shutting_down_kwh * JOULES_PER_KWH, 770.0);
    assert_eq!(p.energy_off_kwh * JOULES_PER_KWH, 100.0);
    // The VM waited for the whole boot, unserved.
    assert_eq!(p.vm_waiting_s, 150.0);
    let host = &result.hosts[0];
    assert_eq!(host.boots, 1);
    let total: f64 =
        host.energy_on_kwh + host.energy_off_kwh + host.energy_sleep_kwh + host.energy_transition_kwh;
    assert!(
        (total - host.energy_kwh).abs() <= 1e-15,
        "{total} vs {}",
        host.energy_kwh
    );
}

#[test]
fn never_keeps_the_host_on_and_immediately_switches_it_off_at_once() {
    let (seen, result) = run(IdleRule::Never, 27.0, 200.0);
    // On at idle power until the VM arrives: nothing waits.
    assert_eq!(energy_at(&seen, 27.0), 27.0 * 95.0);
    assert_eq!(result.summary.power_states.power_boots, 0);
    assert_eq!(result.summary.power_states.vm_waiting_s, 0.0);
    let (seen, result) = run(IdleRule::Immediately, 27.0, 200.0);
    // Shut down at t = 0 (7 s at 110 W), then off.
    assert_eq!(energy_at(&seen, 27.0), 770.0 + 20.0 * 10.0);
    assert_eq!(result.summary.power_states.power_shutdowns, 1);
    assert_eq!(result.summary.power_states.vm_waiting_s, 150.0);
}

#[test]
fn the_spare_pool_keeps_an_empty_host_on() {
    // Three hosts, one VM from the start: of the two empty hosts one shuts
    // down at t = 0, the other stays on as the pool's spare.
    let spec = one_vm_on(3);
    for (spare_hosts, spare_load_fraction, expected_off) in
        [(1, 0.0, 1), (0, 1.0, 1), (0, 0.0, 2), (2, 0.0, 0)]
    {
        let config = SimulationConfig {
            duration_s: 600.0,
            scheduling_interval_s: 300.0,
            power_management: Some(PowerManagement {
                spare_hosts,
                spare_load_fraction,
                ..PowerManagement::default()
            }),
            ..SimulationConfig::default()
        };
        let result = Simulation::new(spec.clone(), config, Box::new(FirstFit::default()))
            .unwrap()
            .run()
            .unwrap();
        let last = result.intervals.last().unwrap();
        let case = (spare_hosts, spare_load_fraction);
        assert_eq!(last.hosts_off, expected_off, "{case:?}");
        assert_eq!(last.hosts_on, 3 - expected_off, "{case:?}");
        assert_eq!(
            result.summary.power_states.power_shutdowns, expected_off as u64,
            "{case:?}"
        );
    }
}
