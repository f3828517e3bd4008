//! No scenario text may panic the loader: arbitrary bytes, and structured
//! mutations of the shipped scenarios (lines dropped, duplicated, values
//! replaced by hostile tokens). Every rejection must name the file or the
//! trace folder it is about.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

fn scenario_path(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios")).join(name)
}

fn shipped() -> Vec<(PathBuf, String)> {
    ["planetlab-20110303-dvfs.toml", "planetlab-20110303-npa.toml"]
        .iter()
        .map(|n| {
            let p = scenario_path(n);
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Values that have broken parsers before: wrong types, extremes, NaN, huge numbers.
const HOSTILE: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "18446744073709551616",
    "99999999999",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "true",
    "1.5",
    "-0.0",
    "[1, \"a\"]",
    "{ model = 3 }",
    "\"../../../../\"",
];

fn check(path: &Path, text: &str, overrides: &[String]) {
    match cirrus_scenario::load_str(text, path, overrides) {
        Ok(_) => {}
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            let names_source = msg.contains(&*path.to_string_lossy())
                || msg.contains("--set")
                || msg.contains("traces")
                || msg.contains("trace");
            assert!(names_source, "error does not say where: {msg}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(Path::new("fuzz.toml"), &text, &[]);
    }

    #[test]
    fn arbitrary_overrides_never_panic(key in "[a-z_\\[\\]0-9.]{0,30}", value in "\\PC{0,20}") {
        let (path, text) = shipped().swap_remove(0);
        check(&path, &text, &[format!("{key}={value}")]);
    }

    #[test]
    fn mutated_scenarios_never_panic(
        which in 0usize..2,
        edits in proptest::collection::vec((0usize..200, 0usize..3, 0usize..HOSTILE.len()), 1..4),
    ) {
        let (path, text) = shipped().swap_remove(which);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, kind, token) in edits {
            let i = at % lines.len();
            match kind {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                _ => {
                    if let Some((k, _)) = lines[i].split_once('=') {
                        lines[i] = format!("{k}= {}", HOSTILE[token]);
                    }
                }
            }
            if lines.is_empty() {
                lines.push(String::new());
            }
        }
        check(&path, &lines.join("\n"), &[]);
    }
}
