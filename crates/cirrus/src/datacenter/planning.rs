//! Tentative planning: a consolidation policy places and removes VMs on the
//! live allocation and every change is logged, so that
//! [`rollback`](Datacenter::rollback) restores lists, order, reservations
//! and CPU shares exactly (CloudSim's `saveAllocation`/`restoreAllocation`).

use super::{Datacenter, HostId, Slot, VmId};

/// A reversible change made while a consolidation policy plans (see
/// [`Datacenter::begin_tentative`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Change {
    Created {
        host: HostId,
        vm: VmId,
        prev_home: Option<HostId>,
    },
    Destroyed {
        host: HostId,
        vm: VmId,
        index: usize,
        slot: Slot,
        prev_home: Option<HostId>,
    },
}

impl Datacenter {
    /// Starts recording placements and removals so that
    /// [`rollback`](Self::rollback) can undo them: CloudSim's consolidation
    /// plans on the live allocation and restores it afterwards
    /// (`saveAllocation`/`restoreAllocation`).
    pub fn begin_tentative(&mut self) {
        debug_assert!(self.tentative.is_none(), "nested tentative planning");
        self.tentative = Some(std::mem::take(&mut self.spare_log));
    }

    /// Undoes every change since [`begin_tentative`](Self::begin_tentative),
    /// leaving host lists, reservations and CPU shares exactly as they were.
    pub fn rollback(&mut self) {
        let Some(mut log) = self.tentative.take() else {
            return;
        };
        for &change in log.iter().rev() {
            match change {
                Change::Created { host, vm, prev_home } => {
                    // The slot it created is the last one of the VM there.
                    if let Some(i) = self.host_vms[host.index()].iter().rposition(|&x| x == vm) {
                        self.remove_slot(host, i);
                    }
                    self.vm_host[vm.index()] = prev_home;
                    self.touch(host);
                }
                Change::Destroyed {
                    host,
                    vm,
                    index,
                    slot,
                    prev_home,
                } => {
                    self.insert_slot(host, index, vm, slot);
                    self.vm_host[vm.index()] = prev_home;
                    self.touch(host);
                }
            }
        }
        // Only the hosts the log names changed: their shares are recomputed.
        // That rewrites the allocation of every VM listed on them, and planning
        // rewrote those of the VMs it moved: each of these VMs takes again the
        // allocation of its slot where it runs (the rest kept theirs).
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            self.reallocate(h);
        }
        for i in 0..self.touched_list.len() {
            let hi = self.touched_list[i].index();
            for k in 0..self.host_vms[hi].len() {
                self.restore_allocated_mips(self.host_vms[hi][k]);
            }
        }
        self.touched_list.clear();
        for change in &log {
            let (Change::Created { vm, .. } | Change::Destroyed { vm, .. }) = *change;
            self.restore_allocated_mips(vm);
        }
        log.clear();
        self.spare_log = log;
    }

    /// VM `v`'s allocated MIPS from its slot on the host it runs on.
    fn restore_allocated_mips(&mut self, v: VmId) {
        if let Some(h) = self.vm_host[v.index()] {
            let i = self.slot_index(h, v).expect("a VM is listed on its host");
            self.vm_allocated_mips[v.index()] = self.host_slots[h.index()][i].alloc_mips;
        }
    }

    pub(super) fn touch(&mut self, h: HostId) {
        if !self.touched[h.index()] {
            self.touched[h.index()] = true;
            self.touched_list.push(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::datacenter::FirstFitIndex;
    use crate::placement::test_support::spec;
    use crate::workload::UtilizationTrace;

    /// Everything planning may touch, doubles as bits.
    #[derive(Debug, PartialEq)]
    struct Snapshot {
        lists: Vec<Vec<VmId>>,
        slots: Vec<Vec<(u64, u64, u64, bool)>>,
        hosts: Vec<(u64, u64, u64, u64, u64, bool)>,
        vms: Vec<(Option<HostId>, u64, bool, u8)>,
        busy: Vec<u64>,
        idle_by_type: Vec<Vec<u64>>,
    }

    fn snapshot(dc: &Datacenter) -> Snapshot {
        Snapshot {
            lists: dc.host_vms.clone(),
            slots: dc
                .host_slots
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|s| (s.alloc_mips.to_bits(), s.ram_mb, s.bw_mbps.to_bits(), s.incoming))
                        .collect()
                })
                .collect(),
            hosts: dc
                .hosts()
                .map(|h| {
                    (
                        dc.ram_free_mb(h),
                        dc.bw_free_mbps(h).to_bits(),
                        dc.available_mips(h).to_bits(),
                        dc.potential_utilization_mips(h).to_bits(),
                        dc.current_requested_mips(h).to_bits(),
                        dc.is_idle(h),
                    )
                })
                .collect(),
            vms: (0..dc.vm_count() as u32)
                .map(VmId)
                .map(|v| {
                    (
                        dc.host_of(v),
                        dc.vm_allocated_mips(v).to_bits(),
                        dc.in_migration(v),
                        dc.vm_incoming[v.index()],
                    )
                })
                .collect(),
            busy: dc.busy.clone(),
            idle_by_type: dc.idle_by_type.clone(),
        }
    }

    #[test]
    fn rollback_restores_exactly_what_planning_changed() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let hosts: Vec<(f64, u32, f64, f64)> = (0..6)
            .map(|i| (1000.0 + 500.0 * f64::from(i % 3), 1 + i % 2, 100.0, 200.0))
            .collect();
        let vm_mips: Vec<f64> = (0..14).map(|i| 200.0 + 90.0 * f64::from(i)).collect();
        let mut s = spec(&hosts, &vm_mips);
        let samples: Vec<f64> = (0..40).map(|_| rng.random_range(0.0..1.0)).collect();
        s.traces[0] = UtilizationTrace::new("t", 300.0, samples).unwrap();
        let mut dc = Datacenter::new(s);
        let (n_hosts, n_vms) = (dc.host_count() as u32, dc.vm_count() as u32);
        for v in 0..n_vms {
            let h = HostId(v % n_hosts);
            assert!(dc.create_vm(h, VmId(v)));
        }
        let mut index = FirstFitIndex::default();
        let (mut planned_changes, mut with_migrations) = (0, 0);
        for round in 1..=60 {
            let t = 300.0 * f64::from(round);
            for h in dc.hosts() {
                dc.step_host(h, t);
            }
            // Migrations in flight: started, some completed or aborted later.
            let v = VmId(rng.random_range(0..n_vms));
            let target = HostId(rng.random_range(0..n_hosts));
            if !dc.in_migration(v) && dc.host_of(v).is_some_and(|h| h != target) && dc.is_suitable(target, v)
            {
                dc.start_migration(v, target);
            }
            if round % 3 == 0 {
                for u in (0..n_vms).map(VmId) {
                    if let Some(target) = dc.hosts().find(|&h| dc.is_incoming(h, u)) {
                        if rng.random_bool(0.5) {
                            dc.complete_migration(u, target);
                        } else {
                            dc.abort_migration(u, target);
                        }
                    }
                }
            }

            let before = snapshot(&dc);
            with_migrations += usize::from(before.vms.iter().any(|v| v.3 > 0));
            dc.begin_tentative();
            for _ in 0..rng.random_range(1..16) {
                let v = VmId(rng.random_range(0..n_vms));
                let h = HostId(rng.random_range(0..n_hosts));
                match rng.random_range(0..3) {
                    // CloudSim's planner may list a VM on a second host.
                    0 => {
                        dc.create_vm(h, v);
                    }
                    1 => {
                        dc.destroy_vm(v);
                    }
                    _ => {
                        dc.destroy_vm_on(h, v);
                    }
                }
                // The first-fit index agrees with a scan (checked inside) as planning goes.
                index.first_suitable_host(&dc, v, HostId(0));
            }
            planned_changes += usize::from(snapshot(&dc) != before);
            dc.rollback();
            assert_eq!(snapshot(&dc), before, "round {round}");
            index.first_suitable_host(&dc, VmId(0), HostId(0));
        }
        // The cases were reached: planning changed things, with migrations in flight.
        assert!(planned_changes > 40, "{planned_changes}");
        assert!(with_migrations > 10, "{with_migrations}");
    }

    #[test]
    fn rollback_without_planning_changes_nothing() {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[300.0]));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        let before = snapshot(&dc);
        dc.rollback();
        assert_eq!(snapshot(&dc), before);
        // Changes outside planning are not undone.
        dc.begin_tentative();
        dc.rollback();
        dc.destroy_vm(VmId(0));
        dc.rollback();
        assert_eq!(dc.host_of(VmId(0)), None);
    }
}
