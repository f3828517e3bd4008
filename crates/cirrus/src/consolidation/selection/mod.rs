//! VM selection: which VM leaves an overloaded host next (Beloglazov & Buyya,
//! CCPE 2012, §5.2; CloudSim `PowerVmSelectionPolicy*`).
//!
//! The consolidation loop asks repeatedly, removing each chosen VM, until the
//! host is no longer overloaded. Candidates are the host's VMs that are not
//! already migrating, in the host's list order, which decides ties.

mod mc;
mod mmt;
mod mu;
mod rs;

pub use mc::MaximumCorrelation;
pub use mmt::MinimumMigrationTime;
pub use mu::MinimumUtilization;
pub use rs::RandomSelection;

use rand::RngCore;

use super::history::VmHistories;
use crate::catalog::Entry;
use crate::datacenter::{Datacenter, HostId, VmId};

/// What a selection policy may consult besides the datacenter.
pub struct SelectionContext<'a> {
    /// Every VM's utilisation history (MC).
    pub histories: &'a VmHistories,
    /// The run's VM-selection random stream (RS).
    pub rng: &'a mut dyn RngCore,
}

/// Chooses the next VM to move off an overloaded host. `Send + Sync`, as
/// every policy object: a simulation holding one can move between and be
/// shared across threads.
pub trait VmSelection: Send + Sync + std::fmt::Debug {
    /// The registered name.
    fn name(&self) -> &'static str;

    /// The VM to migrate from `host`, or `None` if it has no migratable VM.
    fn select(&mut self, dc: &Datacenter, host: HostId, ctx: &mut SelectionContext<'_>) -> Option<VmId>;
}

/// The VMs of `host` that may be migrated: listed there and not migrating
/// (CloudSim `PowerVmSelectionPolicy.getMigratableVms`).
pub fn migratable(dc: &Datacenter, host: HostId) -> impl Iterator<Item = VmId> + '_ {
    dc.vms_on(host).iter().copied().filter(|&v| !dc.in_migration(v))
}

/// The first candidate with the smallest `key` (strict `<`, as CloudSim).
fn first_min_by(dc: &Datacenter, host: HostId, mut key: impl FnMut(VmId) -> f64) -> Option<VmId> {
    let mut best: Option<(VmId, f64)> = None;
    for v in migratable(dc, host) {
        let k = key(v);
        if best.is_none_or(|(_, min)| k < min) {
            best = Some((v, k));
        }
    }
    best.map(|(v, _)| v)
}

/// This family's catalogue (see [`crate::catalog`]): every VM-selection policy by name. A new one is a
/// file in this module and one line here.
pub(crate) static CATALOG: &[Entry<Box<dyn VmSelection>>] = &[
    Entry {
        name: "mmt",
        summary: "minimum migration time: the VM with the least RAM (Beloglazov & Buyya 2012)",
        build: mmt::build,
    },
    Entry {
        name: "mu",
        summary: "minimum utilisation: the VM using the smallest share of its CPU",
        build: mu::build,
    },
    Entry {
        name: "mc",
        summary: "maximum correlation: the VM whose history best fits the others' (multiple regression R^2), MMT when too little history",
        build: mc::build,
    },
    Entry {
        name: "rs",
        summary: "random selection, from the run's seeded stream",
        build: rs::build,
    },
];

#[cfg(test)]
pub(crate) mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::placement::test_support::spec;

    /// A host of 4 × 1000 MIPS with VMs of the given RAM (MB) and MIPS, all created on it.
    pub fn host_with(vms: &[(u64, f64)]) -> Datacenter {
        let mips: Vec<f64> = vms.iter().map(|&(_, m)| m).collect();
        let mut s = spec(&[(1000.0, 4, 100.0, 200.0)], &mips);
        for (vt, &(ram, _)) in s.vm_types.iter_mut().zip(vms) {
            vt.ram_mb = ram;
        }
        let mut dc = Datacenter::new(s);
        for v in 0..vms.len() as u32 {
            assert!(dc.create_vm(HostId(0), VmId(v)));
        }
        dc
    }

    /// Runs `policy` once on host 0 with the given histories.
    pub fn pick(policy: &mut dyn VmSelection, dc: &Datacenter, histories: &VmHistories) -> Option<VmId> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut ctx = SelectionContext {
            histories,
            rng: &mut rng,
        };
        policy.select(dc, HostId(0), &mut ctx)
    }

    #[test]
    fn migrating_vms_are_not_candidates() {
        let mut dc = host_with(&[(512, 100.0), (1024, 100.0)]);
        let mut s = spec(&[(1000.0, 4, 100.0, 200.0)], &[100.0]);
        s.hosts.push(s.hosts[0]);
        dc.start_migration(VmId(0), HostId(0));
        assert_eq!(migratable(&dc, HostId(0)).collect::<Vec<_>>(), [VmId(1)]);
    }
}
