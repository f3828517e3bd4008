//! Deterministic discrete-event core (work in progress).
pub mod rng;
pub use rng::{RngStreams, StreamRng};
/// Simulated time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct SimTime(pub f64);
