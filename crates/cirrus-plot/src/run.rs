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
    /// Hosts per power state (on, off, asleep, in transition), when the run
    /// changed power states: a third panel.
    states: Option<Vec<Series>>,
}

impl Figure for PowerHosts {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        let panels = root.split_evenly((2 + usize::from(self.states.is_some()), 1));
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
        panel(&panels[1], std::slice::from_ref(&self.hosts), &axes, None, style)?;
        if let Some(states) = &self.states {
            // Headroom above the curves for the four-line legend, which takes the upper ~60 %
            // of this short panel: the state holding most hosts (off, on a consolidated day)
            // runs near the top of its range.
            let (lo, hi) = padded(states.iter().flat_map(|s| s.points.iter().map(|p| p.1)), true);
            let axes = Axes {
                x: self.x_range,
                y: (lo, lo + (hi - lo) * 2.6),
                x_desc: self.x_desc,
                y_desc: "Hosts per power state (hosts)",
                y_integer: true,
            };
            panel(
                &panels[2],
                states,
                &axes,
                Some(SeriesLabelPosition::UpperRight),
                style,
            )?;
        }
        Ok(())
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
    /// Duration CDF, seconds.
    duration: Series,
    /// Downtime CDF in `downtime_unit`.
    downtime: Series,
    /// Axis description of the downtime panel.
    downtime_desc: &'static str,
}

impl Figure for MigrationCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        // Side by side, each with its own x axis: downtime is often a few
        // milliseconds against minutes of transfer, invisible on one axis.
        let panels = root.split_evenly((1, 2));
        for (area, series, x_desc) in [
            (&panels[0], &self.duration, "Migration duration (s)"),
            (&panels[1], &self.downtime, self.downtime_desc),
        ] {
            let axes = Axes {
                x: padded(series.points.iter().map(|p| p.0), true),
                y: (0.0, 1.02),
                x_desc,
                y_desc: "Fraction of migrations ≤ x",
                y_integer: false,
            };
            // The legend goes where the curve is not: upper left when most of
            // the mass is in the right half, else lower right.
            let median = series.points.get(series.points.len() / 2).map_or(0.0, |p| p.0);
            let position = if median > (axes.x.0 + axes.x.1) / 2.0 {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::LowerRight
            };
            panel(area, std::slice::from_ref(series), &axes, Some(position), style)?;
        }
        Ok(())
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
    let other: Vec<f64> = total
        .iter()
        .zip(&explained)
        .map(|(t, e)| (t - e).max(0.0))
        .collect();
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

/// Columns of hosts per power state in `intervals.csv`, with their legend
/// text and colour.
const STATES: [(&str, &str, usize); 4] = [
    ("hosts_on", "on", 2),
    ("hosts_off", "off", 7),
    ("hosts_asleep", "asleep", 0),
    (
        "hosts_in_transition",
        "booting, shutting down, suspending, resuming",
        3,
    ),
];

/// Hosts per power state over time, if the run changed any host's power
/// state (its summary counts boots, shutdowns, sleeps or wakes) and its
/// intervals have the columns; otherwise `None` (no panel).
fn power_state_series(dir: &Path, intervals: &Table, t: &[f64]) -> Result<Option<Vec<Series>>, PlotError> {
    let transitions = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map_or(0.0, |v| {
            ["power_boots", "power_shutdowns", "power_sleeps", "power_wakes"]
                .iter()
                .filter_map(|k| v.get(*k).and_then(serde_json::Value::as_f64))
                .sum()
        });
    if transitions == 0.0 || !STATES.iter().all(|(c, _, _)| intervals.has(c)) {
        return Ok(None);
    }
    let mut series = Vec::new();
    for (column, label, c) in STATES {
        let v = intervals.numbers(column)?;
        series.push(Series {
            label: label.into(),
            points: t.iter().copied().zip(v).collect(),
            color: color(c),
            kind: Kind::Line,
        });
    }
    Ok(Some(series))
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
    crate::create_out(out)?;
    let mut written = Vec::new();

    let fig = PowerHosts {
        title: format!("{name}: power and active hosts"),
        x_desc,
        x_range,
        power: Series {
            label: "power".into(),
            // The step at t = 0 ends no interval: its 0 W is not a power.
            points: (1..t_s.len())
                .filter(|&i| t_s[i] > t_s[i - 1])
                .map(|i| (t[i], power_w[i] * scale))
                .collect(),
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
        states: power_state_series(dir, &intervals, &t)?,
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
        let duration = Series {
            label: format!("duration ({} migrations)", migrations.rows.len()),
            points: cdf(migrations.numbers("duration_s")?),
            color: color(0),
            kind: Kind::Step,
        };
        let downtime_s = migrations.numbers("downtime_s")?;
        let max = downtime_s.iter().copied().fold(0.0, f64::max);
        let (scale, downtime_desc) = if max > 0.0 && max < 1.0 {
            (1e3, "Downtime per migration (ms)")
        } else {
            (1.0, "Downtime per migration (s)")
        };
        let label = if max == 0.0 {
            "downtime: 0 s for every migration (the model never suspends VMs)".to_string()
        } else {
            "downtime".to_string()
        };
        let fig = MigrationCdf {
            title: format!("{name}: migration duration and downtime, CDF"),
            duration,
            downtime: Series {
                label,
                points: cdf(downtime_s.iter().map(|d| d * scale).collect()),
                color: color(1),
                kind: Kind::Step,
            },
            downtime_desc,
        };
        written.extend(render(&fig, out, "migration-cdf", formats, style)?);
        let points = crate::realtime::points(&migrations)?;
        if !points.is_empty() {
            let fig = crate::realtime::DowntimeVsBound {
                title: format!("{name}: real-time VMs' migration downtime"),
                points,
            };
            written.extend(render(&fig, out, "downtime-vs-bound", formats, style)?);
        }
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

    fn table(text: &str) -> Table {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intervals.csv");
        std::fs::write(&path, text).unwrap();
        Table::read(&path).unwrap()
    }

    #[test]
    fn migrations_are_stacked_by_reason() {
        let t = table(
            "time_s,migrations,migrations_overload,migrations_underload,migrations_evacuation,migrations_scripted\n\
             0,0,0,0,0,0\n300,5,2,0,3,0\n600,1,0,0,0,1\n",
        );
        let s = migration_series(&t, &[0.0, 1.0, 2.0]).unwrap();
        // Tallest first: scripted on top of evacuation on top of overload.
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            ["scripted (1)", "evacuation (host failure) (3)", "overload (2)"]
        );
        assert_eq!(s[0].points, [(0.0, 0.0), (1.0, 5.0), (2.0, 1.0)]);
        assert_eq!(s[1].points, [(0.0, 0.0), (1.0, 5.0), (2.0, 0.0)]);
        assert_eq!(s[2].points, [(0.0, 0.0), (1.0, 2.0), (2.0, 0.0)]);
        // A folder from before the reason columns: one series of all.
        let old = table("time_s,migrations\n0,0\n300,4\n");
        let s = migration_series(&old, &[0.0, 1.0]).unwrap();
        assert_eq!((s.len(), s[0].label.as_str()), (1, "all reasons (4)"));
        // No migrations: the legend says so, and the axis is 0..1.
        let none = table("time_s,migrations,migrations_overload\n0,0,0\n300,0,0\n");
        let s = migration_series(&none, &[0.0, 1.0]).unwrap();
        assert_eq!(s[0].label, "no migrations in this run");
        assert_eq!(
            padded(s.iter().flat_map(|s| s.points.iter().map(|p| p.1)), true),
            (0.0, 1.0)
        );
    }

    /// failures/degraded's hosts in SLA violation from 20 700 s to 22 500 s
    /// (a host failure at ~6 h): up, a sharp V, up again, within 6 steps.
    const SPIKE: [f64; 7] = [0.0, 0.53, 9.0, 0.62, 6.6, 3.6, 0.0];

    /// The sla-migrations figure of a run whose SLA series spikes like
    /// failures/degraded's: no pixel of the top panel's red reaches the
    /// bottom half, where the migrations panel is. (plotters' thick
    /// polylines drew the sharp V's mitre far below the panel.)
    #[test]
    fn a_spike_stays_in_its_panel() {
        let n = 2000;
        let x: Vec<f64> = (0..n).map(|i| i as f64 / 10.0).collect();
        let spiky: Vec<(f64, f64)> = x
            .iter()
            .enumerate()
            .map(|(i, &x)| (x, SPIKE.get(i % 400).copied().unwrap_or(0.0)))
            .collect();
        let red = color(3);
        let fig = SlaMigrations {
            title: "spikes".into(),
            x_desc: "Simulated time (h)",
            x_range: (0.0, x[n - 1]),
            sla: vec![Series {
                label: "hosts in SLA violation".into(),
                points: spiky,
                color: red,
                kind: Kind::Line,
            }],
            migrations: vec![Series {
                label: String::new(),
                points: x.iter().map(|&x| (x, 0.0)).collect(),
                color: color(4),
                kind: Kind::Bars,
            }],
        };
        let style = crate::Size::Screen.style(true);
        let (w, h) = (style.width, style.height);
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            crate::draw::ensure_font().unwrap();
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            root.fill(&WHITE).unwrap();
            fig.draw(&root, &style).unwrap();
            root.present().unwrap();
        }
        let is_red = |p: &[u8]| p == [red.0, red.1, red.2];
        let rows_with_red: Vec<u32> = (0..h)
            .filter(|&y| {
                (0..w).any(|x| {
                    let i = ((y * w + x) * 3) as usize;
                    is_red(&buf[i..i + 3])
                })
            })
            .collect();
        assert!(!rows_with_red.is_empty(), "the spikes are drawn");
        let lowest = *rows_with_red.last().unwrap();
        assert!(
            lowest < h / 2,
            "red reaches row {lowest} of {h}: out of its panel"
        );
    }
}
