//! Plots render: every figure of a run folder and of a sweep folder is
//! written as PNG and SVG, each PNG has the documented size and shows data
//! (not a blank or single-colour canvas); bad folders are clear errors.

use std::path::{Path, PathBuf};

use cirrus_plot::{Format, HEIGHT_PX, PlotOptions, WIDTH_PX};
use cirrus_sweep::{Axis, Plan, RunOptions, ScenarioFactory, SweepSpec};

/// 30 hosts, 60 VMs of random demand, 12 h, THR-MMT consolidation: enough
/// for migrations, overloads and SLA violations to show.
const SCENARIO: &str = r#"
[simulation]
name = "plot-test"
duration_s = 43200.0
scheduling_interval_s = 300.0
seed = 3

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
count = 60

[workload]
format = "synthetic"
distribution = { kind = "beta", alpha = 2.0, beta = 3.0 }

[placement]
policy = "pabfd"

[consolidation.detector]
name = "thr"
threshold = 0.8

[consolidation.selection]
name = "mmt"
"#;

/// Decodes a PNG: (width, height, RGB pixels).
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let px = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

/// The PNG has the figure size, is mostly white background with a good
/// share of ink, and has coloured (data) pixels, not only black text.
fn assert_drawn(path: &Path) {
    assert!(path.is_file(), "{} missing", path.display());
    let (w, h, px) = decode(path);
    // A grid of more than one row of panels is taller.
    assert!(w == WIDTH_PX && h >= HEIGHT_PX, "{}: {w} x {h}", path.display());
    let ink = px.iter().filter(|p| **p != [255, 255, 255]).count();
    let colour = px
        .iter()
        .filter(|p| {
            let (mx, mn) = (p.iter().max().unwrap(), p.iter().min().unwrap());
            mx - mn > 80
        })
        .count();
    let total = px.len();
    assert!(
        ink > total / 100,
        "{}: only {ink} of {total} pixels drawn",
        path.display()
    );
    assert!(
        ink < total * 9 / 10,
        "{}: {ink} of {total} pixels drawn",
        path.display()
    );
    assert!(colour > 500, "{}: only {colour} coloured pixels", path.display());
    let svg = path.with_extension("svg");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.contains("<text"),
        "{}",
        svg.display()
    );
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn run_folder_plots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let scenario = cirrus_scenario::load(&path, &[]).unwrap();
    let result = scenario.simulation().unwrap().run().unwrap();
    assert!(
        result.summary.migration_counts.migrations > 0,
        "the test needs migrations"
    );
    let run_dir = dir.path().join("run");
    cirrus_output::write_run(&result, &run_dir, cirrus_output::Selection::default()).unwrap();

    let files = cirrus_plot::plot(&run_dir, &PlotOptions::default()).unwrap();
    assert_eq!(
        names(&files),
        [
            "power-hosts.png",
            "power-hosts.svg",
            "sla-migrations.png",
            "sla-migrations.svg",
            "migration-cdf.png",
            "migration-cdf.svg"
        ]
    );
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
        assert_drawn(f);
    }
    let svg = std::fs::read_to_string(run_dir.join("plots/power-hosts.svg")).unwrap();
    assert!(
        svg.contains("plot-test: power and active hosts"),
        "the title names the scenario"
    );

    // A paper's one-column figure: 3.5 in at 300 dpi, no title, same names.
    let paper = PlotOptions {
        out_dir: Some(dir.path().join("paper")),
        size: cirrus_plot::Size::OneColumn,
        title: false,
        ..PlotOptions::default()
    };
    let files = cirrus_plot::plot(&run_dir, &paper).unwrap();
    assert_eq!(names(&files)[..2], ["power-hosts.png", "power-hosts.svg"]);
    let (w, _, _) = decode(&files[0]);
    assert_eq!(w, 1050);
    let svg = std::fs::read_to_string(&files[1]).unwrap();
    assert!(
        !svg.contains("power and active hosts"),
        "--no-title leaves the title out"
    );
    assert!(svg.contains("Mean server power"));
}

#[test]
fn sweep_folder_plots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO.replace("43200.0", "14400.0")).unwrap();
    let spec = SweepSpec::new("plot-sweep", &path)
        .axis(Axis::new("consolidation.detector.threshold", [0.6, 0.8, 1.0]).named("threshold"))
        .axis(Axis::new("consolidation.selection.name", ["mmt", "rs"]).named("selection"))
        .replications(3);
    let out = dir.path().join("sweep");
    cirrus_sweep::run(
        &Plan::new(spec).unwrap(),
        &RunOptions::new(&out).jobs(2),
        &ScenarioFactory,
        &(),
    )
    .unwrap();

    let options = PlotOptions {
        formats: vec![Format::Png, Format::Svg],
        ..PlotOptions::default()
    };
    let files = cirrus_plot::plot(&out, &options).unwrap();
    let expected: Vec<String> = ["total_energy_kwh", "slav", "slatah", "pdm", "migrations"]
        .iter()
        .flat_map(|m| [format!("{m}-vs-threshold.png"), format!("{m}-vs-threshold.svg")])
        .chain(["energy-vs-slav.png".to_string(), "energy-vs-slav.svg".to_string()])
        .collect();
    assert_eq!(names(&files), expected);
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
        assert_drawn(f);
    }
    let svg = std::fs::read_to_string(out.join("plots/energy-vs-slav.svg")).unwrap();
    assert!(svg.contains("plot-sweep: total energy vs SLAV per selection"));
    let svg = std::fs::read_to_string(out.join("plots/total_energy_kwh-vs-threshold.svg")).unwrap();
    assert!(
        svg.contains("Total energy (kWh)"),
        "the energy axis says which energy"
    );
    let svg = std::fs::read_to_string(out.join("plots/slav-vs-threshold.svg")).unwrap();
    assert!(
        svg.contains("SLAV = SLATAH × PDM (%)"),
        "fractions are drawn in %"
    );

    // A categorical x axis, one series, a chosen metric.
    let by_selection = PlotOptions {
        out_dir: Some(dir.path().join("by-selection")),
        formats: vec![Format::Png],
        x: Some("selection".into()),
        series: Some("none".into()),
        metrics: vec!["active_hosts_mean".into()],
        ..PlotOptions::default()
    };
    let files = cirrus_plot::plot(&out, &by_selection).unwrap();
    assert_eq!(
        names(&files),
        ["active_hosts_mean-vs-selection.png", "energy-vs-slav.png"]
    );
    for f in &files {
        // Three panels (one per threshold), stacked: a taller figure.
        assert_drawn_png_only(f, true);
    }

    // Server energy on request, named on the axis and in the file name.
    let servers = PlotOptions {
        out_dir: Some(dir.path().join("servers")),
        formats: vec![Format::Svg],
        energy: cirrus_plot::Energy::Servers,
        ..PlotOptions::default()
    };
    let files = cirrus_plot::plot(&out, &servers).unwrap();
    assert_eq!(names(&files)[0], "energy_kwh-vs-threshold.svg");
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.contains("Server energy (kWh)"));

    // Errors name the folder or file and what is wrong.
    let bad_axis = PlotOptions {
        x: Some("nope".into()),
        ..PlotOptions::default()
    };
    let e = cirrus_plot::plot(&out, &bad_axis).unwrap_err();
    assert!(e.is_bad_input());
    assert!(
        e.to_string()
            .contains("--x nope: the sweep has no such axis; its axes are: threshold, selection"),
        "{e}"
    );
    let bad_metric = PlotOptions {
        metrics: vec!["energy_j".into()],
        ..PlotOptions::default()
    };
    let e = cirrus_plot::plot(&out, &bad_metric).unwrap_err().to_string();
    assert!(e.contains("runs.csv: no column \"energy_j\""), "{e}");
    let bad_filter = PlotOptions {
        filters: vec![("selection".into(), "xyz".into())],
        ..PlotOptions::default()
    };
    let e = cirrus_plot::plot(&out, &bad_filter).unwrap_err().to_string();
    assert!(
        e.contains("--where selection=xyz: axis selection has no value \"xyz\"; its values are: mmt, rs"),
        "{e}"
    );
    let e = cirrus_plot::plot(dir.path(), &PlotOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("neither a run folder"), "{e}");
}

fn assert_drawn_png_only(path: &Path, taller: bool) {
    let (w, h, px) = decode(path);
    assert_eq!(w, WIDTH_PX);
    assert_eq!(h > HEIGHT_PX, taller, "{}: height {h}", path.display());
    assert!(px.iter().filter(|p| **p != [255, 255, 255]).count() > px.len() / 100);
}
