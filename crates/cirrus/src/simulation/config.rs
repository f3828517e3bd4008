//! What a run is configured with, besides the datacenter: the step grid,
//! energy accounting, placement, CloudSim's quirks — and why a run can fail.

use super::energy::{Cooling, EnergyAccounting, InfrastructurePower, Integration, MigrationEnergy, OffRule};
use super::power_states::PowerManagement;
use crate::datacenter::SpecError;
use crate::placement::{PabfdMode, PlacementSettings};

/// How VMs are presented to the placement policy at t = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialPlacement {
    /// One at a time in id order, as CloudSim's broker submits them.
    #[default]
    Online,
    /// All at once, in the policy's batch order (e.g. FFD sorts).
    Batch,
}

/// Everything about a run that is not the datacenter itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationConfig {
    /// Scenario name, carried into the results.
    pub name: String,
    /// Seed of every RNG stream.
    pub seed: u64,
    /// Simulated time, seconds.
    pub duration_s: f64,
    /// Seconds between datacenter steps.
    pub scheduling_interval_s: f64,
    /// Delay of the first interval's start: steps happen at
    /// `offset + k × interval`. CloudSim submits cloudlets 0.1 s in
    /// (`CloudSim.minTimeBetweenEvents`), so its steps are at 300.1, 600.1, …
    pub step_offset_s: f64,
    /// Take a step at t = 0, right after initial placement, so the first
    /// interval is charged at the utilisation the VMs actually have. CloudSim
    /// does not: its hosts start at utilisation 0, so with its off rule the
    /// first interval costs nothing.
    pub step_at_start: bool,
    /// Add a final step at `duration_s` if the last regular step is earlier.
    /// CloudSim does not (its energy stops at 86 100.1 s of a 86 400 s day).
    pub step_at_end: bool,
    /// Power-aware or not.
    pub energy: EnergyAccounting,
    /// When a host is off.
    pub off_rule: OffRule,
    /// Trapezoid or step integration.
    pub integration: Integration,
    /// Online or batch initial placement.
    pub initial_placement: InitialPlacement,
    /// Static-threshold admission for initial placement (CloudSim's
    /// `isHostOverUtilizedAfterAllocation` with THR); `None` admits any host
    /// with room.
    pub admission_threshold: Option<f64>,
    /// Whether a VM that fits nowhere is an error (`false`) or is left out of
    /// the run, as CloudSim does (`true`).
    pub allow_unplaced: bool,
    /// Treat a VM whose demand is exactly zero at a step as finished and
    /// remove it for good. CloudSim does this (`HostDynamicWorkload.getCompletedVms`,
    /// called by `PowerDatacenter` after every step): on PlanetLab traces, where
    /// 15 % of samples are 0, it retires a large share of the VMs during the day,
    /// which is why CloudSim's "Dvfs" day costs 765 kWh rather than ~930.
    pub finish_idle_vms: bool,
    /// CloudSim behaviours kept for compatibility; see [`CloudSimQuirks`].
    pub quirks: CloudSimQuirks,
    /// Power drawn besides the servers: rack switches and cooling.
    pub infrastructure: InfrastructurePower,
    /// Energy of each migration, if modelled.
    pub migration_energy: Option<MigrationEnergy>,
    /// The availability each VM is promised, a fraction (0.9995 = 99.95 %):
    /// VMs below it count as availability-SLA violations.
    pub availability_target: f64,
    /// Host power states managed (`docs/MODELS.md` C.5): when hosts go down
    /// and come up. `None`, and no host type with power states: hosts switch
    /// instantly under the off rule, as in CloudSim.
    pub power_management: Option<PowerManagement>,
}

/// The availability target of [`SimulationConfig::default`]: 99.95 %, the
/// monthly uptime public clouds commit to for VMs spread over fault domains
/// (e.g. the Azure and EC2 SLAs).
pub const DEFAULT_AVAILABILITY_TARGET: f64 = 0.9995;

/// Behaviours of CloudSim 3.0/4.0 that its published PlanetLab numbers depend
/// on but that a model of a real datacenter would not have. The
/// CloudSim-compatible scenarios switch them all on; each is off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloudSimQuirks {
    /// VMs hold RAM and bandwidth only from initial placement until the
    /// first consolidation round. CloudSim's PlanetLab cloudlets use
    /// `UtilizationModelNull` for RAM and bandwidth, so once a VM is
    /// instantiated `Vm.getCurrentRequestedRam()` is 0, and
    /// `restoreAllocation` re-creates every VM with that: memory never
    /// constrains consolidation, and hosts take as many VMs as their CPU
    /// allows.
    pub memory_only_at_creation: bool,
    /// During initial placement, the overload test of a candidate host sees
    /// only the VM being placed: CloudSim's VMs already created there request
    /// nothing until their cloudlets are submitted 0.1 s later.
    pub initial_admission_new_vm_only: bool,
    /// A consolidation round may empty hosts that just received VMs from
    /// overloaded hosts in the same round, so a VM can migrate twice in one
    /// round. CloudSim's `getMigrationMapFromUnderUtilizedHosts` means to
    /// exclude them but is handed an empty migration map; Beloglazov &
    /// Buyya's algorithm considers only hosts not chosen as destinations.
    pub empty_overload_targets: bool,
    /// PABFD's power increase takes as its reference the power measured at
    /// the host's last step (CloudSim's `PowerHost.getPower()`), while its
    /// base utilisation includes this round's placements: an emptied or
    /// just-filled host is charged from a power it no longer draws. The paper
    /// compares `P(u + d/C)` with `P(u)` at the same, current utilisation.
    /// Needs [`pabfd_float_ties`](Self::pabfd_float_ties).
    pub pabfd_last_step_power: bool,
    /// PABFD computes the increase as CloudSim does, `P(after) − reference`
    /// with the power table's own interpolation, and compares hosts in id
    /// order with strict `<`: among mathematically equal increases the last
    /// floating-point bits decide, so every busy host is visited. Off, the
    /// paper's rule: equal increases are equal doubles, ties to the lowest
    /// id, found through an index ([`PabfdMode`]).
    pub pabfd_float_ties: bool,
}

impl CloudSimQuirks {
    /// All quirks on.
    pub const ALL: Self = Self {
        memory_only_at_creation: true,
        initial_admission_new_vm_only: true,
        empty_overload_targets: true,
        pabfd_last_step_power: true,
        pabfd_float_ties: true,
    };

    /// The placement settings these quirks ask for.
    ///
    /// # Errors
    /// `pabfd_last_step_power` without `pabfd_float_ties` (see
    /// [`PabfdMode::from_quirks`]).
    pub fn placement_settings(&self) -> Result<PlacementSettings, SimError> {
        let pabfd =
            PabfdMode::from_quirks(self.pabfd_last_step_power, self.pabfd_float_ties).map_err(|why| {
                SimError::Config {
                    field: "cloudsim_quirks.pabfd_last_step_power",
                    message: why.into(),
                }
            })?;
        Ok(PlacementSettings {
            pabfd,
            wake_horizon_s: None,
        })
    }
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            name: "unnamed".into(),
            seed: 0,
            duration_s: 86_400.0,
            scheduling_interval_s: 300.0,
            step_offset_s: 0.0,
            step_at_start: true,
            step_at_end: true,
            energy: EnergyAccounting::PowerAware,
            off_rule: OffRule::ZeroUtilization,
            integration: Integration::Trapezoid,
            initial_placement: InitialPlacement::Online,
            admission_threshold: None,
            allow_unplaced: false,
            finish_idle_vms: false,
            quirks: CloudSimQuirks::default(),
            infrastructure: InfrastructurePower::default(),
            migration_energy: None,
            availability_target: DEFAULT_AVAILABILITY_TARGET,
            power_management: None,
        }
    }
}

/// Why a run could not start or finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The datacenter description is inconsistent.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A VM fit on no host and `allow_unplaced` is false.
    #[error("VM {vm} (type \"{vm_type}\") could not be placed on any host")]
    Unplaced {
        /// VM id.
        vm: u32,
        /// Its type's name.
        vm_type: String,
    },
    /// A configuration value is unusable.
    #[error("{field}: {message}")]
    Config {
        /// The configuration field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl SimulationConfig {
    /// Checks every value a run depends on; the error names the field.
    pub(super) fn validate(&self) -> Result<(), SimError> {
        let positive = |field, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(SimError::Config {
                    field,
                    message: format!("must be a positive number, found {x}"),
                })
            }
        };
        self.quirks.placement_settings()?;
        positive("duration_s", self.duration_s)?;
        positive("scheduling_interval_s", self.scheduling_interval_s)?;
        if !(self.step_offset_s.is_finite() && self.step_offset_s >= 0.0) {
            return Err(SimError::Config {
                field: "step_offset_s",
                message: format!("must be a non-negative number, found {}", self.step_offset_s),
            });
        }
        if !(self.availability_target.is_finite() && (0.0..=1.0).contains(&self.availability_target)) {
            return Err(SimError::Config {
                field: "availability_target",
                message: format!("must be a fraction in [0, 1], found {}", self.availability_target),
            });
        }
        if let Some(sw) = self.infrastructure.switch
            && !(sw.chassis_w.is_finite() && sw.chassis_w >= 0.0 && sw.port_w.is_finite() && sw.port_w >= 0.0)
        {
            return Err(SimError::Config {
                field: "switch",
                message: format!("powers must be finite and >= 0, found {sw:?}"),
            });
        }
        if let Some(pm) = &self.power_management
            && let Err((field, message)) = pm.check()
        {
            return Err(SimError::Config { field, message });
        }
        match self.infrastructure.cooling {
            Cooling::Pue { pue: p } if !(p.is_finite() && p >= 1.0) => Err(SimError::Config {
                field: "cooling.pue",
                message: format!("must be a number >= 1, found {p}"),
            }),
            Cooling::PerActiveRack { rack_w: w } if !(w.is_finite() && w >= 0.0) => Err(SimError::Config {
                field: "cooling.rack_w",
                message: format!("must be a number >= 0, found {w}"),
            }),
            _ => Ok(()),
        }
    }
}
