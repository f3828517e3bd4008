//! Migrations the scenario asks for at fixed times (`[[migrations]]`): to
//! reproduce a measured migration (Clark et al.'s SPECweb99 run) inside a
//! datacenter, or to study a migration model on a known sequence of moves
//! whatever the consolidation decides. They run through the same
//! [`MigrationExecutor`] as every other move.

use super::executor::MigrationExecutor;
use super::site::Site;
use super::{Event, SimError};
use crate::consolidation::{MigrationReason, PlannedMigration};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::migration::MigrationModel;

/// One scripted move: VM `vm` to host `target` at `at_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScriptedMigration {
    /// When it starts, seconds.
    pub at_s: f64,
    /// The VM.
    pub vm: VmId,
    /// Where it goes.
    pub target: HostId,
}

/// The scripted moves of a run.
#[derive(Debug, Default)]
pub(super) struct ScriptedMoves {
    moves: Vec<ScriptedMigration>,
}

impl ScriptedMoves {
    /// The moves, checked against the VMs and hosts of `dc`.
    pub(super) fn set(&mut self, moves: Vec<ScriptedMigration>, dc: &Datacenter) -> Result<(), SimError> {
        for (i, m) in moves.iter().enumerate() {
            let bad = |message: String| SimError::Config {
                field: "migrations",
                message: format!("move {i}: {message}"),
            };
            if !(m.at_s.is_finite() && m.at_s >= 0.0) {
                return Err(bad(format!("time must be a number >= 0, found {}", m.at_s)));
            }
            if m.vm.index() >= dc.vm_count() {
                return Err(bad(format!(
                    "VM {} does not exist ({} VMs)",
                    m.vm.0,
                    dc.vm_count()
                )));
            }
            if m.target.index() >= dc.host_count() {
                return Err(bad(format!(
                    "host {} does not exist ({} hosts)",
                    m.target.0,
                    dc.host_count()
                )));
            }
        }
        self.moves = moves;
        Ok(())
    }

    /// Whether there are none.
    pub(super) fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    /// The moves' events up to `horizon_s`.
    pub(super) fn events(&self, horizon_s: f64) -> impl Iterator<Item = (f64, Event)> + '_ {
        (self.moves.iter().enumerate())
            .filter(move |(_, m)| m.at_s <= horizon_s)
            .map(|(i, m)| (m.at_s, Event::Scripted { index: i as u32 }))
    }

    /// Starts move `i` at `t` with `model`, or counts it refused when its VM
    /// is not running (unplaced, retired, already migrating), is on the
    /// target already, the target lacks room for it now, or there is no
    /// model.
    pub(super) fn start(
        &self,
        i: u32,
        t: f64,
        site: &mut Site,
        executor: &mut MigrationExecutor,
        model: Option<&dyn MigrationModel>,
    ) {
        let m = self.moves[i as usize];
        let source = site.dc.host_of(m.vm).filter(|&source| {
            source != m.target && !site.dc.in_migration(m.vm) && site.dc.is_suitable(m.target, m.vm)
        });
        let (Some(source), Some(model)) = (source, model) else {
            executor.refuse();
            return;
        };
        // Both hosts are brought up to `t` under their old shares first.
        site.touch(source);
        site.touch(m.target);
        site.process_touched(t);
        let planned = [PlannedMigration {
            vm: m.vm,
            target: m.target,
            reason: MigrationReason::Scripted,
        }];
        executor.start(site, model, &planned, t);
    }
}
