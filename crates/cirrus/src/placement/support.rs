//! Pieces the placement policies share: the admission rule, candidate
//! enumeration, residual-capacity measures, and the rack topology.

use super::{AdmissionCheck, HostFilter};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// Could VM `v` go to host `h` as far as exclusions and room go? Not
/// excluded (idle hosts included when the context says so) and suitable
/// ([`Datacenter::is_suitable`]: up, not failing, room for the VM's MIPS per
/// core and in total, RAM and bandwidth). A [`PlacementPolicy`](super::PlacementPolicy)
/// must return only such a host; with [`admitted`], the test every shipped
/// policy applies to a candidate.
#[inline]
pub fn suitable(dc: &Datacenter, filter: HostFilter<'_>, h: HostId, v: VmId) -> bool {
    !filter.excludes(dc, h) && dc.is_suitable(h, v)
}

/// Does host `h` pass the context's admission check for VM `v`? Only a host
/// whose scheduler already hands out MIPS is tested: PABFD's rule (Beloglazov
/// & Buyya, CCPE 2012), since a lone VM that fits cannot overload a
/// switched-off host. The check can be costly (consolidation's detectors
/// regress over histories), so policies ask it last, only of a host that
/// would otherwise win.
///
/// ```
/// use cirrus::datacenter::{Datacenter, HostId, VmId};
/// use cirrus::placement::{PlacementContext, admitted, suitable};
///
/// /// The lowest-id host that takes `v`: first fit, as any policy would check a candidate.
/// fn first_fit(dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
///     dc.hosts()
///         .find(|&h| suitable(dc, ctx.filter, h, v) && admitted(dc, &mut *ctx.admission, h, v))
/// }
/// ```
#[inline]
pub fn admitted(dc: &Datacenter, admission: &mut dyn AdmissionCheck, h: HostId, v: VmId) -> bool {
    !(dc.potential_utilization_mips(h) != 0.0 && admission.overloaded_after(dc, h, v))
}

/// Calls `f` on every host a policy whose score depends only on a host's
/// state needs to look at: every busy host (not excluded), and the
/// lowest-id idle host of each type (not excluded; none if the context
/// excludes idle hosts). Idle hosts of one type are interchangeable — no VM
/// listed, nothing delivered — so a policy that breaks ties towards the lower
/// id gets the same answer as from scanning every host, in time that grows
/// with the busy hosts. The candidates still need [`suitable`] and
/// [`admitted`].
pub fn for_each_candidate(dc: &Datacenter, filter: HostFilter<'_>, mut f: impl FnMut(HostId)) {
    if !filter.exclude_idle {
        for t in 0..dc.spec().host_types.len() {
            if let Some(h) = dc.first_idle_host(t, |h| filter.is_excluded(h)) {
                f(h);
            }
        }
    }
    for h in dc.busy_hosts() {
        if !filter.is_excluded(h) {
            f(h);
        }
    }
}

/// The requested MIPS of VM `v` when it was created: its nominal capacity
/// (VM type MIPS × cores), what "requested MIPS" means for OBFD's sort and
/// what a batch of new VMs asks for under CloudSim's creation rule.
#[inline]
pub(crate) fn nominal_mips(dc: &Datacenter, v: VmId) -> f64 {
    dc.vm_type(v).total_mips()
}

/// Sorts `vms` by current CPU request, decreasing, then by RAM, decreasing;
/// stable, so equal VMs keep their order (the "decreasing" of FFD and BFD).
pub(crate) fn sort_decreasing(dc: &Datacenter, vms: &mut [VmId]) {
    vms.sort_by(|&a, &b| {
        dc.vm_requested_mips(b)
            .total_cmp(&dc.vm_requested_mips(a))
            .then(dc.vm_type(b).ram_mb.cmp(&dc.vm_type(a).ram_mb))
    });
}

/// What "residual capacity" means for the best- and worst-fit policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Residual {
    /// MIPS left unallocated on the host after the placement (the classic
    /// one-dimensional bin-packing residual; CPU is what the time-shared
    /// scheduler shares).
    #[default]
    Cpu,
    /// The sum over CPU, RAM and bandwidth of the fraction of the host's
    /// capacity left after the placement: a host nearly full in any one
    /// resource counts as fuller than one with room in all three.
    All,
}

impl Residual {
    /// Reads the `residual` parameter (`"cpu"` or `"all"`, default `"cpu"`).
    pub(crate) fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        match params.text("residual")?.as_deref() {
            None | Some("cpu") => Ok(Self::Cpu),
            Some("all") => Ok(Self::All),
            Some(other) => Err(ParamError::new(
                "residual",
                format!("expected \"cpu\" or \"all\", found {other:?}"),
            )),
        }
    }

    /// Residual capacity of host `h` once VM `v` is on it.
    pub(crate) fn after(self, dc: &Datacenter, h: HostId, v: VmId) -> f64 {
        let cpu_left = dc.available_mips(h) - dc.vm_requested_mips(v);
        match self {
            Self::Cpu => cpu_left,
            Self::All => {
                let ht = dc.host_type(h);
                let vt = dc.vm_type(v);
                let ram_left = dc.ram_free_mb(h) as f64 - vt.ram_mb as f64;
                let bw_left = bw_free_mbps(dc, h) - vt.bw_mbps;
                cpu_left / ht.total_mips() + ram_left / ht.ram_mb as f64 + bw_left / ht.bw_mbps
            }
        }
    }
}

/// Bandwidth of host `h` not claimed by the VMs listed on it (by their types;
/// the datacenter does not expose its own reservation).
pub(crate) fn bw_free_mbps(dc: &Datacenter, h: HostId) -> f64 {
    let used: f64 = dc.vms_on(h).iter().map(|&u| dc.vm_type(u).bw_mbps).sum();
    dc.host_type(h).bw_mbps - used
}

/// A `f64` score with ties to the lower host id: is `(score, h)` better
/// (smaller) than the current best?
#[inline]
pub(crate) fn better(best: Option<(HostId, f64)>, h: HostId, score: f64) -> bool {
    best.is_none_or(|(b, s)| score < s || (score == s && h < b))
}

/// Fault domains: racks, and a domain of its own for each host without a
/// rack. Dense indices, racks first (in rack-id order), then rackless hosts
/// in id order. Built from the spec once per datacenter and cached by
/// [`TopologyCache`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Topology {
    /// Dense domain of each host.
    domain_of: Vec<u32>,
    /// Hosts of each domain, in id order.
    hosts_in: Vec<Vec<HostId>>,
    /// Total MIPS of each domain's hosts.
    capacity_mips: Vec<f64>,
    /// Identifies the datacenter the topology was built for.
    key: (usize, usize),
}

impl Topology {
    /// The topology of `dc`'s hosts.
    pub(crate) fn new(dc: &Datacenter) -> Self {
        let hosts = &dc.spec().hosts;
        let mut racks: Vec<u32> = hosts.iter().filter_map(|h| h.rack).collect();
        racks.sort_unstable();
        racks.dedup();
        let mut hosts_in = vec![Vec::new(); racks.len()];
        let mut domain_of = Vec::with_capacity(hosts.len());
        for (i, h) in hosts.iter().enumerate() {
            let d = match h.rack {
                // Present by construction of `racks`.
                Some(r) => racks.binary_search(&r).unwrap_or(0),
                None => {
                    hosts_in.push(Vec::new());
                    hosts_in.len() - 1
                }
            };
            hosts_in[d].push(HostId(i as u32));
            domain_of.push(d as u32);
        }
        let capacity_mips = hosts_in
            .iter()
            .map(|hs| hs.iter().map(|&h| dc.host_type(h).total_mips()).sum())
            .collect();
        Self {
            domain_of,
            hosts_in,
            capacity_mips,
            key: key_of(dc),
        }
    }

    /// Number of domains.
    pub(crate) fn len(&self) -> usize {
        self.hosts_in.len()
    }

    /// The domain (rack) of host `h`.
    #[inline]
    pub(crate) fn domain(&self, h: HostId) -> usize {
        self.domain_of[h.index()] as usize
    }

    /// The hosts of domain `d`, in id order.
    pub(crate) fn hosts(&self, d: usize) -> &[HostId] {
        &self.hosts_in[d]
    }

    /// Total MIPS of domain `d`'s hosts.
    pub(crate) fn capacity_mips(&self, d: usize) -> f64 {
        self.capacity_mips[d]
    }
}

/// What identifies a datacenter's host list: its heap address and length.
/// A [`Datacenter`] never changes its spec, and the address survives moves
/// of the datacenter itself.
fn key_of(dc: &Datacenter) -> (usize, usize) {
    let hosts = &dc.spec().hosts;
    (hosts.as_ptr() as usize, hosts.len())
}

/// A [`Topology`] built on first use and rebuilt only for another datacenter.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopologyCache(Option<Topology>);

impl TopologyCache {
    /// The topology of `dc`.
    pub(crate) fn get(&mut self, dc: &Datacenter) -> &Topology {
        if self.0.as_ref().is_none_or(|t| t.key != key_of(dc)) {
            self.0 = Some(Topology::new(dc));
        }
        self.0.get_or_insert_with(Topology::default)
    }
}

/// Which domains hold a busy host ("racks that are on"), as a bitmap over
/// the topology's domains; refilled per call from the busy hosts only.
pub(crate) fn active_domains(dc: &Datacenter, topo: &Topology, out: &mut Vec<bool>) {
    out.clear();
    out.resize(topo.len(), false);
    for h in dc.busy_hosts() {
        out[topo.domain(h)] = true;
    }
}

/// For each host type, the lowest-id idle, non-excluded host of domain `d`
/// (each type at most once): the domain's interchangeable idle candidates.
/// With more than 64 host types every idle host of the domain is visited
/// (same choice, more work).
pub(crate) fn idle_in_domain(
    dc: &Datacenter,
    filter: HostFilter<'_>,
    topo: &Topology,
    d: usize,
    mut f: impl FnMut(HostId),
) {
    if filter.exclude_idle {
        return;
    }
    let n_types = dc.spec().host_types.len();
    let all_seen = if n_types >= 64 {
        u64::MAX
    } else {
        (1u64 << n_types) - 1
    };
    let mut seen = 0u64;
    for &h in topo.hosts(d) {
        if seen == all_seen && n_types <= 64 {
            break;
        }
        if !dc.is_idle(h) || filter.is_excluded(h) {
            continue;
        }
        let t = dc.spec().hosts[h.index()].host_type;
        let bit = if t < 64 { 1u64 << t } else { 0 };
        if n_types > 64 || seen & bit == 0 {
            seen |= bit;
            f(h);
        }
    }
}
