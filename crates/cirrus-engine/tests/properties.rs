//! Property tests of the event queue against a trivially correct model.

use cirrus_engine::{EventId, EventQueue, SimTime};
use proptest::prelude::*;

/// Few distinct times, so that equal times (and the FIFO tie-break) are common.
const DISTINCT_TIMES: u32 = 16;
/// Times are multiples of this, so sums and comparisons are exact.
const TIME_STEP_S: f64 = 0.25;
const MAX_OPS: usize = 400;

fn time() -> impl Strategy<Value = SimTime> {
    (0..DISTINCT_TIMES).prop_map(|k| SimTime::from_secs(f64::from(k) * TIME_STEP_S))
}

#[derive(Debug, Clone)]
enum Op {
    Push(SimTime),
    Pop,
    /// Cancel the id returned by the push with this index (mod the number of
    /// pushes so far), whether or not that event is still pending.
    Cancel(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => time().prop_map(Op::Push),
        2 => Just(Op::Pop),
        1 => any::<usize>().prop_map(Op::Cancel),
    ]
}

/// The reference model: every pushed event with its state; the next one to pop
/// is the pending event with the smallest (time, push index).
#[derive(Default)]
struct Model {
    events: Vec<(SimTime, bool)>,
}

impl Model {
    fn live(&self) -> usize {
        self.events.iter().filter(|(_, pending)| *pending).count()
    }

    fn pop(&mut self) -> Option<(SimTime, usize)> {
        let (index, _) = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, (_, pending))| *pending)
            .min_by_key(|(index, (at, _))| (*at, *index))?;
        self.events[index].1 = false;
        Some((self.events[index].0, index))
    }
}

proptest! {
    #[test]
    fn pops_sorted_by_time_then_insertion(times in prop::collection::vec(time(), 0..MAX_OPS)) {
        let mut q = EventQueue::new();
        for (index, &at) in times.iter().enumerate() {
            let id = q.push(at, index);
            prop_assert_eq!(id.seq(), index as u64);
        }
        prop_assert_eq!(q.len(), times.len());

        let mut expected: Vec<(SimTime, usize)> =
            times.iter().copied().zip(0..).collect();
        expected.sort();
        let popped: Vec<(SimTime, usize)> = std::iter::from_fn(|| q.pop()).collect();
        prop_assert_eq!(popped, expected);
        prop_assert!(q.is_empty());
    }

    #[test]
    fn exactly_non_cancelled_events_pop(ops in prop::collection::vec(op(), 0..MAX_OPS)) {
        let mut q = EventQueue::new();
        let mut model = Model::default();
        let mut ids: Vec<EventId> = Vec::new();

        for op in ops {
            match op {
                Op::Push(at) => {
                    ids.push(q.push(at, ids.len()));
                    model.events.push((at, true));
                }
                Op::Pop => {
                    let expected = model.pop();
                    prop_assert_eq!(q.pop(), expected);
                }
                Op::Cancel(k) => {
                    if ids.is_empty() {
                        continue;
                    }
                    let index = k % ids.len();
                    let was_pending = model.events[index].1;
                    model.events[index].1 = false;
                    prop_assert_eq!(q.cancel(ids[index]), was_pending);
                }
            }
            prop_assert_eq!(q.len(), model.live());
            prop_assert_eq!(q.is_empty(), model.live() == 0);
            let next = model
                .events
                .iter()
                .filter(|(_, pending)| *pending)
                .map(|(at, _)| *at)
                .min();
            prop_assert_eq!(q.peek_time(), next);
        }

        // Draining yields exactly the surviving events, in order.
        while let Some(expected) = model.pop() {
            prop_assert_eq!(q.pop(), Some(expected));
        }
        prop_assert_eq!(q.pop(), None);
        prop_assert_eq!(q.len(), 0);
    }
}
