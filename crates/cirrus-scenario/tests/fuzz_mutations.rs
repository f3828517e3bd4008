//! Fuzzing the scenario loader on the stable toolchain (cargo-fuzz needs nightly).
//!
//! Targets, one test each:
//! - `corpus_replays`: every file of `tests/corpus/scenario/`, always;
//! - `seeded_mutations`: structured mutations of every shipped `scenarios/*.toml`
//!   (lines deleted, duplicated, swapped; values replaced by TOML values of other types,
//!   NaN, ±inf, −0, huge, negative, empty, very long, deeply nested; random keys and
//!   tables; characters flipped; text truncated; random `--set` arguments);
//! - `seeded_text`: arbitrary bytes (UTF-8 or not, through [`cirrus_scenario::load`]) and
//!   TOML-like token soup;
//! - `seeded_overrides`: random `--set` arguments on a small valid scenario;
//! - `seeded_synthetic`: the synthetic workload's parameters, and a short run of every
//!   small scenario that loads;
//! - `proptest_*`: the same mutations and overrides under proptest, which shrinks a
//!   failing input to a minimal one.
//!
//! Each input is loaded on its own thread, under `catch_unwind` and with a deadline, so a
//! panic or a hang is reported with its input instead of aborting the run, and every
//! error must say where it comes from: `file:line:col: key: message` (line and column
//! inside the text, the key's value not set by `--set`), `--set ARG: key: message` for a
//! value set on the command line, or `trace-file[:line]: …\n  (from KEY at ORIGIN)`.
//!
//! `cargo test` runs a few hundred inputs per target (seconds). A long campaign:
//! `CIRRUS_FUZZ_CASES=100000 CIRRUS_FUZZ_SEED=$RANDOM cargo test -p cirrus-scenario --test
//! fuzz_mutations -- --nocapture` (`--release` with `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true`
//! runs ~10x faster and still traps overflows). A failing input is written to
//! `target/tmp/fuzz-failures/` in the corpus format: move it to `tests/corpus/scenario/`
//! once fixed, so that every later run replays it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cirrus_scenario::{Origin, Scenario, ScenarioError};
use proptest::prelude::*;

// ------------------------------------------------------------------ configuration

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/scenario");

/// Inputs per seeded target: `CIRRUS_FUZZ_CASES`, else `ci` (sized so that each target
/// takes a second or two in a debug build on two cores).
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
        .unwrap_or(0x00C1_4405)
}

/// How long one input may take before it counts as a hang. Generous: inputs are at most
/// a few hundred KiB and a debug build parses TOML at ~1 MB/s.
fn deadline() -> Duration {
    Duration::from_secs(
        std::env::var("CIRRUS_FUZZ_TIMEOUT_S")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30),
    )
}

/// Largest run, in host-steps (hosts × steps), that a loaded scenario is simulated for:
/// `CIRRUS_FUZZ_RUN_COST`, else 20 000 (a few milliseconds). Runs find panics in the
/// model under odd but valid settings; a long campaign can afford the shipped 800-host
/// days (230 000).
fn run_cost() -> usize {
    std::env::var("CIRRUS_FUZZ_RUN_COST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Stack of the thread each input runs on: a test thread's default, smaller than the
/// CLI's main thread (8 MiB), so deep recursion shows up here first.
const STACK_BYTES: usize = 2 << 20;

// ------------------------------------------------------------------ random numbers

/// SplitMix64: tiny, seedable, and good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The seed of case `case` of `target`: replaying needs only the base seed and the index.
fn case_seed(base: u64, target: &str, case: u64) -> u64 {
    let mut h = base ^ 0xCBF2_9CE4_8422_2325;
    for b in target.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    Rng::new(h ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

// ------------------------------------------------------------------ vocabulary

/// Every key the schema knows (and a few it will), for random keys and `--set` paths.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    "simulation", "name", "duration_s", "scheduling_interval_s", "step_offset_s", "step_at_start",
    "step_at_end", "seed", "finish_idle_vms", "energy", "accounting", "off_rule", "integration",
    "switch", "chassis_w", "port_w", "cooling", "pue", "rack_w", "host_types", "mips_per_core",
    "cores", "ram_mb", "bw_mbps", "storage_mb", "power", "model", "max_w", "static_fraction",
    "idle_w", "r", "watts", "off_w", "hosts", "count", "types", "assign", "hosts_per_rack",
    "vm_types", "mips", "size_mb", "vms", "workload", "format", "path", "order", "distribution",
    "kind", "value", "low", "high", "mean", "std_dev", "alpha", "beta", "peak_hour", "base",
    "amplitude", "noise", "phase_spread_h", "interval_s", "placement", "policy", "params",
    "initial", "admission_threshold", "allow_unplaced", "creation_request", "consolidation",
    "detector", "selection", "migration", "underload", "threshold", "safety", "fallback_threshold",
    "min_history", "window", "weighting", "bandwidth_share", "cloudsim_quirks",
    "memory_only_at_creation", "initial_admission_new_vm_only", "empty_overload_targets", "pabfd_last_step_power", "pabfd_float_ties", "output", "dir", "intervals",
    "migrations", "applications", "repeat", "stride", "traffic", "from", "to", "mbps",
    "anti_collocation", "level",
];

/// Every name a string value may hold, so that mutations also build valid variants.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "ff", "pabfd", "bfd", "ffd", "wf", "thr", "iqr", "mad", "lr", "lrr", "mmt", "mu", "mc", "rs",
    "cloudsim", "tricube", "linear", "square", "cubic", "sqrt", "fan", "table", "spec-hp-ml110-g4",
    "spec-hp-ml110-g5", "spec-ibm-x3550-x5675", "planetlab", "synthetic", "constant", "uniform",
    "normal", "diurnal", "round-robin", "blocks", "online", "batch", "power-aware",
    "non-power-aware", "zero-utilization", "no-vms", "never", "trapezoid", "step", "full", "demand",
    "host", "rack", "0..4", "0..=3", "HpProLiantMl110G4Xeon3040", "HpProLiantMl110G5Xeon3075",
];

/// Values that have broken number handling somewhere: NaN, infinities, −0, extremes
/// of i64 and f64, the 10⁷ limits and their neighbours, TOML's other integer forms.
#[rustfmt::skip]
const NUMBERS: &[&str] = &[
    "nan", "+nan", "-nan", "inf", "+inf", "-inf", "0", "-0", "0.0", "-0.0", "+0.0", "1", "-1", "2",
    "0.1", "0.5", "0.99999999999", "1.0", "1.5", "3", "-3.5", "12", "24", "86400", "300.0", "1e-300",
    "-1e-300", "5e-324", "2.2250738585072014e-308", "1e308", "-1e308", "1.7976931348623157e308",
    "9007199254740993", "4294967295", "4294967296", "9999999", "10000000", "10000001", "100000000",
    "9223372036854775807", "-9223372036854775808", "0x7fffffffffffffff", "0o777", "0b101",
    "1_000", "1e400", "18446744073709551616", "01", "1.", ".5", "1e", "--1", "1__0",
];

/// Strings that are not names: empty, control characters, escapes, paths, very long.
#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "\"\"", "\" \"", "\"x\"", "\"\\u0000\"", "\"a\\nb\"", "\"é ü 日本 🦀\"", "'lit'", "''", "\"\"\"\nmulti\nline\"\"\"",
    "'''x'''", "\"..\"", "\".\"", "\"/\"", "\"/nonexistent/x\"", "\"/dev/null\"", "\"/dev/zero\"",
    "\"../../../../\"", "\"\\\\\"", "\"\\uD800\"", "\"\\q\"", "\"unterminated", "'also unterminated",
];

/// Tokens that are not values at all.
#[rustfmt::skip]
const GARBAGE: &[&str] = &[
    "", "=", "[", "]", "[[", "]]", "{", "}", "{,}", "[,]", ",", "#", "\"", "'", "x y", "a = = 1", "\t",
    "\r", "\u{feff}", "\u{0}", "\\", "[a.]", "[.a]", "[a..b]", "a.=1", "[[]]", "1979-05-27T07:32:00Z",
    "07:32:00", "1979-05-27", "1979-13-45",
];

/// A random TOML value (or near-value), `depth` bounding how deep arrays and tables go.
fn rand_value(rng: &mut Rng, depth: usize) -> String {
    match rng.below(12) {
        0..=2 => rng.pick(NUMBERS).to_string(),
        3 => format!("{}", rng.next_u64() as i64 >> rng.below(64)),
        4 => {
            let x = f64::from_bits(rng.next_u64());
            if x.is_finite() {
                format!("{x:e}")
            } else {
                "nan".into()
            }
        }
        5 => format!("\"{}\"", rng.pick(NAMES)),
        6 => rng.pick(STRINGS).to_string(),
        7 => if rng.chance(0.5) { "true" } else { "false" }.to_string(),
        8 => {
            // A long string: up to 200 KiB, sometimes beyond a line editor's comfort.
            let n = if rng.chance(0.1) {
                rng.below(200_000)
            } else {
                rng.below(300)
            };
            format!("\"{}\"", "x".repeat(n))
        }
        9 if depth > 0 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n).map(|_| rand_value(rng, depth - 1)).collect();
            format!("[{}]", items.join(", "))
        }
        10 if depth > 0 => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n)
                .map(|_| format!("{} = {}", rand_key(rng), rand_value(rng, depth - 1)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        11 => {
            // Deep nesting around the TOML parser's limit (80).
            let d = 60 + rng.below(60);
            let (open, close) = if rng.chance(0.5) { ("[", "]") } else { ("{a=", "}") };
            format!("{}1{}", open.repeat(d), close.repeat(d))
        }
        _ => rng.pick(GARBAGE).to_string(),
    }
}

/// A random key: a schema key, a dotted or quoted key, or an odd identifier.
fn rand_key(rng: &mut Rng) -> String {
    match rng.below(8) {
        0..=3 => rng.pick(KEYS).to_string(),
        4 => format!("{}.{}", rng.pick(KEYS), rng.pick(KEYS)),
        5 => format!("\"{}\"", rng.pick(KEYS)),
        6 => {
            let n = 1 + rng.below(12);
            (0..n)
                .map(|_| *rng.pick(&['a', 'z', '_', '-', '0', '9', 'é']))
                .collect()
        }
        _ => rng.pick(GARBAGE).to_string(),
    }
}

/// Every key path of a parsed scenario (`host_types[1].power.model`, tables too), as
/// `--set` accepts them.
fn key_paths(text: &str) -> Vec<KeyPath> {
    fn walk(prefix: &str, v: &toml::Value, out: &mut Vec<KeyPath>) {
        if !prefix.is_empty() {
            out.push((prefix.to_string(), v.clone()));
        }
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            toml::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(t) = toml::from_str::<toml::Table>(text) {
        walk("", &toml::Value::Table(t), &mut out);
    }
    out
}

/// A key path of a scenario and the value the scenario gives it.
type KeyPath = (String, toml::Value);

/// A value of the same type as `v`, near it or at an edge, so that many overrides stay
/// valid and the checks after parsing get exercised, not only the parser's.
fn perturb(rng: &mut Rng, v: &toml::Value) -> String {
    match v {
        toml::Value::Integer(i) => {
            let x = match rng.below(5) {
                0 => 0,
                1 => i.saturating_mul(10),
                2 => i / 2,
                3 => i.saturating_add(1),
                _ => -i,
            };
            x.to_string()
        }
        toml::Value::Float(x) => {
            let y = match rng.below(6) {
                0 => 0.0,
                1 => x * 10.0,
                2 => x / 3.0,
                3 => -x,
                4 => x + 0.1,
                _ => [f64::NAN, f64::INFINITY, -0.0, 1e-300, 1e300][rng.below(5)],
            };
            if y.is_nan() {
                "nan".into()
            } else if y.is_infinite() {
                "inf".into()
            } else {
                format!("{y:?}")
            }
        }
        toml::Value::Boolean(b) => (!b).to_string(),
        toml::Value::String(_) => format!("\"{}\"", rng.pick(NAMES)),
        toml::Value::Array(a) if !a.is_empty() => {
            let mut items: Vec<String> = a.iter().map(|x| perturb(rng, x)).collect();
            if rng.chance(0.3) {
                items.truncate(rng.below(items.len()));
            }
            format!("[{}]", items.join(", "))
        }
        _ => rand_value(rng, 2),
    }
}

/// A random `--set` argument: mostly a real key path with a nearby or random value;
/// sometimes a key path bent out of shape, or no `KEY=VALUE` at all.
fn rand_override(rng: &mut Rng, paths: &[KeyPath]) -> String {
    if !paths.is_empty() && rng.chance(0.4) {
        let (key, v) = rng.pick(paths);
        return format!("{key}={}", perturb(rng, v));
    }
    let mut key = if paths.is_empty() || rng.chance(0.2) {
        rand_key(rng)
    } else {
        rng.pick(paths).0.clone()
    };
    match rng.below(10) {
        0 => key.push_str(&format!("[{}]", rng.below(4))),
        1 => key.push_str(&format!(".{}", rng.pick(KEYS))),
        2 => key = key.replacen('.', "..", 1),
        3 => key.push_str(&format!(
            "[{}]",
            rng.pick(&["x", "-1", "01", "+1", "99999999999999999999999", ""])
        )),
        4 => key = format!("{key} "),
        5 => key = vec![key.as_str(); 1 + rng.below(60)].join("."),
        _ => {}
    }
    let value = match rng.below(6) {
        0 => rng.pick(NAMES).to_string(),
        1 => rng.pick(GARBAGE).to_string(),
        _ => rand_value(rng, 3),
    };
    match rng.below(20) {
        0 => key,
        1 => format!("={value}"),
        2 => format!("{key}={value}={value}"),
        _ => format!("{key}={value}"),
    }
}

// ------------------------------------------------------------------ mutations

/// One structured mutation of a scenario's text (and its `--set` arguments).
fn mutate(rng: &mut Rng, text: &mut String, overrides: &mut Vec<String>, paths: &[KeyPath]) {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let i = rng.below(lines.len());
    match rng.below(14) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(rng.below(lines.len() + 1), l);
        }
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        3..=5 => {
            // Replace the value of a `key = value` line (the most productive mutation).
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|&j| assignment(&lines[j]).is_some())
                .collect();
            if let Some(&j) = candidates.get(rng.below(candidates.len().max(1))) {
                let (k, _) = assignment(&lines[j]).unwrap_or_default();
                lines[j] = format!("{k}= {}", rand_value(rng, 3));
            }
        }
        6 => {
            if let Some((_, v)) = assignment(&lines[i]) {
                lines[i] = format!("{} = {v}", rand_key(rng));
            }
        }
        7 => {
            let line = match rng.below(4) {
                0 => format!("[{}]", rand_key(rng)),
                1 => format!("[[{}]]", rand_key(rng)),
                _ => format!("{} = {}", rand_key(rng), rand_value(rng, 3)),
            };
            lines.insert(rng.below(lines.len() + 1), line);
        }
        8 => {
            // Replace one number in the line by an extreme.
            if let Some(start) = lines[i].find(|c: char| c.is_ascii_digit()) {
                let end = lines[i][start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                    .map_or(lines[i].len(), |e| start + e);
                let new = rng.pick(NUMBERS);
                lines[i].replace_range(start..end, new);
            }
        }
        9 => {
            // A table header turned into another one, or into an array of tables.
            let l = &lines[i];
            if l.starts_with("[[") {
                lines[i] = l.replacen("[[", "[", 1).replacen("]]", "]", 1);
            } else if l.starts_with('[') {
                lines[i] = format!("[{l}]");
            }
        }
        10 => {
            overrides.push(rand_override(rng, paths));
        }
        _ => {
            // Character-level: flip, insert or delete one character, or truncate.
            let mut t = lines.join("\n");
            let mut at = rng.below(t.len() + 1);
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(4) {
                0 => t.truncate(at),
                1 => t.insert(
                    at,
                    *rng.pick(&[
                        '"', '\'', '[', ']', '{', '}', '=', '\n', ',', '#', '.', '\\', '\0', 'é',
                    ]),
                ),
                _ => {
                    if let Some(c) = t[at..].chars().next() {
                        t.replace_range(at..at + c.len_utf8(), "");
                    }
                }
            }
            lines = t.split('\n').map(str::to_string).collect();
        }
    }
    *text = lines.join("\n");
}

/// `(key part with its spacing, value)` of a `key = value` line.
fn assignment(line: &str) -> Option<(String, String)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with('[') {
        return None;
    }
    line.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))
}

// ------------------------------------------------------------------ the oracle

/// One input: the text, where it is said to be, and the `--set` arguments.
#[derive(Clone, Debug)]
struct Input {
    text: String,
    path: PathBuf,
    overrides: Vec<String>,
}

/// What happened to an input that passed: the error's key (for statistics), or `ok`.
type Outcome = String;

/// Runs `f` on a fresh thread under `catch_unwind`, with a deadline; `Err` describes a
/// panic or a hang.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(f));
            let _ = tx.send(r);
        })
        .map_err(|e| format!("cannot spawn: {e}"))?;
    match rx.recv_timeout(deadline()) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(payload)) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("PANIC: {msg}"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("HANG: no answer within {:?}", deadline())),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("thread died without answering".into()),
    }
}

/// `a.b[2].c` → `["a", "b", "[2]", "c"]`.
fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in key.chars() {
        if (c == '.' || c == '[') && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if c != '.' {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Checks where an error says it comes from, against the input it came from.
fn check_origin(origin: &Origin, key: &str, input: &Input, rendered: &str) -> Result<(), String> {
    match origin {
        Origin::File { path, line, column } => {
            if path != &input.path {
                return Err(format!(
                    "names {} instead of {}",
                    path.display(),
                    input.path.display()
                ));
            }
            let lines: Vec<&str> = input.text.split('\n').collect();
            if *line < 1 || *line > lines.len() {
                return Err(format!("line {line} outside the text's {} lines", lines.len()));
            }
            let width = lines[line - 1].chars().count() + 1;
            if *column < 1 || *column > width {
                return Err(format!("column {column} outside line {line} ({width} columns)"));
            }
            // A value set by `--set` must be blamed on the argument, not the file.
            let key_segs = segments(key);
            for ov in &input.overrides {
                let ov_key = ov.split_once('=').map_or("", |(k, _)| k.trim());
                let ov_segs = segments(ov_key);
                if !key.is_empty()
                    && key_segs.len() >= ov_segs.len()
                    && key_segs[..ov_segs.len()] == ov_segs[..]
                {
                    return Err(format!("{key} was set by --set {ov}, but the file is blamed"));
                }
            }
            Ok(())
        }
        Origin::Override { argument } => {
            if !input.overrides.contains(argument) {
                return Err(format!("blames --set {argument}, which was not given"));
            }
            if !rendered.contains(&format!("--set {argument}")) {
                return Err("does not quote the --set argument".into());
            }
            Ok(())
        }
    }
}

/// Checks an error's shape; `Err` says what is wrong with it.
fn check_error(err: &ScenarioError, input: &Input) -> Result<(), String> {
    let rendered = err.to_string();
    if rendered.trim().is_empty() {
        return Err("empty message".into());
    }
    match err {
        ScenarioError::Io { path, message } => {
            if path != &input.path || message.is_empty() {
                return Err("I/O error without the file or a reason".into());
            }
        }
        ScenarioError::Invalid { origin, key, message } => {
            if message.trim().is_empty() {
                return Err("no message".into());
            }
            check_origin(origin, key, input, &rendered)?;
            let head = if key.is_empty() {
                format!("{origin}: ")
            } else {
                format!("{origin}: {key}: ")
            };
            if !rendered.starts_with(&head) {
                return Err(format!("does not start with {head:?}"));
            }
            if key.is_empty() && matches!(origin, Origin::File { .. }) && !message.starts_with("invalid ") {
                return Err("a file error without a key that is not a syntax error".into());
            }
        }
        ScenarioError::Trace { trace, key, origin } => {
            if key != "workload.path" && key != "workload.order" {
                return Err(format!("trace error blamed on {key}"));
            }
            check_origin(origin, key, input, &rendered)?;
            if !rendered.starts_with(&trace.path.display().to_string()) {
                return Err("does not start with the trace file".into());
            }
            if !rendered.ends_with(&format!("\n  (from {key} at {origin})")) {
                return Err("does not name the scenario key".into());
            }
        }
    }
    Ok(())
}

/// Checks a scenario that loaded; `run` also simulates it when it is small.
fn check_scenario(s: &Scenario, run: bool) -> Result<Outcome, String> {
    let n_hosts = s.spec.hosts.len();
    let n_vms = s.spec.vms.len();
    if n_hosts == 0 || n_vms == 0 || s.spec.traces.is_empty() {
        return Err(format!(
            "loaded with {n_hosts} hosts, {n_vms} VMs, {} traces",
            s.spec.traces.len()
        ));
    }
    let c = &s.config;
    if !(c.duration_s.is_finite() && c.duration_s > 0.0 && c.scheduling_interval_s > 0.0) {
        return Err(format!(
            "loaded with duration {} / interval {}",
            c.duration_s, c.scheduling_interval_s
        ));
    }
    let steps = c.duration_s / c.scheduling_interval_s;
    // Small enough to build and run within the deadline in a debug build.
    if n_hosts + n_vms > 5_000 || steps > 2_000.0 {
        return Ok("ok (large)".into());
    }
    let sim = s
        .simulation()
        .map_err(|e| format!("loaded, but Scenario::simulation failed: {e}"))?;
    if run && n_hosts * (steps as usize + 1) <= run_cost() {
        match sim.run() {
            Ok(r) => {
                if !(r.summary.energy.energy_kwh.is_finite() && r.summary.energy.energy_kwh >= 0.0) {
                    return Err(format!("energy {} kWh", r.summary.energy.energy_kwh));
                }
                // No result may overflow (NaN is fine: the mean of nothing).
                let summary = format!("{:?}", r.summary);
                if summary.contains(": inf") || summary.contains(": -inf") {
                    return Err(format!("infinite result: {summary}"));
                }
                return Ok("ok (ran)".into());
            }
            Err(e) => return Ok(format!("ok (run error: {})", first_word(&e.to_string()))),
        }
    }
    Ok("ok".into())
}

fn first_word(s: &str) -> &str {
    s.split([' ', ':']).next().unwrap_or("")
}

/// Loads `input` guarded and checks the outcome.
fn check(input: &Input, run: bool) -> Result<Outcome, String> {
    let owned = input.clone();
    let started = Instant::now();
    let verdict = guarded(move || {
        let loaded = cirrus_scenario::load_str(&owned.text, &owned.path, &owned.overrides);
        match loaded {
            Ok(s) => check_scenario(&s, run),
            Err(e) => check_error(&e, &owned)
                .map(|()| format!("error: {}", e.key().unwrap_or("")))
                .map_err(|why| format!("bad error ({why}): {e}")),
        }
    });
    let elapsed = started.elapsed();
    match verdict {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(why)) | Err(why) => Err(format!("{why} [after {elapsed:?}]")),
    }
}

// ------------------------------------------------------------------ bookkeeping

/// Counts outcomes and keeps the failing inputs of one target.
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

    fn record(&mut self, seed: u64, input: &Input, result: Result<Outcome, String>) {
        self.tried += 1;
        match result {
            Ok(outcome) => {
                let class = if let Some(key) = outcome.strip_prefix("error: ") {
                    // Group errors by their top-level key; unknown keys together.
                    let top = key.split(['.', '[']).next().unwrap_or("");
                    match top {
                        "" => "error: syntax (no key)".to_string(),
                        _ if KEYS.contains(&top) => format!("error: {top}"),
                        _ => "error: (an unknown key)".to_string(),
                    }
                } else {
                    outcome
                };
                *self.outcomes.entry(class).or_default() += 1;
            }
            Err(why) => {
                let saved = save_failure(self.target, seed, input);
                self.failures
                    .push(format!("case seed {seed:#018x}: {why}\n  input saved to {saved}"));
            }
        }
    }

    /// Prints the statistics and fails the test if any input failed.
    fn finish(self) {
        eprintln!(
            "\n[fuzz] {}: {} inputs in {:.1?}, no panic, hang or misplaced error: {}",
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

    /// Gives up early after many failures (a long campaign hitting one bug repeatedly).
    fn enough(&self) -> bool {
        self.failures.len() >= 20
    }
}

/// Writes a failing input in the corpus format; returns where.
fn save_failure(target: &str, seed: u64, input: &Input) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{target}-{seed:016x}.toml"));
    let mut text = String::new();
    for ov in &input.overrides {
        let _ = writeln!(text, "# set: {ov}");
    }
    if input.path.starts_with(mini_tree()) {
        text.push_str("# as: mini\n");
    }
    text.push_str(&input.text);
    match std::fs::write(&file, text) {
        Ok(()) => file.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

// ------------------------------------------------------------------ inputs

/// The shipped scenarios: (file name, text).
fn shipped() -> &'static [(String, String)] {
    static SHIPPED: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let dir = Path::new(REPO).join("scenarios");
        let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("scenarios/")
            .filter_map(|e| {
                let p = e.ok()?.path();
                (p.extension()? == "toml").then(|| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(&p).unwrap())
                })
            })
            .collect();
        out.sort();
        assert!(
            out.len() >= 3,
            "expected the shipped scenarios in {}",
            dir.display()
        );
        out
    })
}

/// A copy of the repository's layout small enough to load in a millisecond:
/// `scenarios/` (empty; inputs are said to be there) and `traces/planetlab/20110303` with
/// eight short traces and CloudSim's order file for them. Mutated PlanetLab scenarios
/// load against it, so their `../traces/...` paths resolve without reading 1052 files.
fn mini_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-mini-tree");
        let day = root.join("traces/planetlab/20110303");
        let order_dir = root.join("traces/planetlab/cloudsim_listfiles_order");
        std::fs::create_dir_all(&day).unwrap();
        std::fs::create_dir_all(&order_dir).unwrap();
        std::fs::create_dir_all(root.join("scenarios")).unwrap();
        let traces: [(&str, &str); 8] = [
            ("a_node_1", "10\n20\n30\n"),
            ("b node 2", "0\n0\n5\n"),
            ("c_idle", "0\n"),
            ("d_full", "100\n100\n100\n100\n"),
            ("e_crlf", "7\r\n8\r\n9\r\n"),
            ("f_long", &"55\n".repeat(400)),
            ("g_zero_end", "50\n0\n"),
            ("h_one", "1\n"),
        ];
        let mut order = String::new();
        for (i, (name, body)) in traces.iter().enumerate() {
            std::fs::write(day.join(name), body).unwrap();
            let _ = writeln!(order, "{i}\t{name}");
        }
        std::fs::write(order_dir.join("20110303.txt"), order).unwrap();
        root
    })
}

/// A small valid synthetic scenario with every optional section, for overrides and
/// synthetic parameters.
const SMALL: &str = r#"[simulation]
name = "fuzz"
duration_s = 3600.0
scheduling_interval_s = 300.0
step_offset_s = 0.1
seed = 7

[energy]
off_rule = "zero-utilization"
switch = { chassis_w = 66.7, port_w = 1.0 }
cooling = { pue = 1.5 }

[[host_types]]
name = "g4"
mips_per_core = 1860
cores = 2
ram_mb = 4096
bw_mbps = 1000
power = { model = "spec-hp-ml110-g4" }

[[host_types]]
name = "lin"
mips_per_core = 2660
cores = 4
ram_mb = 8192
bw_mbps = 1000
power = { model = "linear", max_w = 250.0, static_fraction = 0.7 }
off_w = 5.0

[hosts]
count = 10
types = ["g4", "lin"]
hosts_per_rack = 3

[[vm_types]]
name = "small"
mips = 1000
ram_mb = 613

[[vm_types]]
name = "big"
mips = 2500
cores = 2
ram_mb = 1740
bw_mbps = 100

[vms]
count = 8
assign = "round-robin"

[workload]
format = "synthetic"
distribution = { kind = "beta", alpha = 2.0, beta = 5.0 }

[placement]
policy = "pabfd"
admission_threshold = 1.0

[consolidation]
detector = { name = "lr", safety = 1.2 }
selection = { name = "mmt" }
migration = { name = "cloudsim", bandwidth_share = 0.5 }

[output]
intervals = false
"#;

fn small_path() -> PathBuf {
    mini_tree().join("scenarios/small.toml")
}

// ------------------------------------------------------------------ targets

#[test]
fn small_base_loads_and_runs() {
    let input = Input {
        text: SMALL.into(),
        path: small_path(),
        overrides: vec![],
    };
    assert_eq!(check(&input, true).unwrap(), "ok (ran)");
    for (name, text) in shipped() {
        let input = Input {
            text: text.clone(),
            path: mini_tree().join("scenarios").join(name),
            overrides: vec![],
        };
        let outcome = check(&input, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(outcome.starts_with("ok"), "{name}: {outcome}");
    }
}

/// Replays `tests/corpus/scenario/`: `*.toml` files may start with directives
/// `# set: KEY=VALUE` (a `--set` argument), `# as: mini` (load as if in the mini tree's
/// `scenarios/`, so `../traces/planetlab/20110303` resolves) and `# expect: ok` or
/// `# expect: error: TEXT` (the rendered error contains TEXT); other files are read with
/// [`cirrus_scenario::load`] as bytes (non-UTF-8, oversized).
#[test]
fn corpus_replays() {
    let mut campaign = Campaign::new("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("tests/corpus/scenario")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "corpus went missing: {} files", files.len());
    let mut mismatches = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if file.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut input = Input {
                text: text.clone(),
                path: file.clone(),
                overrides: vec![],
            };
            let mut expect = None;
            for line in text.lines() {
                if let Some(ov) = line.strip_prefix("# set: ") {
                    input.overrides.push(ov.to_string());
                } else if line == "# as: mini" {
                    input.path = mini_tree().join("scenarios").join(&name);
                } else if let Some(e) = line.strip_prefix("# expect: ") {
                    expect = Some(e.to_string());
                } else {
                    break;
                }
            }
            let result = check(&input, true);
            if let (Ok(outcome), Some(expect)) = (&result, &expect) {
                let got = cirrus_scenario::load_str(&input.text, &input.path, &input.overrides);
                let matches = match (expect.strip_prefix("error: "), &got) {
                    (None, Ok(_)) => expect == "ok",
                    (Some(want), Err(e)) => e.to_string().contains(want),
                    _ => false,
                };
                if !matches {
                    mismatches.push(format!(
                        "{name}: expected {expect:?}, got {outcome}: {:?}",
                        got.err().map(|e| e.to_string())
                    ));
                }
            }
            campaign.record(0, &input, result);
        } else {
            // Bytes: through `load`, which reads the file itself.
            let bytes = std::fs::read(&file).unwrap();
            let input = Input {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                path: file.clone(),
                overrides: vec![],
            };
            let path = file.clone();
            let result = guarded(move || match cirrus_scenario::load(&path, &[]) {
                Ok(_) => Ok("ok".to_string()),
                Err(e) => match &e {
                    ScenarioError::Io { path: p, .. } if *p == path => Ok("error: io".into()),
                    ScenarioError::Invalid {
                        origin: Origin::File { path: p, line, .. },
                        ..
                    } if *p == path && *line >= 1 => Ok("error: utf-8".into()),
                    _ => Err(format!("bad error: {e}")),
                },
            })
            .and_then(|r| r);
            campaign.record(0, &input, result);
        }
    }
    assert!(
        mismatches.is_empty(),
        "corpus expectations:\n{}",
        mismatches.join("\n")
    );
    campaign.finish();
}

#[test]
fn seeded_mutations() {
    let mut campaign = Campaign::new("mutations");
    let base = base_seed();
    let paths: Vec<Vec<KeyPath>> = shipped().iter().map(|(_, t)| key_paths(t)).collect();
    for case in 0..cases(120) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng::new(seed);
        let which = rng.below(shipped().len());
        let (name, text) = &shipped()[which];
        let mut input = Input {
            text: text.clone(),
            // One case in 100 reads the real traces (1052 files), the rest the mini tree.
            path: if rng.chance(0.01) {
                Path::new(REPO).join("scenarios").join(name)
            } else {
                mini_tree().join("scenarios").join(name)
            },
            overrides: vec![],
        };
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut input.text, &mut input.overrides, &paths[which]);
        }
        let result = check(&input, true);
        campaign.record(seed, &input, result);
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

#[test]
fn seeded_text() {
    let mut campaign = Campaign::new("text");
    let base = base_seed();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bytes.toml");
    for case in 0..cases(800) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng::new(seed);
        let len = if rng.chance(0.02) {
            rng.below(64 << 10)
        } else {
            rng.below(400)
        };
        let bytes: Vec<u8> = match rng.below(3) {
            0 => (0..len).map(|_| rng.next_u64() as u8).collect(),
            1 => {
                // Token soup: pieces of TOML in random order.
                let mut s = String::new();
                while s.len() < len {
                    match rng.below(6) {
                        0 => s.push_str(&rand_key(&mut rng)),
                        1 => s.push_str(" = "),
                        2 => s.push('\n'),
                        3 => s.push_str(&rand_value(&mut rng, 2)),
                        4 => s.push_str(rng.pick::<&str>(GARBAGE)),
                        _ => {
                            let _ = write!(s, "\n[{}]\n", rand_key(&mut rng));
                        }
                    }
                }
                s.into_bytes()
            }
            _ => {
                // A shipped scenario with random bytes written over a stretch of it.
                let (_, text) = rng.pick(shipped());
                let mut b = text.clone().into_bytes();
                let at = rng.below(b.len());
                for k in 0..1 + rng.below(8) {
                    if let Some(x) = b.get_mut(at + k) {
                        *x = rng.next_u64() as u8;
                    }
                }
                b
            }
        };
        match String::from_utf8(bytes) {
            Ok(text) => {
                let input = Input {
                    text,
                    path: mini_tree().join("scenarios/soup.toml"),
                    overrides: vec![],
                };
                let result = check(&input, false);
                campaign.record(seed, &input, result);
            }
            Err(e) => {
                // Not UTF-8: only `load` can see it; it must point at the first bad byte.
                let bytes = e.into_bytes();
                std::fs::write(&file, &bytes).unwrap();
                let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
                let path = file.clone();
                let result = guarded(move || match cirrus_scenario::load(&path, &[]) {
                    Err(ScenarioError::Invalid {
                        origin: Origin::File { path: p, line: l, .. },
                        key,
                        ..
                    }) if p == path && l == line && key.is_empty() => Ok("error: utf-8".to_string()),
                    other => Err(format!("expected invalid UTF-8 at line {line}, got {other:?}")),
                })
                .and_then(|r| r);
                let input = Input {
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    path: file.clone(),
                    overrides: vec![],
                };
                campaign.record(seed, &input, result);
            }
        }
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

#[test]
fn seeded_overrides() {
    let mut campaign = Campaign::new("overrides");
    let base = base_seed();
    let small_paths = key_paths(SMALL);
    for case in 0..cases(200) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng::new(seed);
        let mut input = Input {
            text: SMALL.into(),
            path: small_path(),
            overrides: vec![],
        };
        for _ in 0..1 + rng.below(4) {
            input.overrides.push(rand_override(&mut rng, &small_paths));
        }
        let result = check(&input, true);
        campaign.record(seed, &input, result);
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

/// Distribution kinds and the parameters each takes (and some that none takes).
const DISTRIBUTIONS: &[(&str, &[&str])] = &[
    ("constant", &["value"]),
    ("uniform", &["low", "high"]),
    ("normal", &["mean", "std_dev"]),
    ("beta", &["alpha", "beta"]),
    (
        "diurnal",
        &["peak_hour", "base", "amplitude", "noise", "phase_spread_h"],
    ),
    ("poisson", &["lambda"]),
];

/// A `--set` key and a generator of values for it.
type Knob = (&'static str, fn(&mut Rng) -> String);

#[test]
fn seeded_synthetic() {
    let mut campaign = Campaign::new("synthetic");
    let base = base_seed();
    for case in 0..cases(250) {
        let seed = case_seed(base, campaign.target, case);
        let mut rng = Rng::new(seed);
        let (kind, params) = *rng.pick(DISTRIBUTIONS);
        let mut dist = vec![format!("kind = \"{kind}\"")];
        for p in params {
            if rng.chance(0.9) {
                // Mostly plausible numbers, so that many distributions are valid.
                let v = if rng.chance(0.6) {
                    format!(
                        "{:?}",
                        (rng.below(1001) as f64) / 1000.0 * [1.0, 2.0, 24.0][rng.below(3)]
                    )
                } else {
                    rand_value(&mut rng, 1)
                };
                dist.push(format!("{p} = {v}"));
            }
        }
        if rng.chance(0.05) {
            dist.push(format!("{} = 1", rand_key(&mut rng)));
        }
        let mut overrides = vec![format!("workload.distribution={{ {} }}", dist.join(", "))];
        let knobs: [Knob; 5] = [
            ("workload.interval_s", |r| {
                r.pick(&[
                    "1e-300", "1", "60", "300", "7200", "1e300", "-5", "nan", "inf", "0",
                ])
                .to_string()
            }),
            ("simulation.duration_s", |r| {
                r.pick(&["1", "600", "3600", "86400", "1e7", "1e300", "-1", "nan"])
                    .to_string()
            }),
            ("simulation.scheduling_interval_s", |r| {
                r.pick(&["0.5", "30", "300", "3600", "1e-300", "0", "inf"])
                    .to_string()
            }),
            ("vms.count", |r| {
                r.pick(&["1", "2", "8", "40", "10000001", "0", "-1", "1.5"])
                    .to_string()
            }),
            ("simulation.seed", |r| format!("{}", r.next_u64() >> 1)),
        ];
        for (key, make) in knobs {
            if rng.chance(0.3) {
                overrides.push(format!("{key}={}", make(&mut rng)));
            }
        }
        let input = Input {
            text: SMALL.into(),
            path: small_path(),
            overrides,
        };
        let owned = input.clone();
        let result = guarded(move || synthetic_case(&owned)).and_then(|r| r);
        campaign.record(seed, &input, result);
        if campaign.enough() {
            break;
        }
    }
    campaign.finish();
}

/// Loads a synthetic scenario, checks the generated traces against the parameters that
/// produced them, and runs it when small.
fn synthetic_case(input: &Input) -> Result<Outcome, String> {
    let s = match cirrus_scenario::load_str(&input.text, &input.path, &input.overrides) {
        Ok(s) => s,
        Err(e) => {
            return check_error(&e, input)
                .map(|()| format!("error: {}", e.key().unwrap_or("")))
                .map_err(|why| format!("bad error ({why}): {e}"));
        }
    };
    let cirrus_scenario::schema::WorkloadSection::Synthetic(w) = &s.file.workload else {
        return Err("a synthetic scenario loaded with another format".into());
    };
    let interval = w.interval_s.unwrap_or(s.config.scheduling_interval_s);
    let samples = (s.config.duration_s / interval).ceil() as usize + 1;
    if s.spec.traces.len() != s.spec.vms.len() {
        return Err(format!(
            "{} traces for {} VMs",
            s.spec.traces.len(),
            s.spec.vms.len()
        ));
    }
    for t in &s.spec.traces {
        if t.samples().len() != samples || t.interval_s() != interval {
            return Err(format!(
                "trace {} has {} samples every {} s, expected {samples} every {interval} s",
                t.name(),
                t.samples().len(),
                t.interval_s()
            ));
        }
        if let Some(x) = t.samples().iter().find(|x| !(0.0..=1.0).contains(*x)) {
            return Err(format!("trace {} has sample {x}", t.name()));
        }
    }
    let dist = w.distribution.as_ref().ok_or("no distribution")?;
    if dist.get("kind").and_then(toml::Value::as_str) == Some("constant") {
        let value = dist
            .get("value")
            .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
        if let Some(v) = value
            && s.spec.traces.iter().any(|t| t.samples().iter().any(|&x| x != v))
        {
            return Err(format!("constant {v} generated other values"));
        }
    }
    check_scenario(&s, true)
}

// ------------------------------------------------------------------ proptest

fn proptest_cases(ci: u32) -> u32 {
    u32::try_from(cases(u64::from(ci))).unwrap_or(u32::MAX)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(32),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The seeded mutations driven by proptest's seeds, which shrink: a failure comes back
    /// as the fewest, simplest mutations that still fail.
    #[test]
    fn proptest_mutations(which in 0usize..64, seeds in proptest::collection::vec(any::<u64>(), 1..5)) {
        let all = shipped();
        let (name, text) = &all[which % all.len()];
        let paths = key_paths(text);
        let mut input = Input {
            text: text.clone(),
            path: mini_tree().join("scenarios").join(name),
            overrides: vec![],
        };
        for seed in seeds {
            mutate(&mut Rng::new(seed), &mut input.text, &mut input.overrides, &paths);
        }
        let result = check(&input, false);
        prop_assert!(result.is_ok(), "{:?}\ninput: {:?}", result, input);
    }

    #[test]
    fn proptest_overrides(
        args in proptest::collection::vec("[a-z_\\[\\]0-9. =\"{}-]{0,40}", 1..4),
    ) {
        let input = Input { text: SMALL.into(), path: small_path(), overrides: args };
        let result = check(&input, false);
        prop_assert!(result.is_ok(), "{:?}\ninput: {:?}", result, input);
    }
}
