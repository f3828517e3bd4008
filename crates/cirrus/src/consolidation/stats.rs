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
//!
//! # Layout
//!
//! Three concepts, one file each, re-exported here: `spread` (median, MAD, IQR, the zero tail
//! of a history), `regression` (the lines of LR and LRR, CloudSim's and the correct LOESS) and
//! `correlation` (R² by Householder QR, MC's choice). This file keeps the Java-compatible
//! sorting and the stack buffers they share; `tests` holds the golden values.

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

mod correlation;
mod regression;
mod spread;

pub use correlation::{OlsScratch, max_correlation, max_correlation_with, r_squared, r_squared_with};
pub use regression::{ROBUSTNESS_ITERATIONS, cloudsim_robust_line, loess_line, ols_line, robust_loess_line};
pub use spread::{count_non_zero_beginning, iqr, mad, median, median_in_place, trim_zero_tail};

#[cfg(test)]
mod tests;
