//! Shared drawing: the embedded font, rendering one figure to PNG and SVG,
//! colours, tick labels, axis labels with units.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::{Format, PlotError};

/// DejaVu Sans 2.37 (Bitstream Vera licence, `fonts/LICENSE-DejaVu.txt`).
static FONT_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The family name every text style uses; registered from [`FONT_TTF`].
pub(crate) const FONT: &str = "sans-serif";

/// Sizes of one figure: its canvas, and a scale for text, lines and
/// margins (1 on a screen; 2 for paper figures rendered at 300 dpi, where
/// a 16 px tick label at scale 2 prints at 7.7 pt).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    /// Canvas width, pixels.
    pub width: u32,
    /// Canvas height of a one-row figure, pixels.
    pub height: u32,
    /// Multiplier of every text size, line width and margin below.
    pub scale: f64,
    /// Whether figures carry their title.
    pub title: bool,
}

impl Style {
    /// `n` screen pixels at this style's scale.
    pub fn px(&self, n: u32) -> u32 {
        (f64::from(n) * self.scale).round() as u32
    }
    /// Blank border around every figure (keeps the title off the edge).
    pub fn border(&self) -> u32 {
        self.px(12)
    }
    /// Figure title size.
    pub fn title_px(&self) -> u32 {
        self.px(28)
    }
    /// Panel title size (one panel of a grid).
    pub fn panel_title_px(&self) -> u32 {
        self.px(19)
    }
    /// Axis description size.
    pub fn desc_px(&self) -> u32 {
        self.px(20)
    }
    /// Tick label size.
    pub fn tick_px(&self) -> u32 {
        self.px(16)
    }
    /// Legend and note text size.
    pub fn legend_px(&self) -> u32 {
        self.px(16)
    }
    /// Width of data lines.
    pub fn line_w(&self) -> u32 {
        self.px(2).max(1)
    }
    /// The figure title style.
    pub fn title_style(&self) -> TextStyle<'static> {
        TextStyle::from((FONT, self.title_px()).into_font().style(FontStyle::Bold)).color(&BLACK)
    }
    /// Legend and annotation text.
    pub fn small_text(&self) -> TextStyle<'static> {
        TextStyle::from((FONT, self.legend_px()).into_font()).color(&BLACK)
    }
    /// `root` inside the figure border, under `title` when titles are on.
    pub fn frame<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> Result<DrawingArea<DB, Shift>, String> {
        let b = self.border();
        let area = root.margin(b, b / 2, b / 2, b / 2);
        if self.title && !title.is_empty() {
            area.titled(title, self.title_style()).map_err(e)
        } else {
            Ok(area)
        }
    }
}

/// Registers the embedded font once per process.
pub(crate) fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for style in [FontStyle::Normal, FontStyle::Bold] {
                plotters::style::register_font(FONT, style, FONT_TTF)
                    .map_err(|_| "the embedded DejaVu Sans font does not parse".to_string())?;
            }
            Ok(())
        })
        .clone()
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Draws the whole figure on `root` (already white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String>;

    /// Canvas size, pixels (default: the style's).
    fn size(&self, style: &Style) -> (u32, u32) {
        (style.width, style.height)
    }
}

/// plotters' errors as text.
pub(crate) fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// Renders `figure` as `out/STEM.png` and/or `out/STEM.svg`, atomically.
pub(crate) fn render(
    figure: &impl Figure,
    out: &Path,
    stem: &str,
    formats: &[Format],
    style: &Style,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = Vec::new();
    let (width, height) = figure.size(style);
    for &format in formats {
        let path = out.join(format!("{stem}.{}", format.extension()));
        let draw_err = |message: String| PlotError::Draw {
            path: path.clone(),
            message,
        };
        ensure_font().map_err(draw_err)?;
        let bytes = match format {
            Format::Png => {
                let mut buf = vec![0u8; width as usize * height as usize * 3];
                {
                    let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
                    root.fill(&WHITE).map_err(|x| draw_err(e(x)))?;
                    figure.draw(&root, style).map_err(draw_err)?;
                    root.present().map_err(|x| draw_err(e(x)))?;
                }
                encode_png(&buf, width, height).map_err(draw_err)?
            }
            Format::Svg => {
                let mut svg = String::new();
                {
                    let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
                    root.fill(&WHITE).map_err(|x| draw_err(e(x)))?;
                    figure.draw(&root, style).map_err(draw_err)?;
                    root.present().map_err(|x| draw_err(e(x)))?;
                }
                svg.into_bytes()
            }
        };
        cirrus_output::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

pub(crate) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(e)?;
        w.write_image_data(rgb).map_err(e)?;
        w.finish().map_err(e)?;
    }
    Ok(out)
}

/// Colours of series, in order (Tableau 10, then two darker ones):
/// distinguishable, and readable on white.
pub(crate) const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
    RGBColor(128, 128, 0),
];

/// The `i`-th series colour (cycling).
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A tick label for `v` on an axis spanning `lo..hi`: plain decimals with
/// as many digits as the span needs, scientific notation for very small or
/// large magnitudes (SLAV is ~1e-5), no trailing zeros.
pub(crate) fn tick(v: f64, lo: f64, hi: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { v.to_string() };
    }
    let mag = lo.abs().max(hi.abs());
    let span = (hi - lo).abs().max(mag * 1e-12);
    if !(1e-3..1e6).contains(&mag) {
        let s = format!("{v:.2e}");
        let (m, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(m));
    }
    let decimals = (2.0 - span.log10().floor()).clamp(0.0, 6.0) as usize;
    trim_zeros(&format!("{v:.decimals$}"))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// `lo..hi` padded by 5 % on each side, widened if degenerate; `from_zero`
/// keeps 0 in the range and, for values that are all ≥ 0 (counts, energy),
/// never goes below it: all zeros give `0..1`, not `-1..1`.
pub(crate) fn padded(values: impl IntoIterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let non_negative = from_zero && lo >= 0.0;
    if hi - lo <= hi.abs().max(lo.abs()) * 1e-9 {
        let d = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        return if non_negative {
            (lo, hi + d)
        } else {
            (lo - d, hi + d)
        };
    }
    let pad = (hi - lo) * 0.05;
    let lo = if non_negative { lo } else { lo - pad };
    (lo, hi + pad)
}

/// Summary metrics that are fractions in the data and that the terminal
/// prints in %: plots scale them by 100 and say %.
const PERCENT_METRICS: &[&str] = &[
    "slav",
    "slatah",
    "pdm",
    "pdm_per_vm_mean",
    "overall_sla_violation",
    "average_sla_violation",
    "placement_gap",
    "host_availability",
    "host_reliability",
    "vm_availability_mean",
    "vm_availability_min",
    "availability_target",
];

/// How a summary metric is drawn: axis description with its unit, and the
/// factor from the data's unit to the axis' (100 for fractions shown in %).
pub(crate) fn metric_axis(name: &str) -> (String, f64) {
    let scale = if PERCENT_METRICS.contains(&name) {
        100.0
    } else {
        1.0
    };
    (metric_label(name), scale)
}

/// Axis description of a summary metric, with its unit (the unit of the
/// axis: fractions are drawn in %, see [`metric_axis`]).
pub(crate) fn metric_label(name: &str) -> String {
    let known = match name {
        "total_energy_kwh" => "Total energy (kWh)",
        "energy_kwh" => "Server energy (kWh)",
        "network_energy_kwh" => "Network energy (kWh)",
        "cooling_energy_kwh" => "Cooling energy (kWh)",
        "migration_energy_kwh" => "Migration energy (kWh)",
        "slav" => "SLAV = SLATAH × PDM (%)",
        "slatah" => "SLATAH (% of active-host time)",
        "pdm" => "PDM (% of requested MIPS·s)",
        "pdm_per_vm_mean" => "PDM, mean over VMs (%)",
        "esv" => "ESV = server energy × SLAV (kWh)",
        "migrations" => "Migrations (count)",
        "migrations_overload" => "Overload migrations (count)",
        "migrations_underload" => "Underload migrations (count)",
        "migrations_evacuation" => "Evacuation migrations (count)",
        "migrations_scripted" => "Scripted migrations (count)",
        "deadline_misses" => "Real-time migrations over their downtime bound (count)",
        "deadline_deferrals" => "Real-time moves deferred (count)",
        "evacuations_too_late" => "Evacuations predicted too late (count)",
        "active_hosts_mean" => "Active hosts, mean over steps (hosts)",
        "host_shutdowns" => "Host shutdowns (count)",
        "overall_sla_violation" => "Overall SLA violation (% of requested MIPS·s)",
        "average_sla_violation" => "Average SLA violation (%)",
        "placement_gap" => "Placement gap (% above the lower bound)",
        "host_availability" => "Host availability (%)",
        "host_reliability" => "Host reliability (%)",
        "vm_availability_mean" => "VM availability, mean (%)",
        "vm_availability_min" => "VM availability, min (%)",
        "availability_target" => "Availability target (%)",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let units = [
        ("_kwh", "kWh"),
        ("_mips_s", "MIPS·s"),
        ("_mips", "MIPS"),
        ("_mbps", "Mbit/s"),
        ("_s", "s"),
        ("_w", "W"),
        ("_mb", "MB"),
    ];
    for (suffix, unit) in units {
        if let Some(stem) = name.strip_suffix(suffix) {
            return format!("{} ({unit})", stem.replace('_', " "));
        }
    }
    name.replace('_', " ")
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// A polyline through the points.
    Line,
    /// A staircase: each value holds until the next point (CDFs).
    Step,
    /// One bar per point, from the previous point's x to this one's.
    Bars,
}

/// One series of a panel.
pub(crate) struct Series {
    /// Legend text (none when empty).
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub kind: Kind,
}

/// The axes of a panel: ranges and descriptions.
pub(crate) struct Axes<'a> {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// Label only whole numbers on y (counts).
    pub y_integer: bool,
}

/// The part of segment `p`–`q` inside the box `x` × `y` (Liang–Barsky), or
/// `None` if it lies wholly outside.
pub(crate) fn clip_segment(
    p: (f64, f64),
    q: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (pk, qk) in [
        (-dx, p.0 - x.0),
        (dx, x.1 - p.0),
        (-dy, p.1 - y.0),
        (dy, y.1 - p.1),
    ] {
        if pk == 0.0 {
            if qk < 0.0 {
                return None;
            }
        } else {
            let r = qk / pk;
            if pk < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 || !t0.is_finite() || !t1.is_finite() {
        return None;
    }
    Some(((p.0 + t0 * dx, p.1 + t0 * dy), (p.0 + t1 * dx, p.1 + t1 * dy)))
}

/// A polyline as separate two-point segments, each clipped to the box.
///
/// plotters draws a thick polyline in a bitmap as one polygon with mitred
/// corners; at a sharp spike (a value jumping up for one step and back)
/// the mitre reaches far beyond both the point and the panel. Segments
/// have no corners, and clipping keeps every one inside its panel.
pub(crate) fn segments(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Vec<[(f64, f64); 2]> {
    points
        .windows(2)
        .filter_map(|w| clip_segment(w[0], w[1], x, y).map(|(a, b)| [a, b]))
        .collect()
}

/// A chart of `series` in `area` with the given axes; a legend of the
/// labelled series at `legend`.
pub(crate) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    axes: &Axes,
    legend: Option<SeriesLabelPosition>,
    style: &Style,
) -> Result<(), String> {
    let (x_lo, x_hi) = axes.x;
    let (y_lo, y_hi) = axes.y;
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(16))
        .x_label_area_size(style.px(56))
        .y_label_area_size(style.px(96))
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(e)?;
    let fx = |v: &f64| tick(*v, x_lo, x_hi);
    let fy = |v: &f64| {
        if axes.y_integer && (v - v.round()).abs() > 1e-9 {
            String::new()
        } else {
            tick(*v, y_lo, y_hi)
        }
    };
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .label_style((FONT, style.tick_px()))
        .axis_desc_style((FONT, style.desc_px()))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .draw()
        .map_err(e)?;
    let clip_x = |v: f64| v.clamp(x_lo, x_hi);
    let clip_y = |v: f64| v.clamp(y_lo, y_hi);
    for s in series {
        let color = s.color;
        let stroke = color.stroke_width(style.line_w());
        let line = |pts: &[(f64, f64)]| {
            segments(pts, axes.x, axes.y)
                .into_iter()
                .map(move |seg| PathElement::new(seg.to_vec(), stroke))
        };
        let anno = match s.kind {
            Kind::Line => chart.draw_series(line(&s.points)).map_err(e)?,
            Kind::Step => {
                let mut pts = Vec::with_capacity(s.points.len() * 2);
                for (i, &(x, y)) in s.points.iter().enumerate() {
                    if i > 0 {
                        pts.push((x, s.points[i - 1].1));
                    }
                    pts.push((x, y));
                }
                chart.draw_series(line(&pts)).map_err(e)?
            }
            Kind::Bars => {
                let base = clip_y(0.0);
                // The first bar is as wide as the second (its interval has no
                // previous point to start from).
                let mut prev_x = match s.points.as_slice() {
                    [a, b, ..] => (a.0 - (b.0 - a.0)).max(x_lo),
                    [a] => x_lo.min(a.0),
                    [] => x_lo,
                };
                let mut bars = Vec::with_capacity(s.points.len());
                for &(x, y) in &s.points {
                    if y != 0.0 {
                        bars.push(Rectangle::new(
                            [(clip_x(prev_x), base), (clip_x(x), clip_y(y))],
                            color.filled(),
                        ));
                    }
                    prev_x = x;
                }
                chart.draw_series(bars).map_err(e)?
            }
        };
        if !s.label.is_empty() {
            let h = style.px(6) as i32;
            let w = style.px(22) as i32;
            anno.label(s.label.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - h), (x + w, y + h)], color.filled()));
        }
    }
    if let Some(position) = legend
        && series.iter().any(|s| !s.label.is_empty())
    {
        chart
            .configure_series_labels()
            .position(position)
            .label_font((FONT, style.legend_px()))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels() {
        assert_eq!(tick(0.0, 0.0, 10.0), "0");
        assert_eq!(tick(2.5, 0.0, 10.0), "2.5");
        assert_eq!(tick(250.0, 0.0, 900.0), "250");
        assert_eq!(tick(0.125, 0.0, 0.5), "0.125");
        assert_eq!(tick(1.5e-5, 0.0, 4e-5), "1.5e-5");
        assert_eq!(tick(2e-5, 0.0, 4e-5), "2e-5");
        assert_eq!(tick(1.2, 1.0, 1.6), "1.2");
    }

    #[test]
    fn ranges_and_labels() {
        assert_eq!(padded([1.0, 1.0], false), (0.9, 1.1));
        assert_eq!(padded([0.0, 10.0], true), (0.0, 10.5));
        assert_eq!(padded([f64::NAN], true), (0.0, 1.0));
        assert_eq!(metric_label("total_energy_kwh"), "Total energy (kWh)");
        assert_eq!(metric_label("energy_kwh"), "Server energy (kWh)");
        assert_eq!(
            metric_label("time_before_host_shutdown_mean_s"),
            "time before host shutdown mean (s)"
        );
    }

    #[test]
    fn an_all_zero_count_axis_starts_at_zero() {
        // A run without migrations: 0..1, not -1..1.
        assert_eq!(padded([0.0, 0.0, 0.0], true), (0.0, 1.0));
        let (lo, hi) = padded([3.0, 3.0], true);
        assert!(lo == 0.0 && (hi - 3.15).abs() < 1e-12, "{lo}..{hi}");
        // Without from_zero a constant still gets room on both sides.
        assert_eq!(padded([0.0], false), (-1.0, 1.0));
    }

    #[test]
    fn fractions_are_drawn_in_percent() {
        assert_eq!(
            metric_axis("slav"),
            ("SLAV = SLATAH × PDM (%)".to_string(), 100.0)
        );
        assert_eq!(metric_axis("slatah").1, 100.0);
        assert_eq!(metric_axis("pdm").1, 100.0);
        assert_eq!(metric_axis("total_energy_kwh").1, 1.0);
        assert_eq!(metric_axis("migrations").1, 1.0);
    }

    #[test]
    fn segments_are_clipped_to_the_box() {
        let bx = ((0.0, 10.0), (0.0, 5.0));
        // Inside: unchanged.
        assert_eq!(
            clip_segment((1.0, 1.0), (2.0, 2.0), bx.0, bx.1),
            Some(((1.0, 1.0), (2.0, 2.0)))
        );
        // A spike above the top is cut at y = 5.
        assert_eq!(
            clip_segment((1.0, 0.0), (2.0, 10.0), bx.0, bx.1),
            Some(((1.0, 0.0), (1.5, 5.0)))
        );
        // Below the bottom entirely: dropped.
        assert_eq!(clip_segment((1.0, -3.0), (2.0, -1.0), bx.0, bx.1), None);
        // A polyline with a spike keeps its in-box parts only.
        let segs = segments(&[(0.0, 0.0), (1.0, 100.0), (2.0, 0.0)], bx.0, bx.1);
        assert_eq!(segs.len(), 2);
        for [a, b] in segs {
            for p in [a, b] {
                assert!((0.0..=10.0).contains(&p.0) && (0.0..=5.0).contains(&p.1), "{p:?}");
            }
        }
    }
}
