//! The datacenter and the books kept each time a host is *processed*
//! (CloudSim's `updateCloudletProcessing`): the host re-shares its CPU among
//! its VMs' trace-driven requests, the [`EnergyMeter`] integrates its power
//! since its last processing, the [`StateLedger`] records its state and its
//! VMs', and at history instants the VMs sample their utilisation. Every
//! subsystem that changes the datacenter touches the hosts it changed and has
//! them processed.

use super::Event;
use super::config::SimulationConfig;
use super::energy::EnergyMeter;
use super::ledger::StateLedger;
use crate::consolidation::history::VmHistories;
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, VmId};

/// The datacenter of a run with its meters and ledgers.
#[derive(Debug)]
pub(super) struct Site {
    /// Who runs where.
    pub(super) dc: Datacenter,
    /// Energy.
    pub(super) meter: EnergyMeter,
    /// State histories.
    pub(super) ledger: StateLedger,
    /// Each VM's recent utilisation, for the consolidation's detectors.
    pub(super) histories: VmHistories,
    /// Whether VMs sample their utilisation (only consolidation reads it).
    pub(super) sample_histories: bool,
    /// (`t` bits, answer) of the last [`is_history_instant`](Self::is_history_instant).
    history_instant: (u64, bool),
    step_offset_s: f64,
    scheduling_interval_s: f64,
    finish_idle_vms: bool,
    /// When each VM finished: retired with zero demand, or left.
    pub(super) finished_at_s: Vec<Option<f64>>,
    /// Time of the last processing of the whole datacenter, seconds.
    pub(super) last_process_s: f64,
    touched: Vec<bool>,
    touched_list: Vec<HostId>,
    scratch_vms: Vec<VmId>,
    /// Events the subsystems asked for, scheduled once the current event is handled.
    pub(super) agenda: Vec<(f64, Event)>,
}

impl Site {
    /// The datacenter of `spec`, nothing placed, nothing measured.
    pub(super) fn new(spec: DatacenterSpec, config: &SimulationConfig) -> Self {
        let (n_hosts, n_vms) = (spec.hosts.len(), spec.vms.len());
        Self {
            meter: EnergyMeter::new(config, &spec),
            ledger: StateLedger::new(n_hosts, n_vms),
            histories: VmHistories::new(n_vms),
            sample_histories: false,
            history_instant: (f64::NAN.to_bits(), false),
            step_offset_s: config.step_offset_s,
            scheduling_interval_s: config.scheduling_interval_s,
            finish_idle_vms: config.finish_idle_vms,
            finished_at_s: vec![None; n_vms],
            last_process_s: 0.0,
            touched: vec![false; n_hosts],
            touched_list: Vec::new(),
            scratch_vms: Vec::new(),
            agenda: Vec::new(),
            dc: Datacenter::new(spec),
        }
    }

    /// Marks host `h` for the next [`process_touched`](Self::process_touched).
    pub(super) fn touch(&mut self, h: HostId) {
        if !self.touched[h.index()] {
            self.touched[h.index()] = true;
            self.touched_list.push(h);
        }
    }

    /// CloudSim's `updateCloudetProcessingWithoutSchedulingFutureEventsForce`
    /// at `t`: every host steps and records its state, the energy since the
    /// last processing is added, and (if configured) VMs with zero demand
    /// are retired.
    pub(super) fn process_all(&mut self, t: f64) {
        let dt = t - self.last_process_s;
        let racks = self.meter.counts_racks();
        if racks {
            self.meter.reset_racks();
        }
        let mut energy_j = 0.0;
        for h in self.dc.hosts() {
            energy_j += self.process_host(h, t, racks);
        }
        if dt > 0.0 {
            self.meter.charge_infrastructure(energy_j, dt);
        }
        self.last_process_s = t;
        if self.finish_idle_vms {
            self.scratch_vms.clear();
            for h in self.dc.hosts() {
                self.collect_idle_vms(h);
            }
            self.retire_collected(t);
        }
    }

    /// Processes only the touched hosts at `t`, in the order they were
    /// touched, and forgets them: what changes when a migration starts,
    /// changes phase or ends, a host fails, a VM arrives or leaves. Each
    /// host's energy is integrated from its own last processing.
    pub(super) fn process_touched(&mut self, t: f64) {
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            self.process_host(h, t, false);
        }
        if self.finish_idle_vms {
            self.scratch_vms.clear();
            for i in 0..self.touched_list.len() {
                self.collect_idle_vms(self.touched_list[i]);
            }
            self.retire_collected(t);
        }
        self.touched_list.clear();
    }

    /// Steps host `h` at `t`: shares its CPU, adds the energy since its last
    /// processing (returned, J), records its state entry and, at history
    /// instants, its VMs' utilisation samples.
    fn process_host(&mut self, h: HostId, t: f64, count_racks: bool) -> f64 {
        let dt = self.meter.elapsed_s(h, t);
        if self.is_idle(h) {
            // Nothing to share and nothing recorded changes: an idle entry
            // that repeats the last one adds nothing to any metric.
            if dt <= 0.0 {
                return 0.0;
            }
            return self.meter.charge_idle(&self.dc, h, dt, count_racks);
        }
        let (util_mips, requested) = self.dc.step_host(h, t);
        let e = if dt > 0.0 {
            self.meter.charge(&self.dc, h, dt, count_racks)
        } else {
            0.0
        };
        self.ledger.record_host(&self.dc, h, t, util_mips, requested);
        self.meter.processed(&self.dc, h);
        if self.sample_histories && self.is_history_instant(t) {
            for &v in self.dc.vms_on(h) {
                self.histories.record(v, t, self.dc.vm_cpu_fraction(v));
            }
        }
        e
    }

    /// Host `h` has no VM, delivered nothing at its last processing and its
    /// last state entry says so.
    #[inline]
    fn is_idle(&self, h: HostId) -> bool {
        self.dc.vms_on(h).is_empty()
            && self.dc.utilization_mips(h) == 0.0
            && self.ledger.has_idle_entry(h)
            && self.meter.was_idle(h)
    }

    /// Is `t` an instant at which VMs record a history sample? PowerVm does
    /// when (t − offset) is a whole number of intervals, tested on the same
    /// f64 values as CloudSim; the answer is kept for the instant, since every
    /// host processed then asks.
    #[inline]
    fn is_history_instant(&mut self, t: f64) -> bool {
        if self.history_instant.0 != t.to_bits() {
            let sample = (t - self.step_offset_s) % self.scheduling_interval_s == 0.0;
            self.history_instant = (t.to_bits(), sample);
        }
        self.history_instant.1
    }

    /// The VMs on `h` that requested nothing at this processing and are not
    /// migrating (see [`SimulationConfig::finish_idle_vms`]).
    fn collect_idle_vms(&mut self, h: HostId) {
        for &v in self.dc.vms_on(h) {
            if self.dc.vm_requested_mips(v) == 0.0
                && !self.dc.in_migration(v)
                && self.dc.host_of(v) == Some(h)
            {
                self.scratch_vms.push(v);
            }
        }
    }

    fn retire_collected(&mut self, t: f64) {
        for i in 0..self.scratch_vms.len() {
            let v = self.scratch_vms[i];
            self.dc.destroy_vm(v);
            self.finished_at_s[v.index()] = Some(t);
        }
    }
}
