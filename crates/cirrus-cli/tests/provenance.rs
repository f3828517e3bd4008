//! Every result folder says what made it, and a folder holding a run is
//! never overwritten silently: the README's override example run twice into
//! one folder (the second refuses, `--force` replaces the folder whole), the
//! output folder checked before any trace is read, files with the umask's
//! mode.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `cirrus ARGS…` run from the repository's root, as the README does.
fn cirrus(args: &[&str]) -> Output {
    Command::new(CIRRUS)
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const README_EXAMPLE: [&str; 6] = [
    "run",
    "scenarios/planetlab-20110303-dvfs.toml",
    "--set",
    "workload.path=traces/planetlab/20110306",
    "--set",
    "workload.order=traces/planetlab/cloudsim_listfiles_order/20110306.txt",
];

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn the_readme_override_example_twice_into_one_folder_refuses_then_force_replaces() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dvfs-0306");
    let out = dir.to_str().unwrap();
    let with_out = |extra: &[&str]| {
        let mut args = README_EXAMPLE.to_vec();
        args.extend(["--out", out]);
        args.extend(extra);
        cirrus(&args)
    };

    let first = with_out(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let m = manifest(&dir);
    assert_eq!(m["cirrus_version"], env!("CARGO_PKG_VERSION"));
    assert!(!m["cirrus_commit"].as_str().unwrap().is_empty());
    assert_eq!(m["scenario"], "planetlab-20110303-dvfs");
    assert_eq!(m["scenario_path"], "scenarios/planetlab-20110303-dvfs.toml");
    assert_eq!(
        m["overrides"],
        serde_json::json!([README_EXAMPLE[3], README_EXAMPLE[5]]),
        "the manifest holds the overrides"
    );
    assert_eq!(m["seed"], 1, "the file's simulation.seed");
    assert_eq!(m["threads"], 1);
    assert!(m["wall_s"].as_f64().unwrap() > 0.0);
    let sha = m["scenario_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!(
        sha,
        cirrus_output::sha256_hex(&std::fs::read(repo().join(README_EXAMPLE[1])).unwrap())
    );
    let resolved = std::fs::read_to_string(dir.join("scenario.resolved.toml")).unwrap();
    assert!(
        resolved.contains("path = \"traces/planetlab/20110306\""),
        "{resolved}"
    );
    assert!(
        !resolved.contains("20110303\""),
        "the overridden day is gone: {resolved}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["vms"], 898, "the 0306 day ran");

    // A stale file of the earlier run, as `cirrus plot` leaves.
    std::fs::create_dir(dir.join("plots")).unwrap();
    std::fs::write(dir.join("plots/power.png"), b"stale").unwrap();
    let before = std::fs::read(dir.join("manifest.json")).unwrap();

    let second = with_out(&[]);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let e = stderr(&second);
    assert!(
        e.contains(out) && e.contains("already holds the results of a run") && e.contains("--force"),
        "{e}"
    );
    assert!(
        e.contains("--set workload.path=traces/planetlab/20110306"),
        "names the earlier run: {e}"
    );
    assert!(second.stdout.is_empty(), "refused before running");
    assert_eq!(
        std::fs::read(dir.join("manifest.json")).unwrap(),
        before,
        "untouched"
    );
    assert!(dir.join("plots/power.png").exists(), "untouched");

    let forced = with_out(&["--force", "--seed", "3"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!dir.join("plots").exists(), "the earlier run's plots are removed");
    let m = manifest(&dir);
    assert_eq!(m["seed"], 3);
    assert_eq!(
        m["overrides"].as_array().unwrap().last().unwrap(),
        "simulation.seed=3"
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hosts.csv",
            "intervals.csv",
            "manifest.json",
            "migrations.csv",
            "scenario.resolved.toml",
            "summary.json",
            "vms.csv"
        ]
    );
}

#[test]
fn a_folder_holding_other_files_is_refused_even_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("thesis.tex"), b"mine").unwrap();
    let o = cirrus(&[
        "run",
        "scenarios/migration/clark-specweb99.toml",
        "--force",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("thesis.tex"), "{}", stderr(&o));
    assert!(tmp.path().join("thesis.tex").exists());
}

/// A folder that cannot be made or written fails with exit 2 and what is
/// wrong, before the traces are read: the workload below does not exist, and
/// the error is the folder's.
#[test]
fn an_unusable_output_folder_fails_before_the_traces_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let under_file = file.join("results");
    let mut cases = vec![
        (file.clone(), "exists and is not a folder".to_string()),
        (under_file, format!("{} is a file, not a folder", file.display())),
    ];
    if cfg!(target_os = "linux") {
        cases.push((
            "/proc/cirrus-results".into(),
            "/proc does not accept new folders".into(),
        ));
    }
    for (dir, expected) in cases {
        let o = cirrus(&[
            "run",
            "scenarios/planetlab-20110303-dvfs.toml",
            "--set",
            "workload.path=traces/no-such-day",
            "--out",
            dir.to_str().unwrap(),
        ]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(dir.to_str().unwrap()) && e.contains(&expected), "{e}");
        assert!(!e.contains("no-such-day"), "the folder is checked first: {e}");
    }
}

/// Result files get 0o666 less the umask, like any file a program creates.
#[cfg(unix)]
#[test]
fn output_files_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    for (umask, mode) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let script =
            format!("umask {umask}; exec \"$0\" run scenarios/migration/clark-specweb99.toml --out \"$1\"");
        let o = Command::new("sh")
            .current_dir(repo())
            .args(["-c", &script, CIRRUS, dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let got = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(got, mode, "umask {umask}: {:?} is {got:o}", entry.file_name());
            files += 1;
        }
        assert_eq!(files, 7, "every file of the run checked");
    }
}
