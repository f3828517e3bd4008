//! Power-aware best fit decreasing (PABFD).

use super::{PlacementContext, PlacementPolicy};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};
use crate::power::{PowerModel, SpecPowerTable};

/// PABFD (Beloglazov & Buyya, CCPE 2012, Alg. 1), exactly as CloudSim's
/// `PowerVmAllocationPolicyMigrationAbstract.findHostForVm` implements it:
///
/// * a batch is sorted by current CPU demand, decreasing (`order_batch`);
/// * each VM goes to the suitable, non-excluded host whose power rises least,
///   `P((U_h + d_v)/C_h) − P(U_h/C_h)`, ties to the lowest id (strict `<`);
/// * a host already delivering MIPS is skipped if the admission check says it
///   would be overloaded with the VM; an idle (switched-off) host is not tested.
///
/// `U_h` is what the host's scheduler hands out now, VMs placed since the last
/// step included and VMs migrating in counted at their full demand
/// ([`Datacenter::potential_utilization_mips`], CloudSim's
/// `getUtilizationOfCpuMips`), while the power it is compared with is the one
/// measured at the last step (`PowerHost.getPower()`). An empty host is
/// therefore charged nothing for waking up: `P(d_v/C_h) − P(0)`.
///
/// Idle hosts of one type (no VM listed, nothing delivered at the last step)
/// all cost the same, so only the first non-excluded one of each type is
/// evaluated, and busy hosts are visited through the datacenter's bitset:
/// the result is the same as scanning every host, ties included, at a cost
/// that grows with the busy hosts rather than all hosts.
#[derive(Debug, Clone, Copy, Default)]
pub struct PowerAwareBestFitDecreasing;

/// Host types whose power tables the scan calls without dynamic dispatch.
const DIRECT_TYPES: usize = 8;

pub(super) fn build(params: Params) -> Result<Box<dyn PlacementPolicy>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(PowerAwareBestFitDecreasing))
}

impl PlacementPolicy for PowerAwareBestFitDecreasing {
    fn name(&self) -> &'static str {
        "pabfd"
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        // CloudSim PowerVmList.sortByCpuUtilization: decreasing; Java's sort is stable.
        vms.sort_by(|&a, &b| dc.vm_requested_mips(b).total_cmp(&dc.vm_requested_mips(a)));
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let need = dc.vm_need(v);
        let demand = need.mips;
        let filter = ctx.filter;
        // This loop runs for every busy host and every VM placed (issue 8):
        // the measured tables of the first few host types are called directly.
        let types = &dc.spec().host_types;
        let mut tables: [Option<&SpecPowerTable>; DIRECT_TYPES] = [None; DIRECT_TYPES];
        for (slot, ht) in tables.iter_mut().zip(types) {
            *slot = ht.power.as_table();
        }
        let mut best: Option<(HostId, f64)> = None;
        let mut consider = |h: HostId| {
            if !dc.suits(h, &need) {
                return;
            }
            let base = dc.potential_utilization_mips(h);
            let t = dc.host_type_index(h);
            let ht = &types[t];
            let after = ((base + demand) / ht.total_mips()).min(1.0);
            let power_after = match tables.get(t) {
                Some(Some(table)) => table.power_watts(after),
                _ => ht.power.power_watts(after),
            };
            let power_diff = power_after - dc.power_watts(h);
            // Candidates are visited out of id order, so ties go explicitly to
            // the lower id (CloudSim: strict `<` in id order). The admission
            // test changes nothing but its own caches, so it is asked only of
            // a host that would win: same choice, far fewer tests.
            let wins = best.is_none_or(|(b, min)| power_diff < min || (power_diff == min && h < b));
            if wins && !(base != 0.0 && ctx.admission.overloaded_after(dc, h, v)) {
                best = Some((h, power_diff));
            }
        };
        if !filter.exclude_idle {
            for t in 0..dc.spec().host_types.len() {
                if let Some(h) = dc.first_idle_host(t, |h| filter.is_excluded(h)) {
                    consider(h);
                }
            }
        }
        for h in dc.busy_hosts() {
            if !filter.is_excluded(h) {
                consider(h);
            }
        }
        best.map(|(h, _)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::Datacenter;
    use crate::placement::test_support::spec;
    use crate::placement::{HostFilter, NoAdmissionCheck, PlacementContext, StaticThreshold, place_all};

    #[test]
    fn chooses_the_least_power_increase() {
        // Host 0 rises 100 W per full load, host 1 only 50 W: host 1 wins.
        let dc = Datacenter::new(spec(
            &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 150.0)],
            &[500.0],
        ));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        assert_eq!(
            PowerAwareBestFitDecreasing.select_host(&dc, &mut ctx, VmId(0)),
            Some(HostId(1))
        );
    }

    #[test]
    fn ties_go_to_the_lowest_id_and_power_is_compared_with_the_last_step() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 200.0)],
            &[500.0, 500.0],
        ));
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut NoAdmissionCheck,
        };
        let mut vms = [VmId(0), VmId(1)];
        assert!(place_all(&mut PowerAwareBestFitDecreasing, &mut dc, &mut ctx, &mut vms).is_empty());
        // VM 0: a tie, host 0. VM 1: host 0 would go from its last-step power
        // (idle, 100 W) to 150 W, host 1 only to 125 W, so host 1.
        assert_eq!(dc.host_of(VmId(0)), Some(HostId(0)));
        assert_eq!(dc.host_of(VmId(1)), Some(HostId(1)));
    }

    #[test]
    fn sorts_batches_by_demand_decreasing() {
        let dc = Datacenter::new(spec(&[(1000.0, 4, 100.0, 200.0)], &[100.0, 300.0, 200.0]));
        let mut vms = [VmId(0), VmId(1), VmId(2)];
        PowerAwareBestFitDecreasing.order_batch(&dc, &mut vms);
        assert_eq!(vms, [VmId(1), VmId(2), VmId(0)]);
    }

    #[test]
    fn admission_check_applies_only_to_hosts_delivering_mips() {
        let mut dc = Datacenter::new(spec(
            &[(1000.0, 2, 100.0, 200.0), (1000.0, 2, 100.0, 200.0)],
            &[900.0, 900.0],
        ));
        assert!(dc.create_vm(HostId(0), VmId(0)));
        for h in [HostId(0), HostId(1)] {
            dc.step_host(h, 0.0);
        }
        let mut ctx = PlacementContext {
            filter: HostFilter::ALL,
            admission: &mut StaticThreshold(0.8),
        };
        // Host 0 would reach 1800/2000 = 0.9 > 0.8: host 1 (idle, untested) is chosen.
        assert_eq!(
            PowerAwareBestFitDecreasing.select_host(&dc, &mut ctx, VmId(1)),
            Some(HostId(1))
        );
    }
}
