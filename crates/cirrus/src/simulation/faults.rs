//! Host failures during a run (issue 7): a degraded host announces its
//! failure and is evacuated by live migration; at the failure, the VMs still
//! on it — and those whose migration needed it — are lost and restarted
//! elsewhere after the restart delay; a repaired host takes VMs again.
//!
//! Per VM, downtime is split by cause: `migration` (paused by a migration,
//! booked by the [`MigrationExecutor`]), `restart` (the restart delay after
//! a loss) and `crash` (waiting beyond the delay because no host had room).

use cirrus_engine::RngStreams;

use super::executor::MigrationExecutor;
use super::ledger::ratio;
use super::site::Site;
use super::{Event, SimError};
use crate::consolidation::{MigrationReason, PlannedMigration};
use crate::datacenter::{Datacenter, HostId, HostState, VmId};
use crate::failures::{FailureConfig, FailureKind, HostFailure};
use crate::metrics::FailureSummary;
use crate::migration::MigrationModel;
use crate::placement::{HostFilter, NoAdmissionCheck, PlacementContext, PlacementPolicy};

/// Host failures and lost VMs of a run.
#[derive(Debug, Default)]
pub(super) struct Faults {
    config: Option<FailureConfig>,
    schedule: Vec<HostFailure>,
    /// The run's horizon: restarts due later are not scheduled.
    horizon_s: f64,
    /// When each VM went down, while it is down.
    vm_down_since: Vec<Option<f64>>,
    vm_losses: Vec<u32>,
    vm_restarts: Vec<u32>,
    /// VMs whose restart delay is over but that found no host yet.
    waiting: Vec<VmId>,
    host_down_since: Vec<Option<f64>>,
    host_down_s: Vec<f64>,
    host_failed: Vec<bool>,
    failures: u64,
    crashes: u64,
    repairs_s: Vec<f64>,
    /// Per VM: seconds of restart delay, and of waiting beyond it.
    restart_s: Vec<f64>,
    crash_s: Vec<f64>,
}

impl Faults {
    /// No failure yet (and none configured) in a datacenter of `n_hosts` and `n_vms`.
    pub(super) fn new(n_hosts: usize, n_vms: usize, horizon_s: f64) -> Self {
        Self {
            horizon_s,
            vm_down_since: vec![None; n_vms],
            vm_losses: vec![0; n_vms],
            vm_restarts: vec![0; n_vms],
            host_down_since: vec![None; n_hosts],
            host_down_s: vec![0.0; n_hosts],
            host_failed: vec![false; n_hosts],
            restart_s: vec![0.0; n_vms],
            crash_s: vec![0.0; n_vms],
            ..Self::default()
        }
    }

    /// Host failures of `config` for the hosts of `dc`.
    pub(super) fn configure(&mut self, config: FailureConfig, dc: &Datacenter) -> Result<(), SimError> {
        config
            .validate(&dc.spec().host_types, dc.host_count())
            .map_err(|e| SimError::Config {
                field: "failures",
                message: format!("failure {}: {}", e.index, e.message),
            })?;
        self.config = Some(config);
        Ok(())
    }

    fn restart_delay_s(&self) -> f64 {
        self.config.as_ref().map_or(0.0, |c| c.restart_delay_s)
    }

    /// Draws the failure schedule (or takes it from the trace), from the
    /// `"host-failures"` streams, and returns the events to schedule.
    pub(super) fn events(&mut self, dc: &Datacenter, streams: &RngStreams) -> Vec<(f64, Event)> {
        let Some(config) = &self.config else {
            return Vec::new();
        };
        let types: Vec<usize> = dc.spec().hosts.iter().map(|h| h.host_type).collect();
        self.schedule = config.schedule(&types, self.horizon_s, streams);
        let mut events = Vec::new();
        for (i, f) in self.schedule.iter().enumerate() {
            let failure = i as u32;
            if f.kind == FailureKind::Degraded && f.warning_s < f.down_s {
                events.push((f.warning_s, Event::FailureWarning { failure }));
            }
            events.push((f.down_s, Event::HostDown { failure }));
            events.push((f.up_s, Event::HostUp { failure }));
        }
        events.retain(|(t, _)| *t <= self.horizon_s);
        events
    }

    /// Failure `i` is announced at `t`: the host takes no new VMs, moves
    /// into it are called off, and (if configured) its VMs are evacuated
    /// with `model`.
    pub(super) fn warning(
        &mut self,
        i: u32,
        t: f64,
        site: &mut Site,
        executor: &mut MigrationExecutor,
        placement: &mut dyn PlacementPolicy,
        model: Option<&dyn MigrationModel>,
    ) {
        let h = self.schedule[i as usize].host;
        site.dc.set_host_state(h, HostState::Failing);
        self.call_off_involving(h, t, true, site, executor);
        if self.config.as_ref().is_some_and(|c| c.evacuate)
            && let Some(model) = model
        {
            if executor.has_waiting() {
                // Moves out of it still waiting for their target are planned again, as
                // evacuations (which may choose the same target, if it is ready in time).
                // Without evacuation they keep waiting: they may still finish in time.
                let out_of_h = |_, source, _| (source == h).then_some(false);
                executor.cancel_waiting(site, t, false, out_of_h, |_, _| {});
            }
            let down_s = self.schedule[i as usize].down_s;
            evacuate(h, t, down_s, site, executor, placement, model);
        }
        site.process_touched(t);
    }

    /// Failure `i` takes its host down at `t`.
    pub(super) fn host_down(&mut self, i: u32, t: f64, site: &mut Site, executor: &mut MigrationExecutor) {
        let f = self.schedule[i as usize];
        let h = f.host;
        site.touch(h);
        site.process_touched(t);
        self.call_off_involving(h, t, false, site, executor);
        let lost: Vec<VmId> = (site.dc.vms_on(h).iter().copied())
            .filter(|&v| !site.dc.is_incoming(h, v))
            .collect();
        for v in lost {
            self.lose_vm(site, v, t);
        }
        site.dc.set_host_state(h, HostState::Down);
        self.host_down_since[h.index()] = Some(t);
        self.host_failed[h.index()] = true;
        self.failures += 1;
        if f.kind == FailureKind::Crash {
            self.crashes += 1;
        }
        site.touch(h);
        site.process_touched(t);
    }

    /// Failure `i`'s host is repaired at `t`.
    pub(super) fn host_up(&mut self, i: u32, t: f64, site: &mut Site, placement: &mut dyn PlacementPolicy) {
        let h = self.schedule[i as usize].host;
        site.touch(h);
        site.process_touched(t);
        site.dc.set_host_state(h, HostState::Up);
        if let Some(since) = self.host_down_since[h.index()].take() {
            self.host_down_s[h.index()] += t - since;
            self.repairs_s.push(t - since);
        }
        self.retry_restarts(t, site, placement);
    }

    /// Calls off the migrations that need `h` at `t`: those into it, and
    /// (unless `only_into`) those out of it, whose VM is lost with the host.
    /// A post-copy VM already switched over is lost with either end: its
    /// memory is split between them.
    fn call_off_involving(
        &mut self,
        h: HostId,
        t: f64,
        only_into: bool,
        site: &mut Site,
        executor: &mut MigrationExecutor,
    ) {
        let which = |_: VmId, source: HostId, target: HostId, switched: bool| {
            let into = target == h;
            let out = source == h && !only_into;
            if !(into || out) || (only_into && switched) {
                None
            } else {
                Some(out || switched)
            }
        };
        executor.call_off(site, t, which, |site, v| self.lose_vm(site, v, t));
    }

    /// VM `v` goes down at `t`: off its host, restart scheduled after the delay.
    fn lose_vm(&mut self, site: &mut Site, v: VmId, t: f64) {
        if let Some(host) = site.dc.host_of(v) {
            site.touch(host);
            let req = site.dc.vm_requested_mips(v);
            // From now on it requests and gets nothing delivered.
            site.ledger.record_vm(v, t, 0.0, req, false);
            site.dc.destroy_vm(v);
        }
        if self.vm_down_since[v.index()].is_none() {
            self.vm_down_since[v.index()] = Some(t);
            self.vm_losses[v.index()] += 1;
            let at = t + self.restart_delay_s();
            if at <= self.horizon_s {
                site.agenda.push((at, Event::Restart { vm: v }));
            }
        }
    }

    /// VM `v`'s restart delay is over at `t`: it starts where the placement
    /// policy puts it, or waits for room.
    pub(super) fn restart_due(
        &mut self,
        v: VmId,
        t: f64,
        site: &mut Site,
        placement: &mut dyn PlacementPolicy,
    ) {
        if !self.try_restart(v, t, site, placement) && !self.waiting.contains(&v) {
            self.waiting.push(v);
        }
    }

    /// Restarts the VMs waiting for room, oldest first.
    pub(super) fn retry_restarts(&mut self, t: f64, site: &mut Site, placement: &mut dyn PlacementPolicy) {
        if self.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.waiting);
        for v in waiting {
            if !self.try_restart(v, t, site, placement) {
                self.waiting.push(v);
            }
        }
    }

    fn try_restart(&mut self, v: VmId, t: f64, site: &mut Site, placement: &mut dyn PlacementPolicy) -> bool {
        let Some(since) = self.vm_down_since[v.index()] else {
            return true;
        };
        let Some(target) = placement.select_host(&site.dc, &mut any_host_up(&mut NoAdmissionCheck), v) else {
            return false;
        };
        site.touch(target);
        site.process_touched(t);
        if !site.dc.create_vm(target, v) {
            return false;
        }
        self.vm_down_since[v.index()] = None;
        self.vm_restarts[v.index()] += 1;
        self.add_outage(v, since, t);
        site.touch(target);
        site.process_touched(t);
        true
    }

    /// VM `v` leaves the run at `t`: an outage it is in ends, and it no
    /// longer waits for a restart.
    pub(super) fn vm_left(&mut self, v: VmId, t: f64) {
        if let Some(since) = self.vm_down_since[v.index()].take() {
            self.add_outage(v, since, t);
            self.waiting.retain(|&w| w != v);
        }
    }

    /// Books VM `v`'s outage from `since` to `until`: the restart delay as
    /// restart downtime, the rest as crash downtime.
    fn add_outage(&mut self, v: VmId, since: f64, until: f64) {
        let total = (until - since).max(0.0);
        let restart = total.min(self.restart_delay_s());
        self.restart_s[v.index()] += restart;
        self.crash_s[v.index()] += total - restart;
    }

    /// The run is over: VMs still down book their outage so far.
    pub(super) fn finish(&mut self) {
        for vi in 0..self.vm_down_since.len() {
            if let Some(since) = self.vm_down_since[vi] {
                self.add_outage(VmId(vi as u32), since, self.horizon_s);
            }
        }
    }

    /// Per VM: seconds of restart delay, and of waiting beyond it.
    pub(super) fn outages_s(&self) -> (&[f64], &[f64]) {
        (&self.restart_s, &self.crash_s)
    }

    /// Whether VM `v` is down (lost, not restarted).
    pub(super) fn is_down(&self, v: VmId) -> bool {
        self.vm_down_since[v.index()].is_some()
    }

    /// Times VM `v` was lost.
    pub(super) fn losses(&self, v: VmId) -> u32 {
        self.vm_losses[v.index()]
    }

    /// The failure part of the summary, with the evacuations completed and
    /// migrations called off (after [`finish`](Self::finish)).
    pub(super) fn summary(&self, vms_evacuated: u64, migrations_aborted: u64) -> FailureSummary {
        let n_hosts = self.host_failed.len();
        let mut host_down_total_s: f64 = self.host_down_s.iter().sum();
        for since in self.host_down_since.iter().flatten() {
            host_down_total_s += self.horizon_s - since;
        }
        let host_time_s = n_hosts as f64 * self.horizon_s;
        FailureSummary {
            host_failures: self.failures,
            host_crashes: self.crashes,
            host_mtbf_s: if self.failures == 0 {
                f64::NAN
            } else {
                (host_time_s - host_down_total_s) / self.failures as f64
            },
            host_mttr_s: if self.repairs_s.is_empty() {
                f64::NAN
            } else {
                self.repairs_s.iter().sum::<f64>() / self.repairs_s.len() as f64
            },
            host_availability: ratio(host_time_s - host_down_total_s, host_time_s),
            host_reliability: ratio(
                self.host_failed.iter().filter(|&&f| !f).count() as f64,
                n_hosts as f64,
            ),
            vm_losses: self.vm_losses.iter().map(|&n| u64::from(n)).sum(),
            vm_restarts: self.vm_restarts.iter().map(|&n| u64::from(n)).sum(),
            vms_evacuated,
            migrations_aborted,
        }
    }
}

/// Starts a live migration of every VM running on `h` (not already
/// migrating) to the host the placement policy picks among those up,
/// with no admission test: getting out matters more than where. The host is announced to
/// fail at `down_s`. With managed power states the policy first picks among the hosts
/// that can take the VM in time — on now, or ready ([`Datacenter::ready_at_s`]) and done
/// (`model`'s predicted total time from then) before `down_s` — and among all only if
/// none can: a move to a host not on yet waits for it (see the executor's booked moves).
fn evacuate(
    h: HostId,
    t: f64,
    down_s: f64,
    site: &mut Site,
    executor: &mut MigrationExecutor,
    placement: &mut dyn PlacementPolicy,
    model: &dyn MigrationModel,
) {
    let vms: Vec<VmId> = (site.dc.vms_on(h).iter().copied())
        .filter(|&v| !site.dc.is_incoming(h, v) && !site.dc.in_migration(v))
        .collect();
    let mut planned = Vec::new();
    let mut late = Vec::new();
    let mut known: Vec<((usize, u64), f64)> = Vec::new();
    site.dc.begin_tentative();
    for v in vms {
        let mut choice = None;
        if site.dc.power_managed() {
            // A host that is on is as timely as without power states; one not on yet is
            // tested. Its link carries no transfer (moves to it wait), so its prediction
            // depends on its type and ready time only: computed once per pair, per VM.
            late.clear();
            known.clear();
            for g in site.dc.hosts() {
                let ready_s = site.dc.ready_at_s(g, t);
                if ready_s <= t {
                    late.push(false);
                    continue;
                }
                let key = (site.dc.host_type_index(g), ready_s.to_bits());
                let total_s = match known.iter().find(|(k, _)| *k == key) {
                    Some(&(_, total_s)) => total_s,
                    None => {
                        let total_s = executor.predicted_total_s(&site.dc, model, v, h, g, ready_s);
                        known.push((key, total_s));
                        total_s
                    }
                };
                late.push(ready_s + total_s > down_s);
            }
            if late.contains(&false) {
                let mut none = NoAdmissionCheck;
                let mut in_time = PlacementContext {
                    filter: HostFilter {
                        excluded: &late,
                        exclude_idle: false,
                    },
                    admission: &mut none,
                };
                choice = placement.select_host(&site.dc, &mut in_time, v);
            }
        }
        let choice =
            choice.or_else(|| placement.select_host(&site.dc, &mut any_host_up(&mut NoAdmissionCheck), v));
        match choice {
            Some(target) if site.dc.create_vm(target, v) => planned.push(PlannedMigration {
                vm: v,
                target,
                reason: MigrationReason::Evacuation,
            }),
            _ => executor.refuse(),
        }
    }
    site.dc.rollback();
    for m in &planned {
        site.touch(m.target);
    }
    site.touch(h);
    site.process_touched(t);
    executor.start_before(site, model, &planned, t, Some(down_s));
}

/// Where evacuated and restarted VMs may go: any host that is up and has
/// room, with no admission test (getting out matters more than where).
fn any_host_up(none: &mut NoAdmissionCheck) -> PlacementContext<'_> {
    PlacementContext {
        filter: HostFilter::ALL,
        admission: none,
    }
}
