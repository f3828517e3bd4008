//! Property tests of every registered placement policy on small random
//! datacenters with racks, applications and traces:
//!
//! 1. a policy never picks an excluded or unsuitable host, nor one that
//!    fails the admission check while it hands out MIPS, so no host ends up
//!    over capacity in CPU, RAM or bandwidth;
//! 2. every placeable VM is placed: a policy leaves a VM out only when no
//!    host qualifies (for SCAVP, none keeping the VM's anti-collocation
//!    sets; for PBA, none its pattern fits over time); and with generous
//!    capacity (every VM fits every host, every rack could take every VM)
//!    every VM is placed;
//! 3. SCAVP never breaks an anti-collocation set;
//! 4. `obfd-rack` and `rack-aware` switch a rack on only when no host of a
//!    rack that is on qualifies;
//! 5. PBA never packs a host whose summed trace demand exceeds its MIPS;
//! 6. the evaluation's lower bound never exceeds the hosts of a feasible
//!    placement.
//!
//! The checks of 2 and 4 only bite when a VM is left out or a rack is
//! switched on; the properties count those situations ([`Coverage`]) and
//! assert that their cases reached them.
//!
//! Set `PROPTEST_CASES` to run more cases than the defaults; run with
//! `--nocapture` to see the counts.

mod common;

use cirrus::application::{AntiCollocation, Application, Applications, FaultDomain, Flow};
use cirrus::datacenter::{
    CreationRequest, Datacenter, DatacenterSpec, HostId, HostSpec, HostType, VmId, VmSpec, VmType,
};
use cirrus::params::{ParamValue, Params};
use cirrus::placement::{
    AdmissionCheck, HostFilter, NoAdmissionCheck, PlacementContext, StaticThreshold, evaluate,
};
use cirrus::registry::{build_placement_policy, placement_policies};
use cirrus::workload::UtilizationTrace;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use common::{Coverage, host_type, linear_power, run_property, vm_type};

/// Every trace of a world is sampled at this interval (PBA's pattern grid
/// and the evaluation's then coincide).
const TRACE_INTERVAL_S: f64 = 300.0;

/// VMs a policy left out although hosts were not excluded (checked: none qualified).
const LEFT_OUT: &str = "VMs left out";
/// Racks `obfd-rack` or `rack-aware` switched on while another rack was on
/// (checked: no host of a rack that was on qualified).
const RACK_SWITCHED_ON: &str = "racks switched on beside one on";
/// SCAVP placements of a VM whose anti-collocation set had a member placed.
const SETS_KEPT: &str = "SCAVP placements constrained by an anti-collocation set";

/// An application: its size and, over its members (by position), flows and sets.
#[derive(Debug, Clone)]
struct AppPlan {
    size: usize,
    flows: Vec<(Index, Index, f64)>,
    /// (members by position, rack level?)
    sets: Vec<(Vec<Index>, bool)>,
}

/// A shrinkable description of a datacenter.
#[derive(Debug, Clone)]
struct World {
    /// (cores, MIPS per core, RAM MB, bandwidth Mbit/s)
    host_types: Vec<(u32, f64, u64, f64)>,
    hosts_per_rack: usize,
    racks: usize,
    /// (cores, MIPS, RAM MB, bandwidth Mbit/s)
    vm_types: Vec<(u32, f64, u64, f64)>,
    /// (type, trace)
    vms: Vec<(Index, Index)>,
    traces: Vec<Vec<f64>>,
    apps: Vec<AppPlan>,
    demand_at_creation: bool,
    batch: bool,
    threshold: Option<f64>,
    excluded: Vec<bool>,
}

fn app_plan(max_size: usize) -> impl Strategy<Value = AppPlan> {
    (1..=max_size).prop_flat_map(|size| {
        (
            Just(size),
            vec((any::<Index>(), any::<Index>(), 0.0..100.0f64), 0..6),
            vec((vec(any::<Index>(), 2..4), any::<bool>()), 0..3),
        )
            .prop_map(|(size, flows, sets)| AppPlan { size, flows, sets })
    })
}

/// A random world; with `generous`, every VM fits every host and each rack
/// has a host per VM.
fn world(generous: bool) -> impl Strategy<Value = World> {
    let host_type = if generous {
        (Just(8u32), Just(3000.0), Just(65_536u64), Just(10_000.0)).boxed()
    } else {
        (1..=4u32, 500.0..3000.0f64, 1024..8192u64, 100.0..2000.0f64).boxed()
    };
    let vm_type = (1..=2u32, 100.0..2500.0f64, 128..4096u64, 0.0..500.0f64);
    (
        vec(host_type, 1..=3),
        vec(vm_type, 1..=3),
        vec((any::<Index>(), any::<Index>()), 1..=14),
        vec(vec(0.0..=1.0f64, 1..=12), 1..=4),
        vec(app_plan(5), 0..=3),
        (any::<bool>(), any::<bool>(), prop::option::of(0.5..1.0f64)),
        (1..=4usize, 1..=6usize),
        vec(any::<bool>(), 64),
    )
        .prop_map(
            move |(host_types, vm_types, vms, traces, apps, (demand, batch, threshold), (racks, per), ex)| {
                let (racks, hosts_per_rack) = if generous {
                    (racks.max(3), vms.len())
                } else {
                    (racks, per)
                };
                World {
                    host_types,
                    hosts_per_rack,
                    racks,
                    vm_types,
                    vms,
                    traces,
                    apps,
                    demand_at_creation: demand,
                    batch,
                    threshold,
                    // Only random worlds exclude hosts; a generous one must place everything.
                    excluded: if generous { Vec::new() } else { ex },
                }
            },
        )
}

fn build(w: &World) -> DatacenterSpec {
    let host_types: Vec<HostType> = w
        .host_types
        .iter()
        .enumerate()
        .map(|(i, &(cores, mips, ram_mb, bw_mbps))| {
            let power = linear_power(200.0 + 10.0 * i as f64, 0.6);
            host_type(&format!("h{i}"), cores, mips, ram_mb, bw_mbps, power)
        })
        .collect();
    let n_hosts = w.racks * w.hosts_per_rack;
    let hosts = (0..n_hosts)
        .map(|i| HostSpec {
            host_type: i % host_types.len(),
            rack: Some((i / w.hosts_per_rack) as u32),
        })
        .collect();
    // Every VM type fits host type 0 (which host 0 has), so the spec is valid.
    let (h_cores, h_mips, h_ram, h_bw) = w.host_types[0];
    let vm_types: Vec<VmType> = w
        .vm_types
        .iter()
        .enumerate()
        .map(|(i, &(cores, mips, ram_mb, bw_mbps))| {
            vm_type(
                &format!("v{i}"),
                cores.min(h_cores),
                mips.min(h_mips),
                ram_mb.min(h_ram),
                bw_mbps.min(h_bw),
            )
        })
        .collect();
    let traces: Vec<UtilizationTrace> = w
        .traces
        .iter()
        .enumerate()
        .map(|(i, s)| {
            UtilizationTrace::new(format!("t{i}"), TRACE_INTERVAL_S, s.clone()).expect("valid trace")
        })
        .collect();
    let vms: Vec<VmSpec> = w
        .vms
        .iter()
        .map(|(t, tr)| VmSpec {
            vm_type: t.index(vm_types.len()),
            trace: tr.index(traces.len()),
        })
        .collect();
    // Applications over consecutive VMs, while VMs last.
    let mut apps = Vec::new();
    let mut next = 0usize;
    for (a, plan) in w.apps.iter().enumerate() {
        let size = plan.size.min(vms.len() - next);
        if size == 0 {
            break;
        }
        let members: Vec<VmId> = (next..next + size).map(|i| VmId(i as u32)).collect();
        next += size;
        let traffic = plan
            .flows
            .iter()
            .map(|(x, y, mbps)| (members[x.index(size)], members[y.index(size)], *mbps))
            .filter(|(x, y, _)| x != y)
            .map(|(from, to, mbps)| Flow { from, to, mbps })
            .collect();
        let anti_collocation = plan
            .sets
            .iter()
            .map(|(idx, rack)| {
                let mut set: Vec<VmId> = idx.iter().map(|i| members[i.index(size)]).collect();
                set.sort();
                set.dedup();
                AntiCollocation {
                    vms: set,
                    level: if *rack {
                        FaultDomain::Rack
                    } else {
                        FaultDomain::Host
                    },
                }
            })
            .filter(|s| s.vms.len() >= 2)
            .collect();
        apps.push(Application {
            name: format!("a{a}"),
            vms: members,
            traffic,
            anti_collocation,
        });
    }
    DatacenterSpec {
        real_time: Vec::new(),
        host_types,
        hosts,
        vm_types,
        vms,
        traces,
        applications: Applications::new(apps),
        creation_request: if w.demand_at_creation {
            CreationRequest::Demand
        } else {
            CreationRequest::FullMips
        },
    }
}

/// Racks with a busy host.
fn racks_on(dc: &Datacenter) -> Vec<Option<u32>> {
    let mut on: Vec<Option<u32>> = dc.busy_hosts().map(|h| dc.spec().hosts[h.index()].rack).collect();
    on.sort();
    on.dedup();
    on
}

/// Would VM `v` on host `h` keep every anti-collocation set it belongs to?
fn keeps_sets(dc: &Datacenter, h: HostId, v: VmId) -> bool {
    let rack = |x: HostId| dc.spec().hosts[x.index()].rack;
    dc.spec().applications.anti_collocation_of(v).all(|(_, set)| {
        set.vms.iter().filter(|&&u| u != v).all(|&u| match dc.host_of(u) {
            None => true,
            Some(x) => match set.level {
                FaultDomain::Host => x != h,
                FaultDomain::Rack => rack(x) != rack(h),
            },
        })
    })
}

/// PBA's time-aware fit (`docs/MODELS.md` B.3): VM `v` fits host `h`
/// when at every instant of the pattern grid (the traces' interval, over
/// the longest trace) the demands of `h`'s VMs and of `v` add up to no more
/// than `h`'s MIPS (less a relative 1e-9, so that summation order does not
/// matter).
fn patterns_fit(dc: &Datacenter, h: HostId, v: VmId) -> bool {
    let spec = dc.spec();
    let horizon_s = spec.traces.iter().map(|t| t.duration_s()).fold(0.0, f64::max);
    let samples = (horizon_s / TRACE_INTERVAL_S).ceil() as usize;
    let demand = |u: VmId, k: usize| {
        let trace = &spec.traces[spec.vms[u.index()].trace];
        trace.utilization_at(k as f64 * TRACE_INTERVAL_S) * dc.vm_type(u).total_mips()
    };
    let capacity = dc.host_type(h).total_mips() * (1.0 - 1e-9);
    (0..samples).all(|k| dc.vms_on(h).iter().map(|&u| demand(u, k)).sum::<f64>() + demand(v, k) <= capacity)
}

/// Places every VM of the world with policy `name`, checking each choice.
/// Returns the datacenter and the VMs left unplaced.
fn place(w: &World, name: &str, coverage: &Coverage) -> Result<(Datacenter, Vec<VmId>), TestCaseError> {
    let spec = build(w);
    spec.validate()
        .map_err(|e| TestCaseError::reject(e.to_string()))?;
    let mut dc = Datacenter::new(spec);
    let mut policy = build_placement_policy(name, Params::new()).expect("registered policy");
    let mut threshold = w.threshold.map(StaticThreshold);
    let mut none = NoAdmissionCheck;
    let admission: &mut dyn AdmissionCheck = match &mut threshold {
        Some(t) => t,
        None => &mut none,
    };
    // The same test, asked apart from the policy's.
    let overloaded_after = |dc: &Datacenter, h: HostId, v: VmId| {
        w.threshold
            .is_some_and(|t| StaticThreshold(t).overloaded_after(dc, h, v))
    };
    let excluded: Vec<bool> = (0..dc.host_count())
        .map(|i| w.excluded.get(i).copied().unwrap_or(false))
        .collect();
    let filter = HostFilter {
        excluded: &excluded,
        exclude_idle: false,
    };
    let mut ctx = PlacementContext { filter, admission };
    let mut vms: Vec<VmId> = (0..dc.vm_count() as u32).map(VmId).collect();
    if w.batch {
        policy.order_batch(&dc, &mut vms);
    }
    let qualifies = |dc: &Datacenter, h: HostId, v: VmId| {
        !filter.excludes(dc, h)
            && dc.is_suitable(h, v)
            && !(dc.potential_utilization_mips(h) != 0.0 && overloaded_after(dc, h, v))
    };
    let mut unplaced = Vec::new();
    for v in vms {
        let Some(h) = policy.select_host(&dc, &mut ctx, v) else {
            // Every placeable VM is placed: a VM is left out only when no
            // host qualifies (for SCAVP, none that keeps its sets too; for
            // PBA, none its pattern fits over time).
            let placeable = dc.hosts().find(|&x| {
                qualifies(&dc, x, v)
                    && (name != "scavp" || keeps_sets(&dc, x, v))
                    && (name != "pba" || patterns_fit(&dc, x, v))
            });
            prop_assert!(
                placeable.is_none(),
                "{name}: left {v:?} unplaced though host {placeable:?} qualifies"
            );
            coverage.add(LEFT_OUT, 1);
            unplaced.push(v);
            continue;
        };
        prop_assert!(!excluded[h.index()], "{name}: excluded host {h:?} for {v:?}");
        if name == "scavp" {
            let placed_member =
                |(_, set): (_, &AntiCollocation)| set.vms.iter().any(|&u| u != v && dc.host_of(u).is_some());
            coverage.hit(
                SETS_KEPT,
                dc.spec().applications.anti_collocation_of(v).any(placed_member),
            );
            prop_assert!(
                keeps_sets(&dc, h, v),
                "scavp: {v:?} on {h:?} breaks an anti-collocation set"
            );
        }
        prop_assert!(
            qualifies(&dc, h, v),
            "{name}: host {h:?} does not qualify for {v:?}"
        );
        if name == "obfd-rack" || name == "rack-aware" {
            let on = racks_on(&dc);
            let rack = dc.spec().hosts[h.index()].rack;
            if !on.contains(&rack) {
                coverage.hit(RACK_SWITCHED_ON, !on.is_empty());
                let in_active_rack = dc
                    .hosts()
                    .filter(|&x| on.contains(&dc.spec().hosts[x.index()].rack))
                    .find(|&x| qualifies(&dc, x, v));
                prop_assert!(
                    in_active_rack.is_none(),
                    "{name}: switched rack {rack:?} on for {v:?} though host {in_active_rack:?} qualifies"
                );
            }
        }
        prop_assert!(dc.create_vm(h, v), "{name}: create_vm refused {v:?} on {h:?}");
    }
    Ok((dc, unplaced))
}

fn names() -> Vec<&'static str> {
    placement_policies().iter().map(|e| e.name).collect()
}

/// Properties 1, 3–6 on random worlds.
#[test]
fn policies_respect_capacity_and_constraints() {
    let coverage = Coverage::default();
    run_property(128, world(false), |w| {
        for name in names() {
            let (dc, _) = place(&w, name, &coverage)?;
            let q = evaluate(&dc);
            prop_assert_eq!(q.capacity_violations, 0, "{}: {:?}", name, q);
            if name == "scavp" {
                prop_assert_eq!(q.anti_collocation_violations, 0, "{}", name);
            }
            if name == "pba" {
                prop_assert_eq!(q.trace_overloaded_hosts, 0, "{}", name);
            }
            prop_assert!(q.hosts_lower_bound <= q.active_hosts, "{}: {:?}", name, q);
        }
        Ok(())
    });
    coverage.report("policies_respect_capacity_and_constraints");
    coverage.assert_reached(LEFT_OUT, 16);
    coverage.assert_reached(RACK_SWITCHED_ON, 16);
    coverage.assert_reached(SETS_KEPT, 16);
}

/// Property 2 (and 3): with generous capacity every policy places every VM.
#[test]
fn policies_place_everything_when_there_is_room() {
    let coverage = Coverage::default();
    run_property(128, world(true), |w| {
        for name in names() {
            let (dc, unplaced) = place(&w, name, &coverage)?;
            prop_assert!(unplaced.is_empty(), "{}: left {:?} unplaced", name, unplaced);
            let q = evaluate(&dc);
            prop_assert_eq!(q.vms_placed, dc.vm_count());
            prop_assert_eq!(q.capacity_violations, 0, "{}", name);
            if name == "scavp" {
                prop_assert_eq!(q.anti_collocation_violations, 0);
            }
        }
        Ok(())
    });
    coverage.report("policies_place_everything_when_there_is_room");
    coverage.assert_reached(SETS_KEPT, 16);
}

/// Consolidation asks for one VM at a time with idle hosts excluded: no
/// policy may then return an idle host, nor a host failing the admission check.
#[test]
fn exclude_idle_and_admission_are_respected() {
    let host = host_type("h", 4, 2000.0, 8192, 1000.0, linear_power(200.0, 0.6));
    let vm = vm_type("v", 1, 1000.0, 1024, 10.0);
    let spec = DatacenterSpec {
        host_types: vec![host],
        hosts: (0..4)
            .map(|i| HostSpec {
                host_type: 0,
                rack: Some(i / 2),
            })
            .collect(),
        vm_types: vec![vm],
        vms: vec![VmSpec { vm_type: 0, trace: 0 }; 2],
        traces: vec![UtilizationTrace::new("t", TRACE_INTERVAL_S, vec![0.5]).expect("valid trace")],
        ..DatacenterSpec::default()
    };
    for name in names() {
        let mut dc = Datacenter::new(spec.clone());
        assert!(dc.create_vm(HostId(3), VmId(0)));
        let busy_only = HostFilter {
            excluded: &[],
            exclude_idle: true,
        };
        let mut ctx = PlacementContext {
            filter: busy_only,
            admission: &mut NoAdmissionCheck,
        };
        let mut policy = build_placement_policy(name, Params::new()).expect("registered");
        assert_eq!(
            policy.select_host(&dc, &mut ctx, VmId(1)),
            Some(HostId(3)),
            "{name}"
        );
        let mut ctx = PlacementContext {
            filter: busy_only,
            admission: &mut StaticThreshold(0.1),
        };
        assert_eq!(
            policy.select_host(&dc, &mut ctx, VmId(1)),
            None,
            "{name}: admission"
        );
        if name == "ff" {
            // `admission = false`: CloudSim's PowerVmAllocationPolicySimple, no overload test.
            let params = Params::new().with("admission", ParamValue::Bool(false));
            let mut simple = build_placement_policy(name, params).expect("registered");
            assert_eq!(simple.select_host(&dc, &mut ctx, VmId(1)), Some(HostId(3)));
        }
    }
}
