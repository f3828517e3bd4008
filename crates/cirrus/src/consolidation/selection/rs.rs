//! Random selection (RS).

use rand::Rng;

use super::{SelectionContext, VmSelection, migratable};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// RS (Beloglazov & Buyya 2012): a VM drawn uniformly among the host's
/// migratable VMs. CloudSim draws from an unseeded `java.util.Random`, so its
/// RS runs cannot be repeated; here the draw comes from the run's
/// `"vm-selection"` stream, so a seed reproduces a run exactly.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSelection;

pub(super) fn build(params: Params) -> Result<Box<dyn VmSelection>, ParamError> {
    params.finish(&[])?;
    Ok(Box::new(RandomSelection))
}

impl VmSelection for RandomSelection {
    fn name(&self) -> &'static str {
        "rs"
    }

    fn select(&mut self, dc: &Datacenter, host: HostId, ctx: &mut SelectionContext<'_>) -> Option<VmId> {
        let n = migratable(dc, host).count();
        if n == 0 {
            return None;
        }
        let i = ctx.rng.random_range(0..n);
        migratable(dc, host).nth(i)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::host_with;
    use super::*;
    use crate::consolidation::history::VmHistories;
    use rand::SeedableRng;

    #[test]
    fn every_vm_can_be_drawn_and_a_seed_repeats_the_draws() {
        let dc = host_with(&[(512, 100.0), (512, 100.0), (512, 100.0)]);
        let h = VmHistories::new(3);
        let draws = |seed| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut ctx = SelectionContext {
                histories: &h,
                rng: &mut rng,
            };
            (0..60)
                .map(|_| RandomSelection.select(&dc, HostId(0), &mut ctx).unwrap().0)
                .collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3));
        for v in 0..3 {
            assert!(a.contains(&v), "VM {v} never drawn");
        }
    }
}
