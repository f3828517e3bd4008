//! Minimum utilisation (MU).

use super::{SelectionContext, VmSelection, first_min_by};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// MU (Beloglazov & Buyya 2012): the VM using the smallest fraction of its
/// own CPU capacity (`PowerVmSelectionPolicyMinimumUtilization`:
/// `getTotalUtilizationOfCpuMips / getMips`), the first in the host's list
/// among equals.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinimumUtilization;

pub(super) fn build(params: Params) -> Result<Box<dyn VmSelection>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(MinimumUtilization))
}

impl VmSelection for MinimumUtilization {
    fn name(&self) -> &'static str {
        "mu"
    }

    fn select(&mut self, dc: &Datacenter, host: HostId, _: &mut SelectionContext<'_>) -> Option<VmId> {
        // CloudSim's operation order, (u × MIPS) / MIPS: rounding decides ties.
        first_min_by(dc, host, |v| dc.vm_requested_mips(v) / dc.vm_type(v).total_mips())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::host_with;
    use super::*;
    use crate::consolidation::history::VmHistories;
    use crate::consolidation::selection::SelectionContext;
    use rand::SeedableRng;

    #[test]
    fn least_used_fraction() {
        let mut dc = host_with(&[(512, 1000.0), (512, 500.0), (512, 250.0)]);
        // Requests follow the test trace (always 1.0) after a step; VM 2 is
        // then the largest fraction? All are 1.0: the first wins.
        dc.step_host(HostId(0), 300.0);
        let h = VmHistories::new(3);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut ctx = SelectionContext {
            histories: &h,
            rng: &mut rng,
        };
        assert_eq!(MinimumUtilization.select(&dc, HostId(0), &mut ctx), Some(VmId(0)));
    }
}
