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
//! round). That is reproduced on purpose: a VM incoming on two hosts is
//! accepted, and stays *in migration* until its last migration completes.
//! The random runs above reach it in a few cases in a hundred, and a round that
//! plans while such a VM has reached one target and is still headed for the
//! other in about one in a thousand, too rarely to test it. So
//! [`a_vm_sent_to_two_hosts_keeps_the_datacenter_consistent`] generates that
//! situation directly — the first round of each of its cases sends one VM to
//! two hosts, which it asserts — with random loads, link speeds (the second
//! migration ending before the next round, or many rounds later), idle
//! periods and run lengths, and asserts that its cases reached rounds planned
//! while the VM was between its targets.
//!
//! Also: determinism (with random selection), CloudSim's quirks mode (where
//! VMs hold no RAM after initial placement), hand-made cases of an overload
//! and an underload migration, and regressions for the bugs these properties
//! found (a VM sent to two hosts migrated onto its own host, listed twice, or
//! brought back after retirement; trace interpolation leaving [0, 1]).
//!
//! Every property counts what its cases covered ([`Coverage`]) and asserts
//! the situations it is about were reached. Run with `--nocapture` to see the
//! counts, and with `PROPTEST_CASES=n` to run `n` cases per property.

mod common;

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
use cirrus::power::PowerModel;
use cirrus::registry::{
    build_migration_model, build_overload_detector, build_placement_policy, build_vm_selection,
};
use cirrus::simulation::{
    CloudSimQuirks, InitialPlacement, Integration, Observation, OffRule, Simulation, SimulationConfig,
};
use cirrus::workload::UtilizationTrace;
use cirrus::workload::synthetic::SyntheticDemand;
use common::{Coverage, constant_trace, host_type, le_rel, linear_power, run_property, vm_type};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

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
        PowerPlan::Linear(max_w, fraction) => linear_power(max_w, fraction),
        PowerPlan::Spec(i) => {
            let (table, name) = common::spec_power_table(i);
            (Arc::new(table), name.into())
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
            let power = build_power(&p.power);
            host_type(
                &format!("h{i}"),
                p.cores,
                p.mips_per_core,
                p.ram_mb,
                p.bw_mbps,
                power,
            )
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

/// The situations a property counts ([`Coverage`] keys).
const RUNS: &str = "runs";
const RUNS_WITH_MIGRATIONS: &str = "runs with migrations";
const OVERLOAD_MOVES: &str = "overload migrations";
const UNDERLOAD_MOVES: &str = "underload migrations";
/// Runs in which an adaptive detector decided from a long enough history.
const ADAPTIVE: &str = "runs with adaptive detector decisions";
const RETIRED: &str = "runs with retired VMs";
/// Runs where a VM had two migrations in flight at once.
const DOUBLE_TARGETS: &str = "runs with a VM sent to two hosts";
/// Observations of a VM listed as incoming on two hosts.
const DOUBLE_INCOMING: &str = "observations of a VM incoming on two hosts";
/// Consolidation rounds planned while a VM had reached one of its two
/// targets and was still migrating to the other.
const ROUNDS_BETWEEN_TARGETS: &str = "rounds planned with a VM between two targets";

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
    /// Times of the observations at which a VM ran on a host it had reached
    /// while another of its migrations, from its former host, was still in
    /// flight: between two targets.
    between_targets: Vec<f64>,
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
            between_targets: Vec::new(),
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
                // Reached one target while still headed for another.
                if home.is_some_and(|h| in_flight[vi].iter().any(|&i| obs.migrations[i].source != h.0)) {
                    self.between_targets.push(t);
                }
            } else if !incoming.is_empty() {
                // A VM stays in migration until its last migration completes,
                // even when it was sent to two hosts and reached the first.
                let message = format!(
                    "{v:?} is not migrating but incoming on {incoming:?} (migrations in flight {:?})",
                    in_flight[vi]
                );
                self.fail(t, message);
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

    coverage.add(RUNS, 1);
    coverage.hit(RUNS_WITH_MIGRATIONS, s.migration_counts.migrations > 0);
    coverage.add(OVERLOAD_MOVES, overload as usize);
    coverage.add(UNDERLOAD_MOVES, underload_moves as usize);
    coverage.hit(RETIRED, s.run.vms_finished > 0);
    coverage.hit(DOUBLE_TARGETS, !checker.double_targeted.is_empty());
    coverage.add(DOUBLE_INCOMING, checker.double_incoming);
    coverage.add(ROUNDS_BETWEEN_TARGETS, rounds_between_targets(config, checker, r));
    Ok(())
}

/// The consolidation rounds that planned while a VM was between two targets:
/// regular steps at whose observation a VM ran on one target of a round that
/// sent it to two, still migrating to the other. (The step's observation
/// follows the round, but a round cannot put a VM between targets: it only
/// starts migrations from where VMs run.)
fn rounds_between_targets(config: &SimulationConfig, checker: &Checker, r: &RunResult) -> usize {
    r.intervals
        .iter()
        .filter(|i| !(config.step_at_start && i.time_s == 0.0))
        .filter(|i| checker.between_targets.contains(&i.time_s))
        .count()
}

/// Runs a plan with every check; returns the result for further checks.
fn run_checked(
    spec: &SpecPlan,
    cfg: &SimulationConfig,
    initial_policy: &str,
    plan: &ConsolidationPlan,
    coverage: &Coverage,
) -> Result<RunResult, TestCaseError> {
    let dc_spec = build_spec(spec, cfg.scheduling_interval_s);
    let adaptive = Arc::new(AtomicUsize::new(0));
    let consolidation = build_consolidation(plan, Some(&adaptive));
    let policy = build_placement_policy(initial_policy, Params::new()).expect("registered policy");
    let mut checker = Checker::new(!cfg.quirks.memory_only_at_creation);
    let result = Simulation::new(dc_spec, cfg.clone(), policy)
        .expect("the spec is valid by construction")
        .with_consolidation(consolidation)
        .run_observed(|obs| checker.observe(obs))
        .expect("unplaced VMs are allowed");
    check_result(cfg, plan.underload, &checker, &result, coverage)?;
    coverage.hit(ADAPTIVE, adaptive.load(Ordering::Relaxed) > 0);
    Ok(result)
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
            run_checked(&spec, &config, cfg.initial_policy, &plan, &coverage).map(|_| ())
        },
    );
    coverage.report("consolidation_keeps_the_datacenter_consistent");
    coverage.assert_reached(RUNS_WITH_MIGRATIONS, 16);
    coverage.assert_reached(OVERLOAD_MOVES, 8);
    coverage.assert_reached(UNDERLOAD_MOVES, 8);
    coverage.assert_reached(ADAPTIVE, 8);
    coverage.assert_reached(RETIRED, 4);
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
            run_checked(&spec, &config, cfg.initial_policy, &plan, &coverage).map(|_| ())
        },
    );
    coverage.report("consolidation_with_cloudsim_quirks_keeps_placement_consistent");
    coverage.assert_reached(RUNS_WITH_MIGRATIONS, 8);
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
        host_types: vec![host_type(
            "host",
            2,
            1000.0,
            8192,
            1000.0,
            linear_power(200.0, 0.5),
        )],
        hosts: common::hosts(hosts, 0),
        vm_types: vec![vm_type("vm", 1, 900.0, 1024, 100.0)],
        vms: (0..utilizations.len())
            .map(|i| VmSpec { vm_type: 0, trace: i })
            .collect(),
        traces: utilizations
            .iter()
            .enumerate()
            .map(|(i, &u)| constant_trace(&format!("t{i}"), 300.0, u, 13))
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

/// An hour at 300 s. The hand-made cases reproduce CloudSim's rounds, in
/// which a host that just took a VM from an overloaded host may be emptied
/// in the same round (the `empty_overload_targets` quirk), so that is on.
fn hour() -> SimulationConfig {
    SimulationConfig {
        duration_s: 3600.0,
        scheduling_interval_s: 300.0,
        quirks: CloudSimQuirks {
            empty_overload_targets: true,
            ..CloudSimQuirks::default()
        },
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

/// Runs a hand-made case under `config` with [`thr_consolidation`], watched
/// by a [`Checker`].
fn run_watched_with(
    spec: DatacenterSpec,
    config: &SimulationConfig,
    initial_policy: &str,
) -> (RunResult, Checker) {
    let policy = hand_made_policy(initial_policy);
    let mut checker = Checker::new(true);
    let result = Simulation::new(spec, config.clone(), policy)
        .unwrap()
        .with_consolidation(build_consolidation(&thr_consolidation(), None))
        .run_observed(|obs| checker.observe(obs))
        .unwrap();
    (result, checker)
}

/// [`run_watched_with`] for an hour.
fn run_watched(spec: DatacenterSpec, initial_policy: &str) -> (RunResult, Checker) {
    run_watched_with(spec, &hour(), initial_policy)
}

/// Properties 1–5 of a watched run under `config`.
fn assert_consistent_with(config: &SimulationConfig, result: &RunResult, checker: &Checker) {
    if let Err(e) = check_result(config, true, checker, result, &Coverage::default()) {
        panic!("{e}");
    }
}

/// Properties 1–5 of a watched hour.
fn assert_consistent(result: &RunResult, checker: &Checker) {
    assert_consistent_with(&hour(), result, checker);
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
// One VM, two targets (CloudSim's planner), and the bugs it once caused.
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
///
/// That holds whenever 200 < `a2_mips` ≤ 400 (A overloaded, and fine once
/// a2 leaves), `g1_u` > 0 (G is on), 0.2·`g1_u` < `h1_u` (G is less utilised
/// than H) and 1000·`h1_u` + `a2_mips` + 200·`g1_u` ≤ 800 (H takes both of
/// G's VMs without being overloaded): [`two_targets_case`] draws from that
/// region.
fn two_targets_spec(a2_mips: f64, g1_u: f64, h1_u: f64, h_bw_mbps: f64) -> DatacenterSpec {
    let host = |name: &str, bw_mbps: f64, max_w: f64| {
        host_type(name, 1, 1000.0, 4096, bw_mbps, linear_power(max_w, 0.5))
    };
    let vm = |name: &str, mips: f64, ram_mb: u64| vm_type(name, 1, mips, ram_mb, 0.0);
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
            .map(|(i, &u)| constant_trace(&format!("t{i}"), 300.0, u, 13))
            .collect(),
        ..DatacenterSpec::default()
    }
}

/// The first round's moves: a2 (VM 1) to G and to H, g1 (VM 2) to H.
const TWO_TARGETS: [(u32, u32, u32, MigrationReason); 3] = [
    (1, 0, 1, MigrationReason::Overload),
    (1, 0, 2, MigrationReason::Underload),
    (2, 1, 2, MigrationReason::Underload),
];

/// The moves of the first round (t = 300 s).
fn first_round(r: &RunResult) -> Vec<(u32, u32, u32, MigrationReason)> {
    r.migrations
        .iter()
        .filter(|m| m.start_s == 300.0)
        .map(|m| (m.vm, m.source, m.target, m.reason))
        .collect()
}

fn assert_two_targets(r: &RunResult) {
    assert_eq!(first_round(r), TWO_TARGETS);
}

/// A random case of [`two_targets_spec`]'s region, with H's link, a2's
/// demand after the first round and the run's length and retirement rule.
#[derive(Debug, Clone)]
struct TwoTargetsCase {
    a2_mips: f64,
    g1_u: f64,
    /// Where `h1_u` lies between its bounds, in (0, 1).
    h1_position: f64,
    h_bw_mbps: f64,
    /// a2's demand from the sample at `k` × 300 s on, `k` from 2 (after the
    /// first round) to the last step, e.g. 0 for a VM that falls idle while
    /// still migrating to H.
    a2_later: Option<(Index, f64)>,
    finish_idle_vms: bool,
    intervals: u32,
}

impl TwoTargetsCase {
    fn h1_u(&self) -> f64 {
        let low = 0.2 * self.g1_u;
        let high = (800.0 - self.a2_mips - 200.0 * self.g1_u) / 1000.0;
        low + self.h1_position * (high - low)
    }

    fn spec(&self) -> DatacenterSpec {
        let mut spec = two_targets_spec(self.a2_mips, self.g1_u, self.h1_u(), self.h_bw_mbps);
        if let Some((k, u)) = self.a2_later {
            let k = 2 + k.index(self.intervals as usize - 1);
            let samples: Vec<f64> = (0..13).map(|i| if i < k { 1.0 } else { u }).collect();
            spec.traces[1] = UtilizationTrace::new("a2", 300.0, samples).unwrap();
        }
        spec
    }

    fn config(&self) -> SimulationConfig {
        SimulationConfig {
            duration_s: 300.0 * f64::from(self.intervals),
            finish_idle_vms: self.finish_idle_vms,
            ..hour()
        }
    }
}

fn two_targets_case() -> impl Strategy<Value = TwoTargetsCase> {
    (
        prop_oneof![Just(300.0), 210.0..=380.0f64],
        prop_oneof![Just(0.25), 0.05..=1.0f64],
        0.05..=0.95f64,
        // H's link: the migration to H (1600 / h_bw_mbps s) ends before the
        // next round, or only after several.
        prop_oneof![Just(100.0), Just(1.0), 0.5..5.0f64, 5.5..200.0f64],
        // Mostly idle later, so that a2 is retired (with `finish_idle_vms`)
        // while, or after, it migrates to H.
        proptest::option::weighted(
            0.75,
            (any::<Index>(), prop_oneof![3 => Just(0.0), 1 => 0.0..=1.0f64]),
        ),
        any::<bool>(),
        2u32..=12,
    )
        .prop_map(
            |(a2_mips, g1_u, h1_position, h_bw_mbps, a2_later, finish_idle_vms, intervals)| TwoTargetsCase {
                a2_mips,
                g1_u,
                h1_position,
                h_bw_mbps,
                a2_later,
                finish_idle_vms,
                intervals,
            },
        )
}

/// Properties 1–5 where CloudSim's planner sends one VM to two hosts, in
/// every case: the first round must do so (asserted), and the cases must
/// include rounds planned while the VM had reached one target and was still
/// migrating to the other — about a thousandth of the random runs above —
/// retirements, and migrations of that VM onwards.
#[test]
fn a_vm_sent_to_two_hosts_keeps_the_datacenter_consistent() {
    let coverage = Coverage::default();
    run_property(256, two_targets_case(), |case| {
        let config = case.config();
        let (r, checker) = run_watched_with(case.spec(), &config, "ff");
        prop_assert_eq!(
            first_round(&r),
            TWO_TARGETS,
            "the first round sends a2 to G and H"
        );
        check_result(&config, true, &checker, &r, &coverage)?;
        coverage.hit(
            "runs with rounds planned with a2 between G and H",
            rounds_between_targets(&config, &checker, &r) > 0,
        );
        coverage.hit("runs where a2 migrated again", r.vms[1].migrations > 2);
        Ok(())
    });
    coverage.report("a_vm_sent_to_two_hosts_keeps_the_datacenter_consistent");
    coverage.assert_reached(DOUBLE_TARGETS, coverage.get(RUNS));
    coverage.assert_reached("runs with rounds planned with a2 between G and H", 64);
    coverage.assert_reached(ROUNDS_BETWEEN_TARGETS, 128);
    coverage.assert_reached(RETIRED, 24);
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
        rounds_between_targets(&hour(), &checker, &r),
        0,
        "both moves end before the next round"
    );
    assert_consistent(&r, &checker);
    assert_eq!(r.summary.run.vms_placed, 4);
    assert_eq!(r.vms[1].migrations, 2);
}

/// The same case under the paper's rule (the quirk off): G, which took a2
/// from the overloaded host, is not emptied in the same round, so a2 moves
/// once and is never incoming on two hosts.
#[test]
fn without_the_quirk_a_vm_moves_at_most_once_per_round() {
    let config = SimulationConfig {
        quirks: CloudSimQuirks::default(),
        ..hour()
    };
    let (r, checker) = run_watched_with(two_targets_spec(300.0, 0.25, 0.1, 100.0), &config, "ff");
    let first = first_round(&r);
    assert_eq!(first[0], TWO_TARGETS[0], "the overload move is the same");
    assert!(
        first.iter().all(|m| m.0 != 1 || m.3 == MigrationReason::Overload),
        "a2 is not moved again in the round: {first:?}"
    );
    assert!(
        first.iter().all(|m| m.1 != TWO_TARGETS[0].2),
        "G, a destination of the round, is not emptied: {first:?}"
    );
    assert_eq!(checker.double_incoming, 0);
    assert_consistent_with(&config, &r, &checker);
}

/// Regression. H at 1 Mbit/s: a2's migration to H takes 1 600 s, so at the
/// next rounds a2 runs on G while still listed on H as incoming. It once
/// counted as no longer migrating once it reached G, so the underload step
/// took it for one of H's VMs and "evacuated" it from H onto G, where it
/// already ran: a migration G → G, a2 listed on G a second time, at every
/// round until the migration to H completed. A VM now stays in migration
/// until its last migration completes.
#[test]
fn a_vm_sent_to_two_hosts_is_never_migrated_onto_its_own_host() {
    let (r, checker) = run_watched(two_targets_spec(300.0, 0.25, 0.1, 1.0), "ff");
    assert_two_targets(&r);
    assert!(
        rounds_between_targets(&hour(), &checker, &r) >= 5,
        "rounds ran while a2 was between G and H"
    );
    let to_itself: Vec<_> = r.migrations.iter().filter(|m| m.source == m.target).collect();
    assert!(
        to_itself.is_empty(),
        "migrations onto their own host: {to_itself:?}"
    );
    assert_consistent(&r, &checker);
}

/// Regression, second form. As above, but with loads (a2 250 MIPS, g1 5 %,
/// h1 25 %) that make the second round empty G instead of H: a2, then taken
/// for one of H's VMs, was placed on H again while planning, and rolling the
/// plan back removed the wrong slot of a2 on H, leaving it listed on H as
/// running there (CPU allocated, energy charged) while it ran on G, and
/// later listed three times.
#[test]
fn a_vm_sent_to_two_hosts_is_never_listed_twice() {
    let (r, checker) = run_watched(two_targets_spec(250.0, 0.05, 0.25, 1.0), "ff");
    assert_two_targets(&r);
    assert!(rounds_between_targets(&hour(), &checker, &r) > 0);
    assert_consistent(&r, &checker);
}

// ---------------------------------------------------------------------------
// A bug outside consolidation, found by the properties above.
// ---------------------------------------------------------------------------

/// Regression in `UtilizationTrace::utilization_at` (`workload/mod.rs`). A VM
/// idle for 28 samples of 90.951… s, at 100 % for the 29th and idle again:
/// at t = 29 × Δ (the duration of a 29-interval run, where `step_at_end`
/// puts the last step), `t / Δ` rounds to 28.999999999999996 (floor 28,
/// ceil 29) while `t − 28 × Δ` = 90.95194254469337 exceeds Δ, so the
/// interpolation from 1.0 down to 0.0 overshot to −6.7e−16: the VM requested
/// negative MIPS, and in a debug build the power model's range assertion
/// panicked. The interpolated value is now clamped between its two samples,
/// which keeps every other result bit-identical.
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

/// Regression, third form of the double target: no round needed. With
/// `finish_idle_vms`, a2 (VM 1) stops (demand 0) just as it reaches G at
/// 301.6 s, while still migrating to H (100 Mbit/s: until 316 s). It was once
/// retired there, and the completion at H then created it on H: a retired VM
/// ran again to the end of the run. A VM in migration is never retired
/// (CloudSim's `getCompletedVms`), and a retired VM never runs again.
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
    let (r, checker) = run_watched_with(spec, &config, "ff");
    assert_two_targets(&r);
    assert!(
        r.vms[1].finished_at_s.is_none() || r.vms[1].host.is_none(),
        "{:?}",
        r.vms[1]
    );
    assert_ne!(r.vms[1].finished_at_s, Some(301.6));
    assert_consistent_with(&config, &r, &checker);
}
