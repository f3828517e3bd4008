//! The datacenter network that live migrations cross: a fluid-flow model in
//! which concurrent transfers share links max-min fairly.
//!
//! # What is modelled
//!
//! * A [`Topology`] of hosts, top-of-rack, aggregation and core switches (or
//!   a flat single switch), built from a plain-data [`TopologySpec`]. Links
//!   are full duplex — each direction is its own [`LinkId`] with its own
//!   capacity — and may carry a constant background load that flows cannot
//!   use. Switch fabrics are non-blocking; parallel uplinks form one bundle.
//! * Transfers are *flows* ([`Network::add_flow`]): an amount of data in MB
//!   from one host to another along the topology's [`Route`], optionally
//!   capped (a migration's configured speed, SimGrid's `mig_speed`). Between
//!   two changes every flow's rate is constant and its data drains linearly:
//!   `data_mb × 8 / rate_mbps` seconds for what is left, as CloudSim's
//!   `RAM / (BW / 8)` (1 Gbit/s moves 125 MB per second; MB and Mbit share
//!   their "mega", so the figure is the same for 10⁶ and 2²⁰).
//!
//! # Why max-min fairness
//!
//! Long-lived TCP transfers sharing a bottleneck converge to roughly equal
//! shares of it, and a flow held back elsewhere leaves its unused share to
//! the others: that is max-min fairness. SimGrid's flow-level network model
//! (Velho & Legrand, SIMUTools 2009), against which its VM live-migration
//! model was validated (Hirofuchi, Lèbre & Pouilloux, CloudCom 2013; see
//! `docs/MODELS.md` A.5), computes rates the same way, by
//! progressive filling over link capacities and per-flow bounds. It
//! reproduces the effect that matters for consolidation: two migrations on
//! one link each get half of it and take twice as long.
//!
//! Rates follow from progressive filling (Bertsekas & Gallager, *Data
//! Networks*, §6.5.2). A cap acts as a private link of its flow. The result
//! is the unique max-min fair allocation: no flow can get more without taking
//! from one that has no more than it. Equivalently, every flow either runs at
//! its cap or crosses a saturated link on which no flow gets more than it.
//!
//! # What is not modelled
//!
//! Latency and propagation delay, TCP slow start and window limits (give a
//! rate cap if a flow is window-bound), packet loss, queueing, protocol
//! overhead (scale capacities down for it, like SimGrid's 0.97 factor),
//! routing choices (one shortest path; multipath only as bundled links), and
//! the traffic of the VMs themselves except as constant background load.
//!
//! # Cost
//!
//! A change (a flow starts, ends or is re-capped, or a link's background load
//! changes) recomputes rates only in the *affected component*: the flows
//! linked to the changed ones through shared links, transitively; other
//! flows keep their rates untouched. Shares on disjoint components are
//! independent, and the filling orders its work by level, then
//! cap-before-link, then id — never by visiting order — so
//! [`Network::recompute_all`] gives bit-identical rates. For a component of
//! F flows and L link directions (routes have at most [`MAX_HOPS`] links),
//! finding it costs O(F + L) and the filling O((F + L) log(F + L)): the
//! initial levels are sorted once, and a link whose share rose while other
//! flows were fixed is re-queued in a heap only when its stale level comes
//! up. [`Network::add_flows`] and [`Network::remove_flows`] batch several
//! changes into one recomputation. Advancing time is O(1): progress is
//! evaluated lazily from each flow's constant rate. The next completion is
//! read in O(1) from a heap of completion times (O(log n) per recomputed
//! flow to maintain).
//!
//! Components are a topology and traffic property: rack-local traffic splits
//! into many small components; uniformly random traffic across aggregation
//! switches joins almost every flow into one through the core links, and
//! then a change costs about a full recomputation (see
//! `benches/benches/network.rs`).
//!
//! # Using it from a simulation
//!
//! Time moves only through [`Network::advance_to`]; each change applies at
//! [`Network::now_s`], so advance first. After each change, ask
//! [`Network::next_completion`] and (re)schedule one event at that time;
//! there, advance, then remove (or extend with [`Network::add_data`]) the
//! flows that are complete. Advancing past a pending completion is an error,
//! because link shares after it would be wrong. A flow counts as complete
//! when what it has left is within [`COMPLETION_REL_TOL`] of all the data it
//! was given.

mod fluid;
mod topology;

pub use fluid::{
    ADVANCE_SLACK_S, BITS_PER_BYTE, COMPLETION_FLOOR_MB, COMPLETION_REL_TOL, FlowId, FlowInfo, FlowRequest,
    Network, NetworkError,
};
pub use topology::{
    Direction, LinkId, LinkInfo, LinkLevel, LinkSpec, MAX_HOPS, Route, Topology, TopologyError, TopologySpec,
    TreeSpec,
};

#[cfg(test)]
mod properties;
