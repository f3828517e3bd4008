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
use crate::datacenter::{Datacenter, DatacenterSpec, HostId, HostStep, SlotStep, StepScratch, VmId};
use crate::power::PowerState;
use rayon::prelude::*;
use std::sync::Arc;

/// Hosts per chunk of a step's parallel phase. A constant, not derived from
/// the number of threads: the chunks, and so every result, are the same
/// however many threads compute them.
pub const STEP_CHUNK_HOSTS: usize = 256;

/// One chunk of hosts of a step, measured in the parallel phase: buffers
/// owned by the chunk and reused from step to step (no allocation once
/// grown).
#[derive(Debug, Default)]
struct StepChunk {
    /// One entry per host of the chunk, in host order.
    hosts: Vec<HostWork>,
    /// The slots of the chunk's busy hosts, host after host, each host's in list order.
    slots: Vec<SlotStep>,
    scratch: StepScratch,
    /// VMs to retire (zero demand, not migrating), in host then list order.
    idle_vms: Vec<VmId>,
}

/// What the parallel phase measured for one host.
#[derive(Debug, Clone, Copy)]
struct HostWork {
    /// The host is idle: nothing to share or record, only its energy.
    idle: bool,
    /// The step (busy hosts).
    step: HostStep,
    /// Energy since its last processing, J (0 if no time passed).
    energy_j: f64,
}

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
    /// Buffers of each chunk of hosts (one, reused, without a pool).
    chunks: Vec<StepChunk>,
    /// Hosts per chunk ([`STEP_CHUNK_HOSTS`] unless set for tests).
    chunk_hosts: usize,
    /// The simulation's own threads; `None`: the sequential path.
    pool: Option<Arc<rayon::ThreadPool>>,
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
            chunks: Vec::new(),
            chunk_hosts: STEP_CHUNK_HOSTS,
            pool: None,
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

    /// Processes whole-datacenter steps on `pool` (`None`: sequentially, on
    /// the calling thread). Changes no result.
    pub(super) fn set_pool(&mut self, pool: Option<Arc<rayon::ThreadPool>>) {
        self.pool = pool;
        self.chunks.clear();
    }

    /// The simulation's own threads, if it has more than one.
    pub(super) fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.pool.as_deref()
    }

    /// Hosts per chunk of the parallel phases.
    pub(super) fn chunk_hosts(&self) -> usize {
        self.chunk_hosts
    }

    /// Measures steps in chunks of `hosts` hosts (at least 1). Changes no result.
    pub(super) fn set_chunk_hosts(&mut self, hosts: usize) {
        self.chunk_hosts = hosts.max(1);
        self.chunks.clear();
    }

    /// CloudSim's `updateCloudetProcessingWithoutSchedulingFutureEventsForce`
    /// at `t`: every host steps and records its state, the energy since the
    /// last processing is added, and (if configured) VMs with zero demand
    /// are retired.
    ///
    /// In two phases, chunk by chunk of [`STEP_CHUNK_HOSTS`] hosts: each
    /// host's step (requests, CPU sharing, power), its energy and the VMs to
    /// retire are *measured* from the datacenter as it is, without changing
    /// it ([`Datacenter::compute_step`], [`EnergyMeter::pending_j`]) — on the
    /// simulation's threads, every chunk at once, if it has a pool — then
    /// *applied* in host order on the calling thread: the datacenter's
    /// fields, energy, state entries, history samples. Measuring a host reads
    /// only that host and its VMs (a VM migrating is listed on two hosts;
    /// both compute the same request from its trace), so every value, and
    /// every sum taken in the applying phase, is the same as processing the
    /// hosts one after the other, whatever the number of threads.
    pub(super) fn process_all(&mut self, t: f64) {
        let dt = t - self.last_process_s;
        let racks = self.meter.counts_racks();
        if racks {
            self.meter.reset_racks();
        }
        let sample = self.sample_histories && self.is_history_instant(t);
        self.scratch_vms.clear();
        let n = self.dc.host_count();
        let size = self.chunk_hosts;
        let n_chunks = n.div_ceil(size);
        let collect = self.finish_idle_vms;
        let mut chunks = std::mem::take(&mut self.chunks);
        let mut energy_j = 0.0;
        match &self.pool {
            None => {
                if chunks.is_empty() {
                    chunks.push(StepChunk::default());
                }
                let chunk = &mut chunks[0];
                for c in 0..n_chunks {
                    let hosts = c * size..((c + 1) * size).min(n);
                    measure_chunk(
                        &self.dc,
                        &self.meter,
                        &self.ledger,
                        hosts.clone(),
                        t,
                        collect,
                        chunk,
                    );
                    self.apply_chunk(chunk, hosts, t, racks, sample, &mut energy_j);
                }
            }
            Some(pool) => {
                chunks.resize_with(n_chunks, StepChunk::default);
                let (dc, meter, ledger) = (&self.dc, &self.meter, &self.ledger);
                pool.install(|| {
                    chunks.par_iter_mut().enumerate().for_each(|(c, chunk)| {
                        let hosts = c * size..((c + 1) * size).min(n);
                        measure_chunk(dc, meter, ledger, hosts, t, collect, chunk);
                    });
                });
                for (c, chunk) in chunks.iter().enumerate() {
                    let hosts = c * size..((c + 1) * size).min(n);
                    self.apply_chunk(chunk, hosts, t, racks, sample, &mut energy_j);
                }
            }
        }
        self.chunks = chunks;
        if dt > 0.0 {
            self.meter.charge_infrastructure(energy_j, dt);
        }
        self.last_process_s = t;
        if self.finish_idle_vms {
            self.retire_collected(t);
        }
    }

    /// The applying phase of [`process_all`](Self::process_all) for one
    /// chunk measured over `hosts`: adds each host's energy to `energy_j` in
    /// host order, and queues the chunk's VMs to retire.
    fn apply_chunk(
        &mut self,
        chunk: &StepChunk,
        hosts: std::ops::Range<usize>,
        t: f64,
        racks: bool,
        sample: bool,
        energy_j: &mut f64,
    ) {
        debug_assert_eq!(chunk.hosts.len(), hosts.len());
        let mut slots = &chunk.slots[..];
        for (hi, w) in hosts.zip(&chunk.hosts) {
            let h = HostId(hi as u32);
            let n_slots = if w.idle { 0 } else { self.dc.vms_on(h).len() };
            let (mine, rest) = slots.split_at(n_slots);
            slots = rest;
            *energy_j += self.apply_host(h, w, mine, t, racks, sample);
        }
        debug_assert!(slots.is_empty());
        self.scratch_vms.extend_from_slice(&chunk.idle_vms);
    }

    /// Processes only the touched hosts at `t`, in the order they were
    /// touched, and forgets them: what changes when a migration starts,
    /// changes phase or ends, a host fails, a VM arrives or leaves. Each
    /// host's energy is integrated from its own last processing.
    pub(super) fn process_touched(&mut self, t: f64) {
        let sample = self.sample_histories && self.is_history_instant(t);
        self.scratch_vms.clear();
        let mut chunks = std::mem::take(&mut self.chunks);
        if chunks.is_empty() {
            chunks.push(StepChunk::default());
        }
        let chunk = &mut chunks[0];
        for i in 0..self.touched_list.len() {
            let h = self.touched_list[i];
            self.touched[h.index()] = false;
            let hi = h.index();
            measure_chunk(
                &self.dc,
                &self.meter,
                &self.ledger,
                hi..hi + 1,
                t,
                self.finish_idle_vms,
                chunk,
            );
            let mut unused = 0.0;
            self.apply_chunk(chunk, hi..hi + 1, t, false, sample, &mut unused);
        }
        self.chunks = chunks;
        if self.finish_idle_vms {
            self.retire_collected(t);
        }
        self.touched_list.clear();
    }

    /// Applies host `h`'s measured step at `t` (its `slots`): its energy
    /// since its last processing (returned, J), its state entry and, at
    /// history instants, its VMs' utilisation samples.
    #[inline]
    fn apply_host(
        &mut self,
        h: HostId,
        w: &HostWork,
        slots: &[SlotStep],
        t: f64,
        racks: bool,
        sample: bool,
    ) -> f64 {
        let dt = self.meter.elapsed_s(h, t);
        if w.idle {
            // Nothing to share and nothing recorded changes: an idle entry
            // that repeats the last one adds nothing to any metric.
            if dt <= 0.0 {
                return 0.0;
            }
            return self.meter.book(&self.dc, h, w.energy_j, dt, racks);
        }
        self.dc.apply_step(h, &w.step, slots);
        debug_assert_eq!(self.dc.power_watts(h), w.step.power_w);
        let e = if dt > 0.0 {
            self.meter.book(&self.dc, h, w.energy_j, dt, racks)
        } else {
            0.0
        };
        let (util_mips, requested) = (w.step.utilization_mips, w.step.requested_mips);
        self.ledger.record_host(&self.dc, h, t, util_mips, requested);
        self.meter.processed(&self.dc, h);
        if sample {
            for &v in self.dc.vms_on(h) {
                self.histories.record(v, t, self.dc.vm_cpu_fraction(v));
            }
        }
        e
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

    fn retire_collected(&mut self, t: f64) {
        for i in 0..self.scratch_vms.len() {
            let v = self.scratch_vms[i];
            self.dc.destroy_vm(v);
            self.finished_at_s[v.index()] = Some(t);
        }
    }
}

/// Host `h` has no VM, delivered nothing at its last processing and its
/// last state entry says so.
#[inline]
fn is_idle(dc: &Datacenter, meter: &EnergyMeter, ledger: &StateLedger, h: HostId) -> bool {
    dc.vms_on(h).is_empty() && dc.utilization_mips(h) == 0.0 && ledger.has_idle_entry(h) && meter.was_idle(h)
}

/// The measuring phase of a step at `t` for `hosts`, into `chunk`: reads
/// the datacenter, the meter and the ledger, changes none of them. With
/// `collect`, also lists the VMs that request nothing and are not migrating
/// (see [`SimulationConfig::finish_idle_vms`]).
fn measure_chunk(
    dc: &Datacenter,
    meter: &EnergyMeter,
    ledger: &StateLedger,
    hosts: std::ops::Range<usize>,
    t: f64,
    collect: bool,
    chunk: &mut StepChunk,
) {
    chunk.hosts.clear();
    chunk.slots.clear();
    chunk.idle_vms.clear();
    for hi in hosts {
        let h = HostId(hi as u32);
        let dt = meter.since_last_s(h, t);
        if is_idle(dc, meter, ledger, h) {
            let energy_j = if dt > 0.0 {
                meter.pending_j(dc, h, meter.last_power_w(h), dt)
            } else {
                0.0
            };
            chunk.hosts.push(HostWork {
                idle: true,
                step: HostStep::default(),
                energy_j,
            });
            continue;
        }
        let first = chunk.slots.len();
        let mut step = dc.compute_step(h, t, &mut chunk.scratch, &mut chunk.slots);
        if dc.power_state(h) != PowerState::On {
            // Not on (booting, resuming, ...): its VMs wait, served nothing.
            for s in &mut chunk.slots[first..] {
                s.alloc_mips = 0.0;
            }
            step.utilization_mips = 0.0;
            step.potential_mips = 0.0;
            step.power_w = dc.host_type(h).power.idle_power_watts();
        }
        let energy_j = if dt > 0.0 {
            meter.pending_j(dc, h, step.power_w, dt)
        } else {
            0.0
        };
        if collect {
            for (&v, s) in dc.vms_on(h).iter().zip(&chunk.slots[first..]) {
                // `Datacenter::vm_requested_mips` once the step is applied.
                if s.mips_per_pe * f64::from(dc.vm_type(v).cores) == 0.0
                    && !dc.in_migration(v)
                    && dc.host_of(v) == Some(h)
                {
                    chunk.idle_vms.push(v);
                }
            }
        }
        chunk.hosts.push(HostWork {
            idle: false,
            step,
            energy_j,
        });
    }
}
