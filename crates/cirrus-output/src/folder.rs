//! The output folder before a run: created if missing, checked writable, and
//! told apart as new, holding an earlier run's results, or holding something
//! else — so that a run fails before simulating rather than after, and never
//! mixes its files with another run's.

use std::path::Path;

use crate::{OutputError, err};

/// Names of the files a run writes. A folder holding any of them (or a
/// `plots` folder, or a temporary `.cirrus-*` file) holds a run's results.
pub const RUN_FILES: [&str; 8] = [
    "summary.json",
    "trace_report.json",
    "manifest.json",
    "scenario.resolved.toml",
    "intervals.csv",
    "hosts.csv",
    "vms.csv",
    "migrations.csv",
];

/// What an output folder held when [`prepare_dir`] looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderState {
    /// Nothing (it may just have been created).
    Empty,
    /// The results of an earlier run.
    HoldsRun,
    /// Something that is not a run's result; the name of one entry.
    HoldsOther(String),
}

fn is_run_entry(name: &str) -> bool {
    RUN_FILES.contains(&name) || name == "plots" || name.starts_with(".cirrus-")
}

/// Creates `dir` if it is missing, checks that a file can be created in it,
/// and says what it holds. Errors say what is wrong (not a folder, cannot
/// be created, not writable), naming the path.
pub fn prepare_dir(dir: &Path) -> Result<FolderState, OutputError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(err(dir, "exists and is not a folder"));
        }
    } else {
        // The nearest part of the path that exists says why a folder cannot be made.
        let existing = dir
            .ancestors()
            .skip(1)
            .find(|a| a.as_os_str().is_empty() || a.exists());
        if let Some(a) = existing.filter(|a| !a.as_os_str().is_empty() && !a.is_dir()) {
            return Err(err(
                dir,
                format!(
                    "cannot create the folder: {} is a file, not a folder",
                    a.display()
                ),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            let place = existing
                .filter(|a| !a.as_os_str().is_empty())
                .map_or_else(|| ".".to_string(), |a| a.display().to_string());
            let why = match e.kind() {
                std::io::ErrorKind::PermissionDenied => format!("no permission to create folders in {place}"),
                std::io::ErrorKind::ReadOnlyFilesystem => format!("{place} is on a read-only file system"),
                _ => format!("{place} does not accept new folders"),
            };
            err(dir, format!("cannot create the output folder: {why} ({e})"))
        })?;
    }
    let probe = tempfile::Builder::new()
        .prefix(".cirrus-probe-")
        .tempfile_in(dir)
        .map_err(|e| err(dir, format!("the output folder is not writable ({e})")))?;
    drop(probe);
    let mut other = None;
    let mut run = false;
    for entry in std::fs::read_dir(dir).map_err(|e| err(dir, e))? {
        let name = entry.map_err(|e| err(dir, e))?.file_name();
        let name = name.to_string_lossy();
        if is_run_entry(&name) {
            run = true;
        } else if other.is_none() {
            other = Some(name.into_owned());
        }
    }
    Ok(match (run, other) {
        (true, _) => FolderState::HoldsRun,
        (false, Some(name)) => FolderState::HoldsOther(name),
        (false, None) => FolderState::Empty,
    })
}

/// Removes everything inside `dir` (files and folders), keeping `dir`: an
/// earlier run's results replaced whole, so no stale file (a `plots` folder,
/// a table this run does not write) passes for the new run's.
pub fn clear_run(dir: &Path) -> Result<(), OutputError> {
    for entry in std::fs::read_dir(dir).map_err(|e| err(dir, e))? {
        let entry = entry.map_err(|e| err(dir, e))?;
        let path = entry.path();
        let is_dir = entry.file_type().map_err(|e| err(&path, e))?.is_dir();
        let removed = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| err(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_folders_are_created_and_contents_told_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        assert_eq!(prepare_dir(&dir).unwrap(), FolderState::Empty);
        assert!(dir.is_dir());
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert_eq!(
            prepare_dir(&dir).unwrap(),
            FolderState::HoldsOther("notes.txt".into())
        );
        std::fs::create_dir(dir.join("plots")).unwrap();
        std::fs::write(dir.join("plots/power.png"), "x").unwrap();
        assert_eq!(prepare_dir(&dir).unwrap(), FolderState::HoldsRun);
        clear_run(&dir).unwrap();
        assert_eq!(prepare_dir(&dir).unwrap(), FolderState::Empty);
    }

    #[test]
    fn a_file_in_the_way_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = prepare_dir(&file).unwrap_err().to_string();
        assert!(e.contains("exists and is not a folder"), "{e}");
        let e = prepare_dir(&file.join("sub")).unwrap_err().to_string();
        assert!(e.contains("is a file, not a folder"), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_cannot_be_created_says_why() {
        let e = prepare_dir(Path::new("/proc/cirrus-results"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/proc does not accept new folders"), "{e}");
    }
}
