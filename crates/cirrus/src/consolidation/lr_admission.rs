//! LR admission tests in O(1): the least-squares line of a sum of histories
//! is the sum of their lines.
//!
//! PABFD asks "would host `h` be overloaded with VM `v`?" of many hosts for
//! every VM it places (issue 8 counted about 35 such tests per placement on
//! the PlanetLab day replicated 8 times). Under LR the answer is
//! `safety · (b0 + b1 · X) ≥ 1` for the line `(b0, b1)` fitted to the newest
//! `window` values of the host's history with the VM added, and both
//! coefficients are linear in those values. So the line of the sum is the
//! sum of the host's line (kept until the host's VM list or the histories
//! change) and the VM's line (kept per host capacity): an addition instead of
//! summing histories and fitting a line.
//!
//! The sum of two lines rounds differently from CloudSim's line of the summed
//! history, by a few units in the last place. Where the prediction is within
//! a margin a million times larger than that of the threshold, or the
//! history is too short for the regression, [`LineCache::decide`] answers
//! `None` and the caller runs CloudSim's computation: the decisions are
//! CloudSim's, bit for bit (debug builds check every one of them).

use super::history::{HISTORY_LENGTH, HostHistoryCache, VmHistories};
use super::overload::LrDetector;
use super::stats::ols_line;
use crate::datacenter::{Datacenter, HostId, VmId};

/// A fitted line and what deciding with it needs.
#[derive(Debug, Clone, Copy)]
struct Line {
    b0: f64,
    b1: f64,
    /// Largest |value| fitted: the scale of the rounding error.
    y_max: f64,
    /// A non-zero value at position `window − 1` or later: the history,
    /// trimmed of trailing zeros, is at least `window` long.
    long: bool,
    /// No negative value: then a sum of two histories is zero exactly where
    /// both are, and `long` of the sum is `long` of either.
    non_negative: bool,
}

/// Relative margin around the threshold inside which the exact computation
/// decides (the lines' rounding error is about 1e-15 relative).
const MARGIN: f64 = 1e-9;

/// (host list version, histories version, window) a host line was fitted at.
type HostKey = (u64, u64, usize);
/// (VM, histories version, host MIPS bits, window) a VM line was fitted at.
type VmKey = (VmId, u64, u64, usize);

/// Lines of host histories and of VM histories scaled to a host capacity,
/// each kept until what it was fitted to changes.
#[derive(Debug, Clone, Default)]
pub struct LineCache {
    hosts: Vec<Option<(HostKey, Line)>>,
    /// A few entries: one VM is tested against hosts of a few types.
    vms: [Option<(VmKey, Line)>; VM_ENTRIES],
    /// The entry of `vms` replaced next.
    next_vm: usize,
}

const VM_ENTRIES: usize = 4;

impl LineCache {
    /// Is host `h` overloaded by `lr` once VM `v` is added, if the lines
    /// decide it clearly; `None` when CloudSim's computation must.
    /// `look_ahead_intervals` is LR's `⌈longest migration / scheduling
    /// interval⌉` for the host with the VM added. Host histories come
    /// through `host_histories`.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &mut self,
        lr: &LrDetector,
        histories: &VmHistories,
        host_histories: &mut HostHistoryCache,
        dc: &Datacenter,
        h: HostId,
        v: VmId,
        look_ahead_intervals: f64,
    ) -> Option<bool> {
        let window = lr.window();
        if window > HISTORY_LENGTH {
            return None;
        }
        let host = self.host_line(histories, host_histories, dc, h, window);
        let vm = self.vm_line(histories, dc, h, v, window);
        if !(host.non_negative && vm.non_negative) || !(host.long || vm.long) {
            // The threshold fallback: cheap, and left to the exact test.
            return None;
        }
        let x = window as f64 + look_ahead_intervals;
        let predicted = ((host.b0 + vm.b0) + (host.b1 + vm.b1) * x) * lr.safety();
        let margin = MARGIN * (1.0 + host.y_max + vm.y_max) * (1.0 + x) * (1.0 + lr.safety());
        if !(predicted.is_finite() && margin.is_finite()) {
            return None;
        }
        if predicted >= 1.0 + margin {
            Some(true)
        } else if predicted < 1.0 - margin {
            Some(false)
        } else {
            None
        }
    }

    fn host_line(
        &mut self,
        histories: &VmHistories,
        host_histories: &mut HostHistoryCache,
        dc: &Datacenter,
        h: HostId,
        window: usize,
    ) -> Line {
        let key = (dc.host_version(h), histories.version(), window);
        let hosts = &mut self.hosts;
        if hosts.len() != dc.host_count() {
            hosts.clear();
            hosts.resize(dc.host_count(), None);
        }
        if let Some((k, line)) = hosts[h.index()]
            && k == key
        {
            return line;
        }
        let mut sum = [0.0; HISTORY_LENGTH];
        host_histories.host(histories, dc, h, None, &mut sum);
        let line = fit(&sum, window);
        hosts[h.index()] = Some((key, line));
        line
    }

    fn vm_line(
        &mut self,
        histories: &VmHistories,
        dc: &Datacenter,
        h: HostId,
        v: VmId,
        window: usize,
    ) -> Line {
        let host_mips = dc.host_type(h).total_mips();
        let key = (v, histories.version(), host_mips.to_bits(), window);
        if let Some((_, line)) = self.vms.iter().flatten().find(|(k, _)| *k == key) {
            return *line;
        }
        let mut scaled = [0.0; HISTORY_LENGTH];
        histories.add_scaled(&mut scaled, v, dc.vm_type(v).total_mips(), host_mips);
        let line = fit(&scaled, window);
        self.vms[self.next_vm] = Some((key, line));
        self.next_vm = (self.next_vm + 1) % VM_ENTRIES;
        line
    }
}

/// The line through the newest `window` of `newest_first`, oldest first at
/// x = 1..window (CloudSim's `utilizationHistoryReversed`).
fn fit(newest_first: &[f64; HISTORY_LENGTH], window: usize) -> Line {
    let mut rev = [0.0; HISTORY_LENGTH];
    for (o, &y) in rev[..window].iter_mut().zip(newest_first[..window].iter().rev()) {
        *o = y;
    }
    let (b0, b1) = ols_line(&rev[..window]);
    Line {
        b0,
        b1,
        y_max: newest_first[..window].iter().fold(0.0, |m, y| y.abs().max(m)),
        long: newest_first[window - 1..].iter().any(|&y| y != 0.0),
        non_negative: newest_first.iter().all(|&y| y >= 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidation::overload::{HostLoad, LrWeighting, OverloadDetector};
    use crate::placement::test_support::spec;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// CloudSim's computation: the summed history, then the line.
    fn exact(lr: &LrDetector, histories: &VmHistories, dc: &Datacenter, v: VmId, migration_s: f64) -> bool {
        let mut buf = [0.0; HISTORY_LENGTH];
        let history = histories.host(dc, HostId(0), Some(v), &mut buf);
        lr.is_overloaded(&HostLoad {
            utilization: 0.5,
            history,
            max_migration_time_s: migration_s,
            scheduling_interval_s: 300.0,
        })
    }

    #[test]
    fn decisions_are_cloudsims_and_most_are_taken_by_the_lines() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let (mut decided, mut total) = (0, 0);
        for case in 0..4000 {
            let vms = rng.random_range(1..6);
            let mips: Vec<f64> = (0..=vms)
                .map(|_| f64::from(rng.random_range(1..=25)) * 100.0)
                .collect();
            let mut dc = Datacenter::new(spec(&[(2660.0, 2, 93.7, 135.0)], &mips));
            for i in 0..vms {
                assert!(dc.create_vm(HostId(0), VmId(i as u32)));
            }
            let mut histories = VmHistories::new(mips.len());
            let samples = rng.random_range(0..=HISTORY_LENGTH + 3);
            for s in 1..=samples {
                for i in 0..mips.len() {
                    // Some exact zeros (idle intervals) among the utilisations.
                    let u = if rng.random_bool(0.2) {
                        0.0
                    } else {
                        rng.random_range(0.0..1.0)
                    };
                    histories.record(VmId(i as u32), 300.0 * s as f64, u);
                }
            }
            let safety = rng.random_range(0.5..2.0);
            let lr = LrDetector::new(false, safety, 0.7, 10, LrWeighting::CloudSim).unwrap();
            let migration_s: f64 = rng.random_range(0.0..1000.0);
            let mut cache = LineCache::default();
            let v = VmId(vms as u32);
            let look_ahead = (migration_s / 300.0).ceil();
            let answer = cache.decide(
                &lr,
                &histories,
                &mut HostHistoryCache::default(),
                &dc,
                HostId(0),
                v,
                look_ahead,
            );
            total += 1;
            if let Some(overloaded) = answer {
                decided += 1;
                assert_eq!(
                    overloaded,
                    exact(&lr, &histories, &dc, v, migration_s),
                    "case {case}"
                );
            }
        }
        // Short histories (< 10 samples) are left to the threshold fallback.
        assert!(decided * 10 > total * 6, "{decided} of {total}");
    }

    #[test]
    fn a_prediction_at_the_threshold_is_left_to_the_exact_test() {
        // One VM at a constant 0.5 of a host of twice its MIPS: the host's line is 0,
        // the VM's is 0.25 flat; with safety 4 the prediction is exactly 1.
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[1000.0, 1000.0]));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        let mut histories = VmHistories::new(2);
        for s in 1..=12 {
            histories.record(VmId(0), 300.0 * f64::from(s), 0.0);
            histories.record(VmId(1), 300.0 * f64::from(s), 0.5);
        }
        let at = |safety: f64| {
            let lr = LrDetector::new(false, safety, 0.7, 10, LrWeighting::CloudSim).unwrap();
            LineCache::default().decide(
                &lr,
                &histories,
                &mut HostHistoryCache::default(),
                &dc,
                HostId(0),
                VmId(1),
                0.0,
            )
        };
        assert_eq!(at(4.0), None);
        assert_eq!(at(4.1), Some(true));
        assert_eq!(at(3.9), Some(false));
    }

    #[test]
    fn the_cached_host_line_follows_the_host_and_the_histories() {
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[1000.0, 1000.0, 1000.0]));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        let mut histories = VmHistories::new(3);
        for s in 1..=10 {
            for v in 0..3 {
                histories.record(VmId(v), 300.0 * f64::from(s), 0.9);
            }
        }
        let lr = LrDetector::new(false, 1.2, 0.7, 10, LrWeighting::CloudSim).unwrap();
        let mut cache = LineCache::default();
        let mut sums = HostHistoryCache::default();
        // 0.45 + 0.45 = 0.9, × 1.2 ≥ 1.
        assert_eq!(
            cache.decide(&lr, &histories, &mut sums, &dc, HostId(0), VmId(2), 0.0),
            Some(true)
        );
        dc.destroy_vm(VmId(0));
        // The host is empty now: 0.45 × 1.2 < 1.
        assert_eq!(
            cache.decide(&lr, &histories, &mut sums, &dc, HostId(0), VmId(2), 0.0),
            Some(false)
        );
        assert!(dc.create_vm(HostId(0), VmId(1)));
        for v in 0..3 {
            histories.record(VmId(v), 3300.0, 0.0);
        }
        // VM 1 now falls from 0.45 to 0 at the newest sample: the line predicts less.
        let lines = cache.decide(&lr, &histories, &mut sums, &dc, HostId(0), VmId(2), 0.0);
        assert_eq!(lines, Some(exact(&lr, &histories, &dc, VmId(2), 0.0)));
    }
}
