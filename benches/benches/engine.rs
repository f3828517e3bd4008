//! Engine throughput on the classic "hold" model (Vaucher & Duval, 1975):
//! the queue holds a constant number of pending events, and each handled
//! event schedules one successor at `now + random delay`. This isolates the
//! cost of the run loop and the event queue from any model logic.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use cirrus_engine::{Engine, Handler, Scheduler, SimTime};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Events handled per measured iteration.
const EVENTS_PER_RUN: u64 = 1_000_000;
/// Pending-event populations: cache-resident vs. well beyond L2.
const QUEUE_SIZES: [usize; 2] = [1_000, 100_000];
/// Mean inter-event delay of each pending event, in simulated seconds.
const MEAN_DELAY_S: f64 = 1.0;
/// Any non-zero xorshift state works; fixed so every run sees the same events.
const RNG_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Marsaglia's xorshift64: a few cycles per number, so the benchmark measures
/// the engine rather than the generator.
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

    /// Exponentially distributed delay with mean [`MEAN_DELAY_S`], by
    /// inversion of a uniform in (0, 1].
    fn exp_delay(&mut self) -> f64 {
        // The top 53 bits make a uniform double in [0, 1); 1 - u avoids ln(0).
        const MANTISSA_BITS: u32 = f64::MANTISSA_DIGITS;
        let u = (self.next_u64() >> (u64::BITS - MANTISSA_BITS)) as f64 / (1u64 << MANTISSA_BITS) as f64;
        -MEAN_DELAY_S * (1.0 - u).ln()
    }
}

/// The hold model's handler: every event schedules its successor, and the
/// run stops once the budget is spent.
struct Hold {
    rng: XorShift64,
    remaining: u64,
}

impl Handler<u64> for Hold {
    fn handle(&mut self, _now: SimTime, event: u64, sched: &mut Scheduler<u64>) {
        let delay = self.rng.exp_delay();
        sched
            .schedule_in(delay, black_box(event))
            .expect("exponential delays are non-negative");
        self.remaining -= 1;
        if self.remaining == 0 {
            sched.stop();
        }
    }
}

/// An engine holding `pending` events spread like a hold model's steady state.
fn seeded_engine(pending: usize, rng: &mut XorShift64) -> Engine<u64> {
    let mut engine = Engine::with_capacity(pending);
    for event in 0..pending as u64 {
        let at = SimTime::ZERO + rng.exp_delay();
        engine
            .scheduler()
            .schedule_at(at, event)
            .expect("initial events are in the future");
    }
    engine
}

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine/hold");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(EVENTS_PER_RUN));
    for pending in QUEUE_SIZES {
        group.bench_function(format!("pending={pending}"), |b| {
            b.iter_batched(
                || {
                    let mut rng = XorShift64(RNG_SEED);
                    let engine = seeded_engine(pending, &mut rng);
                    (
                        engine,
                        Hold {
                            rng,
                            remaining: EVENTS_PER_RUN,
                        },
                    )
                },
                |(mut engine, mut hold)| {
                    let stats = engine.run(&mut hold, SimTime::from_secs(f64::INFINITY));
                    debug_assert_eq!(stats.events, EVENTS_PER_RUN);
                    (stats, engine)
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
