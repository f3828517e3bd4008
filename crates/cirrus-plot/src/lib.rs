//! # Cirrus plots
//!
//! PNG and SVG figures of a run folder (what `cirrus run` writes) or a sweep
//! folder (what `cirrus sweep` or `cirrus merge` writes), drawn with
//! `plotters`:
//!
//! | input | figure | file |
//! |---|---|---|
//! | run | power (kW) and active hosts over time | `power-hosts` |
//! | run | hosts in SLA violation and overloaded, migrations per interval | `sla-migrations` |
//! | run with migrations | CDF of migration duration and downtime | `migration-cdf` |
//! | run with real-time VMs | each real-time migration's downtime against its bound and against its prediction, by model (log-log) | `downtime-vs-bound` |
//! | sweep | a metric vs the swept parameter, mean ± 95 % CI per series (policy) | `METRIC-vs-AXIS` |
//! | sweep | energy vs SLAV per policy, with the Pareto front of each panel | `energy-vs-slav` |
//!
//! Sweep figures never pool the runs of different sweep points: every axis
//! that is neither on x nor the series gets one panel per value (a grid of
//! panels titled `axis=value`), and more than [`MAX_PANELS`] panels are
//! refused with a message naming the axes. Only replications (seeds), and
//! axes named in [`PlotOptions::pool`], are pooled into a mean and its 95 %
//! confidence interval; an interval of a
//! metric that cannot be negative is drawn cut at 0. Energy is the total
//! (servers + network + cooling + migrations) unless [`Energy::Servers`]
//! is asked for, and the axis says which. Fractions (SLAV, SLATAH, PDM…)
//! are drawn in %, as the terminal prints them.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`fonts/`, with its
//! licence) and rasterised by `ab_glyph`: no fontconfig or freetype, so plots
//! render the same on a cluster node without fonts as on a laptop. PNGs are
//! encoded from plotters' RGB buffer by the `png` crate, and every file is
//! written atomically.

mod data;
mod draw;
mod layout;
mod realtime;
mod run;
mod sweep;

use std::path::{Path, PathBuf};

/// Width of a screen figure, pixels.
pub const WIDTH_PX: u32 = 1280;
/// Height of a screen figure with one row of panels, pixels.
pub const HEIGHT_PX: u32 = 800;

/// Most panels a sweep figure draws; more is refused with a message naming
/// the axes that make them.
pub const MAX_PANELS: usize = 12;

/// The size a figure is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Size {
    /// 1280 × 800 pixels, text for a screen.
    #[default]
    Screen,
    /// One column of a two-column paper: 3.5 in (89 mm) wide, drawn at
    /// 300 dpi (1050 pixels) with text of 7–9 pt at that width.
    OneColumn,
    /// The full width of a two-column paper: 7 in (178 mm) wide at 300 dpi
    /// (2100 pixels), text of 7–9 pt.
    TwoColumn,
}

impl Size {
    /// Parses `screen`, `one-column` or `two-column`.
    pub fn parse(s: &str) -> Result<Size, String> {
        match s {
            "screen" => Ok(Size::Screen),
            "one-column" => Ok(Size::OneColumn),
            "two-column" => Ok(Size::TwoColumn),
            other => Err(format!(
                "--size {other}: expected screen, one-column (3.5 in) or two-column (7 in)"
            )),
        }
    }

    /// Canvas, text scale and title switch of this size.
    pub(crate) fn style(self, title: bool) -> draw::Style {
        let (width, height, scale) = match self {
            Size::Screen => (WIDTH_PX, HEIGHT_PX, 1.0),
            Size::OneColumn => (1050, 840, 2.0),
            Size::TwoColumn => (2100, 1050, 2.0),
        };
        draw::Style {
            width,
            height,
            scale,
            title,
        }
    }
}

/// Which energy sweep figures plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Energy {
    /// `total_energy_kwh`: servers + network + cooling + migrations.
    #[default]
    Total,
    /// `energy_kwh`: the servers alone (what CloudSim reports).
    Servers,
}

impl Energy {
    /// Parses `total` or `servers`.
    pub fn parse(s: &str) -> Result<Energy, String> {
        match s {
            "total" => Ok(Energy::Total),
            "servers" => Ok(Energy::Servers),
            other => Err(format!(
                "--energy {other}: expected total (servers + network + cooling + migrations) or servers"
            )),
        }
    }

    /// The `runs.csv` column.
    pub fn metric(self) -> &'static str {
        match self {
            Energy::Total => "total_energy_kwh",
            Energy::Servers => "energy_kwh",
        }
    }
}

/// Output format of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG raster.
    Png,
    /// SVG vector (text as `<text>` in sans-serif).
    Svg,
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// Parses `png`, `svg` or `both`.
    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        match s {
            "png" => Ok(vec![Format::Png]),
            "svg" => Ok(vec![Format::Svg]),
            "both" => Ok(vec![Format::Png, Format::Svg]),
            other => Err(format!("--format {other}: expected png, svg or both")),
        }
    }
}

/// What to plot and where.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Output folder (default: `DIR/plots`).
    pub out_dir: Option<PathBuf>,
    /// Formats to write.
    pub formats: Vec<Format>,
    /// Sweep: the axis on the x axis (default: first numeric axis, else the last).
    pub x: Option<String>,
    /// Sweep: the axis whose values are the series (default: the first
    /// other axis when x is numeric, none when x is categorical; `none` for
    /// a single series). Every other axis gets one panel per value.
    pub series: Option<String>,
    /// Sweep: metrics to plot against x (default: [`DEFAULT_METRICS`], with
    /// the energy chosen by `energy`).
    pub metrics: Vec<String>,
    /// Sweep: the energy of the default metrics and of `energy-vs-slav`.
    pub energy: Energy,
    /// Sweep: axes whose runs are averaged into each point like
    /// replications, on request (never by default); the figure says so.
    pub pool: Vec<String>,
    /// Sweep: keep only the runs whose axis has this value (`(axis,
    /// label)`, all must hold).
    pub filters: Vec<(String, String)>,
    /// Figure size.
    pub size: Size,
    /// Whether figures carry a title (off for papers, whose captions say it).
    pub title: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            out_dir: None,
            formats: vec![Format::Png, Format::Svg],
            x: None,
            series: None,
            metrics: Vec::new(),
            energy: Energy::Total,
            filters: Vec::new(),
            pool: Vec::new(),
            size: Size::Screen,
            title: true,
        }
    }
}

/// Metrics a sweep is plotted by when none are named, those its runs have; `energy` stands
/// for the column [`Energy`] chooses. Real-time runs add their deadline misses.
pub const DEFAULT_METRICS: &[&str] = &["energy", "slav", "slatah", "pdm", "migrations", "deadline_misses"];

/// A plot that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder or one of its files is missing or malformed, or an option
    /// names something the data does not have.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Drawing failed.
    #[error("{}: cannot draw: {message}", path.display())]
    Draw {
        /// The figure.
        path: PathBuf,
        /// plotters' reason.
        message: String,
    },
    /// A figure could not be written.
    #[error(transparent)]
    Output(#[from] cirrus_output::OutputError),
}

impl PlotError {
    /// Whether the error is the input's fault (exit code 2 in the CLI).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, PlotError::Input { .. })
    }
}

/// Plots `dir`: a sweep folder if it has `sweep.json`, a run folder if it has
/// `summary.json` or `intervals.csv`. Returns the files written.
pub fn plot(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    if dir.join(cirrus_sweep::store::MANIFEST).is_file() {
        plot_sweep(dir, options)
    } else if dir.join("intervals.csv").is_file() || dir.join("summary.json").is_file() {
        plot_run(dir, options)
    } else if dir.is_dir() {
        Err(PlotError::Input {
            path: dir.to_path_buf(),
            message: "neither a run folder (summary.json, intervals.csv) nor a sweep folder (sweep.json)"
                .into(),
        })
    } else {
        Err(PlotError::Input {
            path: dir.to_path_buf(),
            message: "no such folder".into(),
        })
    }
}

/// Plots a run folder: `power-hosts`, `sla-migrations` and, when the run
/// migrated VMs, `migration-cdf`.
pub fn plot_run(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let out = out_dir(dir, options);
    run::plot(dir, &out, &options.formats, &options.size.style(options.title))
}

/// Plots a sweep folder: one `METRIC-vs-AXIS` figure per metric and
/// `energy-vs-slav`.
pub fn plot_sweep(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let out = out_dir(dir, options);
    sweep::plot(dir, &out, options)
}

/// Where the figures of `dir` go.
fn out_dir(dir: &Path, options: &PlotOptions) -> PathBuf {
    options.out_dir.clone().unwrap_or_else(|| dir.join("plots"))
}

/// Creates `out`: called once the inputs have been read and the layout
/// chosen, so that a refused plot leaves no empty folder behind.
pub(crate) fn create_out(out: &Path) -> Result<(), PlotError> {
    std::fs::create_dir_all(out).map_err(|e| {
        PlotError::Output(cirrus_output::OutputError {
            path: out.to_path_buf(),
            message: e.to_string(),
        })
    })
}
