//! First fit.

use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// The lowest-id suitable host. CloudSim's `PowerVmAllocationPolicySimple`,
/// used by its "Dvfs" PlanetLab example: no overload test, no sorting.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstFit;

pub(super) fn build(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(FirstFit))
}

impl PlacementPolicy for FirstFit {
    fn name(&self) -> &'static str {
        "ff"
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &PlacementContext<'_>, v: VmId) -> Option<HostId> {
        dc.hosts().find(|&h| !ctx.excludes(dc, h) && dc.is_suitable(h, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::Datacenter;
    use crate::placement::test_support::spec;
    use crate::placement::{NoAdmissionCheck, place_all};

    #[test]
    fn fills_hosts_in_id_order() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)],
            &[900.0, 900.0, 900.0],
        ));
        let ctx = PlacementContext {
            excluded: &[],
            admission: &NoAdmissionCheck,
            exclude_idle: false,
        };
        let mut vms = [VmId(0), VmId(1), VmId(2)];
        let unplaced = place_all(&mut FirstFit, &mut dc, &ctx, &mut vms);
        assert!(unplaced.is_empty());
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(0)));
        assert_eq!(dc.host_of(VmId(1)), Some(HostId(0)));
        assert_eq!(dc.host_of(VmId(2)), Some(HostId(1)));
    }

    #[test]
    fn skips_excluded_hosts_and_reports_unplaceable_vms() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)],
            &[900.0, 900.0],
        ));
        let ctx = PlacementContext {
            excluded: &[true, false],
            admission: &NoAdmissionCheck,
            exclude_idle: false,
        };
        let mut vms = [VmId(0), VmId(1)];
        let unplaced = place_all(&mut FirstFit, &mut dc, &ctx, &mut vms);
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(1)));
        assert_eq!(unplaced, vec![VmId(1)]);
    }
}
