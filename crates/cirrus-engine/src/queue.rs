//! The pending-event queue.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::time::SimTime;

/// Handle to a scheduled event, used to cancel it.
///
/// Wraps the event's insertion sequence number, which is also its tie-breaker
/// among events scheduled for the same time. An id is only meaningful to the
/// queue that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

impl EventId {
    /// The insertion sequence number: the n-th event ever pushed onto its
    /// queue has sequence n - 1.
    pub fn seq(self) -> u64 {
        self.0
    }
}

/// A min-priority queue of events ordered by (time, insertion sequence).
///
/// Ties in time are broken by insertion order (FIFO), never by the event
/// payload or by anything hash- or address-dependent, so the pop order is a
/// pure function of the sequence of pushes and cancels.
///
/// Cancellation is lazy: a cancelled event stays in the heap until it would
/// have reached the top, and is discarded there, so [`cancel`](Self::cancel)
/// is O(1) and costs no heap rebuild. Which sequence numbers are still
/// pending is kept in a sliding bitset rather than a hash set: one bit per
/// event pushed since the oldest still-pending one, with no hashing on the
/// hot path, and it also lets `cancel` tell a pending event from one that has
/// already fired (and so return `false` for it, keeping `len` exact). If
/// cancelled entries come to outnumber live ones, the heap is compacted, so
/// memory stays proportional to the live events even when the same
/// far-future event is rescheduled over and over.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    pending: PendingSeqs,
    next_seq: u64,
    live: usize,
}

/// Cancelled entries tolerated in the heap before compaction is considered.
/// Below this the O(n) rebuild would cost more than the dead entries do.
const MIN_STALE_FOR_COMPACTION: usize = 1024;

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` pending events before the
    /// heap reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            pending: PendingSeqs::with_capacity(capacity),
            next_seq: 0,
            live: 0,
        }
    }

    /// Enqueues `event` at time `at` and returns a handle for cancelling it.
    ///
    /// The queue itself accepts any time; refusing events in the past is the
    /// [`Scheduler`](crate::Scheduler)'s job, since only it knows the clock.
    pub fn push(&mut self, at: SimTime, event: E) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending.insert(seq);
        self.heap.push(Entry { time: at, seq, event });
        self.live += 1;
        EventId(seq)
    }

    /// Removes and returns the earliest live event (lowest time, then lowest
    /// sequence), or `None` if no live event remains.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // Invariant: the top of the heap, if any, is live (see
        // `discard_cancelled_top`), so one pop suffices.
        let entry = self.heap.pop()?;
        let was_pending = self.pending.remove(entry.seq);
        debug_assert!(was_pending, "cancelled entry at the top of the heap");
        self.live -= 1;
        self.discard_cancelled_top();
        Some((entry.time, entry.event))
    }

    /// The time of the earliest live event, without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Cancels the event `id`. Returns `true` if it was pending (it will now
    /// never be popped), `false` if it had already been popped or cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if !self.pending.remove(id.0) {
            return false;
        }
        self.live -= 1;
        self.discard_cancelled_top();
        let stale = self.heap.len() - self.live;
        if stale >= MIN_STALE_FOR_COMPACTION && stale > self.live {
            let pending = &self.pending;
            self.heap.retain(|e| pending.contains(e.seq));
        }
        true
    }

    /// The number of live (pushed, not yet popped, not cancelled) events.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no live event remains.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Drops cancelled entries from the top of the heap, restoring the
    /// invariant that the top is live; this is what lets `peek_time` take
    /// `&self`.
    fn discard_cancelled_top(&mut self) {
        while let Some(top) = self.heap.peek() {
            if self.pending.contains(top.seq) {
                break;
            }
            self.heap.pop();
        }
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// A heap entry. Its `Ord` is reversed so that std's max-heap `BinaryHeap`
/// yields the smallest (time, seq) first.
#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.cmp(&self.time).then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<E> Eq for Entry<E> {}

/// The set of pending sequence numbers, as a bitset over the window
/// `[base, next_seq)`.
///
/// Sequence numbers are issued in increasing order, so inserting is always
/// at the end of the window; whole zero words at the front are dropped as
/// events fire, so the window only spans from the oldest pending event to the
/// newest. Memory is thus one bit per event pushed since the oldest one still
/// pending (e.g. 12.5 MB if an event scheduled at the start is still pending
/// after 10⁸ others), with no per-event allocation.
#[derive(Debug)]
struct PendingSeqs {
    /// Sequence number of bit 0 of `words[0]`; always a multiple of 64.
    base: u64,
    words: VecDeque<u64>,
}

const WORD_BITS: u64 = u64::BITS as u64;

impl PendingSeqs {
    fn with_capacity(events: usize) -> Self {
        Self {
            base: 0,
            words: VecDeque::with_capacity(events.div_ceil(WORD_BITS as usize)),
        }
    }

    /// Where `seq`'s bit lives, if inside the window.
    fn locate(&self, seq: u64) -> Option<(usize, u64)> {
        let offset = seq.checked_sub(self.base)?;
        let word = usize::try_from(offset / WORD_BITS).ok()?;
        (word < self.words.len()).then_some((word, 1 << (offset % WORD_BITS)))
    }

    /// Marks `seq` pending; `seq` must be the next sequence number issued.
    fn insert(&mut self, seq: u64) {
        // The last word is never trimmed, so `seq` is at most one word past
        // the end of the window.
        if self.locate(seq).is_none() {
            self.words.push_back(0);
        }
        let (word, mask) = self.locate(seq).expect("sequence numbers are issued in order");
        self.words[word] |= mask;
    }

    fn contains(&self, seq: u64) -> bool {
        self.locate(seq)
            .is_some_and(|(word, mask)| self.words[word] & mask != 0)
    }

    /// Unmarks `seq`; returns whether it was pending.
    fn remove(&mut self, seq: u64) -> bool {
        let Some((word, mask)) = self.locate(seq) else {
            return false;
        };
        if self.words[word] & mask == 0 {
            return false;
        }
        self.words[word] &= !mask;
        // Keep the last word: the next sequence numbers may still land in it.
        while self.words.len() > 1 && self.words.front() == Some(&0) {
            self.words.pop_front();
            self.base += WORD_BITS;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: f64) -> SimTime {
        SimTime::from_secs(secs)
    }

    fn drain<E>(q: &mut EventQueue<E>) -> Vec<(f64, E)> {
        std::iter::from_fn(|| q.pop())
            .map(|(at, e)| (at.secs(), e))
            .collect()
    }

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        for (i, s) in [5.0, 1.0, 3.0, 0.5, 4.0].into_iter().enumerate() {
            q.push(t(s), i);
        }
        assert_eq!(q.peek_time(), Some(t(0.5)));
        assert_eq!(drain(&mut q), [(0.5, 3), (1.0, 1), (3.0, 2), (4.0, 4), (5.0, 0)]);
        assert!(q.is_empty());
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn fifo_among_equal_times() {
        let mut q = EventQueue::new();
        q.push(t(2.0), "late");
        for name in ["a", "b", "c", "d"] {
            q.push(t(1.0), name);
        }
        q.push(t(0.0), "first");
        assert_eq!(
            drain(&mut q),
            [
                (0.0, "first"),
                (1.0, "a"),
                (1.0, "b"),
                (1.0, "c"),
                (1.0, "d"),
                (2.0, "late")
            ]
        );
    }

    #[test]
    fn ids_are_insertion_sequence() {
        let mut q = EventQueue::new();
        let a = q.push(t(9.0), ());
        let b = q.push(t(1.0), ());
        assert_eq!((a.seq(), b.seq()), (0, 1));
    }

    #[test]
    fn cancel_skips_event_and_updates_len() {
        let mut q = EventQueue::new();
        let a = q.push(t(1.0), 'a');
        let b = q.push(t(2.0), 'b');
        let c = q.push(t(3.0), 'c');
        assert_eq!(q.len(), 3);
        assert!(q.cancel(b));
        assert!(!q.cancel(b), "second cancel is a no-op");
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((t(1.0), 'a')));
        assert!(!q.cancel(a), "already popped");
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(t(3.0)));
        assert!(q.cancel(c));
        assert!(q.is_empty());
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn cancelling_the_head_updates_peek() {
        let mut q = EventQueue::new();
        let a = q.push(t(1.0), 1);
        q.push(t(2.0), 2);
        assert!(q.cancel(a));
        assert_eq!(q.peek_time(), Some(t(2.0)));
    }

    #[test]
    fn foreign_or_future_ids_are_rejected() {
        let mut q: EventQueue<()> = EventQueue::new();
        assert!(!q.cancel(EventId(0)));
        q.push(t(1.0), ());
        assert!(!q.cancel(EventId(1)));
        assert!(!q.cancel(EventId(u64::MAX)));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn pending_window_slides_across_many_words() {
        // An early event pins the window while thousands of others pass by.
        let mut q = EventQueue::new();
        let pinned = q.push(t(1e9), u64::MAX);
        for i in 0..10_000u64 {
            q.push(t(i as f64), i);
            assert_eq!(q.pop(), Some((t(i as f64), i)));
        }
        assert_eq!(q.len(), 1);
        assert!(q.cancel(pinned));
        assert!(q.is_empty());
        assert!(q.pending.words.len() <= 1, "window trimmed once unpinned");
        // Still usable after the window collapsed.
        let id = q.push(t(5.0), 7);
        assert!(q.cancel(id));
        let id = q.push(t(6.0), 8);
        assert_eq!(q.pop(), Some((t(6.0), 8)));
        assert!(!q.cancel(id));
    }

    #[test]
    fn heavy_cancellation_compacts_the_heap() {
        let mut q = EventQueue::new();
        let keep = q.push(t(0.0), 0usize);
        let n = 10 * MIN_STALE_FOR_COMPACTION;
        for i in 1..=n {
            // Far-future event rescheduled over and over: the classic
            // source of dead entries under lazy cancellation.
            let id = q.push(t(1e6 + i as f64), i);
            assert!(q.cancel(id));
        }
        assert_eq!(q.len(), 1);
        assert!(q.heap.len() <= MIN_STALE_FOR_COMPACTION + 1);
        assert_eq!(q.pop(), Some((t(0.0), 0)));
        assert!(!q.cancel(keep));
        assert_eq!(q.pop(), None);
    }
}
