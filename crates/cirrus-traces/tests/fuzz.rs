//! Fuzzing the PlanetLab reader on the stable toolchain, against a reference model.
//!
//! The reference (`reference_trace`, `reference_day`) restates the format of
//! `planetlab.rs`'s module docs in the plainest code: split on `\n`, trim ASCII whitespace,
//! `Integer.valueOf` in `0..=100`, blank lines only at the end, the order file's
//! `index<TAB>name` rules, the limits. Every input must give exactly the reference's
//! answer: the same samples, or an error on the same file and line. That checks
//! more than "no panic": a wrong line number or a silently accepted value fails too.
//!
//! Targets, one test each:
//! - `corpus_replays`: every file of `tests/corpus/trace/` (read as one trace) and
//!   `tests/corpus/order/` (an order file for `tests/corpus/day/`), against the expectations
//!   in `tests/corpus/EXPECTED`, always;
//! - `seeded_traces`: random trace contents: valid files with one corruption (negative,
//!   huge, fractional, exponent, blank line, BOM, NUL, non-UTF-8, Unicode digits, a line of
//!   100 000 digits, …), CRLF and whitespace, random bytes, token soup, empty files;
//! - `seeded_days`: random small directories (odd names, dotfiles, subdirectories) with
//!   and without random order files, under random limits;
//! - `proptest_trace_matches_reference`: the same with shrinking;
//! - `hostile_files`: a FIFO, `/dev/zero` and a directory where files are expected.
//!
//! Each input runs on its own thread under `catch_unwind` with a deadline. `cargo test`
//! runs a few thousand inputs; a long campaign:
//! `CIRRUS_FUZZ_CASES=1000000 CIRRUS_FUZZ_SEED=$RANDOM cargo test -p cirrus-traces --test fuzz
//! -- --nocapture`. Failing inputs are written to `target/tmp/fuzz-failures/`; move them to
//! `tests/corpus/trace/` (with a line in `EXPECTED`) once fixed.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cirrus_traces::{
    PlanetLabOptions, TraceFileError, read_planetlab, read_planetlab_file, read_planetlab_with,
};
use proptest::prelude::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

// ------------------------------------------------------------------ configuration

/// Inputs per seeded target: `CIRRUS_FUZZ_CASES`, else `ci`.
fn cases(ci: u64) -> u64 {
    std::env::var("CIRRUS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci)
}

/// Base seed: `CIRRUS_FUZZ_SEED`, else fixed so that CI runs are reproducible.
fn base_seed() -> u64 {
    std::env::var("CIRRUS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x7ACE)
}

/// How long one input may take before it counts as a hang (inputs are at most ~1 MB).
const DEADLINE: Duration = Duration::from_secs(20);

// ------------------------------------------------------------------ random numbers

/// SplitMix64: tiny, seedable, and good enough to drive generators.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T: ?Sized>(&mut self, xs: &'a [&'a T]) -> &'a T {
        xs[self.below(xs.len())]
    }
}

fn case_seed(base: u64, target: &str, case: u64) -> u64 {
    let mut h = base ^ 0xCBF2_9CE4_8422_2325;
    for b in target.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    Rng(h ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

// ------------------------------------------------------------------ the reference

/// What reading should give: samples (fractions), or an error on `line` (None: the
/// whole file).
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Samples(Vec<f64>),
    Error(Option<usize>),
}

/// `Integer.valueOf` on a trimmed line, kept if in `0..=100`.
fn reference_percent(text: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(text).ok()?;
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 3 {
        return None;
    }
    let value: u32 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    (value <= 100 && !(negative && value != 0)).then_some(value)
}

/// The PlanetLab trace format, stated plainly.
fn reference_trace(bytes: &[u8], max_samples: usize) -> Expected {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // A final newline ends the last line; it does not start another.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut samples = Vec::new();
    let mut first_blank = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let text = raw.trim_ascii();
        if text.is_empty() {
            first_blank.get_or_insert(line);
            continue;
        }
        if let Some(blank) = first_blank {
            return Expected::Error(Some(blank));
        }
        if samples.len() == max_samples {
            return Expected::Error(Some(line));
        }
        match reference_percent(text) {
            Some(p) => samples.push(f64::from(p) / 100.0),
            None => return Expected::Error(Some(line)),
        }
    }
    if samples.is_empty() {
        Expected::Error(None)
    } else if bytes.last() != Some(&b'\n') && first_blank.is_none() {
        // The last value has no newline: the file was cut mid-line.
        Expected::Error(Some(lines.len()))
    } else {
        Expected::Samples(samples)
    }
}

/// Where an error is: the file, and the line if it is on one.
type Located = (PathBuf, Option<usize>);

/// A day as the reader should see it: `Ok(files in VM order)` or the error's file and line.
fn reference_listing(
    dir: &Path,
    order: Option<(&Path, &[u8])>,
    options: &PlanetLabOptions,
) -> Result<Vec<PathBuf>, Located> {
    let whole = |p: &Path| Err((p.to_path_buf(), None));
    let mut entries: HashMap<String, bool> = HashMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let is_file = fs::metadata(e.path()).is_ok_and(|m| m.is_file());
        entries.insert(e.file_name().into_string().unwrap(), is_file);
    }
    let Some((order, bytes)) = order else {
        let mut names: Vec<&String> = entries
            .iter()
            .filter(|(n, f)| **f && !n.starts_with('.'))
            .map(|(n, _)| n)
            .collect();
        if names.len() > options.max_files || names.is_empty() {
            return whole(dir);
        }
        names.sort();
        return Ok(names.into_iter().map(|n| dir.join(n)).collect());
    };
    if bytes.len() as u64 > options.max_file_bytes {
        return whole(order);
    }
    let at = |line: usize| Err((order.to_path_buf(), Some(line)));
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut first_blank = None;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.trim_ascii().is_empty() {
            first_blank.get_or_insert(line);
            continue;
        }
        if let Some(blank) = first_blank {
            return at(blank);
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            return at(line);
        };
        let Some((index, name)) = text.split_once('\t') else {
            return at(line);
        };
        let Ok(index) = index.trim_ascii().parse::<usize>() else {
            return at(line);
        };
        if name.is_empty() || index != files.len() {
            return at(line);
        }
        if name == "." || name == ".." || name.contains('/') || !seen.insert(name.to_string()) {
            return at(line);
        }
        if files.len() == options.max_files {
            return whole(order);
        }
        if entries.get(name) != Some(&true) {
            return at(line);
        }
        files.push(dir.join(name));
    }
    if files.is_empty() {
        return whole(order);
    }
    Ok(files)
}

/// Reads a whole day as the reference: the listing, then each file in order.
fn reference_day(
    dir: &Path,
    order: Option<(&Path, &[u8])>,
    options: &PlanetLabOptions,
) -> Result<Vec<(String, Vec<f64>)>, Located> {
    let files = reference_listing(dir, order, options)?;
    let mut out = Vec::new();
    for f in files {
        let bytes = fs::read(&f).unwrap();
        if bytes.len() as u64 > options.max_file_bytes {
            return Err((f, None));
        }
        match reference_trace(&bytes, options.max_lines_per_file) {
            Expected::Samples(s) => out.push((f.file_name().unwrap().to_string_lossy().into_owned(), s)),
            Expected::Error(line) => return Err((f, line)),
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ harness

/// Runs `f` on a fresh thread under `catch_unwind`, with a deadline.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(p)) => Err(format!(
            "PANIC: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
        Err(_) => Err(format!("HANG: no answer within {DEADLINE:?}")),
    }
}

/// Checks the rendering of an error: `path[:line]: message`, one line, message non-empty.
fn check_rendering(err: &TraceFileError) -> Result<(), String> {
    let head = match err.line {
        Some(l) => format!("{}:{l}: ", err.path.display()),
        None => format!("{}: ", err.path.display()),
    };
    let text = err.to_string();
    if !text.starts_with(&head) || err.message.trim().is_empty() || err.message.contains('\n') {
        return Err(format!("bad rendering {text:?}"));
    }
    if err.message.chars().count() > 300 {
        return Err(format!("message of {} characters", err.message.chars().count()));
    }
    Ok(())
}

/// Reads `bytes` as one trace file and compares with the reference.
fn check_trace(path: &Path, bytes: &[u8], max_lines: usize) -> Result<String, String> {
    fs::write(path, bytes).unwrap();
    let options = PlanetLabOptions {
        max_lines_per_file: max_lines,
        ..PlanetLabOptions::default()
    };
    let owned = path.to_path_buf();
    let got = guarded(move || read_planetlab_file(&owned, &options))?;
    let want = reference_trace(bytes, max_lines);
    match (got, want) {
        (Ok(t), Expected::Samples(s)) if t.samples() == s.as_slice() => {
            if t.name() != path.file_name().unwrap().to_str().unwrap() || t.interval_s() != 300.0 {
                return Err(format!("trace named {:?} every {} s", t.name(), t.interval_s()));
            }
            Ok("ok".into())
        }
        (Err(e), Expected::Error(line)) if e.path == path && e.line == line => {
            check_rendering(&e)?;
            Ok(format!(
                "error: {}",
                e.message.split([',', ':', '(']).next().unwrap_or("")
            ))
        }
        (got, want) => Err(format!(
            "reader gave {:?}, reference {:?}",
            got.map(|t| t.samples().to_vec()),
            want
        )),
    }
}

/// Counts outcomes and keeps the failures of one target.
struct Campaign {
    target: &'static str,
    tried: u64,
    outcomes: BTreeMap<String, u64>,
    failures: Vec<String>,
    started: Instant,
}

impl Campaign {
    fn new(target: &'static str) -> Self {
        Self {
            target,
            tried: 0,
            outcomes: BTreeMap::new(),
            failures: Vec::new(),
            started: Instant::now(),
        }
    }

    fn record(&mut self, seed: u64, input: &[u8], result: Result<String, String>) {
        self.tried += 1;
        match result {
            Ok(outcome) => {
                // Numbers vary from input to input; the class does not.
                let class: String = outcome
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .collect();
                *self
                    .outcomes
                    .entry(class.replace("##", "#").replace("##", "#"))
                    .or_default() += 1;
            }
            Err(why) => {
                let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
                let _ = fs::create_dir_all(&dir);
                let file = dir.join(format!("traces-{}-{seed:016x}.bin", self.target));
                let _ = fs::write(&file, input);
                self.failures.push(format!(
                    "case seed {seed:#018x}: {why}\n  input saved to {}",
                    file.display()
                ));
            }
        }
    }

    fn enough(&self) -> bool {
        self.failures.len() >= 20
    }

    fn finish(self) {
        eprintln!(
            "\n[fuzz] traces/{}: {} inputs in {:.1?}, all as the reference says: {}",
            self.target,
            self.tried,
            self.started.elapsed(),
            if self.failures.is_empty() { "yes" } else { "NO" }
        );
        for (k, n) in &self.outcomes {
            eprintln!("[fuzz]   {n:>8}  {k}");
        }
        assert!(
            self.failures.is_empty(),
            "{} of {} inputs failed in {}:\n{}",
            self.failures.len(),
            self.tried,
            self.target,
            self.failures.join("\n")
        );
    }
}

// ------------------------------------------------------------------ generators

/// Lines that are not a percentage, or are one in an unusual spelling.
#[rustfmt::skip]
const ODD_LINES: &[&[u8]] = &[
    b"-1", b"101", b"-0", b"+0", b"+100", b"0100", b"00000000000000000000000000042", b"3.5", b"50.0",
    b"1e2", b"0x10", b"4294967296", b"99999999999999999999", b"-99999999999999999999", b"+", b"-",
    b"--1", b"+-1", b"1 2", b"1\t2", b"\xef\xbb\xbf12", b"\x0012", b"12\x00", b"\xff", b"\xc3\xa9",
    b"\xd9\xa3", b"\xe2\x88\x925", b"\x0b7", b"\x0c7", b" \t 7 \t ", b"7\r", b"\r", b"", b" ", b"nan",
    b"inf", b"null", b"1,5",
];

/// A valid trace of `n` lines, in the spellings the reader accepts.
fn valid_lines(rng: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| {
            let v = rng.below(101);
            let mut l = match rng.below(10) {
                0 => format!("+{v}"),
                1 => format!("00{v}"),
                2 => format!(" {v}\t"),
                _ => v.to_string(),
            }
            .into_bytes();
            if rng.chance(0.1) {
                l.push(b'\r');
            }
            l
        })
        .collect()
}

/// Random trace file contents.
fn trace_contents(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0..=3 => {
            // Valid, with up to two corruptions.
            let n = if rng.chance(0.05) {
                rng.below(20_000)
            } else {
                1 + rng.below(300)
            };
            let mut lines = valid_lines(rng, n);
            for _ in 0..rng.below(3) {
                let i = rng.below(lines.len() + 1);
                let odd = rng.pick(ODD_LINES).to_vec();
                lines.insert(i.min(lines.len()), odd);
            }
            let mut out = lines.join(&b'\n');
            match rng.below(4) {
                0 => {}
                1 => out.push(b'\n'),
                2 => out.extend_from_slice(b"\n\n \n"),
                _ => out.extend_from_slice(b"\r\n"),
            }
            out
        }
        4 => (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect(),
        5 => {
            let alphabet = b"0123456789+-. \t\r\n\n\n\x0b\x0c\xff\xef\xbb\xbfe";
            (0..rng.below(200))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        }
        6 => {
            // A very long line: digits (saturating arithmetic), or junk.
            let n = 1 + rng.below(100_000);
            let c = if rng.chance(0.5) { b'9' } else { b'x' };
            let mut v = vec![c; n];
            if rng.chance(0.5) {
                v.insert(0, b'\n');
            }
            v
        }
        _ => rng
            .pick(&[
                &b""[..],
                b"\n",
                b"\r\n",
                b"\n\n\n",
                b" ",
                b"\t\n",
                b"0",
                b"100",
                b"\xef\xbb\xbf",
            ])
            .to_vec(),
    }
}

// ------------------------------------------------------------------ targets

/// Replays the corpus against `tests/corpus/EXPECTED` (`trace/NAME<TAB>ok N`,
/// `trace/NAME<TAB>line L`, `trace/NAME<TAB>file`; the same for `order/NAME`, read with
/// `tests/corpus/day/`), and every trace against the reference.
#[test]
fn corpus_replays() {
    let corpus = Path::new(CORPUS);
    let expected: BTreeMap<String, String> = fs::read_to_string(corpus.join("EXPECTED"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').expect("NAME<TAB>EXPECTATION");
            (k.to_string(), v.to_string())
        })
        .collect();
    let mut campaign = Campaign::new("corpus");
    let mut seen = 0;
    let day = corpus.join("day");
    for kind in ["trace", "order"] {
        let mut files: Vec<PathBuf> = fs::read_dir(corpus.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            seen += 1;
            let key = format!("{kind}/{}", file.file_name().unwrap().to_string_lossy());
            let want = expected
                .get(&key)
                .unwrap_or_else(|| panic!("{key} has no line in tests/corpus/EXPECTED"));
            let bytes = fs::read(&file).unwrap();
            let (f, d) = (file.clone(), day.clone());
            let got = guarded(move || {
                if kind == "trace" {
                    read_planetlab_file(&f, &PlanetLabOptions::default()).map(|t| t.samples().len())
                } else {
                    read_planetlab(&d, Some(&f)).map(|t| t.len())
                }
            });
            let result = match got {
                Err(why) => Err(why),
                Ok(got) => {
                    let summary = match &got {
                        Ok(n) => format!("ok {n}"),
                        Err(e) if e.path == file => e.line.map_or("file".into(), |l| format!("line {l}")),
                        Err(e) => format!(
                            "error in {}:{}",
                            e.path.file_name().unwrap_or_default().to_string_lossy(),
                            e.line.unwrap_or(0)
                        ),
                    };
                    let rendering = got.as_ref().err().map_or(Ok(()), check_rendering);
                    let reference = if kind == "trace" {
                        match (
                            reference_trace(&bytes, PlanetLabOptions::DEFAULT_MAX_LINES_PER_FILE),
                            &got,
                        ) {
                            (Expected::Samples(s), Ok(n)) if s.len() == *n => Ok(()),
                            (Expected::Error(l), Err(e)) if e.line == l => Ok(()),
                            (r, _) => Err(format!("reference says {r:?}")),
                        }
                    } else {
                        let r = reference_day(&day, Some((&file, &bytes)), &PlanetLabOptions::default());
                        match (r, &got) {
                            (Ok(t), Ok(n)) if t.len() == *n => Ok(()),
                            (Err((p, l)), Err(e)) if e.path == p && e.line == l => Ok(()),
                            (r, _) => Err(format!("reference says {r:?}")),
                        }
                    };
                    if summary != *want {
                        Err(format!("{key}: expected {want}, got {summary}: {got:?}"))
                    } else {
                        rendering.and(reference).map(|()| summary)
                    }
                }
            };
            campaign.record(0, &bytes, result);
        }
    }
    assert_eq!(
        seen,
        expected.len(),
        "tests/corpus/EXPECTED names files that are gone"
    );
    campaign.finish();
}

#[test]
fn seeded_traces() {
    let mut campaign = Campaign::new("traces");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vm 1");
    let base = base_seed();
    for case in 0..cases(1500) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng(seed);
        let bytes = trace_contents(&mut rng);
        let max_lines = if rng.chance(0.1) {
            1 + rng.below(50)
        } else {
            PlanetLabOptions::DEFAULT_MAX_LINES_PER_FILE
        };
        let result = check_trace(&path, &bytes, max_lines);
        campaign.record(seed, &bytes, result);
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

/// File names that are awkward: spaces, Unicode, dotfiles, a name that is also a number.
#[rustfmt::skip]
const NAMES: &[&str] = &["a", "b c", "é", "0", "10", ".hidden", "-", "x\ty", "long_name_0123456789", "Z"];

#[test]
fn seeded_days() {
    let mut campaign = Campaign::new("days");
    let base = base_seed();
    for case in 0..cases(400) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng(seed);
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("day");
        fs::create_dir(&dir).unwrap();
        let mut names: Vec<&str> = Vec::new();
        for _ in 0..rng.below(6) {
            let name = rng.pick(NAMES);
            if rng.chance(0.1) {
                let _ = fs::create_dir(dir.join(name));
            } else {
                let body = if rng.chance(0.8) {
                    {
                        let n = 1 + rng.below(5);
                        valid_lines(&mut rng, n)
                    }
                    .join(&b'\n')
                } else {
                    trace_contents(&mut rng)
                };
                // A name picked twice may already be a directory: then it stays one.
                let _ = fs::write(dir.join(name), body);
            }
            names.push(name);
        }
        // An order file: usually right, often slightly wrong.
        let order_bytes: Option<Vec<u8>> = rng.chance(0.6).then(|| {
            let mut listed: Vec<&str> = names.iter().copied().filter(|n| !n.starts_with('.')).collect();
            if rng.chance(0.3) {
                listed.push(rng.pick(NAMES));
            }
            if rng.chance(0.2) && !listed.is_empty() {
                listed.remove(rng.below(listed.len()));
            }
            let mut text = Vec::new();
            for (i, n) in listed.iter().enumerate() {
                let index = match rng.below(30) {
                    0 => "x".to_string(),
                    1 => format!("{}", i + 1),
                    2 => format!(" {i} "),
                    3 => format!("+{i}"),
                    4 => format!("-{i}"),
                    _ => i.to_string(),
                };
                let sep = if rng.chance(0.05) { " " } else { "\t" };
                let end = match rng.below(20) {
                    0 => "\r\n",
                    1 => "\n\n",
                    _ => "\n",
                };
                text.extend_from_slice(format!("{index}{sep}{n}{end}").as_bytes());
            }
            if rng.chance(0.1) {
                text.extend_from_slice(&trace_contents(&mut rng));
            }
            text
        });
        let options = PlanetLabOptions {
            max_files: if rng.chance(0.1) { rng.below(4) } else { 100 },
            max_lines_per_file: if rng.chance(0.1) { 1 + rng.below(4) } else { 1000 },
            max_file_bytes: if rng.chance(0.1) {
                rng.below(20) as u64
            } else {
                1 << 20
            },
        };
        let order_path = root.path().join("order.txt");
        if let Some(b) = &order_bytes {
            fs::write(&order_path, b).unwrap();
        }
        let order = order_bytes.as_ref().map(|b| (order_path.as_path(), b.as_slice()));
        let want = reference_day(&dir, order, &options);
        let (d, o, opts) = (dir.clone(), order.map(|(p, _)| p.to_path_buf()), options.clone());
        let got = guarded(move || read_planetlab_with(&d, o.as_deref(), &opts));
        let result = match got {
            Err(why) => Err(why),
            Ok(got) => match (got, want) {
                (Ok(traces), Ok(want))
                    if traces.len() == want.len()
                        && traces
                            .iter()
                            .zip(&want)
                            .all(|(t, (n, s))| t.name() == n && t.samples() == s.as_slice()) =>
                {
                    Ok(format!("ok (order file: {})", order.is_some()))
                }
                (Err(e), Err((p, l))) if e.path == p && e.line == l => check_rendering(&e)
                    .map(|()| format!("error: {}", e.message.split([',', '(']).next().unwrap_or(""))),
                (got, want) => Err(format!(
                    "reader gave {:?}, reference {want:?}",
                    got.map(|t| t.iter().map(|t| t.name().to_string()).collect::<Vec<_>>())
                )),
            },
        };
        let mut input = format!("files {names:?}, limits {options:?}, order file:\n").into_bytes();
        input.extend_from_slice(order_bytes.as_deref().unwrap_or(b"(none)"));
        campaign.record(seed, &input, result);
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: u32::try_from(cases(128)).unwrap_or(u32::MAX),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Arbitrary bytes from a trace-like alphabet, against the reference, with shrinking.
    #[test]
    fn proptest_trace_matches_reference(
        bytes in prop::collection::vec(prop::sample::select(b"0123456789+-. \t\r\n\n\n\x0b\x0c\xff\x00".to_vec()), 0..80),
        max_lines in 1usize..20,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let result = check_trace(&dir.path().join("t"), &bytes, max_lines);
        prop_assert!(result.is_ok(), "{:?} for {:?}", result, String::from_utf8_lossy(&bytes));
    }
}

/// Files that are not regular files must be refused at once, not read (a FIFO would
/// block forever, `/dev/zero` never ends), and a directory where a file is expected
/// must be named.
#[test]
fn hostile_files() {
    let day = Path::new(CORPUS).join("day");
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut targets: Vec<PathBuf> = vec![root.path().to_path_buf(), PathBuf::from("/dev/zero")];
    if made.is_ok_and(|s| s.success()) {
        targets.push(fifo);
    }
    for target in targets {
        if !target.exists() {
            continue;
        }
        // As an order file.
        let (d, t) = (day.clone(), target.clone());
        let err = guarded(move || read_planetlab(&d, Some(&t)))
            .unwrap_or_else(|why| panic!("{}: {why}", target.display()))
            .unwrap_err();
        assert_eq!((err.path.as_path(), err.line), (target.as_path(), None), "{err}");
        assert!(err.message.contains("not a regular file"), "{err}");
        // As a trace file.
        let t = target.clone();
        let err = guarded(move || read_planetlab_file(&t, &PlanetLabOptions::default()))
            .unwrap_or_else(|why| panic!("{}: {why}", target.display()))
            .unwrap_err();
        assert_eq!(err.path, target, "{err}");
        assert!(err.message.contains("not a regular file"), "{err}");
    }
}

/// A file whose samples run out holds its last value, for any length, and a file of one
/// sample is a constant (documented in `planetlab.rs` and `UtilizationTrace`).
#[test]
fn short_traces_hold_their_last_value() {
    let dir = tempfile::tempdir().unwrap();
    for (body, last) in [(&b"42\n"[..], 0.42), (b"10\n20\n", 0.2), (b"0\n100\r\n\n", 1.0)] {
        let p = dir.path().join("t");
        fs::write(&p, body).unwrap();
        let t = read_planetlab_file(&p, &PlanetLabOptions::default()).unwrap();
        let end = t.duration_s();
        for at in [end, end + 1.0, 86_400.0, 1e9, f64::MAX] {
            assert_eq!(t.utilization_at(at), last, "{body:?} at {at}");
        }
    }
}
