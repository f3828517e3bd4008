//! The record of the regular steps: one [`IntervalRecord`] per step, and the
//! activity (hosts and racks in use) over them.

use super::energy::EnergyMeter;
use super::site::Site;
use crate::consolidation::MigrationReason;
use crate::datacenter::{Datacenter, HostId, HostState};
use crate::metrics::{ActivitySummary, IntervalRecord, JOULES_PER_KWH, MigrationRecord};
use crate::power::PowerState;

/// What the steps of a run recorded.
#[derive(Debug, Default)]
pub(super) struct StepLog {
    pub(super) intervals: Vec<IntervalRecord>,
    pub(super) steps: u64,
    /// Σ over steps of the VMs placed then.
    pub(super) vm_steps: u64,
    pub(super) last_step_s: f64,
    /// Migration records counted by earlier steps.
    migrations_counted: usize,
    scratch_racks: Vec<u32>,
}

impl StepLog {
    /// Room for the steps of a run of `duration_s` at `interval_s`.
    pub(super) fn new(duration_s: f64, interval_s: f64) -> Self {
        let expected = (duration_s / interval_s).ceil() as usize + 1;
        Self {
            intervals: Vec::with_capacity(expected.min(1 << 20)),
            ..Self::default()
        }
    }

    /// Records the step at `t`, at which the detector flagged
    /// `overloaded_hosts`: the datacenter as it is now, and what the interval
    /// since the last step accumulated, the migrations started included
    /// (`migrations`: every record so far, in start order, of which those
    /// after the last step's are new).
    pub(super) fn record(
        &mut self,
        t: f64,
        site: &mut Site,
        overloaded_hosts: usize,
        migrations: &[MigrationRecord],
    ) {
        let interval_s = t - self.last_step_s;
        let started = &migrations[self.migrations_counted.min(migrations.len())..];
        self.migrations_counted = migrations.len();
        let by = |reason: MigrationReason| started.iter().filter(|m| m.reason == reason).count();
        let dc = &site.dc;
        let mut active_hosts = 0;
        let mut requested_total = 0.0;
        let mut allocated_total = 0.0;
        let mut by_state = [0usize; 4];
        self.scratch_racks.clear();
        for h in dc.hosts() {
            // Taking part in a migration is only known to the meter when
            // migrations are processes (CloudSim's runs keep its accounting).
            let migrating = site.meter.in_migration(h);
            if dc.utilization_mips(h) > 0.0 || migrating {
                active_hosts += 1;
                if let Some(r) = dc.spec().hosts[h.index()].rack {
                    self.scratch_racks.push(r);
                }
            }
            requested_total += if migrating {
                requested_once_mips(dc, h)
            } else {
                dc.requested_mips(h)
            };
            allocated_total += dc.utilization_mips(h);
            by_state[state_column(dc, &site.meter, h)] += 1;
            self.vm_steps += dc.vms_on(h).len() as u64;
        }
        self.scratch_racks.sort_unstable();
        self.scratch_racks.dedup();
        let energy_j = site.meter.take_interval_energy_j();
        self.intervals.push(IntervalRecord {
            time_s: t,
            active_hosts,
            active_racks: self.scratch_racks.len(),
            power_w: if interval_s > 0.0 {
                energy_j / interval_s
            } else {
                0.0
            },
            energy_kwh: site.meter.energy_j() / JOULES_PER_KWH,
            requested_mips: requested_total,
            allocated_mips: allocated_total,
            overloaded_hosts,
            migrations: started.len(),
            sla_violation_s: site.ledger.take_interval_violation_s(),
            migrations_overload: by(MigrationReason::Overload),
            migrations_underload: by(MigrationReason::Underload),
            migrations_evacuation: by(MigrationReason::Evacuation),
            migrations_scripted: by(MigrationReason::Scripted),
            hosts_on: by_state[0],
            hosts_off: by_state[1],
            hosts_asleep: by_state[2],
            hosts_in_transition: by_state[3],
        });
        self.steps += 1;
        self.last_step_s = t;
    }

    /// Hosts and racks in use over the steps.
    pub(super) fn activity(&self) -> ActivitySummary {
        let n_steps = self.intervals.len();
        if n_steps == 0 {
            return ActivitySummary {
                active_racks_mean: 0.0,
                active_hosts_mean: 0.0,
                active_hosts_min: 0,
                active_hosts_max: 0,
            };
        }
        let active = || self.intervals.iter().map(|r| r.active_hosts);
        ActivitySummary {
            active_racks_mean: self.intervals.iter().map(|r| r.active_racks).sum::<usize>() as f64
                / n_steps as f64,
            active_hosts_mean: active().sum::<usize>() as f64 / n_steps as f64,
            active_hosts_min: active().min().unwrap_or(0),
            active_hosts_max: active().max().unwrap_or(0),
        }
    }
}

/// Which of the interval record's hosts-per-state columns host `h` counts
/// in: on, off (failed included), asleep, in transition.
fn state_column(dc: &Datacenter, meter: &EnergyMeter, h: HostId) -> usize {
    if dc.host_state(h) == HostState::Down {
        return 1;
    }
    match dc.power_state(h) {
        PowerState::On => usize::from(!meter.counts_on(dc, h)),
        PowerState::Off => 1,
        PowerState::Sleep => 2,
        _ => 3,
    }
}

/// MIPS requested by the VMs that run on host `h`, a VM migrating in left
/// out (it is counted where it runs): [`Datacenter::requested_mips`] summed
/// in the same order, so a host with no VM migrating in gives the same bits.
fn requested_once_mips(dc: &Datacenter, h: HostId) -> f64 {
    let mut mips = 0.0;
    for &v in dc.vms_on(h) {
        if !dc.is_incoming(h, v) {
            mips += dc.vm_requested_mips(v);
        }
    }
    mips
}
