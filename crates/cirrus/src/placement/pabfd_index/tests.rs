//! The index against the scan (a brute-force oracle), and its parts against
//! brute force.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestCaseResult, TestRunner};

use super::rule::{u_ceil_for_sum_below, u_floor_for_sum_at_least};
use super::tree::{NIL, UtilizationTree};
use super::*;
use crate::datacenter::{HostSpec, HostType};
use crate::power::{AnalyticPowerModel, PowerModel, SpecPowerTable};

fn host_type(mips_per_core: f64, cores: u32, power: Arc<dyn PowerModel>) -> HostType {
    HostType {
        name: "t".into(),
        mips_per_core,
        cores,
        ram_mb: 4096,
        bw_mbps: 1000.0,
        storage_mb: 0,
        power,
        power_name: "p".into(),
        off_power_w: 0.0,
        power_states: None,
    }
}

fn table(watts: &[f64]) -> Arc<dyn PowerModel> {
    Arc::new(SpecPowerTable::new(watts.to_vec()).expect("valid table"))
}

fn pieces(watts: &[f64]) -> LinearPieces {
    LinearPieces::new(&SpecPowerTable::new(watts.to_vec()).expect("valid table"))
}

// ---------------------------------------------------------------------------
// The rule
// ---------------------------------------------------------------------------

#[test]
fn equal_slopes_make_one_piece() {
    // A straight line given as 11 points is one piece (the differences are
    // all exactly 10), so every host gets the same increase for a VM.
    let line: Vec<f64> = (0..11).map(|k| 100.0 + 10.0 * f64::from(k)).collect();
    let p = pieces(&line);
    assert_eq!(p.pieces(), 1);
    let x = 0.13;
    let first = paper_increase(&p, 0.0, x);
    for k in 0..=87 {
        let u = f64::from(k) / 100.0;
        assert_eq!(paper_increase(&p, u, x).to_bits(), first.to_bits(), "u = {u}");
    }
    // CloudSim's G4 table: 3.4 and 3.4 (89.4 − 86, 96 − 92.6) are not equal
    // doubles' exact differences... but only adjacent equal steps merge.
    let g4 = pieces(&crate::power::HP_ML110_G4_XEON_3040);
    assert_eq!(g4.pieces(), 10);
    // Flat and repeated steps merge: 3 pieces.
    let p = pieces(&[10.0, 12.0, 14.0, 14.0, 14.0, 20.0]);
    assert_eq!(p.pieces(), 3);
}

#[test]
fn the_rule_is_the_tables_increase() {
    let tables: [&[f64]; 4] = [
        &crate::power::HP_ML110_G4_XEON_3040,
        &crate::power::HP_ML110_G5_XEON_3075,
        &crate::power::IBM_X3550_XEON_X5670,
        &[50.0, 80.0, 70.0, 70.0, 90.0],
    ];
    for w in tables {
        let model = SpecPowerTable::new(w.to_vec()).unwrap();
        let p = LinearPieces::new(&model);
        for a in 0..=100 {
            for b in 0..=40 {
                let (u, x) = (f64::from(a) / 100.0 + 0.0013, f64::from(b) / 97.0);
                let u = u.min(1.0);
                let exact = model.power_watts((u + x).min(1.0)) - model.power_watts(u);
                let rule = paper_increase(&p, u, x);
                assert!((rule - exact).abs() < 1e-9, "u = {u}, x = {x}: {rule} vs {exact}");
            }
        }
        // Capped, full, empty, and out-of-range inputs.
        assert_eq!(paper_increase(&p, 1.0, 0.3), 0.0);
        assert_eq!(paper_increase(&p, 1.7, 0.3), 0.0);
        assert_eq!(paper_increase(&p, 0.5, 0.0), 0.0);
        assert_eq!(paper_increase(&p, f64::NAN, 0.2), paper_increase(&p, 0.0, 0.2));
        assert_eq!(
            paper_increase(&p, 0.4, f64::INFINITY),
            paper_increase(&p, 0.4, 0.6)
        );
        assert!((paper_increase(&p, 0.0, 2.0) - (w[w.len() - 1] - w[0])).abs() < 1e-9);
    }
}

#[test]
fn piece_boundaries_are_the_least_doubles_of_their_pieces() {
    for w in [
        &crate::power::HP_ML110_G4_XEON_3040[..],
        &[1.0, 5.0, 2.0, 2.0, 9.0, 3.0, 3.5][..],
    ] {
        let p = pieces(w);
        for q in 1..p.pieces() {
            let low = p.low(q);
            assert_eq!(p.piece(low), q);
            assert_eq!(p.piece(low.next_down()), q - 1);
            assert_eq!(p.piece(p.high(q - 1)), q - 1);
        }
        assert_eq!(p.piece(1.0), p.pieces());
        assert_eq!(p.piece(1.0_f64.next_down()), p.pieces() - 1);
        // The index's range tests: piece(u) ≥ i ⟺ u ≥ low(i), and
        // target(u, x) ≥ j ⟺ u + x ≥ low(j), around every breakpoint.
        let mut us = vec![0.0, 1.0, 0.5, 0.3, 0.7];
        for q in 0..=p.pieces() {
            let b = p.low(q);
            us.extend([b, b.next_up(), b.next_down(), b - 0.1, b - 0.3, b - 0.05]);
        }
        us.retain(|u| (0.0..=1.0).contains(u));
        for &u in &us {
            for &x in &[0.0, 0.1, 0.3, 0.05, 1e-17, 0.7, 1.0] {
                for q in 0..=p.pieces() + 1 {
                    assert_eq!(p.piece(u) >= q, u >= p.low(q), "u = {u}, piece {q}");
                    assert_eq!(
                        p.target(u, x) >= q,
                        u + x >= p.low(q),
                        "u = {u}, x = {x}, piece {q}"
                    );
                }
            }
        }
    }
}

/// The least `u ≥ 0` with `fl(u + x) ≥ t`, by bisection on the bits.
fn least_u_with_sum_at_least(t: f64, x: f64) -> f64 {
    if x >= t {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0_f64.to_bits(), t.to_bits());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if f64::from_bits(mid) + x >= t {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    f64::from_bits(hi)
}

#[test]
fn utilisation_bounds_hold() {
    let mut s = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut xs = vec![0.0, 0.1, 0.3, 0.7, 1e-17, 5e-17, 0.3 - 1e-17, 1.0];
    let mut ts = vec![
        0.1,
        0.2,
        0.3,
        0.30000000000000004,
        0.7,
        1.0,
        1.0_f64.next_down(),
        1e-16,
    ];
    for _ in 0..2000 {
        xs.push(next());
        ts.push(next().max(1e-300));
    }
    for &t in &ts {
        for &x in xs.iter().take(60) {
            let least = least_u_with_sum_at_least(t, x);
            let floor = u_floor_for_sum_at_least(t, t.next_up() - t, x);
            assert!(floor <= least, "t = {t}, x = {x}: {floor} > {least}");
            if least > 0.0 {
                let below = least.next_down();
                assert!(below + x < t);
                assert!(
                    u_ceil_for_sum_below(t, t.next_up() - t, x) >= below,
                    "t = {t}, x = {x}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parts
// ---------------------------------------------------------------------------

#[test]
fn tree_queries_match_brute_force() {
    let n = 300;
    let mut tree = UtilizationTree::new(n);
    let mut keys: Vec<Option<f64>> = vec![None; n];
    let mut s = 7u64;
    let mut rnd = |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    for round in 0..4000 {
        let p = rnd(n as u64) as usize;
        // Few distinct keys: many equal utilisations.
        let u = rnd(23) as f64 / 22.0;
        if round % 500 == 499 {
            for k in keys.iter_mut() {
                *k = (rnd(3) != 0).then(|| rnd(23) as f64 / 22.0);
            }
            tree.rebuild(
                keys.iter()
                    .enumerate()
                    .filter_map(|(q, k)| k.map(|u| (q as u32, u))),
            );
        } else if keys[p].is_some() {
            tree.remove(p as u32);
            keys[p] = None;
        } else {
            tree.insert(p as u32, u);
            keys[p] = Some(u);
        }
        if round % 50 != 0 {
            continue;
        }
        tree.check();
        assert_eq!(tree.len(), keys.iter().flatten().count());
        for a in 0..23 {
            for b in a..24 {
                let (lo, hi) = (a as f64 / 22.0, b as f64 / 22.0);
                let from = |u: f64| u >= lo;
                let until = |u: f64| u >= hi;
                let brute = keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.is_some_and(|u| from(u) && !until(u)))
                    .map(|(q, _)| q as u32)
                    .next()
                    .unwrap_or(NIL);
                assert_eq!(tree.lowest_between(from, until), brute);
                let first = keys
                    .iter()
                    .enumerate()
                    .filter_map(|(q, k)| k.filter(|&u| from(u)).map(|u| (u, q)))
                    .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                assert_eq!(
                    tree.pos(tree.first_where(from)),
                    first.map_or(NIL, |(_, q)| q as u32)
                );
                let last = keys
                    .iter()
                    .enumerate()
                    .filter_map(|(q, k)| k.filter(|&u| !until(u)).map(|u| (u, q)))
                    .max_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                assert_eq!(
                    tree.pos(tree.last_where_not(until)),
                    last.map_or(NIL, |(_, q)| q as u32)
                );
            }
        }
    }
}

#[test]
fn pairs_sort_by_key_then_position() {
    let mut s = 99u64;
    for (n, distinct) in [
        (100usize, 7u64),
        (20_000, 5),
        (20_000, 1 << 53),
        (9000, 1 << 20),
        (300, 1 << 53),
    ] {
        let pairs: Vec<(u64, u32)> = (0..n as u32)
            .map(|p| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Utilisations' bit patterns: few distinct values, values
                // close together, values anywhere in [0, 1].
                let u = ((s >> 11) % distinct) as f64 / distinct as f64;
                let u = if distinct == 1 << 20 { 0.5 + u * 1e-9 } else { u };
                (u.to_bits(), p)
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_unstable();
        assert_eq!(UtilizationTree::sort_pairs(n, &pairs), want, "n = {n}");
    }
}

#[test]
fn position_sets_find_the_next_member() {
    for n in [1usize, 63, 64, 65, 4096, 4097, 10_000] {
        let mut set = PositionSet::new(n);
        assert!(set.is_empty());
        let members: Vec<usize> = (0..n).filter(|i| (i * 7919) % 13 == 0 || *i == n - 1).collect();
        for &m in &members {
            set.insert(m as u32);
        }
        set.remove(0);
        let members: Vec<usize> = members.into_iter().filter(|&m| m != 0).collect();
        for p in 0..n {
            let want = members.iter().find(|&&m| m >= p).map_or(NIL, |&m| m as u32);
            assert_eq!(set.first_from(p as u32), want, "n = {n}, p = {p}");
        }
        assert_eq!(set.first_from(n as u32), NIL);
        assert_eq!(set.is_empty(), members.is_empty());
    }
}

#[test]
fn bad_input_is_an_error() {
    let types = [host_type(1000.0, 0, table(&[1.0, 2.0]))];
    let hosts = [HostSpec {
        host_type: 0,
        rack: None,
    }];
    assert!(matches!(
        PabfdIndex::new(&types, &hosts),
        Err(IndexError::BadCapacity { .. })
    ));
    let types = [host_type(1000.0, 2, table(&[1.0, 2.0]))];
    let hosts = [HostSpec {
        host_type: 1,
        rack: None,
    }];
    assert!(matches!(
        PabfdIndex::new(&types, &hosts),
        Err(IndexError::UnknownHostType {
            host: 0,
            host_type: 1,
            types: 1
        })
    ));
}

#[test]
fn queries_allocate_nothing_once_warm() {
    let types = [
        host_type(1860.0, 2, table(&crate::power::HP_ML110_G4_XEON_3040)),
        host_type(2660.0, 2, table(&crate::power::HP_ML110_G5_XEON_3075)),
    ];
    let hosts: Vec<HostSpec> = (0..400)
        .map(|h| HostSpec {
            host_type: h % 2,
            rack: None,
        })
        .collect();
    let mut index = PabfdIndex::new(&types, &hosts).unwrap();
    index.rebuild(|h| match h.0 % 10 {
        0 => HostStanding::Idle,
        k => HostStanding::Busy(0.3 + 0.06 * f64::from(k) + f64::from(h.0) * 1e-5),
    });
    let scratch = |i: &PabfdIndex| {
        (
            i.buckets.capacity(),
            i.unopened.capacity(),
            i.open.capacity(),
            i.refused.capacity(),
        )
    };
    // Warm up with the most demanding query (every host refused), then many more.
    assert_eq!(index.choose(100.0, |_| true, |_| false), None);
    let warm = scratch(&index);
    for q in 0..2000u32 {
        let d = 30.0 + f64::from(q % 97) * 11.0;
        let idle = |t: usize| !(q as usize + t).is_multiple_of(3);
        let got = index.choose(d, idle, |h| (h.0 * 31 + q) % 7 != 0);
        assert_eq!(got, index.scan(d, idle, |h| (h.0 * 31 + q) % 7 != 0));
    }
    assert_eq!(scratch(&index), warm);
}

// ---------------------------------------------------------------------------
// The oracle: the index returns what the scan returns
// ---------------------------------------------------------------------------

#[test]
fn large_datacenters_agree_with_the_scan() {
    // Thousands of hosts per type: the rebuild's counting sort, deep trees.
    let types = [
        host_type(1860.0, 2, table(&crate::power::HP_ML110_G4_XEON_3040)),
        host_type(2660.0, 2, table(&crate::power::HP_ML110_G5_XEON_3075)),
        host_type(2933.0, 12, table(&crate::power::IBM_X3550_XEON_X5670)),
    ];
    let n = 9000;
    let hosts: Vec<HostSpec> = (0..n)
        .map(|h| HostSpec {
            host_type: h % 3,
            rack: None,
        })
        .collect();
    let mut s = 0x0123_4567_89AB_CDEF_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut draw = move || {
        let r = next();
        let f = (r >> 11) as f64 / (1u64 << 53) as f64;
        match r % 10 {
            0 => HostStanding::Idle,
            1 => HostStanding::Absent,
            // Integer percentages: many exact ties, some on breakpoints.
            2..=4 => HostStanding::Busy(((r >> 20) % 101) as f64 / 100.0),
            _ => HostStanding::Busy(0.3 + 0.7 * f),
        }
    };
    let mut standings: Vec<HostStanding> = (0..n).map(|_| draw()).collect();
    let mut index = PabfdIndex::new(&types, &hosts).unwrap();
    index.rebuild(|h| standings[h.index()]);
    for q in 0..600u64 {
        if q % 200 == 199 {
            standings = (0..n).map(|_| draw()).collect();
            index.rebuild(|h| standings[h.index()]);
        }
        let h = (q * 7919 % n as u64) as usize;
        standings[h] = draw();
        index.set(HostId(h as u32), standings[h]);
        let demand = 20.0 + (q % 50) as f64 * 23.0;
        let refusal = [0, 10, 50, 90, 99][q as usize % 5];
        let eligible = |h: HostId| (u64::from(h.0) * 2654435761 + q * 40503) % 100 >= refusal;
        let idle_type = |t: usize| !(q + t as u64).is_multiple_of(3);
        assert_eq!(
            index.choose(demand, idle_type, eligible),
            index.scan(demand, idle_type, eligible),
            "query {q}"
        );
    }
    for ty in &index.types {
        ty.tree.check();
    }
}

/// One host type of a random datacenter.
#[derive(Debug, Clone)]
enum PowerPlan {
    /// A table from a first value and steps drawn from a few (repeated,
    /// zero, negative) values: equal slopes, flat and falling pieces,
    /// non-convex shapes.
    Table(f64, Vec<f64>),
    /// CloudSim's linear model (not a table: scanned).
    Linear(f64, f64),
}

#[derive(Debug, Clone)]
struct TypePlan {
    power: PowerPlan,
    mips_per_core: f64,
    cores: u32,
}

/// How a host's utilisation is drawn.
#[derive(Debug, Clone, Copy)]
enum UPlan {
    Absent,
    Idle,
    /// One of the case's shared utilisations (exact ties).
    Shared(usize),
    /// `k / n` exactly: on a table breakpoint.
    Breakpoint(u32, u32),
    /// So that `u + x` lands on a breakpoint for one of the case's demands.
    SumOnBreakpoint(usize, u32, u32),
    Zero,
    One,
    AboveOne,
    JustBelowOne,
    Any(f64),
}

#[derive(Debug, Clone)]
struct Plan {
    types: Vec<TypePlan>,
    /// Host type and utilisation plan of each host.
    hosts: Vec<(usize, UPlan)>,
    shared: Vec<f64>,
    /// Demands as a fraction of host type 0's capacity.
    demands: Vec<f64>,
    /// Refusal probability, percent.
    refusal: u32,
    seed: u64,
    /// Build with one bulk rebuild (else with single updates).
    bulk: bool,
    /// Hosts updated between queries, and their new plans.
    updates: Vec<(usize, UPlan)>,
}

const STEPS: [f64; 9] = [0.0, 0.0, 2.0, 2.0, 3.4, 3.2, -3.0, 10.0, 0.1];

fn type_plan() -> impl Strategy<Value = TypePlan> {
    let power = prop_oneof![
        6 => (40.0..200.0f64, vec(0..STEPS.len(), 1..=12))
            .prop_map(|(w0, steps)| PowerPlan::Table(w0.round(), steps.into_iter().map(|s| STEPS[s]).collect())),
        1 => (0usize..7).prop_map(|i| PowerPlan::Table(-1.0, vec![i as f64])),
        1 => (50.0..300.0f64, 0.0..=1.0f64).prop_map(|(m, f)| PowerPlan::Linear(m, f)),
    ];
    (
        power,
        prop::sample::select(vec![1000.0, 1860.0, 2660.0, 2500.0]),
        1u32..=4,
    )
        .prop_map(|(power, mips_per_core, cores)| TypePlan {
            power,
            mips_per_core,
            cores,
        })
}

fn u_plan() -> impl Strategy<Value = UPlan> {
    prop_oneof![
        1 => Just(UPlan::Absent),
        3 => Just(UPlan::Idle),
        8 => (0usize..6).prop_map(UPlan::Shared),
        3 => (0u32..=12, 1u32..=12).prop_map(|(k, n)| UPlan::Breakpoint(k.min(n), n)),
        3 => (0usize..8, 0u32..=12, 1u32..=12).prop_map(|(q, k, n)| UPlan::SumOnBreakpoint(q, k.min(n), n)),
        1 => Just(UPlan::Zero),
        1 => Just(UPlan::One),
        1 => Just(UPlan::AboveOne),
        1 => Just(UPlan::JustBelowOne),
        4 => (0.0..1.0f64).prop_map(UPlan::Any),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    (vec(type_plan(), 1..=4), 1usize..=150).prop_flat_map(|(types, n)| {
        let t = types.len();
        (
            Just(types),
            vec((0..t, u_plan()), n),
            vec(prop_oneof![0.0..1.0f64, Just(0.5), Just(0.25)], 6),
            vec(
                prop_oneof![4 => 0.0..0.35f64, 1 => 0.35..1.3f64, 1 => Just(0.0), 1 => Just(0.1)],
                1..=8,
            ),
            prop::sample::select(vec![0u32, 0, 20, 50, 80, 95, 100]),
            any::<u64>(),
            any::<bool>(),
            vec((0..n, u_plan()), 0..=6),
        )
            .prop_map(
                |(types, hosts, shared, demands, refusal, seed, bulk, updates)| Plan {
                    types,
                    hosts,
                    shared,
                    demands,
                    refusal,
                    seed,
                    bulk,
                    updates,
                },
            )
    })
}

fn build_types(plan: &Plan) -> Vec<HostType> {
    const SPEC: [[f64; 11]; 7] = [
        crate::power::HP_ML110_G3_PENTIUM_D930,
        crate::power::HP_ML110_G4_XEON_3040,
        crate::power::HP_ML110_G5_XEON_3075,
        crate::power::IBM_X3250_XEON_X3470,
        crate::power::IBM_X3250_XEON_X3480,
        crate::power::IBM_X3550_XEON_X5670,
        crate::power::IBM_X3550_XEON_X5675,
    ];
    plan.types
        .iter()
        .map(|t| {
            let power: Arc<dyn PowerModel> = match &t.power {
                PowerPlan::Table(w0, steps) if *w0 < 0.0 => table(&SPEC[steps[0] as usize]),
                PowerPlan::Table(w0, steps) => {
                    let mut w = vec![*w0];
                    for s in steps {
                        w.push((w[w.len() - 1] + s).max(0.0));
                    }
                    table(&w)
                }
                PowerPlan::Linear(max_w, f) => Arc::new(AnalyticPowerModel::linear(*max_w, *f).unwrap()),
            };
            host_type(t.mips_per_core, t.cores, power)
        })
        .collect()
}

fn standing_of(plan: &Plan, types: &[HostType], t: usize, u: UPlan) -> HostStanding {
    let demand = |q: usize| plan.demands[q % plan.demands.len()] * types[0].total_mips();
    HostStanding::Busy(match u {
        UPlan::Absent => return HostStanding::Absent,
        UPlan::Idle => return HostStanding::Idle,
        UPlan::Shared(i) => plan.shared[i],
        UPlan::Breakpoint(k, n) => f64::from(k) / f64::from(n),
        UPlan::SumOnBreakpoint(q, k, n) => f64::from(k) / f64::from(n) - demand(q) / types[t].total_mips(),
        UPlan::Zero => 0.0,
        UPlan::One => 1.0,
        UPlan::AboveOne => 1.25,
        UPlan::JustBelowOne => 1.0_f64.next_down(),
        UPlan::Any(u) => u,
    })
}

/// What the cases covered.
#[derive(Default)]
struct Coverage {
    queries: AtomicUsize,
    chosen: AtomicUsize,
    none: AtomicUsize,
    /// The winner's increase equals another eligible candidate's: the id decided.
    id_ties: AtomicUsize,
    /// ... with a candidate at another utilisation.
    ties_across_utilisations: AtomicUsize,
    /// ... between an idle and a busy host.
    idle_busy_ties: AtomicUsize,
    /// Hosts refused before the winner.
    refusals: AtomicUsize,
    capped_winners: AtomicUsize,
    falling_bucket_winners: AtomicUsize,
    breakpoint_winners: AtomicUsize,
    scanned_type_winners: AtomicUsize,
    merged_tables: AtomicUsize,
}

fn check_case(plan: &Plan, cov: &Coverage) -> TestCaseResult {
    let types = build_types(plan);
    let specs: Vec<HostSpec> = plan
        .hosts
        .iter()
        .map(|&(t, _)| HostSpec {
            host_type: t,
            rack: None,
        })
        .collect();
    let mut index = PabfdIndex::new(&types, &specs).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for ty in &index.types {
        if let IncreaseRule::Pieces(p) = &ty.rule
            && p.segments() > p.pieces()
        {
            cov.merged_tables.fetch_add(1, Relaxed);
        }
    }
    let mut standings: Vec<HostStanding> = plan
        .hosts
        .iter()
        .map(|&(t, u)| standing_of(plan, &types, t, u))
        .collect();
    if plan.bulk {
        index.rebuild(|h| standings[h.index()]);
    } else {
        // Single updates, in a scrambled order, through an intermediate state.
        for h in (0..standings.len()).rev() {
            index.set(HostId(h as u32), HostStanding::Busy(0.5));
        }
        for h in (1..standings.len())
            .step_by(2)
            .chain((0..standings.len()).step_by(2))
        {
            index.set(HostId(h as u32), standings[h]);
        }
    }
    let mut rng = plan.seed;
    for (q, &fraction) in plan.demands.iter().enumerate() {
        if q > 0 && !plan.updates.is_empty() {
            // Placements moved some hosts.
            let (h, u) = plan.updates[q % plan.updates.len()];
            standings[h] = standing_of(plan, &types, plan.hosts[h].0, u);
            index.set(HostId(h as u32), standings[h]);
        }
        for ty in &index.types {
            ty.tree.check();
        }
        let demand = fraction * types[0].total_mips();
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // All idle hosts, none, or those of some types.
        let idle_types = match rng >> 62 {
            0 => 0,
            1 => u64::MAX,
            _ => rng >> 20,
        };
        let idle_type = |t: usize| (idle_types >> t) & 1 == 1;
        let salt = rng;
        let eligible = |h: HostId| {
            let z = (u64::from(h.0) ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (z >> 32) % 100 >= u64::from(plan.refusal)
        };
        let scan = index.scan(demand, idle_type, eligible);
        let mut asked = Vec::new();
        let got = index.choose(demand, idle_type, |h| {
            asked.push(h);
            eligible(h)
        });
        cov.queries.fetch_add(1, Relaxed);
        prop_assert_eq!(
            got.map(|c| (c.host, c.increase_w.to_bits())),
            scan.map(|c| (c.host, c.increase_w.to_bits()))
        );

        // The candidates in (increase, id) order: what the index must have asked.
        let key = |h: HostId| (index.increase_w(h, demand), h);
        let mut candidates: Vec<(f64, HostId)> = (0..standings.len())
            .map(|h| HostId(h as u32))
            .filter(|&h| match standings[h.index()] {
                HostStanding::Absent => false,
                HostStanding::Idle => idle_type(plan.hosts[h.index()].0),
                HostStanding::Busy(_) => true,
            })
            .map(key)
            .collect();
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let asked_keys: Vec<(f64, HostId)> = asked.iter().map(|&h| key(h)).collect();
        let expected_count = match got {
            // Every candidate up to the winner (equal increases compare as
            // equal even for −0 and +0: total_cmp only orders the list).
            Some(c) => {
                candidates
                    .iter()
                    .position(|&(_, h)| h == c.host)
                    .expect("the winner is a candidate")
                    + 1
            }
            None => candidates.len(),
        };
        prop_assert_eq!(asked.len(), expected_count, "asked {:?}", asked_keys);
        for w in asked_keys.windows(2) {
            prop_assert!(
                w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1),
                "out of order: {:?}",
                w
            );
        }
        for (n, &h) in asked.iter().enumerate() {
            prop_assert_eq!(eligible(h), got.is_some() && n + 1 == asked.len());
        }
        cov.refusals.fetch_add(asked.len().saturating_sub(1), Relaxed);

        let Some(c) = got else {
            cov.none.fetch_add(1, Relaxed);
            continue;
        };
        cov.chosen.fetch_add(1, Relaxed);
        let t = index.host_type[c.host.index()] as usize;
        let ty = &index.types[t];
        let x = canonical_demand(demand / ty.capacity_mips);
        let u_of = |h: HostId| match standings[h.index()] {
            HostStanding::Busy(u) => canonical_utilization(u),
            _ => 0.0,
        };
        let u = u_of(c.host);
        let rivals: Vec<HostId> = candidates
            .iter()
            .filter(|&&(v, h)| v == c.increase_w && h != c.host && eligible(h))
            .map(|&(_, h)| h)
            .collect();
        if !rivals.is_empty() {
            cov.id_ties.fetch_add(1, Relaxed);
            if rivals.iter().any(|&h| u_of(h) != u) {
                cov.ties_across_utilisations.fetch_add(1, Relaxed);
            }
            let idle = |h: HostId| standings[h.index()] == HostStanding::Idle;
            if rivals.iter().any(|&h| idle(h) != idle(c.host)) {
                cov.idle_busy_ties.fetch_add(1, Relaxed);
            }
        }
        match &ty.rule {
            IncreaseRule::Pieces(p) => {
                let (i, j) = (p.piece(u), p.target(u, x));
                if j == p.pieces() && i < j {
                    cov.capped_winners.fetch_add(1, Relaxed);
                }
                if p.bucket_constants(i, j, x).1 < 0.0 {
                    cov.falling_bucket_winners.fetch_add(1, Relaxed);
                }
                if (1..p.pieces()).any(|q| p.low(q) == u || p.low(q) == u + x) {
                    cov.breakpoint_winners.fetch_add(1, Relaxed);
                }
            }
            IncreaseRule::Model(_) => {
                cov.scanned_type_winners.fetch_add(1, Relaxed);
            }
        }
    }
    // Queries leave the index as they found it.
    for (h, &s) in standings.iter().enumerate() {
        prop_assert_eq!(index.standing(HostId(h as u32)), canonical_standing(s));
    }
    for ty in &index.types {
        ty.tree.check();
        prop_assert_eq!(
            ty.tree.len(),
            if matches!(ty.rule, IncreaseRule::Pieces(_)) {
                ty.busy
            } else {
                0
            }
        );
    }
    Ok(())
}

#[test]
fn the_index_returns_what_the_scan_returns() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        // Generating is most of the work, and the dev-profile ChaCha is slow.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    });
    let cov = Coverage::default();
    if let Err(e) = runner.run(&plan(), |plan| check_case(&plan, &cov)) {
        panic!("{e}");
    }
    let get = |a: &AtomicUsize| a.load(Relaxed);
    let report = [
        ("queries", get(&cov.queries)),
        ("chosen", get(&cov.chosen)),
        ("no host", get(&cov.none)),
        ("ties decided by id", get(&cov.id_ties)),
        ("  across utilisations", get(&cov.ties_across_utilisations)),
        ("  between idle and busy", get(&cov.idle_busy_ties)),
        ("refusals before the winner", get(&cov.refusals)),
        ("capped winners (u + x > 1)", get(&cov.capped_winners)),
        ("winners from falling buckets", get(&cov.falling_bucket_winners)),
        ("winners on a breakpoint", get(&cov.breakpoint_winners)),
        ("winners of scanned types", get(&cov.scanned_type_winners)),
        ("tables with merged pieces", get(&cov.merged_tables)),
    ];
    eprintln!("{report:#?}");
    // Scaled to the number of cases, so that PROPTEST_CASES=100 still checks.
    let min = (cases as usize / 100).max(1);
    for (what, n) in report {
        assert!(n >= min, "only {n} cases of {what:?} in {cases} cases");
    }
}
