//! The run loop: a clock, a queue, and a handler that reacts to events.

use crate::queue::{EventId, EventQueue};
use crate::time::SimTime;

/// Reacts to events. Implemented by the simulation model, which owns all
/// state; the engine only decides *when* each event is delivered.
///
/// Any `FnMut(SimTime, E, &mut Scheduler<E>)` closure is a handler too, which
/// is convenient for small models and tests.
pub trait Handler<E> {
    /// Handles `event`, which fires at `now` (equal to `sched.now()`). New
    /// events, cancellations and [`Scheduler::stop`] go through `sched`.
    fn handle(&mut self, now: SimTime, event: E, sched: &mut Scheduler<E>);
}

impl<E, F> Handler<E> for F
where
    F: FnMut(SimTime, E, &mut Scheduler<E>),
{
    fn handle(&mut self, now: SimTime, event: E, sched: &mut Scheduler<E>) {
        self(now, event, sched);
    }
}

/// Errors from scheduling.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// An event was scheduled before the current time. Allowing it would let
    /// the clock run backwards, so handlers could observe effects before
    /// their causes.
    #[error("cannot schedule an event at {at}: the clock is already at {now}")]
    EventInPast {
        /// The clock when scheduling was attempted.
        now: SimTime,
        /// The requested event time.
        at: SimTime,
    },
    /// A relative delay was negative or NaN.
    #[error("invalid event delay {delay_s} s: must be non-negative and not NaN")]
    InvalidDelay {
        /// The rejected delay, in seconds.
        delay_s: f64,
    },
}

/// The handler's view of the engine: the clock and the pending events.
///
/// Separate from [`Engine`] so a handler can schedule and cancel events
/// while the engine is running it, without aliasing the run loop.
#[derive(Debug)]
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    now: SimTime,
    stop_requested: bool,
}

impl<E> Scheduler<E> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            queue: EventQueue::with_capacity(capacity),
            now: SimTime::ZERO,
            stop_requested: false,
        }
    }

    /// The current simulated time: that of the event being handled, or where
    /// the last run left the clock.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`, which may equal `now()`: such
    /// an event fires in the same run, after every event already queued for
    /// that time.
    ///
    /// # Errors
    ///
    /// [`EngineError::EventInPast`] if `at < now()`.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<EventId, EngineError> {
        if at < self.now {
            return Err(EngineError::EventInPast { now: self.now, at });
        }
        Ok(self.queue.push(at, event))
    }

    /// Schedules `event` `delay_s` seconds from now.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidDelay`] if `delay_s` is negative or NaN.
    pub fn schedule_in(&mut self, delay_s: f64, event: E) -> Result<EventId, EngineError> {
        if delay_s.is_nan() || delay_s < 0.0 {
            return Err(EngineError::InvalidDelay { delay_s });
        }
        // `now` is never NaN and the delay is non-negative, so the sum is a
        // valid time no earlier than `now`.
        Ok(self.queue.push(self.now + delay_s, event))
    }

    /// Cancels a pending event. Returns `false` if it already fired or was
    /// already cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Asks the current [`Engine::run`] to return once the event being
    /// handled is done (with [`StopReason::Stopped`]). Pending events stay
    /// queued, so a later run resumes them.
    pub fn stop(&mut self) {
        self.stop_requested = true;
    }

    /// The number of pending (live) events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
}

/// Why [`Engine::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The next pending event lies after the `until` horizon; the clock was
    /// advanced to `until`.
    TimeLimit,
    /// No events remain; the clock stays at the last event's time.
    NoEvents,
    /// A handler called [`Scheduler::stop`]; the clock stays at that event's
    /// time.
    Stopped,
}

/// Summary of one [`Engine::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunStats {
    /// Events handled during this run.
    pub events: u64,
    /// The clock when the run returned.
    pub end_time: SimTime,
    /// Why the run returned.
    pub reason: StopReason,
}

/// A discrete-event engine: delivers events to a [`Handler`] in
/// (time, scheduling order) order, advancing the clock from event to event.
///
/// The engine is generic over the event type and knows nothing about what
/// events mean; the model defines an event enum and a handler.
///
/// # Example
///
/// A ticker that reschedules itself every minute:
///
/// ```
/// use cirrus_engine::{Engine, Handler, Scheduler, SimTime, StopReason};
///
/// struct Tick;
///
/// struct Ticker {
///     period_s: f64,
///     ticks_at: Vec<f64>,
/// }
///
/// impl Handler<Tick> for Ticker {
///     fn handle(&mut self, now: SimTime, _event: Tick, sched: &mut Scheduler<Tick>) {
///         self.ticks_at.push(now.secs());
///         sched.schedule_in(self.period_s, Tick).expect("period is non-negative");
///     }
/// }
///
/// let mut engine = Engine::new();
/// engine.scheduler().schedule_at(SimTime::ZERO, Tick).unwrap();
/// let mut ticker = Ticker { period_s: 60.0, ticks_at: Vec::new() };
///
/// // Events exactly at the horizon are handled; later ones stay queued.
/// let stats = engine.run(&mut ticker, SimTime::from_secs(180.0));
/// assert_eq!(ticker.ticks_at, [0.0, 60.0, 120.0, 180.0]);
/// assert_eq!(stats.reason, StopReason::TimeLimit);
/// assert_eq!(stats.end_time, SimTime::from_secs(180.0));
///
/// // A second run picks up where the first left off.
/// engine.run(&mut ticker, SimTime::from_secs(300.0));
/// assert_eq!(ticker.ticks_at.len(), 6);
/// assert_eq!(engine.events_processed(), 6);
/// ```
#[derive(Debug)]
pub struct Engine<E> {
    sched: Scheduler<E>,
    events_processed: u64,
}

impl<E> Engine<E> {
    /// An engine at time zero with no events.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// Like [`Engine::new`], with room for `capacity` pending events before
    /// the queue reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            sched: Scheduler::with_capacity(capacity),
            events_processed: 0,
        }
    }

    /// The scheduler, e.g. to seed initial events before running.
    pub fn scheduler(&mut self) -> &mut Scheduler<E> {
        &mut self.sched
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.sched.now
    }

    /// Total events handled across all runs.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Delivers every pending event with time `<= until` to `handler`, in
    /// (time, scheduling order) order, including events the handler schedules
    /// along the way.
    ///
    /// Returns when the next event lies after `until` (the clock then
    /// advances to `until`, never backwards), when no events remain (the
    /// clock stays at the last event), or after the event during which the
    /// handler called [`Scheduler::stop`]. Events after `until` stay queued
    /// for a later run with a larger horizon. A stop requested before the run
    /// starts is ignored: `stop` only ever ends the run in progress.
    pub fn run<H>(&mut self, handler: &mut H, until: SimTime) -> RunStats
    where
        H: Handler<E> + ?Sized,
    {
        let sched = &mut self.sched;
        sched.stop_requested = false;
        let mut events = 0;
        let reason = loop {
            match sched.queue.peek_time() {
                None => break StopReason::NoEvents,
                Some(next) if next > until => {
                    sched.now = sched.now.max(until);
                    break StopReason::TimeLimit;
                }
                Some(_) => {}
            }
            let (at, event) = sched.queue.pop().expect("peeked event is live");
            sched.now = at;
            handler.handle(at, event, sched);
            events += 1;
            if sched.stop_requested {
                break StopReason::Stopped;
            }
        };
        sched.stop_requested = false;
        self.events_processed += events;
        RunStats {
            events,
            end_time: sched.now,
            reason,
        }
    }
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: f64) -> SimTime {
        SimTime::from_secs(secs)
    }

    /// Records every event it sees, as (time, event).
    #[derive(Default)]
    struct Recorder(Vec<(f64, u32)>);

    impl Handler<u32> for Recorder {
        fn handle(&mut self, now: SimTime, event: u32, _: &mut Scheduler<u32>) {
            self.0.push((now.secs(), event));
        }
    }

    fn seeded(events: &[(f64, u32)]) -> Engine<u32> {
        let mut engine = Engine::new();
        for &(at, e) in events {
            engine.scheduler().schedule_at(t(at), e).unwrap();
        }
        engine
    }

    #[test]
    fn delivers_in_time_then_fifo_order() {
        let mut engine = seeded(&[(3.0, 1), (1.0, 2), (3.0, 3), (1.0, 4), (2.0, 5)]);
        let mut rec = Recorder::default();
        let stats = engine.run(&mut rec, t(f64::INFINITY));
        assert_eq!(rec.0, [(1.0, 2), (1.0, 4), (2.0, 5), (3.0, 1), (3.0, 3)]);
        assert_eq!(
            stats,
            RunStats {
                events: 5,
                end_time: t(3.0),
                reason: StopReason::NoEvents
            }
        );
        assert_eq!(engine.now(), t(3.0));
    }

    #[test]
    fn rejects_events_in_the_past() {
        let mut engine = seeded(&[(10.0, 0)]);
        engine.run(&mut Recorder::default(), t(10.0));
        let sched = engine.scheduler();
        assert_eq!(sched.now(), t(10.0));
        assert_eq!(
            sched.schedule_at(t(9.5), 1),
            Err(EngineError::EventInPast {
                now: t(10.0),
                at: t(9.5)
            })
        );
        assert!(sched.schedule_at(t(10.0), 2).is_ok(), "now itself is fine");
        assert!(matches!(
            sched.schedule_in(-1.0, 3),
            Err(EngineError::InvalidDelay { delay_s }) if delay_s == -1.0
        ));
        assert!(matches!(
            sched.schedule_in(f64::NAN, 4),
            Err(EngineError::InvalidDelay { .. })
        ));
        assert_eq!(sched.pending(), 1);
    }

    #[test]
    fn error_messages_name_the_times() {
        let e = EngineError::EventInPast {
            now: t(10.0),
            at: t(9.5),
        };
        assert_eq!(
            e.to_string(),
            "cannot schedule an event at 9.5 s: the clock is already at 10 s"
        );
    }

    #[test]
    fn schedule_in_is_relative_to_now() {
        let mut engine = Engine::new();
        engine.scheduler().schedule_at(t(5.0), 0u32).unwrap();
        let mut seen = Vec::new();
        engine.run(
            &mut |now: SimTime, e: u32, s: &mut Scheduler<u32>| {
                seen.push((now.secs(), e));
                if e == 0 {
                    s.schedule_in(2.5, 1).unwrap();
                    // Zero delay: same time, after everything already queued.
                    s.schedule_in(0.0, 2).unwrap();
                }
            },
            t(100.0),
        );
        assert_eq!(seen, [(5.0, 0), (5.0, 2), (7.5, 1)]);
    }

    #[test]
    fn until_is_inclusive_and_later_events_wait() {
        let mut engine = seeded(&[(1.0, 1), (2.0, 2), (2.0, 3), (2.5, 4)]);
        let mut rec = Recorder::default();
        let stats = engine.run(&mut rec, t(2.0));
        assert_eq!(rec.0, [(1.0, 1), (2.0, 2), (2.0, 3)]);
        assert_eq!(stats.reason, StopReason::TimeLimit);
        assert_eq!(stats.end_time, t(2.0));
        assert_eq!(engine.scheduler().pending(), 1);
        assert_eq!(engine.scheduler().next_event_time(), Some(t(2.5)));
    }

    #[test]
    fn time_limit_advances_clock_to_until_but_never_back() {
        let mut engine = seeded(&[(1.0, 1), (50.0, 2)]);
        let mut rec = Recorder::default();
        let stats = engine.run(&mut rec, t(10.0));
        assert_eq!((stats.events, stats.end_time), (1, t(10.0)));
        assert_eq!(engine.now(), t(10.0));
        // An earlier horizon handles nothing and leaves the clock alone.
        let stats = engine.run(&mut rec, t(5.0));
        assert_eq!(stats.events, 0);
        assert_eq!(stats.reason, StopReason::TimeLimit);
        assert_eq!(engine.now(), t(10.0));
    }

    #[test]
    fn resumes_across_runs() {
        let events: Vec<(f64, u32)> = (0..10).map(|i| (f64::from(i), i)).collect();
        let mut split = seeded(&events);
        let mut rec = Recorder::default();
        let first = split.run(&mut rec, t(4.5));
        let second = split.run(&mut rec, t(100.0));
        assert_eq!((first.events, second.events), (5, 5));
        assert_eq!(second.reason, StopReason::NoEvents);
        assert_eq!(split.events_processed(), 10);

        let mut whole = Recorder::default();
        seeded(&events).run(&mut whole, t(100.0));
        assert_eq!(rec.0, whole.0, "splitting a run changes nothing");
    }

    #[test]
    fn stop_returns_after_current_event_and_resumes() {
        let mut engine = seeded(&[(1.0, 1), (2.0, 99), (2.0, 3), (4.0, 4)]);
        let mut seen = Vec::new();
        let mut handler = |_: SimTime, e: u32, s: &mut Scheduler<u32>| {
            seen.push(e);
            if e == 99 {
                s.stop();
            }
        };
        let stats = engine.run(&mut handler, t(10.0));
        assert_eq!(
            stats,
            RunStats {
                events: 2,
                end_time: t(2.0),
                reason: StopReason::Stopped
            }
        );
        let stats = engine.run(&mut handler, t(10.0));
        assert_eq!(stats.reason, StopReason::NoEvents);
        assert_eq!(seen, [1, 99, 3, 4]);
        assert_eq!(engine.events_processed(), 4);
    }

    #[test]
    fn stop_requested_outside_a_run_is_ignored() {
        let mut engine = seeded(&[(1.0, 1)]);
        engine.scheduler().stop();
        let stats = engine.run(&mut Recorder::default(), t(10.0));
        assert_eq!(stats.events, 1);
    }

    #[test]
    fn handler_can_cancel_pending_events() {
        let mut engine = Engine::new();
        let sched = engine.scheduler();
        sched.schedule_at(t(1.0), 0u32).unwrap();
        let victim = sched.schedule_at(t(2.0), 1).unwrap();
        sched.schedule_at(t(3.0), 2).unwrap();
        let mut seen = Vec::new();
        let stats = engine.run(
            &mut |_: SimTime, e: u32, s: &mut Scheduler<u32>| {
                seen.push(e);
                if e == 0 {
                    assert!(s.cancel(victim));
                    assert_eq!(s.pending(), 1);
                }
            },
            t(10.0),
        );
        assert_eq!(seen, [0, 2]);
        assert_eq!(stats.events, 2);
    }

    #[test]
    fn empty_engine_returns_no_events() {
        let mut engine: Engine<u32> = Engine::default();
        let stats = engine.run(&mut Recorder::default(), t(10.0));
        assert_eq!(stats.reason, StopReason::NoEvents);
        assert_eq!(stats.end_time, SimTime::ZERO);
    }

    #[test]
    fn works_with_dyn_handlers() {
        let mut engine = seeded(&[(1.0, 1)]);
        let mut rec = Recorder::default();
        let handler: &mut dyn Handler<u32> = &mut rec;
        assert_eq!(engine.run(handler, t(1.0)).events, 1);
    }
}
