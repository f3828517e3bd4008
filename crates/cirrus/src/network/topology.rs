//! Datacenter topologies: which directed links a transfer between two hosts
//! crosses, and how much of each link is left for flows.
//!
//! Two shapes are built from a plain-data [`TopologySpec`]:
//!
//! * **flat**: every host hangs off one non-blocking switch by its own link;
//! * **tree**: hosts → top-of-rack (ToR) switches → aggregation switches →
//!   a non-blocking core, the classic three-tier datacenter network
//!   (Al-Fares, Loukissas & Vahdat, SIGCOMM 2008, §2.1), with the
//!   oversubscription each tier's uplinks give it.
//!
//! Switch fabrics are assumed non-blocking: only links constrain flows.
//! Parallel uplinks of one switch (e.g. four 10 Gbit/s ToR uplinks) are
//! modelled as one link of the summed capacity, i.e. perfect ECMP spreading
//! (a fluid-model simplification: real hashing puts each flow on one member
//! link, so a single flow can in fact get at most one member's capacity —
//! give it a rate cap to model that).
//!
//! Links are full duplex: each direction is its own [`LinkId`] with its own
//! capacity, so traffic A → B never competes with B → A.

use std::fmt;

/// The most links a route crosses: host up, ToR up, aggregation up,
/// aggregation down, ToR down, host down.
pub const MAX_HOPS: usize = 6;

/// Directions of a full-duplex link.
const DIRECTIONS: u32 = 2;

/// One physical link (one direction of it carries [`capacity_mbps`](Self::capacity_mbps)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSpec {
    /// Capacity of each direction, Mbit/s.
    pub capacity_mbps: f64,
    /// Constant traffic that is not modelled as flows (VM communication,
    /// storage, …) in each direction, Mbit/s: flows share only
    /// `capacity_mbps − background_mbps`. Must be below the capacity, or
    /// flows crossing the link would never finish.
    pub background_mbps: f64,
}

impl LinkSpec {
    /// A link of `capacity_mbps` in each direction with no background traffic.
    pub const fn idle(capacity_mbps: f64) -> Self {
        Self {
            capacity_mbps,
            background_mbps: 0.0,
        }
    }
}

/// The switch tree above the racks of a [`TopologySpec`].
///
/// Host `h` sits in rack `h / hosts_per_rack` (the numbering of the
/// scenario's `hosts_per_rack`, so datacenter host ids map one to one), rack
/// `r` under aggregation switch `r / racks_per_aggregation`. The last rack and
/// the last aggregation switch may be partly filled.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeSpec {
    /// Hosts under one top-of-rack switch.
    pub hosts_per_rack: u32,
    /// Racks under one aggregation switch.
    pub racks_per_aggregation: u32,
    /// Parallel links from each ToR switch to its aggregation switch.
    pub tor_uplinks: u32,
    /// One of those ToR uplinks.
    pub tor_uplink: LinkSpec,
    /// Parallel links from each aggregation switch to the core.
    pub aggregation_uplinks: u32,
    /// One of those core links.
    pub aggregation_uplink: LinkSpec,
}

/// A datacenter network to build a [`Topology`] from: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct TopologySpec {
    /// Number of hosts, numbered `0..hosts` like the datacenter's.
    pub hosts: u32,
    /// Each host's link to its switch (its ToR, or the single switch when flat).
    pub host_link: LinkSpec,
    /// The switches above the racks; `None` for a flat single-switch datacenter.
    pub tree: Option<TreeSpec>,
}

impl TopologySpec {
    /// `hosts` hosts on one switch, each with an idle link of `host_link_mbps`.
    pub const fn flat(hosts: u32, host_link_mbps: f64) -> Self {
        Self {
            hosts,
            host_link: LinkSpec::idle(host_link_mbps),
            tree: None,
        }
    }
}

/// An invalid [`TopologySpec`] (or link change), naming the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TopologyError {
    /// The field, as a path in the spec, e.g. `"tree.tor_uplink.capacity_mbps"`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// One direction of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Towards the core (leaving a host, a rack or an aggregation switch).
    Up,
    /// Towards the hosts.
    Down,
}

/// The tier a link belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkLevel {
    /// A host's link to its ToR switch (or to the single switch when flat).
    Host,
    /// A ToR switch's (bundled) uplink to its aggregation switch.
    Tor,
    /// An aggregation switch's (bundled) uplink to the core.
    Aggregation,
}

/// One direction of one link: an index into the topology's links, dense from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

impl LinkId {
    /// The id as a vector index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link #{}", self.0)
    }
}

/// What a [`LinkId`] is, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkInfo {
    /// Its tier.
    pub level: LinkLevel,
    /// The host, rack or aggregation switch it leaves from (up) or arrives at (down).
    pub index: u32,
    /// Its direction.
    pub direction: Direction,
}

/// The links a transfer crosses, in order, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    hops: [LinkId; MAX_HOPS],
    len: u8,
}

impl Route {
    /// The empty route (a transfer within one host).
    pub const EMPTY: Self = Self {
        hops: [LinkId(0); MAX_HOPS],
        len: 0,
    };

    fn push(&mut self, link: LinkId) {
        self.hops[usize::from(self.len)] = link;
        self.len += 1;
    }

    /// The links, source side first.
    pub fn links(&self) -> &[LinkId] {
        &self.hops[..usize::from(self.len)]
    }

    /// Number of links crossed.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether no link is crossed (source and destination are the same host).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Capacity and background load of one direction of one link.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LinkAttr {
    capacity_mbps: f64,
    background_mbps: f64,
}

/// The tree's shape, when there is one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tiers {
    hosts_per_rack: u32,
    racks_per_aggregation: u32,
    racks: u32,
    aggregations: u32,
}

/// A built datacenter network: hosts, links (each direction separately),
/// their capacities and background loads, and routing.
///
/// Link ids are laid out tier by tier, up before down: host `h` owns
/// `2h` (up) and `2h + 1` (down); then each rack's ToR uplink; then each
/// aggregation switch's core uplink.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    hosts: u32,
    tiers: Option<Tiers>,
    links: Vec<LinkAttr>,
}

/// Checks a [`LinkSpec`], naming `capacity_field`/`background_field` on error.
fn check_link(
    link: LinkSpec,
    capacity_field: &'static str,
    background_field: &'static str,
) -> Result<(), TopologyError> {
    if !(link.capacity_mbps.is_finite() && link.capacity_mbps > 0.0) {
        return Err(TopologyError {
            field: capacity_field,
            message: format!(
                "must be a positive number of Mbit/s, found {}",
                link.capacity_mbps
            ),
        });
    }
    if !(link.background_mbps.is_finite()
        && link.background_mbps >= 0.0
        && link.background_mbps < link.capacity_mbps)
    {
        return Err(TopologyError {
            field: background_field,
            message: format!(
                "must be >= 0 and below the link's capacity ({} Mbit/s), found {}",
                link.capacity_mbps, link.background_mbps
            ),
        });
    }
    Ok(())
}

/// Checks a count is at least 1.
fn check_count(value: u32, field: &'static str) -> Result<(), TopologyError> {
    if value == 0 {
        return Err(TopologyError {
            field,
            message: "must be at least 1".into(),
        });
    }
    Ok(())
}

impl Topology {
    /// Builds and validates the topology `spec` describes.
    ///
    /// # Errors
    /// A [`TopologyError`] naming the first invalid field: no hosts, a zero
    /// count, a capacity that is not a positive number, a background load
    /// that is negative or not below its link's capacity, or more links than
    /// `u32` ids can name.
    pub fn new(spec: &TopologySpec) -> Result<Self, TopologyError> {
        check_count(spec.hosts, "hosts")?;
        check_link(
            spec.host_link,
            "host_link.capacity_mbps",
            "host_link.background_mbps",
        )?;
        let host_attr = LinkAttr {
            capacity_mbps: spec.host_link.capacity_mbps,
            background_mbps: spec.host_link.background_mbps,
        };
        let Some(tree) = &spec.tree else {
            let links = vec![host_attr; spec.hosts as usize * DIRECTIONS as usize];
            return Self::checked(spec.hosts, None, links);
        };
        check_count(tree.hosts_per_rack, "tree.hosts_per_rack")?;
        check_count(tree.racks_per_aggregation, "tree.racks_per_aggregation")?;
        check_count(tree.tor_uplinks, "tree.tor_uplinks")?;
        check_count(tree.aggregation_uplinks, "tree.aggregation_uplinks")?;
        check_link(
            tree.tor_uplink,
            "tree.tor_uplink.capacity_mbps",
            "tree.tor_uplink.background_mbps",
        )?;
        check_link(
            tree.aggregation_uplink,
            "tree.aggregation_uplink.capacity_mbps",
            "tree.aggregation_uplink.background_mbps",
        )?;
        let racks = spec.hosts.div_ceil(tree.hosts_per_rack);
        let aggregations = racks.div_ceil(tree.racks_per_aggregation);
        let bundle = |link: LinkSpec, count: u32| LinkAttr {
            capacity_mbps: link.capacity_mbps * f64::from(count),
            background_mbps: link.background_mbps * f64::from(count),
        };
        let tor = bundle(tree.tor_uplink, tree.tor_uplinks);
        let aggregation = bundle(tree.aggregation_uplink, tree.aggregation_uplinks);
        let d = DIRECTIONS as usize;
        let mut links =
            Vec::with_capacity((spec.hosts as usize + racks as usize + aggregations as usize) * d);
        links.resize(spec.hosts as usize * d, host_attr);
        links.resize(links.len() + racks as usize * d, tor);
        links.resize(links.len() + aggregations as usize * d, aggregation);
        let tiers = Tiers {
            hosts_per_rack: tree.hosts_per_rack,
            racks_per_aggregation: tree.racks_per_aggregation,
            racks,
            aggregations,
        };
        Self::checked(spec.hosts, Some(tiers), links)
    }

    fn checked(hosts: u32, tiers: Option<Tiers>, links: Vec<LinkAttr>) -> Result<Self, TopologyError> {
        if u32::try_from(links.len()).is_err() {
            return Err(TopologyError {
                field: "hosts",
                message: format!("{} links do not fit 32-bit link ids", links.len()),
            });
        }
        Ok(Self { hosts, tiers, links })
    }

    /// Number of hosts.
    pub fn hosts(&self) -> u32 {
        self.hosts
    }

    /// Number of racks (0 when flat).
    pub fn racks(&self) -> u32 {
        self.tiers.map_or(0, |t| t.racks)
    }

    /// Number of aggregation switches (0 when flat).
    pub fn aggregations(&self) -> u32 {
        self.tiers.map_or(0, |t| t.aggregations)
    }

    /// Number of link directions, i.e. one more than the largest [`LinkId`].
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// The rack `host` sits in; `None` when flat or `host` does not exist.
    pub fn rack_of(&self, host: u32) -> Option<u32> {
        let tiers = self.tiers?;
        (host < self.hosts).then(|| host / tiers.hosts_per_rack)
    }

    /// The aggregation switch above `rack`; `None` when flat or `rack` does not exist.
    pub fn aggregation_of(&self, rack: u32) -> Option<u32> {
        let tiers = self.tiers?;
        (rack < tiers.racks).then(|| rack / tiers.racks_per_aggregation)
    }

    /// `host`'s link to its switch in direction `dir`.
    pub fn host_link(&self, host: u32, dir: Direction) -> Option<LinkId> {
        (host < self.hosts).then(|| Self::directed(0, host, dir))
    }

    /// `rack`'s ToR uplink in direction `dir`.
    pub fn tor_uplink(&self, rack: u32, dir: Direction) -> Option<LinkId> {
        let tiers = self.tiers?;
        (rack < tiers.racks).then(|| Self::directed(self.hosts, rack, dir))
    }

    /// Aggregation switch `aggregation`'s core uplink in direction `dir`.
    pub fn aggregation_uplink(&self, aggregation: u32, dir: Direction) -> Option<LinkId> {
        let tiers = self.tiers?;
        (aggregation < tiers.aggregations).then(|| Self::directed(self.hosts + tiers.racks, aggregation, dir))
    }

    /// The id of element `index` of the tier starting at element `first`.
    fn directed(first: u32, index: u32, dir: Direction) -> LinkId {
        let offset = match dir {
            Direction::Up => 0,
            Direction::Down => 1,
        };
        LinkId((first + index) * DIRECTIONS + offset)
    }

    /// What `link` is, or `None` if it does not exist.
    pub fn link_info(&self, link: LinkId) -> Option<LinkInfo> {
        if link.index() >= self.links.len() {
            return None;
        }
        let element = link.0 / DIRECTIONS;
        let direction = if link.0.is_multiple_of(DIRECTIONS) {
            Direction::Up
        } else {
            Direction::Down
        };
        let racks = self.racks();
        let (level, index) = if element < self.hosts {
            (LinkLevel::Host, element)
        } else if element < self.hosts + racks {
            (LinkLevel::Tor, element - self.hosts)
        } else {
            (LinkLevel::Aggregation, element - self.hosts - racks)
        };
        Some(LinkInfo {
            level,
            index,
            direction,
        })
    }

    /// Capacity of `link`, Mbit/s (`None` if it does not exist).
    pub fn capacity_mbps(&self, link: LinkId) -> Option<f64> {
        self.links.get(link.index()).map(|l| l.capacity_mbps)
    }

    /// Background load of `link`, Mbit/s (`None` if it does not exist).
    pub fn background_mbps(&self, link: LinkId) -> Option<f64> {
        self.links.get(link.index()).map(|l| l.background_mbps)
    }

    /// What flows may share on `link`: capacity minus background, Mbit/s.
    pub fn available_mbps(&self, link: LinkId) -> Option<f64> {
        self.links
            .get(link.index())
            .map(|l| l.capacity_mbps - l.background_mbps)
    }

    /// Same as [`available_mbps`](Self::available_mbps) for an id known to be valid.
    pub(crate) fn available_unchecked(&self, link: usize) -> f64 {
        let l = self.links[link];
        l.capacity_mbps - l.background_mbps
    }

    /// Replaces one link direction's capacity and background load, e.g. to
    /// give a host type its own NIC speed. On a bundle, `spec` describes the
    /// whole bundle.
    ///
    /// # Errors
    /// `link` does not exist, or `spec` is invalid (see [`LinkSpec`]).
    pub fn set_link(&mut self, link: LinkId, spec: LinkSpec) -> Result<(), TopologyError> {
        if link.index() >= self.links.len() {
            return Err(TopologyError {
                field: "link",
                message: format!("{link} does not exist ({} links)", self.links.len()),
            });
        }
        check_link(spec, "capacity_mbps", "background_mbps")?;
        self.links[link.index()] = LinkAttr {
            capacity_mbps: spec.capacity_mbps,
            background_mbps: spec.background_mbps,
        };
        Ok(())
    }

    /// The links a transfer from `src` to `dst` crosses: none within a host;
    /// source and destination host links within a rack (or on a flat
    /// network); also the two ToR uplinks within an aggregation switch; also
    /// the two aggregation uplinks otherwise. `None` if a host does not exist.
    pub fn route(&self, src: u32, dst: u32) -> Option<Route> {
        if src >= self.hosts || dst >= self.hosts {
            return None;
        }
        let mut route = Route::EMPTY;
        if src == dst {
            return Some(route);
        }
        route.push(Self::directed(0, src, Direction::Up));
        if let Some(tiers) = self.tiers {
            let (src_rack, dst_rack) = (src / tiers.hosts_per_rack, dst / tiers.hosts_per_rack);
            if src_rack != dst_rack {
                let tor_first = self.hosts;
                route.push(Self::directed(tor_first, src_rack, Direction::Up));
                let (src_agg, dst_agg) = (
                    src_rack / tiers.racks_per_aggregation,
                    dst_rack / tiers.racks_per_aggregation,
                );
                if src_agg != dst_agg {
                    let agg_first = self.hosts + tiers.racks;
                    route.push(Self::directed(agg_first, src_agg, Direction::Up));
                    route.push(Self::directed(agg_first, dst_agg, Direction::Down));
                }
                route.push(Self::directed(tor_first, dst_rack, Direction::Down));
            }
        }
        route.push(Self::directed(0, dst, Direction::Down));
        Some(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2 aggregation switches × 2 racks × 2 hosts (+ a partial last rack).
    fn small_tree(hosts: u32) -> Topology {
        Topology::new(&TopologySpec {
            hosts,
            host_link: LinkSpec::idle(1000.0),
            tree: Some(TreeSpec {
                hosts_per_rack: 2,
                racks_per_aggregation: 2,
                tor_uplinks: 2,
                tor_uplink: LinkSpec::idle(1000.0),
                aggregation_uplinks: 4,
                aggregation_uplink: LinkSpec {
                    capacity_mbps: 10_000.0,
                    background_mbps: 1000.0,
                },
            }),
        })
        .unwrap()
    }

    fn infos(t: &Topology, route: Route) -> Vec<(LinkLevel, u32, Direction)> {
        route
            .links()
            .iter()
            .map(|&l| {
                let i = t.link_info(l).unwrap();
                (i.level, i.index, i.direction)
            })
            .collect()
    }

    #[test]
    fn route_within_a_host_is_empty() {
        let t = small_tree(8);
        assert!(t.route(3, 3).unwrap().is_empty());
        let flat = Topology::new(&TopologySpec::flat(4, 1000.0)).unwrap();
        assert!(flat.route(2, 2).unwrap().is_empty());
    }

    #[test]
    fn route_within_a_rack_uses_the_two_host_links() {
        use Direction::*;
        use LinkLevel::*;
        let t = small_tree(8);
        assert_eq!(
            infos(&t, t.route(0, 1).unwrap()),
            [(Host, 0, Up), (Host, 1, Down)]
        );
        let flat = Topology::new(&TopologySpec::flat(4, 1000.0)).unwrap();
        assert_eq!(
            infos(&flat, flat.route(3, 0).unwrap()),
            [(Host, 3, Up), (Host, 0, Down)]
        );
    }

    #[test]
    fn route_across_racks_climbs_to_the_aggregation_switch() {
        use Direction::*;
        use LinkLevel::*;
        let t = small_tree(8);
        assert_eq!(
            infos(&t, t.route(1, 3).unwrap()),
            [(Host, 1, Up), (Tor, 0, Up), (Tor, 1, Down), (Host, 3, Down)]
        );
    }

    #[test]
    fn route_across_aggregation_switches_goes_through_the_core() {
        use Direction::*;
        use LinkLevel::*;
        let t = small_tree(9);
        // Host 8 is alone in rack 4, under aggregation switch 2.
        assert_eq!((t.racks(), t.aggregations()), (5, 3));
        assert_eq!(
            infos(&t, t.route(8, 2).unwrap()),
            [
                (Host, 8, Up),
                (Tor, 4, Up),
                (Aggregation, 2, Up),
                (Aggregation, 0, Down),
                (Tor, 1, Down),
                (Host, 2, Down)
            ]
        );
    }

    #[test]
    fn bundles_sum_their_links_and_background() {
        let t = small_tree(8);
        let tor = t.tor_uplink(1, Direction::Down).unwrap();
        assert_eq!(t.capacity_mbps(tor), Some(2000.0));
        let agg = t.aggregation_uplink(0, Direction::Up).unwrap();
        assert_eq!(t.capacity_mbps(agg), Some(40_000.0));
        assert_eq!(t.background_mbps(agg), Some(4000.0));
        assert_eq!(t.available_mbps(agg), Some(36_000.0));
    }

    #[test]
    fn link_ids_round_trip_through_link_info() {
        let t = small_tree(9);
        for l in 0..t.link_count() as u32 {
            let info = t.link_info(LinkId(l)).unwrap();
            let back = match info.level {
                LinkLevel::Host => t.host_link(info.index, info.direction),
                LinkLevel::Tor => t.tor_uplink(info.index, info.direction),
                LinkLevel::Aggregation => t.aggregation_uplink(info.index, info.direction),
            };
            assert_eq!(back, Some(LinkId(l)));
        }
        assert_eq!(t.link_info(LinkId(t.link_count() as u32)), None);
        assert_eq!(t.rack_of(5), Some(2));
        assert_eq!(t.aggregation_of(2), Some(1));
    }

    #[test]
    fn unknown_hosts_have_no_route() {
        let t = small_tree(8);
        assert_eq!(t.route(0, 8), None);
        assert_eq!(t.route(8, 0), None);
    }

    #[test]
    fn invalid_specs_name_the_field() {
        let mut spec = TopologySpec::flat(0, 1000.0);
        assert_eq!(Topology::new(&spec).unwrap_err().field, "hosts");
        spec.hosts = 4;
        spec.host_link.capacity_mbps = f64::NAN;
        assert_eq!(Topology::new(&spec).unwrap_err().field, "host_link.capacity_mbps");
        spec.host_link = LinkSpec {
            capacity_mbps: 1000.0,
            background_mbps: 1000.0,
        };
        let err = Topology::new(&spec).unwrap_err();
        assert_eq!(err.field, "host_link.background_mbps");
        assert!(
            err.to_string()
                .starts_with("host_link.background_mbps: must be >= 0")
        );
        spec.host_link.background_mbps = 0.0;
        spec.tree = Some(TreeSpec {
            hosts_per_rack: 2,
            racks_per_aggregation: 0,
            tor_uplinks: 1,
            tor_uplink: LinkSpec::idle(1000.0),
            aggregation_uplinks: 1,
            aggregation_uplink: LinkSpec::idle(1000.0),
        });
        assert_eq!(
            Topology::new(&spec).unwrap_err().field,
            "tree.racks_per_aggregation"
        );
        let tree = spec.tree.as_mut().unwrap();
        tree.racks_per_aggregation = 1;
        tree.aggregation_uplink.capacity_mbps = -1.0;
        assert_eq!(
            Topology::new(&spec).unwrap_err().field,
            "tree.aggregation_uplink.capacity_mbps"
        );
    }

    #[test]
    fn set_link_validates() {
        let mut t = Topology::new(&TopologySpec::flat(2, 1000.0)).unwrap();
        assert_eq!(
            t.set_link(LinkId(4), LinkSpec::idle(10.0)).unwrap_err().field,
            "link"
        );
        assert_eq!(
            t.set_link(LinkId(0), LinkSpec::idle(0.0)).unwrap_err().field,
            "capacity_mbps"
        );
        t.set_link(
            LinkId(0),
            LinkSpec {
                capacity_mbps: 10_000.0,
                background_mbps: 2500.0,
            },
        )
        .unwrap();
        assert_eq!(t.available_mbps(LinkId(0)), Some(7500.0));
    }
}
