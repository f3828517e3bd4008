//! Golden values for the power models, from CloudSim 4.0.
//!
//! Sources: CloudSim's unit tests (`PowerModelSpecPowerIbmX3550XeonX5675Test`,
//! `PowerModel{Linear,Square,Cubic,Sqrt}Test`, all asserting with delta 0) and
//! the tables and interpolation checks printed from CloudSim 4.0's compiled
//! classes (docs/CLOUDSIM.md §2, docs/MODELS.md C.1).
//!
//! Every golden value is compared with `==`, not a tolerance: CloudSim printed
//! them with Java's `Double.toString`, which writes the shortest decimal that
//! identifies the double, so a printed "116.97" *is* the double nearest
//! 116.97, and Cirrus's interpolation, done in CloudSim's operation order,
//! yields exactly that double. (The printed tables were evaluated at
//! `u = i / 10`; accumulating `u += 0.1` instead gives 0.30000000000000004 and
//! 0.9999999999999999, where e.g. the X3470 yields 57.900000000000006 rather
//! than 57.9 — an artefact of the utilisation, not of the model.)

use cirrus::params::{ParamValue, Params};
use cirrus::power::{
    AnalyticPowerModel, FanPowerModel, HP_ML110_G3_PENTIUM_D930, HP_ML110_G4_XEON_3040,
    HP_ML110_G5_XEON_3075, IBM_X3250_XEON_X3470, IBM_X3250_XEON_X3480, IBM_X3550_XEON_X5670,
    IBM_X3550_XEON_X5675, PowerModel, SpecPowerTable,
};
use cirrus::registry::{RegistryError, build_power_model, power_models};
use proptest::prelude::*;

fn num(x: f64) -> ParamValue {
    ParamValue::Number(x)
}

fn build(name: &str, params: Params) -> Box<dyn PowerModel> {
    build_power_model(name, params).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The key of the parameter a failed build complains about.
fn rejected_key(name: &str, params: Params) -> String {
    match build_power_model(name, params) {
        Err(RegistryError::Param(e)) => e.key,
        Err(other) => panic!("{name}: expected a parameter error, got {other}"),
        Ok(m) => panic!("{name}: expected an error, built {m:?}"),
    }
}

/// Registry name, CloudSim class, and the 11 values CloudSim 4.0 printed for
/// `getPower(i / 10)`, `i = 0..=10` (docs/CLOUDSIM.md §2).
const PRINTED_TABLES: [(&str, &str, [f64; 11]); 7] = [
    (
        "spec-hp-ml110-g3",
        "PowerModelSpecPowerHpProLiantMl110G3PentiumD930",
        [
            105.0, 112.0, 118.0, 125.0, 131.0, 137.0, 147.0, 153.0, 157.0, 164.0, 169.0,
        ],
    ),
    (
        "spec-hp-ml110-g4",
        "PowerModelSpecPowerHpProLiantMl110G4Xeon3040",
        [
            86.0, 89.4, 92.6, 96.0, 99.5, 102.0, 106.0, 108.0, 112.0, 114.0, 117.0,
        ],
    ),
    (
        "spec-hp-ml110-g5",
        "PowerModelSpecPowerHpProLiantMl110G5Xeon3075",
        [
            93.7, 97.0, 101.0, 105.0, 110.0, 116.0, 121.0, 125.0, 129.0, 133.0, 135.0,
        ],
    ),
    (
        "spec-ibm-x3250-x3470",
        "PowerModelSpecPowerIbmX3250XeonX3470",
        [41.6, 46.7, 52.3, 57.9, 65.4, 73.0, 80.7, 89.5, 99.6, 105.0, 113.0],
    ),
    (
        "spec-ibm-x3250-x3480",
        "PowerModelSpecPowerIbmX3250XeonX3480",
        [42.3, 46.7, 49.7, 55.4, 61.8, 69.3, 76.1, 87.0, 96.1, 106.0, 113.0],
    ),
    (
        "spec-ibm-x3550-x5670",
        "PowerModelSpecPowerIbmX3550XeonX5670",
        [
            66.0, 107.0, 120.0, 131.0, 143.0, 156.0, 173.0, 191.0, 211.0, 229.0, 247.0,
        ],
    ),
    (
        "spec-ibm-x3550-x5675",
        "PowerModelSpecPowerIbmX3550XeonX5675",
        [
            58.4, 98.0, 109.0, 118.0, 128.0, 140.0, 153.0, 170.0, 189.0, 205.0, 222.0,
        ],
    ),
];

#[test]
fn every_printed_table_point_is_reproduced_exactly() {
    for (name, class, printed) in PRINTED_TABLES {
        let model = build(name, Params::new());
        for (i, &watts) in printed.iter().enumerate() {
            let u = i as f64 / 10.0;
            assert_eq!(model.power_watts(u), watts, "{class} getPower({u})");
        }
        assert_eq!(model.max_power_watts(), printed[10], "{class}");
    }
}

#[test]
fn rust_constants_match_the_printed_tables() {
    let consts = [
        HP_ML110_G3_PENTIUM_D930,
        HP_ML110_G4_XEON_3040,
        HP_ML110_G5_XEON_3075,
        IBM_X3250_XEON_X3470,
        IBM_X3250_XEON_X3480,
        IBM_X3550_XEON_X5670,
        IBM_X3550_XEON_X5675,
    ];
    for ((name, _, printed), table) in PRINTED_TABLES.iter().zip(consts) {
        assert_eq!(&table, printed, "{name}");
    }
}

#[test]
fn cloudsim_x5675_unit_test() {
    // PowerModelSpecPowerIbmX3550XeonX5675Test.testGetPower, delta 0.
    let m = SpecPowerTable::ibm_x3550_x5675();
    assert_eq!(m.power_watts(0.0), 58.4);
    assert_eq!(m.power_watts(0.02), 58.4 + (98.0 - 58.4) / 5.0);
    assert_eq!(m.power_watts(0.02), 66.32);
    assert_eq!(m.power_watts(0.1), 98.0);
    assert_eq!(m.power_watts(0.5), 140.0);
    assert_eq!(m.power_watts(0.8), 189.0);
    assert_eq!(m.power_watts(0.87), 189.0 + 0.7 * 10.0 * (205.0 - 189.0) / 10.0);
    assert_eq!(m.power_watts(0.87), 200.2);
    assert_eq!(m.power_watts(0.9), 205.0);
    assert_eq!(m.power_watts(1.0), 222.0);
}

#[test]
fn cloudsim_interp_check_line() {
    // docs/CLOUDSIM.md §2, "interp check": (u, G4, G5), printed by Double.toString.
    let checks = [
        (0.05, 87.7, 95.35),
        (0.15, 91.0, 99.0),
        (0.25, 94.3, 103.0),
        (0.33, 97.05, 106.5),
        (0.55, 104.0, 118.5),
        (0.95, 115.5, 134.0),
        (0.999, 116.97, 134.98),
    ];
    let g4 = build("spec-hp-ml110-g4", Params::new());
    let g5 = build("spec-hp-ml110-g5", Params::new());
    for (u, p4, p5) in checks {
        assert_eq!(g4.power_watts(u), p4, "G4 u = {u}");
        assert_eq!(g5.power_watts(u), p5, "G5 u = {u}");
    }
    // docs/MODELS.md E.1.
    assert_eq!(g4.power_watts(0.5), 102.0);
    assert_eq!(g5.power_watts(0.5), 116.0);
}

#[test]
fn custom_table_equals_the_spec_table_with_the_same_numbers() {
    for (name, _, printed) in PRINTED_TABLES {
        let spec = build(name, Params::new());
        let custom = build(
            "table",
            Params::new().with("watts", ParamValue::List(printed.to_vec())),
        );
        for i in 0..=10_000 {
            let u = f64::from(i) / 10_000.0;
            assert_eq!(
                spec.power_watts(u).to_bits(),
                custom.power_watts(u).to_bits(),
                "{name} u = {u}"
            );
        }
    }
}

fn analytic_params(max_w: f64, static_fraction: f64) -> Params {
    Params::new()
        .with("max_w", num(max_w))
        .with("static_fraction", num(static_fraction))
}

#[test]
fn analytic_models_by_hand() {
    // Linear, max 250 W, static 0.7 (CloudSim PowerModelLinearTest; Beloglazov's k = 0.7):
    // static 175 W, 0.75 W per percentage point.
    let linear = build("linear", analytic_params(250.0, 0.7));
    assert_eq!(linear.power_watts(0.0), 0.0);
    assert_eq!(linear.power_watts(0.5), 212.5);
    assert_eq!(linear.power_watts(1.0), 250.0);
    assert_eq!(linear.power_watts(0.2), 190.0);

    // Square, cubic, sqrt: max 200 W, static 0.3 (CloudSim's tests): static 60 W,
    // dynamic range 140 W.
    let square = build("square", analytic_params(200.0, 0.3));
    assert_eq!(square.power_watts(0.0), 0.0);
    assert_eq!(square.power_watts(0.5), 95.0); // 60 + 140/10^4 · 50² = 60 + 35
    assert_eq!(square.power_watts(1.0), 200.0);

    let cubic = build("cubic", analytic_params(200.0, 0.3));
    assert_eq!(cubic.power_watts(0.0), 0.0);
    assert_eq!(cubic.power_watts(0.5), 77.5); // 60 + 140/10^6 · 50³ = 60 + 17.5
    assert_eq!(cubic.power_watts(1.0), 200.0);

    let sqrt = build("sqrt", analytic_params(200.0, 0.3));
    assert_eq!(sqrt.power_watts(0.0), 0.0);
    assert_eq!(sqrt.power_watts(0.25), 130.0); // 60 + 140/10 · √25 = 60 + 70
    assert_eq!(sqrt.power_watts(1.0), 200.0);
    let p = sqrt.power_watts(0.5); // 60 + 14 · √50 = 158.99494936611666
    assert!((p - 158.994_949_366_116_65).abs() < 1e-9, "{p}");

    // The same models through their Rust constructors.
    assert_eq!(
        AnalyticPowerModel::linear(250.0, 0.7).unwrap().power_watts(0.5),
        212.5
    );
    assert_eq!(
        AnalyticPowerModel::cubic(200.0, 0.3).unwrap().power_watts(0.5),
        77.5
    );
}

#[test]
fn fan_model_by_hand() {
    let fan = build(
        "fan",
        Params::new().with("idle_w", num(100.0)).with("max_w", num(200.0)),
    );
    // P(0) = idle (the paper's server is on), P(1) = max.
    assert_eq!(fan.power_watts(0.0), 100.0);
    assert_eq!(fan.power_watts(1.0), 200.0);
    // u = 0.5, r = 1.4: 2·0.5 − 0.5^1.4 = 0.62107085837240045.
    let p = fan.power_watts(0.5);
    assert!((p - 162.107_085_837_240_05).abs() < 1e-9, "{p}");
    // r = 1 is the linear idle-to-busy line the paper also reports.
    let linear = build(
        "fan",
        Params::new()
            .with("idle_w", num(100.0))
            .with("max_w", num(200.0))
            .with("r", num(1.0)),
    );
    assert_eq!(linear.power_watts(0.25), 125.0);
    assert_eq!(
        FanPowerModel::with_paper_exponent(100.0, 200.0)
            .unwrap()
            .power_watts(0.5),
        p
    );
}

#[test]
fn unknown_names_and_bad_params_are_rejected_with_the_right_key() {
    assert!(matches!(
        build_power_model("spec-hp-ml110-g6", Params::new()),
        Err(RegistryError::UnknownName { .. })
    ));
    // SPEC tables take no parameter.
    assert_eq!(
        rejected_key("spec-hp-ml110-g4", Params::new().with("max_w", num(1.0))),
        "max_w"
    );
    // Analytic models: both parameters required, ranges checked, extras refused.
    for name in ["linear", "square", "cubic", "sqrt"] {
        assert_eq!(
            rejected_key(name, Params::new().with("static_fraction", num(0.7))),
            "max_w"
        );
        assert_eq!(
            rejected_key(name, Params::new().with("max_w", num(250.0))),
            "static_fraction"
        );
        assert_eq!(rejected_key(name, analytic_params(-1.0, 0.7)), "max_w");
        assert_eq!(
            rejected_key(name, analytic_params(250.0, 70.0)),
            "static_fraction"
        );
        assert_eq!(
            rejected_key(name, analytic_params(250.0, 0.7).with("idle_w", num(1.0))),
            "idle_w"
        );
        assert_eq!(
            rejected_key(name, Params::new().with("max_w", ParamValue::Text("250".into()))),
            "max_w"
        );
    }
    // Fan.
    let fan = |idle: f64, max: f64| Params::new().with("idle_w", num(idle)).with("max_w", num(max));
    assert_eq!(rejected_key("fan", fan(300.0, 200.0)), "idle_w");
    assert_eq!(rejected_key("fan", fan(-1.0, 200.0)), "idle_w");
    assert_eq!(rejected_key("fan", fan(100.0, 200.0).with("r", num(0.0))), "r");
    assert_eq!(rejected_key("fan", fan(100.0, 200.0).with("r", num(2.5))), "r");
    assert_eq!(
        rejected_key("fan", fan(100.0, 200.0).with("static_fraction", num(0.7))),
        "static_fraction"
    );
    // Custom table.
    let table = |w: Vec<f64>| Params::new().with("watts", ParamValue::List(w));
    assert_eq!(rejected_key("table", Params::new()), "watts");
    assert_eq!(rejected_key("table", table(vec![100.0])), "watts");
    assert_eq!(rejected_key("table", table(vec![100.0, -5.0])), "watts");
    assert_eq!(rejected_key("table", table(vec![100.0, f64::NAN])), "watts");
    assert_eq!(
        rejected_key("table", table(vec![100.0, 200.0]).with("r", num(1.4))),
        "r"
    );
}

#[test]
fn every_registered_model_is_listed_once_with_a_summary() {
    let names: Vec<&str> = power_models().iter().map(|e| e.name).collect();
    let expected = [
        "linear",
        "square",
        "cubic",
        "sqrt",
        "fan",
        "spec-hp-ml110-g3",
        "spec-hp-ml110-g4",
        "spec-hp-ml110-g5",
        "spec-ibm-x3250-x3470",
        "spec-ibm-x3250-x3480",
        "spec-ibm-x3550-x5670",
        "spec-ibm-x3550-x5675",
        "table",
    ];
    assert_eq!(names, expected);
    for e in power_models() {
        assert!(!e.summary.is_empty() && !e.summary.contains('\n'), "{}", e.name);
    }
    for (name, class, _) in PRINTED_TABLES {
        let entry = power_models().iter().find(|e| e.name == name).unwrap();
        assert!(entry.summary.contains(class), "{name}: {}", entry.summary);
    }
}

/// Utilisations that stress the segment boundaries: `k/10` and a few ulps
/// either side, clamped to [0, 1], plus anything in between.
fn utilization() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0f64..=1.0,
        (0u32..=10, -4i64..=4).prop_map(|(k, ulps)| {
            let u = f64::from(k) / 10.0;
            let bits = u.to_bits() as i64 + ulps;
            f64::from_bits(bits.max(0) as u64).clamp(0.0, 1.0)
        }),
    ]
}

fn check_model(
    model: &dyn PowerModel,
    lo: f64,
    hi: f64,
    monotone: bool,
    a: f64,
    b: f64,
) -> Result<(), TestCaseError> {
    let (u1, u2) = if a <= b { (a, b) } else { (b, a) };
    let (p1, p2) = (model.power_watts(u1), model.power_watts(u2));
    for (u, p) in [(u1, p1), (u2, p2)] {
        prop_assert!(p.is_finite(), "{model:?}: P({u}) = {p}");
        prop_assert!(lo <= p && p <= hi, "{model:?}: P({u}) = {p} outside [{lo}, {hi}]");
    }
    if monotone {
        prop_assert!(p1 <= p2, "{model:?}: P({u1}) = {p1} > P({u2}) = {p2}");
    }
    Ok(())
}

/// `max_w` plus rounding slack: CloudSim's operation order,
/// `static + (max − static)/100 · u · 100` and kin, need not give back `max`
/// exactly at u = 1 (e.g. `(max − static)/100 · 100` can be 1 ulp above
/// `max − static`); for random `(max_w, static_fraction)` about 3 % of pairs
/// overshoot by an ulp, and Fan's `idle + (max − idle)·1` likewise.
fn with_slack(max: f64) -> f64 {
    max * (1.0 + 4.0 * f64::EPSILON)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn spec_tables_are_bounded_and_monotone(t in 0usize..7, a in utilization(), b in utilization()) {
        let (name, _, printed) = PRINTED_TABLES[t];
        let model = build(name, Params::new());
        // Every CloudSim table is non-decreasing.
        prop_assert!(printed.windows(2).all(|w| w[0] <= w[1]));
        check_model(model.as_ref(), printed[0], printed[10], true, a, b)?;
    }

    #[test]
    fn analytic_models_are_bounded_and_monotone(
        shape in 0usize..4,
        max_w in 1e-3f64..1e5,
        static_fraction in 0.0f64..=1.0,
        a in utilization(),
        b in utilization(),
    ) {
        let name = ["linear", "square", "cubic", "sqrt"][shape];
        let model = build(name, analytic_params(max_w, static_fraction));
        // Monotone including the jump from 0 W (off) to the static power.
        check_model(model.as_ref(), 0.0, with_slack(max_w), true, a, b)?;
    }

    #[test]
    fn fan_is_bounded_and_monotone(
        idle_frac in 0.0f64..=1.0,
        max_w in 1e-3f64..1e5,
        r in 1.0f64..=2.0,
        a in utilization(),
        b in utilization(),
    ) {
        let idle_w = idle_frac * max_w;
        let params = Params::new()
            .with("idle_w", num(idle_w))
            .with("max_w", num(max_w))
            .with("r", num(r));
        let model = build("fan", params);
        check_model(model.as_ref(), 0.0, with_slack(max_w), true, a, b)?;
        prop_assert!(model.power_watts(a.min(b)) >= idle_w * (1.0 - 4.0 * f64::EPSILON));
    }

    #[test]
    fn custom_tables_are_bounded_and_monotone_when_sorted(
        mut watts in prop::collection::vec(0.0f64..1e4, 2..40),
        sorted in any::<bool>(),
        a in 0.0f64..=1.0,
        b in 0.0f64..=1.0,
    ) {
        if sorted {
            watts.sort_by(f64::total_cmp);
        }
        let lo = watts.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = watts.iter().copied().fold(0.0, f64::max);
        let model = build("table", Params::new().with("watts", ParamValue::List(watts)));
        check_model(model.as_ref(), lo, hi, sorted, a, b)?;
    }
}
