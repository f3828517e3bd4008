//! Moves that wait for their target to be on (`docs/MODELS.md` C.5).
//!
//! A host that is off, asleep or between power states cannot receive a live
//! migration. A move towards such a host — consolidation's, scripted or an
//! evacuation — is *booked*: the target's room is reserved at once
//! ([`Datacenter::book_migration`]), so no other placement takes it and the
//! power manager wakes the host (it is no longer empty), while the VM keeps
//! running, served in full, at its source. When the target is on (at the end
//! of its boot or resume) the move starts through the executor's one path,
//! its model's choice and link share taken then. A booked move that becomes
//! impossible meanwhile — its VM gone, its source or target failing or
//! failed — is called off and counted with the moves that could not start
//! (`migrations_refused`).

use super::{MigrationExecutor, cpu_fraction, move_request, predict};
use crate::consolidation::PlannedMigration;
use crate::datacenter::{Datacenter, HostId, HostState, MigrationShares, VmId};
use crate::migration::{MigrationModel, MoveChoice};
use crate::power::PowerState;
use crate::simulation::site::Site;

/// A booked move: its target's room is reserved, its VM runs at its source.
#[derive(Debug, Clone, Copy)]
pub(super) struct WaitingMove {
    planned: PlannedMigration,
    /// An evacuation's announced failure, s.
    deadline_s: Option<f64>,
    /// When it was booked, s.
    since_s: f64,
    /// It was counted in `evacuations_too_late` when it was booked.
    late_counted: bool,
}

/// What the waiting moves of a run add up to.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::simulation) struct WaitCounts {
    /// Moves that started after waiting for their target.
    pub(in crate::simulation) moves: u64,
    /// The seconds they waited.
    pub(in crate::simulation) wait_s: f64,
}

impl MigrationExecutor {
    /// Books move `m` of the VM running on `source` at `t`, its target ready at `ready_s`
    /// (`deadline_s`: an evacuation's announced failure). A choosing model's "finish before
    /// the failure" test is made from `ready_s`: an evacuation that cannot make it even
    /// when started then is counted too late now (once).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn book_move(
        &mut self,
        site: &mut Site,
        model: &dyn MigrationModel,
        m: &PlannedMigration,
        source: HostId,
        t: f64,
        ready_s: f64,
        deadline_s: Option<f64>,
    ) {
        let mut late_counted = false;
        if deadline_s.is_some() && !model.candidates().is_empty() {
            let bandwidth_mbps = self.share_at_start_mbps(&site.dc, source, m.target);
            let request = move_request(
                &self.vm_memory,
                &site.dc,
                m.vm,
                bandwidth_mbps,
                ready_s,
                deadline_s,
            );
            if let MoveChoice::Run { in_time: false, .. } = model.choose(&request) {
                self.real_time.evacuations_too_late += 1;
                late_counted = true;
            }
        }
        site.dc.book_migration(m.vm, m.target);
        site.touch(source);
        site.touch(m.target);
        self.waiting.push(WaitingMove {
            planned: *m,
            deadline_s,
            since_s: t,
            late_counted,
        });
    }

    /// Whether some booked move waits for its target.
    #[inline]
    pub(in crate::simulation) fn has_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Starts, at `t`, the booked moves whose target is on now, in the order they were
    /// booked. One whose VM no longer runs elsewhere, or whose target is no longer up, is
    /// called off (refused); one a choosing model defers gives its booking back.
    pub(in crate::simulation) fn start_waiting(
        &mut self,
        site: &mut Site,
        model: &dyn MigrationModel,
        t: f64,
    ) {
        let dc = &site.dc;
        if !(self.waiting.iter()).any(|w| dc.power_state(w.planned.target) == PowerState::On) {
            return;
        }
        let mut ready = std::mem::take(&mut self.ready_scratch);
        self.waiting.retain(|w| {
            let on = dc.power_state(w.planned.target) == PowerState::On;
            if on {
                ready.push(*w);
            }
            !on
        });
        // They start together: a choosing model predicts each on the share they leave it.
        let choosing = !model.candidates().is_empty();
        if choosing {
            let mut planned = std::mem::take(&mut self.ready_planned);
            planned.clear();
            planned.extend(ready.iter().map(|w| w.planned));
            self.batch.fill(&site.dc, &planned, |_| true);
            self.ready_planned = planned;
        }
        for (i, w) in ready.drain(..).enumerate() {
            if choosing {
                self.batch.take(i);
            }
            let (vm, target) = (w.planned.vm, w.planned.target);
            let source =
                (site.dc.host_of(vm)).filter(|&s| s != target && site.dc.host_state(target) == HostState::Up);
            let Some(source) = source else {
                self.drop_booking(site, &w, t);
                self.refused += 1;
                continue;
            };
            site.touch(source);
            site.touch(target);
            site.process_touched(t);
            if self.start_one(site, model, &w.planned, source, t, w.deadline_s, w.late_counted) {
                self.waits.moves += 1;
                self.waits.wait_s += t - w.since_s;
            } else {
                self.drop_booking(site, &w, t);
            }
        }
        self.ready_scratch = ready;
        self.batch.clear();
        site.process_touched(t);
    }

    /// Calls off, at `t`, every booked move for which `which(vm, source, target)` says so:
    /// `Some(lost)`, the VM being lost with it (`on_lost` is told) or staying at its
    /// source. With `refused`, each is counted with the moves that could not start (not
    /// when the caller plans them again at once).
    pub(in crate::simulation) fn cancel_waiting(
        &mut self,
        site: &mut Site,
        t: f64,
        refused: bool,
        which: impl Fn(VmId, HostId, HostId) -> Option<bool>,
        mut on_lost: impl FnMut(&mut Site, VmId),
    ) {
        let mut i = 0;
        while i < self.waiting.len() {
            let w = self.waiting[i];
            let (vm, target) = (w.planned.vm, w.planned.target);
            // A VM that runs nowhere has nothing left to move.
            let decision = site
                .dc
                .host_of(vm)
                .map_or(Some(false), |source| which(vm, source, target));
            let Some(lost) = decision else {
                i += 1;
                continue;
            };
            self.waiting.remove(i);
            self.drop_booking(site, &w, t);
            self.refused += u64::from(refused);
            if lost {
                on_lost(site, vm);
            }
        }
    }

    /// Gives back booked move `w`'s reservation at `t`: the hosts' books are closed
    /// first, the VM runs on at its source.
    fn drop_booking(&mut self, site: &mut Site, w: &WaitingMove, t: f64) {
        let (vm, target) = (w.planned.vm, w.planned.target);
        let source = site.dc.host_of(vm);
        if let Some(s) = source {
            site.touch(s);
        }
        site.touch(target);
        site.process_touched(t);
        site.dc.abort_migration(vm, target);
        site.dc.set_migration_shares(vm, MigrationShares::CLOUDSIM);
        if let Some(s) = source {
            site.touch(s);
        }
        site.touch(target);
    }

    /// Moves that started after waiting for their target, and the seconds they waited.
    pub(in crate::simulation) fn wait_counts(&self) -> WaitCounts {
        self.waits
    }

    /// `model`'s predicted total time for moving VM `v` from `source` to `target` at
    /// `now_s`, s: over the link share a transfer would get now, the VM at its present
    /// CPU share (as a choosing model predicts at a move's start).
    pub(in crate::simulation) fn predicted_total_s(
        &self,
        dc: &Datacenter,
        model: &dyn MigrationModel,
        v: VmId,
        source: HostId,
        target: HostId,
        now_s: f64,
    ) -> f64 {
        let memory = &self.vm_memory[dc.spec().vms[v.index()].vm_type];
        let bandwidth_mbps = self.share_at_start_mbps(dc, source, target);
        predict(model, memory, bandwidth_mbps, cpu_fraction(dc, v), now_s, None).total_s
    }
}
