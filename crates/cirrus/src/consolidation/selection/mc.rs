//! Maximum correlation (MC).

use super::mmt::MinimumMigrationTime;
use super::{SelectionContext, VmSelection, migratable};
use crate::consolidation::stats;
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// MC (Beloglazov & Buyya 2012, §5.2.3, after Verma et al.): the VM whose
/// utilisation history is best explained by the others' — the largest R² of
/// a multiple linear regression of its history on theirs — since correlated
/// VMs peak together. As in `PowerVmSelectionPolicyMaximumCorrelation`,
/// histories are cut to the shortest one, and when the regression cannot be
/// computed (too few samples, singular design) MMT decides instead.
#[derive(Debug, Clone, Default)]
pub struct MaximumCorrelation {
    candidates: Vec<VmId>,
    scratch: stats::OlsScratch,
}

pub(super) fn build(params: Params) -> Result<Box<dyn VmSelection>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(MaximumCorrelation::default()))
}

impl VmSelection for MaximumCorrelation {
    fn name(&self) -> &'static str {
        "mc"
    }

    fn select(&mut self, dc: &Datacenter, host: HostId, ctx: &mut SelectionContext<'_>) -> Option<VmId> {
        self.candidates.clear();
        self.candidates.extend(migratable(dc, host));
        if self.candidates.is_empty() {
            return None;
        }
        let histories: Vec<&[f64]> = self.candidates.iter().map(|&v| ctx.histories.of(v)).collect();
        match stats::max_correlation_with(&mut self.scratch, &histories) {
            Some(i) => Some(self.candidates[i]),
            None => MinimumMigrationTime.select(dc, host, ctx),
        }
    }
}
