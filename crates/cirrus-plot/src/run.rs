//! Figures of one run folder.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::{Table, scenario_name};
use crate::draw::{Axes, Figure, Kind, Series, Style, color, padded, panel, render};
use crate::{Format, PlotError};

/// Time axis: hours for runs of two hours or more, minutes below, so that
/// ticks stay round numbers.
fn time_axis(t_s: &[f64]) -> (f64, &'static str) {
    let end = t_s.iter().copied().fold(0.0, f64::max);
    if end >= 7200.0 {
        (3600.0, "Simulated time (h)")
    } else {
        (60.0, "Simulated time (min)")
    }
}

/// Power and active hosts over time, two panels.
struct PowerHosts {
    title: String,
    x_desc: &'static str,
    x_range: (f64, f64),
    power: Series,
    power_desc: &'static str,
    hosts: Series,
}

impl Figure for PowerHosts {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        let panels = root.split_evenly((2, 1));
        let axes = Axes {
            x: self.x_range,
            y: padded(self.power.points.iter().map(|p| p.1), true),
            x_desc: self.x_desc,
            y_desc: self.power_desc,
            y_integer: false,
        };
        panel(&panels[0], std::slice::from_ref(&self.power), &axes, None, style)?;
        let axes = Axes {
            x: self.x_range,
            y: padded(self.hosts.points.iter().map(|p| p.1), true),
            x_desc: self.x_desc,
            y_desc: "Active hosts (hosts)",
            y_integer: true,
        };
        panel(&panels[1], std::slice::from_ref(&self.hosts), &axes, None, style)
    }
}

/// SLA violation and overloads per interval, migrations per interval by
/// reason (stacked bars).
struct SlaMigrations {
    title: String,
    x_desc: &'static str,
    x_range: (f64, f64),
    sla: Vec<Series>,
    /// Cumulative counts, tallest first (see [`migration_series`]).
    migrations: Vec<Series>,
}

impl Figure for SlaMigrations {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        let panels = root.split_evenly((2, 1));
        let axes = Axes {
            x: self.x_range,
            y: padded(self.sla.iter().flat_map(|s| s.points.iter().map(|p| p.1)), true),
            x_desc: self.x_desc,
            y_desc: "Hosts (interval mean / at step)",
            y_integer: false,
        };
        panel(
            &panels[0],
            &self.sla,
            &axes,
            Some(SeriesLabelPosition::UpperRight),
            style,
        )?;
        let axes = Axes {
            x: self.x_range,
            y: padded(
                self.migrations.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                true,
            ),
            x_desc: self.x_desc,
            y_desc: "Migrations started (count)",
            y_integer: true,
        };
        panel(
            &panels[1],
            &self.migrations,
            &axes,
            Some(SeriesLabelPosition::UpperRight),
            style,
        )
    }
}

/// Empirical CDFs of migration duration and downtime.
struct MigrationCdf {
    title: String,
    series: Vec<Series>,
}

impl Figure for MigrationCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        let axes = Axes {
            x: padded(
                self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
                true,
            ),
            y: (0.0, 1.02),
            x_desc: "Seconds per migration (s)",
            y_desc: "Fraction of migrations ≤ x",
            y_integer: false,
        };
        panel(
            &root,
            &self.series,
            &axes,
            Some(SeriesLabelPosition::LowerRight),
            style,
        )
    }
}

/// The points of an empirical CDF, starting at (min, 0).
fn cdf(mut values: Vec<f64>) -> Vec<(f64, f64)> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let mut pts = Vec::with_capacity(values.len() + 1);
    if let Some(&first) = values.first() {
        pts.push((first, 0.0));
    }
    pts.extend(values.iter().enumerate().map(|(i, &v)| (v, (i + 1) as f64 / n)));
    pts
}

/// Reasons a migration starts, as `intervals.csv` columns, with their
/// legend text and colour.
const REASONS: [(&str, &str, usize); 4] = [
    ("migrations_overload", "overload", 4),
    ("migrations_underload", "underload", 9),
    ("migrations_evacuation", "evacuation (host failure)", 5),
    ("migrations_scripted", "scripted", 2),
];

/// The migrations panel's series: one bar series per reason that occurs,
/// as cumulative counts drawn tallest first, so that each bar is stacked
/// by reason. Older folders without the reason columns get one series of
/// `migrations`; a count the reasons do not explain is drawn as "other".
/// A run without migrations gets an empty series whose legend says so.
fn migration_series(intervals: &Table, t: &[f64]) -> Result<Vec<Series>, PlotError> {
    let total = intervals.numbers("migrations")?;
    let mut parts: Vec<(String, Vec<f64>, usize)> = Vec::new();
    let mut explained = vec![0.0; total.len()];
    for (column, label, c) in REASONS {
        if !intervals.has(column) {
            continue;
        }
        let v = intervals.numbers(column)?;
        for (e, x) in explained.iter_mut().zip(&v) {
            *e += x;
        }
        let n: f64 = v.iter().sum();
        if n > 0.0 {
            parts.push((format!("{label} ({n})"), v, c));
        }
    }
    let other: Vec<f64> = total.iter().zip(&explained).map(|(t, e)| (t - e).max(0.0)).collect();
    let n_other: f64 = other.iter().sum();
    if n_other > 0.0 {
        let label = if parts.is_empty() { "all reasons" } else { "other" };
        parts.push((format!("{label} ({n_other})"), other, 7));
    }
    if parts.is_empty() {
        return Ok(vec![Series {
            label: "no migrations in this run".into(),
            points: Vec::new(),
            color: color(7),
            kind: Kind::Bars,
        }]);
    }
    let mut sum = vec![0.0; total.len()];
    let mut series: Vec<Series> = parts
        .into_iter()
        .map(|(label, v, c)| {
            for (s, x) in sum.iter_mut().zip(&v) {
                *s += x;
            }
            Series {
                label,
                points: t.iter().copied().zip(sum.iter().copied()).collect(),
                color: color(c),
                kind: Kind::Bars,
            }
        })
        .collect();
    series.reverse();
    Ok(series)
}

pub(crate) fn plot(
    dir: &Path,
    out: &Path,
    formats: &[Format],
    style: &Style,
) -> Result<Vec<PathBuf>, PlotError> {
    let intervals = Table::read(&dir.join("intervals.csv"))?;
    let name = scenario_name(dir).unwrap_or_else(|| {
        dir.file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned())
    });
    let t_s = intervals.numbers("time_s")?;
    if t_s.is_empty() {
        return Err(PlotError::Input {
            path: intervals.path.clone(),
            message: "no intervals to plot".into(),
        });
    }
    let (t_unit_s, x_desc) = time_axis(&t_s);
    let t: Vec<f64> = t_s.iter().map(|v| v / t_unit_s).collect();
    let x_range = (0.0, t.iter().copied().fold(0.0, f64::max).max(1e-9));
    let power_w = intervals.numbers("power_w")?;
    let kw = power_w.iter().copied().fold(0.0, f64::max) >= 10_000.0;
    let (scale, power_desc) = if kw {
        (1e-3, "Mean server power (kW)")
    } else {
        (1.0, "Mean server power (W)")
    };
    let hosts = intervals.numbers("active_hosts")?;
    let mut written = Vec::new();

    let fig = PowerHosts {
        title: format!("{name}: power and active hosts"),
        x_desc,
        x_range,
        power: Series {
            label: "power".into(),
            points: t.iter().zip(&power_w).map(|(&x, &p)| (x, p * scale)).collect(),
            color: color(0),
            kind: Kind::Line,
        },
        power_desc,
        hosts: Series {
            label: "active hosts".into(),
            points: t.iter().copied().zip(hosts).collect(),
            color: color(2),
            kind: Kind::Line,
        },
    };
    written.extend(render(&fig, out, "power-hosts", formats, style)?);

    let mut sla = Vec::new();
    if intervals.has("sla_violation_s") {
        let v = intervals.numbers("sla_violation_s")?;
        // Host-seconds of violation over the interval's length: the mean
        // number of hosts under-serving their VMs during the interval.
        let points = (1..t_s.len())
            .filter(|&i| t_s[i] > t_s[i - 1])
            .map(|i| (t[i], v[i] / (t_s[i] - t_s[i - 1])))
            .collect();
        sla.push(Series {
            label: "hosts in SLA violation (interval mean)".into(),
            points,
            color: color(3),
            kind: Kind::Line,
        });
    }
    if intervals.has("overloaded_hosts") {
        let v = intervals.numbers("overloaded_hosts")?;
        sla.push(Series {
            label: "hosts found overloaded (at the step)".into(),
            points: t.iter().copied().zip(v).collect(),
            color: color(1),
            kind: Kind::Line,
        });
    }
    if intervals.has("migrations") && !sla.is_empty() {
        let fig = SlaMigrations {
            title: format!("{name}: SLA violation, overloads and migrations per interval"),
            x_desc,
            x_range,
            sla,
            migrations: migration_series(&intervals, &t)?,
        };
        written.extend(render(&fig, out, "sla-migrations", formats, style)?);
    }

    if let Some(migrations) = Table::read_optional(&dir.join("migrations.csv"))?
        && !migrations.rows.is_empty()
    {
        let mut series = vec![Series {
            label: format!("duration ({} migrations)", migrations.rows.len()),
            points: cdf(migrations.numbers("duration_s")?),
            color: color(0),
            kind: Kind::Step,
        }];
        let downtime = migrations.numbers("downtime_s")?;
        let label = if downtime.iter().all(|&d| d == 0.0) {
            "downtime (0 s for every migration: the model never suspends VMs)".to_string()
        } else {
            "downtime".to_string()
        };
        series.push(Series {
            label,
            points: cdf(downtime),
            color: color(1),
            kind: Kind::Step,
        });
        let fig = MigrationCdf {
            title: format!("{name}: migration duration and downtime, CDF"),
            series,
        };
        written.extend(render(&fig, out, "migration-cdf", formats, style)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_points() {
        assert_eq!(
            cdf(vec![3.0, 1.0, 2.0]),
            [(1.0, 0.0), (1.0, 1.0 / 3.0), (2.0, 2.0 / 3.0), (3.0, 1.0)]
        );
        assert!(cdf(vec![]).is_empty());
    }
}
