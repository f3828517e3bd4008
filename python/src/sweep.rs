//! `sweep` and `SweepResult`: a sweep file run into its folder (resumable, as `cirrus
//! sweep`), its `runs.csv` and `aggregate.csv` as Arrow tables.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_csv::ReaderBuilder;
use arrow_csv::reader::Format;
use cirrus_sweep::{Plan, RunOptions, ScenarioFactory, Shard, SweepSpec};
use pyo3::prelude::*;

use crate::scenario::overrides_of;
use crate::table::Table;
use crate::{OutputError, ScenarioError, SimulationError};

/// A sweep's folder after `cirrus.sweep` (the whole sweep, or one shard) or `cirrus.merge`.
#[pyclass(module = "cirrus._cirrus", frozen)]
pub struct SweepResult {
    dir: PathBuf,
    total: usize,
    ran: usize,
    skipped: usize,
    complete: bool,
}

/// Runs the sweep file at `path` into `out` (default `results/<sweep name>`), as `cirrus
/// sweep` does: `jobs` worker threads (0: one per core), each run with its own seed and
/// provenance, runs already in the folder kept (a sweep resumes where it stopped). `set`
/// overrides the base scenario for every run (a dict or `key=value` strings, as in
/// `cirrus.load`). `shard="I/N"` runs only the I-th of N slices of the grid (a Slurm array
/// task: `f"{os.environ['SLURM_ARRAY_TASK_ID']}/{os.environ['SLURM_ARRAY_TASK_COUNT']}"`);
/// `cirrus.merge` combines the shards' folders. The GIL is released while it runs.
#[pyfunction]
#[pyo3(signature = (path, out = None, jobs = 0, set = None, run_outputs = None, shard = None))]
pub fn sweep(
    py: Python<'_>,
    path: PathBuf,
    out: Option<PathBuf>,
    jobs: usize,
    set: Option<&Bound<'_, PyAny>>,
    run_outputs: Option<bool>,
    shard: Option<&str>,
) -> PyResult<SweepResult> {
    let shard = shard
        .map(Shard::parse)
        .transpose()
        .map_err(|e| ScenarioError::new_err(format!("shard: {e}")))?;
    let overrides = match set {
        Some(set) => overrides_of(set)?,
        None => Vec::new(),
    };
    let plan = SweepSpec::load(&path)
        .and_then(|spec| {
            overrides
                .iter()
                .try_fold(spec, |spec, arg| spec.with_override(arg))
        })
        .and_then(Plan::new)
        .map_err(|e| ScenarioError::new_err(e.to_string()))?;
    if let Some(axis) = plan.free_parameter_axis() {
        return Err(ScenarioError::new_err(format!(
            "{}: axis \"{}\" sets {}, a free parameter for Rust code that builds the runs \
             (cirrus_sweep::RunFactory); a sweep run from its file has none",
            path.display(),
            axis.name,
            axis.keys.join(", ")
        )));
    }
    let dir = out.unwrap_or_else(|| Path::new("results").join(&plan.spec().name));
    let mut options = RunOptions::new(&dir).jobs(jobs);
    options.run_outputs = run_outputs;
    options.shard = shard;
    let report = py
        .detach(|| cirrus_sweep::run(&plan, &options, &ScenarioFactory, &()))
        .map_err(|e| {
            if e.is_bad_input() {
                ScenarioError::new_err(e.to_string())
            } else {
                SimulationError::new_err(e.to_string())
            }
        })?;
    Ok(SweepResult {
        dir,
        total: report.total,
        ran: report.ran,
        skipped: report.skipped,
        complete: report.complete,
    })
}

/// Combines the folders of a sweep's shards into `out`, as `cirrus merge`: they must belong
/// to the same sweep and together hold every run (a run found twice must agree).
#[pyfunction]
pub fn merge(py: Python<'_>, dirs: Vec<PathBuf>, out: PathBuf) -> PyResult<SweepResult> {
    let report = py
        .detach(|| cirrus_sweep::merge(&dirs, &out))
        .map_err(|e| OutputError::new_err(e.to_string()))?;
    Ok(SweepResult {
        dir: out,
        total: report.runs,
        ran: 0,
        skipped: report.runs,
        complete: true,
    })
}

/// A CSV file of the sweep folder as a table, its column types inferred from the file
/// (numbers as Int64 or Float64, axis labels and text as strings).
fn csv_table(name: &str, path: &Path) -> Result<Table, String> {
    let error = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let format = Format::default().with_header(true);
    let mut file = File::open(path).map_err(|e| error(&e))?;
    let (schema, _) = format.infer_schema(&mut file, None).map_err(|e| error(&e))?;
    let schema = Arc::new(schema);
    let file = File::open(path).map_err(|e| error(&e))?;
    let reader = ReaderBuilder::new(Arc::clone(&schema))
        .with_format(format)
        .build(file)
        .map_err(|e| error(&e))?;
    let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| error(&e))?;
    Ok(Table::of_batches(name, schema, batches))
}

impl SweepResult {
    fn whole(&self) -> PyResult<()> {
        if self.complete {
            return Ok(());
        }
        Err(OutputError::new_err(format!(
            "{} holds one shard of the sweep; its tables come once the shards are merged (cirrus.merge)",
            self.dir.display()
        )))
    }
}

#[pymethods]
impl SweepResult {
    /// The sweep's folder.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Runs in the sweep.
    #[getter]
    fn total(&self) -> usize {
        self.total
    }

    /// Runs this call ran.
    #[getter]
    fn ran(&self) -> usize {
        self.ran
    }

    /// Runs found done in the folder and kept.
    #[getter]
    fn skipped(&self) -> usize {
        self.skipped
    }

    /// Whether the folder holds every run of the sweep (a shard's does not: merge them).
    #[getter]
    fn complete(&self) -> bool {
        self.complete
    }

    /// One row per run (`runs.csv`): run, point, replication, one column per axis, scenario,
    /// seed, then every summary metric.
    #[getter]
    fn runs(&self) -> PyResult<Table> {
        self.whole()?;
        csv_table("runs", &self.dir.join("runs.csv")).map_err(OutputError::new_err)
    }

    /// One row per grid point and metric (`aggregate.csv`): mean, standard deviation and
    /// the 95 % confidence interval over the replications.
    #[getter]
    fn aggregate(&self) -> PyResult<Table> {
        self.whole()?;
        csv_table("aggregate", &self.dir.join("aggregate.csv")).map_err(OutputError::new_err)
    }

    fn __repr__(&self) -> String {
        format!(
            "<cirrus.SweepResult {}: {} runs ({} run now, {} done before)>",
            self.dir.display(),
            self.total,
            self.ran,
            self.skipped
        )
    }
}
