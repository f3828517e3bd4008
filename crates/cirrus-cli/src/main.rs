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

mod coverage;
mod migrate;
mod provenance;
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
    /// Check a scenario (and read its traces) without running it.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario value: --set key.path=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Treat warnings about the input as errors (exit 2): a trace
        /// shorter than the run.
        #[arg(long)]
        strict: bool,
    },
    /// List power models, placement policies and workload formats.
    List,
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
    /// Plot a run folder (power, hosts, SLA, migrations) or a sweep folder
    /// (metric vs parameter with 95 % CIs, energy vs SLAV with the Pareto front).
    Plot {
        /// A run's results folder (with summary.json) or a sweep's (with sweep.json).
        dir: PathBuf,
        /// Where the plots go (default: DIR/plots).
        #[arg(long)]
        out: Option<PathBuf>,
        /// png, svg or both.
        #[arg(long, default_value = "both")]
        format: String,
        /// Sweep plots: the axis on the x axis (default: the first numeric
        /// axis, else the last one).
        #[arg(long)]
        x: Option<String>,
        /// Sweep plots: the axis whose values are the series, e.g. the policy
        /// (default: the first other axis). Remaining axes are pooled.
        #[arg(long)]
        series: Option<String>,
        /// Sweep plots: a metric (column of runs.csv) to plot against x
        /// (repeatable; default energy_kwh, slav, slatah, pdm, migrations).
        #[arg(long = "metric")]
        metrics: Vec<String>,
    },
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
        Command::List => {
            list();
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
        } => sweep::sweep(sweep::SweepArgs {
            file: sweep,
            out,
            jobs,
            shard,
            run_outputs,
            check,
            threads_per_run: usize::from(threads_per_run),
        }),
        Command::Merge { dirs, out } => sweep::merge(&dirs, &out),
        Command::Migrate(args) => migrate::migrate(args),
        Command::Plot {
            dir,
            out,
            format,
            x,
            series,
            metrics,
        } => sweep::plot(&dir, out, &format, x, series, metrics),
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
    let provenance = match provenance::Provenance::new(path, set, &scenario, *threads, audit, started_at) {
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
    let sim = match scenario.into_simulation().and_then(|s| s.with_threads(*threads)) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let sim_started = Instant::now();
    let mut auditor = audit.then(cirrus::audit::Auditor::new);
    let mut violation = None;
    let result = sim.run_observed(|o| {
        if let Some(a) = auditor.as_mut()
            && violation.is_none()
            && let Err(e) = a.check(o)
        {
            violation = Some(e);
        }
    });
    let result = match result {
        Ok(r) => r,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    if let Some(e) = violation {
        return fail(EXIT_FAILURE, &format!("audit: {e} (no results written)"));
    }
    let sim_wall = sim_started.elapsed();
    let write_started = Instant::now();
    let durability = if *durable {
        cirrus_output::Durability::Synced
    } else {
        cirrus_output::Durability::Atomic
    };
    if folder == cirrus_output::FolderState::HoldsRun
        && let Err(e) = cirrus_output::clear_run(&out_dir)
    {
        return fail(EXIT_FAILURE, &e);
    }
    if let Err(e) = provenance.write_resolved(&out_dir, durability) {
        return fail(EXIT_FAILURE, &e);
    }
    if let Err(e) = cirrus_output::write_run_with(&result, &out_dir, selection, durability) {
        return fail(EXIT_FAILURE, &e);
    }
    if let Some(report) = &trace_report
        && let Err(e) = cirrus_output::write_trace_report(report, &out_dir, durability)
    {
        return fail(EXIT_FAILURE, &e);
    }
    // Last, so that its wall time covers the writing.
    if let Err(e) = provenance.write_manifest(&out_dir, started.elapsed(), durability) {
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
    let sim_s = sim_wall.as_secs_f64().max(1e-9);
    out!("scenario      {} ({})", s.run.scenario, provenance.describe());
    out!(
        "hosts / VMs   {} / {} ({} placed, {} retired at zero demand)",
        s.run.hosts,
        s.run.vms,
        s.run.vms_placed,
        s.run.vms_finished
    );
    out!(
        "simulated     {:.1} s in {} steps (last at {:.1} s)",
        s.run.simulated_s,
        s.run.steps,
        s.run.last_step_s
    );
    if s.energy.total_energy_kwh > s.energy.energy_kwh {
        out!(
            "energy        {:.2} kWh servers, {:.2} network, {:.2} cooling, {:.2} migrations: {:.2} kWh in total",
            s.energy.energy_kwh,
            s.energy.network_energy_kwh,
            s.energy.cooling_energy_kwh,
            s.energy.migration_energy_kwh,
            s.energy.total_energy_kwh
        );
    } else {
        out!("energy        {:.2} kWh", s.energy.energy_kwh);
    }
    out!(
        "active hosts  mean {:.1}, min {}, max {}   {}",
        s.activity.active_hosts_mean,
        s.activity.active_hosts_min,
        s.activity.active_hosts_max,
        sparkline(
            &result
                .intervals
                .iter()
                .map(|r| r.active_hosts as f64)
                .collect::<Vec<_>>(),
            48
        )
    );
    out!("host shutdowns {}", s.sla.host_shutdowns);
    out!(
        "placement     {} hosts in {} racks at t = 0 (lower bound {}, gap {:.1} %), inter-rack traffic {:.0} Mbit/s, \
         {} anti-collocation / {} capacity violations",
        s.placement.placement_hosts,
        s.placement.placement_racks,
        s.placement.placement_lower_bound_hosts,
        s.placement.placement_gap * 100.0,
        s.placement.placement_inter_rack_traffic_mbps,
        s.placement.placement_anti_collocation_violations,
        s.placement.placement_constraint_violations
    );
    if s.migration_counts.migrations > 0 || s.consolidation.consolidation_rounds > 0 {
        out!(
            "migrations    {} ({} overload, {} underload, {} scripted, {} evacuations), mean {:.2} s, \
             downtime mean {:.3} s p99 {:.3} s, {:.0} MB sent",
            s.migration_counts.migrations,
            s.migration_counts.migrations_overload,
            s.migration_counts.migrations_underload,
            s.migration_costs.migrations_scripted,
            s.migration_costs.migrations_evacuation,
            s.migration_costs.migration_time_mean_s,
            s.migration_costs.migration_downtime_mean_s,
            s.migration_costs.migration_downtime_p99_s,
            s.migration_costs.migration_data_mb
        );
    }
    if s.failures.host_failures > 0 {
        out!(
            "failures      {} hosts failed ({} crashes): MTBF {:.1} h, MTTR {:.1} h, hosts up {:.3} %; \
             {} VMs lost, {} restarted, {} evacuated, {} migrations aborted",
            s.failures.host_failures,
            s.failures.host_crashes,
            s.failures.host_mtbf_s / 3600.0,
            s.failures.host_mttr_s / 3600.0,
            s.failures.host_availability * 100.0,
            s.failures.vm_losses,
            s.failures.vm_restarts,
            s.failures.vms_evacuated,
            s.failures.migrations_aborted
        );
    }
    if s.availability.vm_downtime_s > 0.0 {
        out!(
            "availability  VMs mean {:.5} %, min {:.5} %, {} below {:.3} %; downtime {:.1} s \
             (migration {:.1}, restart {:.1}, waiting for room {:.1})",
            s.availability.vm_availability_mean * 100.0,
            s.availability.vm_availability_min * 100.0,
            s.availability.availability_violations,
            s.availability.availability_target * 100.0,
            s.availability.vm_downtime_s,
            s.availability.vm_downtime_migration_s,
            s.availability.vm_downtime_restart_s,
            s.availability.vm_downtime_crash_s
        );
    }
    out!(
        "SLA           SLAV {:.5} %  SLATAH {:.2} %  PDM {:.2} %  ESV {:.5}",
        s.degradation.slav * 100.0,
        s.sla.slatah * 100.0,
        s.degradation.pdm * 100.0,
        s.degradation.esv
    );
    out!(
        "              overall violation {:.2} %  average violation {:.2} %",
        s.sla.overall_sla_violation * 100.0,
        s.sla.average_sla_violation * 100.0
    );
    out!(
        "wall time     {:.3} s (load {:.3} s, simulate {:.3} s, write {:.3} s)",
        started.elapsed().as_secs_f64(),
        loaded.as_secs_f64(),
        sim_wall.as_secs_f64(),
        write_wall.as_secs_f64(),
    );
    out!(
        "throughput    {} events ({:.0}/s), {} VM-steps ({:.2} M/s)",
        s.run.events,
        s.run.events as f64 / sim_s,
        s.run.vm_steps,
        s.run.vm_steps as f64 / sim_s / 1e6
    );
    if let Some(line) = short_traces {
        out!("{line}");
    }
    if let Some(report) = &trace_report {
        out!("trace         {report} (trace_report.json)");
    }
    out!(
        "results       {} (summary.json, manifest.json, scenario.resolved.toml, tables)",
        out_dir.display()
    );
    ExitCode::SUCCESS
}

/// A one-line chart of `values`, resampled to at most `width` columns.
fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let cols = width.min(values.len());
    (0..cols)
        .map(|c| {
            let lo = c * values.len() / cols;
            let hi = ((c + 1) * values.len() / cols).max(lo + 1);
            let v = values[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
            let level = if max > min {
                ((v - min) / (max - min) * 7.0).round() as usize
            } else {
                0
            };
            BARS[level.min(7)]
        })
        .collect()
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
