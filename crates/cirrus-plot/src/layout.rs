//! Which sweep axis goes where in a figure: on x, in the series, or into
//! panels (one per value, or per combination of values). Runs of different
//! sweep points are never pooled unless asked (`--pool AXIS`): by default
//! the only runs a point averages are the replications of one sweep point.

use cirrus_sweep::store::AxisInfo;

use crate::MAX_PANELS;

/// Whether an axis is drawn as categories (policy names, workloads) rather
/// than on a numeric scale: its values are not all numbers of one key.
pub(crate) fn is_categorical(axis: &AxisInfo) -> bool {
    axis.numeric.is_none()
}

/// Where each axis of a sweep goes in one figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The axis on x (the group axis of `energy-vs-slav`).
    pub x: usize,
    /// The axis whose values are the series, if any.
    pub series: Option<usize>,
    /// Axes with one panel per value (per combination when several).
    pub panels: Vec<usize>,
    /// Axes a filter left with one value: neither drawn nor pooled, named
    /// in the title.
    pub fixed: Vec<usize>,
    /// Axes pooled on request (`--pool`): their runs are averaged like
    /// replications, and the figure says so.
    pub pooled: Vec<usize>,
}

/// The runs of each panel of `layout`: `coords[axis][run]` is the run's
/// value index on `axis`, `runs` the runs to draw. Panels are the value
/// combinations of the panel axes that occur, in axis-value order; each
/// comes with its title (`axis=value, axis=value`).
pub(crate) fn split_panels(
    axes: &[AxisInfo],
    layout: &Layout,
    coords: &[Vec<usize>],
    runs: &[usize],
) -> Vec<(String, Vec<usize>)> {
    let key = |r: usize| -> Vec<usize> { layout.panels.iter().map(|&a| coords[a][r]).collect() };
    let mut keys: Vec<Vec<usize>> = runs.iter().map(|&r| key(r)).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let title = layout
                .panels
                .iter()
                .zip(&k)
                .map(|(&a, &v)| format!("{}={}", axes[a].name, axes[a].labels[v]))
                .collect::<Vec<_>>()
                .join(", ");
            let members = runs.iter().copied().filter(|&r| key(r) == k).collect();
            (title, members)
        })
        .collect()
}

/// Chooses the layout of the metric figures.
///
/// `present[axis]` is how many of the axis' values the runs to draw hold
/// (1 for an axis a filter fixed). x is `x` if given, else the first
/// numeric axis, else the categorical axis with the most values (the last
/// of equals). The series is `series` if given (`none`: no series), else
/// the first other axis when x is numeric (a line per policy over a
/// parameter) and none when x is categorical (different workloads have
/// different scales, so they get panels of their own). Every other axis
/// with more than one value gets panels; more than [`MAX_PANELS`] is an
/// error naming the axes and the options that avoid it.
pub(crate) fn choose(
    axes: &[AxisInfo],
    present: &[usize],
    x: Option<usize>,
    series: Option<Option<usize>>,
    pooled: &[usize],
) -> Result<Layout, String> {
    for &a in pooled {
        if Some(a) == x || series == Some(Some(a)) {
            return Err(format!(
                "--pool {}: the axis is on x or the series; it cannot be pooled too",
                axes[a].name
            ));
        }
    }
    let fixed: Vec<usize> = (0..axes.len())
        .filter(|&a| present[a] <= 1 && Some(a) != x && series != Some(Some(a)) && !pooled.contains(&a))
        .collect();
    let free = |a: &usize| !fixed.contains(a) && !pooled.contains(a);
    let x = match x {
        Some(x) => x,
        None => (0..axes.len())
            .filter(free)
            .find(|&a| !is_categorical(&axes[a]))
            .or_else(|| (0..axes.len()).filter(free).max_by_key(|&a| (present[a], a)))
            .unwrap_or(axes.len() - 1),
    };
    let series = match series {
        Some(s) => s,
        None if is_categorical(&axes[x]) => None,
        None => (0..axes.len()).filter(free).find(|&a| a != x),
    };
    let panels: Vec<usize> = (0..axes.len())
        .filter(|a| free(a) && *a != x && Some(*a) != series)
        .collect();
    let layout = Layout {
        x,
        series,
        panels,
        fixed: fixed
            .into_iter()
            .filter(|&a| a != x && Some(a) != series)
            .collect(),
        pooled: pooled.to_vec(),
    };
    check_panels(axes, present, &layout)?;
    Ok(layout)
}

/// Refuses a layout with more than [`MAX_PANELS`] panels.
fn check_panels(axes: &[AxisInfo], present: &[usize], layout: &Layout) -> Result<(), String> {
    let n: usize = layout.panels.iter().map(|&a| present[a]).product();
    if n <= MAX_PANELS {
        return Ok(());
    }
    let parts: Vec<String> = layout
        .panels
        .iter()
        .map(|&a| format!("{} ({} values)", axes[a].name, present[a]))
        .collect();
    let first = &axes[layout.panels[0]];
    Err(format!(
        "{n} panels, one per combination of {}: more than {MAX_PANELS}, and runs of different sweep \
         points are never pooled into one point unless asked. Put an axis on x (--x {}) or in the series \
         (--series {}), keep one of its values (--where {}={}), or pool it deliberately (--pool {}: the \
         figure then says so)",
        parts.join(" × "),
        first.name,
        first.name,
        first.name,
        first.labels.first().map_or("VALUE", String::as_str),
        first.name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(name: &str, labels: &[&str], numeric: bool) -> AxisInfo {
        AxisInfo {
            name: name.into(),
            keys: vec![name.into()],
            labels: labels.iter().map(|s| s.to_string()).collect(),
            numeric: numeric.then(|| labels.iter().map(|l| l.parse().unwrap()).collect()),
        }
    }

    fn shootout() -> Vec<AxisInfo> {
        vec![
            axis("workload", &["planetlab", "vdi", "multitier"], false),
            axis("policy", &["ff", "bf", "wf", "ffd", "bfd", "pabfd"], false),
        ]
    }

    #[test]
    fn categories_and_numbers() {
        assert!(is_categorical(&axis("policy", &["ff", "bf"], false)));
        assert!(!is_categorical(&axis("safety", &["1.0", "1.2"], true)));
    }

    #[test]
    fn the_shootout_gets_one_panel_per_workload() {
        let axes = shootout();
        let l = choose(&axes, &[3, 6], None, None, &[]).unwrap();
        assert_eq!(
            l,
            Layout {
                x: 1,
                series: None,
                panels: vec![0],
                fixed: vec![],
                pooled: vec![]
            }
        );
        // 3 workloads x 6 policies, one run each, in grid order.
        let coords = vec![
            (0..18).map(|r| r / 6).collect::<Vec<_>>(),
            (0..18).map(|r| r % 6).collect(),
        ];
        let runs: Vec<usize> = (0..18).collect();
        let panels = split_panels(&axes, &l, &coords, &runs);
        let titles: Vec<&str> = panels.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            titles,
            ["workload=planetlab", "workload=vdi", "workload=multitier"]
        );
        assert_eq!(panels[1].1, (6..12).collect::<Vec<_>>());
        // Asking for the workloads as series leaves nothing to panel.
        let l = choose(&axes, &[3, 6], Some(1), Some(Some(0)), &[]).unwrap();
        assert!(l.panels.is_empty());
    }

    #[test]
    fn a_numeric_axis_is_x_and_the_next_the_series() {
        let axes = vec![
            axis("policy", &["lr", "lrr"], false),
            axis("safety", &["1.0", "1.2", "1.4"], true),
            axis("day", &["a", "b"], false),
        ];
        let l = choose(&axes, &[2, 3, 2], None, None, &[]).unwrap();
        assert_eq!((l.x, l.series, l.panels), (1, Some(0), vec![2]));
        // A filter leaves one day: no panels, the day is fixed.
        let l = choose(&axes, &[2, 3, 1], None, None, &[]).unwrap();
        assert_eq!((l.panels.clone(), l.fixed.clone()), (vec![], vec![2]));
    }

    #[test]
    fn too_many_panels_are_refused_naming_the_axis() {
        let days: Vec<String> = (0..10).map(|d| format!("d{d}")).collect();
        let day_refs: Vec<&str> = days.iter().map(String::as_str).collect();
        let axes = vec![
            axis("policy", &["a", "b", "c", "d"], false),
            axis("day", &day_refs, false),
            axis("size", &["1", "2"], true),
        ];
        let err = choose(&axes, &[4, 10, 2], Some(2), Some(None), &[]).unwrap_err();
        assert!(
            err.starts_with("40 panels, one per combination of policy (4 values) × day (10 values)"),
            "{err}"
        );
        assert!(
            err.contains("--x policy") && err.contains("--series policy") && err.contains("--where policy=a"),
            "{err}"
        );
        assert!(err.contains("--pool policy"), "{err}");
        // With the day as series, 4 panels remain.
        assert!(choose(&axes, &[4, 10, 2], Some(2), Some(Some(1)), &[]).is_ok());
        // Pooling the days on request (Beloglazov & Buyya's mean over days):
        // 4 panels, and the layout records what it pools.
        let l = choose(&axes, &[4, 10, 2], Some(2), Some(None), &[1]).unwrap();
        assert_eq!((l.panels, l.pooled), (vec![0], vec![1]));
        assert!(choose(&axes, &[4, 10, 2], Some(1), Some(None), &[1]).is_err());
    }
}
