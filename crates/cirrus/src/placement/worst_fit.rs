//! Worst fit (WF), by residual capacity.

use super::support::{Residual, admitted, better, for_each_candidate, suitable};
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// Worst fit: each VM goes to the suitable, admitted host with the *most*
/// residual capacity once the VM is on it, ties to the lowest id. It spreads
/// load (every VM lands on the emptiest host, switched-off ones included), so
/// it is the load-balancing baseline against which the packing policies save
/// hosts (`docs/MODELS.md` B.1, plain family). Online: batches keep
/// their order.
///
/// Parameter `residual`: `"cpu"` (default) or `"all"`, as for
/// [`BestFit`](super::BestFit). The admission check applies as in PABFD.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorstFit {
    residual: Residual,
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    let residual = Residual::from_params(&mut params)?;
    params.finish(&["residual"])?;
    Ok(Box::new(WorstFit { residual }))
}

impl PlacementPolicy for WorstFit {
    fn name(&self) -> &'static str {
        "wf"
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mut best: Option<(HostId, f64)> = None;
        for_each_candidate(dc, ctx.filter, |h| {
            if !suitable(dc, ctx.filter, h, v) {
                return;
            }
            // Largest residual first: minimise its negation.
            let score = -self.residual.after(dc, h, v);
            if better(best, h, score) && admitted(dc, ctx.admission, h, v) {
                best = Some((h, score));
            }
        });
        best.map(|(h, _)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck};

    #[test]
    fn picks_the_emptiest_host() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (2000.0, 1, 50.0, 100.0)],
            &[400.0, 500.0],
        ));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        assert!(dc.create_vm(HostId(1), VmId(0)));
        // Host 1 still has 1600 MIPS free against host 0's 1000.
        assert_eq!(
            WorstFit::default().select_host(&dc, &mut ctx, VmId(1)),
            Some(HostId(1))
        );
    }
}
