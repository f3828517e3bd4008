//! Energy: each host's power integrated between its processings under the
//! run's accounting and off rule, the power drawn besides the servers (rack
//! switches, cooling) and the energy of migrations.

use super::config::SimulationConfig;
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, HostState};
use crate::metrics::{EnergySummary, JOULES_PER_KWH};
use crate::power::{PowerState, PowerStateSpec};

/// When a host counts as switched off (drawing 0 W) for an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffRule {
    /// CloudSim: a host whose utilisation was 0 at the start of the interval is
    /// off (drawing its type's `off_power_w`, 0 W in CloudSim), even if it hosts idle VMs (`PowerHost.getEnergyLinearInterpolation`
    /// returns 0 when the previous utilisation is 0).
    #[default]
    ZeroUtilization,
    /// A host is off only while it hosts no VM; an idle host with VMs draws its
    /// idle power.
    NoVms,
    /// Hosts are never switched off.
    Never,
}

/// How power is turned into energy over an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Integration {
    /// CloudSim: `(P(u_start) + P(u_end)) / 2 × Δt`.
    #[default]
    Trapezoid,
    /// `P(u_start) × Δt`: exact for this model, where a host's allocation is
    /// constant between steps.
    Step,
}

/// How the datacenter's energy is accounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnergyAccounting {
    /// Power follows utilisation (CloudSim's `PowerDatacenter`).
    #[default]
    PowerAware,
    /// Every host draws its full-load power all the time (CloudSim's
    /// `PowerDatacenterNonPowerAware`, the "NPA" baseline).
    NonPowerAware,
}

/// The energy of one migration, `E = α·V + β` (Liu, Jin, Xu, Liao, HPDC 2011;
/// `docs/MODELS.md` A.1.3): α joules per MB sent, β joules fixed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationEnergy {
    /// Joules per MB sent.
    pub alpha_j_per_mb: f64,
    /// Fixed joules per migration.
    pub beta_j: f64,
}

impl MigrationEnergy {
    /// Liu et al.'s fit: α = 0.512 J/MB, β = 20.165 J.
    pub const LIU: Self = Self {
        alpha_j_per_mb: 0.512,
        beta_j: 20.165,
    };
}

/// Power drawn besides the servers. CloudSim models neither; both are off by
/// default, and the summary keeps server energy (`energy_kwh`) apart from
/// network and cooling energy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InfrastructurePower {
    /// Each rack's top-of-rack switch, if modelled (hosts need a rack).
    pub switch: Option<SwitchPower>,
    /// Cooling.
    pub cooling: Cooling,
}

/// A top-of-rack switch: chassis plus a fixed power per active port, and
/// nothing while no host of its rack is on (CloudSimSDN's simplification of
/// the CARPO model, Wang et al., INFOCOM 2012: 66.7 W + 1 W per active port;
/// `docs/MODELS.md` C.4). A rack's active ports are its hosts that are
/// on, plus one uplink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwitchPower {
    /// Chassis power while the switch is on, W.
    pub chassis_w: f64,
    /// Power per active port, W.
    pub port_w: f64,
}

impl SwitchPower {
    /// CARPO's Pronto 3240 as CloudSimSDN encodes it.
    pub const CARPO: Self = Self {
        chassis_w: 66.7,
        port_w: 1.0,
    };
}

/// How cooling power is accounted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Cooling {
    /// Not modelled.
    #[default]
    None,
    /// Power usage effectiveness: cooling = (PUE − 1) × (server + network) power.
    Pue {
        /// The PUE, ≥ 1.
        pue: f64,
    },
    /// A constant power per rack with at least one host on (e.g. in-row coolers).
    PerActiveRack {
        /// Watts per active rack.
        rack_w: f64,
    },
}

/// One host's energy books: what its last processing left, and its totals.
#[derive(Debug, Clone, Copy, Default)]
struct HostEnergy {
    /// Time of the host's last processing, seconds.
    last_t: f64,
    /// Utilisation at the host's last processing (CloudSim `previousUtilizationMips`).
    prev_utilization: f64,
    /// Power at `prev_utilization` (the host type's model, computed once).
    prev_power_w: f64,
    /// It hosted a VM at its last processing.
    had_vms: bool,
    /// It was sending or receiving a migration at its last processing (kept
    /// only when [`EnergyMeter::keep_migrating_hosts_on`] asked for it).
    migrating: bool,
    /// Energy drawn, J.
    energy_j: f64,
    /// ∫ utilisation dt, seconds.
    utilization_s: f64,
    /// Energy by [`StateGroup`], J.
    group_j: [f64; StateGroup::COUNT],
}

/// The groups of power states a host's energy is reported in (`hosts.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StateGroup {
    /// On.
    On = 0,
    /// Off (or counted off by the off rule, or failed).
    Off = 1,
    /// Asleep.
    Sleep = 2,
    /// Booting, shutting down, suspending or resuming.
    Transition = 3,
}

impl StateGroup {
    const COUNT: usize = 4;

    fn of(state: PowerState) -> Self {
        match state {
            PowerState::On => StateGroup::On,
            PowerState::Off => StateGroup::Off,
            PowerState::Sleep => StateGroup::Sleep,
            _ => StateGroup::Transition,
        }
    }
}

/// The energy meter of a run: integrates each host's power from one
/// processing to the next (CloudSim's `PowerHost.getEnergyLinearInterpolation`
/// by default), and adds switches, cooling and migrations.
#[derive(Debug)]
pub(super) struct EnergyMeter {
    accounting: EnergyAccounting,
    off_rule: OffRule,
    integration: Integration,
    infrastructure: InfrastructurePower,
    migration: Option<MigrationEnergy>,
    /// A host sending or receiving a migration is on, whatever the off rule.
    migrating_hosts_on: bool,
    hosts: Vec<HostEnergy>,
    /// Rack of each host, if racks are modelled.
    rack_of: Vec<Option<u32>>,
    /// Per rack: hosts on at the start of the interval being accounted.
    rack_hosts_on: Vec<u32>,
    energy_j: f64,
    network_energy_j: f64,
    cooling_energy_j: f64,
    migration_energy_j: f64,
    /// Server energy since the last regular step, J.
    interval_energy_j: f64,
    /// Power states are managed: a host's power state decides its power
    /// (the off rule no longer applies).
    managed: bool,
    /// Server energy by power state ([`PowerState::ALL`] order), J.
    state_j: [f64; 7],
}

impl EnergyMeter {
    /// A meter at zero for the hosts of `spec`, each starting idle (at its
    /// type's idle power, as CloudSim's hosts start at utilisation 0).
    pub(super) fn new(config: &SimulationConfig, spec: &DatacenterSpec) -> Self {
        let rack_of: Vec<Option<u32>> = spec.hosts.iter().map(|h| h.rack).collect();
        let n_racks = rack_of.iter().flatten().max().map_or(0, |&r| r as usize + 1);
        Self {
            accounting: config.energy,
            off_rule: config.off_rule,
            integration: config.integration,
            infrastructure: config.infrastructure,
            migration: config.migration_energy,
            migrating_hosts_on: false,
            hosts: spec
                .hosts
                .iter()
                .map(|h| HostEnergy {
                    prev_power_w: spec.host_types[h.host_type].power.power_watts(0.0),
                    ..HostEnergy::default()
                })
                .collect(),
            rack_hosts_on: vec![0; n_racks],
            rack_of,
            energy_j: 0.0,
            network_energy_j: 0.0,
            cooling_energy_j: 0.0,
            migration_energy_j: 0.0,
            interval_energy_j: 0.0,
            managed: false,
            state_j: [0.0; 7],
        }
    }

    /// From now on each host draws the power of its power state
    /// ([`Datacenter::power_state`]), and while on its power model's power
    /// (its idle power at no load), whatever the off rule.
    pub(super) fn manage_power_states(&mut self) {
        self.managed = true;
    }

    /// The power state a host's last interval is booked under: its power
    /// state when managed; otherwise off if failed or counted off by the off
    /// rule, else on.
    #[inline(always)]
    fn booked_state(&self, dc: &Datacenter, h: HostId, from: &HostEnergy) -> PowerState {
        if dc.host_state(h) == HostState::Down {
            PowerState::Off
        } else if self.managed {
            dc.power_state(h)
        } else if from.migrating || self.host_on(from.prev_utilization, from.had_vms) {
            PowerState::On
        } else {
            PowerState::Off
        }
    }

    /// Host `h` counts as on now (as its next interval will be booked).
    pub(super) fn counts_on(&self, dc: &Datacenter, h: HostId) -> bool {
        self.booked_state(dc, h, &self.hosts[h.index()]) == PowerState::On
    }

    /// From now on, a host sending or receiving a migration is on (at least
    /// its idle power, and active in the step records) whatever the off rule:
    /// a machine sending or receiving memory is powered. For runs whose
    /// migrations are processes. CloudSim's fixed-delay runs leave it off:
    /// CloudSim charges the destination 10 % of the VM and switches off any
    /// host at utilisation 0, and its runs are reproduced to the digit.
    pub(super) fn keep_migrating_hosts_on(&mut self, on: bool) {
        self.migrating_hosts_on = on;
    }

    /// Host `h` was sending or receiving a migration at its last processing
    /// (always `false` unless [`keep_migrating_hosts_on`](Self::keep_migrating_hosts_on)).
    #[inline]
    pub(super) fn in_migration(&self, h: HostId) -> bool {
        self.hosts[h.index()].migrating
    }

    /// Whether processing must count the hosts on per rack (switches, or
    /// cooling per active rack).
    pub(super) fn counts_racks(&self) -> bool {
        self.infrastructure.switch.is_some()
            || matches!(self.infrastructure.cooling, Cooling::PerActiveRack { .. })
    }

    /// Starts counting the hosts on per rack, for an interval of the whole datacenter.
    pub(super) fn reset_racks(&mut self) {
        self.rack_hosts_on.fill(0);
    }

    /// Host `h` is processed at `t`: the seconds since its last processing.
    #[inline]
    pub(super) fn elapsed_s(&mut self, h: HostId, t: f64) -> f64 {
        let l = &mut self.hosts[h.index()];
        let dt = t - l.last_t;
        l.last_t = t;
        dt
    }

    /// Host `h` delivered nothing and hosted no VM at its last processing.
    #[inline]
    pub(super) fn was_idle(&self, h: HostId) -> bool {
        let l = &self.hosts[h.index()];
        l.prev_utilization == 0.0 && !l.had_vms
    }

    /// Seconds from host `h`'s last processing to `t` (what
    /// [`elapsed_s`](Self::elapsed_s) will return), changing nothing.
    #[inline]
    pub(super) fn since_last_s(&self, h: HostId, t: f64) -> f64 {
        t - self.hosts[h.index()].last_t
    }

    /// Power host `h` drew at its last processing, watts: an idle host's
    /// power until it is processed again.
    #[inline]
    pub(super) fn last_power_w(&self, h: HostId) -> f64 {
        self.hosts[h.index()].prev_power_w
    }

    /// The energy host `h` drew over the `dt` > 0 seconds since its last
    /// processing, ending at power `p_now` (its last power if it stayed
    /// idle, its new power if it stepped), J, changing nothing: the hosts of
    /// a step are measured at once, then booked in host order.
    #[inline]
    pub(super) fn pending_j(&self, dc: &Datacenter, h: HostId, p_now: f64, dt: f64) -> f64 {
        self.interval_energy_j(dc, h, &self.hosts[h.index()], p_now, dt)
    }

    /// Books energy `e` ([`pending_j`](Self::pending_j)) for host `h` over
    /// `dt` > 0 seconds since its last processing, and counts it on in its
    /// rack if it was; returns `e`.
    #[inline]
    pub(super) fn book(&mut self, dc: &Datacenter, h: HostId, e: f64, dt: f64, count_racks: bool) -> f64 {
        let state = self.booked_state(dc, h, &self.hosts[h.index()]);
        self.add(h, e);
        self.state_j[state.index()] += e;
        let l = &mut self.hosts[h.index()];
        l.utilization_s += l.prev_utilization * dt;
        l.group_j[StateGroup::of(state) as usize] += e;
        let powered = !matches!(state, PowerState::Off | PowerState::Sleep);
        if count_racks && dc.host_state(h) != HostState::Down && powered {
            self.count_on(h);
        }
        e
    }

    /// Remembers what host `h`'s processing left: the start of its next interval.
    #[inline]
    pub(super) fn processed(&mut self, dc: &Datacenter, h: HostId) {
        let l = &mut self.hosts[h.index()];
        l.prev_utilization = dc.utilization(h);
        l.prev_power_w = dc.power_watts(h);
        l.had_vms = !dc.vms_on(h).is_empty();
        // A VM listed here in migration is leaving or arriving.
        l.migrating = self.migrating_hosts_on
            && dc.vms_in_migration() > 0
            && (dc.vms_on(h).iter()).any(|&v| dc.in_migration(v) && !dc.migration_booked(v));
    }

    #[inline]
    fn add(&mut self, h: HostId, e: f64) {
        self.hosts[h.index()].energy_j += e;
        self.energy_j += e;
        self.interval_energy_j += e;
    }

    /// Was a host with this state at the start of an interval drawing more
    /// than its off power (the off rule of [`interval_energy_j`](Self::interval_energy_j))?
    #[inline]
    fn host_on(&self, u_prev: f64, had_vms: bool) -> bool {
        if self.accounting == EnergyAccounting::NonPowerAware {
            return true;
        }
        match self.off_rule {
            OffRule::ZeroUtilization => u_prev != 0.0,
            OffRule::NoVms => had_vms,
            OffRule::Never => true,
        }
    }

    #[inline]
    fn count_on(&mut self, h: HostId) {
        if let Some(r) = self.rack_of[h.index()] {
            self.rack_hosts_on[r as usize] += 1;
        }
    }

    /// Energy of host `h` over `dt` seconds from the state its last
    /// processing left (`from`) to power `p_now`, under the run's accounting
    /// and off rule.
    #[inline]
    fn interval_energy_j(&self, dc: &Datacenter, h: HostId, from: &HostEnergy, p_now: f64, dt: f64) -> f64 {
        let (u_prev, p_prev, had_vms) = (from.prev_utilization, from.prev_power_w, from.had_vms);
        let host_type = dc.host_type(h);
        if dc.host_state(h) == HostState::Down {
            // Failed: unpowered until repaired.
            return 0.0;
        }
        if self.accounting == EnergyAccounting::NonPowerAware {
            return host_type.power.max_power_watts() * dt;
        }
        if self.managed {
            let state = dc.power_state(h);
            if state != PowerState::On {
                let spec = host_type.power_states.unwrap_or(PowerStateSpec::INSTANT);
                return spec.power_w(state, host_type.off_power_w) * dt;
            }
        }
        let off = !from.migrating
            && !self.managed
            && match self.off_rule {
                OffRule::ZeroUtilization => u_prev == 0.0,
                OffRule::NoVms => !had_vms,
                OffRule::Never => false,
            };
        if off {
            return host_type.off_power_w * dt;
        }
        let (p_prev, p_now) = if from.migrating || self.managed {
            // On throughout: its state holds until its next processing, and a
            // host at no load draws its idle power even where the model's
            // power at u = 0 reads "off".
            let idle_w = host_type.power.idle_power_watts();
            (
                if u_prev == 0.0 { idle_w } else { p_prev },
                if p_now == 0.0 { idle_w } else { p_now },
            )
        } else {
            (p_prev, p_now)
        };
        match self.integration {
            // CloudSim PowerHost.getEnergyLinearInterpolation's operation order.
            Integration::Trapezoid => (p_prev + (p_now - p_prev) / 2.0) * dt,
            Integration::Step => p_prev * dt,
        }
    }

    /// Switch and cooling energy of an interval of `dt` seconds in which the
    /// servers drew `server_j`, from the hosts counted on at its start.
    pub(super) fn charge_infrastructure(&mut self, server_j: f64, dt: f64) {
        let infra = self.infrastructure;
        let mut network_j = 0.0;
        let mut racks_on = 0u32;
        for &on in &self.rack_hosts_on {
            if on > 0 {
                racks_on += 1;
                if let Some(sw) = infra.switch {
                    // Active ports: the hosts that are on, plus the uplink.
                    network_j += (sw.chassis_w + sw.port_w * f64::from(on + 1)) * dt;
                }
            }
        }
        let cooling_j = match infra.cooling {
            Cooling::None => 0.0,
            Cooling::Pue { pue } => (pue - 1.0) * (server_j + network_j),
            Cooling::PerActiveRack { rack_w } => rack_w * f64::from(racks_on) * dt,
        };
        self.network_energy_j += network_j;
        self.cooling_energy_j += cooling_j;
    }

    /// Charges a migration that sent `data_mb` over the network, if migration
    /// energy is modelled.
    pub(super) fn charge_migration(&mut self, data_mb: f64) {
        if let Some(e) = self.migration {
            self.migration_energy_j += e.alpha_j_per_mb * data_mb + e.beta_j;
        }
    }

    /// Server energy drawn so far, J.
    pub(super) fn energy_j(&self) -> f64 {
        self.energy_j
    }

    /// Server energy since the last call (since the last regular step), J.
    pub(super) fn take_interval_energy_j(&mut self) -> f64 {
        std::mem::take(&mut self.interval_energy_j)
    }

    /// Host `h`'s energy, kWh.
    pub(super) fn host_energy_kwh(&self, h: HostId) -> f64 {
        self.hosts[h.index()].energy_j / JOULES_PER_KWH
    }

    /// Host `h`'s energy on, off, asleep and in transitions, kWh.
    pub(super) fn host_group_kwh(&self, h: HostId) -> [f64; 4] {
        self.hosts[h.index()].group_j.map(|j| j / JOULES_PER_KWH)
    }

    /// Server energy by power state, in [`PowerState::ALL`] order, kWh.
    pub(super) fn state_kwh(&self) -> [f64; 7] {
        self.state_j.map(|j| j / JOULES_PER_KWH)
    }

    /// Host `h`'s ∫ utilisation dt, seconds.
    pub(super) fn host_utilization_s(&self, h: HostId) -> f64 {
        self.hosts[h.index()].utilization_s
    }

    /// The energy part of the summary.
    pub(super) fn summary(&self) -> EnergySummary {
        EnergySummary {
            energy_kwh: self.energy_j / JOULES_PER_KWH,
            network_energy_kwh: self.network_energy_j / JOULES_PER_KWH,
            cooling_energy_kwh: self.cooling_energy_j / JOULES_PER_KWH,
            migration_energy_kwh: self.migration_energy_j / JOULES_PER_KWH,
            total_energy_kwh: (self.energy_j
                + self.network_energy_j
                + self.cooling_energy_j
                + self.migration_energy_j)
                / JOULES_PER_KWH,
        }
    }
}
