//! What made a run, saved beside its results: `scenario.resolved.toml` (the
//! scenario after `--set`) and `manifest.json` (path, content hash,
//! overrides, seed, version, commit, threads, start and wall time); and the
//! output folder's check before a run, which refuses to mix a run's files
//! with another run's.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use cirrus_output::{Durability, FolderState, Manifest, OutputError};

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

/// The provenance of one run, gathered before it starts.
pub(crate) struct Provenance {
    manifest: Manifest,
    resolved: String,
}

impl Provenance {
    /// Reads the scenario file again (for its hash and resolved form).
    pub(crate) fn new(
        path: &Path,
        overrides: &[String],
        scenario: &cirrus_scenario::Scenario,
        threads: usize,
        audit: bool,
        started: SystemTime,
    ) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let sha256 = cirrus_output::sha256_hex(&bytes);
        let body = cirrus_scenario::resolved_toml(&text, overrides)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut resolved = format!("# The scenario as run: {} (sha256 {sha256})", path.display());
        if overrides.is_empty() {
            resolved.push_str(", no overrides.\n");
        } else {
            resolved.push_str(" with\n");
            for o in overrides {
                resolved.push_str(&format!("#   --set {o}\n"));
            }
        }
        let working_dir =
            std::env::current_dir().map_or_else(|_| "unknown".to_string(), |d| d.display().to_string());
        let file_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".to_string(), |p| p.display().to_string());
        resolved.push_str(&format!(
            "# Relative paths from the file are relative to its folder, {file_dir}; those given with --set, to the\n\
             # folder the run started in, {working_dir}. The file's comments and key order are not kept.\n\n"
        ));
        resolved.push_str(&body);
        let manifest = Manifest {
            scenario: scenario.config.name.clone(),
            scenario_path: path.display().to_string(),
            working_dir,
            scenario_sha256: sha256,
            overrides: overrides.to_vec(),
            seed: scenario.config.seed,
            cirrus_version: env!("CARGO_PKG_VERSION").to_string(),
            cirrus_commit: env!("CIRRUS_GIT_COMMIT").to_string(),
            threads,
            audit,
            started_utc: cirrus_output::utc_timestamp(started),
            wall_s: 0.0,
        };
        Ok(Self { manifest, resolved })
    }

    /// The scenario path and overrides, for the terminal summary.
    pub(crate) fn describe(&self) -> String {
        let m = &self.manifest;
        let sets: String = m.overrides.iter().map(|o| format!(" --set {o}")).collect();
        format!("{}{sets}", m.scenario_path)
    }

    /// Writes `scenario.resolved.toml` into `dir`.
    pub(crate) fn write_resolved(&self, dir: &Path, durability: Durability) -> Result<(), OutputError> {
        cirrus_output::write_atomic_with(
            &dir.join("scenario.resolved.toml"),
            self.resolved.as_bytes(),
            durability,
        )
    }

    /// Writes `manifest.json` into `dir`, with the run's wall time.
    pub(crate) fn write_manifest(
        &self,
        dir: &Path,
        wall: Duration,
        durability: Durability,
    ) -> Result<(), OutputError> {
        let manifest = Manifest {
            wall_s: wall.as_secs_f64(),
            ..self.manifest.clone()
        };
        let path = dir.join("manifest.json");
        let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| OutputError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        cirrus_output::write_atomic_with(&path, &json, durability)
    }
}
