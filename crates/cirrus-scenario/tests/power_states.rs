//! `[host_types.power_states]` and `[power_management]`: presets and keys reach the model,
//! bad values are located errors, and a run with power states passes the auditor.

use std::path::Path;

use cirrus::power::PowerStateSpec;
use cirrus::simulation::{DownState, IdleRule, IdleTimeout};

const BASE: &str = r#"[simulation]
name = "power-states"
duration_s = 7200.0
scheduling_interval_s = 300.0
seed = 1

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }
off_w = 10
[host_types.power_states]
preset = "typical-sleep"
boot_s = 150

[[host_types]]
name = "g5"
mips_per_core = 2660
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g5" }

[hosts]
count = 6
types = ["g4", "g5"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 1740

[vms]
count = 4

[workload]
format = "synthetic"
distribution = { kind = "normal", mean = 0.3, std_dev = 0.1 }

[placement]
policy = "pabfd"

[consolidation]
detector = { name = "thr", threshold = 0.8 }
selection = { name = "mmt" }
migration = { name = "cloudsim" }

[power_management]
idle_after_s = "break-even"
down_state = "sleep"
spare_hosts = 1
"#;

fn load(text: &str) -> Result<cirrus_scenario::Scenario, cirrus_scenario::ScenarioError> {
    cirrus_scenario::load_str(text, Path::new("x.toml"), &[])
}

fn error(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    match load(&BASE.replacen(from, to, 1)) {
        Ok(_) => panic!("{to:?}: expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn presets_and_keys_reach_the_model() {
    let s = load(BASE).unwrap_or_else(|e| panic!("{e}"));
    let g4 = s.spec.host_types[0].power_states.expect("configured");
    // The preset's values from the G4's table (117 W peak, 86 W idle), boot_s overridden.
    let mut expected = PowerStateSpec::typical(117.0, 86.0, true);
    expected.boot_s = 150.0;
    assert_eq!(g4, expected);
    assert_eq!(s.spec.host_types[0].off_power_w, 10.0);
    assert!(s.spec.host_types[1].power_states.is_none());
    let pm = s.config.power_management.expect("configured");
    assert_eq!(pm.idle_rule, IdleRule::After(IdleTimeout::BreakEven));
    assert_eq!((pm.down_state, pm.spare_hosts), (DownState::Sleep, 1));
    // Each word and number of the idle rule.
    for (value, rule) in [
        ("\"immediately\"", IdleRule::Immediately),
        ("0", IdleRule::Immediately),
        ("\"never\"", IdleRule::Never),
        ("600", IdleRule::After(IdleTimeout::Seconds(600.0))),
        ("90.5", IdleRule::After(IdleTimeout::Seconds(90.5))),
    ] {
        let text = BASE.replacen(
            "idle_after_s = \"break-even\"",
            &format!("idle_after_s = {value}"),
            1,
        );
        let s = load(&text).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(s.config.power_management.unwrap().idle_rule, rule, "{value}");
    }
    // A sleep key alone gives a type a sleep state, its other values 0.
    let text = BASE.replacen("preset = \"typical-sleep\"\n", "resume_s = 3\n", 1);
    let g4 = load(&text).unwrap().spec.host_types[0].power_states.unwrap();
    assert_eq!(g4.sleep.map(|s| (s.resume_s, s.sleep_w)), Some((3.0, 0.0)));
    assert_eq!((g4.boot_s, g4.boot_w), (150.0, 0.0));
}

#[test]
fn bad_values_are_located() {
    let cases = [
        (
            "boot_s = 150",
            "boot_s = -1",
            "x.toml:17:1: host_types[0].power_states.boot_s: expected a number >= 0, found -1",
        ),
        (
            "boot_s = 150",
            "boot_s = 150\nsleep_w = nan",
            "x.toml:18:1: host_types[0].power_states.sleep_w: expected a number >= 0, found NaN",
        ),
        (
            "spare_hosts = 1",
            "spare_load_fraction = 1.5",
            "x.toml:54:1: power_management.spare_load_fraction: expected a fraction in [0, 1], found 1.5",
        ),
        (
            "idle_after_s = \"break-even\"",
            "idle_after_s = -5",
            "x.toml:52:1: power_management.idle_after_s: expected seconds >= 0, \"immediately\", \
             \"break-even\" or \"never\", found -5",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(from, to, expected)| {
            let got = error(from, to);
            (got != *expected).then(|| format!("expected: {expected}\n     got: {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    // Unknown words and keys name the key and its line.
    let e = error("idle_after_s = \"break-even\"", "idle_after_s = \"soon\"");
    assert_eq!(
        e,
        "x.toml:52:1: power_management.idle_after_s: expected seconds >= 0, \"immediately\", \
         \"break-even\" or \"never\", found \"soon\""
    );
    let e = error("preset = \"typical-sleep\"", "preset = \"fast\"");
    assert!(
        e.starts_with("x.toml:16:1: host_types[0].power_states.preset"),
        "{e}"
    );
    let e = error("boot_s = 150", "boot_seconds = 150");
    assert!(
        e.contains("host_types[0].power_states") && e.contains("boot_seconds"),
        "{e}"
    );
    let e = error("spare_hosts = 1", "spare_hosts = -1");
    assert!(e.starts_with("x.toml:54:1: power_management.spare_hosts"), "{e}");
}

#[test]
fn a_run_with_power_states_passes_the_auditor() {
    let s = load(BASE).unwrap();
    let mut auditor = cirrus::audit::Auditor::new();
    let mut violations = Vec::new();
    let result = s
        .simulation()
        .unwrap()
        .run_observed(|o| {
            if let Err(e) = auditor.check(o) {
                violations.push(e);
            }
        })
        .unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    assert!(auditor.events() > 0);
    let p = &result.summary.power_states;
    // Two hours, 6 hosts, 4 VMs: empty hosts suspend (the spare pool keeps one on).
    assert!(p.power_sleeps > 0, "{p:?}");
    let by_state = p.energy_on_kwh
        + p.energy_off_kwh
        + p.energy_sleep_kwh
        + p.energy_booting_kwh
        + p.energy_shutting_down_kwh
        + p.energy_suspending_kwh
        + p.energy_resuming_kwh;
    assert!((by_state - result.summary.energy.energy_kwh).abs() <= 1e-12 * by_state.max(1.0));
    let last = result.intervals.last().unwrap();
    assert_eq!(
        last.hosts_on + last.hosts_off + last.hosts_asleep + last.hosts_in_transition,
        6
    );
}

/// The shipped LR-MMT day `scenarios/power-states/lr-mmt-NAME.toml` with memory packed as
/// CloudSim packs it (the variant in which consolidation wakes hosts), run under the
/// auditor.
fn audited_day(name: &str) -> cirrus::metrics::RunResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../scenarios/power-states/lr-mmt-{name}.toml"));
    let overrides = ["cloudsim_quirks.memory_only_at_creation=true".to_string()];
    let s = cirrus_scenario::load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let mut auditor = cirrus::audit::Auditor::new();
    let mut violations = Vec::new();
    let result = s
        .into_simulation()
        .unwrap()
        .run_observed(|o| {
            if let Err(e) = auditor.check(o)
                && violations.len() < 5
            {
                violations.push(e);
            }
        })
        .unwrap();
    assert!(violations.is_empty(), "{name}: {violations:?}");
    result
}

#[test]
fn on_the_shipped_boot_day_moves_wait_for_booting_hosts() {
    // The rare path: a consolidation move towards a host that is off. Each waits for the
    // host's boot (200 s), its VM served at its source: none waits unserved on a host.
    let r = audited_day("boot");
    let waits = r.summary.move_waits.expect("power states");
    let p = &r.summary.power_states;
    assert!(waits.moves_waited_for_host > 0, "{waits:?}");
    assert!(p.power_boots > 0);
    // At most a shutdown (10 s) and a boot each.
    assert!(waits.move_wait_s > 0.0 && waits.move_wait_s <= waits.moves_waited_for_host as f64 * 210.0);
    assert_eq!(p.vm_waiting_s, 0.0);
    // Every move started when its target was on: none starts before the step that
    // planned it, and those that waited start off the step grid.
    let off_grid = (r.migrations.iter())
        .filter(|m| ((m.start_s - 0.1) / 300.0).fract() != 0.0)
        .count();
    assert_eq!(off_grid as u64, waits.moves_waited_for_host);
}

#[test]
fn with_instant_transitions_no_move_waits() {
    // Every transition 0 s: each host is ready at once, every move starts at the step that
    // planned it, as before moves could wait (the day's figures as they were: 149 boots,
    // 11,947 migrations).
    let r = audited_day("managed-instant");
    let waits = r.summary.move_waits.expect("power states");
    assert_eq!((waits.moves_waited_for_host, waits.move_wait_s), (0, 0.0));
    assert_eq!(r.summary.power_states.power_boots, 149);
    assert_eq!(r.migrations.len(), 11_947);
    assert!(
        (r.migrations.iter()).all(|m| ((m.start_s - 0.1) / 300.0).fract() == 0.0),
        "a move started off the step grid"
    );
}

#[test]
fn instant_transitions_move_every_vm_as_without_power_states() {
    // CloudSim's LR-MMT day, and the same with the `instant` preset on both host types
    // (power management, every transition 0 s and 0 W): every move starts at the same
    // instant, in the same order, with the same outcome, and every VM's record is the same.
    // (Energy differs by design: a host on with VMs at no load draws its idle power,
    // where CloudSim's analytic reading of u = 0 draws nothing; docs/MODELS.md C.5.)
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/planetlab-20110303-lr-mmt.toml");
    let run = |overrides: &[String]| {
        let s = cirrus_scenario::load(&path, overrides).unwrap_or_else(|e| panic!("{e}"));
        s.into_simulation().unwrap().run().unwrap()
    };
    let without = run(&[]);
    let instant = run(&[
        "host_types[0].power_states.preset=\"instant\"".to_string(),
        "host_types[1].power_states.preset=\"instant\"".to_string(),
    ]);
    assert!(without.summary.move_waits.is_none());
    let waits = instant.summary.move_waits.expect("power states");
    assert_eq!((waits.moves_waited_for_host, waits.move_wait_s), (0, 0.0));
    assert!(instant.summary.power_states.power_boots > 0, "hosts did switch");
    assert!(without.migrations.len() > 20_000);
    // Compared as Debug strings: records of moves still in flight at the end hold NaN.
    fn first_difference<T: std::fmt::Debug>(a: &[T], b: &[T]) -> Option<String> {
        (a.len() != b.len())
            .then(|| format!("{} records vs {}", a.len(), b.len()))
            .or_else(|| {
                (a.iter().zip(b))
                    .map(|(x, y)| (format!("{x:?}"), format!("{y:?}")))
                    .find(|(x, y)| x != y)
                    .map(|(x, y)| format!("{x}\nvs\n{y}"))
            })
    }
    assert_eq!(first_difference(&without.migrations, &instant.migrations), None);
    assert_eq!(first_difference(&without.vms, &instant.vms), None);
    assert_eq!(without.summary.run.events, instant.summary.run.events);
}
