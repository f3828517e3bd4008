//! The figure of a run with real-time VMs (docs/REALTIME.md): each real-time VM's migration,
//! its simulated downtime against its bound, and against the downtime its model predicted on
//! the share its first transfer got, coloured by the model that ran it.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotError;
use crate::data::Table;
use crate::draw::{FONT, Figure, Style, color, e};

/// The range when no value is positive, ms.
const EMPTY_RANGE_MS: (f64, f64) = (1e-3, 1.0);

/// One real-time migration: model, bound, simulated and predicted downtime, ms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub model: String,
    pub bound_ms: f64,
    pub downtime_ms: f64,
    pub predicted_ms: f64,
}

/// The real-time migrations of `migrations.csv` (rows with a `max_downtime_s`) that ended
/// (those still running when the run stopped have no downtime yet: `end_s` is NaN), or none
/// when the run has no real-time VM (no such column).
pub(crate) fn points(migrations: &Table) -> Result<Vec<Point>, PlotError> {
    if !migrations.has("max_downtime_s") {
        return Ok(Vec::new());
    }
    let bounds = migrations.strings("max_downtime_s")?;
    let models = migrations.strings("model")?;
    let downtime = migrations.numbers("downtime_s")?;
    let predicted = migrations.numbers("predicted_downtime_s")?;
    let ended = if migrations.has("end_s") {
        migrations
            .numbers("end_s")?
            .iter()
            .map(|t| t.is_finite())
            .collect()
    } else {
        vec![true; bounds.len()]
    };
    let mut out = Vec::new();
    for (i, bound) in bounds.iter().enumerate() {
        if bound.trim().is_empty() || !ended[i] {
            continue;
        }
        let bound_s: f64 = bound.trim().parse().map_err(|_| PlotError::Input {
            path: migrations.path.clone(),
            message: format!(
                "line {}: column max_downtime_s: \"{bound}\" is not a number",
                i + 2
            ),
        })?;
        out.push(Point {
            model: models[i].clone(),
            bound_ms: bound_s * 1e3,
            downtime_ms: downtime[i] * 1e3,
            predicted_ms: predicted[i] * 1e3,
        });
    }
    Ok(out)
}

/// Downtime against bound, and against prediction, two log-log panels.
pub(crate) struct DowntimeVsBound {
    pub title: String,
    pub points: Vec<Point>,
}

impl DowntimeVsBound {
    /// The models in order of first appearance.
    fn models(&self) -> Vec<&str> {
        let mut models: Vec<&str> = Vec::new();
        for p in &self.points {
            if !models.contains(&p.model.as_str()) {
                models.push(&p.model);
            }
        }
        models
    }
}

/// A log range covering the positive `values`, in whole decades. Values of 0 (a migration
/// called off before it paused the VM, a prediction of a VM that dirties nothing) are drawn
/// on the range's lower edge.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values.filter(|v| *v > 0.0 && v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return EMPTY_RANGE_MS;
    }
    (
        10f64.powf(lo.log10().floor()),
        10f64.powf((hi.log10() + 1e-9).ceil()).max(lo * 10.0),
    )
}

impl Figure for DowntimeVsBound {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Result<(), String> {
        let root = style.frame(root, &self.title)?;
        let panels = root.split_evenly((1, 2));
        let models = self.models();
        let all = || {
            self.points
                .iter()
                .flat_map(|p| [p.bound_ms, p.downtime_ms, p.predicted_ms])
        };
        let range = log_range(all());
        let n = models.len().max(1) as f64;
        for (k, area) in panels.iter().enumerate() {
            let (x_desc, title) = if k == 0 {
                (
                    "Downtime bound (ms; models side by side)",
                    "simulated downtime vs bound",
                )
            } else {
                (
                    "Predicted downtime on the first transfer's share (ms)",
                    "simulated vs predicted downtime (0 drawn on the axes)",
                )
            };
            let mut chart = ChartBuilder::on(area)
                .margin(style.px(16))
                .caption(title, (FONT, style.panel_title_px()))
                .x_label_area_size(style.px(56))
                .y_label_area_size(style.px(96))
                .build_cartesian_2d((range.0..range.1).log_scale(), (range.0..range.1).log_scale())
                .map_err(e)?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc("Simulated downtime (ms)")
                .label_style((FONT, style.tick_px()))
                .axis_desc_style((FONT, style.desc_px()))
                .bold_line_style(RGBColor(215, 215, 215))
                .light_line_style(RGBColor(240, 240, 240))
                .x_label_formatter(&|v| crate::draw::tick(*v, *v, *v))
                .y_label_formatter(&|v| crate::draw::tick(*v, *v, *v))
                .draw()
                .map_err(e)?;
            let grey = RGBColor(90, 90, 90);
            chart
                .draw_series(LineSeries::new(
                    [(range.0, range.0), (range.1, range.1)],
                    grey.stroke_width(style.line_w()),
                ))
                .map_err(e)?
                .label(if k == 0 {
                    "downtime = bound"
                } else {
                    "simulated = predicted"
                })
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 22, y)], grey.stroke_width(2)));
            let r = style.px(4) as i32;
            for (m, model) in models.iter().enumerate() {
                let c = color(m);
                // Side by side around each bound: ±10 % in x per model.
                let shift = if k == 0 {
                    1.1f64.powf(m as f64 - (n - 1.0) / 2.0)
                } else {
                    1.0
                };
                let pts: Vec<(f64, f64)> = (self.points.iter())
                    .filter(|p| p.model == *model)
                    .map(|p| {
                        let x = if k == 0 {
                            p.bound_ms * shift
                        } else {
                            p.predicted_ms
                        };
                        (x.max(range.0), p.downtime_ms.max(range.0))
                    })
                    .collect();
                let count = pts.len();
                let missed = (self.points.iter())
                    .filter(|p| p.model == *model && p.downtime_ms > p.bound_ms)
                    .count();
                chart
                    .draw_series(pts.into_iter().map(|p| Circle::new(p, r, c.mix(0.7).filled())))
                    .map_err(e)?
                    .label(format!("{model} ({count} migrations, {missed} above the bound)"))
                    .legend(move |(x, y)| Circle::new((x + 11, y), r, c.filled()));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font((FONT, style.legend_px()))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(160, 160, 160))
                .draw()
                .map_err(e)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_time_rows_are_points() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("migrations.csv");
        std::fs::write(
            &path,
            "model,downtime_s,predicted_downtime_s,max_downtime_s\n\
             pre-copy,0.2,0.1,\npost-copy,0.01,0.012,0.05\n",
        )
        .unwrap();
        let p = points(&Table::read(&path).unwrap()).unwrap();
        assert_eq!(
            p,
            [Point {
                model: "post-copy".into(),
                bound_ms: 50.0,
                downtime_ms: 10.0,
                predicted_ms: 12.0
            }]
        );
        std::fs::write(&path, "model,downtime_s,predicted_downtime_s\npre-copy,0.2,0.1\n").unwrap();
        assert!(points(&Table::read(&path).unwrap()).unwrap().is_empty());
        // A migration still running at the end (end_s NaN, downtime 0 so far) is left out.
        std::fs::write(
            &path,
            "end_s,model,downtime_s,predicted_downtime_s,max_downtime_s\n\
             NaN,post-copy,0.0,0.024,0.05\n12.5,post-copy,0.01,0.012,0.05\n",
        )
        .unwrap();
        let p = points(&Table::read(&path).unwrap()).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].downtime_ms, 10.0);
        assert_eq!(log_range([0.5, 50.0].into_iter()), (0.1, 100.0));
    }
}
