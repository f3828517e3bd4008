//! Figures of one run folder.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::{Table, scenario_name};
use crate::draw::{BORDER_PX, Figure, Kind, Series, color, e, padded, panel, render, title_style};
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
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .margin(BORDER_PX, BORDER_PX / 2, BORDER_PX / 2, BORDER_PX / 2)
            .titled(&self.title, title_style())
            .map_err(e)?;
        let panels = root.split_evenly((2, 1));
        let y = padded(self.power.points.iter().map(|p| p.1), true);
        panel(
            &panels[0],
            std::slice::from_ref(&self.power),
            self.x_range,
            y,
            self.x_desc,
            self.power_desc,
            None,
        )?;
        let y = padded(self.hosts.points.iter().map(|p| p.1), true);
        panel(
            &panels[1],
            std::slice::from_ref(&self.hosts),
            self.x_range,
            y,
            self.x_desc,
            "Active hosts (hosts)",
            None,
        )
    }
}

/// SLA violation and overloads per interval, migrations per interval.
struct SlaMigrations {
    title: String,
    x_desc: &'static str,
    x_range: (f64, f64),
    sla: Vec<Series>,
    migrations: Series,
}

impl Figure for SlaMigrations {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .margin(BORDER_PX, BORDER_PX / 2, BORDER_PX / 2, BORDER_PX / 2)
            .titled(&self.title, title_style())
            .map_err(e)?;
        let panels = root.split_evenly((2, 1));
        let y = padded(self.sla.iter().flat_map(|s| s.points.iter().map(|p| p.1)), true);
        panel(
            &panels[0],
            &self.sla,
            self.x_range,
            y,
            self.x_desc,
            "Hosts (interval mean / at step)",
            Some(SeriesLabelPosition::UpperRight),
        )?;
        let y = padded(self.migrations.points.iter().map(|p| p.1), true);
        panel(
            &panels[1],
            std::slice::from_ref(&self.migrations),
            self.x_range,
            y,
            self.x_desc,
            "Migrations started (count)",
            None,
        )
    }
}

/// Empirical CDFs of migration duration and downtime.
struct MigrationCdf {
    title: String,
    series: Vec<Series>,
}

impl Figure for MigrationCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .margin(BORDER_PX, BORDER_PX / 2, BORDER_PX / 2, BORDER_PX / 2)
            .titled(&self.title, title_style())
            .map_err(e)?;
        let x = padded(
            self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            true,
        );
        panel(
            &root,
            &self.series,
            x,
            (0.0, 1.02),
            "Seconds per migration (s)",
            "Fraction of migrations ≤ x",
            Some(SeriesLabelPosition::LowerRight),
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

pub(crate) fn plot(dir: &Path, out: &Path, formats: &[Format]) -> Result<Vec<PathBuf>, PlotError> {
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
        (1e-3, "Mean power (kW)")
    } else {
        (1.0, "Mean power (W)")
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
    written.extend(render(&fig, out, "power-hosts", formats)?);

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
        let m = intervals.numbers("migrations")?;
        let fig = SlaMigrations {
            title: format!("{name}: SLA violation, overloads and migrations per interval"),
            x_desc,
            x_range,
            sla,
            migrations: Series {
                label: "migrations".into(),
                points: t.iter().copied().zip(m).collect(),
                color: color(4),
                kind: Kind::Bars,
            },
        };
        written.extend(render(&fig, out, "sla-migrations", formats)?);
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
        written.extend(render(&fig, out, "migration-cdf", formats)?);
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
