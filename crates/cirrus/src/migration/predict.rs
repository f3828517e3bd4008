//! Predict before you move: what a migration will take, in closed form, without running its
//! process (docs/MODELS.md A.6).
//!
//! Every model answers [`MigrationModel::predict`](super::MigrationModel::predict) for a VM's
//! memory, the bandwidth its transfers will get (a link share) and the CPU the VM gets. The
//! live pre-copy rounds follow the geometric series of Akoush et al. (MASCOTS 2010) and Liu
//! et al. (HPDC 2011): with a dirty rate `D` and a rate `R`, round `i ≥ 2` sends
//! `x_i = min(x₂·λ^(i−2), W)`, `λ = D/R`, `x₂ = min(D·M/R₁, W)`, `W` the writable working set;
//! the number of rounds is the first `n` at which one of the model's stop rules holds, found
//! on these closed-form values (each rule is monotone in `n`), not by iterating.
//!
//! Where the process is exact — a constant rate (or CPU-proportional dirtying at a constant
//! CPU share), a constant bandwidth — the prediction equals the process run alone
//! ([`simulate_alone`](super::simulate_alone)) up to rounding: stop-and-copy, pre-copy without
//! the adaptive rate, post-copy, hybrid, CloudSim's fixed delay, and time-series pre-copy
//! without hot pages. Elsewhere it is the best closed form under stated assumptions (see each
//! function).

use super::memory::{DirtyRate, VmMemory};
use super::pre_copy::{AdaptiveRate, StopRules};
use super::{BITS_PER_BYTE, Overheads, StopReason, mb_per_s};

/// What a prediction starts from.
#[derive(Debug, Clone, Copy)]
pub struct PredictionInput<'a> {
    /// The VM's memory and how it is dirtied.
    pub memory: &'a VmMemory,
    /// The bandwidth the migration's transfers get, Mbit/s: the link share (alone: the link).
    /// CloudSim's fixed delay reads it as the destination's link.
    pub bandwidth_mbps: f64,
    /// Fraction of its full CPU the VM gets while it runs, in [0, 1] (CPU-proportional
    /// dirtying only).
    pub cpu_fraction: f64,
    /// Absolute time the migration starts, seconds (dirty-rate traces only).
    pub now_s: f64,
    /// This migration's downtime target, seconds, over the model's own (QEMU's
    /// `downtime-limit`, set per migration): pre-copy's `max_downtime_s` rule; models without
    /// a downtime target ignore it. `None`: the model's own rules.
    pub downtime_limit_s: Option<f64>,
}

impl<'a> PredictionInput<'a> {
    /// A VM alone on a link of `bandwidth_mbps` at full CPU, starting at time 0: what
    /// [`simulate_alone`](super::simulate_alone) runs with `cpu_fraction` = 1.
    pub fn alone(memory: &'a VmMemory, bandwidth_mbps: f64) -> Self {
        Self {
            memory,
            bandwidth_mbps,
            cpu_fraction: 1.0,
            now_s: 0.0,
            downtime_limit_s: None,
        }
    }
}

/// A migration's predicted cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// From the start to the VM running at the destination with all its pages, seconds.
    pub total_s: f64,
    /// Time the VM is paused, seconds (resume included).
    pub downtime_s: f64,
    /// Data sent over the network, MB.
    pub data_mb: f64,
    /// Live pre-copy rounds (0 for non-iterative models).
    pub rounds: u32,
    /// The rule predicted to end the live rounds, as the process would report it.
    pub stop: StopReason,
    /// Why the closed form is not exact for this move (docs/MODELS.md A.6, "exact when"),
    /// `None` where it equals the process run alone.
    pub approximate: Option<Approximation>,
}

/// Why a [`Prediction`] is approximate (docs/MODELS.md A.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approximation {
    /// Clark's adaptive rate: rounds after the first are taken at `clamp(8·D + increment)`,
    /// while the process measures each round's dirtying.
    AdaptiveRate,
    /// A dirty-rate trace or workload function: its mean over round 1 is taken as constant.
    VaryingDirtyRate,
    /// Time-series pre-copy with hot pages: their deferral to the last round is not modelled.
    HotPages,
}

impl Approximation {
    /// What the closed form assumes, for messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::AdaptiveRate => "adaptive rate, later rounds at clamp(dirty rate + increment)",
            Self::VaryingDirtyRate => "varying dirty rate, taken as its mean over round 1",
            Self::HotPages => "hot pages, their deferral not modelled",
        }
    }
}

/// [`Approximation::VaryingDirtyRate`] if `memory`'s dirty rate varies in time.
fn varying(memory: &VmMemory) -> Option<Approximation> {
    match memory.dirty {
        DirtyRate::Series(_) | DirtyRate::Cumulative(_) => Some(Approximation::VaryingDirtyRate),
        DirtyRate::Constant { .. } | DirtyRate::CpuProportional { .. } => None,
    }
}

/// MB/s a transfer capped at `cap_mbps` moves at over `bandwidth_mbps`, as the calculator
/// drives it.
fn rate_mb_per_s(bandwidth_mbps: f64, cap_mbps: Option<f64>) -> f64 {
    mb_per_s(cap_mbps.map_or(bandwidth_mbps, |c| c.min(bandwidth_mbps)))
}

/// Seconds to move `data_mb` at `rate`, 0 for nothing (the process asks for no empty transfer).
fn time_s(data_mb: f64, rate: f64) -> f64 {
    if data_mb > 0.0 { data_mb / rate } else { 0.0 }
}

/// Stop-and-copy: data = M, downtime = M/R + resume, total = setup + downtime.
pub(super) fn stop_and_copy(o: &Overheads, input: &PredictionInput<'_>) -> Prediction {
    let m = input.memory.ram_mb;
    let down = time_s(m, rate_mb_per_s(input.bandwidth_mbps, o.rate_cap_mbps)) + o.resume_s;
    Prediction {
        total_s: o.setup_s + down,
        downtime_s: down,
        data_mb: m,
        rounds: 0,
        stop: StopReason::StopAndCopy,
        approximate: None,
    }
}

/// Post-copy (and the hybrid's tail): pause to send `state_mb`, resume, push `push_mb`. Every
/// page crosses once, so data and times do not depend on the dirty rate; network faults stall
/// the VM's CPU during the push but not the push itself, so this is exact.
fn post_copy_tail(o: &Overheads, state_mb: f64, push_mb: f64, bandwidth_mbps: f64) -> (f64, f64, f64) {
    let r = rate_mb_per_s(bandwidth_mbps, o.rate_cap_mbps);
    let down = time_s(state_mb, r) + o.resume_s;
    (down, down + time_s(push_mb, r), state_mb + push_mb)
}

/// Post-copy: downtime = state/R + resume, total = setup + downtime + M/R, data = M + state.
pub(super) fn post_copy(o: &Overheads, state_mb: f64, input: &PredictionInput<'_>) -> Prediction {
    let (down, after_setup, data) = post_copy_tail(o, state_mb, input.memory.ram_mb, input.bandwidth_mbps);
    Prediction {
        total_s: o.setup_s + after_setup,
        downtime_s: down,
        data_mb: data,
        rounds: 0,
        stop: StopReason::PostCopyDone,
        approximate: None,
    }
}

/// The live rounds of a pre-copy in closed form (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Geometric {
    /// RAM, MB: round 1.
    m: f64,
    /// Round 2, MB.
    x2: f64,
    /// Ratio of later rounds, D/R₂.
    lambda: f64,
    /// The dirty cap (WWS), MB.
    w: f64,
    /// Round 1's rate, MB/s.
    r1: f64,
    /// Later rounds' rate, MB/s.
    r2: f64,
    /// Set-up time before round 1, s.
    setup_s: f64,
}

impl Geometric {
    /// What round `i` (1-based) sends, MB; `i = n + 1` is what is left after `n` rounds.
    fn x(&self, i: u64) -> f64 {
        match i {
            0 | 1 => self.m,
            _ => (self.x2 * self.lambda.powf((i - 2) as f64)).min(self.w),
        }
    }

    /// Σ of rounds 2..=n, MB.
    fn later_sum(&self, n: u64) -> f64 {
        if n < 2 || self.x2 <= 0.0 {
            return 0.0;
        }
        let terms = (n - 1) as f64;
        let l = self.lambda;
        if l == 1.0 {
            return self.x2 * terms;
        }
        // Terms below the cap, then the cap (λ > 1 only: for λ ≤ 1 no term exceeds x₂ ≤ W).
        let below = if l > 1.0 && self.x2 < self.w {
            ((self.w / self.x2).ln() / l.ln()).ceil().max(0.0).min(terms)
        } else if l > 1.0 {
            0.0
        } else {
            terms
        };
        // x₂·(λ^k − 1)/(λ − 1), accurate near λ = 1.
        let geometric = self.x2 * (below * (l - 1.0).ln_1p()).exp_m1() / (l - 1.0);
        geometric + (terms - below) * self.w
    }

    /// Data sent by the first `n` rounds, MB.
    fn data_mb(&self, n: u64) -> f64 {
        if n == 0 { 0.0 } else { self.m + self.later_sum(n) }
    }

    /// Time from the start to the end of round `n`, s.
    fn time_s(&self, n: u64) -> f64 {
        if n == 0 {
            return self.setup_s;
        }
        self.setup_s + self.m / self.r1 + self.later_sum(n) / self.r2
    }

    /// The rate round `n` ran at, MB/s.
    fn rate(&self, n: u64) -> f64 {
        if n <= 1 { self.r1 } else { self.r2 }
    }
}

/// The first `n` in `[lo, hi]` with `holds(n)`, for a `holds` false then true on that range.
fn first_true(mut lo: u64, mut hi: u64, holds: impl Fn(u64) -> bool) -> Option<u64> {
    if lo > hi || !holds(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) { hi = mid } else { lo = mid + 1 }
    }
    Some(lo)
}

/// Largest round count searched: far beyond any bounded pre-copy.
const MAX_ROUNDS_SEARCHED: u64 = u32::MAX as u64;

/// The first round after which a rule on what is left (`x_{n+1}`) holds: round 1 on its own
/// (its rate may differ), then monotone when the later rounds shrink (λ < 1), else round 2 or
/// never (they are constant or grow towards W).
fn first_on_rest(g: &Geometric, holds: impl Fn(u64) -> bool) -> Option<u64> {
    if holds(1) {
        return Some(1);
    }
    if g.lambda < 1.0 {
        first_true(2, MAX_ROUNDS_SEARCHED, holds)
    } else {
        holds(2).then_some(2)
    }
}

/// The live rounds of a pre-copy with `rules` and `adaptive` rate, and the rule that ends them.
///
/// Exact for a constant dirty rate without the adaptive rate. With the adaptive rate, rounds
/// after the first are taken to run at `clamp(8·D + increment)` — the rate the process sets
/// when the working set (the RAM by default) caps no round's dirtying.
fn pre_copy_rounds(
    o: &Overheads,
    rules: &StopRules,
    adaptive: Option<AdaptiveRate>,
    cpu_factor: f64,
    max_rounds: Option<u32>,
    input: &PredictionInput<'_>,
) -> (Geometric, u64, StopReason) {
    let memory = input.memory;
    let m = memory.ram_mb;
    let bw = input.bandwidth_mbps;
    let cap = |round_mbps: Option<f64>| o.cap_with(round_mbps);
    let r1 = rate_mb_per_s(bw, cap(adaptive.map(|a| a.min_mbps)));
    let d = dirty_rate_mb_per_s(
        memory,
        input.now_s + o.setup_s,
        m / r1,
        input.cpu_fraction * cpu_factor,
    );
    let w = memory.dirty_cap_mb();
    let x2 = (d * (m / r1)).min(w);
    let round_mbps = adaptive.map(|a| a.next_mbps(d * BITS_PER_BYTE));
    let r2 = rate_mb_per_s(bw, cap(round_mbps));
    let g = Geometric {
        m,
        x2,
        lambda: d / r2,
        w,
        r1,
        r2,
        setup_s: o.setup_s,
    };
    let page_mb = memory.page_mb();
    // In the process's order: the first rule to hold at the smallest n ends the rounds.
    let mut candidates: [(Option<u64>, StopReason); 7] = [
        (first_on_rest(&g, |n| g.x(n + 1) <= 0.0), StopReason::Converged),
        (
            rules
                .min_dirty_pages
                .and_then(|p| first_on_rest(&g, |n| g.x(n + 1) < f64::from(p) * page_mb)),
            StopReason::FewDirtyPages,
        ),
        (
            rules
                .max_downtime_s
                .and_then(|t| first_on_rest(&g, |n| g.x(n + 1) <= g.rate(n) * t)),
            StopReason::DowntimeTarget,
        ),
        (None, StopReason::RateLimit),
        (rules.max_rounds.map(u64::from), StopReason::MaxRounds),
        (
            rules
                .max_data_factor
                .and_then(|f| first_true(1, MAX_ROUNDS_SEARCHED, |n| g.data_mb(n) > f * m)),
            StopReason::MaxData,
        ),
        (
            rules
                .timeout_s
                .and_then(|t| first_true(1, MAX_ROUNDS_SEARCHED, |n| g.time_s(n) >= t)),
            StopReason::Timeout,
        ),
    ];
    if let Some(a) = adaptive {
        // The round ran at the maximum and the dirty rate + increment exceeds it.
        let fires = |n: u64| {
            let round = if n <= 1 { Some(a.min_mbps) } else { round_mbps };
            let dirty_mbps = if n <= 1 {
                x2 / (m / r1) * BITS_PER_BYTE
            } else {
                d * BITS_PER_BYTE
            };
            round.is_some_and(|r| r >= a.max_mbps) && dirty_mbps + a.increment_mbps > a.max_mbps
        };
        candidates[3].0 = if fires(1) { Some(1) } else { fires(2).then_some(2) };
    }
    if let Some(k) = max_rounds {
        candidates[4] = (Some(u64::from(k)), StopReason::PreCopyRounds);
    }
    let (n, stop) = candidates
        .iter()
        .filter_map(|&(n, reason)| n.map(|n| (n, reason)))
        .min_by_key(|&(n, _)| n)
        .unwrap_or((MAX_ROUNDS_SEARCHED, StopReason::Timeout));
    (g, n, stop)
}

/// Iterative pre-copy: `n` live rounds (see [`pre_copy_rounds`]), then the rest `x_{n+1}` sent
/// while paused at the link's rate (not the adaptive one): downtime = `x_{n+1}`/R + resume,
/// data = Σ rounds + `x_{n+1}`, total = setup + rounds + downtime.
pub(super) fn pre_copy(
    o: &Overheads,
    rules: &StopRules,
    adaptive: Option<AdaptiveRate>,
    cpu_overhead: f64,
    input: &PredictionInput<'_>,
) -> Prediction {
    let (g, n, stop) = pre_copy_rounds(o, rules, adaptive, 1.0 - cpu_overhead, None, input);
    let rest = g.x(n + 1);
    let down = time_s(rest, rate_mb_per_s(input.bandwidth_mbps, o.rate_cap_mbps)) + o.resume_s;
    Prediction {
        total_s: g.time_s(n) + down,
        downtime_s: down,
        data_mb: g.data_mb(n) + rest,
        rounds: rounds_u32(n),
        stop,
        approximate: adaptive
            .map(|_| Approximation::AdaptiveRate)
            .or_else(|| varying(input.memory)),
    }
}

/// Hybrid: `k` live rounds (fewer if one dirties nothing), then post-copy of what they left.
pub(super) fn hybrid(
    o: &Overheads,
    state_mb: f64,
    k: u32,
    cpu_overhead: f64,
    input: &PredictionInput<'_>,
) -> Prediction {
    let none = StopRules {
        min_dirty_pages: None,
        max_downtime_s: None,
        max_rounds: None,
        max_data_factor: None,
        timeout_s: None,
    };
    let (g, n, stop) = pre_copy_rounds(o, &none, None, 1.0 - cpu_overhead, Some(k.max(1)), input);
    let (down, after_rounds, tail_mb) = post_copy_tail(o, state_mb, g.x(n + 1), input.bandwidth_mbps);
    Prediction {
        total_s: g.time_s(n) + after_rounds,
        downtime_s: down,
        data_mb: g.data_mb(n) + tail_mb,
        rounds: rounds_u32(n),
        stop,
        approximate: varying(input.memory),
    }
}

fn rounds_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The dirty rate a prediction assumes, MB/s: the constant rate; a CPU-proportional rate at
/// `cpu_fraction`; for a trace or a workload function, its mean over `horizon_s` from `t_s`
/// (about round 1), taken as constant after.
fn dirty_rate_mb_per_s(memory: &VmMemory, t_s: f64, horizon_s: f64, cpu_fraction: f64) -> f64 {
    match &memory.dirty {
        DirtyRate::Constant { mb_per_s } => *mb_per_s,
        DirtyRate::CpuProportional { at_full_cpu_mb_per_s } => at_full_cpu_mb_per_s * cpu_fraction.max(0.0),
        DirtyRate::Series(_) | DirtyRate::Cumulative(_) => {
            if horizon_s > 0.0 && horizon_s.is_finite() {
                memory.dirty.written_mb(t_s, horizon_s, cpu_fraction) / horizon_s
            } else {
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_true_finds_the_edge_or_none() {
        assert_eq!(first_true(1, 100, |n| n >= 37), Some(37));
        assert_eq!(first_true(1, 100, |_| true), Some(1));
        assert_eq!(first_true(1, 100, |_| false), None);
    }

    #[test]
    fn later_sum_is_geometric_then_capped() {
        let g = Geometric {
            m: 100.0,
            x2: 10.0,
            lambda: 2.0,
            w: 50.0,
            r1: 1.0,
            r2: 1.0,
            setup_s: 0.0,
        };
        // 10, 20, 40, 50, 50
        assert_eq!((2..=6).map(|i| g.x(i)).sum::<f64>(), 170.0);
        assert!((g.later_sum(6) - 170.0).abs() < 1e-12);
        let g = Geometric { lambda: 0.5, ..g };
        assert!((g.later_sum(5) - (10.0 + 5.0 + 2.5 + 1.25)).abs() < 1e-12);
        let g = Geometric { lambda: 1.0, ..g };
        assert_eq!(g.later_sum(5), 40.0);
    }
}
