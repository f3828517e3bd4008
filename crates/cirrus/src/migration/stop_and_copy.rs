//! Stop-and-copy: the non-live baseline every live scheme is measured against.

use super::PhaseOutcome;
use super::estimate::ProcessModel;
use super::process::{Ledger, Phase, PhaseEffects, PhaseKind, StopReason, transfer, wait};
use super::{MigrationModel, MigrationProcess, MigrationReport, MigrationStart, Overheads};
use super::{Prediction, PredictionInput, predict};
use crate::params::{ParamError, Params};

/// Pause the VM, copy its whole RAM, resume it at the destination (Xen's non-live save,
/// `last_iter = 1` from the start; docs/MODELS.md A.3): data = RAM, downtime = RAM / rate +
/// `resume_s`, total = `setup_s` + downtime. 512 MB at 1 Gbit/s: 4.096 s.
///
/// Parameters: `setup_s`, `resume_s`, `rate_cap_mbps` ([`Overheads`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StopAndCopy {
    /// Set-up and resume overheads, rate cap.
    pub overheads: Overheads,
}

impl ProcessModel for StopAndCopy {
    fn name(&self) -> &'static str {
        "stop-and-copy"
    }

    type Process = StopAndCopyProcess;

    fn new_process(&self, start: &MigrationStart<'_>) -> StopAndCopyProcess {
        let mut ledger = Ledger::new(start.now_s);
        ledger.report.stop = Some(StopReason::StopAndCopy);
        StopAndCopyProcess {
            ledger,
            overheads: self.overheads,
            ram_mb: start.memory.ram_mb,
            step: Step::Start,
        }
    }

    /// Exact: data = M, downtime = M/R + `resume_s`, total = `setup_s` + downtime.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        predict::stop_and_copy(&self.overheads, input)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start,
    Setup,
    Copy,
    Resume,
    Done,
}

#[derive(Debug, Clone)]
pub(crate) struct StopAndCopyProcess {
    ledger: Ledger,
    overheads: Overheads,
    ram_mb: f64,
    step: Step,
}

impl MigrationProcess for StopAndCopyProcess {
    fn next(&mut self, previous: PhaseOutcome) -> Phase {
        self.ledger.close(previous);
        let o = self.overheads;
        loop {
            let (step, phase) = match self.step {
                Step::Start => (
                    Step::Setup,
                    wait(o.setup_s, PhaseKind::Setup, PhaseEffects::at_source(1.0)),
                ),
                Step::Setup => (
                    Step::Copy,
                    transfer(
                        self.ram_mb,
                        o.rate_cap_mbps,
                        PhaseKind::StopAndCopy,
                        PhaseEffects::suspended(true),
                    ),
                ),
                // The copy is complete: the source commits, the destination activates.
                Step::Copy => (
                    Step::Resume,
                    wait(o.resume_s, PhaseKind::Resume, PhaseEffects::suspended(false)),
                ),
                Step::Resume | Step::Done => (Step::Done, Some(Phase::Done)),
            };
            self.step = step;
            if let Some(p) = phase {
                return self.ledger.open(p);
            }
        }
    }

    fn report(&self) -> MigrationReport {
        self.ledger.report
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let overheads = Overheads::from_params(&mut params)?;
    params.finish(&Overheads::KEYS)?;
    Ok(Box::new(StopAndCopy { overheads }))
}
