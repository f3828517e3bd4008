//! First fit.

use super::support::{admitted, suitable};
use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, FirstFitIndex, HostId, VmId};
use crate::params::{ParamError, Params};

/// First fit: the lowest-id host that is suitable and passes the admission
/// check, VMs in the given order (online; `ffd` is the sorting variant).
/// CloudSim's `PowerVmAllocationPolicySimple`, used by its "Dvfs" and "NPA"
/// PlanetLab examples, scans the hosts in id order the same way.
///
/// The admission check applies as in PABFD and every other policy here: only
/// to a host already handing out MIPS, and only when the caller supplies one
/// (`placement.admission_threshold`, or the overload detector of
/// `[consolidation]`). CloudSim's `PowerVmAllocationPolicySimple` has no
/// overload test, but no CloudSim configuration gives it one either: its
/// Dvfs and NPA examples run without consolidation or threshold, where the
/// check admits every host and this policy places exactly as CloudSim does.
/// Ignoring a configured check would make `placement.admission_threshold`
/// a silent no-op under the default policy, and let `ff` as a consolidation
/// destination chooser pick hosts the consolidation's own detector calls
/// overloaded.
///
/// Parameter `admission` (default `true`): `false` ignores the admission
/// check altogether, `PowerVmAllocationPolicySimple` to the letter even
/// when a check is configured (e.g. to start a consolidation run from
/// overloaded hosts).
#[derive(Debug, Clone)]
pub struct FirstFit {
    /// Ask the context's admission check (default `true`).
    pub admission: bool,
    index: FirstFitIndex,
}

impl FirstFit {
    /// First fit that asks the admission check, or not.
    pub fn new(admission: bool) -> Self {
        Self {
            admission,
            index: FirstFitIndex::default(),
        }
    }
}

impl Default for FirstFit {
    fn default() -> Self {
        Self::new(true)
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    let admission = params.bool("admission")?.unwrap_or(true);
    params.finish(&["admission"])?;
    Ok(Box::new(FirstFit::new(admission)))
}

impl PlacementPolicy for FirstFit {
    fn name(&self) -> &'static str {
        "ff"
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        first_admitted(&mut self.index, dc, ctx, v, self.admission)
    }
}

/// The lowest-id host suitable for `v`, not excluded and (if `admission`)
/// admitted: the first-fit index finds each candidate in O(log hosts), so
/// the cost grows with the hosts refused, not all hosts.
pub(super) fn first_admitted(
    index: &mut FirstFitIndex,
    dc: &Datacenter,
    ctx: &mut PlacementContext<'_>,
    v: VmId,
    admission: bool,
) -> Option<HostId> {
    let mut from = HostId(0);
    while let Some(h) = index.first_suitable_host(dc, v, from) {
        if suitable(dc, ctx.filter, h, v) && (!admission || admitted(dc, ctx.admission, h, v)) {
            return Some(h);
        }
        from = HostId(h.0 + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::Datacenter;
    use crate::params::ParamValue;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, StaticThreshold, place_all};

    #[test]
    fn fills_hosts_in_id_order() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 2, 50.0, 100.0), (1000.0, 2, 50.0, 100.0)],
            &[900.0, 900.0, 900.0],
        ));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        let mut vms = [VmId(0), VmId(1), VmId(2)];
        let unplaced = place_all(&mut FirstFit::default(), &mut dc, &mut ctx, &mut vms);
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
        let mut ctx = PlacementContext {
            filter: HostFilter {
                excluded: &[true, false],
                exclude_idle: false,
            },
            admission: &mut NoAdmissionCheck,
        };
        let mut vms = [VmId(0), VmId(1)];
        let unplaced = place_all(&mut FirstFit::default(), &mut dc, &mut ctx, &mut vms);
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(1)));
        assert_eq!(unplaced, vec![VmId(1)]);
    }

    #[test]
    fn asks_the_admission_check_unless_told_not_to() {
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
            FirstFit::default().select_host(&dc, &mut ctx, VmId(1)),
            Some(HostId(1))
        );
        // CloudSim's PowerVmAllocationPolicySimple to the letter.
        let mut simple = build(Params::new().with("admission", ParamValue::Bool(false))).unwrap();
        assert_eq!(simple.select_host(&dc, &mut ctx, VmId(1)), Some(HostId(0)));
        assert!(build(Params::new().with("admission", ParamValue::Number(1.0))).is_err());
    }
}
