//! Policies written in Python, called from Rust: a placement policy (`select_host`) and an
//! overload detector (`is_overloaded`), for prototyping. Each call takes the GIL and builds
//! numpy views of the state, so it costs microseconds where a Rust policy costs nanoseconds:
//! the Rust traits (`cirrus::placement::PlacementPolicy`,
//! `cirrus::consolidation::overload::OverloadDetector`) are the fast path.
//!
//! A Python exception, or an answer that breaks the trait's rules (a host that cannot take
//! the VM), is kept and raised by `cirrus.run` once the simulation is over; meanwhile the
//! policy answers "no host" / "not overloaded".

use std::sync::{Arc, Mutex};

use cirrus::consolidation::overload::{HostLoad, OverloadDetector};
use cirrus::datacenter::{Datacenter, HostId, VmId};
use cirrus::placement::{PlacementContext, PlacementPolicy};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::view::{HOST_FEATURES, VM_FEATURES, bytes_of, candidate_mask, host_features, vm_features};

/// The first error a Python policy raised during a run.
#[derive(Debug, Default, Clone)]
pub struct FirstError(Arc<Mutex<Option<PyErr>>>);

impl FirstError {
    fn keep(&self, e: PyErr) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    /// The error, if any was kept.
    pub fn take(&self) -> Option<PyErr> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A float array as a read-only numpy view of bytes.
fn numpy<'py>(py: Python<'py>, bytes: &[u8], dtype: &str, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let np = py.import("numpy")?;
    np.call_method1("frombuffer", (PyBytes::new(py, bytes), dtype))?
        .call_method1("reshape", (shape.to_vec(),))
}

/// A Python object with `select_host(hosts, vm, vms, mask) -> int | None` as a placement
/// policy: `hosts` (H, 8) and `vms` (V, 5) float32 features (`cirrus.gym`'s), `vm` the VM
/// to place, `mask` (H,) bool the hosts that can take it. Online: VMs come in the given order.
#[derive(Debug)]
pub struct PyPlacement {
    object: Py<PyAny>,
    errors: FirstError,
}

impl PyPlacement {
    /// Wraps `object`; errors go to `errors`.
    pub fn new(object: Py<PyAny>, errors: FirstError) -> Self {
        Self { object, errors }
    }

    fn ask(&self, py: Python<'_>, dc: &Datacenter, v: VmId, mask: &[u8]) -> PyResult<Option<HostId>> {
        let hosts = numpy(
            py,
            &bytes_of(&host_features(dc)),
            "<f4",
            &[dc.host_count(), HOST_FEATURES],
        )?;
        let vms = numpy(
            py,
            &bytes_of(&vm_features(dc)),
            "<f4",
            &[dc.vm_count(), VM_FEATURES],
        )?;
        let allowed = numpy(py, mask, "?", &[mask.len()])?;
        let answer = self
            .object
            .call_method1(py, "select_host", (hosts, v.index(), vms, allowed))?;
        if answer.is_none(py) {
            return Ok(None);
        }
        let h: usize = answer.extract(py)?;
        if mask.get(h) != Some(&1) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "select_host returned host {h} for VM {}, which cannot take it (mask False or out of range)",
                v.index()
            )));
        }
        Ok(Some(HostId(h as u32)))
    }
}

impl PlacementPolicy for PyPlacement {
    fn name(&self) -> &'static str {
        "python"
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mask = candidate_mask(dc, ctx, v);
        Python::attach(|py| self.ask(py, dc, v, &mask)).unwrap_or_else(|e| {
            self.errors.keep(e);
            None
        })
    }
}

/// A Python object with `is_overloaded(utilization, history, max_migration_time_s,
/// scheduling_interval_s) -> bool` as an overload detector: `history` the host's utilisation
/// history, newest first (float64, fractions of capacity; CloudSim's).
#[derive(Debug)]
pub struct PyDetector {
    object: Py<PyAny>,
    errors: FirstError,
}

impl PyDetector {
    /// Wraps `object`; errors go to `errors`.
    pub fn new(object: Py<PyAny>, errors: FirstError) -> Self {
        Self { object, errors }
    }
}

impl OverloadDetector for PyDetector {
    fn name(&self) -> &'static str {
        "python"
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        Python::attach(|py| -> PyResult<bool> {
            let bytes: Vec<u8> = load.history.iter().flat_map(|x| x.to_le_bytes()).collect();
            let history = numpy(py, &bytes, "<f8", &[load.history.len()])?;
            self.object
                .call_method1(
                    py,
                    "is_overloaded",
                    (
                        load.utilization,
                        history,
                        load.max_migration_time_s,
                        load.scheduling_interval_s,
                    ),
                )?
                .extract(py)
        })
        .unwrap_or_else(|e| {
            self.errors.keep(e);
            false
        })
    }
}
