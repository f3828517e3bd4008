//! A run: initial placement, then a datacenter step every scheduling interval,
//! driven by the discrete-event engine.
//!
//! Each step does what CloudSim's `PowerDatacenter.updateCloudletProcessing`
//! does: every host re-shares its CPU among its VMs' trace-driven requests,
//! then the energy of the interval since the previous step is added.

use cirrus_engine::{Engine, Handler, RngStreams, Scheduler, SimTime};

use crate::datacenter::time_shared::MigrationRole;
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, SpecError, VmId};
use crate::metrics::{
    HostRecord, IntervalRecord, JOULES_PER_KWH, RunResult, Summary, VmRecord, mean_and_sample_std,
};
use crate::placement::{
    AdmissionCheck, NoAdmissionCheck, PlacementContext, PlacementPolicy, StaticThreshold, place_all,
};

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

/// Events of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A datacenter step: update VM demand, share CPUs, account energy.
    Step,
}

/// Per-host accumulators, in flat vectors.
#[derive(Debug, Clone, Default)]
struct HostAccumulators {
    energy_j: Vec<f64>,
    active_s: Vec<f64>,
    utilization_s: Vec<f64>,
    violation_s: Vec<f64>,
    shutdowns: Vec<u64>,
    /// Was the host active at the previous step (CloudSim assumes active at t = 0).
    prev_active: Vec<bool>,
    /// Did it deliver less than requested at the previous step.
    prev_violating: Vec<bool>,
    prev_utilization: Vec<f64>,
    had_vms: Vec<bool>,
    last_switched_on_s: Vec<f64>,
}

/// A simulation run, ready to go.
#[derive(Debug)]
pub struct Simulation {
    dc: Datacenter,
    config: SimulationConfig,
    placement: Box<dyn PlacementPolicy>,
    streams: RngStreams,
    last_step_s: f64,
    steps: u64,
    vm_steps: u64,
    energy_j: f64,
    host_acc: HostAccumulators,
    vm_prev_requested: Vec<f64>,
    vm_prev_allocated: Vec<f64>,
    vm_has_prev: Vec<bool>,
    vm_requested_mips_s: Vec<f64>,
    vm_allocated_mips_s: Vec<f64>,
    under_served_fractions_sum: f64,
    under_served_count: u64,
    shutdown_durations_s: Vec<f64>,
    intervals: Vec<IntervalRecord>,
    vms_placed: usize,
    vm_finished_at_s: Vec<Option<f64>>,
    scratch_vms: Vec<VmId>,
}

impl Simulation {
    /// Validates `spec` and `config` and prepares a run.
    pub fn new(
        spec: DatacenterSpec,
        config: SimulationConfig,
        placement: Box<dyn PlacementPolicy>,
    ) -> Result<Self, SimError> {
        spec.validate()?;
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
        positive("duration_s", config.duration_s)?;
        positive("scheduling_interval_s", config.scheduling_interval_s)?;
        if !(config.step_offset_s.is_finite() && config.step_offset_s >= 0.0) {
            return Err(SimError::Config {
                field: "step_offset_s",
                message: format!("must be a non-negative number, found {}", config.step_offset_s),
            });
        }
        let n_hosts = spec.hosts.len();
        let n_vms = spec.vms.len();
        let streams = RngStreams::new(config.seed);
        let steps_expected = (config.duration_s / config.scheduling_interval_s).ceil() as usize + 1;
        Ok(Self {
            dc: Datacenter::new(spec),
            placement,
            streams,
            last_step_s: 0.0,
            steps: 0,
            vm_steps: 0,
            energy_j: 0.0,
            host_acc: HostAccumulators {
                energy_j: vec![0.0; n_hosts],
                active_s: vec![0.0; n_hosts],
                utilization_s: vec![0.0; n_hosts],
                violation_s: vec![0.0; n_hosts],
                shutdowns: vec![0; n_hosts],
                prev_active: vec![true; n_hosts],
                prev_violating: vec![false; n_hosts],
                prev_utilization: vec![0.0; n_hosts],
                had_vms: vec![false; n_hosts],
                last_switched_on_s: vec![0.0; n_hosts],
            },
            vm_prev_requested: vec![0.0; n_vms],
            vm_prev_allocated: vec![0.0; n_vms],
            vm_has_prev: vec![false; n_vms],
            vm_requested_mips_s: vec![0.0; n_vms],
            vm_allocated_mips_s: vec![0.0; n_vms],
            under_served_fractions_sum: 0.0,
            under_served_count: 0,
            shutdown_durations_s: Vec::new(),
            intervals: Vec::with_capacity(steps_expected.min(1 << 20)),
            vms_placed: 0,
            vm_finished_at_s: vec![None; n_vms],
            scratch_vms: Vec::new(),
            config,
        })
    }

    /// The RNG streams of this run (for policies that need randomness).
    pub fn streams(&self) -> &RngStreams {
        &self.streams
    }

    /// The datacenter state.
    pub fn datacenter(&self) -> &Datacenter {
        &self.dc
    }

    /// Places the VMs, runs to `duration_s` and returns the measurements.
    pub fn run(mut self) -> Result<RunResult, SimError> {
        self.place_initial()?;
        let mut engine: Engine<Event> = Engine::new();
        let first = self.config.step_offset_s + self.config.scheduling_interval_s;
        let duration = SimTime::from_secs(self.config.duration_s);
        if first <= self.config.duration_s {
            engine
                .scheduler()
                .schedule_at(SimTime::from_secs(first), Event::Step)
                .expect("the first step lies in the future");
        } else if self.config.step_at_end {
            engine
                .scheduler()
                .schedule_at(duration, Event::Step)
                .expect("duration is positive");
        }
        if self.config.step_at_start {
            engine
                .scheduler()
                .schedule_at(SimTime::ZERO, Event::Step)
                .expect("t = 0 is not in the past");
        }
        let stats = engine.run(&mut self, duration);
        Ok(self.finish(stats.events))
    }

    fn place_initial(&mut self) -> Result<(), SimError> {
        let threshold = self.config.admission_threshold.map(StaticThreshold);
        let admission: &dyn AdmissionCheck = match &threshold {
            Some(t) => t,
            None => &NoAdmissionCheck,
        };
        let ctx = PlacementContext {
            excluded: &[],
            admission,
        };
        let mut unplaced = Vec::new();
        match self.config.initial_placement {
            InitialPlacement::Online => {
                for i in 0..self.dc.vm_count() as u32 {
                    unplaced.extend(place_all(
                        self.placement.as_mut(),
                        &mut self.dc,
                        &ctx,
                        &mut [VmId(i)],
                    ));
                }
            }
            InitialPlacement::Batch => {
                let mut vms: Vec<VmId> = (0..self.dc.vm_count() as u32).map(VmId).collect();
                unplaced = place_all(self.placement.as_mut(), &mut self.dc, &ctx, &mut vms);
            }
        }
        if let Some(&v) = unplaced.first()
            && !self.config.allow_unplaced
        {
            return Err(SimError::Unplaced {
                vm: v.0,
                vm_type: self.dc.vm_type(v).name.clone(),
            });
        }
        self.vms_placed = self.dc.vm_count() - unplaced.len();
        Ok(())
    }

    /// One datacenter step at `t`.
    fn step(&mut self, t: f64) {
        let dt = t - self.last_step_s;
        let mut interval_energy_j = 0.0;
        let mut active_hosts = 0;
        let mut requested_total = 0.0;
        let mut allocated_total = 0.0;
        for h in self.dc.hosts() {
            let hi = h.index();
            let (util_mips, requested) = self.dc.step_host(h, t);
            let u_prev = self.host_acc.prev_utilization[hi];
            let u_now = self.dc.utilization(h);
            let has_vms = !self.dc.vms_on(h).is_empty();
            // Energy of the interval that ends now.
            let e = if dt > 0.0 {
                self.interval_energy_j(h, u_prev, u_now, self.host_acc.had_vms[hi], dt)
            } else {
                0.0
            };
            interval_energy_j += e;
            self.host_acc.energy_j[hi] += e;
            self.host_acc.utilization_s[hi] += u_prev * dt;
            // CloudSim's host state history: SLA time counts the previous entry's state.
            if self.steps > 0 && self.host_acc.prev_active[hi] {
                self.host_acc.active_s[hi] += dt;
                if self.host_acc.prev_violating[hi] {
                    self.host_acc.violation_s[hi] += dt;
                }
            }
            let active = util_mips > 0.0;
            if self.host_acc.prev_active[hi] && !active {
                self.host_acc.shutdowns[hi] += 1;
                self.shutdown_durations_s
                    .push(t - self.host_acc.last_switched_on_s[hi]);
            }
            if !self.host_acc.prev_active[hi] && active {
                self.host_acc.last_switched_on_s[hi] = t;
            }
            self.host_acc.prev_active[hi] = active;
            self.host_acc.prev_violating[hi] = util_mips < requested;
            self.host_acc.prev_utilization[hi] = u_now;
            self.host_acc.had_vms[hi] = has_vms;
            if active {
                active_hosts += 1;
            }
            requested_total += requested;
            self.vm_steps += self.dc.vms_on(h).len() as u64;
            allocated_total += util_mips;
            for &v in self.dc.vms_on(h) {
                let vi = v.index();
                let req = self.dc.vm_requested_mips(v);
                let alloc = self.dc.vm_allocated_mips(v);
                if self.vm_has_prev[vi] {
                    let (pr, pa) = (self.vm_prev_requested[vi], self.vm_prev_allocated[vi]);
                    self.vm_requested_mips_s[vi] += pr * dt;
                    self.vm_allocated_mips_s[vi] += pa * dt;
                    if pa < pr {
                        self.under_served_fractions_sum += (pr - pa) / pr;
                        self.under_served_count += 1;
                    }
                }
                self.vm_prev_requested[vi] = req;
                self.vm_prev_allocated[vi] = alloc;
                self.vm_has_prev[vi] = true;
            }
        }
        self.energy_j += interval_energy_j;
        if self.config.finish_idle_vms {
            self.finish_idle_vms(t);
        }
        self.intervals.push(IntervalRecord {
            time_s: t,
            active_hosts,
            power_w: if dt > 0.0 { interval_energy_j / dt } else { 0.0 },
            energy_kwh: self.energy_j / JOULES_PER_KWH,
            requested_mips: requested_total,
            allocated_mips: allocated_total,
        });
        self.steps += 1;
        self.last_step_s = t;
    }

    /// Removes the VMs that requested nothing at this step (see
    /// [`SimulationConfig::finish_idle_vms`]).
    fn finish_idle_vms(&mut self, t: f64) {
        self.scratch_vms.clear();
        for h in self.dc.hosts() {
            for &v in self.dc.vms_on(h) {
                if self.dc.vm_requested_mips(v) == 0.0 && self.dc.vm_role(v) == MigrationRole::None {
                    self.scratch_vms.push(v);
                }
            }
        }
        for i in 0..self.scratch_vms.len() {
            let v = self.scratch_vms[i];
            self.dc.destroy_vm(v);
            self.vm_finished_at_s[v.index()] = Some(t);
        }
    }

    fn interval_energy_j(&self, h: HostId, u_prev: f64, u_now: f64, had_vms: bool, dt: f64) -> f64 {
        let host_type = self.dc.host_type(h);
        let power = &host_type.power;
        if self.config.energy == EnergyAccounting::NonPowerAware {
            return power.max_power_watts() * dt;
        }
        let off = match self.config.off_rule {
            OffRule::ZeroUtilization => u_prev == 0.0,
            OffRule::NoVms => !had_vms,
            OffRule::Never => false,
        };
        if off {
            return host_type.off_power_w * dt;
        }
        match self.config.integration {
            Integration::Trapezoid => {
                let p_from = power.power_watts(u_prev);
                let p_to = power.power_watts(u_now);
                // CloudSim PowerHost.getEnergyLinearInterpolation's operation order.
                (p_from + (p_to - p_from) / 2.0) * dt
            }
            Integration::Step => power.power_watts(u_prev) * dt,
        }
    }

    fn finish(self, events: u64) -> RunResult {
        let n_steps = self.intervals.len();
        let (active_mean, active_min, active_max) = if n_steps == 0 {
            (0.0, 0, 0)
        } else {
            let sum: usize = self.intervals.iter().map(|r| r.active_hosts).sum();
            (
                sum as f64 / n_steps as f64,
                self.intervals.iter().map(|r| r.active_hosts).min().unwrap_or(0),
                self.intervals.iter().map(|r| r.active_hosts).max().unwrap_or(0),
            )
        };
        let (shutdown_mean, shutdown_std) = mean_and_sample_std(&self.shutdown_durations_s);
        let active_total: f64 = self.host_acc.active_s.iter().sum();
        let violation_total: f64 = self.host_acc.violation_s.iter().sum();
        let requested: f64 = self.vm_requested_mips_s.iter().sum();
        let allocated: f64 = self.vm_allocated_mips_s.iter().sum();
        let ratio = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };

        let spec = self.dc.spec();
        let hosts = self
            .dc
            .hosts()
            .map(|h| {
                let hi = h.index();
                HostRecord {
                    host: h.0,
                    host_type: self.dc.host_type(h).name.clone(),
                    rack: spec.hosts[hi].rack,
                    energy_kwh: self.host_acc.energy_j[hi] / JOULES_PER_KWH,
                    active_s: self.host_acc.active_s[hi],
                    mean_utilization: ratio(self.host_acc.utilization_s[hi], self.last_step_s),
                    shutdowns: self.host_acc.shutdowns[hi],
                    vms_at_end: self.dc.vms_on(h).len(),
                }
            })
            .collect();
        let vms = (0..self.dc.vm_count() as u32)
            .map(VmId)
            .map(|v| VmRecord {
                vm: v.0,
                vm_type: self.dc.vm_type(v).name.clone(),
                trace: spec.traces[spec.vms[v.index()].trace].name().to_string(),
                host: self.dc.host_of(v).map(|h| h.0),
                finished_at_s: self.vm_finished_at_s[v.index()],
                requested_mips_s: self.vm_requested_mips_s[v.index()],
                allocated_mips_s: self.vm_allocated_mips_s[v.index()],
            })
            .collect();
        RunResult {
            summary: Summary {
                scenario: self.config.name.clone(),
                seed: self.config.seed,
                hosts: self.dc.host_count(),
                vms: self.dc.vm_count(),
                vms_placed: self.vms_placed,
                vms_finished: self.vm_finished_at_s.iter().filter(|f| f.is_some()).count(),
                simulated_s: self.config.duration_s,
                last_step_s: self.last_step_s,
                steps: self.steps,
                events,
                vm_steps: self.vm_steps,
                energy_kwh: self.energy_j / JOULES_PER_KWH,
                active_hosts_mean: active_mean,
                active_hosts_min: active_min,
                active_hosts_max: active_max,
                host_shutdowns: self.host_acc.shutdowns.iter().sum(),
                time_before_host_shutdown_mean_s: shutdown_mean,
                time_before_host_shutdown_std_s: shutdown_std,
                slatah: ratio(violation_total, active_total),
                overall_sla_violation: ratio(requested - allocated, requested),
                average_sla_violation: ratio(self.under_served_fractions_sum, self.under_served_count as f64),
                requested_mips_s: requested,
                allocated_mips_s: allocated,
            },
            intervals: self.intervals,
            hosts,
            vms,
        }
    }
}

impl Handler<Event> for Simulation {
    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Step => {
                self.step(now.secs());
                if now == SimTime::ZERO && self.config.step_at_start {
                    // The regular grid was scheduled by `run`.
                    return;
                }
                let next = now.secs() + self.config.scheduling_interval_s;
                if next <= self.config.duration_s {
                    sched
                        .schedule_at(SimTime::from_secs(next), Event::Step)
                        .expect("steps move forward");
                } else if self.config.step_at_end && now.secs() < self.config.duration_s {
                    sched
                        .schedule_at(SimTime::from_secs(self.config.duration_s), Event::Step)
                        .expect("the end lies ahead");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;
    use crate::registry::build_placement_policy;
    use crate::workload::UtilizationTrace;

    /// One-hour runs at a 300 s step, no offset: steps at 300, 600, …, 3600.
    fn config() -> SimulationConfig {
        SimulationConfig {
            duration_s: 3600.0,
            ..SimulationConfig::default()
        }
    }

    fn run(spec: DatacenterSpec, config: SimulationConfig) -> RunResult {
        let policy = build_placement_policy("ff", Default::default()).unwrap();
        Simulation::new(spec, config, policy).unwrap().run().unwrap()
    }

    #[test]
    fn an_off_host_draws_its_off_power() {
        // Host 0 (idle 50 W, max 100 W) takes the VM at full load; host 1 stays empty.
        let mut s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 50.0, 100.0)], &[1000.0]);
        s.host_types[1].off_power_w = 7.0;
        let step = SimulationConfig {
            integration: Integration::Step,
            ..config()
        };
        let r = run(s.clone(), step.clone());
        assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3600.0).abs() < 1e-6);
        assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
        // Without the step at t = 0, every host starts at u = 0, so off, as in CloudSim.
        let r = run(
            s,
            SimulationConfig {
                step_at_start: false,
                ..step
            },
        );
        assert!((r.hosts[0].energy_kwh * JOULES_PER_KWH - 100.0 * 3300.0).abs() < 1e-6);
        assert!((r.hosts[1].energy_kwh * JOULES_PER_KWH - 7.0 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn non_power_aware_charges_full_power_for_every_host_all_the_time() {
        let s = spec(&[(1000.0, 1, 50.0, 100.0), (1000.0, 1, 40.0, 80.0)], &[500.0]);
        let r = run(
            s,
            SimulationConfig {
                energy: EnergyAccounting::NonPowerAware,
                ..config()
            },
        );
        assert!((r.summary.energy_kwh * JOULES_PER_KWH - 180.0 * 3600.0).abs() < 1e-6);
    }

    #[test]
    fn idle_vms_are_retired_only_when_asked() {
        let mut s = spec(&[(1000.0, 2, 50.0, 100.0)], &[500.0, 500.0]);
        s.traces = vec![
            UtilizationTrace::new("busy", 300.0, vec![0.5; 13]).unwrap(),
            UtilizationTrace::new("stops", 300.0, vec![0.5, 0.5, 0.0, 0.0, 0.0]).unwrap(),
        ];
        s.vms[1].trace = 1;
        let kept = run(s.clone(), config());
        assert_eq!(kept.summary.vms_finished, 0);
        let retired = run(
            s,
            SimulationConfig {
                finish_idle_vms: true,
                ..config()
            },
        );
        assert_eq!(retired.summary.vms_finished, 1);
        assert_eq!(retired.vms[1].finished_at_s, Some(600.0));
        assert_eq!(retired.vms[1].host, None);
        assert_eq!(retired.hosts[0].vms_at_end, 1);
    }

    #[test]
    fn cloudsim_step_grid() {
        let grid = SimulationConfig {
            step_offset_s: 0.1,
            duration_s: 1200.0,
            ..config()
        };
        let s = spec(&[(1000.0, 1, 50.0, 100.0)], &[500.0]);
        let r = run(
            s.clone(),
            SimulationConfig {
                step_at_start: false,
                step_at_end: false,
                ..grid.clone()
            },
        );
        let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
        assert_eq!(times, [300.1, 600.1, 900.1]);
        assert_eq!(r.summary.last_step_s, 900.1);
        assert_eq!(r.summary.simulated_s, 1200.0);
        let r = run(s, grid);
        let times: Vec<f64> = r.intervals.iter().map(|i| i.time_s).collect();
        assert_eq!(times, [0.0, 300.1, 600.1, 900.1, 1200.0]);
    }
}
