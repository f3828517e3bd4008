//! What made a run, saved beside its results: `scenario.resolved.toml` (the
//! scenario after its overrides) and `manifest.json` (see [`Manifest`]).
//! Written the same way by `cirrus run` and by every run of a sweep.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::{Durability, Manifest, OutputError, SweepRun, write_atomic_with};

/// The program that made a run, as recorded in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Its version, e.g. `CARGO_PKG_VERSION`.
    pub version: String,
    /// The git commit it was built from, or `unknown`.
    pub commit: String,
}

/// The program as built: the workspace's version and the git commit this crate was built
/// from (`build.rs`; `unknown` outside a git checkout). What the `cirrus` binary and the
/// Python module record.
pub fn program() -> Program {
    Program {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: env!("CIRRUS_GIT_COMMIT").to_string(),
    }
}

impl Default for Program {
    /// This library's version (the workspace's) and an unknown commit: what a
    /// library user's program knows without a build script.
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: "unknown".to_string(),
        }
    }
}

/// The scenario a run loaded: its file, the overrides applied to it and what
/// they resolved to.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioSource<'a> {
    /// The scenario file as given (command line, or resolved by a sweep).
    pub path: &'a Path,
    /// The file's bytes, hashed into the manifest.
    pub bytes: &'a [u8],
    /// The scenario after the overrides, as TOML (`cirrus_scenario::resolved_toml`).
    pub resolved: &'a str,
    /// The `key=value` overrides in the order applied.
    pub overrides: &'a [String],
    /// The scenario's name after the overrides.
    pub name: &'a str,
    /// The seed of every random stream, after the overrides.
    pub seed: u64,
}

/// How a run was run, beside what it loaded.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings<'a> {
    /// The program.
    pub program: &'a Program,
    /// Threads for the per-host work of each step.
    pub threads: usize,
    /// Whether the invariant auditor checked every event.
    pub audit: bool,
    /// When the run started.
    pub started: SystemTime,
}

/// The provenance of one run, gathered before it starts, written beside its
/// results: [`write_resolved`](Self::write_resolved) first,
/// [`write_manifest`](Self::write_manifest) after the results (its wall time
/// covers the writing).
#[derive(Debug, Clone)]
pub struct Provenance {
    manifest: Manifest,
    resolved: String,
}

impl Provenance {
    /// The provenance of a run of `source` with `settings`.
    pub fn new(source: &ScenarioSource<'_>, settings: &RunSettings<'_>) -> Self {
        let sha256 = crate::sha256_hex(source.bytes);
        let path = source.path;
        let mut resolved = format!("# The scenario as run: {} (sha256 {sha256})", path.display());
        if source.overrides.is_empty() {
            resolved.push_str(", no overrides.\n");
        } else {
            resolved.push_str(" with\n");
            for o in source.overrides {
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
        resolved.push_str(source.resolved);
        let manifest = Manifest {
            scenario: source.name.to_string(),
            scenario_path: path.display().to_string(),
            working_dir,
            scenario_sha256: sha256,
            overrides: source.overrides.to_vec(),
            seed: source.seed,
            cirrus_version: settings.program.version.clone(),
            cirrus_commit: settings.program.commit.clone(),
            threads: settings.threads,
            audit: settings.audit,
            started_utc: crate::utc_timestamp(settings.started),
            wall_s: 0.0,
            sweep: None,
        };
        Self { manifest, resolved }
    }

    /// As a run of a sweep.
    pub fn in_sweep(mut self, sweep: SweepRun) -> Self {
        self.manifest.sweep = Some(sweep);
        self
    }

    /// The manifest as it stands (wall time 0 until written).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The scenario path and overrides, for a terminal: `x.toml --set a=1`.
    pub fn describe(&self) -> String {
        let m = &self.manifest;
        let sets: String = m.overrides.iter().map(|o| format!(" --set {o}")).collect();
        format!("{}{sets}", m.scenario_path)
    }

    /// Writes `scenario.resolved.toml` into `dir` (which must exist).
    pub fn write_resolved(&self, dir: &Path, durability: Durability) -> Result<(), OutputError> {
        write_atomic_with(
            &dir.join("scenario.resolved.toml"),
            self.resolved.as_bytes(),
            durability,
        )
    }

    /// Writes `manifest.json` into `dir`, with the run's wall time.
    pub fn write_manifest(
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
        write_atomic_with(&path, &json, durability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_and_resolved_scenario_written_with_their_origin() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = vec!["simulation.seed=7".to_string()];
        let source = ScenarioSource {
            path: Path::new("scenarios/x.toml"),
            bytes: b"abc",
            resolved: "[simulation]\nseed = 7\n",
            overrides: &overrides,
            name: "x",
            seed: 7,
        };
        let program = Program {
            version: "9.9.9".into(),
            commit: "c0ffee".into(),
        };
        let settings = RunSettings {
            program: &program,
            threads: 2,
            audit: true,
            started: SystemTime::UNIX_EPOCH,
        };
        let sweep = SweepRun {
            name: "s".into(),
            fingerprint: "0123".into(),
            run: 4,
            point: 2,
            replication: 0,
            labels: vec!["a".into()],
            scenario_seed: 1,
            params: Vec::new(),
        };
        let p = Provenance::new(&source, &settings).in_sweep(sweep.clone());
        assert_eq!(p.describe(), "scenarios/x.toml --set simulation.seed=7");
        p.write_resolved(dir.path(), Durability::Atomic).unwrap();
        p.write_manifest(dir.path(), Duration::from_millis(1500), Durability::Atomic)
            .unwrap();
        let resolved = std::fs::read_to_string(dir.path().join("scenario.resolved.toml")).unwrap();
        assert!(resolved.starts_with(
            "# The scenario as run: scenarios/x.toml (sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad) with\n#   --set simulation.seed=7\n"
        ));
        assert!(resolved.ends_with("[simulation]\nseed = 7\n"));
        let m = Manifest::read(dir.path()).unwrap();
        assert_eq!((m.seed, m.threads, m.audit, m.wall_s), (7, 2, true, 1.5));
        assert_eq!(
            (m.cirrus_version.as_str(), m.cirrus_commit.as_str()),
            ("9.9.9", "c0ffee")
        );
        assert_eq!(m.started_utc, "1970-01-01T00:00:00Z");
        assert_eq!(m.sweep, Some(sweep));
    }

    #[test]
    fn a_single_run_manifest_has_no_sweep_field() {
        let dir = tempfile::tempdir().unwrap();
        let source = ScenarioSource {
            path: Path::new("x.toml"),
            bytes: b"",
            resolved: "",
            overrides: &[],
            name: "x",
            seed: 1,
        };
        let program = Program::default();
        let settings = RunSettings {
            program: &program,
            threads: 1,
            audit: false,
            started: SystemTime::UNIX_EPOCH,
        };
        let p = Provenance::new(&source, &settings);
        p.write_manifest(dir.path(), Duration::ZERO, Durability::Atomic)
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        assert!(!text.contains("sweep"), "{text}");
        assert_eq!(Manifest::read(dir.path()).unwrap().sweep, None);
    }
}
