//! An invariant auditor: checks the state of a run after every event.
//!
//! Used by every test that runs a scenario and by `cirrus run --audit`. It
//! does not trust the bookkeeping it checks: capacities are summed afresh
//! from the host lists, placement is cross-checked both ways (host lists
//! against `host_of`), and time and energy against their previous values.

use crate::datacenter::{Datacenter, HostId, HostState, VmId};
use crate::simulation::Observation;

/// Relative slack for sums of `f64` shares compared with a capacity.
const RELATIVE_SLACK: f64 = 1e-9;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("t = {time_s} s: {message}")]
pub struct AuditError {
    /// When it was found.
    pub time_s: f64,
    /// What is wrong.
    pub message: String,
}

/// Checks, after every event: time never goes back; energy is finite, ≥ 0
/// and never decreases; per host, the RAM reserved (and held for VMs that
/// already run elsewhere) and the MIPS handed out fit its capacity and its
/// free-RAM figure agrees with its list; every VM
/// runs on at most one host, the one `host_of` names, and a VM listed as
/// migrating in somewhere is in migration from another host; a failed host
/// lists no VM, and no VM migrates in to a host that is not up; a real-time VM with a
/// reservation that runs and is not migrating gets all it requests (docs/REALTIME.md; in
/// migration its request may have been updated by its other host's processing since its
/// host shared the CPU, so the check waits until it has landed).
#[derive(Debug, Clone, Default)]
pub struct Auditor {
    last_time_s: f64,
    last_energy_j: f64,
    events: u64,
    runs_on: Vec<u32>,
    reserved_checked: u64,
    reserved_beside_shortfall: u64,
}

impl Auditor {
    /// A fresh auditor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Observations checked so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Times a running reserved VM's allocation was checked against its request.
    pub fn reserved_checked(&self) -> u64 {
        self.reserved_checked
    }

    /// Of those, times another VM on its host got less than it requested: the reservation
    /// held while the host was oversubscribed.
    pub fn reserved_beside_shortfall(&self) -> u64 {
        self.reserved_beside_shortfall
    }

    /// Checks one observation.
    pub fn check(&mut self, obs: &Observation<'_>) -> Result<(), AuditError> {
        let err = |message: String| AuditError {
            time_s: obs.time_s,
            message,
        };
        if obs.time_s.is_nan() || obs.time_s < self.last_time_s {
            return Err(err(format!("time went back from {} s", self.last_time_s)));
        }
        if !obs.energy_j.is_finite() || obs.energy_j < self.last_energy_j {
            return Err(err(format!(
                "energy {} J after {} J: not finite or decreasing",
                obs.energy_j, self.last_energy_j
            )));
        }
        let dc = obs.datacenter;
        check_hosts(dc).map_err(err)?;
        self.check_vms(dc).map_err(err)?;
        self.check_reservations(dc).map_err(err)?;
        self.last_time_s = obs.time_s;
        self.last_energy_j = obs.energy_j;
        self.events += 1;
        Ok(())
    }

    fn check_vms(&mut self, dc: &Datacenter) -> Result<(), String> {
        self.runs_on.clear();
        self.runs_on.resize(dc.vm_count(), 0);
        for h in dc.hosts() {
            for &v in dc.vms_on(h) {
                if dc.is_incoming(h, v) {
                    if !dc.in_migration(v) {
                        return Err(format!("{v:?} is migrating in to {h:?} but not in migration"));
                    }
                    if dc.host_of(v) == Some(h) {
                        return Err(format!("{v:?} migrates to the host it runs on, {h:?}"));
                    }
                } else {
                    self.runs_on[v.index()] += 1;
                    if dc.host_of(v) != Some(h) {
                        return Err(format!(
                            "{v:?} is listed on {h:?} but runs on {:?}",
                            dc.host_of(v)
                        ));
                    }
                }
            }
        }
        for (i, &n) in self.runs_on.iter().enumerate() {
            let v = VmId(i as u32);
            if n > 1 {
                return Err(format!("{v:?} runs on {n} hosts"));
            }
            if n == 0 && dc.host_of(v).is_some() {
                return Err(format!(
                    "{v:?} runs on {:?} but is not listed there",
                    dc.host_of(v)
                ));
            }
            if n == 0 && dc.in_migration(v) {
                return Err(format!("{v:?} is in migration but runs nowhere"));
            }
        }
        Ok(())
    }
}

impl Auditor {
    /// Every running reserved VM gets its capped request times its share, in full.
    fn check_reservations(&mut self, dc: &Datacenter) -> Result<(), String> {
        if dc.spec().real_time.is_empty() {
            return Ok(());
        }
        for h in dc.hosts() {
            let pe_mips = dc.host_type(h).mips_per_core;
            let mut reserved_here = 0u64;
            let mut shortfall_here = false;
            for &v in dc.vms_on(h) {
                // A VM in migration is listed on two hosts, and the processing of either
                // updates its request: the other's allocation may be from an earlier one.
                if dc.is_incoming(h, v) || dc.in_migration(v) {
                    continue;
                }
                let share = dc.vm_share_on(h, v);
                let cores = f64::from(dc.vm_type(v).cores);
                let wanted = (dc.vm_requested_mips(v) / cores).min(pe_mips) * share * cores;
                let got = dc.vm_allocated_mips(v);
                // The sharing computes the same product; the request per PE is read back
                // through one multiplication and division here: a relative 1e-12 covers it.
                let short = got < wanted * (1.0 - 1e-12);
                if dc.reserve_mips(v) > 0.0 && share > 0.0 {
                    if short {
                        return Err(format!(
                            "reserved {v:?} on {h:?} got {got} MIPS of the {wanted} it requests"
                        ));
                    }
                    reserved_here += 1;
                } else if short {
                    shortfall_here = true;
                }
            }
            self.reserved_checked += reserved_here;
            if shortfall_here {
                self.reserved_beside_shortfall += reserved_here;
            }
        }
        Ok(())
    }
}

fn check_hosts(dc: &Datacenter) -> Result<(), String> {
    for h in dc.hosts() {
        let ht = dc.host_type(h);
        // Reserved for the VMs listed, and held for VMs already running
        // elsewhere (a post-copy source until its last page has left).
        let (ram, held) = (dc.reserved_ram_mb(h), dc.held_ram_mb(h));
        if ram + held > ht.ram_mb {
            return Err(format!(
                "{h:?}: {ram} MB of RAM reserved and {held} MB held, capacity {}",
                ht.ram_mb
            ));
        }
        if dc.ram_free_mb(h) != ht.ram_mb - ram - held {
            return Err(format!(
                "{h:?}: free RAM {} MB, but capacity {} − reserved {ram} − held {held}",
                dc.ram_free_mb(h),
                ht.ram_mb
            ));
        }
        let capacity = ht.total_mips();
        let allocated = dc.allocated_mips(h);
        if allocated > capacity * (1.0 + RELATIVE_SLACK) || dc.available_mips(h) < 0.0 {
            return Err(format!(
                "{h:?}: {allocated} MIPS handed out of {capacity} (available {})",
                dc.available_mips(h)
            ));
        }
        check_host_shares(dc, h)?;
        match dc.host_state(h) {
            HostState::Up => {}
            HostState::Down if !dc.vms_on(h).is_empty() => {
                return Err(format!("{h:?} is down but lists {:?}", dc.vms_on(h)));
            }
            _ => {
                if let Some(v) = dc.vms_on(h).iter().find(|&&v| dc.is_incoming(h, v)) {
                    return Err(format!("{v:?} migrates in to {h:?}, which is not up"));
                }
            }
        }
    }
    Ok(())
}

fn check_host_shares(dc: &Datacenter, h: HostId) -> Result<(), String> {
    for &v in dc.vms_on(h) {
        if dc.is_incoming(h, v) {
            continue;
        }
        let a = dc.vm_allocated_mips(v);
        if !(a.is_finite() && a >= 0.0) {
            return Err(format!("{v:?} on {h:?}: allocated {a} MIPS"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::registry::build_placement_policy;
    use crate::simulation::{Simulation, SimulationConfig};

    #[test]
    fn a_clean_run_passes_and_every_event_is_checked() {
        let s = spec(
            &[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)],
            &[500.0, 700.0, 900.0],
        );
        let config = SimulationConfig {
            duration_s: 3600.0,
            ..SimulationConfig::default()
        };
        let policy = build_placement_policy("ff", Default::default()).unwrap();
        let mut auditor = Auditor::new();
        let mut failures = Vec::new();
        Simulation::new(s, config, policy)
            .unwrap()
            .run_observed(|o| {
                if let Err(e) = auditor.check(o) {
                    failures.push(e);
                }
            })
            .unwrap();
        assert!(failures.is_empty(), "{failures:?}");
        // Initial placement, the step at t = 0, and 12 more.
        assert_eq!(auditor.events(), 14);
    }

    #[test]
    fn going_back_in_time_or_losing_energy_is_reported() {
        let dc = Datacenter::new(spec(&[(1000.0, 1, 50.0, 100.0)], &[100.0]));
        let obs = |time_s, energy_j| Observation {
            time_s,
            datacenter: &dc,
            energy_j,
            migrations: &[],
        };
        let mut a = Auditor::new();
        a.check(&obs(10.0, 5.0)).unwrap();
        assert!(
            a.check(&obs(9.0, 5.0))
                .unwrap_err()
                .message
                .contains("time went back")
        );
        assert!(a.check(&obs(11.0, 4.0)).unwrap_err().message.contains("energy"));
        assert!(a.check(&obs(11.0, f64::NAN)).is_err());
    }

    #[test]
    fn memory_held_after_a_post_copy_switch_over_is_not_free() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)],
            &[100.0],
        ));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        dc.start_migration(VmId(0), HostId(1));
        // Post-copy: the VM runs at host 1, host 0 still holds its memory.
        assert_eq!(dc.switch_over(VmId(0), HostId(1)), Some(HostId(0)));
        assert!(dc.held_ram_mb(HostId(0)) > 0);
        Auditor::new().check(&obs_of(&dc)).unwrap();
        dc.release_held_memory(VmId(0), HostId(0));
        Auditor::new().check(&obs_of(&dc)).unwrap();
    }

    fn obs_of(dc: &Datacenter) -> Observation<'_> {
        Observation {
            time_s: 0.0,
            datacenter: dc,
            energy_j: 0.0,
            migrations: &[],
        }
    }

    #[test]
    fn a_reserved_vm_is_served_in_full_and_the_audit_checks_it() {
        // One host of 1000 MIPS; VM 0 reserved (800 MIPS), VM 1 not (800 MIPS).
        let mut s = spec(&[(1000.0, 1, 50.0, 100.0)], &[800.0, 800.0]);
        s.real_time = vec![
            Some(crate::datacenter::RealTime {
                max_downtime_s: 0.05,
                reserve: true,
            }),
            None,
        ];
        s.traces[0] = crate::workload::UtilizationTrace::new("t", 300.0, vec![0.75; 3]).unwrap();
        let mut dc = Datacenter::new(s);
        assert!(dc.create_vm(HostId(0), VmId(0)));
        // The reservation holds 800 of 1000 MIPS: the other VM does not fit at its full MIPS.
        assert!(!dc.is_suitable(HostId(0), VmId(1)));
        // Created at their demand instead, then stepped: 600 + 600 on 1000 MIPS.
        let mut s2 = dc.spec().clone();
        s2.creation_request = crate::datacenter::CreationRequest::Demand;
        let mut dc = Datacenter::new(s2);
        assert!(dc.create_vm(HostId(0), VmId(1)));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        dc.step_host(HostId(0), 300.0);
        assert_eq!(dc.vm_allocated_mips(VmId(0)), 600.0);
        assert_eq!(dc.vm_allocated_mips(VmId(1)), 400.0);
        let mut a = Auditor::new();
        a.check(&obs_of(&dc)).unwrap();
        assert_eq!((a.reserved_checked(), a.reserved_beside_shortfall()), (1, 1));
    }

    #[test]
    fn a_vm_listed_twice_is_reported() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)],
            &[100.0],
        ));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        // What only a planner may do: list the VM on a second host.
        dc.begin_tentative();
        assert!(dc.create_vm(HostId(1), VmId(0)));
        let obs = Observation {
            time_s: 0.0,
            datacenter: &dc,
            energy_j: 0.0,
            migrations: &[],
        };
        let e = Auditor::new().check(&obs).unwrap_err();
        assert!(e.message.contains("VmId(0)"), "{e}");
    }
}
