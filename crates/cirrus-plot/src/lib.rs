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
//! | sweep | a metric vs the swept parameter, mean ± 95 % CI per series (policy) | `METRIC-vs-AXIS` |
//! | sweep | energy vs SLAV per policy, with the Pareto front | `energy-vs-slav` |
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`fonts/`, with its
//! licence) and rasterised by `ab_glyph`: no fontconfig or freetype, so plots
//! render the same on a cluster node without fonts as on a laptop. PNGs are
//! encoded from plotters' RGB buffer by the `png` crate, and every file is
//! written atomically.

mod data;
mod draw;
mod run;
mod sweep;

use std::path::{Path, PathBuf};

/// Width of every figure, pixels.
pub const WIDTH_PX: u32 = 1280;
/// Height of every figure, pixels.
pub const HEIGHT_PX: u32 = 800;

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
    /// Sweep: the axis whose values are the series (default: first other
    /// axis; `none` for a single series).
    pub series: Option<String>,
    /// Sweep: metrics to plot against x (default: [`DEFAULT_METRICS`]).
    pub metrics: Vec<String>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            out_dir: None,
            formats: vec![Format::Png, Format::Svg],
            x: None,
            series: None,
            metrics: Vec::new(),
        }
    }
}

/// Metrics a sweep is plotted by when none are named.
pub const DEFAULT_METRICS: &[&str] = &["energy_kwh", "slav", "slatah", "pdm", "migrations"];

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
    let out = prepare_out(dir, options)?;
    run::plot(dir, &out, &options.formats)
}

/// Plots a sweep folder: one `METRIC-vs-AXIS` figure per metric and
/// `energy-vs-slav`.
pub fn plot_sweep(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let out = prepare_out(dir, options)?;
    sweep::plot(dir, &out, options)
}

fn prepare_out(dir: &Path, options: &PlotOptions) -> Result<PathBuf, PlotError> {
    let out = options.out_dir.clone().unwrap_or_else(|| dir.join("plots"));
    std::fs::create_dir_all(&out).map_err(|e| {
        PlotError::Output(cirrus_output::OutputError {
            path: out.clone(),
            message: e.to_string(),
        })
    })?;
    Ok(out)
}
