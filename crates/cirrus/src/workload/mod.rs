//! What the VMs ask for: CPU-utilisation traces, read from files by
//! `cirrus-traces` or generated here from distributions ([`synthetic`]).
//!
//! A VM's demand at time `t` is `trace.utilization_at(t) × VM MIPS`.

pub mod diurnal;
pub mod synthetic;

/// Why a trace could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TraceError {
    /// A trace needs at least one sample.
    #[error("trace \"{name}\" has no samples")]
    Empty {
        /// The trace's name.
        name: String,
    },
    /// Samples are fractions of the VM's capacity.
    #[error("trace \"{name}\": sample {index} is {value}, expected a utilisation in [0, 1]")]
    OutOfRange {
        /// The trace's name.
        name: String,
        /// 0-based sample index.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The sampling interval must be a positive finite number of seconds.
    #[error("trace \"{name}\": sampling interval {interval_s} s must be positive and finite")]
    BadInterval {
        /// The trace's name.
        name: String,
        /// The offending interval.
        interval_s: f64,
    },
}

/// A CPU-utilisation time series sampled at a fixed interval, read the way
/// CloudSim's `UtilizationModelPlanetLabInMemory` reads it.
///
/// Values between samples are linearly interpolated. Past the last sample the
/// last value holds (CloudSim copies sample 287 into a 289th slot for exactly
/// the instant 86 400 s and fails beyond it; holding is the documented
/// behaviour for traces shorter than the simulation).
#[derive(Debug, Clone, PartialEq)]
pub struct UtilizationTrace {
    name: String,
    interval_s: f64,
    samples: Vec<f64>,
    /// When the first sample applies, seconds (a VM arriving later).
    start_s: f64,
}

impl UtilizationTrace {
    /// A trace from fractions in `[0, 1]`, one every `interval_s` seconds,
    /// the first at `t = 0`.
    pub fn new(name: impl Into<String>, interval_s: f64, samples: Vec<f64>) -> Result<Self, TraceError> {
        let name = name.into();
        if !(interval_s.is_finite() && interval_s > 0.0) {
            return Err(TraceError::BadInterval { name, interval_s });
        }
        if samples.is_empty() {
            return Err(TraceError::Empty { name });
        }
        if let Some((index, &value)) = samples
            .iter()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            return Err(TraceError::OutOfRange { name, index, value });
        }
        Ok(Self {
            name,
            interval_s,
            samples,
            start_s: 0.0,
        })
    }

    /// The same trace with its first sample at `start_s` instead of t = 0
    /// (a VM that arrives then); before it the first sample holds.
    pub fn starting_at(mut self, start_s: f64) -> Self {
        if start_s.is_finite() {
            self.start_s = start_s;
        }
        self
    }

    /// When the first sample applies, seconds.
    pub fn start_s(&self) -> f64 {
        self.start_s
    }

    /// The trace's name (for PlanetLab, the file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds between samples.
    pub fn interval_s(&self) -> f64 {
        self.interval_s
    }

    /// The samples, fractions in `[0, 1]`.
    pub fn samples(&self) -> &[f64] {
        &self.samples
    }

    /// Seconds covered by the samples (`len × interval`).
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 * self.interval_s
    }

    /// Utilisation at `t_s` seconds, as CloudSim computes it: the exact sample
    /// when `t` is a multiple of the interval, otherwise the straight line
    /// between the samples at `floor(t/Δ)` and `ceil(t/Δ)`, with the same
    /// operation order as CloudSim so that results agree to the last bit.
    #[inline]
    pub fn utilization_at(&self, t_s: f64) -> f64 {
        let t = (t_s - self.start_s).max(0.0);
        let last = self.samples.len() - 1;
        let slot = |i: f64| -> f64 {
            let i = i as usize;
            self.samples[i.min(last)]
        };
        let interval = self.interval_s;
        let (time1, time2) = floor_ceil_non_negative(t / interval);
        // CloudSim first tests `t % interval == 0` and returns the sample. That
        // case implies `t / interval` is a whole number, so `floor == ceil`
        // covers it without the (slow) `fmod`, and also covers times where
        // the quotient merely rounds to a whole number (interval 0.1 s,
        // t = 1 s), where CloudSim's interpolation would divide 0 by 0.
        if time1 == time2 {
            return slot(time1);
        }
        let u1 = slot(time1);
        let u2 = slot(time2);
        let delta = (u2 - u1) / ((time2 - time1) * interval);
        // Rounding can put `t − time1·interval` a hair beyond the interval
        // (interval 90.95194254469328 s, t = 29 intervals): keep the result
        // between its two samples, so a demand never turns negative. Exact
        // values are unchanged.
        (u1 + delta * (t - time1 * interval)).clamp(u1.min(u2), u1.max(u2))
    }
}

/// `(q.floor(), q.ceil())` for `q ≥ 0` (or NaN), without the libm calls a
/// baseline x86-64 build makes for them: truncation is the floor of a
/// non-negative number, and from 2^52 up every `f64` is whole.
#[inline]
fn floor_ceil_non_negative(q: f64) -> (f64, f64) {
    /// 2^52: from here on every `f64` is a whole number.
    const WHOLE: f64 = 4_503_599_627_370_496.0;
    if q.is_nan() || q >= WHOLE {
        return (q.floor(), q.ceil());
    }
    let floor = (q as u64) as f64;
    (floor, if floor == q { floor } else { floor + 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> UtilizationTrace {
        UtilizationTrace::new("t", 300.0, vec![0.1, 0.5, 0.2]).unwrap()
    }

    #[test]
    fn exact_samples_at_multiples_of_the_interval() {
        let t = trace();
        assert_eq!(t.utilization_at(0.0), 0.1);
        assert_eq!(t.utilization_at(300.0), 0.5);
        assert_eq!(t.utilization_at(600.0), 0.2);
    }

    #[test]
    fn linear_between_samples() {
        let t = trace();
        assert!((t.utilization_at(150.0) - 0.3).abs() < 1e-12);
        // CloudSim's first datacenter step is at 300.1 s.
        let expected = 0.5 + (0.2 - 0.5) / 300.0 * 0.1;
        assert!((t.utilization_at(300.1) - expected).abs() < 1e-12);
    }

    #[test]
    fn sub_second_intervals_do_not_divide_by_zero() {
        let t = UtilizationTrace::new("fine", 0.1, vec![0.2; 1000]).unwrap();
        assert_eq!(t.utilization_at(1.0), 0.2);
        assert_eq!(t.utilization_at(87.9), 0.2);
    }

    #[test]
    fn holds_last_value_past_the_end() {
        let t = trace();
        assert_eq!(t.utilization_at(650.0), 0.2);
        assert_eq!(t.utilization_at(1e9), 0.2);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(UtilizationTrace::new("e", 300.0, vec![]).is_err());
        assert!(UtilizationTrace::new("n", 300.0, vec![f64::NAN]).is_err());
        assert!(UtilizationTrace::new("o", 300.0, vec![1.5]).is_err());
        assert!(UtilizationTrace::new("i", 0.0, vec![0.5]).is_err());
    }
}
