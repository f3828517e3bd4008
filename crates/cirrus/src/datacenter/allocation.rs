//! Who runs where: placing VMs on hosts and removing them (CloudSim's
//! `vmCreate`/`vmDestroy`), each host's list with its reservations, free RAM
//! and bandwidth, host states, and the busy/idle host sets placement reads.

use super::planning::Change;
use super::{Datacenter, HostId, HostState, Slot, VmId};

/// Indices of the set bits of `words`, ascending.
fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(w * 64 + bit)
        })
    })
}

impl Datacenter {
    /// Places VM `v` on host `h` (CloudSim `Host.vmCreate`): reserves RAM and
    /// bandwidth, appends it to the host's list and shares the CPU again.
    /// Returns false, changing nothing, when RAM or bandwidth do not suffice.
    ///
    /// While planning (see [`begin_tentative`](Self::begin_tentative)) a VM
    /// may be listed on a second host, as CloudSim's planner does it.
    pub fn create_vm(&mut self, h: HostId, v: VmId) -> bool {
        let (ram, bw) = self.memory_request(v);
        let hi = h.index();
        if self.host_ram_free_mb[hi] < ram || self.host_bw_free_mbps[hi] < bw {
            return false;
        }
        // A host lists a VM once (a VM migrating in stays a reservation).
        if self.slot_index(h, v).is_some() {
            return false;
        }
        let prev_home = self.vm_host[v.index()];
        self.insert_slot(
            h,
            self.host_vms[hi].len(),
            v,
            Slot {
                alloc_mips: 0.0,
                ram_mb: ram,
                bw_mbps: bw,
                incoming: false,
            },
        );
        self.vm_host[v.index()] = Some(h);
        if let Some(log) = &mut self.tentative {
            log.push(Change::Created {
                host: h,
                vm: v,
                prev_home,
            });
        }
        self.reallocate(h);
        true
    }

    /// Removes VM `v` from the host it runs on (CloudSim `Host.vmDestroy`),
    /// releasing its resources. Returns the host it was on.
    pub fn destroy_vm(&mut self, v: VmId) -> Option<HostId> {
        let h = self.vm_host[v.index()]?;
        self.destroy_vm_on(h, v);
        Some(h)
    }

    /// Removes VM `v` from host `h`'s list (CloudSim `Host.vmDestroy` on that
    /// host). Returns false if it was not listed there.
    pub fn destroy_vm_on(&mut self, h: HostId, v: VmId) -> bool {
        let Some(index) = self.slot_index(h, v) else {
            return false;
        };
        let slot = self.remove_slot(h, index);
        let prev_home = self.vm_host[v.index()];
        // CloudSim's vmDestroy forgets the VM's host whichever list it left.
        self.vm_host[v.index()] = None;
        self.vm_allocated_mips[v.index()] = 0.0;
        if let Some(log) = &mut self.tentative {
            log.push(Change::Destroyed {
                host: h,
                vm: v,
                index,
                slot,
                prev_home,
            });
        }
        self.reallocate(h);
        true
    }

    pub(super) fn insert_slot(&mut self, h: HostId, index: usize, v: VmId, slot: Slot) {
        let hi = h.index();
        if slot.incoming {
            self.vm_incoming[v.index()] += 1;
        }
        self.host_vms[hi].insert(index, v);
        self.host_slots[hi].insert(index, slot);
        self.host_version[hi] += 1;
        self.refresh_potential(hi);
        self.update_memory_free(hi);
        self.refresh_busy(hi);
    }

    pub(super) fn remove_slot(&mut self, h: HostId, index: usize) -> Slot {
        let hi = h.index();
        let v = self.host_vms[hi].remove(index);
        let slot = self.host_slots[hi].remove(index);
        if slot.incoming {
            self.vm_incoming[v.index()] -= 1;
        }
        self.host_version[hi] += 1;
        self.refresh_potential(hi);
        self.update_memory_free(hi);
        self.refresh_busy(hi);
        slot
    }

    pub(super) fn slot_index(&self, h: HostId, v: VmId) -> Option<usize> {
        self.host_vms[h.index()].iter().position(|&x| x == v)
    }

    pub(super) fn memory_request(&self, v: VmId) -> (u64, f64) {
        if self.reserve_memory {
            let vt = self.vm_type(v);
            (vt.ram_mb, vt.bw_mbps)
        } else {
            (0, 0.0)
        }
    }

    /// RAM and bandwidth a VM placed from now on reserves. CloudSim reserves
    /// them only while a VM is being instantiated; afterwards a VM asks for
    /// `UtilizationModelNull × RAM = 0` (`Vm.getCurrentRequestedRam`), so
    /// neither constrains consolidation. `false` reproduces that quirk and
    /// releases what placed VMs hold.
    pub fn set_reserve_memory(&mut self, reserve: bool) {
        self.reserve_memory = reserve;
        if reserve {
            return;
        }
        for hi in 0..self.host_count() {
            for s in &mut self.host_slots[hi] {
                s.ram_mb = 0;
                s.bw_mbps = 0.0;
            }
            self.update_memory_free(hi);
        }
    }

    /// Sets host `hi`'s free RAM and bandwidth to capacity minus its slots'
    /// reservations, summed afresh. Not updated incrementally: `f64` additions
    /// and subtractions do not cancel exactly (175.6 − 175.6/6 + 175.6/6 is
    /// 175.59999999999997), so a host would drift with its history, and an
    /// emptied host could refuse a VM that a new one takes.
    pub(super) fn update_memory_free(&mut self, hi: usize) {
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let ram: u64 = self.host_slots[hi].iter().map(|s| s.ram_mb).sum::<u64>() + self.host_held_ram_mb[hi];
        let bw: f64 = self.host_slots[hi].iter().map(|s| s.bw_mbps).sum();
        let (ram_free, bw_free) = (ht.ram_mb.saturating_sub(ram), (ht.bw_mbps - bw).max(0.0));
        if (ram_free, bw_free.to_bits()) != (self.host_ram_free_mb[hi], self.host_bw_free_mbps[hi].to_bits())
        {
            self.host_ram_free_mb[hi] = ram_free;
            self.host_bw_free_mbps[hi] = bw_free;
            self.room_log.mark(hi);
        }
    }

    /// Is host `h` idle: no VM listed and nothing delivered at its last step?
    /// Idle hosts of one type are interchangeable for placement.
    #[inline]
    pub fn is_idle(&self, h: HostId) -> bool {
        self.busy[h.index() / 64] & (1 << (h.index() % 64)) == 0
    }

    /// The hosts that are not idle, in id order; O(hosts / 64 + busy hosts).
    pub fn busy_hosts(&self) -> impl Iterator<Item = HostId> + '_ {
        set_bits(&self.busy).map(|i| HostId(i as u32))
    }

    /// The lowest-id idle host of type `host_type` for which `skip` is false.
    pub fn first_idle_host(&self, host_type: usize, mut skip: impl FnMut(HostId) -> bool) -> Option<HostId> {
        set_bits(self.idle_by_type.get(host_type)?)
            .map(|i| HostId(i as u32))
            .find(|&h| !skip(h))
    }

    pub(super) fn refresh_busy(&mut self, hi: usize) {
        let busy = !self.host_vms[hi].is_empty() || self.host_utilization_mips[hi] != 0.0;
        let (w, bit) = (hi / 64, 1u64 << (hi % 64));
        let t = self.spec.hosts[hi].host_type;
        if busy {
            self.busy[w] |= bit;
        } else {
            self.busy[w] &= !bit;
        }
        // Only hosts that can take VMs stand for their type's idle hosts.
        if !busy && self.host_state[hi] == HostState::Up {
            self.idle_by_type[t][w] |= bit;
        } else {
            self.idle_by_type[t][w] &= !bit;
        }
    }

    /// Marks host `h` up, failing or down. Placement stops considering a
    /// host that is not up; taking its VMs off is the caller's business.
    pub fn set_host_state(&mut self, h: HostId, state: HostState) {
        self.host_state[h.index()] = state;
        self.refresh_busy(h.index());
        self.room_log.mark(h.index());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    /// Two hosts of 2 × 1000 MIPS; VMs of the given MIPS (512 MB, 100 Mbit/s each).
    fn two_hosts(vm_mips: &[f64]) -> Datacenter {
        Datacenter::new(spec(
            &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 200.0)],
            vm_mips,
        ))
    }

    #[test]
    fn create_appends_reserves_and_shares_the_cpu() {
        let mut dc = two_hosts(&[300.0, 500.0]);
        let h = HostId(1);
        assert!(dc.create_vm(h, VmId(1)));
        assert!(dc.create_vm(h, VmId(0)));
        assert_eq!(dc.vms_on(h), [VmId(1), VmId(0)]);
        assert_eq!(dc.host_of(VmId(0)), Some(h));
        assert_eq!(dc.ram_free_mb(h), 4096 - 2 * 512);
        assert_eq!(dc.bw_free_mbps(h), 800.0);
        assert_eq!(dc.reserved_ram_mb(h), 1024);
        assert_eq!(dc.available_mips(h), 1200.0);
        assert_eq!(dc.vm_allocated_mips(VmId(0)), 300.0);
        assert_eq!(dc.allocated_mips(h), 800.0);
        assert!(!dc.is_idle(h) && dc.is_idle(HostId(0)));
        assert_eq!(dc.busy_hosts().collect::<Vec<_>>(), [h]);
    }

    #[test]
    fn create_refuses_without_memory_or_twice_and_changes_nothing() {
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[100.0, 100.0]);
        s.vm_types[1].ram_mb = 4000;
        let mut dc = Datacenter::new(s);
        let h = HostId(0);
        assert!(dc.create_vm(h, VmId(0)));
        let version = dc.host_version(h);
        assert!(!dc.create_vm(h, VmId(1)), "RAM");
        assert!(!dc.create_vm(h, VmId(0)), "listed once");
        assert_eq!(dc.vms_on(h), [VmId(0)]);
        assert_eq!(dc.host_of(VmId(1)), None);
        assert_eq!(dc.ram_free_mb(h), 4096 - 512);
        assert_eq!(dc.host_version(h), version);
    }

    #[test]
    fn destroy_releases_what_create_reserved() {
        let mut dc = two_hosts(&[300.0, 500.0]);
        let h = HostId(0);
        assert!(dc.create_vm(h, VmId(0)) && dc.create_vm(h, VmId(1)));
        assert_eq!(dc.destroy_vm(VmId(0)), Some(h));
        assert_eq!(dc.vms_on(h), [VmId(1)]);
        assert_eq!(dc.host_of(VmId(0)), None);
        assert_eq!(dc.vm_allocated_mips(VmId(0)), 0.0);
        assert_eq!(dc.destroy_vm(VmId(0)), None);
        assert!(!dc.destroy_vm_on(HostId(1), VmId(1)), "not listed there");
        assert!(dc.destroy_vm_on(h, VmId(1)));
        // Exactly as new: free memory is summed afresh, not updated by +/−.
        assert_eq!(dc.ram_free_mb(h), 4096);
        assert_eq!(dc.bw_free_mbps(h), 1000.0);
        assert_eq!(dc.available_mips(h), 2000.0);
        assert!(dc.is_idle(h));
        assert_eq!(dc.first_idle_host(0, |_| false), Some(h));
    }

    #[test]
    fn idle_hosts_stand_for_their_type_only_while_up() {
        let mut dc = two_hosts(&[300.0]);
        assert_eq!(dc.first_idle_host(1, |_| false), Some(HostId(1)));
        dc.set_host_state(HostId(1), HostState::Down);
        assert_eq!(dc.host_state(HostId(1)), HostState::Down);
        assert_eq!(dc.first_idle_host(1, |_| false), None);
        assert!(dc.is_idle(HostId(1)), "idle, but not a candidate");
        dc.set_host_state(HostId(1), HostState::Up);
        assert_eq!(dc.first_idle_host(1, |h| h == HostId(1)), None, "skipped");
        assert_eq!(dc.first_idle_host(1, |_| false), Some(HostId(1)));
        assert_eq!(dc.first_idle_host(7, |_| false), None, "no such type");
    }

    #[test]
    fn set_bits_lists_indices_in_order_across_words() {
        let words = [0b1011u64, 0, 1 << 63 | 1];
        assert_eq!(set_bits(&words).collect::<Vec<_>>(), [0, 1, 3, 128, 191]);
    }
}
