//! CPU-utilisation histories of VMs and hosts, as CloudSim's power package
//! keeps them (`PowerVm`, `PowerHostUtilizationHistory`).
//!
//! [`VmHistories`] is the data (what each VM did); [`HostHistoryCache`] is
//! what overload tests derive from it again and again during a
//! consolidation round (host sums, a VM's history scaled to a host), owned
//! by the consolidation that reads it.

use super::stats;
use crate::datacenter::{Datacenter, HostId, VmId};

/// Samples kept per VM (CloudSim `PowerVm.HISTORY_LENGTH`).
pub const HISTORY_LENGTH: usize = 30;

/// Every VM's recent CPU utilisation, newest first, as fractions of the VM's
/// capacity: one sample per scheduling interval, in fixed arrays (no
/// allocation after construction).
///
/// Each VM's samples live in a mirrored ring: a sample is written at the
/// head position and again `HISTORY_LENGTH` further, and the head moves
/// back one slot per sample, so the newest-first history is always the
/// contiguous window from the head — a new sample costs two stores instead
/// of shifting the whole history.
#[derive(Debug, Clone)]
pub struct VmHistories {
    values: Vec<[f64; 2 * HISTORY_LENGTH]>,
    /// Position of each VM's newest sample in `values`, in `0..HISTORY_LENGTH`.
    head: Vec<u8>,
    len: Vec<u8>,
    last_time_s: Vec<f64>,
    /// Bumped at every new sample: host sums computed before are stale.
    version: u64,
}

/// Host histories ([`VmHistories::host`]) cached until the host's VM list or
/// any VM history changes, and VM histories scaled to a host capacity:
/// overload tests ask for the same host over and over while a round of
/// consolidation places VMs elsewhere, and PABFD tests one VM against many
/// hosts of a few types.
#[derive(Debug, Clone, Default)]
pub struct HostHistoryCache {
    hosts: HostSums,
    scaled: ScaledHistories,
}

/// A VM's history scaled to hosts of a few capacities, for admission tests:
/// PABFD tests one VM against many hosts, mostly of the same few types.
#[derive(Debug, Clone, Default)]
struct ScaledHistories {
    /// (VM, histories version, host MIPS bits) of each entry.
    key: [Option<(VmId, u64, u64)>; SCALED_ENTRIES],
    values: [[f64; HISTORY_LENGTH]; SCALED_ENTRIES],
    /// The entry replaced next.
    next: usize,
}

/// Entries of [`ScaledHistories`]: more than the host types of most scenarios.
const SCALED_ENTRIES: usize = 4;

/// Host history sums with the (host list version, histories version) each
/// was computed at.
#[derive(Debug, Clone, Default)]
struct HostSums {
    sums: Vec<[f64; HISTORY_LENGTH]>,
    /// (host list version, histories version) the sum was computed at.
    key: Vec<(u64, u64)>,
    valid: Vec<bool>,
}

impl VmHistories {
    /// Empty histories for `vms` VMs.
    pub fn new(vms: usize) -> Self {
        Self {
            values: vec![[0.0; 2 * HISTORY_LENGTH]; vms],
            head: vec![0; vms],
            len: vec![0; vms],
            last_time_s: vec![0.0; vms],
            version: 0,
        }
    }

    /// Records VM `v`'s utilisation `u` at `t_s`, at most once per instant and
    /// only after t = 0 (`PowerVm.updateVmProcessing`: `currentTime >
    /// previousTime`, which starts at 0).
    pub fn record(&mut self, v: VmId, t_s: f64, u: f64) {
        let vi = v.index();
        if t_s <= self.last_time_s[vi] {
            return;
        }
        let head = match usize::from(self.head[vi]) {
            0 => HISTORY_LENGTH - 1,
            p => p - 1,
        };
        self.head[vi] = head as u8;
        let h = &mut self.values[vi];
        h[head] = u;
        h[head + HISTORY_LENGTH] = u;
        self.len[vi] = (usize::from(self.len[vi]) + 1).min(HISTORY_LENGTH) as u8;
        self.last_time_s[vi] = t_s;
        self.version += 1;
    }

    /// Changes whenever any VM records a sample (for caches of derived values).
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// VM `v`'s samples, newest first.
    #[inline]
    pub fn of(&self, v: VmId) -> &[f64] {
        let (vi, head) = (v.index(), usize::from(self.head[v.index()]));
        &self.values[vi][head..head + usize::from(self.len[vi])]
    }

    /// Host `h`'s history (`PowerHostUtilizationHistory.getUtilizationHistory`):
    /// element-wise Σ over the VMs listed on it (and `extra`, if given, added
    /// last as CloudSim's tentative `vmCreate` appends it) of
    /// `sample × VM MIPS / host MIPS`, newest first, trailing zeros trimmed
    /// the CloudSim way (an all-zero history is `[0.0]`, see
    /// [`stats::trim_zero_tail`]). Writes into `out` and returns the used
    /// prefix. [`HostHistoryCache::host`] gives the same doubles, cached.
    ///
    /// CloudSim multiplies by the MIPS of one virtual PE; this uses the VM's
    /// total, which is the same for CloudSim's single-PE VMs and right for
    /// the others.
    pub fn host<'a>(
        &self,
        dc: &Datacenter,
        h: HostId,
        extra: Option<VmId>,
        out: &'a mut [f64; HISTORY_LENGTH],
    ) -> &'a [f64] {
        let host_mips = dc.host_type(h).total_mips();
        out.fill(0.0);
        for &v in dc.vms_on(h) {
            self.add_scaled(out, v, dc.vm_type(v).total_mips(), host_mips);
        }
        if let Some(v) = extra {
            // `o + x·m/H`, as the cache adds its scaled history.
            let mut scaled = [0.0; HISTORY_LENGTH];
            self.add_scaled(&mut scaled, v, dc.vm_type(v).total_mips(), host_mips);
            for (o, &x) in out.iter_mut().zip(&scaled[..self.of(v).len()]) {
                *o += x;
            }
        }
        let used = stats::count_non_zero_beginning(out);
        &out[..used]
    }

    /// Adds VM `v`'s samples, each as `sample × vm_mips / host_mips` (CloudSim's
    /// operation order), to `sum`, newest first.
    pub(crate) fn add_scaled(&self, sum: &mut [f64; HISTORY_LENGTH], v: VmId, vm_mips: f64, host_mips: f64) {
        for (o, &x) in sum.iter_mut().zip(self.of(v)) {
            *o += x * vm_mips / host_mips;
        }
    }
}

impl HostHistoryCache {
    /// Computes, on `pool`, the sums of every host that lists a VM and whose
    /// sum is stale, in chunks of `chunk_hosts` hosts (each chunk owning its
    /// hosts' entries): what a consolidation round's overload tests then
    /// read from the cache, the same doubles
    /// [`host`](Self::host) would compute one host at a time.
    pub fn prepare(
        &mut self,
        histories: &VmHistories,
        dc: &Datacenter,
        pool: &rayon::ThreadPool,
        chunk_hosts: usize,
    ) {
        use rayon::prelude::*;
        let cache = &mut self.hosts;
        let n = dc.host_count();
        if cache.valid.len() != n {
            cache.sums = vec![[0.0; HISTORY_LENGTH]; n];
            cache.key = vec![(0, 0); n];
            cache.valid = vec![false; n];
        }
        let size = chunk_hosts.max(1);
        let version = histories.version;
        pool.install(|| {
            cache
                .sums
                .par_chunks_mut(size)
                .zip(cache.key.par_chunks_mut(size))
                .zip(cache.valid.par_chunks_mut(size))
                .enumerate()
                .for_each(|(c, ((sums, keys), valid))| {
                    for (i, ((sum, key), valid)) in sums.iter_mut().zip(keys).zip(valid).enumerate() {
                        let h = HostId((c * size + i) as u32);
                        let fresh = (dc.host_version(h), version);
                        if dc.vms_on(h).is_empty() || (*valid && *key == fresh) {
                            continue;
                        }
                        let host_mips = dc.host_type(h).total_mips();
                        sum.fill(0.0);
                        for &v in dc.vms_on(h) {
                            histories.add_scaled(sum, v, dc.vm_type(v).total_mips(), host_mips);
                        }
                        *key = fresh;
                        *valid = true;
                    }
                });
        });
    }

    /// [`VmHistories::host`], from sums kept per host until the host's VM
    /// list or the histories change, and `extra`'s history scaled once per
    /// host capacity (debug builds compare with the uncached computation).
    pub fn host<'a>(
        &mut self,
        histories: &VmHistories,
        dc: &Datacenter,
        h: HostId,
        extra: Option<VmId>,
        out: &'a mut [f64; HISTORY_LENGTH],
    ) -> &'a [f64] {
        let host_mips = dc.host_type(h).total_mips();
        let cache = &mut self.hosts;
        let n = dc.host_count();
        if cache.valid.len() != n {
            cache.sums = vec![[0.0; HISTORY_LENGTH]; n];
            cache.key = vec![(0, 0); n];
            cache.valid = vec![false; n];
        }
        let key = (dc.host_version(h), histories.version);
        let hi = h.index();
        if !cache.valid[hi] || cache.key[hi] != key {
            let sum = &mut cache.sums[hi];
            sum.fill(0.0);
            for &v in dc.vms_on(h) {
                histories.add_scaled(sum, v, dc.vm_type(v).total_mips(), host_mips);
            }
            cache.key[hi] = key;
            cache.valid[hi] = true;
        }
        *out = cache.sums[hi];
        if let Some(v) = extra {
            let n = histories.of(v).len();
            let key = Some((v, histories.version, host_mips.to_bits()));
            let cache = &mut self.scaled;
            let i = match cache.key.iter().position(|&k| k == key) {
                Some(i) => i,
                None => {
                    let i = cache.next;
                    cache.next = (i + 1) % SCALED_ENTRIES;
                    cache.key[i] = key;
                    let scaled = &mut cache.values[i];
                    scaled.fill(0.0);
                    histories.add_scaled(scaled, v, dc.vm_type(v).total_mips(), host_mips);
                    i
                }
            };
            // `o + x·m/H` with `x·m/H` computed once: the same doubles.
            for (o, &x) in out.iter_mut().zip(&cache.values[i][..n]) {
                *o += x;
            }
        }
        let used = stats::count_non_zero_beginning(out);
        #[cfg(debug_assertions)]
        {
            let mut fresh = [0.0; HISTORY_LENGTH];
            let fresh = histories.host(dc, h, extra, &mut fresh);
            debug_assert!(
                fresh.len() == used
                    && fresh
                        .iter()
                        .zip(&out[..used])
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                "cached host history differs from the computation"
            );
        }
        &out[..used]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    #[test]
    fn newest_first_bounded_once_per_instant() {
        let mut h = VmHistories::new(1);
        for k in 1..=35 {
            h.record(VmId(0), f64::from(k), f64::from(k) / 100.0);
            h.record(VmId(0), f64::from(k), 9.0);
        }
        let s = h.of(VmId(0));
        assert_eq!(s.len(), HISTORY_LENGTH);
        assert_eq!(s[0], 0.35);
        assert_eq!(s[29], 0.06);
    }

    #[test]
    fn nothing_is_recorded_at_time_zero() {
        let mut h = VmHistories::new(1);
        h.record(VmId(0), 0.0, 0.5);
        assert!(h.of(VmId(0)).is_empty());
        h.record(VmId(0), 300.0, 0.0);
        assert_eq!(h.of(VmId(0)), [0.0]);
    }

    #[test]
    fn host_history_sums_scaled_vm_histories_and_trims_zeros() {
        // Host of 2 × 1000 MIPS; VMs of 500 and 1000 MIPS.
        let mut dc = Datacenter::new(spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0, 1000.0]));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        let mut h = VmHistories::new(2);
        h.record(VmId(0), 300.0, 0.0);
        h.record(VmId(0), 600.0, 0.4);
        h.record(VmId(1), 600.0, 0.5);
        let mut cache = HostHistoryCache::default();
        // Computed afresh and from the cache: the same doubles.
        let mut both = |h: &VmHistories, dc: &Datacenter, extra: Option<VmId>| {
            let (mut a, mut b) = ([0.0; HISTORY_LENGTH], [0.0; HISTORY_LENGTH]);
            let fresh = h.host(dc, HostId(0), extra, &mut a).to_vec();
            let cached = cache.host(h, dc, HostId(0), extra, &mut b).to_vec();
            assert_eq!(fresh, cached);
            fresh
        };
        // VM 0 alone: [0.4 × 500/2000, 0 trimmed] = [0.1].
        assert_eq!(both(&h, &dc, None), [0.1]);
        // With VM 1 as a candidate: 0.1 + 0.5 × 1000/2000.
        assert_eq!(both(&h, &dc, Some(VmId(1))), [0.35]);
        // The cached sum follows list changes and new samples.
        assert!(dc.create_vm(HostId(0), VmId(1)));
        assert_eq!(both(&h, &dc, None), [0.35]);
        h.record(VmId(1), 900.0, 1.0);
        // Newest first: VM 0 [0.4, 0.0], VM 1 [1.0, 0.5].
        assert_eq!(both(&h, &dc, None), [0.6, 0.25]);
        dc.destroy_vm(VmId(1));
        assert_eq!(both(&h, &dc, None), [0.1]);
        assert_eq!(both(&h, &dc, Some(VmId(1))), [0.6, 0.25]);
        dc.destroy_vm(VmId(0));
        // CloudSim's trimZeroTail keeps one value of an all-zero history.
        assert_eq!(both(&h, &dc, None), [0.0]);
    }
}
