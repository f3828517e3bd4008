//! Post-copy (Hines & Gopalan, VEE 2009; Hines, Deshpande & Gopalan, SIGOPS OSR 2009;
//! docs/MODELS.md A.2), and the post-copy tail the hybrid model shares.
//!
//! The VM is paused only to send its CPU and device state, resumes at the destination, and
//! its pages follow: actively pushed by the source, and pulled on demand when the VM touches
//! one not there yet (a network fault, stalling the faulting vCPU for a round trip plus one
//! page's transfer). Every page crosses the network exactly once, so the data sent is the RAM
//! plus the state, whatever the dirty rate; downtime does not depend on the RAM.

use super::estimate::ProcessModel;
use super::memory::VmMemory;
use super::pre_copy::Rounds;
use super::process::{Closed, Ledger, Phase, PhaseEffects, PhaseKind, StopReason, transfer, wait};
use super::{MigrationModel, MigrationProcess, MigrationReport, MigrationStart, Overheads};
use super::{PhaseOutcome, Prediction, PredictionInput, mb_per_s, non_negative, predict};
use crate::params::{ParamError, Params, check_fraction};

/// Network faults of post-copy: how many, and what each costs.
///
/// Faults are the working-set pages the VM touches before the push reaches them, a design
/// default built on docs/MODELS.md A.2.1: `fault_fraction` × the data the VM writes during the
/// push, capped by its writable working set and by what is pushed. Each stalls the VM for `rtt_s` + one page at
/// the push's rate; no more faults than fit the push's duration. An idle VM faults never.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultModel {
    /// Fraction of the touched working set that faults (`fault_fraction`): 0.21 with adaptive
    /// pre-paging (Hines & Gopalan: faults "within 21 % of the VM's working set"), 1 without
    /// (a linear push reaches a frequently written page after the VM has touched it).
    pub fault_fraction: f64,
    /// Network round trip per fault, seconds (`rtt_s`).
    pub rtt_s: f64,
}

/// Hines & Gopalan's abstract: pre-paging cuts network faults "to within 21 % of the VM's
/// working set" (docs/MODELS.md A.2).
const PREPAGING_FAULT_FRACTION: f64 = 0.21;
/// Without pre-paging every touched working-set page faults (design default, docs/MODELS.md A.2.1).
const DEMAND_FAULT_FRACTION: f64 = 1.0;
/// A Gigabit LAN round trip, 0.2 ms (design default): Hines & Gopalan's testbed was a Gigabit LAN.
const LAN_RTT_S: f64 = 0.0002;
/// CPU registers, device state and non-pageable kernel memory: "small, ~MBs" (docs/MODELS.md
/// A.2.1) — 1 MB (design default).
const DEFAULT_STATE_MB: f64 = 1.0;

impl FaultModel {
    /// With Hines & Gopalan's adaptive pre-paging.
    pub const PREPAGING: Self = Self {
        fault_fraction: PREPAGING_FAULT_FRACTION,
        rtt_s: LAN_RTT_S,
    };

    /// Demand paging and a linear push only.
    pub const DEMAND_ONLY: Self = Self {
        fault_fraction: DEMAND_FAULT_FRACTION,
        rtt_s: LAN_RTT_S,
    };

    /// Faults and total stall for a push of `push_mb` lasting `duration_s` from `t_s` at
    /// `rate_mb_per_s`, the VM getting `cpu_fraction` of its CPU.
    pub(crate) fn faults(
        &self,
        memory: &VmMemory,
        push_mb: f64,
        t_s: f64,
        duration_s: f64,
        cpu_fraction: f64,
        rate_mb_per_s: f64,
    ) -> (u64, f64) {
        let page_mb = memory.page_mb();
        let touched_mb = memory
            .dirty
            .written_mb(t_s, duration_s, cpu_fraction)
            .min(memory.dirty_cap_mb())
            .min(push_mb);
        let wanted = (self.fault_fraction * touched_mb / page_mb).floor();
        let per_fault_s = self.rtt_s + page_mb / rate_mb_per_s;
        let fit = if per_fault_s > 0.0 {
            (duration_s / per_fault_s).floor()
        } else {
            wanted
        };
        let n = wanted.min(fit).max(0.0);
        (n as u64, n * per_fault_s)
    }

    fn validate(&self) -> Result<(), ParamError> {
        check_fraction("fault_fraction", self.fault_fraction)?;
        non_negative("rtt_s", self.rtt_s)?;
        Ok(())
    }

    /// Reads `prepaging`, `fault_fraction` and `rtt_s`.
    fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        let prepaging = params.bool("prepaging")?.unwrap_or(true);
        let base = if prepaging {
            Self::PREPAGING
        } else {
            Self::DEMAND_ONLY
        };
        let f = Self {
            fault_fraction: params.number("fault_fraction")?.unwrap_or(base.fault_fraction),
            rtt_s: params.number("rtt_s")?.unwrap_or(base.rtt_s),
        };
        f.validate()?;
        Ok(f)
    }
}

/// Post-copy (registered as `post-copy`): set-up, pause and send `state_mb`, resume at the
/// destination, push all the RAM while the VM runs there. Downtime = state / rate +
/// `resume_s`; data = RAM + state exactly; the VM's CPU during the push is cut by fault
/// stalls (the [`PhaseEffects::cpu_factor`] of the push, estimated from the rate measured
/// sending the state; the report has the faults that the actual push duration allows).
///
/// | parameter | meaning | default |
/// |---|---|---|
/// | `setup_s`, `resume_s`, `rate_cap_mbps` | [`Overheads`] | 0, 0, none |
/// | `state_mb` | CPU/device state and non-pageable memory sent while paused, MB | 1 |
/// | `prepaging` | adaptive pre-paging (sets `fault_fraction`'s default) | true |
/// | `fault_fraction` | [`FaultModel::fault_fraction`] | 0.21 (pre-paging), 1 |
/// | `rtt_s` | round trip per fault, s | 0.0002 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostCopy {
    /// Set-up and resume overheads, rate cap.
    pub overheads: Overheads,
    /// State sent while the VM is paused, MB.
    pub state_mb: f64,
    /// Network faults.
    pub faults: FaultModel,
}

impl Default for PostCopy {
    fn default() -> Self {
        Self {
            overheads: Overheads::default(),
            state_mb: DEFAULT_STATE_MB,
            faults: FaultModel::PREPAGING,
        }
    }
}

impl PostCopy {
    /// The parameter keys [`PostCopy::from_params`] reads.
    pub(crate) const KEYS: [&'static str; 7] = [
        "setup_s",
        "resume_s",
        "rate_cap_mbps",
        "state_mb",
        "prepaging",
        "fault_fraction",
        "rtt_s",
    ];

    pub(crate) fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        let overheads = Overheads::from_params(params)?;
        let state_mb = non_negative("state_mb", params.number("state_mb")?.unwrap_or(DEFAULT_STATE_MB))?;
        let faults = FaultModel::from_params(params)?;
        Ok(Self {
            overheads,
            state_mb,
            faults,
        })
    }

    /// The process; with `rounds`, the hybrid's live pre-copy rounds come first.
    pub(crate) fn process(
        &self,
        start: &MigrationStart<'_>,
        rounds: Option<(Rounds, u32)>,
    ) -> PostCopyProcess {
        let mut ledger = Ledger::new(start.now_s);
        if rounds.is_none() {
            ledger.report.stop = Some(StopReason::PostCopyDone);
        }
        PostCopyProcess {
            ledger,
            model: *self,
            memory: start.memory.clone(),
            rounds,
            push_mb: start.memory.ram_mb,
            rate_estimate_mb_per_s: mb_per_s(start.path_bw_mbps()),
            running_cpu: 1.0,
            step: Step::Start,
        }
    }
}

impl ProcessModel for PostCopy {
    fn name(&self) -> &'static str {
        "post-copy"
    }

    type Process = PostCopyProcess;

    fn new_process(&self, start: &MigrationStart<'_>) -> PostCopyProcess {
        self.process(start, None)
    }

    /// Downtime = state/R + `resume_s`, total = `setup_s` + downtime + M/R, data = M + state:
    /// exact whatever the dirtying (faults stall the VM, not the push).
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        predict::post_copy(&self.overheads, self.state_mb, input)
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let model = PostCopy::from_params(&mut params)?;
    params.finish(&PostCopy::KEYS)?;
    Ok(Box::new(model))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start,
    Setup,
    Round,
    State,
    Resume,
    Push,
    Done,
}

/// A post-copy (or hybrid) migration in progress.
#[derive(Debug, Clone)]
pub(crate) struct PostCopyProcess {
    ledger: Ledger,
    model: PostCopy,
    memory: VmMemory,
    /// Hybrid: the live rounds and how many to run.
    rounds: Option<(Rounds, u32)>,
    /// What the push sends, MB: the RAM, or (hybrid) what the last round left dirty.
    push_mb: f64,
    /// The last transfer's measured rate (at first the slower link's), MB/s.
    rate_estimate_mb_per_s: f64,
    /// CPU fraction the VM got when it last ran.
    running_cpu: f64,
    step: Step,
}

impl PostCopyProcess {
    fn push(&self) -> Option<Phase> {
        let cap = self.model.overheads.rate_cap_mbps;
        let rate = cap.map_or(self.rate_estimate_mb_per_s, |c| {
            mb_per_s(c).min(self.rate_estimate_mb_per_s)
        });
        let estimate_s = self.push_mb / rate;
        let (_, stall_s) = self.model.faults.faults(
            &self.memory,
            self.push_mb,
            self.ledger.now_s(),
            estimate_s,
            self.running_cpu,
            rate,
        );
        let cpu_factor = if estimate_s > 0.0 {
            (1.0 - stall_s / estimate_s).clamp(0.0, 1.0)
        } else {
            1.0
        };
        transfer(
            self.push_mb,
            cap,
            PhaseKind::PostCopy,
            PhaseEffects::at_destination(cpu_factor, true),
        )
    }

    fn state(&self) -> Option<Phase> {
        transfer(
            self.model.state_mb,
            self.model.overheads.rate_cap_mbps,
            PhaseKind::StopAndCopy,
            PhaseEffects::suspended(true),
        )
    }

    /// Learns the rate and the VM's CPU from the phase that just ended.
    fn learn(&mut self, c: &Closed) {
        if c.data_mb > 0.0 && c.duration_s > 0.0 {
            self.rate_estimate_mb_per_s = c.rate_mb_per_s();
        }
        if matches!(self.step, Step::Setup | Step::Round) {
            self.running_cpu = c.cpu_fraction;
        }
        if self.step == Step::Push {
            let (faults, stall_s) = self.model.faults.faults(
                &self.memory,
                self.push_mb,
                c.start_s,
                c.duration_s,
                c.cpu_fraction,
                c.rate_mb_per_s(),
            );
            self.ledger.report.faults = faults;
            self.ledger.report.fault_stall_s = stall_s;
        }
    }
}

impl MigrationProcess for PostCopyProcess {
    fn next(&mut self, previous: PhaseOutcome) -> Phase {
        let mut closed = self.ledger.close(previous);
        if let Some(c) = &closed {
            self.learn(c);
        }
        let o = self.model.overheads;
        loop {
            let (step, phase) = match self.step {
                Step::Start => (
                    Step::Setup,
                    wait(o.setup_s, PhaseKind::Setup, PhaseEffects::at_source(1.0)),
                ),
                Step::Setup => match &mut self.rounds {
                    Some((rounds, _)) => (Step::Round, rounds.first()),
                    None => (Step::State, self.state()),
                },
                Step::Round => {
                    let (rounds, k) = self.rounds.as_mut().expect("rounds only with a hybrid");
                    let c = closed.take().unwrap_or(Closed {
                        start_s: self.ledger.now_s(),
                        duration_s: 0.0,
                        cpu_fraction: 1.0,
                        data_mb: 0.0,
                    });
                    let end = rounds.end(&c);
                    self.ledger.report.rounds = rounds.count();
                    if end.to_send_mb <= 0.0 || rounds.count() >= *k {
                        self.ledger.report.stop = Some(if end.to_send_mb <= 0.0 {
                            StopReason::Converged
                        } else {
                            StopReason::PreCopyRounds
                        });
                        self.push_mb = end.remaining_mb;
                        (Step::State, self.state())
                    } else {
                        (Step::Round, rounds.next(&end))
                    }
                }
                // The source keeps the pages not pushed yet: both hold memory until the push ends.
                Step::State => (
                    Step::Resume,
                    wait(o.resume_s, PhaseKind::Resume, PhaseEffects::suspended(true)),
                ),
                Step::Resume => (Step::Push, self.push()),
                Step::Push | Step::Done => (Step::Done, Some(Phase::Done)),
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
