//! CPU sharing on a host, as CloudSim's `VmSchedulerTimeSharedOverSubscription`
//! does it (CloudSim 4.0, `VmSchedulerTimeShared.java:78-118`,
//! `VmSchedulerTimeSharedOverSubscription.java:50-170`).
//!
//! Each VM asks for `mips_per_pe` on each of its PEs, capped at the host's PE
//! capacity. VMs are admitted in host order while the running total fits; as
//! soon as one does not, every VM is scaled by `capacity / Σ requested` and
//! rounded down to a whole MIPS, and the host has no MIPS left. A VM migrating
//! out gets 90 % of its share, one migrating in is charged (and gets) 10 %.
//!
//! A real-time VM with a reservation (docs/REALTIME.md) is served first: it gets its whole
//! request (capped per PE, times its migration share) and only the other VMs share what is
//! left, scaled down if they ask for more. The MIPS left for new VMs count its full
//! reservation, used or not. Without a reservation on the host the sharing is CloudSim's,
//! operation for operation.

/// CloudSim's migration overhead: a migrating-out VM runs at 90 % of what it
/// requests (`VmSchedulerTimeShared`: "performance degradation due to migration").
pub const MIGRATION_OUT_FACTOR: f64 = 0.9;
/// CloudSim's destination charge for a migrating-in VM: 10 % of its request.
pub const MIGRATION_IN_FACTOR: f64 = 0.1;

/// A VM's role in a live migration on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigrationRole {
    /// Not migrating.
    #[default]
    None,
    /// Leaving this host.
    Out,
    /// Arriving on this host (capacity reserved, VM still runs at the source).
    In,
}

/// What one VM asks of the host's CPU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuRequest {
    /// MIPS requested on each PE.
    pub mips_per_pe: f64,
    /// Number of PEs.
    pub pes: u32,
    /// Migration role on this host.
    pub role: MigrationRole,
    /// The share of its request a migrating VM gets in that role (CloudSim:
    /// [`MIGRATION_OUT_FACTOR`] at the source, [`MIGRATION_IN_FACTOR`] at the
    /// target); ignored for [`MigrationRole::None`].
    pub factor: f64,
    /// MIPS reserved for the VM (its full capacity, for a real-time VM with a reservation),
    /// 0 for none: it is served before unreserved VMs and never scaled down.
    pub reserve_mips: f64,
}

impl CpuRequest {
    /// A request with CloudSim's factor for `role`.
    pub fn cloudsim(mips_per_pe: f64, pes: u32, role: MigrationRole) -> Self {
        let factor = match role {
            MigrationRole::None => 1.0,
            MigrationRole::Out => MIGRATION_OUT_FACTOR,
            MigrationRole::In => MIGRATION_IN_FACTOR,
        };
        Self {
            mips_per_pe,
            pes,
            role,
            factor,
            reserve_mips: 0.0,
        }
    }
}

impl CpuRequest {
    /// Requested MIPS after capping each PE at `pe_mips`, before migration factors.
    #[inline]
    pub fn capped_total(&self, pe_mips: f64) -> f64 {
        self.mips_per_pe.min(pe_mips) * f64::from(self.pes)
    }

    /// What admission charges against the host: the capped total, and 10 % of
    /// it for a migrating-in VM.
    #[inline]
    fn charged(&self, pe_mips: f64) -> f64 {
        let total = self.capped_total(pe_mips);
        if self.role == MigrationRole::In {
            total * self.factor
        } else {
            total
        }
    }

    /// What it gets when it is not scaled down: the capped request times its migration share.
    #[inline]
    fn unscaled(&self, pe_mips: f64) -> f64 {
        let per_pe = self.mips_per_pe.min(pe_mips);
        let per_pe = match self.role {
            MigrationRole::None => per_pe,
            MigrationRole::Out | MigrationRole::In => per_pe * self.factor,
        };
        per_pe * f64::from(self.pes)
    }
}

/// Shares `capacity_mips` (PEs of `pe_mips` each) among `requests`, writing
/// each VM's total allocated MIPS into `allocated` and returning the MIPS left
/// available (0 once the host is oversubscribed). No allocation.
pub fn share(capacity_mips: f64, pe_mips: f64, requests: &[CpuRequest], allocated: &mut [f64]) -> f64 {
    let reserved = requests.iter().any(|r| r.reserve_mips > 0.0);
    share_known(capacity_mips, pe_mips, requests, allocated, reserved)
}

/// [`share`] when the caller knows whether any request has a reservation (`reserved`; a
/// datacenter without reserved VMs need not look).
#[inline]
pub fn share_known(
    capacity_mips: f64,
    pe_mips: f64,
    requests: &[CpuRequest],
    allocated: &mut [f64],
    reserved: bool,
) -> f64 {
    debug_assert_eq!(requests.len(), allocated.len());
    debug_assert_eq!(reserved, requests.iter().any(|r| r.reserve_mips > 0.0));
    if reserved {
        return share_reserved(capacity_mips, pe_mips, requests, allocated);
    }
    let mut available = capacity_mips;
    let mut oversubscribed = false;
    for r in requests {
        let charged = r.charged(pe_mips);
        if available >= charged {
            available -= charged;
        } else {
            oversubscribed = true;
            break;
        }
    }
    if !oversubscribed {
        for (r, out) in requests.iter().zip(allocated.iter_mut()) {
            let per_pe = r.mips_per_pe.min(pe_mips);
            let per_pe = match r.role {
                MigrationRole::None => per_pe,
                MigrationRole::Out | MigrationRole::In => per_pe * r.factor,
            };
            *out = per_pe * f64::from(r.pes);
        }
        return available;
    }
    let required: f64 = requests.iter().map(|r| r.charged(pe_mips)).sum();
    let scaling = capacity_mips / required;
    for (r, out) in requests.iter().zip(allocated.iter_mut()) {
        let per_pe = r.mips_per_pe.min(pe_mips);
        // Same operation order as CloudSim, then Math.floor per PE.
        let per_pe = match r.role {
            MigrationRole::None => per_pe * scaling,
            MigrationRole::Out => per_pe * scaling * r.factor,
            MigrationRole::In => per_pe * r.factor * scaling,
        };
        *out = per_pe.floor() * f64::from(r.pes);
    }
    0.0
}

/// [`share`] on a host with reservations: reserved VMs get [`CpuRequest::unscaled`] first
/// (scaled only if the reservations alone exceed the capacity, which admission prevents);
/// unreserved VMs get theirs if the rest covers it, else the rest scaled and floored per PE,
/// as CloudSim scales. Returns the MIPS left for new VMs: the capacity less every reservation
/// in full (or what its VM uses, if more) and the unreserved VMs' charges, at least 0.
fn share_reserved(capacity_mips: f64, pe_mips: f64, requests: &[CpuRequest], allocated: &mut [f64]) -> f64 {
    let (mut reserved, mut held, mut unreserved) = (0.0, 0.0, 0.0);
    for r in requests {
        if r.reserve_mips > 0.0 {
            reserved += r.unscaled(pe_mips);
            held += r.reserve_mips.max(r.charged(pe_mips));
        } else {
            unreserved += r.charged(pe_mips);
        }
    }
    let reserved_scaling = if reserved > capacity_mips {
        capacity_mips / reserved
    } else {
        1.0
    };
    let rest = (capacity_mips - reserved).max(0.0);
    let scaling = if unreserved > rest { rest / unreserved } else { 1.0 };
    for (r, out) in requests.iter().zip(allocated.iter_mut()) {
        *out = if r.reserve_mips > 0.0 {
            if reserved_scaling < 1.0 {
                (r.unscaled(pe_mips) / f64::from(r.pes) * reserved_scaling).floor() * f64::from(r.pes)
            } else {
                r.unscaled(pe_mips)
            }
        } else if scaling < 1.0 {
            (r.unscaled(pe_mips) / f64::from(r.pes) * scaling).floor() * f64::from(r.pes)
        } else {
            r.unscaled(pe_mips)
        };
    }
    if scaling < 1.0 || reserved_scaling < 1.0 {
        0.0
    } else {
        (capacity_mips - held - unreserved).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req(mips: f64) -> CpuRequest {
        CpuRequest::cloudsim(mips, 1, MigrationRole::None)
    }

    #[test]
    fn each_vm_gets_its_request_while_capacity_lasts() {
        let mut out = [0.0; 2];
        let left = share(3720.0, 1860.0, &[req(1000.0), req(500.0)], &mut out);
        assert_eq!(out, [1000.0, 500.0]);
        assert_eq!(left, 2220.0);
    }

    #[test]
    fn requests_are_capped_at_pe_capacity() {
        let mut out = [0.0; 1];
        share(3720.0, 1860.0, &[req(2500.0)], &mut out);
        assert_eq!(out, [1860.0]);
    }

    #[test]
    fn oversubscription_scales_everyone_and_floors() {
        let mut out = [0.0; 3];
        let left = share(3000.0, 1500.0, &[req(1500.0), req(1500.0), req(1000.0)], &mut out);
        // scale = 3000 / 4000 = 0.75
        assert_eq!(out, [1125.0, 1125.0, 750.0]);
        assert_eq!(left, 0.0);
        let mut out = [0.0; 2];
        share(1000.0, 1000.0, &[req(700.0), req(800.0)], &mut out);
        // scale = 2/3: 466.67 -> 466, 533.33 -> 533
        assert_eq!(out, [466.0, 533.0]);
    }

    #[test]
    fn migration_factors() {
        let mut out = [0.0; 2];
        let reqs = [
            CpuRequest::cloudsim(1000.0, 1, MigrationRole::Out),
            CpuRequest::cloudsim(1000.0, 1, MigrationRole::In),
        ];
        let left = share(3000.0, 1500.0, &reqs, &mut out);
        assert_eq!(out, [900.0, 100.0]);
        assert_eq!(left, 1900.0);
    }

    fn reserved(mips: f64, reserve_mips: f64) -> CpuRequest {
        CpuRequest {
            reserve_mips,
            ..req(mips)
        }
    }

    #[test]
    fn a_reservation_is_served_first_and_held_in_full() {
        // 1000 MIPS: a reserved VM asking 600 of its 800, two others asking 400 each.
        let mut out = [0.0; 3];
        let left = share(
            1000.0,
            1000.0,
            &[req(400.0), reserved(600.0, 800.0), req(400.0)],
            &mut out,
        );
        // The others share the 400 left: scale 0.5.
        assert_eq!(out, [200.0, 600.0, 200.0]);
        assert_eq!(left, 0.0);
        // Room enough: everyone gets the request, and the reservation's unused 200 MIPS are
        // not offered to new VMs.
        let left = share(
            2000.0,
            1000.0,
            &[req(400.0), reserved(600.0, 800.0), req(400.0)],
            &mut out,
        );
        assert_eq!(out, [400.0, 600.0, 400.0]);
        assert_eq!(left, 2000.0 - 800.0 - 800.0);
        // A migrating-out reserved VM gets its migration share of the request, unscaled.
        let out_req = CpuRequest {
            reserve_mips: 800.0,
            ..CpuRequest::cloudsim(600.0, 1, MigrationRole::Out)
        };
        let mut out = [0.0; 2];
        share(1000.0, 1000.0, &[req(900.0), out_req], &mut out);
        // 600 × 0.9 is a hair above 540 in binary: the other VM's 460 floors to 459.
        assert_eq!(out, [459.0, 600.0 * 0.9]);
    }

    proptest! {
        #[test]
        fn a_reserved_vm_gets_its_request_and_the_rest_fits(
            reqs in proptest::collection::vec((0.0f64..3000.0, 1u32..4, proptest::bool::ANY), 1..12),
            pe_mips in 500.0f64..3000.0,
            pes in 1u32..16,
        ) {
            let capacity = pe_mips * f64::from(pes);
            let requests: Vec<CpuRequest> = reqs
                .iter()
                .map(|&(m, p, r)| CpuRequest {
                    reserve_mips: if r { pe_mips * f64::from(p) } else { 0.0 },
                    ..CpuRequest::cloudsim(m, p, MigrationRole::None)
                })
                .collect();
            let mut out = vec![0.0; requests.len()];
            let left = share(capacity, pe_mips, &requests, &mut out);
            let reserved: f64 = requests.iter().filter(|r| r.reserve_mips > 0.0).map(|r| r.capped_total(pe_mips)).sum();
            let total: f64 = out.iter().sum();
            // Sums of at most 12 terms, each rounded once: a relative 1e-12 covers them.
            prop_assert!(total <= capacity * (1.0 + 1e-12));
            prop_assert!(left >= 0.0);
            for (r, a) in requests.iter().zip(&out) {
                prop_assert!(*a <= r.capped_total(pe_mips) + 1e-9);
                if r.reserve_mips > 0.0 && reserved <= capacity {
                    prop_assert_eq!(*a, r.capped_total(pe_mips));
                }
            }
        }

        #[test]
        fn never_allocates_more_than_capacity(
            reqs in proptest::collection::vec((0.0f64..3000.0, 1u32..4), 0..12),
            pe_mips in 500.0f64..3000.0,
            pes in 1u32..8,
        ) {
            let capacity = pe_mips * f64::from(pes);
            let requests: Vec<CpuRequest> = reqs
                .iter()
                .map(|&(m, p)| CpuRequest::cloudsim(m, p, MigrationRole::None))
                .collect();
            let mut out = vec![0.0; requests.len()];
            let left = share(capacity, pe_mips, &requests, &mut out);
            let total: f64 = out.iter().sum();
            prop_assert!(total <= capacity * (1.0 + 1e-12));
            prop_assert!(left >= 0.0);
            for (r, a) in requests.iter().zip(&out) {
                prop_assert!(*a <= r.capped_total(pe_mips) + 1e-9);
                prop_assert!(*a >= 0.0);
            }
        }
    }
}
