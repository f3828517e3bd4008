//! Names → constructors: where a scenario's model and policy names meet Rust types.
//!
//! This module only combines. Each family keeps its own table next to its trait (a
//! `CATALOG` of [`Entry`]s, see [`crate::catalog`]) and knows nothing of this module; here
//! each table gets a lookup that names the family in its errors ("unknown placement policy
//! …; known: …"). Adding a model or policy is one file in its family's module plus one line
//! in that family's `CATALOG`; nothing here changes. Adding a family (a new trait) is its
//! table plus a pair of functions here.
//!
//! | family | trait | table | listed by |
//! |---|---|---|---|
//! | power models | [`PowerModel`] | `power::CATALOG` | [`power_models`] |
//! | placement policies | [`PlacementPolicy`] | `placement::CATALOG` | [`placement_policies`] |
//! | overload detectors | [`OverloadDetector`] | `consolidation::overload::CATALOG` | [`overload_detectors`] |
//! | VM selection | [`VmSelection`] | `consolidation::selection::CATALOG` | [`vm_selections`] |
//! | migration models | [`MigrationModel`] | `migration::CATALOG` | [`migration_models`] |
//! | synthetic distributions | [`SyntheticDemand`] | `workload::synthetic::CATALOG` | [`synthetic_distributions`] |

use crate::consolidation::Consolidation;
use crate::consolidation::overload::{self, OverloadDetector};
use crate::consolidation::selection::{self, VmSelection};
use crate::migration::{self, MigrationModel};
use crate::params::{ParamError, Params};
use crate::placement::{self, PlacementPolicy};
use crate::power::{self, PowerModel};
use crate::workload::synthetic::{self, SyntheticDemand};

pub use crate::catalog::Entry;

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

fn build<T>(
    catalog: &[Entry<T>],
    kind: &'static str,
    name: &str,
    params: Params,
) -> Result<T, RegistryError> {
    let entry = Entry::find(catalog, name).ok_or_else(|| RegistryError::UnknownName {
        kind,
        name: name.to_string(),
        known: Entry::names(catalog),
    })?;
    Ok((entry.build)(params)?)
}

/// Every power model, by name.
pub fn power_models() -> &'static [Entry<Box<dyn PowerModel>>] {
    power::CATALOG
}

/// Builds the power model `name` from `params`.
pub fn build_power_model(name: &str, params: Params) -> Result<Box<dyn PowerModel>, RegistryError> {
    build(power_models(), "power model", name, params)
}

/// Every placement policy (initial placement and consolidation destinations), by name.
pub fn placement_policies() -> &'static [Entry<Box<dyn PlacementPolicy>>] {
    placement::CATALOG
}

/// Builds the placement policy `name` from `params`.
pub fn build_placement_policy(name: &str, params: Params) -> Result<Box<dyn PlacementPolicy>, RegistryError> {
    build(placement_policies(), "placement policy", name, params)
}

/// Every overload detector, by name.
pub fn overload_detectors() -> &'static [Entry<Box<dyn OverloadDetector>>] {
    overload::CATALOG
}

/// Builds the overload detector `name` from `params`.
pub fn build_overload_detector(
    name: &str,
    params: Params,
) -> Result<Box<dyn OverloadDetector>, RegistryError> {
    build(overload_detectors(), "overload detector", name, params)
}

/// Every VM-selection policy, by name.
pub fn vm_selections() -> &'static [Entry<Box<dyn VmSelection>>] {
    selection::CATALOG
}

/// Builds the VM-selection policy `name` from `params`.
pub fn build_vm_selection(name: &str, params: Params) -> Result<Box<dyn VmSelection>, RegistryError> {
    build(vm_selections(), "VM selection policy", name, params)
}

/// Every migration model, by name.
pub fn migration_models() -> &'static [Entry<Box<dyn MigrationModel>>] {
    migration::CATALOG
}

/// Builds the migration model `name` from `params`.
pub fn build_migration_model(name: &str, params: Params) -> Result<Box<dyn MigrationModel>, RegistryError> {
    build(migration_models(), "migration model", name, params)
}

/// Every distribution a synthetic workload can draw from, by name (its `kind`).
pub fn synthetic_distributions() -> &'static [Entry<SyntheticDemand>] {
    synthetic::CATALOG
}

/// Builds the synthetic distribution `kind` from `params`.
pub fn build_synthetic_distribution(kind: &str, params: Params) -> Result<SyntheticDemand, RegistryError> {
    build(synthetic_distributions(), "distribution", kind, params)
}

/// A registered object by name with its parameters: what a scenario says,
/// kept so that the object can be built again for every run of a sweep
/// without reading the scenario again.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// Registered name.
    pub name: String,
    /// Its parameters.
    pub params: Params,
}

impl Named {
    /// `name` without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            params: Params::default(),
        }
    }
}

/// The parts of a [`Consolidation`] policy, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsolidationSpec {
    /// Overload detector.
    pub detector: Named,
    /// VM selection.
    pub selection: Named,
    /// Destination placement.
    pub placement: Named,
    /// Migration model.
    pub migration: Named,
    /// Whether under-utilised hosts are emptied.
    pub underload: bool,
}

impl ConsolidationSpec {
    /// Builds the policy; the error names the part whose name or parameter
    /// is wrong (`"detector"`, `"selection"`, `"placement"`, `"migration"`).
    pub fn build(&self) -> Result<Consolidation, (&'static str, RegistryError)> {
        let detector = build_overload_detector(&self.detector.name, self.detector.params.clone())
            .map_err(|e| ("detector", e))?;
        let selection = build_vm_selection(&self.selection.name, self.selection.params.clone())
            .map_err(|e| ("selection", e))?;
        let placement = build_placement_policy(&self.placement.name, self.placement.params.clone())
            .map_err(|e| ("placement", e))?;
        let migration = build_migration_model(&self.migration.name, self.migration.params.clone())
            .map_err(|e| ("migration", e))?;
        let mut c = Consolidation::new(detector, selection, placement, migration);
        c.underload = self.underload;
        Ok(c)
    }
}
