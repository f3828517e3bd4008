//! Can a host take a VM now? CloudSim's `Host.isSuitableForVm`.

use super::{Datacenter, HostId, HostState, VmId};

/// What a VM asks of a host ([`Datacenter::vm_need`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VmNeed {
    /// MIPS per PE it requests now.
    pub mips_per_pe: f64,
    /// MIPS it requests now in total.
    pub mips: f64,
    /// RAM it would reserve, MB.
    pub ram_mb: u64,
    /// Bandwidth it would reserve, Mbit/s.
    pub bw_mbps: f64,
}

impl Datacenter {
    /// CloudSim's `Host.isSuitableForVm`: PE capacity ≥ the MIPS the VM
    /// currently requests per PE (its full MIPS while being instantiated, its
    /// trace-driven demand later), free MIPS ≥ its current total request, free
    /// RAM and bandwidth for what it would reserve.
    /// A host that is not [`HostState::Up`] suits no VM. A real-time VM with a reservation
    /// needs its full MIPS, and the free MIPS exclude every reservation on the host in full
    /// (docs/REALTIME.md).
    #[inline]
    pub fn is_suitable(&self, h: HostId, v: VmId) -> bool {
        self.suits(h, &self.vm_need(v))
    }

    /// What VM `v` asks of a host now, for [`suits`](Self::suits): a policy
    /// that tests many hosts for one VM reads the VM once.
    #[inline]
    pub fn vm_need(&self, v: VmId) -> VmNeed {
        let (ram_mb, bw_mbps) = self.memory_request(v);
        if self.reserve_mips(v) > 0.0 {
            // A reservation is admitted at its full MIPS, whatever the VM uses now.
            let vt = self.vm_type(v);
            return VmNeed {
                mips_per_pe: vt.mips,
                mips: vt.total_mips(),
                ram_mb,
                bw_mbps,
            };
        }
        VmNeed {
            mips_per_pe: self.vm_requested_mips_per_pe[v.index()],
            mips: self.vm_requested_mips(v),
            ram_mb,
            bw_mbps,
        }
    }

    /// [`is_suitable`](Self::is_suitable) for a VM needing `need`.
    #[inline(always)]
    pub fn suits(&self, h: HostId, need: &VmNeed) -> bool {
        let hi = h.index();
        self.host_state[hi] == HostState::Up
            && self.host_type(h).mips_per_core >= need.mips_per_pe
            && self.host_available_mips[hi] >= need.mips
            && self.host_ram_free_mb[hi] >= need.ram_mb
            && self.host_bw_free_mbps[hi] >= need.bw_mbps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    #[test]
    fn each_resource_can_refuse_a_vm() {
        // One host of 2 × 1000 MIPS, 4096 MB, 1000 Mbit/s; VMs of 512 MB, 100 Mbit/s.
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[1200.0, 900.0, 900.0, 300.0, 10.0]);
        s.vm_types[4].ram_mb = 4000;
        let mut dc = Datacenter::new(s);
        let h = HostId(0);
        // Per PE: 1200 MIPS on one virtual core exceeds a 1000-MIPS core.
        assert!(!dc.is_suitable(h, VmId(0)));
        assert!(dc.is_suitable(h, VmId(1)));
        assert!(dc.create_vm(h, VmId(1)) && dc.create_vm(h, VmId(2)));
        // 200 MIPS left: 300 does not fit, by CPU alone.
        assert_eq!(dc.available_mips(h), 200.0);
        assert!(!dc.is_suitable(h, VmId(3)));
        // RAM: 4096 − 2 × 512 left, the 4000-MB VM does not fit; without
        // reservations (CloudSim after creation) it does.
        assert!(!dc.is_suitable(h, VmId(4)));
        dc.set_reserve_memory(false);
        assert!(dc.is_suitable(h, VmId(4)));
        // Bandwidth.
        dc.set_reserve_memory(true);
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[10.0]);
        s.vm_types[0].bw_mbps = 1000.5;
        assert!(!Datacenter::new(s).is_suitable(h, VmId(0)));
    }

    #[test]
    fn a_host_that_is_not_up_suits_no_vm() {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[100.0]));
        for (state, suits) in [
            (HostState::Failing, false),
            (HostState::Down, false),
            (HostState::Up, true),
        ] {
            dc.set_host_state(HostId(0), state);
            assert_eq!(dc.is_suitable(HostId(0), VmId(0)), suits, "{state:?}");
        }
    }

    #[test]
    fn the_need_follows_the_request_and_the_reservation_rule() {
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[400.0]);
        s.vm_types[0].cores = 2;
        s.traces[0] = crate::workload::UtilizationTrace::new("half", 300.0, vec![0.5]).unwrap();
        let mut dc = Datacenter::new(s);
        let v = VmId(0);
        // Being created: its full MIPS (CloudSim's Vm.getCurrentRequestedMips).
        let need = dc.vm_need(v);
        assert_eq!(
            (need.mips_per_pe, need.mips, need.ram_mb, need.bw_mbps),
            (400.0, 800.0, 512, 100.0)
        );
        assert!(dc.create_vm(HostId(0), v));
        dc.step_host(HostId(0), 300.0);
        assert_eq!((dc.vm_need(v).mips_per_pe, dc.vm_need(v).mips), (200.0, 400.0));
        dc.set_reserve_memory(false);
        assert_eq!((dc.vm_need(v).ram_mb, dc.vm_need(v).bw_mbps), (0, 0.0));
    }
}
