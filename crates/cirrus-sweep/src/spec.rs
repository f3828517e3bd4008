//! What a sweep is: a base scenario, fixed overrides, axes of values over
//! scenario keys, replications and a seed rule — from a sweep file
//! ([`SweepSpec::load`]) or built in code ([`SweepSpec::new`]).

use std::path::{Path, PathBuf};

use cirrus_scenario::locate::{TomlText, error_key};
use serde::Deserialize;
use toml::Value;

use crate::SweepError;

/// Axis key whose values are scenario files (relative to the sweep file):
/// each run loads its point's file instead of `[sweep] scenario`.
pub const SCENARIO_KEY: &str = "scenario";

/// Prefix of axis keys that are not scenario keys but free parameters for a
/// code-supplied [`RunFactory`](crate::RunFactory) (a custom policy's knob):
/// `param.margin` reaches the factory as [`RunContext::param`](crate::RunContext::param)`("margin")`.
pub const PARAM_PREFIX: &str = "param.";

/// Scenario keys whose values are file or folder paths. In a sweep file they
/// are relative to the sweep file (as paths inside a scenario are relative to
/// the scenario), so they are made absolute before being handed to the
/// scenario loader, which would read them relative to the working directory.
/// Keep in step with the path-valued keys of `cirrus_scenario::schema`.
pub const PATH_KEYS: &[&str] = &["workload.path", "workload.order"];

/// Column names of `runs.csv` that an axis may not take.
const RESERVED_NAMES: &[&str] = &["run", "point", "replication", "runs", "scenario", "seed"];

/// Most runs a sweep may expand to: well beyond any cluster campaign, small
/// enough that a typo (an axis of a million values) fails with a message.
pub const MAX_RUNS: usize = 10_000_000;

/// How each run's seed is derived from the base seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedMode {
    /// Replication `r` of every grid point gets the same seed,
    /// `derive_seed("sweep-run", r)`: common random numbers, so that two
    /// policies are compared on the same random workloads and their
    /// difference has less variance than either.
    #[default]
    Common,
    /// Run `i` gets `derive_seed("sweep-run", i)`: every run independent.
    Independent,
}

impl SeedMode {
    /// As written in sweep files.
    pub fn as_str(self) -> &'static str {
        match self {
            SeedMode::Common => "common",
            SeedMode::Independent => "independent",
        }
    }
}

/// One dimension of the grid: one key (or several keys zipped together)
/// taking a list of values. Axes are crossed; the keys of one axis move
/// together (e.g. `workload.path` and `workload.order` of the same day).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Column name in `runs.csv` and axis label in plots.
    pub name: String,
    /// The scenario keys (dotted paths), [`SCENARIO_KEY`], or `param.NAME`.
    pub keys: Vec<String>,
    /// `values[i][k]`: the value of `keys[k]` at the axis' `i`-th point.
    pub values: Vec<Vec<Value>>,
    /// One label per value, shown in CSVs and plots.
    pub labels: Vec<String>,
}

impl Axis {
    /// An axis over one key; its name is the key and its labels are the
    /// values as text (file names for path keys).
    pub fn new<V: Into<Value>>(key: &str, values: impl IntoIterator<Item = V>) -> Self {
        let values: Vec<Vec<Value>> = values.into_iter().map(|v| vec![v.into()]).collect();
        let keys = vec![key.to_string()];
        let labels = default_labels(&keys, &values);
        Self {
            name: key.to_string(),
            keys,
            values,
            labels,
        }
    }

    /// An axis over several keys that move together: `rows[i][k]` is the
    /// value of `keys[k]` at point `i`.
    pub fn zipped(name: &str, keys: &[&str], rows: Vec<Vec<Value>>) -> Self {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let labels = default_labels(&keys, &rows);
        Self {
            name: name.to_string(),
            keys,
            values: rows,
            labels,
        }
    }

    /// The same axis under another column name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The same axis with these labels (one per value).
    pub fn labelled<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the axis has no values (an invalid axis).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values as numbers, when the axis has one key and every value is a
    /// number: plots put such an axis on a numeric x axis.
    pub fn numeric_values(&self) -> Option<Vec<f64>> {
        if self.keys.len() != 1 {
            return None;
        }
        self.values
            .iter()
            .map(|row| match row.first() {
                Some(Value::Integer(i)) => Some(*i as f64),
                Some(Value::Float(f)) => Some(*f),
                _ => None,
            })
            .collect()
    }
}

/// A value as a label: strings bare, paths by their last component, the rest
/// as TOML.
fn label_of(key: &str, v: &Value) -> String {
    match v {
        Value::String(s) if key == SCENARIO_KEY => Path::new(s)
            .file_stem()
            .map_or_else(|| s.clone(), |n| n.to_string_lossy().into_owned()),
        Value::String(s) if PATH_KEYS.contains(&key) => Path::new(s)
            .file_name()
            .map_or_else(|| s.clone(), |n| n.to_string_lossy().into_owned()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn default_labels(keys: &[String], rows: &[Vec<Value>]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.iter()
                .zip(keys)
                .map(|(v, k)| label_of(k, v))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .collect()
}

/// Where a sweep came from, for error locations.
#[derive(Debug, Clone)]
struct Source {
    path: PathBuf,
    toml: TomlText,
}

/// A sweep: everything that determines its runs.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Name; the default output folder is `results/<name>`.
    pub name: String,
    /// Folder that relative paths (scenario files, [`PATH_KEYS`] values) are
    /// relative to: the sweep file's folder, or the working directory for a
    /// sweep built in code.
    pub base_dir: PathBuf,
    /// The base scenario file, as written (relative to `base_dir`); may be
    /// absent when an axis has the key [`SCENARIO_KEY`].
    pub scenario: Option<String>,
    /// Overrides applied to every run, before the axes: `(key, value)`.
    pub set: Vec<(String, Value)>,
    /// Overrides from the command line (`cirrus sweep --set`), applied to every
    /// run after [`set`](Self::set) (so they win over it) and before the axes,
    /// whose keys they must not touch. Part of the fingerprint: a sweep with
    /// other `--set` values is another sweep.
    pub overrides: Vec<(String, Value)>,
    /// The grid's dimensions, crossed; the first varies slowest.
    pub axes: Vec<Axis>,
    /// Runs per grid point, each with its own seed.
    pub replications: usize,
    /// Base seed of the derived run seeds; `None` takes each run's scenario
    /// `simulation.seed`.
    pub seed: Option<u64>,
    /// How run seeds are derived.
    pub seeds: SeedMode,
    /// Write each run's own result files in `runs/NNNNNN/`.
    pub run_outputs: bool,
    source: Option<Source>,
}

/// The sweep file's schema (unknown keys are errors).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSchema {
    sweep: SweepTable,
    #[serde(default)]
    axes: Vec<AxisTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepTable {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default = "one")]
    replications: i64,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    seeds: SeedMode,
    #[serde(default)]
    run_outputs: bool,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisTable {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    keys: Option<Vec<String>>,
    values: Vec<Value>,
    #[serde(default)]
    labels: Option<Vec<String>>,
}

impl SweepSpec {
    /// A sweep of `scenario` (a path relative to the working directory) with
    /// no axes, one replication and common seeds; add axes with
    /// [`axis`](Self::axis).
    pub fn new(name: &str, scenario: impl AsRef<Path>) -> Self {
        Self {
            name: name.to_string(),
            base_dir: PathBuf::new(),
            scenario: Some(scenario.as_ref().to_string_lossy().into_owned()),
            set: Vec::new(),
            overrides: Vec::new(),
            axes: Vec::new(),
            replications: 1,
            seed: None,
            seeds: SeedMode::Common,
            run_outputs: false,
            source: None,
        }
    }

    /// Adds an axis (crossed with the others).
    pub fn axis(mut self, axis: Axis) -> Self {
        self.axes.push(axis);
        self
    }

    /// Sets a scenario key for every run.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.set.push((key.to_string(), value.into()));
        self
    }

    /// With a command-line override `KEY=VALUE` (as `--set` takes it, the
    /// value TOML or a bare string; a path relative to the working directory),
    /// added to [`overrides`](Self::overrides) and checked.
    pub fn with_override(mut self, argument: &str) -> Result<Self, SweepError> {
        let bad = |message: String| SweepError::Invalid {
            origin: format!("--set {argument}"),
            key: String::new(),
            message,
        };
        let (key, raw) = argument
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. consolidation.detector.safety=1.2".into()))?;
        let key = key.trim().to_string();
        let mut value = parse_value(raw);
        if let Value::String(path) = &value
            && PATH_KEYS.contains(&key.as_str())
            && Path::new(path).is_relative()
        {
            let cwd = std::env::current_dir().map_err(|e| bad(format!("the working directory: {e}")))?;
            value = Value::String(cwd.join(path).to_string_lossy().into_owned());
        }
        self.overrides.push((key, value));
        self.validate()?;
        Ok(self)
    }

    /// Runs per grid point.
    pub fn replications(mut self, n: usize) -> Self {
        self.replications = n;
        self
    }

    /// The base seed of the run seeds.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Whether the file at `path` holds a sweep rather than a scenario: TOML
    /// with a `[sweep]` table or `[[axes]]`, which no scenario has. A file
    /// that cannot be read or parsed is not (the scenario loader reports it).
    pub fn is_sweep_file(path: &Path) -> bool {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .is_some_and(|t| t.contains_key("sweep") || t.contains_key("axes"))
    }

    /// The file the sweep was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.source.as_ref().map(|s| s.path.as_path())
    }

    /// Reads and validates a sweep file. Every error names the file, line,
    /// column and key path.
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|e| SweepError::Io {
            path: path.to_path_buf(),
            message: format!("cannot read sweep file: {e}"),
        })?;
        Self::load_str(&text, path)
    }

    /// As [`load`](Self::load), from text already read; `path` names the file
    /// in messages and anchors relative paths.
    pub fn load_str(text: &str, path: &Path) -> Result<Self, SweepError> {
        let (toml, value) = TomlText::parse(text).map_err(|e| SweepError::Invalid {
            origin: format!("{}:{}:{}", path.display(), e.line, e.column),
            key: String::new(),
            message: e.message,
        })?;
        let source = Source {
            path: path.to_path_buf(),
            toml,
        };
        let file: FileSchema = match serde_path_to_error::deserialize(Value::Table(value)) {
            Ok(f) => f,
            Err(e) => {
                let message = e.inner().message().trim().to_string();
                let key = error_key(&e.path().to_string(), &message);
                return Err(invalid_at(Some(&source), &key, message));
            }
        };
        let mut spec = Self {
            name: file.sweep.name,
            base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            scenario: file.sweep.scenario,
            set: Vec::new(),
            overrides: Vec::new(),
            axes: Vec::new(),
            replications: 0,
            seed: file.sweep.seed,
            seeds: file.sweep.seeds,
            run_outputs: file.sweep.run_outputs,
            source: Some(source),
        };
        let _ = file.sweep.description;
        if !(1..=MAX_RUNS as i64).contains(&file.sweep.replications) {
            return Err(spec.invalid(
                "sweep.replications",
                format!(
                    "expected an integer in 1..={MAX_RUNS}, found {}",
                    file.sweep.replications
                ),
            ));
        }
        spec.replications = file.sweep.replications as usize;
        for (i, arg) in file.sweep.set.iter().enumerate() {
            let at = format!("sweep.set[{i}]");
            let (key, raw) = arg
                .split_once('=')
                .ok_or_else(|| spec.invalid(&at, format!("expected KEY=VALUE, found \"{arg}\"")))?;
            spec.set.push((key.trim().to_string(), parse_value(raw)));
        }
        for (a, t) in file.axes.into_iter().enumerate() {
            let at = |field: &str| format!("axes[{a}].{field}");
            let (keys, rows) = match (t.key, t.keys) {
                (Some(k), None) => (vec![k], t.values.into_iter().map(|v| vec![v]).collect()),
                (None, Some(keys)) => {
                    let mut rows = Vec::with_capacity(t.values.len());
                    for (i, v) in t.values.into_iter().enumerate() {
                        match v {
                            Value::Array(row) if row.len() == keys.len() => rows.push(row),
                            other => {
                                return Err(spec.invalid(
                                    &format!("axes[{a}].values[{i}]"),
                                    format!(
                                        "with `keys` each value is an array of {} values, one per key; found {}",
                                        keys.len(),
                                        other
                                    ),
                                ));
                            }
                        }
                    }
                    (keys, rows)
                }
                (Some(_), Some(_)) => {
                    return Err(spec.invalid(&at("keys"), "give either `key` or `keys`, not both"));
                }
                (None, None) => {
                    return Err(spec.invalid(
                        &at("key"),
                        "missing field `key` (or `keys` for values that move together)",
                    ));
                }
            };
            if keys.len() > 1 && t.name.is_none() {
                return Err(spec.invalid(&at("name"), "an axis with several `keys` needs a `name`"));
            }
            let labels = match t.labels {
                Some(l) => {
                    if let Some((i, j)) = first_duplicate(&l) {
                        return Err(spec.invalid(
                            &format!("axes[{a}].labels[{i}]"),
                            format!(
                                "labels {j} and {i} are both \"{}\"; labels must be distinct",
                                l[i]
                            ),
                        ));
                    }
                    l
                }
                None => default_labels(&keys, &rows),
            };
            spec.axes.push(Axis {
                name: t.name.unwrap_or_else(|| keys[0].clone()),
                keys,
                values: rows,
                labels,
            });
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Checks everything that can be checked without loading scenarios: key
    /// syntax, axis shapes, unique names and labels, the size of the grid.
    pub fn validate(&self) -> Result<(), SweepError> {
        if self.name.trim().is_empty() {
            return Err(self.invalid("sweep.name", "must not be empty"));
        }
        if self.replications == 0 || self.replications > MAX_RUNS {
            return Err(self.invalid(
                "sweep.replications",
                format!(
                    "expected an integer in 1..={MAX_RUNS}, found {}",
                    self.replications
                ),
            ));
        }
        let has_scenario_axis = self.axes.iter().any(|a| a.keys.iter().any(|k| k == SCENARIO_KEY));
        if self.scenario.is_none() && !has_scenario_axis {
            return Err(self.invalid(
                "sweep.scenario",
                "missing field `scenario`: give a base scenario file, or an axis with key \"scenario\"",
            ));
        }
        let mut seen_keys: Vec<(&str, String)> = Vec::new();
        for (i, (key, value)) in self.set.iter().enumerate() {
            let at = format!("sweep.set[{i}]");
            check_key(key).map_err(|m| self.invalid(&at, m))?;
            if key == SCENARIO_KEY || key.starts_with(PARAM_PREFIX) {
                return Err(self.invalid(
                    &at,
                    format!("\"{key}\" cannot be set for every run; use [sweep] scenario or an axis"),
                ));
            }
            check_value(key, value).map_err(|m| self.invalid(&at, m))?;
            seen_keys.push((key, at));
        }
        for (key, value) in &self.overrides {
            let bad = |message: String| SweepError::Invalid {
                origin: format!("--set {key}={value}"),
                key: String::new(),
                message,
            };
            check_key(key).map_err(bad)?;
            if key == SCENARIO_KEY || key.starts_with(PARAM_PREFIX) {
                return Err(bad(format!(
                    "\"{key}\" cannot be set for every run; use [sweep] scenario or an axis"
                )));
            }
            check_value(key, value).map_err(bad)?;
            if let Some(axis) = self.axes.iter().find(|a| a.keys.iter().any(|k| overlaps(k, key))) {
                return Err(bad(format!(
                    "axis \"{}\" sweeps {}; a --set may not fix a key the grid varies",
                    axis.name,
                    axis.keys.join(", ")
                )));
            }
        }
        let mut names: Vec<&str> = Vec::new();
        let mut total: usize = self.replications;
        for (a, axis) in self.axes.iter().enumerate() {
            let at = |field: &str| format!("axes[{a}].{field}");
            if axis.name.trim().is_empty() {
                return Err(self.invalid(&at("name"), "must not be empty"));
            }
            if RESERVED_NAMES.contains(&axis.name.as_str()) {
                return Err(self.invalid(
                    &at("name"),
                    format!(
                        "\"{}\" is a column of runs.csv already; name the axis (name = \"...\")",
                        axis.name
                    ),
                ));
            }
            if names.contains(&axis.name.as_str()) {
                return Err(self.invalid(&at("name"), format!("two axes are named \"{}\"", axis.name)));
            }
            names.push(&axis.name);
            if axis.keys.is_empty() {
                return Err(self.invalid(&at("keys"), "must not be empty"));
            }
            for (k, key) in axis.keys.iter().enumerate() {
                let key_at = if axis.keys.len() == 1 && self.source.is_some() {
                    at("key")
                } else {
                    format!("axes[{a}].keys[{k}]")
                };
                check_key(key).map_err(|m| self.invalid(&key_at, m))?;
                if let Some((_, other)) = seen_keys.iter().find(|(s, _)| overlaps(s, key)) {
                    return Err(self.invalid(&key_at, format!("\"{key}\" is already set by {other}")));
                }
                seen_keys.push((key, key_at));
            }
            if axis.values.is_empty() {
                return Err(self.invalid(&at("values"), "an axis needs at least one value"));
            }
            for (i, row) in axis.values.iter().enumerate() {
                if row.len() != axis.keys.len() {
                    return Err(self.invalid(
                        &format!("axes[{a}].values[{i}]"),
                        format!(
                            "expected {} values, one per key, found {}",
                            axis.keys.len(),
                            row.len()
                        ),
                    ));
                }
                for (k, (key, v)) in axis.keys.iter().zip(row).enumerate() {
                    let value_at = if axis.keys.len() == 1 {
                        format!("axes[{a}].values[{i}]")
                    } else {
                        format!("axes[{a}].values[{i}][{k}]")
                    };
                    check_value(key, v).map_err(|m| self.invalid(&value_at, m))?;
                }
            }
            if axis.labels.len() != axis.values.len() {
                return Err(self.invalid(
                    &at("labels"),
                    format!(
                        "expected {} labels, one per value, found {}",
                        axis.values.len(),
                        axis.labels.len()
                    ),
                ));
            }
            if let Some((i, j)) = first_duplicate(&axis.labels) {
                return Err(self.invalid(
                    &format!("axes[{a}].values[{i}]"),
                    format!(
                        "points {j} and {i} of axis \"{}\" have the same label \"{}\"; give distinct values or `labels`",
                        axis.name, axis.labels[i]
                    ),
                ));
            }
            total = total.saturating_mul(axis.len());
        }
        if total > MAX_RUNS {
            return Err(self.invalid(
                "axes",
                format!("the grid has {total} runs (points x replications); at most {MAX_RUNS}"),
            ));
        }
        if self.seed.is_some() {
            // Each run's seed derives from the sweep's seed, else from the scenario's
            // simulation.seed: a sweep that sets both would silently ignore the latter.
            let setter = seen_keys
                .iter()
                .find(|(k, _)| overlaps(k, SEED_KEY))
                .map(|(_, at)| at.clone())
                .or_else(|| {
                    self.overrides
                        .iter()
                        .find(|(k, _)| overlaps(k, SEED_KEY))
                        .map(|(k, v)| format!("--set {k}={v}"))
                });
            if let Some(at) = setter {
                return Err(self.invalid(
                    "sweep.seed",
                    format!(
                        "{SEED_KEY} is also set (by {at}); each run's seed derives from one of them: \
                         drop `seed` here to derive from {SEED_KEY}, or stop setting it"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An error about the value at `key` (a path in the sweep file such as
    /// `axes[1].values[3]`), located in the file when there is one.
    pub(crate) fn invalid(&self, key: &str, message: impl Into<String>) -> SweepError {
        invalid_at(self.source.as_ref(), key, message)
    }

    /// `file:line:column` of `key`, or the sweep name for a sweep built in code.
    pub(crate) fn origin(&self, key: &str) -> String {
        origin_of(self.source.as_ref(), key)
    }

    /// A path value resolved against [`base_dir`](Self::base_dir).
    pub fn resolve(&self, raw: &str) -> PathBuf {
        let p = Path::new(raw);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

fn invalid_at(source: Option<&Source>, key: &str, message: impl Into<String>) -> SweepError {
    SweepError::Invalid {
        origin: origin_of(source, key),
        key: key.to_string(),
        message: message.into(),
    }
}

fn origin_of(source: Option<&Source>, key: &str) -> String {
    match source {
        Some(s) => {
            let (line, column) = s.toml.line_col(key);
            format!("{}:{line}:{column}", s.path.display())
        }
        None => "sweep (built in code)".to_string(),
    }
}

/// `KEY=VALUE`'s value as the scenario loader reads it: TOML when it parses,
/// else a bare string.
fn parse_value(raw: &str) -> Value {
    let raw = raw.trim();
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// The first `(i, j)` with `j < i` and `items[i] == items[j]`.
fn first_duplicate(items: &[String]) -> Option<(usize, usize)> {
    (0..items.len()).find_map(|i| items[..i].iter().position(|x| *x == items[i]).map(|j| (i, j)))
}

/// Whether setting `a` and `b` would touch the same value (one is the other
/// or contains it).
/// The scenario key a run's seed is loaded into.
pub(crate) const SEED_KEY: &str = "simulation.seed";

pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    let within =
        |x: &str, y: &str| x == y || x.starts_with(&format!("{y}.")) || x.starts_with(&format!("{y}["));
    within(a, b) || within(b, a)
}

/// A key is a dotted path of identifiers with optional `[i]` indices.
fn check_key(key: &str) -> Result<(), String> {
    let bad =
        || format!("\"{key}\" is not a key path like consolidation.detector.safety or host_types[0].cores");
    if key.is_empty() {
        return Err(bad());
    }
    for part in key.split('.') {
        let (ident, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if ident.is_empty()
            || !ident
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad());
        }
        while !rest.is_empty() {
            let Some(inner) = rest.strip_prefix('[') else {
                return Err(bad());
            };
            let Some(close) = inner.find(']') else {
                return Err(bad());
            };
            if inner[..close].parse::<usize>().is_err() {
                return Err(bad());
            }
            rest = &inner[close + 1..];
        }
    }
    if key == "param" || key == PARAM_PREFIX.trim_end_matches('.') {
        return Err(format!("\"{key}\": name the parameter, e.g. param.margin"));
    }
    Ok(())
}

fn check_value(key: &str, v: &Value) -> Result<(), String> {
    if (key == SCENARIO_KEY || PATH_KEYS.contains(&key)) && !v.is_str() {
        return Err(format!("\"{key}\" takes a path (a string), found {v}"));
    }
    if let Value::Float(f) = v
        && !f.is_finite()
    {
        return Err(format!("\"{key}\": {f} is not a usable value"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<SweepSpec, SweepError> {
        SweepSpec::load_str(text, Path::new("sweeps/s.toml"))
    }

    #[test]
    fn a_file_with_grid_and_zipped_axes() {
        let s = load(
            r#"
[sweep]
name = "s"
scenario = "../base.toml"
replications = 3
set = ["simulation.duration_s=3600"]

[[axes]]
key = "consolidation.detector.safety"
values = [1.0, 1.2]

[[axes]]
name = "day"
keys = ["workload.path", "workload.order"]
values = [["../t/a", "../t/o/a.txt"], ["../t/b", "../t/o/b.txt"]]
"#,
        )
        .unwrap();
        assert_eq!(s.replications, 3);
        assert_eq!(s.axes[0].labels, ["1.0", "1.2"]);
        assert_eq!(s.axes[0].numeric_values(), Some(vec![1.0, 1.2]));
        assert_eq!(s.axes[1].labels, ["a / a.txt", "b / b.txt"]);
        assert_eq!(s.set[0].1, Value::Integer(3600));
        assert_eq!(s.resolve("../base.toml"), Path::new("sweeps/../base.toml"));
    }

    #[test]
    fn a_sweep_seed_and_a_simulation_seed_axis_are_refused_together() {
        let axis = "\n[[axes]]\nkey = \"simulation.seed\"\nvalues = [1, 2]\n";
        let e = load(&format!(
            "[sweep]\nname = \"s\"\nscenario = \"b.toml\"\nseed = 3\n{axis}"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("sweeps/s.toml:4:1: sweep.seed:"), "{e}");
        assert!(e.contains("also set (by axes[0].key)"), "{e}");
        // Either alone is fine.
        load(&format!("[sweep]\nname = \"s\"\nscenario = \"b.toml\"\n{axis}")).unwrap();
        let e = load(
            "[sweep]\nname = \"s\"\nscenario = \"b.toml\"\nseed = 3\nset = [\"simulation={ seed = 4 }\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("also set (by sweep.set[0])"), "{e}");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = load(
            "[sweep]\nname = \"s\"\nscenario = \"b.toml\"\n\n[[axes]]\nkey = \"a.b\"\nvalues = [1, 2, 1]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("sweeps/s.toml:7:17: axes[0].values[2]:"), "{e}");
        assert!(e.contains("same label \"1\""), "{e}");
        let e = load("[sweep]\nname = \"s\"\nscenario = \"b.toml\"\nreplication = 2\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("sweeps/s.toml:4:1: sweep.replication: unknown field"),
            "{e}"
        );
        let e = load("[sweep]\nname = \"s\"\n").unwrap_err().to_string();
        assert!(e.contains("sweep.scenario: missing field `scenario`"), "{e}");
        let e = load("[sweep]\nname = \"s\"\nscenario = \"b\"\n[[axes]]\nkey = \"a..b\"\nvalues = [1]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("sweeps/s.toml:5:1: axes[0].key: \"a..b\" is not a key path"),
            "{e}"
        );
        let e = load("[sweep]\nname = \"s\"\nscenario = \"b\"\n[[axes]]\nname = \"d\"\nkeys = [\"a\", \"b\"]\nvalues = [[1, 2], [3]]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("sweeps/s.toml:7:19: axes[0].values[1]: with `keys`"),
            "{e}"
        );
        let e = load("[sweep]\nname = \"s\"\nscenario = \"b\"\nreplications = 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("sweeps/s.toml:4:1: sweep.replications: expected an integer"),
            "{e}"
        );
        let e = load("[sweep\n").unwrap_err().to_string();
        assert!(e.starts_with("sweeps/s.toml:1:"), "{e}");
        let e = load("[sweep]\nname = \"s\"\nscenario = \"b\"\nset = [\"a.b=1\"]\n[[axes]]\nkey = \"a\"\nvalues = [1]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("axes[0].key: \"a\" is already set by sweep.set[0]"),
            "{e}"
        );
        let e = load(
            "[sweep]\nname = \"s\"\nscenario = \"b\"\n[[axes]]\nkey = \"workload.path\"\nvalues = [1]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("takes a path"), "{e}");
    }

    #[test]
    fn code_built_axes() {
        let a = Axis::new("scenario", ["../x/lr-mmt.toml", "thr-mu.toml"]).named("policy");
        assert_eq!(a.labels, ["lr-mmt", "thr-mu"]);
        assert_eq!(a.numeric_values(), None);
        let s = SweepSpec::new("t", "base.toml").axis(Axis::new("param.k", [1, 2]));
        s.validate().unwrap();
        let bad = SweepSpec::new("t", "base.toml").axis(Axis::new("seed", [1, 2]));
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("column of runs.csv")
        );
    }
}
