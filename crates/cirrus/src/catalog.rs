//! Catalogue entries: how a family of models or policies lists its members.
//!
//! Each family module keeps, next to its trait, one table `CATALOG` of [`Entry`]s: name,
//! one-line summary, constructor from [`Params`]. The families are `power`, `placement`,
//! `consolidation::overload`, `consolidation::selection`, `migration` and
//! `workload::synthetic`. A family depends only on this module; [`crate::registry`] depends
//! on the families and combines their tables. Adding a member to a family is therefore one
//! file in the family's module plus one line in its `CATALOG`.

use crate::params::{ParamError, Params};

/// A registered constructor: what a family's `CATALOG` lists for each member, building a `T`
/// (a `Box<dyn Trait>` for the trait families).
pub struct Entry<T> {
    /// The name used in scenarios and printed by `cirrus list`.
    pub name: &'static str,
    /// One line saying what it is and where it comes from.
    pub summary: &'static str,
    /// Builds it from its parameters; leftover parameters are errors ([`Params::finish`]).
    pub build: fn(Params) -> Result<T, ParamError>,
}

impl<T> Entry<T> {
    /// The entry named `name` in `catalog`.
    pub fn find<'a>(catalog: &'a [Entry<T>], name: &str) -> Option<&'a Entry<T>> {
        catalog.iter().find(|e| e.name == name)
    }

    /// The names of `catalog`, comma-separated (for "unknown …; known: …" messages).
    pub fn names(catalog: &[Entry<T>]) -> String {
        catalog.iter().map(|e| e.name).collect::<Vec<_>>().join(", ")
    }
}
