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

/// The whole-percent fractions: `PERCENT_FRACTION[p] = p as f64 / 100.0`
/// for every `u8` (const floating-point arithmetic is IEEE 754, so each value
/// is bit-identical to the division done at run time; 256 entries so that a
/// `u8` index needs no bounds check).
const PERCENT_FRACTION: [f64; 256] = {
    let mut table = [0.0; 256];
    let mut p = 0;
    while p < 256 {
        table[p] = p as f64 / 100.0;
        p += 1;
    }
    table
};

/// How a trace's samples are stored: the most compact form that holds every
/// sample exactly (chosen by [`UtilizationTrace::new`]), so that the storage
/// never changes a value.
#[derive(Debug, Clone, PartialEq)]
enum Samples {
    /// Whole percents `p` in 0..=100, read as `p as f64 / 100.0` (1 byte a
    /// sample: PlanetLab, and any trace of whole percents).
    Percent(Box<[u8]>),
    /// Single precision, read as `f64::from(v)` (4 bytes a sample: the
    /// float datasets, rounded to `f32` by their readers).
    Single(Box<[f32]>),
    /// Double precision as given (8 bytes a sample: synthetic demand).
    Double(Box<[f64]>),
}

impl Samples {
    /// The most compact exact storage of `values`.
    fn compact(values: Vec<f64>) -> Self {
        let percent = |v: f64| -> Option<u8> {
            let p = (v * 100.0).round();
            (0.0..=100.0)
                .contains(&p)
                .then_some(p as u8)
                .filter(|&p| PERCENT_FRACTION[usize::from(p)] == v)
        };
        if values.iter().all(|&v| percent(v).is_some()) {
            return Self::Percent(values.iter().map(|&v| percent(v).unwrap_or(0)).collect());
        }
        // `to_bits` so that -0.0 (which the range check lets through) stays
        // exact too.
        if values
            .iter()
            .all(|&v| f64::from(v as f32).to_bits() == v.to_bits())
        {
            return Self::Single(values.iter().map(|&v| v as f32).collect());
        }
        Self::Double(values.into_boxed_slice())
    }

    fn len(&self) -> usize {
        match self {
            Self::Percent(s) => s.len(),
            Self::Single(s) => s.len(),
            Self::Double(s) => s.len(),
        }
    }

    /// Sample `i` (`i < len`) as `f64`.
    #[inline]
    fn get(&self, i: usize) -> f64 {
        match self {
            Self::Percent(s) => PERCENT_FRACTION[usize::from(s[i])],
            Self::Single(s) => f64::from(s[i]),
            Self::Double(s) => s[i],
        }
    }
}

/// A CPU-utilisation time series sampled at a fixed interval, read the way
/// CloudSim's `UtilizationModelPlanetLabInMemory` reads it.
///
/// Values between samples are linearly interpolated. Past the last sample the
/// last value holds (CloudSim copies sample 287 into a 289th slot for exactly
/// the instant 86 400 s and fails beyond it; holding is the documented
/// behaviour for traces shorter than the simulation).
///
/// # Storage
/// Samples are kept in the most compact form that holds each one exactly:
/// 1 byte for whole percents (`p / 100.0`, as PlanetLab files give them), 4
/// bytes when every sample is an `f32`, 8 bytes otherwise. The form never
/// changes a value: [`utilization_at`](Self::utilization_at) returns the
/// same bits as it would from `f64` storage. Readers of float datasets round
/// their samples to `f32` first ([`from_f32`](Self::from_f32)); that rounding
/// (at most 2⁻²⁴ of the value, under 6·10⁻⁸ of a VM's capacity) is theirs.
#[derive(Debug, Clone, PartialEq)]
pub struct UtilizationTrace {
    name: String,
    interval_s: f64,
    samples: Samples,
    /// When the first sample applies, seconds (a VM arriving later).
    start_s: f64,
}

impl UtilizationTrace {
    /// A trace from fractions in `[0, 1]`, one every `interval_s` seconds,
    /// the first at `t = 0`, stored in the most compact exact form (see
    /// [Storage](Self#storage)).
    pub fn new(name: impl Into<String>, interval_s: f64, samples: Vec<f64>) -> Result<Self, TraceError> {
        let name = name.into();
        Self::check(&name, interval_s, samples.len(), samples.iter().copied())?;
        Ok(Self::build(name, interval_s, Samples::compact(samples)))
    }

    /// A trace from single-precision fractions in `[0, 1]` (the form the
    /// float datasets' readers store: 4 bytes a sample).
    pub fn from_f32(name: impl Into<String>, interval_s: f64, samples: Vec<f32>) -> Result<Self, TraceError> {
        let name = name.into();
        Self::check(
            &name,
            interval_s,
            samples.len(),
            samples.iter().map(|&v| f64::from(v)),
        )?;
        Ok(Self::build(
            name,
            interval_s,
            Samples::Single(samples.into_boxed_slice()),
        ))
    }

    /// A trace from fractions in `[0, 1]` (checked as given), each rounded to
    /// the nearest `f32` for storage (4 bytes a sample; the rounding is at
    /// most 2⁻²⁵ for a fraction ≤ 1): how the float datasets' readers build
    /// their traces.
    pub fn rounded_to_f32(
        name: impl Into<String>,
        interval_s: f64,
        samples: Vec<f64>,
    ) -> Result<Self, TraceError> {
        let name = name.into();
        Self::check(&name, interval_s, samples.len(), samples.iter().copied())?;
        // Rounding is monotone and 0 and 1 are `f32`s: still in [0, 1].
        let single = samples.iter().map(|&v| v as f32).collect();
        Ok(Self::build(name, interval_s, Samples::Single(single)))
    }

    /// A trace from whole percents in 0..=100 (sample = `p as f64 / 100.0`,
    /// bit for bit; 1 byte a sample), as PlanetLab files give them.
    pub fn from_percents(
        name: impl Into<String>,
        interval_s: f64,
        percents: Vec<u8>,
    ) -> Result<Self, TraceError> {
        let name = name.into();
        let values = percents.iter().map(|&p| PERCENT_FRACTION[usize::from(p)]);
        Self::check(&name, interval_s, percents.len(), values)?;
        Ok(Self::build(
            name,
            interval_s,
            Samples::Percent(percents.into_boxed_slice()),
        ))
    }

    fn check(
        name: &str,
        interval_s: f64,
        len: usize,
        mut values: impl Iterator<Item = f64>,
    ) -> Result<(), TraceError> {
        let name = || name.to_owned();
        if !(interval_s.is_finite() && interval_s > 0.0) {
            return Err(TraceError::BadInterval {
                name: name(),
                interval_s,
            });
        }
        if len == 0 {
            return Err(TraceError::Empty { name: name() });
        }
        if let Some((index, value)) = values
            .by_ref()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(v))
        {
            return Err(TraceError::OutOfRange {
                name: name(),
                index,
                value,
            });
        }
        Ok(())
    }

    fn build(name: String, interval_s: f64, samples: Samples) -> Self {
        Self {
            name,
            interval_s,
            samples,
            start_s: 0.0,
        }
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

    /// A copy of the samples, fractions in `[0, 1]`, as `f64` (for
    /// inspection; the simulation reads them through
    /// [`utilization_at`](Self::utilization_at)).
    pub fn samples(&self) -> Vec<f64> {
        (0..self.samples.len()).map(|i| self.samples.get(i)).collect()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Always `false`: a trace has at least one sample.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Bytes the samples take (1, 4 or 8 a sample; see
    /// [Storage](Self#storage)).
    pub fn sample_bytes(&self) -> usize {
        match &self.samples {
            Samples::Percent(s) => s.len(),
            Samples::Single(s) => 4 * s.len(),
            Samples::Double(s) => 8 * s.len(),
        }
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
        // One dispatch on the storage, then the same arithmetic on `f64`s.
        match &self.samples {
            Samples::Percent(s) => interpolate(s, |p| PERCENT_FRACTION[usize::from(p)], self.interval_s, t),
            Samples::Single(s) => interpolate(s, f64::from, self.interval_s, t),
            Samples::Double(s) => interpolate(s, |v| v, self.interval_s, t),
        }
    }
}

/// [`UtilizationTrace::utilization_at`] on `samples` (non-empty, read as
/// `f64` by `value`) at `t ≥ 0` seconds after the first sample.
#[inline(always)]
fn interpolate<T: Copy>(samples: &[T], value: impl Fn(T) -> f64, interval: f64, t: f64) -> f64 {
    let last = samples.len() - 1;
    let slot = |i: f64| -> f64 {
        let i = i as usize;
        value(samples[i.min(last)])
    };
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
