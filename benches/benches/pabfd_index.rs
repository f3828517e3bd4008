//! The paper's PABFD choice: `cirrus::placement::pabfd_index::PabfdIndex`
//! against a plain scan of the same rule, on CloudSim's PlanetLab host mix
//! (alternating HP ML110 G4 and G5, SPECpower tables) at ×1 (800 hosts) and
//! ×64 (51,200 hosts).
//!
//! Utilisations: 10 % of hosts idle; of the busy ones 80 % uniform in
//! 0.3–0.9, 10 % in 0.05–0.3, 10 % in 0.9–1. VM demands: uniform in 1–30 %
//! of a G4 (37–1,116 MIPS). The eligibility predicate is a table lookup that
//! refuses 10 % of hosts (`query`) or 50 % (`query-refusing-half`); the scan
//! asks it only of a host that would beat the best so far, the index only of
//! hosts in increasing (increase, id) order. Both return the same host (checked
//! before timing).
//!
//! Timed: `query` (one choice), `update` (one host's utilisation changes and
//! changes back: two O(log n) updates), `rebuild` (every host's utilisation
//! recorded at once, as after a step). With `PABFD_PROBE` set the binary runs
//! a fixed workload instead (see `run_probe`), for instruction and allocation
//! counts.
//!
//! Measured on the 2-core development machine while other builds ran (load
//! average 4–6; criterion's median estimates; another run at load ≈ 5 gave
//! times up to 1.8× these), with instruction counts from callgrind
//! (`PABFD_PROBE`, difference of two runs, per operation), which do not
//! depend on the load:
//!
//! | | ×1 (800 hosts) | ×64 (51,200 hosts) |
//! |---|---|---|
//! | scan, query | 7.7 µs (95,600 instr.) | 443 µs (6,080,000 instr.) |
//! | index, query | 0.64 µs (8,250 instr.) | 0.42 µs (7,320 instr.) |
//! | scan, query refusing half | 5.6 µs | 434 µs |
//! | index, query refusing half | 0.78 µs | 0.41 µs |
//! | index, update (two `set`s) | 0.23 µs | 0.88 µs |
//! | index, rebuild | 10.8 µs (168,000 instr.) | 1.24 ms (11,100,000 instr.) |
//!
//! Under heaptrack, `PABFD_PROBE="mixed x64 0"` and `"mixed x64 20000"` (20,000
//! more queries, 40,000 updates, 20 rebuilds) make the same 618 allocations
//! (×1: 607 and 607).

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use cirrus::datacenter::{HostId, HostSpec, HostType};
use cirrus::placement::pabfd_index::{HostStanding, PabfdIndex};
use cirrus::power::{PowerModel, SpecPowerTable};
use criterion::{Criterion, criterion_group, criterion_main};

/// Hosts at ×1 (CloudSim's PlanetLab experiments).
const HOSTS_X1: usize = 800;
/// Queries cycled through while timing.
const PROBES: usize = 1024;

/// A small deterministic generator (no dependency).
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

fn host_type(name: &str, mips_per_core: f64, power: SpecPowerTable) -> HostType {
    let power: Arc<dyn PowerModel> = Arc::new(power);
    HostType {
        name: name.into(),
        mips_per_core,
        cores: 2,
        ram_mb: 4096,
        bw_mbps: 1000.0,
        storage_mb: 0,
        power,
        power_name: name.into(),
        off_power_w: 0.0,
        power_states: None,
    }
}

/// A datacenter of `hosts` hosts in the PlanetLab mix, its index, the refusal
/// tables and the probes (demand MIPS, salt).
struct Setup {
    index: PabfdIndex,
    standings: Vec<HostStanding>,
    /// `refuse[r][h]`: refusals at 10 % and 50 %.
    refuse: [Vec<bool>; 2],
    probes: Vec<f64>,
}

fn setup(hosts: usize) -> Setup {
    let types = [
        host_type("g4", 1860.0, SpecPowerTable::hp_ml110_g4()),
        host_type("g5", 2660.0, SpecPowerTable::hp_ml110_g5()),
    ];
    let specs: Vec<HostSpec> = (0..hosts)
        .map(|h| HostSpec {
            host_type: h % 2,
            rack: None,
        })
        .collect();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let standings: Vec<HostStanding> = (0..hosts)
        .map(|_| {
            let r = rng.next_f64();
            if r < 0.1 {
                HostStanding::Idle
            } else if r < 0.82 {
                HostStanding::Busy(rng.between(0.3, 0.9))
            } else if r < 0.91 {
                HostStanding::Busy(rng.between(0.05, 0.3))
            } else {
                HostStanding::Busy(rng.between(0.9, 1.0))
            }
        })
        .collect();
    let refuse = [0.1, 0.5].map(|p| (0..hosts).map(|_| rng.next_f64() < p).collect());
    let g4_mips = types[0].total_mips();
    let probes = (0..PROBES).map(|_| rng.between(0.01, 0.3) * g4_mips).collect();
    let mut index = PabfdIndex::new(&types, &specs).expect("valid datacenter");
    index.rebuild(|h| standings[h.index()]);
    Setup {
        index,
        standings,
        refuse,
        probes,
    }
}

/// The index agrees with the scan on every probe.
fn check(s: &mut Setup) {
    for (q, &d) in s.probes.iter().enumerate() {
        let refuse = &s.refuse[q % 2];
        let ok = |h: HostId| !refuse[h.index()];
        let idle = |_| q % 3 != 0;
        assert_eq!(s.index.choose(d, idle, ok), s.index.scan(d, idle, ok));
    }
}

/// `queries` queries (`index` or `scan`), each followed by two updates and,
/// every 1,000, a rebuild if `mixed`.
fn exercise(s: &mut Setup, queries: usize, index: bool, mixed: bool) {
    if !index && mixed {
        for _ in 0..queries {
            s.index.rebuild(|h| s.standings[h.index()]);
        }
        return;
    }
    for k in 0..queries {
        let d = s.probes[k % PROBES];
        let refuse = &s.refuse[k % 2];
        if index {
            black_box(s.index.choose(d, |_| k % 3 != 0, |h| !refuse[h.index()]));
        } else {
            black_box(s.index.scan(d, |_| k % 3 != 0, |h| !refuse[h.index()]));
        }
        if mixed {
            let h = HostId((k * 7919 % s.standings.len()) as u32);
            s.index.set(h, HostStanding::Busy(0.5));
            s.index.set(h, s.standings[h.index()]);
            if k % 1000 == 999 {
                s.index.rebuild(|h| s.standings[h.index()]);
            }
        }
    }
}

/// `PABFD_PROBE="<index|scan|mixed|rebuild> <x1|x64> <N>"`: instead of
/// timing, set up, warm up with 2,000 queries, and run N more (`mixed`: index
/// queries, two updates each, a rebuild every 1,000; `rebuild`: N rebuilds). For instruction counts
/// (`perf stat`, callgrind) and allocation counts (heaptrack): the
/// difference between two N is what N queries cost.
fn run_probe(probe: &str) {
    let words: Vec<&str> = probe.split_whitespace().collect();
    let [what, scale, n] = words[..] else {
        panic!("PABFD_PROBE: expected \"<index|scan|mixed> <x1|x64> <N>\", found {probe:?}");
    };
    let hosts = if scale == "x64" { 64 * HOSTS_X1 } else { HOSTS_X1 };
    let n: usize = n.parse().expect("PABFD_PROBE: N is a number");
    let (index, mixed) = match what {
        "index" => (true, false),
        "scan" => (false, false),
        "mixed" => (true, true),
        "rebuild" => (false, true),
        _ => panic!("PABFD_PROBE: unknown workload {what:?}"),
    };
    let mut s = setup(hosts);
    exercise(&mut s, if index || !mixed { 2000 } else { 2 }, index, mixed);
    exercise(&mut s, n, index, mixed);
}

fn pabfd_index(c: &mut Criterion) {
    if let Ok(probe) = std::env::var("PABFD_PROBE") {
        return run_probe(&probe);
    }
    for (name, hosts) in [("x1", HOSTS_X1), ("x64", 64 * HOSTS_X1)] {
        let mut s = setup(hosts);
        check(&mut s);
        let mut group = c.benchmark_group(format!("pabfd/{name}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        for (kind, refuse) in [("query", 0), ("query-refusing-half", 1)] {
            let refuse = &s.refuse[refuse];
            let probes = &s.probes;
            let index = &mut s.index;
            let mut k = 0;
            group.bench_function(format!("{kind}/scan"), |b| {
                b.iter(|| {
                    k = (k + 1) % PROBES;
                    index.scan(probes[k], |_| true, |h| !refuse[h.index()])
                })
            });
            group.bench_function(format!("{kind}/index"), |b| {
                b.iter(|| {
                    k = (k + 1) % PROBES;
                    index.choose(probes[k], |_| true, |h| !refuse[h.index()])
                })
            });
        }
        let mut k = 0;
        let n = s.standings.len();
        group.bench_function("update", |b| {
            b.iter(|| {
                k = (k + 7919) % n;
                let h = HostId(k as u32);
                s.index
                    .set(h, HostStanding::Busy(s.probes[k % PROBES] / 4000.0 + 0.3));
                s.index.set(h, s.standings[k]);
            })
        });
        group.bench_function("rebuild", |b| {
            b.iter(|| s.index.rebuild(|h| s.standings[h.index()]))
        });
        group.finish();
    }
}

criterion_group!(benches, pabfd_index);
criterion_main!(benches);
