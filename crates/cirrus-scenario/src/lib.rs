//! # Cirrus scenarios
//!
//! Turns a TOML scenario file (plus `--set key.path=value` overrides) into a
//! ready-to-run [`Scenario`]: the datacenter description, the simulation
//! configuration and the placement policy of the `cirrus` model crate.
//!
//! Every error names the file, line and column, the key path, and what was
//! expected, e.g.
//! `scenarios/x.toml:12:9: host_types[1].power.model: unknown power model "spec-g6"; known: …`.
//! Values that came from `--set` are reported as such.

mod build;
pub use build::WORKLOAD_FORMATS;
mod error;
mod locate;
mod overrides;
pub mod schema;

use std::path::{Path, PathBuf};

use cirrus::consolidation::Consolidation;
use cirrus::datacenter::DatacenterSpec;
use cirrus::placement::PlacementPolicy;
use cirrus::simulation::{SimError, Simulation, SimulationConfig};

pub use error::{Origin, ScenarioError};
pub use schema::ScenarioFile;

/// What to write after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputOptions {
    /// The output folder.
    pub dir: PathBuf,
    /// Write `intervals.csv`.
    pub intervals: bool,
    /// Write `hosts.csv`.
    pub hosts: bool,
    /// Write `vms.csv`.
    pub vms: bool,
    /// Write `migrations.csv`.
    pub migrations: bool,
}

/// A loaded, validated scenario, ready to run.
#[derive(Debug)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// The parsed file (after overrides).
    pub file: ScenarioFile,
    /// The datacenter.
    pub spec: DatacenterSpec,
    /// Time, energy and placement settings.
    pub config: SimulationConfig,
    /// The initial-placement policy.
    pub placement: Box<dyn PlacementPolicy>,
    /// Dynamic consolidation, if configured.
    pub consolidation: Option<Consolidation>,
    /// What to write.
    pub output: OutputOptions,
}

impl Scenario {
    /// Turns the scenario into a [`Simulation`].
    pub fn into_simulation(self) -> Result<Simulation, SimError> {
        let sim = Simulation::new(self.spec, self.config, self.placement)?;
        Ok(match self.consolidation {
            Some(c) => sim.with_consolidation(c),
            None => sim,
        })
    }
}

/// Loads the scenario at `path`, applies `overrides` (`key.path=value`, the
/// value in TOML syntax or a bare string), validates everything and reads the
/// workload traces.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    load_str(&text, path, overrides)
}

/// As [`load`], from text already read; `path` is used in messages and to
/// resolve relative trace paths.
pub fn load_str(text: &str, path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let ctx = build::Context::parse(text, path, overrides)?;
    ctx.build()
}
