//! Regression lines through a utilisation history: the least-squares line CloudSim's LR and
//! LRR detectors really fit, CloudSim's robust variant with its quirks, and the weighted
//! local regressions (LOESS) they were meant to be.

use super::spread::median_in_place;
use super::{COMMONS_SAFE_MIN, JAVA_DOUBLE_MIN_VALUE, with_buffer};

/// commons-math3 `SimpleRegression` with an intercept: the updating formulas of its `addData`
/// (Chan, Golub & LeVeque 1983) and its estimates, operation for operation.
#[derive(Debug, Clone, Copy, Default)]
struct SimpleRegression {
    sum_x: f64,
    sum_xx: f64,
    sum_y: f64,
    sum_xy: f64,
    n: u64,
    x_bar: f64,
    y_bar: f64,
}

impl SimpleRegression {
    /// `SimpleRegression.addData(x, y)` (hasIntercept = true; `sumYY` is not needed here).
    fn add(&mut self, x: f64, y: f64) {
        if self.n == 0 {
            self.x_bar = x;
            self.y_bar = y;
        } else {
            let n = self.n as f64;
            let fact1 = 1.0 + n;
            let fact2 = n / (1.0 + n);
            let dx = x - self.x_bar;
            let dy = y - self.y_bar;
            self.sum_xx += dx * dx * fact2;
            self.sum_xy += dx * dy * fact2;
            self.x_bar += dx / fact1;
            self.y_bar += dy / fact1;
        }
        self.sum_x += x;
        self.sum_y += y;
        self.n += 1;
    }

    /// `getSlope()`.
    fn slope(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        // commons-math: "not enough variation in x" below 10 * Double.MIN_VALUE.
        if self.sum_xx.abs() < 10.0 * JAVA_DOUBLE_MIN_VALUE {
            return f64::NAN;
        }
        self.sum_xy / self.sum_xx
    }

    /// `getIntercept(slope)`.
    fn intercept(&self, slope: f64) -> f64 {
        (self.sum_y - slope * self.sum_x) / self.n as f64
    }

    /// `predict(x)`.
    fn predict(&self, x: f64) -> f64 {
        let b1 = self.slope();
        self.intercept(b1) + b1 * x
    }

    /// `regress().getParameterEstimates()` as `(intercept, slope)`; `None` where it throws
    /// `NoDataException` (fewer than 3 observations).
    fn regress(&self) -> Option<(f64, f64)> {
        if self.n < 3 {
            return None;
        }
        if self.sum_xx.abs() > COMMONS_SAFE_MIN {
            Some((self.intercept(self.slope()), self.slope()))
        } else {
            Some((self.sum_y / self.n as f64, f64::NAN))
        }
    }
}

/// x-coordinate of the `i`-th (0-based) value of a regression window: CloudSim's `x[i] = i + 1`.
#[inline]
fn x_of(i: usize) -> f64 {
    (i + 1) as f64
}

/// The least-squares line through `(i + 1, y[i])`, as `(intercept, slope)`: what CloudSim's
/// `MathUtil.getLoessParameterEstimates` — the estimator of its LR detector — really computes.
///
/// **Quirk** (`docs/CLOUDSIM.md` §3.6): CloudSim's "LOESS" is meant to weight the points with a
/// tricube kernel, but `getTricubeWeigts` returns *inverse* tricube weights (`1/k`, all > 0), and
/// `createWeigthedLinearRegression` applies weights only when at least 40 % of them are ≤ 0, so
/// they are never applied: the result is the plain, unweighted OLS line. It is computed here
/// with commons-math `SimpleRegression`'s updating formulas, so it is bit-identical to CloudSim.
///
/// Needs at least 2 values (NaN otherwise). CloudSim itself needs 3: with fewer,
/// `getTricubeWeigts` indexes past its array and the simulation aborts.
pub fn ols_line(y: &[f64]) -> (f64, f64) {
    let reg = simple_regression(y, |_| 1.0, false);
    let b1 = reg.slope();
    (reg.intercept(b1), b1)
}

/// `SimpleRegression` over `(x_of(i), y[i])`, or over `(√wᵢ·xᵢ, √wᵢ·yᵢ)` when `weighted` —
/// the two branches of CloudSim's `createWeigthedLinearRegression`.
fn simple_regression(y: &[f64], weight: impl Fn(usize) -> f64, weighted: bool) -> SimpleRegression {
    let mut reg = SimpleRegression::default();
    for (i, &yi) in y.iter().enumerate() {
        if weighted {
            let s = weight(i).sqrt();
            reg.add(s * x_of(i), s * yi);
        } else {
            reg.add(x_of(i), yi);
        }
    }
    reg
}

/// CloudSim's `MathUtil.createWeigthedLinearRegression(x, y, weights)` with `x = 1..n`: the
/// weights are used (as `√w·x`, `√w·y` in a regression that still has an intercept, which is
/// not weighted least squares either) only when at least 40 % of them are ≤ 0.
fn cloudsim_weighted_regression(y: &[f64], weights: &[f64]) -> SimpleRegression {
    let non_positive = weights.iter().filter(|&&w| w <= 0.0).count();
    // CloudSim: `numZeroWeigths >= 0.4 * weigths.length` ("as to Flanagan's documentation").
    let weighted = non_positive as f64 >= 0.4 * weights.len() as f64;
    simple_regression(y, |i| weights[i], weighted)
}

/// CloudSim's `MathUtil.getTricubeWeigts(n)` into `out` (n = `out.len()` ≥ 3): `1/k` with
/// `k = (1 − ((n − 1 − i)/(n − 1))³)³` for i ≥ 2 (`Double.MAX_VALUE` where k ≤ 0), and
/// `w[0] = w[1] = w[2]`.
pub(super) fn cloudsim_tricube_weights(out: &mut [f64]) {
    let n = out.len();
    let top = (n - 1) as f64;
    let spread = top;
    for (i, w) in out.iter_mut().enumerate().skip(2) {
        let k = (1.0 - ((top - i as f64) / spread).powf(3.0)).powf(3.0);
        *w = if k > 0.0 { 1.0 / k } else { f64::MAX };
    }
    out[0] = out[2];
    out[1] = out[2];
}

/// CloudSim 4.0's `MathUtil.getRobustLoessParameterEstimates` — the estimator of its LRR
/// detector — reproduced exactly, as `(intercept, slope)`.
///
/// It fits the (unweighted, see [`ols_line`]) line, computes the residuals, builds
/// `getTricubeBisquareWeigts` (with `s6 = 6·median|rᵢ|` and `k = (1 − (rᵢ/s6)²)²`, weight
/// `(1/k)·tricubeᵢ`, or `Double.MAX_VALUE` where `k ≤ 0`), refits with
/// `createWeigthedLinearRegression`, and returns the first fit if the refit is NaN.
///
/// Those weights are positive too, so in practice the refit is the same line and **LRR equals
/// LR** (`docs/CLOUDSIM.md` §3.6). **Quirk** not described there: when at least 6 of 10 residuals
/// are exactly 0 (so `s6 = 0`), each non-zero residual gets `k = ∞` and weight 0; if that makes at
/// least 40 % of the weights ≤ 0, the "weighted" branch *is* taken, with weights 0 and
/// `Double.MAX_VALUE` (`√MAX ≈ 1.34e154`), and the refit overflows: CloudSim 4.0 then falls
/// back to the first fit when the result is NaN, but a finite result (e.g. slope `0/∞ = 0`,
/// intercept ≈ 5e152) is returned as is and makes the host "overloaded". CloudSim 3.0.3 tested
/// `estimates[0] == Double.NaN` (always false) and returned even a NaN refit. This reproduces
/// 4.0. The case needs exactly collinear data and does not occur on the PlanetLab traces
/// (CloudSim printed identical LR and LRR metrics).
///
/// Needs at least 3 values (NaN otherwise; CloudSim aborts).
pub fn cloudsim_robust_line(y: &[f64]) -> (f64, f64) {
    let n = y.len();
    if n < 3 {
        return (f64::NAN, f64::NAN);
    }
    with_buffer(3 * n, |buf| {
        let (tricube, rest) = buf.split_at_mut(n);
        let (residuals, bisquare) = rest.split_at_mut(n);
        cloudsim_tricube_weights(tricube);
        let first = cloudsim_weighted_regression(y, tricube);
        for (i, (r, &yi)) in residuals.iter_mut().zip(y).enumerate() {
            *r = yi - first.predict(x_of(i));
        }
        // getTricubeBisquareWeigts(residuals): s6 = median(abs(residuals)) * 6.
        bisquare.copy_from_slice(residuals);
        bisquare.iter_mut().for_each(|r| *r = r.abs());
        let s6 = median_in_place(bisquare) * 6.0;
        for i in 2..n {
            let u = residuals[i] / s6;
            let k = (1.0 - u * u) * (1.0 - u * u);
            bisquare[i] = if k > 0.0 { (1.0 / k) * tricube[i] } else { f64::MAX };
        }
        bisquare[0] = bisquare[2];
        bisquare[1] = bisquare[2];
        let second = cloudsim_weighted_regression(y, bisquare);
        // n >= 3, so regress() cannot throw.
        let estimates = second.regress().unwrap_or((f64::NAN, f64::NAN));
        if estimates.0.is_nan() || estimates.1.is_nan() {
            first.regress().unwrap_or((f64::NAN, f64::NAN))
        } else {
            estimates
        }
    })
}

/// Tricube kernel `(1 − |u|³)³` for `|u| < 1`, else 0 (Cleveland 1979).
fn tricube(u: f64) -> f64 {
    let a = u.abs();
    if a < 1.0 { (1.0 - a * a * a).powi(3) } else { 0.0 }
}

/// Bisquare kernel `(1 − u²)²` for `|u| < 1`, else 0 (Cleveland 1979).
fn bisquare(u: f64) -> f64 {
    if u.abs() < 1.0 { (1.0 - u * u).powi(2) } else { 0.0 }
}

/// Weighted least-squares line through `(i + 1, y[i])` with weights `w`, as `(intercept,
/// slope)`; `None` when fewer than two distinct x carry weight.
fn weighted_line(y: &[f64], w: &[f64]) -> Option<(f64, f64)> {
    let sw: f64 = w.iter().sum();
    if sw <= 0.0 || sw.is_nan() {
        return None;
    }
    let (mut sx, mut sy) = (0.0, 0.0);
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        sx += wi * x_of(i);
        sy += wi * yi;
    }
    let (x_mean, y_mean) = (sx / sw, sy / sw);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        let dx = x_of(i) - x_mean;
        sxx += wi * dx * dx;
        sxy += wi * dx * (yi - y_mean);
    }
    if sxx <= 0.0 || sxx.is_nan() {
        return None;
    }
    let slope = sxy / sxx;
    Some((y_mean - slope * x_mean, slope))
}

/// Fills `w` with the tricube neighbourhood weights of a local-linear fit at the newest point
/// `x = n`: `wᵢ = T((n − xᵢ)/(n − 1))`, the bandwidth being the whole window.
fn loess_weights(w: &mut [f64]) {
    let n = w.len();
    let spread = (n - 1) as f64;
    for (i, wi) in w.iter_mut().enumerate() {
        *wi = tricube((n - 1 - i) as f64 / spread);
    }
}

/// The local linear regression Beloglazov & Buyya (CCPE 2012) describe and
/// CloudSim does not compute (see [`ols_line`]): weighted least squares with Cleveland's
/// (1979) tricube neighbourhood weights `wᵢ = (1 − (dᵢ/Δ)³)³`, where `dᵢ` is the distance from
/// the newest point (the one the fit extrapolates from) and `Δ` the largest distance in the
/// window, so the newest value has weight 1 and the oldest weight 0. Returns `(intercept,
/// slope)` in CloudSim's coordinates (`x = 1..n`, oldest first).
///
/// Needs at least 3 values (two with non-zero weight); NaN otherwise.
pub fn loess_line(y: &[f64]) -> (f64, f64) {
    let n = y.len();
    if n < 3 {
        return (f64::NAN, f64::NAN);
    }
    with_buffer(n, |w| {
        loess_weights(w);
        weighted_line(y, w).unwrap_or((f64::NAN, f64::NAN))
    })
}

/// Number of bisquare re-weighting steps of [`robust_loess_line`]: one, as CloudSim's
/// `getRobustLoessParameterEstimates` intends (Cleveland 1979 suggests two).
pub const ROBUSTNESS_ITERATIONS: usize = 1;

/// [`loess_line`] made robust as CloudSim's `getRobustLoessParameterEstimates` intends and
/// Cleveland (1979) defines: with residuals `rᵢ` of the current fit and `s = median|rᵢ|`, each
/// point's weight is multiplied by the bisquare `B(rᵢ/(6s))`, `B(u) = (1 − u²)²` for `|u| < 1`
/// and 0 beyond, and the line is refitted ([`ROBUSTNESS_ITERATIONS`] times).
///
/// When `s = 0` (at least half the points lie exactly on the line) the bisquare weights are
/// taken at their limit: 1 for points on the line, 0 for the others. If a refit is degenerate
/// (fewer than two distinct x keep a weight), the previous fit is returned — CloudSim's
/// intended fallback to the non-robust estimate.
pub fn robust_loess_line(y: &[f64]) -> (f64, f64) {
    let n = y.len();
    if n < 3 {
        return (f64::NAN, f64::NAN);
    }
    with_buffer(3 * n, |buf| {
        let (neighbourhood, rest) = buf.split_at_mut(n);
        let (abs_residuals, w) = rest.split_at_mut(n);
        loess_weights(neighbourhood);
        let Some(mut fit) = weighted_line(y, neighbourhood) else {
            return (f64::NAN, f64::NAN);
        };
        for _ in 0..ROBUSTNESS_ITERATIONS {
            let residual = |i: usize| y[i] - (fit.0 + fit.1 * x_of(i));
            for (i, r) in abs_residuals.iter_mut().enumerate() {
                *r = residual(i).abs();
            }
            let s6 = 6.0 * median_in_place(abs_residuals);
            for (i, wi) in w.iter_mut().enumerate() {
                let r = residual(i);
                let robustness = if s6 > 0.0 {
                    bisquare(r / s6)
                } else if r == 0.0 {
                    1.0
                } else {
                    0.0
                };
                *wi = neighbourhood[i] * robustness;
            }
            match weighted_line(y, w) {
                Some(next) => fit = next,
                None => break,
            }
        }
        fit
    })
}
