//! A migration as a state machine over phases, driven by what each phase turned out to be.
//!
//! The network a migration crosses is shared (a max-min fair fluid network, docs/MODELS.md A.5),
//! so its rate can change at any moment and no model may assume a constant bandwidth. A
//! [`MigrationProcess`] therefore only says what to do next — wait, or move some data —
//! and learns from the [`PhaseOutcome`] how long that took and how much CPU the VM got
//! meanwhile. The same code runs under the simulator and under the constant-bandwidth
//! calculator [`simulate_alone`](super::simulate_alone).

use std::any::Any;
use std::fmt;

use serde::Serialize;

/// Where the VM executes during a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VmLocation {
    /// Running at the source host (set-up, pre-copy rounds).
    Source,
    /// Paused: runs nowhere. Time spent so is downtime (Clark et al. 2005, docs/MODELS.md A.0).
    Suspended,
    /// Running at the destination host (post-copy, after the switch-over).
    Destination,
}

/// What a phase does to the VM and to the hosts, besides its own duration or transfer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhaseEffects {
    /// Where the VM runs.
    pub vm: VmLocation,
    /// Fraction of the CPU it is given that the VM can use, in [0, 1]: 1 = unaffected,
    /// below 1 when pre-copy's dirty logging costs CPU (parameter `cpu_overhead`) or when
    /// post-copy's network faults stall the VM (each one for a round trip plus one page's
    /// transfer, Hines & Gopalan 2009, docs/MODELS.md A.2.1), 0 while suspended.
    pub cpu_factor: f64,
    /// Whether the source still holds the VM's memory besides the destination (which holds
    /// its reservation from the start, Clark's stage 1): true until the commitment (Clark's
    /// stage 4) — for post-copy, until the last page has left the source.
    pub both_hold_memory: bool,
    /// Fraction of the VM's CPU request the destination reserves meanwhile: 0, except in
    /// CloudSim's migration (0.1, `VmSchedulerTimeShared`'s migration overhead). Host CPU
    /// accounting, not the migration's: not written in phase traces.
    #[serde(skip)]
    pub target_cpu_reserve: f64,
    /// Whether the source host is charged the VM's full share rather than what the VM
    /// uses: false, except in CloudSim's migration (`HostDynamicWorkload` adds
    /// `allocated / 0.9`). Not written in phase traces either.
    #[serde(skip)]
    pub charge_source_in_full: bool,
}

impl PhaseEffects {
    /// The VM runs at the source, using `cpu_factor` of its CPU; both hosts hold memory.
    pub const fn at_source(cpu_factor: f64) -> Self {
        Self {
            vm: VmLocation::Source,
            cpu_factor,
            both_hold_memory: true,
            target_cpu_reserve: 0.0,
            charge_source_in_full: false,
        }
    }

    /// CloudSim's migration (`VmSchedulerTimeShared`, `HostDynamicWorkload`): the VM runs at
    /// the source at `cpu_factor` (0.9), the destination reserves `target_cpu_reserve` (0.1)
    /// of its request, and the source is charged the VM's full share.
    pub const fn cloudsim(cpu_factor: f64, target_cpu_reserve: f64) -> Self {
        Self {
            vm: VmLocation::Source,
            cpu_factor,
            both_hold_memory: true,
            target_cpu_reserve,
            charge_source_in_full: true,
        }
    }

    /// The VM is paused; `both_hold_memory` says whether the source has committed yet.
    pub const fn suspended(both_hold_memory: bool) -> Self {
        Self {
            vm: VmLocation::Suspended,
            cpu_factor: 0.0,
            both_hold_memory,
            target_cpu_reserve: 0.0,
            charge_source_in_full: false,
        }
    }

    /// The VM runs at the destination, using `cpu_factor` of its CPU.
    pub const fn at_destination(cpu_factor: f64, both_hold_memory: bool) -> Self {
        Self {
            vm: VmLocation::Destination,
            cpu_factor,
            both_hold_memory,
            target_cpu_reserve: 0.0,
            charge_source_in_full: false,
        }
    }

    /// True while the VM is paused.
    pub fn vm_suspended(&self) -> bool {
        self.vm == VmLocation::Suspended
    }
}

/// What a phase is, for traces and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseKind {
    /// Pre-migration and reservation (Clark's stages 0–1), a constant overhead.
    Setup,
    /// Live pre-copy round `n` (1-based; round 1 sends the whole RAM).
    Round(u32),
    /// The VM is paused and the rest is sent: the remaining dirty pages (pre-copy), the whole
    /// RAM (stop-and-copy) or the CPU and device state (post-copy).
    StopAndCopy,
    /// Commitment and activation at the destination (Clark's stages 4–5), a constant overhead.
    Resume,
    /// Post-copy: pages pushed (and faulted in) while the VM runs at the destination.
    PostCopy,
    /// A model that only knows a duration (CloudSim's fixed delay).
    FixedDelay,
}

impl fmt::Display for PhaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setup => f.write_str("setup"),
            Self::Round(n) => write!(f, "round {n}"),
            Self::StopAndCopy => f.write_str("stop-and-copy"),
            Self::Resume => f.write_str("resume"),
            Self::PostCopy => f.write_str("post-copy"),
            Self::FixedDelay => f.write_str("fixed-delay"),
        }
    }
}

/// The next thing a migration needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Let `duration_s` of simulated time pass (set-up, resume, a fixed delay).
    Wait {
        /// How long, seconds (> 0: empty waits are never asked for).
        duration_s: f64,
        /// What it is.
        kind: PhaseKind,
        /// Its effects on the VM and hosts.
        effects: PhaseEffects,
    },
    /// Move `data_mb` from the source to the destination over the network.
    Transfer {
        /// Data, MB (> 0: empty transfers are never asked for).
        data_mb: f64,
        /// A cap on this transfer's rate, Mbit/s (Xen's adaptive rate limit, a configured
        /// migration speed); `None`: whatever the network gives.
        rate_cap_mbps: Option<f64>,
        /// What it is.
        kind: PhaseKind,
        /// Its effects on the VM and hosts.
        effects: PhaseEffects,
    },
    /// The migration is over: the VM runs at the destination and the source is free.
    Done,
}

impl Phase {
    /// The phase's effects (`None` for [`Phase::Done`]).
    pub fn effects(&self) -> Option<PhaseEffects> {
        match self {
            Self::Wait { effects, .. } | Self::Transfer { effects, .. } => Some(*effects),
            Self::Done => None,
        }
    }

    /// The phase's kind (`None` for [`Phase::Done`]).
    pub fn kind(&self) -> Option<PhaseKind> {
        match self {
            Self::Wait { kind, .. } | Self::Transfer { kind, .. } => Some(*kind),
            Self::Done => None,
        }
    }

    /// True when the VM is paused during this phase.
    pub fn vm_suspended(&self) -> bool {
        self.effects().is_some_and(|e| e.vm_suspended())
    }
}

/// What the phase just finished turned out to be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseOutcome {
    /// How long it took, seconds (a transfer: until its last byte arrived).
    pub duration_s: f64,
    /// Mean fraction of its full CPU (delivered / MIPS at 100 %) the VM executed during it,
    /// after the phase's `cpu_factor`; drives CPU-proportional dirtying (SimGrid, A.5).
    pub cpu_fraction: f64,
}

impl PhaseOutcome {
    /// What to pass to the first [`MigrationProcess::next`] call: no phase before.
    pub const START: Self = Self {
        duration_s: 0.0,
        cpu_fraction: 1.0,
    };

    /// A phase that took `duration_s` while the VM got `cpu_fraction` of its full CPU.
    pub const fn new(duration_s: f64, cpu_fraction: f64) -> Self {
        Self {
            duration_s,
            cpu_fraction,
        }
    }
}

/// Why a migration ended the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// Pre-copy stopped after its maximum number of rounds (Xen: 29).
    MaxRounds,
    /// Pre-copy had sent more than its data budget (Xen: 3 × RAM).
    MaxData,
    /// Fewer dirty pages than the threshold remained (Xen: 50 pages).
    FewDirtyPages,
    /// The remaining data fits the downtime target at the last measured rate (KVM, SimGrid).
    DowntimeTarget,
    /// Under Xen/Clark's adaptive rate, the round ran at the maximum rate and the next one
    /// would need more: the VM dirties faster than the rate limit allows.
    RateLimit,
    /// Pre-copy ran past its time limit (SimGrid's global timeout).
    Timeout,
    /// Nothing was left to send: the VM dirtied no page during the last round.
    Converged,
    /// Hybrid: its fixed number of pre-copy rounds is done, the rest went post-copy.
    PreCopyRounds,
    /// A non-live copy: the VM was paused for the whole transfer.
    StopAndCopy,
    /// Post-copy: every page has reached the destination.
    PostCopyDone,
    /// A model that only knows a duration (CloudSim).
    FixedDelay,
    /// A host failure called the migration off (set by the simulator, never by a process).
    Aborted,
}

impl StopReason {
    /// The kebab-case name printed and written in results.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MaxRounds => "max-rounds",
            Self::MaxData => "max-data",
            Self::FewDirtyPages => "few-dirty-pages",
            Self::DowntimeTarget => "downtime-target",
            Self::RateLimit => "rate-limit",
            Self::Timeout => "timeout",
            Self::Converged => "converged",
            Self::PreCopyRounds => "pre-copy-rounds",
            Self::StopAndCopy => "stop-and-copy",
            Self::PostCopyDone => "post-copy-done",
            Self::FixedDelay => "fixed-delay",
            Self::Aborted => "aborted",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a migration did, so far or in total.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MigrationReport {
    /// Time from the start to the end of the last finished phase, seconds (once done: the
    /// total migration time, Clark et al.'s "until the source can be discarded").
    pub total_s: f64,
    /// Time the VM was paused, seconds (stop-and-copy plus resume, A.0).
    pub downtime_s: f64,
    /// Data sent over the network, MB.
    pub data_mb: f64,
    /// Live pre-copy rounds (round 1 sends the whole RAM; the final stop-and-copy is not one).
    pub rounds: u32,
    /// Data sent while the VM was paused, MB (the final round; post-copy: the state).
    pub stop_copy_mb: f64,
    /// Post-copy network page faults.
    pub faults: u64,
    /// Time the VM was stalled by those faults, seconds.
    pub fault_stall_s: f64,
    /// Why the migration stopped iterating (`None` while it still decides).
    pub stop: Option<StopReason>,
}

/// One running migration: the simulator calls [`next`](MigrationProcess::next) with
/// [`PhaseOutcome::START`], carries out the returned [`Phase`], calls `next` again with its
/// outcome when it ends, and so on until [`Phase::Done`]. `Send + Sync`, so that the
/// simulation holding it is; `Any`, so that a finished process's box can hold the next
/// process of its type ([`rebox`]).
pub trait MigrationProcess: Any + Send + Sync + fmt::Debug {
    /// Accounts the phase that just ended (`previous`; [`PhaseOutcome::START`] on the first
    /// call) and returns the next one. After [`Phase::Done`] it keeps returning `Done`.
    fn next(&mut self, previous: PhaseOutcome) -> Phase;

    /// What the migration has done so far; complete once `next` returned [`Phase::Done`].
    fn report(&self) -> MigrationReport;
}

/// `process` boxed, in `spare`'s allocation when `spare` holds a process of the same type
/// (one that has finished), else in a new one: how a model starts migration after migration
/// without allocating ([`MigrationModel::start_in`](super::MigrationModel::start_in)).
pub fn rebox<P: MigrationProcess>(
    spare: Option<Box<dyn MigrationProcess>>,
    process: P,
) -> Box<dyn MigrationProcess> {
    if let Some(spare) = spare {
        let spare: Box<dyn Any> = spare;
        if let Ok(mut boxed) = spare.downcast::<P>() {
            *boxed = process;
            return boxed;
        }
    }
    Box::new(process)
}

/// Book-keeping shared by every process: accounts each phase when its outcome comes back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    /// The report so far.
    pub report: MigrationReport,
    /// The phase in flight, if any.
    open: Option<Open>,
    /// Absolute time the migration started, seconds.
    pub start_s: f64,
    /// Whether `Done` was returned.
    pub done: bool,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    data_mb: f64,
    suspended: bool,
}

/// A phase that ended, as accounted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Closed {
    /// Absolute time it started, seconds.
    pub start_s: f64,
    /// Its duration, seconds.
    pub duration_s: f64,
    /// CPU fraction the VM got.
    pub cpu_fraction: f64,
    /// Data it moved, MB (0 for a wait).
    pub data_mb: f64,
}

impl Closed {
    /// The rate the transfer achieved, MB/s (infinite for an instantaneous one).
    pub fn rate_mb_per_s(&self) -> f64 {
        if self.duration_s > 0.0 {
            self.data_mb / self.duration_s
        } else {
            f64::INFINITY
        }
    }
}

impl Ledger {
    /// A ledger for a migration starting at absolute time `start_s`.
    pub fn new(start_s: f64) -> Self {
        Self {
            start_s,
            ..Self::default()
        }
    }

    /// Absolute time now (the start plus every finished phase).
    pub fn now_s(&self) -> f64 {
        self.start_s + self.report.total_s
    }

    /// Accounts the phase in flight with its outcome; `None` when none was in flight.
    pub fn close(&mut self, outcome: PhaseOutcome) -> Option<Closed> {
        let open = self.open.take()?;
        // A negative or NaN duration is the driver's bug; count it as instantaneous.
        let duration_s = if outcome.duration_s > 0.0 {
            outcome.duration_s
        } else {
            0.0
        };
        let closed = Closed {
            start_s: self.now_s(),
            duration_s,
            cpu_fraction: outcome.cpu_fraction,
            data_mb: open.data_mb,
        };
        self.report.total_s += duration_s;
        self.report.data_mb += open.data_mb;
        if open.suspended {
            self.report.downtime_s += duration_s;
            self.report.stop_copy_mb += open.data_mb;
        }
        Some(closed)
    }

    /// Records `phase` as in flight and returns it.
    pub fn open(&mut self, phase: Phase) -> Phase {
        match phase {
            Phase::Wait { effects, .. } => {
                self.open = Some(Open {
                    data_mb: 0.0,
                    suspended: effects.vm_suspended(),
                })
            }
            Phase::Transfer { data_mb, effects, .. } => {
                self.open = Some(Open {
                    data_mb,
                    suspended: effects.vm_suspended(),
                })
            }
            Phase::Done => self.done = true,
        }
        phase
    }
}

/// A wait of `duration_s`, or `None` when there is nothing to wait for.
pub(crate) fn wait(duration_s: f64, kind: PhaseKind, effects: PhaseEffects) -> Option<Phase> {
    (duration_s > 0.0).then_some(Phase::Wait {
        duration_s,
        kind,
        effects,
    })
}

/// A transfer of `data_mb`, or `None` when there is nothing to send.
pub(crate) fn transfer(
    data_mb: f64,
    rate_cap_mbps: Option<f64>,
    kind: PhaseKind,
    effects: PhaseEffects,
) -> Option<Phase> {
    (data_mb > 0.0).then_some(Phase::Transfer {
        data_mb,
        rate_cap_mbps,
        kind,
        effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_print_kebab_case() {
        assert_eq!(StopReason::FewDirtyPages.to_string(), "few-dirty-pages");
        assert_eq!(StopReason::PostCopyDone.to_string(), "post-copy-done");
        assert_eq!(
            serde_json::to_string(&StopReason::MaxData).unwrap(),
            "\"max-data\""
        );
        assert_eq!(PhaseKind::Round(3).to_string(), "round 3");
        for stop in [
            StopReason::MaxRounds,
            StopReason::MaxData,
            StopReason::FewDirtyPages,
            StopReason::DowntimeTarget,
            StopReason::RateLimit,
            StopReason::Timeout,
            StopReason::Converged,
            StopReason::PreCopyRounds,
            StopReason::StopAndCopy,
            StopReason::PostCopyDone,
            StopReason::FixedDelay,
            StopReason::Aborted,
        ] {
            // Results are written through serde: it must spell each as `as_str` does.
            assert_eq!(serde_json::to_string(&stop).unwrap(), format!("\"{stop}\""));
        }
    }

    #[test]
    fn ledger_accounts_downtime_and_data() {
        let mut l = Ledger::new(10.0);
        assert!(l.close(PhaseOutcome::START).is_none());
        l.open(transfer(100.0, None, PhaseKind::Round(1), PhaseEffects::at_source(1.0)).unwrap());
        let c = l.close(PhaseOutcome::new(2.0, 0.5)).unwrap();
        assert_eq!((c.start_s, c.rate_mb_per_s()), (10.0, 50.0));
        l.open(transfer(5.0, None, PhaseKind::StopAndCopy, PhaseEffects::suspended(true)).unwrap());
        l.close(PhaseOutcome::new(0.5, 0.0));
        assert_eq!(l.now_s(), 12.5);
        assert_eq!(
            (l.report.data_mb, l.report.downtime_s, l.report.stop_copy_mb),
            (105.0, 0.5, 5.0)
        );
        assert!(wait(0.0, PhaseKind::Setup, PhaseEffects::at_source(1.0)).is_none());
        assert!(transfer(0.0, None, PhaseKind::Setup, PhaseEffects::at_source(1.0)).is_none());
    }
}
