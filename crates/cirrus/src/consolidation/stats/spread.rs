//! Location and spread of a utilisation history as CloudSim's adaptive-threshold detectors
//! compute them: the commons-math median, MAD and CloudSim's IQR, and the trimming of a
//! history's zero tail.

use super::{java_sort, with_buffer, with_copy};

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
