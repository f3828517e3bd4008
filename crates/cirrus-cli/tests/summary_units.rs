//! `docs/OUTPUTS.md` gives the unit of every field of `summary.json` (whose
//! names stay as they are, for CloudSim and `runs.csv` compatibility): one row
//! per field, no row for a field that does not exist, no unit left unknown.

use cirrus::metrics::{MoveWaits, RealTimeCounts, Summary};

#[test]
fn every_summary_field_has_a_unit_in_the_docs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/OUTPUTS.md");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| {
            let (name, rest) = l.split_once('`').unwrap();
            let unit = rest.split('|').nth(1).unwrap().trim().to_string();
            (name.to_string(), unit)
        })
        .collect();
    // Runs with power states have the move-wait columns, runs with a real-time VM end with
    // the real-time columns.
    let columns: Vec<&str> = Summary::columns()
        .chain(MoveWaits::COLUMNS.iter().copied())
        .chain(RealTimeCounts::COLUMNS.iter().copied())
        .collect();
    let documented: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(documented, columns, "one row per summary field, in column order");
    for (name, unit) in &rows {
        assert!(!unit.is_empty() && unit != "?", "{name}: no unit");
    }
    for fraction in [
        "slav",
        "slatah",
        "pdm",
        "overall_sla_violation",
        "average_sla_violation",
    ] {
        let (_, unit) = rows.iter().find(|(n, _)| n == fraction).unwrap();
        assert!(unit.starts_with("fraction"), "{fraction}: {unit}");
    }
}
