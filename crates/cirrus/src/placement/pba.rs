//! PBA: pattern-based allocation (Man & Kayashima).

use super::support::{admitted, better, suitable};
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// Most samples a pattern may have (memory: 8 bytes each per trace and host).
const MAX_SAMPLES: f64 = 100_000.0;

/// Pattern-based allocation (Cao Le Thanh Man & M. Kayashima, Hitachi; IEEE
/// CCIS 2011, pp. 333–337): desktops whose daily usage patterns are
/// anti-correlated share a host, and a host's fit is checked against the
/// *sum of the patterns over time*, not the sum of the peaks.
///
/// The abstract is all that could be checked; this is the reconstruction of
/// `docs/MODELS.md` B.3 (marked `[D]` there: reconstructed), implemented as written:
///
/// * a VM's pattern `P_v[k]` is its CPU demand in MIPS at `t = k·period_s`,
///   `k = 0 … ⌈horizon_s/period_s⌉ − 1`: its utilisation trace
///   (`spec.traces[spec.vms[v].trace]`) × the VM's MIPS × cores. The pattern
///   is read as a repeating day: the same profile serves at t = 0 and during
///   consolidation later. (In the paper patterns are averages of past
///   workdays; here the VM's own trace is the pattern, an oracle.)
/// * a batch is sorted by pattern peak `max_k P_v[k]`, decreasing;
/// * a host `s` fits when `max_k (L_s[k] + P_v[k]) ≤ max_utilization × C_s`,
///   `L_s` the sum of the patterns of the VMs listed on it (VMs migrating in
///   included), `C_s` its MIPS;
/// * among busy hosts that fit, the one whose load pattern is least
///   correlated with the VM's (Pearson; a flat pattern counts as
///   uncorrelated, 0) wins; ties: least residual peak capacity
///   `max_utilization·C_s − max_k(L_s + P_v)[k]`, then lowest id;
/// * only when no busy host fits is a new host opened: the idle host with
///   the least residual peak capacity after the VM (best fit over host
///   types), then lowest id.
///
/// The host must also be suitable now ([`Datacenter::is_suitable`]) and pass
/// the admission check (as in PABFD). Note that at t = 0 a VM reserves what
/// the spec's [`CreationRequest`](crate::datacenter::CreationRequest) says:
/// with CloudSim's `FullMips` every VM reserves its peak capacity, so the
/// pattern fit cannot pack beyond the sum of nominal capacities; with
/// `Demand` initial placement packs by patterns.
///
/// Parameters: `horizon_s` (default: the longest trace's span, samples ×
/// interval — a day for PlanetLab), `period_s` (default: the shortest trace
/// interval, coarser if that would exceed 100 000 samples), `max_utilization`
/// (in (0, 1], default 1).
#[derive(Debug, Clone)]
pub struct PatternBasedAllocation {
    horizon_s: Option<f64>,
    period_s: Option<f64>,
    max_utilization: f64,
    cache: PatternCache,
}

impl Default for PatternBasedAllocation {
    fn default() -> Self {
        Self {
            horizon_s: None,
            period_s: None,
            max_utilization: 1.0,
            cache: PatternCache::default(),
        }
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    let positive = |key: &str, x: Option<f64>| match x {
        Some(x) if x <= 0.0 => Err(ParamError::new(key, format!("expected seconds > 0, found {x}"))),
        other => Ok(other),
    };
    let horizon_s = positive("horizon_s", params.number("horizon_s")?)?;
    let period_s = positive("period_s", params.number("period_s")?)?;
    if let (Some(h), Some(p)) = (horizon_s, period_s)
        && h / p > MAX_SAMPLES
    {
        return Err(ParamError::new(
            "period_s",
            format!("{h} s / {p} s is more than {MAX_SAMPLES} samples per pattern"),
        ));
    }
    let max_utilization = match params.fraction("max_utilization")? {
        None => 1.0,
        Some(u) if u > 0.0 && u <= 1.0 => u,
        Some(u) => {
            return Err(ParamError::new(
                "max_utilization",
                format!("expected a number in (0, 1], found {u}"),
            ));
        }
    };
    params.finish(&["horizon_s", "period_s", "max_utilization"])?;
    Ok(Box::new(PatternBasedAllocation {
        horizon_s,
        period_s,
        max_utilization,
        cache: PatternCache::default(),
    }))
}

/// Utilisation patterns per trace and load patterns per host, kept across
/// calls: a host's load is rebuilt only when its VM list changed
/// ([`Datacenter::host_version`]).
#[derive(Debug, Clone, Default)]
struct PatternCache {
    /// Identifies the datacenter (trace list address and length).
    key: (usize, usize),
    samples: usize,
    period_s: f64,
    /// Per trace: utilisation at each sample instant, `[0, 1]`.
    unit: Vec<Option<Box<[f64]>>>,
    /// Per host: (version, load pattern in MIPS).
    host: Vec<Option<(u64, Box<[f64]>)>>,
    /// The VM being placed: its pattern in MIPS.
    vm: Vec<f64>,
}

/// Summary statistics of a pattern for the correlation.
#[derive(Debug, Clone, Copy)]
struct Moments {
    mean: f64,
    /// Σ (x − mean)², the unnormalised variance.
    ss: f64,
}

fn moments(x: &[f64]) -> Moments {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let ss = x.iter().map(|&a| (a - mean) * (a - mean)).sum();
    Moments { mean, ss }
}

/// What identifies a datacenter's traces.
fn traces_key(dc: &Datacenter) -> (usize, usize) {
    let traces = &dc.spec().traces;
    (traces.as_ptr() as usize, traces.len())
}

impl PatternCache {
    fn reset_for(&mut self, dc: &Datacenter, samples: usize, period_s: f64) {
        let key = traces_key(dc);
        if self.key != key
            || self.samples != samples
            || self.period_s != period_s
            || self.host.len() != dc.host_count()
        {
            *self = Self {
                key,
                samples,
                period_s,
                unit: vec![None; dc.spec().traces.len()],
                host: vec![None; dc.host_count()],
                vm: Vec::with_capacity(samples),
            };
        }
    }

    /// Fills the unit pattern of the trace VM `v` follows, if missing.
    fn ensure_unit(&mut self, dc: &Datacenter, v: VmId, period_s: f64) -> usize {
        let t = dc.spec().vms[v.index()].trace;
        if self.unit[t].is_none() {
            let trace = &dc.spec().traces[t];
            self.unit[t] = Some(
                (0..self.samples)
                    .map(|k| trace.utilization_at(k as f64 * period_s))
                    .collect(),
            );
        }
        t
    }

    /// Adds VM `v`'s pattern (MIPS) to `out`.
    fn add_vm(&mut self, dc: &Datacenter, v: VmId, period_s: f64, out: &mut [f64]) {
        let t = self.ensure_unit(dc, v, period_s);
        let mips = dc.vm_type(v).total_mips();
        if let Some(unit) = &self.unit[t] {
            for (o, &u) in out.iter_mut().zip(unit.iter()) {
                *o += u * mips;
            }
        }
    }

    /// The load pattern of host `h`, rebuilt if its VM list changed.
    fn host_load(&mut self, dc: &Datacenter, h: HostId, period_s: f64) -> &[f64] {
        let version = dc.host_version(h);
        let stale = self.host[h.index()].as_ref().is_none_or(|(v, _)| *v != version);
        if stale {
            let mut load = self.host[h.index()]
                .take()
                .map_or_else(|| vec![0.0; self.samples].into_boxed_slice(), |(_, l)| l);
            load.fill(0.0);
            for &u in dc.vms_on(h) {
                self.add_vm(dc, u, period_s, &mut load);
            }
            self.host[h.index()] = Some((version, load));
        }
        self.host[h.index()].as_ref().map_or(&[], |(_, l)| l)
    }
}

impl PatternBasedAllocation {
    /// (samples, period) of the patterns for `dc`: the parameters, or the
    /// traces' longest span and shortest interval.
    fn grid(&self, dc: &Datacenter) -> (usize, f64) {
        if self.cache.key == traces_key(dc) && self.cache.samples > 0 {
            return (self.cache.samples, self.cache.period_s);
        }
        let traces = &dc.spec().traces;
        let horizon_s = self
            .horizon_s
            .unwrap_or_else(|| traces.iter().map(|t| t.duration_s()).fold(0.0, f64::max));
        let mut period_s = self.period_s.unwrap_or_else(|| {
            traces
                .iter()
                .map(|t| t.interval_s())
                .fold(f64::INFINITY, f64::min)
        });
        if !(period_s.is_finite() && period_s > 0.0 && horizon_s > 0.0) {
            return (1, 1.0);
        }
        if horizon_s / period_s > MAX_SAMPLES {
            period_s = horizon_s / MAX_SAMPLES;
        }
        (((horizon_s / period_s).ceil() as usize).max(1), period_s)
    }

    /// Pattern peak of VM `v` in MIPS (for the batch order).
    fn peak_mips(&self, dc: &Datacenter, v: VmId, samples: usize, period_s: f64) -> f64 {
        let t = dc.spec().vms[v.index()].trace;
        let peak = match self.cache.unit.get(t) {
            Some(Some(unit)) if self.cache.key == traces_key(dc) => unit.iter().copied().fold(0.0, f64::max),
            _ => {
                let trace = &dc.spec().traces[t];
                (0..samples)
                    .map(|k| trace.utilization_at(k as f64 * period_s))
                    .fold(0.0, f64::max)
            }
        };
        peak * dc.vm_type(v).total_mips()
    }
}

impl PlacementPolicy for PatternBasedAllocation {
    fn name(&self) -> &'static str {
        "pba"
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        let (samples, period_s) = self.grid(dc);
        vms.sort_by_cached_key(|&v| std::cmp::Reverse(PeakKey(self.peak_mips(dc, v, samples, period_s))));
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let (samples, period_s) = self.grid(dc);
        self.cache.reset_for(dc, samples, period_s);
        let mut vm = std::mem::take(&mut self.cache.vm);
        vm.clear();
        vm.resize(samples, 0.0);
        self.cache.add_vm(dc, v, period_s, &mut vm);
        let vm_m = moments(&vm);
        let vm_peak = vm.iter().copied().fold(0.0, f64::max);

        // Busy hosts: least correlated, then least residual peak capacity.
        let mut best: Option<(f64, f64, HostId)> = None;
        for h in dc.busy_hosts() {
            if !suitable(dc, ctx.filter, h, v) {
                continue;
            }
            let cap = self.max_utilization * dc.host_type(h).total_mips();
            let load = self.cache.host_load(dc, h, period_s);
            let mut peak = 0.0f64;
            let mut dot = 0.0;
            for (&l, &p) in load.iter().zip(&vm) {
                peak = peak.max(l + p);
                dot += l * p;
            }
            if peak > cap {
                continue;
            }
            let load_m = moments(load);
            let n = samples as f64;
            let denominator = (load_m.ss * vm_m.ss).sqrt();
            let corr = if denominator > 0.0 {
                (dot - n * load_m.mean * vm_m.mean) / denominator
            } else {
                0.0
            };
            let left = cap - peak;
            let wins =
                best.is_none_or(|(c, l, b)| (corr, left) < (c, l) || (corr == c && left == l && h < b));
            if wins && admitted(dc, ctx.admission, h, v) {
                best = Some((corr, left, h));
            }
        }
        self.cache.vm = vm;
        if let Some((_, _, h)) = best {
            return Some(h);
        }
        // Open a host: best fit over the idle hosts (one per type).
        if ctx.filter.exclude_idle {
            return None;
        }
        let mut open: Option<(HostId, f64)> = None;
        for t in 0..dc.spec().host_types.len() {
            if let Some(h) = dc.first_idle_host(t, |h| ctx.filter.is_excluded(h)) {
                let cap = self.max_utilization * dc.host_type(h).total_mips();
                let left = cap - vm_peak;
                if left >= 0.0
                    && suitable(dc, ctx.filter, h, v)
                    && better(open, h, left)
                    && admitted(dc, ctx.admission, h, v)
                {
                    open = Some((h, left));
                }
            }
        }
        open.map(|(h, _)| h)
    }
}

/// A peak in MIPS ordered by `f64::total_cmp`, for sorting.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PeakKey(f64);

impl Eq for PeakKey {}

impl PartialOrd for PeakKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PeakKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::{CreationRequest, DatacenterSpec, HostSpec, HostType, VmSpec, VmType};
    use crate::placement::test_support::Lin;
    use crate::placement::{HostFilter, NoAdmissionCheck, place_all};
    use crate::workload::UtilizationTrace;
    use std::sync::Arc;

    /// `n` hosts of 1000 MIPS; VMs of 1000 MIPS following the given traces
    /// (two samples, 12 h apart), created at their demand.
    fn dc(n_hosts: usize, traces: &[[f64; 2]]) -> Datacenter {
        Datacenter::new(DatacenterSpec {
            host_types: vec![HostType {
                name: "h".into(),
                mips_per_core: 1000.0,
                cores: 1,
                ram_mb: 1 << 20,
                bw_mbps: 1e6,
                storage_mb: 0,
                power: Arc::new(Lin(100.0, 200.0)),
                power_name: "lin".into(),
                off_power_w: 0.0,
                power_states: None,
            }],
            hosts: vec![
                HostSpec {
                    host_type: 0,
                    rack: None
                };
                n_hosts
            ],
            vm_types: vec![VmType {
                name: "v".into(),
                mips: 1000.0,
                cores: 1,
                ram_mb: 1,
                bw_mbps: 0.0,
                size_mb: 0,
            }],
            vms: (0..traces.len())
                .map(|i| VmSpec { vm_type: 0, trace: i })
                .collect(),
            traces: traces
                .iter()
                .map(|s| UtilizationTrace::new("t", HALF_DAY_S, s.to_vec()).unwrap())
                .collect(),
            creation_request: CreationRequest::Demand,
            ..DatacenterSpec::default()
        })
    }

    /// The traces' interval: a day sample and a night sample.
    const HALF_DAY_S: f64 = 43_200.0;

    fn pba() -> PatternBasedAllocation {
        PatternBasedAllocation::default()
    }

    #[test]
    fn anti_correlated_vms_share_a_host() {
        // Day workers (0.2 at night, 0.7 by day) and night workers: a day and
        // a night worker fit together (0.9 at most), two day workers do not.
        let mut dc = dc(4, &[[0.2, 0.7], [0.2, 0.7], [0.7, 0.2], [0.7, 0.2]]);
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        let mut vms = [VmId(0), VmId(1), VmId(2), VmId(3)];
        assert!(place_all(&mut pba(), &mut dc, &mut ctx, &mut vms).is_empty());
        let used = dc.hosts().filter(|&h| !dc.vms_on(h).is_empty()).count();
        assert_eq!(used, 2);
        for h in dc.hosts() {
            let on = dc.vms_on(h);
            if on.len() == 2 {
                // One day worker (0 or 1) with one night worker (2 or 3).
                assert!(on.iter().filter(|v| v.0 < 2).count() == 1, "{on:?}");
            }
        }
    }

    #[test]
    fn prefers_the_least_correlated_host() {
        // Host 0 runs a day worker, host 1 a night worker; a night worker
        // fits on both and goes with the day worker.
        let mut dc = dc(3, &[[0.1, 0.4], [0.4, 0.1], [0.4, 0.1]]);
        assert!(dc.create_vm(HostId(0), VmId(0)));
        assert!(dc.create_vm(HostId(1), VmId(1)));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        assert_eq!(pba().select_host(&dc, &mut ctx, VmId(2)), Some(HostId(0)));
    }

    #[test]
    fn parameters_are_checked() {
        use crate::params::ParamValue;
        let bad = |k: &str, x: f64| {
            build(Params::new().with(k, ParamValue::Number(x)))
                .unwrap_err()
                .key
        };
        assert_eq!(bad("horizon_s", 0.0), "horizon_s");
        assert_eq!(bad("period_s", -1.0), "period_s");
        let fine = Params::new()
            .with("horizon_s", ParamValue::Number(86_400.0))
            .with("period_s", ParamValue::Number(1e-3));
        assert_eq!(build(fine).unwrap_err().key, "period_s");
        assert_eq!(bad("max_utilization", 1.5), "max_utilization");
        assert!(build(Params::new()).is_ok());
    }
}
