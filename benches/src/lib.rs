//! Criterion benchmarks for Cirrus live in `benches/`.
