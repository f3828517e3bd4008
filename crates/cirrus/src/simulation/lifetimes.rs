//! VMs that arrive and leave during a run (trace formats with lifetimes:
//! Azure's `vmtable`, SWF jobs; synthetic lifetimes). A VM arriving at
//! t > 0 is placed then by the placement policy, with the admission check
//! of initial placement; one that fits nowhere is rejected (left unplaced).
//! A leaving VM is removed from its host, and a migration it was in is
//! called off.

use super::{Event, Simulation};
use crate::datacenter::VmId;

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

impl Simulation {
    /// When each VM arrives and leaves (one entry per VM, in VM order);
    /// without this every VM is placed at t = 0 and stays.
    pub fn with_vm_lifetimes(mut self, lifetimes: Vec<VmLifetime>) -> Result<Self, super::SimError> {
        if lifetimes.len() != self.dc.vm_count() {
            return Err(super::SimError::Config {
                field: "lifetimes",
                message: format!("{} lifetimes for {} VMs", lifetimes.len(), self.dc.vm_count()),
            });
        }
        for (i, l) in lifetimes.iter().enumerate() {
            let ok_departure = l.departure_s.is_none_or(|d| d.is_finite() && d > l.arrival_s);
            if !(l.arrival_s.is_finite() && l.arrival_s >= 0.0 && ok_departure) {
                return Err(super::SimError::Config {
                    field: "lifetimes",
                    message: format!(
                        "VM {i}: needs 0 <= arrival < departure, found {} .. {:?}",
                        l.arrival_s, l.departure_s
                    ),
                });
            }
        }
        self.lifetimes = lifetimes;
        Ok(self)
    }

    /// Does VM `v` take part in the initial placement?
    pub(super) fn present_at_start(&self, v: VmId) -> bool {
        self.lifetimes.get(v.index()).is_none_or(|l| l.arrival_s <= 0.0)
    }

    /// When VM `v` arrives, seconds.
    pub(super) fn arrival_s(&self, v: VmId) -> f64 {
        self.lifetimes.get(v.index()).map_or(0.0, |l| l.arrival_s)
    }

    /// Arrival and departure events within the run.
    pub(super) fn lifetime_events(&self) -> Vec<(f64, Event)> {
        let mut events = Vec::new();
        for (i, l) in self.lifetimes.iter().enumerate() {
            if l.arrival_s > 0.0 && l.arrival_s <= self.config.duration_s {
                events.push((l.arrival_s, Event::VmArrival(i as u32)));
            }
            if let Some(d) = l.departure_s
                && d <= self.config.duration_s
            {
                events.push((d, Event::VmDeparture(i as u32)));
            }
        }
        events
    }

    /// VM `v` arrives at `t`.
    pub(super) fn vm_arrival(&mut self, v: u32, t: f64) {
        let v = VmId(v);
        let Some(h) = self.choose_host(v) else {
            self.vms_rejected += 1;
            return;
        };
        self.touch(h);
        self.process_touched(t);
        if self.dc.create_vm(h, v) {
            self.vms_placed += 1;
        } else {
            self.vms_rejected += 1;
        }
        self.touch(h);
        self.process_touched(t);
    }

    /// VM `v` leaves at `t`: off its host, its migration called off.
    pub(super) fn vm_departure(&mut self, v: u32, t: f64) {
        let v = VmId(v);
        if self.vm_finished_at_s[v.index()].is_some() {
            return;
        }
        self.abort_migrations_of(v, t);
        if let Some(since) = self.faults.vm_down_since[v.index()].take() {
            self.add_outage(v, since, t);
            self.faults.waiting.retain(|&w| w != v);
        }
        if let Some(h) = self.dc.host_of(v) {
            self.touch(h);
            self.process_touched(t);
            self.dc.destroy_vm(v);
            self.touch(h);
            self.process_touched(t);
        }
        self.vm_finished_at_s[v.index()] = Some(t);
    }

    /// Calls off every migration of VM `v` at `t`; the VM stays at its source.
    fn abort_migrations_of(&mut self, v: VmId, t: f64) {
        if self.dc.in_migration(v) {
            self.call_off_migrations(t, |vm, _, _, _| (vm == v).then_some(false));
        }
    }
}
