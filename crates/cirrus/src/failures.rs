//! Host failures: when hosts fail, how, and for how long.
//!
//! A failure takes a host down from `down_s` until `up_s`. A *crash* comes
//! without warning: the VMs on the host go down with it and are restarted
//! elsewhere (a cold restart). A *degraded* host announces its failure
//! `warning_s` ahead (disk or fan alarms, ECC error bursts, a scheduled
//! maintenance): the simulation evacuates its VMs by live migration, and the
//! VMs still there at `down_s` are lost and restarted — migration as a
//! fault-tolerance technique (the seed's closing argument; Nagarajan et al.,
//! "Proactive fault tolerance for HPC with Xen virtualization", ICS 2007).
//!
//! Failures come from a trace or are drawn per host from time-to-failure and
//! time-to-repair distributions — exponential, Weibull (Schroeder & Gibson,
//! "A large-scale study of failures in high-performance computing systems",
//! DSN 2006, fit times between failures with Weibull shapes 0.7–0.8) or
//! log-normal (their fit for repair times) — each host from its own seeded
//! stream, so the schedule does not depend on anything else in the run.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Weibull};

use crate::datacenter::{HostId, HostType};
use crate::params::{ParamError, Params};
use cirrus_engine::RngStreams;

/// How a host fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// Down at once; its VMs go down with it.
    Crash,
    /// Announced ahead; its VMs can be evacuated until it goes down.
    Degraded,
}

impl FailureKind {
    /// As written in scenarios and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Crash => "crash",
            FailureKind::Degraded => "degraded",
        }
    }
}

/// One failure of one host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostFailure {
    /// The host.
    pub host: HostId,
    /// When it is announced (= `down_s` for a crash), seconds.
    pub warning_s: f64,
    /// When it goes down, seconds.
    pub down_s: f64,
    /// When it is back, repaired, seconds.
    pub up_s: f64,
    /// Crash or degraded.
    pub kind: FailureKind,
}

/// A positive random duration, seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lifetime {
    /// Exponential with mean `mean_s` (memoryless: a constant failure rate).
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Weibull with shape k and scale λ: k < 1 is infant mortality (failure
    /// rate falling with age), k > 1 wear-out.
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, seconds.
        scale_s: f64,
    },
    /// Log-normal: ln(duration) is normal with mean ln(`median_s`) and
    /// standard deviation `sigma`.
    LogNormal {
        /// Median, seconds.
        median_s: f64,
        /// Standard deviation of ln(duration).
        sigma: f64,
    },
    /// Always the same duration.
    Constant {
        /// The duration, seconds.
        value_s: f64,
    },
}

impl Lifetime {
    /// The kinds [`from_params`](Self::from_params) accepts.
    pub const KINDS: &'static [&'static str] = &["exponential", "weibull", "log-normal", "constant"];

    /// From `dist` and its parameters (`mean_s`; `shape`, `scale_s`;
    /// `median_s`, `sigma`; `value_s`).
    pub fn from_params(mut params: Params) -> Result<Self, ParamError> {
        let dist = params
            .text("dist")?
            .ok_or_else(|| ParamError::new("dist", format!("missing; one of {}", Self::KINDS.join(", "))))?;
        let mut required = |key: &str| {
            params
                .number(key)?
                .ok_or_else(|| ParamError::new(key, "missing required number"))
        };
        let (lifetime, keys): (Self, &[&str]) = match dist.as_str() {
            "exponential" => (
                Self::Exponential {
                    mean_s: required("mean_s")?,
                },
                &["mean_s"],
            ),
            "weibull" => (
                Self::Weibull {
                    shape: required("shape")?,
                    scale_s: required("scale_s")?,
                },
                &["shape", "scale_s"],
            ),
            "log-normal" => (
                Self::LogNormal {
                    median_s: required("median_s")?,
                    sigma: required("sigma")?,
                },
                &["median_s", "sigma"],
            ),
            "constant" => (
                Self::Constant {
                    value_s: required("value_s")?,
                },
                &["value_s"],
            ),
            other => {
                return Err(ParamError::new(
                    "dist",
                    format!(
                        "unknown distribution \"{other}\"; known: {}",
                        Self::KINDS.join(", ")
                    ),
                ));
            }
        };
        params.finish(keys)?;
        lifetime.validate()?;
        Ok(lifetime)
    }

    /// Checks the parameters: durations positive and finite, shapes positive.
    pub fn validate(&self) -> Result<(), ParamError> {
        let positive = |key: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(ParamError::new(
                    key,
                    format!("must be a positive number, found {x}"),
                ))
            }
        };
        match *self {
            Self::Exponential { mean_s } => positive("mean_s", mean_s),
            Self::Weibull { shape, scale_s } => positive("shape", shape).and(positive("scale_s", scale_s)),
            Self::LogNormal { median_s, sigma } => {
                positive("median_s", median_s)?;
                if sigma.is_finite() && sigma >= 0.0 {
                    Ok(())
                } else {
                    Err(ParamError::new(
                        "sigma",
                        format!("must be a number >= 0, found {sigma}"),
                    ))
                }
            }
            Self::Constant { value_s } => positive("value_s", value_s),
        }
    }

    /// The mean, seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            Self::Exponential { mean_s } => mean_s,
            Self::Weibull { shape, scale_s } => scale_s * gamma(1.0 + 1.0 / shape),
            Self::LogNormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
            Self::Constant { value_s } => value_s,
        }
    }

    /// One draw, seconds (validated parameters; never negative).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match *self {
            Self::Exponential { mean_s } => Exp::new(1.0 / mean_s).map_or(mean_s, |d| d.sample(rng)),
            Self::Weibull { shape, scale_s } => {
                Weibull::new(scale_s, shape).map_or(scale_s, |d| d.sample(rng))
            }
            Self::LogNormal { median_s, sigma } => {
                LogNormal::new(median_s.ln(), sigma).map_or(median_s, |d| d.sample(rng))
            }
            Self::Constant { value_s } => value_s,
        };
        x.max(0.0)
    }
}

/// Lanczos approximation of Γ(x) for x > 0 (g = 7, 9 coefficients; Numerical
/// Recipes 3rd ed. §6.1), accurate to ~1e-15 relative: only for reporting the
/// Weibull mean.
fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

/// How the hosts of some types fail.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureProcess {
    /// Indices of the host types it applies to.
    pub host_types: Vec<usize>,
    /// Time to failure, from the host's start or last repair.
    pub ttf: Lifetime,
    /// Time to repair.
    pub ttr: Lifetime,
    /// Share of failures that are announced (degraded) rather than crashes.
    pub degraded_fraction: f64,
    /// How long before going down a degraded host announces it, seconds.
    pub warning_s: f64,
}

/// Where failures come from.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureSource {
    /// Drawn per host from the processes of its type (a type without one
    /// never fails).
    Random(Vec<FailureProcess>),
    /// Given, e.g. read from a failure trace.
    Trace(Vec<HostFailure>),
}

/// Host failures in a run and what the datacenter does about them.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureConfig {
    /// Where failures come from.
    pub source: FailureSource,
    /// From a VM going down to it running again elsewhere (failure
    /// detection plus a cold boot), seconds; counted as restart downtime.
    pub restart_delay_s: f64,
    /// Evacuate degraded hosts by live migration (false: their VMs wait
    /// for the failure and are restarted, the baseline).
    pub evacuate: bool,
}

/// Why a failure description is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct FailureError {
    /// Index of the failure (trace order) or process concerned.
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

impl FailureConfig {
    /// Checks the configuration against `host_types` and `hosts` (each host's type index).
    pub fn validate(&self, host_types: &[HostType], hosts: usize) -> Result<(), FailureError> {
        let err = |index, message: String| Err(FailureError { index, message });
        if !(self.restart_delay_s.is_finite() && self.restart_delay_s >= 0.0) {
            return err(
                0,
                format!(
                    "restart_delay_s must be a number >= 0, found {}",
                    self.restart_delay_s
                ),
            );
        }
        match &self.source {
            FailureSource::Random(processes) => {
                let mut claimed = vec![None; host_types.len()];
                for (i, p) in processes.iter().enumerate() {
                    for &t in &p.host_types {
                        let Some(slot) = claimed.get_mut(t) else {
                            return err(i, format!("host type {t} does not exist"));
                        };
                        if let Some(j) = *slot {
                            return err(
                                i,
                                format!(
                                    "host type \"{}\" already has failure process {j}",
                                    host_types[t].name
                                ),
                            );
                        }
                        *slot = Some(i);
                    }
                    if let Err(e) = p.ttf.validate().and(p.ttr.validate()) {
                        return err(i, e.to_string());
                    }
                    if !(0.0..=1.0).contains(&p.degraded_fraction) {
                        return err(
                            i,
                            format!(
                                "degraded_fraction must be in [0, 1], found {}",
                                p.degraded_fraction
                            ),
                        );
                    }
                    if !(p.warning_s.is_finite() && p.warning_s >= 0.0) {
                        return err(
                            i,
                            format!("warning_s must be a number >= 0, found {}", p.warning_s),
                        );
                    }
                }
            }
            FailureSource::Trace(failures) => {
                let mut last_up = vec![f64::NEG_INFINITY; hosts];
                let mut order: Vec<usize> = (0..failures.len()).collect();
                order.sort_by(|&a, &b| {
                    (failures[a].host, failures[a].down_s)
                        .partial_cmp(&(failures[b].host, failures[b].down_s))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                for i in order {
                    let f = &failures[i];
                    let Some(prev_up) = last_up.get_mut(f.host.index()) else {
                        return err(i, format!("host {} does not exist ({hosts} hosts)", f.host.0));
                    };
                    if !(f.down_s.is_finite() && f.down_s >= 0.0 && f.up_s.is_finite() && f.up_s > f.down_s) {
                        return err(
                            i,
                            format!("needs 0 <= start < end, found {} .. {}", f.down_s, f.up_s),
                        );
                    }
                    if !(f.warning_s.is_finite() && f.warning_s <= f.down_s) {
                        return err(
                            i,
                            format!("warning at {} after the failure at {}", f.warning_s, f.down_s),
                        );
                    }
                    if f.warning_s < *prev_up {
                        return err(
                            i,
                            format!(
                                "host {} fails (or warns) at {} before its previous failure ended at {}",
                                f.host.0,
                                f.warning_s.min(f.down_s),
                                prev_up
                            ),
                        );
                    }
                    *prev_up = f.up_s;
                }
            }
        }
        Ok(())
    }

    /// The failures starting before `horizon_s`, ordered by warning time,
    /// then host. Host `h` draws from stream (`"host-failures"`, `h`):
    /// time to failure from its start or last repair, then kind, then time
    /// to repair. A degraded failure warns `warning_s` ahead, but never
    /// before the host's previous repair.
    pub fn schedule(
        &self,
        host_types_of: &[usize],
        horizon_s: f64,
        streams: &RngStreams,
    ) -> Vec<HostFailure> {
        let mut out = Vec::new();
        match &self.source {
            FailureSource::Trace(failures) => {
                out.extend(failures.iter().filter(|f| f.warning_s < horizon_s).copied());
            }
            FailureSource::Random(processes) => {
                for (hi, &t) in host_types_of.iter().enumerate() {
                    let Some(p) = processes.iter().find(|p| p.host_types.contains(&t)) else {
                        continue;
                    };
                    let mut rng = streams.indexed("host-failures", hi as u64);
                    let mut up_s = 0.0;
                    loop {
                        let down_s = up_s + p.ttf.sample(&mut rng);
                        let degraded = rng.random::<f64>() < p.degraded_fraction;
                        let repair_s = p.ttr.sample(&mut rng).max(f64::MIN_POSITIVE);
                        let warning_s = if degraded {
                            (down_s - p.warning_s).max(up_s)
                        } else {
                            down_s
                        };
                        if warning_s.is_nan() || warning_s >= horizon_s {
                            break;
                        }
                        out.push(HostFailure {
                            host: HostId(hi as u32),
                            warning_s,
                            down_s,
                            up_s: down_s + repair_s,
                            kind: if degraded {
                                FailureKind::Degraded
                            } else {
                                FailureKind::Crash
                            },
                        });
                        up_s = down_s + repair_s;
                    }
                }
            }
        }
        out.sort_by(|a, b| a.warning_s.total_cmp(&b.warning_s).then(a.host.cmp(&b.host)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;
    use rand::SeedableRng;

    fn params(pairs: &[(&str, ParamValue)]) -> Params {
        let mut p = Params::new();
        for (k, v) in pairs {
            p.insert(*k, v.clone());
        }
        p
    }

    #[test]
    fn gamma_matches_known_values() {
        assert!((gamma(1.0) - 1.0).abs() < 1e-14);
        assert!((gamma(5.0) - 24.0).abs() < 1e-12);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-14);
        assert!((gamma(1.5) - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-14);
    }

    #[test]
    fn sample_means_match_the_closed_forms() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for d in [
            Lifetime::Exponential { mean_s: 100.0 },
            Lifetime::Weibull {
                shape: 0.7,
                scale_s: 100.0,
            },
            Lifetime::LogNormal {
                median_s: 100.0,
                sigma: 0.5,
            },
            Lifetime::Constant { value_s: 3.0 },
        ] {
            let n = 200_000;
            let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!(
                (mean - d.mean_s()).abs() / d.mean_s() < 0.02,
                "{d:?}: {mean} vs {}",
                d.mean_s()
            );
        }
    }

    #[test]
    fn parameters_are_checked_by_name() {
        let e = Lifetime::from_params(params(&[("dist", ParamValue::Text("gamma".into()))])).unwrap_err();
        assert_eq!(e.key, "dist");
        let e = Lifetime::from_params(params(&[("dist", ParamValue::Text("weibull".into()))])).unwrap_err();
        assert_eq!(e.key, "shape");
        let e = Lifetime::from_params(params(&[
            ("dist", ParamValue::Text("exponential".into())),
            ("mean_s", ParamValue::Number(-1.0)),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "mean_s");
        let e = Lifetime::from_params(params(&[
            ("dist", ParamValue::Text("constant".into())),
            ("value_s", ParamValue::Number(1.0)),
            ("mean_s", ParamValue::Number(1.0)),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "mean_s");
    }

    fn random(fraction: f64) -> FailureConfig {
        FailureConfig {
            source: FailureSource::Random(vec![FailureProcess {
                host_types: vec![0],
                ttf: Lifetime::Exponential { mean_s: 1000.0 },
                ttr: Lifetime::Constant { value_s: 100.0 },
                degraded_fraction: fraction,
                warning_s: 50.0,
            }]),
            restart_delay_s: 10.0,
            evacuate: true,
        }
    }

    #[test]
    fn schedules_alternate_up_and_down_per_host_and_are_reproducible() {
        let streams = RngStreams::new(3);
        let types = [0, 1, 0];
        let cfg = random(0.5);
        let a = cfg.schedule(&types, 100_000.0, &streams);
        assert_eq!(a, cfg.schedule(&types, 100_000.0, &streams));
        assert!(a.iter().all(|f| f.host != HostId(1)), "type 1 has no process");
        for h in [0, 2] {
            let mine: Vec<_> = a.iter().filter(|f| f.host == HostId(h)).collect();
            // ~100 failures expected at 1 per 1100 s over 100,000 s.
            assert!(mine.len() > 50, "{}", mine.len());
            for w in mine.windows(2) {
                assert!(w[1].warning_s >= w[0].up_s);
            }
            for f in &mine {
                assert_eq!(f.up_s - f.down_s, 100.0);
                match f.kind {
                    FailureKind::Crash => assert_eq!(f.warning_s, f.down_s),
                    FailureKind::Degraded => assert!(f.down_s - f.warning_s <= 50.0),
                }
            }
        }
        assert!(a.windows(2).all(|w| w[0].warning_s <= w[1].warning_s));
        assert!(a.iter().any(|f| f.kind == FailureKind::Crash));
        assert!(a.iter().any(|f| f.kind == FailureKind::Degraded));
        // Another host type's process does not shift host 0's failures.
        let only0 = cfg.schedule(&[0], 100_000.0, &streams);
        let a0: Vec<_> = a.iter().filter(|f| f.host == HostId(0)).copied().collect();
        assert_eq!(only0, a0);
    }

    #[test]
    fn overlapping_trace_failures_are_rejected() {
        let f = |host, down_s, up_s| HostFailure {
            host: HostId(host),
            warning_s: down_s,
            down_s,
            up_s,
            kind: FailureKind::Crash,
        };
        let types = crate::placement::test_support::spec(&[(1000.0, 1, 1.0, 2.0)], &[]).host_types;
        let cfg = |v: Vec<HostFailure>| FailureConfig {
            source: FailureSource::Trace(v),
            restart_delay_s: 0.0,
            evacuate: true,
        };
        assert!(
            cfg(vec![f(0, 10.0, 20.0), f(0, 20.0, 30.0)])
                .validate(&types, 1)
                .is_ok()
        );
        let e = cfg(vec![f(0, 10.0, 20.0), f(0, 15.0, 30.0)])
            .validate(&types, 1)
            .unwrap_err();
        assert_eq!(e.index, 1);
        assert!(
            e.message.contains("before its previous failure ended"),
            "{}",
            e.message
        );
        assert_eq!(
            cfg(vec![f(3, 1.0, 2.0)]).validate(&types, 1).unwrap_err().index,
            0
        );
        assert!(cfg(vec![f(0, 5.0, 5.0)]).validate(&types, 1).is_err());
    }
}
