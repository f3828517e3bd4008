//! Shared drawing: the embedded font, rendering one figure to PNG and SVG,
//! colours, tick labels, axis labels with units.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::{Format, HEIGHT_PX, PlotError, WIDTH_PX};

/// DejaVu Sans 2.37 (Bitstream Vera licence, `fonts/LICENSE-DejaVu.txt`).
static FONT_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The family name every text style uses; registered from [`FONT_TTF`].
pub(crate) const FONT: &str = "sans-serif";

/// Blank border around every figure, pixels (keeps the title off the edge).
pub(crate) const BORDER_PX: u32 = 12;

/// Title, axis-description, tick-label and legend sizes, pixels.
pub(crate) const TITLE_PX: u32 = 28;
pub(crate) const DESC_PX: u32 = 20;
pub(crate) const TICK_PX: u32 = 16;
pub(crate) const LEGEND_PX: u32 = 16;

/// Registers the embedded font once per process.
fn ensure_font() -> Result<(), String> {
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
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
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
) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = Vec::new();
    for &format in formats {
        let path = out.join(format!("{stem}.{}", format.extension()));
        let draw_err = |message: String| PlotError::Draw {
            path: path.clone(),
            message,
        };
        ensure_font().map_err(draw_err)?;
        let bytes = match format {
            Format::Png => {
                let mut buf = vec![0u8; (WIDTH_PX * HEIGHT_PX * 3) as usize];
                {
                    let root =
                        BitMapBackend::with_buffer(&mut buf, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
                    root.fill(&WHITE).map_err(|x| draw_err(e(x)))?;
                    figure.draw(&root).map_err(draw_err)?;
                    root.present().map_err(|x| draw_err(e(x)))?;
                }
                encode_png(&buf).map_err(draw_err)?
            }
            Format::Svg => {
                let mut svg = String::new();
                {
                    let root = SVGBackend::with_string(&mut svg, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
                    root.fill(&WHITE).map_err(|x| draw_err(e(x)))?;
                    figure.draw(&root).map_err(draw_err)?;
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

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH_PX, HEIGHT_PX);
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
/// keeps 0 in the range (counts, energy).
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
    if hi - lo <= hi.abs().max(lo.abs()) * 1e-9 {
        let d = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.05;
    let lo = if from_zero && lo >= 0.0 { lo } else { lo - pad };
    (lo, hi + pad)
}

/// Axis description of a summary metric, with its unit.
pub(crate) fn metric_label(name: &str) -> String {
    let known = match name {
        "energy_kwh" => "Energy (kWh)",
        "slav" => "SLAV = SLATAH × PDM (fraction)",
        "slatah" => "SLATAH (fraction of active-host time)",
        "pdm" => "PDM (fraction of requested MIPS·s)",
        "pdm_per_vm_mean" => "PDM, mean over VMs (fraction)",
        "esv" => "ESV = energy × SLAV (kWh)",
        "migrations" => "Migrations (count)",
        "migrations_overload" => "Overload migrations (count)",
        "migrations_underload" => "Underload migrations (count)",
        "active_hosts_mean" => "Active hosts, mean over steps (hosts)",
        "host_shutdowns" => "Host shutdowns (count)",
        "overall_sla_violation" => "Overall SLA violation (fraction of requested MIPS·s)",
        "average_sla_violation" => "Average SLA violation (fraction)",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let units = [
        ("_kwh", "kWh"),
        ("_mips_s", "MIPS·s"),
        ("_mips", "MIPS"),
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

/// The title text style.
pub(crate) fn title_style() -> TextStyle<'static> {
    TextStyle::from((FONT, TITLE_PX).into_font().style(FontStyle::Bold)).color(&BLACK)
}

/// Legend and annotation text.
pub(crate) fn small_text() -> TextStyle<'static> {
    TextStyle::from((FONT, LEGEND_PX).into_font()).color(&BLACK)
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
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub kind: Kind,
}

/// A chart of `series` in `area` with the given axis ranges and
/// descriptions; a legend when there is more than one series (or when
/// `legend` asks for it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
    x_desc: &str,
    y_desc: &str,
    legend: Option<SeriesLabelPosition>,
) -> Result<(), String> {
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(e)?;
    let fx = |v: &f64| tick(*v, x_lo, x_hi);
    let fy = |v: &f64| tick(*v, y_lo, y_hi);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, TICK_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .draw()
        .map_err(e)?;
    for s in series {
        let color = s.color;
        let anno = match s.kind {
            Kind::Line => chart
                .draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
                .map_err(e)?,
            Kind::Step => {
                let mut pts = Vec::with_capacity(s.points.len() * 2);
                for (i, &(x, y)) in s.points.iter().enumerate() {
                    if i > 0 {
                        pts.push((x, s.points[i - 1].1));
                    }
                    pts.push((x, y));
                }
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                    .map_err(e)?
            }
            Kind::Bars => {
                let base = 0.0f64.clamp(y_lo, y_hi);
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
                        bars.push(Rectangle::new([(prev_x, base), (x, y)], color.filled()));
                    }
                    prev_x = x;
                }
                chart.draw_series(bars).map_err(e)?
            }
        };
        anno.label(s.label.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 22, y + 6)], color.filled()));
    }
    if let Some(position) = legend {
        chart
            .configure_series_labels()
            .position(position)
            .label_font((FONT, LEGEND_PX))
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
        assert_eq!(metric_label("energy_kwh"), "Energy (kWh)");
        assert_eq!(
            metric_label("time_before_host_shutdown_mean_s"),
            "time before host shutdown mean (s)"
        );
    }
}
