//! Processing a host: each VM's request follows its trace, the host's CPU
//! is shared again among its VMs ([`time_shared`](super::time_shared)), and
//! what it delivered and what was requested are recorded (CloudSim
//! `HostDynamicWorkload.updateVmsProcessing`).

use super::time_shared::{self, CpuRequest, MIGRATION_IN_FACTOR, MIGRATION_OUT_FACTOR, MigrationRole};
use super::{Datacenter, HostId};
use crate::workload::UtilizationTrace;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a host's step gives one VM listed on it, before it is applied.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SlotStep {
    /// The VM's trace value: the fraction of its capacity it requests.
    pub cpu_fraction: f64,
    /// MIPS it requests on each PE.
    pub mips_per_pe: f64,
    /// MIPS the host's scheduler gives it in this slot.
    pub alloc_mips: f64,
}

/// What one host's step computed, before it is applied.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HostStep {
    /// MIPS delivered (the host's utilisation), as the step records it.
    pub utilization_mips: f64,
    /// MIPS its VMs request.
    pub requested_mips: f64,
    /// MIPS left for new VMs.
    pub available_mips: f64,
    /// PABFD's base ([`Datacenter::potential_utilization_mips`]).
    pub potential_mips: f64,
    /// Power at the new utilisation, watts.
    pub power_w: f64,
}

/// Buffers for sharing a host's CPU, reused from host to host (no
/// allocation once grown).
#[derive(Debug, Clone, Default)]
pub struct StepScratch {
    requests: Vec<CpuRequest>,
    allocated: Vec<f64>,
}

/// Per trace, the last (time, utilisation) looked up: VMs replaying one
/// trace (replicated or shared synthetic traces) ask for the same instant in
/// turn, possibly from several threads at once. The value stored is a pure
/// function of (trace, time), so whichever thread stores it, every reader
/// gets the same double: the memo changes no result.
#[derive(Debug, Default)]
pub(super) struct TraceMemo {
    /// Time bits of each trace's entry (NaN bits: none).
    at: Vec<AtomicU64>,
    /// Utilisation bits of each trace's entry.
    value: Vec<AtomicU64>,
}

impl TraceMemo {
    /// An empty memo for `traces` traces.
    pub(super) fn new(traces: usize) -> Self {
        Self {
            at: (0..traces).map(|_| AtomicU64::new(f64::NAN.to_bits())).collect(),
            value: (0..traces).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// `trace.utilization_at(t_s)`, `trace` being trace number `i`.
    #[inline]
    fn utilization_at(&self, trace: &UtilizationTrace, i: usize, t_s: f64) -> f64 {
        let t_bits = t_s.to_bits();
        // Acquire pairs with the Release below: a reader that sees the time
        // sees the value stored before it (or the same value stored again).
        if self.at[i].load(Ordering::Acquire) == t_bits {
            return f64::from_bits(self.value[i].load(Ordering::Relaxed));
        }
        let u = trace.utilization_at(t_s);
        self.value[i].store(u.to_bits(), Ordering::Relaxed);
        self.at[i].store(t_bits, Ordering::Release);
        u
    }
}

impl Clone for TraceMemo {
    fn clone(&self) -> Self {
        // A fresh memo: it only saves work.
        Self::new(self.at.len())
    }
}

impl Datacenter {
    // Always inlined: called for every VM at every sharing, and with no VM in migration
    // (most of the time) it is one test.
    #[inline(always)]
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
        let mut scratch = std::mem::take(&mut self.scratch_step);
        let available = self.share_cpu(hi, &mut scratch, |i| {
            self.vm_requested_mips_per_pe[self.host_vms[hi][i].index()]
        });
        if available.to_bits() != self.host_available_mips[hi].to_bits() {
            self.host_available_mips[hi] = available;
            self.room_log.mark(hi);
        }
        for (i, &a) in scratch.allocated.iter().enumerate() {
            let slot = &mut self.host_slots[hi][i];
            slot.alloc_mips = a;
            if !slot.incoming {
                self.vm_allocated_mips[self.host_vms[hi][i].index()] = a;
            }
        }
        self.scratch_step = scratch;
        self.refresh_potential(hi);
    }

    /// Shares host `hi`'s CPU among its VMs, slot `i` requesting
    /// `mips_per_pe(i)` on each PE: the allocations are left in
    /// `scratch.allocated`, the MIPS left available are returned.
    #[inline]
    fn share_cpu(&self, hi: usize, scratch: &mut StepScratch, mips_per_pe: impl Fn(usize) -> f64) -> f64 {
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let (capacity, pe_mips) = (ht.total_mips(), ht.mips_per_core);
        scratch.requests.clear();
        for i in 0..self.host_vms[hi].len() {
            let v = self.host_vms[hi][i];
            let vt = &self.spec.vm_types[self.spec.vms[v.index()].vm_type];
            let role = self.role_on(hi, i);
            let shares = self.vm_shares[v.index()];
            scratch.requests.push(CpuRequest {
                mips_per_pe: mips_per_pe(i),
                pes: vt.cores,
                role,
                factor: match role {
                    MigrationRole::None => 1.0,
                    MigrationRole::Out => shares.source,
                    MigrationRole::In => shares.target,
                },
                reserve_mips: self.reserve_mips(v),
            });
        }
        scratch.allocated.clear();
        scratch.allocated.resize(scratch.requests.len(), 0.0);
        let reserved = self.has_reservations() && scratch.requests.iter().any(|r| r.reserve_mips > 0.0);
        time_shared::share_known(
            capacity,
            pe_mips,
            &scratch.requests,
            &mut scratch.allocated,
            reserved,
        )
    }

    /// One datacenter step at time `t_s` for host `h` (CloudSim
    /// `HostDynamicWorkload.updateVmsProcessing`): every VM's request follows
    /// its trace, the CPU is shared again, and the host's delivered and
    /// requested MIPS are recorded. Returns (utilisation MIPS, requested MIPS).
    ///
    /// The same as [`compute_step`](Self::compute_step) then
    /// [`apply_step`](Self::apply_step).
    pub fn step_host(&mut self, h: HostId, t_s: f64) -> (f64, f64) {
        let mut scratch = std::mem::take(&mut self.scratch_step);
        let mut slots = std::mem::take(&mut self.scratch_slots);
        slots.clear();
        let step = self.compute_step(h, t_s, &mut scratch, &mut slots);
        self.apply_step(h, &step, &slots);
        self.scratch_step = scratch;
        self.scratch_slots = slots;
        (step.utilization_mips, step.requested_mips)
    }

    /// Host `h`'s step at `t_s` ([`step_host`](Self::step_host)) computed
    /// without changing the datacenter: what each of its VMs requests and is
    /// given is appended to `slots` (one entry per VM listed on `h`, in list
    /// order), what the host delivers, requests and draws is returned. Reads
    /// only host `h`'s list and its VMs, so steps of different hosts can be
    /// computed at once; [`apply_step`](Self::apply_step) records them.
    pub fn compute_step(
        &self,
        h: HostId,
        t_s: f64,
        scratch: &mut StepScratch,
        slots: &mut Vec<SlotStep>,
    ) -> HostStep {
        let hi = h.index();
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let (capacity, pe_mips) = (ht.total_mips(), ht.mips_per_core);
        let start = slots.len();
        scratch.requests.clear();
        for (i, &v) in self.host_vms[hi].iter().enumerate() {
            let spec = &self.spec.vms[v.index()];
            let vt = &self.spec.vm_types[spec.vm_type];
            let u = self
                .trace_memo
                .utilization_at(&self.spec.traces[spec.trace], spec.trace, t_s);
            let mips_per_pe = u * vt.mips;
            slots.push(SlotStep {
                cpu_fraction: u,
                mips_per_pe,
                alloc_mips: 0.0,
            });
            let role = self.role_on(hi, i);
            scratch.requests.push(CpuRequest {
                mips_per_pe,
                pes: vt.cores,
                role,
                factor: match role {
                    MigrationRole::None => 1.0,
                    MigrationRole::Out => self.vm_shares[v.index()].source,
                    MigrationRole::In => self.vm_shares[v.index()].target,
                },
                reserve_mips: self.reserve_mips(v),
            });
        }
        scratch.allocated.clear();
        scratch.allocated.resize(scratch.requests.len(), 0.0);
        let reserved = self.has_reservations() && scratch.requests.iter().any(|r| r.reserve_mips > 0.0);
        let available_mips = time_shared::share_known(
            capacity,
            pe_mips,
            &scratch.requests,
            &mut scratch.allocated,
            reserved,
        );
        // The same operations, in the same order, as `reallocate`,
        // `sum_potential_mips` and the sums of the step (each sum on its own).
        let mut potential_mips = 0.0;
        let mut utilization = 0.0;
        let mut requested = 0.0;
        let slots = &mut slots[start..];
        let vms = &self.host_vms[hi];
        let host_slots = &self.host_slots[hi];
        for ((((s, &alloc), r), slot), &v) in slots
            .iter_mut()
            .zip(&scratch.allocated)
            .zip(&scratch.requests)
            .zip(host_slots)
            .zip(vms)
        {
            s.alloc_mips = alloc;
            if slot.incoming {
                potential_mips += alloc * MIGRATION_OUT_FACTOR / MIGRATION_IN_FACTOR;
            }
            potential_mips += alloc;
            requested += r.mips_per_pe * f64::from(r.pes);
            // The source host is charged a migrating-out VM's full, undegraded
            // share (CloudSim HostDynamicWorkload.java:121); the target its 10 %.
            utilization += match r.role {
                MigrationRole::Out => {
                    let shares = self.vm_shares[v.index()];
                    if shares.charge_source_in_full && shares.source > 0.0 {
                        alloc / shares.source
                    } else {
                        alloc
                    }
                }
                _ => alloc,
            };
        }
        HostStep {
            utilization_mips: utilization,
            requested_mips: requested,
            available_mips,
            potential_mips,
            power_w: ht.power.power_watts((utilization / ht.total_mips()).min(1.0)),
        }
    }

    /// Records host `h`'s step computed by [`compute_step`](Self::compute_step)
    /// on the datacenter as it still is: its VMs' requests and allocations,
    /// the host's delivered and requested MIPS and power.
    pub fn apply_step(&mut self, h: HostId, step: &HostStep, slots: &[SlotStep]) {
        let hi = h.index();
        debug_assert_eq!(slots.len(), self.host_vms[hi].len());
        for (i, s) in slots.iter().enumerate() {
            let vi = self.host_vms[hi][i].index();
            self.vm_cpu_fraction[vi] = s.cpu_fraction;
            self.vm_requested_mips_per_pe[vi] = s.mips_per_pe;
            let slot = &mut self.host_slots[hi][i];
            slot.alloc_mips = s.alloc_mips;
            if !slot.incoming {
                self.vm_allocated_mips[vi] = s.alloc_mips;
            }
        }
        self.request_epoch += slots.len() as u64;
        if step.available_mips.to_bits() != self.host_available_mips[hi].to_bits() {
            self.host_available_mips[hi] = step.available_mips;
            self.room_log.mark(hi);
        }
        self.host_potential_mips[hi] = step.potential_mips;
        self.host_utilization_mips[hi] = step.utilization_mips;
        self.host_requested_mips[hi] = step.requested_mips;
        self.host_power_w[hi] = step.power_w;
        self.refresh_busy(hi);
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
    use crate::datacenter::VmId;
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
