//! Power management: when hosts go down and come up, as a state machine per
//! host over the [`PowerState`]s (`docs/MODELS.md` C.5).
//!
//! A host is served only while [`PowerState::On`]. An empty host goes down
//! (shuts down, or suspends to RAM) under the datacenter's [`IdleRule`],
//! unless the spare pool keeps it on; a host that is off or asleep and is
//! given a VM (by any placement: initial, arrival, restart) wakes, and its
//! VMs wait, unserved, until it is on. A migration towards it is booked
//! instead (the executor's waiting moves): the host wakes all the same, and
//! the move starts when it is on. Transitions
//! take their host type's durations and end at [`Event::PowerTimer`]s; the
//! energy meter charges each state's power while a host is in it. Every
//! state change happens at an instant at which the host's books are closed
//! (it is processed first), so each interval between two processings of a
//! host lies in one power state.

use super::Event;
use super::site::Site;
use crate::datacenter::{Datacenter, HostId, HostState, LogCursor};
use crate::metrics::PowerStateCounts;
use crate::power::{PowerState, PowerStateSpec};

/// When an empty host goes down.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum IdleRule {
    /// As soon as it is empty (CloudSim switches an idle host off at once).
    #[default]
    Immediately,
    /// After it has been empty for a while.
    After(IdleTimeout),
    /// Never: hosts stay on.
    Never,
}

/// How long a host stays empty before it goes down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdleTimeout {
    /// A fixed time, s.
    Seconds(f64),
    /// Its host type's break-even idle time
    /// ([`PowerStateSpec::break_even_s`], or the sleep one when hosts go to sleep).
    BreakEven,
}

/// Where an empty host goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DownState {
    /// Shut down, to off.
    #[default]
    Off,
    /// Suspend to RAM, to sleep (host types without a sleep state shut down).
    Sleep,
}

/// A datacenter's power management: when hosts go down, where to, and how
/// many stay on as spares.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PowerManagement {
    /// When an empty host goes down.
    pub idle_rule: IdleRule,
    /// Where it goes.
    pub down_state: DownState,
    /// Empty hosts kept on (or coming on), at least.
    pub spare_hosts: u32,
    /// Empty hosts kept on, at least this fraction of the hosts running VMs
    /// (rounded up); the larger of the two pools is kept.
    pub spare_load_fraction: f64,
}

impl PowerManagement {
    /// Checks the values; the error names the key and what is wrong.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let IdleRule::After(IdleTimeout::Seconds(s)) = self.idle_rule
            && !(s.is_finite() && s >= 0.0)
        {
            return Err(("idle_after_s", format!("must be a number >= 0, found {s}")));
        }
        let f = self.spare_load_fraction;
        if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
            return Err((
                "spare_load_fraction",
                format!("must be a fraction in [0, 1], found {f}"),
            ));
        }
        Ok(())
    }
}

/// One host's power-management books.
#[derive(Debug, Clone, Copy)]
struct HostPower {
    /// Bumped at every change of state or idleness: a timer set before is stale.
    generation: u32,
    /// Since when it is empty and on, s (NaN: it is not).
    idle_since_s: f64,
    /// Boots, shutdowns, suspends and resumes of this host.
    counts: PowerStateCounts,
}

/// The power-state machine of every host of a run.
#[derive(Debug)]
pub(super) struct PowerManager {
    config: PowerManagement,
    /// Per host type: its power states ([`PowerStateSpec::INSTANT`] if none).
    specs: Vec<PowerStateSpec>,
    /// Per host type: how long a host stays empty before going down, s.
    timeout_s: Vec<f64>,
    hosts: Vec<HostPower>,
    /// How far the datacenter's log of changed hosts has been read.
    cursor: Option<LogCursor>,
    marked: Vec<bool>,
    scratch: Vec<HostId>,
    counts: PowerStateCounts,
}

impl PowerManager {
    /// Every host on, none idle yet.
    pub(super) fn new(config: PowerManagement, dc: &Datacenter) -> Self {
        let types = &dc.spec().host_types;
        let specs: Vec<PowerStateSpec> = types
            .iter()
            .map(|t| t.power_states.unwrap_or(PowerStateSpec::INSTANT))
            .collect();
        let timeout_s = types
            .iter()
            .zip(&specs)
            .map(|(t, spec)| match config.idle_rule {
                IdleRule::Immediately => 0.0,
                IdleRule::Never => f64::INFINITY,
                IdleRule::After(IdleTimeout::Seconds(s)) => s,
                IdleRule::After(IdleTimeout::BreakEven) => {
                    let idle_w = t.power.idle_power_watts();
                    if config.down_state == DownState::Sleep && spec.sleep.is_some() {
                        spec.sleep_break_even_s(idle_w)
                    } else {
                        spec.break_even_s(idle_w, t.off_power_w)
                    }
                }
            })
            .collect();
        let n = dc.host_count();
        Self {
            config,
            specs,
            timeout_s,
            hosts: vec![
                HostPower {
                    generation: 0,
                    idle_since_s: f64::NAN,
                    counts: PowerStateCounts::default(),
                };
                n
            ],
            cursor: None,
            marked: vec![false; n],
            scratch: Vec::new(),
            counts: PowerStateCounts::default(),
        }
    }

    /// Boots, shutdowns, suspends and resumes of the run.
    pub(super) fn counts(&self) -> PowerStateCounts {
        self.counts
    }

    /// Boots, shutdowns, suspends and resumes of host `h`.
    pub(super) fn host_counts(&self, h: HostId) -> PowerStateCounts {
        self.hosts[h.index()].counts
    }

    /// Reviews the hosts whose VMs changed since the last call (every host
    /// the first time): empty hosts start their idle time, hosts given a VM
    /// while off or asleep wake. At a regular `step`, also lets down the
    /// hosts the spare pool held past their idle time, and wakes hosts to
    /// refill the pool.
    pub(super) fn after_event(&mut self, site: &mut Site, t: f64, step: bool) {
        self.scratch.clear();
        match site.dc.room_log().since(self.cursor) {
            Some(changed) => {
                for h in changed {
                    if !self.marked[h.index()] {
                        self.marked[h.index()] = true;
                        self.scratch.push(h);
                    }
                }
            }
            None => self.scratch.extend(site.dc.hosts()),
        }
        self.cursor = Some(site.dc.room_log().cursor());
        let mut changed = std::mem::take(&mut self.scratch);
        for &h in &changed {
            self.marked[h.index()] = false;
            self.review(site, h, t);
        }
        changed.clear();
        self.scratch = changed;
        if step && self.spare_target(&site.dc) > 0 {
            self.keep_spares(site, t);
        }
    }

    /// A timer of host `h` set at `generation` is due at `t`: a transition
    /// ends, or the host's idle time is up.
    pub(super) fn timer(&mut self, site: &mut Site, h: HostId, generation: u32, t: f64) {
        if self.hosts[h.index()].generation != generation {
            return;
        }
        let state = site.dc.power_state(h);
        if state.is_transition() {
            self.finish(site, h, t);
        } else if state == PowerState::On && self.is_idle(&site.dc, h) {
            self.try_down(site, h, t);
        }
    }

    fn is_idle(&self, dc: &Datacenter, h: HostId) -> bool {
        !self.hosts[h.index()].idle_since_s.is_nan() && dc.vms_on(h).is_empty()
    }

    /// Decides for host `h` at `t` after its VMs may have changed.
    fn review(&mut self, site: &mut Site, h: HostId, t: f64) {
        if site.dc.host_state(h) != HostState::Up {
            // A failing or failed host is the faults' business.
            return;
        }
        let empty = site.dc.vms_on(h).is_empty() && site.dc.held_ram_mb(h) == 0;
        let l = &mut self.hosts[h.index()];
        match site.dc.power_state(h) {
            PowerState::On if !empty && !l.idle_since_s.is_nan() => {
                // Busy again: its idle timer is stale.
                l.idle_since_s = f64::NAN;
                l.generation += 1;
            }
            PowerState::On if empty && l.idle_since_s.is_nan() => {
                l.idle_since_s = t;
                l.generation += 1;
                let timeout = self.timeout_s[site.dc.host_type_index(h)];
                if timeout == 0.0 {
                    self.try_down(site, h, t);
                } else if timeout.is_finite() {
                    site.agenda.push((
                        t + timeout,
                        Event::PowerTimer {
                            host: h.0,
                            generation: l.generation,
                        },
                    ));
                }
            }
            PowerState::Off if !empty => self.enter(site, h, PowerState::Booting, t),
            PowerState::Sleep if !empty => self.enter(site, h, PowerState::Resuming, t),
            // On and unchanged; off or asleep and empty; or in a
            // transition, reviewed at its end.
            _ => {}
        }
    }

    /// Host `h`, empty and on for its idle time, goes down at `t` unless the
    /// spare pool needs it.
    fn try_down(&mut self, site: &mut Site, h: HostId, t: f64) {
        let target = self.spare_target(&site.dc);
        if target > 0 && self.spares(&site.dc) <= target {
            return;
        }
        let spec = &self.specs[site.dc.host_type_index(h)];
        let down = match self.config.down_state {
            DownState::Sleep if spec.sleep.is_some() => PowerState::Suspending,
            _ => PowerState::ShuttingDown,
        };
        self.enter(site, h, down, t);
    }

    /// The spare pool's size now: hosts to keep empty and on (or coming on).
    fn spare_target(&self, dc: &Datacenter) -> usize {
        let fraction = self.config.spare_load_fraction;
        let by_load = if fraction > 0.0 {
            (fraction * dc.busy_hosts().count() as f64).ceil() as usize
        } else {
            0
        };
        (self.config.spare_hosts as usize).max(by_load)
    }

    /// Empty hosts that are on or coming on.
    fn spares(&self, dc: &Datacenter) -> usize {
        dc.hosts()
            .filter(|&h| {
                dc.host_state(h) == HostState::Up
                    && dc.vms_on(h).is_empty()
                    && matches!(
                        dc.power_state(h),
                        PowerState::On | PowerState::Booting | PowerState::Resuming
                    )
            })
            .count()
    }

    /// At a step: hosts held by the pool past their idle time go down if
    /// the pool no longer needs them; the pool is refilled by waking
    /// sleeping hosts, then off ones, lowest id first.
    fn keep_spares(&mut self, site: &mut Site, t: f64) {
        for hi in 0..site.dc.host_count() {
            let h = HostId(hi as u32);
            let l = &self.hosts[hi];
            if site.dc.power_state(h) == PowerState::On
                && self.is_idle(&site.dc, h)
                && t - l.idle_since_s >= self.timeout_s[site.dc.host_type_index(h)]
            {
                self.try_down(site, h, t);
            }
        }
        let target = self.spare_target(&site.dc);
        let mut spares = self.spares(&site.dc);
        for from in [PowerState::Sleep, PowerState::Off] {
            for hi in 0..site.dc.host_count() {
                if spares >= target {
                    return;
                }
                let h = HostId(hi as u32);
                if site.dc.power_state(h) == from && site.dc.host_state(h) == HostState::Up {
                    let wake = if from == PowerState::Sleep {
                        PowerState::Resuming
                    } else {
                        PowerState::Booting
                    };
                    self.enter(site, h, wake, t);
                    spares += 1;
                }
            }
        }
    }

    /// Host `h` enters `state` at `t`: its books closed first, a transition
    /// timed (or ended at once if it takes no time).
    fn enter(&mut self, site: &mut Site, h: HostId, state: PowerState, t: f64) {
        close_books(site, h, t);
        let duration_s = self.specs[site.dc.host_type_index(h)].duration_s(state);
        site.dc.set_power_transition(h, state, t + duration_s);
        let l = &mut self.hosts[h.index()];
        l.generation += 1;
        l.idle_since_s = f64::NAN;
        let count = |c: &mut PowerStateCounts| match state {
            PowerState::Booting => c.power_boots += 1,
            PowerState::ShuttingDown => c.power_shutdowns += 1,
            PowerState::Suspending => c.power_sleeps += 1,
            PowerState::Resuming => c.power_wakes += 1,
            _ => {}
        };
        count(&mut l.counts);
        count(&mut self.counts);
        if duration_s > 0.0 {
            site.agenda.push((
                t + duration_s,
                Event::PowerTimer {
                    host: h.0,
                    generation: l.generation,
                },
            ));
        } else {
            self.finish(site, h, t);
        }
    }

    /// Host `h`'s transition ends at `t`.
    fn finish(&mut self, site: &mut Site, h: HostId, t: f64) {
        close_books(site, h, t);
        let state = site.dc.power_state(h).target();
        site.dc.set_power_state(h, state);
        self.hosts[h.index()].generation += 1;
        if state == PowerState::On {
            // Processed again, on: its VMs are served from now.
            site.touch(h);
            site.process_touched(t);
        }
        self.review(site, h, t);
    }
}

/// Processes host `h` at `t` if time has passed since its last processing,
/// so that the interval up to `t` is booked in its present state.
fn close_books(site: &mut Site, h: HostId, t: f64) {
    if site.meter.since_last_s(h, t) > 0.0 {
        site.touch(h);
        site.process_touched(t);
    }
}
