//! Live migration as the datacenter sees it: a reservation on the target
//! while the VM runs at the source (CloudSim `Host.addMigratingInVm`), the
//! CPU shares meanwhile, and the move itself (`Datacenter.processVmMigrate`),
//! or its abandonment; post-copy's switch-over with the source holding memory.

use super::time_shared::{MIGRATION_IN_FACTOR, MIGRATION_OUT_FACTOR};
use super::{Datacenter, HostId, Slot, VmId};

/// How the CPU is shared while a VM migrates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationShares {
    /// Fraction of its request the VM gets where it runs (CloudSim: 0.9, the
    /// 10 % migration overhead; a paused VM: 0).
    pub source: f64,
    /// Fraction of its request the destination reserves meanwhile (CloudSim: 0.1).
    pub target: f64,
    /// The host the VM runs on is charged the VM's full share, not what the
    /// VM gets (CloudSim: `HostDynamicWorkload` adds `allocated / 0.9`).
    pub charge_source_in_full: bool,
}

impl MigrationShares {
    /// CloudSim's 90 % / 10 %, source charged in full.
    pub const CLOUDSIM: Self = Self {
        source: MIGRATION_OUT_FACTOR,
        target: MIGRATION_IN_FACTOR,
        charge_source_in_full: true,
    };

    /// A booked move waiting for its target to be on: the VM runs at its
    /// source in full; the target charges 10 % of it, as a migration does.
    pub const BOOKED: Self = Self {
        source: 1.0,
        target: MIGRATION_IN_FACTOR,
        charge_source_in_full: false,
    };
}

impl Datacenter {
    /// Starts a live migration of VM `v` to `target` (CloudSim
    /// `Host.addMigratingInVm`): the target lists the VM as migrating in and
    /// reserves its memory and 10 % of its CPU; at the source it runs at 90 %.
    /// Step both hosts again to record the new shares.
    /// A move booked with [`book_migration`](Self::book_migration) starts
    /// on its reservation.
    pub fn start_migration(&mut self, v: VmId, target: HostId) {
        let (ram, bw) = self.memory_request(v);
        self.vm_move_booked[v.index()] = false;
        self.set_in_migration(v, true);
        if self.is_incoming(target, v) {
            return;
        }
        let ti = target.index();
        self.insert_slot(
            target,
            self.host_vms[ti].len(),
            v,
            Slot {
                alloc_mips: 0.0,
                ram_mb: ram,
                bw_mbps: bw,
                incoming: true,
            },
        );
        self.reallocate(target);
        if let Some(home) = self.vm_host[v.index()] {
            self.reallocate(home);
        }
    }

    /// Completes a migration of VM `v` to `target` (CloudSim
    /// `Datacenter.processVmMigrate`): the VM leaves the host it ran on, its
    /// reservation on the target becomes a regular placement at the end of
    /// the target's list. Returns the host it left.
    pub fn complete_migration(&mut self, v: VmId, target: HostId) -> Option<HostId> {
        let source = self.vm_host[v.index()];
        if let Some(s) = source {
            if let Some(i) = self.slot_index(s, v) {
                self.remove_slot(s, i);
            }
            self.reallocate(s);
        }
        if let Some(i) = self.slot_index(target, v)
            && self.host_slots[target.index()][i].incoming
        {
            self.remove_slot(target, i);
        }
        // A VM CloudSim's planner sent to two hosts is still migrating in to
        // the other one.
        self.set_in_migration(v, self.vm_incoming[v.index()] > 0);
        self.vm_host[v.index()] = None;
        if !self.create_vm(target, v) {
            // Memory was reserved when the migration started; only a
            // reservation policy changed mid-flight can get here. Place it
            // anyway rather than lose the VM.
            let (ram, bw) = self.memory_request(v);
            let ti = target.index();
            self.insert_slot(
                target,
                self.host_vms[ti].len(),
                v,
                Slot {
                    alloc_mips: 0.0,
                    ram_mb: ram.min(self.host_ram_free_mb[ti]),
                    bw_mbps: bw.min(self.host_bw_free_mbps[ti]),
                    incoming: false,
                },
            );
            self.vm_host[v.index()] = Some(target);
            self.reallocate(target);
        }
        source
    }

    /// Books `target`'s room for VM `v`'s migration, to start once the
    /// target is on: the target lists the VM as migrating in, with its memory
    /// reserved, as [`start_migration`](Self::start_migration) does; the VM
    /// is in migration (no other move takes it) but runs at its source in
    /// full ([`MigrationShares::BOOKED`]) until the move starts
    /// ([`start_migration`](Self::start_migration)) or is called off
    /// ([`abort_migration`](Self::abort_migration)).
    pub fn book_migration(&mut self, v: VmId, target: HostId) {
        self.set_migration_shares(v, MigrationShares::BOOKED);
        self.start_migration(v, target);
        self.vm_move_booked[v.index()] = true;
    }

    /// Whether VM `v`'s migration is booked and not started
    /// ([`book_migration`](Self::book_migration)): it is not moving yet.
    #[inline]
    pub fn migration_booked(&self, v: VmId) -> bool {
        self.vm_move_booked[v.index()]
    }

    /// Abandons VM `v`'s migration to `target` before its switch-over (or
    /// its booking): the target drops the reservation, the VM keeps running
    /// where it was.
    pub fn abort_migration(&mut self, v: VmId, target: HostId) {
        self.vm_move_booked[v.index()] = false;
        if let Some(i) = self.slot_index(target, v)
            && self.host_slots[target.index()][i].incoming
        {
            self.remove_slot(target, i);
            self.reallocate(target);
        }
        self.set_in_migration(v, self.vm_incoming[v.index()] > 0);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// Moves VM `v`, in migration, to run at `target` before the migration
    /// ends (post-copy's switch-over): the target's reservation becomes the
    /// VM's placement, the source keeps holding the VM's memory
    /// ([`release_held_memory`](Self::release_held_memory) frees it). The VM
    /// stays in migration. Returns the source.
    pub fn switch_over(&mut self, v: VmId, target: HostId) -> Option<HostId> {
        let (ram, _) = self.memory_request(v);
        let source = self.complete_migration(v, target)?;
        self.set_in_migration(v, true);
        self.host_held_ram_mb[source.index()] += ram;
        self.update_memory_free(source.index());
        self.reallocate(target);
        Some(source)
    }

    /// Releases the memory `source` held for VM `v` since its switch-over and
    /// ends the VM's migration.
    pub fn release_held_memory(&mut self, v: VmId, source: HostId) {
        let (ram, _) = self.memory_request(v);
        let hi = source.index();
        self.host_held_ram_mb[hi] = self.host_held_ram_mb[hi].saturating_sub(ram);
        self.update_memory_free(hi);
        self.set_in_migration(v, false);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// Marks VM `v` as out of migration (its last phase ended).
    pub fn end_migration(&mut self, v: VmId) {
        self.set_in_migration(v, false);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// How the CPU is shared while VM `v` migrates (from the next sharing on).
    pub fn set_migration_shares(&mut self, v: VmId, shares: MigrationShares) {
        self.vm_shares[v.index()] = shares;
    }

    pub(super) fn set_in_migration(&mut self, v: VmId, in_migration: bool) {
        let flag = &mut self.vm_in_migration[v.index()];
        match (*flag, in_migration) {
            (false, true) => self.vms_in_migration += 1,
            (true, false) => self.vms_in_migration -= 1,
            _ => {}
        }
        *flag = in_migration;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    /// Three hosts of 2 × 1000 MIPS; VM 0 (500 MIPS, always busy) on host 0, stepped.
    fn running() -> Datacenter {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0); 3], &[500.0]));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        for h in dc.hosts() {
            dc.step_host(h, 300.0);
        }
        dc
    }

    #[test]
    fn a_migration_reserves_at_the_target_and_moves_at_completion() {
        let mut dc = running();
        let (v, source, target) = (VmId(0), HostId(0), HostId(1));
        dc.start_migration(v, target);
        assert!(dc.in_migration(v) && dc.is_incoming(target, v));
        assert_eq!(dc.host_of(v), Some(source));
        assert_eq!(dc.vms_on(target), [v]);
        assert_eq!(dc.ram_free_mb(target), 4096 - 512);
        // CloudSim's 90 % at the source, 10 % reserved at the target.
        assert_eq!(dc.vm_allocated_mips(v), 450.0);
        assert_eq!(dc.allocated_mips(target), 50.0);
        // PABFD sees the migrating-in VM at its full demand.
        assert!((dc.potential_utilization_mips(target) - 500.0).abs() < 1e-9);
        // The source is charged the VM's full share.
        assert_eq!(dc.step_host(source, 600.0), (500.0, 500.0));

        assert_eq!(dc.complete_migration(v, target), Some(source));
        assert!(!dc.in_migration(v) && !dc.is_incoming(target, v));
        assert_eq!(dc.host_of(v), Some(target));
        assert_eq!(dc.vms_on(source), []);
        assert_eq!(dc.vms_on(target), [v]);
        assert_eq!(dc.ram_free_mb(source), 4096);
        assert_eq!(dc.ram_free_mb(target), 4096 - 512);
        assert_eq!(dc.vm_allocated_mips(v), 500.0);
    }

    #[test]
    fn an_aborted_migration_leaves_the_vm_where_it_ran() {
        let mut dc = running();
        let v = VmId(0);
        dc.start_migration(v, HostId(2));
        dc.abort_migration(v, HostId(2));
        assert!(!dc.in_migration(v));
        assert_eq!(dc.vms_on(HostId(2)), []);
        assert_eq!(dc.ram_free_mb(HostId(2)), 4096);
        assert_eq!(dc.host_of(v), Some(HostId(0)));
        assert_eq!(dc.vm_allocated_mips(v), 500.0);
    }

    #[test]
    fn post_copy_switches_over_and_the_source_holds_memory_until_released() {
        let mut dc = running();
        let (v, source, target) = (VmId(0), HostId(0), HostId(1));
        dc.start_migration(v, target);
        assert_eq!(dc.switch_over(v, target), Some(source));
        assert_eq!(dc.host_of(v), Some(target));
        assert!(dc.in_migration(v), "pages still to pull");
        assert_eq!(dc.held_ram_mb(source), 512);
        assert_eq!(dc.ram_free_mb(source), 4096 - 512);
        dc.release_held_memory(v, source);
        assert_eq!(dc.held_ram_mb(source), 0);
        assert_eq!(dc.ram_free_mb(source), 4096);
        assert!(!dc.in_migration(v));
    }

    #[test]
    fn a_vm_sent_to_two_hosts_stays_in_migration_until_both_are_settled() {
        // CloudSim's planner can give one VM two targets in a round: both reserve.
        let mut dc = running();
        let v = VmId(0);
        dc.start_migration(v, HostId(1));
        dc.start_migration(v, HostId(2));
        assert_eq!(dc.complete_migration(v, HostId(2)), Some(HostId(0)));
        assert_eq!(dc.host_of(v), Some(HostId(2)));
        assert!(dc.in_migration(v) && dc.is_incoming(HostId(1), v));
        dc.abort_migration(v, HostId(1));
        assert!(!dc.in_migration(v));
        assert_eq!(dc.vms_on(HostId(1)), []);
    }

    #[test]
    fn shares_are_set_per_vm() {
        let mut dc = running();
        let v = VmId(0);
        // A paused VM (stop-and-copy) gets nothing where it runs.
        dc.set_migration_shares(
            v,
            MigrationShares {
                source: 0.0,
                target: 0.0,
                charge_source_in_full: false,
            },
        );
        dc.start_migration(v, HostId(1));
        assert_eq!(dc.vm_allocated_mips(v), 0.0);
        assert_eq!(dc.allocated_mips(HostId(1)), 0.0);
        dc.abort_migration(v, HostId(1));
        assert_eq!(dc.vm_allocated_mips(v), 500.0);
    }
}
