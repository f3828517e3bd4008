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

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;

use super::topology::{LinkId, MAX_HOPS, Route, Topology};

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

/// What a progressive-filling level belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LevelKind {
    /// A flow's rate cap (a private link of one flow). Before links at equal
    /// levels: either order gives the same rates; this one is just fixed.
    Cap = 0,
    /// A link's fair share: remaining capacity / flows not yet fixed on it.
    Link = 1,
}

/// A candidate water level in progressive filling, packed in one integer
/// whose order is the processing order: the share's total-order bits, then
/// the kind, then the id. Lowest level first, and ties are never decided by
/// insertion order, so the processing order (and the rates' last bits) is
/// the same for incremental and full recomputation. One `u128` sorts and
/// sifts with a single comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Level(u128);

impl Level {
    /// Sign bit of an f64 / i64.
    const SIGN: u64 = 1 << 63;

    fn new(share_mbps: f64, kind: LevelKind, id: u32) -> Self {
        let tie = (kind as u64) << u32::BITS | u64::from(id);
        Self(u128::from(Self::ordered(share_mbps.to_bits())) << u64::BITS | u128::from(tie))
    }

    /// `f64::total_cmp`'s map from bits to an ordered signed integer, then
    /// the sign bit flipped so that unsigned order is the same order.
    fn ordered(bits: u64) -> u64 {
        let mask = (((bits as i64) >> 63) as u64) >> 1;
        (bits ^ mask) ^ Self::SIGN
    }

    fn share_mbps(self) -> f64 {
        // `ordered` inverted: flip the sign back, then the same mask undoes itself.
        let signed = ((self.0 >> u64::BITS) as u64) ^ Self::SIGN;
        let mask = (((signed as i64) >> 63) as u64) >> 1;
        f64::from_bits(signed ^ mask)
    }

    fn kind(self) -> LevelKind {
        if (self.0 >> u32::BITS) & 1 == 0 {
            LevelKind::Cap
        } else {
            LevelKind::Link
        }
    }

    fn id(self) -> u32 {
        self.0 as u32
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
}

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
            link_flows: vec![Vec::new(); link_count],
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
        let routes = requests
            .iter()
            .map(|r| self.check_request(r))
            .collect::<Result<Vec<_>, _>>()?;
        let new_slots = requests.len().saturating_sub(self.free.len());
        if u32::try_from(self.flows.len() + new_slots).is_err() {
            return Err(NetworkError::TooManyFlows);
        }
        let indices: Vec<u32> = requests
            .iter()
            .zip(routes)
            .map(|(r, route)| self.attach(r, route))
            .collect();
        self.start_component();
        for &index in &indices {
            self.seed_flow(index);
        }
        self.recompute_component();
        Ok(indices.iter().map(|&i| self.flows[i as usize].id(i)).collect())
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

/// Max-min fair rates for the component in `s` by progressive filling
/// (Bertsekas & Gallager, *Data Networks*, 2nd ed., §6.5.2): raise every
/// unfixed flow's rate together; when a link runs out (its remaining capacity
/// / unfixed flows is the lowest level) or a flow reaches its cap, fix those
/// flows at that level and take their rates off their other links. Also sets
/// the component's link loads (summed in fixing order, which is the same for
/// incremental and full recomputation).
///
/// The lowest level comes from the initial levels, sorted once, merged with
/// a binary heap. Each link has one queued level at a time. Fixing a flow at
/// the lowest level only raises its other links' shares, so their queued
/// levels become stale *lower bounds*; a stale level is re-queued at the
/// link's current share when it comes up, and a fix costs no heap
/// operation. A component of F flows, L links and routes of ≤ 6 links thus
/// costs O((F + L) log(F + L)) instead of the textbook O(L) per fixed level.
fn progressive_filling(
    topology: &Topology,
    link_flows: &[Vec<u32>],
    links: &mut [LinkState],
    flows: &mut [Flow],
    s: &mut Scratch,
) {
    let Scratch {
        epoch,
        comp_links,
        comp_flows,
        rem_mbps,
        unfixed,
        stale,
        initial,
        levels,
        ..
    } = s;
    let epoch = *epoch;
    initial.clear();
    levels.clear();
    for &l in comp_links.iter() {
        let li = l as usize;
        let n = link_flows[li].len() as u32;
        links[li].load_mbps = 0.0;
        rem_mbps[li] = topology.available_unchecked(li);
        unfixed[li] = n;
        stale[li] = false;
        if n > 0 {
            initial.push(Level::new(rem_mbps[li] / f64::from(n), LevelKind::Link, l));
        }
    }
    for &f in comp_flows.iter() {
        let flow = &mut flows[f as usize];
        if flow.cap_mbps.is_finite() {
            initial.push(Level::new(flow.cap_mbps, LevelKind::Cap, f));
        } else if flow.route.is_empty() {
            // Nothing limits it: it completes at once.
            flow.rate_mbps = f64::INFINITY;
            flow.fixed = epoch;
        }
    }
    initial.sort_unstable();

    let mut water = Water {
        epoch,
        links,
        rem_mbps,
        unfixed,
        stale,
    };
    let mut next_initial = 0;
    loop {
        // The lower of the next initial level and the heap's lowest.
        let level = match (initial.get(next_initial), levels.peek()) {
            (Some(&a), Some(&Reverse(b))) if a > b => {
                levels.pop();
                b
            }
            (Some(&a), _) => {
                next_initial += 1;
                a
            }
            (None, Some(&Reverse(b))) => {
                levels.pop();
                b
            }
            (None, None) => break,
        };
        let id = level.id();
        match level.kind() {
            LevelKind::Cap => {
                let flow = &mut flows[id as usize];
                if flow.fixed != epoch {
                    water.fix(flow, level.share_mbps(), None);
                }
            }
            LevelKind::Link => {
                let li = id as usize;
                if water.unfixed[li] == 0 {
                    continue;
                }
                if water.stale[li] {
                    water.stale[li] = false;
                    let share_mbps = water.rem_mbps[li] / f64::from(water.unfixed[li]);
                    levels.push(Reverse(Level::new(share_mbps, LevelKind::Link, id)));
                    continue;
                }
                // Every unfixed flow on the link gets its share: the level,
                // rem / unfixed, unchanged since it was queued.
                let share_mbps = level.share_mbps();
                for &f in &link_flows[li] {
                    let flow = &mut flows[f as usize];
                    if flow.fixed != epoch {
                        water.fix(flow, share_mbps, Some(LinkId(id)));
                    }
                }
                water.unfixed[li] = 0;
            }
        }
    }
}

/// Progressive filling's per-link state, borrowed from [`Network`] and [`Scratch`].
struct Water<'a> {
    epoch: u32,
    links: &'a mut [LinkState],
    rem_mbps: &'a mut [f64],
    unfixed: &'a mut [u32],
    stale: &'a mut [bool],
}

impl Water<'_> {
    /// Fixes `flow` at `rate_mbps`, adds it to its links' loads and takes it
    /// off their remaining capacity — except on `skip`, the bottleneck being
    /// emptied — which makes their queued levels stale.
    fn fix(&mut self, flow: &mut Flow, rate_mbps: f64, skip: Option<LinkId>) {
        flow.rate_mbps = rate_mbps;
        flow.fixed = self.epoch;
        for &link in flow.route.links() {
            let li = link.index();
            self.links[li].load_mbps += rate_mbps;
            if Some(link) == skip {
                continue;
            }
            // Rounding may take a link a hair below 0: it has nothing left.
            self.rem_mbps[li] = (self.rem_mbps[li] - rate_mbps).max(0.0);
            self.unfixed[li] -= 1;
            self.stale[li] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Direction, LinkSpec, TopologySpec, TreeSpec};

    const GBIT_MBPS: f64 = 1000.0;

    fn flat(hosts: u32) -> Network {
        Network::new(Topology::new(&TopologySpec::flat(hosts, GBIT_MBPS)).unwrap())
    }

    /// 4 hosts per rack, 2 racks per aggregation switch, 10 Gbit/s uplinks.
    fn tree(hosts: u32) -> Network {
        let spec = TopologySpec {
            hosts,
            host_link: LinkSpec::idle(GBIT_MBPS),
            tree: Some(TreeSpec {
                hosts_per_rack: 4,
                racks_per_aggregation: 2,
                tor_uplinks: 1,
                tor_uplink: LinkSpec::idle(10.0 * GBIT_MBPS),
                aggregation_uplinks: 1,
                aggregation_uplink: LinkSpec::idle(10.0 * GBIT_MBPS),
            }),
        };
        Network::new(Topology::new(&spec).unwrap())
    }

    fn up(net: &Network, host: u32) -> LinkId {
        net.topology().host_link(host, Direction::Up).unwrap()
    }

    fn down(net: &Network, host: u32) -> LinkId {
        net.topology().host_link(host, Direction::Down).unwrap()
    }

    #[test]
    fn levels_order_by_share_then_kind_then_id_and_keep_the_share() {
        let shares = [0.0, 1e-300, 0.1, 1.0 / 3.0, 500.0, 1e6, f64::MAX];
        for (i, &a) in shares.iter().enumerate() {
            let level = Level::new(a, LevelKind::Link, 7);
            assert_eq!(level.share_mbps().to_bits(), a.to_bits());
            assert_eq!((level.kind(), level.id()), (LevelKind::Link, 7));
            for &b in &shares[i + 1..] {
                assert!(Level::new(a, LevelKind::Link, u32::MAX) < Level::new(b, LevelKind::Cap, 0));
            }
        }
        assert!(Level::new(5.0, LevelKind::Cap, 9) < Level::new(5.0, LevelKind::Link, 0));
        assert!(Level::new(5.0, LevelKind::Link, 1) < Level::new(5.0, LevelKind::Link, 2));
    }

    #[test]
    fn a_lone_flow_gets_its_link_and_takes_data_times_8_over_rate() {
        let mut net = flat(2);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        assert_eq!(net.rate_mbps(a), Some(GBIT_MBPS));
        // 1000 MB × 8 / 1000 Mbit/s.
        assert_eq!(net.next_completion(), Some((a, 8.0)));
    }

    #[test]
    fn two_flows_on_one_bottleneck_get_half_each_and_take_twice_as_long() {
        let mut net = flat(3);
        let a = net.add_flow(0, 2, 1000.0, None).unwrap();
        let b = net.add_flow(1, 2, 1000.0, None).unwrap();
        assert_eq!(net.rate_mbps(a), Some(500.0));
        assert_eq!(net.rate_mbps(b), Some(500.0));
        assert_eq!(net.next_completion(), Some((a, 16.0)));
        assert_eq!(net.link_load_mbps(down(&net, 2)), Some(GBIT_MBPS));
        assert_eq!(net.link_utilisation(down(&net, 2)), Some(1.0));
        assert_eq!(net.link_load_mbps(up(&net, 0)), Some(500.0));
    }

    #[test]
    fn opposite_directions_do_not_compete() {
        let mut net = flat(2);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        let b = net.add_flow(1, 0, 1000.0, None).unwrap();
        assert_eq!(net.rate_mbps(a), Some(GBIT_MBPS));
        assert_eq!(net.rate_mbps(b), Some(GBIT_MBPS));
    }

    /// L1 = host 0 up, L2 = host 1 down; a crosses both, b only L1, c only L2.
    fn three_flows(net: &mut Network, caps: [Option<f64>; 3]) -> [FlowId; 3] {
        [
            net.add_flow(0, 1, 1000.0, caps[0]).unwrap(),
            net.add_flow(0, 2, 1000.0, caps[1]).unwrap(),
            net.add_flow(3, 1, 1000.0, caps[2]).unwrap(),
        ]
    }

    #[test]
    fn three_flows_over_two_equal_links_get_half_each() {
        let mut net = flat(4);
        let ids = three_flows(&mut net, [None; 3]);
        for id in ids {
            assert_eq!(net.rate_mbps(id), Some(500.0));
        }
    }

    #[test]
    fn three_flows_over_unequal_links_fill_the_tighter_first() {
        // L2 at 600: a and c get 300 each there; b takes the 700 a leaves on L1.
        let mut topology = Topology::new(&TopologySpec::flat(4, GBIT_MBPS)).unwrap();
        let l2 = topology.host_link(1, Direction::Down).unwrap();
        topology.set_link(l2, LinkSpec::idle(600.0)).unwrap();
        let mut net = Network::new(topology);
        let [a, b, c] = three_flows(&mut net, [None; 3]);
        assert_eq!(net.rate_mbps(a), Some(300.0));
        assert_eq!(net.rate_mbps(b), Some(700.0));
        assert_eq!(net.rate_mbps(c), Some(300.0));
    }

    #[test]
    fn a_capped_flow_leaves_its_share_to_the_others() {
        // a capped at 300: b and c each take the 700 left on their link.
        let mut net = flat(4);
        let [a, b, c] = three_flows(&mut net, [Some(300.0), None, None]);
        assert_eq!(net.rate_mbps(a), Some(300.0));
        assert_eq!(net.rate_mbps(b), Some(700.0));
        assert_eq!(net.rate_mbps(c), Some(700.0));
        // c capped at 200 instead: a and b split L1, c stays at its cap.
        let mut net = flat(4);
        let [a, b, c] = three_flows(&mut net, [None, None, Some(200.0)]);
        assert_eq!(net.rate_mbps(a), Some(500.0));
        assert_eq!(net.rate_mbps(b), Some(500.0));
        assert_eq!(net.rate_mbps(c), Some(200.0));
    }

    #[test]
    fn caps_can_be_set_and_lifted() {
        let mut net = flat(2);
        let a = net.add_flow(0, 1, 1000.0, Some(100.0)).unwrap();
        assert_eq!(net.rate_mbps(a), Some(100.0));
        assert_eq!(net.next_completion(), Some((a, 80.0)));
        net.set_rate_cap(a, None).unwrap();
        assert_eq!(net.rate_mbps(a), Some(GBIT_MBPS));
        // A cap above the link's share changes nothing.
        net.set_rate_cap(a, Some(5000.0)).unwrap();
        assert_eq!(net.rate_mbps(a), Some(GBIT_MBPS));
        assert_eq!(net.flow(a).unwrap().rate_cap_mbps, Some(5000.0));
    }

    #[test]
    fn background_load_takes_capacity_from_flows() {
        let spec = TopologySpec {
            hosts: 2,
            host_link: LinkSpec {
                capacity_mbps: GBIT_MBPS,
                background_mbps: 400.0,
            },
            tree: None,
        };
        let mut net = Network::new(Topology::new(&spec).unwrap());
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        assert_eq!(net.rate_mbps(a), Some(600.0));
        assert_eq!(net.link_utilisation(up(&net, 0)), Some(1.0));
        net.set_link_background_mbps(down(&net, 1), 900.0).unwrap();
        assert!((net.rate_mbps(a).unwrap() - 100.0).abs() < 1e-9);
        assert!(matches!(
            net.set_link_background_mbps(down(&net, 1), GBIT_MBPS),
            Err(NetworkError::InvalidBackground { .. })
        ));
        assert!(matches!(
            net.set_link_background_mbps(LinkId(99), 1.0),
            Err(NetworkError::UnknownLink { .. })
        ));
    }

    #[test]
    fn rates_change_only_at_changes_and_progress_follows_them() {
        let mut net = flat(3);
        let a = net.add_flow(0, 2, 1000.0, None).unwrap();
        net.advance_to(4.0).unwrap();
        assert_eq!(net.remaining_mb(a), Some(500.0));
        let b = net.add_flow(1, 2, 1000.0, None).unwrap();
        // a: 500 MB left at 500 Mbit/s → 8 more seconds.
        assert_eq!(net.next_completion(), Some((a, 12.0)));
        net.advance_to(12.0).unwrap();
        assert_eq!(net.is_complete(a), Some(true));
        assert_eq!(net.remaining_mb(b), Some(500.0));
        assert_eq!(net.remove_flow(a).unwrap(), 0.0);
        assert_eq!(net.rate_mbps(b), Some(GBIT_MBPS));
        assert_eq!(net.next_completion(), Some((b, 16.0)));
        net.advance_to(16.0).unwrap();
        // Host 2's down link carried both flows: 2000 MB.
        assert_eq!(net.link_sent_mb(down(&net, 2)), Some(2000.0));
        assert_eq!(net.link_sent_mb(up(&net, 1)), Some(1000.0));
    }

    #[test]
    fn a_precopy_round_appends_data_to_the_same_flow() {
        let mut net = flat(2);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        net.advance_to(8.0).unwrap();
        assert_eq!(net.is_complete(a), Some(true));
        net.add_data(a, 250.0).unwrap();
        assert_eq!(net.next_completion(), Some((a, 10.0)));
        net.advance_to(9.0).unwrap();
        assert_eq!(net.remaining_mb(a), Some(125.0));
        assert_eq!(net.sent_mb(a), Some(1125.0));
        net.set_remaining(a, 500.0).unwrap();
        assert_eq!(net.next_completion(), Some((a, 13.0)));
        assert_eq!(net.sent_mb(a), Some(1125.0));
    }

    #[test]
    fn time_cannot_skip_a_completion_or_go_back() {
        let mut net = flat(2);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        assert!(matches!(
            net.advance_to(9.0),
            Err(NetworkError::PastCompletion { flow, completion_s: 8.0, .. }) if flow == a
        ));
        // Rounding-level overshoot is accepted as the completion instant.
        net.advance_to(8.0 + 1e-12).unwrap();
        assert_eq!(net.remaining_mb(a), Some(0.0));
        assert_eq!(net.next_completion(), Some((a, 8.0 + 1e-12)));
        assert!(matches!(
            net.advance_to(7.0),
            Err(NetworkError::TimeInPast { .. })
        ));
        assert!(matches!(
            net.advance_to(f64::NAN),
            Err(NetworkError::TimeInPast { .. })
        ));
    }

    #[test]
    fn a_flow_within_one_host_crosses_no_link() {
        let mut net = flat(2);
        let a = net.add_flow(1, 1, 1000.0, None).unwrap();
        assert!(net.flow(a).unwrap().route.is_empty());
        assert_eq!(net.rate_mbps(a), Some(f64::INFINITY));
        assert_eq!(net.next_completion(), Some((a, 0.0)));
        assert_eq!(net.remaining_mb(a), Some(0.0));
        assert_eq!(net.sent_mb(a), Some(1000.0));
        net.remove_flow(a).unwrap();
        let b = net.add_flow(1, 1, 1000.0, Some(2000.0)).unwrap();
        assert_eq!(net.rate_mbps(b), Some(2000.0));
        assert_eq!(net.next_completion(), Some((b, 4.0)));
        assert_eq!(net.last_recomputed_flows(), 1);
    }

    #[test]
    fn empty_and_simultaneous_flows_complete_in_slot_order() {
        let mut net = flat(4);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        let b = net.add_flow(2, 3, 1000.0, None).unwrap();
        let z = net.add_flow(2, 1, 0.0, None).unwrap();
        assert_eq!(net.next_completion(), Some((z, 0.0)));
        net.remove_flow(z).unwrap();
        net.advance_to(8.0).unwrap();
        let mut done = Vec::new();
        while let Some((id, t_s)) = net.next_completion()
            && t_s <= net.now_s()
        {
            done.push(id);
            net.remove_flow(id).unwrap();
        }
        assert_eq!(done, [a, b]);
        assert_eq!(net.flow_count(), 0);
        assert_eq!(net.next_completion(), None);
    }

    #[test]
    fn routes_decide_which_flows_compete() {
        let mut net = tree(16);
        // Same rack (hosts 0..4): only host links.
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        assert_eq!(net.flow(a).unwrap().route.len(), 2);
        // Same aggregation switch (racks 0 and 1): through the ToR uplinks.
        let b = net.add_flow(2, 5, 1000.0, None).unwrap();
        assert_eq!(net.flow(b).unwrap().route.len(), 4);
        // Racks 0 and 2 are under different aggregation switches.
        let c = net.add_flow(3, 9, 1000.0, None).unwrap();
        assert_eq!(net.flow(c).unwrap().route.len(), 6);
        let d = net.add_flow(3, 3, 1000.0, None).unwrap();
        assert_eq!(net.flow(d).unwrap().route.len(), 0);
        for id in [a, b, c] {
            assert_eq!(net.rate_mbps(id), Some(GBIT_MBPS));
        }
    }

    #[test]
    fn oversubscribed_uplinks_are_shared() {
        // 8 hosts of rack 0 send to rack 1 through one 2 Gbit/s ToR uplink.
        let spec = TopologySpec {
            hosts: 16,
            host_link: LinkSpec::idle(GBIT_MBPS),
            tree: Some(TreeSpec {
                hosts_per_rack: 8,
                racks_per_aggregation: 2,
                tor_uplinks: 2,
                tor_uplink: LinkSpec::idle(GBIT_MBPS),
                aggregation_uplinks: 1,
                aggregation_uplink: LinkSpec::idle(GBIT_MBPS),
            }),
        };
        let mut net = Network::new(Topology::new(&spec).unwrap());
        let ids: Vec<FlowId> = (0..8)
            .map(|h| net.add_flow(h, h + 8, 100.0, None).unwrap())
            .collect();
        for id in ids {
            assert_eq!(net.rate_mbps(id), Some(250.0));
        }
    }

    #[test]
    fn only_the_affected_component_is_recomputed() {
        let mut net = tree(16);
        let a = net.add_flow(0, 1, 1000.0, None).unwrap();
        let b = net.add_flow(1, 2, 1000.0, None).unwrap();
        let c = net.add_flow(4, 5, 1000.0, None).unwrap();
        let before = net.rate_mbps(c);
        // d shares host 0's up link with a; a (0 up, 1 down) and b (1 up,
        // 2 down) share no link, so the component is {a, d}.
        let d = net.add_flow(0, 3, 1000.0, None).unwrap();
        assert_eq!(net.last_recomputed_flows(), 2);
        assert_eq!(net.rate_mbps(a), Some(500.0));
        assert_eq!(net.rate_mbps(d), Some(500.0));
        assert_eq!(net.rate_mbps(b), Some(GBIT_MBPS));
        assert_eq!(net.rate_mbps(c), before);
        net.remove_flow(d).unwrap();
        assert_eq!(net.last_recomputed_flows(), 1);
        assert_eq!(net.rate_mbps(a), Some(GBIT_MBPS));
        net.recompute_all();
        assert_eq!(net.last_recomputed_flows(), 3);
    }

    #[test]
    fn batches_match_one_by_one() {
        let requests = [
            FlowRequest {
                src: 0,
                dst: 9,
                data_mb: 100.0,
                rate_cap_mbps: None,
            },
            FlowRequest {
                src: 1,
                dst: 9,
                data_mb: 200.0,
                rate_cap_mbps: Some(150.0),
            },
            FlowRequest {
                src: 5,
                dst: 12,
                data_mb: 300.0,
                rate_cap_mbps: None,
            },
        ];
        let mut batch = tree(16);
        let ids = batch.add_flows(&requests).unwrap();
        let mut single = tree(16);
        for r in &requests {
            single.add_flow(r.src, r.dst, r.data_mb, r.rate_cap_mbps).unwrap();
        }
        for &id in &ids {
            assert_eq!(batch.flow(id), single.flow(id));
        }
        assert_eq!(
            batch.remove_flows(&[ids[0], ids[0]]),
            Err(NetworkError::DuplicateFlow(ids[0]))
        );
        assert_eq!(batch.flow_count(), 3);
        batch.remove_flows(&[ids[0], ids[2]]).unwrap();
        assert_eq!(batch.flow_ids().collect::<Vec<_>>(), [ids[1]]);
        assert_eq!(batch.rate_mbps(ids[1]), Some(150.0));
    }

    #[test]
    fn bad_input_is_an_error_and_changes_nothing() {
        let mut net = flat(2);
        assert_eq!(
            net.add_flow(0, 2, 1.0, None),
            Err(NetworkError::UnknownHost { host: 2, hosts: 2 })
        );
        assert!(matches!(
            net.add_flow(0, 1, -1.0, None),
            Err(NetworkError::InvalidData { field: "data_mb", .. })
        ));
        assert!(matches!(
            net.add_flow(0, 1, f64::INFINITY, None),
            Err(NetworkError::InvalidData { .. })
        ));
        assert_eq!(
            net.add_flow(0, 1, 1.0, Some(0.0)),
            Err(NetworkError::InvalidRateCap(0.0))
        );
        let bad = FlowRequest {
            src: 0,
            dst: 1,
            data_mb: f64::NAN,
            rate_cap_mbps: None,
        };
        let good = FlowRequest { data_mb: 1.0, ..bad };
        assert!(net.add_flows(&[good, bad]).is_err());
        assert_eq!(net.flow_count(), 0);
        let a = net.add_flow(0, 1, 1.0, None).unwrap();
        assert!(net.set_remaining(a, -5.0).is_err());
        assert!(net.add_data(a, f64::NAN).is_err());
        assert!(net.set_rate_cap(a, Some(f64::NAN)).is_err());
        net.remove_flow(a).unwrap();
        // The slot is reused; the old id stays dead.
        let b = net.add_flow(0, 1, 1.0, None).unwrap();
        assert_eq!(a.index(), b.index());
        assert_ne!(a, b);
        assert_eq!(net.remove_flow(a), Err(NetworkError::UnknownFlow(a)));
        assert_eq!(net.rate_mbps(a), None);
        assert!(net.add_data(a, 1.0).is_err());
        assert!(
            NetworkError::UnknownFlow(a)
                .to_string()
                .contains("never added, or already removed")
        );
    }
}
