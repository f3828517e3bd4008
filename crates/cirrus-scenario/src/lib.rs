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

use cirrus::consolidation::Consolidation;
use cirrus::consolidation::overload::OverloadDetector;
use cirrus::consolidation::selection::VmSelection;
use cirrus::datacenter::DatacenterSpec;
use cirrus::failures::FailureConfig;
use cirrus::migration::{MigrationModel, VmMemory};
use cirrus::network::TopologySpec;
use cirrus::placement::PlacementPolicy;
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
        self.simulation_builder().build()
    }

    /// As [`simulation`](Self::simulation) with another configuration (a
    /// different seed, say).
    pub fn simulation_with(&self, config: SimulationConfig) -> Result<Simulation, SimError> {
        self.simulation_builder().config(config).build()
    }

    /// A builder of this scenario's [`Simulation`] in which any policy can be
    /// replaced by an object of your own — the initial placement, the whole
    /// consolidation loop or one of its parts, the migration model — while
    /// everything else the file configured (network, failures, scripted
    /// migrations, arrivals, VM memory, quirks) is kept.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cirrus::registry::build_placement_policy;
    ///
    /// let scenario = cirrus_scenario::load("scenarios/failures/degraded.toml".as_ref(), &[])?;
    /// let sim = scenario
    ///     .simulation_builder()
    ///     .placement(build_placement_policy("wf", Default::default())?) // or your own PlacementPolicy
    ///     .build()?;
    /// let result = sim.run()?; // with the file's network and failures
    /// # let _ = result;
    /// # Ok(())
    /// # }
    /// ```
    pub fn simulation_builder(&self) -> SimulationBuilder<'_> {
        SimulationBuilder {
            scenario: self,
            config: self.config.clone(),
            placement: None,
            consolidation: None,
            detector: None,
            selection: None,
            consolidation_placement: None,
            migration: None,
        }
    }

    /// Turns the scenario into a [`Simulation`].
    pub fn into_simulation(self) -> Result<Simulation, SimError> {
        self.simulation()
    }
}

/// A [`Simulation`] of a [`Scenario`] with some of its policies replaced by
/// objects (from [`Scenario::simulation_builder`]). What is not replaced is
/// built fresh from the scenario, by name, as [`Scenario::simulation`] does;
/// the network, failures, scripted migrations, arrivals and VM memory always
/// come from the scenario.
#[derive(Debug)]
pub struct SimulationBuilder<'a> {
    scenario: &'a Scenario,
    config: SimulationConfig,
    placement: Option<Box<dyn PlacementPolicy>>,
    consolidation: Option<Consolidation>,
    detector: Option<Box<dyn OverloadDetector>>,
    selection: Option<Box<dyn VmSelection>>,
    consolidation_placement: Option<Box<dyn PlacementPolicy>>,
    migration: Option<Box<dyn MigrationModel>>,
}

impl SimulationBuilder<'_> {
    /// Another configuration (seed, duration, quirks …) than the scenario's.
    pub fn config(mut self, config: SimulationConfig) -> Self {
        self.config = config;
        self
    }

    /// The initial-placement policy (which also places arriving VMs and
    /// restarts lost ones), instead of the scenario's `[placement]`.
    pub fn placement(mut self, policy: Box<dyn PlacementPolicy>) -> Self {
        self.placement = Some(policy);
        self
    }

    /// A whole consolidation loop, instead of the scenario's
    /// `[consolidation]` (or where it has none). The part setters below then
    /// replace parts of this one.
    pub fn consolidation(mut self, consolidation: Consolidation) -> Self {
        self.consolidation = Some(consolidation);
        self
    }

    /// The consolidation's overload detector (the scenario needs a
    /// `[consolidation]`, or give a whole one with [`consolidation`](Self::consolidation)).
    pub fn detector(mut self, detector: Box<dyn OverloadDetector>) -> Self {
        self.detector = Some(detector);
        self
    }

    /// The consolidation's VM selection (as for [`detector`](Self::detector)).
    pub fn selection(mut self, selection: Box<dyn VmSelection>) -> Self {
        self.selection = Some(selection);
        self
    }

    /// The consolidation's choice of destinations (as for
    /// [`detector`](Self::detector)); initial placement is
    /// [`placement`](Self::placement).
    pub fn consolidation_placement(mut self, policy: Box<dyn PlacementPolicy>) -> Self {
        self.consolidation_placement = Some(policy);
        self
    }

    /// The migration model of every move: the consolidation's when there is
    /// one, else the one scripted moves and evacuations use (`[migration]`).
    pub fn migration_model(mut self, model: Box<dyn MigrationModel>) -> Self {
        self.migration = Some(model);
        self
    }

    /// The simulation.
    ///
    /// # Errors
    /// A part of a consolidation given when there is none; anything
    /// [`Simulation`]'s own builders refuse.
    pub fn build(self) -> Result<Simulation, SimError> {
        let scenario = self.scenario;
        let config_error = |field: &'static str, e: &dyn std::fmt::Display| SimError::Config {
            field,
            message: e.to_string(),
        };
        // Names and parameters were checked by building them once while loading.
        let placement = match self.placement {
            Some(p) => p,
            None => {
                registry::build_placement_policy(&scenario.placement.name, scenario.placement.params.clone())
                    .map_err(|e| config_error("placement", &e))?
            }
        };
        let mut consolidation = match (self.consolidation, &scenario.consolidation) {
            (Some(c), _) => Some(c),
            (None, Some(spec)) => Some(spec.build().map_err(|(part, e)| config_error(part, &e))?),
            (None, None) => None,
        };
        match consolidation.as_mut() {
            Some(c) => {
                if let Some(d) = self.detector {
                    c.detector = d;
                }
                if let Some(s) = self.selection {
                    c.selection = s;
                }
                if let Some(p) = self.consolidation_placement {
                    c.placement = p;
                }
            }
            None => {
                let parts = [
                    ("detector", self.detector.is_some()),
                    ("selection", self.selection.is_some()),
                    ("consolidation placement", self.consolidation_placement.is_some()),
                ];
                if let Some((part, _)) = parts.iter().find(|(_, given)| *given) {
                    return Err(config_error(
                        "consolidation",
                        &format!(
                            "a {part} was given, but the scenario has no [consolidation]: give a whole \
                             Consolidation (SimulationBuilder::consolidation)"
                        ),
                    ));
                }
            }
        }
        let mut sim = Simulation::new(scenario.spec.clone(), self.config, placement)?
            .with_vm_memory(scenario.vm_memory.clone())?;
        if let Some(n) = &scenario.network {
            sim = sim.with_network(n)?;
        }
        match (consolidation.as_mut(), self.migration) {
            (Some(c), Some(model)) => c.migration = model,
            (Some(_), None) => {}
            (None, model) => {
                let model = match model {
                    Some(m) => m,
                    None => registry::build_migration_model(
                        &scenario.migration.name,
                        scenario.migration.params.clone(),
                    )
                    .map_err(|e| config_error("migration", &e))?,
                };
                sim = sim.with_migration_model(model);
            }
        }
        if !scenario.scripted_migrations.is_empty() {
            sim = sim.with_scripted_migrations(scenario.scripted_migrations.clone())?;
        }
        if let Some(f) = &scenario.failures {
            sim = sim.with_failures(f.clone())?;
        }
        if let Some(l) = &scenario.lifetimes {
            sim = sim.with_vm_lifetimes(l.clone())?;
        }
        Ok(match consolidation {
            Some(c) => sim.with_consolidation(c),
            None => sim,
        })
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
    toml::to_string_pretty(&resolved_value(text, overrides)?).map_err(|e| e.to_string())
}

/// The `simulation.seed` of the scenario `text` with `overrides` applied (0
/// when absent, as [`load`] takes it), read without building anything: a sweep
/// derives each run's seed from it before loading the run.
///
/// # Errors
/// As [`resolved_toml`], and a seed that is not a non-negative integer;
/// [`load`] reports each with its location.
pub fn resolved_seed(text: &str, overrides: &[String]) -> Result<u64, String> {
    let value = resolved_value(text, overrides)?;
    match value.get("simulation").and_then(|s| s.get("seed")) {
        None => Ok(0),
        Some(toml::Value::Integer(i)) => {
            u64::try_from(*i).map_err(|_| format!("simulation.seed: {i} is negative"))
        }
        // Seeds beyond TOML's integer range are written as decimal strings.
        Some(toml::Value::String(text)) => text
            .parse()
            .map_err(|_| format!("simulation.seed: an integer is expected, found \"{text}\"")),
        Some(other) => Err(format!("simulation.seed: an integer is expected, found {other}")),
    }
}

fn resolved_value(text: &str, overrides: &[String]) -> Result<toml::Value, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut value = toml::Value::Table(table);
    for arg in overrides {
        overrides::apply(&mut value, &overrides::parse(arg)?)?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::resolved_seed;

    #[test]
    fn resolved_seed_follows_the_overrides() {
        let text = "[simulation]\nseed = 5\nduration_s = 10.0\n";
        assert_eq!(resolved_seed(text, &[]), Ok(5));
        assert_eq!(resolved_seed(text, &["simulation.seed=9".into()]), Ok(9));
        assert_eq!(resolved_seed("[simulation]\nduration_s = 1.0\n", &[]), Ok(0));
        assert!(
            resolved_seed(text, &["simulation.seed=-1".into()])
                .unwrap_err()
                .contains("negative")
        );
        assert!(resolved_seed(text, &["simulation.seed=\"x\"".into()]).is_err());
        // Beyond i64, as an override writes it (a bare string).
        assert_eq!(
            resolved_seed(text, &["simulation.seed=18446744073709551615".into()]),
            Ok(u64::MAX)
        );
    }
}
