//! Best fit (BF) and best fit decreasing (BFD), by residual capacity.

use super::support::{Residual, admitted, better, for_each_candidate, sort_decreasing, suitable};
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// Best fit: each VM goes to the suitable, admitted host with the least
/// residual capacity once the VM is on it, ties to the lowest id
/// (`docs/MODELS.md` B.1, "plain BFD", the classic heuristic: in one
/// dimension BFD, like FFD, uses at most about 11/9 of the optimal host
/// count, Johnson 1973; `docs/MODELS.md` B.5).
/// `bfd` sorts a batch by requested MIPS, decreasing (then RAM) first; `bf`
/// keeps the given order.
///
/// Parameter `residual`: `"cpu"` (default) measures the MIPS left
/// unallocated; `"all"` sums the fractions of CPU, RAM and bandwidth left.
/// The admission check applies as in PABFD (hosts handing out MIPS only), so
/// both serve as consolidation destination choosers. Only busy hosts and the
/// first idle host of each type are looked at: the same choice as a scan of
/// every host.
#[derive(Debug, Clone, Copy, Default)]
pub struct BestFit {
    /// Sort batches by demand, decreasing (BFD).
    pub decreasing: bool,
    residual: Residual,
}

pub(super) fn build_bf(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    build(params, false)
}

pub(super) fn build_bfd(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    build(params, true)
}

fn build(mut params: Params, decreasing: bool) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    let residual = Residual::from_params(&mut params)?;
    params.finish(&["residual"])?;
    Ok(Box::new(BestFit { decreasing, residual }))
}

impl PlacementPolicy for BestFit {
    fn name(&self) -> &'static str {
        if self.decreasing { "bfd" } else { "bf" }
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        if self.decreasing {
            sort_decreasing(dc, vms);
        }
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mut best: Option<(HostId, f64)> = None;
        for_each_candidate(dc, ctx.filter, |h| {
            if !suitable(dc, ctx.filter, h, v) {
                return;
            }
            let left = self.residual.after(dc, h, v);
            if better(best, h, left) && admitted(dc, ctx.admission, h, v) {
                best = Some((h, left));
            }
        });
        best.map(|(h, _)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, StaticThreshold, place_all};

    #[test]
    fn picks_the_tightest_host() {
        // Host 0 has 1000 MIPS left, host 1 only 600 once VM 0 is there.
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)],
            &[400.0, 500.0],
        ));
        assert!(dc.create_vm(HostId(1), VmId(0)));
        let mut bf = BestFit::default();
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        assert_eq!(bf.select_host(&dc, &mut ctx, VmId(1)), Some(HostId(1)));
        assert_eq!(bf.name(), "bf");
    }

    #[test]
    fn bfd_sorts_and_packs() {
        let mut dc = Datacenter::new(spec(
            &[
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
            ],
            &[300.0, 700.0, 500.0, 500.0],
        ));
        let mut p = BestFit {
            decreasing: true,
            residual: Residual::Cpu,
        };
        let mut vms = [VmId(0), VmId(1), VmId(2), VmId(3)];
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        assert!(place_all(&mut p, &mut dc, &mut ctx, &mut vms).is_empty());
        // 700 → h0; 500 → h1 (h0 has only 300); 500 → h1 (exactly full); 300 → h0.
        assert_eq!(dc.host_of(VmId(1)), Some(HostId(0)));
        assert_eq!(dc.host_of(VmId(2)), Some(HostId(1)));
        assert_eq!(dc.host_of(VmId(3)), Some(HostId(1)));
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(0)));
    }

    #[test]
    fn admission_is_asked_of_busy_hosts() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)],
            &[500.0, 400.0],
        ));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut StaticThreshold(0.8),
        };
        // Host 0 would reach 0.9 > 0.8: the idle host 1 instead.
        assert_eq!(
            BestFit::default().select_host(&dc, &mut ctx, VmId(1)),
            Some(HostId(1))
        );
    }

    #[test]
    fn residual_parameter() {
        assert!(build_bf(Params::new()).is_ok());
        let p = Params::new().with("residual", crate::params::ParamValue::Text("ram".into()));
        assert_eq!(build_bfd(p).unwrap_err().key, "residual");
    }
}
