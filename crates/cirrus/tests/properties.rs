//! Property tests of the model's invariants.
//!
//! Small random datacenters are built in code (no TOML) from *plans*: plain
//! data that proptest can shrink, turned into a [`DatacenterSpec`] by
//! [`build_spec`]. The properties:
//!
//! 1. datacenter bookkeeping stays consistent under any sequence of
//!    `create_vm` / `destroy_vm` / `step_host` calls;
//! 2. placement policies never pick an excluded, unsuitable or inadmissible
//!    host, and a VM is left unplaced only when no host qualifies;
//! 3. whole runs produce consistent energy, interval, host and VM records, and
//!    match closed forms where one exists;
//! 4. runs and synthetic workloads are deterministic.
//!
//! Checks that only bite in particular situations (a host oversubscribed, a
//! VM no host can take, a host the admission check refuses, the closed form
//! of the energy) are counted ([`Coverage`]), and each property asserts that
//! its cases reached them.
//!
//! At the end: regressions for bugs the properties found.
//!
//! Failures are not persisted to a regressions file (this crate's test folder
//! is shared); a failing case is printed with its shrunk plan instead. Set
//! `PROPTEST_CASES` to run more cases than the defaults below; run with
//! `--nocapture` to see the counts.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use cirrus::RngStreams;
use cirrus::datacenter::time_shared::MigrationRole;
use cirrus::datacenter::{Datacenter, DatacenterSpec, HostId, HostSpec, HostType, VmId, VmSpec, VmType};
use cirrus::metrics::{JOULES_PER_KWH, RunResult};
use cirrus::params::{ParamValue, Params};
use cirrus::placement::{
    AdmissionCheck, HostFilter, NoAdmissionCheck, PabfdMode, PlacementContext, PlacementSettings,
    StaticThreshold, place_all,
};
use cirrus::power::{AnalyticPowerModel, FanPowerModel, PowerModel, SpecPowerTable};
use cirrus::registry::build_placement_policy;
use cirrus::simulation::{
    EnergyAccounting, InitialPlacement, Integration, OffRule, Simulation, SimulationConfig,
};
use cirrus::workload::UtilizationTrace;
use cirrus::workload::synthetic::SyntheticDemand;
use common::{Coverage, REL, close, host_type, le_rel, proptest_config, run_property};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Plans: shrinkable descriptions of a datacenter.
// ---------------------------------------------------------------------------

/// A power model.
#[derive(Debug, Clone)]
enum PowerPlan {
    /// One of CloudSim's seven SPECpower tables.
    Spec(usize),
    /// Analytic shape (linear, square, cubic, sqrt), max W, static fraction.
    Analytic(u8, f64, f64),
    /// Fan et al.: idle as a fraction of max, max W, exponent r.
    Fan(f64, f64, f64),
    /// A custom table.
    Table(Vec<f64>),
}

fn power_plan() -> impl Strategy<Value = PowerPlan> {
    prop_oneof![
        (0usize..7).prop_map(PowerPlan::Spec),
        (0u8..4, 50.0..400.0f64, 0.0..=1.0f64).prop_map(|(s, m, f)| PowerPlan::Analytic(s, m, f)),
        (0.0..=1.0f64, 50.0..400.0f64, 1.0..=2.0f64).prop_map(|(i, m, r)| PowerPlan::Fan(i, m, r)),
        vec(0.0..300.0f64, 2..=12).prop_map(PowerPlan::Table),
    ]
}

fn build_power(plan: &PowerPlan) -> (Arc<dyn PowerModel>, String) {
    match plan {
        &PowerPlan::Spec(i) => {
            let (table, name) = common::spec_power_table(i);
            (Arc::new(table), name.into())
        }
        &PowerPlan::Analytic(shape, max_w, fraction) => {
            let (model, name) = match shape {
                0 => (AnalyticPowerModel::linear(max_w, fraction), "linear"),
                1 => (AnalyticPowerModel::square(max_w, fraction), "square"),
                2 => (AnalyticPowerModel::cubic(max_w, fraction), "cubic"),
                _ => (AnalyticPowerModel::sqrt(max_w, fraction), "sqrt"),
            };
            (Arc::new(model.expect("valid analytic model")), name.into())
        }
        &PowerPlan::Fan(idle_fraction, max_w, r) => {
            let model = FanPowerModel::new(idle_fraction * max_w, max_w, r).expect("valid fan model");
            (Arc::new(model), "fan".into())
        }
        PowerPlan::Table(watts) => (
            Arc::new(SpecPowerTable::new(watts.clone()).expect("valid table")),
            "table".into(),
        ),
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
        prop_oneof![(1u32..=3000).prop_map(f64::from), 1.0..3000.0f64],
        1u32..=8,
        prop_oneof![(1u64..=16).prop_map(|k| k * 1024), 1u64..=20_000],
        prop_oneof![
            Just(1000.0),
            (1u32..=1000).prop_map(f64::from),
            (1u32..=10_000).prop_map(|k| f64::from(k) / 10.0),
        ],
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

/// A VM type, sized relative to a host type in use (`target`), so that it
/// fits on it; `oversize` (only applied to "wild" datacenters) lets its MIPS
/// per core exceed the host's PE capacity.
#[derive(Debug, Clone)]
struct VmTypePlan {
    target: Index,
    mips_fraction: f64,
    oversize: f64,
    cores: Index,
    ram_divisor: u64,
    /// 0: no bandwidth; 1: the whole host's; 2: host's / `bw_divisor`.
    bw_mode: u8,
    bw_divisor: u32,
}

fn vm_type_plan() -> impl Strategy<Value = VmTypePlan> {
    (
        any::<Index>(),
        prop_oneof![Just(1.0), Just(0.5), 0.001..=1.0f64],
        prop_oneof![3 => Just(1.0), 1 => 1.0..1.5f64],
        any::<Index>(),
        prop_oneof![Just(1u64), 1u64..=16, Just(u64::MAX)],
        0u8..3,
        1u32..=8,
    )
        .prop_map(
            |(target, mips_fraction, oversize, cores, ram_divisor, bw_mode, bw_divisor)| VmTypePlan {
                target,
                mips_fraction,
                oversize,
                cores,
                ram_divisor,
                bw_mode,
                bw_divisor,
            },
        )
}

/// A trace: sampling interval and samples.
fn trace_plan() -> impl Strategy<Value = (f64, Vec<f64>)> {
    (
        prop_oneof![Just(300.0), Just(60.0), Just(1.0), 0.5..1000.0f64],
        vec(
            prop_oneof![3 => Just(0.0), 1 => Just(1.0), 6 => 0.0..=1.0f64],
            1..=12,
        ),
    )
}

#[derive(Debug, Clone)]
struct SpecPlan {
    host_types: Vec<HostTypePlan>,
    hosts: Vec<Index>,
    vm_types: Vec<VmTypePlan>,
    /// (VM type, trace) of each VM.
    vms: Vec<(Index, Index)>,
    traces: Vec<(f64, Vec<f64>)>,
}

fn spec_plan(max_hosts: usize, max_vms: usize) -> impl Strategy<Value = SpecPlan> {
    (
        vec(host_type_plan(), 1..=6),
        vec(any::<Index>(), 1..=max_hosts),
        vec(vm_type_plan(), 1..=4),
        vec((any::<Index>(), any::<Index>()), 0..=max_vms),
        vec(trace_plan(), 1..=6),
    )
        .prop_map(|(host_types, hosts, vm_types, vms, traces)| SpecPlan {
            host_types,
            hosts,
            vm_types,
            vms,
            traces,
        })
}

/// Builds the datacenter a plan describes. `wild`: VM types may ask for more
/// MIPS per core than their target host type has (the datacenter then need
/// not validate). `constant`: every trace holds its first sample.
fn build_spec(plan: &SpecPlan, wild: bool, constant: bool) -> DatacenterSpec {
    let host_types: Vec<HostType> = plan
        .host_types
        .iter()
        .enumerate()
        .map(|(i, p)| {
            host_type(
                &format!("h{i}"),
                p.cores,
                p.mips_per_core,
                p.ram_mb,
                p.bw_mbps,
                build_power(&p.power),
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
            let oversize = if wild { p.oversize } else { 1.0 };
            VmType {
                name: format!("v{i}"),
                mips: p.mips_fraction * ht.mips_per_core * oversize,
                cores: 1 + p.cores.index(ht.cores as usize) as u32,
                ram_mb: ht.ram_mb / p.ram_divisor,
                bw_mbps: match p.bw_mode {
                    0 => 0.0,
                    1 => ht.bw_mbps,
                    _ => ht.bw_mbps / f64::from(p.bw_divisor),
                },
                size_mb: 0,
            }
        })
        .collect();
    let traces: Vec<UtilizationTrace> = plan
        .traces
        .iter()
        .enumerate()
        .map(|(i, (interval, samples))| {
            let samples = if constant {
                vec![samples[0]; samples.len()]
            } else {
                samples.clone()
            };
            UtilizationTrace::new(format!("t{i}"), *interval, samples).expect("valid trace")
        })
        .collect();
    let vms = plan
        .vms
        .iter()
        .map(|(t, tr)| VmSpec {
            vm_type: t.index(vm_types.len()),
            trace: tr.index(traces.len()),
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

// ---------------------------------------------------------------------------
// Datacenter invariants.
// ---------------------------------------------------------------------------

/// Is there room for `bw` more Mbit/s on a host whose VMs use `used` of
/// `capacity`? `None` when too close to call with `f64` sums.
fn bw_fits(used: f64, bw: f64, capacity: f64) -> Option<bool> {
    let need = used + bw;
    if need <= capacity * (1.0 - REL) {
        Some(true)
    } else if need > capacity * (1.0 + REL) {
        Some(false)
    } else {
        None
    }
}

fn bw_used(dc: &Datacenter, h: HostId) -> f64 {
    dc.vms_on(h).iter().map(|&v| dc.vm_type(v).bw_mbps).sum()
}

/// Checks every bookkeeping invariant of `dc`. `ever_placed[v]`: VM `v` has
/// been on a host (so its request may follow its trace rather than its full
/// MIPS, and is not known to the test).
fn check_datacenter(dc: &Datacenter, ever_placed: &[bool], coverage: &Coverage) -> Result<(), TestCaseError> {
    let mut seen: Vec<Option<HostId>> = vec![None; dc.vm_count()];
    for h in dc.hosts() {
        let ht = dc.host_type(h);
        let vms = dc.vms_on(h);
        let ram: u64 = vms.iter().map(|&v| dc.vm_type(v).ram_mb).sum();
        prop_assert!(ram <= ht.ram_mb, "{h:?}: VMs use {ram} MB of {} MB", ht.ram_mb);
        prop_assert_eq!(dc.ram_free_mb(h), ht.ram_mb - ram, "{:?}: free RAM", h);
        let bw = bw_used(dc, h);
        prop_assert!(
            le_rel(bw, ht.bw_mbps),
            "{h:?}: VMs use {bw} Mbit/s of {}",
            ht.bw_mbps
        );

        let (capacity, pe) = (ht.total_mips(), ht.mips_per_core);
        let capped: Vec<f64> = vms
            .iter()
            .map(|&v| dc.vm_requested_mips(v).min(pe * f64::from(dc.vm_type(v).cores)))
            .collect();
        let capped_sum: f64 = capped.iter().sum();
        let allocated_sum: f64 = vms.iter().map(|&v| dc.vm_allocated_mips(v)).sum();
        let available = dc.available_mips(h);
        prop_assert!(
            le_rel(allocated_sum, capacity),
            "{h:?}: {allocated_sum} MIPS allocated of {capacity}"
        );
        prop_assert!(available >= 0.0, "{h:?}: available {available}");
        prop_assert!(
            le_rel(available + allocated_sum, capacity),
            "{h:?}: available {available} + allocated {allocated_sum} > {capacity}"
        );
        if vms.is_empty() {
            prop_assert_eq!(available, capacity, "{:?}: an empty host has all its MIPS", h);
        }
        let fits = capped_sum <= capacity * (1.0 - REL);
        let oversubscribed = capped_sum > capacity * (1.0 + REL);
        coverage.hit(OVERSUBSCRIBED, oversubscribed);
        if fits {
            prop_assert!(
                (available - (capacity - capped_sum)).abs() <= REL * capacity,
                "{h:?}: available {available}, expected {capacity} - {capped_sum}"
            );
        }
        if oversubscribed {
            prop_assert_eq!(available, 0.0, "{:?}: oversubscribed host has MIPS left", h);
        }
        for (&v, &cap) in vms.iter().zip(&capped) {
            let a = dc.vm_allocated_mips(v);
            let cores = f64::from(dc.vm_type(v).cores);
            prop_assert!(a >= 0.0, "{v:?}: allocated {a}");
            prop_assert!(
                le_rel(a, cap),
                "{v:?}: allocated {a} > requested {} capped at {pe} per PE = {cap}",
                dc.vm_requested_mips(v)
            );
            if fits {
                // Nobody is squeezed while everything fits.
                prop_assert!(close(a, cap), "{v:?} on {h:?}: allocated {a}, requested {cap}");
            }
            if oversubscribed {
                // Everyone is scaled by capacity / requested, floored per PE.
                let fair = cap * (capacity / capped_sum);
                prop_assert!(
                    le_rel(a, fair) && a >= fair - cores - REL * fair,
                    "{v:?} on {h:?}: allocated {a}, fair share {fair}"
                );
            }
            prop_assert!(
                seen[v.index()].is_none(),
                "{v:?} on {:?} and {h:?}",
                seen[v.index()]
            );
            seen[v.index()] = Some(h);
            prop_assert_eq!(dc.host_of(v), Some(h), "{:?} listed on {:?}", v, h);
            prop_assert_eq!(dc.vm_role(v), MigrationRole::None);
        }
        let u = dc.utilization(h);
        prop_assert!((0.0..=1.0).contains(&u), "{h:?}: utilization {u}");
    }
    for v in (0..dc.vm_count() as u32).map(VmId) {
        if seen[v.index()].is_none() {
            prop_assert_eq!(dc.host_of(v), None, "{:?} is on no host's list", v);
            prop_assert_eq!(dc.vm_allocated_mips(v), 0.0, "unplaced {:?} has MIPS", v);
        }
    }
    // `is_suitable` is exactly "PE, free MIPS, free RAM and free bandwidth
    // suffice", checked for VMs whose request is known (never placed: their
    // full MIPS).
    let fresh = (0..dc.vm_count() as u32)
        .map(VmId)
        .filter(|v| !ever_placed[v.index()])
        .take(8);
    for v in fresh {
        let vt = dc.vm_type(v);
        for h in dc.hosts() {
            let ht = dc.host_type(h);
            let bw = if dc.vms_on(h).is_empty() {
                // An empty host is as good as new, whatever it hosted before.
                Some(ht.bw_mbps >= vt.bw_mbps)
            } else {
                bw_fits(bw_used(dc, h), vt.bw_mbps, ht.bw_mbps)
            };
            if let Some(bw) = bw {
                let expected = ht.mips_per_core >= vt.mips
                    && dc.available_mips(h) >= vt.total_mips()
                    && dc.ram_free_mb(h) >= vt.ram_mb
                    && bw;
                coverage.hit(UNSUITABLE, !expected);
                prop_assert_eq!(
                    dc.is_suitable(h, v),
                    expected,
                    "is_suitable({:?}, {:?}): VM {:?}, host {:?} with VMs {:?}, free RAM {}, free MIPS {}",
                    h,
                    v,
                    vt,
                    ht,
                    dc.vms_on(h),
                    dc.ram_free_mb(h),
                    dc.available_mips(h)
                );
            }
        }
    }
    Ok(())
}

/// Hosts found oversubscribed (requests above capacity, everyone scaled down).
const OVERSUBSCRIBED: &str = "oversubscribed hosts";
/// (host, VM) pairs `is_suitable` was checked to refuse.
const UNSUITABLE: &str = "unsuitable (host, VM) pairs";
/// `create_vm` calls refused for want of RAM or bandwidth.
const REFUSED: &str = "create_vm refusals";

/// Steps host `h` at `t_s` and checks what the step reports.
fn step_and_check(dc: &mut Datacenter, h: HostId, t_s: f64) -> Result<(), TestCaseError> {
    let (util, requested) = dc.step_host(h, t_s);
    prop_assert_eq!(util, dc.utilization_mips(h));
    prop_assert_eq!(requested, dc.requested_mips(h));
    let spec = dc.spec();
    let mut alloc_sum = 0.0;
    let mut req_sum = 0.0;
    for &v in dc.vms_on(h) {
        let vs = spec.vms[v.index()];
        let vt = &spec.vm_types[vs.vm_type];
        let u = spec.traces[vs.trace].utilization_at(t_s);
        prop_assert!((0.0..=1.0).contains(&u), "trace {} at {t_s}: {u}", vs.trace);
        prop_assert_eq!(dc.vm_requested_mips(v), u * vt.mips * f64::from(vt.cores));
        alloc_sum += dc.vm_allocated_mips(v);
        req_sum += dc.vm_requested_mips(v);
    }
    prop_assert!(
        close(util, alloc_sum),
        "{h:?}: utilization {util}, Σ allocated {alloc_sum}"
    );
    prop_assert!(
        close(requested, req_sum),
        "{h:?}: requested {requested}, Σ {req_sum}"
    );
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    /// Create the i-th unplaced VM on a host.
    Create(Index, Index),
    /// Destroy a VM (placed or not).
    Destroy(Index),
    /// Advance time and step one host.
    Step(Index, f64),
    /// Advance time and step every host.
    StepAll(f64),
}

fn op() -> impl Strategy<Value = Op> {
    let dt = || prop_oneof![Just(0.0), Just(300.0), 0.0..600.0f64];
    prop_oneof![
        5 => (any::<Index>(), any::<Index>()).prop_map(|(v, h)| Op::Create(v, h)),
        2 => any::<Index>().prop_map(Op::Destroy),
        2 => (any::<Index>(), dt()).prop_map(|(h, dt)| Op::Step(h, dt)),
        1 => dt().prop_map(Op::StepAll),
    ]
}

fn unplaced_vms(dc: &Datacenter) -> Vec<VmId> {
    (0..dc.vm_count() as u32)
        .map(VmId)
        .filter(|&v| dc.host_of(v).is_none())
        .collect()
}

/// Property 1: bookkeeping under random create / destroy / step sequences.
#[test]
fn datacenter_operations_keep_bookkeeping_consistent() {
    let coverage = Coverage::default();
    run_property(512, (spec_plan(40, 80), vec(op(), 0..=120)), |(plan, ops)| {
        let mut dc = Datacenter::new(build_spec(&plan, true, false));
        let mut ever_placed = vec![false; dc.vm_count()];
        let mut t = 0.0;
        check_datacenter(&dc, &ever_placed, &coverage)?;
        for op in &ops {
            match *op {
                Op::Create(vi, hi) => {
                    let unplaced = unplaced_vms(&dc);
                    if unplaced.is_empty() {
                        continue;
                    }
                    let v = unplaced[vi.index(unplaced.len())];
                    let h = HostId(hi.index(dc.host_count()) as u32);
                    let (ram, bw) = (dc.vm_type(v).ram_mb, dc.vm_type(v).bw_mbps);
                    let ram_fits = dc.ram_free_mb(h) >= ram;
                    let bw_fits = bw_fits(bw_used(&dc, h), bw, dc.host_type(h).bw_mbps);
                    let before = format!("{dc:?}");
                    let created = dc.create_vm(h, v);
                    if let (true, Some(expected)) = (ram_fits, bw_fits) {
                        prop_assert_eq!(created, expected, "create_vm({:?}, {:?})", h, v);
                    } else if !ram_fits {
                        prop_assert!(!created, "create_vm({h:?}, {v:?}) without the RAM");
                    }
                    coverage.hit(REFUSED, !created);
                    if created {
                        prop_assert_eq!(dc.host_of(v), Some(h));
                        prop_assert_eq!(dc.vms_on(h).last(), Some(&v));
                        ever_placed[v.index()] = true;
                    } else {
                        prop_assert_eq!(
                            &before,
                            &format!("{dc:?}"),
                            "a failed create_vm changed the state"
                        );
                    }
                }
                Op::Destroy(vi) => {
                    if dc.vm_count() == 0 {
                        continue;
                    }
                    let v = VmId(vi.index(dc.vm_count()) as u32);
                    let was_on = dc.host_of(v);
                    let before = format!("{dc:?}");
                    let free_before = was_on.map(|h| dc.ram_free_mb(h));
                    prop_assert_eq!(dc.destroy_vm(v), was_on);
                    match was_on {
                        Some(h) => {
                            prop_assert!(!dc.vms_on(h).contains(&v));
                            prop_assert_eq!(
                                Some(dc.ram_free_mb(h)),
                                free_before.map(|f| f + dc.vm_type(v).ram_mb)
                            );
                        }
                        None => prop_assert_eq!(&before, &format!("{dc:?}"), "destroying an unplaced VM"),
                    }
                    prop_assert_eq!(dc.host_of(v), None);
                }
                Op::Step(hi, dt) => {
                    t += dt;
                    let h = HostId(hi.index(dc.host_count()) as u32);
                    step_and_check(&mut dc, h, t)?;
                }
                Op::StepAll(dt) => {
                    t += dt;
                    for h in dc.hosts() {
                        step_and_check(&mut dc, h, t)?;
                    }
                }
            }
            check_datacenter(&dc, &ever_placed, &coverage)?;
        }
        Ok(())
    });
    coverage.report("datacenter_operations_keep_bookkeeping_consistent");
    coverage.assert_reached(OVERSUBSCRIBED, 16);
    coverage.assert_reached(UNSUITABLE, 16);
    coverage.assert_reached(REFUSED, 16);
}

// ---------------------------------------------------------------------------
// Placement.
// ---------------------------------------------------------------------------

/// VMs left unplaced (no host qualified).
const NO_HOST: &str = "VMs no host could take";
/// Placements where a suitable host was refused by the admission check.
const INADMISSIBLE: &str = "placements with an inadmissible suitable host";
/// Placements where a suitable host was excluded.
const EXCLUDED_SUITABLE: &str = "placements with an excluded suitable host";
/// PABFD placements choosing among at least two candidates.
const PABFD_CHOICES: &str = "PABFD choices among several hosts";

/// PABFD's documented cost of putting `v` on `h`: the power increase from the
/// power measured at the last step to that of its current shares plus the VM's demand.
fn pabfd_power_increase(dc: &Datacenter, h: HostId, v: VmId) -> f64 {
    let ht = dc.host_type(h);
    let after = ((dc.potential_utilization_mips(h) + dc.vm_requested_mips(v)) / ht.total_mips()).min(1.0);
    ht.power.power_watts(after) - ht.power.power_watts(dc.utilization(h))
}

fn placed_flags(dc: &Datacenter) -> Vec<bool> {
    (0..dc.vm_count() as u32)
        .map(|i| dc.host_of(VmId(i)).is_some())
        .collect()
}

/// Property 2: placement of a batch, checked VM by VM against the state
/// just before that VM's placement.
#[test]
fn placement_respects_exclusions_capacities_and_admission() {
    let coverage = Coverage::default();
    run_property(
        512,
        (
            spec_plan(40, 80),
            prop_oneof![Just("ff"), Just("pabfd")],
            vec((any::<Index>(), any::<Index>()), 0..=40),
            proptest::option::of(0.0..1000.0f64),
            vec((any::<Index>(), any::<Index>()), 0..=8),
            any::<u128>(),
            any::<bool>(),
            vec(proptest::bool::weighted(0.3), 0..=40),
            proptest::option::of(0.3..=1.0f64),
        ),
        |(plan, policy_name, pre, step_at, post, batch_mask, reverse, excluded, threshold)| {
            let mut dc = Datacenter::new(build_spec(&plan, true, false));
            let n_vms = dc.vm_count();
            let n_hosts = dc.host_count();
            // Some VMs already run (measured at a step or not) before the batch.
            let create = |dc: &mut Datacenter, ops: &[(Index, Index)]| {
                for (vi, hi) in ops {
                    if n_vms == 0 {
                        break;
                    }
                    let v = VmId(vi.index(n_vms) as u32);
                    if dc.host_of(v).is_none() {
                        dc.create_vm(HostId(hi.index(n_hosts) as u32), v);
                    }
                }
            };
            create(&mut dc, &pre);
            if let Some(t) = step_at {
                for h in dc.hosts() {
                    dc.step_host(h, t);
                }
            }
            create(&mut dc, &post);
            check_datacenter(&dc, &placed_flags(&dc), &coverage)?;

            let mut batch: Vec<VmId> = unplaced_vms(&dc)
                .into_iter()
                .filter(|v| batch_mask >> (v.index() % 128) & 1 == 1)
                .collect();
            if reverse {
                batch.reverse();
            }
            let mut static_threshold = threshold.map(StaticThreshold);
            let mut none = NoAdmissionCheck;
            let admission: &mut dyn AdmissionCheck = match &mut static_threshold {
                Some(t) => t,
                None => &mut none,
            };
            // The same test, asked apart from the policy's.
            let overloaded_after = |dc: &Datacenter, h: HostId, v: VmId| {
                threshold.is_some_and(|t| StaticThreshold(t).overloaded_after(dc, h, v))
            };
            let filter = HostFilter {
                excluded: &excluded,
                exclude_idle: false,
            };
            let mut ctx = PlacementContext { filter, admission };
            let is_pabfd = policy_name == "pabfd";
            let mut policy = build_placement_policy(policy_name, Params::new()).expect("registered policy");
            // The PABFD checks below are CloudSim's increase (reference power from the
            // last step, compared as doubles); the paper's rule has its own oracle.
            policy.configure(&PlacementSettings {
                pabfd: PabfdMode::CloudSim {
                    last_step_power: true,
                },
                wake_horizon_s: None,
            });

            // The whole batch at once.
            let mut dc_batch = dc.clone();
            let mut batch_order = batch.clone();
            let unplaced_batch = place_all(policy.as_mut(), &mut dc_batch, &mut ctx, &mut batch_order);

            // The same, one VM at a time in the policy's order.
            let mut order = batch.clone();
            policy.order_batch(&dc, &mut order);
            prop_assert_eq!(&order, &batch_order, "place_all uses the policy's order");
            let mut sorted = order.clone();
            sorted.sort();
            let mut expected_sorted = batch.clone();
            expected_sorted.sort();
            prop_assert_eq!(
                sorted,
                expected_sorted,
                "the batch order is a permutation of the batch"
            );

            let mut dc_seq = dc.clone();
            let mut unplaced_seq = Vec::new();
            for &v in &order {
                let before = dc_seq.clone();
                let chosen = policy.select_host(&before, &mut ctx, v);
                let unplaced = place_all(policy.as_mut(), &mut dc_seq, &mut ctx, &mut [v]);
                // Hosts the policy may choose: not excluded, suitable, and (for a
                // host delivering MIPS) not overloaded after the placement.
                let candidates: Vec<HostId> = before
                    .hosts()
                    .filter(|&h| {
                        !filter.is_excluded(h)
                            && before.is_suitable(h, v)
                            && !(before.potential_utilization_mips(h) != 0.0
                                && overloaded_after(&before, h, v))
                    })
                    .collect();
                let suitable = |h: HostId| before.is_suitable(h, v);
                coverage.hit(
                    EXCLUDED_SUITABLE,
                    before.hosts().any(|h| filter.is_excluded(h) && suitable(h)),
                );
                coverage.hit(
                    INADMISSIBLE,
                    before
                        .hosts()
                        .any(|h| !filter.is_excluded(h) && suitable(h) && !candidates.contains(&h)),
                );
                match dc_seq.host_of(v) {
                    Some(h) => {
                        prop_assert!(unplaced.is_empty());
                        prop_assert_eq!(chosen, Some(h));
                        prop_assert!(!filter.is_excluded(h), "{v:?} placed on excluded {h:?}");
                        prop_assert!(before.is_suitable(h, v), "{v:?} placed on unsuitable {h:?}");
                        prop_assert!(candidates.contains(&h), "{v:?} placed on inadmissible {h:?}");
                        if is_pabfd {
                            coverage.hit(PABFD_CHOICES, candidates.len() >= 2);
                            let cost = pabfd_power_increase(&before, h, v);
                            for &c in &candidates {
                                let other = pabfd_power_increase(&before, c, v);
                                if c < h {
                                    prop_assert!(
                                        other > cost,
                                        "{v:?}: {c:?} (+{other} W) beats {h:?} (+{cost} W)"
                                    );
                                } else {
                                    prop_assert!(
                                        other >= cost,
                                        "{v:?}: {c:?} (+{other} W) beats {h:?} (+{cost} W)"
                                    );
                                }
                            }
                        } else {
                            prop_assert_eq!(Some(h), candidates.first().copied(), "first fit");
                        }
                    }
                    None => {
                        coverage.add(NO_HOST, 1);
                        prop_assert_eq!(&unplaced, &vec![v]);
                        prop_assert_eq!(chosen, None);
                        prop_assert!(
                            candidates.is_empty(),
                            "{v:?} left unplaced although {candidates:?} qualify"
                        );
                        unplaced_seq.push(v);
                    }
                }
                check_datacenter(&dc_seq, &placed_flags(&dc_seq), &coverage)?;
            }

            // Batch and one-by-one agree, and the batch is partitioned.
            prop_assert_eq!(&unplaced_batch, &unplaced_seq);
            for h in dc.hosts() {
                prop_assert_eq!(dc_batch.vms_on(h), dc_seq.vms_on(h));
            }
            let in_batch: BTreeSet<VmId> = batch.iter().copied().collect();
            let unplaced_set: BTreeSet<VmId> = unplaced_batch.iter().copied().collect();
            prop_assert_eq!(unplaced_set.len(), unplaced_batch.len(), "a VM reported twice");
            for v in (0..n_vms as u32).map(VmId) {
                if in_batch.contains(&v) {
                    prop_assert_ne!(
                        dc_batch.host_of(v).is_some(),
                        unplaced_set.contains(&v),
                        "{:?}",
                        v
                    );
                } else {
                    prop_assert!(!unplaced_set.contains(&v));
                    prop_assert_eq!(dc_batch.host_of(v), dc.host_of(v), "{:?} is not in the batch", v);
                }
            }
            check_datacenter(&dc_batch, &placed_flags(&dc_batch), &coverage)?;
            Ok(())
        },
    );
    coverage.report("placement_respects_exclusions_capacities_and_admission");
    coverage.assert_reached(NO_HOST, 16);
    coverage.assert_reached(INADMISSIBLE, 16);
    coverage.assert_reached(EXCLUDED_SUITABLE, 16);
    coverage.assert_reached(PABFD_CHOICES, 16);
}

// ---------------------------------------------------------------------------
// Whole runs.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ConfigPlan {
    seed: u64,
    interval_s: f64,
    duration_intervals: f64,
    step_offset_s: f64,
    step_at_start: bool,
    step_at_end: bool,
    energy: EnergyAccounting,
    off_rule: OffRule,
    integration: Integration,
    initial_placement: InitialPlacement,
    admission_threshold: Option<f64>,
    finish_idle_vms: bool,
}

fn config_plan() -> impl Strategy<Value = ConfigPlan> {
    (
        (
            any::<u64>(),
            prop_oneof![Just(300.0), Just(60.0), 1.0..500.0f64],
            prop_oneof![(1u32..=30).prop_map(f64::from), 0.05..30.0f64],
            prop_oneof![Just(0.0), Just(0.1)],
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop_oneof![3 => Just(EnergyAccounting::PowerAware), 1 => Just(EnergyAccounting::NonPowerAware)],
            prop_oneof![
                Just(OffRule::ZeroUtilization),
                Just(OffRule::NoVms),
                Just(OffRule::Never)
            ],
            prop_oneof![Just(Integration::Trapezoid), Just(Integration::Step)],
            prop_oneof![Just(InitialPlacement::Online), Just(InitialPlacement::Batch)],
            proptest::option::of(0.3..=1.0f64),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (seed, interval_s, duration_intervals, step_offset_s, step_at_start, step_at_end),
                (energy, off_rule, integration, initial_placement, admission_threshold, finish_idle_vms),
            )| ConfigPlan {
                seed,
                interval_s,
                duration_intervals,
                step_offset_s,
                step_at_start,
                step_at_end,
                energy,
                off_rule,
                integration,
                initial_placement,
                admission_threshold,
                finish_idle_vms,
            },
        )
}

fn build_config(p: &ConfigPlan) -> SimulationConfig {
    SimulationConfig {
        name: "prop".into(),
        seed: p.seed,
        duration_s: p.interval_s * p.duration_intervals,
        scheduling_interval_s: p.interval_s,
        step_offset_s: p.step_offset_s,
        step_at_start: p.step_at_start,
        step_at_end: p.step_at_end,
        energy: p.energy,
        off_rule: p.off_rule,
        integration: p.integration,
        initial_placement: p.initial_placement,
        admission_threshold: p.admission_threshold,
        allow_unplaced: true,
        finish_idle_vms: p.finish_idle_vms,
        quirks: Default::default(),
        infrastructure: Default::default(),
        migration_energy: None,
        ..SimulationConfig::default()
    }
}

fn run(spec: DatacenterSpec, config: SimulationConfig, policy: &str) -> RunResult {
    let policy = build_placement_policy(policy, Params::new()).expect("registered policy");
    Simulation::new(spec, config, policy)
        .expect("the spec is valid by construction")
        .run()
        .expect("unplaced VMs are allowed")
}

/// The documented schedule: steps at `offset + k × interval` up to the
/// duration, plus one at the duration with `step_at_end` when the last regular
/// step falls short of it.
fn expected_step_times(c: &SimulationConfig) -> Vec<f64> {
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

/// Host utilisations of a run with constant traces, computed from the final
/// allocation: the sum of each host's VMs' constant requests (capped per PE).
/// Placement admitted every VM with its full MIPS and a constant demand never
/// asks for more, so no host is oversubscribed (checked, in placement order as
/// the scheduler fills them): nobody is scaled down, and the closed form
/// holds. VMs retired for zero demand request nothing and do not matter.
fn constant_utilizations(
    spec: &DatacenterSpec,
    config: &SimulationConfig,
    policy: &str,
    r: &RunResult,
) -> Result<Vec<f64>, TestCaseError> {
    let mut order: Vec<usize> = (0..spec.vms.len()).collect();
    if config.initial_placement == InitialPlacement::Batch && policy == "pabfd" {
        // PABFD places a batch by total MIPS, decreasing (stable sort).
        let total = |i: usize| spec.vm_types[spec.vms[i].vm_type].total_mips();
        order.sort_by(|&a, &b| total(b).total_cmp(&total(a)));
    }
    let mut utilizations = Vec::with_capacity(spec.hosts.len());
    for (h, hs) in spec.hosts.iter().enumerate() {
        let ht = &spec.host_types[hs.host_type];
        let (capacity, pe) = (ht.total_mips(), ht.mips_per_core);
        let mut available = capacity;
        let mut util = 0.0;
        for &i in order.iter().filter(|&&i| r.vms[i].host == Some(h as u32)) {
            let vt = &spec.vm_types[spec.vms[i].vm_type];
            let u = spec.traces[spec.vms[i].trace].samples()[0];
            let mips = (u * vt.mips).min(pe) * f64::from(vt.cores);
            prop_assert!(
                available >= mips,
                "host {h} oversubscribed by constant demand: VM {i} asks {mips} MIPS, {available} left"
            );
            available -= mips;
            util += mips;
        }
        utilizations.push((util / capacity).min(1.0));
    }
    Ok(utilizations)
}

const RUNS: &str = "runs";
/// Runs checked against the non-power-aware energy (every host at P(1)).
const NON_POWER_AWARE: &str = "non-power-aware runs";
/// Runs checked against the closed form of constant demand.
const CLOSED_FORM: &str = "closed-form runs";

fn check_run(
    spec: &DatacenterSpec,
    config: &SimulationConfig,
    policy: &str,
    constant: bool,
    r: &RunResult,
    coverage: &Coverage,
) -> Result<(), TestCaseError> {
    let s = &r.summary;
    let total_j = s.energy.energy_kwh * JOULES_PER_KWH;
    prop_assert!(
        s.energy.energy_kwh.is_finite() && s.energy.energy_kwh >= 0.0,
        "energy {}",
        s.energy.energy_kwh
    );
    prop_assert_eq!(s.run.hosts, spec.hosts.len());
    prop_assert_eq!(s.run.vms, spec.vms.len());

    // Steps and intervals.
    let times = expected_step_times(config);
    let got_times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
    prop_assert_eq!(&got_times, &times, "step times");
    prop_assert_eq!(s.run.steps, times.len() as u64);
    let mut previous = 0.0;
    for i in &r.intervals {
        prop_assert!(
            i.energy_kwh >= previous,
            "cumulative energy decreases at {}",
            i.time_s
        );
        previous = i.energy_kwh;
        prop_assert!(
            i.power_w.is_finite() && i.power_w >= 0.0,
            "power {} at {}",
            i.power_w,
            i.time_s
        );
        prop_assert!(i.active_hosts <= s.run.hosts);
        prop_assert!(le_rel(i.allocated_mips, i.requested_mips));
    }
    match r.intervals.last() {
        Some(last) => prop_assert_eq!(last.energy_kwh, s.energy.energy_kwh),
        None => prop_assert_eq!(s.energy.energy_kwh, 0.0),
    }
    prop_assert!(s.activity.active_hosts_max <= s.run.hosts);

    // Hosts.
    let host_sum: f64 = r.hosts.iter().map(|h| h.energy_kwh).sum();
    prop_assert!(
        close(host_sum, s.energy.energy_kwh),
        "Σ host energy {host_sum} ≠ total {}",
        s.energy.energy_kwh
    );
    prop_assert!(
        r.hosts
            .iter()
            .all(|h| h.energy_kwh >= 0.0 && h.energy_kwh.is_finite())
    );

    // VMs.
    let unplaced = r
        .vms
        .iter()
        .filter(|v| v.host.is_none() && v.finished_at_s.is_none())
        .count();
    prop_assert_eq!(s.run.vms_placed + unplaced, s.run.vms);
    prop_assert!(s.run.vms_finished <= s.run.vms_placed);
    for v in &r.vms {
        prop_assert!(
            v.requested_mips_s.is_finite() && v.allocated_mips_s >= 0.0,
            "{v:?}"
        );
        prop_assert!(
            le_rel(v.allocated_mips_s, v.requested_mips_s),
            "VM {} got {} MIPS·s of {} requested",
            v.vm,
            v.allocated_mips_s,
            v.requested_mips_s
        );
        if let Some(h) = v.host {
            prop_assert!((h as usize) < s.run.hosts);
        }
    }
    prop_assert!(le_rel(s.sla.allocated_mips_s, s.sla.requested_mips_s));

    let t_last = times.last().copied().unwrap_or(0.0);
    coverage.add(RUNS, 1);
    if config.energy == EnergyAccounting::NonPowerAware {
        coverage.add(NON_POWER_AWARE, 1);
        // Every host at full power for the whole simulated step time.
        let mut expected = 0.0;
        for (hs, rec) in spec.hosts.iter().zip(&r.hosts) {
            let p1 = spec.host_types[hs.host_type].power.power_watts(1.0);
            let host_j = p1 * t_last;
            prop_assert!(
                close(rec.energy_kwh * JOULES_PER_KWH, host_j),
                "host {}: {} J, expected {host_j}",
                rec.host,
                rec.energy_kwh * JOULES_PER_KWH
            );
            expected += host_j;
        }
        prop_assert!(
            close(total_j, expected),
            "non-power-aware: {total_j} J, expected {expected}"
        );
    } else if constant && config.off_rule == OffRule::Never {
        // Constant demand, hosts never off: a closed form. Before the first
        // step no utilisation has been measured (CloudSim's hosts start at 0),
        // so the first interval is charged at P(0); with a step at t = 0 that
        // interval is empty.
        coverage.add(CLOSED_FORM, 1);
        let utils = constant_utilizations(spec, config, policy, r)?;
        let t_first = times.first().copied().unwrap_or(0.0);
        let mut expected = 0.0;
        for ((hs, rec), &u) in spec.hosts.iter().zip(&r.hosts).zip(&utils) {
            let power = &spec.host_types[hs.host_type].power;
            let (p0, pu) = (power.power_watts(0.0), power.power_watts(u));
            let host_j = if times.is_empty() {
                0.0
            } else {
                let first = match config.integration {
                    Integration::Step => p0 * t_first,
                    Integration::Trapezoid => (p0 + (pu - p0) / 2.0) * t_first,
                };
                first + pu * (t_last - t_first)
            };
            prop_assert!(
                close(rec.energy_kwh * JOULES_PER_KWH, host_j),
                "host {} (u = {u}): {} J, expected {host_j}",
                rec.host,
                rec.energy_kwh * JOULES_PER_KWH
            );
            expected += host_j;
        }
        prop_assert!(
            close(total_j, expected),
            "closed form: {total_j} J, expected {expected}"
        );
    }
    Ok(())
}

fn policy_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("ff"), Just("pabfd")]
}

/// Property 3: a whole run's records are consistent.
#[test]
fn simulation_records_are_consistent() {
    let coverage = Coverage::default();
    run_property(
        384,
        (
            spec_plan(40, 80),
            config_plan(),
            policy_name(),
            proptest::bool::weighted(0.4),
        ),
        |(plan, cfg, policy, constant)| {
            let spec = build_spec(&plan, false, constant);
            let config = build_config(&cfg);
            let result = run(spec.clone(), config.clone(), policy);
            check_run(&spec, &config, policy, constant, &result, &coverage)?;
            Ok(())
        },
    );
    coverage.report("simulation_records_are_consistent");
    coverage.assert_reached(NON_POWER_AWARE, 16);
    coverage.assert_reached(CLOSED_FORM, 16);
}

/// Property 3, closed form: constant traces, hosts never off, power-aware
/// accounting (both integrations) — the energy is Σ_h P(u_h) Δt.
#[test]
fn constant_demand_energy_has_a_closed_form() {
    let coverage = Coverage::default();
    run_property(
        384,
        (spec_plan(40, 80), config_plan(), policy_name()),
        |(plan, cfg, policy)| {
            let spec = build_spec(&plan, false, true);
            let config = SimulationConfig {
                energy: EnergyAccounting::PowerAware,
                off_rule: OffRule::Never,
                ..build_config(&cfg)
            };
            let result = run(spec.clone(), config.clone(), policy);
            check_run(&spec, &config, policy, true, &result, &coverage)?;
            Ok(())
        },
    );
    coverage.report("constant_demand_energy_has_a_closed_form");
    coverage.assert_reached(CLOSED_FORM, coverage.get(RUNS));
}

// ---------------------------------------------------------------------------
// Determinism.
// ---------------------------------------------------------------------------

/// Does a run's result contain a NaN (the shutdown-time statistics are NaN
/// when no host ever shut down)?
fn has_nan(r: &RunResult) -> bool {
    let s = &r.summary;
    s.sla.time_before_host_shutdown_mean_s.is_nan()
        || s.sla.time_before_host_shutdown_std_s.is_nan()
        || s.degradation.time_before_vm_migration_mean_s.is_nan()
        || s.degradation.time_before_vm_migration_std_s.is_nan()
        || r.migrations.iter().any(|m| m.end_s.is_nan())
}

fn synthetic_demand() -> impl Strategy<Value = SyntheticDemand> {
    prop_oneof![
        (0.0..=1.0f64).prop_map(|value| SyntheticDemand::Constant { value }),
        (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(a, b)| SyntheticDemand::Uniform {
            low: a.min(b),
            high: a.max(b)
        }),
        (0.0..=1.0f64, 0.0..1.0f64).prop_map(|(mean, std_dev)| SyntheticDemand::Normal { mean, std_dev }),
        (0.05..10.0f64, 0.05..10.0f64).prop_map(|(alpha, beta)| SyntheticDemand::Beta { alpha, beta }),
    ]
}

proptest! {
    #![proptest_config(proptest_config(128))]

    /// Property 4: the same spec and configuration give the same result,
    /// bit for bit.
    #[test]
    fn runs_are_deterministic(
        plan in spec_plan(40, 80),
        cfg in config_plan(),
        policy in policy_name(),
    ) {
        let config = build_config(&cfg);
        // Two independently built specs (fresh power-model objects).
        let a = run(build_spec(&plan, false, false), config.clone(), policy);
        let b = run(build_spec(&plan, false, false), config, policy);
        // `RunResult`'s derived `PartialEq` is not reflexive: the shutdown-time
        // statistics are NaN when no host ever shut down. Debug output shows
        // every f64 exactly (and NaN as NaN), so equal output means
        // bit-for-bit equal results; `==` is checked too when no NaN is present.
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        if !has_nan(&a) {
            prop_assert_eq!(a, b);
        }
    }

    /// Property 4: synthetic traces depend only on the seed, the distribution
    /// and the VM index.
    #[test]
    fn synthetic_traces_are_deterministic(
        demand in synthetic_demand(),
        seed in any::<u64>(),
        n_vms in 0usize..=20,
        extra in 0usize..=5,
        samples in 1usize..=50,
        interval_s in prop_oneof![Just(300.0), 1.0..1000.0f64],
    ) {
        let streams = RngStreams::new(seed);
        let a = demand.generate(n_vms, interval_s, samples, &streams);
        let b = demand.generate(n_vms, interval_s, samples, &RngStreams::new(seed));
        prop_assert_eq!(&a, &b);
        let longer = demand.generate(n_vms + extra, interval_s, samples, &streams);
        prop_assert_eq!(&a[..], &longer[..n_vms], "trace i does not depend on the number of VMs");
        for (i, t) in a.iter().enumerate().rev() {
            prop_assert_eq!(t, &demand.generate_one(i, interval_s, samples, &streams));
            prop_assert_eq!(t.samples().len(), samples);
            prop_assert_eq!(t.interval_s(), interval_s);
            prop_assert!(t.samples().iter().all(|x| (0.0..=1.0).contains(x)));
        }
        // The parameters round-trip through the registry form.
        let params = match demand {
            SyntheticDemand::Constant { value } => Params::new().with("value", ParamValue::Number(value)),
            SyntheticDemand::Uniform { low, high } => Params::new()
                .with("low", ParamValue::Number(low))
                .with("high", ParamValue::Number(high)),
            SyntheticDemand::Normal { mean, std_dev } => Params::new()
                .with("mean", ParamValue::Number(mean))
                .with("std_dev", ParamValue::Number(std_dev)),
            SyntheticDemand::Beta { alpha, beta } => Params::new()
                .with("alpha", ParamValue::Number(alpha))
                .with("beta", ParamValue::Number(beta)),
            // Not generated by `synthetic_demand()`; the diurnal generator has its own tests.
            SyntheticDemand::Diurnal(_) => return Ok(()),
        };
        prop_assert_eq!(SyntheticDemand::from_params(demand.kind(), params), Ok(demand));
    }
}

// ---------------------------------------------------------------------------
// Regressions and known bugs found by the properties above.
// ---------------------------------------------------------------------------

/// Found by property 1: a host's free bandwidth was updated incrementally, so
/// after a create/destroy cycle an empty host of 175.6 Mbit/s had
/// 175.59999999999997 left and refused a VM that needs all of it.
#[test]
fn an_emptied_host_gets_all_its_bandwidth_back() {
    let host_type = host_type("h", 1, 1000.0, 1024, 175.6, build_power(&PowerPlan::Spec(0)));
    let vm_type = |name: &str, bw_mbps| common::vm_type(name, 1, 100.0, 1, bw_mbps);
    let spec = DatacenterSpec {
        host_types: vec![host_type],
        hosts: common::hosts(1, 0),
        vm_types: vec![vm_type("sixth", 175.6 / 6.0), vm_type("all", 175.6)],
        vms: vec![VmSpec { vm_type: 0, trace: 0 }, VmSpec { vm_type: 1, trace: 0 }],
        traces: vec![UtilizationTrace::new("t", 300.0, vec![0.5]).unwrap()],
        ..DatacenterSpec::default()
    };
    let mut dc = Datacenter::new(spec);
    assert!(dc.create_vm(HostId(0), VmId(0)));
    assert_eq!(dc.destroy_vm(VmId(0)), Some(HostId(0)));
    assert!(dc.is_suitable(HostId(0), VmId(1)));
    assert!(dc.create_vm(HostId(0), VmId(1)));
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// A trace's utilisation lies in [0, 1] at every time, including times
    /// where `t % interval != 0` but `t / interval` rounds to an integer
    /// (interval 0.1 s, t = 1 s), which once divided 0 by 0.
    #[test]
    fn trace_utilization_stays_in_the_unit_interval(
        (interval_s, samples) in (
            prop_oneof![(1u32..=20).prop_map(|k| f64::from(k) / 10.0), 0.01..1000.0f64],
            vec(0.0..=1.0f64, 1..=12),
        ),
        t_s in prop_oneof![(0u32..=10_000).prop_map(|k| f64::from(k) / 10.0), 0.0..10_000.0f64],
    ) {
        let trace = UtilizationTrace::new("t", interval_s, samples).unwrap();
        let u = trace.utilization_at(t_s);
        prop_assert!((0.0..=1.0).contains(&u), "utilization_at({t_s}) = {u} (interval {interval_s})");
    }
}
