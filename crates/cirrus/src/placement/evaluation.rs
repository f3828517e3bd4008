//! How good is a placement? Hosts and racks used, traffic crossing racks,
//! broken constraints, and how far the host count can be from optimal.

use serde::Serialize;

use super::support::Topology;
use crate::application::FaultDomain;
use crate::datacenter::{Datacenter, HostId, VmId};

/// Relative slack for comparing sums of `f64` demands with capacities, so
/// that rounding in a different summation order is not a violation.
const REL_TOLERANCE: f64 = 1e-9;

/// Most instants [`evaluate`] samples the traces at when checking capacity
/// over time; longer traces are sampled more coarsely.
const MAX_TRACE_SAMPLES: usize = 4096;
/// Most trace values sampled once and shared by every VM on the trace (8 bytes
/// each, 64 MB): scale scenarios share a few thousand traces among 10⁵ VMs.
const MAX_SHARED_SAMPLES: usize = 8 << 20;

/// The quality of the current placement (see [`evaluate`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlacementQuality {
    /// VMs running on a host.
    pub vms_placed: usize,
    /// Hosts running at least one VM.
    pub active_hosts: usize,
    /// Racks with an active host; a host without a rack counts as a rack of
    /// its own.
    pub active_racks: usize,
    /// Σ of the applications' flows whose two ends run on different hosts,
    /// Mbit/s (flows with an unplaced end are not counted).
    pub inter_host_traffic_mbps: f64,
    /// Σ of the flows whose two ends run in different racks, Mbit/s: the
    /// traffic that crosses the aggregation layer (SCAVP's communication
    /// objective, Jayasinghe et al., SCC 2011).
    pub inter_rack_traffic_mbps: f64,
    /// Σ of all flows with both ends placed, Mbit/s.
    pub total_traffic_mbps: f64,
    /// Over all anti-collocation sets: members placed minus the distinct
    /// hosts (level `host`) or racks (level `rack`) they occupy; 0 when every
    /// set is spread.
    pub anti_collocation_violations: usize,
    /// Hosts over capacity now in at least one resource (below).
    pub capacity_violations: usize,
    /// Hosts whose VMs request more MIPS now than the host has (the
    /// time-shared scheduler then scales everyone down), or a VM more per
    /// core than a host core offers.
    pub cpu_overcommitted_hosts: usize,
    /// Hosts whose VMs' RAM (by VM type) exceeds the host's.
    pub ram_overcommitted_hosts: usize,
    /// Hosts whose VMs' bandwidth (by VM type) exceeds the host's.
    pub bw_overcommitted_hosts: usize,
    /// Hosts whose VMs' demand from their traces (utilisation × VM MIPS),
    /// summed at some sampled instant of the traces, exceeds the host's
    /// MIPS: the placement will oversubscribe the host at some time even if
    /// it fits now (trace span sampled at the shortest trace interval, at
    /// most 4096 instants).
    pub trace_overloaded_hosts: usize,
    /// Lower bound on the hosts needed for the placed VMs: the largest
    /// Martello–Toth L2 bound over CPU (requested MIPS now), RAM and
    /// bandwidth (by VM type), bins the size of the largest host type in use
    /// (see [`l2_lower_bound`]); at least 1 when a VM is placed.
    pub hosts_lower_bound: usize,
    /// `active_hosts / hosts_lower_bound − 1` (0 with nothing placed): an
    /// upper bound on how far the host count is from optimal.
    pub optimality_gap: f64,
}

/// Measures the current placement of `dc`.
///
/// Active hosts are those a VM runs on ([`Datacenter::host_of`]); a VM
/// migrating counts at its source. Traffic comes from
/// [`DatacenterSpec::applications`](crate::datacenter::DatacenterSpec::applications).
/// The lower bound is per resource the L2 bound of one-dimensional bin
/// packing (Martello & Toth, Discrete Applied Mathematics 28, 1990) with bins
/// of the largest capacity among the host types in use — valid because any
/// host holds at most that much — and the largest over CPU, RAM and
/// bandwidth; the LP relaxation of `docs/MODELS.md` B.5 is not used.
/// It ignores the per-core constraint and the number of hosts available, so
/// it may be loose but never exceeds the optimum.
pub fn evaluate(dc: &Datacenter) -> PlacementQuality {
    let spec = dc.spec();
    let topo = Topology::new(dc);
    let n_hosts = dc.host_count();
    let mut vms_on: Vec<Vec<VmId>> = vec![Vec::new(); n_hosts];
    let mut placed = Vec::new();
    for i in 0..dc.vm_count() {
        let v = VmId(i as u32);
        if let Some(h) = dc.host_of(v) {
            vms_on[h.index()].push(v);
            placed.push(v);
        }
    }
    let active_hosts = vms_on.iter().filter(|l| !l.is_empty()).count();
    let mut rack_on = vec![false; topo.len()];
    for (h, list) in vms_on.iter().enumerate() {
        if !list.is_empty() {
            rack_on[topo.domain(HostId(h as u32))] = true;
        }
    }
    let active_racks = rack_on.iter().filter(|&&on| on).count();

    let apps = &spec.applications;
    let (mut inter_host, mut inter_rack, mut total) = (0.0, 0.0, 0.0);
    for f in apps.flows() {
        if let (Some(a), Some(b)) = (dc.host_of(f.from), dc.host_of(f.to)) {
            total += f.mbps;
            if a != b {
                inter_host += f.mbps;
            }
            if topo.domain(a) != topo.domain(b) {
                inter_rack += f.mbps;
            }
        }
    }
    let mut anti_collocation_violations = 0;
    let mut seen: Vec<usize> = Vec::new();
    for set in apps.anti_collocation_sets() {
        seen.clear();
        for &v in &set.vms {
            if let Some(h) = dc.host_of(v) {
                seen.push(match set.level {
                    FaultDomain::Host => h.index(),
                    FaultDomain::Rack => topo.domain(h),
                });
            }
        }
        let members = seen.len();
        seen.sort_unstable();
        seen.dedup();
        anti_collocation_violations += members - seen.len();
    }

    let over = |used: f64, capacity: f64| used > capacity * (1.0 + REL_TOLERANCE);
    let (mut cpu_over, mut ram_over, mut bw_over, mut any_over) = (0, 0, 0, 0);
    for (h, list) in vms_on.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let ht = dc.host_type(HostId(h as u32));
        let cpu: f64 = list.iter().map(|&v| dc.vm_requested_mips(v)).sum();
        let per_core = list.iter().any(|&v| {
            over(
                dc.vm_requested_mips(v) / f64::from(dc.vm_type(v).cores),
                ht.mips_per_core,
            )
        });
        let ram: u64 = list.iter().map(|&v| dc.vm_type(v).ram_mb).sum();
        let bw: f64 = list.iter().map(|&v| dc.vm_type(v).bw_mbps).sum();
        let c = over(cpu, ht.total_mips()) || per_core;
        let r = ram > ht.ram_mb;
        let b = over(bw, ht.bw_mbps);
        cpu_over += usize::from(c);
        ram_over += usize::from(r);
        bw_over += usize::from(b);
        any_over += usize::from(c || r || b);
    }

    let trace_overloaded_hosts = trace_overloads(dc, &vms_on);

    // Largest capacity per resource among the host types in use.
    let mut used_type = vec![false; spec.host_types.len()];
    for h in &spec.hosts {
        used_type[h.host_type] = true;
    }
    let in_use = spec.host_types.iter().zip(&used_type).filter(|(_, u)| **u);
    let (mut cpu_cap, mut ram_cap, mut bw_cap) = (0.0f64, 0.0f64, 0.0f64);
    for (t, _) in in_use {
        cpu_cap = cpu_cap.max(t.total_mips());
        ram_cap = ram_cap.max(t.ram_mb as f64);
        bw_cap = bw_cap.max(t.bw_mbps);
    }
    let cpu: Vec<f64> = placed.iter().map(|&v| dc.vm_requested_mips(v)).collect();
    let ram: Vec<f64> = placed.iter().map(|&v| dc.vm_type(v).ram_mb as f64).collect();
    let bw: Vec<f64> = placed.iter().map(|&v| dc.vm_type(v).bw_mbps).collect();
    let mut lower = l2_lower_bound(&cpu, cpu_cap)
        .max(l2_lower_bound(&ram, ram_cap))
        .max(l2_lower_bound(&bw, bw_cap));
    if !placed.is_empty() {
        lower = lower.max(1);
    }
    let optimality_gap = if lower == 0 {
        0.0
    } else {
        active_hosts as f64 / lower as f64 - 1.0
    };
    PlacementQuality {
        vms_placed: placed.len(),
        active_hosts,
        active_racks,
        inter_host_traffic_mbps: inter_host,
        inter_rack_traffic_mbps: inter_rack,
        total_traffic_mbps: total,
        anti_collocation_violations,
        capacity_violations: any_over,
        cpu_overcommitted_hosts: cpu_over,
        ram_overcommitted_hosts: ram_over,
        bw_overcommitted_hosts: bw_over,
        trace_overloaded_hosts,
        hosts_lower_bound: lower,
        optimality_gap,
    }
}

/// Hosts whose VMs' summed trace demand exceeds their MIPS at a sampled
/// instant (see [`PlacementQuality::trace_overloaded_hosts`]).
fn trace_overloads(dc: &Datacenter, vms_on: &[Vec<VmId>]) -> usize {
    let spec = dc.spec();
    let trace_of = |v: VmId| &spec.traces[spec.vms[v.index()].trace];
    let placed = vms_on.iter().flatten();
    let span_s = placed
        .clone()
        .map(|&v| trace_of(v).duration_s())
        .fold(0.0, f64::max);
    let step_s = placed
        .map(|&v| trace_of(v).interval_s())
        .fold(f64::INFINITY, f64::min);
    if !(span_s > 0.0 && step_s.is_finite()) {
        return 0;
    }
    let samples = ((span_s / step_s).ceil() as usize).clamp(1, MAX_TRACE_SAMPLES);
    let step_s = span_s / samples as f64;
    // Each trace sampled once when they fit the budget: the same values.
    let shared: Option<Vec<f64>> =
        (spec.traces.len().saturating_mul(samples) <= MAX_SHARED_SAMPLES).then(|| {
            let mut used = vec![false; spec.traces.len()];
            for &v in vms_on.iter().flatten() {
                used[spec.vms[v.index()].trace] = true;
            }
            let mut table = vec![0.0; spec.traces.len() * samples];
            for (i, trace) in spec.traces.iter().enumerate().filter(|(i, _)| used[*i]) {
                for (k, x) in table[i * samples..(i + 1) * samples].iter_mut().enumerate() {
                    *x = trace.utilization_at(k as f64 * step_s);
                }
            }
            table
        });
    let mut load = vec![0.0; samples];
    let mut overloaded = 0;
    for (h, list) in vms_on.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        load.fill(0.0);
        for &v in list {
            let mips = dc.vm_type(v).total_mips();
            match &shared {
                Some(table) => {
                    let i = spec.vms[v.index()].trace;
                    for (l, &u) in load.iter_mut().zip(&table[i * samples..(i + 1) * samples]) {
                        *l += u * mips;
                    }
                }
                None => {
                    let trace = trace_of(v);
                    for (k, l) in load.iter_mut().enumerate() {
                        *l += trace.utilization_at(k as f64 * step_s) * mips;
                    }
                }
            }
        }
        let capacity = dc.host_type(HostId(h as u32)).total_mips();
        if load.iter().any(|&l| l > capacity * (1.0 + REL_TOLERANCE)) {
            overloaded += 1;
        }
    }
    overloaded
}

/// The L2 lower bound of Martello & Toth (1990) on the number of bins of
/// size `capacity` that hold items of the given sizes:
///
/// `L2 = max over α ∈ {0} ∪ {w_i ≤ C/2} of
///       |J1| + |J2| + max(0, ⌈(Σ_{J3} w − (|J2|·C − Σ_{J2} w)) / C⌉)`,
///
/// with `J1 = {w > C − α}`, `J2 = {C/2 < w ≤ C − α}`, `J3 = {α ≤ w ≤ C/2}`.
/// It dominates the volume bound `⌈Σw / C⌉` (α = 0) and counts items larger
/// than half a bin one per bin. Items larger than `capacity` count one bin
/// each (they fit no bin; the bound stays valid for the rest). Ceilings
/// allow a relative 1e-9 of rounding. 0 for no items or a non-positive
/// capacity.
pub fn l2_lower_bound(sizes: &[f64], capacity: f64) -> usize {
    if sizes.is_empty() || !(capacity.is_finite() && capacity > 0.0) {
        return 0;
    }
    let c = capacity;
    let mut w: Vec<f64> = sizes.iter().map(|&x| x.max(0.0)).collect();
    w.sort_by(f64::total_cmp);
    // prefix[i] = Σ w[..i]
    let mut prefix = Vec::with_capacity(w.len() + 1);
    prefix.push(0.0);
    for &x in &w {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + x);
    }
    let sum = |lo: usize, hi: usize| prefix[hi] - prefix[lo];
    // First index with w > x, and with w ≥ x.
    let above = |x: f64| w.partition_point(|&y| y <= x);
    let at_least = |x: f64| w.partition_point(|&y| y < x);
    let ceil_div = |x: f64| {
        let q = x / c;
        let r = q.round();
        if (q - r).abs() <= REL_TOLERANCE * q.abs().max(1.0) {
            r
        } else {
            q.ceil()
        }
    };
    let half = above(c / 2.0);
    let n = w.len();
    let mut best = 0usize;
    let mut alpha_values: Vec<f64> = vec![0.0];
    alpha_values.extend(w[..half].iter().copied());
    alpha_values.dedup();
    for alpha in alpha_values {
        let j1_start = above(c - alpha);
        let j1 = n - j1_start;
        let j2 = j1_start - half;
        let j2_sum = sum(half, j1_start);
        let j3_sum = sum(at_least(alpha).min(half), half);
        let residual = j2 as f64 * c - j2_sum;
        let extra = ceil_div(j3_sum - residual).max(0.0) as usize;
        best = best.max(j1 + j2 + extra);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::{AntiCollocation, Application, Applications, Flow};
    use crate::datacenter::HostSpec;
    use crate::placement::test_support::spec;

    #[test]
    fn l2_hand_made_cases() {
        // Volume bound 2, but no two items of 6 share a bin of 10.
        assert_eq!(l2_lower_bound(&[6.0, 6.0, 6.0], 10.0), 3);
        // 8 needs its own bin; the four 3s need two more (α = 3).
        assert_eq!(l2_lower_bound(&[8.0, 3.0, 3.0, 3.0, 3.0], 10.0), 3);
        // Exact fits: 7+3, 7+3.
        assert_eq!(l2_lower_bound(&[7.0, 7.0, 3.0, 3.0], 10.0), 2);
        // Five 4s: L2 = volume bound 2, though 3 bins are needed (L2 is a bound).
        assert_eq!(l2_lower_bound(&[4.0; 5], 10.0), 2);
        // Volume bound with rounding: ten 0.1s in a bin of 1.
        assert_eq!(l2_lower_bound(&[0.1; 10], 1.0), 1);
        // Items of exactly half a bin pair up.
        assert_eq!(l2_lower_bound(&[5.0; 4], 10.0), 2);
        // Just over half: one per bin.
        assert_eq!(l2_lower_bound(&[5.5; 4], 10.0), 4);
        // Mixed: 9, 9 (J1 with α = 2) and 2, 2, 2 that fit beside nothing larger than 1.
        assert_eq!(l2_lower_bound(&[9.0, 9.0, 2.0, 2.0, 2.0], 10.0), 3);
        assert_eq!(l2_lower_bound(&[], 10.0), 0);
        assert_eq!(l2_lower_bound(&[1.0], 0.0), 0);
        assert_eq!(l2_lower_bound(&[0.0, 0.0], 10.0), 0);
    }

    #[test]
    fn l2_never_exceeds_brute_force_optimum() {
        // All ways of putting up to 7 small items into bins, for a few sets.
        fn optimum(items: &[u32], cap: u32) -> usize {
            fn go(items: &[u32], i: usize, bins: &mut Vec<u32>, cap: u32, best: &mut usize) {
                if bins.len() >= *best {
                    return;
                }
                if i == items.len() {
                    *best = bins.len();
                    return;
                }
                for b in 0..bins.len() {
                    if bins[b] + items[i] <= cap {
                        bins[b] += items[i];
                        go(items, i + 1, bins, cap, best);
                        bins[b] -= items[i];
                    }
                }
                bins.push(items[i]);
                go(items, i + 1, bins, cap, best);
                bins.pop();
            }
            let mut best = items.len() + 1;
            go(items, 0, &mut Vec::new(), cap, &mut best);
            best
        }
        let sets: [&[u32]; 6] = [
            &[6, 6, 6, 2, 2, 2, 2],
            &[5, 5, 5, 5, 1],
            &[7, 4, 4, 4, 3, 3],
            &[9, 8, 2, 2, 1, 1, 1],
            &[3, 3, 3, 3, 3, 3, 3],
            &[10, 1, 1, 6, 4],
        ];
        for s in sets {
            let sizes: Vec<f64> = s.iter().map(|&x| f64::from(x)).collect();
            let lb = l2_lower_bound(&sizes, 10.0);
            let opt = optimum(s, 10);
            let volume = (s.iter().sum::<u32>() as f64 / 10.0).ceil() as usize;
            assert!(lb <= opt && lb >= volume, "{s:?}: L2 {lb}, optimum {opt}");
        }
    }

    #[test]
    fn evaluates_hosts_racks_traffic_and_violations() {
        // Four hosts of 1000 MIPS in two racks; VMs of 600, 300, 300, 600 MIPS.
        let mut s = spec(&[(1000.0, 1, 100.0, 200.0); 4], &[600.0, 300.0, 300.0, 600.0]);
        for (i, h) in s.hosts.iter_mut().enumerate() {
            *h = HostSpec {
                rack: Some(i as u32 / 2),
                ..*h
            };
        }
        let flow = |a: u32, b: u32, mbps: f64| Flow {
            from: VmId(a),
            to: VmId(b),
            mbps,
        };
        s.applications = Applications::new(vec![Application {
            name: "a".into(),
            vms: (0..4).map(VmId).collect(),
            traffic: vec![flow(0, 1, 10.0), flow(1, 2, 20.0), flow(2, 3, 40.0)],
            anti_collocation: vec![
                AntiCollocation {
                    vms: vec![VmId(1), VmId(2)],
                    level: FaultDomain::Host,
                },
                AntiCollocation {
                    vms: vec![VmId(0), VmId(3)],
                    level: FaultDomain::Rack,
                },
            ],
        }]);
        let mut dc = Datacenter::new(s);
        // Rack 0: host 0 {0, 1, 2}? 600 + 300 + 300 > 1000: host 0 {0, 1}, host 1 {2};
        // rack 1: host 2 {3}.
        for (h, v) in [(0, 0), (0, 1), (1, 2), (2, 3)] {
            assert!(dc.create_vm(HostId(h), VmId(v)));
        }
        let q = evaluate(&dc);
        assert_eq!(q.vms_placed, 4);
        assert_eq!(q.active_hosts, 3);
        assert_eq!(q.active_racks, 2);
        assert_eq!(q.total_traffic_mbps, 70.0);
        assert_eq!(q.inter_host_traffic_mbps, 60.0);
        assert_eq!(q.inter_rack_traffic_mbps, 40.0);
        assert_eq!(q.anti_collocation_violations, 0);
        assert_eq!(q.capacity_violations, 0);
        assert_eq!(q.trace_overloaded_hosts, 0);
        // CPU: 600, 600, 300, 300 in bins of 1000 → L2 = 2 (600s apart, 300s fill).
        assert_eq!(q.hosts_lower_bound, 2);
        assert!((q.optimality_gap - 0.5).abs() < 1e-12);

        // Break both sets and oversubscribe host 1.
        assert!(dc.destroy_vm(VmId(2)).is_some());
        assert!(dc.destroy_vm(VmId(3)).is_some());
        assert!(dc.create_vm(HostId(0), VmId(2)));
        assert!(dc.create_vm(HostId(1), VmId(3)));
        let q = evaluate(&dc);
        assert_eq!(q.anti_collocation_violations, 2);
        assert_eq!(q.active_racks, 1);
        assert_eq!(q.inter_rack_traffic_mbps, 0.0);
        assert_eq!(q.cpu_overcommitted_hosts, 1, "host 0 asks 1200 of 1000 MIPS");
        assert_eq!(q.capacity_violations, 1);
        assert_eq!(q.trace_overloaded_hosts, 1);
    }
}
