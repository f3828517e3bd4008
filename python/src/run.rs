//! `run` and `RunResult`: a scenario simulated with the GIL released; its summary as a dict,
//! its tables as Arrow, its folder written as `cirrus run` writes it.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use cirrus::consolidation::MigrationReason;
use cirrus::metrics::{HostRecord, IntervalRecord, MigrationRecord, VmRecord, VmStatus};
use cirrus::migration::{ModelKind, StopReason};
use cirrus_output::{Durability, FolderState, Provenance, RunFolder, RunSettings, ScenarioSource, Selection};
use pyo3::prelude::*;

use crate::policies::{FirstError, PyDetector, PyPlacement};
use crate::scenario::Scenario;
use crate::table::Table;
use crate::{OutputError, SimulationError};

/// What a run produced, and what made it: `cirrus.run(scenario)`.
#[pyclass(module = "cirrus._cirrus", name = "Result", frozen)]
pub struct RunResult {
    result: cirrus::metrics::RunResult,
    provenance: Provenance,
    selection: Selection,
    trace_report: Option<cirrus_traces::LoadReport>,
    /// Loading (if the seed asked for it) and simulating.
    wall: Duration,
}

/// Runs `scenario` (with another `seed`, the scenario is loaded again with
/// `simulation.seed=SEED`, as `cirrus run --seed` does: a synthetic workload depends on
/// it). `threads` share each step's per-host work (results are identical for any count);
/// `audit` checks the model's invariants after every event. The GIL is released while the
/// simulation runs, so Python threads can run several at once.
///
/// Policies written in Python replace the scenario's (prototyping; the Rust traits are the
/// fast path): `placement` (initial placement, arrivals, evacuations) and
/// `consolidation_placement` (the destinations of consolidation's moves) are objects with
/// `select_host(hosts, vm, vms, mask) -> int | None`; `detector` an object with
/// `is_overloaded(utilization, history, max_migration_time_s, scheduling_interval_s) ->
/// bool` (needs a `[consolidation]`). An exception they raise is raised here after the run.
#[pyfunction]
#[pyo3(signature = (scenario, seed = None, threads = 1, audit = false, placement = None, consolidation_placement = None, detector = None))]
#[allow(clippy::too_many_arguments)]
pub fn run(
    py: Python<'_>,
    scenario: &Bound<'_, Scenario>,
    seed: Option<u64>,
    threads: usize,
    audit: bool,
    placement: Option<Py<PyAny>>,
    consolidation_placement: Option<Py<PyAny>>,
    detector: Option<Py<PyAny>>,
) -> PyResult<RunResult> {
    let scenario = scenario.get();
    let errors = FirstError::default();
    let python = PythonPolicies {
        placement,
        consolidation_placement,
        detector,
        errors: errors.clone(),
    };
    let result = py.detach(|| simulate(scenario, seed, threads, audit, python));
    if let Some(e) = errors.take() {
        return Err(e);
    }
    result.map_err(SimulationError::new_err)
}

/// The policies given from Python, if any.
struct PythonPolicies {
    placement: Option<Py<PyAny>>,
    consolidation_placement: Option<Py<PyAny>>,
    detector: Option<Py<PyAny>>,
    errors: FirstError,
}

fn simulate(
    scenario: &Scenario,
    seed: Option<u64>,
    threads: usize,
    audit: bool,
    python: PythonPolicies,
) -> Result<RunResult, String> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    let mut reseeded = None;
    let scenario = scenario.with_seed(seed, &mut reseeded)?;
    let loaded = &scenario.loaded;
    let text = String::from_utf8_lossy(&scenario.bytes);
    let resolved = cirrus_scenario::resolved_toml(&text, &scenario.overrides)
        .map_err(|e| format!("{}: {e}", scenario.path.display()))?;
    let program = cirrus_output::program();
    let provenance = Provenance::new(
        &ScenarioSource {
            path: &scenario.path,
            bytes: &scenario.bytes,
            resolved: &resolved,
            overrides: &scenario.overrides,
            name: &loaded.config.name,
            seed: loaded.config.seed,
        },
        &RunSettings {
            program: &program,
            threads,
            audit,
            started: started_at,
        },
    );
    let mut builder = loaded.simulation_builder();
    if let Some(p) = python.placement {
        builder = builder.placement(Box::new(PyPlacement::new(p, python.errors.clone())));
    }
    if let Some(p) = python.consolidation_placement {
        builder = builder.consolidation_placement(Box::new(PyPlacement::new(p, python.errors.clone())));
    }
    if let Some(d) = python.detector {
        builder = builder.detector(Box::new(PyDetector::new(d, python.errors.clone())));
    }
    let sim = builder
        .build()
        .and_then(|s| s.with_threads(threads))
        .map_err(|e| e.to_string())?;
    let mut auditor = audit.then(cirrus::audit::Auditor::new);
    let mut violation = None;
    let result = sim
        .run_observed(|o| {
            if let Some(a) = auditor.as_mut()
                && violation.is_none()
                && let Err(e) = a.check(o)
            {
                violation = Some(e);
            }
        })
        .map_err(|e| e.to_string())?;
    if let Some(e) = violation {
        return Err(format!("audit: {e}"));
    }
    Ok(RunResult {
        result,
        provenance,
        selection: Selection {
            intervals: loaded.output.intervals,
            hosts: loaded.output.hosts,
            vms: loaded.output.vms,
            migrations: loaded.output.migrations,
        },
        trace_report: loaded.trace_report.clone(),
        wall: started.elapsed(),
    })
}

/// Records with every optional field present, from which each table's column types are
/// traced (a column empty in one run keeps its type).
mod samples {
    use super::*;

    pub fn interval() -> IntervalRecord {
        IntervalRecord {
            time_s: 0.0,
            active_hosts: 0,
            active_racks: 0,
            power_w: 0.0,
            energy_kwh: 0.0,
            requested_mips: 0.0,
            allocated_mips: 0.0,
            overloaded_hosts: 0,
            migrations: 0,
            sla_violation_s: 0.0,
            migrations_overload: 0,
            migrations_underload: 0,
            migrations_evacuation: 0,
            migrations_scripted: 0,
            hosts_on: 0,
            hosts_off: 0,
            hosts_asleep: 0,
            hosts_in_transition: 0,
        }
    }

    pub fn host() -> HostRecord {
        HostRecord {
            host: 0,
            host_type: String::new(),
            rack: Some(0),
            energy_kwh: 0.0,
            active_s: 0.0,
            mean_utilization: 0.0,
            shutdowns: 0,
            vms_at_end: 0,
            energy_on_kwh: 0.0,
            energy_off_kwh: 0.0,
            energy_sleep_kwh: 0.0,
            energy_transition_kwh: 0.0,
            boots: 0,
            sleeps: 0,
        }
    }

    pub fn vm() -> VmRecord {
        VmRecord {
            vm: 0,
            vm_type: String::new(),
            trace: String::new(),
            host: Some(0),
            finished_at_s: Some(0.0),
            requested_mips_s: 0.0,
            allocated_mips_s: 0.0,
            migrations: 0,
            downtime_s: 0.0,
            losses: 0,
            status: VmStatus::Undisturbed,
            availability: 0.0,
        }
    }

    pub fn migration() -> MigrationRecord {
        MigrationRecord {
            start_s: 0.0,
            end_s: 0.0,
            vm: 0,
            source: 0,
            target: 0,
            duration_s: 0.0,
            downtime_s: 0.0,
            data_mb: 0.0,
            reason: MigrationReason::Overload,
            model: ModelKind::FixedDelay,
            rounds: 0,
            faults: 0,
            stop_reason: Some(StopReason::MaxRounds),
            predicted_downtime_s: 0.0,
            predicted_total_s: 0.0,
            max_downtime_s: Some(0.0),
            chosen_on_downtime_s: Some(0.0),
        }
    }
}

fn table_error(e: String) -> PyErr {
    SimulationError::new_err(e)
}

#[pymethods]
impl RunResult {
    /// The headline numbers, as `summary.json` has them (a dict; NaN as None).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.result.summary).map_err(|e| table_error(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// One row per datacenter step (`intervals.csv`).
    #[getter]
    fn intervals(&self) -> PyResult<Table> {
        Table::of_records("intervals", &self.result.intervals, &samples::interval()).map_err(table_error)
    }

    /// One row per host (`hosts.csv`).
    #[getter]
    fn hosts(&self) -> PyResult<Table> {
        Table::of_records("hosts", &self.result.hosts, &samples::host()).map_err(table_error)
    }

    /// One row per VM (`vms.csv`).
    #[getter]
    fn vms(&self) -> PyResult<Table> {
        Table::of_records("vms", &self.result.vms, &samples::vm()).map_err(table_error)
    }

    /// One row per live migration, in start order (`migrations.csv`; in runs with a
    /// real-time VM, a last column `max_downtime_s`, null for an ordinary VM).
    #[getter]
    fn migrations(&self) -> PyResult<Table> {
        let table = Table::of_records("migrations", &self.result.migrations, &samples::migration())
            .map_err(table_error)?;
        if self.result.summary.real_time.is_none() {
            return Ok(table);
        }
        let bounds: Vec<Option<f64>> = self.result.migrations.iter().map(|m| m.max_downtime_s).collect();
        table
            .with_column(MigrationRecord::REAL_TIME_COLUMN, bounds)
            .map_err(table_error)
    }

    /// The run's `manifest.json` as a dict: scenario, overrides, seed, version, commit.
    #[getter]
    fn manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text =
            serde_json::to_string(self.provenance.manifest()).map_err(|e| table_error(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Seconds spent loading (for another seed) and simulating.
    #[getter]
    fn wall_s(&self) -> f64 {
        self.wall.as_secs_f64()
    }

    /// Writes the run's folder exactly as `cirrus run --out DIR` does (the tables the
    /// scenario selects, `summary.json`, `trace_report.json`, `scenario.resolved.toml`,
    /// `manifest.json`; each file atomically). A folder holding another run is refused
    /// unless `force` (then its whole content is replaced); `durable` also flushes each file
    /// to the disk. Returns the folder.
    #[pyo3(signature = (dir, force = false, durable = false))]
    fn write(&self, py: Python<'_>, dir: PathBuf, force: bool, durable: bool) -> PyResult<PathBuf> {
        py.detach(|| self.write_folder(&dir, force, durable))
            .map_err(OutputError::new_err)?;
        Ok(dir)
    }

    fn __repr__(&self) -> String {
        format!(
            "<cirrus.Result {}: {} hosts, {} VMs, {} intervals, {} migrations>",
            self.provenance.describe(),
            self.result.hosts.len(),
            self.result.vms.len(),
            self.result.intervals.len(),
            self.result.migrations.len()
        )
    }
}

impl RunResult {
    fn write_folder(&self, dir: &std::path::Path, force: bool, durable: bool) -> Result<(), String> {
        let write_started = Instant::now();
        let state = cirrus_output::prepare_dir(dir).map_err(|e| e.to_string())?;
        match &state {
            FolderState::HoldsRun if !force => {
                return Err(format!(
                    "{} already holds the results of a run; pass force=True to replace them \
                     (the folder's whole content is removed), or choose another folder",
                    dir.display()
                ));
            }
            FolderState::HoldsOther(name) => {
                return Err(format!(
                    "{}: the folder is not empty (it holds `{name}`) and holds no Cirrus results; \
                     choose a new or empty folder",
                    dir.display()
                ));
            }
            _ => {}
        }
        let durability = if durable {
            Durability::Synced
        } else {
            Durability::Atomic
        };
        // The manifest's wall time: loading and simulating, then this writing.
        let started = write_started.checked_sub(self.wall).unwrap_or(write_started);
        cirrus_output::write_run_folder(
            &RunFolder {
                dir,
                state: &state,
                provenance: &self.provenance,
                result: &self.result,
                selection: self.selection,
                trace_report: self.trace_report.as_ref(),
                durability,
            },
            started,
        )
        .map_err(|e| e.to_string())
    }
}
