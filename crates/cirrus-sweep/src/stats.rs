//! Statistics over replications: mean, sample standard deviation and the
//! half-width of the 95 % confidence interval of the mean (Student's t).
//!
//! Replications of a stochastic run are few (5–30 is typical), so the normal
//! approximation (1.96 σ/√n) would understate the interval by up to 6× at n = 2;
//! the t quantile is exact to 17 digits for n ≤ 31 (a table) and to better than
//! 4·10⁻⁸ beyond (a series), far below what a CSV reader will notice.

/// `t(0.975, ν)` for ν = 1..=30 degrees of freedom, computed with mpmath
/// (30 digits) by inverting the regularised incomplete beta function.
// The digits are mpmath's as printed (17 significant); the compiler rounds
// them to the nearest f64, which is what we want.
#[allow(clippy::excessive_precision)]
const T975: [f64; 30] = [
    12.706_204_736_174_693,
    4.302_652_729_749_461_8,
    3.182_446_305_283_708_4,
    2.776_445_105_197_797_5,
    2.570_581_835_636_314_8,
    2.446_911_851_144_969_3,
    2.364_624_251_592_784_7,
    2.306_004_135_204_166,
    2.262_157_162_798_205,
    2.228_138_851_986_274_2,
    2.200_985_160_091_639_4,
    2.178_812_829_667_228_4,
    2.160_368_656_462_792,
    2.144_786_687_917_803_4,
    2.131_449_545_559_775_2,
    2.119_905_299_221_254_2,
    2.109_815_577_833_316_6,
    2.100_922_040_241_038,
    2.093_024_054_408_309_3,
    2.085_963_447_265_864_4,
    2.079_613_844_727_68,
    2.073_873_067_904_025_7,
    2.068_657_610_419_048_2,
    2.063_898_561_628_025_4,
    2.059_538_552_753_297_3,
    2.055_529_438_642_872_8,
    2.051_830_516_480_285_1,
    2.048_407_141_795_244_7,
    2.045_229_642_132_703_9,
    2.042_272_456_301_237_9,
];

/// The 0.975 quantile of Student's t distribution with `dof` degrees of
/// freedom (the factor of a two-sided 95 % interval); NaN for `dof` = 0.
pub fn t_975(dof: usize) -> f64 {
    match dof {
        0 => f64::NAN,
        1..=30 => T975[dof - 1],
        _ => {
            // Cornish–Fisher expansion of t around the normal quantile z
            // (Abramowitz & Stegun 26.7.5); error < 4e-8 from ν = 31 on.
            let z: f64 = 1.959_963_984_540_054;
            let nu = dof as f64;
            let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
            z + (z3 + z) / (4.0 * nu)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu.powi(2))
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * nu.powi(3))
                + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92_160.0 * nu.powi(4))
        }
    }
}

/// Mean, sample standard deviation and 95 % confidence half-width of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Sample size.
    pub n: usize,
    /// Arithmetic mean (NaN for an empty sample).
    pub mean: f64,
    /// Sample standard deviation, n − 1 in the denominator; `None` for n < 2.
    pub std: Option<f64>,
    /// Half-width of the 95 % confidence interval of the mean,
    /// `t(0.975, n − 1) · std / √n`; `None` for n < 2.
    pub ci95: Option<f64>,
}

impl Estimate {
    /// The estimate of `values`, summed in the given order (so the result does
    /// not depend on how a sweep was scheduled).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let mean = if n == 0 {
            f64::NAN
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        if n < 2 {
            return Self {
                n,
                mean,
                std: None,
                ci95: None,
            };
        }
        let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        Self {
            n,
            mean,
            std: Some(std),
            ci95: Some(t_975(n - 1) * std / (n as f64).sqrt()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        // Student's t table, two-sided 95 %.
        assert!((t_975(1) - 12.706).abs() < 1e-3);
        assert!((t_975(9) - 2.262).abs() < 1e-3);
        assert!((t_975(30) - 2.042).abs() < 1e-3);
        // mpmath: t(0.975, 40) = 2.021075390306273, t(0.975, 100) = 1.9839715185235519.
        assert!((t_975(40) - 2.021_075_390_306_273).abs() < 1e-8);
        assert!((t_975(100) - 1.983_971_518_523_552).abs() < 1e-9);
        assert!(t_975(0).is_nan());
        // The series joins the table smoothly and decreases towards z.
        assert!(t_975(31) < t_975(30) && t_975(31) > t_975(32));
        assert!((t_975(1_000_000) - 1.959_963_984_540_054).abs() < 1e-5);
    }

    #[test]
    fn estimates() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        let std = 1.290_994_448_735_805_6;
        assert!((e.std.unwrap() - std).abs() < 1e-15);
        assert!((e.ci95.unwrap() - 3.182_446_305_283_708 * std / 2.0).abs() < 1e-12);
        let one = Estimate::of(&[5.0]);
        assert_eq!((one.mean, one.std, one.ci95), (5.0, None, None));
        assert!(Estimate::of(&[]).mean.is_nan());
    }
}
