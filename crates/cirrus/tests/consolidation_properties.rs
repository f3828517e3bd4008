//! Property tests of dynamic consolidation: whole runs with an overload
//! detector, a VM-selection policy, PABFD destinations and CloudSim's
//! migration model, checked after *every* event through
//! [`Simulation::run_observed`].
//!
//! Small random datacenters (2–12 hosts of 1–3 types, linear or SPECpower
//! models, 1–30 VMs of up to 4 types, one trace per VM: hand-made samples with
//! zeros and full-load bursts, periodic bursts, or synthetic demand) run for a
//! few dozen scheduling intervals under a random [`SimulationConfig`] and a
//! random [`Consolidation`] built through `cirrus::registry`: detector `thr`,
//! `iqr`, `mad`, `lr` or `lrr` (random safety parameters, and short
//! `min_history`/`window` so that the adaptive tests, not only their static
//! fallback, decide within a short run), selection `mmt`, `mu`, `mc` or `rs`,
//! placement `pabfd`, migration `cloudsim` with a random bandwidth share, and
//! the underload phase on or off.
//!
//! After every event ([`Checker::observe`]):
//!
//! 1. **Capacity.** On every host, the RAM of the VMs listed there (VMs
//!    migrating in included) fits, and `ram_free_mb` is capacity minus that
//!    sum (with memory reserved, the default); no host hands out more MIPS
//!    than it has (`available_mips ≥ 0`, Σ `vm_allocated_mips` ≤ capacity).
//! 2. **Placement.** Every VM placed at t = 0 and not retired is listed on
//!    exactly one host as *not* incoming, namely `host_of(v)`; a VM listed as
//!    incoming somewhere is migrating and runs elsewhere; a VM not migrating is
//!    incoming nowhere; every migration in flight has its VM incoming on its
//!    target; a retired VM never comes back.
//! 3. **Energy and time** never decrease, and energy is never negative.
//!
//! After the run ([`check_result`]):
//!
//! 4. **Migrations.** source ≠ target, duration > 0, end = start + duration
//!    (NaN when past the horizon); the summary's counts agree with the records,
//!    the per-VM counts and the per-interval counts.
//! 5. **Summary.** SLATAH and PDM in [0, 1], SLAV = SLATAH·PDM and ESV =
//!    energy·SLAV, bit for bit; the total energy is the observed one and at
//!    least the last interval's cumulative energy; the final hosts, VM
//!    counts and retirement times are the observed ones.
//!
//! Why: consolidation is where the model mutates the allocation the most — it
//! plans on the live datacenter, rolls back, then starts migrations that
//! reserve capacity on a second host and complete later, interleaved with VMs
//! being retired. The checks above are the invariants of
//! `docs/ARCHITECTURE.md` and the bookkeeping every metric relies on.
//!
//! CloudSim's planner can send one VM to two targets in one round (a host that
//! just received a VM from an overloaded host may be emptied in the same
//! round). That is reproduced on purpose, so a VM incoming on two hosts, or
//! still incoming on the second target after the first migration completed,
//! is accepted and counted ([`Coverage`]) rather than reported
//! ([`the_planner_may_send_one_vm_to_two_hosts`]).
//!
//! Also: determinism (with random selection), CloudSim's quirks mode (where
//! VMs hold no RAM after initial placement), and hand-made cases of an
//! overload and an underload migration.
//!
//! **Known bugs** found by these properties, each pinned by an ignored
//! regression test that fails until it is fixed:
//!
//! * a VM sent to two hosts counts as no longer migrating once it reaches the
//!   first while it is still incoming on the second; a later round then
//!   migrates it onto its own host or lists it twice on a host
//!   ([`a_vm_sent_to_two_hosts_is_never_migrated_onto_its_own_host`],
//!   [`a_vm_sent_to_two_hosts_is_never_listed_twice`]), and if it is retired
//!   meanwhile it comes back to life on the second target
//!   ([`a_retired_vm_never_comes_back`]);
//! * trace interpolation can leave [0, 1] by an ulp, and the power models'
//!   debug assertion panics ([`trace_interpolation_stays_between_its_samples`]).
//!
//! The properties reject (and count) the rare cases that trigger them, so
//! that they stay green and keep guarding everything else;
//! [`consolidation_keeps_the_datacenter_consistent_even_with_stale_vms`]
//! (ignored) runs without that filter.
//!
//! Failures are not persisted (this crate's test folder is shared); a failing
//! case is printed with its shrunk plan. Run with `--nocapture` to see how
//! often each interesting situation occurred, and with `PROPTEST_CASES=n` to
//! run `n` cases per property.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cirrus::RngStreams;
use cirrus::consolidation::overload::{HostLoad, OverloadDetector};
use cirrus::consolidation::{Consolidation, MigrationReason};
use cirrus::datacenter::{DatacenterSpec, HostId, HostSpec, HostType, VmId, VmSpec, VmType};
use cirrus::metrics::{JOULES_PER_KWH, RunResult};
use cirrus::params::{ParamValue, Params};
use cirrus::placement::PlacementPolicy;
use cirrus::power::{AnalyticPowerModel, PowerModel, SpecPowerTable};
use cirrus::registry::{
    build_migration_model, build_overload_detector, build_placement_policy, build_vm_selection,
};
use cirrus::simulation::{
    CloudSimQuirks, InitialPlacement, Integration, Observation, OffRule, Simulation, SimulationConfig,
};
use cirrus::workload::UtilizationTrace;
use cirrus::workload::synthetic::SyntheticDemand;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{TestCaseError, TestCaseResult, TestRunner};

/// Relative tolerance for sums of `f64`s computed in a different order than
/// the model computes them.
const REL: f64 = 1e-9;

/// `a ≤ b`, allowing `b` to be exceeded by [`REL`] relative.
fn le_rel(a: f64, b: f64) -> bool {
    a <= b + REL * b.abs()
}

/// `cases` cases, or `PROPTEST_CASES` if set.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `test` on `cases` values of `strategy`, panicking with the shrunk
/// failing value. (Used instead of `proptest!` so that a test can look at
/// what the cases covered once they all passed.)
fn run_property<S>(cases: u32, strategy: S, test: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------
// Plans: shrinkable descriptions of a datacenter, a configuration and a
// consolidation policy.
// ---------------------------------------------------------------------------

/// A power model: CloudSim's linear one or one of its SPECpower tables.
#[derive(Debug, Clone)]
enum PowerPlan {
    /// Max W and static fraction.
    Linear(f64, f64),
    /// One of the seven SPECpower tables.
    Spec(usize),
}

fn power_plan() -> impl Strategy<Value = PowerPlan> {
    prop_oneof![
        (50.0..400.0f64, 0.0..=1.0f64).prop_map(|(m, f)| PowerPlan::Linear(m, f)),
        (0usize..7).prop_map(PowerPlan::Spec),
    ]
}

fn build_power(plan: &PowerPlan) -> (Arc<dyn PowerModel>, String) {
    match *plan {
        PowerPlan::Linear(max_w, fraction) => (
            Arc::new(AnalyticPowerModel::linear(max_w, fraction).expect("valid linear model")),
            "linear".into(),
        ),
        PowerPlan::Spec(i) => {
            let table = match i {
                0 => SpecPowerTable::hp_ml110_g3(),
                1 => SpecPowerTable::hp_ml110_g4(),
                2 => SpecPowerTable::hp_ml110_g5(),
                3 => SpecPowerTable::ibm_x3250_x3470(),
                4 => SpecPowerTable::ibm_x3250_x3480(),
                5 => SpecPowerTable::ibm_x3550_x5670(),
                _ => SpecPowerTable::ibm_x3550_x5675(),
            };
            (Arc::new(table), format!("spec-{i}"))
        }
    }
}

#[derive(Debug, Clone)]
struct HostTypePlan {
    mips_per_core: f64,
    cores: u32,
    ram_mb: u64,
    bw_mbps: f64,
    power: PowerPlan,
}

fn host_type_plan() -> impl Strategy<Value = HostTypePlan> {
    (
        prop_oneof![
            Just(1860.0),
            Just(2660.0),
            (100u32..=3000).prop_map(f64::from),
            100.0..3000.0f64
        ],
        1u32..=4,
        prop_oneof![(1u64..=8).prop_map(|k| k * 1024), 256u64..=16_000],
        prop_oneof![Just(1000.0), (10u32..=10_000).prop_map(f64::from), 1.0..1000.0f64],
        power_plan(),
    )
        .prop_map(|(mips_per_core, cores, ram_mb, bw_mbps, power)| HostTypePlan {
            mips_per_core,
            cores,
            ram_mb,
            bw_mbps,
            power,
        })
}

/// A VM type, sized relative to a host type in use (`target`) so that it
/// fits on it.
#[derive(Debug, Clone)]
struct VmTypePlan {
    target: Index,
    mips_fraction: f64,
    cores: Index,
    /// RAM is the target's / this (at least 1 MB, so migrations take time).
    ram_divisor: u64,
    /// Bandwidth: none, or the target's / this.
    bw_divisor: Option<u32>,
}

fn vm_type_plan() -> impl Strategy<Value = VmTypePlan> {
    (
        any::<Index>(),
        prop_oneof![Just(1.0), Just(0.5), 0.05..=1.0f64],
        any::<Index>(),
        prop_oneof![Just(1u64), 2u64..=8, 9u64..=64],
        proptest::option::of(1u32..=16),
    )
        .prop_map(
            |(target, mips_fraction, cores, ram_divisor, bw_divisor)| VmTypePlan {
                target,
                mips_fraction,
                cores,
                ram_divisor,
                bw_divisor,
            },
        )
}

/// One VM's demand.
#[derive(Debug, Clone)]
enum TracePlan {
    /// Hand-made samples: idle, full-load bursts, or anything in between.
    Samples(Vec<f64>),
    /// `base`, with `burst` samples at 100 % every `period` samples.
    Bursts {
        base: f64,
        period: usize,
        burst: usize,
        len: usize,
    },
    /// Drawn from a distribution, from the stream of seed `seed`.
    Synthetic {
        demand: SyntheticDemand,
        seed: u64,
        len: usize,
    },
}

fn synthetic_demand() -> impl Strategy<Value = SyntheticDemand> {
    prop_oneof![
        (0.0..=1.0f64).prop_map(|value| SyntheticDemand::Constant { value }),
        (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(a, b)| SyntheticDemand::Uniform {
            low: a.min(b),
            high: a.max(b)
        }),
        (0.0..=1.0f64, 0.0..0.5f64).prop_map(|(mean, std_dev)| SyntheticDemand::Normal { mean, std_dev }),
        (0.1..5.0f64, 0.1..5.0f64).prop_map(|(alpha, beta)| SyntheticDemand::Beta { alpha, beta }),
    ]
}

fn trace_plan() -> impl Strategy<Value = TracePlan> {
    prop_oneof![
        vec(
            prop_oneof![2 => Just(0.0), 2 => Just(1.0), 1 => 0.0..0.2f64, 4 => 0.0..=1.0f64],
            1..=48
        )
        .prop_map(TracePlan::Samples),
        (
            prop_oneof![Just(0.0), 0.0..0.6f64],
            2usize..=8,
            1usize..=3,
            1usize..=48
        )
            .prop_map(|(base, period, burst, len)| TracePlan::Bursts {
                base,
                period,
                burst,
                len
            }),
        (synthetic_demand(), any::<u64>(), 1usize..=48)
            .prop_map(|(demand, seed, len)| TracePlan::Synthetic { demand, seed, len }),
    ]
}

#[derive(Debug, Clone)]
struct SpecPlan {
    host_types: Vec<HostTypePlan>,
    hosts: Vec<Index>,
    vm_types: Vec<VmTypePlan>,
    /// Each VM: its type and its own trace.
    vms: Vec<(Index, TracePlan)>,
    /// The traces' sampling interval: the scheduling interval (`None`) or this.
    trace_interval_s: Option<f64>,
}

fn spec_plan() -> impl Strategy<Value = SpecPlan> {
    (
        vec(host_type_plan(), 1..=3),
        vec(any::<Index>(), 2..=12),
        vec(vm_type_plan(), 1..=4),
        vec((any::<Index>(), trace_plan()), 1..=30),
        prop_oneof![3 => Just(None), 1 => (1.0..600.0f64).prop_map(Some)],
    )
        .prop_map(|(host_types, hosts, vm_types, vms, trace_interval_s)| SpecPlan {
            host_types,
            hosts,
            vm_types,
            vms,
            trace_interval_s,
        })
}

/// Builds the datacenter a plan describes, traces sampled every
/// `interval_s` unless the plan says otherwise.
fn build_spec(plan: &SpecPlan, interval_s: f64) -> DatacenterSpec {
    let host_types: Vec<HostType> = plan
        .host_types
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (power, power_name) = build_power(&p.power);
            HostType {
                name: format!("h{i}"),
                mips_per_core: p.mips_per_core,
                cores: p.cores,
                ram_mb: p.ram_mb,
                bw_mbps: p.bw_mbps,
                storage_mb: 0,
                power,
                power_name,
                off_power_w: 0.0,
            }
        })
        .collect();
    let hosts: Vec<HostSpec> = plan
        .hosts
        .iter()
        .map(|i| HostSpec {
            host_type: i.index(host_types.len()),
            rack: None,
        })
        .collect();
    let used: Vec<usize> = hosts
        .iter()
        .map(|h| h.host_type)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let vm_types: Vec<VmType> = plan
        .vm_types
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ht = &host_types[used[p.target.index(used.len())]];
            VmType {
                name: format!("v{i}"),
                mips: p.mips_fraction * ht.mips_per_core,
                cores: 1 + p.cores.index(ht.cores as usize) as u32,
                ram_mb: (ht.ram_mb / p.ram_divisor).max(1),
                bw_mbps: p.bw_divisor.map_or(0.0, |d| ht.bw_mbps / f64::from(d)),
                size_mb: 0,
            }
        })
        .collect();
    let trace_interval_s = plan.trace_interval_s.unwrap_or(interval_s);
    let traces: Vec<UtilizationTrace> = plan
        .vms
        .iter()
        .enumerate()
        .map(|(i, (_, t))| match t {
            TracePlan::Samples(samples) => {
                UtilizationTrace::new(format!("t{i}"), trace_interval_s, samples.clone())
                    .expect("valid trace")
            }
            &TracePlan::Bursts {
                base,
                period,
                burst,
                len,
            } => {
                let samples = (0..len)
                    .map(|k| if k % period < burst { 1.0 } else { base })
                    .collect();
                UtilizationTrace::new(format!("t{i}"), trace_interval_s, samples).expect("valid trace")
            }
            &TracePlan::Synthetic { demand, seed, len } => {
                demand.generate_one(i, trace_interval_s, len, &RngStreams::new(seed))
            }
        })
        .collect();
    let vms = plan
        .vms
        .iter()
        .enumerate()
        .map(|(i, (t, _))| VmSpec {
            vm_type: t.index(vm_types.len()),
            trace: i,
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

#[derive(Debug, Clone)]
struct ConfigPlan {
    seed: u64,
    interval_s: f64,
    duration_intervals: f64,
    /// The step offset as a fraction of the interval (`None`: CloudSim's 0.1 s).
    step_offset: Option<f64>,
    step_at_start: bool,
    step_at_end: bool,
    finish_idle_vms: bool,
    initial_placement: InitialPlacement,
    initial_policy: &'static str,
    off_rule: OffRule,
    integration: Integration,
}

fn config_plan() -> impl Strategy<Value = ConfigPlan> {
    (
        (
            any::<u64>(),
            // Whole intervals keep `(t − offset) % interval == 0`, so VM
            // histories are recorded and adaptive detectors get to decide.
            prop_oneof![
                2 => Just(300.0),
                1 => Just(60.0),
                2 => (1u32..=600).prop_map(f64::from),
                1 => 1.0..600.0f64
            ],
            prop_oneof![3 => (2u32..=40).prop_map(f64::from), 1 => 1.5..40.0f64],
            prop_oneof![Just(Some(0.0)), Just(None), (0.0..1.0f64).prop_map(Some)],
            any::<bool>(),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            prop_oneof![Just(InitialPlacement::Online), Just(InitialPlacement::Batch)],
            prop_oneof![Just("pabfd"), Just("ff")],
            prop_oneof![
                Just(OffRule::ZeroUtilization),
                Just(OffRule::NoVms),
                Just(OffRule::Never)
            ],
            prop_oneof![Just(Integration::Trapezoid), Just(Integration::Step)],
        ),
    )
        .prop_map(
            |(
                (seed, interval_s, duration_intervals, step_offset, step_at_start, step_at_end),
                (finish_idle_vms, initial_placement, initial_policy, off_rule, integration),
            )| ConfigPlan {
                seed,
                interval_s,
                duration_intervals,
                step_offset,
                step_at_start,
                step_at_end,
                finish_idle_vms,
                initial_placement,
                initial_policy,
                off_rule,
                integration,
            },
        )
}

fn build_config(p: &ConfigPlan) -> SimulationConfig {
    SimulationConfig {
        name: "consolidation-prop".into(),
        seed: p.seed,
        duration_s: p.interval_s * p.duration_intervals,
        scheduling_interval_s: p.interval_s,
        step_offset_s: p.step_offset.map_or(0.1, |f| f * p.interval_s),
        step_at_start: p.step_at_start,
        step_at_end: p.step_at_end,
        off_rule: p.off_rule,
        integration: p.integration,
        initial_placement: p.initial_placement,
        allow_unplaced: true,
        finish_idle_vms: p.finish_idle_vms,
        ..SimulationConfig::default()
    }
}

/// An overload detector and its parameters.
#[derive(Debug, Clone)]
enum DetectorPlan {
    Thr {
        threshold: f64,
    },
    Iqr {
        safety: f64,
        fallback: f64,
        min_history: usize,
    },
    Mad {
        safety: f64,
        fallback: f64,
        min_history: usize,
    },
    Lr {
        robust: bool,
        safety: f64,
        fallback: f64,
        window: usize,
        tricube: bool,
    },
}

fn detector_plan() -> impl Strategy<Value = DetectorPlan> {
    let fallback = || prop_oneof![Just(0.7), 0.5..=1.0f64];
    prop_oneof![
        (0.5..=1.0f64).prop_map(|threshold| DetectorPlan::Thr { threshold }),
        (
            prop_oneof![Just(1.5), 0.0..3.0f64],
            fallback(),
            prop_oneof![Just(12usize), 2usize..=6]
        )
            .prop_map(|(safety, fallback, min_history)| DetectorPlan::Iqr {
                safety,
                fallback,
                min_history
            }),
        (
            prop_oneof![Just(2.5), 0.0..4.0f64],
            fallback(),
            prop_oneof![Just(12usize), 1usize..=6]
        )
            .prop_map(|(safety, fallback, min_history)| DetectorPlan::Mad {
                safety,
                fallback,
                min_history
            }),
        (
            any::<bool>(),
            prop_oneof![Just(1.2), 0.5..2.0f64],
            fallback(),
            prop_oneof![Just(10usize), 3usize..=6],
            any::<bool>()
        )
            .prop_map(|(robust, safety, fallback, window, tricube)| DetectorPlan::Lr {
                robust,
                safety,
                fallback,
                window,
                tricube
            }),
    ]
}

#[derive(Debug, Clone)]
struct ConsolidationPlan {
    detector: DetectorPlan,
    selection: &'static str,
    bandwidth_share: f64,
    underload: bool,
}

fn consolidation_plan() -> impl Strategy<Value = ConsolidationPlan> {
    (
        detector_plan(),
        prop_oneof![Just("mmt"), Just("mu"), Just("mc"), Just("rs")],
        prop_oneof![Just(0.5), 0.05..=1.0f64],
        proptest::bool::weighted(0.75),
    )
        .prop_map(
            |(detector, selection, bandwidth_share, underload)| ConsolidationPlan {
                detector,
                selection,
                bandwidth_share,
                underload,
            },
        )
}

/// The registry name and parameters of a detector, and the history length
/// from which its adaptive test (not its static fallback) decides.
fn detector_params(p: &DetectorPlan) -> (&'static str, Params, usize) {
    let n = ParamValue::Number;
    match *p {
        DetectorPlan::Thr { threshold } => ("thr", Params::new().with("threshold", n(threshold)), usize::MAX),
        DetectorPlan::Iqr {
            safety,
            fallback,
            min_history,
        } => (
            "iqr",
            Params::new()
                .with("safety", n(safety))
                .with("fallback_threshold", n(fallback))
                .with("min_history", n(min_history as f64)),
            min_history,
        ),
        DetectorPlan::Mad {
            safety,
            fallback,
            min_history,
        } => (
            "mad",
            Params::new()
                .with("safety", n(safety))
                .with("fallback_threshold", n(fallback))
                .with("min_history", n(min_history as f64)),
            min_history,
        ),
        DetectorPlan::Lr {
            robust,
            safety,
            fallback,
            window,
            tricube,
        } => (
            if robust { "lrr" } else { "lr" },
            Params::new()
                .with("safety", n(safety))
                .with("fallback_threshold", n(fallback))
                .with("window", n(window as f64))
                .with(
                    "weighting",
                    ParamValue::Text(if tricube { "tricube" } else { "cloudsim" }.into()),
                ),
            window,
        ),
    }
}

/// A registry detector that also counts the decisions its adaptive test
/// made (history at least `needed` long); it decides exactly as the wrapped
/// one.
#[derive(Debug)]
struct Probe {
    inner: Box<dyn OverloadDetector>,
    needed: usize,
    adaptive_decisions: Arc<AtomicUsize>,
}

impl OverloadDetector for Probe {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        if load.history.len() >= self.needed {
            self.adaptive_decisions.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.is_overloaded(load)
    }
}

/// Builds the consolidation a plan describes, all parts from the registry.
/// With `probe`, the detector is wrapped in a [`Probe`] counting into it.
fn build_consolidation(p: &ConsolidationPlan, probe: Option<&Arc<AtomicUsize>>) -> Consolidation {
    let (name, params, needed) = detector_params(&p.detector);
    let mut detector = build_overload_detector(name, params).expect("valid detector parameters");
    if let Some(counter) = probe {
        detector = Box::new(Probe {
            inner: detector,
            needed,
            adaptive_decisions: Arc::clone(counter),
        });
    }
    let selection = build_vm_selection(p.selection, Params::new()).expect("registered selection");
    let placement = build_placement_policy("pabfd", Params::new()).expect("registered placement");
    let migration = build_migration_model(
        "cloudsim",
        Params::new().with("bandwidth_share", ParamValue::Number(p.bandwidth_share)),
    )
    .expect("valid bandwidth share");
    let mut c = Consolidation::new(detector, selection, placement, migration);
    c.underload = p.underload;
    c
}

// ---------------------------------------------------------------------------
// The per-event checks.
// ---------------------------------------------------------------------------

/// What the runs of a property covered (counted across cases).
#[derive(Debug, Default)]
struct Coverage {
    runs: AtomicUsize,
    runs_with_migrations: AtomicUsize,
    overload_migrations: AtomicUsize,
    underload_migrations: AtomicUsize,
    /// Runs in which an adaptive detector decided from a long enough history.
    runs_with_adaptive_decisions: AtomicUsize,
    runs_with_retired_vms: AtomicUsize,
    /// Runs where a VM had two migrations in flight at once.
    runs_with_double_targets: AtomicUsize,
    /// Observations of a VM listed as incoming on two hosts.
    double_incoming: AtomicUsize,
    /// Observations of a VM not migrating but still incoming on a host (the
    /// second target of a VM sent to two targets, after the first arrival).
    stale_incoming: AtomicUsize,
    /// Runs rejected because a check failed after such a stale VM was
    /// retired or a round planned with one.
    skipped_stale_bug: AtomicUsize,
    /// Runs rejected because a trace left [0, 1] at a step.
    skipped_trace_bug: AtomicUsize,
}

impl Coverage {
    fn add(counter: &AtomicUsize, n: usize) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::Relaxed)
    }

    fn report(&self, name: &str) {
        eprintln!("{name}: {self:?}");
    }
}

/// The state at the last event, for comparison with the result.
#[derive(Debug, Default)]
struct FinalState {
    host_of: Vec<Option<HostId>>,
    vms_on: Vec<usize>,
    energy_j: f64,
    migrations: usize,
}

/// Checks every observation of a run, collecting violations (at most
/// [`Checker::MAX_VIOLATIONS`]) to be asserted after the run.
struct Checker {
    /// Memory is reserved (no `memory_only_at_creation` quirk).
    reserve_memory: bool,
    violations: Vec<String>,
    observations: usize,
    last_time_s: f64,
    last_energy_j: f64,
    /// VMs placed at t = 0 (known from the first observation).
    placed: Vec<bool>,
    /// When a placed VM left every host (retired).
    gone_at: Vec<Option<f64>>,
    /// Migration records already seen.
    seen_records: usize,
    /// VMs that had two migrations in flight at once.
    double_targeted: BTreeSet<u32>,
    double_incoming: usize,
    stale_incoming: usize,
    /// A VM was stale (not migrating, still incoming somewhere) at the
    /// previous observation.
    stale_before: bool,
    /// Times of the observations that followed a stale one: if a
    /// consolidation round ran at one of them, it planned with a stale VM.
    after_stale: Vec<f64>,
    /// A VM was retired while still incoming somewhere.
    retired_stale: bool,
    last: FinalState,
}

impl Checker {
    const MAX_VIOLATIONS: usize = 20;

    fn new(reserve_memory: bool) -> Self {
        Self {
            reserve_memory,
            violations: Vec::new(),
            observations: 0,
            last_time_s: 0.0,
            last_energy_j: 0.0,
            placed: Vec::new(),
            gone_at: Vec::new(),
            seen_records: 0,
            double_targeted: BTreeSet::new(),
            double_incoming: 0,
            stale_incoming: 0,
            stale_before: false,
            after_stale: Vec::new(),
            retired_stale: false,
            last: FinalState::default(),
        }
    }

    fn fail(&mut self, t: f64, message: String) {
        if self.violations.len() < Self::MAX_VIOLATIONS {
            self.violations.push(format!("t = {t}: {message}"));
        }
    }

    fn observe(&mut self, obs: &Observation<'_>) {
        let t = obs.time_s;
        let dc = obs.datacenter;
        let n_vms = dc.vm_count();
        if self.observations == 0 {
            if t != 0.0 {
                self.fail(t, "the first observation is not at t = 0".into());
            }
            self.placed = (0..n_vms as u32).map(|v| dc.host_of(VmId(v)).is_some()).collect();
            self.gone_at = vec![None; n_vms];
        }
        self.observations += 1;

        // 3. Time and energy.
        if t < self.last_time_s {
            self.fail(t, format!("time went back from {}", self.last_time_s));
        }
        if !(obs.energy_j >= 0.0 && obs.energy_j.is_finite()) {
            self.fail(t, format!("energy {} J", obs.energy_j));
        }
        if obs.energy_j < self.last_energy_j {
            self.fail(
                t,
                format!(
                    "energy decreased from {} to {} J",
                    self.last_energy_j, obs.energy_j
                ),
            );
        }
        self.last_time_s = t;
        self.last_energy_j = obs.energy_j;
        if self.stale_before {
            self.after_stale.push(t);
        }
        self.stale_before = false;

        // Migrations in flight: started, not yet completed (a completion at
        // `end` is processed by the event at `end`, before any step there).
        let mut in_flight: Vec<Vec<usize>> = vec![Vec::new(); n_vms];
        for (i, m) in obs.migrations.iter().enumerate() {
            if m.start_s > t {
                self.fail(t, format!("migration {i} starts in the future: {m:?}"));
            }
            if m.end_s > t {
                in_flight[m.vm as usize].push(i);
            }
        }
        for (v, ids) in in_flight.iter().enumerate() {
            if ids.len() >= 2 {
                self.double_targeted.insert(v as u32);
            }
        }
        // New records appear at the step that started them, their VM
        // migrating from where it runs to where it is now incoming.
        for i in self.seen_records..obs.migrations.len() {
            let m = &obs.migrations[i];
            let v = VmId(m.vm);
            if m.start_s != t {
                self.fail(t, format!("migration {i} recorded late: {m:?}"));
            }
            if !dc.in_migration(v) {
                self.fail(
                    t,
                    format!("migration {i} started but its VM is not migrating: {m:?}"),
                );
            }
            if dc.host_of(v) != Some(HostId(m.source)) {
                self.fail(
                    t,
                    format!(
                        "migration {i}: VM runs on {:?}, not its source: {m:?}",
                        dc.host_of(v)
                    ),
                );
            }
        }
        if obs.migrations.len() < self.seen_records {
            self.fail(t, "migration records disappeared".into());
        }
        self.seen_records = obs.migrations.len();

        // 1. Capacity, host by host; and who is listed where.
        let mut home_on: Vec<Vec<HostId>> = vec![Vec::new(); n_vms];
        let mut incoming_on: Vec<Vec<HostId>> = vec![Vec::new(); n_vms];
        for h in dc.hosts() {
            let ht = dc.host_type(h);
            let vms = dc.vms_on(h);
            let distinct: BTreeSet<VmId> = vms.iter().copied().collect();
            if distinct.len() != vms.len() {
                self.fail(t, format!("{h:?} lists a VM twice: {vms:?}"));
            }
            let ram: u64 = vms.iter().map(|&v| dc.vm_type(v).ram_mb).sum();
            if self.reserve_memory {
                if ram > ht.ram_mb {
                    self.fail(t, format!("{h:?}: VMs {vms:?} use {ram} MB of {} MB", ht.ram_mb));
                } else if dc.ram_free_mb(h) != ht.ram_mb - ram {
                    self.fail(
                        t,
                        format!(
                            "{h:?}: {} MB free, expected {} - {ram}",
                            dc.ram_free_mb(h),
                            ht.ram_mb
                        ),
                    );
                }
            } else if dc.ram_free_mb(h) != ht.ram_mb {
                self.fail(
                    t,
                    format!(
                        "{h:?}: {} MB free of {} with no memory reserved",
                        dc.ram_free_mb(h),
                        ht.ram_mb
                    ),
                );
            }
            let capacity = ht.total_mips();
            let available = dc.available_mips(h);
            let mut allocated = 0.0;
            for &v in vms {
                if dc.is_incoming(h, v) {
                    incoming_on[v.index()].push(h);
                } else {
                    home_on[v.index()].push(h);
                    let a = dc.vm_allocated_mips(v);
                    if a.is_nan() || a < 0.0 {
                        self.fail(t, format!("{v:?} on {h:?} allocated {a} MIPS"));
                    }
                    allocated += a;
                }
            }
            if available.is_nan() || available < 0.0 {
                self.fail(t, format!("{h:?}: {available} MIPS available"));
            }
            if !le_rel(allocated, capacity) || !le_rel(available + allocated, capacity) {
                self.fail(
                    t,
                    format!("{h:?}: {allocated} MIPS allocated, {available} available, of {capacity}"),
                );
            }
            let u = dc.utilization(h);
            if !(0.0..=1.0).contains(&u) || !le_rel(dc.utilization_mips(h), capacity) {
                self.fail(
                    t,
                    format!("{h:?}: utilisation {u} ({} MIPS)", dc.utilization_mips(h)),
                );
            }
        }

        // 2. Placement, VM by VM.
        for vi in 0..n_vms {
            let v = VmId(vi as u32);
            let home = dc.host_of(v);
            let homes = &home_on[vi];
            let incoming = &incoming_on[vi];
            match home {
                Some(h) if homes.as_slice() != [h] => {
                    let message = format!("{v:?} runs on {h:?} but is listed (not incoming) on {homes:?}");
                    self.fail(t, message);
                }
                None if !homes.is_empty() => {
                    let message = format!("{v:?} runs nowhere but is listed (not incoming) on {homes:?}");
                    self.fail(t, message);
                }
                _ => {}
            }
            if !self.placed[vi] {
                if home.is_some() || !incoming.is_empty() {
                    self.fail(
                        t,
                        format!("{v:?}, never placed, is on {home:?} / incoming {incoming:?}"),
                    );
                }
                continue;
            }
            match (home, self.gone_at[vi]) {
                (None, None) => self.gone_at[vi] = Some(t),
                (Some(h), Some(gone)) => {
                    self.fail(t, format!("{v:?}, retired at {gone}, is back on {h:?}"));
                }
                _ => {}
            }
            if home.is_none() && !incoming.is_empty() {
                self.retired_stale = true;
                let message =
                    format!("{v:?} runs nowhere (retired) but still holds a reservation on {incoming:?}");
                self.fail(t, message);
            }
            if let Some(h) = home
                && incoming.contains(&h)
            {
                self.fail(t, format!("{v:?} is incoming on its own host {h:?}"));
            }
            if incoming.len() >= 2 {
                self.double_incoming += 1;
            }
            if dc.in_migration(v) {
                if home.is_none() || incoming.is_empty() || in_flight[vi].is_empty() {
                    let message = format!(
                        "{v:?} is migrating, but runs on {home:?}, incoming on {incoming:?}, migrations in flight {:?}",
                        in_flight[vi]
                    );
                    self.fail(t, message);
                }
            } else if !incoming.is_empty() {
                // Only the second target of a VM sent to two hosts, after
                // the first migration completed.
                self.stale_incoming += 1;
                self.stale_before = true;
                if in_flight[vi].is_empty() || !self.double_targeted.contains(&(vi as u32)) {
                    let message = format!(
                        "{v:?} is not migrating but incoming on {incoming:?} (migrations in flight {:?})",
                        in_flight[vi]
                    );
                    self.fail(t, message);
                }
            }
            for &i in &in_flight[vi] {
                let target = HostId(obs.migrations[i].target);
                if !dc.is_incoming(target, v) {
                    let message = format!(
                        "{v:?}: migration {i} in flight but not incoming on {target:?}: {:?}",
                        obs.migrations[i]
                    );
                    self.fail(t, message);
                }
            }
        }

        self.last = FinalState {
            host_of: (0..n_vms as u32).map(|v| dc.host_of(VmId(v))).collect(),
            vms_on: dc.hosts().map(|h| dc.vms_on(h).len()).collect(),
            energy_j: obs.energy_j,
            migrations: obs.migrations.len(),
        };
    }
}

// ---------------------------------------------------------------------------
// The checks of the result.
// ---------------------------------------------------------------------------

fn check_result(
    config: &SimulationConfig,
    underload: bool,
    checker: &Checker,
    r: &RunResult,
    coverage: &Coverage,
) -> Result<(), TestCaseError> {
    prop_assert!(
        checker.violations.is_empty(),
        "{} violations:\n{}",
        checker.violations.len(),
        checker.violations.join("\n")
    );
    let s = &r.summary;

    // 4. Migrations.
    prop_assert_eq!(s.migration_counts.migrations, r.migrations.len() as u64);
    prop_assert_eq!(checker.last.migrations, r.migrations.len(), "observed migrations");
    let overload = r
        .migrations
        .iter()
        .filter(|m| m.reason == MigrationReason::Overload)
        .count() as u64;
    let underload_moves = r
        .migrations
        .iter()
        .filter(|m| m.reason == MigrationReason::Underload)
        .count() as u64;
    prop_assert_eq!(s.migration_counts.migrations_overload, overload);
    prop_assert_eq!(s.migration_counts.migrations_underload, underload_moves);
    prop_assert_eq!(
        overload + underload_moves,
        s.migration_counts.migrations,
        "unknown reasons"
    );
    if !underload {
        prop_assert_eq!(underload_moves, 0, "underload moves with the underload phase off");
    }
    let step_times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
    for m in &r.migrations {
        prop_assert!(m.source != m.target, "{m:?}");
        prop_assert!(m.duration_s > 0.0 && m.duration_s.is_finite(), "{m:?}");
        prop_assert!(
            step_times.contains(&m.start_s) && !(config.step_at_start && m.start_s == 0.0),
            "{m:?} does not start at a regular step"
        );
        let end = m.start_s + m.duration_s;
        if end > config.duration_s {
            prop_assert!(m.end_s.is_nan(), "{m:?} ends after the horizon");
        } else {
            prop_assert_eq!(m.end_s, end, "{:?}", m);
            prop_assert!(m.start_s <= m.end_s, "{m:?}");
        }
        prop_assert!(m.downtime_s >= 0.0 && m.data_mb > 0.0, "{m:?}");
    }
    let per_vm: u64 = r.vms.iter().map(|v| u64::from(v.migrations)).sum();
    prop_assert_eq!(per_vm, s.migration_counts.migrations, "Σ per-VM migrations");
    for v in &r.vms {
        let n = r.migrations.iter().filter(|m| m.vm == v.vm).count();
        prop_assert_eq!(v.migrations as usize, n, "VM {} migrations", v.vm);
    }
    let per_interval: usize = r.intervals.iter().map(|i| i.migrations).sum();
    prop_assert_eq!(
        per_interval as u64,
        s.migration_counts.migrations,
        "Σ per-interval migrations"
    );
    let regular = r
        .intervals
        .iter()
        .filter(|i| !(config.step_at_start && i.time_s == 0.0))
        .count();
    prop_assert_eq!(
        s.consolidation.consolidation_rounds,
        regular as u64,
        "one round per regular step"
    );

    // 5. Summary.
    prop_assert!((0.0..=1.0).contains(&s.sla.slatah), "SLATAH {}", s.sla.slatah);
    prop_assert!(
        (0.0..=1.0).contains(&s.degradation.pdm),
        "PDM {}",
        s.degradation.pdm
    );
    prop_assert_eq!(s.degradation.slav, s.sla.slatah * s.degradation.pdm);
    prop_assert_eq!(s.degradation.esv, s.energy.energy_kwh * s.degradation.slav);
    prop_assert!(s.energy.energy_kwh.is_finite() && s.energy.energy_kwh >= 0.0);
    prop_assert_eq!(
        s.energy.energy_kwh,
        checker.last.energy_j / JOULES_PER_KWH,
        "observed energy"
    );
    let mut previous = 0.0;
    for i in &r.intervals {
        prop_assert!(
            i.energy_kwh >= previous,
            "cumulative energy decreases at {}",
            i.time_s
        );
        previous = i.energy_kwh;
    }
    if let Some(last) = r.intervals.last() {
        prop_assert!(
            last.energy_kwh <= s.energy.energy_kwh,
            "{} > {}",
            last.energy_kwh,
            s.energy.energy_kwh
        );
    }

    // The result agrees with the last observation.
    for (h, rec) in r.hosts.iter().enumerate() {
        prop_assert_eq!(rec.vms_at_end, checker.last.vms_on[h], "host {} VMs at end", h);
    }
    let placed = checker.placed.iter().filter(|&&p| p).count();
    prop_assert_eq!(s.run.vms_placed, placed);
    for (vi, rec) in r.vms.iter().enumerate() {
        prop_assert_eq!(rec.host, checker.last.host_of[vi].map(|h| h.0), "VM {} host", vi);
        prop_assert_eq!(rec.finished_at_s, checker.gone_at[vi], "VM {} retirement", vi);
    }
    if !config.finish_idle_vms {
        prop_assert_eq!(s.run.vms_finished, 0);
    }

    Coverage::add(&coverage.runs, 1);
    Coverage::add(
        &coverage.runs_with_migrations,
        usize::from(s.migration_counts.migrations > 0),
    );
    Coverage::add(&coverage.overload_migrations, overload as usize);
    Coverage::add(&coverage.underload_migrations, underload_moves as usize);
    Coverage::add(
        &coverage.runs_with_retired_vms,
        usize::from(s.run.vms_finished > 0),
    );
    Coverage::add(
        &coverage.runs_with_double_targets,
        usize::from(!checker.double_targeted.is_empty()),
    );
    Coverage::add(&coverage.double_incoming, checker.double_incoming);
    Coverage::add(&coverage.stale_incoming, checker.stale_incoming);
    Ok(())
}

/// Did a consolidation round plan while a VM was stale: no longer migrating
/// but still incoming on the second of two targets? That is the trigger of
/// the known bug [`a_vm_sent_to_two_hosts_is_never_migrated_onto_its_own_host`]
/// documents. (Conservative: an observation at a step's instant that
/// followed a stale one counts even if it was a migration's completion.)
fn planned_with_a_stale_vm(config: &SimulationConfig, checker: &Checker, r: &RunResult) -> bool {
    r.intervals
        .iter()
        .filter(|i| !(config.step_at_start && i.time_s == 0.0))
        .any(|i| checker.after_stale.contains(&i.time_s))
}

/// The documented step schedule: `offset + k × interval` up to the
/// duration (each the previous plus the interval, as the engine adds them),
/// plus one at the duration with `step_at_end` when the last regular step
/// falls short of it, and one at t = 0 with `step_at_start`.
fn step_times(c: &SimulationConfig) -> Vec<f64> {
    let mut times = Vec::new();
    if c.step_at_start {
        times.push(0.0);
    }
    let first = c.step_offset_s + c.scheduling_interval_s;
    let mut next = if first <= c.duration_s {
        Some(first)
    } else if c.step_at_end {
        Some(c.duration_s)
    } else {
        None
    };
    while let Some(t) = next {
        times.push(t);
        let after = t + c.scheduling_interval_s;
        next = if after <= c.duration_s {
            Some(after)
        } else if c.step_at_end && t < c.duration_s {
            Some(c.duration_s)
        } else {
            None
        };
    }
    times
}

/// Does a VM's trace leave [0, 1] at a step? That is the known bug
/// [`trace_interpolation_stays_between_its_samples`] documents (the model
/// then panics on a debug assertion of the power models).
fn trace_leaves_the_unit_interval_at_a_step(spec: &DatacenterSpec, config: &SimulationConfig) -> bool {
    let times = step_times(config);
    spec.traces.iter().any(|trace| {
        times
            .iter()
            .any(|&t| !(0.0..=1.0).contains(&trace.utilization_at(t)))
    })
}

/// Runs a plan with every check; returns the result for further checks.
/// With `skip_known_bugs`, a run that triggers a known bug is rejected
/// (and counted): before it starts if a trace leaves [0, 1] at a step
/// ([`trace_leaves_the_unit_interval_at_a_step`]), after it if a check
/// failed and a stale VM was retired or a round planned with one
/// ([`planned_with_a_stale_vm`]).
fn run_checked(
    spec: &SpecPlan,
    cfg: &SimulationConfig,
    initial_policy: &str,
    plan: &ConsolidationPlan,
    coverage: &Coverage,
    skip_known_bugs: bool,
) -> Result<RunResult, TestCaseError> {
    let dc_spec = build_spec(spec, cfg.scheduling_interval_s);
    if skip_known_bugs && trace_leaves_the_unit_interval_at_a_step(&dc_spec, cfg) {
        Coverage::add(&coverage.skipped_trace_bug, 1);
        return Err(TestCaseError::reject(
            "a trace leaves [0, 1] at a step (known bug)",
        ));
    }
    let adaptive = Arc::new(AtomicUsize::new(0));
    let consolidation = build_consolidation(plan, Some(&adaptive));
    let policy = build_placement_policy(initial_policy, Params::new()).expect("registered policy");
    let mut checker = Checker::new(!cfg.quirks.memory_only_at_creation);
    let result = Simulation::new(dc_spec, cfg.clone(), policy)
        .expect("the spec is valid by construction")
        .with_consolidation(consolidation)
        .run_observed(|obs| checker.observe(obs))
        .expect("unplaced VMs are allowed");
    let checked = check_result(cfg, plan.underload, &checker, &result, coverage);
    let stale_bug = checker.retired_stale || planned_with_a_stale_vm(cfg, &checker, &result);
    if checked.is_err() && skip_known_bugs && stale_bug {
        Coverage::add(&coverage.skipped_stale_bug, 1);
        return Err(TestCaseError::reject(
            "a stale VM was moved or retired (known bug)",
        ));
    }
    checked?;
    Coverage::add(
        &coverage.runs_with_adaptive_decisions,
        usize::from(adaptive.load(Ordering::Relaxed) > 0),
    );
    Ok(result)
}

/// At least `min` of the runs counted by `counter`, or the property did not
/// exercise what it is about.
fn assert_covered(name: &str, counter: &AtomicUsize, min: usize) {
    let n = Coverage::get(counter);
    assert!(n >= min, "only {n} runs with {name}: the generators miss it");
}

/// Properties 1–5 after every event, memory reserved (the default).
#[test]
fn consolidation_keeps_the_datacenter_consistent() {
    let coverage = Coverage::default();
    run_property(
        128,
        (spec_plan(), config_plan(), consolidation_plan()),
        |(spec, cfg, plan)| {
            let config = build_config(&cfg);
            run_checked(&spec, &config, cfg.initial_policy, &plan, &coverage, true).map(|_| ())
        },
    );
    coverage.report("consolidation_keeps_the_datacenter_consistent");
    assert_covered("migrations", &coverage.runs_with_migrations, 16);
    assert_covered("overload moves", &coverage.overload_migrations, 8);
    assert_covered("underload moves", &coverage.underload_migrations, 8);
    assert_covered(
        "adaptive detector decisions",
        &coverage.runs_with_adaptive_decisions,
        8,
    );
    assert_covered("retired VMs", &coverage.runs_with_retired_vms, 4);
}

/// Properties 2–5 with CloudSim's quirks on: VMs hold no RAM once placed, so
/// every host's RAM is free at every event instead.
#[test]
fn consolidation_with_cloudsim_quirks_keeps_placement_consistent() {
    let coverage = Coverage::default();
    run_property(
        64,
        (spec_plan(), config_plan(), consolidation_plan()),
        |(spec, cfg, plan)| {
            let config = SimulationConfig {
                quirks: CloudSimQuirks::ALL,
                ..build_config(&cfg)
            };
            run_checked(&spec, &config, cfg.initial_policy, &plan, &coverage, true).map(|_| ())
        },
    );
    coverage.report("consolidation_with_cloudsim_quirks_keeps_placement_consistent");
    assert_covered("migrations", &coverage.runs_with_migrations, 8);
}

/// The first property without skipping the runs that trigger the known bugs
/// (about one case in a thousand does; run with `PROPTEST_CASES=20000`).
#[test]
fn consolidation_keeps_the_datacenter_consistent_even_with_stale_vms() {
    let coverage = Coverage::default();
    run_property(
        128,
        (spec_plan(), config_plan(), consolidation_plan()),
        |(spec, cfg, plan)| {
            let config = build_config(&cfg);
            run_checked(&spec, &config, cfg.initial_policy, &plan, &coverage, false).map(|_| ())
        },
    );
    coverage.report("consolidation_keeps_the_datacenter_consistent_even_with_stale_vms");
}

/// The same spec, configuration and policies (random selection included)
/// give the same result, bit for bit (Debug output: NaN-safe).
#[test]
fn consolidation_runs_are_deterministic() {
    let plan = (spec_plan(), config_plan(), consolidation_plan(), any::<bool>());
    run_property(64, plan, |(spec, cfg, mut plan, quirks)| {
        if cfg.seed % 2 == 0 {
            // Half the cases with random selection, the policy that draws.
            plan.selection = "rs";
        }
        let config = SimulationConfig {
            quirks: if quirks {
                CloudSimQuirks::ALL
            } else {
                CloudSimQuirks::default()
            },
            ..build_config(&cfg)
        };
        let run = || {
            let policy =
                build_placement_policy(cfg.initial_policy, Params::new()).expect("registered policy");
            Simulation::new(
                build_spec(&spec, config.scheduling_interval_s),
                config.clone(),
                policy,
            )
            .expect("valid spec")
            .with_consolidation(build_consolidation(&plan, None))
            .run()
            .expect("unplaced VMs are allowed")
        };
        let (a, b) = (run(), run());
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Hand-made cases.
// ---------------------------------------------------------------------------

/// Hosts of 2 × 1000 MIPS, 8 GB, 1 Gbit/s; VMs of 900 MIPS, 1 GB (16.384 s
/// to migrate at half the link).
fn small_spec(hosts: usize, utilizations: &[f64]) -> DatacenterSpec {
    DatacenterSpec {
        host_types: vec![HostType {
            name: "host".into(),
            mips_per_core: 1000.0,
            cores: 2,
            ram_mb: 8192,
            bw_mbps: 1000.0,
            storage_mb: 0,
            power: Arc::new(AnalyticPowerModel::linear(200.0, 0.5).unwrap()),
            power_name: "linear".into(),
            off_power_w: 0.0,
        }],
        hosts: vec![
            HostSpec {
                host_type: 0,
                rack: None
            };
            hosts
        ],
        vm_types: vec![VmType {
            name: "vm".into(),
            mips: 900.0,
            cores: 1,
            ram_mb: 1024,
            bw_mbps: 100.0,
            size_mb: 0,
        }],
        vms: (0..utilizations.len())
            .map(|i| VmSpec { vm_type: 0, trace: i })
            .collect(),
        traces: utilizations
            .iter()
            .enumerate()
            .map(|(i, &u)| UtilizationTrace::new(format!("t{i}"), 300.0, vec![u; 13]).unwrap())
            .collect(),
        ..DatacenterSpec::default()
    }
}

/// THR 0.8, MMT, PABFD, CloudSim migration, underload on.
fn thr_consolidation() -> ConsolidationPlan {
    ConsolidationPlan {
        detector: DetectorPlan::Thr { threshold: 0.8 },
        selection: "mmt",
        bandwidth_share: 0.5,
        underload: true,
    }
}

fn hour() -> SimulationConfig {
    SimulationConfig {
        duration_s: 3600.0,
        scheduling_interval_s: 300.0,
        ..SimulationConfig::default()
    }
}

/// The initial placement policy of a hand-made case: `ff` is CloudSim's
/// `PowerVmAllocationPolicySimple` to the letter (`admission = false`), so a
/// case can start from a host the detector calls overloaded.
fn hand_made_policy(name: &str) -> Box<dyn PlacementPolicy> {
    let params = if name == "ff" {
        Params::new().with("admission", ParamValue::Bool(false))
    } else {
        Params::new()
    };
    build_placement_policy(name, params).unwrap()
}

/// Runs a hand-made case for an hour with [`thr_consolidation`], watched by
/// a [`Checker`].
fn run_watched(spec: DatacenterSpec, initial_policy: &str) -> (RunResult, Checker) {
    let policy = hand_made_policy(initial_policy);
    let mut checker = Checker::new(true);
    let result = Simulation::new(spec, hour(), policy)
        .unwrap()
        .with_consolidation(build_consolidation(&thr_consolidation(), None))
        .run_observed(|obs| checker.observe(obs))
        .unwrap();
    (result, checker)
}

/// Properties 1–5 of a watched run.
fn assert_consistent(result: &RunResult, checker: &Checker) {
    if let Err(e) = check_result(&hour(), true, checker, result, &Coverage::default()) {
        panic!("{e}");
    }
}

/// [`run_watched`], asserting properties 1–5.
fn run_hand_made(spec: DatacenterSpec, initial_policy: &str) -> RunResult {
    let (result, checker) = run_watched(spec, initial_policy);
    assert_consistent(&result, &checker);
    result
}

/// Two VMs at 100 % on one host (first fit with `admission = false` ignores
/// the detector): 1800 of 2000 MIPS is 90 %, above THR 0.8, so one VM must
/// leave at the first regular step, to an empty host, and stay there.
#[test]
fn an_overloaded_host_sheds_a_vm() {
    let r = run_hand_made(small_spec(3, &[1.0, 1.0]), "ff");
    assert!(!r.migrations.is_empty(), "no migration");
    let m = &r.migrations[0];
    assert_eq!(m.reason, MigrationReason::Overload, "{m:?}");
    assert_eq!((m.source, m.start_s), (0, 300.0), "{m:?}");
    assert_eq!(m.duration_s, 1024.0 / (1000.0 * 0.5 / 8.0));
    assert_eq!(r.migrations.len(), 1, "{:?}", r.migrations);
    let moved = &r.vms[m.vm as usize];
    assert_eq!(moved.host, Some(m.target));
    assert_ne!(moved.host, Some(0));
    assert_eq!(r.vms[1 - m.vm as usize].host, Some(0));
    assert_eq!(r.summary.migration_counts.migrations_overload, 1);
    assert_eq!(r.hosts[0].vms_at_end, 1);
    assert_eq!(r.hosts[m.target as usize].vms_at_end, 1);
    // No longer overloaded: 1 VM at 45 % on each host from then on.
    assert_eq!(r.intervals.iter().map(|i| i.overloaded_hosts).sum::<usize>(), 1);
}

/// Two VMs at 20 % on two hosts (PABFD spreads them: at creation they ask
/// for their full 900 MIPS, and 1800 of 2000 would be overloaded): at the
/// first regular step the least utilised host is emptied onto the other
/// (9 % + 9 % is far below THR 0.8), and stays empty.
#[test]
fn two_lightly_loaded_hosts_are_consolidated_onto_one() {
    let r = run_hand_made(small_spec(2, &[0.2, 0.2]), "pabfd");
    assert_eq!(r.migrations.len(), 1, "{:?}", r.migrations);
    let m = &r.migrations[0];
    assert_eq!(m.reason, MigrationReason::Underload, "{m:?}");
    assert_eq!((m.vm, m.source, m.target, m.start_s), (0, 0, 1, 300.0), "{m:?}");
    assert_eq!(r.summary.migration_counts.migrations_underload, 1);
    assert_eq!(r.hosts[0].vms_at_end, 0);
    assert_eq!(r.hosts[1].vms_at_end, 2);
    assert_eq!(r.vms[0].host, Some(1));
    assert_eq!(r.vms[1].host, Some(1));
    // From the step after the move, only one host is active.
    let last = r.intervals.last().unwrap();
    assert_eq!(last.active_hosts, 1);
}

// ---------------------------------------------------------------------------
// One VM, two targets (CloudSim's planner) and the known bug that follows.
// ---------------------------------------------------------------------------

/// Three 1000-MIPS hosts, first-fit placed: A (host 0, linear 200 W) runs a1
/// (600 MIPS, 200 MB) and a2 (`a2_mips`, 100 MB); G (host 1, linear 100 W:
/// the cheapest to load) runs g1 (200 MIPS at `g1_u`); H (host 2, linear
/// 200 W, `h_bw_mbps`) runs h1 (1000 MIPS at `h1_u`). Every demand is
/// constant.
///
/// At the first round (t = 300 s, THR 0.8, MMT), A is overloaded
/// (600 + `a2_mips` > 800), so a2 (least RAM) leaves it for G, where the
/// power rises least. G, the least utilised host, is then emptied onto H —
/// a2 included, as CloudSim's planner does (it means to exclude the hosts
/// that just received VMs but passes an empty list). a2 is sent to G *and*
/// H; 100 MB at half of 1 Gbit/s take 1.6 s, so it reaches G first, and
/// stays incoming on H until the slower migration there completes.
fn two_targets_spec(a2_mips: f64, g1_u: f64, h1_u: f64, h_bw_mbps: f64) -> DatacenterSpec {
    let host = |name: &str, bw_mbps: f64, max_w: f64| HostType {
        name: name.into(),
        mips_per_core: 1000.0,
        cores: 1,
        ram_mb: 4096,
        bw_mbps,
        storage_mb: 0,
        power: Arc::new(AnalyticPowerModel::linear(max_w, 0.5).unwrap()),
        power_name: "linear".into(),
        off_power_w: 0.0,
    };
    let vm = |name: &str, mips: f64, ram_mb: u64| VmType {
        name: name.into(),
        mips,
        cores: 1,
        ram_mb,
        bw_mbps: 0.0,
        size_mb: 0,
    };
    DatacenterSpec {
        host_types: vec![
            host("a", 1000.0, 200.0),
            host("g", 1000.0, 100.0),
            host("h", h_bw_mbps, 200.0),
        ],
        hosts: (0..3)
            .map(|t| HostSpec {
                host_type: t,
                rack: None,
            })
            .collect(),
        vm_types: vec![
            vm("a1", 600.0, 200),
            vm("a2", a2_mips, 100),
            vm("g1", 200.0, 100),
            vm("h1", 1000.0, 100),
        ],
        vms: (0..4).map(|i| VmSpec { vm_type: i, trace: i }).collect(),
        traces: [1.0, 1.0, g1_u, h1_u]
            .iter()
            .enumerate()
            .map(|(i, &u)| UtilizationTrace::new(format!("t{i}"), 300.0, vec![u; 13]).unwrap())
            .collect(),
        ..DatacenterSpec::default()
    }
}

/// The first round's moves: a2 (VM 1) to G and to H, g1 (VM 2) to H.
fn assert_two_targets(r: &RunResult) {
    let first: Vec<(u32, u32, u32, MigrationReason)> = r
        .migrations
        .iter()
        .filter(|m| m.start_s == 300.0)
        .map(|m| (m.vm, m.source, m.target, m.reason))
        .collect();
    assert_eq!(
        first,
        [
            (1, 0, 1, MigrationReason::Overload),
            (1, 0, 2, MigrationReason::Underload),
            (2, 1, 2, MigrationReason::Underload)
        ]
    );
}

/// CloudSim's double target, accepted: when both migrations end before the
/// next round (H at 100 Mbit/s: 16 s), the VM simply makes two moves, and
/// every invariant holds throughout.
#[test]
fn the_planner_may_send_one_vm_to_two_hosts() {
    let (r, checker) = run_watched(two_targets_spec(300.0, 0.25, 0.1, 100.0), "ff");
    assert_two_targets(&r);
    assert!(checker.double_incoming > 0, "a2 was incoming on G and H at once");
    assert_eq!(
        checker.stale_incoming, 0,
        "a2 stays in migration while it is still incoming on H after reaching G"
    );
    assert!(!planned_with_a_stale_vm(&hour(), &checker, &r));
    assert_consistent(&r, &checker);
    assert_eq!(r.summary.run.vms_placed, 4);
    assert_eq!(r.vms[1].migrations, 2);
}

/// Known bug. H at 1 Mbit/s: a2's migration to H takes 1 600 s, so at the
/// next rounds a2 runs on G, is no longer `in_migration`
/// (`Datacenter::complete_migration` cleared the flag when it reached G),
/// yet is still listed on H as incoming. `Consolidation::plan` step 4 then
/// treats it as one of H's VMs (`to_migrate` keeps every VM listed on the
/// host that is not `in_migration`) and "evacuates" it from H — onto G,
/// where it already runs. `MigrationExecutor::start` records a
/// migration G → G, and `Datacenter::start_migration` lists a2 on G a
/// second time (as incoming); this repeats at every round until the
/// migration to H completes (five self-migrations here).
#[test]
fn a_vm_sent_to_two_hosts_is_never_migrated_onto_its_own_host() {
    let (r, checker) = run_watched(two_targets_spec(300.0, 0.25, 0.1, 1.0), "ff");
    assert_two_targets(&r);
    let to_itself: Vec<_> = r.migrations.iter().filter(|m| m.source == m.target).collect();
    assert!(
        to_itself.is_empty(),
        "migrations onto their own host: {to_itself:?}"
    );
    assert_consistent(&r, &checker);
}

/// Known bug, second form. As above, but with loads (a2 250 MIPS, g1 5 %,
/// h1 25 %) that make the second round empty G instead of H: a2, stale on
/// H, is placed on H again. In planning, `Datacenter::create_vm` appends a
/// second slot for a2 on H; `Datacenter::rollback` undoes that `Created`
/// change by removing the *first* slot of a2 on H (`slot_index`), the
/// incoming reservation, and keeps the planning slot. a2 is then listed on
/// H as running there (CPU allocated, utilisation and energy charged)
/// while `host_of` says G; `start_migration` adds yet another incoming slot
/// (`is_incoming` looks at the first slot only), and as the migrations
/// complete H lists a2 three times, then twice to the end of the run.
#[test]
fn a_vm_sent_to_two_hosts_is_never_listed_twice() {
    let (r, checker) = run_watched(two_targets_spec(250.0, 0.05, 0.25, 1.0), "ff");
    assert_two_targets(&r);
    assert_consistent(&r, &checker);
}

// ---------------------------------------------------------------------------
// A known bug outside consolidation, found by the properties above.
// ---------------------------------------------------------------------------

/// Known bug in `UtilizationTrace::utilization_at` (`workload/mod.rs`). A VM
/// idle for 28 samples of 90.951… s, at 100 % for the 29th and idle again:
/// at t = 29 × Δ (the duration of a 29-interval run, where `step_at_end`
/// puts the last step), `t / Δ` rounds to 28.999999999999996 (floor 28,
/// ceil 29) while `t − 28 × Δ` = 90.95194254469337 exceeds Δ, so the
/// interpolation from 1.0 down to 0.0 overshoots to −6.7e−16. The VM then
/// requests negative MIPS, its host's utilisation is negative, and
/// `Datacenter::step_host` calls the power model with it: in a debug build
/// (tests) the power model's range assertion panics ("power model called
/// with utilization -0.0000000000000002997602166487923 outside [0, 1]",
/// the VM's −6.7e−16 × 900 / 2000 MIPS); in
/// a release build the power is clamped but the negative demand reaches the
/// SLA metrics. Interpolating between 0 and 1 overshoots above 1 the same
/// way. Clamping the interpolated value between the two samples keeps every
/// other result bit-identical.
#[test]
fn trace_interpolation_stays_between_its_samples() {
    let interval_s = 90.951_942_544_693_28;
    let mut samples = vec![0.0; 30];
    samples[28] = 1.0;
    let trace = UtilizationTrace::new("t", interval_s, samples).unwrap();
    let t = interval_s * 29.0;
    let u = trace.utilization_at(t);
    assert!((0.0..=1.0).contains(&u), "utilization_at({t}) = {u:e}");
    // The same trace in a run ending at that instant.
    let spec = DatacenterSpec {
        traces: vec![trace],
        ..small_spec(2, &[0.0])
    };
    let config = SimulationConfig {
        duration_s: t,
        scheduling_interval_s: interval_s,
        step_at_start: false,
        ..SimulationConfig::default()
    };
    let policy = build_placement_policy("pabfd", Params::new()).unwrap();
    let result = Simulation::new(spec, config, policy).unwrap().run().unwrap();
    assert!(result.summary.sla.requested_mips_s >= 0.0);
}

/// Known bug, third form: no round needed. With `finish_idle_vms`, a2 (VM 1)
/// stops (demand 0) just as it reaches G at 301.6 s: `MigrationExecutor::
/// settle_due` → `Site::process_touched` retires it (it is not
/// `in_migration` any more), though it is still incoming on H (100 Mbit/s:
/// until 316 s), whose reservation stays. At 316 s
/// `Datacenter::complete_migration(a2, H)` finds no source, drops the
/// reservation and `create_vm`s a2 on H: the retired VM runs again to the
/// end of the run (its record says `finished_at_s: Some(301.6)` and
/// `host: Some(2)`), drawing CPU and energy.
#[test]
fn a_retired_vm_never_comes_back() {
    let mut spec = two_targets_spec(300.0, 0.25, 0.1, 100.0);
    // Sampled every 0.5 s: busy until 300 s, idle at 301.6 s, busy from 303 s.
    let mut samples = vec![1.0; 601];
    samples.extend([0.0; 5]);
    samples.extend([0.5; 60]);
    spec.traces[1] = UtilizationTrace::new("a2", 0.5, samples).unwrap();
    let config = SimulationConfig {
        finish_idle_vms: true,
        ..hour()
    };
    let policy = hand_made_policy("ff");
    let mut checker = Checker::new(true);
    let r = Simulation::new(spec, config.clone(), policy)
        .unwrap()
        .with_consolidation(build_consolidation(&thr_consolidation(), None))
        .run_observed(|obs| checker.observe(obs))
        .unwrap();
    assert_two_targets(&r);
    // a2 is idle at 301.6 s, but still migrating (to H) then: a VM in
    // migration is never retired (CloudSim `getCompletedVms`), so it is not
    // retired there, and a retired VM never runs again.
    assert!(
        r.vms[1].finished_at_s.is_none() || r.vms[1].host.is_none(),
        "{:?}",
        r.vms[1]
    );
    assert_ne!(r.vms[1].finished_at_s, Some(301.6));
    if let Err(e) = check_result(&config, true, &checker, &r, &Coverage::default()) {
        panic!("{e}");
    }
}
