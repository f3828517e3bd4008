//! Unit tests of [`Network`]: sharing, progress, completions, batches and bad input.

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
