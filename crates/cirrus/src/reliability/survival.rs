//! The survival function S(t) = P(lifetime > t) of the failure model's
//! lifetime distributions: a host's reliability over a mission of t
//! seconds from its start or last repair, R(t) = S(t).

use crate::failures::Lifetime;

/// P(a draw of `lifetime` exceeds `t_s`), for `t_s` ≥ 0:
/// - exponential with mean m: e^{−t/m};
/// - Weibull with shape k and scale λ: e^{−(t/λ)^k};
/// - log-normal with median m and σ: ½·erfc((ln t − ln m) / (σ√2)) (a step at
///   the median for σ = 0);
/// - constant v: 1 for t < v, else 0.
pub fn survival(lifetime: &Lifetime, t_s: f64) -> f64 {
    if t_s <= 0.0 {
        return 1.0;
    }
    match *lifetime {
        Lifetime::Exponential { mean_s } => (-t_s / mean_s).exp(),
        Lifetime::Weibull { shape, scale_s } => (-(t_s / scale_s).powf(shape)).exp(),
        Lifetime::LogNormal { median_s, sigma } => {
            let z = (t_s / median_s).ln();
            if sigma == 0.0 {
                if z < 0.0 { 1.0 } else { 0.0 }
            } else {
                0.5 * erfc(z / (sigma * std::f64::consts::SQRT_2))
            }
        }
        Lifetime::Constant { value_s } => {
            if t_s < value_s {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// Whether `lifetime` has a constant failure rate (exponential), where the
/// closed forms of repeated failures are exact.
pub fn is_memoryless(lifetime: &Lifetime) -> bool {
    matches!(lifetime, Lifetime::Exponential { .. })
}

/// The complementary error function, by the Chebyshev fit of Numerical
/// Recipes (2nd ed., `erfcc`): fractional error below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1, erfc(1) = 0.157299207050285, erfc(-1) = 1.842700792949715,
        // erfc(2) = 0.004677734981047.
        for (x, want) in [
            (0.0, 1.0),
            (1.0, 0.157_299_207_050_285),
            (-1.0, 1.842_700_792_949_715),
            (2.0, 0.004_677_734_981_047),
        ] {
            assert!((erfc(x) - want).abs() <= 1.2e-7 * want, "erfc({x}) = {}", erfc(x));
        }
    }

    #[test]
    fn survival_matches_the_sampled_lifetimes() {
        // The empirical share of draws beyond t matches S(t), for every
        // distribution the failure model draws from.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for d in [
            Lifetime::Exponential { mean_s: 100.0 },
            Lifetime::Weibull {
                shape: 0.7,
                scale_s: 100.0,
            },
            Lifetime::LogNormal {
                median_s: 100.0,
                sigma: 0.8,
            },
            Lifetime::Constant { value_s: 90.0 },
        ] {
            let n = 100_000;
            let draws: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            for t in [10.0, 50.0, 100.0, 300.0] {
                let empirical = draws.iter().filter(|&&x| x > t).count() as f64 / n as f64;
                // 4 standard errors of a proportion (at most 0.5/√n).
                assert!(
                    (empirical - survival(&d, t)).abs() < 4.0 * 0.5 / (n as f64).sqrt(),
                    "{d:?} at {t}: {empirical} vs {}",
                    survival(&d, t)
                );
            }
        }
    }

    #[test]
    fn survival_of_the_median_is_a_half() {
        let ln = Lifetime::LogNormal {
            median_s: 4.0,
            sigma: 1.0,
        };
        assert!((survival(&ln, 4.0) - 0.5).abs() < 1e-7);
        let w = Lifetime::Weibull {
            shape: 2.0,
            scale_s: 10.0,
        };
        assert!((survival(&w, 10.0) - (-1.0f64).exp()).abs() < 1e-15);
        assert_eq!(survival(&w, 0.0), 1.0);
        assert!(is_memoryless(&Lifetime::Exponential { mean_s: 1.0 }) && !is_memoryless(&w));
    }
}
