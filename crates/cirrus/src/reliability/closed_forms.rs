//! Textbook closed forms of combinatorial reliability and two-state
//! availability, on probabilities and rates (no units beyond seconds for
//! times). Sources, in docs/RELIABILITY.md: Trivedi, *Probability and
//! Statistics with Reliability, Queuing and Computer Science Applications*
//! (series, parallel, k-out-of-n, the two-state Markov availability and its
//! interval form); Bouricius, Carter & Schneider and Arnold (imperfect
//! coverage).

/// Reliability of a series system: every component must work, R = Π Rᵢ
/// (1 for no component).
pub fn series(reliabilities: &[f64]) -> f64 {
    reliabilities.iter().product()
}

/// Reliability of a parallel system: one working component suffices,
/// R = 1 − Π (1 − Rᵢ) (0 for no component).
pub fn parallel(reliabilities: &[f64]) -> f64 {
    1.0 - reliabilities.iter().map(|r| 1.0 - r).product::<f64>()
}

/// Probability that at least `k` of `n` independent components, each
/// working with probability `p`, work: Σ_{i=k}^{n} C(n, i) pⁱ (1 − p)ⁿ⁻ⁱ.
/// `k = 0` gives 1, `k > n` gives 0; `k = n` is [`series`], `k = 1`
/// [`parallel`]. Summed in log space, so large `n` neither overflows nor
/// loses the small terms.
pub fn k_out_of_n(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    // ln C(n, i), built up from ln C(n, k).
    let mut ln_c: f64 = (0..k)
        .map(|j| ((n - j) as f64).ln() - ((j + 1) as f64).ln())
        .sum();
    let mut total = 0.0;
    for i in k..=n {
        total += (ln_c + i as f64 * lp + (n - i) as f64 * lq).exp();
        ln_c += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
    }
    total.min(1.0)
}

/// Reliability of a duplex (two units, one needed) whose switch-over after
/// a unit's failure succeeds with probability `coverage` c:
/// R² + 2cR(1 − R) (Bouricius et al.; c = 1 is the parallel pair, c = 0
/// the series pair).
pub fn duplex_with_coverage(r: f64, coverage: f64) -> f64 {
    r * r + 2.0 * coverage * r * (1.0 - r)
}

/// Reliability of a unit that survives its host's failure with
/// probability `coverage`: R_h + (1 − R_h)·c — a failure of the host
/// either does not happen over the mission, or it is covered (the VM is
/// moved away in time). Counts one failure per mission: right when
/// (1 − R_h) is small.
pub fn covered_reliability(r_host: f64, coverage: f64) -> f64 {
    r_host + (1.0 - r_host) * coverage
}

/// Reliability over `mission_s` of a unit on a constant failure rate
/// `1 / mtbf_s` whose failures are each covered with probability
/// `coverage`: the uncovered failures are a Poisson process of rate
/// (1 − c)/MTBF, so R = e^{−(1 − c)·t/MTBF}. Equals
/// [`covered_reliability`] to first order in t/MTBF, and is exact however
/// many failures the mission holds.
pub fn exponential_covered_reliability(mission_s: f64, mtbf_s: f64, coverage: f64) -> f64 {
    (-(1.0 - coverage) * mission_s / mtbf_s).exp()
}

/// Steady-state availability of a unit alternating between up (mean
/// `mtbf_s`) and down (mean `mttr_s`): A = MTBF / (MTBF + MTTR) (the
/// two-state Markov chain; by renewal-reward, the same for any
/// distributions with these means).
pub fn steady_state_availability(mtbf_s: f64, mttr_s: f64) -> f64 {
    mtbf_s / (mtbf_s + mttr_s)
}

/// Availability averaged over `[0, t_s]` of the two-state Markov unit
/// (exponential up and down times, failure rate λ = 1/MTBF, repair rate
/// μ = 1/MTTR) that starts up: μ/(λ+μ) + λ/((λ+μ)² t)·(1 − e^{−(λ+μ)t}).
/// Tends to [`steady_state_availability`] as t grows, from above.
pub fn interval_availability(mtbf_s: f64, mttr_s: f64, t_s: f64) -> f64 {
    let (l, m) = (1.0 / mtbf_s, 1.0 / mttr_s);
    let s = l + m;
    if t_s <= 0.0 {
        return 1.0;
    }
    m / s + l / (s * s * t_s) * (1.0 - (-s * t_s).exp())
}

/// Steady-state availability of a VM on hosts failing every `mtbf_s` on
/// average (up time between failures), each failure covered with
/// probability `coverage` at the price of `covered_downtime_s` (the
/// migration's pause), uncovered ones costing `restart_delay_s` (the VM
/// restarted elsewhere; the host's own repair does not matter to it).
/// Per cycle — up until an uncovered failure, mean MTBF/(1 − c), holding
/// c/(1 − c) covered failures on average, then down for the restart —
/// A = 1 − ((1 − c)·r + c·d) / (MTBF + (1 − c)·r). With c = 0 it is the
/// two-state MTBF/(MTBF + r). The covered pauses are taken out of up time,
/// so the form needs c·d ≤ MTBF (a pause shorter than the time between
/// failures); it rises with c while d < r·MTBF/(r + MTBF).
pub fn vm_availability(mtbf_s: f64, restart_delay_s: f64, coverage: f64, covered_downtime_s: f64) -> f64 {
    let uncovered = 1.0 - coverage;
    1.0 - (uncovered * restart_delay_s + coverage * covered_downtime_s)
        / (mtbf_s + uncovered * restart_delay_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn duplex_with_coverage_matches_the_textbook_case() {
        // R = 0.9, c = 0.95: 0.81 + 2 · 0.95 · 0.9 · 0.1 = 0.981.
        assert!(close(duplex_with_coverage(0.9, 0.95), 0.981, 1e-12));
        // c = 1: the parallel pair; c = 0: the series pair.
        assert!(close(
            duplex_with_coverage(0.9, 1.0),
            parallel(&[0.9, 0.9]),
            1e-15
        ));
        assert!(close(duplex_with_coverage(0.9, 0.0), series(&[0.9, 0.9]), 1e-15));
    }

    #[test]
    fn two_state_availability_matches_the_textbook_case() {
        // MTBF 32.41 h, MTTR 7.41 h: A = 32.41 / 39.82 = 0.8139.
        let a = steady_state_availability(32.41 * 3600.0, 7.41 * 3600.0);
        assert!(close(a, 0.8139, 5e-5), "{a}");
    }

    #[test]
    fn k_out_of_n_matches_known_values() {
        // 2-out-of-3 (TMR): 3p² − 2p³; p = 0.9 → 0.972.
        assert!(close(k_out_of_n(2, 3, 0.9), 0.972, 1e-12));
        // 3-out-of-5, p = 0.8: 0.94208.
        assert!(close(k_out_of_n(3, 5, 0.8), 0.942_08, 1e-12));
        // n-out-of-n is series, 1-out-of-n parallel.
        assert!(close(k_out_of_n(4, 4, 0.7), 0.7f64.powi(4), 1e-12));
        assert!(close(k_out_of_n(1, 4, 0.7), 1.0 - 0.3f64.powi(4), 1e-12));
        assert_eq!(k_out_of_n(0, 4, 0.1), 1.0);
        assert_eq!(k_out_of_n(5, 4, 0.99), 0.0);
        // Large n: 990 of 1000 at p = 0.999 (Poisson-like tail, mean 1 failure):
        // P(≤ 10 failures) = 1 − 1.0e-8 roughly; must be finite and below 1.
        let r = k_out_of_n(990, 1000, 0.999);
        assert!(r.is_finite() && r > 0.999_999 && r <= 1.0, "{r}");
    }

    #[test]
    fn k_out_of_n_is_a_distribution_tail() {
        // Summing P(exactly i) over all i gives 1, for any p and n.
        for &(n, p) in &[(1usize, 0.3), (7, 0.5), (40, 0.97), (200, 0.01)] {
            let mut prev = 1.0;
            for k in 0..=n + 1 {
                let r = k_out_of_n(k, n, p);
                assert!(r <= prev + 1e-12, "n {n} p {p} k {k}: not monotone");
                prev = r;
            }
            let exactly: f64 = (0..=n)
                .map(|k| k_out_of_n(k, n, p) - k_out_of_n(k + 1, n, p))
                .sum();
            assert!(close(exactly, 1.0, 1e-9));
        }
    }

    #[test]
    fn covered_reliability_is_the_first_order_of_the_exponential() {
        let (mtbf, c): (f64, f64) = (1.0e6, 0.7);
        for t in [1.0e3, 1.0e4, 1.0e5] {
            let r_h = (-t / mtbf).exp();
            let once = covered_reliability(r_h, c);
            let every = exponential_covered_reliability(t, mtbf, c);
            // Both lie between the unprotected and the perfectly covered unit.
            assert!(r_h <= every && every <= 1.0 && r_h <= once && once <= 1.0);
            // They differ by O((t/MTBF)²).
            assert!(
                (once - every).abs() <= (t / mtbf).powi(2),
                "{t}: {once} vs {every}"
            );
        }
        assert_eq!(exponential_covered_reliability(1.0e5, mtbf, 1.0), 1.0);
    }

    #[test]
    fn interval_availability_starts_at_one_and_tends_to_steady_state() {
        let (mtbf, mttr) = (1000.0, 100.0);
        let a = steady_state_availability(mtbf, mttr);
        assert!(close(interval_availability(mtbf, mttr, 1e-6), 1.0, 1e-6));
        let long = interval_availability(mtbf, mttr, 1e9);
        assert!(long > a && close(long, a, 1e-6));
        let mid = interval_availability(mtbf, mttr, 500.0);
        assert!(mid > long && mid < 1.0);
    }

    #[test]
    fn vm_availability_spans_restart_only_to_migration_only() {
        let (mtbf, r, d) = (1.0e5, 120.0, 0.5);
        assert!(close(
            vm_availability(mtbf, r, 0.0, d),
            steady_state_availability(mtbf, r),
            1e-15
        ));
        assert!(close(vm_availability(mtbf, r, 1.0, d), 1.0 - d / mtbf, 1e-15));
        let mid = vm_availability(mtbf, r, 0.5, d);
        assert!(mid > vm_availability(mtbf, r, 0.0, d) && mid < vm_availability(mtbf, r, 1.0, d));
    }

    proptest::proptest! {
        /// k-out-of-n equals the count over all 2ⁿ up/down states, for small n.
        #[test]
        fn k_out_of_n_matches_enumeration(n in 0usize..10, k in 0usize..12, p in 0.0f64..=1.0) {
            let mut want = 0.0;
            for state in 0u32..(1 << n) {
                let up = state.count_ones() as usize;
                if up >= k {
                    want += p.powi(up as i32) * (1.0 - p).powi((n - up) as i32);
                }
            }
            proptest::prop_assert!((k_out_of_n(k, n, p) - want).abs() < 1e-12);
        }

        /// Coverage interpolates: between the series pair (c = 0) and the
        /// parallel pair (c = 1), rising with c; the same for one unit.
        #[test]
        fn coverage_rises_between_its_bounds(r in 0.0f64..=1.0, c1 in 0.0f64..=1.0, c2 in 0.0f64..=1.0) {
            let (lo, hi) = if c1 <= c2 { (c1, c2) } else { (c2, c1) };
            let d = |c| duplex_with_coverage(r, c);
            proptest::prop_assert!(r * r - 1e-15 <= d(lo) && d(lo) <= d(hi) + 1e-15);
            proptest::prop_assert!(d(hi) <= 1.0 - (1.0 - r) * (1.0 - r) + 1e-15);
            proptest::prop_assert!(covered_reliability(r, lo) <= covered_reliability(r, hi) + 1e-15);
        }

        /// VM availability rises with coverage while a migration costs
        /// less than a restart, and stays in [0, 1].
        #[test]
        fn vm_availability_rises_with_coverage(
            mtbf in 1.0f64..1e7, r in 0.0f64..1e4, frac in 0.0f64..1.0, c1 in 0.0f64..=1.0, c2 in 0.0f64..=1.0,
        ) {
            // Where the form holds and coverage pays: d < r·MTBF/(r + MTBF) (see the docs).
            let d = if r > 0.0 { frac * r * mtbf / (r + mtbf) } else { 0.0 };
            let (lo, hi) = if c1 <= c2 { (c1, c2) } else { (c2, c1) };
            let (a, b) = (vm_availability(mtbf, r, lo, d), vm_availability(mtbf, r, hi, d));
            proptest::prop_assert!((0.0..=1.0).contains(&a) && a <= b + 1e-12);
        }
    }

    #[test]
    fn series_and_parallel_of_nothing() {
        assert_eq!(series(&[]), 1.0);
        assert_eq!(parallel(&[]), 0.0);
        assert!(close(series(&[0.9, 0.8]), 0.72, 1e-15));
        assert!(close(parallel(&[0.9, 0.8]), 0.98, 1e-15));
    }
}
