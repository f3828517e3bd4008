//! Dynamic VM consolidation (Beloglazov & Buyya, CCPE 2012), as CloudSim's
//! `PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation` runs it at
//! every scheduling interval:
//!
//! 1. find the overloaded hosts ([`OverloadDetector`]);
//! 2. from each, pick VMs ([`VmSelection`]) until it is no longer overloaded;
//! 3. place them ([`PlacementPolicy`], PABFD in the paper) on hosts that are
//!    not overloaded;
//! 4. then, least-utilised host first, try to empty each remaining active
//!    host onto the others, all of its VMs or none, so it can be switched off.
//!
//! Planning works on the live allocation and rolls it back
//! ([`Datacenter::begin_tentative`]); the simulation then executes the
//! returned moves as live migrations priced by a
//! [`MigrationModel`].
//!
//! As in the paper and CloudSim, there is no underload threshold: every
//! active host is a candidate, least utilised first. CloudSim also lets a
//! round empty hosts that just received VMs from overloaded hosts (it means
//! to exclude them but passes an empty list); that is a quirk here,
//! [`Consolidation::empty_overload_targets`], off by default and on in the
//! CloudSim scenarios.

pub mod history;
pub mod lr_admission;
pub mod overload;
pub mod planner;
pub mod selection;
pub mod stats;

use rand::RngCore;

use lr_admission::LineCache;

use crate::datacenter::{Datacenter, HostId, VmId};
use crate::migration::MigrationModel;
use crate::placement::{AdmissionCheck, HostFilter, PlacementContext, PlacementPolicy};
use history::{HISTORY_LENGTH, HostHistoryCache, VmHistories};
use overload::{HostLoad, OverloadDetector};
use selection::{SelectionContext, VmSelection};

/// Why a VM is moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationReason {
    /// Its host was overloaded.
    Overload,
    /// Its host was being emptied to be switched off.
    Underload,
    /// The scenario asked for it (`[[migrations]]`).
    Scripted,
    /// Its host announced a failure and is being evacuated.
    Evacuation,
}

impl MigrationReason {
    /// As written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationReason::Overload => "overload",
            MigrationReason::Underload => "underload",
            MigrationReason::Scripted => "scripted",
            MigrationReason::Evacuation => "evacuation",
        }
    }
}

/// A move decided by the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedMigration {
    /// The VM.
    pub vm: VmId,
    /// Where it goes.
    pub target: HostId,
    /// Why.
    pub reason: MigrationReason,
}

/// Per-host longest migration estimate, cached until the host's VM list
/// changes.
#[derive(Debug, Clone, Default)]
pub struct MigrationTimeCache {
    /// (host list version, seconds) per host.
    entries: Vec<Option<(u64, f64)>>,
}

impl MigrationTimeCache {
    /// The longest of `migration`'s estimates for the VMs listed on `h`.
    pub fn longest_s(&mut self, dc: &Datacenter, migration: &dyn MigrationModel, h: HostId) -> f64 {
        let entries = &mut self.entries;
        if entries.len() != dc.host_count() {
            entries.clear();
            entries.resize(dc.host_count(), None);
        }
        let version = dc.host_version(h);
        if let Some((v, t)) = entries[h.index()]
            && v == version
        {
            return t;
        }
        let t = dc
            .vms_on(h)
            .iter()
            .map(|&v| migration.estimate_duration_s(dc, v, h))
            .fold(0.0, f64::max);
        entries[h.index()] = Some((version, t));
        t
    }
}

/// Requested MIPS per host ([`Datacenter::current_requested_mips`]), cached
/// until the host's VM list or any VM's request changes.
#[derive(Debug, Clone, Default)]
pub struct RequestedMipsCache {
    /// (host list version, request epoch, MIPS) per host.
    entries: Vec<Option<(u64, u64, f64)>>,
}

impl RequestedMipsCache {
    /// What the VMs listed on `h` request now.
    pub fn mips(&mut self, dc: &Datacenter, h: HostId) -> f64 {
        if self.entries.len() != dc.host_count() {
            self.entries.clear();
            self.entries.resize(dc.host_count(), None);
        }
        let key = (dc.host_version(h), dc.request_epoch());
        if let Some((version, epoch, mips)) = self.entries[h.index()]
            && (version, epoch) == key
        {
            debug_assert_eq!(mips.to_bits(), dc.current_requested_mips(h).to_bits());
            return mips;
        }
        let mips = dc.current_requested_mips(h);
        self.entries[h.index()] = Some((key.0, key.1, mips));
        mips
    }
}

/// What overload tests derive from the datacenter and the histories and ask
/// for again and again during a round: host histories, requested MIPS, the
/// longest migration per host, LR lines. Owned by the [`Consolidation`]; each entry
/// is checked against what it was computed from when read, so a stale entry
/// is recomputed, never used.
#[derive(Debug, Clone, Default)]
pub struct LoadCache {
    /// Host histories and VM histories scaled to a host.
    pub histories: HostHistoryCache,
    /// Requested MIPS per host.
    pub requested: RequestedMipsCache,
    /// Longest migration per host.
    pub migration_times: MigrationTimeCache,
    /// LR lines of hosts and VMs, for O(1) admission tests.
    pub lines: LineCache,
}

/// Everything an overload test needs besides the datacenter.
pub struct LoadView<'a> {
    /// VM utilisation histories.
    pub histories: &'a VmHistories,
    /// Prices migrations (LR's look-ahead).
    pub migration: &'a dyn MigrationModel,
    /// What the tests derive, cached.
    pub cache: &'a mut LoadCache,
    /// The scheduling interval, seconds.
    pub scheduling_interval_s: f64,
}

impl LoadView<'_> {
    /// Is host `h` overloaded by `detector`, with VM `extra` added if given?
    pub fn overloaded(
        &mut self,
        detector: &dyn OverloadDetector,
        dc: &Datacenter,
        h: HostId,
        extra: Option<VmId>,
    ) -> bool {
        let mut buf = [0.0; HISTORY_LENGTH];
        let history = self.cache.histories.host(self.histories, dc, h, extra, &mut buf);
        let mut requested = self.cache.requested.mips(dc, h);
        let mut max_migration_s = self.cache.migration_times.longest_s(dc, self.migration, h);
        if let Some(v) = extra {
            max_migration_s = max_migration_s.max(self.migration.estimate_duration_s(dc, v, h));
            requested += dc.vm_requested_mips(v);
        }
        detector.is_overloaded(&HostLoad {
            utilization: requested / dc.host_type(h).total_mips(),
            history,
            max_migration_time_s: max_migration_s,
            scheduling_interval_s: self.scheduling_interval_s,
        })
    }
}

/// The placement admission test of consolidation: would the host be
/// overloaded, by the consolidation's own detector, once the VM is added
/// (CloudSim `isHostOverUtilizedAfterAllocation`). With an LR detector fitted
/// by ordinary least squares the cached lines decide most tests in O(1)
/// ([`LineCache`]).
pub struct DetectorAdmission<'a> {
    /// The detector.
    pub detector: &'a dyn OverloadDetector,
    /// Histories, migration model and caches.
    pub view: LoadView<'a>,
    /// Judge a host by the new VM alone, as CloudSim does during initial
    /// placement: VMs already created there request nothing until their
    /// cloudlets start, so only the VM being placed counts.
    pub new_vm_only: bool,
}

impl AdmissionCheck for DetectorAdmission<'_> {
    fn overloaded_after(&mut self, dc: &Datacenter, h: HostId, v: VmId) -> bool {
        if self.new_vm_only {
            return self.detector.is_overloaded(&HostLoad {
                utilization: dc.vm_requested_mips(v) / dc.host_type(h).total_mips(),
                history: &[],
                max_migration_time_s: self.view.migration.estimate_duration_s(dc, v, h),
                scheduling_interval_s: self.view.scheduling_interval_s,
            });
        }
        if let Some(lr) = self.detector.as_lr()
            && lr.is_ols()
        {
            let view = &mut self.view;
            let max_migration_s = view
                .cache
                .migration_times
                .longest_s(dc, view.migration, h)
                .max(view.migration.estimate_duration_s(dc, v, h));
            // LR's look-ahead, computed as `LrDetector::predicted_utilization` does.
            let look_ahead = (max_migration_s / view.scheduling_interval_s).ceil();
            let LoadCache { histories, lines, .. } = &mut *view.cache;
            let decided = lines.decide(lr, view.histories, histories, dc, h, v, look_ahead);
            if let Some(overloaded) = decided {
                debug_assert_eq!(overloaded, view.overloaded(self.detector, dc, h, Some(v)));
                return overloaded;
            }
        }
        self.view.overloaded(self.detector, dc, h, Some(v))
    }
}

/// What one planning round found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanStats {
    /// Hosts found overloaded.
    pub overloaded_hosts: usize,
}

/// A consolidation policy: detector, selection, destination placement and
/// migration model, plus reusable scratch space.
#[derive(Debug)]
pub struct Consolidation {
    /// Finds overloaded hosts.
    pub detector: Box<dyn OverloadDetector>,
    /// Picks the VMs leaving them.
    pub selection: Box<dyn VmSelection>,
    /// Chooses destinations.
    pub placement: Box<dyn PlacementPolicy>,
    /// Prices migrations.
    pub migration: Box<dyn MigrationModel>,
    /// Also empty under-utilised hosts (step 4); CloudSim always does.
    pub underload: bool,
    /// Let step 4 empty hosts that just received VMs from overloaded hosts
    /// in the same round, so a VM can migrate twice in one round. CloudSim
    /// does (it means to exclude them but passes an empty map to
    /// `extractHostListFromMigrationMap`); the paper's algorithm does not.
    /// The simulation sets it from [`CloudSimQuirks::empty_overload_targets`](crate::simulation::CloudSimQuirks::empty_overload_targets).
    pub empty_overload_targets: bool,
    /// What the overload tests derive, cached across rounds.
    pub cache: LoadCache,
    overloaded: Vec<bool>,
    overloaded_list: Vec<HostId>,
    excluded_source: Vec<bool>,
    excluded_target: Vec<bool>,
    to_migrate: Vec<VmId>,
    placed: Vec<PlannedMigration>,
    underload_order: UnderloadOrder,
}

impl Consolidation {
    /// A consolidation policy from its parts.
    pub fn new(
        detector: Box<dyn OverloadDetector>,
        selection: Box<dyn VmSelection>,
        placement: Box<dyn PlacementPolicy>,
        migration: Box<dyn MigrationModel>,
    ) -> Self {
        Self {
            detector,
            selection,
            placement,
            migration,
            underload: true,
            empty_overload_targets: false,
            cache: LoadCache::default(),
            overloaded: Vec::new(),
            overloaded_list: Vec::new(),
            excluded_source: Vec::new(),
            excluded_target: Vec::new(),
            to_migrate: Vec::new(),
            placed: Vec::new(),
            underload_order: UnderloadOrder::default(),
        }
    }

    /// The hosts the overload detector flagged in the last round [`plan`](Self::plan)ned.
    pub fn overloaded_hosts(&self) -> &[HostId] {
        &self.overloaded_list
    }

    /// The admission test of placements outside planning (initial placement,
    /// VMs arriving): this consolidation's detector, with its caches.
    pub fn admission<'a>(
        &'a mut self,
        histories: &'a VmHistories,
        scheduling_interval_s: f64,
        new_vm_only: bool,
    ) -> DetectorAdmission<'a> {
        DetectorAdmission {
            detector: self.detector.as_ref(),
            view: LoadView {
                histories,
                migration: self.migration.as_ref(),
                cache: &mut self.cache,
                scheduling_interval_s,
            },
            new_vm_only,
        }
    }

    /// Plans one round on `dc` (left as found) and appends the moves to `out`
    /// in the order CloudSim's migration map lists them: overload moves, then
    /// underload moves host by host.
    pub fn plan(
        &mut self,
        dc: &mut Datacenter,
        histories: &VmHistories,
        scheduling_interval_s: f64,
        rng: &mut dyn RngCore,
        out: &mut Vec<PlannedMigration>,
    ) -> PlanStats {
        let n = dc.host_count();
        let Self {
            detector,
            selection,
            placement,
            migration,
            underload,
            empty_overload_targets,
            cache,
            overloaded,
            overloaded_list,
            excluded_source,
            excluded_target,
            to_migrate,
            placed,
            underload_order,
        } = self;
        let detector: &dyn OverloadDetector = detector.as_ref();
        let mut admission = DetectorAdmission {
            detector,
            view: LoadView {
                histories,
                migration: migration.as_ref(),
                cache,
                scheduling_interval_s,
            },
            new_vm_only: false,
        };
        let view = &mut admission.view;

        // 1. Overloaded hosts.
        overloaded.clear();
        overloaded.resize(n, false);
        overloaded_list.clear();
        // Every idle host (no VM listed, nothing delivered at the last step)
        // presents the same load (utilisation 0, an all-zero history, no
        // migration to wait for), so the detector is asked once for all of
        // them: with 50,000 hosts, most of them idle, this is most of a round.
        let mut idle_overloaded = None;
        for h in dc.hosts() {
            let over = if dc.is_idle(h) {
                *idle_overloaded.get_or_insert_with(|| view.overloaded(detector, dc, h, None))
            } else {
                view.overloaded(detector, dc, h, None)
            };
            debug_assert_eq!(over, view.overloaded(detector, dc, h, None));
            if over {
                overloaded[h.index()] = true;
                overloaded_list.push(h);
            }
        }

        dc.begin_tentative();

        // 2. VMs leaving them.
        to_migrate.clear();
        for &h in overloaded_list.iter() {
            let mut ctx = SelectionContext {
                histories,
                rng: &mut *rng,
            };
            while let Some(v) = selection.select(dc, h, &mut ctx) {
                to_migrate.push(v);
                dc.destroy_vm_on(h, v);
                if !view.overloaded(detector, dc, h, None) {
                    break;
                }
            }
        }

        // 3. Their new hosts: anywhere but an overloaded host.
        placement.order_batch(dc, to_migrate);
        let mut ctx = PlacementContext {
            filter: HostFilter {
                excluded: overloaded,
                exclude_idle: false,
            },
            admission: &mut admission,
        };
        for &v in to_migrate.iter() {
            if let Some(target) = placement.select_host(dc, &mut ctx, v)
                && dc.create_vm(target, v)
            {
                out.push(PlannedMigration {
                    vm: v,
                    target,
                    reason: MigrationReason::Overload,
                });
            }
        }

        // 4. Empty under-utilised hosts, least utilised first, all or nothing.
        if *underload {
            excluded_source.clear();
            excluded_target.clear();
            for h in dc.hosts() {
                // Switched off: nothing delivered at the last step.
                let off = dc.utilization(h) == 0.0;
                let x = overloaded[h.index()] || off;
                excluded_source.push(x);
                excluded_target.push(x);
            }
            if !*empty_overload_targets {
                // Hosts that just took VMs from overloaded hosts keep them.
                for m in out.iter().filter(|m| m.reason == MigrationReason::Overload) {
                    excluded_source[m.target.index()] = true;
                }
            }
            let mut excluded_count = excluded_source.iter().filter(|&&x| x).count();
            underload_order.start_round(dc);
            while excluded_count < n {
                let Some(h) = underload_order.least_utilized(dc, excluded_source) else {
                    break;
                };
                excluded_source[h.index()] = true;
                excluded_target[h.index()] = true;
                excluded_count += 1;
                to_migrate.clear();
                to_migrate.extend(dc.vms_on(h).iter().copied().filter(|&v| !dc.in_migration(v)));
                if to_migrate.is_empty() {
                    continue;
                }
                placement.order_batch(dc, to_migrate);
                let mut ctx = PlacementContext {
                    filter: HostFilter {
                        excluded: excluded_target,
                        exclude_idle: true,
                    },
                    admission: &mut admission,
                };
                placed.clear();
                let mut complete = true;
                for &v in to_migrate.iter() {
                    match placement.select_host(dc, &mut ctx, v) {
                        Some(target) if dc.create_vm(target, v) => placed.push(PlannedMigration {
                            vm: v,
                            target,
                            reason: MigrationReason::Underload,
                        }),
                        _ => {
                            complete = false;
                            break;
                        }
                    }
                }
                if !complete {
                    for m in placed.iter() {
                        dc.destroy_vm_on(m.target, m.vm);
                    }
                    continue;
                }
                for m in placed.iter() {
                    if !excluded_source[m.target.index()] {
                        excluded_source[m.target.index()] = true;
                        excluded_count += 1;
                    }
                }
                out.extend_from_slice(placed);
            }
        }

        dc.rollback();
        PlanStats {
            overloaded_hosts: overloaded_list.len(),
        }
    }
}

/// The hosts step 4 may empty, in the order CloudSim's `getUnderUtilizedHost`
/// picks them.
///
/// CloudSim scans every host for each host it empties, O(hosts²) a round
/// (issue 8). The utilisations it compares are those of the last step, which
/// planning does not change, and exclusions only grow; so sorting the
/// candidates once by (utilisation, id) and walking past excluded ones gives
/// the same hosts in the same order.
#[derive(Debug, Default)]
struct UnderloadOrder {
    /// Hosts with utilisation in (0, 1) by (utilisation, id).
    hosts: Vec<(f64, HostId)>,
    /// Every host before this index is excluded.
    next: usize,
}

impl UnderloadOrder {
    fn start_round(&mut self, dc: &Datacenter) {
        self.hosts.clear();
        // A host with utilisation > 0 is busy.
        for h in dc.busy_hosts() {
            let u = dc.utilization(h);
            if u > 0.0 && u < 1.0 {
                self.hosts.push((u, h));
            }
        }
        self.hosts
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.next = 0;
    }

    /// CloudSim `getUnderUtilizedHost`: the non-excluded host with the lowest
    /// utilisation in (0, 1) (ties: lowest id), skipping hosts whose VMs are
    /// all migrating out or one of which is migrating in. Those are skipped
    /// for now but stay candidates, as a scan would test them again.
    fn least_utilized(&mut self, dc: &Datacenter, excluded: &[bool]) -> Option<HostId> {
        while self.next < self.hosts.len() && excluded[self.hosts[self.next].1.index()] {
            self.next += 1;
        }
        let found = self.hosts[self.next..]
            .iter()
            .map(|&(_, h)| h)
            .find(|&h| !excluded[h.index()] && !all_migrating_out_or_any_migrating_in(dc, h));
        debug_assert_eq!(found, least_utilized_scan(dc, excluded));
        found
    }
}

/// [`UnderloadOrder::least_utilized`] as CloudSim computes it: a scan
/// (checked against it in debug builds).
fn least_utilized_scan(dc: &Datacenter, excluded: &[bool]) -> Option<HostId> {
    let mut min = 1.0;
    let mut best = None;
    for h in dc.busy_hosts() {
        if excluded[h.index()] {
            continue;
        }
        let u = dc.utilization(h);
        if u > 0.0 && u < min && !all_migrating_out_or_any_migrating_in(dc, h) {
            min = u;
            best = Some(h);
        }
    }
    best
}

/// CloudSim `areAllVmsMigratingOutOrAnyVmMigratingIn`, including its reading
/// of the list in order: the first VM not migrating makes it false, a
/// migrating-in VM met before that makes it true, and so does an empty list.
fn all_migrating_out_or_any_migrating_in(dc: &Datacenter, h: HostId) -> bool {
    for &v in dc.vms_on(h) {
        if !dc.in_migration(v) {
            return false;
        }
        if dc.is_incoming(h, v) {
            return true;
        }
    }
    true
}
