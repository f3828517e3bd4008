//! Synthetic demand: utilisation traces drawn from a distribution instead of
//! read from a file.
//!
//! Used for experiments that need a workload with a known, controllable shape
//! (sensitivity studies, scale tests beyond the 1 000-odd PlanetLab VMs of a
//! day, unit tests of policies). Each sample is drawn independently, so the
//! traces have no autocorrelation — unlike real traces such as PlanetLab,
//! where load persists from one 5-minute sample to the next — except for the
//! `diurnal` kind ([`DiurnalPattern`]), a daily desktop pattern per VM.
//!
//! # Reproducibility
//! VM *i*'s samples come from its own random stream,
//! `streams.indexed("workload", i)` ([`RngStreams::indexed`]), so a VM's trace
//! depends only on the scenario seed, the distribution and *i* — not on how
//! many VMs are generated, nor in which order. The sampling algorithms are
//! those of `rand_distr` (version pinned by `Cargo.lock`; its `Normal` and
//! `Beta` samplers may change between minor versions of that crate).

use cirrus_engine::RngStreams;
use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_distr::{Beta, Normal};

use super::UtilizationTrace;
use super::diurnal::DiurnalPattern;
use crate::catalog::Entry;
use crate::params::{ParamError, Params, check_fraction};

/// Name of the random stream family the generators draw from (one stream per
/// VM index).
pub const WORKLOAD_STREAM: &str = "workload";

/// The lowest utilisation a sample can take (an idle VM).
const MIN_UTILIZATION: f64 = 0.0;
/// The highest utilisation a sample can take (the VM's full capacity).
const MAX_UTILIZATION: f64 = 1.0;

/// A distribution of per-sample CPU utilisation, as a fraction of the VM's
/// capacity in `[0, 1]`.
///
/// Build one with [`SyntheticDemand::from_params`] (which validates the
/// parameters) or directly; [`SyntheticDemand::validate`] checks a directly
/// built value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SyntheticDemand {
    /// Every sample is `value`: a flat load, the simplest baseline.
    Constant {
        /// The utilisation, in `[0, 1]`.
        value: f64,
    },
    /// Samples uniform on `[low, high]`: bounded noise with no preferred level.
    Uniform {
        /// Lower bound, in `[0, 1]`.
        low: f64,
        /// Upper bound, in `[low, 1]`.
        high: f64,
    },
    /// Samples normal with the given mean and standard deviation, clipped to
    /// `[0, 1]`: a typical load level with symmetric noise. Clipping puts
    /// the probability mass beyond the bounds *on* the bounds, so the sample
    /// mean differs from `mean` when `std_dev` is large relative to the
    /// distance to 0 or 1.
    Normal {
        /// Mean before clipping, in `[0, 1]`.
        mean: f64,
        /// Standard deviation before clipping, `>= 0`.
        std_dev: f64,
    },
    /// Samples from Beta(`alpha`, `beta`), whose support is already `[0, 1]`
    /// and whose shape covers skewed loads: mean `alpha / (alpha + beta)`;
    /// e.g. Beta(1, 7) has mean 0.125, close to PlanetLab's 12.3 %
    /// (`traces/planetlab/README.md`, day 20110303), with a long right tail.
    Beta {
        /// First shape parameter, `> 0`.
        alpha: f64,
        /// Second shape parameter, `> 0`.
        beta: f64,
    },
    /// A daily pattern per VM (desktops): a raised cosine around a peak
    /// hour, shifted by a per-VM phase, plus per-sample noise; `t = 0` is
    /// midnight. Unlike the other kinds, samples are not independent: the
    /// pattern is what pattern-based placement (PBA) exploits. See
    /// [`DiurnalPattern`].
    Diurnal(DiurnalPattern),
}

/// This family's catalogue (see [`crate::catalog`]): every distribution kind by name, with
/// its constructor (parameters as in [`SyntheticDemand::from_params`]). A new kind is a
/// variant of [`SyntheticDemand`] and one line here.
pub(crate) static CATALOG: &[Entry<SyntheticDemand>] = &[
    Entry {
        name: "constant",
        summary: "every sample = `value` (in [0, 1])",
        build: |mut p| {
            let value = p.require_fraction("value")?;
            finish(p, &["value"], SyntheticDemand::Constant { value })
        },
    },
    Entry {
        name: "uniform",
        summary: "samples uniform on [`low`, `high`] (0 <= low <= high <= 1)",
        build: |mut p| {
            let low = p.require_fraction("low")?;
            let high = p.require_fraction("high")?;
            finish(p, &["low", "high"], SyntheticDemand::Uniform { low, high })
        },
    },
    Entry {
        name: "normal",
        summary: "samples normal(`mean` in [0, 1], `std_dev` >= 0), clipped to [0, 1]",
        build: |mut p| {
            let mean = p.require_fraction("mean")?;
            let std_dev = p.require_number("std_dev")?;
            finish(p, &["mean", "std_dev"], SyntheticDemand::Normal { mean, std_dev })
        },
    },
    Entry {
        name: "beta",
        summary: "samples Beta(`alpha` > 0, `beta` > 0), mean alpha / (alpha + beta)",
        build: |mut p| {
            let alpha = p.require_number("alpha")?;
            let beta = p.require_number("beta")?;
            finish(p, &["alpha", "beta"], SyntheticDemand::Beta { alpha, beta })
        },
    },
    Entry {
        name: "diurnal",
        summary: "daily desktop pattern: `base` + `amplitude` x raised cosine peaking at `peak_hour` \
                  (+ per-VM phase in `phase_spread_h`), + Normal(0, `noise`)",
        build: |mut p| {
            let pattern = DiurnalPattern::from_params(&mut p)?;
            finish(p, DiurnalPattern::KEYS, SyntheticDemand::Diurnal(pattern))
        },
    },
];

/// The end of every constructor: no parameter left over, the values in range.
fn finish(params: Params, known: &[&str], demand: SyntheticDemand) -> Result<SyntheticDemand, ParamError> {
    params.finish(known)?;
    demand.validate()?;
    Ok(demand)
}

impl SyntheticDemand {
    /// Builds a distribution of kind `kind` (a name in this module's catalogue, which
    /// `cirrus list` prints) from its parameters, all required:
    /// - `"constant"`: `value` in `[0, 1]`;
    /// - `"uniform"`: `low`, `high` in `[0, 1]`, `low <= high`;
    /// - `"normal"`: `mean` in `[0, 1]`, `std_dev >= 0`;
    /// - `"beta"`: `alpha > 0`, `beta > 0`;
    /// - `"diurnal"`: `peak_hour` in `[0, 24)`, `base` in `[0, 1]`,
    ///   `amplitude` in `[0, 1 − base]`, optional `noise >= 0` and
    ///   `phase_spread_h` in `[0, 24]` (both default 0).
    ///
    /// An unknown kind is reported under the key `"distribution"`; a missing,
    /// out-of-range or unknown parameter under its own key.
    pub fn from_params(kind: &str, params: Params) -> Result<Self, ParamError> {
        let entry = Entry::find(CATALOG, kind).ok_or_else(|| {
            ParamError::new(
                "distribution",
                format!("unknown distribution {kind:?}; known: {}", Entry::names(CATALOG)),
            )
        })?;
        (entry.build)(params)
    }

    /// Checks the parameters (ranges as in [`Self::from_params`]); the error
    /// names the offending parameter.
    pub fn validate(&self) -> Result<(), ParamError> {
        // Utilisations are fractions of capacity, [MIN_UTILIZATION, MAX_UTILIZATION] = [0, 1].
        let unit = |key: &str, x: f64| check_fraction(key, x).map(|_| ());
        let positive = |key: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(ParamError::new(
                    key,
                    format!("expected a finite number > 0, found {x}"),
                ))
            }
        };
        match *self {
            Self::Constant { value } => unit("value", value),
            Self::Uniform { low, high } => {
                unit("low", low)?;
                unit("high", high)?;
                if low > high {
                    return Err(ParamError::new(
                        "high",
                        format!("expected high >= low = {low}, found {high}"),
                    ));
                }
                Ok(())
            }
            Self::Normal { mean, std_dev } => {
                unit("mean", mean)?;
                if !(std_dev.is_finite() && std_dev >= 0.0) {
                    return Err(ParamError::new(
                        "std_dev",
                        format!("expected a finite number >= 0, found {std_dev}"),
                    ));
                }
                Ok(())
            }
            Self::Beta { alpha, beta } => {
                positive("alpha", alpha)?;
                positive("beta", beta)
            }
            Self::Diurnal(pattern) => pattern.validate(),
        }
    }

    /// The kind's name, as accepted by [`Self::from_params`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Constant { .. } => "constant",
            Self::Uniform { .. } => "uniform",
            Self::Normal { .. } => "normal",
            Self::Beta { .. } => "beta",
            Self::Diurnal(_) => "diurnal",
        }
    }

    /// One trace per VM `0..n_vms`, each of `samples` samples `interval_s`
    /// seconds apart, named `"{kind}-{i}"`. Trace *i* equals
    /// [`Self::generate_one`]`(i, …)`: it depends neither on `n_vms` nor on
    /// the order of generation.
    ///
    /// # Panics
    /// If the parameters are invalid (only possible for a value not built by
    /// [`Self::from_params`]; see [`Self::validate`]), if `samples` is 0 or if
    /// `interval_s` is not a positive finite number.
    pub fn generate(
        &self,
        n_vms: usize,
        interval_s: f64,
        samples: usize,
        streams: &RngStreams,
    ) -> Vec<UtilizationTrace> {
        (0..n_vms)
            .map(|i| self.generate_one(i, interval_s, samples, streams))
            .collect()
    }

    /// VM `index`'s trace (see [`Self::generate`]), drawn from stream
    /// `streams.indexed("workload", index)`.
    ///
    /// # Panics
    /// As [`Self::generate`].
    pub fn generate_one(
        &self,
        index: usize,
        interval_s: f64,
        samples: usize,
        streams: &RngStreams,
    ) -> UtilizationTrace {
        if let Err(e) = self.validate() {
            panic!("invalid {} demand: {e}", self.kind());
        }
        let stream_index = u64::try_from(index).expect("a usize index fits in u64");
        let mut rng = streams.indexed(WORKLOAD_STREAM, stream_index);
        let values = self.draw(&mut rng, samples, interval_s);
        let name = format!("{}-{index}", self.kind());
        match UtilizationTrace::new(name, interval_s, values) {
            Ok(trace) => trace,
            Err(e) => panic!("cannot generate a synthetic trace: {e}"),
        }
    }

    /// `n` samples `interval_s` apart from `rng`. The parameters have been
    /// validated, so the `rand_distr` constructors cannot fail.
    fn draw<R: Rng>(&self, rng: &mut R, n: usize, interval_s: f64) -> Vec<f64> {
        const VALIDATED: &str = "parameters validated";
        match *self {
            Self::Constant { value } => vec![value; n],
            Self::Uniform { low, high } => {
                let dist = Uniform::new_inclusive(low, high).expect(VALIDATED);
                dist.sample_iter(rng).take(n).collect()
            }
            Self::Normal { mean, std_dev } => {
                let dist = Normal::new(mean, std_dev).expect(VALIDATED);
                dist.sample_iter(rng)
                    .take(n)
                    .map(|x: f64| x.clamp(MIN_UTILIZATION, MAX_UTILIZATION))
                    .collect()
            }
            Self::Beta { alpha, beta } => {
                let dist = Beta::new(alpha, beta).expect(VALIDATED);
                // Beta's support is [0, 1]; clamping only guards against
                // rounding at the bounds for extreme shape parameters.
                dist.sample_iter(rng)
                    .take(n)
                    .map(|x: f64| x.clamp(MIN_UTILIZATION, MAX_UTILIZATION))
                    .collect()
            }
            Self::Diurnal(pattern) => pattern.draw(rng, n, interval_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    /// Samples drawn for the statistical tests.
    const N: usize = 10_000;
    /// PlanetLab's sampling interval, used as a realistic interval.
    const INTERVAL_S: f64 = 300.0;

    fn params(pairs: &[(&str, f64)]) -> Params {
        pairs
            .iter()
            .fold(Params::new(), |p, &(k, v)| p.with(k, ParamValue::Number(v)))
    }

    fn demand(kind: &str, pairs: &[(&str, f64)]) -> SyntheticDemand {
        SyntheticDemand::from_params(kind, params(pairs)).unwrap()
    }

    fn error(kind: &str, pairs: &[(&str, f64)]) -> ParamError {
        SyntheticDemand::from_params(kind, params(pairs)).unwrap_err()
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    fn all_demands() -> Vec<SyntheticDemand> {
        vec![
            demand("constant", &[("value", 0.25)]),
            demand("uniform", &[("low", 0.2), ("high", 0.6)]),
            demand("normal", &[("mean", 0.3), ("std_dev", 0.1)]),
            demand("beta", &[("alpha", 2.0), ("beta", 5.0)]),
            demand(
                "diurnal",
                &[
                    ("peak_hour", 14.0),
                    ("base", 0.1),
                    ("amplitude", 0.6),
                    ("noise", 0.05),
                    ("phase_spread_h", 24.0),
                ],
            ),
        ]
    }

    #[test]
    fn same_seed_gives_identical_traces() {
        for d in all_demands() {
            let a = d.generate(5, INTERVAL_S, 50, &RngStreams::new(42));
            let b = d.generate(5, INTERVAL_S, 50, &RngStreams::new(42));
            assert_eq!(a, b, "{d:?}");
        }
    }

    #[test]
    fn different_seeds_and_vms_differ() {
        for d in all_demands().into_iter().skip(1) {
            let a = d.generate(2, INTERVAL_S, 50, &RngStreams::new(1));
            let b = d.generate(2, INTERVAL_S, 50, &RngStreams::new(2));
            assert_ne!(a[0].samples(), b[0].samples(), "{d:?}");
            assert_ne!(a[0].samples(), a[1].samples(), "{d:?}");
        }
    }

    #[test]
    fn vm_trace_does_not_depend_on_n_vms_or_generation_order() {
        let streams = RngStreams::new(7);
        for d in all_demands() {
            let few = d.generate(3, INTERVAL_S, 20, &streams);
            let many = d.generate(10, INTERVAL_S, 20, &streams);
            assert_eq!(few[..], many[..3], "{d:?}");
            // Generated alone and backwards: same traces.
            let backwards: Vec<_> = (0..10)
                .rev()
                .map(|i| d.generate_one(i, INTERVAL_S, 20, &streams))
                .collect();
            assert!(backwards.iter().rev().eq(many.iter()), "{d:?}");
        }
    }

    #[test]
    fn names_interval_and_length() {
        let d = demand("beta", &[("alpha", 1.0), ("beta", 7.0)]);
        let traces = d.generate(12, INTERVAL_S, 288, &RngStreams::new(0));
        assert_eq!(traces[11].name(), "beta-11");
        assert!(traces.iter().all(|t| t.samples().len() == 288));
        assert!(traces.iter().all(|t| t.interval_s() == INTERVAL_S));
    }

    #[test]
    fn values_lie_in_the_unit_interval() {
        let wide = [
            demand("uniform", &[("low", 0.0), ("high", 1.0)]),
            demand("normal", &[("mean", 0.5), ("std_dev", 3.0)]),
            demand("beta", &[("alpha", 0.01), ("beta", 0.01)]),
            demand("beta", &[("alpha", 1e6), ("beta", 1e-3)]),
        ];
        for d in wide.iter().chain(&all_demands()) {
            let t = d.generate_one(0, INTERVAL_S, N, &RngStreams::new(3));
            assert!(t.samples().iter().all(|x| (0.0..=1.0).contains(x)), "{d:?}");
        }
    }

    #[test]
    fn constant_is_exact() {
        let t = demand("constant", &[("value", 0.25)]).generate_one(0, INTERVAL_S, N, &RngStreams::new(9));
        assert!(t.samples().iter().all(|&x| x == 0.25));
        // A degenerate uniform (low == high) is a constant too.
        let t = demand("uniform", &[("low", 0.3), ("high", 0.3)]).generate_one(
            0,
            INTERVAL_S,
            N,
            &RngStreams::new(9),
        );
        assert!(t.samples().iter().all(|&x| x == 0.3));
    }

    #[test]
    fn uniform_sample_mean() {
        // Mean (low + high) / 2 = 0.4; sd 0.4/√12 ≈ 0.115, so the standard
        // error of a 10 000-sample mean is ≈ 0.0012; tolerance ≈ 8 SE.
        let t = demand("uniform", &[("low", 0.2), ("high", 0.6)]).generate_one(
            0,
            INTERVAL_S,
            N,
            &RngStreams::new(9),
        );
        assert!((mean(&t.samples()) - 0.4).abs() < 0.01);
        assert!(t.samples().iter().all(|&x| (0.2..=0.6).contains(&x)));
    }

    #[test]
    fn beta_sample_mean() {
        // Mean α/(α+β) = 2/7; variance αβ/((α+β)²(α+β+1)) = 10/392, sd ≈ 0.16,
        // standard error ≈ 0.0016; tolerance ≈ 6 SE.
        let t = demand("beta", &[("alpha", 2.0), ("beta", 5.0)]).generate_one(
            0,
            INTERVAL_S,
            N,
            &RngStreams::new(9),
        );
        assert!((mean(&t.samples()) - 2.0 / 7.0).abs() < 0.01);
    }

    #[test]
    fn normal_sample_mean_when_clipping_is_negligible() {
        // Mean 0.5, sd 0.05: the bounds are 10 sd away; standard error 0.0005.
        let t = demand("normal", &[("mean", 0.5), ("std_dev", 0.05)]).generate_one(
            0,
            INTERVAL_S,
            N,
            &RngStreams::new(9),
        );
        assert!((mean(&t.samples()) - 0.5).abs() < 0.005);
    }

    #[test]
    fn normal_is_clipped_to_the_bounds() {
        // With sd 1 around 0.5, P(x < 0) = P(x > 1) = Φ(-0.5) ≈ 0.31.
        let t = demand("normal", &[("mean", 0.5), ("std_dev", 1.0)]).generate_one(
            0,
            INTERVAL_S,
            N,
            &RngStreams::new(9),
        );
        let zeros = t.samples().iter().filter(|&&x| x == 0.0).count() as f64 / N as f64;
        let ones = t.samples().iter().filter(|&&x| x == 1.0).count() as f64 / N as f64;
        assert!((zeros - 0.31).abs() < 0.03, "{zeros}");
        assert!((ones - 0.31).abs() < 0.03, "{ones}");
        // std_dev 0 is a constant at the mean.
        let t = demand("normal", &[("mean", 0.7), ("std_dev", 0.0)]).generate_one(
            0,
            INTERVAL_S,
            10,
            &RngStreams::new(9),
        );
        assert!(t.samples().iter().all(|&x| x == 0.7));
    }

    #[test]
    fn param_errors_name_the_key() {
        // (kind, parameters, key the error must name)
        type Case<'a> = (&'a str, &'a [(&'a str, f64)], &'a str);
        let cases: [Case; 11] = [
            ("constant", &[], "value"),
            ("constant", &[("value", 1.5)], "value"),
            ("uniform", &[("low", -0.1), ("high", 0.5)], "low"),
            ("uniform", &[("low", 0.1), ("high", 1.1)], "high"),
            ("uniform", &[("low", 0.6), ("high", 0.5)], "high"),
            ("normal", &[("mean", 1.2), ("std_dev", 0.1)], "mean"),
            ("normal", &[("mean", 0.5), ("std_dev", -0.1)], "std_dev"),
            ("beta", &[("alpha", 0.0), ("beta", 1.0)], "alpha"),
            ("beta", &[("alpha", 1.0), ("beta", -2.0)], "beta"),
            ("beta", &[("alpha", 1.0)], "beta"),
            ("constant", &[("value", 0.5), ("valeu", 0.5)], "valeu"),
        ];
        for (kind, pairs, key) in cases {
            assert_eq!(error(kind, pairs).key, key, "{kind} {pairs:?}");
        }
        let err = error("poisson", &[]);
        assert_eq!(err.key, "distribution");
        assert!(err.message.contains("constant, uniform, normal, beta"), "{err}");
        let err = SyntheticDemand::from_params(
            "constant",
            Params::new().with("value", ParamValue::Text("high".into())),
        )
        .unwrap_err();
        assert_eq!(err.key, "value");
    }

    #[test]
    fn kinds_list_matches_from_params() {
        for e in CATALOG {
            assert!(!e.summary.is_empty());
            // Every listed kind is known: the error is about a parameter.
            assert_ne!(error(e.name, &[]).key, "distribution");
        }
        for d in all_demands() {
            assert!(CATALOG.iter().any(|e| e.name == d.kind()));
        }
    }

    #[test]
    #[should_panic(expected = "invalid uniform demand")]
    fn hand_built_invalid_demand_panics_clearly() {
        let d = SyntheticDemand::Uniform { low: 0.9, high: 0.1 };
        d.generate(1, INTERVAL_S, 1, &RngStreams::new(0));
    }
}
