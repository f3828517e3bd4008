//! Logs of the hosts whose state changed, for the indexes placement policies
//! keep over a datacenter (first fit's [`FirstFitIndex`](super::FirstFitIndex),
//! PABFD's [`PabfdIndex`](crate::placement::pabfd_index::PabfdIndex)).
//!
//! The datacenter appends a host to a log whenever the state that log is
//! about changes; an index remembers how far it has read ([`LogCursor`]) and
//! catches up with point updates before its next query. Past a limit (a
//! quarter of the hosts) the log starts over under a new epoch: its readers
//! rebuild, which is cheaper than that many point updates — a step that
//! changes most hosts costs them one rebuild. Appending is a comparison and a
//! push, so a run whose policy reads no log pays next to nothing.

use std::sync::atomic::{AtomicU64, Ordering};

use super::HostId;

/// A fresh identifier, unique in the process.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The hosts whose state of one kind changed, in order, since the log last
/// started over.
#[derive(Debug)]
pub struct HostLog {
    /// Identifies the datacenter's hosts and their types: set when the
    /// datacenter is created and kept by its clones (the spec never changes),
    /// so an index built for one layout knows whether it can serve another.
    layout: u64,
    /// Identifies this log since it last started over, unique in the
    /// process (clones included): a reader that caught up with another
    /// datacenter, or with this one before the log started over, rebuilds.
    epoch: u64,
    hosts: Vec<u32>,
    /// Past this many entries the log starts over.
    limit: usize,
}

/// How far a reader has read a [`HostLog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    epoch: u64,
    seen: usize,
}

impl HostLog {
    /// A log for a new datacenter of `hosts` hosts, of layout `layout`.
    pub(super) fn new(hosts: usize, layout: u64) -> Self {
        Self {
            layout,
            epoch: next_id(),
            hosts: Vec::new(),
            limit: (hosts / 4).max(1),
        }
    }

    /// A fresh layout identifier for a new datacenter.
    pub(super) fn new_layout() -> u64 {
        next_id()
    }

    /// Host `hi` changed.
    #[inline]
    pub(super) fn mark(&mut self, hi: usize) {
        if self.hosts.len() >= self.limit {
            self.hosts.clear();
            self.epoch = next_id();
        }
        self.hosts.push(hi as u32);
    }

    /// The datacenter layout this log speaks of: equal for a datacenter and
    /// its clones, different for datacenters created apart.
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// The position a reader that is up to date now is at.
    pub fn cursor(&self) -> LogCursor {
        LogCursor {
            epoch: self.epoch,
            seen: self.hosts.len(),
        }
    }

    /// The hosts changed since `cursor` (a host may appear more than once),
    /// or `None` when the reader must rebuild: it never read this log, or the
    /// log started over since.
    pub fn since(&self, cursor: Option<LogCursor>) -> Option<impl Iterator<Item = HostId> + '_> {
        let c = cursor.filter(|c| c.epoch == self.epoch && c.seen <= self.hosts.len())?;
        Some(self.hosts[c.seen..].iter().map(|&h| HostId(h)))
    }
}

impl Clone for HostLog {
    /// A copy starts a log of its own (same layout): the copied datacenter
    /// goes its own way.
    fn clone(&self) -> Self {
        Self {
            layout: self.layout,
            epoch: next_id(),
            hosts: Vec::new(),
            limit: self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_catch_up_or_rebuild() {
        let mut log = HostLog::new(8, HostLog::new_layout());
        assert!(log.since(None).is_none(), "never read: rebuild");
        let c = log.cursor();
        log.mark(3);
        log.mark(5);
        let seen: Vec<HostId> = log.since(Some(c)).unwrap().collect();
        assert_eq!(seen, [HostId(3), HostId(5)]);
        let c = log.cursor();
        assert_eq!(log.since(Some(c)).unwrap().count(), 0);
        // The limit is 2: the third mark starts over.
        log.mark(1);
        assert!(log.since(Some(c)).is_none(), "started over: rebuild");
        let copy = log.clone();
        assert_eq!(copy.layout(), log.layout());
        assert!(copy.since(Some(log.cursor())).is_none(), "a clone's own log");
        assert_ne!(HostLog::new(8, HostLog::new_layout()).layout(), log.layout());
    }
}
