//! Hosts, VMs and who runs where.
//!
//! [`DatacenterSpec`] is plain data (what the scenario describes);
//! [`Datacenter`] is the mutable state of a run, kept in flat vectors indexed
//! by [`HostId`] and [`VmId`] so that a step touches memory linearly and
//! allocates nothing.

mod fit_index;
pub mod time_shared;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::application::{self, Applications};
use crate::power::PowerModel;
use crate::workload::UtilizationTrace;
use time_shared::{CpuRequest, MIGRATION_IN_FACTOR, MIGRATION_OUT_FACTOR, MigrationRole};

/// Index of a host in [`DatacenterSpec::hosts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub u32);

/// Index of a VM in [`DatacenterSpec::vms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VmId(pub u32);

impl HostId {
    /// As a vector index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl VmId {
    /// As a vector index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A kind of physical machine.
#[derive(Debug, Clone)]
pub struct HostType {
    /// Name used in scenarios and outputs.
    pub name: String,
    /// MIPS of one core (CloudSim: one PE).
    pub mips_per_core: f64,
    /// Number of cores.
    pub cores: u32,
    /// Memory in MB.
    pub ram_mb: u64,
    /// Network bandwidth in Mbit/s.
    pub bw_mbps: f64,
    /// Storage in MB (recorded, not a placement constraint: CloudSim's
    /// `Host.isSuitableForVm` ignores it).
    pub storage_mb: u64,
    /// Power as a function of CPU utilisation.
    pub power: Arc<dyn PowerModel>,
    /// Name of the power model (for outputs).
    pub power_name: String,
    /// Watts drawn while the host counts as off: 0 is CloudSim's switched-off
    /// host; a few watts model a standby (S3) state or a BMC that stays
    /// powered (`reference/models.md` C.3 suggests 5–15 W for S3).
    pub off_power_w: f64,
}

impl HostType {
    /// Total MIPS (cores × MIPS per core).
    #[inline]
    pub fn total_mips(&self) -> f64 {
        self.mips_per_core * f64::from(self.cores)
    }
}

/// A kind of virtual machine.
#[derive(Debug, Clone, PartialEq)]
pub struct VmType {
    /// Name used in scenarios and outputs.
    pub name: String,
    /// MIPS of each virtual core at full load.
    pub mips: f64,
    /// Number of virtual cores.
    pub cores: u32,
    /// Memory in MB.
    pub ram_mb: u64,
    /// Network bandwidth in Mbit/s.
    pub bw_mbps: f64,
    /// Image size in MB (recorded, not a placement constraint, as in CloudSim).
    pub size_mb: u64,
}

impl VmType {
    /// Total MIPS at full load.
    #[inline]
    pub fn total_mips(&self) -> f64 {
        self.mips * f64::from(self.cores)
    }
}

/// One host of the datacenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSpec {
    /// Index into [`DatacenterSpec::host_types`].
    pub host_type: usize,
    /// Rack the host sits in, if racks are modelled.
    pub rack: Option<u32>,
}

/// One VM of the datacenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmSpec {
    /// Index into [`DatacenterSpec::vm_types`].
    pub vm_type: usize,
    /// Index into [`DatacenterSpec::traces`]: the VM's CPU demand.
    pub trace: usize,
}

/// What a VM asks for while it is being created, i.e. what initial placement
/// reserves for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CreationRequest {
    /// Its full MIPS, as CloudSim's `Vm.getCurrentRequestedMips` returns while
    /// `isBeingInstantiated()` (Vm.java:161-170): initial placement reserves
    /// every VM's peak capacity, so no host is CPU-oversubscribed at t = 0.
    #[default]
    FullMips,
    /// Its trace's demand at t = 0: the VM is created already running its
    /// workload. Initial placement may then oversubscribe hosts with respect
    /// to the VMs' peaks; policies that look at the whole trace (PBA's
    /// pattern fit, Man & Kayashima, IEEE CCIS 2011) need this to pack by the
    /// sum of patterns rather than the sum of peaks.
    Demand,
}

/// What the datacenter is made of: plain data, no state.
#[derive(Debug, Clone, Default)]
pub struct DatacenterSpec {
    /// Kinds of host.
    pub host_types: Vec<HostType>,
    /// The hosts, in id order.
    pub hosts: Vec<HostSpec>,
    /// Kinds of VM.
    pub vm_types: Vec<VmType>,
    /// The VMs, in id order (the order they are submitted in).
    pub vms: Vec<VmSpec>,
    /// CPU-utilisation traces the VMs follow.
    pub traces: Vec<UtilizationTrace>,
    /// Groups of VMs with traffic between them and anti-collocation sets
    /// (none by default): what communication- and availability-aware
    /// placement (SCAVP) and the placement evaluation read.
    pub applications: Applications,
    /// What a VM reserves while it is created (CloudSim: its full MIPS).
    pub creation_request: CreationRequest,
}

/// Which part of a [`DatacenterSpec`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecItem {
    /// `host_types[i]`.
    HostType(usize),
    /// `vm_types[i]`.
    VmType(usize),
    /// `hosts[i]`.
    Host(usize),
    /// `vms[i]`.
    Vm(usize),
    /// `applications[i]`.
    Application(usize),
    /// The datacenter as a whole.
    Datacenter,
}

/// An inconsistent [`DatacenterSpec`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    /// What the error is about.
    pub item: SpecItem,
    /// The field (as named in scenarios), e.g. `"mips_per_core"`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl DatacenterSpec {
    /// Checks capacities are positive and finite, indices valid, that
    /// every VM type fits on at least one host type, and that the
    /// applications are consistent (VM ids in range, no VM in two
    /// applications, flows between members with finite rates ≥ 0 and no
    /// self-traffic, anti-collocation sets of at least two members).
    pub fn validate(&self) -> Result<(), SpecError> {
        let err = |item, field, message: String| Err(SpecError { item, field, message });
        if self.hosts.is_empty() {
            return err(
                SpecItem::Datacenter,
                "hosts",
                "a datacenter needs at least one host".into(),
            );
        }
        for (i, t) in self.host_types.iter().enumerate() {
            let item = SpecItem::HostType(i);
            if !(t.mips_per_core.is_finite() && t.mips_per_core > 0.0) {
                return err(
                    item,
                    "mips_per_core",
                    format!("must be a positive number, found {}", t.mips_per_core),
                );
            }
            if t.cores == 0 {
                return err(item, "cores", "must be at least 1".into());
            }
            if t.ram_mb == 0 {
                return err(item, "ram_mb", "must be positive".into());
            }
            if !(t.off_power_w.is_finite() && t.off_power_w >= 0.0) {
                return err(
                    item,
                    "off_w",
                    format!("must be a number >= 0, found {}", t.off_power_w),
                );
            }
            if !(t.bw_mbps.is_finite() && t.bw_mbps > 0.0) {
                return err(
                    item,
                    "bw_mbps",
                    format!("must be a positive number, found {}", t.bw_mbps),
                );
            }
        }
        for (i, t) in self.vm_types.iter().enumerate() {
            let item = SpecItem::VmType(i);
            if !(t.mips.is_finite() && t.mips > 0.0) {
                return err(
                    item,
                    "mips",
                    format!("must be a positive number, found {}", t.mips),
                );
            }
            if t.cores == 0 {
                return err(item, "cores", "must be at least 1".into());
            }
            if !(t.bw_mbps.is_finite() && t.bw_mbps >= 0.0) {
                return err(
                    item,
                    "bw_mbps",
                    format!("must be a non-negative number, found {}", t.bw_mbps),
                );
            }
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if h.host_type >= self.host_types.len() {
                return err(SpecItem::Host(i), "type", format!("no host type {}", h.host_type));
            }
        }
        let mut vm_type_used = vec![false; self.vm_types.len()];
        for (i, v) in self.vms.iter().enumerate() {
            if v.vm_type >= self.vm_types.len() {
                return err(SpecItem::Vm(i), "type", format!("no VM type {}", v.vm_type));
            }
            if v.trace >= self.traces.len() {
                return err(SpecItem::Vm(i), "trace", format!("no trace {}", v.trace));
            }
            vm_type_used[v.vm_type] = true;
        }
        if let Err(e) = application::validate(&self.applications, self.vms.len()) {
            return err(SpecItem::Application(e.app), e.field, e.message);
        }
        let mut host_type_used = vec![false; self.host_types.len()];
        for h in &self.hosts {
            host_type_used[h.host_type] = true;
        }
        let used: Vec<&HostType> = self
            .host_types
            .iter()
            .enumerate()
            .filter(|(j, _)| host_type_used[*j])
            .map(|(_, ht)| ht)
            .collect();
        for (i, vt) in self.vm_types.iter().enumerate() {
            if !vm_type_used[i] {
                continue;
            }
            if used.iter().any(|ht| type_fits(ht, vt)) {
                continue;
            }
            // Name the dimension no host can satisfy, in CloudSim's check order.
            let field = if !used.iter().any(|ht| vt.mips <= ht.mips_per_core) {
                "mips"
            } else if !used.iter().any(|ht| vt.ram_mb <= ht.ram_mb) {
                "ram_mb"
            } else if !used.iter().any(|ht| vt.bw_mbps <= ht.bw_mbps) {
                "bw_mbps"
            } else {
                "cores"
            };
            return err(
                SpecItem::VmType(i),
                field,
                format!(
                    "VM type \"{}\" ({} x {} MIPS, {} MB RAM, {} Mbit/s) is larger than every host in use",
                    vt.name, vt.cores, vt.mips, vt.ram_mb, vt.bw_mbps
                ),
            );
        }
        Ok(())
    }
}

/// Indices of the set bits of `words`, ascending.
fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(w * 64 + bit)
        })
    })
}

/// Could an empty host of type `h` take a VM of type `v`?
fn type_fits(h: &HostType, v: &VmType) -> bool {
    v.mips <= h.mips_per_core
        && v.total_mips() <= h.total_mips()
        && v.ram_mb <= h.ram_mb
        && v.bw_mbps <= h.bw_mbps
}

/// How the CPU is shared while a VM migrates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationShares {
    /// Fraction of its request the VM gets where it runs (CloudSim: 0.9, the
    /// 10 % migration overhead; a paused VM: 0).
    pub source: f64,
    /// Fraction of its request the destination reserves meanwhile (CloudSim: 0.1).
    pub target: f64,
    /// The host the VM runs on is charged the VM's full share, not what the
    /// VM gets (CloudSim: `HostDynamicWorkload` adds `allocated / 0.9`).
    pub charge_source_in_full: bool,
}

impl MigrationShares {
    /// CloudSim's 90 % / 10 %, source charged in full.
    pub const CLOUDSIM: Self = Self {
        source: MIGRATION_OUT_FACTOR,
        target: MIGRATION_IN_FACTOR,
        charge_source_in_full: true,
    };
}

/// One VM's place on a host: what the host reserved for it and gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    /// MIPS the host's scheduler allocated to the VM at the last sharing.
    alloc_mips: f64,
    /// RAM reserved for the VM on this host.
    ram_mb: u64,
    /// Bandwidth reserved for the VM on this host.
    bw_mbps: f64,
    /// The VM is migrating in: capacity is reserved, it still runs at the source.
    incoming: bool,
}

/// A reversible change made while a consolidation policy plans (see
/// [`Datacenter::begin_tentative`]).
#[derive(Debug, Clone, Copy)]
enum Change {
    Created {
        host: HostId,
        vm: VmId,
        prev_home: Option<HostId>,
    },
    Destroyed {
        host: HostId,
        vm: VmId,
        index: usize,
        slot: Slot,
        prev_home: Option<HostId>,
    },
}

/// Whether a host can run VMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostState {
    /// Working.
    #[default]
    Up,
    /// Announced a failure: runs its VMs but takes no new ones.
    Failing,
    /// Failed, until repaired: runs nothing.
    Down,
}

/// What a VM asks of a host ([`Datacenter::vm_need`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VmNeed {
    /// MIPS per PE it requests now.
    pub mips_per_pe: f64,
    /// MIPS it requests now in total.
    pub mips: f64,
    /// RAM it would reserve, MB.
    pub ram_mb: u64,
    /// Bandwidth it would reserve, Mbit/s.
    pub bw_mbps: f64,
}

/// The state of a run: who runs where, what each VM asks for and gets.
///
/// Each host keeps its VMs in the order they arrived (CloudSim's
/// `Host.getVmList()`), VMs migrating in included: the order decides ties in
/// VM selection, and the list is what overload detectors sum over.
#[derive(Debug, Clone)]
pub struct Datacenter {
    spec: DatacenterSpec,
    host_vms: Vec<Vec<VmId>>,
    host_slots: Vec<Vec<Slot>>,
    host_ram_free_mb: Vec<u64>,
    host_bw_free_mbps: Vec<f64>,
    host_available_mips: Vec<f64>,
    host_utilization_mips: Vec<f64>,
    host_requested_mips: Vec<f64>,
    host_version: Vec<u64>,
    host_power_w: Vec<f64>,
    /// [`potential_utilization_mips`](Self::potential_utilization_mips) of
    /// each host, refreshed whenever its slots change: PABFD reads it for
    /// every busy host and every VM it places.
    host_potential_mips: Vec<f64>,
    /// [`current_requested_mips`](Self::current_requested_mips) per host,
    /// with the (host version, request epoch) it was summed at: overload
    /// tests ask for it again and again during a consolidation round.
    host_requested_now: Vec<Cell<(u64, u64, f64)>>,
    /// Bumped whenever a VM's request changes.
    request_epoch: u64,
    /// Bit `h`: host `h` lists a VM or delivered MIPS at its last step.
    busy: Vec<u64>,
    /// Per host type, bit `h`: host `h` is of that type, not busy and up.
    idle_by_type: Vec<Vec<u64>>,
    host_state: Vec<HostState>,
    /// First-fit index over the hosts' free resources (refreshed lazily).
    fit: RefCell<fit_index::FitIndex>,
    vm_host: Vec<Option<HostId>>,
    vm_in_migration: Vec<bool>,
    /// How many entries of `vm_in_migration` are true: with none, every
    /// slot's migration role is `None` without looking it up.
    vms_in_migration: usize,
    /// Hosts on which each VM is listed as migrating in.
    vm_incoming: Vec<u8>,
    vm_shares: Vec<MigrationShares>,
    /// RAM a host still holds for VMs that already run elsewhere (post-copy
    /// until its last page has left), MB.
    host_held_ram_mb: Vec<u64>,
    vm_cpu_fraction: Vec<f64>,
    vm_requested_mips_per_pe: Vec<f64>,
    vm_allocated_mips: Vec<f64>,
    reserve_memory: bool,
    tentative: Option<Vec<Change>>,
    touched: Vec<bool>,
    touched_list: Vec<HostId>,
    scratch_requests: Vec<CpuRequest>,
    scratch_allocated: Vec<f64>,
    /// Per trace, the last (time bits, utilisation) looked up: VMs replaying
    /// one trace (replicated or shared synthetic traces) ask for the same
    /// instant in turn.
    trace_memo: Vec<(u64, f64)>,
}

impl Datacenter {
    /// An empty datacenter: all hosts idle, no VM placed. Call
    /// [`DatacenterSpec::validate`] first.
    pub fn new(spec: DatacenterSpec) -> Self {
        let n_hosts = spec.hosts.len();
        let n_vms = spec.vms.len();
        let host_ram_free_mb = spec
            .hosts
            .iter()
            .map(|h| spec.host_types[h.host_type].ram_mb)
            .collect();
        let host_bw_free_mbps = spec
            .hosts
            .iter()
            .map(|h| spec.host_types[h.host_type].bw_mbps)
            .collect();
        let host_available_mips = spec
            .hosts
            .iter()
            .map(|h| spec.host_types[h.host_type].total_mips())
            .collect();
        let words = n_hosts.div_ceil(64);
        let mut idle_by_type = vec![vec![0u64; words]; spec.host_types.len()];
        for (i, h) in spec.hosts.iter().enumerate() {
            idle_by_type[h.host_type][i / 64] |= 1 << (i % 64);
        }
        // A VM being instantiated asks for its full MIPS (CloudSim Vm.java:161-170),
        // or, if so configured, its trace's demand at t = 0.
        let vm_cpu_fraction: Vec<f64> = spec
            .vms
            .iter()
            .map(|v| match spec.creation_request {
                CreationRequest::FullMips => 1.0,
                CreationRequest::Demand => spec.traces.get(v.trace).map_or(1.0, |t| t.utilization_at(0.0)),
            })
            .collect();
        let vm_requested_mips_per_pe = spec
            .vms
            .iter()
            .zip(&vm_cpu_fraction)
            .map(|(v, &u)| u * spec.vm_types[v.vm_type].mips)
            .collect();
        Self {
            host_vms: vec![Vec::new(); n_hosts],
            host_slots: vec![Vec::new(); n_hosts],
            host_ram_free_mb,
            host_bw_free_mbps,
            host_available_mips,
            host_utilization_mips: vec![0.0; n_hosts],
            host_requested_mips: vec![0.0; n_hosts],
            host_version: vec![0; n_hosts],
            host_potential_mips: vec![0.0; n_hosts],
            host_requested_now: vec![Cell::new((u64::MAX, u64::MAX, 0.0)); n_hosts],
            request_epoch: 0,
            host_power_w: spec
                .hosts
                .iter()
                .map(|h| spec.host_types[h.host_type].power.power_watts(0.0))
                .collect(),
            busy: vec![0; words],
            idle_by_type,
            host_state: vec![HostState::Up; n_hosts],
            fit: RefCell::new(fit_index::FitIndex::new(n_hosts)),
            vm_host: vec![None; n_vms],
            vm_in_migration: vec![false; n_vms],
            vms_in_migration: 0,
            vm_incoming: vec![0; n_vms],
            vm_shares: vec![MigrationShares::CLOUDSIM; n_vms],
            host_held_ram_mb: vec![0; n_hosts],
            vm_cpu_fraction,
            vm_requested_mips_per_pe,
            vm_allocated_mips: vec![0.0; n_vms],
            reserve_memory: true,
            tentative: None,
            touched: vec![false; n_hosts],
            touched_list: Vec::new(),
            scratch_requests: Vec::new(),
            scratch_allocated: Vec::new(),
            trace_memo: vec![(f64::NAN.to_bits(), 0.0); spec.traces.len()],
            spec,
        }
    }

    /// The immutable description.
    pub fn spec(&self) -> &DatacenterSpec {
        &self.spec
    }

    /// Number of hosts.
    #[inline]
    pub fn host_count(&self) -> usize {
        self.spec.hosts.len()
    }

    /// Number of VMs.
    #[inline]
    pub fn vm_count(&self) -> usize {
        self.spec.vms.len()
    }

    /// All host ids in order.
    pub fn hosts(&self) -> impl Iterator<Item = HostId> + use<> {
        (0..self.spec.hosts.len() as u32).map(HostId)
    }

    /// The type of host `h`.
    #[inline]
    pub fn host_type(&self, h: HostId) -> &HostType {
        &self.spec.host_types[self.spec.hosts[h.index()].host_type]
    }

    /// The index in [`DatacenterSpec::host_types`] of host `h`'s type.
    #[inline]
    pub fn host_type_index(&self, h: HostId) -> usize {
        self.spec.hosts[h.index()].host_type
    }

    /// The type of VM `v`.
    #[inline]
    pub fn vm_type(&self, v: VmId) -> &VmType {
        &self.spec.vm_types[self.spec.vms[v.index()].vm_type]
    }

    /// The VMs on host `h` in arrival order, VMs migrating in included
    /// (CloudSim's `Host.getVmList()`).
    #[inline]
    pub fn vms_on(&self, h: HostId) -> &[VmId] {
        &self.host_vms[h.index()]
    }

    /// Is VM `v` migrating in to host `h` (listed there, still running elsewhere)?
    #[inline]
    pub fn is_incoming(&self, h: HostId, v: VmId) -> bool {
        self.slot_index(h, v)
            .is_some_and(|i| self.host_slots[h.index()][i].incoming)
    }

    /// The host VM `v` runs on (CloudSim's `vmTable`); during a migration,
    /// the source.
    #[inline]
    pub fn host_of(&self, v: VmId) -> Option<HostId> {
        self.vm_host[v.index()]
    }

    /// Is VM `v` being live-migrated?
    #[inline]
    pub fn in_migration(&self, v: VmId) -> bool {
        self.vm_in_migration[v.index()]
    }

    /// Free RAM of host `h` in MB.
    #[inline]
    pub fn ram_free_mb(&self, h: HostId) -> u64 {
        self.host_ram_free_mb[h.index()]
    }

    /// MIPS the time-shared scheduler of `h` has not handed out (0 when
    /// oversubscribed).
    #[inline]
    pub fn available_mips(&self, h: HostId) -> f64 {
        self.host_available_mips[h.index()]
    }

    /// MIPS host `h` delivered at its last step (CloudSim's
    /// `HostDynamicWorkload.getUtilizationMips`): placements since that step
    /// do not change it.
    #[inline]
    pub fn utilization_mips(&self, h: HostId) -> f64 {
        self.host_utilization_mips[h.index()]
    }

    /// CPU utilisation of host `h` at the last step, in [0, 1] (CloudSim clamps
    /// values in (1, 1.01) to 1; larger ones cannot occur with the time-shared
    /// scheduler).
    #[inline]
    pub fn utilization(&self, h: HostId) -> f64 {
        (self.host_utilization_mips[h.index()] / self.host_type(h).total_mips()).min(1.0)
    }

    /// Power of host `h` at its utilisation of the last step, watts
    /// (CloudSim `PowerHost.getPower()`; its idle power before the first step).
    #[inline]
    pub fn power_watts(&self, h: HostId) -> f64 {
        self.host_power_w[h.index()]
    }

    /// Total MIPS requested by the VMs of `h` at the last step.
    #[inline]
    pub fn requested_mips(&self, h: HostId) -> f64 {
        self.host_requested_mips[h.index()]
    }

    /// MIPS VM `v` currently asks for in total.
    #[inline]
    pub fn vm_requested_mips(&self, v: VmId) -> f64 {
        self.vm_requested_mips_per_pe[v.index()] * f64::from(self.vm_type(v).cores)
    }

    /// The fraction of its capacity VM `v` asked for at its last update: its
    /// trace value (1 while being instantiated, unless the spec's
    /// [`CreationRequest`] is `Demand`).
    #[inline]
    pub fn vm_cpu_fraction(&self, v: VmId) -> f64 {
        self.vm_cpu_fraction[v.index()]
    }

    /// MIPS VM `v` was given on the host it runs on at the last sharing.
    #[inline]
    pub fn vm_allocated_mips(&self, v: VmId) -> f64 {
        self.vm_allocated_mips[v.index()]
    }

    /// Migration role of VM `v` on the host it runs on.
    #[inline]
    pub fn vm_role(&self, v: VmId) -> MigrationRole {
        if self.vm_in_migration[v.index()] && self.vm_host[v.index()].is_some() {
            MigrationRole::Out
        } else {
            MigrationRole::None
        }
    }

    /// RAM and bandwidth a VM placed from now on reserves. CloudSim reserves
    /// them only while a VM is being instantiated; afterwards a VM asks for
    /// `UtilizationModelNull × RAM = 0` (`Vm.getCurrentRequestedRam`), so
    /// neither constrains consolidation. `false` reproduces that quirk and
    /// releases what placed VMs hold.
    pub fn set_reserve_memory(&mut self, reserve: bool) {
        self.reserve_memory = reserve;
        if reserve {
            return;
        }
        for hi in 0..self.host_count() {
            for s in &mut self.host_slots[hi] {
                s.ram_mb = 0;
                s.bw_mbps = 0.0;
            }
            self.update_memory_free(hi);
        }
    }

    /// Is host `h` idle: no VM listed and nothing delivered at its last step?
    /// Idle hosts of one type are interchangeable for placement.
    #[inline]
    pub fn is_idle(&self, h: HostId) -> bool {
        self.busy[h.index() / 64] & (1 << (h.index() % 64)) == 0
    }

    /// The hosts that are not idle, in id order; O(hosts / 64 + busy hosts).
    pub fn busy_hosts(&self) -> impl Iterator<Item = HostId> + '_ {
        set_bits(&self.busy).map(|i| HostId(i as u32))
    }

    /// The lowest-id idle host of type `host_type` for which `skip` is false.
    pub fn first_idle_host(&self, host_type: usize, mut skip: impl FnMut(HostId) -> bool) -> Option<HostId> {
        set_bits(self.idle_by_type.get(host_type)?)
            .map(|i| HostId(i as u32))
            .find(|&h| !skip(h))
    }

    fn refresh_busy(&mut self, hi: usize) {
        let busy = !self.host_vms[hi].is_empty() || self.host_utilization_mips[hi] != 0.0;
        let (w, bit) = (hi / 64, 1u64 << (hi % 64));
        let t = self.spec.hosts[hi].host_type;
        if busy {
            self.busy[w] |= bit;
        } else {
            self.busy[w] &= !bit;
        }
        // Only hosts that can take VMs stand for their type's idle hosts.
        if !busy && self.host_state[hi] == HostState::Up {
            self.idle_by_type[t][w] |= bit;
        } else {
            self.idle_by_type[t][w] &= !bit;
        }
    }

    /// Whether host `h` can run VMs.
    #[inline]
    pub fn host_state(&self, h: HostId) -> HostState {
        self.host_state[h.index()]
    }

    /// Marks host `h` up, failing or down. Placement stops considering a
    /// host that is not up; taking its VMs off is the caller's business.
    pub fn set_host_state(&mut self, h: HostId, state: HostState) {
        self.host_state[h.index()] = state;
        self.refresh_busy(h.index());
        self.fit.get_mut().mark(h.index());
    }

    /// Abandons VM `v`'s migration to `target` before its switch-over: the
    /// target drops the reservation, the VM keeps running where it was.
    pub fn abort_migration(&mut self, v: VmId, target: HostId) {
        if let Some(i) = self.slot_index(target, v)
            && self.host_slots[target.index()][i].incoming
        {
            self.remove_slot(target, i);
            self.reallocate(target);
        }
        self.set_in_migration(v, self.vm_incoming[v.index()] > 0);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// Changes whenever host `h`'s VM list changes (for caches of per-host sums).
    #[inline]
    pub fn host_version(&self, h: HostId) -> u64 {
        self.host_version[h.index()]
    }

    fn slot_index(&self, h: HostId, v: VmId) -> Option<usize> {
        self.host_vms[h.index()].iter().position(|&x| x == v)
    }

    fn memory_request(&self, v: VmId) -> (u64, f64) {
        if self.reserve_memory {
            let vt = self.vm_type(v);
            (vt.ram_mb, vt.bw_mbps)
        } else {
            (0, 0.0)
        }
    }

    /// CloudSim's `Host.isSuitableForVm`: PE capacity ≥ the MIPS the VM
    /// currently requests per PE (its full MIPS while being instantiated, its
    /// trace-driven demand later), free MIPS ≥ its current total request, free
    /// RAM and bandwidth for what it would reserve.
    /// A host that is not [`HostState::Up`] suits no VM.
    #[inline]
    pub fn is_suitable(&self, h: HostId, v: VmId) -> bool {
        self.suits(h, &self.vm_need(v))
    }

    /// What VM `v` asks of a host now, for [`suits`](Self::suits): a policy
    /// that tests many hosts for one VM reads the VM once.
    #[inline]
    pub fn vm_need(&self, v: VmId) -> VmNeed {
        let (ram_mb, bw_mbps) = self.memory_request(v);
        VmNeed {
            mips_per_pe: self.vm_requested_mips_per_pe[v.index()],
            mips: self.vm_requested_mips(v),
            ram_mb,
            bw_mbps,
        }
    }

    /// [`is_suitable`](Self::is_suitable) for a VM needing `need`.
    #[inline(always)]
    pub fn suits(&self, h: HostId, need: &VmNeed) -> bool {
        let hi = h.index();
        self.host_state[hi] == HostState::Up
            && self.host_type(h).mips_per_core >= need.mips_per_pe
            && self.host_available_mips[hi] >= need.mips
            && self.host_ram_free_mb[hi] >= need.ram_mb
            && self.host_bw_free_mbps[hi] >= need.bw_mbps
    }

    /// The lowest-id host at or after `from` that [`is_suitable`](Self::is_suitable)
    /// for VM `v`, in O(log hosts) (an index kept beside the hosts): what a
    /// scan of the hosts in id order finds.
    pub fn first_suitable_host(&self, v: VmId, from: HostId) -> Option<HostId> {
        let mut fit = self.fit.borrow_mut();
        fit.refresh(|hi| {
            let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
            fit_index::Room {
                mips: if self.host_state[hi] == HostState::Up {
                    self.host_available_mips[hi]
                } else {
                    f64::NEG_INFINITY
                },
                pe_mips: ht.mips_per_core,
                ram_mb: self.host_ram_free_mb[hi] as f64,
                bw_mbps: self.host_bw_free_mbps[hi],
            }
        });
        let (ram, bw) = self.memory_request(v);
        let need = fit_index::Need {
            mips: self.vm_requested_mips(v),
            mips_per_pe: self.vm_requested_mips_per_pe[v.index()],
            ram_mb: ram as f64,
            bw_mbps: bw,
        };
        fit.first_from(from.index(), &need).map(|i| HostId(i as u32))
    }

    /// Places VM `v` on host `h` (CloudSim `Host.vmCreate`): reserves RAM and
    /// bandwidth, appends it to the host's list and shares the CPU again.
    /// Returns false, changing nothing, when RAM or bandwidth do not suffice.
    ///
    /// While planning (see [`begin_tentative`](Self::begin_tentative)) a VM
    /// may be listed on a second host, as CloudSim's planner does it.
    pub fn create_vm(&mut self, h: HostId, v: VmId) -> bool {
        let (ram, bw) = self.memory_request(v);
        let hi = h.index();
        if self.host_ram_free_mb[hi] < ram || self.host_bw_free_mbps[hi] < bw {
            return false;
        }
        // A host lists a VM once (a VM migrating in stays a reservation).
        if self.slot_index(h, v).is_some() {
            return false;
        }
        let prev_home = self.vm_host[v.index()];
        self.insert_slot(
            h,
            self.host_vms[hi].len(),
            v,
            Slot {
                alloc_mips: 0.0,
                ram_mb: ram,
                bw_mbps: bw,
                incoming: false,
            },
        );
        self.vm_host[v.index()] = Some(h);
        if let Some(log) = &mut self.tentative {
            log.push(Change::Created {
                host: h,
                vm: v,
                prev_home,
            });
        }
        self.reallocate(h);
        true
    }

    /// Removes VM `v` from the host it runs on (CloudSim `Host.vmDestroy`),
    /// releasing its resources. Returns the host it was on.
    pub fn destroy_vm(&mut self, v: VmId) -> Option<HostId> {
        let h = self.vm_host[v.index()]?;
        self.destroy_vm_on(h, v);
        Some(h)
    }

    /// Removes VM `v` from host `h`'s list (CloudSim `Host.vmDestroy` on that
    /// host). Returns false if it was not listed there.
    pub fn destroy_vm_on(&mut self, h: HostId, v: VmId) -> bool {
        let Some(index) = self.slot_index(h, v) else {
            return false;
        };
        let slot = self.remove_slot(h, index);
        let prev_home = self.vm_host[v.index()];
        // CloudSim's vmDestroy forgets the VM's host whichever list it left.
        self.vm_host[v.index()] = None;
        self.vm_allocated_mips[v.index()] = 0.0;
        if let Some(log) = &mut self.tentative {
            log.push(Change::Destroyed {
                host: h,
                vm: v,
                index,
                slot,
                prev_home,
            });
        }
        self.reallocate(h);
        true
    }

    fn insert_slot(&mut self, h: HostId, index: usize, v: VmId, slot: Slot) {
        let hi = h.index();
        if slot.incoming {
            self.vm_incoming[v.index()] += 1;
        }
        self.host_vms[hi].insert(index, v);
        self.host_slots[hi].insert(index, slot);
        self.host_version[hi] += 1;
        self.refresh_potential(hi);
        self.update_memory_free(hi);
        self.refresh_busy(hi);
    }

    fn remove_slot(&mut self, h: HostId, index: usize) -> Slot {
        let hi = h.index();
        let v = self.host_vms[hi].remove(index);
        let slot = self.host_slots[hi].remove(index);
        if slot.incoming {
            self.vm_incoming[v.index()] -= 1;
        }
        self.host_version[hi] += 1;
        self.refresh_potential(hi);
        self.update_memory_free(hi);
        self.refresh_busy(hi);
        slot
    }

    /// Starts recording placements and removals so that
    /// [`rollback`](Self::rollback) can undo them: CloudSim's consolidation
    /// plans on the live allocation and restores it afterwards
    /// (`saveAllocation`/`restoreAllocation`).
    pub fn begin_tentative(&mut self) {
        debug_assert!(self.tentative.is_none(), "nested tentative planning");
        self.tentative = Some(Vec::new());
    }

    /// Undoes every change since [`begin_tentative`](Self::begin_tentative),
    /// leaving host lists, reservations and CPU shares exactly as they were.
    pub fn rollback(&mut self) {
        let Some(mut log) = self.tentative.take() else {
            return;
        };
        while let Some(change) = log.pop() {
            match change {
                Change::Created { host, vm, prev_home } => {
                    // The slot it created is the last one of the VM there.
                    if let Some(i) = self.host_vms[host.index()].iter().rposition(|&x| x == vm) {
                        self.remove_slot(host, i);
                    }
                    self.vm_host[vm.index()] = prev_home;
                    self.touch(host);
                }
                Change::Destroyed {
                    host,
                    vm,
                    index,
                    slot,
                    prev_home,
                } => {
                    self.insert_slot(host, index, vm, slot);
                    self.vm_host[vm.index()] = prev_home;
                    self.touch(host);
                }
            }
        }
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            self.reallocate(h);
        }
        self.touched_list.clear();
        for v in 0..self.vm_count() {
            if let Some(h) = self.vm_host[v] {
                let i = self
                    .slot_index(h, VmId(v as u32))
                    .expect("a VM is listed on its host");
                self.vm_allocated_mips[v] = self.host_slots[h.index()][i].alloc_mips;
            }
        }
    }

    fn touch(&mut self, h: HostId) {
        if !self.touched[h.index()] {
            self.touched[h.index()] = true;
            self.touched_list.push(h);
        }
    }

    /// Starts a live migration of VM `v` to `target` (CloudSim
    /// `Host.addMigratingInVm`): the target lists the VM as migrating in and
    /// reserves its memory and 10 % of its CPU; at the source it runs at 90 %.
    /// Step both hosts again to record the new shares.
    pub fn start_migration(&mut self, v: VmId, target: HostId) {
        let (ram, bw) = self.memory_request(v);
        self.set_in_migration(v, true);
        if self.is_incoming(target, v) {
            return;
        }
        let ti = target.index();
        self.insert_slot(
            target,
            self.host_vms[ti].len(),
            v,
            Slot {
                alloc_mips: 0.0,
                ram_mb: ram,
                bw_mbps: bw,
                incoming: true,
            },
        );
        self.reallocate(target);
        if let Some(home) = self.vm_host[v.index()] {
            self.reallocate(home);
        }
    }

    /// Completes a migration of VM `v` to `target` (CloudSim
    /// `Datacenter.processVmMigrate`): the VM leaves the host it ran on, its
    /// reservation on the target becomes a regular placement at the end of
    /// the target's list. Returns the host it left.
    pub fn complete_migration(&mut self, v: VmId, target: HostId) -> Option<HostId> {
        let source = self.vm_host[v.index()];
        if let Some(s) = source {
            if let Some(i) = self.slot_index(s, v) {
                self.remove_slot(s, i);
            }
            self.reallocate(s);
        }
        if let Some(i) = self.slot_index(target, v)
            && self.host_slots[target.index()][i].incoming
        {
            self.remove_slot(target, i);
        }
        // A VM CloudSim's planner sent to two hosts is still migrating in to
        // the other one.
        self.set_in_migration(v, self.vm_incoming[v.index()] > 0);
        self.vm_host[v.index()] = None;
        if !self.create_vm(target, v) {
            // Memory was reserved when the migration started; only a
            // reservation policy changed mid-flight can get here. Place it
            // anyway rather than lose the VM.
            let (ram, bw) = self.memory_request(v);
            let ti = target.index();
            self.insert_slot(
                target,
                self.host_vms[ti].len(),
                v,
                Slot {
                    alloc_mips: 0.0,
                    ram_mb: ram.min(self.host_ram_free_mb[ti]),
                    bw_mbps: bw.min(self.host_bw_free_mbps[ti]),
                    incoming: false,
                },
            );
            self.vm_host[v.index()] = Some(target);
            self.reallocate(target);
        }
        source
    }

    /// Sets host `hi`'s free RAM and bandwidth to capacity minus its slots'
    /// reservations, summed afresh. Not updated incrementally: `f64` additions
    /// and subtractions do not cancel exactly (175.6 − 175.6/6 + 175.6/6 is
    /// 175.59999999999997), so a host would drift with its history, and an
    /// emptied host could refuse a VM that a new one takes.
    fn update_memory_free(&mut self, hi: usize) {
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let ram: u64 = self.host_slots[hi].iter().map(|s| s.ram_mb).sum::<u64>() + self.host_held_ram_mb[hi];
        let bw: f64 = self.host_slots[hi].iter().map(|s| s.bw_mbps).sum();
        self.host_ram_free_mb[hi] = ht.ram_mb.saturating_sub(ram);
        self.host_bw_free_mbps[hi] = (ht.bw_mbps - bw).max(0.0);
        self.fit.get_mut().mark(hi);
    }

    fn set_in_migration(&mut self, v: VmId, in_migration: bool) {
        let flag = &mut self.vm_in_migration[v.index()];
        match (*flag, in_migration) {
            (false, true) => self.vms_in_migration += 1,
            (true, false) => self.vms_in_migration -= 1,
            _ => {}
        }
        *flag = in_migration;
    }

    #[inline]
    fn role_on(&self, hi: usize, i: usize) -> MigrationRole {
        // A slot migrating in belongs to a VM in migration.
        if self.vms_in_migration == 0 {
            debug_assert!(!self.host_slots[hi][i].incoming);
            return MigrationRole::None;
        }
        if self.host_slots[hi][i].incoming {
            MigrationRole::In
        } else if self.vm_in_migration[self.host_vms[hi][i].index()] {
            MigrationRole::Out
        } else {
            MigrationRole::None
        }
    }

    /// Shares host `h`'s CPU among its VMs' current requests.
    fn reallocate(&mut self, h: HostId) {
        let hi = h.index();
        let ht = &self.spec.host_types[self.spec.hosts[hi].host_type];
        let (capacity, pe_mips) = (ht.total_mips(), ht.mips_per_core);
        self.scratch_requests.clear();
        for i in 0..self.host_vms[hi].len() {
            let v = self.host_vms[hi][i];
            let vt = &self.spec.vm_types[self.spec.vms[v.index()].vm_type];
            let role = self.role_on(hi, i);
            let shares = self.vm_shares[v.index()];
            self.scratch_requests.push(CpuRequest {
                mips_per_pe: self.vm_requested_mips_per_pe[v.index()],
                pes: vt.cores,
                role,
                factor: match role {
                    MigrationRole::None => 1.0,
                    MigrationRole::Out => shares.source,
                    MigrationRole::In => shares.target,
                },
            });
        }
        self.scratch_allocated.clear();
        self.scratch_allocated.resize(self.scratch_requests.len(), 0.0);
        self.fit.get_mut().mark(hi);
        self.host_available_mips[hi] = time_shared::share(
            capacity,
            pe_mips,
            &self.scratch_requests,
            &mut self.scratch_allocated,
        );
        for (i, &a) in self.scratch_allocated.iter().enumerate() {
            let slot = &mut self.host_slots[hi][i];
            slot.alloc_mips = a;
            if !slot.incoming {
                self.vm_allocated_mips[self.host_vms[hi][i].index()] = a;
            }
        }
        self.refresh_potential(hi);
    }

    /// Sets VM `v`'s request to its trace at `t_s`.
    fn update_request(&mut self, v: VmId, t_s: f64) {
        let spec = self.spec.vms[v.index()];
        let memo = &mut self.trace_memo[spec.trace];
        let u = if memo.0 == t_s.to_bits() {
            memo.1
        } else {
            let u = self.spec.traces[spec.trace].utilization_at(t_s);
            *memo = (t_s.to_bits(), u);
            u
        };
        self.vm_cpu_fraction[v.index()] = u;
        self.vm_requested_mips_per_pe[v.index()] = u * self.spec.vm_types[spec.vm_type].mips;
        self.request_epoch += 1;
    }

    /// One datacenter step at time `t_s` for host `h` (CloudSim
    /// `HostDynamicWorkload.updateVmsProcessing`): every VM's request follows
    /// its trace, the CPU is shared again, and the host's delivered and
    /// requested MIPS are recorded. Returns (utilisation MIPS, requested MIPS).
    pub fn step_host(&mut self, h: HostId, t_s: f64) -> (f64, f64) {
        let hi = h.index();
        for i in 0..self.host_vms[hi].len() {
            let v = self.host_vms[hi][i];
            self.update_request(v, t_s);
        }
        self.reallocate(h);
        let mut utilization = 0.0;
        let mut requested = 0.0;
        for i in 0..self.host_vms[hi].len() {
            let vi = self.host_vms[hi][i].index();
            let alloc = self.host_slots[hi][i].alloc_mips;
            let cores = f64::from(self.spec.vm_types[self.spec.vms[vi].vm_type].cores);
            requested += self.vm_requested_mips_per_pe[vi] * cores;
            // The source host is charged a migrating-out VM's full, undegraded
            // share (CloudSim HostDynamicWorkload.java:121); the target its 10 %.
            utilization += match self.role_on(hi, i) {
                MigrationRole::Out
                    if self.vm_shares[vi].charge_source_in_full && self.vm_shares[vi].source > 0.0 =>
                {
                    alloc / self.vm_shares[vi].source
                }
                _ => alloc,
            };
        }
        self.host_utilization_mips[hi] = utilization;
        self.host_requested_mips[hi] = requested;
        self.host_power_w[hi] = self.host_type(h).power.power_watts(self.utilization(h));
        self.refresh_busy(hi);
        (utilization, requested)
    }

    /// MIPS host `h`'s scheduler hands out now, VMs placed since the last
    /// step included, each migrating-in VM counted at its full demand
    /// (CloudSim `PowerVmAllocationPolicyMigrationAbstract.getUtilizationOfCpuMips`):
    /// the base of PABFD's "utilisation after allocation".
    #[inline]
    pub fn potential_utilization_mips(&self, h: HostId) -> f64 {
        debug_assert_eq!(
            self.host_potential_mips[h.index()].to_bits(),
            self.sum_potential_mips(h.index()).to_bits()
        );
        self.host_potential_mips[h.index()]
    }

    fn sum_potential_mips(&self, hi: usize) -> f64 {
        let mut mips = 0.0;
        for s in &self.host_slots[hi] {
            if s.incoming {
                mips += s.alloc_mips * MIGRATION_OUT_FACTOR / MIGRATION_IN_FACTOR;
            }
            mips += s.alloc_mips;
        }
        mips
    }

    fn refresh_potential(&mut self, hi: usize) {
        self.host_potential_mips[hi] = self.sum_potential_mips(hi);
    }

    /// How the CPU is shared while VM `v` migrates (from the next sharing on).
    pub fn set_migration_shares(&mut self, v: VmId, shares: MigrationShares) {
        self.vm_shares[v.index()] = shares;
    }

    /// Moves VM `v`, in migration, to run at `target` before the migration
    /// ends (post-copy's switch-over): the target's reservation becomes the
    /// VM's placement, the source keeps holding the VM's memory
    /// ([`release_held_memory`](Self::release_held_memory) frees it). The VM
    /// stays in migration. Returns the source.
    pub fn switch_over(&mut self, v: VmId, target: HostId) -> Option<HostId> {
        let (ram, _) = self.memory_request(v);
        let source = self.complete_migration(v, target)?;
        self.set_in_migration(v, true);
        self.host_held_ram_mb[source.index()] += ram;
        self.update_memory_free(source.index());
        self.reallocate(target);
        Some(source)
    }

    /// Releases the memory `source` held for VM `v` since its switch-over and
    /// ends the VM's migration.
    pub fn release_held_memory(&mut self, v: VmId, source: HostId) {
        let (ram, _) = self.memory_request(v);
        let hi = source.index();
        self.host_held_ram_mb[hi] = self.host_held_ram_mb[hi].saturating_sub(ram);
        self.update_memory_free(hi);
        self.set_in_migration(v, false);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// Marks VM `v` as out of migration (its last phase ended).
    pub fn end_migration(&mut self, v: VmId) {
        self.set_in_migration(v, false);
        if let Some(h) = self.vm_host[v.index()] {
            self.reallocate(h);
        }
    }

    /// RAM host `h` holds for VMs that already run elsewhere, MB.
    pub fn held_ram_mb(&self, h: HostId) -> u64 {
        self.host_held_ram_mb[h.index()]
    }

    /// MIPS host `h`'s scheduler has handed out, VMs migrating in included.
    pub fn allocated_mips(&self, h: HostId) -> f64 {
        self.host_slots[h.index()].iter().map(|s| s.alloc_mips).sum()
    }

    /// RAM reserved on host `h` by the VMs listed there, MB.
    pub fn reserved_ram_mb(&self, h: HostId) -> u64 {
        self.host_slots[h.index()].iter().map(|s| s.ram_mb).sum()
    }

    /// Total MIPS the VMs listed on `h` currently request, VMs migrating in
    /// included (what CloudSim's threshold detectors compare with capacity).
    pub fn current_requested_mips(&self, h: HostId) -> f64 {
        let key = (self.host_version[h.index()], self.request_epoch);
        let cell = &self.host_requested_now[h.index()];
        let (version, epoch, mips) = cell.get();
        if (version, epoch) == key {
            debug_assert_eq!(mips.to_bits(), self.sum_requested_mips(h).to_bits());
            return mips;
        }
        let mips = self.sum_requested_mips(h);
        cell.set((key.0, key.1, mips));
        mips
    }

    fn sum_requested_mips(&self, h: HostId) -> f64 {
        self.host_vms[h.index()]
            .iter()
            .map(|&v| self.vm_requested_mips(v))
            .sum()
    }
}
