//! PlanetLab CPU-utilisation traces, as shipped with CloudSim.
//!
//! # Format
//! (`traces/planetlab/README.md`; CloudSim's
//! `modules/cloudsim-examples/src/main/resources/workload/planetlab/<date>/`.)
//! One directory per day, one plain-text file per VM, named after the
//! PlanetLab node and slice (some names contain a space). Each line is one
//! integer CPU utilisation in percent of the VM's capacity; line *k*
//! (0-based) is the value at `t = k × 300 s`. The shipped files have exactly
//! 288 lines (288 × 300 s = 24 h).
//!
//! # How CloudSim reads it, and what this reader does
//! CloudSim's `UtilizationModelPlanetLabInMemory` (cloudsim-4.0,
//! `UtilizationModelPlanetLabInMemory.java:28-77`; see
//! `docs/CLOUDSIM.md` §3.1) does `data[i] = Integer.valueOf(line_i) / 100.0`
//! for the first 288 lines into a 289-slot array and sets
//! `data[288] = data[287]`. This reader:
//! - converts each value the same way (`percent as f64 / 100.0`, bit-identical);
//! - accepts what `Integer.valueOf` accepts (an optional sign, decimal digits,
//!   leading zeros), additionally ignoring surrounding ASCII whitespace (so
//!   CRLF files and trailing blanks work), and rejects anything outside
//!   `0..=100` — a percentage above 100 % or below 0 % is a corrupt file, not
//!   a workload;
//! - accepts trailing blank lines (a final newline), but not blank lines
//!   between values, and requires the last value to end with a newline: a
//!   file cut mid-line (`4` of `45`) is an error at that line, not a value;
//! - reads **all** lines, not just the first 288. For the shipped files (288
//!   lines) the result is identical: [`UtilizationTrace`] holds the last value
//!   past its end, which is exactly CloudSim's slot 288 at `t = 86 400 s`. A
//!   longer file gives a longer trace (CloudSim would ignore the extra lines);
//!   a shorter one holds its last value (CloudSim would fail with a
//!   `NumberFormatException` on the missing line).
//!
//! # VM order
//! CloudSim gives file *i* of `new File(dir).listFiles()` — unsorted,
//! file-system order — to VM *i*, and VM *i*'s type depends on *i*
//! (`PlanetLabHelper.java:47`, `Helper.java:64-67`), so every CloudSim metric
//! depends on that order. [`read_planetlab`] therefore takes an optional
//! *order file* (`index<TAB>filename` per line, as recorded in
//! `traces/planetlab/cloudsim_listfiles_order/<date>.txt`) to reproduce
//! CloudSim's mapping exactly; without one it uses a portable order, the file
//! names sorted byte-wise.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use cirrus::workload::UtilizationTrace;

use crate::error::TraceFileError;
use crate::report::{LoadReport, LoadedTrace};
use crate::source::{open_input, shown, whole_read_error};
use crate::vm_trace::{TracedVm, WorkloadTrace};

/// Seconds between two PlanetLab samples (CoMon sampled every 5 minutes;
/// README "Format"; CloudSim's `SCHEDULING_INTERVAL = 300`).
pub const PLANETLAB_INTERVAL_S: f64 = 300.0;

/// Lines per shipped PlanetLab file: one day of [`PLANETLAB_INTERVAL_S`]
/// samples (86 400 / 300). CloudSim reads exactly this many; this reader reads
/// all lines (see the [module docs](self)) and uses it only as a capacity hint.
pub const PLANETLAB_SAMPLES_PER_DAY: usize = 288;

/// Largest valid value: the files hold a percentage of the VM's capacity.
const MAX_PERCENT: u32 = 100;

/// The message for a line that is not a valid percentage; the offending text
/// is appended as `, found "…"`.
const EXPECTED_PERCENT: &str = "expected an integer utilisation percent in 0..=100";

/// The message for an order-file line of the wrong shape.
const EXPECTED_ORDER_LINE: &str = "expected \"index<TAB>filename\"";

/// Limits that make a wrong path (such as `/` or a directory of large binary
/// files) fail fast with a clear message instead of reading for a long time or
/// exhausting memory. The defaults are far above any real PlanetLab day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanetLabOptions {
    /// At most this many trace files per directory (or order file).
    /// Default [`PlanetLabOptions::DEFAULT_MAX_FILES`].
    pub max_files: usize,
    /// At most this many samples (non-blank lines) per trace file.
    /// Default [`PlanetLabOptions::DEFAULT_MAX_LINES_PER_FILE`].
    pub max_lines_per_file: usize,
    /// No file (trace or order file) larger than this many bytes is read.
    /// Default [`PlanetLabOptions::DEFAULT_MAX_FILE_BYTES`].
    pub max_file_bytes: u64,
}

impl PlanetLabOptions {
    /// 100 000 files: the largest shipped day has 1 516 files and all ten
    /// days together 11 746 (README table).
    pub const DEFAULT_MAX_FILES: usize = 100_000;
    /// 2²⁰ = 1 048 576 samples: about 10 years at 300 s (a shipped file has 288).
    pub const DEFAULT_MAX_LINES_PER_FILE: usize = 1 << 20;
    /// 16 MiB: [`Self::DEFAULT_MAX_LINES_PER_FILE`] lines of `"100\n"` take
    /// 4 MiB; the rest is slack for whitespace and CRLF line ends.
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 << 20;
}

impl Default for PlanetLabOptions {
    fn default() -> Self {
        Self {
            max_files: Self::DEFAULT_MAX_FILES,
            max_lines_per_file: Self::DEFAULT_MAX_LINES_PER_FILE,
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// Reads one PlanetLab day with the default [`PlanetLabOptions`].
///
/// `dir` holds one file per VM. Without `order` the traces are the regular
/// files of `dir` sorted by file name (byte order), skipping dotfiles and
/// ignoring subdirectories. With `order`, a file of `index<TAB>filename` lines
/// (indices `0, 1, 2, …` in sequence), the traces are the named files in that
/// order — CloudSim's VM ↔ trace mapping (see the [module docs](self)); files
/// of `dir` that the order file does not name are not read.
///
/// Each trace is named after its file and sampled every
/// [`PLANETLAB_INTERVAL_S`] seconds. Reading stops at the first problem, which
/// names the offending file (or the order file) and line.
pub fn read_planetlab(dir: &Path, order: Option<&Path>) -> Result<Vec<UtilizationTrace>, TraceFileError> {
    read_planetlab_with(dir, order, &PlanetLabOptions::default())
}

/// [`read_planetlab`] with explicit limits.
pub fn read_planetlab_with(
    dir: &Path,
    order: Option<&Path>,
    options: &PlanetLabOptions,
) -> Result<Vec<UtilizationTrace>, TraceFileError> {
    let files = list_planetlab_files(dir, order, options)?;
    // One buffer for all files: the day is ~1 000 small files.
    let mut buf = Vec::new();
    files
        .iter()
        .map(|path| read_trace(path, options, &mut buf))
        .collect()
}

/// The trace files [`read_planetlab_with`] would read, in VM order, without
/// reading them (an order file is fully checked, including that every named
/// file exists in `dir`).
pub fn list_planetlab_files(
    dir: &Path,
    order: Option<&Path>,
    options: &PlanetLabOptions,
) -> Result<Vec<PathBuf>, TraceFileError> {
    check_dir(dir)?;
    match order {
        None => sorted_dir_files(dir, options),
        Some(order) => ordered_files(dir, order, options),
    }
}

/// Reads one PlanetLab trace file (one integer percent per line); the trace
/// is named after the file.
pub fn read_planetlab_file(
    path: &Path,
    options: &PlanetLabOptions,
) -> Result<UtilizationTrace, TraceFileError> {
    read_trace(path, options, &mut Vec::new())
}

/// A PlanetLab day as a [`WorkloadTrace`]: [`read_planetlab_with`]'s traces
/// as [`TracedVm`]s, each arriving at 0 and never leaving, without size hints
/// ([`TracedVm::from_utilization`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanetLabTrace {
    /// The day's directory (one file per VM).
    pub dir: PathBuf,
    /// CloudSim's order file for the day, if any.
    pub order: Option<PathBuf>,
    /// Size limits.
    pub options: PlanetLabOptions,
}

impl WorkloadTrace for PlanetLabTrace {
    fn load(&self) -> Result<LoadedTrace, TraceFileError> {
        let traces = read_planetlab_with(&self.dir, self.order.as_deref(), &self.options)?;
        let mut report = LoadReport::new("planetlab");
        report.files_read = traces.len() as u64;
        report.records_read = traces.iter().map(|t| t.samples().len() as u64).sum();
        report.vms_read = traces.len() as u64;
        Ok(LoadedTrace {
            vms: traces.into_iter().map(TracedVm::from_utilization).collect(),
            report,
        })
    }
}

fn read_trace(
    path: &Path,
    options: &PlanetLabOptions,
    buf: &mut Vec<u8>,
) -> Result<UtilizationTrace, TraceFileError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| TraceFileError::new(path, "file name is missing or not valid UTF-8"))?;
    read_bounded(path, options.max_file_bytes, "trace file", buf)?;
    let samples = parse_samples(path, buf, options.max_lines_per_file)?;
    UtilizationTrace::from_percents(name, PLANETLAB_INTERVAL_S, samples)
        .map_err(|e| TraceFileError::new(path, e.to_string()))
}

/// Parses the bytes of one trace file into whole percents (the trace reads
/// each as `p as f64 / 100.0`, CloudSim's division, bit for bit), in one pass
/// and without allocating per line.
fn parse_samples(path: &Path, bytes: &[u8], max_samples: usize) -> Result<Vec<u8>, TraceFileError> {
    let mut samples = Vec::with_capacity(PLANETLAB_SAMPLES_PER_DAY);
    // A blank line is fine only if no value follows it.
    let mut first_blank: Option<usize> = None;
    let mut line = 0;
    let mut i = 0;
    while i < bytes.len() {
        line += 1;
        let start = i;
        let mut value: u32 = 0;
        while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
            // Saturating: any huge number is out of range anyway.
            value = value.saturating_mul(10).saturating_add(u32::from(d - b'0'));
            i += 1;
        }
        let (text, parsed) = if i > start && matches!(bytes.get(i), None | Some(b'\n')) {
            // Fast path, the shape of every shipped line: digits, then '\n'.
            (&bytes[start..i], (value <= MAX_PERCENT).then_some(value))
        } else {
            // General path: the whole line, trimmed.
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| i + p);
            i = end;
            let text = bytes[start..end].trim_ascii();
            if text.is_empty() {
                first_blank.get_or_insert(line);
                i += 1;
                continue;
            }
            (text, parse_percent(text))
        };
        i += 1; // past the '\n'
        if let Some(blank) = first_blank {
            return Err(bad_percent(path, blank, b""));
        }
        if samples.len() == max_samples {
            return Err(TraceFileError::at_line(
                path,
                line,
                format!(
                    "more than {max_samples} samples (max_lines_per_file); \
                     is this a PlanetLab trace file?"
                ),
            ));
        }
        let percent = parsed.ok_or_else(|| bad_percent(path, line, text))?;
        // `parse_percent` and the fast path keep `percent` within 0..=100.
        samples.push(u8::try_from(percent).unwrap_or(u8::MAX));
    }
    if samples.is_empty() {
        return Err(TraceFileError::new(
            path,
            format!("empty trace file: {EXPECTED_PERCENT} on each line"),
        ));
    }
    if bytes.last() != Some(&b'\n') && first_blank.is_none() {
        // The last value has no newline: the file was cut mid-line (every shipped file ends
        // with one), and "4" may be the start of "45".
        let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        return Err(TraceFileError::at_line(
            path,
            line,
            format!(
                "the last line {} does not end with a newline: the file looks cut mid-line",
                shown(bytes[start..].trim_ascii())
            ),
        ));
    }
    Ok(samples)
}

/// Parses what Java's `Integer.valueOf` accepts (optional `+`/`-`, decimal
/// digits) and returns it if it lies in `0..=MAX_PERCENT`.
fn parse_percent(text: &[u8]) -> Option<u32> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        // Saturating: any huge number is out of range anyway.
        value = value.saturating_mul(10).saturating_add(u32::from(d - b'0'));
    }
    // "-0" is 0 for Integer.valueOf; any other negative is out of range.
    (value <= MAX_PERCENT && !(negative && value != 0)).then_some(value)
}

fn bad_percent(path: &Path, line: usize, text: &[u8]) -> TraceFileError {
    let found = match std::str::from_utf8(text) {
        Ok(_) => shown(text),
        Err(_) => format!("non-UTF-8 text {}", shown(text)),
    };
    TraceFileError::at_line(path, line, format!("{EXPECTED_PERCENT}, found {found}"))
}

/// Reads `path` into `buf` (decompressed if it is a gzip file), refusing
/// files larger than `max_bytes` before reading them (and, for files that
/// grow, lie about their size or are compressed, while reading).
pub(crate) fn read_bounded(
    path: &Path,
    max_bytes: u64,
    what: &str,
    buf: &mut Vec<u8>,
) -> Result<(), TraceFileError> {
    let (file, len) = open_input(path, max_bytes, false, what)?;
    let too_big = |len: u64| {
        TraceFileError::new(
            path,
            format!("{what} has {len} bytes, more than the limit of {max_bytes} (max_file_bytes)"),
        )
    };
    buf.clear();
    buf.reserve(usize::try_from(len).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(buf)
        .map_err(|e| whole_read_error(path, what, &e))?;
    let read = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if read > max_bytes {
        return Err(too_big(read));
    }
    Ok(())
}

fn check_dir(dir: &Path) -> Result<(), TraceFileError> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Err(TraceFileError::new(dir, "trace directory not found"))
        }
        Err(e) => Err(TraceFileError::io(dir, "cannot access trace directory", &e)),
        Ok(m) if !m.is_dir() => Err(TraceFileError::new(
            dir,
            "not a directory (expected a PlanetLab day: a directory with one file per VM)",
        )),
        Ok(_) => Ok(()),
    }
}

/// Every entry of `dir` with whether it is a regular file (symlinks followed;
/// a dangling symlink is not). One directory listing answers every
/// existence check, cheaper than a `stat` per trace file.
fn dir_entries(dir: &Path) -> Result<Vec<(OsString, bool)>, TraceFileError> {
    let list_error = |e: std::io::Error| TraceFileError::io(dir, "cannot list directory", &e);
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        let file_type = entry.file_type().map_err(list_error)?;
        let is_file = if file_type.is_symlink() {
            fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
        } else {
            file_type.is_file()
        };
        entries.push((entry.file_name(), is_file));
    }
    Ok(entries)
}

/// The regular files of `dir` (following symlinks), dotfiles skipped, sorted
/// by name byte-wise.
fn sorted_dir_files(dir: &Path, options: &PlanetLabOptions) -> Result<Vec<PathBuf>, TraceFileError> {
    let mut names: Vec<String> = Vec::new();
    for (name, is_file) in dir_entries(dir)? {
        if !is_file || name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        let Ok(name) = name.into_string() else {
            return Err(TraceFileError::new(
                dir,
                "a file name is not valid UTF-8 (trace names must be text)",
            ));
        };
        if names.len() == options.max_files {
            return Err(too_many_files(dir, options.max_files));
        }
        names.push(name);
    }
    if names.is_empty() {
        return Err(TraceFileError::new(
            dir,
            "no trace files in directory (expected one file per VM)",
        ));
    }
    // `String`'s order is the byte order of the UTF-8 encoding.
    names.sort_unstable();
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}

fn too_many_files(path: &Path, max_files: usize) -> TraceFileError {
    TraceFileError::new(
        path,
        format!("more than {max_files} trace files (max_files); is this a PlanetLab day?"),
    )
}

/// The files named by order file `order`, in its order, each checked to be a
/// regular file of `dir`.
fn ordered_files(
    dir: &Path,
    order: &Path,
    options: &PlanetLabOptions,
) -> Result<Vec<PathBuf>, TraceFileError> {
    let mut bytes = Vec::new();
    read_bounded(order, options.max_file_bytes, "order file", &mut bytes)?;
    let at = |line: usize, message: String| TraceFileError::at_line(order, line, message);
    let bad_line = |line: usize, raw: &[u8]| at(line, format!("{EXPECTED_ORDER_LINE}, found {}", shown(raw)));

    let in_dir: HashMap<OsString, bool> = dir_entries(dir)?.into_iter().collect();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut first_blank: Option<usize> = None;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        // Tolerate CRLF line ends; file names themselves are kept verbatim
        // (they may contain spaces).
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.trim_ascii().is_empty() {
            first_blank.get_or_insert(line);
            continue;
        }
        if let Some(blank) = first_blank {
            return Err(bad_line(blank, b""));
        }
        let text = std::str::from_utf8(raw)
            .map_err(|_| at(line, format!("line is not valid UTF-8: {}", shown(raw))))?;
        let Some((index, name)) = text.split_once('\t') else {
            return Err(bad_line(line, raw));
        };
        let Ok(index) = index.trim_ascii().parse::<usize>() else {
            return Err(bad_line(line, raw));
        };
        if name.is_empty() {
            return Err(bad_line(line, raw));
        }
        if index != files.len() {
            return Err(at(
                line,
                format!("index {index} out of sequence, expected {}", files.len()),
            ));
        }
        if name == "." || name == ".." || name.chars().any(std::path::is_separator) {
            return Err(at(
                line,
                format!("{name:?} is not a plain file name (no directories allowed)"),
            ));
        }
        if let Some(previous) = seen.insert(name, line) {
            return Err(at(
                line,
                format!("file {name:?} already listed at line {previous}"),
            ));
        }
        if files.len() == options.max_files {
            return Err(too_many_files(order, options.max_files));
        }
        match in_dir.get(OsStr::new(name)) {
            Some(true) => {}
            Some(false) => {
                return Err(at(
                    line,
                    format!("{name:?} in {} is not a regular file", dir.display()),
                ));
            }
            None => {
                return Err(at(line, format!("file {name:?} not found in {}", dir.display())));
            }
        }
        let path = dir.join(name);
        files.push(path);
    }
    if files.is_empty() {
        return Err(TraceFileError::new(order, "order file lists no files"));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_percent_follows_integer_value_of_within_range() {
        assert_eq!(parse_percent(b"0"), Some(0));
        assert_eq!(parse_percent(b"100"), Some(100));
        assert_eq!(parse_percent(b"007"), Some(7));
        assert_eq!(parse_percent(b"+5"), Some(5));
        assert_eq!(parse_percent(b"-0"), Some(0));
        for bad in [
            &b"101"[..],
            b"-1",
            b"3.5",
            b"",
            b"+",
            b"-",
            b"1e2",
            b"99999999999999999999",
            b"0x10",
        ] {
            assert_eq!(parse_percent(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn percent_to_fraction_is_cloudsims_division() {
        let samples = parse_samples(Path::new("f"), b"12\n 7 \r\n100\n", 10).unwrap();
        assert_eq!(samples, vec![12, 7, 100]);
        let trace = UtilizationTrace::from_percents("f", PLANETLAB_INTERVAL_S, samples).unwrap();
        assert_eq!(trace.samples(), vec![12.0 / 100.0, 7.0 / 100.0, 1.0]);
        assert_eq!(trace.sample_bytes(), 3);
    }

    #[test]
    fn a_file_cut_mid_line_is_an_error_at_that_line() {
        let err = parse_samples(Path::new("f"), b"12\n7\n4", 10).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("cut mid-line"), "{err}");
        assert!(err.message.contains("\"4\""), "{err}");
        // Trailing blank lines (and CRLF) after the last newline stay fine.
        assert!(parse_samples(Path::new("f"), b"12\r\n7\r\n", 10).is_ok());
        assert!(parse_samples(Path::new("f"), b"12\n7\n\n  ", 10).is_ok());
    }

    #[test]
    fn shown_truncates_long_lines() {
        use crate::source::SHOWN_CHARS;
        let long = vec![b'x'; SHOWN_CHARS * 2];
        let s = shown(&long);
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().filter(|&c| c == 'x').count(), SHOWN_CHARS);
    }

    #[test]
    fn sample_limit_is_enforced() {
        let err = parse_samples(Path::new("f"), b"1\n2\n3\n", 2).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("max_lines_per_file"));
    }
}
