//! Names → constructors: the only place where a scenario's policy and model
//! names meet Rust types.
//!
//! Adding a model or policy is one file in its module plus one line here.

use crate::params::{ParamError, Params};
use crate::placement::{self, PlacementPolicy};
use crate::power::{self, PowerModel};

/// A registered constructor of a model or policy of trait `T`.
pub struct Entry<T: ?Sized> {
    /// The name used in scenarios and printed by `cirrus list`.
    pub name: &'static str,
    /// One line saying what it is and where it comes from.
    pub summary: &'static str,
    /// Builds it from its parameters.
    pub build: fn(Params) -> Result<Box<T>, ParamError>,
}

/// Why a registered thing could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// No entry of that name.
    #[error("unknown {kind} \"{name}\"; known: {known}")]
    UnknownName {
        /// What was looked up ("power model", "placement policy", …).
        kind: &'static str,
        /// The name given.
        name: String,
        /// Comma-separated known names.
        known: String,
    },
    /// The entry exists but rejected a parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
}

fn build<T: ?Sized>(
    entries: &[Entry<T>],
    kind: &'static str,
    name: &str,
    params: Params,
) -> Result<Box<T>, RegistryError> {
    let entry = entries
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| RegistryError::UnknownName {
            kind,
            name: name.to_string(),
            known: entries.iter().map(|e| e.name).collect::<Vec<_>>().join(", "),
        })?;
    Ok((entry.build)(params)?)
}

/// Every power model, by name.
pub fn power_models() -> &'static [Entry<dyn PowerModel>] {
    power::REGISTRY
}

/// Builds the power model `name` from `params`.
pub fn build_power_model(name: &str, params: Params) -> Result<Box<dyn PowerModel>, RegistryError> {
    build(power_models(), "power model", name, params)
}

/// Every initial-placement policy, by name.
pub fn placement_policies() -> &'static [Entry<dyn PlacementPolicy>] {
    placement::REGISTRY
}

/// Builds the placement policy `name` from `params`.
pub fn build_placement_policy(name: &str, params: Params) -> Result<Box<dyn PlacementPolicy>, RegistryError> {
    build(placement_policies(), "placement policy", name, params)
}
