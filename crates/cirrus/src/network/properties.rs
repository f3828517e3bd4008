//! Properties of the network model over random topologies and random
//! sequences of changes: incremental = full recomputation (bit for bit),
//! = a fresh network with the same flows (to rounding), capacities are
//! respected, the allocation is max-min fair, and advancing conserves data.

use proptest::prelude::*;

use super::*;

/// Relative tolerance for comparisons that go through different rounding.
const REL_EPS: f64 = 1e-9;

/// Few distinct capacities and caps, so ties between levels are common.
const CAPACITIES_MBPS: [f64; 3] = [100.0, 250.0, 1000.0];
const CAPS_MBPS: [Option<f64>; 5] = [None, None, Some(50.0), Some(125.0), Some(1000.0)];

/// A topology from a few small random numbers: flat when `racks_per_agg` is 0.
fn topology(
    hosts: u32,
    hosts_per_rack: u32,
    racks_per_agg: u32,
    caps: [usize; 3],
    bg: [bool; 3],
) -> Topology {
    let link = |i: usize| {
        let capacity_mbps = CAPACITIES_MBPS[caps[i] % CAPACITIES_MBPS.len()];
        LinkSpec {
            capacity_mbps,
            background_mbps: if bg[i] { capacity_mbps / 4.0 } else { 0.0 },
        }
    };
    let tree = (racks_per_agg > 0).then(|| TreeSpec {
        hosts_per_rack,
        racks_per_aggregation: racks_per_agg,
        tor_uplinks: 1,
        tor_uplink: link(1),
        aggregation_uplinks: 2,
        aggregation_uplink: link(2),
    });
    Topology::new(&TopologySpec {
        hosts,
        host_link: link(0),
        tree,
    })
    .unwrap()
}

fn topology_strategy() -> impl Strategy<Value = Topology> {
    (
        2u32..20,
        1u32..5,
        0u32..4,
        [0usize..3, 0usize..3, 0usize..3],
        [any::<bool>(), any::<bool>(), any::<bool>()],
    )
        .prop_map(|(hosts, per_rack, per_agg, caps, bg)| topology(hosts, per_rack, per_agg, caps, bg))
}

/// One random change; numbers are reduced modulo what exists.
#[derive(Debug, Clone)]
enum Op {
    Add { src: u32, dst: u32, cap: usize },
    Remove(usize),
    Recap(usize, usize),
    Background(usize, bool),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u32>(), any::<u32>(), 0usize..CAPS_MBPS.len()).prop_map(|(src, dst, cap)| Op::Add { src, dst, cap }),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => (any::<usize>(), 0usize..CAPS_MBPS.len()).prop_map(|(k, c)| Op::Recap(k, c)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(l, b)| Op::Background(l, b)),
    ]
}

fn apply(net: &mut Network, op: &Op) {
    let hosts = net.topology().hosts();
    let ids: Vec<FlowId> = net.flow_ids().collect();
    match *op {
        Op::Add { src, dst, cap } => {
            net.add_flow(src % hosts, dst % hosts, 100.0, CAPS_MBPS[cap])
                .unwrap();
        }
        Op::Remove(k) if !ids.is_empty() => {
            net.remove_flow(ids[k % ids.len()]).unwrap();
        }
        Op::Recap(k, cap) if !ids.is_empty() => {
            net.set_rate_cap(ids[k % ids.len()], CAPS_MBPS[cap]).unwrap();
        }
        Op::Background(l, busy) => {
            let link = LinkId((l % net.topology().link_count()) as u32);
            let capacity_mbps = net.topology().capacity_mbps(link).unwrap();
            let background_mbps = if busy { capacity_mbps / 2.0 } else { 0.0 };
            net.set_link_background_mbps(link, background_mbps).unwrap();
        }
        Op::Remove(_) | Op::Recap(..) => {}
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= REL_EPS * a.abs().max(b.abs())
}

/// Rates of every flow, by id.
fn rates(net: &Network) -> Vec<(FlowId, f64)> {
    net.flow_ids()
        .map(|id| (id, net.rate_mbps(id).unwrap()))
        .collect()
}

/// Checks capacities and max-min optimality (each flow runs at its cap or
/// crosses a saturated link on which no flow gets more than it).
fn check_max_min(net: &Network) -> Result<(), TestCaseError> {
    let t = net.topology();
    let mut max_rate = vec![0.0f64; t.link_count()];
    let mut load = vec![0.0f64; t.link_count()];
    let flows: Vec<FlowInfo> = net.flow_ids().map(|id| net.flow(id).unwrap()).collect();
    for f in &flows {
        for l in f.route.links() {
            max_rate[l.index()] = max_rate[l.index()].max(f.rate_mbps);
            load[l.index()] += f.rate_mbps;
        }
    }
    for (l, &carried_mbps) in load.iter().enumerate() {
        let link = LinkId(l as u32);
        let available = t.available_mbps(link).unwrap();
        prop_assert!(
            carried_mbps <= available * (1.0 + REL_EPS),
            "{link} carries {carried_mbps} > {available}"
        );
        prop_assert!(close(carried_mbps, net.link_load_mbps(link).unwrap()));
    }
    for f in &flows {
        prop_assert!(f.rate_mbps > 0.0);
        let at_cap = f
            .rate_cap_mbps
            .is_some_and(|cap| f.rate_mbps >= cap * (1.0 - REL_EPS));
        prop_assert!(f.rate_cap_mbps.is_none_or(|cap| f.rate_mbps <= cap));
        if f.route.is_empty() {
            prop_assert!(at_cap || (f.rate_cap_mbps.is_none() && f.rate_mbps.is_infinite()));
            continue;
        }
        let bottlenecked = f.route.links().iter().any(|l| {
            let available = t.available_mbps(*l).unwrap();
            load[l.index()] >= available * (1.0 - REL_EPS)
                && f.rate_mbps >= max_rate[l.index()] * (1.0 - REL_EPS)
        });
        prop_assert!(at_cap || bottlenecked, "flow {f:?} is not bottlenecked");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn incremental_matches_full_and_is_max_min_fair(
        topology in topology_strategy(),
        ops in proptest::collection::vec(op_strategy(), 1..40),
    ) {
        let mut net = Network::new(topology);
        for op in &ops {
            apply(&mut net, op);
            let incremental = rates(&net);
            // Same network, recomputed from scratch: bit for bit.
            let mut full = net.clone();
            full.recompute_all();
            prop_assert_eq!(full.last_recomputed_flows(), net.flow_count());
            for ((id, a), (_, b)) in incremental.iter().zip(rates(&full)) {
                prop_assert_eq!(a.to_bits(), b.to_bits(), "{} differs after {:?}", id, op);
            }
            prop_assert_eq!(net.next_completion(), full.next_completion());
            for l in 0..net.topology().link_count() {
                let link = LinkId(l as u32);
                prop_assert_eq!(net.link_load_mbps(link).map(f64::to_bits), full.link_load_mbps(link).map(f64::to_bits));
            }
            // A fresh network with the same flows (other list orders): to rounding.
            let mut fresh = Network::new(net.topology().clone());
            for (id, _) in incremental.iter().rev() {
                let f = net.flow(*id).unwrap();
                fresh.add_flow(f.src, f.dst, 1.0, f.rate_cap_mbps).unwrap();
            }
            for ((_, a), (_, b)) in incremental.iter().zip(rates(&fresh).iter().rev()) {
                prop_assert!(close(*a, *b), "{} vs fresh {}", a, b);
            }
            check_max_min(&net)?;
        }
    }

    #[test]
    fn advancing_conserves_data(
        topology in topology_strategy(),
        flows in proptest::collection::vec((any::<u32>(), any::<u32>(), 1.0f64..1000.0, 0usize..CAPS_MBPS.len()), 1..20),
        steps in proptest::collection::vec((0.0f64..1.0, any::<bool>(), 0.0f64..200.0), 1..60),
    ) {
        let mut net = Network::new(topology);
        let hosts = net.topology().hosts();
        // Everything each flow was given, and what removed flows sent, per link.
        let mut given_mb: Vec<(FlowId, f64)> = Vec::new();
        let mut sent_by_removed = vec![0.0f64; net.topology().link_count()];
        for &(src, dst, data_mb, cap) in &flows {
            let id = net.add_flow(src % hosts, dst % hosts, data_mb, CAPS_MBPS[cap]).unwrap();
            given_mb.push((id, data_mb));
        }
        for &(fraction, top_up, extra_mb) in &steps {
            let Some((_, completion_s)) = net.next_completion() else { break };
            let dt_s = (completion_s - net.now_s()) * fraction;
            let ids: Vec<FlowId> = net.flow_ids().collect();
            let before: Vec<(f64, f64)> =
                ids.iter().map(|&id| (net.remaining_mb(id).unwrap(), net.rate_mbps(id).unwrap())).collect();
            let links_before: Vec<f64> =
                (0..net.topology().link_count()).map(|l| net.link_sent_mb(LinkId(l as u32)).unwrap()).collect();
            let t_s = net.now_s() + dt_s;
            net.advance_to(t_s).unwrap();
            for (&id, &(remaining_mb, rate_mbps)) in ids.iter().zip(&before) {
                let moved_mb = remaining_mb - net.remaining_mb(id).unwrap();
                let expected_mb =
                    if dt_s > 0.0 { (rate_mbps * dt_s / BITS_PER_BYTE).min(remaining_mb) } else { 0.0 };
                prop_assert!((moved_mb - expected_mb).abs() <= REL_EPS * remaining_mb.max(1.0));
            }
            for (l, sent_mb) in links_before.iter().enumerate() {
                let link = LinkId(l as u32);
                let moved_mb = net.link_sent_mb(link).unwrap() - sent_mb;
                let expected_mb = net.link_load_mbps(link).unwrap() * dt_s / BITS_PER_BYTE;
                prop_assert!((moved_mb - expected_mb).abs() <= REL_EPS * sent_mb.max(1.0));
            }
            // Jump to the completion and handle it (re-sending data or removing).
            net.advance_to(completion_s.max(net.now_s())).unwrap();
            while let Some((id, t)) = net.next_completion() && t <= net.now_s() {
                if top_up && extra_mb > 1.0 {
                    net.add_data(id, extra_mb).unwrap();
                    if let Some(g) = given_mb.iter_mut().find(|g| g.0 == id) {
                        g.1 += extra_mb;
                    }
                    break;
                }
                let sent_mb = net.sent_mb(id).unwrap();
                for l in net.flow(id).unwrap().route.links() {
                    sent_by_removed[l.index()] += sent_mb;
                }
                let remaining_mb = net.remove_flow(id).unwrap();
                prop_assert!(remaining_mb <= COMPLETION_REL_TOL * sent_mb.max(COMPLETION_FLOOR_MB));
                let given = given_mb.iter().find(|g| g.0 == id).unwrap().1;
                prop_assert!((sent_mb + remaining_mb - given).abs() <= REL_EPS * given);
            }
        }
        // Each link carried exactly what the flows crossing it sent.
        let mut per_link = sent_by_removed;
        for id in net.flow_ids() {
            let f = net.flow(id).unwrap();
            let given = given_mb.iter().find(|g| g.0 == id).unwrap().1;
            prop_assert!((f.sent_mb + f.remaining_mb - given).abs() <= REL_EPS * given);
            for l in f.route.links() {
                per_link[l.index()] += f.sent_mb;
            }
        }
        for (l, expected_mb) in per_link.iter().enumerate() {
            let sent_mb = net.link_sent_mb(LinkId(l as u32)).unwrap();
            prop_assert!((sent_mb - expected_mb).abs() <= REL_EPS * expected_mb.max(1.0), "link {l}: {sent_mb} vs {expected_mb}");
        }
    }
}
