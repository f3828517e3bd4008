//! First fit decreasing (FFD).

use super::support::sort_decreasing;
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, FirstFitIndex, HostId, VmId};
use crate::params::{ParamError, Params};

/// First fit decreasing, the classic bin-packing heuristic (Johnson 1974;
/// `docs/MODELS.md` B.1 "plain" family): a batch is sorted by requested
/// MIPS, decreasing (then RAM, decreasing; stable), and each VM goes to the
/// lowest-id host that is suitable and passes the admission check.
///
/// The admission check applies the way PABFD does (only to hosts already
/// handing out MIPS), so it can serve as a consolidation destination
/// chooser. Online (one VM at a time) it is [`FirstFit`](super::FirstFit).
/// The choice equals a scan of every host in id order, found in
/// O(log hosts) per host refused by a [`FirstFitIndex`].
#[derive(Debug, Clone, Default)]
pub struct FirstFitDecreasing {
    index: FirstFitIndex,
}

pub(super) fn build(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(FirstFitDecreasing::default()))
}

impl PlacementPolicy for FirstFitDecreasing {
    fn name(&self) -> &'static str {
        "ffd"
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        sort_decreasing(dc, vms);
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        super::first_fit::first_admitted(&mut self.index, dc, ctx, v, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, place_all};

    #[test]
    fn largest_first_into_the_lowest_host_with_room() {
        // 400, 700, 600 MIPS on hosts of 1000, largest first: 700 → h0,
        // 600 → h1 (h0 has 300 left), 400 → h1 (exactly full).
        let mut dc = Datacenter::new(spec(
            &[
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
                (1000.0, 1, 50.0, 100.0),
            ],
            &[400.0, 700.0, 600.0],
        ));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        let mut vms = [VmId(0), VmId(1), VmId(2)];
        assert!(place_all(&mut FirstFitDecreasing::default(), &mut dc, &mut ctx, &mut vms).is_empty());
        assert_eq!(vms, [VmId(1), VmId(2), VmId(0)]);
        assert_eq!(dc.host_of(VmId(1)), Some(HostId(0)));
        assert_eq!(dc.host_of(VmId(2)), Some(HostId(1)));
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(1)));
    }
}
