//! # Cirrus from Python
//!
//! The `cirrus._cirrus` extension module behind the `cirrus` Python package
//! (`python/cirrus/`): scenarios loaded with their overrides, runs with the GIL
//! released, results as Arrow tables exported through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`, so pyarrow, polars and pandas take them without a copy), sweeps,
//! and a run's folder written exactly as `cirrus run` writes it. Built with maturin
//! (`python/pyproject.toml`); one abi3 wheel serves CPython 3.9 and later.
//!
//! Each concept is one file: [`scenario`] (`load`, `Scenario`), [`run`] (`run`, `Result`),
//! [`table`] (`Table`: record batches and their export), [`sweep`] (`sweep`, `SweepResult`).

use pyo3::prelude::*;

pub mod gym;
pub mod policies;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod table;
pub mod view;

pyo3::create_exception!(
    _cirrus,
    ScenarioError,
    pyo3::exceptions::PyValueError,
    "A scenario or sweep file that cannot be loaded: the message names the file, line, column and key."
);
pyo3::create_exception!(
    _cirrus,
    SimulationError,
    pyo3::exceptions::PyRuntimeError,
    "A run that could not be built or simulated."
);
pyo3::create_exception!(
    _cirrus,
    OutputError,
    pyo3::exceptions::PyOSError,
    "A results folder that cannot be written (or holds another run and `force` is false)."
);

/// The extension module.
#[pymodule]
fn _cirrus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("SimulationError", py.get_type::<SimulationError>())?;
    m.add("OutputError", py.get_type::<OutputError>())?;
    m.add_class::<scenario::Scenario>()?;
    m.add_class::<run::RunResult>()?;
    m.add_class::<table::Table>()?;
    m.add_class::<sweep::SweepResult>()?;
    m.add_function(wrap_pyfunction!(scenario::load, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::merge, m)?)?;
    m.add_class::<gym::Session>()?;
    m.add_function(wrap_pyfunction!(gym::step_many, m)?)?;
    Ok(())
}
