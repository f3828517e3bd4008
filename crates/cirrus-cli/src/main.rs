//! `cirrus`: run, validate and list Cirrus scenarios; run, merge and plot
//! sweeps. A thin layer: parsing is `cirrus-scenario`'s, simulating is
//! `cirrus`'s, writing is `cirrus-output`'s, sweeping is `cirrus-sweep`'s and
//! drawing is `cirrus-plot`'s.

/// `println!` on stdout that ends the process quietly when the reader has
/// gone (`cirrus run --json | head -1`): exit 141, as a shell reports a
/// process killed by SIGPIPE, instead of a panic. Any other write error is
/// reported and exits 1.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::stdout_failed(&e);
        }
    }};
}

mod break_even;
mod coverage;
mod migrate;
mod plot;
mod provenance;
mod reliability;
mod report;
mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

/// Exit code for bad input (scenario, traces, arguments).
pub(crate) const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a failure while running or writing results.
pub(crate) const EXIT_FAILURE: u8 = 1;

#[derive(Debug, Parser)]
#[command(name = "cirrus", version, about = "Discrete-event cloud datacenter simulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its results.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (default: the scenario's `output.dir`, else `results/<name>`).
        /// A folder holding an earlier run's results is not touched without --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the results already in the output folder: its whole content
        /// is removed (stale plots included) before this run's files are written.
        #[arg(long)]
        force: bool,
        /// Seed of every RNG stream (overrides simulation.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario value: --set key.path=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print the summary as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Check the model's invariants after every event (capacity per
        /// host, each VM on one host or in one migration, energy monotone,
        /// time forward, failed hosts empty); a violation fails the run
        /// and writes no results.
        #[arg(long)]
        audit: bool,
        /// Flush every result file to disk before reporting it written
        /// (fsync; by default files are replaced atomically but left to the
        /// operating system to flush).
        #[arg(long)]
        durable: bool,
        /// Threads for the per-host work of each step (default 1: on a 2-core
        /// machine a second thread measured no faster). Changes no result: the
        /// output files are identical for any number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Treat warnings about the input as errors (exit 2): a trace
        /// shorter than the run.
        #[arg(long)]
        strict: bool,
    },
    /// Check a scenario (and read its traces) without running it; or a sweep
    /// file (one with a [sweep] table): the sweep and every distinct scenario
    /// variant of its grid.
    Validate {
        /// The scenario or sweep file (TOML).
        scenario: PathBuf,
        /// Override a scenario value: --set key.path=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Treat warnings about the input as errors (exit 2): a trace
        /// shorter than the run.
        #[arg(long)]
        strict: bool,
    },
    /// List power models, placement policies and workload formats, and the
    /// break-even idle times of the SPECpower models (or, given a scenario,
    /// of its host types).
    List {
        /// A scenario whose host types' break-even idle times to print.
        scenario: Option<PathBuf>,
        /// Override a scenario value: --set key.path=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// One live migration's outcome alone on a link, from the simulator's
    /// model code: total time, downtime, data sent, rounds, stop reason.
    Migrate(migrate::MigrateArgs),
    /// Run a parameter sweep (a grid of scenario variants x replications) in
    /// parallel; rerunning an interrupted sweep finishes only what is missing.
    Sweep {
        /// The sweep file (TOML; see docs/SWEEPS.md).
        sweep: PathBuf,
        /// Results folder (default: results/<sweep name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// Run only slice I of N of the grid (0 <= I < N), e.g. for a Slurm
        /// array: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Also write each run's own result files in DIR/runs/NNNNNN/.
        #[arg(long)]
        run_outputs: bool,
        /// Only load every distinct scenario variant of the grid (finding bad
        /// values before any run), then exit.
        #[arg(long)]
        check: bool,
        /// Threads inside each run, for the per-host work of its steps
        /// (default 1: the sweep's workers are the parallelism). Changes no
        /// result.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        threads_per_run: u16,
        /// Override a scenario value in every run: --set key.path=value
        /// (repeatable; after the sweep's own `set`, which it overrides; not a
        /// key an axis varies). Part of the sweep's fingerprint: resuming into
        /// a folder run with other --set values is refused.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Combine the results folders of a sweep's shards into one, with the
    /// runs.csv and aggregate.csv an unsharded sweep writes.
    Merge {
        /// Results folders of the shards.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged folder (may be one of the inputs).
        #[arg(long)]
        out: PathBuf,
    },
    /// Plot a run folder (power, hosts, SLA, migrations by reason) or a sweep
    /// folder (metric vs parameter with 95 % CIs, energy vs SLAV with the
    /// Pareto front; a panel per value of every other axis).
    Plot(plot::PlotArgs),
    /// The reliability model of a scenario with [failures], without
    /// simulating: per-VM reliability and availability with and without
    /// migration, host availability, VMs lost, k-out-of-n datacenter.
    Reliability(reliability::ReliabilityArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            out,
            force,
            seed,
            mut set,
            json,
            audit,
            durable,
            threads,
            strict,
        } => {
            if let Some(seed) = seed {
                set.push(format!("simulation.seed={seed}"));
            }
            run(
                &scenario,
                &RunOptions {
                    out,
                    force,
                    set,
                    json,
                    audit,
                    durable,
                    threads: threads.map_or(1, usize::from),
                    strict,
                },
            )
        }
        Command::Validate {
            scenario,
            set,
            strict,
        } if cirrus_sweep::SweepSpec::is_sweep_file(&scenario) => sweep::validate(&scenario, &set, strict),
        Command::Validate {
            scenario,
            set,
            strict,
        } => match cirrus_scenario::load(&scenario, &set) {
            Ok(s) => {
                if let Err(code) = coverage::check(&s, strict) {
                    return code;
                }
                out!(
                    "{}: ok ({} hosts, {} VMs, {} traces)",
                    scenario.display(),
                    s.spec.hosts.len(),
                    s.spec.vms.len(),
                    s.spec.traces.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(EXIT_BAD_INPUT, &e),
        },
        Command::List { scenario, set } => {
            let loaded = match &scenario {
                None => None,
                Some(path) => match cirrus_scenario::load(path, &set) {
                    Ok(s) => Some(s),
                    Err(e) => return fail(EXIT_BAD_INPUT, &e),
                },
            };
            list();
            break_even::print(loaded.as_ref().map(|s| &s.spec.host_types[..]));
            ExitCode::SUCCESS
        }
        Command::Sweep {
            sweep,
            out,
            jobs,
            shard,
            run_outputs,
            check,
            threads_per_run,
            set,
        } => sweep::sweep(sweep::SweepArgs {
            file: sweep,
            out,
            jobs,
            shard,
            run_outputs,
            check,
            threads_per_run: usize::from(threads_per_run),
            set,
        }),
        Command::Merge { dirs, out } => sweep::merge(&dirs, &out),
        Command::Migrate(args) => migrate::migrate(args),
        Command::Plot(args) => plot::plot(args),
        Command::Reliability(args) => reliability::reliability(args),
    }
}

/// Exit status after the reader of stdout went away (128 + SIGPIPE, what a
/// shell reports for a process the signal ended).
const EXIT_BROKEN_PIPE: i32 = 141;

/// Ends the process after a failed write to stdout: quietly with
/// [`EXIT_BROKEN_PIPE`] if the reader has gone, else with a message and
/// [`EXIT_FAILURE`].
pub(crate) fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_BROKEN_PIPE);
    }
    eprintln!("error: writing to standard output: {e}");
    std::process::exit(i32::from(EXIT_FAILURE));
}

/// Prints `error: …` and returns `code`.
pub(crate) fn fail(code: u8, e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(code)
}

/// How `cirrus run` was asked to run.
struct RunOptions {
    out: Option<PathBuf>,
    force: bool,
    set: Vec<String>,
    json: bool,
    audit: bool,
    durable: bool,
    threads: usize,
    strict: bool,
}

fn run(path: &std::path::Path, opts: &RunOptions) -> ExitCode {
    let RunOptions {
        out,
        force,
        set,
        json,
        audit,
        durable,
        threads,
        strict,
    } = opts;
    let (json, audit) = (*json, *audit);
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    // A given folder is checked before the traces are read; the scenario's own
    // folder as soon as it is known; both before simulating.
    let mut folder = None;
    if let Some(dir) = out {
        match provenance::check_out_dir(dir, *force) {
            Ok(state) => folder = Some(state),
            Err(code) => return code,
        }
    }
    let scenario = match cirrus_scenario::load(path, set) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    if let Err(code) = coverage::check(&scenario, *strict) {
        return code;
    }
    let short_traces = coverage::summary_line(&scenario);
    let trace_report = scenario.trace_report.clone();
    let out_dir = out.clone().unwrap_or_else(|| scenario.output.dir.clone());
    let folder = match folder {
        Some(state) => state,
        None => match provenance::check_out_dir(&out_dir, *force) {
            Ok(state) => state,
            Err(code) => return code,
        },
    };
    let provenance = match provenance::of_run(path, set, &scenario, *threads, audit, started_at) {
        Ok(p) => p,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let selection = cirrus_output::Selection {
        intervals: scenario.output.intervals,
        hosts: scenario.output.hosts,
        vms: scenario.output.vms,
        migrations: scenario.output.migrations,
    };
    let loaded = started.elapsed();
    let has_racks = scenario.spec.hosts.iter().any(|h| h.rack.is_some());
    let duration_s = scenario.config.duration_s;
    let sim = match scenario.into_simulation().and_then(|s| s.with_threads(*threads)) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let sim_started = Instant::now();
    let mut auditor = audit.then(cirrus::audit::Auditor::new);
    let mut violation = None;
    let mut progress = report::Progress::on_terminal(duration_s);
    let result = sim.run_observed(|o| {
        if let Some(a) = auditor.as_mut()
            && violation.is_none()
            && let Err(e) = a.check(o)
        {
            violation = Some(e);
        }
        if let Some(p) = progress.as_mut() {
            p.tick(o.time_s);
        }
    });
    if let Some(p) = progress.as_mut() {
        p.clear();
    }
    let result = match result {
        Ok(r) => r,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    if let Some(e) = violation {
        return fail(EXIT_FAILURE, &format!("audit: {e} (no results written)"));
    }
    if let Some(a) = &auditor {
        eprintln!("{}", report::audit_line(a));
    }
    let sim_wall = sim_started.elapsed();
    let write_started = Instant::now();
    let durability = if *durable {
        cirrus_output::Durability::Synced
    } else {
        cirrus_output::Durability::Atomic
    };
    let written = cirrus_output::write_run_folder(
        &cirrus_output::RunFolder {
            dir: &out_dir,
            state: &folder,
            provenance: &provenance,
            result: &result,
            selection,
            trace_report: trace_report.as_ref(),
            durability,
        },
        started,
    );
    if let Err(e) = written {
        return fail(EXIT_FAILURE, &e);
    }
    let write_wall = write_started.elapsed();
    let s = &result.summary;
    if json {
        match serde_json::to_string_pretty(s) {
            Ok(text) => out!("{text}"),
            Err(e) => return fail(EXIT_FAILURE, &e),
        }
        return ExitCode::SUCCESS;
    }
    report::print_text(
        &result,
        &report::Context {
            described: &provenance.describe(),
            racks: has_racks,
            wall: started.elapsed(),
            load: loaded,
            simulate: sim_wall,
            write: write_wall,
            short_traces,
            trace_report: trace_report.as_ref().map(|r| r as &dyn std::fmt::Display),
            out_dir: &out_dir,
        },
    );
    ExitCode::SUCCESS
}

fn list() {
    out!("Power models (host_types[].power.model):");
    for e in cirrus::registry::power_models() {
        out!("  {:<22} {}", e.name, e.summary);
    }
    out!("\nPlacement policies (placement.policy, [consolidation.placement] name):");
    for e in cirrus::registry::placement_policies() {
        out!("  {:<22} {}", e.name, e.summary);
    }
    out!("\nOverload detectors ([consolidation.detector] name):");
    for e in cirrus::registry::overload_detectors() {
        out!("  {:<22} {}", e.name, e.summary);
    }
    out!("\nVM selection policies ([consolidation.selection] name):");
    for e in cirrus::registry::vm_selections() {
        out!("  {:<22} {}", e.name, e.summary);
    }
    out!("\nMigration models ([consolidation.migration] name):");
    for e in cirrus::registry::migration_models() {
        out!("  {:<22} {}", e.name, e.summary);
    }
    out!("\nWorkload formats (workload.format):");
    for f in cirrus_scenario::WORKLOAD_FORMATS {
        out!("  {:<22} {}", f.name, f.summary);
    }
    out!("\nSynthetic distributions (workload.distribution.kind):");
    for e in cirrus::registry::synthetic_distributions() {
        out!("  {:<22} {}", e.name, e.summary);
    }
}
