//! Applications: groups of VMs that talk to each other and must survive
//! failures together.
//!
//! Placement policies that look beyond one VM at a time need to know which
//! VMs belong together. SCAVP (Jayasinghe et al., IEEE SCC 2011) states three
//! kinds of constraint on a placement: *demand* (every host's capacity, which
//! the [`Datacenter`](crate::datacenter::Datacenter) already enforces),
//! *communication* (traffic between the VMs of an application, cheapest when
//! it stays inside a rack) and *availability* (anti-collocation: replicas
//! spread over distinct hosts or racks, so one failure does not take them
//! all). This module holds the last two as plain data in
//! [`DatacenterSpec::applications`](crate::datacenter::DatacenterSpec::applications).
//!
//! Traffic is a set of directed flows in Mbit/s; a placement's cost counts a
//! flow when its two ends run in different racks (see
//! [`placement::evaluation`](crate::placement::evaluation)). Policies see the
//! undirected weight `w(a, b) = T(a→b) + T(b→a)` through
//! [`Applications::neighbors`].
//!
//! [`Applications`] keeps sorted lookup tables beside the plain data, built
//! once by [`Applications::new`], so that "which application, which
//! neighbours, which anti-collocation sets" are binary searches: policies ask
//! them for every candidate host and keep no per-datacenter cache of their own.

use crate::datacenter::VmId;

/// Where the members of an anti-collocation set must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultDomain {
    /// At most one member per host: survives any single host failure.
    Host,
    /// At most one member per rack: survives the loss of a rack (its
    /// top-of-rack switch or power feed). A host without a rack counts as a
    /// rack of its own.
    Rack,
}

impl FaultDomain {
    /// The name used in scenarios (`"host"`, `"rack"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Rack => "rack",
        }
    }
}

/// A directed flow between two VMs of one application.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    /// The sending VM.
    pub from: VmId,
    /// The receiving VM (not `from`).
    pub to: VmId,
    /// Mean rate, Mbit/s (finite, ≥ 0).
    pub mbps: f64,
}

/// VMs that must be spread over distinct fault domains (SCAVP's availability
/// constraint).
#[derive(Debug, Clone, PartialEq)]
pub struct AntiCollocation {
    /// The members, all of the same application, no repeats.
    pub vms: Vec<VmId>,
    /// At most one member per host, or per rack.
    pub level: FaultDomain,
}

/// A group of VMs with its traffic and availability constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// Name, for messages and outputs.
    pub name: String,
    /// Members, no repeats; a VM belongs to at most one application.
    pub vms: Vec<VmId>,
    /// Flows between members.
    pub traffic: Vec<Flow>,
    /// Anti-collocation sets over members.
    pub anti_collocation: Vec<AntiCollocation>,
}

/// Every application of a datacenter (none by default), with lookup tables.
///
/// Built by [`Applications::new`]; checked by
/// [`DatacenterSpec::validate`](crate::datacenter::DatacenterSpec::validate)
/// (VM ids in range, no VM in two applications, flows between members, no
/// self-traffic, rates finite and ≥ 0, anti-collocation sets of ≥ 2 members).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applications {
    apps: Vec<Application>,
    /// (member, application index), sorted.
    membership: Vec<(VmId, u32)>,
    /// (a, b, w(a, b)) for every pair with traffic in either direction,
    /// both orientations, sorted by (a, b).
    adjacency: Vec<(VmId, VmId, f64)>,
    /// (member, set index into `sets`), sorted.
    set_membership: Vec<(VmId, u32)>,
    /// (application index, index into its `anti_collocation`).
    sets: Vec<(u32, u32)>,
}

impl Applications {
    /// The applications, with their lookup tables. Inconsistent input (see
    /// [`DatacenterSpec::validate`](crate::datacenter::DatacenterSpec::validate))
    /// is accepted here and reported there.
    pub fn new(apps: Vec<Application>) -> Self {
        let mut membership = Vec::new();
        let mut adjacency = Vec::new();
        let mut set_membership = Vec::new();
        let mut sets = Vec::new();
        for (a, app) in apps.iter().enumerate() {
            let a = a as u32;
            membership.extend(app.vms.iter().map(|&v| (v, a)));
            for f in &app.traffic {
                if f.from != f.to && f.mbps > 0.0 {
                    adjacency.push((f.from, f.to, f.mbps));
                    adjacency.push((f.to, f.from, f.mbps));
                }
            }
            for (j, set) in app.anti_collocation.iter().enumerate() {
                let s = sets.len() as u32;
                sets.push((a, j as u32));
                set_membership.extend(set.vms.iter().map(|&v| (v, s)));
            }
        }
        membership.sort_unstable();
        set_membership.sort_unstable();
        adjacency.sort_by_key(|x| (x.0, x.1));
        // w(a, b) = T(a→b) + T(b→a): merge the two orientations (and repeats).
        let mut merged: Vec<(VmId, VmId, f64)> = Vec::with_capacity(adjacency.len());
        for (a, b, w) in adjacency {
            match merged.last_mut() {
                Some(last) if last.0 == a && last.1 == b => last.2 += w,
                _ => merged.push((a, b, w)),
            }
        }
        Self {
            apps,
            membership,
            adjacency: merged,
            set_membership,
            sets,
        }
    }

    /// No application at all.
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty()
    }

    /// The applications, in the order given.
    pub fn apps(&self) -> &[Application] {
        &self.apps
    }

    /// The application VM `v` belongs to (index into [`apps`](Self::apps)).
    pub fn app_of(&self, v: VmId) -> Option<usize> {
        let i = self.membership.partition_point(|&(m, _)| m < v);
        match self.membership.get(i) {
            Some(&(m, a)) if m == v => Some(a as usize),
            _ => None,
        }
    }

    /// VM `v`'s traffic partners with the undirected weight
    /// `T(v→u) + T(u→v)` in Mbit/s, each partner once, in id order.
    pub fn neighbors(&self, v: VmId) -> impl Iterator<Item = (VmId, f64)> + '_ {
        let start = self.adjacency.partition_point(|&(a, _, _)| a < v);
        self.adjacency[start..]
            .iter()
            .take_while(move |&&(a, _, _)| a == v)
            .map(|&(_, b, w)| (b, w))
    }

    /// The anti-collocation sets VM `v` is a member of, each with its index
    /// among [`anti_collocation_sets`](Self::anti_collocation_sets).
    pub fn anti_collocation_of(&self, v: VmId) -> impl Iterator<Item = (usize, &AntiCollocation)> + '_ {
        let start = self.set_membership.partition_point(|&(m, _)| m < v);
        self.set_membership[start..]
            .iter()
            .take_while(move |&&(m, _)| m == v)
            .map(|&(_, s)| (s as usize, self.set(s as usize)))
    }

    /// Every anti-collocation set of every application, applications in
    /// order, each application's sets in order.
    pub fn anti_collocation_sets(&self) -> impl Iterator<Item = &AntiCollocation> + '_ {
        (0..self.sets.len()).map(|s| self.set(s))
    }

    fn set(&self, s: usize) -> &AntiCollocation {
        let (a, j) = self.sets[s];
        &self.apps[a as usize].anti_collocation[j as usize]
    }

    /// Every flow of every application.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> + '_ {
        self.apps.iter().flat_map(|a| a.traffic.iter())
    }
}

/// Why a set of applications is inconsistent: which application, which of
/// its fields (as named in scenarios) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApplicationError {
    /// Index of the application.
    pub app: usize,
    /// `"vms"`, `"traffic"` or `"anti_collocation"`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Checks `apps` against a datacenter of `n_vms` VMs.
pub(crate) fn validate(apps: &Applications, n_vms: usize) -> Result<(), ApplicationError> {
    const NONE: u32 = u32::MAX;
    let mut owner = vec![NONE; n_vms];
    for (a, app) in apps.apps().iter().enumerate() {
        let err = |field, message: String| {
            Err(ApplicationError {
                app: a,
                field,
                message,
            })
        };
        if app.vms.is_empty() {
            return err("vms", "an application needs at least one VM".into());
        }
        for &v in &app.vms {
            let Some(slot) = owner.get_mut(v.index()) else {
                return err(
                    "vms",
                    format!("VM {} does not exist (there are {n_vms} VMs)", v.0),
                );
            };
            if *slot == a as u32 {
                return err("vms", format!("VM {} is listed twice", v.0));
            }
            if *slot != NONE {
                return err(
                    "vms",
                    format!(
                        "VM {} already belongs to application {} (\"{}\")",
                        v.0,
                        *slot,
                        apps.apps()[*slot as usize].name
                    ),
                );
            }
            *slot = a as u32;
        }
        let member = |v: VmId| owner.get(v.index()) == Some(&(a as u32));
        for (k, f) in app.traffic.iter().enumerate() {
            for end in [f.from, f.to] {
                if !member(end) {
                    return err(
                        "traffic",
                        format!("flow {k}: VM {} is not a member of \"{}\"", end.0, app.name),
                    );
                }
            }
            if f.from == f.to {
                return err("traffic", format!("flow {k}: VM {} sends to itself", f.from.0));
            }
            if !(f.mbps.is_finite() && f.mbps >= 0.0) {
                return err(
                    "traffic",
                    format!(
                        "flow {k}: rate must be a finite number >= 0 Mbit/s, found {}",
                        f.mbps
                    ),
                );
            }
        }
        for (k, set) in app.anti_collocation.iter().enumerate() {
            if set.vms.len() < 2 {
                return err(
                    "anti_collocation",
                    format!("set {k}: needs at least two VMs to spread"),
                );
            }
            for (i, &v) in set.vms.iter().enumerate() {
                if !member(v) {
                    return err(
                        "anti_collocation",
                        format!("set {k}: VM {} is not a member of \"{}\"", v.0, app.name),
                    );
                }
                if set.vms[..i].contains(&v) {
                    return err("anti_collocation", format!("set {k}: VM {} is listed twice", v.0));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(vms: &[u32], flows: &[(u32, u32, f64)], sets: &[(&[u32], FaultDomain)]) -> Application {
        Application {
            name: "a".into(),
            vms: vms.iter().map(|&v| VmId(v)).collect(),
            traffic: flows
                .iter()
                .map(|&(a, b, mbps)| Flow {
                    from: VmId(a),
                    to: VmId(b),
                    mbps,
                })
                .collect(),
            anti_collocation: sets
                .iter()
                .map(|(vms, level)| AntiCollocation {
                    vms: vms.iter().map(|&v| VmId(v)).collect(),
                    level: *level,
                })
                .collect(),
        }
    }

    #[test]
    fn lookups() {
        let apps = Applications::new(vec![
            app(
                &[4, 1, 2],
                &[(1, 2, 10.0), (2, 1, 5.0), (4, 1, 1.0)],
                &[(&[1, 4], FaultDomain::Rack)],
            ),
            app(&[7, 8], &[(7, 8, 0.0)], &[]),
        ]);
        assert_eq!(apps.app_of(VmId(4)), Some(0));
        assert_eq!(apps.app_of(VmId(8)), Some(1));
        assert_eq!(apps.app_of(VmId(3)), None);
        // Both directions merged; partners in id order.
        let n: Vec<_> = apps.neighbors(VmId(1)).collect();
        assert_eq!(n, vec![(VmId(2), 15.0), (VmId(4), 1.0)]);
        assert_eq!(apps.neighbors(VmId(7)).count(), 0, "zero-rate flows are no edge");
        assert_eq!(apps.anti_collocation_of(VmId(4)).count(), 1);
        assert_eq!(apps.anti_collocation_of(VmId(2)).count(), 0);
        assert_eq!(apps.anti_collocation_sets().count(), 1);
        assert_eq!(apps.flows().count(), 4);
        assert!(validate(&apps, 9).is_ok());
    }

    #[test]
    fn validation_names_the_field() {
        let cases: [(Vec<Application>, usize, &str, &str); 8] = [
            (vec![app(&[], &[], &[])], 0, "vms", "at least one"),
            (vec![app(&[0, 9], &[], &[])], 0, "vms", "does not exist"),
            (vec![app(&[0, 0], &[], &[])], 0, "vms", "twice"),
            (
                vec![app(&[0], &[], &[]), app(&[1, 0], &[], &[])],
                1,
                "vms",
                "already belongs",
            ),
            (
                vec![app(&[0, 1], &[(0, 2, 1.0)], &[])],
                0,
                "traffic",
                "not a member",
            ),
            (vec![app(&[0, 1], &[(1, 1, 1.0)], &[])], 0, "traffic", "itself"),
            (vec![app(&[0, 1], &[(0, 1, f64::NAN)], &[])], 0, "traffic", ">= 0"),
            (
                vec![app(&[0, 1], &[], &[(&[0], FaultDomain::Host)])],
                0,
                "anti_collocation",
                "two",
            ),
        ];
        for (apps, index, field, text) in cases {
            let e = validate(&Applications::new(apps), 3).unwrap_err();
            assert_eq!((e.app, e.field), (index, field), "{e:?}");
            assert!(e.message.contains(text), "{e:?}");
        }
        let e = validate(
            &Applications::new(vec![app(
                &[0, 1],
                &[(0, 1, -1.0)],
                &[(&[0, 2], FaultDomain::Host)],
            )]),
            3,
        )
        .unwrap_err();
        assert_eq!(e.field, "traffic");
    }
}
