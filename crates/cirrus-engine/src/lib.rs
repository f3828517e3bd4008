//! Deterministic discrete-event core of Cirrus: simulated time, the event
//! queue, the run loop and named random-number streams.
//!
//! # Determinism contract
//!
//! Given the same initial events, the same handler and the same seed, a run
//! delivers the same events in the same order and so produces bit-identical
//! results, on any machine and with any number of threads elsewhere in the
//! program. Three rules make that hold:
//!
//! * Events fire in (time, scheduling order) order. Simultaneous events are
//!   delivered first-in first-out, so ties are never broken by hash order,
//!   memory addresses or event payloads.
//! * Time is a [`SimTime`], which cannot be NaN, so event times are totally
//!   ordered.
//! * Randomness comes only from [`RngStreams`]: one independent, seeded
//!   stream per purpose, so adding a random consumer never perturbs another.
//!
//! The clock never runs backwards: scheduling an event before the current
//! time is an [`EngineError`], not a silent reordering.
//!
//! # Scope
//!
//! The engine knows nothing about clouds, hosts or VMs. The model defines its
//! own event type and implements [`Handler`] for it; the engine only decides
//! when each event is delivered. That keeps this crate small, fast and
//! testable in isolation.

pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;

pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, StreamRng};
pub use sim::{Engine, EngineError, Handler, RunStats, Scheduler, StopReason};
pub use time::SimTime;
