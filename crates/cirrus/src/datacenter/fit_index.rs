//! First fit's index: the lowest-id host with room for a VM in O(log hosts)
//! instead of a scan of every host.
//!
//! A segment tree over host ids keeps, per node, the maximum of each
//! resource a VM needs over the hosts below it: free MIPS (−∞ for hosts that
//! are not up), MIPS per core, free RAM and free bandwidth. A host qualifies
//! when each of its values is at least the VM's need — exactly the tests of
//! [`Datacenter::is_suitable`] — so the leftmost qualifying leaf is the host a
//! scan in id order would find. A subtree whose maxima fall short of any need
//! is skipped whole.
//!
//! The index belongs to the policy that asks ([`FirstFitIndex`], held by
//! first fit and first fit decreasing), not to the datacenter: the datacenter
//! only appends to a room log ([`HostLog`](super::host_log::HostLog)) the hosts whose room changes, which costs a
//! run that never asks next to nothing, and the index catches up from the log
//! before each query (point updates, or a rebuild after a step changed most
//! hosts).

use super::host_log::LogCursor;
use super::{Datacenter, HostId, HostState, VmId};

/// What a VM needs of a host.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Need {
    mips: f64,
    mips_per_pe: f64,
    ram_mb: f64,
    bw_mbps: f64,
}

/// One host's values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Room {
    mips: f64,
    pe_mips: f64,
    ram_mb: f64,
    bw_mbps: f64,
}

impl Room {
    const NONE: Room = Room {
        mips: f64::NEG_INFINITY,
        pe_mips: f64::NEG_INFINITY,
        ram_mb: f64::NEG_INFINITY,
        bw_mbps: f64::NEG_INFINITY,
    };

    /// Host `h`'s values.
    fn of(dc: &Datacenter, h: HostId) -> Room {
        Room {
            mips: if dc.host_state(h) == HostState::Up {
                dc.available_mips(h)
            } else {
                f64::NEG_INFINITY
            },
            pe_mips: dc.host_type(h).mips_per_core,
            ram_mb: dc.ram_free_mb(h) as f64,
            bw_mbps: dc.bw_free_mbps(h),
        }
    }

    fn max(a: Room, b: Room) -> Room {
        Room {
            mips: a.mips.max(b.mips),
            pe_mips: a.pe_mips.max(b.pe_mips),
            ram_mb: a.ram_mb.max(b.ram_mb),
            bw_mbps: a.bw_mbps.max(b.bw_mbps),
        }
    }

    #[inline]
    fn covers(&self, n: &Need) -> bool {
        self.pe_mips >= n.mips_per_pe
            && self.mips >= n.mips
            && self.ram_mb >= n.ram_mb
            && self.bw_mbps >= n.bw_mbps
    }
}

/// The segment tree over a datacenter's hosts.
#[derive(Debug, Clone, Default)]
struct Tree {
    /// Leaves start here (a power of two ≥ hosts).
    size: usize,
    hosts: usize,
    nodes: Vec<Room>,
}

impl Tree {
    fn new(hosts: usize) -> Self {
        let size = hosts.next_power_of_two().max(1);
        Self {
            size,
            hosts,
            nodes: vec![Room::NONE; 2 * size],
        }
    }

    /// Every leaf read through `room`, then every inner node.
    fn rebuild(&mut self, room: impl Fn(usize) -> Room) {
        for hi in 0..self.hosts {
            self.nodes[self.size + hi] = room(hi);
        }
        for i in (1..self.size).rev() {
            self.nodes[i] = Room::max(self.nodes[2 * i], self.nodes[2 * i + 1]);
        }
    }

    /// Leaf `hi` set to `room`, and the maxima above it.
    fn update(&mut self, hi: usize, room: Room) {
        let mut i = self.size + hi;
        self.nodes[i] = room;
        while i > 1 {
            i /= 2;
            self.nodes[i] = Room::max(self.nodes[2 * i], self.nodes[2 * i + 1]);
        }
    }

    /// The lowest host index ≥ `from` whose values cover `need`.
    fn first_from(&self, from: usize, need: &Need) -> Option<usize> {
        if from >= self.hosts {
            return None;
        }
        self.descend(1, 0, self.size, from, need)
    }

    fn descend(&self, node: usize, lo: usize, hi: usize, from: usize, need: &Need) -> Option<usize> {
        if hi <= from || !self.nodes[node].covers(need) {
            return None;
        }
        if hi - lo == 1 {
            return (lo < self.hosts).then_some(lo);
        }
        let mid = (lo + hi) / 2;
        self.descend(2 * node, lo, mid, from, need)
            .or_else(|| self.descend(2 * node + 1, mid, hi, from, need))
    }
}

/// First fit's index over a datacenter's hosts: "the lowest-id host at or
/// after `from` suitable for VM `v`" in O(log hosts). A policy keeps one and
/// asks it with the datacenter it places on; the index catches up with that
/// datacenter's changes first (or rebuilds, after a step or when asked with
/// another datacenter), so its answers are always a scan's.
#[derive(Debug, Clone, Default)]
pub struct FirstFitIndex {
    tree: Tree,
    /// How far the tree has read the datacenter's room log; `None`: not built.
    synced: Option<LogCursor>,
}

impl FirstFitIndex {
    /// The lowest-id host at or after `from` that
    /// [`is_suitable`](Datacenter::is_suitable) for VM `v`: what a scan of
    /// `dc`'s hosts in id order finds.
    pub fn first_suitable_host(&mut self, dc: &Datacenter, v: VmId, from: HostId) -> Option<HostId> {
        self.catch_up(dc);
        let n = dc.vm_need(v);
        let need = Need {
            mips: n.mips,
            mips_per_pe: n.mips_per_pe,
            ram_mb: n.ram_mb as f64,
            bw_mbps: n.bw_mbps,
        };
        let found = self
            .tree
            .first_from(from.index(), &need)
            .map(|i| HostId(i as u32));
        debug_assert_eq!(
            found,
            (from.0..dc.host_count() as u32)
                .map(HostId)
                .find(|&h| dc.is_suitable(h, v)),
            "first-fit index disagrees with a scan"
        );
        found
    }

    /// Brings the tree up to date with `dc`.
    fn catch_up(&mut self, dc: &Datacenter) {
        let log = dc.room_log();
        let same_size = self.tree.hosts == dc.host_count() && !self.tree.nodes.is_empty();
        match log.since(self.synced).filter(|_| same_size) {
            Some(changed) => {
                for h in changed {
                    self.tree.update(h.index(), Room::of(dc, h));
                }
            }
            None => {
                if !same_size {
                    self.tree = Tree::new(dc.host_count());
                }
                self.tree.rebuild(|hi| Room::of(dc, HostId(hi as u32)));
            }
        }
        self.synced = Some(log.cursor());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    fn room(mips: f64, ram: f64) -> Room {
        Room {
            mips,
            pe_mips: 1000.0,
            ram_mb: ram,
            bw_mbps: 100.0,
        }
    }

    fn need(mips: f64, ram: f64) -> Need {
        Need {
            mips,
            mips_per_pe: 500.0,
            ram_mb: ram,
            bw_mbps: 10.0,
        }
    }

    #[test]
    fn finds_the_leftmost_host_with_room_in_every_resource() {
        let rooms = [
            room(100.0, 4000.0),
            room(900.0, 100.0),
            room(900.0, 4000.0),
            room(50.0, 4000.0),
            room(900.0, 4000.0),
        ];
        let mut tree = Tree::new(rooms.len());
        tree.rebuild(|h| rooms[h]);
        assert_eq!(tree.first_from(0, &need(500.0, 1000.0)), Some(2));
        assert_eq!(tree.first_from(3, &need(500.0, 1000.0)), Some(4));
        assert_eq!(tree.first_from(0, &need(50.0, 50.0)), Some(0));
        assert_eq!(tree.first_from(0, &need(1000.0, 50.0)), None);
        assert_eq!(tree.first_from(5, &need(1.0, 1.0)), None);
    }

    #[test]
    fn agrees_with_a_scan_after_random_updates() {
        let mut state = 12345u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for hosts in [1, 2, 7, 64, 100] {
            let mut rooms: Vec<Room> = (0..hosts)
                .map(|_| room(next() * 1000.0, next() * 4000.0))
                .collect();
            let mut tree = Tree::new(hosts);
            tree.rebuild(|i| rooms[i]);
            for round in 0..200 {
                let h = (next() * hosts as f64) as usize % hosts;
                rooms[h] = if round % 7 == 0 {
                    Room::NONE
                } else {
                    room(next() * 1000.0, next() * 4000.0)
                };
                tree.update(h, rooms[h]);
                let n = need(next() * 1000.0, next() * 4000.0);
                let from = (next() * hosts as f64) as usize;
                let scan = (from..hosts).find(|&i| rooms[i].covers(&n));
                assert_eq!(tree.first_from(from, &n), scan, "hosts {hosts} round {round}");
            }
        }
    }

    /// The hosts a scan finds for `v` from every starting host.
    fn scans(dc: &Datacenter, v: VmId) -> Vec<Option<HostId>> {
        (0..dc.host_count() as u32)
            .map(|from| {
                (from..dc.host_count() as u32)
                    .map(HostId)
                    .find(|&h| dc.is_suitable(h, v))
            })
            .collect()
    }

    fn asks(index: &mut FirstFitIndex, dc: &Datacenter, v: VmId) -> Vec<Option<HostId>> {
        (0..dc.host_count() as u32)
            .map(|from| index.first_suitable_host(dc, v, HostId(from)))
            .collect()
    }

    #[test]
    fn catches_up_with_the_datacenter_it_is_asked_with() {
        // Nine hosts of 1000 MIPS; VMs of 600 MIPS (one per host) and 300.
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0); 9],
            &[600.0, 600.0, 600.0, 300.0],
        ));
        let mut index = FirstFitIndex::default();
        let big = VmId(0);
        assert_eq!(index.first_suitable_host(&dc, big, HostId(0)), Some(HostId(0)));
        // Point updates: few hosts changed since the last query.
        assert!(dc.create_vm(HostId(0), VmId(0)));
        assert!(dc.create_vm(HostId(1), VmId(1)));
        assert_eq!(asks(&mut index, &dc, VmId(2)), scans(&dc, VmId(2)));
        assert_eq!(
            index.first_suitable_host(&dc, VmId(2), HostId(0)),
            Some(HostId(2))
        );
        // A host going down and coming back.
        dc.set_host_state(HostId(2), HostState::Down);
        assert_eq!(
            index.first_suitable_host(&dc, VmId(2), HostId(0)),
            Some(HostId(3))
        );
        dc.set_host_state(HostId(2), HostState::Up);
        assert_eq!(
            index.first_suitable_host(&dc, VmId(2), HostId(0)),
            Some(HostId(2))
        );
        // A step changes every host: the log starts over and the index rebuilds.
        for h in dc.hosts() {
            dc.step_host(h, 300.0);
        }
        assert_eq!(asks(&mut index, &dc, VmId(3)), scans(&dc, VmId(3)));
        // A copy that goes its own way, asked with the same index.
        let mut copy = dc.clone();
        assert!(copy.create_vm(HostId(2), VmId(2)));
        assert_eq!(asks(&mut index, &copy, VmId(3)), scans(&copy, VmId(3)));
        assert_eq!(asks(&mut index, &dc, VmId(3)), scans(&dc, VmId(3)));
        // Tentative planning and its rollback.
        dc.begin_tentative();
        assert!(dc.create_vm(HostId(5), VmId(2)));
        dc.destroy_vm(VmId(0));
        assert_eq!(asks(&mut index, &dc, VmId(3)), scans(&dc, VmId(3)));
        dc.rollback();
        assert_eq!(asks(&mut index, &dc, VmId(2)), scans(&dc, VmId(2)));
    }
}
