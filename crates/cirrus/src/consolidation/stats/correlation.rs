//! Multiple regression of one VM's history on the others' (R², by commons-math's
//! Householder QR) and CloudSim's maximum-correlation choice built on it.

use super::{JAVA_DOUBLE_MIN_VALUE, with_buffer};

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
pub(super) fn cloudsim_argmax(metrics: &[f64]) -> usize {
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
