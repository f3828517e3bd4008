//! The busy hosts of one host type ordered by utilisation: a treap with
//! one node per host of the type (an arena, so nothing is allocated after
//! construction), each subtree knowing the lowest position in it.
//!
//! Keys are `(u, position)`; positions follow host ids, so "lowest position"
//! is "lowest id". Queries take monotone predicates on `u` (false up to some
//! utilisation, true from it on) rather than numbers, so a bucket's range is
//! decided by the same floating-point expressions the rule evaluates.
//!
//! Each host also has a *room* (what the caller says it can still take, say
//! free MIPS), and each subtree knows its greatest room, so that the `*_with`
//! queries can pass over hosts whose room falls short of a need without
//! visiting them one by one.
//!
//! A host's node sits in a *slot* of the arena. A rebuild gives the busy hosts
//! the slots `0, 1, …` in key order, so building and then searching walk the
//! arena mostly forwards; a host keeps its slot through later updates. The
//! priority of a slot is a fixed hash of it.

/// No node.
pub(super) const NIL: u32 = u32::MAX;

/// A host's room in each resource a caller tracks (say free MIPS, RAM and
/// bandwidth): a host can take a need when every component is at least the
/// need's.
pub type Room = [f64; 3];

/// Room in every resource.
pub(super) const UNLIMITED: Room = [f64::INFINITY; 3];

/// No room at all (the greatest room of an empty subtree).
const NO_ROOM: Room = [f64::NEG_INFINITY; 3];

/// Does `room` cover `need` in every component?
#[inline]
pub(super) fn covers(room: &Room, need: &Room) -> bool {
    room[0] >= need[0] && room[1] >= need[1] && room[2] >= need[2]
}

#[inline]
fn max_room(a: Room, b: Room) -> Room {
    [a[0].max(b[0]), a[1].max(b[1]), a[2].max(b[2])]
}

/// A treap over the positions `0..n` of one host type's hosts (see the
/// module documentation).
#[derive(Debug, Clone)]
pub(super) struct UtilizationTree {
    /// By slot: one cache line holds what a step down the tree reads.
    nodes: Vec<Node>,
    /// The slot of each position.
    slot_of: Vec<u32>,
    /// The room of each position (unlimited unless set).
    room_of: Vec<Room>,
    root: u32,
    len: usize,
    /// No update since the last rebuild: slots `0..len` are in key order.
    pristine: bool,
    /// Scratch for [`Self::rebuild`], `n` long.
    stack: Vec<u32>,
    sort: PairSort,
}

/// Recomputes node `t`'s subtree minimum from its children's.
#[inline]
fn pull(nodes: &mut [Node], t: u32) {
    let node = nodes[t as usize];
    let min_of = |c: u32| if c == NIL { NIL } else { nodes[c as usize].min };
    let room_of = |c: u32| {
        if c == NIL {
            NO_ROOM
        } else {
            nodes[c as usize].max_room
        }
    };
    let min = node.pos.min(min_of(node.left)).min(min_of(node.right));
    let max_room = max_room(node.room, max_room(room_of(node.left), room_of(node.right)));
    nodes[t as usize].min = min;
    nodes[t as usize].max_room = max_room;
}

/// One slot's node.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// `u` (meaningful while the node is in the tree).
    key: f64,
    /// The host's position in its type.
    pos: u32,
    left: u32,
    right: u32,
    /// Lowest position in the subtree.
    min: u32,
    priority: u32,
    /// The host's room, and the greatest of each component in the subtree.
    room: Room,
    max_room: Room,
}

/// A fixed hash (the finaliser of MurmurHash3, a bijection of `u32`):
/// priorities look random, depend only on the slot, and never tie.
fn priority_of(slot: u32) -> u32 {
    let mut h = slot.wrapping_add(0x9E37_79B9);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

impl UtilizationTree {
    /// An empty tree over positions `0..n`.
    pub(super) fn new(n: usize) -> Self {
        Self {
            nodes: (0..n as u32)
                .map(|s| Node {
                    key: 0.0,
                    pos: s,
                    left: NIL,
                    right: NIL,
                    min: NIL,
                    priority: priority_of(s),
                    room: UNLIMITED,
                    max_room: UNLIMITED,
                })
                .collect(),
            slot_of: (0..n as u32).collect(),
            room_of: vec![UNLIMITED; n],
            root: NIL,
            len: 0,
            pristine: true,
            stack: vec![NIL; n],
            sort: PairSort::new(n),
        }
    }

    /// Positions in the tree.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// `u` of the node in slot `s`.
    #[inline]
    pub(super) fn key(&self, s: u32) -> f64 {
        self.nodes[s as usize].key
    }

    /// The position of the node in slot `s`, or [`NIL`] for no node (tests).
    #[cfg(test)]
    pub(super) fn pos(&self, s: u32) -> u32 {
        if s == NIL { NIL } else { self.nodes[s as usize].pos }
    }

    /// Does node `a` come before node `b` in `(u, position)` order?
    #[inline]
    fn before(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.nodes[a as usize], &self.nodes[b as usize]);
        a.key < b.key || (a.key == b.key && a.pos < b.pos)
    }

    #[inline]
    fn subtree_min(&self, t: u32) -> u32 {
        if t == NIL { NIL } else { self.nodes[t as usize].min }
    }

    #[inline]
    fn pull(&mut self, t: u32) {
        pull(&mut self.nodes, t);
    }

    /// Adds position `p` (not in the tree) with utilisation `u`; O(log n) expected.
    pub(super) fn insert(&mut self, p: u32, u: f64) {
        let s = self.slot_of[p as usize];
        let node = &mut self.nodes[s as usize];
        node.key = u;
        node.left = NIL;
        node.right = NIL;
        node.min = p;
        node.room = self.room_of[p as usize];
        node.max_room = node.room;
        self.root = self.insert_at(self.root, s);
        self.len += 1;
        self.pristine = false;
    }

    fn insert_at(&mut self, t: u32, p: u32) -> u32 {
        if t == NIL {
            return p;
        }
        if self.nodes[p as usize].priority > self.nodes[t as usize].priority {
            let (l, r) = self.split(t, p);
            self.nodes[p as usize].left = l;
            self.nodes[p as usize].right = r;
            self.pull(p);
            return p;
        }
        if self.before(p, t) {
            let l = self.insert_at(self.nodes[t as usize].left, p);
            self.nodes[t as usize].left = l;
        } else {
            let r = self.insert_at(self.nodes[t as usize].right, p);
            self.nodes[t as usize].right = r;
        }
        self.pull(t);
        t
    }

    /// The nodes of `t` before node `p`, and those after it.
    fn split(&mut self, t: u32, p: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let ti = t as usize;
        if self.before(t, p) {
            let (l, r) = self.split(self.nodes[ti].right, p);
            self.nodes[ti].right = l;
            self.pull(t);
            (t, r)
        } else {
            let (l, r) = self.split(self.nodes[ti].left, p);
            self.nodes[ti].left = r;
            self.pull(t);
            (l, t)
        }
    }

    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].priority > self.nodes[b as usize].priority {
            let r = self.merge(self.nodes[a as usize].right, b);
            self.nodes[a as usize].right = r;
            self.pull(a);
            a
        } else {
            let l = self.merge(a, self.nodes[b as usize].left);
            self.nodes[b as usize].left = l;
            self.pull(b);
            b
        }
    }

    /// Removes position `p` (in the tree); O(log n) expected.
    pub(super) fn remove(&mut self, p: u32) {
        self.root = self.remove_at(self.root, self.slot_of[p as usize]);
        self.len -= 1;
        self.pristine = false;
    }

    fn remove_at(&mut self, t: u32, p: u32) -> u32 {
        debug_assert!(t != NIL, "slot {p} is not in the tree");
        if t == NIL {
            return NIL;
        }
        let ti = t as usize;
        if t == p {
            return self.merge(self.nodes[ti].left, self.nodes[ti].right);
        }
        if self.before(p, t) {
            let l = self.remove_at(self.nodes[ti].left, p);
            self.nodes[ti].left = l;
        } else {
            let r = self.remove_at(self.nodes[ti].right, p);
            self.nodes[ti].right = r;
        }
        self.pull(t);
        t
    }

    /// Replaces the whole content by `(p, u)` for `p` in `members`, given in
    /// increasing position: [`start_rebuild`](Self::start_rebuild), then
    /// [`finish_rebuild`](Self::finish_rebuild).
    #[cfg(test)]
    pub(super) fn rebuild(&mut self, members: impl IntoIterator<Item = (u32, f64)>) {
        let pairs = self.start_rebuild();
        for (p, u) in members {
            pairs.push((u.to_bits(), p));
        }
        self.finish_rebuild();
    }

    /// Starts replacing the whole content: the caller pushes `(u.to_bits(),
    /// p)` for each member, in increasing position, into the returned buffer
    /// (canonical utilisations are non-negative and not NaN, so their bit
    /// patterns order them), then calls [`finish_rebuild`](Self::finish_rebuild).
    pub(super) fn start_rebuild(&mut self) -> &mut Vec<(u64, u32)> {
        self.sort.pairs.clear();
        &mut self.sort.pairs
    }

    /// Sorts the members once (a counting sort, O(n), for large trees), gives
    /// them the slots `0, 1, …` in that order (the other positions the slots
    /// after), and builds the treap bottom-up in O(n) (a Cartesian tree by
    /// stack).
    pub(super) fn finish_rebuild(&mut self) {
        self.sort.sort();
        let members = self.sort.pairs.len();
        self.slot_of.fill(NIL);
        for (s, &(bits, p)) in self.sort.pairs.iter().enumerate() {
            let node = &mut self.nodes[s];
            node.key = f64::from_bits(bits);
            node.pos = p;
            node.room = self.room_of[p as usize];
            self.slot_of[p as usize] = s as u32;
        }
        let mut free = members as u32;
        for (p, slot) in self.slot_of.iter_mut().enumerate() {
            if *slot == NIL {
                *slot = free;
                self.nodes[free as usize].pos = p as u32;
                free += 1;
            }
        }
        // The right spine of the tree built so far, root first; `depth` long.
        let stack = &mut self.stack;
        let mut depth = 0;
        let nodes = &mut self.nodes;
        for s in 0..members as u32 {
            let priority = nodes[s as usize].priority;
            let mut last = NIL;
            // Priorities never tie: pop every node of lower priority, its
            // subtree complete.
            while depth > 0 {
                let top = stack[depth - 1];
                if nodes[top as usize].priority > priority {
                    nodes[top as usize].right = s;
                    break;
                }
                depth -= 1;
                pull(nodes, top);
                last = top;
            }
            let node = &mut nodes[s as usize];
            node.left = last;
            node.right = NIL;
            stack[depth] = s;
            depth += 1;
        }
        // The bottom of the stack is the node of greatest priority.
        self.root = if depth > 0 { stack[0] } else { NIL };
        for &top in stack[..depth].iter().rev() {
            pull(nodes, top);
        }
        self.len = members;
        self.pristine = true;
    }

    /// How many nodes have `u < t`, right after a rebuild (binary search on
    /// the slots, which are then in key order).
    pub(super) fn count_below_after_rebuild(&self, t: f64) -> usize {
        debug_assert!(self.pristine, "the tree changed since its rebuild");
        self.nodes[..self.len].partition_point(|n| n.key < t)
    }

    /// The slot of the first node (in key order) whose `u` satisfies the
    /// monotone predicate `at_or_after`, or [`NIL`].
    #[inline]
    pub(super) fn first_where(&self, at_or_after: impl Fn(f64) -> bool) -> u32 {
        let (mut t, mut found) = (self.root, NIL);
        while t != NIL {
            let ti = t as usize;
            if at_or_after(self.nodes[ti].key) {
                found = t;
                t = self.nodes[ti].left;
            } else {
                t = self.nodes[ti].right;
            }
        }
        found
    }

    /// The slot of the last node (in key order) whose `u` does not satisfy
    /// the monotone predicate `at_or_after`, or [`NIL`].
    #[inline]
    pub(super) fn last_where_not(&self, at_or_after: impl Fn(f64) -> bool) -> u32 {
        let (mut t, mut found) = (self.root, NIL);
        while t != NIL {
            let ti = t as usize;
            if at_or_after(self.nodes[ti].key) {
                t = self.nodes[ti].left;
            } else {
                found = t;
                t = self.nodes[ti].right;
            }
        }
        found
    }

    /// The lowest position whose `u` satisfies `from` but not `until` (both
    /// monotone), or [`NIL`]; O(depth).
    #[inline]
    pub(super) fn lowest_between(&self, from: impl Fn(f64) -> bool, until: impl Fn(f64) -> bool) -> u32 {
        // The highest node inside the range: every other node in it lies in
        // its left subtree (where `until` is false) or its right one (where
        // `from` is true).
        let mut t = self.root;
        while t != NIL {
            let ti = t as usize;
            if !from(self.nodes[ti].key) {
                t = self.nodes[ti].right;
            } else if until(self.nodes[ti].key) {
                t = self.nodes[ti].left;
            } else {
                break;
            }
        }
        if t == NIL {
            return NIL;
        }
        let mut best = self.nodes[t as usize].pos;
        let mut c = self.nodes[t as usize].left;
        while c != NIL {
            let ci = c as usize;
            if from(self.nodes[ci].key) {
                best = best
                    .min(self.nodes[ci].pos)
                    .min(self.subtree_min(self.nodes[ci].right));
                c = self.nodes[ci].left;
            } else {
                c = self.nodes[ci].right;
            }
        }
        let mut c = self.nodes[t as usize].right;
        while c != NIL {
            let ci = c as usize;
            if !until(self.nodes[ci].key) {
                best = best
                    .min(self.nodes[ci].pos)
                    .min(self.subtree_min(self.nodes[ci].left));
                c = self.nodes[ci].right;
            } else {
                c = self.nodes[ci].left;
            }
        }
        best
    }

    /// Sets position `p`'s room; `p` must not be in the tree (remove it
    /// first, insert it after).
    pub(super) fn set_room(&mut self, p: u32, room: Room) {
        self.room_of[p as usize] = room;
    }

    /// [`first_where`](Self::first_where) among the nodes whose room is at
    /// least `need`.
    pub(super) fn first_where_with(&self, at_or_after: &impl Fn(f64) -> bool, need: &Room) -> u32 {
        self.first_where_in(self.root, at_or_after, need)
    }

    fn first_where_in(&self, t: u32, at_or_after: &impl Fn(f64) -> bool, need: &Room) -> u32 {
        if t == NIL || !covers(&self.nodes[t as usize].max_room, need) {
            return NIL;
        }
        let n = &self.nodes[t as usize];
        if at_or_after(n.key) {
            let l = self.first_where_in(n.left, at_or_after, need);
            if l != NIL {
                l
            } else if covers(&n.room, need) {
                t
            } else {
                self.leftmost_with(n.right, need)
            }
        } else {
            self.first_where_in(n.right, at_or_after, need)
        }
    }

    /// The first node of subtree `t` (in key order) whose room covers `need`.
    /// (A subtree's greatest room may gather its components from different
    /// nodes, so a subtree that seems to cover may hold no such node: the
    /// search backtracks.)
    fn leftmost_with(&self, t: u32, need: &Room) -> u32 {
        if t == NIL || !covers(&self.nodes[t as usize].max_room, need) {
            return NIL;
        }
        let n = &self.nodes[t as usize];
        let l = self.leftmost_with(n.left, need);
        if l != NIL {
            l
        } else if covers(&n.room, need) {
            t
        } else {
            self.leftmost_with(n.right, need)
        }
    }

    /// The last node of subtree `t` (in key order) whose room covers `need`.
    fn rightmost_with(&self, t: u32, need: &Room) -> u32 {
        if t == NIL || !covers(&self.nodes[t as usize].max_room, need) {
            return NIL;
        }
        let n = &self.nodes[t as usize];
        let r = self.rightmost_with(n.right, need);
        if r != NIL {
            r
        } else if covers(&n.room, need) {
            t
        } else {
            self.rightmost_with(n.left, need)
        }
    }

    /// [`last_where_not`](Self::last_where_not) among the nodes whose room
    /// is at least `need`.
    pub(super) fn last_where_not_with(&self, at_or_after: &impl Fn(f64) -> bool, need: &Room) -> u32 {
        self.last_where_not_in(self.root, at_or_after, need)
    }

    fn last_where_not_in(&self, t: u32, at_or_after: &impl Fn(f64) -> bool, need: &Room) -> u32 {
        if t == NIL || !covers(&self.nodes[t as usize].max_room, need) {
            return NIL;
        }
        let n = &self.nodes[t as usize];
        if at_or_after(n.key) {
            self.last_where_not_in(n.left, at_or_after, need)
        } else {
            let r = self.last_where_not_in(n.right, at_or_after, need);
            if r != NIL {
                r
            } else if covers(&n.room, need) {
                t
            } else {
                self.rightmost_with(n.left, need)
            }
        }
    }

    /// [`lowest_between`](Self::lowest_between) among the nodes whose room
    /// is at least `need`: a search that passes over subtrees whose greatest
    /// room falls short, or whose lowest position cannot improve on the best.
    pub(super) fn lowest_between_with(
        &self,
        from: &impl Fn(f64) -> bool,
        until: &impl Fn(f64) -> bool,
        need: &Room,
    ) -> u32 {
        let mut best = NIL;
        self.lowest_in(self.root, (false, false), (from, until), need, &mut best);
        best
    }

    /// `all_from`: every key of the subtree satisfies `from`; `none_until`:
    /// none satisfies `until`.
    fn lowest_in(
        &self,
        t: u32,
        (all_from, none_until): (bool, bool),
        (from, until): (&impl Fn(f64) -> bool, &impl Fn(f64) -> bool),
        need: &Room,
        best: &mut u32,
    ) {
        if t == NIL {
            return;
        }
        let n = &self.nodes[t as usize];
        if !covers(&n.max_room, need) || n.min >= *best {
            return;
        }
        let f = all_from || from(n.key);
        let u = !none_until && until(n.key);
        if f && !u && covers(&n.room, need) {
            *best = (*best).min(n.pos);
        }
        // Smaller keys: none satisfies `from` if this one does not; none
        // satisfies `until` if this one does not.
        if f {
            self.lowest_in(n.left, (all_from, none_until || !u), (from, until), need, best);
        }
        // Greater keys: all satisfy `until` if this one does.
        if !u {
            self.lowest_in(n.right, (f, none_until), (from, until), need, best);
        }
    }

    /// Sorts `pairs` as the rebuild does (tests).
    #[cfg(test)]
    pub(super) fn sort_pairs(n: usize, pairs: &[(u64, u32)]) -> Vec<(u64, u32)> {
        let mut sort = PairSort::new(n);
        sort.pairs.extend_from_slice(pairs);
        sort.sort();
        sort.pairs
    }

    /// Checks the treap's invariants (tests): heap order of priorities,
    /// in-order keys strictly increasing, subtree minima, size.
    #[cfg(test)]
    pub(super) fn check(&self) {
        fn walk(t: &UtilizationTree, n: u32, in_order: &mut Vec<u32>) -> u32 {
            if n == NIL {
                return NIL;
            }
            let ni = n as usize;
            let (l, r) = (t.nodes[ni].left, t.nodes[ni].right);
            for c in [l, r] {
                if c != NIL {
                    assert!(t.nodes[c as usize].priority < t.nodes[ni].priority);
                }
            }
            let lm = walk(t, l, in_order);
            in_order.push(n);
            let rm = walk(t, r, in_order);
            let m = t.nodes[ni].pos.min(lm).min(rm);
            assert_eq!(t.nodes[ni].min, m);
            m
        }
        let mut in_order = Vec::new();
        walk(self, self.root, &mut in_order);
        assert_eq!(in_order.len(), self.len);
        for (p, &s) in self.slot_of.iter().enumerate() {
            assert_eq!(self.nodes[s as usize].pos, p as u32, "slot of position {p}");
        }
        for w in in_order.windows(2) {
            assert!(self.before(w[0], w[1]), "keys out of order");
        }
    }
}

/// Sorts `(key, position)` pairs by key, then position, for keys that are
/// the bit patterns of canonical utilisations: a counting sort on 16 leading
/// bits of the keys' range (two stable 8-bit passes), then each run of equal
/// leading bits sorted exactly (runs are short unless many keys lie within
/// 2⁻¹⁶ of the range of each other); a plain comparison sort for few pairs.
/// Buffers are sized once.
#[derive(Debug, Clone)]
struct PairSort {
    pairs: Vec<(u64, u32)>,
    spare: Vec<(u64, u32)>,
}

impl PairSort {
    /// Below this many pairs a comparison sort is as fast.
    const MIN_COUNTING: usize = 256;

    fn new(n: usize) -> Self {
        Self {
            pairs: Vec::with_capacity(n),
            spare: Vec::with_capacity(n),
        }
    }

    /// Sorts `pairs` by key, then position.
    fn sort(&mut self) {
        let n = self.pairs.len();
        if n < Self::MIN_COUNTING {
            self.pairs.sort_unstable();
            return;
        }
        let (lo, hi) = self
            .pairs
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), &(k, _)| (lo.min(k), hi.max(k)));
        // The 16 leading bits of `k − lo` within the range: monotone in k.
        let shift = (u64::BITS - (hi - lo).leading_zeros()).saturating_sub(16);
        let leading = |k: u64| (k - lo) >> shift;
        self.spare.clear();
        self.spare.resize(n, (0, 0));
        // Both histograms in one pass.
        let mut counts = [[0u32; 256]; 2];
        for &(k, _) in &self.pairs {
            let d = leading(k);
            counts[0][d as usize & 0xFF] += 1;
            counts[1][(d >> 8) as usize & 0xFF] += 1;
        }
        // Two stable passes, low byte first; the pairs came in position
        // order, so equal leading bits stay in position order.
        for (pass, counts) in counts.iter_mut().enumerate() {
            let byte = 8 * pass as u32;
            let mut sum = 0;
            for c in counts.iter_mut() {
                let here = *c;
                *c = sum;
                sum += here;
            }
            for &pair in &self.pairs {
                let slot = &mut counts[(leading(pair.0) >> byte) as usize & 0xFF];
                self.spare[*slot as usize] = pair;
                *slot += 1;
            }
            std::mem::swap(&mut self.pairs, &mut self.spare);
        }
        // Runs of equal leading bits: exactly.
        let mut start = 0;
        let mut run = leading(self.pairs[0].0);
        for end in 1..=n {
            let next = if end < n {
                leading(self.pairs[end].0)
            } else {
                u64::MAX
            };
            if next != run {
                if end - start > 1 {
                    self.pairs[start..end].sort_unstable();
                }
                start = end;
                run = next;
            }
        }
    }
}
