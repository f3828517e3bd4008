//! `cirrus sweep`, `cirrus merge`, `cirrus plot`: wiring of `cirrus-sweep`
//! and `cirrus-plot`, plus the progress bar.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use cirrus_sweep::{Observer, Plan, RunOptions, RunRecord, ScenarioFactory, Shard, SweepError, SweepSpec};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{EXIT_BAD_INPUT, EXIT_FAILURE, fail};

/// Arguments of `cirrus sweep`.
pub(crate) struct SweepArgs {
    pub file: PathBuf,
    pub out: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
    pub run_outputs: bool,
    pub check: bool,
    pub threads_per_run: usize,
    pub set: Vec<String>,
}

fn sweep_fail(e: &SweepError) -> ExitCode {
    fail(
        if e.is_bad_input() {
            EXIT_BAD_INPUT
        } else {
            EXIT_FAILURE
        },
        e,
    )
}

/// A progress bar on stderr, drawn only when both stdout and stderr are
/// terminals: a batch job's log (Slurm, CI, `> log`) gets no control
/// characters, only the closing summary line.
struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn new() -> Self {
        let bar = if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos}/{len} runs  {elapsed_precise} elapsed, ETA {eta_precise}  {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self { bar }
    }
}

impl Observer for Progress {
    fn started(&self, total: usize, done: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar.reset_eta();
    }

    fn finished(&self, record: &RunRecord) {
        self.bar
            .set_message(format!("run {} in {:.2} s", record.run, record.wall_s));
        self.bar.inc(1);
    }
}

pub(crate) fn sweep(args: SweepArgs) -> ExitCode {
    let started = Instant::now();
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    if args.jobs == Some(0) {
        return fail(EXIT_BAD_INPUT, &"--jobs 0: give at least one worker thread");
    }
    let plan = match plan(&args.file, &args.set) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let jobs = args.jobs.unwrap_or(0);
    if args.check {
        return match cirrus_sweep::check(&plan, jobs, shard) {
            Ok(n) => {
                out!(
                    "{}: ok ({} runs, {} grid points, {} distinct scenario variants loaded)",
                    args.file.display(),
                    plan.runs().len(),
                    plan.points(),
                    n
                );
                ExitCode::SUCCESS
            }
            Err(e) => sweep_fail(&e),
        };
    }
    let out = args
        .out
        .unwrap_or_else(|| Path::new("results").join(&plan.spec().name));
    let mut options = RunOptions::new(&out)
        .jobs(jobs)
        .threads_per_run(args.threads_per_run);
    options.shard = shard;
    if args.run_outputs {
        options.run_outputs = Some(true);
    }
    let progress = Progress::new();
    let report = cirrus_sweep::run(&plan, &options, &ScenarioFactory, &progress);
    progress.bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => return sweep_fail(&e),
    };
    let slice = shard.map_or_else(String::new, |s| format!(" (shard {}/{})", s.index, s.count));
    out!(
        "sweep {}{slice}: {} runs, {} done before, {} run now, in {:.1} s",
        plan.spec().name,
        report.in_shard,
        report.skipped,
        report.ran,
        started.elapsed().as_secs_f64()
    );
    if report.complete {
        out!(
            "results       {} (runs.csv, aggregate.csv, timings.csv)",
            out.display()
        );
    } else {
        out!(
            "results       {} holds {} of the sweep's {} runs; combine the shards' folders with `cirrus merge DIR... --out DIR`",
            out.display(),
            report.in_shard.min(report.total),
            report.total
        );
    }
    ExitCode::SUCCESS
}

/// The sweep file at `file` with the command line's `--set` values, expanded;
/// refused (exit 2) with `param.` axes, which only code can read.
fn plan(file: &Path, set: &[String]) -> Result<Plan, ExitCode> {
    let spec = SweepSpec::load(file)
        .and_then(|spec| set.iter().try_fold(spec, |spec, arg| spec.with_override(arg)))
        .and_then(Plan::new)
        .map_err(|e| sweep_fail(&e))?;
    // Free parameters only mean something to a RunFactory written in Rust.
    if let Some(axis) = spec.free_parameter_axis() {
        let message = format!(
            "{}: axis \"{}\" sets {}, a free parameter for code that builds the runs \
             (cirrus_sweep::RunFactory, see examples/custom_detector_sweep.rs); `cirrus sweep` has none",
            file.display(),
            axis.name,
            axis.keys.join(", ")
        );
        return Err(fail(EXIT_BAD_INPUT, &message));
    }
    Ok(spec)
}

/// `cirrus validate SWEEP`: the sweep file (with `--set`), then every distinct
/// scenario variant of its grid loaded (traces read) and checked: the first
/// bad value is reported at its place in the sweep file, with the run and
/// point. Short traces are counted (with `strict`, an error naming the run).
pub(crate) fn validate(file: &Path, set: &[String], strict: bool) -> ExitCode {
    let plan = match plan(file, set) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let short = std::sync::Mutex::new(Vec::new());
    let inspect = |run: &cirrus_sweep::PlannedRun, s: &cirrus_scenario::Scenario| {
        if s.short_traces.is_empty() {
            return Ok(());
        }
        let line = format!(
            "run {} ({}): {} of {} traces are shorter than the run ({} s), e.g. {}",
            run.index,
            run.describe(&plan),
            s.short_traces.len(),
            s.spec.traces.len(),
            s.config.duration_s,
            s.short_traces[0]
        );
        if strict {
            return Err(format!("{line} (--strict)"));
        }
        short
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((run.index, line));
        Ok(())
    };
    match cirrus_sweep::check_each(&plan, 0, None, &inspect) {
        Ok(variants) => {
            let mut short = short.into_inner().unwrap_or_else(|p| p.into_inner());
            short.sort();
            for (_, line) in &short {
                eprintln!(
                    "warning: {line}; each holds its last value to the end (--strict makes this an error)"
                );
            }
            out!(
                "{}: ok (sweep {}: {} runs, {} grid points, {} distinct scenario variants loaded and checked)",
                file.display(),
                plan.spec().name,
                plan.runs().len(),
                plan.points(),
                variants
            );
            ExitCode::SUCCESS
        }
        Err(e) => sweep_fail(&e),
    }
}

pub(crate) fn merge(dirs: &[PathBuf], out: &Path) -> ExitCode {
    match cirrus_sweep::merge(dirs, out) {
        Ok(r) => {
            out!(
                "merged {} folders: {} runs ({} duplicates dropped) -> {} (runs.csv, aggregate.csv, timings.csv)",
                dirs.len(),
                r.runs,
                r.duplicates,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => sweep_fail(&e),
    }
}
