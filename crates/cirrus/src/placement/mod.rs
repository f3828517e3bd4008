//! Placement policies: which host a VM goes to.
//!
//! A policy answers one question, [`PlacementPolicy::select_host`], given the
//! current [`Datacenter`] and a [`PlacementContext`] (hosts to avoid, and the
//! overload test a candidate must pass). The same policy serves initial
//! placement and, in consolidation, the choice of migration destinations.
//!
//! A policy of one's own checks a candidate host with [`suitable`] (not
//! excluded, room for the VM) and [`admitted`] (the context's overload test,
//! asked only of hosts already serving VMs), and may enumerate the hosts worth
//! scoring with [`for_each_candidate`] (busy hosts, and one idle host per
//! type); the shipped policies use the same three.
//!
//! Policies and admission checks may keep caches of what they derive (first
//! fit's index, consolidation's histories and regression lines): they own
//! them and get `&mut` access when asked, while the datacenter is only read.

mod best_fit;
pub mod evaluation;
mod first_fit;
mod first_fit_decreasing;
mod obfd;
mod pabfd;
pub mod pabfd_index;
mod pba;
mod rack_aware;
mod scavp;
mod support;
mod worst_fit;

pub use best_fit::BestFit;
pub use evaluation::{PlacementQuality, evaluate};
pub use first_fit::FirstFit;
pub use first_fit_decreasing::FirstFitDecreasing;
pub use obfd::OptimizedBestFitDecreasing;
pub use pabfd::{PabfdMode, PowerAwareBestFitDecreasing};
pub use pba::PatternBasedAllocation;
pub use rack_aware::RackAware;
pub use scavp::Scavp;
pub use support::{admitted, for_each_candidate, suitable};
pub use worst_fit::WorstFit;

use crate::catalog::Entry;
use crate::datacenter::{Datacenter, HostId, VmId};

/// Would a host be overloaded once a VM is added? CloudSim's PABFD asks its
/// allocation policy's overload detector this
/// (`isHostOverUtilizedAfterAllocation`); consolidation supplies its detector
/// here.
pub trait AdmissionCheck {
    /// True when host `h` would be overloaded after receiving VM `v`. A check
    /// may update caches of its own (hence `&mut self`), never the answer.
    fn overloaded_after(&mut self, dc: &Datacenter, h: HostId, v: VmId) -> bool;
}

/// Admits every host that has room.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAdmissionCheck;

impl AdmissionCheck for NoAdmissionCheck {
    fn overloaded_after(&mut self, _: &Datacenter, _: HostId, _: VmId) -> bool {
        false
    }
}

/// CloudSim's static-threshold test (THR, Beloglazov & Buyya 2012): overloaded
/// when the MIPS requested by the host's VMs, the new one included, exceed
/// `threshold` × capacity.
#[derive(Debug, Clone, Copy)]
pub struct StaticThreshold(pub f64);

impl AdmissionCheck for StaticThreshold {
    fn overloaded_after(&mut self, dc: &Datacenter, h: HostId, v: VmId) -> bool {
        let requested = dc.current_requested_mips(h) + dc.vm_requested_mips(v);
        requested / dc.host_type(h).total_mips() > self.0
    }
}

/// Which hosts a policy may choose.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostFilter<'a> {
    /// `excluded[h]` is true for hosts that must not be chosen; may be empty.
    pub excluded: &'a [bool],
    /// Every idle host is excluded too (see [`Datacenter::is_idle`]): lets a
    /// policy skip them without reading `excluded` for each. CloudSim's
    /// underload step excludes "switched-off" hosts, a superset of idle ones.
    pub exclude_idle: bool,
}

impl HostFilter<'static> {
    /// Every host (that is up and has room: [`Datacenter::is_suitable`]).
    pub const ALL: Self = Self {
        excluded: &[],
        exclude_idle: false,
    };
}

impl HostFilter<'_> {
    /// Is host `h` excluded?
    #[inline]
    pub fn is_excluded(&self, h: HostId) -> bool {
        self.excluded.get(h.index()).copied().unwrap_or(false)
    }

    /// Is host `h` excluded, counting `exclude_idle`?
    #[inline]
    pub fn excludes(&self, dc: &Datacenter, h: HostId) -> bool {
        self.is_excluded(h) || (self.exclude_idle && dc.is_idle(h))
    }
}

/// What a policy may consult besides the datacenter.
pub struct PlacementContext<'a> {
    /// The hosts it may choose.
    pub filter: HostFilter<'a>,
    /// The overload test for candidate hosts.
    pub admission: &'a mut dyn AdmissionCheck,
}

/// What a run tells every placement policy before it places anything
/// ([`PlacementPolicy::configure`]): settings that belong to the run rather
/// than to one policy's parameters (CloudSim compatibility, chosen once for
/// initial placement and consolidation alike). A policy reads the fields it
/// has a use for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlacementSettings {
    /// How PABFD computes and compares power increases.
    pub pabfd: PabfdMode,
    /// With power states managed (outside CloudSim's mode): the seconds over
    /// which a host's wake-up energy is spread when power-aware policies
    /// compare power increases (the scheduling interval). `None`: waking a
    /// host is free, as in CloudSim.
    pub wake_horizon_s: Option<f64>,
}

/// Chooses hosts for VMs. `Send + Sync`, as every policy object: a
/// simulation holding one can move between and be shared across threads.
pub trait PlacementPolicy: Send + Sync + std::fmt::Debug {
    /// The registered name.
    fn name(&self) -> &'static str;

    /// Takes the run's settings, before the first placement. The default
    /// ignores them.
    fn configure(&mut self, _settings: &PlacementSettings) {}

    /// Puts a batch of VMs in the order this policy places them. The default
    /// keeps the given order (an online policy); "decreasing" policies sort.
    fn order_batch(&self, _dc: &Datacenter, _vms: &mut [VmId]) {}

    /// The host for VM `v`, or `None` when no host qualifies. Must not
    /// return an excluded host or one on which `v` is not suitable.
    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId>;
}

/// Places `vms` one by one in the policy's batch order, creating each on the
/// chosen host. Returns the VMs that found no host, in that order.
pub fn place_all(
    policy: &mut dyn PlacementPolicy,
    dc: &mut Datacenter,
    ctx: &mut PlacementContext<'_>,
    vms: &mut [VmId],
) -> Vec<VmId> {
    policy.order_batch(dc, vms);
    let mut unplaced = Vec::new();
    for &v in vms.iter() {
        match policy.select_host(dc, ctx, v) {
            Some(h) if dc.create_vm(h, v) => {}
            _ => unplaced.push(v),
        }
    }
    unplaced
}

/// This family's catalogue (see [`crate::catalog`]): every placement policy by name. A new one is a
/// file in this module and one line here.
pub(crate) static CATALOG: &[Entry<Box<dyn PlacementPolicy>>] = &[
    Entry {
        name: "ff",
        summary: "first fit: the lowest-id host with room (CloudSim PowerVmAllocationPolicySimple; `admission` = true|false)",
        build: first_fit::build,
    },
    Entry {
        name: "pabfd",
        summary: "power-aware best fit decreasing: least power increase (Beloglazov & Buyya, CCPE 2012)",
        build: pabfd::build,
    },
    Entry {
        name: "bf",
        summary: "best fit: least residual capacity after placement (`residual` = cpu|all)",
        build: best_fit::build_bf,
    },
    Entry {
        name: "wf",
        summary: "worst fit: most residual capacity after placement (`residual` = cpu|all)",
        build: worst_fit::build,
    },
    Entry {
        name: "ffd",
        summary: "first fit decreasing: batches by requested MIPS, decreasing; lowest-id host with room",
        build: first_fit_decreasing::build,
    },
    Entry {
        name: "bfd",
        summary: "best fit decreasing: batches by requested MIPS, decreasing; least residual capacity",
        build: best_fit::build_bfd,
    },
    Entry {
        name: "obfd",
        summary: "optimized BFD: by nominal MIPS, least power increase, active hosts first (Esfandiarpoor et al. 2015)",
        build: obfd::build,
    },
    Entry {
        name: "obfd-rack",
        summary: "OBFD filling racks that are on before switching a rack on (OMBFD, Esfandiarpoor et al. 2015)",
        build: obfd::build_rack,
    },
    Entry {
        name: "pba",
        summary: "pattern-based: fit by the sum of daily patterns, least correlated host (Man & Kayashima, CCIS 2011)",
        build: pba::build,
    },
    Entry {
        name: "scavp",
        summary: "demand, traffic and anti-collocation aware, hierarchical (Jayasinghe et al., SCC 2011)",
        build: scavp::build,
    },
    Entry {
        name: "rack-aware",
        summary: "rack-level best fit decreasing: fullest active rack first, as few racks on as possible",
        build: rack_aware::build,
    },
];

#[cfg(test)]
pub(crate) mod test_support {
    //! A tiny datacenter for policy tests.
    use std::sync::Arc;

    use crate::datacenter::{DatacenterSpec, HostSpec, HostType, VmSpec, VmType};
    use crate::power::PowerModel;
    use crate::workload::UtilizationTrace;

    /// Linear power between `idle` and `max` watts.
    #[derive(Debug)]
    pub struct Lin(pub f64, pub f64);
    impl PowerModel for Lin {
        fn power_watts(&self, u: f64) -> f64 {
            self.0 + (self.1 - self.0) * u
        }
    }

    /// Hosts of the given (MIPS per core, cores, idle W, max W); VMs of the given MIPS, 1 core, 512 MB.
    pub fn spec(hosts: &[(f64, u32, f64, f64)], vm_mips: &[f64]) -> DatacenterSpec {
        let host_types = hosts
            .iter()
            .enumerate()
            .map(|(i, &(mips, cores, idle, max))| HostType {
                name: format!("h{i}"),
                mips_per_core: mips,
                cores,
                ram_mb: 4096,
                bw_mbps: 1000.0,
                storage_mb: 0,
                power: Arc::new(Lin(idle, max)),
                power_name: "lin".into(),
                off_power_w: 0.0,
                power_states: None,
            })
            .collect();
        let vm_types = vm_mips
            .iter()
            .enumerate()
            .map(|(i, &mips)| VmType {
                name: format!("v{i}"),
                mips,
                cores: 1,
                ram_mb: 512,
                bw_mbps: 100.0,
                size_mb: 0,
            })
            .collect();
        DatacenterSpec {
            host_types,
            hosts: (0..hosts.len())
                .map(|i| HostSpec {
                    host_type: i,
                    rack: None,
                })
                .collect(),
            vm_types,
            vms: (0..vm_mips.len())
                .map(|i| VmSpec { vm_type: i, trace: 0 })
                .collect(),
            traces: vec![UtilizationTrace::new("full", 300.0, vec![1.0]).unwrap()],
            ..DatacenterSpec::default()
        }
    }
}
