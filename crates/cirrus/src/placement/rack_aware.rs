//! Rack-aware placement: as few racks on as possible.

use super::support::{
    Topology, TopologyCache, active_domains, admitted, idle_in_domain, sort_decreasing, suitable,
};
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// Rack-level best fit decreasing: racks are the bins first, hosts second,
/// so that whole racks — hosts, top-of-rack switch, rack cooling — stay off.
/// A design of this project in the spirit of the rack-first rule of OMBFD
/// (Esfandiarpoor et al. 2015) and of the traffic-locality argument of
/// SCAVP (Jayasinghe et al., SCC 2011); `docs/MODELS.md` B.2/B.4 mark
/// the published rules as unverified, so this is the plain bin-packing
/// version:
///
/// * a batch is sorted by requested MIPS, decreasing (then RAM);
/// * a VM goes into a rack that is already on (one of its hosts busy) when
///   any host there is suitable and admitted; among those racks the one with
///   the least MIPS left over afterwards (the fullest rack, best fit at rack
///   level) wins; inside it a busy host before an idle one, then the host
///   with the least MIPS left (best fit), then the lowest id;
/// * only when no rack that is on can take the VM is a rack switched on:
///   the host (in a rack that is off) with the least MIPS left, ties to the
///   lowest id, hence the lowest-numbered rack.
///
/// By construction a new rack is opened only when no host of an active rack
/// qualifies. The admission check applies as in PABFD. Without racks every
/// host is a rack of its own and the policy is best fit with a preference
/// for busy hosts. Per call it looks at the busy hosts, the hosts of active
/// racks, and the first idle host of each type among racks that are off.
#[derive(Debug, Clone, Default)]
pub struct RackAware {
    topology: TopologyCache,
    active: Vec<bool>,
    used_mips: Vec<f64>,
}

pub(super) fn build(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(RackAware::default()))
}

/// A candidate's rank, compared lexicographically (smaller is better).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rank {
    /// 0: in a rack that is on; 1: would switch a rack on.
    rack_off: u8,
    /// MIPS the rack has left after the placement (0 for racks that are off:
    /// they are compared by host only).
    rack_left_mips: f64,
    /// 0: busy host; 1: idle host.
    host_idle: u8,
    /// MIPS the host has left after the placement.
    host_left_mips: f64,
    host: HostId,
}

impl Rank {
    fn better_than(&self, o: &Rank) -> bool {
        self.rack_off
            .cmp(&o.rack_off)
            .then(self.rack_left_mips.total_cmp(&o.rack_left_mips))
            .then(self.host_idle.cmp(&o.host_idle))
            .then(self.host_left_mips.total_cmp(&o.host_left_mips))
            .then(self.host.cmp(&o.host))
            .is_lt()
    }
}

impl PlacementPolicy for RackAware {
    fn name(&self) -> &'static str {
        "rack-aware"
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        sort_decreasing(dc, vms);
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mut cache = std::mem::take(&mut self.topology);
        let topo: &Topology = cache.get(dc);
        active_domains(dc, topo, &mut self.active);
        self.used_mips.clear();
        self.used_mips.resize(topo.len(), 0.0);
        for h in dc.busy_hosts() {
            self.used_mips[topo.domain(h)] += dc.host_type(h).total_mips() - dc.available_mips(h);
        }
        let demand = dc.vm_requested_mips(v);
        let (active, used) = (&self.active, &self.used_mips);
        let mut best: Option<Rank> = None;
        let filter = ctx.filter;
        let mut consider = |best: &mut Option<Rank>, h: HostId, rack_off: bool| {
            if !suitable(dc, filter, h, v) {
                return;
            }
            let d = topo.domain(h);
            let rank = Rank {
                rack_off: u8::from(rack_off),
                rack_left_mips: if rack_off {
                    0.0
                } else {
                    topo.capacity_mips(d) - used[d] - demand
                },
                host_idle: u8::from(dc.is_idle(h)),
                host_left_mips: dc.available_mips(h) - demand,
                host: h,
            };
            if best.is_none_or(|b| rank.better_than(&b)) && admitted(dc, ctx.admission, h, v) {
                *best = Some(rank);
            }
        };
        for h in dc.busy_hosts() {
            if !filter.is_excluded(h) {
                consider(&mut best, h, false);
            }
        }
        for d in (0..topo.len()).filter(|&d| active[d]) {
            idle_in_domain(dc, filter, topo, d, |h| consider(&mut best, h, false));
        }
        // Racks that are off, only if nothing in an active rack qualified.
        if best.is_none() && !filter.exclude_idle {
            for t in 0..dc.spec().host_types.len() {
                if let Some(h) = dc.first_idle_host(t, |h| filter.is_excluded(h) || active[topo.domain(h)]) {
                    consider(&mut best, h, true);
                }
            }
        }
        self.topology = cache;
        best.map(|b| b.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::HostSpec;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, place_all};

    #[test]
    fn fills_active_racks_first_and_the_fullest_rack_first() {
        // Three racks of two hosts (1000 MIPS each).
        let mut spec = spec(
            &[(1000.0, 1, 100.0, 200.0); 6],
            &[600.0, 300.0, 300.0, 600.0, 300.0],
        );
        for (i, h) in spec.hosts.iter_mut().enumerate() {
            *h = HostSpec {
                rack: Some(i as u32 / 2),
                ..*h
            };
        }
        let mut dc = Datacenter::new(spec);
        // Rack 1 (hosts 2, 3) is on and fuller than rack 2 (host 4).
        assert!(dc.create_vm(HostId(2), VmId(0)));
        assert!(dc.create_vm(HostId(3), VmId(3)));
        assert!(dc.create_vm(HostId(4), VmId(1)));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        let mut p = RackAware::default();
        // 300 MIPS: rack 1 has 800 left, rack 2 has 1700: rack 1, best host 2 or 3 (tie → 2).
        assert_eq!(p.select_host(&dc, &mut ctx, VmId(2)), Some(HostId(2)));
        let mut vms = [VmId(2), VmId(4)];
        assert!(place_all(&mut p, &mut dc, &mut ctx, &mut vms).is_empty());
        // Rack 0 stays off.
        assert!(dc.is_idle(HostId(0)) && dc.is_idle(HostId(1)));
    }
}
