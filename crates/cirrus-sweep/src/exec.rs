//! Running a plan: a pool of worker threads taking runs in index order,
//! sharing loaded scenarios, writing each finished run at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use cirrus::simulation::{Simulation, SimulationConfig};
use cirrus_output::{Durability, Program, Provenance, RunSettings, ScenarioSource, SweepRun};
use cirrus_scenario::Scenario;
use toml::Value;

use crate::SweepError;
use crate::plan::{Plan, PlannedRun};
use crate::store::{self, RunRecord};

/// An error from user code building a run.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A deterministic slice of a sweep: run `i` belongs to shard `i mod count`.
/// Interleaving (rather than cutting the grid in blocks) gives every shard a
/// similar mix of cheap and expensive grid points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `I/N` with `0 ≤ I < N` (a Slurm array `--array=0-(N-1)` gives
    /// `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// Whether run `run` is this shard's.
    pub fn contains(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

/// How to run a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// The results folder.
    pub out_dir: PathBuf,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Run only this slice of the grid.
    pub shard: Option<Shard>,
    /// Write each run's own result files (overrides the sweep's `run_outputs`).
    pub run_outputs: Option<bool>,
    /// Threads inside each run for the per-host work of its steps
    /// ([`Simulation::with_threads`](cirrus::simulation::Simulation::with_threads));
    /// 1 (the default): each run on its worker's thread, the workers being
    /// the sweep's parallelism. Changes no result.
    pub threads_per_run: usize,
    /// The program recorded in each run's `manifest.json` (by default
    /// [`cirrus_output::program`]: the workspace's version and the commit it was built from).
    pub program: Program,
}

impl RunOptions {
    /// Defaults: all cores, the whole grid, run outputs as the sweep says.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            jobs: 0,
            shard: None,
            run_outputs: None,
            threads_per_run: 1,
            program: cirrus_output::program(),
        }
    }

    /// With `threads` threads inside each run (0 counts as 1).
    pub fn threads_per_run(mut self, threads: usize) -> Self {
        self.threads_per_run = threads.max(1);
        self
    }

    /// With `jobs` worker threads.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Only `shard`'s runs.
    pub fn shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }
}

/// What a [`RunFactory`] knows about the run it builds.
#[derive(Debug)]
pub struct RunContext<'a> {
    /// The run.
    pub run: &'a PlannedRun,
    /// The scenario's configuration with the run's seed.
    pub config: SimulationConfig,
}

impl RunContext<'_> {
    /// The value of axis `param.NAME` at this run's point.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.run.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// [`param`](Self::param) as a number, or an error naming it.
    pub fn param_f64(&self, name: &str) -> Result<f64, BoxError> {
        match self.param(name) {
            Some(Value::Float(f)) => Ok(*f),
            Some(Value::Integer(i)) => Ok(*i as f64),
            Some(other) => Err(format!("param.{name}: expected a number, found {other}").into()),
            None => Err(format!("param.{name}: no axis sets it").into()),
        }
    }
}

/// Builds the [`Simulation`] of one run from its loaded scenario: the hook
/// through which code-defined policies (which no registry knows) enter a
/// sweep. Closures `Fn(&Scenario, &RunContext) -> Result<Simulation, BoxError>`
/// are factories.
pub trait RunFactory: Sync {
    /// The simulation of the run described by `ctx`.
    fn simulation(&self, scenario: &Scenario, ctx: &RunContext<'_>) -> Result<Simulation, BoxError>;
}

impl<F> RunFactory for F
where
    F: Fn(&Scenario, &RunContext<'_>) -> Result<Simulation, BoxError> + Sync,
{
    fn simulation(&self, scenario: &Scenario, ctx: &RunContext<'_>) -> Result<Simulation, BoxError> {
        self(scenario, ctx)
    }
}

/// The scenario as written: [`Scenario::simulation_with`] the run's configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScenarioFactory;

impl RunFactory for ScenarioFactory {
    fn simulation(&self, scenario: &Scenario, ctx: &RunContext<'_>) -> Result<Simulation, BoxError> {
        if let Some((name, _)) = ctx.run.params.first() {
            // A parameter nobody reads would make every point silently the same run.
            return Err(format!(
                "param.{name} is a free parameter, but the runs are built from the scenario alone; \
                 pass a RunFactory that reads it"
            )
            .into());
        }
        Ok(scenario.simulation_with(ctx.config.clone())?)
    }
}

/// Hears about progress (for a progress bar or a log). Called from worker
/// threads, hence `Sync`.
pub trait Observer: Sync {
    /// Before any run: `total` runs in this shard, `done` of them already
    /// finished by an earlier invocation.
    fn started(&self, total: usize, done: usize) {
        let _ = (total, done);
    }

    /// After each run, once its record is on disk.
    fn finished(&self, record: &RunRecord) {
        let _ = record;
    }
}

/// No progress reporting.
impl Observer for () {}

/// What [`run`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Runs in the whole sweep.
    pub total: usize,
    /// Runs in this shard.
    pub in_shard: usize,
    /// Of those, already done before this invocation.
    pub skipped: usize,
    /// Run by this invocation.
    pub ran: usize,
    /// Whether the folder now holds every run, and so `runs.csv` and
    /// `aggregate.csv` were written.
    pub complete: bool,
}

/// A loaded scenario, or the (shareable) error loading it.
type Loaded = Result<Arc<Scenario>, Arc<SweepError>>;

/// Loaded scenarios shared by runs with the same scenario file, overrides and
/// seed, dropped once their last pending run is done (a PlanetLab day holds
/// ~2.5 MB of traces; a grid of days × policies would otherwise keep them all).
///
/// Each run is loaded with its own seed (`simulation.seed` set to the seed the
/// sweep's rule derives), so what loading draws (synthetic demand, arrivals,
/// lifetimes) differs between replications and, with `seeds = "common"`, is
/// the same for every point of one replication.
struct Cache {
    entries: Mutex<HashMap<LoadKey, Shared>>,
    /// Per run index: what it loads and its seeds.
    loads: HashMap<usize, RunLoad>,
}

/// One load, shared by the runs that need it, and how many of them are pending.
type Shared = (Arc<OnceLock<Loaded>>, usize);

/// Scenario file and overrides: what a loaded scenario depends on.
type LoadKey = (PathBuf, Vec<String>);

/// How one run is loaded.
#[derive(Debug, Clone)]
struct RunLoad {
    /// The run's overrides, then `simulation.seed=<seed>` (absent when the
    /// file could not be read: loading it then reports the located error).
    key: LoadKey,
    /// The scenario's own `simulation.seed` after the sweep's overrides.
    file_seed: u64,
    /// The seed the sweep's rule derived for the run.
    seed: u64,
}

impl RunLoad {
    fn of(plan: &Plan, run: &PlannedRun, file_seeds: &mut HashMap<LoadKey, Option<u64>>) -> Self {
        let plain = run.load_key();
        let file_seed = *file_seeds.entry(plain.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(&run.scenario).ok()?;
            cirrus_scenario::resolved_seed(&text, &run.overrides).ok()
        });
        match file_seed {
            Some(file_seed) => {
                let seed = plan.run_seed(run, file_seed);
                let (path, mut overrides) = plain;
                overrides.push(format!("simulation.seed={seed}"));
                Self {
                    key: (path, overrides),
                    file_seed,
                    seed,
                }
            }
            None => Self {
                key: plain,
                file_seed: 0,
                seed: plan.run_seed(run, 0),
            },
        }
    }
}

impl Cache {
    fn new(plan: &Plan, pending: &[&PlannedRun]) -> Self {
        let mut file_seeds = HashMap::new();
        let mut entries: HashMap<LoadKey, Shared> = HashMap::new();
        let mut loads = HashMap::with_capacity(pending.len());
        for r in pending {
            let load = RunLoad::of(plan, r, &mut file_seeds);
            entries.entry(load.key.clone()).or_default().1 += 1;
            loads.insert(r.index, load);
        }
        Self {
            entries: Mutex::new(entries),
            loads,
        }
    }

    fn load_of(&self, run: &PlannedRun) -> &RunLoad {
        &self.loads[&run.index]
    }

    fn get(&self, plan: &Plan, run: &PlannedRun) -> Loaded {
        let key = &self.load_of(run).key;
        let cell = {
            let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            map.get(key).map(|(c, _)| Arc::clone(c))
        };
        let load = || {
            cirrus_scenario::load(&key.0, &key.1)
                .map(Arc::new)
                .map_err(|e| Arc::new(plan.scenario_error(run, &e)))
        };
        match cell {
            Some(cell) => cell.get_or_init(load).clone(),
            None => load(),
        }
    }

    fn release(&self, run: &PlannedRun) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let key = &self.load_of(run).key;
        if let Some((_, n)) = map.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                map.remove(key);
            }
        }
    }
}

/// Runs `plan` into `options.out_dir`: the runs of the shard that are not
/// done yet, on `options.jobs` threads, each built by `factory`; then, if the
/// folder holds every run of the sweep, writes `runs.csv`, `aggregate.csv`
/// and `timings.csv`.
///
/// Stops at the first failing run (after the runs in flight finish, so
/// nothing done is lost) and returns its error.
pub fn run(
    plan: &Plan,
    options: &RunOptions,
    factory: &dyn RunFactory,
    observer: &dyn Observer,
) -> Result<SweepReport, SweepError> {
    let out = options.out_dir.as_path();
    let manifest = store::open_dir(out, plan)?;
    let done = store::read_records(out, plan.fingerprint(), false)?;
    let in_shard: Vec<&PlannedRun> = plan
        .runs()
        .iter()
        .filter(|r| options.shard.is_none_or(|s| s.contains(r.index)))
        .collect();
    let pending: Vec<&PlannedRun> = in_shard
        .iter()
        .copied()
        .filter(|r| !done.contains_key(&r.index))
        .collect();
    let skipped = in_shard.len() - pending.len();
    observer.started(in_shard.len(), skipped);

    let run_outputs = options.run_outputs.unwrap_or(plan.spec().run_outputs);
    let jobs = if options.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.jobs
    }
    .min(pending.len().max(1));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("cirrus-sweep-{i}"))
        .build()
        .map_err(|e| pool_error(out, jobs, &e))?;

    let cache = Cache::new(plan, &pending);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<SweepError>> = Mutex::new(None);
    let new_records: Mutex<Vec<RunRecord>> = Mutex::new(Vec::new());
    pool.scope(|s| {
        for _ in 0..jobs {
            s.spawn(|_| {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = pending.get(k) else { break };
                    let outcome = execute(plan, run, &cache, factory, options, run_outputs);
                    cache.release(run);
                    match outcome {
                        Ok(record) => {
                            observer.finished(&record);
                            new_records.lock().unwrap_or_else(|p| p.into_inner()).push(record);
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                            // Report the lowest failing run: deterministic whatever the timing.
                            let lower = match (&*slot, &e) {
                                (Some(SweepError::Run { run: a, .. }), SweepError::Run { run: b, .. }) => {
                                    b < a
                                }
                                (None, _) => true,
                                _ => false,
                            };
                            if lower {
                                *slot = Some(e);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let new_records = new_records.into_inner().unwrap_or_else(|p| p.into_inner());
    let ran = new_records.len();
    let mut all = done;
    all.extend(new_records.into_iter().map(|r| (r.run, r)));
    // Other shards may have written into the same folder meanwhile.
    if all.len() < manifest.runs {
        all = store::read_records(out, plan.fingerprint(), false)?;
    }
    let complete = all.len() == manifest.runs;
    if complete {
        store::write_tables(out, &manifest, &all)?;
    }
    Ok(SweepReport {
        total: manifest.runs,
        in_shard: in_shard.len(),
        skipped,
        ran,
        complete,
    })
}

fn pool_error(dir: &Path, jobs: usize, e: &rayon::ThreadPoolBuildError) -> SweepError {
    SweepError::Results {
        path: dir.to_path_buf(),
        message: format!("cannot start {jobs} worker threads: {e}"),
    }
}

/// One run: load (shared), build, simulate, write its provenance (and
/// outputs) into `runs/NNNNNN/`, then its record.
fn execute(
    plan: &Plan,
    run: &PlannedRun,
    cache: &Cache,
    factory: &dyn RunFactory,
    options: &RunOptions,
    run_outputs: bool,
) -> Result<RunRecord, SweepError> {
    let out = options.out_dir.as_path();
    let threads_per_run = options.threads_per_run.max(1);
    let started_at = std::time::SystemTime::now();
    let scenario = cache.get(plan, run).map_err(|e| match &*e {
        // Each run names itself, even when it shares a failed load.
        SweepError::Run { origin, message, .. } => SweepError::Run {
            origin: origin.clone(),
            run: run.index,
            point: run.describe(plan),
            message: message.clone(),
        },
        other => plan.run_error(run, other.to_string()),
    })?;
    let started = Instant::now();
    let load = cache.load_of(run);
    let mut config = scenario.config.clone();
    config.seed = load.seed;
    let provenance = run_provenance(plan, run, &scenario, load, options, started_at)?;
    let ctx = RunContext { run, config };
    let sim = factory
        .simulation(&scenario, &ctx)
        .and_then(|sim| sim.with_threads(threads_per_run).map_err(BoxError::from))
        .map_err(|e| plan.run_error(run, e.to_string()))?;
    let result = sim.run().map_err(|e| plan.run_error(run, e.to_string()))?;
    let wall_s = started.elapsed().as_secs_f64();
    let run_dir = store::run_output_dir(out, run.index);
    std::fs::create_dir_all(&run_dir).map_err(|e| cirrus_output::OutputError {
        path: run_dir.clone(),
        message: e.to_string(),
    })?;
    provenance.write_resolved(&run_dir, Durability::Atomic)?;
    if run_outputs {
        let selection = cirrus_output::Selection {
            intervals: scenario.output.intervals,
            hosts: scenario.output.hosts,
            vms: scenario.output.vms,
            migrations: scenario.output.migrations,
        };
        cirrus_output::write_run(&result, &run_dir, selection)?;
    }
    provenance.write_manifest(&run_dir, started.elapsed(), Durability::Atomic)?;
    let metrics = store::summary_columns(&result.summary).map_err(|e| plan.run_error(run, e.to_string()))?;
    let record = RunRecord {
        fingerprint: plan.fingerprint().to_string(),
        run: run.index,
        point: run.point,
        replication: run.replication,
        labels: run.labels.clone(),
        metrics,
        wall_s,
    };
    store::write_record(out, &record)?;
    Ok(record)
}

/// What made `run`, as `cirrus run` records it: the scenario file and the
/// overrides it was loaded with (the sweep's `set`, the command line's, the
/// axis values, then `simulation.seed` = the run's seed), so that `cirrus run`
/// with the same file and overrides repeats the run.
fn run_provenance(
    plan: &Plan,
    run: &PlannedRun,
    scenario: &Scenario,
    load: &RunLoad,
    options: &RunOptions,
    started: std::time::SystemTime,
) -> Result<Provenance, SweepError> {
    let path = &run.scenario;
    let bytes = std::fs::read(path).map_err(|e| plan.run_error(run, format!("{}: {e}", path.display())))?;
    let overrides = &load.key.1;
    let seed = load.seed;
    let body = cirrus_scenario::resolved_toml(&String::from_utf8_lossy(&bytes), overrides)
        .map_err(|e| plan.run_error(run, format!("{}: {e}", path.display())))?;
    let resolved = format!(
        "# Run {} of sweep {} ({}): loaded and run as below; its seed {seed} is the sweep's seed\n\
         # rule applied to the scenario's simulation.seed = {}.\n\n{body}",
        run.index,
        plan.spec().name,
        run.describe(plan),
        load.file_seed
    );
    let source = ScenarioSource {
        path,
        bytes: &bytes,
        resolved: &resolved,
        overrides,
        name: &scenario.config.name,
        seed,
    };
    let settings = RunSettings {
        program: &options.program,
        threads: options.threads_per_run.max(1),
        audit: false,
        started,
    };
    Ok(Provenance::new(&source, &settings).in_sweep(SweepRun {
        name: plan.spec().name.clone(),
        fingerprint: plan.fingerprint().to_string(),
        run: run.index,
        point: run.point,
        replication: run.replication,
        labels: run.labels.clone(),
        scenario_seed: load.file_seed,
        params: run.params.iter().map(|(n, v)| format!("{n}={v}")).collect(),
    }))
}

/// Loads the scenario of every distinct (file, overrides) among the runs of
/// `shard` (all when `None`), on `jobs` threads, and drops them: finds a bad
/// value anywhere in the grid before hours are spent on the rest.
pub fn check(plan: &Plan, jobs: usize, shard: Option<Shard>) -> Result<usize, SweepError> {
    check_each(plan, jobs, shard, &|_, _| Ok(()))
}

/// As [`check`], also handing each loaded scenario variant (with the first
/// run that uses it) to `inspect`, whose error fails the check as that run's.
/// Returns the number of distinct variants.
pub fn check_each(
    plan: &Plan,
    jobs: usize,
    shard: Option<Shard>,
    inspect: &(dyn Fn(&PlannedRun, &Scenario) -> Result<(), String> + Sync),
) -> Result<usize, SweepError> {
    let mut firsts: Vec<&PlannedRun> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in plan.runs() {
        if shard.is_none_or(|s| s.contains(r.index)) && seen.insert(r.load_key()) {
            firsts.push(r);
        }
    }
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    let jobs = jobs.min(firsts.len().max(1));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| pool_error(Path::new("."), jobs, &e))?;
    use rayon::prelude::*;
    let errors: Vec<SweepError> = pool.install(|| {
        firsts
            .par_iter()
            .filter_map(|r| match cirrus_scenario::load(&r.scenario, &r.overrides) {
                Ok(s) => inspect(r, &s).err().map(|m| plan.run_error(r, m)),
                Err(e) => Some(plan.scenario_error(r, &e)),
            })
            .collect()
    });
    // The lowest run's error: the same whatever the threads.
    match errors.into_iter().min_by_key(|e| match e {
        SweepError::Run { run, .. } => *run,
        _ => 0,
    }) {
        Some(e) => Err(e),
        None => Ok(firsts.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert!(s.contains(4) && !s.contains(5));
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
