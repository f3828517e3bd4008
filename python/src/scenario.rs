//! `load` and `Scenario`: a scenario file with its overrides, loaded and validated once,
//! run as often as wanted.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::ScenarioError;

/// A loaded, validated scenario: `cirrus.load(path, set=...)`. Its traces are read once;
/// every `cirrus.run` of it builds fresh policies.
#[pyclass(module = "cirrus._cirrus", frozen)]
pub struct Scenario {
    /// The file as given.
    pub(crate) path: PathBuf,
    /// The file's bytes when it was loaded (hashed into a run's `manifest.json`).
    pub(crate) bytes: Vec<u8>,
    /// The overrides, `key=value`, in the order applied.
    pub(crate) overrides: Vec<String>,
    /// The loaded scenario.
    pub(crate) loaded: cirrus_scenario::Scenario,
}

impl Scenario {
    /// Loads `path` with `overrides`, reading the file's bytes for provenance.
    pub(crate) fn open(path: &Path, overrides: Vec<String>) -> Result<Self, String> {
        let loaded = cirrus_scenario::load(path, &overrides).map_err(|e| e.to_string())?;
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            overrides,
            loaded,
        })
    }

    /// This scenario, or with another `seed` the scenario loaded again with it (into `slot`),
    /// as `cirrus run --seed` does.
    pub(crate) fn with_seed<'a>(
        &'a self,
        seed: Option<u64>,
        slot: &'a mut Option<Self>,
    ) -> Result<&'a Self, String> {
        match seed {
            Some(seed) if seed != self.loaded.config.seed => Ok(slot.insert(self.reseeded(seed)?)),
            _ => Ok(self),
        }
    }

    /// The scenario loaded again with `simulation.seed = seed` appended to its overrides,
    /// as `cirrus run --seed` loads it (a synthetic workload depends on the seed).
    fn reseeded(&self, seed: u64) -> Result<Self, String> {
        let mut overrides = self.overrides.clone();
        overrides.push(format!("simulation.seed={}", seed_literal(seed)));
        Self::open(&self.path, overrides)
    }
}

/// A seed as an override value: TOML integers stop at 2⁶³ − 1, larger seeds are quoted.
fn seed_literal(seed: u64) -> String {
    if i64::try_from(seed).is_ok() {
        seed.to_string()
    } else {
        format!("\"{seed}\"")
    }
}

/// Loads a scenario file, applies the overrides and validates everything, as
/// `cirrus run --set` does. `set` is a dict `{"key.path": value}` (values as Python
/// numbers, strings, booleans or lists) or a list of `"key.path=value"` strings in TOML
/// syntax. The GIL is released while the traces are read. A bad file or override raises
/// `cirrus.ScenarioError` naming the file, line, column and key.
#[pyfunction]
#[pyo3(signature = (path, set = None))]
pub fn load(py: Python<'_>, path: PathBuf, set: Option<&Bound<'_, PyAny>>) -> PyResult<Scenario> {
    let overrides = match set {
        Some(set) => overrides_of(set)?,
        None => Vec::new(),
    };
    py.detach(|| Scenario::open(&path, overrides))
        .map_err(ScenarioError::new_err)
}

/// `set=` as `key=value` overrides.
pub(crate) fn overrides_of(set: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(dict) = set.cast::<PyDict>() {
        let mut out = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let key: String = key
                .extract()
                .map_err(|_| ScenarioError::new_err("set: keys are key paths, as strings"))?;
            let value = toml_of(&value).map_err(|e| ScenarioError::new_err(format!("set: {key}: {e}")))?;
            out.push(format!("{key}={value}"));
        }
        return Ok(out);
    }
    if set.is_instance_of::<PyString>() {
        return Err(ScenarioError::new_err(
            "set: a dict {\"key.path\": value} or a list of \"key.path=value\" strings is expected, found one string",
        ));
    }
    set.extract::<Vec<String>>().map_err(|_| {
        ScenarioError::new_err(
            "set: a dict {\"key.path\": value} or a list of \"key.path=value\" strings is expected",
        )
    })
}

/// A Python value as TOML: booleans, integers, floats, strings and lists of them.
fn toml_of(value: &Bound<'_, PyAny>) -> Result<toml::Value, String> {
    if value.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(value.extract().map_err(|e| format!("{e}"))?));
    }
    if value.is_instance_of::<PyInt>() {
        return value.extract::<i64>().map(toml::Value::Integer).map_err(|_| {
            format!("{value} does not fit a TOML integer (write a seed above 2⁶³ − 1 as a string)")
        });
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract().map_err(|e| format!("{e}"))?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(value.extract().map_err(|e| format!("{e}"))?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = value.extract().map_err(|e| format!("{e}"))?;
        return items
            .iter()
            .map(toml_of)
            .collect::<Result<_, _>>()
            .map(toml::Value::Array);
    }
    Err(format!(
        "{} values cannot be scenario values (booleans, numbers, strings and lists are)",
        value
            .get_type()
            .name()
            .map_or_else(|_| "these".to_string(), |n| n.to_string())
    ))
}

#[pymethods]
impl Scenario {
    /// The scenario's name (`[simulation] name`).
    #[getter]
    fn name(&self) -> &str {
        &self.loaded.config.name
    }

    /// The file it was loaded from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The overrides applied, as `key.path=value` strings.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.overrides.clone()
    }

    /// The seed of every random stream.
    #[getter]
    fn seed(&self) -> u64 {
        self.loaded.config.seed
    }

    /// Simulated time, seconds.
    #[getter]
    fn duration_s(&self) -> f64 {
        self.loaded.config.duration_s
    }

    /// Number of hosts.
    #[getter]
    fn hosts(&self) -> usize {
        self.loaded.spec.hosts.len()
    }

    /// Number of VMs.
    #[getter]
    fn vms(&self) -> usize {
        self.loaded.spec.vms.len()
    }

    /// The results folder the scenario names (`[output] dir`).
    #[getter]
    fn output_dir(&self) -> PathBuf {
        self.loaded.output.dir.clone()
    }

    fn __repr__(&self) -> String {
        let sets: String = self.overrides.iter().map(|o| format!(" --set {o}")).collect();
        format!(
            "<cirrus.Scenario {} ({}{sets}): {} hosts, {} VMs, {} s, seed {}>",
            self.loaded.config.name,
            self.path.display(),
            self.loaded.spec.hosts.len(),
            self.loaded.spec.vms.len(),
            self.loaded.config.duration_s,
            self.loaded.config.seed
        )
    }
}
