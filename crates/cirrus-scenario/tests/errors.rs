//! Error locations, exactly: each case asserts the whole `ScenarioError`
//! message (`file:line:col: key: message`, or `--set ARG: key: message`), so
//! that a regression in finding where a value sits is caught.

use std::path::Path;

use cirrus_scenario::{Origin, ScenarioError};

/// A small, valid, self-contained scenario (synthetic workload, no trace
/// files). Line numbers below refer to it.
const BASE: &str = r#"[simulation]
name = "errors"
duration_s = 3600.0
scheduling_interval_s = 300.0
seed = 1

[energy]
off_rule = "zero-utilization"

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[[host_types]]
  name = "g5"
  mips_per_core = 2660
  cores = 2
  ram_mb = 4096
  bw_mbps = 1000
  power = { model = "spec-hp-ml110-g5" }

[hosts]
count = 4
types = ["g4", "g5"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 1740

[vms]
count = 6

[workload]
format = "synthetic"
distribution = { kind = "normal", mean = 0.3, std_dev = 0.1 }

[placement]
policy = "ff"
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    BASE.replacen(from, to, 1)
}

fn error(text: &str, overrides: &[&str]) -> ScenarioError {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match cirrus_scenario::load_str(text, Path::new("x.toml"), &overrides) {
        Ok(_) => panic!("expected an error, the scenario loaded"),
        Err(e) => e,
    }
}

fn message(text: &str, overrides: &[&str]) -> String {
    error(text, overrides).to_string()
}

#[test]
fn base_loads() {
    let s = cirrus_scenario::load_str(BASE, Path::new("x.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.spec.hosts.len(), 4);
    assert_eq!(s.spec.vms.len(), 6);
}

#[test]
fn wrong_type_points_at_the_key() {
    assert_eq!(
        message(&with("cores = 2", "cores = \"two\""), &[]),
        "x.toml:13:1: host_types[0].cores: invalid type: string \"two\", expected u32"
    );
}

#[test]
fn indented_key_in_the_second_array_table() {
    let e = error(&with("  ram_mb = 4096", "  ram_mb = 0"), &[]);
    assert_eq!(
        e.to_string(),
        "x.toml:22:3: host_types[1].ram_mb: expected a positive amount of RAM"
    );
    assert_eq!(e.key(), Some("host_types[1].ram_mb"));
    assert!(matches!(
        e,
        ScenarioError::Invalid {
            origin: Origin::File {
                line: 22,
                column: 3,
                ..
            },
            ..
        }
    ));
}

#[test]
fn unknown_nested_key() {
    assert_eq!(
        message(&with("seed = 1\n", "seed = 1\nsped = 1\n"), &[]),
        "x.toml:6:1: simulation.sped: unknown field `sped`, expected one of `name`, `duration_s`, \
         `scheduling_interval_s`, `step_offset_s`, `step_at_start`, `step_at_end`, `seed`, `finish_idle_vms`"
    );
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        message(&format!("colour = 1\n{BASE}"), &[]),
        "x.toml:1:1: colour: unknown field `colour`, expected one of `simulation`, `energy`, \
         `host_types`, `hosts`, `vm_types`, `vms`, `workload`, `placement`, `applications`, \
         `consolidation`, `network`, `migration`, `migrations`, `availability`, `failures`, `cloudsim_quirks`, `output`, \
         `power_management`"
    );
}

#[test]
fn inline_table_key_column() {
    let known: Vec<&str> = cirrus::registry::power_models().iter().map(|m| m.name).collect();
    assert_eq!(
        message(&with("\"spec-hp-ml110-g5\"", "\"nope\""), &[]),
        format!(
            "x.toml:24:13: host_types[1].power.model: unknown power model \"nope\"; known: {}",
            known.join(", ")
        )
    );
    assert_eq!(
        message(&with("{ model = \"spec-hp-ml110-g4\" }", "{ model = 7 }"), &[]),
        "x.toml:16:11: host_types[0].power.model: expected a string naming a power model (see `cirrus list`)"
    );
}

#[test]
fn inline_table_value_in_workload() {
    assert_eq!(
        message(&with("kind = \"normal\"", "kind = \"gaussian\""), &[]),
        "x.toml:40:18: workload.distribution.kind: unknown distribution \"gaussian\"; known: constant, \
         uniform, normal, beta, diurnal"
    );
}

#[test]
fn unknown_enum_value() {
    assert_eq!(
        message(&with("\"zero-utilization\"", "\"sometimes\""), &[]),
        "x.toml:8:1: energy.off_rule: unknown variant `sometimes`, expected one of `zero-utilization`, \
         `no-vms`, `never`"
    );
}

#[test]
fn missing_key_points_at_its_table() {
    let expected = "x.toml:1:2: simulation.duration_s: missing field `duration_s`";
    assert_eq!(message(&with("duration_s = 3600.0\n", ""), &[]), expected);
    // Overriding a sibling must not move the blame to the override.
    assert_eq!(
        message(&with("duration_s = 3600.0\n", ""), &["simulation.seed=3"]),
        expected
    );
}

#[test]
fn invalid_toml_syntax() {
    assert_eq!(
        message(&with("seed = 1", "seed = = 1"), &[]),
        "x.toml:5:8: invalid TOML: invalid string; expected `\"`, `'`"
    );
}

#[test]
fn vm_type_too_large_names_the_dimension() {
    assert_eq!(
        message(&with("ram_mb = 1740", "ram_mb = 999999"), &[]),
        "x.toml:33:1: vm_types[0].ram_mb: VM type \"small\" needs 999999 MB RAM, more than any host \
         type in use offers (at most 4096 MB RAM)"
    );
    assert_eq!(
        message(&with("mips = 1000", "mips = 3000"), &[]),
        "x.toml:32:1: vm_types[0].mips: VM type \"small\" needs 3000 MIPS per core, more than any host \
         type in use offers (at most 2660 MIPS per core)"
    );
}

#[test]
fn vm_type_too_large_in_no_single_dimension() {
    // g4 lacks the MIPS, g5 the RAM: no one field is to blame, the VM type is.
    let text = with("mips = 1000", "mips = 2000").replacen("  ram_mb = 4096", "  ram_mb = 1024", 1);
    assert_eq!(
        message(&text, &[]),
        "x.toml:30:1: vm_types[0]: VM type \"small\" fits on no host type in use: each lacks some of \
         the MIPS, RAM or bandwidth it needs"
    );
}

#[test]
fn values_from_overrides_are_blamed_on_the_argument() {
    assert_eq!(
        message(BASE, &["hosts.count=oops"]),
        "--set hosts.count=oops: hosts.count: invalid type: string \"oops\", expected u64"
    );
    let e = error(BASE, &["vm_types[0].mips=-5"]);
    assert_eq!(
        e.to_string(),
        "--set vm_types[0].mips=-5: vm_types[0].mips: expected a positive number, found -5"
    );
    assert_eq!(
        e,
        ScenarioError::Invalid {
            origin: Origin::Override {
                argument: "vm_types[0].mips=-5".into()
            },
            key: "vm_types[0].mips".into(),
            message: "expected a positive number, found -5".into(),
        }
    );
    assert_eq!(
        message(BASE, &["host_types[1].power.model=nope"]),
        format!(
            "--set host_types[1].power.model=nope: host_types[1].power.model: unknown power model \
             \"nope\"; known: {}",
            cirrus::registry::power_models()
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    assert_eq!(
        message(BASE, &["novalue"]),
        "--set novalue: novalue: expected KEY=VALUE, e.g. simulation.seed=7"
    );
    assert_eq!(
        message(BASE, &["host_types[5].cores=1"]),
        "--set host_types[5].cores=1: host_types[5].cores: index [5] out of range (the array has 2 elements)"
    );
    // A later override wins, and takes the blame.
    assert_eq!(
        message(BASE, &["hosts.count=8", "hosts.count=0"]),
        "--set hosts.count=0: hosts.count: must be at least 1"
    );
}

#[test]
fn huge_count() {
    assert_eq!(
        message(&with("count = 4", "count = 100000000000"), &[]),
        "x.toml:27:1: hosts.count: 100000000000 is more than the 10000000 this version supports"
    );
}

#[test]
fn missing_trace_directory_names_key_and_line() {
    let text = with(
        "format = \"synthetic\"\ndistribution = { kind = \"normal\", mean = 0.3, std_dev = 0.1 }",
        "format = \"planetlab\"\npath = \"no-such-dir\"",
    );
    let e = error(&text, &[]);
    assert_eq!(e.key(), Some("workload.path"));
    assert_eq!(
        e.to_string(),
        "no-such-dir: trace directory not found\n  (from workload.path at x.toml:40:1)"
    );
}
