//! Diurnal (daily) demand: desktop-like load that rises and falls with the
//! hour of the day.
//!
//! Office desktops repeat a daily pattern (Man & Kayashima, IEEE CCIS 2011
//! and 2012: 172 desktops, "repeat a certain pattern every workday"), which
//! is what pattern-based placement exploits; flat or i.i.d. synthetic
//! demand has no pattern to exploit. This generator draws one such pattern
//! per VM: a daily raised cosine around a peak hour, shifted by a per-VM
//! phase (users in other time zones, night shifts, batch desktops), plus
//! Gaussian noise per sample.

use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_distr::Normal;

use crate::params::{ParamError, Params, check_fraction};

/// Seconds in an hour.
const HOUR_S: f64 = 3600.0;
/// Hours in a day: the pattern's period.
const DAY_H: f64 = 24.0;

/// A daily demand pattern: at time `t` (seconds; `t = 0` is midnight) VM
/// *i* asks for
///
/// `u(t) = clamp(base + amplitude · (1 + cos(2π (h(t) − peak_hour − φ_i) / 24)) / 2 + ε, 0, 1)`
///
/// with `h(t) = t / 3600` hours, `φ_i` drawn once per VM uniformly in
/// `[−phase_spread_h / 2, phase_spread_h / 2]` hours, and `ε` drawn per
/// sample from Normal(0, `noise`). The noiseless pattern lies in
/// `[base, base + amplitude]`, peaks at `peak_hour + φ_i` and bottoms out
/// 12 h later; two VMs whose phases differ by 12 h are perfectly
/// anti-correlated, so `phase_spread_h = 0` gives a fully correlated
/// population (everyone works 9 to 5) and 24 phases spread over the whole
/// day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiurnalPattern {
    /// Hour of the day of the peak, in `[0, 24)`.
    pub peak_hour: f64,
    /// Utilisation at the trough, in `[0, 1]`.
    pub base: f64,
    /// Rise from trough to peak, in `[0, 1 − base]`.
    pub amplitude: f64,
    /// Standard deviation of the per-sample noise, ≥ 0.
    pub noise: f64,
    /// Width of the range the VMs' phases are drawn from, hours, in `[0, 24]`.
    pub phase_spread_h: f64,
    /// Bursts per hour per VM (a Poisson process; 0: none).
    pub burst_rate_per_h: f64,
    /// Utilisation a burst adds (the sum clipped to 1), in `[0, 1]`.
    pub burst_height: f64,
    /// Mean burst duration, seconds (exponentially distributed).
    pub burst_mean_s: f64,
}

impl DiurnalPattern {
    /// Reads `peak_hour`, `base`, `amplitude` (required), `noise` and
    /// `phase_spread_h` (default 0), leaving other keys in `params`; the
    /// values are then checked by [`validate`](Self::validate).
    pub fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        let required = |params: &mut Params, key: &str| params.require_number(key);
        let pattern = Self {
            peak_hour: required(params, "peak_hour")?,
            base: required(params, "base")?,
            amplitude: required(params, "amplitude")?,
            noise: params.number("noise")?.unwrap_or(0.0),
            phase_spread_h: params.number("phase_spread_h")?.unwrap_or(0.0),
            burst_rate_per_h: params.number("burst_rate_per_h")?.unwrap_or(0.0),
            burst_height: params.number("burst_height")?.unwrap_or(0.0),
            burst_mean_s: params.number("burst_mean_s")?.unwrap_or(0.0),
        };
        pattern.validate()?;
        Ok(pattern)
    }

    /// The parameter keys [`from_params`](Self::from_params) reads.
    pub const KEYS: &[&str] = &[
        "peak_hour",
        "base",
        "amplitude",
        "noise",
        "phase_spread_h",
        "burst_rate_per_h",
        "burst_height",
        "burst_mean_s",
    ];

    /// Checks the ranges; the error names the parameter.
    pub fn validate(&self) -> Result<(), ParamError> {
        let in_range = |key: &str, x: f64, lo: f64, hi: f64, open_hi: bool| {
            let ok = x >= lo && (if open_hi { x < hi } else { x <= hi });
            if ok {
                Ok(())
            } else {
                let close = if open_hi { ")" } else { "]" };
                Err(ParamError::new(
                    key,
                    format!("expected a number in [{lo}, {hi}{close}, found {x}"),
                ))
            }
        };
        in_range("peak_hour", self.peak_hour, 0.0, DAY_H, true)?;
        check_fraction("base", self.base)?;
        check_fraction("amplitude", self.amplitude)?;
        in_range("amplitude", self.amplitude, 0.0, 1.0 - self.base, false)?;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(ParamError::new(
                "noise",
                format!("expected a finite number >= 0, found {}", self.noise),
            ));
        }
        in_range("phase_spread_h", self.phase_spread_h, 0.0, DAY_H, false)?;
        if !(self.burst_rate_per_h.is_finite() && self.burst_rate_per_h >= 0.0) {
            return Err(ParamError::new(
                "burst_rate_per_h",
                format!("expected a finite number >= 0, found {}", self.burst_rate_per_h),
            ));
        }
        check_fraction("burst_height", self.burst_height)?;
        if self.burst_rate_per_h > 0.0 && !(self.burst_mean_s.is_finite() && self.burst_mean_s > 0.0) {
            return Err(ParamError::new(
                "burst_mean_s",
                format!("bursts need a mean duration > 0 s, found {}", self.burst_mean_s),
            ));
        }
        Ok(())
    }

    /// The noiseless utilisation at `t_s` for a VM with phase `phase_h`.
    pub fn level_at(&self, t_s: f64, phase_h: f64) -> f64 {
        let hours = t_s / HOUR_S - self.peak_hour - phase_h;
        let shape = (1.0 + (std::f64::consts::TAU * hours / DAY_H).cos()) / 2.0;
        self.base + self.amplitude * shape
    }

    /// `n` samples `interval_s` apart from `t = 0`: first the VM's phase is
    /// drawn from `rng`, then one noise value per sample (none when `noise`
    /// is 0). The parameters must be valid.
    pub(crate) fn draw<R: Rng>(&self, rng: &mut R, n: usize, interval_s: f64) -> Vec<f64> {
        let half = self.phase_spread_h / 2.0;
        let phase_h = match Uniform::new_inclusive(-half, half) {
            Ok(d) => d.sample(rng),
            Err(_) => 0.0,
        };
        let noise = Normal::new(0.0, self.noise).ok().filter(|_| self.noise > 0.0);
        let mut samples: Vec<f64> = (0..n)
            .map(|k| {
                let eps = noise.map_or(0.0, |d| d.sample(rng));
                (self.level_at(k as f64 * interval_s, phase_h) + eps).clamp(0.0, 1.0)
            })
            .collect();
        // Bursts last, so that a pattern without them draws what it always did.
        if self.burst_rate_per_h > 0.0 && self.burst_height > 0.0 {
            let (Ok(gap), Ok(length)) = (
                rand_distr::Exp::new(self.burst_rate_per_h / HOUR_S),
                rand_distr::Exp::new(1.0 / self.burst_mean_s),
            ) else {
                return samples;
            };
            let end_s = n as f64 * interval_s;
            let mut t = gap.sample(rng);
            while t < end_s {
                let until = t + length.sample(rng);
                // The samples at k × interval inside [t, until).
                let mut k = (t / interval_s).ceil() as usize;
                while k < n && (k as f64) * interval_s < until {
                    samples[k] = (samples[k] + self.burst_height).min(1.0);
                    k += 1;
                }
                t = until + gap.sample(rng);
            }
        }
        samples
    }
}

#[cfg(test)]
mod burst_tests {
    use super::*;
    use rand::SeedableRng;

    fn flat(rate: f64) -> DiurnalPattern {
        DiurnalPattern {
            peak_hour: 0.0,
            base: 0.2,
            amplitude: 0.0,
            noise: 0.0,
            phase_spread_h: 0.0,
            burst_rate_per_h: rate,
            burst_height: 0.5,
            burst_mean_s: 600.0,
        }
    }

    #[test]
    fn bursts_add_their_height_for_about_the_expected_share_of_time() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // 1 burst per hour of 10 min on average: ~1/7 of the time in a burst
        // (a renewal process of 60 min gaps + 10 min bursts).
        let s = flat(1.0).draw(&mut rng, 100_000, 60.0);
        assert!(
            s.iter().all(|&u| u == 0.2 || u == 0.7),
            "only base or base + height"
        );
        let share = s.iter().filter(|&&u| u == 0.7).count() as f64 / s.len() as f64;
        assert!((share - 1.0 / 7.0).abs() < 0.01, "{share}");
        // Without bursts nothing is drawn after the samples: the old traces stay.
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let plain = DiurnalPattern {
            burst_rate_per_h: 0.0,
            ..flat(0.0)
        };
        assert_eq!(plain.draw(&mut a, 50, 300.0), plain.draw(&mut b, 50, 300.0));
        assert!(flat(1.0).validate().is_ok());
        assert_eq!(
            DiurnalPattern {
                burst_mean_s: 0.0,
                ..flat(1.0)
            }
            .validate()
            .unwrap_err()
            .key,
            "burst_mean_s"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;
    use cirrus_engine::RngStreams;

    fn pattern(spread: f64, noise: f64) -> DiurnalPattern {
        DiurnalPattern {
            peak_hour: 14.0,
            base: 0.1,
            amplitude: 0.6,
            noise,
            phase_spread_h: spread,
            burst_rate_per_h: 0.0,
            burst_height: 0.0,
            burst_mean_s: 0.0,
        }
    }

    #[test]
    fn peaks_at_the_peak_hour_and_bottoms_out_twelve_hours_later() {
        let p = pattern(0.0, 0.0);
        assert!((p.level_at(14.0 * HOUR_S, 0.0) - 0.7).abs() < 1e-12);
        assert!((p.level_at(2.0 * HOUR_S, 0.0) - 0.1).abs() < 1e-12);
        assert!(
            (p.level_at(38.0 * HOUR_S, 0.0) - 0.7).abs() < 1e-12,
            "24 h period"
        );
        // A 12 h phase turns day into night.
        assert!((p.level_at(2.0 * HOUR_S, 12.0) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn draws_are_bounded_and_phases_spread() {
        let streams = RngStreams::new(5);
        let p = pattern(24.0, 0.05);
        let mut peaks = Vec::new();
        for i in 0..50 {
            let x = p.draw(&mut streams.indexed("workload", i), 288, 300.0);
            assert!(x.iter().all(|u| (0.0..=1.0).contains(u)));
            let argmax = (0..x.len()).max_by(|&a, &b| x[a].total_cmp(&x[b])).unwrap_or(0);
            peaks.push(argmax as f64 * 300.0 / HOUR_S);
        }
        let spread =
            peaks.iter().copied().fold(f64::MIN, f64::max) - peaks.iter().copied().fold(f64::MAX, f64::min);
        assert!(spread > 12.0, "peaks spread over {spread} h");
        // No spread, no noise: every VM identical.
        let q = pattern(0.0, 0.0);
        let a = q.draw(&mut streams.indexed("workload", 0), 10, 300.0);
        let b = q.draw(&mut streams.indexed("workload", 1), 10, 300.0);
        assert_eq!(a, b);
    }

    #[test]
    fn parameters_are_checked_by_key() {
        let params = |pairs: &[(&str, f64)]| {
            pairs
                .iter()
                .fold(Params::new(), |p, &(k, v)| p.with(k, ParamValue::Number(v)))
        };
        let ok = [("peak_hour", 9.0), ("base", 0.2), ("amplitude", 0.5)];
        assert!(DiurnalPattern::from_params(&mut params(&ok)).is_ok());
        let cases: [(&[(&str, f64)], &str); 6] = [
            (&[("base", 0.2), ("amplitude", 0.5)], "peak_hour"),
            (
                &[("peak_hour", 24.0), ("base", 0.2), ("amplitude", 0.5)],
                "peak_hour",
            ),
            (&[("peak_hour", 9.0), ("base", 1.2), ("amplitude", 0.0)], "base"),
            (
                &[("peak_hour", 9.0), ("base", 0.6), ("amplitude", 0.5)],
                "amplitude",
            ),
            (
                &[
                    ("peak_hour", 9.0),
                    ("base", 0.2),
                    ("amplitude", 0.5),
                    ("noise", -1.0),
                ],
                "noise",
            ),
            (
                &[
                    ("peak_hour", 9.0),
                    ("base", 0.2),
                    ("amplitude", 0.5),
                    ("phase_spread_h", 30.0),
                ],
                "phase_spread_h",
            ),
        ];
        for (pairs, key) in cases {
            assert_eq!(
                DiurnalPattern::from_params(&mut params(pairs)).unwrap_err().key,
                key
            );
        }
    }
}
