//! The reliability model (issue 18): what live migration buys against host
//! failures, in closed form, without simulating — per-VM reliability over a
//! mission and steady-state availability with and without migration, and
//! the datacenter's k-out-of-n reliability. docs/RELIABILITY.md gives the
//! formulas and their sources; `cirrus reliability` prints them for a
//! scenario.
//!
//! - [`closed_forms`]: series, parallel, k-out-of-n, imperfect coverage,
//!   two-state availability.
//! - [`mod@survival`]: a host's reliability R(t) from the failure model's
//!   lifetime distributions.
//! - [`evacuation`]: how long evacuating a host takes under a migration model.
//! - [`model`]: the assessment.
//! - [`datacenter`]: the assessment's inputs from a datacenter.

pub mod closed_forms;
pub mod datacenter;
pub mod evacuation;
pub mod model;
pub mod survival;

pub use datacenter::{DatacenterInputs, ModelScopeError, datacenter_inputs, hosts_needed};
pub use evacuation::{EvacuationEstimate, evacuation_estimate};
pub use model::{Coverage, ReliabilityInputs, ReliabilityReport, assess};
pub use survival::survival;
