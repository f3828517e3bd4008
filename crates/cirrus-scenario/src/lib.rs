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
mod coverage;
mod error;
pub mod locate;
mod overrides;
pub mod schema;

use std::path::{Path, PathBuf};

use cirrus::datacenter::DatacenterSpec;
use cirrus::failures::FailureConfig;
use cirrus::migration::VmMemory;
use cirrus::network::TopologySpec;
use cirrus::registry::{self, ConsolidationSpec, Named};
use cirrus::simulation::{ScriptedMigration, SimError, Simulation, SimulationConfig, VmLifetime};

pub use coverage::ShortTrace;
pub use error::{Origin, ScenarioError};
pub use schema::{ScenarioFile, WORKLOAD_FORMATS};

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
    pub placement: Named,
    /// Dynamic consolidation, if configured.
    pub consolidation: Option<ConsolidationSpec>,
    /// The migration model of moves outside consolidation (`[migration]`;
    /// unused when consolidation brings its own).
    pub migration: Named,
    /// Migrations at fixed times.
    pub scripted_migrations: Vec<ScriptedMigration>,
    /// Host failures, if configured.
    pub failures: Option<FailureConfig>,
    /// When each VM arrives and leaves, for trace formats that say so.
    pub lifetimes: Option<Vec<VmLifetime>>,
    /// The network migrations cross, if configured.
    pub network: Option<TopologySpec>,
    /// Each VM type's memory and dirtying.
    pub vm_memory: Vec<VmMemory>,
    /// What to write.
    pub output: OutputOptions,
    /// The workload's traces that end before the run needs them (each holds its last value
    /// to the end): warnings for the user, errors with `--strict`.
    pub short_traces: Vec<ShortTrace>,
    /// What the trace reader read, skipped and resolved, for trace formats with lifetimes
    /// (Azure, Google, Bitbrains, SWF); `None` for PlanetLab and synthetic workloads.
    pub trace_report: Option<cirrus_traces::LoadReport>,
}

impl Scenario {
    /// A [`Simulation`] of this scenario, with freshly built policies; the
    /// scenario stays usable for more runs (sweeps, benchmarks).
    pub fn simulation(&self) -> Result<Simulation, SimError> {
        self.simulation_with(self.config.clone())
    }

    /// As [`simulation`](Self::simulation) with another configuration (a
    /// different seed, say).
    pub fn simulation_with(&self, config: SimulationConfig) -> Result<Simulation, SimError> {
        // Both were built once while loading, so the names and parameters are valid.
        let placement = registry::build_placement_policy(&self.placement.name, self.placement.params.clone())
            .map_err(|e| SimError::Config {
                field: "placement",
                message: e.to_string(),
            })?;
        let mut sim =
            Simulation::new(self.spec.clone(), config, placement)?.with_vm_memory(self.vm_memory.clone())?;
        if let Some(n) = &self.network {
            sim = sim.with_network(n)?;
        }
        if self.consolidation.is_none() {
            let model = registry::build_migration_model(&self.migration.name, self.migration.params.clone())
                .map_err(|e| SimError::Config {
                    field: "migration",
                    message: e.to_string(),
                })?;
            sim = sim.with_migration_model(model);
        }
        if !self.scripted_migrations.is_empty() {
            sim = sim.with_scripted_migrations(self.scripted_migrations.clone())?;
        }
        if let Some(f) = &self.failures {
            sim = sim.with_failures(f.clone())?;
        }
        if let Some(l) = &self.lifetimes {
            sim = sim.with_vm_lifetimes(l.clone())?;
        }
        Ok(match &self.consolidation {
            Some(c) => sim.with_consolidation(c.build().map_err(|(part, e)| SimError::Config {
                field: part,
                message: e.to_string(),
            })?),
            None => sim,
        })
    }

    /// Turns the scenario into a [`Simulation`].
    pub fn into_simulation(self) -> Result<Simulation, SimError> {
        self.simulation()
    }
}

/// Loads the scenario at `path`, applies `overrides` (`key.path=value`, the
/// value in TOML syntax or a bare string), validates everything and reads the
/// workload traces.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let text = read_scenario(path)?;
    load_str(&text, path, overrides)
}

/// Largest scenario file [`load`] reads, 16 MiB: the shipped scenarios are a few KiB. A
/// wrong path (a trace, a binary, `/dev/zero`) fails with a message instead of being read
/// into memory without bound.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads the scenario text, at most [`MAX_SCENARIO_BYTES`]; text that is not UTF-8 is
/// reported at the line and column of its first invalid byte, like a syntax error.
fn read_scenario(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let io = |message: String| ScenarioError::Io {
        path: path.to_path_buf(),
        message,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(io(format!(
            "larger than {MAX_SCENARIO_BYTES} bytes; is this a scenario file?"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let (line, column) = locate::line_col(&prefix, valid);
        ScenarioError::Invalid {
            origin: Origin::File {
                path: path.to_path_buf(),
                line,
                column,
            },
            key: String::new(),
            message: "invalid UTF-8: a scenario file is UTF-8 text".into(),
        }
    })
}

/// As [`load`], from text already read; `path` is used in messages and to
/// resolve relative trace paths.
pub fn load_str(text: &str, path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let ctx = build::Context::parse(text, path, overrides)?;
    ctx.build()
}

/// The scenario `text` with `overrides` (`key.path=value`, as for [`load`])
/// applied, as TOML: the values a run actually used, saved beside its results
/// (`scenario.resolved.toml`). The file's comments and key order are not kept;
/// relative paths stay relative to the original file's folder.
///
/// # Errors
/// Text that is not TOML or an override that does not apply; [`load`] reports
/// both with their location.
pub fn resolved_toml(text: &str, overrides: &[String]) -> Result<String, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut value = toml::Value::Table(table);
    for arg in overrides {
        overrides::apply(&mut value, &overrides::parse(arg)?)?;
    }
    toml::to_string_pretty(&value).map_err(|e| e.to_string())
}
