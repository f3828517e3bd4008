//! The moves of one batch (a consolidation round, an evacuation) that have yet to start,
//! counted per host link, so that a move choosing its technique by a predicted link share
//! (the deadline-aware policy, docs/REALTIME.md) counts the transfers that will start beside
//! it at the same instant, not only those started before it.
//!
//! A round's moves all start at one event. Had the share been estimated from the flows
//! started so far, the first move of a round would be predicted the whole link, the last
//! one a fair share: a post-copy switch-over (1 MB of CPU state, at once) predicted at
//! 40 ms on a link of its own takes 64 ms beside seven more transfers. Counting the whole
//! batch is pessimistic only for moves that end up deferred or refused.

use crate::consolidation::PlannedMigration;
use crate::datacenter::{Datacenter, HostId};

/// Per host, the batch's moves not started yet that leave it and that enter it.
#[derive(Debug, Default)]
pub(super) struct BatchFlows {
    leaving: Vec<u32>,
    entering: Vec<u32>,
    /// Hosts counted in the current batch (each once or more), to clear.
    counted: Vec<HostId>,
    /// Per move of the batch, the source and target it was counted under, until taken
    /// (`None`: not counted, or taken).
    moves: Vec<Option<(Option<HostId>, HostId)>>,
}

impl BatchFlows {
    /// Counts the moves of `planned` that will be tried (`tried(i)`), by their current
    /// source and their target.
    pub(super) fn fill(
        &mut self,
        dc: &Datacenter,
        planned: &[PlannedMigration],
        tried: impl Fn(usize) -> bool,
    ) {
        let n = dc.host_count();
        if self.leaving.len() < n {
            self.leaving.resize(n, 0);
            self.entering.resize(n, 0);
        }
        self.moves.clear();
        for (i, m) in planned.iter().enumerate() {
            if !tried(i) {
                self.moves.push(None);
                continue;
            }
            let source = dc.host_of(m.vm);
            if let Some(s) = source {
                self.leaving[s.index()] += 1;
                self.counted.push(s);
            }
            self.entering[m.target.index()] += 1;
            self.counted.push(m.target);
            self.moves.push(Some((source, m.target)));
        }
    }

    /// Takes move `i` of the batch off the counts, if it was counted: it is being started,
    /// booked or dropped now. (A move not counted — one booked rather than started — takes
    /// nothing from the others'.)
    pub(super) fn take(&mut self, i: usize) {
        let Some((source, target)) = self.moves.get_mut(i).and_then(Option::take) else {
            return;
        };
        if let Some(s) = source {
            self.leaving[s.index()] -= 1;
        }
        self.entering[target.index()] -= 1;
    }

    /// The batch's moves still to start that leave `h`.
    pub(super) fn leaving(&self, h: HostId) -> u32 {
        self.leaving.get(h.index()).copied().unwrap_or(0)
    }

    /// The batch's moves still to start that enter `h`.
    pub(super) fn entering(&self, h: HostId) -> u32 {
        self.entering.get(h.index()).copied().unwrap_or(0)
    }

    /// Forgets the batch: every count back to 0 (the hosts counted only, so a batch costs
    /// its length, not the datacenter's size).
    pub(super) fn clear(&mut self) {
        for h in self.counted.drain(..) {
            self.leaving[h.index()] = 0;
            self.entering[h.index()] = 0;
        }
        self.moves.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::MigrationReason;
    use crate::datacenter::VmId;
    use crate::placement::test_support::spec;

    #[test]
    fn counts_the_moves_still_to_start_and_clears_them() {
        // Two VMs on host 0 and one on host 1, all moving to host 2.
        let host = (1000.0, 2, 50.0, 100.0);
        let mut dc = Datacenter::new(spec(&[host, host, host], &[100.0, 100.0, 100.0]));
        for (v, h) in [(0, 0), (1, 0), (2, 1)] {
            assert!(dc.create_vm(HostId(h), VmId(v)));
        }
        let planned: Vec<_> = (0..3)
            .map(|v| PlannedMigration {
                vm: VmId(v),
                target: HostId(2),
                reason: MigrationReason::Underload,
            })
            .collect();
        let mut batch = BatchFlows::default();
        // The third move is not tried (say, superseded).
        batch.fill(&dc, &planned, |i| i < 2);
        assert_eq!((batch.leaving(HostId(0)), batch.leaving(HostId(1))), (2, 0));
        assert_eq!(batch.entering(HostId(2)), 2);
        batch.take(0);
        assert_eq!((batch.leaving(HostId(0)), batch.entering(HostId(2))), (1, 1));
        // A move not counted, or taken already, takes nothing.
        batch.take(2);
        batch.take(0);
        assert_eq!((batch.leaving(HostId(0)), batch.entering(HostId(2))), (1, 1));
        batch.clear();
        assert_eq!((batch.leaving(HostId(0)), batch.entering(HostId(2))), (0, 0));
        // A second batch starts from zero.
        batch.fill(&dc, &planned, |_| true);
        assert_eq!(
            (
                batch.leaving(HostId(0)),
                batch.leaving(HostId(1)),
                batch.entering(HostId(2))
            ),
            (2, 1, 3)
        );
    }
}
