//! An index for first fit: the lowest-id host with room for a VM in
//! O(log hosts) instead of a scan of every host.
//!
//! A segment tree over host ids keeps, per node, the maximum of each
//! resource a VM needs over the hosts below it: free MIPS (−∞ for hosts that
//! are not up), MIPS per core, free RAM and free bandwidth. A host qualifies
//! when each of its values is at least the VM's need — exactly the tests of
//! [`Datacenter::is_suitable`](super::Datacenter::is_suitable) — so the
//! leftmost qualifying leaf is the host a scan in id order would find. A
//! subtree whose maxima fall short of any need is skipped whole.
//!
//! Updates are lazy: the datacenter marks hosts whose values change, and the
//! next query refreshes those leaves (or rebuilds the whole tree when most
//! hosts changed, as after a step).

/// What a VM needs of a host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Need {
    pub(super) mips: f64,
    pub(super) mips_per_pe: f64,
    pub(super) ram_mb: f64,
    pub(super) bw_mbps: f64,
}

/// One host's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Room {
    pub(super) mips: f64,
    pub(super) pe_mips: f64,
    pub(super) ram_mb: f64,
    pub(super) bw_mbps: f64,
}

impl Room {
    const NONE: Room = Room {
        mips: f64::NEG_INFINITY,
        pe_mips: f64::NEG_INFINITY,
        ram_mb: f64::NEG_INFINITY,
        bw_mbps: f64::NEG_INFINITY,
    };

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

/// The segment tree plus the hosts changed since it was last refreshed.
#[derive(Debug, Clone)]
pub(super) struct FitIndex {
    /// Leaves start here (a power of two ≥ hosts).
    size: usize,
    hosts: usize,
    nodes: Vec<Room>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    /// Nothing built yet, or too much changed: rebuild on the next query.
    stale: bool,
}

impl FitIndex {
    pub(super) fn new(hosts: usize) -> Self {
        let size = hosts.next_power_of_two().max(1);
        Self {
            size,
            hosts,
            nodes: vec![Room::NONE; 2 * size],
            dirty: vec![false; hosts],
            dirty_list: Vec::new(),
            stale: true,
        }
    }

    /// Host `hi`'s values changed.
    #[inline]
    pub(super) fn mark(&mut self, hi: usize) {
        if !self.stale && !self.dirty[hi] {
            self.dirty[hi] = true;
            self.dirty_list.push(hi as u32);
            // Past a quarter of the hosts a rebuild is cheaper than point updates.
            if self.dirty_list.len() > self.hosts / 4 {
                self.stale = true;
                for &h in &self.dirty_list {
                    self.dirty[h as usize] = false;
                }
                self.dirty_list.clear();
            }
        }
    }

    /// Brings the tree up to date, reading each changed host through `room`.
    pub(super) fn refresh(&mut self, room: impl Fn(usize) -> Room) {
        if self.stale {
            for hi in 0..self.hosts {
                self.nodes[self.size + hi] = room(hi);
            }
            for i in (1..self.size).rev() {
                self.nodes[i] = Room::max(self.nodes[2 * i], self.nodes[2 * i + 1]);
            }
            self.stale = false;
            return;
        }
        for k in 0..self.dirty_list.len() {
            let hi = self.dirty_list[k] as usize;
            self.dirty[hi] = false;
            let mut i = self.size + hi;
            self.nodes[i] = room(hi);
            while i > 1 {
                i /= 2;
                self.nodes[i] = Room::max(self.nodes[2 * i], self.nodes[2 * i + 1]);
            }
        }
        self.dirty_list.clear();
    }

    /// The lowest host index ≥ `from` whose values cover `need` (call
    /// [`refresh`](Self::refresh) first).
    pub(super) fn first_from(&self, from: usize, need: &Need) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut ix = FitIndex::new(rooms.len());
        ix.refresh(|h| rooms[h]);
        assert_eq!(ix.first_from(0, &need(500.0, 1000.0)), Some(2));
        assert_eq!(ix.first_from(3, &need(500.0, 1000.0)), Some(4));
        assert_eq!(ix.first_from(0, &need(50.0, 50.0)), Some(0));
        assert_eq!(ix.first_from(0, &need(1000.0, 50.0)), None);
        assert_eq!(ix.first_from(5, &need(1.0, 1.0)), None);
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
            let mut ix = FitIndex::new(hosts);
            for round in 0..200 {
                let h = (next() * hosts as f64) as usize % hosts;
                rooms[h] = if round % 7 == 0 {
                    Room::NONE
                } else {
                    room(next() * 1000.0, next() * 4000.0)
                };
                ix.mark(h);
                ix.refresh(|i| rooms[i]);
                let n = need(next() * 1000.0, next() * 4000.0);
                let from = (next() * hosts as f64) as usize;
                let scan = (from..hosts).find(|&i| rooms[i].covers(&n));
                assert_eq!(ix.first_from(from, &n), scan, "hosts {hosts} round {round}");
            }
        }
    }
}
