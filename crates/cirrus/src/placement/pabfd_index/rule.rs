//! The paper's power increase, `P(min(u + x, 1)) − P(u)`, in one canonical
//! floating-point expression per pair of linear pieces.
//!
//! See [`LinearPieces`] for the expression and why it is canonical.

use std::sync::Arc;

use crate::power::{PowerModel, SpecPowerTable};

/// A measured power table as exact linear pieces: the form in which the
/// paper's increase has one canonical expression per pair of pieces.
///
/// A measured power table (watts at `n + 1` evenly spaced utilisations) is a
/// piecewise-linear curve. On piece `p` it is the line `I_p + S_p·u`; adjacent
/// segments whose slopes are *exactly* equal (compared without rounding) are
/// one piece, so a table that is a straight line is a single piece. Utilisation
/// 1 is a piece of its own, `m`, the constant line `P(1)` (slope 0).
///
/// For a host at utilisation `u` (piece `i`) receiving `x` (the VM's demand
/// over the host's capacity), let `j` be the piece of `u + x` (`m` when
/// `u + x ≥ 1`: the curve is capped at `P(1)`). Then
///
/// ```text
/// P(min(u + x, 1)) − P(u) = (I_j − I_i + S_j·x) + (S_j − S_i)·u      (j < m)
///                         = (P(1) − I_i)         + (−S_i)·u           (j = m)
/// ```
///
/// and the increase is computed as `fl(c + fl(k·u))` with `c` and `k` the
/// bracketed constants, each rounded once in the order written. Hence:
///
/// * **Equal pieces, equal doubles.** Two hosts of one type whose `u` and
///   `u + x` fall on the same pieces `(i, j)` compute the same expression of
///   the same constants; when `k = 0` (always for `i = j`: the increase is
///   `S_i·x`, whatever `u`) every such host gets the *same double*, so ties
///   between mathematically equal increases are exact and go to the lowest id.
/// * **Monotone in `u` inside a bucket.** IEEE rounding is monotone, so for
///   fixed `(i, j, x)` the value `fl(c + fl(k·u))` never decreases in `u` when
///   `k > 0` and never increases when `k < 0` — over *all* doubles `u`, not
///   only those in the bucket. This is what lets the index find the least
///   increase in a bucket at one end of its utilisation range, and bound a
///   bucket from its range's ends without looking at any host.
///
/// The pieces are found with `⌊u·n⌋` in floating point, which is monotone in
/// `u`; near a breakpoint it may pick the neighbouring piece, whose line passes
/// through the same breakpoint, so the value stays within rounding of the true
/// `P(u)` either way.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearPieces {
    /// Segments of the table, `n` (CloudSim: 10).
    segments: f64,
    /// Last segment index, `n − 1`.
    last_segment: usize,
    /// The piece each segment belongs to.
    segment_piece: Vec<u32>,
    /// Pieces `0..m` of the table, the piece `m` of `u = 1`, and a sentinel
    /// `m + 1` that starts at `+∞`.
    piece: Vec<Piece>,
}

/// One linear piece `I + S·u` and the doubles it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Piece {
    /// `S`, W per unit of utilisation (0 for `m` and `m + 1`).
    pub slope: f64,
    /// `I`, W: the line's value at `u = 0` (`P(1)` for `m` and `m + 1`).
    pub intercept: f64,
    /// The least double `u` whose piece is this one or a later one.
    pub low: f64,
    /// The greatest double in this piece.
    pub high: f64,
    /// The spacing of doubles just above `low`.
    pub low_ulp: f64,
}

impl LinearPieces {
    /// The pieces of a measured table.
    pub fn new(table: &SpecPowerTable) -> Self {
        let w = table.watts();
        // A validated table has at least 2 finite entries; `n ≥ 1`.
        let n = w.len() - 1;
        let segments = n as f64;
        // Piece starts: a new piece wherever the exact difference of entries changes.
        let mut segment_piece = Vec::with_capacity(n);
        let mut starts: Vec<usize> = Vec::new();
        for k in 0..n {
            if k == 0 || two_diff(w[k + 1], w[k]) != two_diff(w[k], w[k - 1]) {
                starts.push(k);
            }
            segment_piece.push((starts.len() - 1) as u32);
        }
        let m = starts.len();
        let full_w = w[n];
        let line = |slope, intercept| Piece {
            slope,
            intercept,
            low: 0.0,
            high: 0.0,
            low_ulp: 0.0,
        };
        let mut piece: Vec<Piece> = starts
            .iter()
            .map(|&s| {
                // On segment s: P(u) = w[s] + d·(u·n − s) = (w[s] − d·s) + (d·n)·u.
                let d = w[s + 1] - w[s];
                line(d * segments, w[s] - d * s as f64)
            })
            .collect();
        piece.push(line(0.0, full_w));
        piece.push(line(0.0, full_w));
        let mut pieces = Self {
            segments,
            last_segment: n - 1,
            segment_piece,
            piece,
        };
        let low: Vec<f64> = (0..m + 2)
            .map(|p| match p {
                0 => 0.0,
                p if p < m => pieces.least_u_in_piece(p),
                p if p == m => 1.0,
                _ => f64::INFINITY,
            })
            .collect();
        for (p, piece) in pieces.piece.iter_mut().enumerate() {
            piece.low = low[p];
            piece.high = match p {
                p if p < m => low[p + 1].next_down(),
                p if p == m => 1.0,
                _ => f64::INFINITY,
            };
            piece.low_ulp = if p <= m { low[p].next_up() - low[p] } else { 0.0 };
        }
        pieces
    }

    /// The number of pieces below utilisation 1 (`m`); piece `m` is `u = 1`.
    #[inline]
    pub fn pieces(&self) -> usize {
        self.piece.len() - 2
    }

    /// The number of segments of the table the pieces come from (`n`).
    #[cfg(test)]
    pub(super) fn segments(&self) -> usize {
        self.last_segment + 1
    }

    /// Piece `p ≤ m + 1`.
    #[inline]
    pub(super) fn get(&self, p: usize) -> &Piece {
        &self.piece[p]
    }

    /// The piece of a canonical utilisation `u ∈ [0, 1]`.
    #[inline]
    pub(super) fn piece(&self, u: f64) -> usize {
        if u >= 1.0 {
            return self.pieces();
        }
        // u ≥ 0, so the conversion truncates towards 0 (floor) and saturates.
        let seg = ((u * self.segments) as usize).min(self.last_segment);
        self.segment_piece[seg] as usize
    }

    /// The piece of `u + x` (`m` when it reaches 1).
    #[inline]
    pub(super) fn target(&self, u: f64, x: f64) -> usize {
        let v = u + x;
        if v >= 1.0 { self.pieces() } else { self.piece(v) }
    }

    /// `(c, k)` of bucket `(i, j)` for relative demand `x`: the increase of a
    /// host at `u` in the bucket is [`bucket_value`]`(c, k, u)`.
    #[inline]
    pub(super) fn bucket_constants(&self, i: usize, j: usize, x: f64) -> (f64, f64) {
        bucket_constants(&self.piece[i], &self.piece[j], j == self.pieces(), x)
    }

    /// The least double `u` whose piece is `≥ p`, for `p ≤ m` (`low(m) = 1`),
    /// and `+∞` for `p = m + 1`.
    #[inline]
    pub(super) fn low(&self, p: usize) -> f64 {
        self.piece[p].low
    }

    /// The greatest double in piece `p ≤ m` (tests).
    #[cfg(test)]
    pub(super) fn high(&self, p: usize) -> f64 {
        self.piece[p].high
    }

    /// The least double `u ∈ [0, 1)` with `piece(u) ≥ p` (bisection on the
    /// bit patterns, which order non-negative doubles).
    fn least_u_in_piece(&self, p: usize) -> f64 {
        let (mut lo, mut hi) = (0.0_f64.to_bits(), 1.0_f64.next_down().to_bits());
        debug_assert!(self.piece(f64::from_bits(lo)) < p && self.piece(f64::from_bits(hi)) >= p);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.piece(f64::from_bits(mid)) >= p {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        f64::from_bits(hi)
    }
}

/// `(c, k)` of the bucket from piece `from` to piece `to` (`capped`: `to`
/// is piece `m`, where the curve stays at `P(1)`).
#[inline]
pub(super) fn bucket_constants(from: &Piece, to: &Piece, capped: bool, x: f64) -> (f64, f64) {
    if capped {
        (to.intercept - from.intercept, -from.slope)
    } else {
        (
            (to.intercept - from.intercept) + to.slope * x,
            to.slope - from.slope,
        )
    }
}

/// `(fl(a − b), a − b − fl(a − b))`: the exact difference as an unevaluated
/// pair (Knuth's TwoSum), equal for two pairs exactly when the real
/// differences are equal.
fn two_diff(a: f64, b: f64) -> (f64, f64) {
    let s = a - b;
    let bb = s - a;
    let err = (a - (s - bb)) + (-b - bb);
    (s, err)
}

/// The increase of bucket constants `(c, k)` at utilisation `u`: `fl(c + fl(k·u))`.
#[inline]
pub(super) fn bucket_value(c: f64, k: f64, u: f64) -> f64 {
    c + k * u
}

/// The utilisation the rule works with: `u` clamped to `[0, 1]` (NaN reads as 0).
#[inline]
pub fn canonical_utilization(u: f64) -> f64 {
    if u > 0.0 { u.min(1.0) } else { 0.0 }
}

/// The relative demand the rule works with: `x` if positive, else 0 (NaN reads
/// as 0); `+∞` stays (every host is then capped at `P(1)`).
#[inline]
pub fn canonical_demand(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// The paper's PABFD increase on a measured table: `P(min(u + x, 1)) − P(u)`
/// in watts for a host at utilisation `u` receiving relative demand `x`
/// (demand MIPS over the host's capacity), computed so that mathematically
/// equal increases on the same pair of pieces are the same double (see
/// [`LinearPieces`]).
#[inline]
pub fn paper_increase(pieces: &LinearPieces, u: f64, x: f64) -> f64 {
    let u = canonical_utilization(u);
    let x = canonical_demand(x);
    let (c, k) = pieces.bucket_constants(pieces.piece(u), pieces.target(u, x), x);
    bucket_value(c, k, u)
}

/// The paper's increase on any other power model, `P(min(u + x, 1)) − P(u)`
/// evaluated directly: mathematically equal increases need not be equal
/// doubles here (there are no linear pieces to make them so).
#[inline]
pub fn model_increase(model: &dyn PowerModel, u: f64, x: f64) -> f64 {
    let u = canonical_utilization(u);
    let x = canonical_demand(x);
    let v = u + x;
    model.power_watts(if v >= 1.0 { 1.0 } else { v }) - model.power_watts(u)
}

/// How the increase of one host type is computed.
#[derive(Debug, Clone)]
pub enum IncreaseRule {
    /// A measured table: [`paper_increase`]; the index searches these hosts.
    Pieces(LinearPieces),
    /// Any other model: [`model_increase`]; the index scans these hosts.
    Model(Arc<dyn PowerModel>),
}

impl IncreaseRule {
    /// The rule for a power model: its table's pieces if it is a table.
    pub fn for_model(model: &Arc<dyn PowerModel>) -> Self {
        match model.as_table() {
            Some(table) => IncreaseRule::Pieces(LinearPieces::new(table)),
            None => IncreaseRule::Model(Arc::clone(model)),
        }
    }

    /// The increase, W, at utilisation `u` for relative demand `x`.
    #[inline]
    pub fn increase_w(&self, u: f64, x: f64) -> f64 {
        match self {
            IncreaseRule::Pieces(p) => paper_increase(p, u, x),
            IncreaseRule::Model(m) => model_increase(m.as_ref(), u, x),
        }
    }
}

/// A double `≤` every `u ≥ 0` with `fl(u + x) ≥ t`, for `0 < t ≤ 1`, `x ≥ 0`,
/// given `ulp_t = next_up(t) − t`.
///
/// `fl(u + x) ≥ t` needs `u + x ≥ t − ulp(t)/2` (the midpoint below `t`), and
/// `s = fl(t − x)` is within `ulp(t)/2` of `t − x`, so `s − ulp(t)` is below
/// every such `u`; that subtraction is exact (both are multiples of the
/// spacing at `s`, and the result lies in `[0, s]`) or negative (then 0).
#[inline]
pub(super) fn u_floor_for_sum_at_least(t: f64, ulp_t: f64, x: f64) -> f64 {
    if x >= t {
        return 0.0;
    }
    let s = t - x;
    let low = s - ulp_t;
    if low > 0.0 { low } else { 0.0 }
}

/// A double `≥` every `u ≥ 0` with `fl(u + x) < t`, for `0 < t ≤ 1`, `x ≥ 0`,
/// given `ulp_t = next_up(t) − t`.
///
/// `fl(u + x) < t` needs `u + x < t` (rounding is monotone and `t` is a
/// double), so `u < t − x ≤ fl(t − x) + ulp(t)/2`; adding `2·ulp(t)` in
/// floating point loses at most `ulp(t)` to rounding.
#[inline]
pub(super) fn u_ceil_for_sum_below(t: f64, ulp_t: f64, x: f64) -> f64 {
    (t - x) + 2.0 * ulp_t
}
