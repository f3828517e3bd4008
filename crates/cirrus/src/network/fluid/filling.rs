//! Max-min fair rates by progressive filling, for the flows of one component of a
//! [`Network`](super::Network): the rate computation, apart from the bookkeeping of flows,
//! links, progress and completions around it.

use std::cmp::Reverse;

use super::{Flow, LinkState, Scratch};
use crate::network::topology::{LinkId, Topology};

/// What a progressive-filling level belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LevelKind {
    /// A flow's rate cap (a private link of one flow). Before links at equal
    /// levels: either order gives the same rates; this one is just fixed.
    Cap = 0,
    /// A link's fair share: remaining capacity / flows not yet fixed on it.
    Link = 1,
}

/// A candidate water level in progressive filling, packed in one integer
/// whose order is the processing order: the share's total-order bits, then
/// the kind, then the id. Lowest level first, and ties are never decided by
/// insertion order, so the processing order (and the rates' last bits) is
/// the same for incremental and full recomputation. One `u128` sorts and
/// sifts with a single comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Level(u128);

impl Level {
    /// Sign bit of an f64 / i64.
    const SIGN: u64 = 1 << 63;

    fn new(share_mbps: f64, kind: LevelKind, id: u32) -> Self {
        let tie = (kind as u64) << u32::BITS | u64::from(id);
        Self(u128::from(Self::ordered(share_mbps.to_bits())) << u64::BITS | u128::from(tie))
    }

    /// `f64::total_cmp`'s map from bits to an ordered signed integer, then
    /// the sign bit flipped so that unsigned order is the same order.
    fn ordered(bits: u64) -> u64 {
        let mask = (((bits as i64) >> 63) as u64) >> 1;
        (bits ^ mask) ^ Self::SIGN
    }

    fn share_mbps(self) -> f64 {
        // `ordered` inverted: flip the sign back, then the same mask undoes itself.
        let signed = ((self.0 >> u64::BITS) as u64) ^ Self::SIGN;
        let mask = (((signed as i64) >> 63) as u64) >> 1;
        f64::from_bits(signed ^ mask)
    }

    fn kind(self) -> LevelKind {
        if (self.0 >> u32::BITS) & 1 == 0 {
            LevelKind::Cap
        } else {
            LevelKind::Link
        }
    }

    fn id(self) -> u32 {
        self.0 as u32
    }
}

/// Max-min fair rates for the component in `s` by progressive filling
/// (Bertsekas & Gallager, *Data Networks*, 2nd ed., §6.5.2): raise every
/// unfixed flow's rate together; when a link runs out (its remaining capacity
/// / unfixed flows is the lowest level) or a flow reaches its cap, fix those
/// flows at that level and take their rates off their other links. Also sets
/// the component's link loads (summed in fixing order, which is the same for
/// incremental and full recomputation).
///
/// The lowest level comes from the initial levels, sorted once, merged with
/// a binary heap. Each link has one queued level at a time. Fixing a flow at
/// the lowest level only raises its other links' shares, so their queued
/// levels become stale *lower bounds*; a stale level is re-queued at the
/// link's current share when it comes up, and a fix costs no heap
/// operation. A component of F flows, L links and routes of ≤ 6 links thus
/// costs O((F + L) log(F + L)) instead of the textbook O(L) per fixed level.
pub(super) fn progressive_filling(
    topology: &Topology,
    link_flows: &[Vec<u32>],
    links: &mut [LinkState],
    flows: &mut [Flow],
    s: &mut Scratch,
) {
    let Scratch {
        epoch,
        comp_links,
        comp_flows,
        rem_mbps,
        unfixed,
        stale,
        initial,
        levels,
        ..
    } = s;
    let epoch = *epoch;
    initial.clear();
    levels.clear();
    for &l in comp_links.iter() {
        let li = l as usize;
        let n = link_flows[li].len() as u32;
        links[li].load_mbps = 0.0;
        rem_mbps[li] = topology.available_unchecked(li);
        unfixed[li] = n;
        stale[li] = false;
        if n > 0 {
            initial.push(Level::new(rem_mbps[li] / f64::from(n), LevelKind::Link, l));
        }
    }
    for &f in comp_flows.iter() {
        let flow = &mut flows[f as usize];
        if flow.cap_mbps.is_finite() {
            initial.push(Level::new(flow.cap_mbps, LevelKind::Cap, f));
        } else if flow.route.is_empty() {
            // Nothing limits it: it completes at once.
            flow.rate_mbps = f64::INFINITY;
            flow.fixed = epoch;
        }
    }
    initial.sort_unstable();

    let mut water = Water {
        epoch,
        links,
        rem_mbps,
        unfixed,
        stale,
    };
    let mut next_initial = 0;
    loop {
        // The lower of the next initial level and the heap's lowest.
        let level = match (initial.get(next_initial), levels.peek()) {
            (Some(&a), Some(&Reverse(b))) if a > b => {
                levels.pop();
                b
            }
            (Some(&a), _) => {
                next_initial += 1;
                a
            }
            (None, Some(&Reverse(b))) => {
                levels.pop();
                b
            }
            (None, None) => break,
        };
        let id = level.id();
        match level.kind() {
            LevelKind::Cap => {
                let flow = &mut flows[id as usize];
                if flow.fixed != epoch {
                    water.fix(flow, level.share_mbps(), None);
                }
            }
            LevelKind::Link => {
                let li = id as usize;
                if water.unfixed[li] == 0 {
                    continue;
                }
                if water.stale[li] {
                    water.stale[li] = false;
                    let share_mbps = water.rem_mbps[li] / f64::from(water.unfixed[li]);
                    levels.push(Reverse(Level::new(share_mbps, LevelKind::Link, id)));
                    continue;
                }
                // Every unfixed flow on the link gets its share: the level,
                // rem / unfixed, unchanged since it was queued.
                let share_mbps = level.share_mbps();
                for &f in &link_flows[li] {
                    let flow = &mut flows[f as usize];
                    if flow.fixed != epoch {
                        water.fix(flow, share_mbps, Some(LinkId(id)));
                    }
                }
                water.unfixed[li] = 0;
            }
        }
    }
}

/// Progressive filling's per-link state, borrowed from [`Network`] and [`Scratch`].
struct Water<'a> {
    epoch: u32,
    links: &'a mut [LinkState],
    rem_mbps: &'a mut [f64],
    unfixed: &'a mut [u32],
    stale: &'a mut [bool],
}

impl Water<'_> {
    /// Fixes `flow` at `rate_mbps`, adds it to its links' loads and takes it
    /// off their remaining capacity — except on `skip`, the bottleneck being
    /// emptied — which makes their queued levels stale.
    fn fix(&mut self, flow: &mut Flow, rate_mbps: f64, skip: Option<LinkId>) {
        flow.rate_mbps = rate_mbps;
        flow.fixed = self.epoch;
        for &link in flow.route.links() {
            let li = link.index();
            self.links[li].load_mbps += rate_mbps;
            if Some(link) == skip {
                continue;
            }
            // Rounding may take a link a hair below 0: it has nothing left.
            self.rem_mbps[li] = (self.rem_mbps[li] - rate_mbps).max(0.0);
            self.unfixed[li] -= 1;
            self.stale[li] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_by_share_then_kind_then_id_and_keep_the_share() {
        let shares = [0.0, 1e-300, 0.1, 1.0 / 3.0, 500.0, 1e6, f64::MAX];
        for (i, &a) in shares.iter().enumerate() {
            let level = Level::new(a, LevelKind::Link, 7);
            assert_eq!(level.share_mbps().to_bits(), a.to_bits());
            assert_eq!((level.kind(), level.id()), (LevelKind::Link, 7));
            for &b in &shares[i + 1..] {
                assert!(Level::new(a, LevelKind::Link, u32::MAX) < Level::new(b, LevelKind::Cap, 0));
            }
        }
        assert!(Level::new(5.0, LevelKind::Cap, 9) < Level::new(5.0, LevelKind::Link, 0));
        assert!(Level::new(5.0, LevelKind::Link, 1) < Level::new(5.0, LevelKind::Link, 2));
    }
}
