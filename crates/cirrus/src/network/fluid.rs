//! Flows over a [`Topology`], sharing links max-min fairly, advanced as fluid.
//!
//! State is kept so that every operation costs what the flows it affects
//! cost, not what the network costs:
//!
//! * flows live in a slab (`Vec` + free list) addressed by [`FlowId`]s that
//!   carry a generation, so a stale id is an error instead of another flow;
//! * each link direction lists the flows crossing it, and each flow knows its
//!   position in those lists, so attaching and detaching are O(route length);
//! * progress is lazy: a flow stores its remaining data at a reference time
//!   and its (constant) rate, a link its sent data and load, so
//!   [`Network::advance_to`] is O(1) and remaining data is evaluated on read;
//! * completion times sit in a binary heap with per-flow version stamps
//!   (stale entries are skipped), so [`Network::next_completion`] is O(1);
//! * a change re-runs progressive filling over the connected component of
//!   the changed flows only, with scratch buffers kept between calls.
//!
//! This file keeps that bookkeeping; the rate computation itself,
//! progressive filling, is in `filling`, and the unit tests in `tests`.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;

use super::topology::{LinkId, MAX_HOPS, Route, Topology};

mod filling;
use filling::{Level, progressive_filling};

/// Bits in a byte: data is in MB and rates in Mbit/s, so a transfer of
/// `data_mb` at `rate_mbps` takes `data_mb × 8 / rate_mbps` seconds (CloudSim's
/// `RAM / (BW / 8)`; 1 Gbit/s moves 125 MB per second). The "mega" is the
/// same on both sides, so the result holds for 10⁶ or 2²⁰ alike.
pub const BITS_PER_BYTE: f64 = 8.0;

/// A flow whose remaining data is at most this fraction of all the data it
/// was given (or of [`COMPLETION_FLOOR_MB`], whichever is larger) is
/// complete: evaluating `remaining − rate × Δt` at the computed completion
/// time leaves rounding residue of a few ulps, never exactly 0.
pub const COMPLETION_REL_TOL: f64 = 1e-9;

/// Scale below which [`COMPLETION_REL_TOL`] stops shrinking, MB: a tiny
/// flow is complete within an absolute 10⁻⁹ MB (a thousandth of a byte).
pub const COMPLETION_FLOOR_MB: f64 = 1.0;

/// How far [`Network::advance_to`] may overshoot the next completion time
/// and still be accepted, seconds (covers a caller's time arithmetic
/// rounding; the overshoot is then treated as the completion instant).
pub const ADVANCE_SLACK_S: f64 = 1e-9;

/// Relative part of the same slack, for completion times far from 0.
const ADVANCE_SLACK_REL: f64 = 1e-12;

/// The completion heap is rebuilt without stale entries once it holds more
/// than this many entries per live flow…
const HEAP_COMPACT_FACTOR: usize = 4;
/// …plus this many (so a small network never rebuilds on every change).
const HEAP_COMPACT_MIN: usize = 64;

/// A flow in a [`Network`]: its slot and the slot's generation, so an id
/// kept after [`Network::remove_flow`] never names a newer flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId {
    index: u32,
    generation: u32,
}

impl FlowId {
    /// The flow's slot: dense, reused after removal, at most the peak number
    /// of concurrent flows — usable to index side tables.
    pub const fn index(self) -> u32 {
        self.index
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "flow #{}.{}", self.index, self.generation)
    }
}

/// One transfer to start, for [`Network::add_flows`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowRequest {
    /// Sending host.
    pub src: u32,
    /// Receiving host.
    pub dst: u32,
    /// Data to send, MB.
    pub data_mb: f64,
    /// Most the flow may get, Mbit/s (e.g. a migration's configured speed,
    /// or a TCP window bound); `None` = only links limit it.
    pub rate_cap_mbps: Option<f64>,
}

/// A snapshot of one flow, at [`Network::now_s`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowInfo {
    /// Sending host.
    pub src: u32,
    /// Receiving host.
    pub dst: u32,
    /// The links it crosses.
    pub route: Route,
    /// Its rate cap, Mbit/s.
    pub rate_cap_mbps: Option<f64>,
    /// Its current rate, Mbit/s (infinite for an uncapped flow within one host).
    pub rate_mbps: f64,
    /// Data left to send, MB.
    pub remaining_mb: f64,
    /// Data sent so far, MB.
    pub sent_mb: f64,
}

/// A request the network cannot carry out; nothing was changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    /// A host id is out of range.
    #[error("host {host} does not exist (the network has {hosts} hosts)")]
    UnknownHost {
        /// The id given.
        host: u32,
        /// Number of hosts.
        hosts: u32,
    },
    /// The flow was never added or has been removed.
    #[error("{0} does not exist (never added, or already removed)")]
    UnknownFlow(FlowId),
    /// A batch names the same flow twice.
    #[error("{0} appears twice in one batch")]
    DuplicateFlow(FlowId),
    /// A link id is out of range.
    #[error("{link} does not exist (the network has {links} links)")]
    UnknownLink {
        /// The id given.
        link: LinkId,
        /// Number of link directions.
        links: usize,
    },
    /// An amount of data is negative or not a number.
    #[error("{field}: must be a finite number of MB >= 0, found {value}")]
    InvalidData {
        /// The argument, e.g. `"data_mb"`.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A rate cap is not a positive finite number.
    #[error("rate_cap_mbps: must be a positive finite number of Mbit/s, found {0}")]
    InvalidRateCap(f64),
    /// A background load is negative, not a number, or not below the capacity.
    #[error(
        "background_mbps: must be >= 0 and below the link's capacity ({capacity_mbps} Mbit/s), found {value}"
    )]
    InvalidBackground {
        /// The value given.
        value: f64,
        /// The link's capacity.
        capacity_mbps: f64,
    },
    /// Time would go backwards (or is not a finite number).
    #[error("cannot advance to t = {to_s} s: the network is at t = {now_s} s")]
    TimeInPast {
        /// The time asked for.
        to_s: f64,
        /// The network's time.
        now_s: f64,
    },
    /// A flow completes before the time asked for: its completion must be
    /// handled (the flow removed, or given more data) first, or the link
    /// shares between the two instants would be wrong.
    #[error("cannot advance to t = {to_s} s: {flow} completes at t = {completion_s} s; handle that first")]
    PastCompletion {
        /// The time asked for.
        to_s: f64,
        /// The flow completing first.
        flow: FlowId,
        /// When it completes.
        completion_s: f64,
    },
    /// More concurrent flows than 32-bit slots.
    #[error("too many concurrent flows")]
    TooManyFlows,
}

/// One flow's state (a slab slot).
#[derive(Debug, Clone)]
struct Flow {
    generation: u32,
    live: bool,
    src: u32,
    dst: u32,
    route: Route,
    /// Position of this flow in each of its links' flow lists.
    pos: [u32; MAX_HOPS],
    /// `f64::INFINITY` when uncapped.
    cap_mbps: f64,
    rate_mbps: f64,
    /// Remaining data at `ref_t_s`; later values follow from the rate.
    ref_t_s: f64,
    ref_remaining_mb: f64,
    /// All data ever given (so sent = total − remaining).
    total_mb: f64,
    /// Component-search epoch this flow was last reached in.
    mark: u32,
    /// Filling epoch this flow's rate was last fixed in.
    fixed: u32,
    /// Version of this flow's completion-heap entry.
    stamp: u64,
}

impl Flow {
    fn remaining_at(&self, t_s: f64) -> f64 {
        let dt_s = t_s - self.ref_t_s;
        if self.rate_mbps.is_infinite() {
            // Unlimited (within one host, uncapped): drained the instant it is rated.
            0.0
        } else if dt_s <= 0.0 {
            self.ref_remaining_mb
        } else {
            (self.ref_remaining_mb - self.rate_mbps * dt_s / BITS_PER_BYTE).max(0.0)
        }
    }

    fn tolerance_mb(&self) -> f64 {
        COMPLETION_REL_TOL * self.total_mb.max(COMPLETION_FLOOR_MB)
    }

    /// When the flow completes at its current rate, from its reference point.
    fn completion_s(&self) -> Option<f64> {
        if self.ref_remaining_mb <= self.tolerance_mb() || self.rate_mbps.is_infinite() {
            Some(self.ref_t_s)
        } else if self.rate_mbps > 0.0 {
            Some(self.ref_t_s + self.ref_remaining_mb * BITS_PER_BYTE / self.rate_mbps)
        } else {
            None
        }
    }

    fn id(&self, index: u32) -> FlowId {
        FlowId {
            index,
            generation: self.generation,
        }
    }
}

/// One link direction's traffic (the flows crossing it are in `Network::link_flows`).
#[derive(Debug, Clone, Copy, Default)]
struct LinkState {
    /// Σ rates of the flows crossing it, Mbit/s.
    load_mbps: f64,
    /// Flow data carried up to `ref_t_s`, MB.
    sent_ref_mb: f64,
    ref_t_s: f64,
}

impl LinkState {
    fn sent_at(&self, t_s: f64) -> f64 {
        self.sent_ref_mb + self.load_mbps * (t_s - self.ref_t_s).max(0.0) / BITS_PER_BYTE
    }
}

/// A completion-heap entry.
#[derive(Debug, Clone, Copy)]
struct Completion {
    t_s: f64,
    flow: u32,
    stamp: u64,
}

impl Ord for Completion {
    /// Reversed for a min-heap; simultaneous completions come out by slot.
    fn cmp(&self, other: &Self) -> Ordering {
        other.t_s.total_cmp(&self.t_s).then(other.flow.cmp(&self.flow))
    }
}

impl PartialOrd for Completion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Completion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Completion {}

/// Buffers reused by every recomputation (nothing is allocated once they
/// have grown to the largest component).
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// Current epoch for `link_mark`, `Flow::mark` and `Flow::fixed`; never 0.
    epoch: u32,
    link_mark: Vec<u32>,
    /// The component: its links (also the search queue) and flows.
    comp_links: Vec<u32>,
    comp_flows: Vec<u32>,
    /// Per link: capacity not yet given to fixed flows, Mbit/s.
    rem_mbps: Vec<f64>,
    /// Per link: flows on it not yet fixed.
    unfixed: Vec<u32>,
    /// Per link: whether flows were fixed through it since its level was
    /// queued (each link has one queued level at a time).
    stale: Vec<bool>,
    /// The initial levels, sorted (one `sort_unstable` beats a heap's pops).
    initial: Vec<Level>,
    /// Levels re-queued while filling (min-heap).
    levels: BinaryHeap<Reverse<Level>>,
    /// [`Network::add_flows_into`]'s routes and flow slots.
    routes: Vec<Route>,
    indices: Vec<u32>,
}

/// Flows per link direction a network reserves room for when it is made.
const LINK_FLOWS_RESERVED: usize = 16;

/// Flows sharing a [`Topology`]'s links with max-min fairness (see the
/// [module documentation](super)).
///
/// Time only moves through [`advance_to`](Self::advance_to); every change
/// (adding, removing, re-capping flows, changing background load) takes
/// effect at [`now_s`](Self::now_s), so advance first, then change.
#[derive(Debug, Clone)]
pub struct Network {
    topology: Topology,
    now_s: f64,
    flows: Vec<Flow>,
    free: Vec<u32>,
    live: usize,
    /// Per link direction: slots of the flows crossing it, in attachment
    /// order (with swap-removal).
    link_flows: Vec<Vec<u32>>,
    links: Vec<LinkState>,
    completions: BinaryHeap<Completion>,
    scratch: Scratch,
    last_recomputed: usize,
}

impl Network {
    /// An empty network on `topology`, at t = 0.
    pub fn new(topology: Topology) -> Self {
        let link_count = topology.link_count();
        Self {
            topology,
            now_s: 0.0,
            flows: Vec::new(),
            free: Vec::new(),
            live: 0,
            // A few flows per link from the start: lists that only grow to
            // their high-water mark rarely reallocate during a run.
            link_flows: (0..link_count)
                .map(|_| Vec::with_capacity(LINK_FLOWS_RESERVED))
                .collect(),
            links: vec![LinkState::default(); link_count],
            completions: BinaryHeap::new(),
            scratch: Scratch {
                epoch: 0,
                link_mark: vec![0; link_count],
                comp_links: Vec::new(),
                comp_flows: Vec::new(),
                rem_mbps: vec![0.0; link_count],
                unfixed: vec![0; link_count],
                stale: vec![false; link_count],
                initial: Vec::new(),
                levels: BinaryHeap::new(),
                routes: Vec::new(),
                indices: Vec::new(),
            },
            last_recomputed: 0,
        }
    }

    /// The topology the flows run on.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The network's current time, seconds.
    pub fn now_s(&self) -> f64 {
        self.now_s
    }

    /// Number of flows (complete or not) not yet removed.
    pub fn flow_count(&self) -> usize {
        self.live
    }

    /// The flows not yet removed, by slot.
    pub fn flow_ids(&self) -> impl Iterator<Item = FlowId> + '_ {
        self.flows
            .iter()
            .enumerate()
            .filter(|(_, f)| f.live)
            .map(|(i, f)| f.id(i as u32))
    }

    /// How many flows had their rates recomputed by the last change — the
    /// size of the affected component (every flow after
    /// [`recompute_all`](Self::recompute_all)).
    pub fn last_recomputed_flows(&self) -> usize {
        self.last_recomputed
    }

    // ---------------------------------------------------------------- queries

    fn slot(&self, id: FlowId) -> Result<usize, NetworkError> {
        match self.flows.get(id.index as usize) {
            Some(f) if f.live && f.generation == id.generation => Ok(id.index as usize),
            _ => Err(NetworkError::UnknownFlow(id)),
        }
    }

    fn live_flow(&self, id: FlowId) -> Option<&Flow> {
        self.slot(id).ok().map(|i| &self.flows[i])
    }

    /// The flow's current rate, Mbit/s (`None` for an unknown flow). An
    /// uncapped flow within one host has an infinite rate and completes at once.
    pub fn rate_mbps(&self, id: FlowId) -> Option<f64> {
        self.live_flow(id).map(|f| f.rate_mbps)
    }

    /// Data the flow has left to send at [`now_s`](Self::now_s), MB.
    pub fn remaining_mb(&self, id: FlowId) -> Option<f64> {
        self.live_flow(id).map(|f| f.remaining_at(self.now_s))
    }

    /// Data the flow has sent so far, MB.
    pub fn sent_mb(&self, id: FlowId) -> Option<f64> {
        self.live_flow(id)
            .map(|f| f.total_mb - f.remaining_at(self.now_s))
    }

    /// Whether the flow's remaining data is within [`COMPLETION_REL_TOL`] of 0.
    pub fn is_complete(&self, id: FlowId) -> Option<bool> {
        self.live_flow(id)
            .map(|f| f.remaining_at(self.now_s) <= f.tolerance_mb())
    }

    /// Everything about one flow.
    pub fn flow(&self, id: FlowId) -> Option<FlowInfo> {
        self.live_flow(id).map(|f| {
            let remaining_mb = f.remaining_at(self.now_s);
            FlowInfo {
                src: f.src,
                dst: f.dst,
                route: f.route,
                rate_cap_mbps: f.cap_mbps.is_finite().then_some(f.cap_mbps),
                rate_mbps: f.rate_mbps,
                remaining_mb,
                sent_mb: f.total_mb - remaining_mb,
            }
        })
    }

    /// The earliest completion among the flows and its time (never before
    /// [`now_s`](Self::now_s)); simultaneous completions come by slot. A flow
    /// that is already complete but not removed is reported at `now_s`, so
    /// `while let Some((id, t)) = next_completion() && t <= now` drains them.
    /// `None` when no flow will complete (no flows, or only zero-rate ones).
    pub fn next_completion(&self) -> Option<(FlowId, f64)> {
        let c = self.completions.peek()?;
        let flow = &self.flows[c.flow as usize];
        Some((flow.id(c.flow), c.t_s.max(self.now_s)))
    }

    fn link_state(&self, link: LinkId) -> Option<&LinkState> {
        self.links.get(link.index())
    }

    /// Σ rates of the flows crossing `link`, Mbit/s (background excluded).
    pub fn link_load_mbps(&self, link: LinkId) -> Option<f64> {
        self.link_state(link).map(|l| l.load_mbps)
    }

    /// Flow data `link` has carried since t = 0, MB (× 8 for Mbit; background
    /// traffic excluded: it is `background × t` if a report wants it).
    pub fn link_sent_mb(&self, link: LinkId) -> Option<f64> {
        self.link_state(link).map(|l| l.sent_at(self.now_s))
    }

    /// (flow load + background) / capacity of `link` now, in [0, 1] up to rounding.
    pub fn link_utilisation(&self, link: LinkId) -> Option<f64> {
        let load = self.link_load_mbps(link)?;
        let capacity = self.topology.capacity_mbps(link)?;
        let background = self.topology.background_mbps(link)?;
        Some((load + background) / capacity)
    }

    /// Number of flows crossing `link`.
    pub fn link_flow_count(&self, link: LinkId) -> Option<usize> {
        self.link_flows.get(link.index()).map(Vec::len)
    }

    // ------------------------------------------------------------------- time

    /// Moves time to `t_s`: every flow's remaining data drops by
    /// rate × (t_s − now) / 8 and every link's sent data grows by its load ×
    /// the same, rates being constant in between. O(1): progress is evaluated
    /// when read.
    ///
    /// # Errors
    /// [`NetworkError::TimeInPast`] if `t_s` is before now or not finite;
    /// [`NetworkError::PastCompletion`] if a flow completes before `t_s`
    /// (beyond [`ADVANCE_SLACK_S`]): its completion must be handled first.
    pub fn advance_to(&mut self, t_s: f64) -> Result<(), NetworkError> {
        if !(t_s.is_finite() && t_s >= self.now_s) {
            return Err(NetworkError::TimeInPast {
                to_s: t_s,
                now_s: self.now_s,
            });
        }
        if let Some((flow, completion_s)) = self.next_completion() {
            let slack_s = ADVANCE_SLACK_S + ADVANCE_SLACK_REL * completion_s.abs();
            if t_s > completion_s + slack_s {
                return Err(NetworkError::PastCompletion {
                    to_s: t_s,
                    flow,
                    completion_s,
                });
            }
        }
        self.now_s = t_s;
        Ok(())
    }

    // ---------------------------------------------------------------- changes

    fn check_request(&self, r: &FlowRequest) -> Result<Route, NetworkError> {
        let hosts = self.topology.hosts();
        for host in [r.src, r.dst] {
            if host >= hosts {
                return Err(NetworkError::UnknownHost { host, hosts });
            }
        }
        check_data("data_mb", r.data_mb)?;
        if let Some(cap) = r.rate_cap_mbps {
            check_cap(cap)?;
        }
        self.topology
            .route(r.src, r.dst)
            .ok_or(NetworkError::UnknownHost {
                host: r.src.max(r.dst),
                hosts,
            })
    }

    /// Starts a flow of `data_mb` MB from host `src` to host `dst`, at most
    /// `rate_cap_mbps`, and re-shares the links of its component.
    ///
    /// # Errors
    /// An unknown host, negative or non-finite data, a cap that is not a
    /// positive finite number, or [`NetworkError::TooManyFlows`].
    pub fn add_flow(
        &mut self,
        src: u32,
        dst: u32,
        data_mb: f64,
        rate_cap_mbps: Option<f64>,
    ) -> Result<FlowId, NetworkError> {
        let request = FlowRequest {
            src,
            dst,
            data_mb,
            rate_cap_mbps,
        };
        let route = self.check_request(&request)?;
        if self.free.is_empty() && u32::try_from(self.flows.len()).is_err() {
            return Err(NetworkError::TooManyFlows);
        }
        let index = self.attach(&request, route);
        self.start_component();
        self.seed_flow(index);
        self.recompute_component();
        Ok(self.flows[index as usize].id(index))
    }

    /// Starts several flows at once with one recomputation (e.g. the
    /// migrations a consolidation round decides). All or nothing: on error
    /// no flow is added.
    ///
    /// # Errors
    /// As [`add_flow`](Self::add_flow), for the first bad request.
    pub fn add_flows(&mut self, requests: &[FlowRequest]) -> Result<Vec<FlowId>, NetworkError> {
        let mut ids = Vec::with_capacity(requests.len());
        self.add_flows_into(requests, &mut ids)?;
        Ok(ids)
    }

    /// [`add_flows`](Self::add_flows), writing the ids into `ids` (cleared
    /// first): nothing is allocated once the network and `ids` have seen as
    /// many flows.
    ///
    /// # Errors
    /// As [`add_flows`](Self::add_flows); `ids` is then empty.
    pub fn add_flows_into(
        &mut self,
        requests: &[FlowRequest],
        ids: &mut Vec<FlowId>,
    ) -> Result<(), NetworkError> {
        ids.clear();
        let mut routes = std::mem::take(&mut self.scratch.routes);
        routes.clear();
        for r in requests {
            match self.check_request(r) {
                Ok(route) => routes.push(route),
                Err(e) => {
                    self.scratch.routes = routes;
                    return Err(e);
                }
            }
        }
        let new_slots = requests.len().saturating_sub(self.free.len());
        if u32::try_from(self.flows.len() + new_slots).is_err() {
            self.scratch.routes = routes;
            return Err(NetworkError::TooManyFlows);
        }
        let mut indices = std::mem::take(&mut self.scratch.indices);
        indices.clear();
        for (r, &route) in requests.iter().zip(&routes) {
            indices.push(self.attach(r, route));
        }
        self.start_component();
        for &index in &indices {
            self.seed_flow(index);
        }
        self.recompute_component();
        ids.extend(indices.iter().map(|&i| self.flows[i as usize].id(i)));
        self.scratch.routes = routes;
        self.scratch.indices = indices;
        Ok(())
    }

    /// Stops a flow (complete or not) and re-shares the links it crossed.
    /// Returns the data it had left, MB.
    ///
    /// # Errors
    /// [`NetworkError::UnknownFlow`].
    pub fn remove_flow(&mut self, id: FlowId) -> Result<f64, NetworkError> {
        let index = self.slot(id)?;
        let remaining_mb = self.flows[index].remaining_at(self.now_s);
        self.start_component();
        self.seed_links_of(index);
        self.detach(index);
        self.recompute_component();
        Ok(remaining_mb)
    }

    /// Stops several flows with one recomputation (e.g. simultaneous
    /// completions). All or nothing.
    ///
    /// # Errors
    /// [`NetworkError::UnknownFlow`], or [`NetworkError::DuplicateFlow`] if
    /// an id appears twice.
    pub fn remove_flows(&mut self, ids: &[FlowId]) -> Result<(), NetworkError> {
        self.start_component();
        for &id in ids {
            let index = self.slot(id)?;
            // `mark` doubles as "already in this batch".
            if self.flows[index].mark == self.scratch.epoch {
                return Err(NetworkError::DuplicateFlow(id));
            }
            self.flows[index].mark = self.scratch.epoch;
        }
        // Validated: the marks are dropped by the next epoch.
        self.start_component();
        for &id in ids {
            let index = id.index as usize;
            self.seed_links_of(index);
            self.detach(index);
        }
        self.recompute_component();
        Ok(())
    }

    /// Sets (or, with `None`, lifts) a flow's rate cap and re-shares its component.
    ///
    /// # Errors
    /// An unknown flow, or a cap that is not a positive finite number.
    pub fn set_rate_cap(&mut self, id: FlowId, rate_cap_mbps: Option<f64>) -> Result<(), NetworkError> {
        let index = self.slot(id)?;
        if let Some(cap) = rate_cap_mbps {
            check_cap(cap)?;
        }
        self.flows[index].cap_mbps = rate_cap_mbps.unwrap_or(f64::INFINITY);
        self.start_component();
        self.seed_flow(index as u32);
        self.recompute_component();
        Ok(())
    }

    /// Sets a flow's remaining data to `remaining_mb` from now on (rates do
    /// not depend on data, so nothing is re-shared; only its completion time
    /// moves). What it sent so far stays counted.
    ///
    /// # Errors
    /// An unknown flow, or negative or non-finite data.
    pub fn set_remaining(&mut self, id: FlowId, remaining_mb: f64) -> Result<(), NetworkError> {
        let index = self.slot(id)?;
        check_data("remaining_mb", remaining_mb)?;
        let now_s = self.now_s;
        let flow = &mut self.flows[index];
        let old_mb = flow.remaining_at(now_s);
        flow.total_mb += remaining_mb - old_mb;
        flow.ref_remaining_mb = remaining_mb;
        flow.ref_t_s = now_s;
        flow.stamp += 1;
        if let Some(t_s) = flow.completion_s() {
            self.completions.push(Completion {
                t_s,
                flow: index as u32,
                stamp: flow.stamp,
            });
        }
        self.settle_completions();
        Ok(())
    }

    /// Appends `data_mb` to a flow (a pre-copy round re-sending dirtied
    /// pages over the same connection).
    ///
    /// # Errors
    /// An unknown flow, or negative or non-finite data.
    pub fn add_data(&mut self, id: FlowId, data_mb: f64) -> Result<(), NetworkError> {
        check_data("data_mb", data_mb)?;
        let remaining_mb = self.remaining_mb(id).ok_or(NetworkError::UnknownFlow(id))?;
        self.set_remaining(id, remaining_mb + data_mb)
    }

    /// Changes the constant background load of one link direction and
    /// re-shares the flows connected to it.
    ///
    /// # Errors
    /// An unknown link, or a load that is negative, not finite or not below
    /// the link's capacity.
    pub fn set_link_background_mbps(
        &mut self,
        link: LinkId,
        background_mbps: f64,
    ) -> Result<(), NetworkError> {
        let capacity_mbps = self
            .topology
            .capacity_mbps(link)
            .ok_or(NetworkError::UnknownLink {
                link,
                links: self.links.len(),
            })?;
        let spec = super::LinkSpec {
            capacity_mbps,
            background_mbps,
        };
        self.topology
            .set_link(link, spec)
            .map_err(|_| NetworkError::InvalidBackground {
                value: background_mbps,
                capacity_mbps,
            })?;
        self.start_component();
        self.seed_link(link.0);
        self.recompute_component();
        Ok(())
    }

    /// Re-shares every flow from scratch. Incremental updates give
    /// bit-identical rates; this exists to check that, and to benchmark it.
    pub fn recompute_all(&mut self) {
        self.start_component();
        // A link without flows has load 0 already (its last flow's removal
        // recomputed it), so only links with flows take part.
        for l in 0..self.link_flows.len() {
            if !self.link_flows[l].is_empty() {
                self.seed_link(l as u32);
            }
        }
        for i in 0..self.flows.len() {
            if self.flows[i].live {
                self.seed_flow(i as u32);
            }
        }
        self.recompute_component();
    }

    // -------------------------------------------------------------- internals

    /// Puts a validated flow in a slot and on its links, at rate 0.
    fn attach(&mut self, r: &FlowRequest, route: Route) -> u32 {
        let flow = Flow {
            generation: 0,
            live: true,
            src: r.src,
            dst: r.dst,
            route,
            pos: [0; MAX_HOPS],
            cap_mbps: r.rate_cap_mbps.unwrap_or(f64::INFINITY),
            rate_mbps: 0.0,
            ref_t_s: self.now_s,
            ref_remaining_mb: r.data_mb,
            total_mb: r.data_mb,
            mark: 0,
            fixed: 0,
            stamp: 0,
        };
        let index = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.flows[index as usize];
                *slot = Flow {
                    generation: slot.generation,
                    stamp: slot.stamp,
                    ..flow
                };
                index
            }
            None => {
                // Callers checked the slot count fits u32.
                self.flows.push(flow);
                (self.flows.len() - 1) as u32
            }
        };
        let slot = &mut self.flows[index as usize];
        for (k, link) in route.links().iter().enumerate() {
            let list = &mut self.link_flows[link.index()];
            slot.pos[k] = list.len() as u32;
            list.push(index);
        }
        self.live += 1;
        index
    }

    /// Takes a flow off its links and frees its slot (no re-sharing).
    fn detach(&mut self, index: usize) {
        let route = self.flows[index].route;
        for (k, link) in route.links().iter().enumerate() {
            let pos = self.flows[index].pos[k] as usize;
            let list = &mut self.link_flows[link.index()];
            list.swap_remove(pos);
            if let Some(&moved) = list.get(pos) {
                let moved_flow = &mut self.flows[moved as usize];
                if let Some(j) = moved_flow.route.links().iter().position(|l| l == link) {
                    moved_flow.pos[j] = pos as u32;
                }
            }
        }
        let flow = &mut self.flows[index];
        flow.live = false;
        flow.generation = flow.generation.wrapping_add(1);
        flow.stamp += 1;
        flow.rate_mbps = 0.0;
        self.free.push(index as u32);
        self.live -= 1;
    }

    /// Opens a new component search.
    fn start_component(&mut self) {
        let s = &mut self.scratch;
        s.epoch = s.epoch.wrapping_add(1);
        if s.epoch == 0 {
            // Wrapped: clear every mark so no old one equals a new epoch.
            s.link_mark.fill(0);
            for f in &mut self.flows {
                f.mark = 0;
                f.fixed = 0;
            }
            s.epoch = 1;
        }
        s.comp_links.clear();
        s.comp_flows.clear();
    }

    fn seed_link(&mut self, link: u32) {
        let s = &mut self.scratch;
        if s.link_mark[link as usize] != s.epoch {
            s.link_mark[link as usize] = s.epoch;
            s.comp_links.push(link);
        }
    }

    fn seed_links_of(&mut self, index: usize) {
        let route = self.flows[index].route;
        for link in route.links() {
            self.seed_link(link.0);
        }
    }

    fn seed_flow(&mut self, index: u32) {
        let flow = &mut self.flows[index as usize];
        if flow.mark == self.scratch.epoch {
            return;
        }
        flow.mark = self.scratch.epoch;
        self.scratch.comp_flows.push(index);
        self.seed_links_of(index as usize);
    }

    /// Grows the seeds to their connected component (breadth first over
    /// links; `comp_links` is the queue), materialises the component's
    /// progress at now, re-runs progressive filling on it, and refreshes its
    /// loads and completion times.
    fn recompute_component(&mut self) {
        let Self {
            topology,
            now_s,
            flows,
            link_flows,
            links,
            completions,
            scratch: s,
            ..
        } = self;
        let now_s = *now_s;
        let epoch = s.epoch;

        let mut next = 0;
        while let Some(&link) = s.comp_links.get(next) {
            next += 1;
            for &f in &link_flows[link as usize] {
                let flow = &mut flows[f as usize];
                if flow.mark == epoch {
                    continue;
                }
                flow.mark = epoch;
                s.comp_flows.push(f);
                for l in flow.route.links() {
                    if s.link_mark[l.index()] != epoch {
                        s.link_mark[l.index()] = epoch;
                        s.comp_links.push(l.0);
                    }
                }
            }
        }

        // Visit in memory order from here on: a breadth-first order jumps
        // around the flow and link tables (3-4× slower on a large component
        // than the sort costs), and nothing below depends on the order.
        s.comp_links.sort_unstable();
        s.comp_flows.sort_unstable();

        // Progress so far was made at the old rates.
        for &l in &s.comp_links {
            let link = &mut links[l as usize];
            link.sent_ref_mb = link.sent_at(now_s);
            link.ref_t_s = now_s;
        }
        for &f in &s.comp_flows {
            let flow = &mut flows[f as usize];
            flow.ref_remaining_mb = flow.remaining_at(now_s);
            flow.ref_t_s = now_s;
        }

        progressive_filling(topology, link_flows, links, flows, s);

        for &f in &s.comp_flows {
            let flow = &mut flows[f as usize];
            flow.stamp += 1;
            if let Some(t_s) = flow.completion_s() {
                completions.push(Completion {
                    t_s,
                    flow: f,
                    stamp: flow.stamp,
                });
            }
        }
        self.last_recomputed = self.scratch.comp_flows.len();
        self.settle_completions();
    }

    /// Drops stale entries from the top of the completion heap (so
    /// [`next_completion`](Self::next_completion) can peek through `&self`),
    /// and rebuilds it when stale entries pile up.
    fn settle_completions(&mut self) {
        let flows = &self.flows;
        let valid = |c: &Completion| {
            let f = &flows[c.flow as usize];
            f.live && f.stamp == c.stamp
        };
        if self.completions.len() > HEAP_COMPACT_FACTOR * self.live + HEAP_COMPACT_MIN {
            self.completions.retain(valid);
        }
        while let Some(top) = self.completions.peek() {
            if valid(top) {
                break;
            }
            self.completions.pop();
        }
    }
}

fn check_data(field: &'static str, value: f64) -> Result<(), NetworkError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(NetworkError::InvalidData { field, value })
    }
}

fn check_cap(cap: f64) -> Result<(), NetworkError> {
    if cap.is_finite() && cap > 0.0 {
        Ok(())
    } else {
        Err(NetworkError::InvalidRateCap(cap))
    }
}

#[cfg(test)]
mod tests;
