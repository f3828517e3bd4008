//! Placement policies (work in progress).
use crate::registry::Entry;
/// Chooses hosts for VMs.
pub trait PlacementPolicy: Send + std::fmt::Debug {}
/// Registered placement policies.
pub(crate) static REGISTRY: &[Entry<dyn PlacementPolicy>] = &[];
