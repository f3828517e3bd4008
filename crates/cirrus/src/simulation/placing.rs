//! Placing VMs outside consolidation: every VM present at t = 0, and each
//! VM arriving later, by the run's placement policy, screened by the same
//! admission check (the consolidation's overload detector, as CloudSim's
//! initial placement; else the static threshold; else none).

use super::arrivals::Arrivals;
use super::config::{InitialPlacement, SimError, SimulationConfig};
use crate::consolidation::history::VmHistories;
use crate::consolidation::{Consolidation, DetectorAdmission};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::metrics::PlacementSummary;
use crate::placement::{
    AdmissionCheck, HostFilter, NoAdmissionCheck, PlacementContext, PlacementPolicy, PlacementQuality,
    StaticThreshold, place_all,
};

/// The admission check of placements outside consolidation.
enum Admission<'a> {
    Detector(DetectorAdmission<'a>),
    Threshold(StaticThreshold),
    None(NoAdmissionCheck),
}

impl<'a> Admission<'a> {
    fn of(
        config: &SimulationConfig,
        consolidation: Option<&'a mut Consolidation>,
        histories: &'a VmHistories,
        new_vm_only: bool,
    ) -> Self {
        match (consolidation, config.admission_threshold) {
            (Some(c), _) => {
                Admission::Detector(c.admission(histories, config.scheduling_interval_s, new_vm_only))
            }
            (None, Some(t)) => Admission::Threshold(StaticThreshold(t)),
            (None, None) => Admission::None(NoAdmissionCheck),
        }
    }

    fn check(&mut self) -> &mut dyn AdmissionCheck {
        match self {
            Admission::Detector(d) => d,
            Admission::Threshold(t) => t,
            Admission::None(n) => n,
        }
    }
}

/// Places the VMs present at t = 0, online (one at a time in id order, as
/// CloudSim's broker submits them) or as one batch; counts them placed in
/// `arrivals` and returns the quality of the placement.
///
/// # Errors
/// A VM fits nowhere and the configuration does not allow unplaced VMs.
pub(super) fn place_initial(
    config: &SimulationConfig,
    consolidation: Option<&mut Consolidation>,
    histories: &VmHistories,
    policy: &mut dyn PlacementPolicy,
    dc: &mut Datacenter,
    arrivals: &mut Arrivals,
) -> Result<PlacementQuality, SimError> {
    let mut admission = Admission::of(
        config,
        consolidation,
        histories,
        config.quirks.initial_admission_new_vm_only,
    );
    let mut ctx = PlacementContext {
        filter: HostFilter::ALL,
        admission: admission.check(),
    };
    let mut vms: Vec<VmId> = (0..dc.vm_count() as u32)
        .map(VmId)
        .filter(|&v| arrivals.present_at_start(v))
        .collect();
    let at_start = vms.len();
    let unplaced = match config.initial_placement {
        InitialPlacement::Online => (vms.iter())
            .flat_map(|&v| place_all(policy, dc, &mut ctx, &mut [v]))
            .collect(),
        InitialPlacement::Batch => place_all(policy, dc, &mut ctx, &mut vms),
    };
    if let Some(&v) = unplaced.first()
        && !config.allow_unplaced
    {
        return Err(SimError::Unplaced {
            vm: v.0,
            vm_type: dc.vm_type(v).name.clone(),
        });
    }
    arrivals.placed = at_start - unplaced.len();
    Ok(crate::placement::evaluate(dc))
}

/// The host `policy` picks now for VM `v`, arriving during the run, with
/// initial placement's admission check.
pub(super) fn choose_host(
    config: &SimulationConfig,
    consolidation: Option<&mut Consolidation>,
    histories: &VmHistories,
    policy: &mut dyn PlacementPolicy,
    dc: &Datacenter,
    v: VmId,
) -> Option<HostId> {
    let mut admission = Admission::of(config, consolidation, histories, false);
    let mut ctx = PlacementContext {
        filter: HostFilter::ALL,
        admission: admission.check(),
    };
    policy.select_host(dc, &mut ctx, v)
}

/// The placement part of the summary: the initial placement's quality.
pub(super) fn summary(initial: &PlacementQuality) -> PlacementSummary {
    PlacementSummary {
        placement_hosts: initial.active_hosts,
        placement_racks: initial.active_racks,
        placement_lower_bound_hosts: initial.hosts_lower_bound,
        placement_gap: initial.optimality_gap,
        placement_inter_host_traffic_mbps: initial.inter_host_traffic_mbps,
        placement_inter_rack_traffic_mbps: initial.inter_rack_traffic_mbps,
        placement_total_traffic_mbps: initial.total_traffic_mbps,
        placement_anti_collocation_violations: initial.anti_collocation_violations,
        placement_constraint_violations: initial.capacity_violations,
        placement_trace_overloaded_hosts: initial.trace_overloaded_hosts,
    }
}
