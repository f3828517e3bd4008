//! Iterative pre-copy (Clark et al., NSDI 2005), with Xen's or KVM's stop rules.
//!
//! Round 1 sends the whole RAM while the VM runs; each later round sends what the previous
//! one left dirty; when a stop rule fires the VM is paused and the rest is sent (docs/MODELS.md
//! A.1.2, a fluid version of Xen's `xc_domain_save` loop, A.1.1). With a constant dirty rate
//! `D` and rate `R` the rounds follow the geometric series of Liu et al. (A.1.3): round `i`
//! sends `M·λ^(i−1)`, `λ = D/R`. The rate is whatever the network gives the round's transfer,
//! so the process measures it from each round's duration instead of assuming it.

use std::collections::VecDeque;

use super::estimate::ProcessModel;
use super::memory::VmMemory;
use super::process::{Closed, Ledger, Phase, PhaseEffects, PhaseKind, StopReason, transfer, wait};
use super::time_series::HotDeferral;
use super::{BITS_PER_BYTE, MigrationModel, MigrationProcess, MigrationReport, MigrationStart};
use super::{Overheads, PhaseOutcome, count, fraction_below_one, non_negative, positive};
use super::{Prediction, PredictionInput, predict};
use crate::params::{ParamError, Params};

/// When pre-copy stops iterating; every rule is optional (`None` = off) and the first that
/// fires ends the live phase. After each round they are checked in this order: converged
/// (always on: nothing left to send live), few dirty pages, downtime target, the adaptive
/// rate limit ([`AdaptiveRate`], when used), rounds, data, timeout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopRules {
    /// Fewer than this many dirty pages are left to send (`min_dirty_pages`; Xen: 50, "~200 KiB").
    /// Xen tests the round just sent; the fluid model tests the dirty set about to be sent,
    /// which is what the final round would carry (docs/MODELS.md A.1.2).
    pub min_dirty_pages: Option<u32>,
    /// The remaining data could be sent within this downtime at the rate the last round
    /// achieved (`max_downtime_s`; QEMU/KVM and SimGrid: 30 ms, docs/MODELS.md A.1.5, A.5).
    pub max_downtime_s: Option<f64>,
    /// This many live rounds were sent (`max_rounds`; Xen `DEF_MAX_ITERS` = 29).
    pub max_rounds: Option<u32>,
    /// More than this multiple of the RAM was sent (`max_data_factor`; Xen `DEF_MAX_FACTOR` = 3).
    pub max_data_factor: Option<f64>,
    /// This much time has passed since the start (`timeout_s`; SimGrid: 10⁷ s).
    pub timeout_s: Option<f64>,
}

impl StopRules {
    /// Xen's rules as shipped (`xc_domain_save.c`, docs/MODELS.md A.1.1): 29 rounds, 3 × RAM,
    /// fewer than 50 dirty pages.
    pub const XEN: Self = Self {
        min_dirty_pages: Some(XEN_MIN_DIRTY_PAGES),
        max_downtime_s: None,
        max_rounds: Some(XEN_MAX_ITERS),
        max_data_factor: Some(XEN_MAX_FACTOR),
        timeout_s: None,
    };

    /// Xen's current save code (libxc `xc_sr_save.c`): at most 5 live rounds, otherwise as
    /// [`XEN`](Self::XEN) (fewer than 50 dirty pages, never more than 3 × RAM).
    pub const XEN_LIBXC: Self = Self {
        max_rounds: Some(LIBXC_MAX_ITERS),
        ..Self::XEN
    };

    /// QEMU's rule: switch over once the pending data fits the downtime limit at the measured
    /// bandwidth (`downtime-limit`, default 300 ms); no round or data cap. QEMU would iterate
    /// for ever on a VM that never converges: SimGrid's 10⁷ s timeout bounds the rounds here.
    pub const QEMU: Self = Self {
        min_dirty_pages: None,
        max_downtime_s: Some(QEMU_DEFAULT_DOWNTIME_LIMIT_S),
        max_rounds: None,
        max_data_factor: None,
        timeout_s: Some(SIMGRID_TIMEOUT_S),
    };

    /// SimGrid's live migration (`VmLiveMigration.cpp`): QEMU's rule with a 30 ms target and
    /// a 10⁷ s timeout; the same as [`KVM`](Self::KVM).
    pub const SIMGRID: Self = Self::KVM;

    /// QEMU/KVM's rule as SimGrid models it (`VmLiveMigration.cpp`, docs/MODELS.md A.5): stop when
    /// the rest fits 30 ms at the last round's rate; no round or data limit, a 10⁷ s timeout.
    pub const KVM: Self = Self {
        min_dirty_pages: None,
        max_downtime_s: Some(QEMU_MAX_DOWNTIME_S),
        max_rounds: None,
        max_data_factor: None,
        timeout_s: Some(SIMGRID_TIMEOUT_S),
    };

    /// Checks the values and that the rules bound the number of rounds.
    ///
    /// # Errors
    /// A value out of range (named), or no bound: `max_rounds` is needed unless `timeout_s` is
    /// given together with `max_downtime_s` or `min_dirty_pages` (key `max_rounds`).
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.max_rounds == Some(0) {
            return Err(ParamError::new("max_rounds", "must be ≥ 1 (round 1 always runs)"));
        }
        if let Some(f) = self.max_data_factor
            && !(f.is_finite() && f >= 1.0)
        {
            return Err(ParamError::new(
                "max_data_factor",
                format!("must be ≥ 1 (round 1 sends the RAM), found {f}"),
            ));
        }
        if let Some(d) = self.max_downtime_s {
            positive("max_downtime_s", d)?;
        }
        if let Some(t) = self.timeout_s {
            positive("timeout_s", t)?;
        }
        let bounded = self.max_rounds.is_some()
            || (self.timeout_s.is_some()
                && (self.max_downtime_s.is_some() || self.min_dirty_pages.is_some()));
        if !bounded {
            return Err(ParamError::new(
                "max_rounds",
                "the rounds must be bounded: give max_rounds, or timeout_s with max_downtime_s or min_dirty_pages",
            ));
        }
        Ok(())
    }
}

/// Xen `DEF_MAX_ITERS` ("limit us to 30 times round loop", `xc_domain_save.c`).
const XEN_MAX_ITERS: u32 = 29;
/// Xen `DEF_MAX_FACTOR` ("never send more than 3x p2m_size").
const XEN_MAX_FACTOR: f64 = 3.0;
/// Xen's last-iteration test `sent_this_iter + skip_this_iter < 50`.
const XEN_MIN_DIRTY_PAGES: u32 = 50;
/// SimGrid's maximum downtime (`max_downtime` = 0.03 s, docs/MODELS.md A.5), the target of the
/// `kvm` and `simgrid` presets.
const QEMU_MAX_DOWNTIME_S: f64 = 0.03;
/// QEMU's default `downtime-limit`, 300 ms (`migration/options.c`, `DEFAULT_MIGRATE_SET_DOWNTIME`).
const QEMU_DEFAULT_DOWNTIME_LIMIT_S: f64 = 0.3;
/// libxc's `max_iterations` in `xc_sr_save.c`: 5 live rounds.
const LIBXC_MAX_ITERS: u32 = 5;
/// SimGrid's global migration timeout forcing stage 3 (docs/MODELS.md A.5).
const SIMGRID_TIMEOUT_S: f64 = 1e7;

/// Clark et al.'s adaptive rate limit (NSDI 2005 §5.1; Xen `ADAPTIVE_SAVE`, docs/MODELS.md A.1.1):
/// round 1 runs at `min_mbps`, each later round at the previous round's dirty rate plus
/// `increment_mbps`, within `[min_mbps, max_mbps]`. When a round ran at `max_mbps` and the
/// next would need more, pre-copy stops ([`StopReason::RateLimit`]): Clark's "the required
/// rate exceeds the maximum", the intent of Xen's `sent_this_iter > sent_last_iter &&
/// RATE_IS_MAX()`. The final stop-and-copy is not rate limited: Clark's SPECweb99 run sent
/// its last 18.2 MB in 201 ms, faster than the 500 Mbit/s cap (A.1.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveRate {
    /// First round's rate, Mbit/s (`min_rate_mbps`; Xen `START_MBIT_RATE` = 100).
    pub min_mbps: f64,
    /// Highest rate, Mbit/s (`max_rate_mbps`; Xen `MAX_MBIT_RATE` = 500).
    pub max_mbps: f64,
    /// Added to the measured dirty rate, Mbit/s (`rate_increment_mbps`; Xen: 50).
    pub increment_mbps: f64,
}

impl AdaptiveRate {
    /// Xen's and Clark's values: 100 → 500 Mbit/s, dirty rate + 50 Mbit/s.
    pub const XEN: Self = Self {
        min_mbps: 100.0,
        max_mbps: 500.0,
        increment_mbps: 50.0,
    };

    /// The next round's rate after a round that dirtied at `dirty_rate_mbps`.
    pub fn next_mbps(&self, dirty_rate_mbps: f64) -> f64 {
        (dirty_rate_mbps + self.increment_mbps).clamp(self.min_mbps, self.max_mbps)
    }

    /// Checks the values; errors name the parameter.
    ///
    /// # Errors
    /// A rate not > 0, `max_rate_mbps` < `min_rate_mbps`, a negative increment.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("min_rate_mbps", self.min_mbps)?;
        positive("max_rate_mbps", self.max_mbps)?;
        non_negative("rate_increment_mbps", self.increment_mbps)?;
        if self.max_mbps < self.min_mbps {
            return Err(ParamError::new(
                "max_rate_mbps",
                format!(
                    "must be ≥ min_rate_mbps ({}), found {}",
                    self.min_mbps, self.max_mbps
                ),
            ));
        }
        Ok(())
    }
}

/// Iterative pre-copy (registered as `pre-copy`).
///
/// | parameter | meaning | default |
/// |---|---|---|
/// | `setup_s`, `resume_s`, `rate_cap_mbps` | [`Overheads`] | 0, 0, none |
/// | `stop_rule` | `"xen"` ([`StopRules::XEN`], legacy: 29 rounds), `"libxc"` ([`StopRules::XEN_LIBXC`], 5 rounds), `"qemu"` ([`StopRules::QEMU`], 300 ms), `"simgrid"` or `"kvm"` ([`StopRules::KVM`], 30 ms) | `"xen"` |
/// | `max_rounds`, `max_data_factor`, `min_dirty_pages`, `max_downtime_s`, `timeout_s` | override one rule of the preset; 0 turns it off | the preset's |
/// | `adaptive_rate` | Clark's adaptive rate limit ([`AdaptiveRate`]) | false |
/// | `min_rate_mbps`, `max_rate_mbps`, `rate_increment_mbps` | its values (only with `adaptive_rate`) | 100, 500, 50 |
/// | `cpu_overhead` | fraction of the VM's CPU lost to dirty logging during live rounds | 0 |
///
/// Not modelled: Xen's per-round skip of pages re-dirtied before they were sent (Clark's
/// SPECweb99 round 1 sent 676.8 of 800 MB because of it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreCopy {
    /// Set-up and resume overheads, rate cap.
    pub overheads: Overheads,
    /// When to stop iterating.
    pub rules: StopRules,
    /// Clark's adaptive per-round rate limit, if used.
    pub adaptive: Option<AdaptiveRate>,
    /// Fraction of its CPU the VM loses during live rounds, in [0, 1) (0.1 reproduces the
    /// 10 % degradation CloudSim and Beloglazov & Buyya 2012 assume, docs/MODELS.md A.3).
    pub cpu_overhead: f64,
}

impl Default for PreCopy {
    fn default() -> Self {
        Self::XEN
    }
}

impl PreCopy {
    /// Xen's pre-copy: Xen's stop rules, no adaptive rate, no overheads.
    pub const XEN: Self = Self {
        overheads: Overheads {
            setup_s: 0.0,
            resume_s: 0.0,
            rate_cap_mbps: None,
        },
        rules: StopRules::XEN,
        adaptive: None,
        cpu_overhead: 0.0,
    };

    /// The process, with hot-page deferral for the time-series variant.
    pub(crate) fn process(
        &self,
        start: &MigrationStart<'_>,
        deferral: Option<HotDeferral>,
    ) -> PreCopyProcess {
        let mut model = *self;
        if let Some(limit_s) = start.downtime_limit_s {
            model.rules.max_downtime_s = Some(limit_s);
        }
        PreCopyProcess {
            ledger: Ledger::new(start.now_s),
            model,
            rounds: Rounds::new(
                start.memory.clone(),
                self.overheads,
                self.adaptive,
                deferral,
                self.cpu_overhead,
            ),
            step: Step::Start,
        }
    }

    /// The parameter keys [`PreCopy::from_params`] reads.
    pub(crate) const KEYS: [&'static str; 14] = [
        "setup_s",
        "resume_s",
        "rate_cap_mbps",
        "stop_rule",
        "max_rounds",
        "max_data_factor",
        "min_dirty_pages",
        "max_downtime_s",
        "timeout_s",
        "adaptive_rate",
        "min_rate_mbps",
        "max_rate_mbps",
        "rate_increment_mbps",
        "cpu_overhead",
    ];

    /// Reads the parameters of the table above (leaving others to the caller).
    pub(crate) fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        let overheads = Overheads::from_params(params)?;
        let mut rules = match params.text("stop_rule")?.as_deref() {
            None | Some("xen") => StopRules::XEN,
            Some("libxc") => StopRules::XEN_LIBXC,
            Some("qemu") => StopRules::QEMU,
            Some("kvm") | Some("simgrid") => StopRules::KVM,
            Some(other) => {
                return Err(ParamError::new(
                    "stop_rule",
                    format!("unknown stop rule \"{other}\"; known: xen, libxc, qemu, simgrid, kvm"),
                ));
            }
        };
        // 0 turns a rule off.
        if let Some(n) = count(params, "max_rounds")? {
            rules.max_rounds = (n > 0).then_some(n);
        }
        if let Some(f) = params.number("max_data_factor")? {
            rules.max_data_factor = (f != 0.0).then_some(f);
        }
        if let Some(n) = count(params, "min_dirty_pages")? {
            rules.min_dirty_pages = (n > 0).then_some(n);
        }
        if let Some(d) = params.number("max_downtime_s")? {
            rules.max_downtime_s = (d != 0.0).then_some(d);
        }
        if let Some(t) = params.number("timeout_s")? {
            rules.timeout_s = (t != 0.0).then_some(t);
        }
        rules.validate()?;
        let adaptive_on = params.bool("adaptive_rate")?.unwrap_or(false);
        let mut adaptive = AdaptiveRate::XEN;
        for (key, field) in [
            ("min_rate_mbps", &mut adaptive.min_mbps),
            ("max_rate_mbps", &mut adaptive.max_mbps),
            ("rate_increment_mbps", &mut adaptive.increment_mbps),
        ] {
            if let Some(x) = params.number(key)? {
                if !adaptive_on {
                    return Err(ParamError::new(key, "only used with adaptive_rate = true"));
                }
                *field = x;
            }
        }
        let adaptive = if adaptive_on {
            adaptive.validate()?;
            Some(adaptive)
        } else {
            None
        };
        let cpu_overhead = fraction_below_one("cpu_overhead", params.number("cpu_overhead")?.unwrap_or(0.0))?;
        Ok(Self {
            overheads,
            rules,
            adaptive,
            cpu_overhead,
        })
    }
}

impl ProcessModel for PreCopy {
    fn name(&self) -> &'static str {
        "pre-copy"
    }

    type Process = PreCopyProcess;

    fn new_process(&self, start: &MigrationStart<'_>) -> PreCopyProcess {
        self.process(start, None)
    }

    /// The geometric rounds and the first stop rule to hold on them (docs/MODELS.md A.6): exact
    /// for a constant dirty rate (or CPU-proportional at a constant CPU share) without the
    /// adaptive rate; with it, rounds after the first are taken at `clamp(8·D + increment)`.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        let mut rules = self.rules;
        if let Some(limit_s) = input.downtime_limit_s {
            rules.max_downtime_s = Some(limit_s);
        }
        predict::pre_copy(&self.overheads, &rules, self.adaptive, self.cpu_overhead, input)
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let model = PreCopy::from_params(&mut params)?;
    params.finish(&PreCopy::KEYS)?;
    Ok(Box::new(model))
}

/// How a finished round left the memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoundEnd {
    /// What the next live round would send, MB (dirty data not deferred).
    pub to_send_mb: f64,
    /// Everything dirty, MB: what a stop-and-copy now would send.
    pub remaining_mb: f64,
    /// The rate the round achieved, MB/s.
    pub bandwidth_mb_per_s: f64,
    /// Distinct data dirtied during the round per second, Mbit/s (Xen's `dirtied Mb/s`).
    pub dirty_rate_mbps: f64,
    /// Whether the round ran at the adaptive maximum rate.
    pub at_max_rate: bool,
}

/// The live rounds, shared by pre-copy, time-series pre-copy and hybrid.
#[derive(Debug, Clone)]
pub(crate) struct Rounds {
    memory: VmMemory,
    overheads: Overheads,
    adaptive: Option<AdaptiveRate>,
    deferral: Option<HotDeferral>,
    cpu_factor: f64,
    /// The adaptive rate limit of the round in flight, Mbit/s.
    round_rate_mbps: Option<f64>,
    /// Hot data held back by the time-series variant: dirty, not sent yet, MB.
    deferred_mb: f64,
    /// Hot data dirtied in each of the last rounds, MB, oldest first.
    hot_history_mb: VecDeque<f64>,
    /// Rounds finished.
    done: u32,
}

impl Rounds {
    pub(crate) fn new(
        memory: VmMemory,
        overheads: Overheads,
        adaptive: Option<AdaptiveRate>,
        deferral: Option<HotDeferral>,
        cpu_overhead: f64,
    ) -> Self {
        let window = deferral.map_or(0, |d| d.history_rounds as usize);
        Self {
            memory,
            overheads,
            adaptive,
            deferral,
            cpu_factor: 1.0 - cpu_overhead,
            round_rate_mbps: None,
            deferred_mb: 0.0,
            hot_history_mb: VecDeque::with_capacity(window),
            done: 0,
        }
    }

    /// Rounds finished.
    pub(crate) fn count(&self) -> u32 {
        self.done
    }

    /// The memory being moved.
    pub(crate) fn memory(&self) -> &VmMemory {
        &self.memory
    }

    fn round(&self, data_mb: f64) -> Option<Phase> {
        transfer(
            data_mb,
            self.overheads.cap_with(self.round_rate_mbps),
            PhaseKind::Round(self.done + 1),
            PhaseEffects::at_source(self.cpu_factor),
        )
    }

    /// Round 1: the whole RAM, at the adaptive minimum rate if any.
    pub(crate) fn first(&mut self) -> Option<Phase> {
        self.round_rate_mbps = self.adaptive.map(|a| a.min_mbps);
        self.round(self.memory.ram_mb)
    }

    /// Accounts the round that just finished: what it dirtied, what is left.
    pub(crate) fn end(&mut self, closed: &Closed) -> RoundEnd {
        self.done += 1;
        let d = self
            .memory
            .dirtied(closed.start_s, closed.duration_s, closed.cpu_fraction);
        let (to_send_mb, deferred_mb) = match self.deferral {
            None => (d.total_mb, 0.0),
            Some(h) => {
                if self.hot_history_mb.len() == h.history_rounds as usize {
                    self.hot_history_mb.pop_front();
                }
                self.hot_history_mb.push_back(d.hot_mb);
                // Hot pages form one nested set, written in the same order every round, so
                // "dirty in at least K of the last N rounds" holds for the first
                // K-th-largest(history) MB of it (docs/MODELS.md A.4's HDP test, fluid form).
                let hot_dirty_mb = self.deferred_mb.max(d.hot_mb);
                let defer_mb = hot_dirty_mb.min(kth_largest(&self.hot_history_mb, h.hot_threshold));
                (d.total_mb - d.hot_mb + hot_dirty_mb - defer_mb, defer_mb)
            }
        };
        self.deferred_mb = deferred_mb;
        let dirty_rate_mbps = if closed.duration_s > 0.0 {
            d.total_mb / closed.duration_s * BITS_PER_BYTE
        } else {
            0.0
        };
        RoundEnd {
            to_send_mb,
            remaining_mb: to_send_mb + deferred_mb,
            bandwidth_mb_per_s: closed.rate_mb_per_s(),
            dirty_rate_mbps,
            at_max_rate: self
                .adaptive
                .zip(self.round_rate_mbps)
                .is_some_and(|(a, r)| r >= a.max_mbps),
        }
    }

    /// The next live round, at the adapted rate.
    pub(crate) fn next(&mut self, end: &RoundEnd) -> Option<Phase> {
        if let Some(a) = self.adaptive {
            self.round_rate_mbps = Some(a.next_mbps(end.dirty_rate_mbps));
        }
        self.round(end.to_send_mb)
    }
}

/// The `k`-th largest value (1-based) of `values`, 0 when there are fewer than `k`.
fn kth_largest(values: &VecDeque<f64>, k: u32) -> f64 {
    let k = k as usize;
    if k == 0 || values.len() < k {
        return 0.0;
    }
    // The largest v with at least k values ≥ v; O(N²) on a window of a few rounds, no allocation.
    values
        .iter()
        .copied()
        .filter(|&v| values.iter().filter(|&&w| w >= v).count() >= k)
        .fold(0.0, f64::max)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start,
    Setup,
    Round,
    Final,
    Resume,
    Done,
}

/// A pre-copy migration in progress (plain or time-series).
#[derive(Debug, Clone)]
pub(crate) struct PreCopyProcess {
    ledger: Ledger,
    model: PreCopy,
    rounds: Rounds,
    step: Step,
}

impl PreCopyProcess {
    /// The first rule that fires after a round, if any.
    fn stop_reason(&self, end: &RoundEnd) -> Option<StopReason> {
        let rules = &self.model.rules;
        let report = &self.ledger.report;
        let memory = self.rounds.memory();
        if end.to_send_mb <= 0.0 {
            return Some(StopReason::Converged);
        }
        if let Some(pages) = rules.min_dirty_pages
            && end.to_send_mb < f64::from(pages) * memory.page_mb()
        {
            return Some(StopReason::FewDirtyPages);
        }
        if let Some(d) = rules.max_downtime_s
            && end.remaining_mb <= end.bandwidth_mb_per_s * d
        {
            return Some(StopReason::DowntimeTarget);
        }
        if let Some(a) = self.model.adaptive
            && end.at_max_rate
            && end.dirty_rate_mbps + a.increment_mbps > a.max_mbps
        {
            return Some(StopReason::RateLimit);
        }
        if let Some(n) = rules.max_rounds
            && self.rounds.count() >= n
        {
            return Some(StopReason::MaxRounds);
        }
        if let Some(f) = rules.max_data_factor
            && report.data_mb > f * memory.ram_mb
        {
            return Some(StopReason::MaxData);
        }
        if let Some(t) = rules.timeout_s
            && report.total_s >= t
        {
            return Some(StopReason::Timeout);
        }
        None
    }
}

impl MigrationProcess for PreCopyProcess {
    fn next(&mut self, previous: PhaseOutcome) -> Phase {
        let mut closed = self.ledger.close(previous);
        let o = self.model.overheads;
        loop {
            let (step, phase) = match self.step {
                Step::Start => (
                    Step::Setup,
                    wait(o.setup_s, PhaseKind::Setup, PhaseEffects::at_source(1.0)),
                ),
                Step::Setup => (Step::Round, self.rounds.first()),
                Step::Round => {
                    // A round is in flight only if one was opened; a driver calling `next`
                    // without one gets a zero-length round.
                    let c = closed.take().unwrap_or(Closed {
                        start_s: self.ledger.now_s(),
                        duration_s: 0.0,
                        cpu_fraction: 1.0,
                        data_mb: 0.0,
                    });
                    let end = self.rounds.end(&c);
                    self.ledger.report.rounds = self.rounds.count();
                    match self.stop_reason(&end) {
                        Some(reason) => {
                            self.ledger.report.stop = Some(reason);
                            let last = transfer(
                                end.remaining_mb,
                                o.rate_cap_mbps,
                                PhaseKind::StopAndCopy,
                                PhaseEffects::suspended(true),
                            );
                            (Step::Final, last)
                        }
                        None => (Step::Round, self.rounds.next(&end)),
                    }
                }
                Step::Final => (
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kth_largest_of_a_window() {
        let v: VecDeque<f64> = [3.0, 1.0, 2.0, 2.0].into_iter().collect();
        assert_eq!(kth_largest(&v, 1), 3.0);
        assert_eq!(kth_largest(&v, 2), 2.0);
        assert_eq!(kth_largest(&v, 3), 2.0);
        assert_eq!(kth_largest(&v, 4), 1.0);
        assert_eq!(kth_largest(&v, 5), 0.0);
    }

    #[test]
    fn adaptive_rate_follows_dirty_rate_plus_increment() {
        let a = AdaptiveRate::XEN;
        assert_eq!(a.next_mbps(0.0), 100.0);
        assert_eq!(a.next_mbps(120.0), 170.0);
        assert_eq!(a.next_mbps(480.0), 500.0);
    }
}
