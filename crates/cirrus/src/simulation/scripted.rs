//! Migrations the scenario asks for at fixed times (`[[migrations]]`): to
//! reproduce a measured migration (Clark et al.'s SPECweb99 run) inside a
//! datacenter, or to study a migration model on a known sequence of moves
//! whatever the consolidation decides.

use super::Simulation;
use crate::consolidation::{MigrationReason, PlannedMigration};
use crate::datacenter::{HostId, VmId};

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

impl Simulation {
    /// Starts scripted move `i` at `t`, or counts it refused when its VM is
    /// not running (unplaced, retired, already migrating), is on the target
    /// already, or the target lacks room for it now.
    pub(super) fn start_scripted(&mut self, i: u32, t: f64) {
        let m = self.scripted[i as usize];
        let admissible = match self.dc.host_of(m.vm) {
            Some(source) => {
                source != m.target && !self.dc.in_migration(m.vm) && self.dc.is_suitable(m.target, m.vm)
            }
            None => false,
        };
        if !admissible || Self::model_of(&self.consolidation, &self.migration_model).is_none() {
            self.migrations_refused += 1;
            return;
        }
        let source = self.dc.host_of(m.vm).expect("checked above");
        // Both hosts are brought up to `t` under their old shares first.
        self.touch(source);
        self.touch(m.target);
        self.process_touched(t);
        self.planned.clear();
        self.planned.push(PlannedMigration {
            vm: m.vm,
            target: m.target,
            reason: MigrationReason::Scripted,
        });
        if self.process_migrations() {
            self.start_flights(t);
        } else {
            self.start_migrations(t);
        }
        self.planned.clear();
    }
}
