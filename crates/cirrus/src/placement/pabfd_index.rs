//! The paper's PABFD choice without visiting every busy host: an exact index.
//!
//! Beloglazov & Buyya's Algorithm 1 gives a VM of demand `d` MIPS to the
//! eligible host whose power rises least, `P(min(u + d/C, 1)) − P(u)`, with
//! `u` the host's current utilisation and `C` its capacity; ties go to the
//! lowest host id. [`PabfdIndex::choose`] returns exactly what
//! [`PabfdIndex::scan`] (every candidate host, in id order) returns, and asks
//! the caller's eligibility predicate only about hosts in increasing
//! `(increase, id)` order, stopping at the first eligible one: the hosts it
//! asks about are exactly those that come before the winner, and the winner.
//!
//! # What is exact, and why
//!
//! *Exact* here means: the same host and the same increase (to the bit) as
//! [`PabfdIndex::scan`], for any eligibility predicate that answers the same
//! for a host throughout one query. The property test in this module's tests
//! checks it on thousands of random datacenters (random tables with equal,
//! flat and falling pieces, several host types, many exact ties, utilisations
//! on breakpoints, at 0, at 1 and above, capped sums, refusals, idle hosts),
//! and checks that the hosts asked about are exactly the candidates up to the
//! winner in `(increase, id)` order.
//!
//! The increase of a measured-table host is computed by [`paper_increase`]:
//! for a host of type `T` on piece `i` whose `u + x` lands on piece `j`
//! (`x = d / C_T`), it is `fl(c + fl(k·u))` with `c`, `k` depending only on
//! `(T, i, j, x)` (see [`LinearPieces`]). The scan and the index evaluate the
//! same expression on the same operands, so they see the same doubles, and
//! hosts of a *bucket* `(T, i, j)` whose increases are mathematically equal get
//! equal doubles (with `k = 0`, always so for `i = j`, the whole bucket ties and
//! the lowest id wins). Hosts in *different* buckets whose increases are
//! mathematically equal (say `u + x` exactly on a breakpoint) may differ in the
//! last bits; both the scan and the index then prefer the smaller double.
//! Inside a bucket the value is monotone in `u` (IEEE rounding is monotone).
//! So:
//!
//! * the busy hosts of a type, ordered by `u`, split into at most a few dozen
//!   buckets per VM (about two per piece for PlanetLab demands), each a range
//!   of that order decided by the rule's own floating-point predicates;
//! * a bucket's least value is at its low-`u` end (`k > 0`), its high-`u` end
//!   (`k < 0`) or anywhere (`k = 0`), and the hosts sharing that value form a
//!   run at that end: the candidate is the lowest id in the run, found in the
//!   tree in O(log n) (subtrees know their lowest id);
//! * every bucket has a lower bound computed from its utilisation range's ends
//!   alone (monotonicity holds for every double, so evaluating at a bound of
//!   the range bounds every host in it): buckets are opened best-first, and
//!   one is opened whenever its bound is `≤` the best candidate's value
//!   (equality too, since an equal value with a lower id would win);
//! * a refused host is taken out of its bucket for the rest of the query and
//!   the bucket's next candidate found the same way; refused hosts are put back
//!   before returning.
//!
//! Idle hosts are kept apart per type (all at `u = 0`, one value per type and
//! VM, the same double a busy host at `u = 0` gets), in id order, so that a
//! query can leave them out wholesale and otherwise tries them lowest id first.
//!
//! Host types whose power model is not a table (the analytic models, Fan,
//! custom models) have no linear pieces: their busy hosts are scanned inside
//! the query with [`model_increase`] (linear in their number), and merged with
//! the indexed ones in the same `(increase, id)` order. The answer is still
//! the scan's; only the table types are sublinear.
//!
//! # Cost
//!
//! A single-host update ([`PabfdIndex::set`]) is O(log n) expected; a bulk
//! update of every host ([`PabfdIndex::rebuild`]) is a counting sort of the
//! utilisations plus an O(n) bottom-up build; a query costs O(buckets +
//! (opened buckets + refusals) · log n). None allocates once the index is
//! built (the query's scratch vectors keep their capacity). Measured in
//! `benches/benches/pabfd_index.rs`.
//!
//! # Use
//!
//! Build once from the datacenter's host types and hosts; after each step's
//! sharing, [`rebuild`](PabfdIndex::rebuild) with every host's standing
//! (absent if it cannot take VMs, idle, or busy at potential MIPS over
//! capacity); after each placement or migration that changes a host's
//! potential MIPS, [`set`](PabfdIndex::set) it; to place a VM,
//! [`choose`](PabfdIndex::choose) with its demand, the idle policy and the
//! eligibility test (not excluded, suitable, admitted).

mod rule;
mod tree;

#[cfg(test)]
mod tests;

pub use rule::{
    IncreaseRule, LinearPieces, canonical_demand, canonical_utilization, model_increase, paper_increase,
};

use crate::datacenter::{HostId, HostSpec, HostType};
use rule::{bucket_value, u_ceil_for_sum_below, u_floor_for_sum_at_least};
pub use tree::Room;
use tree::{NIL, UNLIMITED, UtilizationTree, covers};

/// What the index knows of one host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostStanding {
    /// Never a candidate (down, failed, or left out by the caller).
    Absent,
    /// Idle: utilisation 0, a candidate only when a query includes idle hosts.
    Idle,
    /// Busy at this utilisation (what the host is asked for over its capacity;
    /// stored clamped to `[0, 1]`, see [`canonical_utilization`]).
    Busy(f64),
}

/// The host a query chose, and its increase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// The chosen host.
    pub host: HostId,
    /// Its power increase, W: the rule's value, the same double the scan finds.
    pub increase_w: f64,
}

/// Why an index could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// A host names a host type that does not exist.
    #[error("host {host} has host type {host_type}, but there are {types} host types")]
    UnknownHostType {
        /// The host's index.
        host: usize,
        /// The type it names.
        host_type: usize,
        /// How many host types there are.
        types: usize,
    },
    /// A host type's capacity is not a positive finite number of MIPS.
    #[error(
        "host type {host_type} has a capacity of {capacity_mips} MIPS; expected a positive finite number"
    )]
    BadCapacity {
        /// The host type's index.
        host_type: usize,
        /// Its total MIPS.
        capacity_mips: f64,
    },
    /// More hosts than host ids can number.
    #[error("{0} hosts exceed the index's limit of 4,294,967,294")]
    TooManyHosts(usize),
}

/// The index of one host type.
#[derive(Debug, Clone)]
struct TypeIndex {
    capacity_mips: f64,
    rule: IncreaseRule,
    /// Position → host, ascending: positions order like host ids.
    hosts: Vec<HostId>,
    /// Busy hosts by utilisation (table types only).
    tree: UtilizationTree,
    /// Busy hosts on each piece `0..=m` (table types only).
    busy_in_piece: Vec<u32>,
    /// Busy hosts.
    busy: usize,
    /// Idle hosts.
    idle: PositionSet,
}

/// Where a bucket's candidates come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Busy hosts of a table type on pieces `(i, j)`: value `fl(c + fl(k·u))`.
    Pieces { i: u32, j: u32, c: f64, k: f64 },
    /// Idle hosts of a type, all at `value`, from position `from` on.
    Idle { value: f64, from: u32 },
    /// Busy hosts of a type without a table, scanned.
    Scan,
}

/// A set of hosts of one type whose increases the query compares together.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    host_type: u32,
    source: Source,
    /// No host in the bucket has a smaller increase.
    bound: f64,
    /// The next candidate (once opened): its position, or [`NIL`] when the
    /// bucket has none left, its host and its increase.
    pos: u32,
    host: HostId,
    value: f64,
}

/// The paper's PABFD choice over a fixed set of hosts whose utilisations
/// change: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct PabfdIndex {
    types: Vec<TypeIndex>,
    host_type: Vec<u32>,
    position: Vec<u32>,
    standing: Vec<HostStanding>,
    // Per-query scratch, kept to avoid allocating.
    x: Vec<f64>,
    buckets: Vec<Bucket>,
    /// Buckets not yet opened, `(bound, bucket)`. (Few are opened per query:
    /// finding the least bound by a pass each time beats keeping a heap.)
    unopened: Vec<(f64, u32)>,
    open: Vec<u32>,
    refused: Vec<HostId>,
    refused_flag: Vec<bool>,
    /// Each host's room ([`set_room`](Self::set_room)), +∞ unless set.
    room: Vec<Room>,
    /// The current query's need of room (`None`: every host).
    need_room: Option<Room>,
}

impl PabfdIndex {
    /// An index over `hosts` (each naming one of `host_types`), every host
    /// [`HostStanding::Absent`] until [`set`](Self::set) or
    /// [`rebuild`](Self::rebuild) says otherwise.
    ///
    /// # Errors
    /// A host naming a host type out of range, a type whose total MIPS is not
    /// positive and finite, or `u32::MAX` hosts or more.
    pub fn new(host_types: &[HostType], hosts: &[HostSpec]) -> Result<Self, IndexError> {
        if hosts.len() >= NIL as usize {
            return Err(IndexError::TooManyHosts(hosts.len()));
        }
        let mut types = Vec::with_capacity(host_types.len());
        for (t, ht) in host_types.iter().enumerate() {
            let capacity_mips = ht.total_mips();
            if !(capacity_mips.is_finite() && capacity_mips > 0.0) {
                return Err(IndexError::BadCapacity {
                    host_type: t,
                    capacity_mips,
                });
            }
            types.push((capacity_mips, IncreaseRule::for_model(&ht.power), Vec::new()));
        }
        let mut host_type = Vec::with_capacity(hosts.len());
        let mut position = Vec::with_capacity(hosts.len());
        for (h, spec) in hosts.iter().enumerate() {
            let Some(members) = types.get_mut(spec.host_type).map(|t| &mut t.2) else {
                return Err(IndexError::UnknownHostType {
                    host: h,
                    host_type: spec.host_type,
                    types: host_types.len(),
                });
            };
            host_type.push(spec.host_type as u32);
            position.push(members.len() as u32);
            members.push(HostId(h as u32));
        }
        let mut buckets = 0;
        let types: Vec<TypeIndex> = types
            .into_iter()
            .map(|(capacity_mips, rule, hosts)| {
                let (tree, pieces) = match &rule {
                    IncreaseRule::Pieces(p) => (UtilizationTree::new(hosts.len()), p.pieces() + 1),
                    IncreaseRule::Model(_) => (UtilizationTree::new(0), 0),
                };
                buckets += 4 * pieces + 2;
                TypeIndex {
                    capacity_mips,
                    rule,
                    idle: PositionSet::new(hosts.len()),
                    hosts,
                    tree,
                    busy_in_piece: vec![0; pieces],
                    busy: 0,
                }
            })
            .collect();
        Ok(Self {
            x: vec![0.0; types.len()],
            types,
            host_type,
            position,
            standing: vec![HostStanding::Absent; hosts.len()],
            buckets: Vec::with_capacity(buckets),
            unopened: Vec::with_capacity(buckets),
            open: Vec::with_capacity(buckets),
            refused: Vec::new(),
            refused_flag: vec![false; hosts.len()],
            room: vec![UNLIMITED; hosts.len()],
            need_room: None,
        })
    }

    /// The number of hosts.
    pub fn len(&self) -> usize {
        self.standing.len()
    }

    /// Whether the index has no host.
    pub fn is_empty(&self) -> bool {
        self.standing.is_empty()
    }

    /// What the index holds for host `h` (busy utilisations clamped).
    ///
    /// # Panics
    /// If `h` is not one of the index's hosts.
    pub fn standing(&self, h: HostId) -> HostStanding {
        self.standing[h.index()]
    }

    /// Records host `h`'s new standing; O(log n) expected.
    ///
    /// # Panics
    /// If `h` is not one of the index's hosts.
    pub fn set(&mut self, h: HostId, standing: HostStanding) {
        let standing = canonical_standing(standing);
        let hi = h.index();
        let old = self.standing[hi];
        if old == standing {
            return;
        }
        let p = self.position[hi];
        let ty = &mut self.types[self.host_type[hi] as usize];
        match old {
            HostStanding::Absent => {}
            HostStanding::Idle => ty.idle.remove(p),
            HostStanding::Busy(u) => ty.remove_busy(p, u),
        }
        match standing {
            HostStanding::Absent => {}
            HostStanding::Idle => ty.idle.insert(p),
            HostStanding::Busy(u) => ty.insert_busy(p, u),
        }
        self.standing[hi] = standing;
    }

    /// Records every host's standing at once (after a step re-shared every
    /// host): O(n log n), one sort per host type.
    pub fn rebuild(&mut self, mut standing_of: impl FnMut(HostId) -> HostStanding) {
        self.rebuild_with_room(|h| (standing_of(h), UNLIMITED));
    }

    /// [`rebuild`](Self::rebuild), with every host's room too (see
    /// [`set_room`](Self::set_room)).
    pub fn rebuild_with_room(&mut self, mut standing_of: impl FnMut(HostId) -> (HostStanding, Room)) {
        for (h, s) in self.standing.iter_mut().enumerate() {
            let (standing, room) = standing_of(HostId(h as u32));
            *s = canonical_standing(standing);
            self.room[h] = room;
            let ty = &mut self.types[self.host_type[h] as usize];
            ty.tree_room(self.position[h], room);
        }
        let standing = &self.standing;
        for ty in &mut self.types {
            ty.idle.clear();
            let mut busy = 0;
            if let IncreaseRule::Pieces(pieces) = &ty.rule {
                // One pass: idle hosts to their set, busy ones to the tree.
                let members = ty.tree.start_rebuild();
                for (p, h) in ty.hosts.iter().enumerate() {
                    match standing[h.index()] {
                        HostStanding::Absent => {}
                        HostStanding::Idle => ty.idle.insert(p as u32),
                        HostStanding::Busy(u) => {
                            busy += 1;
                            members.push((u.to_bits(), p as u32));
                        }
                    }
                }
                ty.tree.finish_rebuild();
                // Piece q holds the u in [low(q), low(q + 1)).
                let mut below = 0;
                for (q, count) in ty.busy_in_piece.iter_mut().enumerate() {
                    let next = ty.tree.count_below_after_rebuild(pieces.low(q + 1));
                    *count = (next - below) as u32;
                    below = next;
                }
            } else {
                for (p, h) in ty.hosts.iter().enumerate() {
                    match standing[h.index()] {
                        HostStanding::Absent => {}
                        HostStanding::Idle => ty.idle.insert(p as u32),
                        HostStanding::Busy(_) => busy += 1,
                    }
                }
            }
            ty.busy = busy;
        }
    }

    /// Records host `h`'s room: what the caller compares with a query's need
    /// ([`choose_among`](Self::choose_among)'s `need`), say its free MIPS, RAM
    /// and bandwidth; O(log n) expected.
    ///
    /// # Panics
    /// If `h` is not one of the index's hosts.
    pub fn set_room(&mut self, h: HostId, room: Room) {
        let hi = h.index();
        if self.room[hi].map(f64::to_bits) == room.map(f64::to_bits) {
            return;
        }
        self.room[hi] = room;
        let p = self.position[hi];
        let ty = &mut self.types[self.host_type[hi] as usize];
        match self.standing[hi] {
            HostStanding::Busy(u) if matches!(ty.rule, IncreaseRule::Pieces(_)) => {
                ty.tree.remove(p);
                ty.tree.set_room(p, room);
                ty.tree.insert(p, u);
            }
            _ => ty.tree_room(p, room),
        }
    }

    /// The increase, W, of host `h` (at its recorded utilisation, 0 if idle or
    /// absent) for a VM of `demand_mips`: the value the scan and the index
    /// compare.
    ///
    /// # Panics
    /// If `h` is not one of the index's hosts.
    pub fn increase_w(&self, h: HostId, demand_mips: f64) -> f64 {
        let ty = &self.types[self.host_type[h.index()] as usize];
        let u = match self.standing[h.index()] {
            HostStanding::Busy(u) => u,
            _ => 0.0,
        };
        ty.rule
            .increase_w(u, canonical_demand(demand_mips / ty.capacity_mips))
    }

    /// The reference: every busy host and every idle host of a type for which
    /// `idle_type` is true, in id order, keeping the least increase and asking
    /// `eligible` only about a host that would beat the best so far.
    /// Θ(hosts).
    pub fn scan(
        &self,
        demand_mips: f64,
        idle_type: impl Fn(usize) -> bool,
        mut eligible: impl FnMut(HostId) -> bool,
    ) -> Option<Choice> {
        // The relative demand of the first few types, divided once.
        const CACHED: usize = 8;
        let mut xs = [0.0; CACHED];
        for (x, ty) in xs.iter_mut().zip(&self.types) {
            *x = canonical_demand(demand_mips / ty.capacity_mips);
        }
        let mut best: Option<Choice> = None;
        for (hi, &s) in self.standing.iter().enumerate() {
            let t = self.host_type[hi] as usize;
            let u = match s {
                HostStanding::Absent => continue,
                HostStanding::Idle if !idle_type(t) => continue,
                HostStanding::Idle => 0.0,
                HostStanding::Busy(u) => u,
            };
            let ty = &self.types[t];
            let x = match xs.get(t) {
                Some(&x) => x,
                None => canonical_demand(demand_mips / ty.capacity_mips),
            };
            let increase_w = ty.rule.increase_w(u, x);
            // Id order: an equal increase later never wins.
            let host = HostId(hi as u32);
            if best.is_none_or(|b| increase_w < b.increase_w) && eligible(host) {
                best = Some(Choice { host, increase_w });
            }
        }
        best
    }

    /// The eligible host with the least increase for a VM of `demand_mips`,
    /// ties to the lowest id, among the busy hosts and the idle hosts of the
    /// types for which `idle_type` is true: exactly [`scan`](Self::scan)'s
    /// answer. `eligible` is asked about hosts in increasing `(increase, id)`
    /// order until it accepts one (it must answer the same for a host within
    /// one query).
    ///
    /// `idle_type`: `|_| true` offers every idle host, `|_| false` none
    /// (CloudSim's underload step). Idle hosts of one type are tried lowest id
    /// first, each asked about; a type whose idle hosts would all be refused
    /// (the VM does not fit an empty host of it) is better left out here than
    /// refused host by host.
    pub fn choose(
        &mut self,
        demand_mips: f64,
        idle_type: impl Fn(usize) -> bool,
        eligible: impl FnMut(HostId) -> bool,
    ) -> Option<Choice> {
        self.choose_among(demand_mips, None, |_| true, idle_type, eligible)
    }

    /// [`choose`](Self::choose) with the busy hosts of the types for which
    /// `busy_type` is false, and the busy hosts whose room
    /// ([`set_room`](Self::set_room)) does not cover `need`, left out too:
    /// exactly [`scan`](Self::scan)'s answer when `eligible` refuses all of
    /// those. A type none of whose hosts could take the VM (its cores too
    /// slow, its capacity too small), or a host too full for it, is better
    /// left out here (whole subtrees at a time) than refused host by host.
    pub fn choose_among(
        &mut self,
        demand_mips: f64,
        need: Option<Room>,
        busy_type: impl Fn(usize) -> bool,
        idle_type: impl Fn(usize) -> bool,
        mut eligible: impl FnMut(HostId) -> bool,
    ) -> Option<Choice> {
        self.need_room = need;
        self.plan(demand_mips, busy_type, idle_type);
        let choice = self.search(&mut eligible);
        self.restore();
        choice
    }

    /// Lists the query's buckets with their bounds.
    fn plan(
        &mut self,
        demand_mips: f64,
        busy_type: impl Fn(usize) -> bool,
        idle_type: impl Fn(usize) -> bool,
    ) {
        self.buckets.clear();
        for (t, ty) in self.types.iter().enumerate() {
            let x = canonical_demand(demand_mips / ty.capacity_mips);
            self.x[t] = x;
            let host_type = t as u32;
            let mut push = |source: Source, bound: f64| {
                self.buckets.push(Bucket {
                    host_type,
                    source,
                    bound,
                    pos: NIL,
                    host: HostId(NIL),
                    value: f64::INFINITY,
                })
            };
            if !ty.idle.is_empty() && idle_type(t) {
                let value = ty.rule.increase_w(0.0, x);
                push(Source::Idle { value, from: 0 }, value);
            }
            if ty.busy == 0 || !busy_type(t) {
                continue;
            }
            let pieces = match &ty.rule {
                IncreaseRule::Pieces(p) => p,
                IncreaseRule::Model(_) => {
                    push(Source::Scan, f64::NEG_INFINITY);
                    continue;
                }
            };
            let m = pieces.pieces();
            for i in (0..=m).filter(|&i| ty.busy_in_piece[i] != 0) {
                let from = pieces.get(i);
                for j in pieces.target(from.low, x)..=pieces.target(from.high, x) {
                    let to = pieces.get(j);
                    let (c, k) = rule::bucket_constants(from, to, j == m, x);
                    let bound = if k > 0.0 {
                        // The least u in the bucket is at least this.
                        let least = if j > i {
                            u_floor_for_sum_at_least(to.low, to.low_ulp, x)
                        } else {
                            0.0
                        };
                        bucket_value(c, k, from.low.max(least))
                    } else if k < 0.0 {
                        // The greatest u in the bucket is at most this.
                        let greatest = if j < m {
                            let next = pieces.get(j + 1);
                            u_ceil_for_sum_below(next.low, next.low_ulp, x)
                        } else {
                            1.0
                        };
                        bucket_value(c, k, from.high.min(greatest))
                    } else {
                        c
                    };
                    push(
                        Source::Pieces {
                            i: i as u32,
                            j: j as u32,
                            c,
                            k,
                        },
                        bound,
                    );
                }
            }
        }
        self.unopened.clear();
        self.unopened.extend(
            self.buckets
                .iter()
                .enumerate()
                .map(|(b, bucket)| (bucket.bound, b as u32)),
        );
    }

    /// Tries candidates in increasing `(increase, id)` order.
    fn search(&mut self, eligible: &mut impl FnMut(HostId) -> bool) -> Option<Choice> {
        self.open.clear();
        let mut next = least_bound(&self.unopened);
        loop {
            // The best candidate among the opened buckets.
            let mut best: Option<usize> = None;
            for (n, &b) in self.open.iter().enumerate() {
                let c = &self.buckets[b as usize];
                if best.is_none_or(|o| {
                    let o = &self.buckets[self.open[o] as usize];
                    c.value < o.value || (c.value == o.value && c.host < o.host)
                }) {
                    best = Some(n);
                }
            }
            // A bucket not yet opened could hold a smaller increase, or an
            // equal one with a lower id: open it first.
            if let Some(u) = next
                && best.is_none_or(|o| self.unopened[u].0 <= self.buckets[self.open[o] as usize].value)
            {
                let b = self.unopened.swap_remove(u).1;
                next = least_bound(&self.unopened);
                self.refill(b as usize);
                if self.buckets[b as usize].pos != NIL {
                    self.open.push(b);
                }
                continue;
            }
            let n = best?;
            let b = self.open[n] as usize;
            let Bucket { host, value, .. } = self.buckets[b];
            if eligible(host) {
                return Some(Choice {
                    host,
                    increase_w: value,
                });
            }
            self.refuse(b);
            self.refill(b);
            if self.buckets[b].pos == NIL {
                self.open.swap_remove(n);
            }
        }
    }

    /// Takes bucket `b`'s candidate out of the running for this query.
    fn refuse(&mut self, b: usize) {
        let bucket = &mut self.buckets[b];
        let host = bucket.host;
        match &mut bucket.source {
            Source::Pieces { .. } => {
                self.types[bucket.host_type as usize].tree.remove(bucket.pos);
                self.refused.push(host);
            }
            Source::Idle { from, .. } => *from = bucket.pos + 1,
            Source::Scan => {
                self.refused_flag[host.index()] = true;
                self.refused.push(host);
            }
        }
    }

    /// Finds bucket `b`'s best remaining candidate.
    fn refill(&mut self, b: usize) {
        let bucket = self.buckets[b];
        let t = bucket.host_type as usize;
        let ty = &self.types[t];
        let x = self.x[t];
        let (pos, value) = match bucket.source {
            Source::Pieces { i, j, c, k } => match &ty.rule {
                IncreaseRule::Pieces(pieces) => best_in_bucket(
                    &ty.tree,
                    pieces,
                    (i as usize, j as usize),
                    x,
                    (c, k),
                    self.need_room.as_ref(),
                ),
                IncreaseRule::Model(_) => unreachable!("a piece bucket of a type without pieces"),
            },
            Source::Idle { value, from } => (ty.idle.first_from(from), value),
            Source::Scan => {
                let mut best = (NIL, f64::INFINITY);
                for (p, h) in ty.hosts.iter().enumerate() {
                    if let HostStanding::Busy(u) = self.standing[h.index()]
                        && !self.refused_flag[h.index()]
                        && self
                            .need_room
                            .is_none_or(|need| covers(&self.room[h.index()], &need))
                    {
                        let value = ty.rule.increase_w(u, x);
                        if best.0 == NIL || value < best.1 {
                            best = (p as u32, value);
                        }
                    }
                }
                best
            }
        };
        let bucket = &mut self.buckets[b];
        bucket.pos = pos;
        bucket.value = value;
        bucket.host = if pos == NIL {
            HostId(NIL)
        } else {
            ty.hosts[pos as usize]
        };
    }

    /// Puts the hosts refused during a query back.
    fn restore(&mut self) {
        for h in self.refused.drain(..) {
            let hi = h.index();
            self.refused_flag[hi] = false;
            if let HostStanding::Busy(u) = self.standing[hi] {
                let ty = &mut self.types[self.host_type[hi] as usize];
                if let IncreaseRule::Pieces(_) = ty.rule {
                    ty.tree.insert(self.position[hi], u);
                }
            }
        }
    }
}

/// The position in `unopened` of the least bound, if any.
#[inline]
fn least_bound(unopened: &[(f64, u32)]) -> Option<usize> {
    let mut least: Option<usize> = None;
    for (n, entry) in unopened.iter().enumerate() {
        if least.is_none_or(|l| entry.0.total_cmp(&unopened[l].0).is_lt()) {
            least = Some(n);
        }
    }
    least
}

/// The least value in bucket `(i, j)` of a table type and the lowest position
/// holding it, or `NIL` when the bucket is empty.
fn best_in_bucket(
    tree: &UtilizationTree,
    pieces: &LinearPieces,
    (i, j): (usize, usize),
    x: f64,
    (c, k): (f64, f64),
    need_room: Option<&Room>,
) -> (u32, f64) {
    if let Some(need) = need_room {
        return best_in_bucket_with_room(tree, pieces, (i, j), x, (c, k), need);
    }
    // The bucket is [first u with `from`, first u with `until`). A piece
    // starts at its least double and `u + x` reaches piece j exactly when it
    // reaches that piece's least double (1 for j = m, never for m + 1), so
    // these are the rule's own `piece(u) ≥ i && target(u, x) ≥ j` and
    // `piece(u) > i || target(u, x) > j`.
    let (low_i, low_j) = (pieces.low(i), pieces.low(j));
    let (high_i, high_j) = (pieces.low(i + 1), pieces.low(j + 1));
    let from = |u: f64| u >= low_i && u + x >= low_j;
    let until = |u: f64| u >= high_i || u + x >= high_j;
    if k > 0.0 {
        let first = tree.first_where(from);
        if first == NIL || until(tree.key(first)) {
            return (NIL, f64::INFINITY);
        }
        let least = bucket_value(c, k, tree.key(first));
        let pos = tree.lowest_between(from, |u| until(u) || bucket_value(c, k, u) > least);
        (pos, least)
    } else if k < 0.0 {
        let last = tree.last_where_not(until);
        if last == NIL || !from(tree.key(last)) {
            return (NIL, f64::INFINITY);
        }
        let least = bucket_value(c, k, tree.key(last));
        let pos = tree.lowest_between(|u| from(u) && bucket_value(c, k, u) <= least, until);
        (pos, least)
    } else {
        (tree.lowest_between(from, until), c)
    }
}

/// [`best_in_bucket`] among the hosts whose room is at least `need_room`.
fn best_in_bucket_with_room(
    tree: &UtilizationTree,
    pieces: &LinearPieces,
    (i, j): (usize, usize),
    x: f64,
    (c, k): (f64, f64),
    need_room: &Room,
) -> (u32, f64) {
    let (low_i, low_j) = (pieces.low(i), pieces.low(j));
    let (high_i, high_j) = (pieces.low(i + 1), pieces.low(j + 1));
    let from = |u: f64| u >= low_i && u + x >= low_j;
    let until = |u: f64| u >= high_i || u + x >= high_j;
    if k > 0.0 {
        let first = tree.first_where_with(&from, need_room);
        if first == NIL || until(tree.key(first)) {
            return (NIL, f64::INFINITY);
        }
        let least = bucket_value(c, k, tree.key(first));
        let pos = tree.lowest_between_with(&from, &|u| until(u) || bucket_value(c, k, u) > least, need_room);
        (pos, least)
    } else if k < 0.0 {
        let last = tree.last_where_not_with(&until, need_room);
        if last == NIL || !from(tree.key(last)) {
            return (NIL, f64::INFINITY);
        }
        let least = bucket_value(c, k, tree.key(last));
        let pos = tree.lowest_between_with(&|u| from(u) && bucket_value(c, k, u) <= least, &until, need_room);
        (pos, least)
    } else {
        (tree.lowest_between_with(&from, &until, need_room), c)
    }
}

fn canonical_standing(s: HostStanding) -> HostStanding {
    match s {
        HostStanding::Busy(u) => HostStanding::Busy(canonical_utilization(u)),
        other => other,
    }
}

impl TypeIndex {
    /// Position `p`'s room in the tree, `p` not in it (table types only).
    fn tree_room(&mut self, p: u32, room: Room) {
        if let IncreaseRule::Pieces(_) = self.rule {
            self.tree.set_room(p, room);
        }
    }

    fn insert_busy(&mut self, p: u32, u: f64) {
        self.busy += 1;
        if let IncreaseRule::Pieces(pieces) = &self.rule {
            self.busy_in_piece[pieces.piece(u)] += 1;
            self.tree.insert(p, u);
        }
    }

    fn remove_busy(&mut self, p: u32, u: f64) {
        self.busy -= 1;
        if let IncreaseRule::Pieces(pieces) = &self.rule {
            self.busy_in_piece[pieces.piece(u)] -= 1;
            self.tree.remove(p);
        }
    }
}

/// A set of positions with "first member at or after" in O(n / 4096) words.
#[derive(Debug, Clone)]
struct PositionSet {
    words: Vec<u64>,
    /// Bit `w` set when `words[w] != 0`.
    summary: Vec<u64>,
}

impl PositionSet {
    fn new(n: usize) -> Self {
        let words = n.div_ceil(64);
        Self {
            words: vec![0; words],
            summary: vec![0; words.div_ceil(64)],
        }
    }

    fn is_empty(&self) -> bool {
        self.summary.iter().all(|&s| s == 0)
    }

    fn clear(&mut self) {
        self.words.fill(0);
        self.summary.fill(0);
    }

    fn insert(&mut self, p: u32) {
        let w = p as usize / 64;
        self.words[w] |= 1 << (p % 64);
        self.summary[w / 64] |= 1 << (w % 64);
    }

    fn remove(&mut self, p: u32) {
        let w = p as usize / 64;
        self.words[w] &= !(1 << (p % 64));
        if self.words[w] == 0 {
            self.summary[w / 64] &= !(1 << (w % 64));
        }
    }

    /// The least member `≥ p`, or [`NIL`].
    fn first_from(&self, p: u32) -> u32 {
        let w = p as usize / 64;
        let Some(&word) = self.words.get(w) else {
            return NIL;
        };
        let word = word & (!0 << (p % 64));
        if word != 0 {
            return (w * 64) as u32 + word.trailing_zeros();
        }
        // The next non-empty word after w.
        let from = w + 1;
        let mut s = from / 64;
        let mut mask = !0u64 << (from % 64);
        while let Some(&summary) = self.summary.get(s) {
            let bits = summary & mask;
            if bits != 0 {
                let w = s * 64 + bits.trailing_zeros() as usize;
                return (w * 64) as u32 + self.words[w].trailing_zeros();
            }
            s += 1;
            mask = !0;
        }
        NIL
    }
}
