//! `cirrus plot` of a sweep through the real binary: a sweep of two
//! workloads × two policies × three replications gets one panel per
//! workload, total energy on the energy axis, no tick below zero and no
//! line between categories; too many panels are refused naming the axis;
//! `--where`, `--series`, `--energy`, `--size` and `--no-title` do what they
//! say; bad options exit 2.

mod common;

use common::{bad_input as err, cirrus, ok, read};

/// A small datacenter; `DIST` sets the workload's demand, `VMS` its size.
const BASE: &str = r#"
[simulation]
name = "NAME"
duration_s = 14400.0
scheduling_interval_s = 300.0
seed = 5

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[hosts]
count = 30
types = ["g4"]

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 870
bw_mbps = 100

[vms]
count = VMS

[workload]
format = "synthetic"
distribution = DIST

[placement]
policy = "pabfd"

[consolidation.detector]
name = "thr"
threshold = 0.8

[consolidation.selection]
name = "mmt"
"#;

const SWEEP: &str = r#"
[sweep]
name = "mini-shootout"
replications = 3

[[axes]]
name = "workload"
key = "scenario"
values = ["light.toml", "heavy.toml"]
labels = ["light", "heavy"]

[[axes]]
name = "policy"
key = "placement.policy"
values = ["ff", "bfd"]

[[axes]]
name = "threshold"
key = "consolidation.detector.threshold"
values = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
"#;

/// The texts of an SVG's `<text>` elements.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// Segments of an SVG's polylines that are neither vertical nor horizontal.
fn slanted_lines(svg: &str) -> usize {
    svg.split("points=\"")
        .skip(1)
        .map(|rest| {
            let pts: Vec<(i64, i64)> = rest[..rest.find('"').unwrap()]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            pts.windows(2)
                .filter(|w| w[0].0 != w[1].0 && w[0].1 != w[1].1)
                .count()
        })
        .sum()
}

#[test]
fn a_sweep_of_two_workloads_is_plotted_per_workload() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, vms, dist) in [
        ("light", 30, r#"{ kind = "beta", alpha = 2.0, beta = 5.0 }"#),
        ("heavy", 50, r#"{ kind = "beta", alpha = 2.0, beta = 2.0 }"#),
    ] {
        let text = BASE
            .replace("NAME", name)
            .replace("VMS", &vms.to_string())
            .replace("DIST", dist);
        std::fs::write(d.join(format!("{name}.toml")), text).unwrap();
    }
    std::fs::write(d.join("sweep.toml"), SWEEP).unwrap();
    let res = d.join("res");
    ok(&cirrus(&[
        "sweep",
        d.join("sweep.toml").to_str().unwrap(),
        "--out",
        res.to_str().unwrap(),
        "--jobs",
        "2",
    ]));
    let res_s = res.to_str().unwrap();

    // Replications of a synthetic workload draw the same demand (the traces
    // are generated once, when the scenario is loaded), so the three runs of
    // a point agree. To reach the case the intervals guard against, give
    // one point runs of very different size, as three seeds of a real
    // workload can: migrations 0, 0 and 9 (mean 3, t half-width 12.9).
    let runs_csv = res.join("runs.csv");
    let text = read(&runs_csv);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (w, p, th, rep, mig) = (
        col("workload"),
        col("policy"),
        col("threshold"),
        col("replication"),
        col("migrations"),
    );
    let mut changed = 0;
    for line in lines.iter_mut().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if cells[w] == "light" && cells[p] == "ff" && cells[th] == "0.8" {
            cells[mig] = if cells[rep] == "2" { "9" } else { "0" }.to_string();
            *line = cells.join(",");
            changed += 1;
        }
    }
    assert_eq!(changed, 3);
    std::fs::write(&runs_csv, lines.join("\n") + "\n").unwrap();

    // Defaults: x = threshold (numeric), series = the first other axis
    // (workload), panels per policy. Both policy values are panels, so
    // workloads are never pooled.
    let plots = d.join("default");
    let stdout = ok(&cirrus(&[
        "plot",
        res_s,
        "--format",
        "svg",
        "--out",
        plots.to_str().unwrap(),
    ]));
    assert!(stdout.contains("total_energy_kwh-vs-threshold.svg"), "{stdout}");
    let svg = read(&plots.join("total_energy_kwh-vs-threshold.svg"));
    let t = texts(&svg);
    assert!(
        t.iter().any(|s| s == "policy=ff") && t.iter().any(|s| s == "policy=bfd"),
        "{t:?}"
    );
    // A numeric x axis keeps its lines (so the check below can fail).
    assert!(slanted_lines(&svg) > 0);
    for entry in std::fs::read_dir(&plots).unwrap() {
        let t = texts(&read(&entry.unwrap().path()));
        assert!(
            !t.iter()
                .any(|s| s.starts_with('-') && s[1..].starts_with(|c: char| c.is_ascii_digit())),
            "a negative tick: {t:?}"
        );
    }
    assert!(t.iter().any(|s| s == "Total energy (kWh)"), "{t:?}");

    // The shoot-out's shape: policies on x, one panel per workload, and
    // energy-vs-slav with a Pareto front per workload.
    let plots = d.join("by-policy");
    ok(&cirrus(&[
        "plot",
        res_s,
        "--format",
        "svg",
        "--x",
        "policy",
        "--where",
        "threshold=0.8",
        "--out",
        plots.to_str().unwrap(),
    ]));
    let mut names: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "energy-vs-slav.svg",
            "migrations-vs-policy.svg",
            "pdm-vs-policy.svg",
            "slatah-vs-policy.svg",
            "slav-vs-policy.svg",
            "total_energy_kwh-vs-policy.svg",
        ]
    );
    let mut cut = 0;
    for name in &names {
        let svg = read(&plots.join(name));
        let t = texts(&svg);
        let panels: Vec<&String> = t.iter().filter(|s| s.starts_with("workload=")).collect();
        assert_eq!(panels, ["workload=light", "workload=heavy"], "{name}: {t:?}");
        assert!(
            t.iter().any(|s| s.contains("(threshold=0.8)")),
            "{name}: the filter is in the title: {t:?}"
        );
        // No tick label below zero: every metric here is ≥ 0.
        assert!(
            !t.iter()
                .any(|s| s.starts_with('-') && s[1..].starts_with(|c: char| c.is_ascii_digit())),
            "{name}: a negative tick: {t:?}"
        );
        // Categories are points: no slanted line joins them (axes, grid,
        // error bars and their caps are vertical or horizontal).
        if name.ends_with("-vs-policy.svg") {
            assert_eq!(slanted_lines(&svg), 0, "{name}: categories joined by a line");
        }
        if t.join(" ").contains("Intervals are cut at 0") {
            cut += 1;
        }
    }
    // Only the migrations figure has a point whose interval reaches below 0.
    assert_eq!(cut, 1, "figures whose intervals were cut at 0");
    let t = texts(&read(&plots.join("energy-vs-slav.svg")));
    assert!(t.iter().any(|s| s == "Total energy (kWh)"), "{t:?}");
    assert!(t.iter().any(|s| s == "SLAV = SLATAH × PDM (%)"), "{t:?}");

    // Server energy, by name on the axis and in the file.
    let plots = d.join("servers");
    ok(&cirrus(&[
        "plot",
        res_s,
        "--format",
        "svg",
        "--energy",
        "servers",
        "--metric",
        "energy",
        "--out",
        plots.to_str().unwrap(),
    ]));
    let t = texts(&read(&plots.join("energy_kwh-vs-threshold.svg")));
    assert!(t.iter().any(|s| s == "Server energy (kWh)"), "{t:?}");

    // Paper size without titles: same file names, 1050 px wide.
    let plots = d.join("paper");
    ok(&cirrus(&[
        "plot",
        res_s,
        "--format",
        "svg",
        "--size",
        "one-column",
        "--no-title",
        "--metric",
        "slav",
        "--out",
        plots.to_str().unwrap(),
    ]));
    let svg = read(&plots.join("slav-vs-threshold.svg"));
    assert!(svg.contains("width=\"1050\""), "{}", &svg[..200]);
    assert!(!svg.contains("mini-shootout:"), "--no-title");

    // Workloads on x and no series leave policy × threshold to the panels:
    // 2 × 7 = 14 are refused, naming the axes and the ways out.
    let e = err(&cirrus(&["plot", res_s, "--x", "workload", "--series", "none"]));
    assert!(
        e.contains("14 panels, one per combination of policy (2 values) × threshold (7 values)")
            && e.contains("never pooled")
            && e.contains("--x policy")
            && e.contains("--where policy=ff"),
        "{e}"
    );
    assert!(!res.join("plots").exists(), "a refused plot writes nothing");

    // Pooling an axis is possible when asked, and the figure says so.
    let plots = d.join("pooled");
    ok(&cirrus(&[
        "plot",
        res_s,
        "--format",
        "svg",
        "--x",
        "policy",
        "--pool",
        "threshold",
        "--metric",
        "energy",
        "--out",
        plots.to_str().unwrap(),
    ]));
    let t = texts(&read(&plots.join("total_energy_kwh-vs-policy.svg"))).join(" ");
    assert!(
        t.contains("pooling, as asked (--pool), the 7 values of threshold and 3 replications"),
        "{t}"
    );
    assert!(
        t.contains("workload=light") && t.contains("workload=heavy"),
        "{t}"
    );
    let e = err(&cirrus(&["plot", res_s, "--x", "policy", "--pool", "policy"]));
    assert!(e.contains("--pool policy: the axis is on x or the series"), "{e}");

    // Bad options: exit 2 with the reason.
    let e = err(&cirrus(&["plot", res_s, "--size", "a4"]));
    assert!(e.contains("--size a4: expected screen, one-column"), "{e}");
    let e = err(&cirrus(&["plot", res_s, "--energy", "cooling"]));
    assert!(e.contains("--energy cooling: expected total"), "{e}");
    let e = err(&cirrus(&["plot", res_s, "--where", "policy"]));
    assert!(e.contains("--where policy: expected AXIS=VALUE"), "{e}");
    let e = err(&cirrus(&["plot", res_s, "--where", "policy=xx"]));
    assert!(
        e.contains("axis policy has no value \"xx\"; its values are: ff, bfd"),
        "{e}"
    );
}
