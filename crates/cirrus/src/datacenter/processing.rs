//! Processing a host: each VM's request follows its trace, the host's CPU
//! is shared again among its VMs ([`time_shared`](super::time_shared)), and
//! what it delivered and what was requested are recorded (CloudSim
//! `HostDynamicWorkload.updateVmsProcessing`).

use super::time_shared::{self, CpuRequest, MIGRATION_IN_FACTOR, MIGRATION_OUT_FACTOR, MigrationRole};
use super::{Datacenter, HostId, VmId};

impl Datacenter {
    #[inline]
    pub(super) fn role_on(&self, hi: usize, i: usize) -> MigrationRole {
        // A slot migrating in belongs to a VM in migration.
        if self.vms_in_migration == 0 {
            debug_assert!(!self.host_slots[hi][i].incoming);
            return MigrationRole::None;
        }
        if self.host_slots[hi][i].incoming {
            MigrationRole::In
        } else if self.vm_in_migration[self.host_vms[hi][i].index()] {
            MigrationRole::Out
        } else {
            MigrationRole::None
        }
    }

    /// Shares host `h`'s CPU among its VMs' current requests.
    pub(super) fn reallocate(&mut self, h: HostId) {
        let hi = h.index();
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let (capacity, pe_mips) = (ht.total_mips(), ht.mips_per_core);
        self.scratch_requests.clear();
        for i in 0..self.host_vms[hi].len() {
            let v = self.host_vms[hi][i];
            let vt = &self.spec.vm_types[self.spec.vms[v.index()].vm_type];
            let role = self.role_on(hi, i);
            let shares = self.vm_shares[v.index()];
            self.scratch_requests.push(CpuRequest {
                mips_per_pe: self.vm_requested_mips_per_pe[v.index()],
                pes: vt.cores,
                role,
                factor: match role {
                    MigrationRole::None => 1.0,
                    MigrationRole::Out => shares.source,
                    MigrationRole::In => shares.target,
                },
            });
        }
        self.scratch_allocated.clear();
        self.scratch_allocated.resize(self.scratch_requests.len(), 0.0);
        let available = time_shared::share(
            capacity,
            pe_mips,
            &self.scratch_requests,
            &mut self.scratch_allocated,
        );
        if available.to_bits() != self.host_available_mips[hi].to_bits() {
            self.host_available_mips[hi] = available;
            self.room_log.mark(hi);
        }
        for (i, &a) in self.scratch_allocated.iter().enumerate() {
            let slot = &mut self.host_slots[hi][i];
            slot.alloc_mips = a;
            if !slot.incoming {
                self.vm_allocated_mips[self.host_vms[hi][i].index()] = a;
            }
        }
        self.refresh_potential(hi);
    }

    /// Sets VM `v`'s request to its trace at `t_s`.
    pub(super) fn update_request(&mut self, v: VmId, t_s: f64) {
        let spec = self.spec.vms[v.index()];
        let memo = &mut self.trace_memo[spec.trace];
        let u = if memo.0 == t_s.to_bits() {
            memo.1
        } else {
            let u = self.spec.traces[spec.trace].utilization_at(t_s);
            *memo = (t_s.to_bits(), u);
            u
        };
        self.vm_cpu_fraction[v.index()] = u;
        self.vm_requested_mips_per_pe[v.index()] = u * self.spec.vm_types[spec.vm_type].mips;
        self.request_epoch += 1;
    }

    /// One datacenter step at time `t_s` for host `h` (CloudSim
    /// `HostDynamicWorkload.updateVmsProcessing`): every VM's request follows
    /// its trace, the CPU is shared again, and the host's delivered and
    /// requested MIPS are recorded. Returns (utilisation MIPS, requested MIPS).
    pub fn step_host(&mut self, h: HostId, t_s: f64) -> (f64, f64) {
        let hi = h.index();
        for i in 0..self.host_vms[hi].len() {
            let v = self.host_vms[hi][i];
            self.update_request(v, t_s);
        }
        self.reallocate(h);
        let mut utilization = 0.0;
        let mut requested = 0.0;
        for i in 0..self.host_vms[hi].len() {
            let vi = self.host_vms[hi][i].index();
            let alloc = self.host_slots[hi][i].alloc_mips;
            let cores = f64::from(self.spec.vm_types[self.spec.vms[vi].vm_type].cores);
            requested += self.vm_requested_mips_per_pe[vi] * cores;
            // The source host is charged a migrating-out VM's full, undegraded
            // share (CloudSim HostDynamicWorkload.java:121); the target its 10 %.
            utilization += match self.role_on(hi, i) {
                MigrationRole::Out
                    if self.vm_shares[vi].charge_source_in_full && self.vm_shares[vi].source > 0.0 =>
                {
                    alloc / self.vm_shares[vi].source
                }
                _ => alloc,
            };
        }
        self.host_utilization_mips[hi] = utilization;
        self.host_requested_mips[hi] = requested;
        self.host_power_w[hi] = self.host_type(h).power.power_watts(self.utilization(h));
        self.refresh_busy(hi);
        (utilization, requested)
    }

    /// MIPS host `h`'s scheduler hands out now, VMs placed since the last
    /// step included, each migrating-in VM counted at its full demand
    /// (CloudSim `PowerVmAllocationPolicyMigrationAbstract.getUtilizationOfCpuMips`):
    /// the base of PABFD's "utilisation after allocation".
    #[inline]
    pub fn potential_utilization_mips(&self, h: HostId) -> f64 {
        debug_assert_eq!(
            self.host_potential_mips[h.index()].to_bits(),
            self.sum_potential_mips(h.index()).to_bits()
        );
        self.host_potential_mips[h.index()]
    }

    pub(super) fn sum_potential_mips(&self, hi: usize) -> f64 {
        let mut mips = 0.0;
        for s in &self.host_slots[hi] {
            if s.incoming {
                mips += s.alloc_mips * MIGRATION_OUT_FACTOR / MIGRATION_IN_FACTOR;
            }
            mips += s.alloc_mips;
        }
        mips
    }

    pub(super) fn refresh_potential(&mut self, hi: usize) {
        self.host_potential_mips[hi] = self.sum_potential_mips(hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::workload::UtilizationTrace;

    #[test]
    fn a_step_follows_the_traces_and_shares_the_cpu() {
        // One host of 1 × 1000 MIPS, linear 100–200 W; two 800-MIPS VMs at
        // 0.5 then 0.75 of their capacity.
        let mut s = spec(&[(1000.0, 1, 100.0, 200.0)], &[800.0, 800.0]);
        s.traces[0] = UtilizationTrace::new("t", 300.0, vec![0.5, 0.5, 0.75]).unwrap();
        let mut dc = Datacenter::new(s);
        let h = HostId(0);
        assert!(dc.create_vm(h, VmId(0)));
        // Being created, the VM asks for its full 800 MIPS.
        assert_eq!(dc.available_mips(h), 200.0);

        // 400 requested of 1000: all of it delivered, 40 % utilisation.
        assert_eq!(dc.step_host(h, 300.0), (400.0, 400.0));
        assert_eq!(dc.vm_cpu_fraction(VmId(0)), 0.5);
        assert_eq!(dc.utilization(h), 0.4);
        assert_eq!(dc.power_watts(h), 140.0);
        assert_eq!(dc.requested_mips(h), 400.0);
        assert_eq!(dc.available_mips(h), 600.0);

        // Two VMs at 600 each (0.75 × 800) on 1000 MIPS: oversubscribed,
        // each scaled by 1000/1200 and floored, nothing left.
        assert!(dc.create_vm(h, VmId(1)));
        let (delivered, requested) = dc.step_host(h, 600.0);
        assert_eq!(requested, 1200.0);
        assert_eq!(
            dc.vm_allocated_mips(VmId(0)),
            (600.0f64 * (1000.0 / 1200.0)).floor()
        );
        assert_eq!(delivered, 2.0 * 500.0);
        assert_eq!(dc.available_mips(h), 0.0);
        assert_eq!(dc.utilization(h), 1.0);
        assert_eq!(dc.current_requested_mips(h), 1200.0);
    }

    #[test]
    fn placements_since_the_step_change_potential_not_delivered_mips() {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[300.0, 500.0]));
        let h = HostId(0);
        assert!(dc.create_vm(h, VmId(0)));
        dc.step_host(h, 300.0);
        assert_eq!(dc.utilization_mips(h), 300.0);
        assert!(dc.create_vm(h, VmId(1)));
        // CloudSim's getUtilizationMips is the last step's; PABFD's base counts the new VM.
        assert_eq!(dc.utilization_mips(h), 300.0);
        assert_eq!(dc.potential_utilization_mips(h), 800.0);
        assert_eq!(dc.current_requested_mips(h), 800.0);
    }

    #[test]
    fn a_host_left_empty_by_its_last_step_is_idle_again() {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[300.0]));
        let h = HostId(0);
        assert!(dc.create_vm(h, VmId(0)));
        dc.step_host(h, 300.0);
        dc.destroy_vm(VmId(0));
        // It delivered MIPS at its last step: busy until it steps again.
        assert!(!dc.is_idle(h));
        assert_eq!(dc.step_host(h, 600.0), (0.0, 0.0));
        assert!(dc.is_idle(h));
        assert_eq!(dc.power_watts(h), 100.0);
    }
}
