//! `cirrus plot`: its arguments and handler; the figures are
//! `cirrus-plot`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::{EXIT_BAD_INPUT, EXIT_FAILURE, fail};

/// Plot a run folder (power, hosts, SLA, migrations by reason) or a sweep
/// folder (metric vs parameter with 95 % CIs, energy vs SLAV with the
/// Pareto front), one panel per value of every sweep axis not on x or in
/// the series.
#[derive(Debug, clap::Args)]
pub(crate) struct PlotArgs {
    /// A run's results folder (with summary.json) or a sweep's (with sweep.json).
    dir: PathBuf,
    /// Where the plots go (default: DIR/plots).
    #[arg(long)]
    out: Option<PathBuf>,
    /// png, svg or both.
    #[arg(long, default_value = "both")]
    format: String,
    /// screen (1280 × 800 px), one-column (3.5 in at 300 dpi) or
    /// two-column (7 in at 300 dpi); paper sizes have 7–9 pt text.
    #[arg(long, default_value = "screen")]
    size: String,
    /// Leave the titles out (a paper's caption says what a figure is).
    #[arg(long)]
    no_title: bool,
    /// Sweep plots: the axis on the x axis (default: the first numeric
    /// axis, else the categorical axis with the most values).
    #[arg(long, value_name = "AXIS")]
    x: Option<String>,
    /// Sweep plots: the axis whose values are the series, or `none`
    /// (default: the first other axis when x is numeric, none when x is
    /// categorical). Every other axis gets one panel per value; runs of
    /// different sweep points are never pooled unless `--pool` asks.
    #[arg(long, value_name = "AXIS")]
    series: Option<String>,
    /// Sweep plots: keep only the runs with this value of an axis, as
    /// AXIS=VALUE (repeatable).
    #[arg(long = "where", value_name = "AXIS=VALUE")]
    filters: Vec<String>,
    /// Sweep plots: average the runs of every value of this axis into one
    /// point, like replications (repeatable; never done unless asked, and
    /// the figure says so).
    #[arg(long, value_name = "AXIS")]
    pool: Vec<String>,
    /// Sweep plots: total (servers + network + cooling + migrations) or
    /// servers: the energy of the default metrics and of energy-vs-slav.
    #[arg(long, default_value = "total")]
    energy: String,
    /// Sweep plots: a metric (column of runs.csv) to plot against x
    /// (repeatable; default: the energy, slav, slatah, pdm, migrations).
    #[arg(long = "metric")]
    metrics: Vec<String>,
}

pub(crate) fn plot(args: PlotArgs) -> ExitCode {
    let parsed = (|| -> Result<cirrus_plot::PlotOptions, String> {
        let filters = args
            .filters
            .iter()
            .map(|f| {
                f.split_once('=')
                    .map(|(a, v)| (a.trim().to_string(), v.trim().to_string()))
                    .ok_or_else(|| format!("--where {f}: expected AXIS=VALUE"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(cirrus_plot::PlotOptions {
            out_dir: args.out,
            formats: cirrus_plot::Format::parse_list(&args.format)?,
            x: args.x,
            series: args.series,
            metrics: args.metrics,
            energy: cirrus_plot::Energy::parse(&args.energy)?,
            filters,
            pool: args.pool,
            size: cirrus_plot::Size::parse(&args.size)?,
            title: !args.no_title,
        })
    })();
    let options = match parsed {
        Ok(o) => o,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    match cirrus_plot::plot(&args.dir, &options) {
        Ok(files) => {
            for f in files {
                out!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(
            if e.is_bad_input() {
                EXIT_BAD_INPUT
            } else {
                EXIT_FAILURE
            },
            &e,
        ),
    }
}
