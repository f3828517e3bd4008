//! # Cirrus sweeps, and a guide to Cirrus as a library
//!
//! This crate runs *parameter sweeps*: one scenario, many variants (a grid
//! over any scenario keys, crossed with replications), in parallel, resumable
//! after a crash, splittable over a cluster, summarised with confidence
//! intervals. The `cirrus sweep`, `cirrus merge` and `cirrus plot` commands
//! are thin wrappers around it and `cirrus-plot`. The rest of this page is
//! the guide to research code on top of Cirrus.
//!
//! ## How a run flows
//!
//! ```text
//! scenario.toml ──cirrus_scenario::load──▶ Scenario { spec, config, placement, consolidation, output }
//!                                               │  .simulation_with(config)  (fresh policy objects)
//!                                               ▼
//!                                  cirrus::simulation::Simulation  [.with_consolidation(c)]
//!                                               │  .run() / .run_observed(|obs| …)
//!                                               ▼
//!                                  cirrus::metrics::RunResult { summary, intervals, hosts, vms, migrations }
//!                                               │  cirrus_output::write_run(…)
//!                                               ▼
//!                                  summary.json, intervals.csv, hosts.csv, vms.csv, migrations.csv
//! ```
//!
//! - [`cirrus_scenario::load`] parses a TOML file (with `key.path=value`
//!   overrides), validates it with `file:line:column` errors and reads the
//!   traces. The [`Scenario`](cirrus_scenario::Scenario) keeps policies *by
//!   name*, so one loaded scenario builds any number of independent runs:
//!   [`Scenario::simulation_with`](cirrus_scenario::Scenario::simulation_with)
//!   takes a [`SimulationConfig`](cirrus::simulation::SimulationConfig) (change
//!   the seed there) and builds fresh policy objects each time.
//! - A scenario can also be built in code, without TOML: a
//!   [`DatacenterSpec`](cirrus::datacenter::DatacenterSpec) (host and VM types,
//!   hosts, VMs, traces), a `SimulationConfig` and a placement policy go to
//!   [`Simulation::new`](cirrus::simulation::Simulation::new); see the crate
//!   documentation of [`cirrus`] and `examples/scenario_in_code.rs`.
//! - [`Simulation::run`](cirrus::simulation::Simulation::run) is deterministic:
//!   every random number comes from [`cirrus::RngStreams`] derived from the
//!   seed, so the same scenario and seed give the same bytes on any machine and
//!   thread count. `run_observed` calls a closure after every event, with the
//!   datacenter state, for tracing or invariant checks.
//! - The [`RunResult`](cirrus::metrics::RunResult) is plain serde data; its
//!   [`Summary`](cirrus::metrics::Summary) holds CloudSim's metrics (energy,
//!   SLATAH, PDM, SLAV, ESV, migrations, …) with units in the field names.
//!
//! ## How to add a policy
//!
//! Every policy is a trait; each trait's module keeps a catalogue of its
//! implementations (`cirrus::catalog`), which the registry (`cirrus::registry`)
//! combines to map scenario names to constructors for the TOML layer:
//!
//! | trait | decides | module |
//! |---|---|---|
//! | [`PlacementPolicy`](cirrus::placement::PlacementPolicy) | where a VM goes (initial placement, migration targets) | `cirrus::placement` |
//! | [`OverloadDetector`](cirrus::consolidation::overload::OverloadDetector) | is a host overloaded? sees a [`HostLoad`](cirrus::consolidation::overload::HostLoad) | `cirrus::consolidation::overload` |
//! | [`VmSelection`](cirrus::consolidation::selection::VmSelection) | which VM leaves an overloaded host | `cirrus::consolidation::selection` |
//! | [`MigrationModel`](cirrus::migration::MigrationModel) | how long a live migration takes and costs | `cirrus::migration` |
//! | [`PowerModel`](cirrus::power::PowerModel) | watts at a utilisation | `cirrus::power` |
//!
//! To make a policy available to scenario files, add a file implementing the
//! trait in its module and one `Entry` line to that module's `CATALOG`
//! (name, one-line summary with its reference, constructor from
//! [`Params`](cirrus::params::Params)); `cirrus list` then shows it.
//!
//! To try a policy *without touching Cirrus*, implement the trait in your own
//! crate and hand it to the simulation yourself: build a
//! [`Consolidation`](cirrus::consolidation::Consolidation) from your detector
//! and registry-built parts
//! ([`build_vm_selection`](cirrus::registry::build_vm_selection),
//! [`build_placement_policy`](cirrus::registry::build_placement_policy),
//! [`build_migration_model`](cirrus::registry::build_migration_model)) and
//! call [`Simulation::with_consolidation`](cirrus::simulation::Simulation::with_consolidation).
//! In a sweep, do this in a [`RunFactory`]: it receives each run's loaded
//! scenario and its [`RunContext`] (seeded configuration, and the values of
//! `param.NAME` axes, which are free parameters of your code rather than
//! scenario keys). `examples/custom_detector_sweep.rs` is a complete custom
//! overload detector swept over its parameter in under 60 lines.
//!
//! ## Sweeps
//!
//! A [`SweepSpec`] is a base scenario, fixed overrides, [`Axis`]es and a
//! number of replications; from a file with [`SweepSpec::load`] (format in
//! `docs/SWEEPS.md`) or built in code. A [`Plan`] expands it: grid points in
//! row-major order (first axis slowest), `replications` runs per point, run
//! `i = point × replications + r`, seeds derived from the base seed by a
//! frozen rule ([`Plan::run_seed`]). [`run`] executes a plan into a results
//! folder (layout in [`store`]) and [`merge`] combines shards.
//!
//! ```
//! use cirrus_sweep::{Axis, Plan, RunOptions, ScenarioFactory, SweepSpec};
//!
//! let dir = tempfile::tempdir()?;
//! let scenario = dir.path().join("tiny.toml");
//! std::fs::write(&scenario, r#"
//! [simulation]
//! name = "tiny"
//! duration_s = 3600.0
//! scheduling_interval_s = 300.0
//! [[host_types]]
//! name = "h"
//! mips_per_core = 2000
//! cores = 2
//! ram_mb = 4096
//! bw_mbps = 1000
//! power = { model = "linear", max_w = 250.0, static_fraction = 0.7 }
//! [hosts]
//! count = 4
//! types = ["h"]
//! [[vm_types]]
//! name = "v"
//! mips = 1000
//! ram_mb = 1024
//! [vms]
//! count = 6
//! [workload]
//! format = "synthetic"
//! distribution = { kind = "uniform", low = 0.1, high = 0.9 }
//! "#)?;
//! let spec = SweepSpec::new("tiny-sweep", &scenario)
//!     .axis(Axis::new("placement.policy", ["ff", "pabfd"]).named("policy"))
//!     .replications(3);
//! let plan = Plan::new(spec)?;
//! let out = dir.path().join("results");
//! let report = cirrus_sweep::run(&plan, &RunOptions::new(&out).jobs(2), &ScenarioFactory, &())?;
//! assert_eq!((report.ran, report.complete), (6, true));
//! let runs = std::fs::read_to_string(out.join("runs.csv"))?;
//! assert_eq!(runs.lines().count(), 1 + 6);
//! assert!(runs.starts_with("run,point,replication,policy,scenario,seed,"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod exec;
mod plan;
mod spec;
pub mod stats;
pub mod store;

use std::path::PathBuf;

pub use exec::{
    BoxError, Observer, RunContext, RunFactory, RunOptions, ScenarioFactory, Shard, SweepReport, check, run,
};
pub use plan::{Plan, PlannedRun, SEED_STREAM};
pub use spec::{Axis, MAX_RUNS, PARAM_PREFIX, PATH_KEYS, SCENARIO_KEY, SeedMode, SweepSpec};
pub use store::{Manifest, MergeReport, RunRecord, merge};
/// TOML values, as axis values are (re-exported so that sweeps can be built
/// in code without depending on `toml`).
pub use toml::Value;

/// A sweep that cannot be read, run or merged.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A file given on input cannot be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// A value of the sweep is malformed or inconsistent.
    #[error("{origin}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
    Invalid {
        /// `file:line:column` in the sweep file (or "sweep (built in code)").
        origin: String,
        /// Key path in the sweep file, e.g. `axes[1].values[3]`.
        key: String,
        /// What was expected.
        message: String,
    },
    /// A run failed: its scenario did not load with the point's values, or
    /// its simulation could not be built or run.
    #[error("{origin}: run {run} ({point}): {message}")]
    Run {
        /// The sweep-file value responsible (`file:line:column: axes[0].values[2]`)
        /// when known, else the sweep file.
        origin: String,
        /// Run index.
        run: usize,
        /// The point, `axis = label, …`.
        point: String,
        /// The underlying error (a scenario error names its own location).
        message: String,
    },
    /// A results folder is not usable: another sweep's, incomplete, corrupt.
    #[error("{}: {message}", path.display())]
    Results {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A result could not be written.
    #[error(transparent)]
    Output(#[from] cirrus_output::OutputError),
}

impl SweepError {
    /// Whether the error is the input's fault (exit code 2 in the CLI) rather
    /// than a failure to write results.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, SweepError::Output(_))
    }
}
