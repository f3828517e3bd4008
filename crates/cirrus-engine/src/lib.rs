//! Deterministic discrete-event core (work in progress).
/// Simulated time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct SimTime(pub f64);
