//! How a VM dirties its memory: the input that makes pre-copy resend pages.
//!
//! A fluid, page-set-free model (docs/MODELS.md A.1.2): during an interval the VM *writes*
//! some amount of memory ([`DirtyRate`]); the *distinct* data dirtied is that amount
//! capped by the writable working set (WWS, Clark et al. 2005 §4: the pages rewritten so
//! often that sending them early is pointless — a round can never dirty more than it).
//! A fraction of the WWS is *hot*: those pages are written first and re-dirtied in every
//! round, which is what the time-series pre-copy of Hu et al. (ICPADS 2011, docs/MODELS.md A.4)
//! detects and defers.

use std::fmt;
use std::sync::Arc;

use crate::params::{ParamError, Params};

/// KB in a MB: page sizes are in KB, memory in MB (`docs/MODELS.md`, units: MB = 2^20 bytes, 4 KiB pages).
pub(crate) const KB_PER_MB: f64 = 1024.0;

/// Total MB a VM has written from time 0 up to an absolute simulated time (seconds).
pub type WrittenFn = dyn Fn(f64) -> f64 + Send + Sync;

/// How fast a VM writes to its memory, in MB of page writes per second (before the WWS cap).
#[derive(Clone)]
pub enum DirtyRate {
    /// A constant rate, the assumption of the analytical models (Liu et al., HPDC 2011,
    /// docs/MODELS.md A.1.3: `V_i = D·T_{i−1}`).
    Constant {
        /// MB written per second.
        mb_per_s: f64,
    },
    /// Proportional to the CPU the VM actually gets, as SimGrid's live-migration model
    /// (Hirofuchi et al., CloudCom 2013; `dirty_page_tracking.cpp`, docs/MODELS.md A.5): pages
    /// are dirtied per instruction executed, so CPU contention slows dirtying. The rate is
    /// `at_full_cpu_mb_per_s × cpu_fraction`, the fraction coming from each
    /// [`PhaseOutcome`](super::PhaseOutcome). SimGrid's `dp_intensity × mig_speed` is this
    /// `at_full_cpu_mb_per_s`.
    CpuProportional {
        /// MB written per second when the VM runs at 100 % of its CPU.
        at_full_cpu_mb_per_s: f64,
    },
    /// A sampled series (a measured dirty-rate trace), piecewise constant.
    Series(RateSeries),
    /// Any workload, as a function of absolute simulated time (s) returning the total MB
    /// written since time 0. It must be non-decreasing; the data written over an interval
    /// is the difference of its values, which is exact for any shape.
    Cumulative(Arc<WrittenFn>),
}

impl fmt::Debug for DirtyRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant { mb_per_s } => f.debug_struct("Constant").field("mb_per_s", mb_per_s).finish(),
            Self::CpuProportional { at_full_cpu_mb_per_s } => f
                .debug_struct("CpuProportional")
                .field("at_full_cpu_mb_per_s", at_full_cpu_mb_per_s)
                .finish(),
            Self::Series(s) => f.debug_tuple("Series").field(s).finish(),
            Self::Cumulative(_) => f.write_str("Cumulative(<fn>)"),
        }
    }
}

impl DirtyRate {
    /// MB written during `[t_s, t_s + duration_s)` by a VM that got, on average, the fraction
    /// `cpu_fraction` of its full CPU (only [`DirtyRate::CpuProportional`] uses it).
    pub fn written_mb(&self, t_s: f64, duration_s: f64, cpu_fraction: f64) -> f64 {
        if duration_s <= 0.0 {
            return 0.0;
        }
        let mb = match self {
            Self::Constant { mb_per_s } => mb_per_s * duration_s,
            Self::CpuProportional { at_full_cpu_mb_per_s } => {
                at_full_cpu_mb_per_s * cpu_fraction.max(0.0) * duration_s
            }
            Self::Series(s) => s.integral(t_s, t_s + duration_s),
            Self::Cumulative(f) => f(t_s + duration_s) - f(t_s),
        };
        mb.max(0.0)
    }

    /// Checks the rate's numbers; `key` names the parameter in errors.
    fn validate(&self, key: &str) -> Result<(), ParamError> {
        let rate = match self {
            Self::Constant { mb_per_s } => *mb_per_s,
            Self::CpuProportional { at_full_cpu_mb_per_s } => *at_full_cpu_mb_per_s,
            Self::Series(_) | Self::Cumulative(_) => 0.0,
        };
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(ParamError::new(
                key,
                format!("must be a finite rate ≥ 0, found {rate}"),
            ));
        }
        Ok(())
    }
}

/// A dirty-rate trace: `mb_per_s[i]` holds on `[start_s + i·step_s, start_s + (i+1)·step_s)`;
/// before the first sample the first value holds, after the last the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeries {
    start_s: f64,
    step_s: f64,
    mb_per_s: Arc<[f64]>,
    /// `prefix_mb[i]` = MB written over the first `i` samples: O(1) integrals.
    prefix_mb: Arc<[f64]>,
}

impl RateSeries {
    /// A series starting at absolute time `start_s`, one rate (MB/s) every `step_s`.
    ///
    /// # Errors
    /// No samples, a sample negative or not finite (key `dirty_rate_series_mb_per_s`),
    /// `step_s` not > 0 (key `dirty_rate_step_s`), `start_s` not finite (key `dirty_rate_start_s`).
    pub fn new(start_s: f64, step_s: f64, mb_per_s: Vec<f64>) -> Result<Self, ParamError> {
        if mb_per_s.is_empty() {
            return Err(ParamError::new(SERIES_KEY, "needs at least one sample"));
        }
        if let Some(bad) = mb_per_s.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
            return Err(ParamError::new(
                SERIES_KEY,
                format!("rates must be finite and ≥ 0, found {bad}"),
            ));
        }
        if !(step_s.is_finite() && step_s > 0.0) {
            return Err(ParamError::new(STEP_KEY, format!("must be > 0, found {step_s}")));
        }
        if !start_s.is_finite() {
            return Err(ParamError::new(
                START_KEY,
                format!("must be finite, found {start_s}"),
            ));
        }
        let mut prefix = Vec::with_capacity(mb_per_s.len() + 1);
        let mut acc = 0.0;
        prefix.push(acc);
        for r in &mb_per_s {
            acc += r * step_s;
            prefix.push(acc);
        }
        Ok(Self {
            start_s,
            step_s,
            mb_per_s: mb_per_s.into(),
            prefix_mb: prefix.into(),
        })
    }

    /// Samples `rate_mb_per_s(t)` at `start_s + i·step_s` for `i < n`: a closure workload made
    /// exact to integrate.
    ///
    /// # Errors
    /// As [`RateSeries::new`].
    pub fn sampled(
        start_s: f64,
        step_s: f64,
        n: usize,
        rate_mb_per_s: impl Fn(f64) -> f64,
    ) -> Result<Self, ParamError> {
        let rates = (0..n)
            .map(|i| rate_mb_per_s(start_s + i as f64 * step_s))
            .collect();
        Self::new(start_s, step_s, rates)
    }

    /// MB written from `start_s` to `t` (negative before `start_s`).
    fn cumulative(&self, t: f64) -> f64 {
        let n = self.mb_per_s.len();
        let x = (t - self.start_s) / self.step_s;
        if x <= 0.0 {
            return (t - self.start_s) * self.mb_per_s[0];
        }
        let i = x.floor();
        if i >= n as f64 {
            return self.prefix_mb[n] + (t - self.start_s - n as f64 * self.step_s) * self.mb_per_s[n - 1];
        }
        let i = i as usize;
        self.prefix_mb[i] + (t - self.start_s - i as f64 * self.step_s) * self.mb_per_s[i]
    }

    fn integral(&self, t0: f64, t1: f64) -> f64 {
        self.cumulative(t1) - self.cumulative(t0)
    }
}

const SERIES_KEY: &str = "dirty_rate_series_mb_per_s";
const STEP_KEY: &str = "dirty_rate_step_s";
const START_KEY: &str = "dirty_rate_start_s";

/// What one interval dirtied, split into hot and cold data (MB of distinct pages).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Dirtied {
    /// All distinct data dirtied (≤ the WWS cap).
    pub total_mb: f64,
    /// The part in hot pages (≤ the hot set).
    pub hot_mb: f64,
}

/// A VM's memory as migration sees it: size, page size and how it is dirtied.
#[derive(Debug, Clone)]
pub struct VmMemory {
    /// Memory to move, MB.
    pub ram_mb: f64,
    /// Page size, KB (4 KiB x86 pages: Xen's `PAGE_SIZE`, docs/MODELS.md A.1.1).
    pub page_kb: f64,
    /// How fast pages are written.
    pub dirty: DirtyRate,
    /// Writable working set, MB: the data dirtied in one interval never exceeds it. `None`:
    /// no cap but the RAM. (SimGrid assumes 90 % of the RAM, docs/MODELS.md A.5.)
    pub wws_mb: Option<f64>,
    /// Fraction of the WWS made of hot pages, written first and re-dirtied every round
    /// (the "high dirty pages" of Hu et al., docs/MODELS.md A.4). 0 = none.
    pub hot_fraction: f64,
}

impl VmMemory {
    /// Xen/x86 page size, KB (`PAGE_SIZE` in `xc_domain_save.c`; docs/MODELS.md A.1.1).
    pub const DEFAULT_PAGE_KB: f64 = 4.0;

    /// A VM of `ram_mb` that writes nothing (an idle VM: pre-copy sends its RAM once).
    pub fn idle(ram_mb: f64) -> Self {
        Self::constant(ram_mb, 0.0)
    }

    /// A VM of `ram_mb` writing `mb_per_s` uniformly (no WWS cap, no hot pages).
    pub fn constant(ram_mb: f64, mb_per_s: f64) -> Self {
        Self {
            ram_mb,
            page_kb: Self::DEFAULT_PAGE_KB,
            dirty: DirtyRate::Constant { mb_per_s },
            wws_mb: None,
            hot_fraction: 0.0,
        }
    }

    /// The same memory with another dirty rate.
    pub fn with_dirty(mut self, dirty: DirtyRate) -> Self {
        self.dirty = dirty;
        self
    }

    /// The same memory with a writable working set of `wws_mb`.
    pub fn with_wws_mb(mut self, wws_mb: f64) -> Self {
        self.wws_mb = Some(wws_mb);
        self
    }

    /// The same memory with a hot fraction of the WWS.
    pub fn with_hot_fraction(mut self, hot_fraction: f64) -> Self {
        self.hot_fraction = hot_fraction;
        self
    }

    /// The memory of a VM of `ram_mb` from named parameters (a scenario table):
    ///
    /// | key | meaning | default |
    /// |---|---|---|
    /// | `page_kb` | page size, KB | 4 (x86) |
    /// | `dirty_rate_mb_per_s` | constant write rate, MB/s | 0 |
    /// | `dirty_rate_at_full_cpu_mb_per_s` | CPU-proportional rate at 100 % CPU (SimGrid) | — |
    /// | `dirty_rate_series_mb_per_s` | sampled rates, MB/s (a trace) | — |
    /// | `dirty_rate_step_s`, `dirty_rate_start_s` | the series' sampling step and start | 300, 0 |
    /// | `wws_mb` | writable-working-set cap, MB | the RAM |
    /// | `hot_fraction` | hot part of the WWS, in [0, 1] | 0 |
    ///
    /// # Errors
    /// A value out of range, two dirty-rate keys at once, or an unknown key, named.
    pub fn from_params(ram_mb: f64, mut params: Params) -> Result<Self, ParamError> {
        let page_kb = params.number("page_kb")?.unwrap_or(Self::DEFAULT_PAGE_KB);
        let constant = params.number("dirty_rate_mb_per_s")?;
        let cpu = params.number("dirty_rate_at_full_cpu_mb_per_s")?;
        let series = params.list(SERIES_KEY)?;
        // One sample per CloudSim/PlanetLab scheduling interval (300 s) unless told otherwise.
        let step_s = params.number(STEP_KEY)?.unwrap_or(DEFAULT_SERIES_STEP_S);
        let start_s = params.number(START_KEY)?.unwrap_or(0.0);
        let wws_mb = params.number("wws_mb")?;
        let hot_fraction = params.fraction("hot_fraction")?.unwrap_or(0.0);
        params.finish(&[
            "page_kb",
            "dirty_rate_mb_per_s",
            "dirty_rate_at_full_cpu_mb_per_s",
            SERIES_KEY,
            STEP_KEY,
            START_KEY,
            "wws_mb",
            "hot_fraction",
        ])?;
        let mut given = [
            ("dirty_rate_mb_per_s", constant.is_some()),
            ("dirty_rate_at_full_cpu_mb_per_s", cpu.is_some()),
            (SERIES_KEY, series.is_some()),
        ]
        .into_iter()
        .filter(|(_, g)| *g);
        let first = given.next();
        if let (Some((a, _)), Some((b, _))) = (first, given.next()) {
            return Err(ParamError::new(
                b,
                format!("give only one dirty rate; {a} is already set"),
            ));
        }
        let dirty = match (constant, cpu, series) {
            (_, Some(r), _) => DirtyRate::CpuProportional {
                at_full_cpu_mb_per_s: r,
            },
            (_, _, Some(v)) => DirtyRate::Series(RateSeries::new(start_s, step_s, v)?),
            (r, _, _) => DirtyRate::Constant {
                mb_per_s: r.unwrap_or(0.0),
            },
        };
        let memory = Self {
            ram_mb,
            page_kb,
            dirty,
            wws_mb,
            hot_fraction,
        };
        memory.validate()?;
        Ok(memory)
    }

    /// Checks every number; errors name the parameter key of [`VmMemory::from_params`]
    /// (`ram_mb` for the size).
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), ParamError> {
        if !(self.ram_mb.is_finite() && self.ram_mb > 0.0) {
            return Err(ParamError::new(
                "ram_mb",
                format!("must be > 0, found {}", self.ram_mb),
            ));
        }
        if !(self.page_kb.is_finite() && self.page_kb > 0.0) {
            return Err(ParamError::new(
                "page_kb",
                format!("must be > 0, found {}", self.page_kb),
            ));
        }
        let key = match self.dirty {
            DirtyRate::CpuProportional { .. } => "dirty_rate_at_full_cpu_mb_per_s",
            _ => "dirty_rate_mb_per_s",
        };
        self.dirty.validate(key)?;
        if let Some(w) = self.wws_mb
            && !(w.is_finite() && w >= 0.0)
        {
            return Err(ParamError::new("wws_mb", format!("must be ≥ 0, found {w}")));
        }
        if !(0.0..=1.0).contains(&self.hot_fraction) {
            return Err(ParamError::new(
                "hot_fraction",
                format!("must be in [0, 1], found {}", self.hot_fraction),
            ));
        }
        Ok(())
    }

    /// One page, MB.
    pub fn page_mb(&self) -> f64 {
        self.page_kb / KB_PER_MB
    }

    /// The most distinct data one interval can dirty: the WWS, never more than the RAM.
    pub fn dirty_cap_mb(&self) -> f64 {
        self.wws_mb.map_or(self.ram_mb, |w| w.min(self.ram_mb))
    }

    /// The hot set, MB: `hot_fraction` of the WWS cap.
    pub fn hot_mb(&self) -> f64 {
        self.hot_fraction * self.dirty_cap_mb()
    }

    /// Distinct data dirtied during `[t_s, t_s + duration_s)`: the data written, capped by the
    /// WWS; hot pages are written first, so the hot part is `min(dirtied, hot set)`.
    pub(crate) fn dirtied(&self, t_s: f64, duration_s: f64, cpu_fraction: f64) -> Dirtied {
        let total_mb = self
            .dirty
            .written_mb(t_s, duration_s, cpu_fraction)
            .min(self.dirty_cap_mb());
        Dirtied {
            total_mb,
            hot_mb: total_mb.min(self.hot_mb()),
        }
    }
}

/// Default sampling step of a dirty-rate series: PlanetLab's 5-minute interval (CloudSim
/// `Constants.SCHEDULING_INTERVAL` = 300 s), the traces this simulator reads.
const DEFAULT_SERIES_STEP_S: f64 = 300.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    #[test]
    fn constant_and_cpu_proportional_rates() {
        let m = VmMemory::constant(1024.0, 10.0);
        assert_eq!(m.dirtied(5.0, 2.0, 0.3).total_mb, 20.0);
        let m = m.with_dirty(DirtyRate::CpuProportional {
            at_full_cpu_mb_per_s: 10.0,
        });
        assert_eq!(m.dirtied(5.0, 2.0, 0.5).total_mb, 10.0);
    }

    #[test]
    fn wws_caps_and_hot_pages_come_first() {
        let m = VmMemory::constant(1024.0, 100.0)
            .with_wws_mb(64.0)
            .with_hot_fraction(0.25);
        assert_eq!(
            m.dirtied(0.0, 10.0, 1.0),
            Dirtied {
                total_mb: 64.0,
                hot_mb: 16.0
            }
        );
        assert_eq!(
            m.dirtied(0.0, 0.1, 1.0),
            Dirtied {
                total_mb: 10.0,
                hot_mb: 10.0
            }
        );
        // The WWS never exceeds the RAM.
        assert_eq!(VmMemory::idle(8.0).with_wws_mb(64.0).dirty_cap_mb(), 8.0);
    }

    #[test]
    fn series_integrates_exactly() {
        let s = RateSeries::new(100.0, 10.0, vec![1.0, 2.0, 4.0]).unwrap();
        let d = DirtyRate::Series(s);
        assert_eq!(d.written_mb(100.0, 30.0, 1.0), 70.0);
        assert_eq!(d.written_mb(105.0, 10.0, 1.0), 15.0);
        // Before the start the first rate holds, after the end the last.
        assert_eq!(d.written_mb(90.0, 10.0, 1.0), 10.0);
        assert_eq!(d.written_mb(130.0, 5.0, 1.0), 20.0);
        let s = RateSeries::sampled(0.0, 1.0, 4, |t| t).unwrap();
        assert_eq!(DirtyRate::Series(s).written_mb(0.0, 4.0, 1.0), 6.0);
    }

    #[test]
    fn cumulative_closure() {
        let d = DirtyRate::Cumulative(Arc::new(|t: f64| t * t));
        assert_eq!(d.written_mb(1.0, 2.0, 1.0), 8.0);
        assert!(format!("{d:?}").contains("Cumulative"));
    }

    #[test]
    fn params_are_read_and_checked_by_key() {
        let p = Params::new()
            .with("dirty_rate_mb_per_s", ParamValue::Number(12.5))
            .with("wws_mb", ParamValue::Number(100.0))
            .with("hot_fraction", ParamValue::Number(0.5));
        let m = VmMemory::from_params(1024.0, p).unwrap();
        assert_eq!(m.hot_mb(), 50.0);
        assert_eq!(m.page_mb(), 4.0 / 1024.0);

        let p = Params::new().with(SERIES_KEY, ParamValue::List(vec![1.0, 2.0]));
        assert!(matches!(
            VmMemory::from_params(1024.0, p).unwrap().dirty,
            DirtyRate::Series(_)
        ));

        let bad = |key: &str, v: ParamValue| {
            VmMemory::from_params(1024.0, Params::new().with(key, v))
                .unwrap_err()
                .key
        };
        assert_eq!(bad("hot_fraction", ParamValue::Number(1.5)), "hot_fraction");
        assert_eq!(bad("page_kb", ParamValue::Number(0.0)), "page_kb");
        assert_eq!(bad("wws_mb", ParamValue::Number(-1.0)), "wws_mb");
        assert_eq!(
            bad("dirty_rate_mb_per_s", ParamValue::Number(-1.0)),
            "dirty_rate_mb_per_s"
        );
        assert_eq!(bad(SERIES_KEY, ParamValue::List(vec![])), SERIES_KEY);
        assert_eq!(bad("wss_mb", ParamValue::Number(1.0)), "wss_mb");
        let two = Params::new()
            .with("dirty_rate_mb_per_s", ParamValue::Number(1.0))
            .with("dirty_rate_at_full_cpu_mb_per_s", ParamValue::Number(1.0));
        assert_eq!(
            VmMemory::from_params(1024.0, two).unwrap_err().key,
            "dirty_rate_at_full_cpu_mb_per_s"
        );
        assert_eq!(
            VmMemory::from_params(0.0, Params::new()).unwrap_err().key,
            "ram_mb"
        );
    }
}
