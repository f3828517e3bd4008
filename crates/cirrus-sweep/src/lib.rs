//! # Cirrus sweeps
//!
//! This crate runs *parameter sweeps*: one scenario, many variants (a grid
//! over any scenario keys, crossed with replications), in parallel, resumable
//! after a crash, splittable over a cluster, summarised with confidence
//! intervals. The `cirrus sweep`, `cirrus merge` and `cirrus plot` commands
//! are thin wrappers around it and `cirrus-plot`.
//!
//! How a run flows, where policies plug in and how to write one of your own
//! are in the guide to Cirrus as a library, [`cirrus::guide`].
//!
//! ## Code-defined policies in a sweep
//!
//! A policy implemented in your own crate is handed to the simulation
//! yourself (see [`cirrus::guide`]): build a
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
    BoxError, Observer, RunContext, RunFactory, RunOptions, ScenarioFactory, Shard, SweepReport, check,
    check_each, run,
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
