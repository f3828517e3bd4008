//! `MovePlanner`: revises the moves a consolidation round planned, before they start — an
//! agent choosing moves one by one (the Python `ConsolidationEnv`), a filter, a budget.

use crate::consolidation::PlannedMigration;
use crate::datacenter::{Datacenter, HostId};

/// What a planner learns of the round besides the datacenter.
#[derive(Debug, Clone, Copy)]
pub struct Round<'a> {
    /// When, seconds.
    pub time_s: f64,
    /// The hosts the overload detector flagged this round, in the consolidation's order.
    pub overloaded: &'a [HostId],
}

/// Revises a consolidation round's moves (`moves`, as the consolidation planned them, in
/// their start order) before the simulation starts them. It may plan on `dc` tentatively
/// ([`Datacenter::begin_tentative`]) but must leave it as found
/// ([`Datacenter::rollback`]); every move it keeps or adds must be one the datacenter can
/// make (the VM placed and not migrating, the target up with room for it once the earlier
/// moves are made).
pub trait MovePlanner: Send + Sync + std::fmt::Debug {
    /// Revises `moves` in place.
    fn revise(&mut self, dc: &mut Datacenter, round: &Round<'_>, moves: &mut Vec<PlannedMigration>);
}
