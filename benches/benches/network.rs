//! Max-min rate recomputation in `cirrus::network` at datacenter scale:
//! 10,000 concurrent flows on a three-tier tree of 1,000 racks × 40 hosts
//! (20 racks per aggregation switch, so 50 aggregation switches).
//!
//! For each traffic pattern two things are timed:
//!
//! * `add+remove`: one flow starts and stops again, each re-sharing only the
//!   affected component (what a simulation pays per migration start/end);
//! * `full`: `Network::recompute_all`, progressive filling over every flow
//!   and link (what a simulator without components pays per change).
//!
//! Patterns: `rack-local` (both ends in one rack: many small components),
//! `mixed` (90 % rack-local, 10 % between uniform random hosts) and
//! `uniform` (random host pairs, nearly all across aggregation switches:
//! the core links join almost every flow into one component, so there is
//! little to save). The mean component size of the timed changes is printed.
//!
//! Measured on the 2-core development machine while other builds ran (load
//! average ≈ 9, so absolute times are pessimistic; the ratios hold):
//!
//! | pattern | mean component | add+remove | full | full / (add+remove) |
//! |---|---|---|---|---|
//! | rack-local | 1.6 flows | 2.3 µs | 8.8 ms | ≈ 3,800× |
//! | mixed | 215 flows | 0.42 ms | 13.1 ms | ≈ 31× |
//! | uniform | 9,979 flows | 26.6 ms | 10.6 ms | ≈ 0.4× (two recomputations of the giant component) |
//!
//! Under callgrind a full recomputation is about 11 M instructions
//! (rack-local) to 13 M (uniform): roughly 1,100 per flow.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use cirrus::network::{FlowRequest, LinkSpec, Network, Topology, TopologySpec, TreeSpec};
use criterion::{Criterion, criterion_group, criterion_main};

/// Concurrent flows in the network while measuring.
const FLOWS: usize = 10_000;
/// Racks in the datacenter.
const RACKS: u32 = 1_000;
/// Hosts under each top-of-rack switch.
const HOSTS_PER_RACK: u32 = 40;
/// Racks under each aggregation switch.
const RACKS_PER_AGGREGATION: u32 = 20;
/// Host NICs: 10 Gbit/s.
const HOST_LINK_MBPS: f64 = 10_000.0;
/// Four 40 Gbit/s ToR uplinks: 400 Gbit/s of hosts over 160 (2.5:1).
const TOR_UPLINKS: u32 = 4;
const TOR_UPLINK_MBPS: f64 = 40_000.0;
/// Eight 100 Gbit/s core links per aggregation switch: 3.2 Tbit/s of
/// ToR uplinks over 0.8 (4:1).
const AGGREGATION_UPLINKS: u32 = 8;
const AGGREGATION_UPLINK_MBPS: f64 = 100_000.0;
/// Data per flow, MB (an 8 GB VM's RAM); it does not affect the timing.
const FLOW_MB: f64 = 8_192.0;
/// Distinct changes cycled through while timing `add+remove`.
const PROBES: usize = 1_024;
/// Share of `mixed` flows that are rack-local, in percent.
const MIXED_LOCAL_PERCENT: u64 = 90;
/// Any non-zero xorshift state works; fixed so every run sees the same flows.
const RNG_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Marsaglia's xorshift64 (as in the engine bench): cheap and reproducible.
struct XorShift64(u64);

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `0..n` (modulo bias is irrelevant here).
    fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n)) as u32
    }
}

#[derive(Clone, Copy)]
enum Pattern {
    RackLocal,
    Mixed,
    Uniform,
}

impl Pattern {
    fn name(self) -> &'static str {
        match self {
            Pattern::RackLocal => "rack-local",
            Pattern::Mixed => "mixed",
            Pattern::Uniform => "uniform",
        }
    }

    /// A (source, destination) pair of distinct hosts.
    fn pair(self, rng: &mut XorShift64) -> (u32, u32) {
        let hosts = RACKS * HOSTS_PER_RACK;
        let local = match self {
            Pattern::RackLocal => true,
            Pattern::Mixed => rng.next_u64() % 100 < MIXED_LOCAL_PERCENT,
            Pattern::Uniform => false,
        };
        let src = rng.below(hosts);
        let dst = if local {
            let rack_first = src - src % HOSTS_PER_RACK;
            rack_first + (src % HOSTS_PER_RACK + 1 + rng.below(HOSTS_PER_RACK - 1)) % HOSTS_PER_RACK
        } else {
            (src + 1 + rng.below(hosts - 1)) % hosts
        };
        (src, dst)
    }
}

fn topology() -> Topology {
    Topology::new(&TopologySpec {
        hosts: RACKS * HOSTS_PER_RACK,
        host_link: LinkSpec::idle(HOST_LINK_MBPS),
        tree: Some(TreeSpec {
            hosts_per_rack: HOSTS_PER_RACK,
            racks_per_aggregation: RACKS_PER_AGGREGATION,
            tor_uplinks: TOR_UPLINKS,
            tor_uplink: LinkSpec::idle(TOR_UPLINK_MBPS),
            aggregation_uplinks: AGGREGATION_UPLINKS,
            aggregation_uplink: LinkSpec::idle(AGGREGATION_UPLINK_MBPS),
        }),
    })
    .expect("the bench topology is valid")
}

/// The network with [`FLOWS`] flows of `pattern`, and [`PROBES`] further
/// pairs to add and remove.
fn loaded(pattern: Pattern) -> (Network, Vec<(u32, u32)>) {
    let mut rng = XorShift64(RNG_SEED);
    let requests: Vec<FlowRequest> = (0..FLOWS)
        .map(|_| {
            let (src, dst) = pattern.pair(&mut rng);
            FlowRequest {
                src,
                dst,
                data_mb: FLOW_MB,
                rate_cap_mbps: None,
            }
        })
        .collect();
    let mut net = Network::new(topology());
    net.add_flows(&requests).expect("valid flows");
    let probes = (0..PROBES).map(|_| pattern.pair(&mut rng)).collect();
    (net, probes)
}

fn recompute(c: &mut Criterion) {
    let mut group = c.benchmark_group("network/10k-flows");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for pattern in [Pattern::RackLocal, Pattern::Mixed, Pattern::Uniform] {
        let (mut net, probes) = loaded(pattern);
        let mut component_flows = 0;
        for &(src, dst) in &probes {
            let id = net.add_flow(src, dst, FLOW_MB, None).expect("valid flow");
            component_flows += net.last_recomputed_flows();
            net.remove_flow(id).expect("live flow");
        }
        eprintln!(
            "network/10k-flows/{}: mean component of an added flow = {:.1} flows",
            pattern.name(),
            component_flows as f64 / PROBES as f64
        );
        let mut next = 0;
        group.bench_function(format!("{}/add+remove", pattern.name()), |b| {
            b.iter(|| {
                let (src, dst) = probes[next % PROBES];
                next += 1;
                let id = net.add_flow(src, dst, FLOW_MB, None).expect("valid flow");
                black_box(net.rate_mbps(id));
                net.remove_flow(id).expect("live flow")
            })
        });
        group.bench_function(format!("{}/full", pattern.name()), |b| {
            b.iter(|| {
                net.recompute_all();
                black_box(net.next_completion())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, recompute);
criterion_main!(benches);
