//! A sweep expanded into its runs: grid order, run indices, overrides, seeds
//! and the fingerprint that ties result folders to the sweep that made them.

use std::path::PathBuf;

use cirrus::RngStreams;
use cirrus_scenario::ScenarioError;
use toml::Value;

use crate::SweepError;
use crate::spec::{PARAM_PREFIX, PATH_KEYS, SCENARIO_KEY, SweepSpec};

/// Name of the RNG-stream purpose run seeds are derived under. Frozen: it is
/// part of every published sweep's reproducibility.
pub const SEED_STREAM: &str = "sweep-run";

/// Where a run's values came from, for error messages: the sweep-file path of
/// each value (`axes[1].values[3]`, `sweep.set[0]`) and its key.
#[derive(Debug, Clone, PartialEq)]
struct ValueSource {
    key: String,
    at: String,
}

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    /// Run index, `point × replications + replication`: its row in `runs.csv`
    /// and the name of its files (`runs/000042.json`).
    pub index: usize,
    /// Grid point index (axes in file order, the last varying fastest).
    pub point: usize,
    /// Replication within the point, from 0.
    pub replication: usize,
    /// Index of the point's value on each axis.
    pub coords: Vec<usize>,
    /// The point's label on each axis.
    pub labels: Vec<String>,
    /// The scenario file to load (resolved against the sweep's folder).
    pub scenario: PathBuf,
    /// `key=value` overrides for `cirrus_scenario::load`, path values
    /// resolved: the fixed `set` ones first, then one per axis key.
    pub overrides: Vec<String>,
    /// Values of `param.NAME` axes, by `NAME`.
    pub params: Vec<(String, Value)>,
    sources: Vec<ValueSource>,
}

impl PlannedRun {
    /// `axis = label, …` for messages.
    pub fn describe(&self, plan: &Plan) -> String {
        if self.labels.is_empty() {
            return format!("replication {}", self.replication);
        }
        let mut parts: Vec<String> = plan
            .spec()
            .axes
            .iter()
            .zip(&self.labels)
            .map(|(a, l)| format!("{} = {l}", a.name))
            .collect();
        if plan.spec().replications > 1 {
            parts.push(format!("replication {}", self.replication));
        }
        parts.join(", ")
    }

    /// What loading this run's scenario reads: runs with equal keys share one
    /// loaded scenario (traces are read once).
    pub(crate) fn load_key(&self) -> (PathBuf, Vec<String>) {
        (self.scenario.clone(), self.overrides.clone())
    }
}

/// A validated sweep and its runs, in run-index order.
#[derive(Debug, Clone)]
pub struct Plan {
    spec: SweepSpec,
    runs: Vec<PlannedRun>,
    points: usize,
    fingerprint: String,
}

impl Plan {
    /// Validates `spec`, expands the grid and computes the fingerprint (which
    /// reads the scenario files, not their traces).
    pub fn new(spec: SweepSpec) -> Result<Self, SweepError> {
        spec.validate()?;
        let points: usize = spec.axes.iter().map(|a| a.len()).product();
        let mut fp = Fnv::new();
        fp.text("cirrus-sweep plan v1");
        fp.text(&format!(
            "replications={} seed={:?} seeds={}",
            spec.replications,
            spec.seed,
            spec.seeds.as_str()
        ));
        let mut hashed_files: Vec<PathBuf> = Vec::new();
        let mut hash_file = |fp: &mut Fnv, raw: &str, at: &str| -> Result<(), SweepError> {
            let path = spec.resolve(raw);
            fp.text(&format!("file {raw}"));
            if !hashed_files.contains(&path) {
                let bytes = std::fs::read(&path)
                    .map_err(|e| spec.invalid(at, format!("cannot read scenario {}: {e}", path.display())))?;
                fp.bytes(&bytes);
                hashed_files.push(path);
            }
            Ok(())
        };
        if let Some(s) = &spec.scenario {
            hash_file(&mut fp, s, "sweep.scenario")?;
        }
        for (k, v) in &spec.set {
            fp.text(&format!("set {k}={v}"));
        }
        // Hashed only when given, so that sweeps without them keep their fingerprints.
        for (k, v) in &spec.overrides {
            fp.text(&format!("override {k}={v}"));
        }
        for (a, axis) in spec.axes.iter().enumerate() {
            fp.text(&format!("axis {} keys {}", axis.name, axis.keys.join(",")));
            for (i, row) in axis.values.iter().enumerate() {
                for (k, (key, v)) in axis.keys.iter().zip(row).enumerate() {
                    fp.text(&format!("{key}={v} label={}", axis.labels[i]));
                    if key == SCENARIO_KEY
                        && let Value::String(raw) = v
                    {
                        let at = if axis.keys.len() == 1 {
                            format!("axes[{a}].values[{i}]")
                        } else {
                            format!("axes[{a}].values[{i}][{k}]")
                        };
                        hash_file(&mut fp, raw, &at)?;
                    }
                }
            }
        }
        let fingerprint = format!("{:016x}", fp.finish());

        let reps = spec.replications;
        let mut runs = Vec::with_capacity(points * reps);
        let mut coords = vec![0usize; spec.axes.len()];
        for point in 0..points {
            // Mixed-radix decomposition, last axis fastest.
            let mut rest = point;
            for (a, axis) in spec.axes.iter().enumerate().rev() {
                coords[a] = rest % axis.len();
                rest /= axis.len();
            }
            let mut scenario = spec.scenario.clone();
            let mut overrides = Vec::new();
            let mut params = Vec::new();
            let mut sources = Vec::new();
            let mut push = |key: &str, v: &Value, at: String, overrides: &mut Vec<String>| {
                let v = match v {
                    Value::String(raw) if PATH_KEYS.contains(&key) => {
                        Value::String(spec.resolve(raw).to_string_lossy().into_owned())
                    }
                    other => other.clone(),
                };
                overrides.push(format!("{key}={v}"));
                sources.push(ValueSource {
                    key: key.to_string(),
                    at,
                });
            };
            for (j, (k, v)) in spec.set.iter().enumerate() {
                push(k, v, format!("sweep.set[{j}]"), &mut overrides);
            }
            for (k, v) in &spec.overrides {
                push(k, v, format!("--set {k}={v}"), &mut overrides);
            }
            for (a, axis) in spec.axes.iter().enumerate() {
                let i = coords[a];
                for (k, (key, v)) in axis.keys.iter().zip(&axis.values[i]).enumerate() {
                    let at = if axis.keys.len() == 1 {
                        format!("axes[{a}].values[{i}]")
                    } else {
                        format!("axes[{a}].values[{i}][{k}]")
                    };
                    if key == SCENARIO_KEY {
                        scenario = v.as_str().map(str::to_string);
                    } else if let Some(name) = key.strip_prefix(PARAM_PREFIX) {
                        params.push((name.to_string(), v.clone()));
                    } else {
                        push(key, v, at, &mut overrides);
                    }
                }
            }
            let labels: Vec<String> = spec
                .axes
                .iter()
                .zip(&coords)
                .map(|(a, &i)| a.labels[i].clone())
                .collect();
            // validate() guarantees a base scenario or a scenario axis.
            let scenario = spec.resolve(scenario.as_deref().unwrap_or_default());
            for replication in 0..reps {
                runs.push(PlannedRun {
                    index: point * reps + replication,
                    point,
                    replication,
                    coords: coords.clone(),
                    labels: labels.clone(),
                    scenario: scenario.clone(),
                    overrides: overrides.clone(),
                    params: params.clone(),
                    sources: sources.clone(),
                });
            }
        }
        Ok(Self {
            spec,
            runs,
            points,
            fingerprint,
        })
    }

    /// The sweep.
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// The first axis that sets a free parameter (`param.NAME`), which only a
    /// [`RunFactory`](crate::RunFactory) written in Rust can read: a sweep run from its file
    /// alone (`cirrus sweep`, Python's `cirrus.sweep`) refuses it.
    pub fn free_parameter_axis(&self) -> Option<&crate::Axis> {
        self.spec
            .axes
            .iter()
            .find(|a| a.keys.iter().any(|k| k.starts_with(crate::PARAM_PREFIX)))
    }

    /// Every run, in index order.
    pub fn runs(&self) -> &[PlannedRun] {
        &self.runs
    }

    /// Number of grid points.
    pub fn points(&self) -> usize {
        self.points
    }

    /// A hash (16 hex digits) of everything that determines the results: the
    /// axes, values, labels, overrides, replications, seed rule and the text
    /// of every scenario file (not the traces, which would take as long to
    /// hash as to read). A results folder belongs to one fingerprint.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The seed of `run`: from the sweep's base seed, or `scenario_seed` (the
    /// loaded scenario's `simulation.seed`) when the sweep gives none,
    /// `RngStreams::new(base).derive_seed("sweep-run", k)` with `k` the
    /// replication ([`SeedMode::Common`](crate::SeedMode::Common)) or the run
    /// index ([`SeedMode::Independent`](crate::SeedMode::Independent)).
    pub fn run_seed(&self, run: &PlannedRun, scenario_seed: u64) -> u64 {
        let base = self.spec.seed.unwrap_or(scenario_seed);
        let k = match self.spec.seeds {
            crate::SeedMode::Common => run.replication,
            crate::SeedMode::Independent => run.index,
        };
        RngStreams::new(base).derive_seed(SEED_STREAM, k as u64)
    }

    /// A scenario error of `run`, pointed at the sweep-file value that caused
    /// it when the error's key is one the sweep set.
    pub(crate) fn scenario_error(&self, run: &PlannedRun, e: &ScenarioError) -> SweepError {
        let culprit = e.key().and_then(|key| {
            run.sources
                .iter()
                .rev()
                .find(|s| crate::spec::overlaps(key, &s.key))
        });
        let origin = match culprit {
            // A command-line override names itself.
            Some(s) if s.at.starts_with("--set ") => s.at.clone(),
            Some(s) => format!("{}: {}", self.spec.origin(&s.at), s.at),
            None => self
                .spec
                .path()
                .map_or_else(|| "sweep".to_string(), |p| p.display().to_string()),
        };
        let message = e.to_string();
        // The scenario's error names a command-line override already; say it once.
        let message = match message.strip_prefix(&format!("{origin}: ")) {
            Some(rest) => rest.to_string(),
            None => message,
        };
        SweepError::Run {
            origin,
            run: run.index,
            point: run.describe(self),
            message,
        }
    }

    /// Any other failure of `run` (building or running its simulation).
    pub(crate) fn run_error(&self, run: &PlannedRun, message: String) -> SweepError {
        SweepError::Run {
            origin: self
                .spec
                .path()
                .map_or_else(|| "sweep".to_string(), |p| p.display().to_string()),
            run: run.index,
            point: run.describe(self),
            message,
        }
    }
}

/// FNV-1a, 64 bits: a stable, dependency-free hash (the fingerprint must be
/// equal on every machine of a cluster and across Rust versions, which
/// `std`'s `DefaultHasher` does not promise).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Length-delimit, so that "ab"+"c" and "a"+"bc" differ.
        for b in (bytes.len() as u64).to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Axis;

    fn base() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "a").unwrap();
        std::fs::write(dir.path().join("b.toml"), "b").unwrap();
        dir
    }

    #[test]
    fn grid_order_indices_and_overrides() {
        let dir = base();
        let mut spec = SweepSpec::new("t", "a.toml")
            .axis(Axis::new("x.y", [1, 2, 3]))
            .axis(Axis::new("workload.path", ["tr/d1", "tr/d2"]).named("day"))
            .replications(2);
        spec.base_dir = dir.path().to_path_buf();
        let plan = Plan::new(spec).unwrap();
        assert_eq!(plan.points(), 6);
        assert_eq!(plan.runs().len(), 12);
        let r = &plan.runs()[7];
        assert_eq!((r.index, r.point, r.replication), (7, 3, 1));
        assert_eq!(r.coords, [1, 1]);
        assert_eq!(r.labels, ["2", "d2"]);
        assert_eq!(r.overrides[0], "x.y=2");
        let expected = format!(
            "workload.path={}",
            Value::String(dir.path().join("tr/d2").display().to_string())
        );
        assert_eq!(r.overrides[1], expected);
        assert_eq!(r.describe(&plan), "x.y = 2, day = d2, replication 1");
        // Common random numbers: the same replication, the same seed.
        assert_eq!(
            plan.run_seed(&plan.runs()[1], 7),
            plan.run_seed(&plan.runs()[3], 7)
        );
        assert_ne!(
            plan.run_seed(&plan.runs()[0], 7),
            plan.run_seed(&plan.runs()[1], 7)
        );
        // Frozen derivation.
        assert_eq!(
            plan.run_seed(&plan.runs()[0], 7),
            RngStreams::new(7).derive_seed("sweep-run", 0)
        );
    }

    #[test]
    fn fingerprint_follows_content_not_location() {
        let dir = base();
        let make = |d: &std::path::Path, values: Vec<i64>| {
            let mut s = SweepSpec::new("t", "a.toml").axis(Axis::new("x", values));
            s.base_dir = d.to_path_buf();
            Plan::new(s).unwrap().fingerprint().to_string()
        };
        let f = make(dir.path(), vec![1, 2]);
        assert_eq!(f, make(dir.path(), vec![1, 2]));
        assert_ne!(f, make(dir.path(), vec![1, 3]));
        let other = base();
        assert_eq!(f, make(other.path(), vec![1, 2]));
        std::fs::write(other.path().join("a.toml"), "changed").unwrap();
        assert_ne!(f, make(other.path(), vec![1, 2]));
    }

    #[test]
    fn scenario_axis_and_params() {
        let dir = base();
        let mut spec = SweepSpec::new("t", "")
            .axis(Axis::new("scenario", ["a.toml", "b.toml"]).named("policy"))
            .axis(Axis::new("param.k", [0.5]));
        spec.scenario = None;
        spec.base_dir = dir.path().to_path_buf();
        let plan = Plan::new(spec).unwrap();
        assert_eq!(plan.runs()[1].scenario, dir.path().join("b.toml"));
        assert_eq!(plan.runs()[1].params, [("k".to_string(), Value::Float(0.5))]);
        assert!(plan.runs()[1].overrides.is_empty());
        let mut missing = SweepSpec::new("t", "nope.toml");
        missing.base_dir = dir.path().to_path_buf();
        assert!(
            Plan::new(missing)
                .unwrap_err()
                .to_string()
                .contains("cannot read scenario")
        );
    }
}
