//! Figures of one sweep folder: a metric against the swept parameter, one
//! line per policy with 95 % confidence bars; energy against SLAV with the
//! Pareto front.

use std::path::{Path, PathBuf};

use cirrus_sweep::stats::Estimate;
use cirrus_sweep::{Manifest, SweepError};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::Table;
use crate::draw::{
    BORDER_PX, DESC_PX, FONT, Figure, TICK_PX, color, e, metric_label, padded, render, small_text, tick,
    title_style,
};
use crate::{DEFAULT_METRICS, PlotError, PlotOptions};

fn input(path: &Path, message: impl Into<String>) -> PlotError {
    PlotError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// One point of a series: x position, estimate.
struct Cell {
    x: f64,
    est: Estimate,
}

/// A series of cells.
struct Line {
    label: String,
    cells: Vec<Cell>,
}

/// Metric vs swept parameter.
struct MetricVs {
    title: String,
    note: String,
    x_desc: String,
    y_desc: String,
    /// Name of the series axis (the legend's heading).
    series_name: String,
    /// Category labels when x is categorical (positions 0..n).
    categories: Option<Vec<String>>,
    lines: Vec<Line>,
}

/// Width of the legend column on the right of sweep figures, pixels.
const LEGEND_W: u32 = 250;

/// Draws `entries` (label, colour) as a legend column, then `note` lines.
fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[(String, RGBColor)],
    note: &[String],
) -> Result<(), String> {
    let style = small_text();
    let mut y = 40;
    if !heading.is_empty() {
        area.draw(&Text::new(
            heading.to_string(),
            (10, y),
            (FONT, DESC_PX).into_font(),
        ))
        .map_err(e)?;
        y += 30;
    }
    for (label, c) in entries {
        area.draw(&Rectangle::new([(10, y + 2), (32, y + 14)], c.filled()))
            .map_err(e)?;
        area.draw(&Text::new(label.clone(), (40, y), style.clone()))
            .map_err(e)?;
        y += 24;
    }
    y += 16;
    for line in note {
        area.draw(&Text::new(line.clone(), (10, y), style.clone()))
            .map_err(e)?;
        y += 22;
    }
    Ok(())
}

/// Splits a note into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Horizontal offsets so that the confidence bars of several series at the
/// same x do not overlap.
fn dodge(series: usize, s: usize, spacing: f64) -> f64 {
    if series <= 1 {
        return 0.0;
    }
    let width = spacing * 0.3;
    (s as f64 / (series - 1) as f64 - 0.5) * width
}

impl Figure for MetricVs {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .margin(BORDER_PX, BORDER_PX / 2, BORDER_PX / 2, BORDER_PX / 2)
            .titled(&self.title, title_style())
            .map_err(e)?;
        let (plot_area, legend_area) = root.split_horizontally(crate::WIDTH_PX - LEGEND_W);
        let xs: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.cells.iter().map(|c| c.x))
            .collect();
        let x = match &self.categories {
            Some(c) => (-0.5, c.len() as f64 - 0.5),
            None => padded(xs.iter().copied(), false),
        };
        let y = padded(
            self.lines.iter().flat_map(|l| {
                l.cells.iter().flat_map(|c| {
                    let h = c.est.ci95.unwrap_or(0.0);
                    [c.est.mean - h, c.est.mean + h]
                })
            }),
            true,
        );
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(100)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(e)?;
        let fx = |v: &f64| match &self.categories {
            Some(c) => {
                let r = v.round();
                if (v - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < c.len() {
                    c[r as usize].clone()
                } else {
                    String::new()
                }
            }
            None => tick(*v, x.0, x.1),
        };
        let fy = |v: &f64| tick(*v, y.0, y.1);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .label_style((FONT, TICK_PX))
            .axis_desc_style((FONT, DESC_PX))
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy);
        if let Some(c) = &self.categories {
            mesh.x_labels(c.len() + 1).disable_x_mesh();
        }
        mesh.draw().map_err(e)?;
        let spacing = match &self.categories {
            Some(_) => 1.0,
            None => {
                let mut sorted = xs.clone();
                sorted.sort_by(f64::total_cmp);
                sorted.dedup();
                sorted
                    .windows(2)
                    .map(|w| w[1] - w[0])
                    .fold(f64::INFINITY, f64::min)
                    .min(x.1 - x.0)
            }
        };
        let cap = (x.1 - x.0) * 0.005;
        for (s, line) in self.lines.iter().enumerate() {
            let c = color(s);
            let off = dodge(self.lines.len(), s, spacing);
            let pts: Vec<(f64, f64)> = line
                .cells
                .iter()
                .map(|cell| (cell.x + off, cell.est.mean))
                .collect();
            // A line joins the points of a numeric axis; on a categorical one
            // it only helps tell several series apart, so one series gets none.
            if self.categories.is_none() || self.lines.len() > 1 {
                let width = if self.categories.is_none() { 2 } else { 1 };
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(width)))
                    .map_err(e)?;
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 5, c.filled())))
                .map_err(e)?;
            for cell in &line.cells {
                if let Some(h) = cell.est.ci95 {
                    let xx = cell.x + off;
                    let (lo, hi) = (cell.est.mean - h, cell.est.mean + h);
                    for seg in [
                        vec![(xx, lo), (xx, hi)],
                        vec![(xx - cap, lo), (xx + cap, lo)],
                        vec![(xx - cap, hi), (xx + cap, hi)],
                    ] {
                        chart
                            .draw_series([PathElement::new(seg, c.stroke_width(2))])
                            .map_err(e)?;
                    }
                }
            }
        }
        let entries: Vec<(String, RGBColor)> = if self.lines.len() > 1 {
            self.lines
                .iter()
                .enumerate()
                .map(|(i, l)| (l.label.clone(), color(i)))
                .collect()
        } else {
            Vec::new()
        };
        let heading = if entries.is_empty() {
            ""
        } else {
            self.series_name.as_str()
        };
        legend_column(&legend_area, heading, &entries, &wrap(&self.note, 26))
    }
}

/// Energy vs SLAV per policy, with the Pareto front.
struct Pareto {
    title: String,
    note: String,
    group_name: String,
    /// (label, energy, SLAV) estimates per group.
    points: Vec<(String, Estimate, Estimate)>,
}

/// Indices of the points no other point beats on both energy and SLAV
/// (lower is better for both), by increasing energy.
pub(crate) fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut front = Vec::new();
    let mut best = f64::INFINITY;
    for i in order {
        if points[i].1 < best {
            best = points[i].1;
            front.push(i);
        }
    }
    front
}

impl Figure for Pareto {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .margin(BORDER_PX, BORDER_PX / 2, BORDER_PX / 2, BORDER_PX / 2)
            .titled(&self.title, title_style())
            .map_err(e)?;
        let (plot_area, legend_area) = root.split_horizontally(crate::WIDTH_PX - LEGEND_W);
        let span = |est: &Estimate| {
            let h = est.ci95.unwrap_or(0.0);
            [est.mean - h, est.mean + h]
        };
        let x = padded(self.points.iter().flat_map(|p| span(&p.1)), false);
        let y = padded(self.points.iter().flat_map(|p| span(&p.2)), true);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(100)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(e)?;
        let fx = |v: &f64| tick(*v, x.0, x.1);
        let fy = |v: &f64| tick(*v, y.0, y.1);
        chart
            .configure_mesh()
            .x_desc(metric_label("energy_kwh"))
            .y_desc(metric_label("slav"))
            .label_style((FONT, TICK_PX))
            .axis_desc_style((FONT, DESC_PX))
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .draw()
            .map_err(e)?;
        let means: Vec<(f64, f64)> = self.points.iter().map(|p| (p.1.mean, p.2.mean)).collect();
        let front = pareto_front(&means);
        let front_pts: Vec<(f64, f64)> = front.iter().map(|&i| means[i]).collect();
        if front_pts.len() > 1 {
            chart
                .draw_series(DashedLineSeries::new(front_pts, 10, 6, BLACK.stroke_width(2)))
                .map_err(e)?;
        }
        let (cap_x, cap_y) = ((x.1 - x.0) * 0.005, (y.1 - y.0) * 0.008);
        // Pixel boxes (x0, y0, x1, y1) that labels must avoid: every marker,
        // then each label as it is placed.
        let mut placed: Vec<(i32, i32, i32, i32)> = self
            .points
            .iter()
            .map(|p| {
                let (px, py) = chart.backend_coord(&(p.1.mean, p.2.mean));
                (px - 9, py - 9, px + 9, py + 9)
            })
            .collect();
        for (i, (label, en, sl)) in self.points.iter().enumerate() {
            let c = color(i);
            let p = (en.mean, sl.mean);
            if let Some(h) = en.ci95 {
                chart
                    .draw_series([
                        PathElement::new(vec![(p.0 - h, p.1), (p.0 + h, p.1)], c.stroke_width(1)),
                        PathElement::new(
                            vec![(p.0 - h, p.1 - cap_y), (p.0 - h, p.1 + cap_y)],
                            c.stroke_width(1),
                        ),
                        PathElement::new(
                            vec![(p.0 + h, p.1 - cap_y), (p.0 + h, p.1 + cap_y)],
                            c.stroke_width(1),
                        ),
                    ])
                    .map_err(e)?;
            }
            if let Some(h) = sl.ci95 {
                chart
                    .draw_series([
                        PathElement::new(vec![(p.0, p.1 - h), (p.0, p.1 + h)], c.stroke_width(1)),
                        PathElement::new(
                            vec![(p.0 - cap_x, p.1 - h), (p.0 + cap_x, p.1 - h)],
                            c.stroke_width(1),
                        ),
                        PathElement::new(
                            vec![(p.0 - cap_x, p.1 + h), (p.0 + cap_x, p.1 + h)],
                            c.stroke_width(1),
                        ),
                    ])
                    .map_err(e)?;
            }
            let on_front = front.contains(&i);
            let marker = if on_front {
                Circle::new(p, 8, c.filled())
            } else {
                Circle::new(p, 8, c.stroke_width(3))
            };
            chart.draw_series([marker]).map_err(e)?;
            // The label goes next to its marker, at the first of a few pixel
            // offsets where it overlaps no label placed before (policies with
            // equal results, like CloudSim's LR and LRR, would otherwise
            // print on top of each other).
            let (px, py) = chart.backend_coord(&p);
            let w = (label.chars().count() as f64 * TICK_PX as f64 * 0.62) as i32;
            let h = TICK_PX as i32 + 2;
            let candidates = [
                (10, -24),
                (10, 6),
                (-10 - w, -24),
                (-10 - w, 6),
                (10, -24 - h),
                (10, 6 + h),
                (-10 - w, -24 - h),
                (-10 - w, 6 + h),
                (10, -24 - 2 * h),
                (10, 6 + 2 * h),
            ];
            let free = |&(dx, dy): &(i32, i32)| {
                let (x0, y0) = (px + dx, py + dy);
                placed
                    .iter()
                    .all(|&(a, b, c, d)| x0 + w <= a || c <= x0 || y0 + h <= b || d <= y0)
            };
            let (dx, dy) = candidates
                .iter()
                .copied()
                .find(|o| free(o))
                .unwrap_or(candidates[0]);
            placed.push((px + dx, py + dy, px + dx + w, py + dy + h));
            chart
                .draw_series([EmptyElement::at(p)
                    + Text::new(label.clone(), (dx, dy), (FONT, TICK_PX).into_font().color(&c))])
                .map_err(e)?;
        }
        let entries: Vec<(String, RGBColor)> = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("{}{}", p.0, if front.contains(&i) { " *" } else { "" }),
                    color(i),
                )
            })
            .collect();
        let mut note = wrap(
            "* on the Pareto front (dashed): no other point has both less energy and less SLAV. Filled: on the front; hollow: dominated.",
            26,
        );
        note.push(String::new());
        note.extend(wrap(&self.note, 26));
        legend_column(&legend_area, &self.group_name, &entries, &note)
    }
}

/// The axis named `name`, or an error listing the axes.
fn find_axis(manifest: &Manifest, name: &str, path: &Path, option: &str) -> Result<usize, PlotError> {
    manifest.axes.iter().position(|a| a.name == name).ok_or_else(|| {
        let names: Vec<&str> = manifest.axes.iter().map(|a| a.name.as_str()).collect();
        input(
            path,
            format!(
                "{option} {name}: the sweep has no such axis; its axes are: {}",
                names.join(", ")
            ),
        )
    })
}

pub(crate) fn plot(dir: &Path, out: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let manifest = Manifest::read(dir).map_err(|err| match err {
        SweepError::Results { path, message } => input(&path, message),
        other => input(dir, other.to_string()),
    })?;
    let runs_path = dir.join("runs.csv");
    if !runs_path.is_file() {
        return Err(input(
            &runs_path,
            "missing: the sweep is not complete yet (finish it, or `cirrus merge` its shards)",
        ));
    }
    let runs = Table::read(&runs_path)?;
    let manifest_path = dir.join(cirrus_sweep::store::MANIFEST);
    if manifest.axes.is_empty() {
        return Err(input(
            &manifest_path,
            "the sweep has no axes, so there is nothing to plot against (its replications are summarised in aggregate.csv)",
        ));
    }
    let x_axis = match &options.x {
        Some(name) => find_axis(&manifest, name, &manifest_path, "--x")?,
        None => manifest
            .axes
            .iter()
            .position(|a| a.numeric.is_some())
            .unwrap_or(manifest.axes.len() - 1),
    };
    let series_axis = match options.series.as_deref() {
        Some("none") => None,
        Some(name) => {
            let s = find_axis(&manifest, name, &manifest_path, "--series")?;
            if s == x_axis {
                return Err(input(
                    &manifest_path,
                    format!("--series {name}: it is already the x axis"),
                ));
            }
            Some(s)
        }
        None => (0..manifest.axes.len()).find(|&a| a != x_axis),
    };
    // Position of each run on an axis, from its label.
    let coord = |axis: usize| -> Result<Vec<usize>, PlotError> {
        let info = &manifest.axes[axis];
        runs.strings(&info.name)?
            .iter()
            .enumerate()
            .map(|(i, l)| {
                info.labels.iter().position(|m| m == l).ok_or_else(|| {
                    input(
                        &runs_path,
                        format!(
                            "line {}: \"{l}\" is not a value of axis {} in sweep.json",
                            i + 2,
                            info.name
                        ),
                    )
                })
            })
            .collect()
    };
    let xs = coord(x_axis)?;
    let ss = match series_axis {
        Some(a) => coord(a)?,
        None => vec![0; runs.rows.len()],
    };
    let x_info = &manifest.axes[x_axis];
    let n_series = series_axis.map_or(1, |a| manifest.axes[a].labels.len());
    let pooled: Vec<&str> = manifest
        .axes
        .iter()
        .enumerate()
        .filter(|&(a, _)| a != x_axis && Some(a) != series_axis)
        .map(|(_, info)| info.name.as_str())
        .collect();
    let mut pooled_desc = pooled.join(", ");
    if manifest.replications > 1 {
        if !pooled_desc.is_empty() {
            pooled_desc.push_str(" and ");
        }
        pooled_desc.push_str("replications");
    }
    let metrics: Vec<String> = if options.metrics.is_empty() {
        DEFAULT_METRICS
            .iter()
            .filter(|m| runs.has(m))
            .map(|m| m.to_string())
            .collect()
    } else {
        options.metrics.clone()
    };
    let mut written = Vec::new();
    for metric in &metrics {
        let values = runs.numbers(metric)?;
        let mut cells: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); x_info.labels.len()]; n_series];
        for (i, v) in values.iter().enumerate() {
            cells[ss[i]][xs[i]].push(*v);
        }
        let lines = cells
            .iter()
            .enumerate()
            .map(|(s, row)| Line {
                label: series_axis.map_or_else(String::new, |a| manifest.axes[a].labels[s].clone()),
                cells: row
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(j, v)| Cell {
                        x: x_info.numeric.as_ref().map_or(j as f64, |n| n[j]),
                        est: Estimate::of(v),
                    })
                    .collect(),
            })
            .collect();
        let per_cell = runs.rows.len() / (n_series * x_info.labels.len()).max(1);
        let note = if per_cell > 1 {
            format!(
                "Mean ± 95 % confidence interval (Student t) over {per_cell} runs per point, pooling {pooled_desc}."
            )
        } else {
            "One run per point.".to_string()
        };
        let fig = MetricVs {
            title: format!("{}: {} vs {}", manifest.name, metric_short(metric), x_info.name),
            note,
            x_desc: axis_desc(x_info),
            series_name: series_axis.map_or_else(String::new, |a| manifest.axes[a].name.clone()),
            y_desc: metric_label(metric),
            categories: if x_info.numeric.is_some() {
                None
            } else {
                Some(x_info.labels.clone())
            },
            lines,
        };
        let stem = format!("{}-vs-{}", metric, file_safe(&x_info.name));
        written.extend(render(&fig, out, &stem, &options.formats)?);
    }

    if runs.has("energy_kwh") && runs.has("slav") {
        let group_axis = series_axis.unwrap_or(x_axis);
        let groups = if Some(group_axis) == series_axis { &ss } else { &xs };
        let labels = &manifest.axes[group_axis].labels;
        let energy = runs.numbers("energy_kwh")?;
        let slav = runs.numbers("slav")?;
        let mut by: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); labels.len()];
        for i in 0..runs.rows.len() {
            by[groups[i]].0.push(energy[i]);
            by[groups[i]].1.push(slav[i]);
        }
        let points = by
            .iter()
            .enumerate()
            .filter(|(_, (en, _))| !en.is_empty())
            .map(|(g, (en, sl))| (labels[g].clone(), Estimate::of(en), Estimate::of(sl)))
            .collect::<Vec<_>>();
        let others: Vec<&str> = manifest
            .axes
            .iter()
            .enumerate()
            .filter(|&(a, _)| a != group_axis)
            .map(|(_, info)| info.name.as_str())
            .collect();
        let per_group = runs.rows.len() / labels.len().max(1);
        let mut over = others.join(", ");
        if manifest.replications > 1 {
            if !over.is_empty() {
                over.push_str(" and ");
            }
            over.push_str("replications");
        }
        let note = if per_group > 1 {
            format!("Mean ± 95 % confidence interval over {per_group} runs per point, pooling {over}.")
        } else {
            "One run per point.".to_string()
        };
        let fig = Pareto {
            title: format!(
                "{}: energy vs SLAV per {}",
                manifest.name, manifest.axes[group_axis].name
            ),
            note,
            group_name: manifest.axes[group_axis].name.clone(),
            points,
        };
        written.extend(render(&fig, out, "energy-vs-slav", &options.formats)?);
    }
    Ok(written)
}

/// An axis' description: its name, and the scenario key it sets when that
/// is not the name already.
fn axis_desc(info: &cirrus_sweep::store::AxisInfo) -> String {
    match info.keys.as_slice() {
        [key] if *key != info.name && key != cirrus_sweep::SCENARIO_KEY => format!("{} ({key})", info.name),
        _ => info.name.clone(),
    }
}

/// A metric's name for a title: its label without the unit.
fn metric_short(metric: &str) -> String {
    let label = metric_label(metric);
    label.split(" (").next().unwrap_or(&label).to_string()
}

/// `name` with characters unsafe in file names replaced by `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_keeps_the_non_dominated() {
        let pts = [
            (10.0, 5.0),
            (12.0, 1.0),
            (11.0, 6.0),
            (9.0, 9.0),
            (12.0, 0.5),
            (f64::NAN, 0.0),
        ];
        assert_eq!(pareto_front(&pts), [3, 0, 4]);
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(
            file_safe("consolidation.detector.safety"),
            "consolidation.detector.safety"
        );
        assert_eq!(file_safe("a b/c"), "a_b_c");
    }
}
