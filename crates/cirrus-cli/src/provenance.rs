//! What made a run, saved beside its results (`cirrus_output::Provenance`:
//! `scenario.resolved.toml`, the scenario after `--set`, and `manifest.json`,
//! with path, content hash, overrides, seed, version, commit, threads, start
//! and wall time), gathered here with this binary's commit; and the output
//! folder's check before a run, which refuses to mix a run's files with
//! another run's.

use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use cirrus_output::{FolderState, Manifest, Provenance, RunSettings, ScenarioSource};

use crate::{EXIT_BAD_INPUT, fail};

/// Creates `dir` if needed and checks it can take this run's results: it is
/// writable, holds nothing but an earlier run's results, and those only
/// with `force`. A refusal is an `error:` line and exit 2.
pub(crate) fn check_out_dir(dir: &Path, force: bool) -> Result<FolderState, ExitCode> {
    let state = cirrus_output::prepare_dir(dir).map_err(|e| fail(EXIT_BAD_INPUT, &e))?;
    match &state {
        FolderState::HoldsRun if !force => {
            let earlier = Manifest::read(dir).map_or_else(String::new, |m| {
                let sets = m
                    .overrides
                    .iter()
                    .map(|o| format!(" --set {o}"))
                    .collect::<String>();
                format!(" (scenario {}{sets}, started {})", m.scenario_path, m.started_utc)
            });
            Err(fail(
                EXIT_BAD_INPUT,
                &format!(
                    "{} already holds the results of a run{earlier}; add --force to replace them \
                     (the folder's whole content is removed), or choose another folder with --out",
                    dir.display()
                ),
            ))
        }
        FolderState::HoldsOther(name) => Err(fail(
            EXIT_BAD_INPUT,
            &format!(
                "{}: the folder is not empty (it holds `{name}`) and holds no Cirrus results; \
                 choose a new or empty folder with --out",
                dir.display()
            ),
        )),
        _ => Ok(state),
    }
}

/// The provenance of a run of the scenario file at `path` loaded with
/// `overrides` (reads the file again, for its hash and resolved form).
pub(crate) fn of_run(
    path: &Path,
    overrides: &[String],
    scenario: &cirrus_scenario::Scenario,
    threads: usize,
    audit: bool,
    started: SystemTime,
) -> Result<Provenance, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let resolved =
        cirrus_scenario::resolved_toml(&text, overrides).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = ScenarioSource {
        path,
        bytes: &bytes,
        resolved: &resolved,
        overrides,
        name: &scenario.config.name,
        seed: scenario.config.seed,
    };
    let program = cirrus_output::program();
    let settings = RunSettings {
        program: &program,
        threads,
        audit,
        started,
    };
    Ok(Provenance::new(&source, &settings))
}
