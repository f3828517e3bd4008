//! Host failures during a run (issue 7): a degraded host announces its
//! failure and is evacuated by live migration; at the failure, the VMs still
//! on it — and those whose migration needed it — are lost and restarted
//! elsewhere after the restart delay; a repaired host takes VMs again.
//!
//! Per VM, downtime is split by cause: `migration` (paused by a migration),
//! `restart` (the restart delay after a loss) and `crash` (waiting beyond
//! the delay because no host had room).

use super::{Event, Simulation};
use crate::consolidation::{MigrationReason, PlannedMigration};
use crate::datacenter::{HostId, HostState, MigrationShares, VmId};
use crate::failures::{FailureConfig, FailureKind, HostFailure};
use crate::migration::StopReason;
use crate::placement::{NoAdmissionCheck, PlacementContext};

/// Failure bookkeeping of a run.
#[derive(Debug, Default)]
pub(super) struct Faults {
    pub(super) config: Option<FailureConfig>,
    pub(super) schedule: Vec<HostFailure>,
    /// When each VM went down, while it is down.
    pub(super) vm_down_since: Vec<Option<f64>>,
    pub(super) vm_losses: Vec<u32>,
    pub(super) vm_restarts: Vec<u32>,
    /// VMs whose restart delay is over but that found no host yet.
    pub(super) waiting: Vec<VmId>,
    pub(super) host_down_since: Vec<Option<f64>>,
    pub(super) host_down_s: Vec<f64>,
    pub(super) host_failed: Vec<bool>,
    pub(super) failures: u64,
    pub(super) crashes: u64,
    pub(super) repairs_s: Vec<f64>,
}

impl Faults {
    pub(super) fn new(n_hosts: usize, n_vms: usize) -> Self {
        Self {
            vm_down_since: vec![None; n_vms],
            vm_losses: vec![0; n_vms],
            vm_restarts: vec![0; n_vms],
            host_down_since: vec![None; n_hosts],
            host_down_s: vec![0.0; n_hosts],
            host_failed: vec![false; n_hosts],
            ..Self::default()
        }
    }

    fn restart_delay_s(&self) -> f64 {
        self.config.as_ref().map_or(0.0, |c| c.restart_delay_s)
    }
}

impl Simulation {
    /// Host failures during the run; drawn (or taken from the trace) when the
    /// run starts, from the `"host-failures"` streams.
    pub fn with_failures(mut self, config: FailureConfig) -> Result<Self, super::SimError> {
        config
            .validate(&self.dc.spec().host_types, self.dc.host_count())
            .map_err(|e| super::SimError::Config {
                field: "failures",
                message: format!("failure {}: {}", e.index, e.message),
            })?;
        self.faults.config = Some(config);
        Ok(self)
    }

    /// Draws the failure schedule and returns the events to schedule.
    pub(super) fn failure_events(&mut self) -> Vec<(f64, Event)> {
        let Some(config) = &self.faults.config else {
            return Vec::new();
        };
        let types: Vec<usize> = self.dc.spec().hosts.iter().map(|h| h.host_type).collect();
        self.faults.schedule = config.schedule(&types, self.config.duration_s, &self.streams);
        let mut events = Vec::new();
        for (i, f) in self.faults.schedule.iter().enumerate() {
            let i = i as u32;
            if f.kind == FailureKind::Degraded && f.warning_s < f.down_s {
                events.push((f.warning_s, Event::FailureWarning(i)));
            }
            events.push((f.down_s, Event::HostDown(i)));
            events.push((f.up_s, Event::HostUp(i)));
        }
        events.retain(|(t, _)| *t <= self.config.duration_s);
        events
    }

    /// Failure `i` is announced at `t`: the host takes no new VMs, moves
    /// into it are called off, and (if configured) its VMs are evacuated.
    pub(super) fn failure_warning(&mut self, i: u32, t: f64) {
        let h = self.faults.schedule[i as usize].host;
        self.dc.set_host_state(h, HostState::Failing);
        self.abort_migrations_involving(h, t, true);
        if self.faults.config.as_ref().is_some_and(|c| c.evacuate) {
            self.evacuate(h, t);
        }
        self.process_touched(t);
    }

    /// Starts a live migration of every VM running on `h` (not already
    /// migrating) to the host the placement policy picks among those up,
    /// with no admission test: getting out matters more than where.
    fn evacuate(&mut self, h: HostId, t: f64) {
        if Self::model_of(&self.consolidation, &self.migration_model).is_none() {
            return;
        }
        let vms: Vec<VmId> = self
            .dc
            .vms_on(h)
            .iter()
            .copied()
            .filter(|&v| !self.dc.is_incoming(h, v) && !self.dc.in_migration(v))
            .collect();
        let ctx = ANY_HOST_UP;
        self.planned.clear();
        self.dc.begin_tentative();
        for v in vms {
            match self.placement.select_host(&self.dc, &ctx, v) {
                Some(target) if self.dc.create_vm(target, v) => self.planned.push(PlannedMigration {
                    vm: v,
                    target,
                    reason: MigrationReason::Evacuation,
                }),
                _ => self.migrations_refused += 1,
            }
        }
        self.dc.rollback();
        for i in 0..self.planned.len() {
            let target = self.planned[i].target;
            self.touch(target);
        }
        self.touch(h);
        self.process_touched(t);
        if self.process_migrations() {
            self.start_flights(t);
        } else {
            self.start_migrations(t);
        }
        self.planned.clear();
    }

    /// Failure `i` takes its host down at `t`.
    pub(super) fn host_down(&mut self, i: u32, t: f64) {
        let f = self.faults.schedule[i as usize];
        let h = f.host;
        self.touch(h);
        self.process_touched(t);
        self.abort_migrations_involving(h, t, false);
        let lost: Vec<VmId> = self
            .dc
            .vms_on(h)
            .iter()
            .copied()
            .filter(|&v| !self.dc.is_incoming(h, v))
            .collect();
        for v in lost {
            self.lose_vm(v, t);
        }
        self.dc.set_host_state(h, HostState::Down);
        self.faults.host_down_since[h.index()] = Some(t);
        self.faults.host_failed[h.index()] = true;
        self.faults.failures += 1;
        if f.kind == FailureKind::Crash {
            self.faults.crashes += 1;
        }
        self.touch(h);
        self.process_touched(t);
    }

    /// Failure `i`'s host is repaired at `t`.
    pub(super) fn host_up(&mut self, i: u32, t: f64) {
        let f = self.faults.schedule[i as usize];
        let h = f.host;
        self.touch(h);
        self.process_touched(t);
        self.dc.set_host_state(h, HostState::Up);
        if let Some(since) = self.faults.host_down_since[h.index()].take() {
            self.faults.host_down_s[h.index()] += t - since;
            self.faults.repairs_s.push(t - since);
        }
        self.retry_restarts(t);
    }

    /// Calls off the migrations that need `h` at `t`: those into it, and
    /// (unless `only_into`) those out of it, whose VM is lost with the host.
    /// A post-copy VM already switched over is lost with either end: its
    /// memory is split between them.
    fn abort_migrations_involving(&mut self, h: HostId, t: f64, only_into: bool) {
        self.call_off_migrations(t, |_, source, target, switched| {
            let into = target == h;
            let out = source == h && !only_into;
            if !(into || out) || (only_into && switched) {
                None
            } else {
                Some(out || switched)
            }
        });
    }

    /// Calls off, at `t`, every migration in flight for which `which(vm,
    /// source, target, switched_over)` says so: `Some(lost)`, the VM being
    /// lost with it (`true`) or staying at its source. Both kinds of
    /// migration: processes over the network and CloudSim's fixed delays.
    pub(super) fn call_off_migrations(
        &mut self,
        t: f64,
        which: impl Fn(VmId, HostId, HostId, bool) -> Option<bool>,
    ) {
        for slot in 0..self.flights.len() {
            let Some((vm, source, target, switched)) = self.flights[slot].as_ref().map(|f| f.route()) else {
                continue;
            };
            let Some(lost) = which(vm, source, target, switched) else {
                continue;
            };
            self.touch(source);
            self.touch(target);
            self.process_touched(t);
            let downtime_s = self.take_flight(slot as u32, t);
            if switched {
                self.dc.release_held_memory(vm, source);
            } else {
                self.dc.abort_migration(vm, target);
            }
            self.dc.set_migration_shares(vm, MigrationShares::CLOUDSIM);
            self.downtime.migration_s[vm.index()] += downtime_s;
            if lost {
                self.lose_vm(vm, t);
            }
            self.touch(source);
            self.touch(target);
        }
        // Fixed-delay (CloudSim) migrations due later.
        let mut ids: Vec<u32> = self.due.values().flatten().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let m = &self.migrations[id as usize];
            let (vm, source, target) = (VmId(m.vm), HostId(m.source), HostId(m.target));
            if m.stop_reason == Some(StopReason::Aborted) || m.end_s <= t {
                continue;
            }
            let Some(lost) = which(vm, source, target, false) else {
                continue;
            };
            self.touch(source);
            self.touch(target);
            self.process_touched(t);
            let r = &mut self.migrations[id as usize];
            r.stop_reason = Some(StopReason::Aborted);
            r.end_s = t;
            r.duration_s = t - r.start_s;
            self.dc.abort_migration(vm, target);
            if lost {
                self.lose_vm(vm, t);
            }
            self.touch(source);
            self.touch(target);
        }
    }

    /// VM `v` goes down at `t`: off its host, restart scheduled after the delay.
    fn lose_vm(&mut self, v: VmId, t: f64) {
        if let Some(host) = self.dc.host_of(v) {
            self.touch(host);
            let req = self.dc.vm_requested_mips(v);
            // From now on it requests and gets nothing delivered.
            self.record_vm(v, t, 0.0, req, false);
            self.dc.destroy_vm(v);
        }
        if self.faults.vm_down_since[v.index()].is_none() {
            self.faults.vm_down_since[v.index()] = Some(t);
            self.faults.vm_losses[v.index()] += 1;
            let at = t + self.faults.restart_delay_s();
            if at <= self.config.duration_s {
                self.to_schedule.push((at, Event::Restart(v.0)));
            }
        }
    }

    /// VM `v`'s restart delay is over at `t`: it starts where the placement
    /// policy puts it, or waits for room.
    pub(super) fn restart_due(&mut self, v: u32, t: f64) {
        let v = VmId(v);
        if !self.try_restart(v, t) && !self.faults.waiting.contains(&v) {
            self.faults.waiting.push(v);
        }
    }

    /// Restarts the VMs waiting for room, oldest first.
    pub(super) fn retry_restarts(&mut self, t: f64) {
        if self.faults.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.faults.waiting);
        for v in waiting {
            if !self.try_restart(v, t) {
                self.faults.waiting.push(v);
            }
        }
    }

    fn try_restart(&mut self, v: VmId, t: f64) -> bool {
        let Some(since) = self.faults.vm_down_since[v.index()] else {
            return true;
        };
        let ctx = ANY_HOST_UP;
        let Some(target) = self.placement.select_host(&self.dc, &ctx, v) else {
            return false;
        };
        self.touch(target);
        self.process_touched(t);
        if !self.dc.create_vm(target, v) {
            return false;
        }
        self.faults.vm_down_since[v.index()] = None;
        self.faults.vm_restarts[v.index()] += 1;
        self.add_outage(v, since, t);
        self.touch(target);
        self.process_touched(t);
        true
    }

    /// Books VM `v`'s outage from `since` to `until`: the restart delay as
    /// restart downtime, the rest as crash downtime.
    pub(super) fn add_outage(&mut self, v: VmId, since: f64, until: f64) {
        let total = (until - since).max(0.0);
        let restart = total.min(self.faults.restart_delay_s());
        self.downtime.restart_s[v.index()] += restart;
        self.downtime.crash_s[v.index()] += total - restart;
    }
}

/// Where evacuated and restarted VMs may go: any host that is up and has
/// room, with no admission test (getting out matters more than where).
const ANY_HOST_UP: PlacementContext<'static> = PlacementContext {
    excluded: &[],
    admission: &NoAdmissionCheck,
    exclude_idle: false,
};
