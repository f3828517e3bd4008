//! The statistics behind CloudSim's overload detectors and its maximum-correlation (MC) VM
//! selection, reproduced operation by operation so that every result agrees with CloudSim to
//! the last bit.
//!
//! CloudSim (3.0.3 and 4.0, `org.cloudbus.cloudsim.util.MathUtil`) computes these with Apache
//! commons-math3 (3.0 in CloudSim 3.0.3; the arithmetic of the classes used is unchanged up to
//! 3.6.1, against which the golden values in the tests were produced):
//!
//! | here | CloudSim / commons-math |
//! |---|---|
//! | [`median`] | `MathUtil.median` = `DescriptiveStatistics.getPercentile(50)` |
//! | [`mad`] | `MathUtil.mad` |
//! | [`iqr`] | `MathUtil.iqr` |
//! | [`count_non_zero_beginning`], [`trim_zero_tail`] | the `MathUtil` methods of those names |
//! | [`ols_line`] | `MathUtil.getLoessParameterEstimates` (what it really computes: see there) |
//! | [`cloudsim_robust_line`] | `MathUtil.getRobustLoessParameterEstimates` (CloudSim 4.0) |
//! | [`r_squared`] | `OLSMultipleLinearRegression.calculateRSquared` |
//! | [`max_correlation`] | `PowerVmSelectionPolicyMaximumCorrelation.getVmToMigrate` |
//!
//! [`loess_line`] and [`robust_loess_line`] are what CloudSim's local regression was meant to
//! be (Beloglazov & Buyya, CCPE 2012, after Cleveland, JASA 1979), which its code
//! is not.
//!
//! # Exactness
//!
//! Java never fuses multiply-adds and `Math.sqrt` is correctly rounded, as are Rust's `+ - * /`
//! and `f64::sqrt`; the loops below keep commons-math's operation order (accumulation order,
//! `a - b*c` rather than `a + (-b)*c`, the order of the Householder updates), so the results
//! are bit-identical, not merely close. Sorting uses Java's `Arrays.sort(double[])` order
//! (`Double.compare`: −0.0 before 0.0, NaN last).
//!
//! # Allocation
//!
//! Everything here works on histories of a few dozen values (CloudSim keeps 30,
//! `PowerVm.HISTORY_LENGTH`). Copies that the algorithms need are made in stack buffers of
//! [`STACK_VALUES`] values and fall back to the heap only for longer inputs; the regression
//! functions take an [`OlsScratch`] whose buffers are reused from call to call.

use std::cmp::Ordering;

/// Inputs up to this many values are copied into stack buffers; longer ones use the heap.
/// Twice CloudSim's `PowerVm.HISTORY_LENGTH` (30).
pub const STACK_VALUES: usize = 64;

/// Java's `Double.MIN_VALUE`: the smallest positive *subnormal* double (2⁻¹⁰⁷⁴), not Rust's
/// `f64::MIN_POSITIVE` (the smallest normal one).
const JAVA_DOUBLE_MIN_VALUE: f64 = f64::from_bits(1);

/// commons-math `Precision.SAFE_MIN` = 2⁻¹⁰²² (the smallest normal double), the threshold of
/// `SimpleRegression.regress()`.
const COMMONS_SAFE_MIN: f64 = f64::MIN_POSITIVE;

/// Java's `Double.compare` (and hence `Arrays.sort(double[])`): numeric order, −0.0 before
/// 0.0, every NaN equal to every other and after +∞.
fn java_compare(a: f64, b: f64) -> Ordering {
    if a < b {
        Ordering::Less
    } else if a > b {
        Ordering::Greater
    } else {
        // Equal, or at least one NaN: compare `doubleToLongBits` (NaNs canonicalised) as signed.
        let bits = |x: f64| {
            if x.is_nan() {
                f64::NAN.to_bits() as i64
            } else {
                x.to_bits() as i64
            }
        };
        bits(a).cmp(&bits(b))
    }
}

/// Java's `Arrays.sort(double[])`.
fn java_sort(data: &mut [f64]) {
    data.sort_unstable_by(|a, b| java_compare(*a, *b));
}

/// Runs `f` on a zero-filled scratch slice of `len` values: on the stack when `len` is at most
/// [`STACK_VALUES`], otherwise on the heap.
fn with_buffer<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    if len <= STACK_VALUES {
        let mut buf = [0.0; STACK_VALUES];
        f(&mut buf[..len])
    } else {
        f(&mut vec![0.0; len])
    }
}

/// Runs `f` on a mutable copy of `data` (see [`with_buffer`]).
fn with_copy<R>(data: &[f64], f: impl FnOnce(&mut [f64]) -> R) -> R {
    with_buffer(data.len(), |buf| {
        buf.copy_from_slice(data);
        f(buf)
    })
}

/// The median as commons-math computes it: `DescriptiveStatistics.getPercentile(50)`, the
/// default ("legacy") estimation of `Percentile`.
///
/// With the `n` values sorted ascending (1-based), `pos = 50·(n + 1)/100`; `pos < 1` gives the
/// minimum, `pos ≥ n` the maximum, otherwise `lower + (pos − ⌊pos⌋)·(upper − lower)` with
/// `lower`, `upper` the values at positions `⌊pos⌋` and `⌊pos⌋ + 1`. For an even `n` that is
/// `lower + 0.5·(upper − lower)`, which is not always bit-equal to `(lower + upper)/2`.
///
/// An empty input gives NaN (as commons-math), one value gives that value. With NaN among the
/// values the result follows Java's sort order (NaN largest); commons-math's partition-based
/// selection may then differ, and CloudSim never feeds it NaN.
pub fn median(data: &[f64]) -> f64 {
    with_copy(data, median_in_place)
}

/// [`median`] without the copy: sorts `data` in place (Java order) and returns its median.
pub fn median_in_place(data: &mut [f64]) -> f64 {
    java_sort(data);
    percentile_of_sorted(data, 50.0)
}

/// commons-math `Percentile.evaluate(values, p)` (legacy estimation) on values already sorted
/// ascending; `p` in (0, 100].
fn percentile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    let len = sorted.len();
    match len {
        0 => return f64::NAN,
        1 => return sorted[0],
        _ => {}
    }
    let n = len as f64;
    // commons-math: `pos = p * (n + 1) / 100` (Percentile.java, legacy estimation).
    let pos = p * (n + 1.0) / 100.0;
    let fpos = pos.floor();
    let int_pos = fpos as usize;
    let dif = pos - fpos;
    if pos < 1.0 {
        return sorted[0];
    }
    if pos >= n {
        return sorted[len - 1];
    }
    let lower = sorted[int_pos - 1];
    let upper = sorted[int_pos];
    lower + dif * (upper - lower)
}

/// The median absolute deviation, CloudSim's `MathUtil.mad`: `median(|median(x) − xᵢ|)`, both
/// medians as in [`median`]; 0 for an empty input (CloudSim's guard).
///
/// No scale factor (1.4826) is applied: CloudSim's MAD detector uses the raw MAD.
pub fn mad(data: &[f64]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let m = median(data);
    with_buffer(data.len(), |dev| {
        for (d, &x) in dev.iter_mut().zip(data) {
            *d = (m - x).abs();
        }
        median_in_place(dev)
    })
}

/// The interquartile range exactly as CloudSim's `MathUtil.iqr` computes it (not
/// commons-math's quartiles): sort ascending, then
///
/// ```text
/// q1 = x[round(0.25·(n + 1)) − 1],   q3 = x[round(0.75·(n + 1)) − 1]   (0-based, Java Math.round:
/// halves round up)
/// ```
///
/// and `q3 − q1`. No interpolation: for n = 12, q1 is the 3rd and q3 the 10th smallest value.
///
/// For fewer than 2 values the Java index is out of bounds (`ArrayIndexOutOfBoundsException`,
/// which would abort CloudSim); this returns NaN instead. CloudSim's IQR detector never calls
/// it with fewer than 12 values.
pub fn iqr(data: &[f64]) -> f64 {
    with_copy(data, |sorted| {
        java_sort(sorted);
        let n = sorted.len() as f64;
        // Java's Math.round(x) = floor(x + 0.5) for these non-negative, non-huge values.
        let q1 = (0.25 * (n + 1.0) + 0.5).floor() as usize;
        let q3 = (0.75 * (n + 1.0) + 0.5).floor() as usize;
        match (q1.checked_sub(1), q3.checked_sub(1)) {
            (Some(i1), Some(i3)) if i3 < sorted.len() => sorted[i3] - sorted[i1],
            _ => f64::NAN,
        }
    })
}

/// CloudSim's `MathUtil.countNonZeroBeginning`, which — despite its name — is the length of
/// `data` up to and including its *last* non-zero value (interior zeros count).
///
/// **Quirk** (not documented by CloudSim): an input that is empty or all zeros gives **1**,
/// not 0 (the Java loop runs off the front and returns `−1 + 2`). NaN counts as non-zero and
/// −0.0 as zero (Java `!=`).
pub fn count_non_zero_beginning(data: &[f64]) -> usize {
    match data.iter().rposition(|&x| x != 0.0) {
        Some(last) => last + 1,
        None => 1,
    }
}

/// CloudSim's `MathUtil.trimZeroTail`: `data` without its trailing zeros, i.e. its first
/// [`count_non_zero_beginning`] values.
///
/// Because of that count's quirk, an all-zero input gives `[0.0]` (its first value) and an
/// empty input gives `[0.0]` too (Java's `Arrays.copyOfRange` pads with zeros), never an empty
/// slice: CloudSim's history of an idle host is `[0.0]`, of length 1.
pub fn trim_zero_tail(data: &[f64]) -> &[f64] {
    if data.is_empty() {
        return &[0.0];
    }
    &data[..count_non_zero_beginning(data)]
}

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
fn cloudsim_tricube_weights(out: &mut [f64]) {
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

/// Reusable buffers for [`r_squared_with`] and [`max_correlation_with`]: with one scratch per
/// caller, the regressions allocate only when a problem is larger than any seen before.
#[derive(Debug, Clone, Default)]
pub struct OlsScratch {
    /// commons-math's packed, transposed QR decomposition: one row of `m` values per column of
    /// the design matrix.
    qrt: Vec<f64>,
    /// The diagonal of R.
    r_diag: Vec<f64>,
    /// The right-hand side, transformed in place by the solver.
    work: Vec<f64>,
    /// The regression coefficients, intercept first.
    beta: Vec<f64>,
}

/// The coefficient of determination R² of the OLS regression of `y` on the regressors `xs`
/// (each a column of `y.len()` observations) *with an intercept*, exactly as commons-math3
/// `OLSMultipleLinearRegression.newSampleData(y, x)` followed by `calculateRSquared()`
/// computes it: `1 − SSR/SSTO`, with the coefficients from a Householder QR decomposition of
/// the design matrix `[1 | xs]` and SSTO from `SecondMoment` (Welford's updating formula).
///
/// `None` where commons-math throws a `MathIllegalArgumentException` (an
/// `IllegalArgumentException`, which is what CloudSim's MC policy catches):
///
/// * no observations, or a column whose length differs from `y`'s;
/// * fewer observations than regressors + 1 (`NOT_ENOUGH_DATA_FOR_NUMBER_OF_PREDICTORS`);
/// * a singular design matrix (`SingularMatrixException`). commons-math's singularity test is
///   `|R[i][i]| ≤ threshold` with the default threshold **0**: only an *exactly* zero diagonal
///   element of R counts — e.g. an all-zero regressor, or one that the previous Householder
///   steps reduce to exact zeros. A merely near-singular matrix (say two identical columns
///   whose difference rounds to 1e-17) is not detected, and its R² is whatever the
///   ill-conditioned solve yields, in commons-math as here: the operations are the same.
///
/// A constant `y` gives SSTO = 0 and hence `Some(NaN)` or `Some(-∞)`, as in commons-math.
/// With no regressors the model is intercept-only (R² ≈ 0).
pub fn r_squared(y: &[f64], xs: &[&[f64]]) -> Option<f64> {
    r_squared_with(&mut OlsScratch::default(), y, xs)
}

/// [`r_squared`] with caller-owned buffers.
pub fn r_squared_with(scratch: &mut OlsScratch, y: &[f64], xs: &[&[f64]]) -> Option<f64> {
    if xs.iter().any(|col| col.len() != y.len()) {
        return None;
    }
    ols_r_squared(scratch, y, xs.len(), |j| xs[j])
}

/// The body of [`r_squared`]: `y` has `m` observations, `col(j)` (j < `k`) is the j-th
/// regressor and has exactly `m` values.
fn ols_r_squared<'a>(
    s: &mut OlsScratch,
    y: &[f64],
    k: usize,
    col: impl Fn(usize) -> &'a [f64],
) -> Option<f64> {
    let m = y.len();
    // AbstractMultipleLinearRegression.validateSampleData: NoDataException, then
    // "not enough data for number of predictors" when x[0].length + 1 > x.length.
    if m == 0 || k + 1 > m {
        return None;
    }
    let p = k + 1; // design-matrix columns: the intercept's column of ones, then the regressors.

    // QRDecomposition(X): qrt = Xᵀ.
    s.qrt.clear();
    s.qrt.resize(p * m, 0.0);
    s.qrt[..m].fill(1.0);
    for j in 0..k {
        s.qrt[(j + 1) * m..(j + 2) * m].copy_from_slice(col(j));
    }
    s.r_diag.clear();
    s.r_diag.resize(p, 0.0);
    // decompose(): a Householder reflection per column (min(m, p) = p since m >= p).
    for minor in 0..p {
        let (done, current) = s.qrt.split_at_mut((minor + 1) * m);
        let q_minor = &mut done[minor * m..];
        let mut x_norm_sqr = 0.0;
        for &c in &q_minor[minor..] {
            x_norm_sqr += c * c;
        }
        let a = if q_minor[minor] > 0.0 {
            -x_norm_sqr.sqrt()
        } else {
            x_norm_sqr.sqrt()
        };
        s.r_diag[minor] = a;
        if a != 0.0 {
            q_minor[minor] -= a;
            for q_col in current.chunks_exact_mut(m) {
                let mut alpha = 0.0;
                for row in minor..m {
                    alpha -= q_col[row] * q_minor[row];
                }
                alpha /= a * q_minor[minor];
                for row in minor..m {
                    q_col[row] -= alpha * q_minor[row];
                }
            }
        }
    }
    // Solver.isNonSingular() with threshold 0: |diag| <= 0 is singular (NaN is not).
    if s.r_diag.iter().any(|d| d.abs() <= 0.0) {
        return None;
    }
    // Solver.solve(y): apply the reflections to y (Qᵀy)...
    s.work.clear();
    s.work.extend_from_slice(y);
    for minor in 0..p {
        let q_minor = &s.qrt[minor * m..(minor + 1) * m];
        let mut dot = 0.0;
        for (&w, &q) in s.work[minor..].iter().zip(&q_minor[minor..]) {
            dot += w * q;
        }
        dot /= s.r_diag[minor] * q_minor[minor];
        for (w, &q) in s.work[minor..].iter_mut().zip(&q_minor[minor..]) {
            *w += dot * q;
        }
    }
    // ...then back-substitute R·β = Qᵀy.
    s.beta.clear();
    s.beta.resize(p, 0.0);
    for row in (0..p).rev() {
        let (above_row, from_row) = s.work.split_at_mut(row);
        from_row[0] /= s.r_diag[row];
        let y_row = from_row[0];
        s.beta[row] = y_row;
        let q_row = &s.qrt[row * m..(row + 1) * m];
        for (w, &q) in above_row.iter_mut().zip(q_row) {
            *w -= y_row * q;
        }
    }
    // calculateResidualSumOfSquares(): u = y − Xβ (row by row, columns in order), then u·u.
    let mut ssr = 0.0;
    for (r, &yr) in y.iter().enumerate() {
        // Java: `sum = 0; sum += 1.0 * beta[0]; ...` (1.0·β₀ = β₀ exactly).
        let mut fitted = 0.0;
        fitted += s.beta[0];
        for j in 0..k {
            fitted += col(j)[r] * s.beta[j + 1];
        }
        let u = yr - fitted;
        ssr += u * u;
    }
    // calculateTotalSumOfSquares(): SecondMoment (FirstMoment/SecondMoment.increment).
    let (mut m1, mut m2) = (0.0, 0.0);
    for (i, &d) in y.iter().enumerate() {
        let n = (i + 1) as f64;
        let dev = d - m1;
        let n_dev = dev / n;
        m1 += n_dev;
        m2 += (n - 1.0) * dev * n_dev;
    }
    Some(1.0 - ssr / m2)
}

/// CloudSim's maximum-correlation VM selection (`PowerVmSelectionPolicyMaximumCorrelation`,
/// Beloglazov & Buyya, CCPE 2012): given the utilisation histories of the
/// migratable VMs of an overloaded host, in candidate order and newest value first (as
/// `PowerVm.getUtilizationHistory` returns them), the index of the VM to migrate, or `None`
/// where the Java catches an `IllegalArgumentException` and falls back to its fallback policy
/// (MMT in the CloudSim examples).
///
/// Exactly as the Java:
///
/// * the utilisation matrix has one row per VM and `m` = the *shortest* history's length
///   columns, holding each VM's newest `m` values;
/// * for each VM `i`, R² ([`r_squared`]) of its row regressed on the other VMs' rows (after
///   transposition: `m` observations of `n − 1` regressors, plus an intercept);
/// * the winner is the first VM with the largest R², scanning from `maxMetric =
///   Double.MIN_VALUE` — the smallest *positive* double — with index 0 as default: if no R²
///   exceeds 4.9e-324 (all 0, negative, −∞ or NaN, as for constant histories), VM 0 is chosen.
///
/// `None` when: there are no candidates (the Java returns `null` before trying; its fallback
/// finds nothing either); there is one candidate or the shortest history is empty
/// (`Array2DRowRealMatrix` rejects a matrix without rows or columns); `m < n`, fewer
/// observations than regressors + intercept — e.g. at the start of a run, when each VM has
/// fewer history values than the host has VMs; or any of the `n` regressions has a singular
/// design matrix (one failure aborts the whole selection, as in the Java).
///
/// **Deviation**: if the histories differ in length, CloudSim's `getUtilizationMatrix` writes
/// each full history into a row of length `m` and throws `ArrayIndexOutOfBoundsException`,
/// which nothing catches (the simulation aborts). In CloudSim all VMs record history at the
/// same instants, so it does not happen there; here the longer histories are cut to their
/// newest `m` values, evidently the intent.
pub fn max_correlation(histories: &[&[f64]]) -> Option<usize> {
    max_correlation_with(&mut OlsScratch::default(), histories)
}

/// [`max_correlation`] with caller-owned buffers.
pub fn max_correlation_with(scratch: &mut OlsScratch, histories: &[&[f64]]) -> Option<usize> {
    let n = histories.len();
    let m = histories.iter().map(|h| h.len()).min()?;
    if n < 2 || m == 0 {
        return None;
    }
    let row = |j: usize| &histories[j][..m];
    with_buffer(n, |metrics| {
        for (i, metric) in metrics.iter_mut().enumerate() {
            // Regressors: every other VM, in candidate order.
            let others = |j: usize| row(if j < i { j } else { j + 1 });
            *metric = ols_r_squared(scratch, row(i), n - 1, others)?;
        }
        Some(cloudsim_argmax(metrics))
    })
}

/// The selection loop of `getVmToMigrate`: the first index whose value is strictly greater
/// than every earlier one and than `Double.MIN_VALUE`; 0 if there is none.
fn cloudsim_argmax(metrics: &[f64]) -> usize {
    let mut max_metric = JAVA_DOUBLE_MIN_VALUE;
    let mut max_index = 0;
    for (i, &metric) in metrics.iter().enumerate() {
        if metric > max_metric {
            max_metric = metric;
            max_index = i;
        }
    }
    max_index
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Asserts bit equality, printing both values on failure.
    #[track_caller]
    fn assert_bits(actual: f64, expected: f64) {
        assert_eq!(actual.to_bits(), expected.to_bits(), "{actual:e} != {expected:e}");
    }

    #[test]
    fn median_follows_commons_math_percentile_50() {
        // Odd n = 3: pos = 50*4/100 = 2 → the 2nd smallest.
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        // Even n = 4: pos = 2.5 → 2 + 0.5*(3 - 2) = 2.5.
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
        // n = 2: pos = 1.5 → 0.1 + 0.5*(0.7 - 0.1), not (0.1 + 0.7)/2.
        assert_bits(median(&[0.7, 0.1]), 0.1 + 0.5 * (0.7 - 0.1));
    }

    #[test]
    fn mad_by_hand() {
        // median 3; |3 - x| = 2, 1, 0, 1, 97 → sorted 0, 1, 1, 2, 97 → median 1.
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0]), 1.0);
        // median 2.5; deviations 1.5, 0.5, 0.5, 1.5 → median 0.5 + 0.5*(1.5 - 0.5) = 1.
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0]), 1.0);
        assert_eq!(mad(&[]), 0.0);
        assert_eq!(mad(&[0.4; 12]), 0.0);
    }

    #[test]
    fn iqr_uses_cloudsims_rounded_indices() {
        // n = 12: q1 = x[round(3.25) - 1] = x[2] = 3, q3 = x[round(9.75) - 1] = x[9] = 10.
        let data = [12.0, 1.0, 11.0, 2.0, 10.0, 3.0, 9.0, 4.0, 8.0, 5.0, 7.0, 6.0];
        assert_eq!(iqr(&data), 7.0);
        // n = 5: round(1.5) = 2 (halves round up) → x[1] = 2; round(4.5) = 5 → x[4] = 5.
        assert_eq!(iqr(&[5.0, 1.0, 4.0, 2.0, 3.0]), 3.0);
        // n = 2: round(0.75) = 1 → x[0]; round(2.25) = 2 → x[1].
        assert_eq!(iqr(&[0.9, 0.2]), 0.9 - 0.2);
        // Java would index out of bounds.
        assert!(iqr(&[1.0]).is_nan());
        assert!(iqr(&[]).is_nan());
    }

    #[test]
    fn count_non_zero_beginning_is_the_length_up_to_the_last_non_zero() {
        assert_eq!(count_non_zero_beginning(&[0.5, 0.0, 0.3, 0.0, 0.0]), 3);
        assert_eq!(count_non_zero_beginning(&[0.0, 1.0]), 2);
        assert_eq!(count_non_zero_beginning(&[1.0]), 1);
        // The quirk: empty and all-zero inputs count 1.
        assert_eq!(count_non_zero_beginning(&[]), 1);
        assert_eq!(count_non_zero_beginning(&[0.0, 0.0, -0.0]), 1);
        assert_eq!(count_non_zero_beginning(&[f64::NAN, 0.0]), 1);
        assert_eq!(count_non_zero_beginning(&[0.0, f64::NAN]), 2);
    }

    #[test]
    fn trim_zero_tail_never_returns_an_empty_history() {
        assert_eq!(trim_zero_tail(&[0.5, 0.0, 0.3, 0.0]), &[0.5, 0.0, 0.3]);
        assert_eq!(trim_zero_tail(&[0.0; 30]), &[0.0]);
        assert_eq!(trim_zero_tail(&[]), &[0.0]);
    }

    #[test]
    fn ols_line_by_hand() {
        // x = 1, 2, 3; y = 1, 3, 2: x̄ = 2, ȳ = 2, Sxy = 1, Sxx = 2 → slope 0.5, intercept 1.
        let (b0, b1) = ols_line(&[1.0, 3.0, 2.0]);
        assert!((b0 - 1.0).abs() < 1e-15 && (b1 - 0.5).abs() < 1e-15, "{b0} {b1}");
        // An exact line 0.25 + 0.05x.
        let y: Vec<f64> = (1..=10).map(|x| 0.25 + 0.05 * f64::from(x)).collect();
        let (b0, b1) = ols_line(&y);
        assert!(
            (b0 - 0.25).abs() < 1e-14 && (b1 - 0.05).abs() < 1e-14,
            "{b0} {b1}"
        );
    }

    #[test]
    fn cloudsim_tricube_weights_are_never_applied() {
        for n in 3..=40 {
            let mut w = vec![0.0; n];
            cloudsim_tricube_weights(&mut w);
            assert!(w.iter().all(|&x| x > 0.0), "n = {n}: {w:?}");
        }
    }

    #[test]
    fn r_squared_of_a_perfect_fit_is_one() {
        let x1 = [0.1, 0.5, 0.2, 0.9, 0.4, 0.7];
        let x2 = [0.3, 0.1, 0.8, 0.2, 0.6, 0.5];
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 2.0 + 3.0 * a - b).collect();
        let r2 = r_squared(&y, &[&x1, &x2]).unwrap();
        assert!((r2 - 1.0).abs() < 1e-12, "{r2}");
    }

    #[test]
    fn r_squared_by_hand() {
        // One regressor: R² = Sxy²/(Sxx·Syy) = 1²/(2·2) = 0.25 for x = 1, 2, 3; y = 1, 3, 2.
        let r2 = r_squared(&[1.0, 3.0, 2.0], &[&[1.0, 2.0, 3.0]]).unwrap();
        assert!((r2 - 0.25).abs() < 1e-15, "{r2}");
    }

    #[test]
    fn r_squared_is_none_where_commons_math_throws() {
        let y = [0.1, 0.2, 0.4];
        // 3 observations, 2 regressors + intercept: fine; 3 regressors: not enough data.
        assert!(r_squared(&y, &[&[0.3, 0.1, 0.2], &[0.5, 0.9, 0.1]]).is_some());
        assert!(r_squared(&y, &[&[0.3, 0.1, 0.2], &[0.5, 0.9, 0.1], &[0.2, 0.2, 0.7]]).is_none());
        // An all-zero regressor makes R[1][1] exactly 0: SingularMatrixException.
        assert!(r_squared(&y, &[&[0.0, 0.0, 0.0]]).is_none());
        // Mismatched lengths and no data.
        assert!(r_squared(&y, &[&[0.3, 0.1]]).is_none());
        assert!(r_squared(&[], &[]).is_none());
        // A constant y: SSTO = 0.
        assert!(
            !r_squared(&[0.5; 4], &[&[0.1, 0.4, 0.2, 0.3]])
                .unwrap()
                .is_finite()
        );
    }

    #[test]
    fn argmax_starts_at_java_double_min_value() {
        assert_eq!(cloudsim_argmax(&[f64::NAN, 0.0, -1.0, f64::NEG_INFINITY]), 0);
        assert_eq!(cloudsim_argmax(&[0.0, JAVA_DOUBLE_MIN_VALUE]), 0);
        assert_eq!(cloudsim_argmax(&[0.0, 2.0 * JAVA_DOUBLE_MIN_VALUE, 0.5, 0.5]), 2);
    }

    #[test]
    fn max_correlation_needs_at_least_n_observations() {
        let a: &[f64] = &[0.1, 0.5, 0.3, 0.9];
        let b: &[f64] = &[0.4, 0.2, 0.8, 0.6];
        let c: &[f64] = &[0.7, 0.1, 0.5, 0.2];
        // 3 VMs need 3 observations each (2 regressors + intercept).
        assert!(max_correlation(&[&a[..2], &b[..2], &c[..2]]).is_none());
        assert!(max_correlation(&[&a[..3], &b[..3], &c[..3]]).is_some());
        // The shortest history decides.
        assert!(max_correlation(&[a, b, &c[..2]]).is_none());
        // One candidate, none, or an empty history: the Java falls back.
        assert!(max_correlation(&[a]).is_none());
        assert!(max_correlation(&[]).is_none());
        assert!(max_correlation(&[a, &[]]).is_none());
        // An all-zero history is a zero regressor in the other VMs' regressions: singular.
        assert!(max_correlation(&[a, b, &[0.0; 4]]).is_none());
    }

    /// `f64` from the hex of Java's `Double.doubleToRawLongBits`.
    fn bits(hex: u64) -> f64 {
        f64::from_bits(hex)
    }

    #[test]
    fn max_correlation_picks_the_vm_the_others_explain_best() {
        // VMs 1 and 2 move together; 0 and 3 are unrelated. Expected R² and choice printed by
        // CloudSim's getCorrelationCoefficients/getVmToMigrate on commons-math3 3.6.1.
        let v0 = [0.10, 0.40, 0.35, 0.80, 0.20, 0.55, 0.65, 0.30];
        let v1 = [0.60, 0.15, 0.50, 0.25, 0.70, 0.45, 0.05, 0.35];
        let v2 = [0.61, 0.14, 0.50, 0.26, 0.69, 0.45, 0.06, 0.35];
        let v3 = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.6, 0.4];
        let r2_of = |hist: &[&[f64]]| -> Vec<u64> {
            (0..hist.len())
                .map(|i| {
                    let others: Vec<&[f64]> = (0..hist.len()).filter(|&j| j != i).map(|j| hist[j]).collect();
                    r_squared(hist[i], &others).unwrap().to_bits()
                })
                .collect()
        };
        let hist: [&[f64]; 4] = [&v0, &v1, &v2, &v3];
        assert_eq!(
            r2_of(&hist),
            [
                0x3fe1763f9c5d9ea4,
                0x3feff6e570a57d3f,
                0x3feff6c17beef840,
                0x3fce65ca4f6df570
            ]
        );
        assert_eq!(max_correlation(&hist), Some(1));
        // Reordered, the regressors' order changes the last bits, not the choice (VM 1).
        let hist: [&[f64]; 4] = [&v3, &v2, &v0, &v1];
        assert_eq!(
            r2_of(&hist),
            [
                0x3fce65ca4f6df568,
                0x3feff6c17beef840,
                0x3fe1763f9c5d9eac,
                0x3feff6e570a57d3f
            ]
        );
        assert_eq!(max_correlation(&hist), Some(3));
    }

    #[test]
    fn max_correlation_ties_go_to_the_first() {
        // y = 2 + 3·x1 − x2: each of the three is an exact linear function of the other two;
        // commons-math gives R² = 1.0 exactly for all three, so VM 0 wins (strict >).
        let x1 = [0.1, 0.5, 0.2, 0.9, 0.4, 0.7];
        let x2 = [0.3, 0.1, 0.8, 0.2, 0.6, 0.5];
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 2.0 + 3.0 * a - b).collect();
        assert_eq!(r_squared(&y, &[&x1, &x2]), Some(1.0));
        assert_eq!(max_correlation(&[&y, &x1, &x2]), Some(0));
        // A constant history is collinear with the intercept: exactly singular, fallback.
        assert_eq!(max_correlation(&[&[0.5; 4], &[0.1, 0.4, 0.2, 0.3]]), None);
    }

    #[test]
    fn golden_values_from_commons_math() {
        // Printed by CloudSim 4.0's MathUtil on commons-math3 3.6.1 (Double.doubleToRawLongBits).
        let h = [
            0.47, 0.52, 0.61, 0.58, 0.49, 0.66, 0.71, 0.69, 0.73, 0.8, 0.33, 0.41, 0.45, 0.5, 0.52, 0.38,
            0.29, 0.35, 0.44, 0.61, 0.57, 0.62, 0.66, 0.59, 0.55, 0.48, 0.51, 0.46, 0.43, 0.4,
        ];
        assert_bits(median(&h), bits(0x3fe07ae147ae147b));
        assert_bits(mad(&h), bits(0x3fb70a3d70a3d70a));
        assert_bits(iqr(&h), bits(0x3fc5c28f5c28f5c2));
        let rev: Vec<f64> = h[..10].iter().rev().copied().collect();
        let (b0, b1) = ols_line(&rev);
        assert_bits(b0, bits(0x3fe9cac083126e98));
        assert_bits(b1, bits(0xbfa0c1a10c1a10c1));
        let r2 = r_squared(&h[20..26], &[&h[..6], &h[10..16]]).unwrap();
        assert_bits(r2, bits(0x3fb6579ab92d07a8));
    }

    #[test]
    fn cloudsim_lrr_departs_from_lr_on_exactly_collinear_data() {
        // Six values exactly on the OLS line (1/16), four off it: s6 = 0, four weights 0, so
        // CloudSim's "weighted" branch runs, overflows to slope 0/∞ = 0, and returns an
        // intercept of ≈ 5.0e152 (values printed by CloudSim 4.0 on commons-math3 3.6.1).
        let y = [
            0.0625, 0.0625, 0.0625, 0.0625, 0.0625, 0.0625, 0.03125, 0.09375, 0.09375, 0.03125,
        ];
        assert_eq!(ols_line(&y), (0.0625, 0.0));
        let (b0, b1) = cloudsim_robust_line(&y);
        assert_bits(b0, bits(0x5fa3333333333332));
        assert_bits(b1, 0.0);
        // The same pattern at another level takes the branch too but overflows to NaN, and
        // CloudSim 4.0 falls back to the OLS line.
        let y = [0.375, 0.125, 0.125, 0.375, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25];
        assert_eq!(cloudsim_robust_line(&y), (0.25, 0.0));
    }

    proptest! {
        #[test]
        fn iqr_and_mad_are_non_negative(data in prop::collection::vec(0.0..2.0f64, 2..40)) {
            prop_assert!(iqr(&data) >= 0.0);
            prop_assert!(mad(&data) >= 0.0);
        }

        #[test]
        fn r_squared_lies_in_the_unit_interval(
            (y, xs) in (1usize..4).prop_flat_map(|k| (k + 2..30).prop_flat_map(move |m| (
                prop::collection::vec(0.0..1.0f64, m),
                prop::collection::vec(prop::collection::vec(0.0..1.0f64, m), k),
            )))
        ) {
            let cols: Vec<&[f64]> = xs.iter().map(|c| c.as_slice()).collect();
            if let Some(r2) = r_squared(&y, &cols) {
                prop_assert!((-1e-9..=1.0 + 1e-12).contains(&r2), "{}", r2);
            }
        }

        #[test]
        fn cloudsim_lrr_equals_lr_on_generic_data(y in prop::collection::vec(0.0..1.2f64, 3..31)) {
            let (a0, a1) = ols_line(&y);
            let (b0, b1) = cloudsim_robust_line(&y);
            prop_assert_eq!(a0.to_bits(), b0.to_bits());
            prop_assert_eq!(a1.to_bits(), b1.to_bits());
        }

        #[test]
        fn correct_loess_reproduces_an_exact_line(
            a in -1.0..1.0f64, b in -0.1..0.1f64, n in 3usize..31,
        ) {
            let y: Vec<f64> = (1..=n).map(|x| a + b * x as f64).collect();
            for (c0, c1) in [loess_line(&y), robust_loess_line(&y)] {
                prop_assert!((c0 - a).abs() < 1e-9 && (c1 - b).abs() < 1e-9, "{} {}", c0, c1);
            }
        }
    }
}
