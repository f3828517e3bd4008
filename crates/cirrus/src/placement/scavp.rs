//! SCAVP: structural-constraint-aware VM placement (Jayasinghe et al.).

use std::collections::HashMap;
use std::collections::VecDeque;

use super::support::{
    Topology, TopologyCache, active_domains, admitted, bw_free_mbps, idle_in_domain, suitable,
};
use super::{HostFilter, PlacementContext, PlacementPolicy};
use crate::application::{Applications, FaultDomain};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// SCAVP (Jayasinghe, Pu, Eilam, Steinder, Whalley & Snible, "Improving
/// performance and availability of services hosted on IaaS clouds with
/// structural constraint-aware virtual machine placement", IEEE SCC 2011,
/// pp. 72–79): placement under three kinds of constraint taken from the
/// applications ([`DatacenterSpec::applications`](crate::datacenter::DatacenterSpec::applications)):
///
/// * **demand** — the host must be suitable ([`Datacenter::is_suitable`]) and
///   pass the admission check (as in PABFD); hard;
/// * **availability** — every anti-collocation set keeps at most one member
///   per host (`level = "host"`) or per rack (`level = "rack"`; a host
///   without a rack is a rack of its own); hard: SCAVP leaves a VM unplaced
///   rather than break a set, counting a member that is migrating at its
///   source and at its target;
/// * **communication** — the traffic crossing racks, `Σ T(a→b)` over flows
///   whose ends run in different racks, is minimised.
///
/// Only the abstract could be checked; the algorithm is the reconstruction
/// of `docs/MODELS.md` B.4 (marked `[R/D]` there: reconstructed), the paper's
/// hierarchical decomposition, implemented as written:
///
/// 1. **Cluster the VMs** being placed together, application by
///    application: greedy heavy-edge agglomeration (the heaviest undirected
///    traffic `T(a→b) + T(b→a)` first, as in Kruskal's algorithm) while a
///    cluster's CPU and RAM demand stays within what the roomiest rack has
///    free × `rack_fill`, never joining two members of one rack-level
///    anti-collocation set.
/// 2. **Clusters → racks**: clusters in decreasing order of traffic, then
///    demand. Racks are ranked by the traffic the cluster would send to
///    members already placed or assigned in other racks (least first), then
///    racks that are on (a busy host or an earlier cluster) before racks
///    that are off, then the fullest (least MIPS left after the cluster),
///    then the lowest-numbered. A rack holds a cluster when step 3 packs
///    everything assigned to it plus the cluster. The cluster goes whole to
///    the best rack that is on and holds it; else, with `fill_racks`, the
///    rack that is on taking most of its members (largest first) takes
///    those and the rest is processed again — filling racks that are on
///    before switching another on, at the price of some traffic across
///    racks; else whole to the best rack that is off; else split over
///    whichever rack takes most. Members no rack can take go to step 4.
/// 3. **VMs → hosts inside a rack**: best fit decreasing of every member
///    assigned to the rack, from all applications (largest first; among
///    equals, replicas of a set interleaved), into the rack's hosts as they
///    are, already-used hosts first, then the least MIPS left, under the
///    host capacities (MIPS per core and in total, RAM, bandwidth by VM
///    type) and the host-level anti-collocation sets. Two more member orders
///    are tried before a rack is declared full.
/// 4. **Repair** (the paper's fourth step, "refine or repair", is not
///    specified further): a VM whose planned host no longer qualifies when
///    it is placed (the admission check, another VM took the room), or that
///    no rack could take, is placed greedily: the suitable host that adds
///    the least inter-rack traffic to its placed partners, then a rack that
///    is on, then a busy host, then the least inter-host traffic, then best
///    fit. No swap-based refinement is done.
///
/// Steps 1–3 run when a VM of an application is to be placed while another
/// member of its application is unplaced too (a batch, or online initial
/// placement, where the rest follows): the plan covers every unplaced
/// member of every application. A VM placed alone — a consolidation move,
/// the last member — and a VM without application go through step 4's
/// greedy rule directly, which for VMs without traffic is rack-aware best
/// fit. A batch is ordered application by application (in
/// [`Applications::apps`] order), members by requested MIPS decreasing, VMs
/// without application last (decreasing).
///
/// Parameters: `hierarchical` (default true; false = step 4 only),
/// `fill_racks` (default true), `rack_fill` (in (0, 1], default 1).
#[derive(Debug, Clone)]
pub struct Scavp {
    hierarchical: bool,
    rack_fill: f64,
    fill_racks: bool,
    topology: TopologyCache,
    /// Per VM: its planned host, if planned.
    plan: Vec<Planned>,
    active: Vec<bool>,
}

impl Default for Scavp {
    fn default() -> Self {
        Self {
            hierarchical: true,
            rack_fill: 1.0,
            fill_racks: true,
            topology: TopologyCache::default(),
            plan: Vec::new(),
            active: Vec::new(),
        }
    }
}

/// A VM's entry in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Planned {
    /// Not part of a plan.
    No,
    /// Planned onto this host.
    Host(HostId),
    /// Planned, but no rack could take it: greedy rule.
    Greedy,
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    let hierarchical = params.bool("hierarchical")?.unwrap_or(true);
    let rack_fill = match params.fraction("rack_fill")? {
        None => 1.0,
        Some(f) if f > 0.0 && f <= 1.0 => f,
        Some(f) => {
            return Err(ParamError::new(
                "rack_fill",
                format!("expected a number in (0, 1], found {f}"),
            ));
        }
    };
    let fill_racks = params.bool("fill_racks")?.unwrap_or(true);
    params.finish(&["hierarchical", "rack_fill", "fill_racks"])?;
    Ok(Box::new(Scavp {
        hierarchical,
        rack_fill,
        fill_racks,
        ..Scavp::default()
    }))
}

/// Does host `h` keep every anti-collocation set of VM `v` spread?
fn spreads(dc: &Datacenter, topo: &Topology, apps: &Applications, h: HostId, v: VmId) -> bool {
    let d = topo.domain(h);
    for (_, set) in apps.anti_collocation_of(v) {
        for &u in &set.vms {
            if u == v {
                continue;
            }
            let clash = match set.level {
                FaultDomain::Host => dc.host_of(u) == Some(h) || dc.vms_on(h).contains(&u),
                FaultDomain::Rack => {
                    dc.host_of(u).is_some_and(|hu| topo.domain(hu) == d)
                        || (dc.in_migration(u) && topo.hosts(d).iter().any(|&x| dc.vms_on(x).contains(&u)))
                }
            };
            if clash {
                return false;
            }
        }
    }
    true
}

/// A candidate's rank in the greedy rule, compared lexicographically.
#[derive(Debug, Clone, Copy)]
struct Rank {
    inter_rack_mbps: f64,
    rack_off: u8,
    host_idle: u8,
    inter_host_mbps: f64,
    host_left_mips: f64,
    host: HostId,
}

impl Rank {
    fn better_than(&self, o: &Rank) -> bool {
        self.inter_rack_mbps
            .total_cmp(&o.inter_rack_mbps)
            .then(self.rack_off.cmp(&o.rack_off))
            .then(self.host_idle.cmp(&o.host_idle))
            .then(self.inter_host_mbps.total_cmp(&o.inter_host_mbps))
            .then(self.host_left_mips.total_cmp(&o.host_left_mips))
            .then(self.host.cmp(&o.host))
            .is_lt()
    }
}

/// Step 4's greedy rule.
fn greedy(
    dc: &Datacenter,
    ctx: &mut PlacementContext<'_>,
    topo: &Topology,
    active: &[bool],
    v: VmId,
) -> Option<HostId> {
    let apps = &dc.spec().applications;
    // Placed partners: (host, rack, Mbit/s).
    let partners: Vec<(HostId, usize, f64)> = apps
        .neighbors(v)
        .filter_map(|(u, w)| dc.host_of(u).map(|hu| (hu, topo.domain(hu), w)))
        .collect();
    let demand = dc.vm_requested_mips(v);
    let mut best: Option<Rank> = None;
    let filter = ctx.filter;
    let mut consider = |best: &mut Option<Rank>, h: HostId| {
        if !suitable(dc, filter, h, v) {
            return;
        }
        let d = topo.domain(h);
        let (mut inter_rack, mut inter_host) = (0.0, 0.0);
        for &(hu, du, w) in &partners {
            if du != d {
                inter_rack += w;
            }
            if hu != h {
                inter_host += w;
            }
        }
        let rank = Rank {
            inter_rack_mbps: inter_rack,
            rack_off: u8::from(!active[d]),
            host_idle: u8::from(dc.is_idle(h)),
            inter_host_mbps: inter_host,
            host_left_mips: dc.available_mips(h) - demand,
            host: h,
        };
        if best.is_none_or(|b| rank.better_than(&b))
            && spreads(dc, topo, apps, h, v)
            && admitted(dc, ctx.admission, h, v)
        {
            *best = Some(rank);
        }
    };
    for h in dc.busy_hosts() {
        if !filter.is_excluded(h) {
            consider(&mut best, h);
        }
    }
    // Idle hosts where they could matter: racks that are on, racks of partners.
    let mut racks: Vec<usize> = (0..topo.len()).filter(|&d| active[d]).collect();
    racks.extend(partners.iter().map(|&(_, d, _)| d));
    racks.sort_unstable();
    racks.dedup();
    for &d in &racks {
        idle_in_domain(dc, filter, topo, d, |h| consider(&mut best, h));
    }
    // Any other idle host: the first of each type whose rack is not listed,
    // and (anti-collocation may rule it out) the first of each type overall.
    if !filter.exclude_idle {
        for t in 0..dc.spec().host_types.len() {
            let listed = |h: HostId| racks.binary_search(&topo.domain(h)).is_ok();
            if let Some(h) = dc.first_idle_host(t, |h| filter.is_excluded(h) || listed(h)) {
                consider(&mut best, h);
            }
        }
        if best.is_none() {
            // Every remaining idle host, rack by rack, until one spreads the sets.
            for d in 0..topo.len() {
                idle_in_domain(dc, filter, topo, d, |h| consider(&mut best, h));
                if best.is_some() {
                    break;
                }
            }
        }
    }
    best.map(|b| b.host)
}

/// Free capacity of a host while planning.
#[derive(Debug, Clone, Copy)]
struct Room {
    cpu_mips: f64,
    pe_mips: f64,
    ram_mb: f64,
    bw_mbps: f64,
    /// Nothing on it yet (idle, nothing planned).
    empty: bool,
}

/// An `f64` ordered by `total_cmp`, for sort keys.
#[derive(Debug, Clone, Copy, PartialEq)]
struct MipsKey(f64);

impl Eq for MipsKey {}

impl PartialOrd for MipsKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MipsKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What a VM needs.
#[derive(Debug, Clone, Copy)]
struct Need {
    vm: VmId,
    cpu_mips: f64,
    pe_mips: f64,
    ram_mb: f64,
    bw_mbps: f64,
}

/// A rack, the members it takes and their hosts.
type Fit = (usize, Vec<Need>, Vec<(VmId, HostId)>);

/// One planning pass (steps 1–3) over every unplaced member of every
/// application.
struct Planner<'a> {
    dc: &'a Datacenter,
    filter: HostFilter<'a>,
    topo: &'a Topology,
    apps: &'a Applications,
    /// Per rack: the members assigned to it so far.
    assigned: Vec<Vec<Need>>,
    /// Per rack: the packing of `assigned` found last.
    packing: Vec<Vec<(VmId, HostId)>>,
    /// Per rack: MIPS and RAM its eligible hosts have free now.
    free: Vec<(f64, f64)>,
    /// Rack each assigned member is in.
    rack_of: HashMap<VmId, usize>,
    /// Racks that are on or got a cluster.
    active: Vec<bool>,
}

impl Planner<'_> {
    fn eligible(&self, h: HostId) -> bool {
        !self.filter.excludes(self.dc, h)
    }

    fn room(&self, h: HostId) -> Room {
        let ht = self.dc.host_type(h);
        Room {
            cpu_mips: self.dc.available_mips(h),
            pe_mips: ht.mips_per_core,
            ram_mb: self.dc.ram_free_mb(h) as f64,
            bw_mbps: bw_free_mbps(self.dc, h),
            empty: self.dc.is_idle(h),
        }
    }

    /// Do VM `v`'s rack-level sets allow rack `d`, given the members already
    /// placed or assigned elsewhere and the `others` bound for `d` with it?
    fn rack_allows(&self, d: usize, v: VmId, others: &[Need]) -> bool {
        for (_, set) in self.apps.anti_collocation_of(v) {
            if set.level != FaultDomain::Rack {
                continue;
            }
            for &u in &set.vms {
                if u != v
                    && (self.rack_of.get(&u) == Some(&d)
                        || others.iter().any(|n| n.vm == u)
                        || self.dc.host_of(u).is_some_and(|h| self.topo.domain(h) == d))
                {
                    return false;
                }
            }
        }
        true
    }

    /// Step 3: best fit decreasing of every member bound for rack `d` —
    /// those assigned already plus `extra` — into its hosts as they are now,
    /// under host capacities and host-level anti-collocation. `None` if one
    /// does not fit.
    fn repack(&self, d: usize, extra: &[Need]) -> Option<Vec<(VmId, HostId)>> {
        let mut members: Vec<Need> = self.assigned[d].iter().chain(extra).copied().collect();
        // Largest first. Among equals, replicas interleaved — every set's
        // first member, then every second member, … — so that replicas of one
        // set do not compete for the same host's room; if that fails, members
        // of one application together; then interleaved in reverse order.
        let position = |v: VmId| {
            self.apps
                .anti_collocation_of(v)
                .filter(|(_, s)| s.level == FaultDomain::Host)
                .filter_map(|(_, s)| s.vms.iter().position(|&u| u == v))
                .min()
                .unwrap_or(0)
        };
        let size = |n: &Need| {
            (
                std::cmp::Reverse(MipsKey(n.cpu_mips)),
                std::cmp::Reverse(MipsKey(n.ram_mb)),
            )
        };
        members.sort_by_cached_key(|n| (size(n), position(n.vm), n.vm));
        if let Some(p) = self.best_fit(d, &members) {
            return Some(p);
        }
        // Without anti-collocation sets the order cannot matter more.
        self.apps.anti_collocation_sets().next()?;
        members.sort_by_cached_key(|n| (size(n), n.vm));
        if let Some(p) = self.best_fit(d, &members) {
            return Some(p);
        }
        members.sort_by_cached_key(|n| (size(n), position(n.vm), std::cmp::Reverse(n.vm)));
        self.best_fit(d, &members)
    }

    /// Best fit of `members` in the given order into rack `d`'s hosts;
    /// already-used hosts first, then the least MIPS left.
    fn best_fit(&self, d: usize, members: &[Need]) -> Option<Vec<(VmId, HostId)>> {
        let hosts: Vec<HostId> = self
            .topo
            .hosts(d)
            .iter()
            .copied()
            .filter(|&h| self.eligible(h))
            .collect();
        let mut rooms: Vec<Room> = hosts.iter().map(|&h| self.room(h)).collect();
        let mut out: Vec<(VmId, HostId)> = Vec::with_capacity(members.len());
        for need in members {
            let mut best: Option<(u8, f64, usize)> = None;
            for (i, r) in rooms.iter().enumerate() {
                let fits = r.pe_mips >= need.pe_mips
                    && r.cpu_mips >= need.cpu_mips
                    && r.ram_mb >= need.ram_mb
                    && r.bw_mbps >= need.bw_mbps;
                if !fits {
                    continue;
                }
                let key = (u8::from(r.empty), r.cpu_mips - need.cpu_mips, i);
                let wins = best.is_none_or(|b| key.0.cmp(&b.0).then(key.1.total_cmp(&b.1)).is_lt());
                if wins && self.host_allows(hosts[i], need.vm, &out) {
                    best = Some(key);
                }
            }
            let (_, _, i) = best?;
            let r = &mut rooms[i];
            r.cpu_mips -= need.cpu_mips;
            r.ram_mb -= need.ram_mb;
            r.bw_mbps -= need.bw_mbps;
            r.empty = false;
            out.push((need.vm, hosts[i]));
        }
        Some(out)
    }

    /// Do VM `v`'s host-level sets allow host `h`, given what runs there and
    /// what `planned` puts there?
    fn host_allows(&self, h: HostId, v: VmId, planned: &[(VmId, HostId)]) -> bool {
        if !spreads(self.dc, self.topo, self.apps, h, v) {
            return false;
        }
        for (_, set) in self.apps.anti_collocation_of(v) {
            if set.level == FaultDomain::Host
                && set
                    .vms
                    .iter()
                    .any(|&u| u != v && planned.iter().any(|&(p, ph)| p == u && ph == h))
            {
                return false;
            }
        }
        true
    }

    /// Traffic cluster `members` would send across racks if in rack `d`, to
    /// VMs outside the cluster whose rack is known (placed or assigned).
    fn cross_traffic(&self, d: usize, members: &[Need]) -> f64 {
        let mut mbps = 0.0;
        for n in members {
            for (u, w) in self.apps.neighbors(n.vm) {
                if members.iter().any(|m| m.vm == u) {
                    continue;
                }
                let rack = match self.rack_of.get(&u) {
                    Some(&r) => Some(r),
                    None => self.dc.host_of(u).map(|h| self.topo.domain(h)),
                };
                if rack.is_some_and(|r| r != d) {
                    mbps += w;
                }
            }
        }
        mbps
    }

    /// Racks in order of preference for `cluster`: least cross traffic, on
    /// before off, least MIPS left after it (fullest first), lowest index.
    fn preference(&self, cluster: &[Need]) -> Vec<usize> {
        let cpu: f64 = cluster.iter().map(|n| n.cpu_mips).sum();
        let assigned_cpu = |d: usize| self.assigned[d].iter().map(|n| n.cpu_mips).sum::<f64>();
        let mut keys: Vec<(f64, u8, f64, usize)> = (0..self.topo.len())
            .map(|d| {
                let left = self.free[d].0 - assigned_cpu(d) - cpu;
                (self.cross_traffic(d, cluster), u8::from(!self.active[d]), left, d)
            })
            .collect();
        keys.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        keys.into_iter().map(|k| k.3).collect()
    }

    /// Could rack `d` hold `cluster` in aggregate (CPU, RAM) and by its
    /// rack-level sets? A cheap test before [`repack`](Self::repack).
    fn may_hold(&self, d: usize, cluster: &[Need]) -> bool {
        let (cpu, ram) = self.assigned[d]
            .iter()
            .chain(cluster)
            .fold((0.0, 0.0), |(c, r), n| (c + n.cpu_mips, r + n.ram_mb));
        cpu <= self.free[d].0
            && ram <= self.free[d].1
            && cluster
                .iter()
                .enumerate()
                .all(|(i, n)| self.rack_allows(d, n.vm, &cluster[..i]))
    }

    /// The first of `racks` that holds all of `cluster`, with its packing.
    fn whole(&self, racks: &[usize], cluster: &[Need]) -> Option<Fit> {
        racks.iter().find_map(|&d| {
            if !self.may_hold(d, cluster) {
                return None;
            }
            self.repack(d, cluster).map(|p| (d, cluster.to_vec(), p))
        })
    }

    /// The one of `racks` that holds the most members of `cluster` (taken
    /// largest first while they fit; ties to the earlier rack), with its
    /// packing.
    fn partial(&self, racks: &[usize], cluster: &[Need]) -> Option<Fit> {
        let mut best: Option<Fit> = None;
        for &d in racks {
            let mut taken: Vec<Need> = Vec::new();
            let mut packing = Vec::new();
            for &need in cluster {
                taken.push(need);
                match self.may_hold(d, &taken).then(|| self.repack(d, &taken)).flatten() {
                    Some(p) => packing = p,
                    None => {
                        taken.pop();
                    }
                }
            }
            if !taken.is_empty() && best.as_ref().is_none_or(|b| taken.len() > b.1.len()) {
                best = Some((d, taken, packing));
            }
        }
        best
    }

    fn commit(&mut self, d: usize, members: &[Need], packing: Vec<(VmId, HostId)>) {
        for n in members {
            self.rack_of.insert(n.vm, d);
        }
        self.assigned[d].extend_from_slice(members);
        self.packing[d] = packing;
        self.active[d] = true;
    }
}

impl Scavp {
    /// Steps 1–3 for the unplaced members `members` of the applications.
    fn plan(&mut self, dc: &Datacenter, filter: HostFilter<'_>, topo: &Topology, members: &[VmId]) {
        let apps = &dc.spec().applications;
        let mut planner = Planner {
            dc,
            filter,
            topo,
            apps,
            assigned: vec![Vec::new(); topo.len()],
            packing: vec![Vec::new(); topo.len()],
            free: Vec::with_capacity(topo.len()),
            rack_of: HashMap::new(),
            active: self.active.clone(),
        };
        for d in 0..topo.len() {
            let (mut cpu, mut ram) = (0.0, 0.0);
            for &h in topo.hosts(d) {
                if planner.eligible(h) {
                    cpu += dc.available_mips(h).max(0.0);
                    ram += dc.ram_free_mb(h) as f64;
                }
            }
            planner.free.push((cpu, ram));
        }
        let needs: Vec<Need> = members
            .iter()
            .map(|&v| {
                let vt = dc.vm_type(v);
                let cpu = dc.vm_requested_mips(v);
                Need {
                    vm: v,
                    cpu_mips: cpu,
                    pe_mips: cpu / f64::from(vt.cores),
                    ram_mb: vt.ram_mb as f64,
                    bw_mbps: vt.bw_mbps,
                }
            })
            .collect();
        let index: HashMap<VmId, usize> = members.iter().enumerate().map(|(i, &v)| (v, i)).collect();

        // Step 1: heavy-edge clustering under the roomiest rack's capacity.
        let cap_cpu = planner.free.iter().map(|f| f.0).fold(0.0, f64::max) * self.rack_fill;
        let cap_ram = planner.free.iter().map(|f| f.1).fold(0.0, f64::max) * self.rack_fill;
        let mut edges: Vec<(f64, usize, usize)> = Vec::new();
        for (i, &v) in members.iter().enumerate() {
            for (u, w) in apps.neighbors(v) {
                if let Some(&j) = index.get(&u)
                    && i < j
                {
                    edges.push((w, i, j));
                }
            }
        }
        edges.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        let n = members.len();
        let mut parent: Vec<usize> = (0..n).collect();
        let mut cpu: Vec<f64> = needs.iter().map(|x| x.cpu_mips).collect();
        let mut ram: Vec<f64> = needs.iter().map(|x| x.ram_mb).collect();
        let mut sets: Vec<Vec<usize>> = members
            .iter()
            .map(|&v| {
                apps.anti_collocation_of(v)
                    .filter(|(_, s)| s.level == FaultDomain::Rack)
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for &(_, i, j) in &edges {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a == b
                || cpu[a] + cpu[b] > cap_cpu
                || ram[a] + ram[b] > cap_ram
                || sets[a].iter().any(|s| sets[b].contains(s))
            {
                continue;
            }
            parent[b] = a;
            cpu[a] += cpu[b];
            ram[a] += ram[b];
            let moved = std::mem::take(&mut sets[b]);
            sets[a].extend(moved);
        }
        let mut clusters: Vec<Vec<Need>> = Vec::new();
        let mut cluster_of_root: Vec<Option<usize>> = vec![None; n];
        for (i, need) in needs.iter().enumerate() {
            let r = find(&mut parent, i);
            let c = *cluster_of_root[r].get_or_insert_with(|| {
                clusters.push(Vec::new());
                clusters.len() - 1
            });
            clusters[c].push(*need);
        }

        // Step 2: clusters → racks, most traffic (then demand) first.
        let weight = |c: &[Need]| -> (f64, f64) {
            let traffic = c
                .iter()
                .map(|x| apps.neighbors(x.vm).map(|(_, w)| w).sum::<f64>())
                .sum();
            (traffic, c.iter().map(|x| x.cpu_mips).sum())
        };
        clusters.sort_by(|a, b| {
            let (ta, ca) = weight(a);
            let (tb, cb) = weight(b);
            tb.total_cmp(&ta).then(cb.total_cmp(&ca))
        });
        let mut queue: VecDeque<Vec<Need>> = clusters.into();
        while let Some(mut cluster) = queue.pop_front() {
            cluster.sort_by(|a, b| b.cpu_mips.total_cmp(&a.cpu_mips).then(a.vm.cmp(&b.vm)));
            let order = planner.preference(&cluster);
            let (on, off): (Vec<usize>, Vec<usize>) = order.iter().partition(|&&d| planner.active[d]);
            let best = planner
                .whole(&on, &cluster)
                .or_else(|| self.fill_racks.then(|| planner.partial(&on, &cluster)).flatten())
                .or_else(|| planner.whole(&off, &cluster))
                .or_else(|| planner.partial(&order, &cluster));
            match best {
                None => {
                    for x in &cluster {
                        self.plan[x.vm.index()] = Planned::Greedy;
                    }
                }
                Some((d, taken, packing)) => {
                    let rest: Vec<Need> = cluster
                        .into_iter()
                        .filter(|x| !taken.iter().any(|t| t.vm == x.vm))
                        .collect();
                    planner.commit(d, &taken, packing);
                    if !rest.is_empty() {
                        queue.push_front(rest);
                    }
                }
            }
        }
        // Step 3's packings become the plan.
        for packing in &planner.packing {
            for &(v, h) in packing {
                self.plan[v.index()] = Planned::Host(h);
            }
        }
    }
}

impl PlacementPolicy for Scavp {
    fn name(&self) -> &'static str {
        "scavp"
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        let apps = &dc.spec().applications;
        vms.sort_by(|&a, &b| {
            let rank = |v: VmId| apps.app_of(v).unwrap_or(usize::MAX);
            rank(a)
                .cmp(&rank(b))
                .then(dc.vm_requested_mips(b).total_cmp(&dc.vm_requested_mips(a)))
        });
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mut cache = std::mem::take(&mut self.topology);
        let topo = cache.get(dc);
        active_domains(dc, topo, &mut self.active);
        if self.plan.len() != dc.vm_count() {
            self.plan = vec![Planned::No; dc.vm_count()];
        }
        let apps = &dc.spec().applications;
        let mut choice = None;
        if self.hierarchical
            && let Some(a) = apps.app_of(v)
        {
            // Members waiting for a host and not planned yet. (A member
            // planned before but never placed — say, retired — keeps its
            // stale entry rather than trigger planning again and again.)
            let plan = &self.plan;
            let waiting =
                |u: VmId| dc.host_of(u).is_none() && !dc.in_migration(u) && plan[u.index()] == Planned::No;
            if waiting(v) && apps.apps()[a].vms.iter().any(|&u| u != v && waiting(u)) {
                let unplaced: Vec<VmId> = apps
                    .apps()
                    .iter()
                    .flat_map(|app| app.vms.iter().copied())
                    .filter(|&u| waiting(u))
                    .collect();
                self.plan(dc, ctx.filter, topo, &unplaced);
            }
            if let Planned::Host(h) = std::mem::replace(&mut self.plan[v.index()], Planned::No)
                && suitable(dc, ctx.filter, h, v)
                && spreads(dc, topo, apps, h, v)
                && admitted(dc, ctx.admission, h, v)
            {
                choice = Some(h);
            }
        }
        let choice = choice.or_else(|| greedy(dc, ctx, topo, &self.active, v));
        self.topology = cache;
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::{AntiCollocation, Application, Flow};
    use crate::datacenter::HostSpec;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, place_all};

    /// Two racks of `per_rack` hosts of 1000 MIPS; VMs of the given MIPS.
    fn racked(per_rack: usize, vm_mips: &[f64], apps: Vec<Application>) -> Datacenter {
        let mut s = spec(&vec![(1000.0, 1, 100.0, 200.0); 2 * per_rack], vm_mips);
        for (i, h) in s.hosts.iter_mut().enumerate() {
            *h = HostSpec {
                rack: Some((i / per_rack) as u32),
                ..*h
            };
        }
        s.applications = Applications::new(apps);
        s.validate().unwrap();
        Datacenter::new(s)
    }

    /// Any host, no admission check.
    macro_rules! ctx {
        () => {
            &mut PlacementContext {
                filter: HostFilter::ALL,
                admission: &mut NoAdmissionCheck,
            }
        };
    }

    fn flow(a: u32, b: u32, mbps: f64) -> Flow {
        Flow {
            from: VmId(a),
            to: VmId(b),
            mbps,
        }
    }

    #[test]
    fn keeps_talking_vms_in_one_rack_and_spreads_replicas() {
        // Two apps of 3 VMs (500 MIPS): 0-1-2 and 3-4-5, chatty inside; hosts
        // hold two VMs each, racks two hosts. Replicas 1 and 2 on distinct hosts.
        let apps = vec![
            Application {
                name: "a".into(),
                vms: vec![VmId(0), VmId(1), VmId(2)],
                traffic: vec![flow(0, 1, 100.0), flow(0, 2, 100.0)],
                anti_collocation: vec![AntiCollocation {
                    vms: vec![VmId(1), VmId(2)],
                    level: FaultDomain::Host,
                }],
            },
            Application {
                name: "b".into(),
                vms: vec![VmId(3), VmId(4), VmId(5)],
                traffic: vec![flow(3, 4, 10.0), flow(4, 5, 10.0)],
                anti_collocation: vec![],
            },
        ];
        let fresh = || racked(2, &[500.0; 6], apps.clone());
        let mut dc = fresh();
        let mut vms: Vec<VmId> = (0..6).map(VmId).collect();
        let mut whole = Scavp {
            fill_racks: false,
            ..Scavp::default()
        };
        assert!(place_all(&mut whole, &mut dc, ctx!(), &mut vms).is_empty());
        let rack = |dc: &Datacenter, v: u32| dc.spec().hosts[dc.host_of(VmId(v)).unwrap().index()].rack;
        assert_eq!(rack(&dc, 0), rack(&dc, 1));
        assert_eq!(rack(&dc, 0), rack(&dc, 2));
        assert_ne!(dc.host_of(VmId(1)), dc.host_of(VmId(2)));
        assert_eq!(rack(&dc, 3), rack(&dc, 4));
        assert_eq!(rack(&dc, 4), rack(&dc, 5));
        let hosts = |dc: &Datacenter| dc.hosts().filter(|&h| !dc.vms_on(h).is_empty()).count();
        assert_eq!(hosts(&dc), 4);

        // Filling rack 0's last free slot with one VM of "b" saves a host,
        // at the price of splitting "b" over the racks.
        let mut dc = fresh();
        let mut vms: Vec<VmId> = (0..6).map(VmId).collect();
        assert!(place_all(&mut Scavp::default(), &mut dc, ctx!(), &mut vms).is_empty());
        assert_eq!(hosts(&dc), 3);
        assert_eq!(rack(&dc, 0), rack(&dc, 2));
        assert_ne!(dc.host_of(VmId(1)), dc.host_of(VmId(2)));
    }

    #[test]
    fn never_breaks_a_rack_level_set() {
        // Three replicas that must sit in distinct racks, but only two racks.
        let apps = vec![Application {
            name: "db".into(),
            vms: vec![VmId(0), VmId(1), VmId(2)],
            traffic: vec![],
            anti_collocation: vec![AntiCollocation {
                vms: vec![VmId(0), VmId(1), VmId(2)],
                level: FaultDomain::Rack,
            }],
        }];
        let mut dc = racked(2, &[100.0; 3], apps);
        let mut vms: Vec<VmId> = (0..3).map(VmId).collect();
        let unplaced = place_all(&mut Scavp::default(), &mut dc, ctx!(), &mut vms);
        assert_eq!(unplaced.len(), 1);
        let r0 = dc.spec().hosts[dc.host_of(VmId(0)).unwrap().index()].rack;
        let r1 = dc.spec().hosts[dc.host_of(VmId(1)).unwrap().index()].rack;
        assert_ne!(r0, r1);
    }

    #[test]
    fn greedy_follows_placed_partners() {
        let apps = vec![Application {
            name: "a".into(),
            vms: vec![VmId(0), VmId(1)],
            traffic: vec![flow(1, 0, 5.0)],
            anti_collocation: vec![],
        }];
        let mut dc = racked(2, &[900.0, 500.0, 300.0], apps);
        // Rack 0 is on (VM 2 on host 0); VM 0 sits in rack 1 (host 3).
        assert!(dc.create_vm(HostId(0), VmId(2)));
        assert!(dc.create_vm(HostId(3), VmId(0)));
        // Host 3 has only 100 MIPS left: VM 1 goes to host 2, rack 1.
        assert_eq!(
            Scavp::default().select_host(&dc, ctx!(), VmId(1)),
            Some(HostId(2))
        );
    }
}
