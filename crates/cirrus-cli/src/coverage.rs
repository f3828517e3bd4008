//! Traces shorter than the run, as the command line reports them: warnings on stderr, or
//! with `--strict` an error (exit 2). Finding them is `cirrus-scenario`'s
//! ([`Scenario::short_traces`](cirrus_scenario::Scenario::short_traces)).

use std::process::ExitCode;

use cirrus_scenario::Scenario;

use crate::EXIT_BAD_INPUT;

/// Short traces listed one per line; the rest are counted.
const LISTED: usize = 5;

/// Reports `scenario`'s short traces: warnings, or with `strict` an error whose exit code is
/// returned.
pub(crate) fn check(scenario: &Scenario, strict: bool) -> Result<(), ExitCode> {
    let short = &scenario.short_traces;
    if short.is_empty() {
        return Ok(());
    }
    let what = if strict { "error" } else { "warning" };
    let then = if strict {
        " (--strict)"
    } else {
        "; each holds its last value to the end (--strict makes this an error)"
    };
    eprintln!(
        "{what}: {} of {} traces are shorter than the run ({} s){then}:",
        short.len(),
        scenario.spec.traces.len(),
        scenario.config.duration_s
    );
    for s in short.iter().take(LISTED) {
        eprintln!("  {s}");
    }
    if short.len() > LISTED {
        eprintln!("  … and {} more", short.len() - LISTED);
    }
    if strict {
        Err(ExitCode::from(EXIT_BAD_INPUT))
    } else {
        Ok(())
    }
}

/// The summary line, if any trace is short: "traces        3 of 5 shorter than the run".
pub(crate) fn summary_line(scenario: &Scenario) -> Option<String> {
    let n = scenario.short_traces.len();
    (n > 0).then(|| {
        format!(
            "traces        {n} of {} shorter than the run (last value held)",
            scenario.spec.traces.len()
        )
    })
}
