//! Unit tests and golden values of the statistics, against CloudSim 4.0 on commons-math3 3.6.1.

use super::correlation::cloudsim_argmax;
use super::regression::cloudsim_tricube_weights;
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
        0.47, 0.52, 0.61, 0.58, 0.49, 0.66, 0.71, 0.69, 0.73, 0.8, 0.33, 0.41, 0.45, 0.5, 0.52, 0.38, 0.29,
        0.35, 0.44, 0.61, 0.57, 0.62, 0.66, 0.59, 0.55, 0.48, 0.51, 0.46, 0.43, 0.4,
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
