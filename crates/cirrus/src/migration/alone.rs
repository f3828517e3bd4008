//! One migration alone on a link of constant bandwidth: the calculator behind `cirrus
//! migrate` and the closed-form tests. It drives the very process the simulator drives,
//! answering each transfer with `data / min(bandwidth, cap)`.

use serde::Serialize;

use super::process::{MigrationProcess, MigrationReport, Phase, PhaseEffects, PhaseKind, PhaseOutcome};
use super::{MigrationModel, MigrationStart, VmMemory, mb_per_s, positive};
use crate::params::ParamError;

/// One phase of a migration run alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhaseRecord {
    /// What it was.
    pub kind: PhaseKind,
    /// When it started, seconds from the migration's start.
    pub start_s: f64,
    /// How long it took, seconds.
    pub duration_s: f64,
    /// Data it moved, MB.
    pub data_mb: f64,
    /// The rate it moved it at, Mbit/s (`None` for a wait).
    pub rate_mbps: Option<f64>,
    /// Its effects.
    pub effects: PhaseEffects,
}

/// Runs `model` on `memory` alone over a link of `bandwidth_mbps`, starting at time 0, the VM
/// getting `cpu_fraction` of its full CPU whenever it runs (times each phase's `cpu_factor`;
/// it matters only for CPU-proportional dirtying and post-copy faults).
///
/// # Errors
/// `bandwidth_mbps` not > 0 (key `bandwidth_mbps`), `cpu_fraction` outside [0, 1] (key
/// `cpu_fraction`), or a bad memory description ([`VmMemory::validate`]).
pub fn simulate_alone(
    model: &dyn MigrationModel,
    memory: &VmMemory,
    bandwidth_mbps: f64,
    cpu_fraction: f64,
) -> Result<MigrationReport, ParamError> {
    run(model, memory, bandwidth_mbps, cpu_fraction, |_| {})
}

/// [`simulate_alone`], also returning every phase in order.
///
/// # Errors
/// As [`simulate_alone`].
pub fn trace_alone(
    model: &dyn MigrationModel,
    memory: &VmMemory,
    bandwidth_mbps: f64,
    cpu_fraction: f64,
) -> Result<(MigrationReport, Vec<PhaseRecord>), ParamError> {
    let mut phases = Vec::new();
    let report = run(model, memory, bandwidth_mbps, cpu_fraction, |p| phases.push(p))?;
    Ok((report, phases))
}

fn run(
    model: &dyn MigrationModel,
    memory: &VmMemory,
    bandwidth_mbps: f64,
    cpu_fraction: f64,
    on_phase: impl FnMut(PhaseRecord),
) -> Result<MigrationReport, ParamError> {
    validate(memory, bandwidth_mbps, cpu_fraction)?;
    let mut process = model.start(&MigrationStart::new(memory, bandwidth_mbps, 0.0));
    Ok(drive(&mut *process, bandwidth_mbps, cpu_fraction, on_phase))
}

/// The checks of [`simulate_alone`].
pub(super) fn validate(memory: &VmMemory, bandwidth_mbps: f64, cpu_fraction: f64) -> Result<(), ParamError> {
    positive("bandwidth_mbps", bandwidth_mbps)?;
    if !(0.0..=1.0).contains(&cpu_fraction) {
        return Err(ParamError::new(
            "cpu_fraction",
            format!("must be in [0, 1], found {cpu_fraction}"),
        ));
    }
    memory.validate()
}

/// Runs `process` (started at time 0) to its end alone on the link, as [`simulate_alone`]
/// describes; the arguments are valid ([`validate`]).
pub(super) fn drive<P: MigrationProcess + ?Sized>(
    process: &mut P,
    bandwidth_mbps: f64,
    cpu_fraction: f64,
    mut on_phase: impl FnMut(PhaseRecord),
) -> MigrationReport {
    let mut outcome = PhaseOutcome::START;
    let mut t_s = 0.0;
    loop {
        let (duration_s, data_mb, rate_mbps, kind, effects) = match process.next(outcome) {
            Phase::Done => break,
            Phase::Wait {
                duration_s,
                kind,
                effects,
            } => (duration_s, 0.0, None, kind, effects),
            Phase::Transfer {
                data_mb,
                rate_cap_mbps,
                kind,
                effects,
            } => {
                let rate = rate_cap_mbps.map_or(bandwidth_mbps, |c| c.min(bandwidth_mbps));
                (data_mb / mb_per_s(rate), data_mb, Some(rate), kind, effects)
            }
        };
        on_phase(PhaseRecord {
            kind,
            start_s: t_s,
            duration_s,
            data_mb,
            rate_mbps,
            effects,
        });
        t_s += duration_s;
        outcome = PhaseOutcome::new(duration_s, cpu_fraction * effects.cpu_factor);
    }
    process.report()
}
