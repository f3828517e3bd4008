//! Hosts, VMs and who runs where.
//!
//! [`DatacenterSpec`] is plain data (what the scenario describes);
//! [`Datacenter`] is the mutable state of a run, kept in flat vectors indexed
//! by [`HostId`] and [`VmId`] so that a step touches memory linearly and
//! allocates nothing. Its state is defined here, its operations beside the
//! concept they serve:
//!
//! - `spec`: host and VM types, hosts, VMs, and the checks of a spec;
//! - `allocation`: placing and removing VMs, reservations, host states and
//!   the busy/idle host sets;
//! - `suitability`: whether a host can take a VM now;
//! - `processing`: a host's step, requests following traces, the CPU shared
//!   again by [`time_shared`];
//! - `migration`: a live migration's reservation, CPU shares and move;
//! - `planning`: tentative changes and their exact rollback;
//! - `fit_index`: first fit's index over the hosts, owned by the policies
//!   that ask it;
//! - `host_log`: the log of changed hosts such indexes catch up from.
//!
//! Every value derived from the state is refreshed where the state changes
//! (`&mut self`), or kept by the policy that reads it; nothing is mutated
//! behind `&self`.

mod allocation;
mod fit_index;
mod host_log;
mod migration;
mod planning;
mod processing;
mod spec;
mod suitability;
pub mod time_shared;

pub use fit_index::FirstFitIndex;
pub use host_log::{HostLog, LogCursor};
pub use migration::MigrationShares;
pub use processing::{HostStep, SlotStep, StepScratch};
pub use spec::{
    CreationRequest, DatacenterSpec, HostSpec, HostType, RealTime, SpecError, SpecItem, VmSpec, VmType,
};
pub use suitability::VmNeed;

use crate::power::PowerState;
use planning::Change;
use time_shared::MigrationRole;

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
    /// Bumped whenever a VM's request changes (for caches of requested MIPS).
    request_epoch: u64,
    /// Bit `h`: host `h` lists a VM or delivered MIPS at its last step.
    busy: Vec<u64>,
    /// Per host type, bit `h`: host `h` is of that type, not busy and up.
    idle_by_type: Vec<Vec<u64>>,
    host_state: Vec<HostState>,
    /// Each host's power state (all `On` unless power states are modelled).
    host_power_state: Vec<PowerState>,
    /// When each host's current power transition ends, s (NaN: in a stable
    /// state, or not known).
    host_power_until_s: Vec<f64>,
    /// Power states are managed: hosts may be in states other than on.
    power_managed: bool,
    /// The hosts whose room changed, for first-fit indexes.
    room_log: HostLog,
    vm_host: Vec<Option<HostId>>,
    vm_in_migration: Vec<bool>,
    /// How many entries of `vm_in_migration` are true: with none, every
    /// slot's migration role is `None` without looking it up.
    vms_in_migration: usize,
    /// Hosts on which each VM is listed as migrating in.
    vm_incoming: Vec<u8>,
    vm_shares: Vec<MigrationShares>,
    /// Each VM whose migration is booked but not started: its target is not
    /// on yet ([`book_migration`](Self::book_migration)).
    vm_move_booked: Vec<bool>,
    /// RAM a host still holds for VMs that already run elsewhere (post-copy
    /// until its last page has left), MB.
    host_held_ram_mb: Vec<u64>,
    vm_cpu_fraction: Vec<f64>,
    vm_requested_mips_per_pe: Vec<f64>,
    vm_allocated_mips: Vec<f64>,
    /// MIPS reserved for each real-time VM with a reservation (its full MIPS), 0 for the
    /// others; empty when no VM has one.
    vm_reserve_mips: Vec<f64>,
    reserve_memory: bool,
    tentative: Option<Vec<Change>>,
    /// The emptied log of the last tentative planning, kept for the next.
    spare_log: Vec<Change>,
    touched: Vec<bool>,
    touched_list: Vec<HostId>,
    scratch_step: processing::StepScratch,
    scratch_slots: Vec<processing::SlotStep>,
    /// The last instant looked up per trace (see [`processing::TraceMemo`]).
    trace_memo: processing::TraceMemo,
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
        let layout = HostLog::new_layout();
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
        let vm_reserve_mips = if spec.real_time.iter().flatten().any(|rt| rt.reserve) {
            (spec.vms.iter().zip(&spec.real_time))
                .map(|(v, rt)| match rt {
                    Some(rt) if rt.reserve => spec.vm_types[v.vm_type].total_mips(),
                    _ => 0.0,
                })
                .collect()
        } else {
            Vec::new()
        };
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
            request_epoch: 0,
            host_power_w: spec
                .hosts
                .iter()
                .map(|h| spec.host_types[h.host_type].power.power_watts(0.0))
                .collect(),
            busy: vec![0; words],
            idle_by_type,
            host_state: vec![HostState::Up; n_hosts],
            host_power_state: vec![PowerState::On; n_hosts],
            host_power_until_s: vec![f64::NAN; n_hosts],
            power_managed: false,
            room_log: HostLog::new(n_hosts, layout),
            vm_host: vec![None; n_vms],
            vm_in_migration: vec![false; n_vms],
            vms_in_migration: 0,
            vm_incoming: vec![0; n_vms],
            vm_shares: vec![MigrationShares::CLOUDSIM; n_vms],
            vm_move_booked: vec![false; n_vms],
            host_held_ram_mb: vec![0; n_hosts],
            vm_cpu_fraction,
            vm_requested_mips_per_pe,
            vm_allocated_mips: vec![0.0; n_vms],
            vm_reserve_mips,
            reserve_memory: true,
            tentative: None,
            spare_log: Vec::new(),
            touched: vec![false; n_hosts],
            touched_list: Vec::new(),
            scratch_step: processing::StepScratch::default(),
            scratch_slots: Vec::new(),
            trace_memo: processing::TraceMemo::new(spec.traces.len()),
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

    /// How many VMs are being live-migrated.
    #[inline]
    pub fn vms_in_migration(&self) -> usize {
        self.vms_in_migration
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

    /// Bandwidth of host `h` not reserved, Mbit/s.
    #[inline]
    pub fn bw_free_mbps(&self, h: HostId) -> f64 {
        self.host_bw_free_mbps[h.index()]
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

    /// MIPS reserved for VM `v`: its full MIPS if it is a real-time VM with a reservation,
    /// else 0 (docs/REALTIME.md).
    #[inline]
    pub fn reserve_mips(&self, v: VmId) -> f64 {
        self.vm_reserve_mips.get(v.index()).copied().unwrap_or(0.0)
    }

    /// Whether some VM of the datacenter has a reservation.
    #[inline]
    pub(crate) fn has_reservations(&self) -> bool {
        !self.vm_reserve_mips.is_empty()
    }

    /// VM `v`'s real-time demands, if it is a real-time VM.
    #[inline]
    pub fn real_time(&self, v: VmId) -> Option<RealTime> {
        self.spec.real_time.get(v.index()).copied().flatten()
    }

    /// The share of its request VM `v` may use on host `h` now (its migration share: 1 when
    /// it is not migrating, 0 while a migration pauses it).
    #[inline]
    pub fn vm_share_on(&self, h: HostId, v: VmId) -> f64 {
        let Some(i) = self.host_vms[h.index()].iter().position(|&x| x == v) else {
            return 0.0;
        };
        match self.role_on(h.index(), i) {
            MigrationRole::None => 1.0,
            MigrationRole::Out => self.vm_shares[v.index()].source,
            MigrationRole::In => self.vm_shares[v.index()].target,
        }
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

    /// Whether host `h` can run VMs.
    #[inline]
    pub fn host_state(&self, h: HostId) -> HostState {
        self.host_state[h.index()]
    }

    /// Host `h`'s power state: VMs are served only while it is
    /// [`PowerState::On`]; placement may still choose a host that is not,
    /// which then wakes (the simulation's power management decides).
    #[inline]
    pub fn power_state(&self, h: HostId) -> PowerState {
        self.host_power_state[h.index()]
    }

    /// Whether power states are managed (otherwise every host is always
    /// [`PowerState::On`]).
    #[inline]
    pub fn power_managed(&self) -> bool {
        self.power_managed
    }

    /// Marks power states as managed (the simulation does, before the run).
    pub fn set_power_managed(&mut self) {
        self.power_managed = true;
    }

    /// Sets host `h`'s power state (the simulation's power management does,
    /// at the instants its transitions begin and end).
    pub fn set_power_state(&mut self, h: HostId, state: PowerState) {
        self.host_power_state[h.index()] = state;
        self.host_power_until_s[h.index()] = f64::NAN;
    }

    /// Host `h` begins the power transition `state`, which ends at `until_s`.
    pub fn set_power_transition(&mut self, h: HostId, state: PowerState, until_s: f64) {
        self.host_power_state[h.index()] = state;
        self.host_power_until_s[h.index()] = until_s;
    }

    /// When host `h` can be on at the earliest, seen at `now_s`: `now_s` if it
    /// is on (or power states are not managed); the end of its boot or resume
    /// if it is waking; the end of its shutdown (suspend) plus a boot (resume)
    /// if it is going down; `now_s` plus a boot (resume) if it is off (asleep).
    /// A transition begun without a known end counts in full from `now_s`.
    /// Its power state only: a failing or failed host is the caller's business.
    pub fn ready_at_s(&self, h: HostId, now_s: f64) -> f64 {
        let state = self.host_power_state[h.index()];
        if state == PowerState::On {
            return now_s;
        }
        let spec = self
            .host_type(h)
            .power_states
            .unwrap_or(crate::power::PowerStateSpec::INSTANT);
        let until = self.host_power_until_s[h.index()];
        let end_of = |s: PowerState| {
            if until.is_nan() {
                now_s + spec.duration_s(s)
            } else {
                until.max(now_s)
            }
        };
        match state {
            PowerState::On => now_s,
            PowerState::Off => now_s + spec.boot_s,
            PowerState::Sleep => now_s + spec.duration_s(PowerState::Resuming),
            PowerState::Booting | PowerState::Resuming => end_of(state),
            PowerState::ShuttingDown => end_of(state) + spec.boot_s,
            PowerState::Suspending => end_of(state) + spec.duration_s(PowerState::Resuming),
        }
    }

    /// Changes whenever host `h`'s VM list changes (for caches of per-host sums).
    #[inline]
    pub fn host_version(&self, h: HostId) -> u64 {
        self.host_version[h.index()]
    }

    /// The hosts whose room (state, [free MIPS](Self::available_mips), free
    /// RAM or bandwidth) changed: what first fit's and PABFD's indexes read to
    /// catch up with this datacenter.
    pub fn room_log(&self) -> &HostLog {
        &self.room_log
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
    /// included (what CloudSim's threshold detectors compare with capacity),
    /// summed afresh: a policy that asks again and again caches it under
    /// ([`host_version`](Self::host_version), [`request_epoch`](Self::request_epoch)).
    pub fn current_requested_mips(&self, h: HostId) -> f64 {
        self.host_vms[h.index()]
            .iter()
            .map(|&v| self.vm_requested_mips(v))
            .sum()
    }

    /// Changes whenever a VM's request changes (for caches of requested MIPS).
    #[inline]
    pub fn request_epoch(&self) -> u64 {
        self.request_epoch
    }
}
