//! PABFD's modes on small cases, and the paper mode's index against a
//! brute-force scan of every host (the oracle) on random datacenters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestCaseResult, TestRunner};

use super::*;
use crate::datacenter::{Datacenter, DatacenterSpec, HostSpec, VmNeed, VmSpec, VmType};
use crate::placement::pabfd_index::{LinearPieces, model_increase, paper_increase};
use crate::placement::test_support::{Lin, spec};
use crate::placement::{
    AdmissionCheck, HostFilter, NoAdmissionCheck, PlacementContext, StaticThreshold, place_all,
};
use crate::workload::UtilizationTrace;

const CLOUDSIM: PowerAwareBestFitDecreasing = PowerAwareBestFitDecreasing {
    mode: PabfdMode::CloudSim {
        last_step_power: true,
    },
    rules: None,
    wake_horizon_s: None,
};

fn all_hosts() -> PlacementContext<'static> {
    PlacementContext {
        filter: HostFilter::ALL,
        admission: Box::leak(Box::new(NoAdmissionCheck)),
    }
}

#[test]
fn chooses_the_least_power_increase_in_every_mode() {
    // Host 0 rises 100 W per full load, host 1 only 50 W: host 1 wins.
    let dc = Datacenter::new(spec(
        &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 150.0)],
        &[500.0],
    ));
    for mode in [
        PabfdMode::Paper,
        PabfdMode::CloudSim {
            last_step_power: true,
        },
        PabfdMode::CloudSim {
            last_step_power: false,
        },
    ] {
        let mut policy = PowerAwareBestFitDecreasing::new(mode);
        assert_eq!(
            policy.select_host(&dc, &mut all_hosts(), VmId(0)),
            Some(HostId(1)),
            "{mode:?}"
        );
    }
}

#[test]
fn cloudsim_compares_with_the_last_steps_power_the_paper_with_the_current() {
    let two = || {
        Datacenter::new(spec(
            &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 200.0)],
            &[500.0, 500.0],
        ))
    };
    // VM 0: a tie, host 0, in every mode. VM 1: CloudSim's host 0 would go
    // from its last-step power (idle, 100 W) to 150 W, host 1 only to 125 W,
    // so host 1. At the current utilisation both rise 25 W (a linear model):
    // a tie, host 0.
    for (mode, second) in [
        (
            PabfdMode::CloudSim {
                last_step_power: true,
            },
            HostId(1),
        ),
        (
            PabfdMode::CloudSim {
                last_step_power: false,
            },
            HostId(0),
        ),
        (PabfdMode::Paper, HostId(0)),
    ] {
        let mut dc = two();
        let mut policy = PowerAwareBestFitDecreasing::new(mode);
        let mut vms = [VmId(0), VmId(1)];
        assert!(place_all(&mut policy, &mut dc, &mut all_hosts(), &mut vms).is_empty());
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(0)), "{mode:?}");
        assert_eq!(dc.host_of(VmId(1)), Some(second), "{mode:?}");
    }
}

#[test]
fn the_run_settings_choose_the_mode() {
    let mut policy = PowerAwareBestFitDecreasing::default();
    assert_eq!(policy.mode(), PabfdMode::Paper);
    policy.configure(&PlacementSettings {
        pabfd: PabfdMode::CloudSim {
            last_step_power: true,
        },
        wake_horizon_s: None,
    });
    assert_eq!(
        policy.mode(),
        PabfdMode::CloudSim {
            last_step_power: true
        }
    );
    assert_eq!(PabfdMode::from_quirks(false, false), Ok(PabfdMode::Paper));
    assert_eq!(
        PabfdMode::from_quirks(false, true),
        Ok(PabfdMode::CloudSim {
            last_step_power: false
        })
    );
    let why = PabfdMode::from_quirks(true, false).unwrap_err();
    assert!(why.contains("pabfd_float_ties"), "{why}");
}

#[test]
fn sorts_batches_by_demand_decreasing() {
    let dc = Datacenter::new(spec(&[(1000.0, 4, 100.0, 200.0)], &[100.0, 300.0, 200.0]));
    let mut vms = [VmId(0), VmId(1), VmId(2)];
    PowerAwareBestFitDecreasing::default().order_batch(&dc, &mut vms);
    assert_eq!(vms, [VmId(1), VmId(2), VmId(0)]);
}

#[test]
fn admission_check_applies_only_to_hosts_delivering_mips() {
    let mut dc = Datacenter::new(spec(
        &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 200.0)],
        &[900.0, 900.0],
    ));
    assert!(dc.create_vm(HostId(0), VmId(0)));
    for h in [HostId(0), HostId(1)] {
        dc.step_host(h, 0.0);
    }
    // Host 0 would reach 1800/2000 = 0.9 > 0.8: host 1 (idle, untested) is chosen.
    for mut policy in [CLOUDSIM, PowerAwareBestFitDecreasing::default()] {
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut StaticThreshold(0.8),
        };
        assert_eq!(policy.select_host(&dc, &mut ctx, VmId(1)), Some(HostId(1)));
    }
}

// ---------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------

/// A small deterministic generator (the case's seed comes from proptest).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// A random datacenter: two to four host types (measured tables, and a
/// linear model that is not a table), up to 40 hosts, VMs of a few sizes
/// replaying traces of a few levels (so that utilisations, and increases,
/// often coincide exactly).
fn random_spec(rng: &mut Rng) -> DatacenterSpec {
    let tables: [&[f64; 11]; 4] = [
        &crate::power::HP_ML110_G4_XEON_3040,
        &crate::power::HP_ML110_G5_XEON_3075,
        &crate::power::IBM_X3550_XEON_X5670,
        &crate::power::IBM_X3250_XEON_X3470,
    ];
    let n_types = 2 + rng.below(3);
    let host_types = (0..n_types)
        .map(|t| {
            let (power, power_name): (Arc<dyn PowerModel>, &str) = if rng.chance(0.25) {
                (Arc::new(Lin(80.0 + 10.0 * t as f64, 200.0)), "lin")
            } else {
                let table = rng.pick(&tables).to_vec();
                (
                    Arc::new(SpecPowerTable::new(table).expect("a valid table")),
                    "spec",
                )
            };
            HostType {
                name: format!("h{t}"),
                mips_per_core: rng.pick(&[1000.0, 1860.0, 2660.0]),
                cores: rng.pick(&[1, 2, 4]),
                ram_mb: rng.pick(&[2048, 4096, 8192]),
                bw_mbps: 1000.0,
                storage_mb: 0,
                power,
                power_name: power_name.into(),
                off_power_w: 0.0,
                power_states: None,
            }
        })
        .collect();
    let n_hosts = 1 + rng.below(40);
    let hosts = (0..n_hosts)
        .map(|_| HostSpec {
            host_type: rng.below(n_types),
            rack: None,
        })
        .collect();
    let vm_types = [(500.0, 613), (1000.0, 1740), (2000.0, 870), (2500.0, 1740)]
        .iter()
        .map(|&(mips, ram_mb)| VmType {
            name: format!("v{mips}"),
            mips,
            cores: 1,
            ram_mb,
            bw_mbps: 100.0,
            size_mb: 0,
        })
        .collect();
    let levels = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 0.33];
    let traces = (0..3)
        .map(|k| {
            let samples = (0..6).map(|_| rng.pick(&levels)).collect();
            UtilizationTrace::new(format!("t{k}"), 300.0, samples).expect("a valid trace")
        })
        .collect();
    let n_vms = 1 + rng.below(3 * n_hosts);
    let vms = (0..n_vms)
        .map(|_| VmSpec {
            vm_type: rng.below(4),
            trace: rng.below(3),
        })
        .collect();
    DatacenterSpec {
        host_types,
        hosts,
        vm_types,
        vms,
        traces,
        ..DatacenterSpec::default()
    }
}

/// Refuses a fixed random set of hosts.
struct Refuse<'a>(&'a [bool]);

impl AdmissionCheck for Refuse<'_> {
    fn overloaded_after(&mut self, _: &Datacenter, h: HostId, _: VmId) -> bool {
        self.0[h.index()]
    }
}

#[derive(Default)]
struct Coverage {
    queries: AtomicUsize,
    chosen: AtomicUsize,
    none: AtomicUsize,
    ties: AtomicUsize,
    best_refused: AtomicUsize,
    best_too_full: AtomicUsize,
    idle_winner: AtomicUsize,
    table_winner: AtomicUsize,
    model_winner: AtomicUsize,
    down_hosts: AtomicUsize,
    exclude_idle: AtomicUsize,
    rebuilds: AtomicUsize,
    point_updates: AtomicUsize,
}

/// The paper's rule over every host in id order: the eligible host with the
/// least increase, ties to the lowest id. Also says whether the winning
/// increase was shared by another eligible host, and whether a host with a
/// smaller increase than the winner's was refused by the admission test.
fn oracle(
    dc: &Datacenter,
    filter: HostFilter<'_>,
    refused: &[bool],
    v: VmId,
) -> (Option<HostId>, bool, bool, bool) {
    let need = dc.vm_need(v);
    let mut candidates: Vec<(f64, HostId, bool)> = Vec::new();
    // Busy hosts that only lack free MIPS, with their increases.
    let mut too_full: Vec<f64> = Vec::new();
    for h in dc.hosts() {
        let ht = dc.host_type(h);
        let increase_of = |u: f64, x: f64| match ht.power.as_table() {
            Some(table) => paper_increase(&LinearPieces::new(table), u, x),
            None => model_increase(ht.power.as_ref(), u, x),
        };
        if filter.excludes(dc, h) || !dc.suits(h, &need) {
            let roomier = VmNeed { mips: 0.0, ..need };
            if !filter.excludes(dc, h) && !dc.is_idle(h) && dc.suits(h, &roomier) {
                let c = ht.total_mips();
                too_full.push(increase_of(dc.potential_utilization_mips(h) / c, need.mips / c));
            }
            continue;
        }
        let c = ht.total_mips();
        let potential = dc.potential_utilization_mips(h);
        let u = if dc.is_idle(h) { 0.0 } else { potential / c };
        let x = need.mips / c;
        let increase = increase_of(u, x);
        let admitted = !(potential != 0.0 && refused[h.index()]);
        candidates.push((increase, h, admitted));
    }
    let mut best: Option<(f64, HostId)> = None;
    for &(increase, h, admitted) in &candidates {
        if admitted && best.is_none_or(|(b, _)| increase < b) {
            best = Some((increase, h));
        }
    }
    let Some((value, host)) = best else {
        return (None, false, candidates.iter().any(|c| !c.2), !too_full.is_empty());
    };
    let tie = candidates.iter().any(|&(i, h, a)| a && h != host && i == value);
    let refused_better = candidates.iter().any(|&(i, _, a)| !a && i <= value);
    let full_better = too_full.iter().any(|&i| i <= value);
    (Some(host), tie, refused_better, full_better)
}

fn check_case(seed: u64, cov: &Coverage) -> TestCaseResult {
    let mut rng = Rng(seed);
    let spec = random_spec(&mut rng);
    let (n_hosts, n_vms) = (spec.hosts.len(), spec.vms.len());
    let mut dc = Datacenter::new(spec);
    if rng.chance(0.3) {
        dc.set_reserve_memory(false);
    }
    let mut policy = PowerAwareBestFitDecreasing::default();
    let mut index = LoadIndex::default();
    let mut t = 0.0;
    for round in 0..12 {
        // Change the datacenter: place, remove, step, fail, migrate, plan.
        for _ in 0..rng.below(6) {
            let v = VmId(rng.below(n_vms) as u32);
            let h = HostId(rng.below(n_hosts) as u32);
            match rng.below(10) {
                0..=3 if dc.host_of(v).is_none() => {
                    dc.create_vm(h, v);
                }
                4 => {
                    dc.destroy_vm(v);
                }
                5 => {
                    let state =
                        rng.pick(&[HostState::Up, HostState::Up, HostState::Failing, HostState::Down]);
                    dc.set_host_state(h, state);
                }
                6 if dc.host_of(v).is_some_and(|s| s != h) && !dc.in_migration(v) => {
                    dc.start_migration(v, h);
                }
                _ => {}
            }
        }
        if rng.chance(0.3) {
            t += 300.0;
            for h in dc.hosts() {
                dc.step_host(h, t);
            }
        }
        let tentative = rng.chance(0.2);
        if tentative {
            dc.begin_tentative();
            for _ in 0..3 {
                let v = VmId(rng.below(n_vms) as u32);
                if dc.host_of(v).is_some() && !dc.in_migration(v) {
                    dc.destroy_vm(v);
                }
            }
        }
        // A copy of the datacenter, asked with the same policy, now and then.
        let copy = rng.chance(0.1).then(|| dc.clone());
        let view = copy.as_ref().unwrap_or(&dc);
        let excluded: Vec<bool> = if rng.chance(0.5) {
            (0..n_hosts).map(|_| rng.chance(0.2)).collect()
        } else {
            Vec::new()
        };
        let refused: Vec<bool> = (0..n_hosts).map(|_| rng.chance(0.25)).collect();
        let filter = HostFilter {
            excluded: &excluded,
            exclude_idle: rng.chance(0.25),
        };
        for _ in 0..4 {
            let v = VmId(rng.below(n_vms) as u32);
            let mut admission = Refuse(&refused);
            let mut ctx = PlacementContext {
                filter,
                admission: &mut admission,
            };
            let got = policy.select_host(view, &mut ctx, v);
            let indexed = index.select(view, &mut ctx, v);
            let (want, tie, refused_better, full_better) = oracle(view, filter, &refused, v);
            prop_assert_eq!(got, want, "seed {} round {} vm {:?}", seed, round, v);
            prop_assert_eq!(indexed, want, "index: seed {} round {} vm {:?}", seed, round, v);
            cov.queries.fetch_add(1, Relaxed);
            match want {
                None => {
                    cov.none.fetch_add(1, Relaxed);
                }
                Some(h) => {
                    cov.chosen.fetch_add(1, Relaxed);
                    let count = |c: &AtomicUsize, yes: bool| {
                        c.fetch_add(usize::from(yes), Relaxed);
                    };
                    count(&cov.ties, tie);
                    count(&cov.best_refused, refused_better);
                    count(&cov.best_too_full, full_better);
                    count(&cov.idle_winner, view.is_idle(h));
                    let table = view.host_type(h).power.as_table().is_some();
                    count(&cov.table_winner, table);
                    count(&cov.model_winner, !table);
                }
            }
            cov.exclude_idle
                .fetch_add(usize::from(filter.exclude_idle), Relaxed);
            cov.down_hosts.fetch_add(
                view.hosts()
                    .filter(|&h| view.host_state(h) != HostState::Up)
                    .count()
                    .min(1),
                Relaxed,
            );
        }
        if tentative {
            dc.rollback();
        }
        // Place one VM where the policy says, as a run does.
        let v = VmId(rng.below(n_vms) as u32);
        if dc.host_of(v).is_none()
            && let Some(h) = policy.select_host(&dc, &mut all_hosts(), v)
        {
            // (Refused if the VM is still listed there migrating in.)
            dc.create_vm(h, v);
        }
    }
    cov.rebuilds.fetch_add(index.rebuilds as usize, Relaxed);
    cov.point_updates.fetch_add(index.point_updates as usize, Relaxed);
    Ok(())
}

#[test]
fn the_paper_mode_and_its_index_choose_what_a_scan_of_every_host_chooses() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1500);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    });
    let cov = Coverage::default();
    if let Err(e) = runner.run(&any::<u64>(), |seed| {
        check_case(seed, &cov).map_err(|e| TestCaseError::fail(format!("{e}")))
    }) {
        panic!("{e}");
    }
    let get = |a: &AtomicUsize| a.load(Relaxed);
    let report = [
        ("queries", get(&cov.queries)),
        ("chosen", get(&cov.chosen)),
        ("no host", get(&cov.none)),
        ("exact ties between hosts", get(&cov.ties)),
        ("a better host refused by admission", get(&cov.best_refused)),
        ("a better host without the free MIPS", get(&cov.best_too_full)),
        ("idle winner", get(&cov.idle_winner)),
        ("table-type winner", get(&cov.table_winner)),
        ("non-table winner", get(&cov.model_winner)),
        ("queries with hosts not up", get(&cov.down_hosts)),
        ("queries excluding idle hosts", get(&cov.exclude_idle)),
        ("index rebuilds", get(&cov.rebuilds)),
        ("index point updates", get(&cov.point_updates)),
    ];
    eprintln!("{report:#?}");
    let least = (cases as usize / 20).max(1);
    for (what, n) in report {
        assert!(n >= least, "{what}: reached {n} times, expected at least {least}");
    }
}

#[test]
fn the_last_step_power_without_float_ties_is_refused_with_a_reason() {
    use crate::simulation::{CloudSimQuirks, SimError, Simulation, SimulationConfig};
    let config = SimulationConfig {
        quirks: CloudSimQuirks {
            pabfd_last_step_power: true,
            ..CloudSimQuirks::default()
        },
        ..SimulationConfig::default()
    };
    let spec = spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0]);
    match Simulation::new(spec, config, Box::new(PowerAwareBestFitDecreasing::default())) {
        Err(SimError::Config { field, message }) => {
            assert_eq!(field, "cloudsim_quirks.pabfd_last_step_power");
            assert!(message.contains("pabfd_float_ties = true"), "{message}");
        }
        other => panic!("expected a configuration error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn the_paper_rule_pays_for_waking_a_host_cloudsim_does_not() {
    use crate::power::{PowerState, PowerStateSpec};
    let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0]);
    s.host_types[0].power_states = Some(PowerStateSpec::typical(200.0, 100.0, true));
    s.host_types[0].off_power_w = 10.0;
    s.hosts = vec![s.hosts[0]; 3];
    // Three idle hosts: 0 off, 1 asleep, 2 on.
    let mut dc = Datacenter::new(s);
    dc.set_power_managed();
    dc.set_power_state(HostId(0), PowerState::Off);
    dc.set_power_state(HostId(1), PowerState::Sleep);
    let wake = PlacementSettings {
        pabfd: PabfdMode::Paper,
        wake_horizon_s: Some(300.0),
    };
    let mut policy = PowerAwareBestFitDecreasing::default();
    policy.configure(&wake);
    let choose = |policy: &mut PowerAwareBestFitDecreasing, dc: &Datacenter| {
        policy.select_host(dc, &mut all_hosts(), VmId(0))
    };
    assert_eq!(dc.host_count(), 3);
    // The host already on costs only its increase.
    assert_eq!(choose(&mut policy, &dc), Some(HostId(2)));
    // Asleep (resume 5 s at 100 W, 10 W asleep) beats off (boot 200 s at 200 W, 10 W off).
    dc.set_power_state(HostId(2), PowerState::Off);
    assert_eq!(choose(&mut policy, &dc), Some(HostId(1)));
    // A host already booting pays nothing more and beats one asleep.
    dc.set_power_state(HostId(0), PowerState::Booting);
    assert_eq!(choose(&mut policy, &dc), Some(HostId(0)));
    // Waking free (no horizon, or CloudSim's scan): the lowest id, whatever its state.
    dc.set_power_state(HostId(0), PowerState::Off);
    for settings in [
        PlacementSettings {
            pabfd: PabfdMode::Paper,
            wake_horizon_s: None,
        },
        PlacementSettings {
            pabfd: PabfdMode::CloudSim {
                last_step_power: true,
            },
            wake_horizon_s: Some(300.0),
        },
    ] {
        policy.configure(&settings);
        assert_eq!(choose(&mut policy, &dc), Some(HostId(0)), "{settings:?}");
    }
}
