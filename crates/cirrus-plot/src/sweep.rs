//! Figures of one sweep folder: a metric against the swept parameter, a
//! series per policy with 95 % confidence bars; energy against SLAV with
//! the Pareto front. Axes neither on x nor the series get a panel per value
//! ([`crate::layout`]).

use std::path::{Path, PathBuf};

use cirrus_sweep::stats::Estimate;
use cirrus_sweep::{Manifest, SweepError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::data::Table;
use crate::draw::{FONT, Figure, Style, color, e, metric_axis, metric_label, padded, render, tick};
use crate::layout::{self, Layout, is_categorical, split_panels};
use crate::{DEFAULT_METRICS, Energy, PlotError, PlotOptions};

fn input(path: &Path, message: impl Into<String>) -> PlotError {
    PlotError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A mean and the part of its 95 % confidence interval that is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Interval {
    pub mean: f64,
    /// `(lo, hi)`; `None` for one run.
    pub bar: Option<(f64, f64)>,
    /// Whether `lo` was raised to 0.
    pub clamped: bool,
}

/// The mean ± 95 % CI of `values` scaled by `scale`; for a metric that
/// cannot be negative the interval is cut at 0 (a t interval of a small
/// sample of counts or kWh reaches below 0 when the runs differ widely,
/// which no run can).
pub(crate) fn interval(values: &[f64], scale: f64, non_negative: bool) -> Interval {
    let est = Estimate::of(values);
    let mean = est.mean * scale;
    let mut clamped = false;
    let bar = est.ci95.map(|h| {
        let h = h * scale;
        let mut lo = mean - h;
        if non_negative && lo < 0.0 {
            lo = 0.0;
            clamped = true;
        }
        (lo, mean + h)
    });
    Interval { mean, bar, clamped }
}

/// One point of a series: x position, estimate.
struct Cell {
    x: f64,
    est: Interval,
}

/// A series of cells in one panel.
struct Line {
    /// Index of the series (its colour and legend entry).
    series: usize,
    cells: Vec<Cell>,
}

/// One panel of a metric figure.
struct MetricPanel {
    title: String,
    lines: Vec<Line>,
}

/// A grid of `n` panels of `style`, `cols` wide.
#[derive(Debug, Clone, Copy)]
struct Grid {
    n: usize,
    cols: usize,
    /// Height added to every row (for category names drawn upright).
    extra_row_px: u32,
}

impl Grid {
    fn rows(self) -> usize {
        self.n.div_ceil(self.cols).max(1)
    }

    /// The figure's canvas: the style's for one row, taller for more.
    fn size(self, style: &Style) -> (u32, u32) {
        let rows = self.rows();
        let extra = self.extra_row_px * rows as u32;
        if rows <= 1 {
            return (style.width, style.height + extra);
        }
        let h = f64::from(style.height) * (0.12 + 0.46 * rows as f64);
        (style.width, h.round() as u32 + extra)
    }

    /// Columns for `n` panels whose x axis needs `min_panel_w` pixels.
    fn of(n: usize, plot_w: u32, min_panel_w: u32) -> Grid {
        let fit = (plot_w / min_panel_w.max(1)).max(1) as usize;
        let square = (n as f64).sqrt().ceil() as usize;
        Grid {
            n,
            cols: square.min(fit).clamp(1, 4).min(n.max(1)),
            extra_row_px: 0,
        }
    }

    /// The panel areas, row by row.
    fn areas<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>) -> Vec<DrawingArea<DB, Shift>> {
        let mut v = area.split_evenly((self.rows(), self.cols));
        v.truncate(self.n);
        v
    }
}

/// Metric vs swept parameter, one panel per value of the panel axes.
struct MetricVs {
    title: String,
    note: Vec<String>,
    x_desc: String,
    y_desc: String,
    /// Name of the series axis (the legend's heading).
    series_name: String,
    series_labels: Vec<String>,
    /// Category labels when x is categorical (positions 0..n).
    categories: Option<Vec<String>>,
    panels: Vec<MetricPanel>,
    grid: Grid,
    /// Label only whole numbers on y (counts with one run per point).
    y_integer: bool,
    /// Category names drawn upright (too wide side by side).
    upright: bool,
}

/// Width of the legend column on the right of sweep figures, screen pixels.
const LEGEND_W: u32 = 250;

/// The legend column's width in `style` (at most 30 % of the figure).
fn legend_w(style: &Style) -> u32 {
    style.px(LEGEND_W).min(style.width * 3 / 10)
}

/// Characters of legend text per line in `style`.
fn legend_chars(style: &Style) -> usize {
    ((legend_w(style) as f64 - style.px(14) as f64) / (style.legend_px() as f64 * 0.55)) as usize
}

/// Draws `entries` (label, colour) as a legend column, then `note` lines.
fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[(String, RGBColor)],
    note: &[String],
    style: &Style,
) -> Result<(), String> {
    let text = style.small_text();
    let s = |n: u32| style.px(n) as i32;
    let mut y = s(40);
    if !heading.is_empty() {
        area.draw(&Text::new(
            heading.to_string(),
            (s(10), y),
            (FONT, style.desc_px()).into_font(),
        ))
        .map_err(e)?;
        y += s(30);
    }
    for (label, c) in entries {
        area.draw(&Rectangle::new(
            [(s(10), y + s(2)), (s(32), y + s(14))],
            c.filled(),
        ))
        .map_err(e)?;
        area.draw(&Text::new(label.clone(), (s(40), y), text.clone()))
            .map_err(e)?;
        y += s(24);
    }
    y += s(16);
    for line in note {
        area.draw(&Text::new(line.clone(), (s(10), y), text.clone()))
            .map_err(e)?;
        y += s(22);
    }
    Ok(())
}

/// `desc`, or its short form (`SLAV (%)` for `SLAV = SLATAH × PDM (%)`,
/// `PDM (%)` for `PDM (% of requested MIPS·s)`) when it is longer than a
/// panel `height` pixels high.
fn fitted_desc(desc: &str, height: u32, style: &Style) -> String {
    let long = desc.chars().count() as f64 * style.desc_px() as f64 * 0.55;
    if long <= f64::from(height) * 0.85 {
        return desc.to_string();
    }
    let name = [" = ", ", ", " ("]
        .iter()
        .filter_map(|sep| desc.find(sep))
        .min()
        .map_or(desc, |i| &desc[..i]);
    match desc.rfind(" (") {
        Some(i) => {
            let unit = desc[i + 2..].trim_end_matches(')');
            let unit = unit.split(' ').next().unwrap_or(unit);
            format!("{name} ({unit})")
        }
        None => name.to_string(),
    }
}

/// Height a legend column needs (the figure grows to hold it).
fn legend_height(heading: &str, entries: &[(String, RGBColor)], notes: &[String], style: &Style) -> u32 {
    let head = if heading.is_empty() { 0 } else { 30 };
    let px = 40 + head + 24 * entries.len() as u32 + 16 + 22 * notes.len() as u32 + 20;
    style.px(px) + style.border() * 2 + if style.title { style.title_px() * 2 } else { 0 }
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

/// Notes (paragraphs) wrapped for the legend column, a blank line between.
fn wrap_notes(notes: &[String], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(wrap(n, width));
    }
    out
}

/// Horizontal offset of series `s` of `series` so that points and bars of
/// several series at the same x sit side by side.
fn dodge(series: usize, s: usize, spacing: f64) -> f64 {
    if series <= 1 {
        return 0.0;
    }
    let width = spacing * 0.5;
    (s as f64 / (series - 1) as f64 - 0.5) * width
}

/// How many tick labels a numeric x axis `width` pixels wide gets: about
/// one per 80 screen pixels, so that labels like `1100` never touch.
fn x_labels(width: u32, style: &Style) -> usize {
    (width / style.px(80)).clamp(3, 12) as usize
}

/// How many tick labels a y axis `height` pixels high gets.
fn y_labels(height: u32, style: &Style) -> usize {
    (height / style.px(40)).clamp(3, 10) as usize
}

/// A panel's title drawn above it; returns the area below.
fn panel_titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    style: &Style,
) -> Result<DrawingArea<DB, Shift>, String> {
    if title.is_empty() {
        return Ok(area.clone());
    }
    area.titled(
        title,
        TextStyle::from((FONT, style.panel_title_px()).into_font()).color(&BLACK),
    )
    .map_err(e)
}

impl MetricVs {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &MetricPanel,
        style: &Style,
    ) -> Result<(), String> {
        let area = panel_titled(area, &panel.title, style)?;
        let xs: Vec<f64> = panel
            .lines
            .iter()
            .flat_map(|l| l.cells.iter().map(|c| c.x))
            .collect();
        let x = match &self.categories {
            Some(c) => (-0.5, c.len() as f64 - 0.5),
            None => padded(xs.iter().copied(), false),
        };
        let y = padded(
            panel.lines.iter().flat_map(|l| {
                l.cells.iter().flat_map(|c| {
                    let (lo, hi) = c.est.bar.unwrap_or((c.est.mean, c.est.mean));
                    [lo, hi, c.est.mean]
                })
            }),
            true,
        );
        // Category names too wide to stand side by side are drawn upright
        // (reading upwards) below their tick, in a taller label area.
        let upright = self.upright;
        let label_area = match &self.categories {
            Some(c) if upright => upright_label_area(c, style),
            _ => style.px(52),
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(style.px(12))
            .x_label_area_size(label_area)
            .y_label_area_size(style.px(96))
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(e)?;
        let fx = |v: &f64| match &self.categories {
            Some(_) if upright => String::new(),
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
        let fy = |v: &f64| {
            if self.y_integer && (v - v.round()).abs() > 1e-9 {
                String::new()
            } else {
                tick(*v, y.0, y.1)
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_desc.as_str())
            .y_desc(fitted_desc(&self.y_desc, area.dim_in_pixel().1, style))
            .label_style((FONT, style.tick_px()))
            .axis_desc_style((FONT, style.desc_px()))
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy);
        let (pw, ph) = area.dim_in_pixel();
        mesh.y_labels(y_labels(ph, style));
        match &self.categories {
            Some(c) => {
                mesh.x_labels(c.len() + 1).disable_x_mesh();
            }
            None => {
                mesh.x_labels(x_labels(pw, style));
            }
        }
        mesh.draw().map_err(e)?;
        if let (Some(c), true) = (&self.categories, upright) {
            let base = area.get_base_pixel();
            let text = TextStyle::from((FONT, style.tick_px()).into_font())
                .color(&BLACK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (j, label) in c.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(j as f64, y.0));
                area.draw(&Text::new(
                    label.clone(),
                    (px - base.0, py - base.1 + style.px(8) as i32),
                    text.clone(),
                ))
                .map_err(e)?;
            }
        }
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
        let cap = match &self.categories {
            Some(_) => 0.06 / self.series_labels.len().max(1) as f64,
            None => (x.1 - x.0) * 0.005,
        };
        let stroke = style.line_w();
        let n_series = self.series_labels.len().max(1);
        for line in &panel.lines {
            let c = color(line.series);
            let off = dodge(n_series, line.series, spacing);
            let pts: Vec<(f64, f64)> = line
                .cells
                .iter()
                .map(|cell| (cell.x + off, cell.est.mean))
                .collect();
            // Only a numeric axis joins its points: between two policies or
            // workloads there is nothing to interpolate.
            if self.categories.is_none() {
                chart
                    .draw_series(
                        pts.windows(2)
                            .map(|w| PathElement::new(w.to_vec(), c.stroke_width(stroke))),
                    )
                    .map_err(e)?;
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, style.px(5), c.filled())))
                .map_err(e)?;
            for cell in &line.cells {
                if let Some((lo, hi)) = cell.est.bar {
                    let xx = cell.x + off;
                    for seg in [
                        vec![(xx, lo), (xx, hi)],
                        vec![(xx - cap, lo), (xx + cap, lo)],
                        vec![(xx - cap, hi), (xx + cap, hi)],
                    ] {
                        chart
                            .draw_series([PathElement::new(seg, c.stroke_width(stroke))])
                            .map_err(e)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A legend column: its heading, its entries and its wrapped notes.
type Legend<'a> = (&'a str, Vec<(String, RGBColor)>, Vec<String>);

/// Canvas size of a grid of panels beside a legend column (what the sweep
/// figures share): the grid's, made tall enough for the legend.
fn panelled_size(grid: &Grid, legend: Legend<'_>, style: &Style) -> (u32, u32) {
    let (w, h) = grid.size(style);
    let (heading, entries, notes) = legend;
    (w, h.max(legend_height(heading, &entries, &notes, style)))
}

/// Draws `panels` into the areas of `grid` on the left of `root` and the
/// legend column on its right.
fn draw_panelled<DB: DrawingBackend, P>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid,
    panels: &[P],
    legend: Legend<'_>,
    style: &Style,
    mut draw_panel: impl FnMut(&DrawingArea<DB, Shift>, &P) -> Result<(), String>,
) -> Result<(), String> {
    let (w, _) = root.dim_in_pixel();
    let (plot_area, legend_area) = root.split_horizontally(w - legend_w(style));
    for (area, panel) in grid.areas(&plot_area).iter().zip(panels) {
        draw_panel(area, panel)?;
    }
    let (heading, entries, notes) = legend;
    legend_column(&legend_area, heading, &entries, &notes, style)
}

impl Figure for MetricVs {
    fn size(&self, style: &Style) -> (u32, u32) {
        panelled_size(&self.grid, self.legend(style), style)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        draw_panelled(
            &root,
            &self.grid,
            &self.panels,
            self.legend(style),
            style,
            |area, panel| self.draw_panel(area, panel, style),
        )
    }
}

impl MetricVs {
    /// The legend column: heading, entries, wrapped notes.
    fn legend(&self, style: &Style) -> Legend<'_> {
        let entries: Vec<(String, RGBColor)> = if self.series_labels.len() > 1 {
            self.series_labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), color(i)))
                .collect()
        } else {
            Vec::new()
        };
        let heading = if entries.is_empty() {
            ""
        } else {
            self.series_name.as_str()
        };
        (heading, entries, wrap_notes(&self.note, legend_chars(style)))
    }
}

/// One point of energy vs SLAV.
struct ParetoPoint {
    /// Colour index (the series, else the x value).
    color: usize,
    /// Label beside the marker (the x value).
    label: String,
    energy: Interval,
    slav: Interval,
}

/// One panel of energy vs SLAV.
struct ParetoPanel {
    title: String,
    points: Vec<ParetoPoint>,
    /// Point indices joined by a thin line, in x order (a series' points
    /// over a numeric x axis: its trade-off curve).
    curves: Vec<Vec<usize>>,
}

/// Energy vs SLAV per policy, with the Pareto front of each panel.
struct Pareto {
    title: String,
    note: Vec<String>,
    x_desc: String,
    y_desc: String,
    /// Legend heading and entries (the series, else the x values).
    legend_name: String,
    legend_labels: Vec<String>,
    panels: Vec<ParetoPanel>,
    grid: Grid,
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
    let mut front: Vec<usize> = Vec::new();
    let mut best = f64::INFINITY;
    for i in order {
        // A point equal to the last on the front is not dominated either.
        let tie = front.last().is_some_and(|&f| points[f] == points[i]);
        if points[i].1 < best || tie {
            best = points[i].1;
            front.push(i);
        }
    }
    front
}

impl Pareto {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &ParetoPanel,
        style: &Style,
    ) -> Result<(), String> {
        let area = panel_titled(area, &panel.title, style)?;
        let span = |est: &Interval| {
            let (lo, hi) = est.bar.unwrap_or((est.mean, est.mean));
            [lo, hi, est.mean]
        };
        let x = padded(panel.points.iter().flat_map(|p| span(&p.energy)), false);
        let y = padded(panel.points.iter().flat_map(|p| span(&p.slav)), true);
        let mut chart = ChartBuilder::on(&area)
            .margin(style.px(12))
            .x_label_area_size(style.px(52))
            .y_label_area_size(style.px(96))
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(e)?;
        let fx = |v: &f64| tick(*v, x.0, x.1);
        let fy = |v: &f64| tick(*v, y.0, y.1);
        let (pw, ph) = area.dim_in_pixel();
        chart
            .configure_mesh()
            .x_labels(x_labels(pw, style))
            .y_labels(y_labels(ph, style))
            .x_desc(self.x_desc.as_str())
            .y_desc(fitted_desc(&self.y_desc, area.dim_in_pixel().1, style))
            .label_style((FONT, style.tick_px()))
            .axis_desc_style((FONT, style.desc_px()))
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .draw()
            .map_err(e)?;
        let means: Vec<(f64, f64)> = panel
            .points
            .iter()
            .map(|p| (p.energy.mean, p.slav.mean))
            .collect();
        for curve in &panel.curves {
            let c = color(panel.points[curve[0]].color);
            chart
                .draw_series(
                    curve.windows(2).map(|w| {
                        PathElement::new(vec![means[w[0]], means[w[1]]], c.mix(0.6).stroke_width(1))
                    }),
                )
                .map_err(e)?;
        }
        let front = pareto_front(&means);
        let front_pts: Vec<(f64, f64)> = front.iter().map(|&i| means[i]).collect();
        if front_pts.len() > 1 {
            chart
                .draw_series(DashedLineSeries::new(
                    front_pts,
                    style.px(10),
                    style.px(6),
                    BLACK.stroke_width(style.line_w()),
                ))
                .map_err(e)?;
        }
        let (cap_x, cap_y) = ((x.1 - x.0) * 0.005, (y.1 - y.0) * 0.008);
        let r = style.px(8) as i32;
        // Pixel boxes (x0, y0, x1, y1) that labels must avoid: every marker,
        // then each label as it is placed.
        let mut placed: Vec<(i32, i32, i32, i32)> = means
            .iter()
            .map(|p| {
                let (px, py) = chart.backend_coord(p);
                (px - r - 1, py - r - 1, px + r + 1, py + r + 1)
            })
            .collect();
        let thin = style.line_w().div_ceil(2);
        for (i, point) in panel.points.iter().enumerate() {
            let (en, sl) = (&point.energy, &point.slav);
            let c = color(point.color);
            let p = (en.mean, sl.mean);
            if let Some((lo, hi)) = en.bar {
                chart
                    .draw_series([
                        PathElement::new(vec![(lo, p.1), (hi, p.1)], c.stroke_width(thin)),
                        PathElement::new(vec![(lo, p.1 - cap_y), (lo, p.1 + cap_y)], c.stroke_width(thin)),
                        PathElement::new(vec![(hi, p.1 - cap_y), (hi, p.1 + cap_y)], c.stroke_width(thin)),
                    ])
                    .map_err(e)?;
            }
            if let Some((lo, hi)) = sl.bar {
                chart
                    .draw_series([
                        PathElement::new(vec![(p.0, lo), (p.0, hi)], c.stroke_width(thin)),
                        PathElement::new(vec![(p.0 - cap_x, lo), (p.0 + cap_x, lo)], c.stroke_width(thin)),
                        PathElement::new(vec![(p.0 - cap_x, hi), (p.0 + cap_x, hi)], c.stroke_width(thin)),
                    ])
                    .map_err(e)?;
            }
            let on_front = front.contains(&i);
            let marker = if on_front {
                Circle::new(p, r as u32, c.filled())
            } else {
                Circle::new(p, r as u32, c.stroke_width(style.px(3)))
            };
            chart.draw_series([marker]).map_err(e)?;
        }
        // Points drawn on the same spot (policies with equal results, like
        // CloudSim's LR and LRR) share one label listing them all, in black;
        // a point alone is labelled in its colour.
        let pix: Vec<(i32, i32)> = means.iter().map(|p| chart.backend_coord(p)).collect();
        let leader: Vec<usize> = (0..pix.len())
            .map(|i| {
                (0..i)
                    .find(|&j| (pix[j].0 - pix[i].0).abs() <= 3 && (pix[j].1 - pix[i].1).abs() <= 3)
                    .unwrap_or(i)
            })
            .collect();
        let tick_px = style.tick_px() as i32;
        let line_h = tick_px + 2;
        let (area_x, area_y) = chart.plotting_area().get_pixel_range();
        for i in (0..pix.len()).filter(|&i| leader[i] == i) {
            let members: Vec<&str> = (0..pix.len())
                .filter(|&j| leader[j] == i)
                .map(|j| panel.points[j].label.as_str())
                .collect();
            let lines: Vec<String> = members.chunks(3).map(|c| c.join(", ")).collect();
            let ink = if members.len() > 1 {
                BLACK
            } else {
                color(panel.points[i].color)
            };
            // The label goes next to its marker, at the first of a few pixel
            // offsets where it overlaps no marker or label placed before.
            let (px, py) = pix[i];
            let w = lines
                .iter()
                .map(|l| (l.chars().count() as f64 * tick_px as f64 * 0.62) as i32)
                .max()
                .unwrap_or(0);
            let h = line_h * lines.len() as i32;
            let (a, b) = (r + 2, r + h);
            let candidates: Vec<(i32, i32)> = (0..8)
                .flat_map(|k| {
                    let up = -b - k * line_h;
                    let down = r - 2 + k * line_h;
                    [(a, up), (a, down), (-a - w, up), (-a - w, down)]
                })
                .collect();
            let inside = |&(dx, dy): &(i32, i32)| {
                let (x0, y0) = (px + dx, py + dy);
                x0 >= area_x.start && x0 + w <= area_x.end && y0 >= area_y.start && y0 + h <= area_y.end
            };
            let free = |&(dx, dy): &(i32, i32)| {
                let (x0, y0) = (px + dx, py + dy);
                placed
                    .iter()
                    .all(|&(a, b, c, d)| x0 + w <= a || c <= x0 || y0 + h <= b || d <= y0)
            };
            // A free place inside the panel, else any inside it, else the
            // first, moved inside as far as the panel allows.
            let (dx, dy) = candidates
                .iter()
                .copied()
                .find(|o| inside(o) && free(o))
                .or_else(|| candidates.iter().copied().find(|o| inside(o)))
                .unwrap_or_else(|| {
                    let (dx, dy) = candidates[0];
                    let x0 = (px + dx).min(area_x.end - w).max(area_x.start);
                    let y0 = (py + dy).min(area_y.end - h).max(area_y.start);
                    (x0 - px, y0 - py)
                });
            placed.push((px + dx, py + dy, px + dx + w, py + dy + h));
            for (k, text) in lines.into_iter().enumerate() {
                chart
                    .draw_series([EmptyElement::at(means[i])
                        + Text::new(
                            text,
                            (dx, dy + k as i32 * line_h),
                            (FONT, style.tick_px()).into_font().color(&ink),
                        )])
                    .map_err(e)?;
            }
        }
        Ok(())
    }
}

impl Figure for Pareto {
    fn size(&self, style: &Style) -> (u32, u32) {
        panelled_size(&self.grid, self.legend(style), style)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        draw_panelled(
            &root,
            &self.grid,
            &self.panels,
            self.legend(style),
            style,
            |area, panel| self.draw_panel(area, panel, style),
        )
    }
}

impl Pareto {
    /// The legend column: heading, entries, wrapped notes.
    fn legend(&self, style: &Style) -> Legend<'_> {
        let entries: Vec<(String, RGBColor)> = self
            .legend_labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), color(i)))
            .collect();
        let mut notes = vec![
            "Dashed: the Pareto front of each panel (points no other point of the panel beats on both energy and SLAV): filled; dominated: hollow."
                .to_string(),
        ];
        notes.extend(self.note.iter().cloned());
        (
            &self.legend_name,
            entries,
            wrap_notes(&notes, legend_chars(style)),
        )
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

/// What the runs of a sweep folder hold, read once for every figure.
struct Sweep {
    manifest: Manifest,
    runs: Table,
    /// `coords[axis][run]`: the run's value index on the axis.
    coords: Vec<Vec<usize>>,
    /// The runs the filters keep.
    kept: Vec<usize>,
    /// Distinct values of each axis among the kept runs.
    present: Vec<usize>,
}

impl Sweep {
    fn read(dir: &Path, filters: &[(String, String)]) -> Result<Sweep, PlotError> {
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
        let mut coords = Vec::with_capacity(manifest.axes.len());
        for info in &manifest.axes {
            let c = runs
                .strings(&info.name)?
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
                .collect::<Result<Vec<_>, _>>()?;
            coords.push(c);
        }
        let mut keep: Vec<(usize, usize)> = Vec::new();
        for (name, value) in filters {
            let a = find_axis(&manifest, name, &manifest_path, "--where")?;
            let info = &manifest.axes[a];
            let v = info.labels.iter().position(|l| l == value).ok_or_else(|| {
                input(
                    &manifest_path,
                    format!(
                        "--where {name}={value}: axis {name} has no value \"{value}\"; its values are: {}",
                        info.labels.join(", ")
                    ),
                )
            })?;
            keep.push((a, v));
        }
        let kept: Vec<usize> = (0..runs.rows.len())
            .filter(|&r| keep.iter().all(|&(a, v)| coords[a][r] == v))
            .collect();
        let present = coords
            .iter()
            .map(|c| {
                let mut v: Vec<usize> = kept.iter().map(|&r| c[r]).collect();
                v.sort_unstable();
                v.dedup();
                v.len()
            })
            .collect();
        Ok(Sweep {
            manifest,
            runs,
            coords,
            kept,
            present,
        })
    }

    /// ` (axis=value, …)` of the axes a filter fixed, for titles.
    fn fixed_desc(&self, layout: &Layout) -> String {
        let Some(&r) = self.kept.first() else {
            return String::new();
        };
        let parts: Vec<String> = layout
            .fixed
            .iter()
            .map(|&a| {
                let info = &self.manifest.axes[a];
                format!("{}={}", info.name, info.labels[self.coords[a][r]])
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }

    /// What one point is the mean of.
    fn per_point_note(&self, layout: &Layout) -> String {
        let r = self.manifest.replications.max(1);
        if layout.pooled.is_empty() {
            return match r {
                1 => "One run per point: no sweep axis is pooled.".to_string(),
                r => format!(
                    "Mean ± 95 % confidence interval (Student t) over the {r} replications (seeds) of one sweep point; no sweep axis is pooled."
                ),
            };
        }
        let mut over: Vec<String> = layout
            .pooled
            .iter()
            .map(|&a| format!("the {} values of {}", self.present[a], self.manifest.axes[a].name))
            .collect();
        if r > 1 {
            over.push(format!("{r} replications"));
        }
        format!(
            "Mean ± 95 % confidence interval (Student t) pooling, as asked (--pool), {}.",
            over.join(" and ")
        )
    }
}

/// The column behind a metric name (`energy` is the chosen energy; the
/// total falls back to the servers' for folders written before it existed).
fn resolve_metric(runs: &Table, metric: &str, energy: Energy) -> String {
    if metric == "energy" {
        let m = energy.metric();
        if !runs.has(m) && runs.has("energy_kwh") {
            return "energy_kwh".into();
        }
        return m.into();
    }
    metric.into()
}

/// The note on the energy drawn.
fn energy_note(metric: &str) -> Option<String> {
    match metric {
        "total_energy_kwh" => {
            Some("Total energy = servers + network + cooling + migrations (--energy servers for the servers alone).".into())
        }
        "energy_kwh" => Some("Server energy only: network, cooling and migrations are left out.".into()),
        _ => None,
    }
}

/// Whether category names stand side by side on an axis in a panel
/// `panel_w` pixels wide: every two neighbours, each centred on its tick,
/// leave a gap between them.
pub(crate) fn categories_fit(labels: &[String], panel_w: u32, style: &Style) -> bool {
    let plot_w = f64::from(panel_w.saturating_sub(style.px(96 + 24)));
    let spacing = plot_w / labels.len().max(1) as f64;
    let w = |l: &String| l.chars().count() as f64 * style.tick_px() as f64 * 0.55;
    labels
        .windows(2)
        .all(|p| (w(&p[0]) + w(&p[1])) / 2.0 + style.px(8) as f64 <= spacing)
        && labels.iter().all(|l| w(l) <= plot_w)
}

/// Height of the x label area when category names stand upright.
fn upright_label_area(labels: &[String], style: &Style) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
    (longest * style.tick_px() as f64 * 0.56) as u32 + style.px(40)
}

/// Pixels a categorical x axis of `labels` needs in `style`.
fn categories_w(labels: &[String], style: &Style) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
    let per = longest * style.tick_px() as f64 * 0.62 + style.px(10) as f64;
    (per * labels.len() as f64) as u32 + style.px(120)
}

pub(crate) fn plot(dir: &Path, out: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let style = options.size.style(options.title);
    let sweep = Sweep::read(dir, &options.filters)?;
    let manifest = &sweep.manifest;
    let manifest_path = dir.join(cirrus_sweep::store::MANIFEST);
    let x_axis = match &options.x {
        Some(name) => Some(find_axis(manifest, name, &manifest_path, "--x")?),
        None => None,
    };
    let series_axis = match options.series.as_deref() {
        Some("none") => Some(None),
        Some(name) => {
            let s = find_axis(manifest, name, &manifest_path, "--series")?;
            if Some(s) == x_axis {
                return Err(input(
                    &manifest_path,
                    format!("--series {name}: it is already the x axis"),
                ));
            }
            Some(Some(s))
        }
        None => None,
    };
    if sweep.kept.is_empty() {
        return Err(input(&manifest_path, "no run matches every --where"));
    }
    let pooled = options
        .pool
        .iter()
        .map(|name| find_axis(manifest, name, &manifest_path, "--pool"))
        .collect::<Result<Vec<_>, _>>()?;
    let layout = layout::choose(&manifest.axes, &sweep.present, x_axis, series_axis, &pooled)
        .map_err(|m| input(&manifest_path, m))?;
    if Some(layout.x) == layout.series {
        return Err(input(&manifest_path, "the series axis is the x axis"));
    }
    let energy_metric = resolve_metric(&sweep.runs, "energy", options.energy);
    let has_pareto = sweep.runs.has(&energy_metric) && sweep.runs.has("slav");
    let metrics: Vec<String> = if options.metrics.is_empty() {
        DEFAULT_METRICS
            .iter()
            .map(|m| resolve_metric(&sweep.runs, m, options.energy))
            .filter(|m| sweep.runs.has(m))
            .collect()
    } else {
        options
            .metrics
            .iter()
            .map(|m| resolve_metric(&sweep.runs, m, options.energy))
            .collect()
    };
    let x_info = &manifest.axes[layout.x];
    let categorical = is_categorical(x_info);
    let panels = split_panels(&manifest.axes, &layout, &sweep.coords, &sweep.kept);
    let plot_w = style.width.saturating_sub(legend_w(&style) + style.border());
    let min_panel_w = if categorical {
        categories_w(&x_info.labels, &style)
    } else {
        style.px(330)
    };
    let mut grid = Grid::of(panels.len(), plot_w, min_panel_w);
    if grid.rows() > 4 {
        // A tall stack of narrow panels reads worse than a grid whose
        // category names stand upright.
        grid.cols = grid.cols.max(panels.len().div_ceil(4).min(3));
    }
    let upright = categorical && !categories_fit(&x_info.labels, plot_w / grid.cols as u32, &style);
    if upright {
        grid.extra_row_px = upright_label_area(&x_info.labels, &style).saturating_sub(style.px(52));
    }
    let fixed = sweep.fixed_desc(&layout);
    let series_labels = layout
        .series
        .map_or_else(Vec::new, |a| manifest.axes[a].labels.clone());
    let mut written = Vec::new();
    for metric in &metrics {
        sweep.runs.numbers(metric)?;
    }
    crate::create_out(out)?;
    for metric in &metrics {
        let values = sweep.runs.numbers(metric)?;
        let non_negative = values.iter().all(|v| v.is_nan() || *v >= 0.0);
        let (y_desc, scale) = metric_axis(metric);
        let mut clamped = false;
        let mut fig_panels = Vec::with_capacity(panels.len());
        for (title, members) in &panels {
            let n_series = series_labels.len().max(1);
            let mut cells: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); x_info.labels.len()]; n_series];
            for &r in members {
                let s = layout.series.map_or(0, |a| sweep.coords[a][r]);
                cells[s][sweep.coords[layout.x][r]].push(values[r]);
            }
            let lines = cells
                .iter()
                .enumerate()
                .map(|(s, row)| Line {
                    series: s,
                    cells: row
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(j, v)| {
                            let est = interval(v, scale, non_negative);
                            clamped |= est.clamped;
                            Cell {
                                x: x_info.numeric.as_ref().map_or(j as f64, |n| n[j]),
                                est,
                            }
                        })
                        .collect(),
                })
                .filter(|l| !l.cells.is_empty())
                .collect();
            fig_panels.push(MetricPanel {
                title: title.clone(),
                lines,
            });
        }
        let mut note = vec![sweep.per_point_note(&layout)];
        if clamped {
            note.push("Intervals are cut at 0: the metric cannot be negative.".into());
        }
        if !layout.panels.is_empty() {
            note.push("Each panel has its own y range.".into());
        }
        note.extend(energy_note(metric));
        let y_integer = y_desc.ends_with("(count)") && fig_panels_integer(&fig_panels);
        let fig = MetricVs {
            title: format!(
                "{}: {} vs {}{fixed}",
                manifest.name,
                metric_short(metric),
                x_info.name
            ),
            note,
            x_desc: axis_desc(x_info),
            y_desc,
            series_name: layout
                .series
                .map_or_else(String::new, |a| manifest.axes[a].name.clone()),
            series_labels: series_labels.clone(),
            categories: categorical.then(|| x_info.labels.clone()),
            y_integer,
            upright,
            panels: fig_panels,
            grid,
        };
        let stem = format!("{}-vs-{}", metric, file_safe(&x_info.name));
        written.extend(render(&fig, out, &stem, &options.formats, &style)?);
    }

    if has_pareto {
        let energy = sweep.runs.numbers(&energy_metric)?;
        let slav = sweep.runs.numbers("slav")?;
        let (x_desc, e_scale) = metric_axis(&energy_metric);
        let (y_desc, s_scale) = metric_axis("slav");
        let e_nonneg = energy.iter().all(|v| v.is_nan() || *v >= 0.0);
        let s_nonneg = slav.iter().all(|v| v.is_nan() || *v >= 0.0);
        let n_x = x_info.labels.len();
        let n_series = series_labels.len().max(1);
        let mut clamped = false;
        // The metric figures' panels; a point per (series, x value), so the
        // front of a panel compares only runs of that panel.
        let fig_panels = panels
            .iter()
            .map(|(title, members)| {
                let mut by: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n_series * n_x];
                for &r in members {
                    let s = layout.series.map_or(0, |a| sweep.coords[a][r]);
                    let k = s * n_x + sweep.coords[layout.x][r];
                    by[k].0.push(energy[r]);
                    by[k].1.push(slav[r]);
                }
                let mut points = Vec::new();
                let mut curves = Vec::new();
                for s in 0..n_series {
                    let mut curve = Vec::new();
                    for j in 0..n_x {
                        let (en, sl) = &by[s * n_x + j];
                        if en.is_empty() {
                            continue;
                        }
                        let (a, b) = (interval(en, e_scale, e_nonneg), interval(sl, s_scale, s_nonneg));
                        clamped |= a.clamped || b.clamped;
                        curve.push(points.len());
                        points.push(ParetoPoint {
                            color: if layout.series.is_some() { s } else { j },
                            label: x_info.labels[j].clone(),
                            energy: a,
                            slav: b,
                        });
                    }
                    if layout.series.is_some() && !categorical && curve.len() > 1 {
                        curves.push(curve);
                    }
                }
                ParetoPanel {
                    title: title.clone(),
                    points,
                    curves,
                }
            })
            .collect();
        let mut note = vec![sweep.per_point_note(&layout)];
        if layout.series.is_some() {
            note.push(format!(
                "Each point is labelled with its {}; {}.",
                x_info.name,
                if categorical {
                    "colours are the series"
                } else {
                    "a series' points are joined in order of it"
                }
            ));
        }
        if clamped {
            note.push("Intervals are cut at 0: energy and SLAV cannot be negative.".into());
        }
        note.extend(energy_note(&energy_metric));
        let (legend_name, legend_labels, per) = match layout.series {
            Some(a) => (
                manifest.axes[a].name.clone(),
                series_labels.clone(),
                format!("{} and {}", manifest.axes[a].name, x_info.name),
            ),
            None => (x_info.name.clone(), x_info.labels.clone(), x_info.name.clone()),
        };
        let fig = Pareto {
            title: format!(
                "{}: {} vs SLAV per {per}{fixed}",
                manifest.name,
                metric_short(&energy_metric).to_lowercase(),
            ),
            note,
            x_desc,
            y_desc,
            legend_name,
            legend_labels,
            grid: Grid::of(panels.len(), plot_w, style.px(330)),
            panels: fig_panels,
        };
        written.extend(render(&fig, out, "energy-vs-slav", &options.formats, &style)?);
    }
    Ok(written)
}

/// Whether every point drawn is a whole number (a count of one run).
fn fig_panels_integer(panels: &[MetricPanel]) -> bool {
    panels
        .iter()
        .flat_map(|p| p.lines.iter().flat_map(|l| l.cells.iter()))
        .all(|c| c.est.mean.fract() == 0.0 && c.est.bar.is_none())
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
        // Equal points (BF and BFD on PlanetLab) are on the front together.
        assert_eq!(pareto_front(&[(2.0, 0.0), (1.0, 0.0), (1.0, 0.0)]), [1, 2]);
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

    #[test]
    fn intervals_of_non_negative_metrics_stop_at_zero() {
        // Three runs of very different size: the t interval reaches far
        // below 0 (mean 468, half-width ~1500).
        let runs = [1154.8, 240.0, 8.0];
        let raw = interval(&runs, 1.0, false);
        let (lo, hi) = raw.bar.unwrap();
        assert!(lo < -1000.0 && !raw.clamped, "{raw:?}");
        let cut = interval(&runs, 1.0, true);
        assert_eq!(cut.bar, Some((0.0, hi)));
        assert!(cut.clamped);
        assert_eq!(cut.mean, raw.mean);
        // An interval that stays above 0 is untouched.
        let narrow = interval(&[10.0, 11.0, 12.0], 1.0, true);
        assert!(!narrow.clamped && narrow.bar.unwrap().0 > 0.0);
        // One run: a point without a bar; fractions scale to %.
        assert_eq!(interval(&[0.002], 100.0, true).bar, None);
        assert_eq!(interval(&[0.002], 100.0, true).mean, 0.2);
    }

    #[test]
    fn short_panels_get_short_axis_descriptions() {
        let style = crate::Size::Screen.style(true);
        assert_eq!(
            fitted_desc("SLAV = SLATAH × PDM (%)", 600, &style),
            "SLAV = SLATAH × PDM (%)"
        );
        assert_eq!(fitted_desc("SLAV = SLATAH × PDM (%)", 150, &style), "SLAV (%)");
        assert_eq!(fitted_desc("PDM (% of requested MIPS·s)", 150, &style), "PDM (%)");
        assert_eq!(
            fitted_desc("Total energy (kWh)", 100, &style),
            "Total energy (kWh)"
        );
        assert_eq!(
            fitted_desc("Active hosts, mean over steps (hosts)", 100, &style),
            "Active hosts (hosts)"
        );
    }

    #[test]
    fn wide_category_names_stand_upright() {
        let shootout: Vec<String> = [
            "ff",
            "bf",
            "wf",
            "ffd",
            "bfd",
            "pabfd",
            "obfd",
            "obfd-rack",
            "pba",
            "scavp",
            "rack-aware",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let screen = crate::Size::Screen.style(true);
        let paper = crate::Size::OneColumn.style(true);
        // The shoot-out's policies fit across a screen figure's panel...
        assert!(categories_fit(&shootout, 1018, &screen));
        // ...but not across a 3.5 in one (twice the text size).
        assert!(!categories_fit(&shootout, 720, &paper));
        let long: Vec<String> = (0..11).map(|i| format!("policy-number-{i}")).collect();
        assert!(!categories_fit(&long, 1018, &screen));
    }

    #[test]
    fn grids_fit_their_panels() {
        let g = Grid::of(3, 1000, 800);
        assert_eq!((g.cols, g.rows()), (1, 3));
        let g = Grid::of(4, 1000, 300);
        assert_eq!((g.cols, g.rows()), (2, 2));
        let g = Grid::of(1, 1000, 300);
        let style = crate::Size::Screen.style(true);
        assert_eq!(g.size(&style), (crate::WIDTH_PX, crate::HEIGHT_PX));
        assert!(Grid::of(3, 1000, 800).size(&style).1 > crate::HEIGHT_PX);
    }
}
