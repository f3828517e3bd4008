//! Input a careless hand gets past a simulator, caught by the real `cirrus` binary: a
//! percentage where a fraction is meant, a trace shorter than the run (a warning, an error
//! with `--strict`) and a trace file cut mid-line. Each error exits with code 2 and names
//! the key or the file and line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn cirrus(args: &[&str]) -> Output {
    Command::new(CIRRUS)
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run cirrus")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_percentage_threshold_is_an_error_with_a_hint() {
    let out = TempDir::new().unwrap();
    let o = cirrus(&[
        "run",
        "scenarios/planetlab-20110303-thr-mmt.toml",
        "--set",
        "consolidation.detector.threshold=80",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: --set consolidation.detector.threshold=80: consolidation.detector.threshold: \
         a fraction in [0, 1] is expected, found 80; did you mean 0.8?"
    );
    assert!(o.stdout.is_empty());
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "no results written");

    // The same in a file: located at its line and column.
    let text = fs::read_to_string(workspace().join("scenarios/planetlab-20110303-lr-mmt.toml")).unwrap();
    let at = "fallback_threshold = 0.7";
    assert_eq!(text.matches(at).count(), 1);
    let line = text[..text.find(at).unwrap()].lines().count() + 1;
    let traces = workspace().join("traces");
    let text = text
        .replace(at, "fallback_threshold = 7")
        .replace("\"../traces/", &format!("\"{}/", traces.display()));
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("lr.toml");
    fs::write(&path, text).unwrap();
    let o = cirrus(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let prefix = format!("error: {}:{line}:", path.display());
    assert!(err.starts_with(&prefix), "{err}");
    assert!(
        err.trim_end().ends_with(
            ": consolidation.detector.fallback_threshold: a fraction in [0, 1] is expected, found 7; \
             did you mean 0.07?"
        ),
        "{err}"
    );
}

/// A PlanetLab day of `files` (name, samples) in a temporary folder, and the DVFS scenario
/// pointed at it (without CloudSim's order file).
fn day(files: &[(&str, usize)]) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let day = dir.path().join("day");
    fs::create_dir(&day).unwrap();
    for (name, samples) in files {
        // Two digits each, so that cutting the last line's last digit leaves a valid number.
        let body: String = (0..*samples)
            .map(|i| format!("{}\n", 10 + (i * 7) % 90))
            .collect();
        fs::write(day.join(name), body).unwrap();
    }
    let text = fs::read_to_string(workspace().join("scenarios/planetlab-20110303-dvfs.toml")).unwrap();
    let text = text
        .replace(
            "path = \"../traces/planetlab/20110303\"",
            &format!("path = \"{}\"", day.display()),
        )
        .replace(
            "order = \"../traces/planetlab/cloudsim_listfiles_order/20110303.txt\"\n",
            "",
        );
    assert!(!text.contains("order ="));
    let scenario = dir.path().join("day.toml");
    fs::write(&scenario, text).unwrap();
    (dir, scenario)
}

#[test]
fn a_trace_shorter_than_the_run_is_a_warning_and_with_strict_an_error() {
    // 288 × 300 s = 86 400 s: exactly the run, not short.
    let (dir, scenario) = day(&[("full", 288), ("cut", 100), ("also-full", 288)]);
    let scenario = scenario.to_str().unwrap();
    let cut = dir.path().join("day/cut");
    let expected = format!(
        "1 of 3 traces are shorter than the run (86400 s); each holds its last value to the end \
         (--strict makes this an error):\n  {}: 100 samples × 300 s = 30000 s, shorter than the \
         86400 s the run needs\n",
        cut.display()
    );

    let o = cirrus(&["validate", scenario]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), format!("warning: {expected}"));

    let out = dir.path().join("out");
    let o = cirrus(&["run", scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), format!("warning: {expected}"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("traces        1 of 3 shorter than the run (last value held)\n"),
        "{stdout}"
    );

    for command in ["validate", "run"] {
        let out = dir.path().join(format!("strict-{command}"));
        let mut args = vec![command, "--strict", scenario];
        if command == "run" {
            args.extend(["--out", out.to_str().unwrap()]);
        }
        let o = cirrus(&args);
        assert_eq!(o.status.code(), Some(2), "{command}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error: 1 of 3 traces are shorter than the run (86400 s) (--strict):\n")
        );
        assert!(stderr(&o).contains(&cut.display().to_string()));
        assert!(o.stdout.is_empty());
        // The folder is checked (and made) before loading; nothing is written in it.
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
            "no results written"
        );
    }

    // All full: silent, even with --strict.
    let (_dir, scenario) = day(&[("full", 288), ("longer", 300)]);
    let o = cirrus(&["validate", "--strict", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn a_trace_cut_mid_line_is_an_error_at_its_line() {
    let (dir, scenario) = day(&[("full", 288), ("cut", 288)]);
    let cut = dir.path().join("day/cut");
    // "…\n3" of "…\n39\n": a valid number, but no newline after it.
    let body = fs::read(&cut).unwrap();
    assert_eq!(&body[body.len() - 4..], b"\n39\n");
    fs::write(&cut, &body[..body.len() - 2]).unwrap();
    let o = cirrus(&["validate", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: {}:288: the last line \"3\" does not end with a newline: the file looks cut mid-line\n",
            cut.display()
        )),
        "{}",
        stderr(&o)
    );
    // A malformed last line too.
    fs::write(&cut, [&body[..body.len() - 3], b"4x\n"].concat()).unwrap();
    let o = cirrus(&["validate", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{}:288: ", cut.display())),
        "{}",
        stderr(&o)
    );
}
