//! Minimum migration time (MMT).

use super::{SelectionContext, VmSelection, first_min_by};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// MMT (Beloglazov & Buyya 2012, §5.2.1): the VM that migrates fastest, i.e.
/// with the least RAM (migration time is RAM over a bandwidth shared by all
/// VMs of the host); the first in the host's list among equals
/// (`PowerVmSelectionPolicyMinimumMigrationTime`).
#[derive(Debug, Clone, Copy, Default)]
pub struct MinimumMigrationTime;

pub(super) fn build(params: Params) -> Result<Box<dyn VmSelection>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(MinimumMigrationTime))
}

impl VmSelection for MinimumMigrationTime {
    fn name(&self) -> &'static str {
        "mmt"
    }

    fn select(&mut self, dc: &Datacenter, host: HostId, _: &mut SelectionContext<'_>) -> Option<VmId> {
        first_min_by(dc, host, |v| dc.vm_type(v).ram_mb as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{host_with, pick};
    use super::*;
    use crate::consolidation::history::VmHistories;

    #[test]
    fn least_ram_first_in_list_among_equals() {
        let dc = host_with(&[(1740, 100.0), (613, 100.0), (613, 50.0), (870, 10.0)]);
        let h = VmHistories::new(4);
        assert_eq!(pick(&mut MinimumMigrationTime, &dc, &h), Some(VmId(1)));
        assert_eq!(pick(&mut MinimumMigrationTime, &host_with(&[]), &h), None);
    }
}
