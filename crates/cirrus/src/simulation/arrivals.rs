//! VMs that arrive and leave during a run (trace formats with lifetimes:
//! Azure's `vmtable`, SWF jobs; synthetic lifetimes). A VM arriving at
//! t > 0 is placed then by the placement policy, with the admission check
//! of initial placement; one that fits nowhere is rejected (left unplaced).
//! A leaving VM is removed from its host, and a migration it was in is
//! called off.

use super::executor::MigrationExecutor;
use super::faults::Faults;
use super::site::Site;
use super::{Event, SimError};
use crate::datacenter::{HostId, VmId};

/// When a VM exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VmLifetime {
    /// When it arrives, seconds (0: placed with the initial placement).
    pub arrival_s: f64,
    /// When it leaves, if it does, seconds.
    pub departure_s: Option<f64>,
}

impl VmLifetime {
    /// There from the start, never leaving.
    pub const ALWAYS: Self = Self {
        arrival_s: 0.0,
        departure_s: None,
    };
}

/// When VMs come and go, and how many found a host.
#[derive(Debug, Default)]
pub(super) struct Arrivals {
    /// When each VM arrives and leaves (empty: all at t = 0, forever).
    lifetimes: Vec<VmLifetime>,
    /// VMs that found a host (at t = 0 or on arrival).
    pub(super) placed: usize,
    /// Arriving VMs that fit nowhere.
    rejected: u64,
}

impl Arrivals {
    /// One lifetime per VM of `n_vms`, in VM order.
    pub(super) fn set(&mut self, lifetimes: Vec<VmLifetime>, n_vms: usize) -> Result<(), SimError> {
        if lifetimes.len() != n_vms {
            return Err(SimError::Config {
                field: "lifetimes",
                message: format!("{} lifetimes for {n_vms} VMs", lifetimes.len()),
            });
        }
        for (i, l) in lifetimes.iter().enumerate() {
            let ok_departure = l.departure_s.is_none_or(|d| d.is_finite() && d > l.arrival_s);
            if !(l.arrival_s.is_finite() && l.arrival_s >= 0.0 && ok_departure) {
                return Err(SimError::Config {
                    field: "lifetimes",
                    message: format!(
                        "VM {i}: needs 0 <= arrival < departure, found {} .. {:?}",
                        l.arrival_s, l.departure_s
                    ),
                });
            }
        }
        self.lifetimes = lifetimes;
        Ok(())
    }

    /// Does VM `v` take part in the initial placement?
    pub(super) fn present_at_start(&self, v: VmId) -> bool {
        self.lifetimes.get(v.index()).is_none_or(|l| l.arrival_s <= 0.0)
    }

    /// When VM `v` arrives, seconds.
    pub(super) fn arrival_s(&self, v: VmId) -> f64 {
        self.lifetimes.get(v.index()).map_or(0.0, |l| l.arrival_s)
    }

    /// Arrival and departure events up to `horizon_s`.
    pub(super) fn events(&self, horizon_s: f64) -> Vec<(f64, Event)> {
        let mut events = Vec::new();
        for (i, l) in self.lifetimes.iter().enumerate() {
            let vm = VmId(i as u32);
            if l.arrival_s > 0.0 && l.arrival_s <= horizon_s {
                events.push((l.arrival_s, Event::VmArrival { vm }));
            }
            if let Some(d) = l.departure_s
                && d <= horizon_s
            {
                events.push((d, Event::VmDeparture { vm }));
            }
        }
        events
    }

    /// VM `v` arrives at `t`, for `host` (the placement policy's choice, if any).
    pub(super) fn arrive(&mut self, v: VmId, host: Option<HostId>, t: f64, site: &mut Site) {
        let Some(h) = host else {
            self.rejected += 1;
            return;
        };
        site.touch(h);
        site.process_touched(t);
        if site.dc.create_vm(h, v) {
            self.placed += 1;
        } else {
            self.rejected += 1;
        }
        site.touch(h);
        site.process_touched(t);
    }

    /// VM `v` leaves at `t`: its migration called off (it stays at its
    /// source), its outage over, off its host.
    pub(super) fn depart(
        &mut self,
        v: VmId,
        t: f64,
        site: &mut Site,
        executor: &mut MigrationExecutor,
        faults: &mut Faults,
    ) {
        if site.finished_at_s[v.index()].is_some() {
            return;
        }
        if site.dc.in_migration(v) {
            executor.call_off(site, t, |vm, _, _, _| (vm == v).then_some(false), |_, _| {});
        }
        faults.vm_left(v, t);
        if let Some(h) = site.dc.host_of(v) {
            site.touch(h);
            site.process_touched(t);
            site.dc.destroy_vm(v);
            site.touch(h);
            site.process_touched(t);
        }
        site.finished_at_s[v.index()] = Some(t);
    }

    /// Arriving VMs that fit nowhere.
    pub(super) fn rejected(&self) -> u64 {
        self.rejected
    }
}
