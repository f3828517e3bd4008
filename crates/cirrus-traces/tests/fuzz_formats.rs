//! Property tests for the Azure, Google, Bitbrains and SWF readers: arbitrary
//! bytes, near-format bytes and mutated valid files (the fixtures of
//! `tests/data/`, with tokens inserted, bytes deleted or replaced, truncated)
//! never make a reader panic, read without bound or return nonsense. Every
//! result is either VMs that satisfy the `TracedVm` contract, or an error
//! naming one of the input files and, if it has a line, a line of that file.
//!
//! Bounded for CI (proptest's default 256 cases per test, tiny files, small
//! sample limits); a longer run: `PROPTEST_CASES=20000 cargo test -p
//! cirrus-traces --test fuzz_formats`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use cirrus_traces::{
    AzureOptions, BitbrainsOptions, GoogleCapacity, GoogleOptions, OverCapacity, SwfOptions, TraceFileError,
    TraceLimits, TracedVm, read_azure, read_bitbrains, read_google_task_usage, read_swf,
};
use common::files;
use proptest::prelude::*;
use proptest::sample::Index;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn fixture(rel: &str) -> Vec<u8> {
    fs::read(Path::new(DATA).join(rel)).unwrap()
}

/// Tokens that break formats in interesting ways.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b";\t",
    b"\n",
    b"\r",
    b"\r\n",
    b" ",
    b"\t",
    b"-",
    b"-1",
    b"0",
    b"1e308",
    b"1e-320",
    b"NaN",
    b"inf",
    b"-0",
    b"99999999999999999999999",
    b">",
    b">24",
    b"\"",
    b"\xff",
    b"\0",
    b"1.5",
    b"",
    b".",
    b"100.0001",
    b"E7",
    b"\xef\xbb\xbf",
    b"Timestamp",
];

/// One edit of a file.
#[derive(Debug, Clone)]
enum Edit {
    Insert(Index, &'static [u8]),
    Delete(Index),
    Replace(Index, u8),
    Truncate(Index),
    /// Repeats the line around the index (duplicates, long files).
    DuplicateLine(Index),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        4 => (any::<Index>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Edit::Insert(i, t)),
        2 => any::<Index>().prop_map(Edit::Delete),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
    ];
    prop::collection::vec(edit, 0..6)
}

fn apply(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for e in edits {
        let len = bytes.len();
        match e {
            Edit::Insert(i, t) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            Edit::Delete(i) if len > 0 => {
                bytes.remove(i.index(len));
            }
            Edit::Replace(i, b) if len > 0 => bytes[i.index(len)] = *b,
            Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Edit::DuplicateLine(i) if len > 0 => {
                let at = i.index(len);
                let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                let end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(len, |p| at + p + 1);
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
            _ => {}
        }
    }
    bytes
}

/// Arbitrary bytes, or bytes from a format's alphabet.
fn raw_bytes(alphabet: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..96),
        prop::collection::vec(prop::sample::select(alphabet), 0..96),
    ]
}

/// Small limits half of the time, so that every limit is hit somewhere.
fn limits() -> impl Strategy<Value = TraceLimits> {
    let small = (
        1usize..40,
        1usize..120,
        1usize..6,
        1usize..40,
        16u64..2000,
        0u64..2,
    )
        .prop_map(
            |(max_records, max_line_bytes, max_vms, max_samples_per_vm, max_file_bytes, max_sample_mb)| {
                TraceLimits {
                    max_files: 4,
                    max_file_bytes,
                    max_line_bytes,
                    max_records,
                    max_vms,
                    max_samples_per_vm,
                    max_sample_mb,
                    read_pipes: false,
                }
            },
        );
    let roomy = Just(TraceLimits {
        // Keeps a mutated timestamp from asking for a huge (if bounded) grid.
        max_samples_per_vm: 10_000,
        ..TraceLimits::default()
    });
    prop_oneof![roomy, small]
}

/// The contract of every read: sane VMs, or an error located in one of the
/// inputs.
/// `sorted`: the reader sorts VMs by arrival (all but Bitbrains, which keeps
/// file order).
fn check(
    result: Result<Vec<TracedVm>, TraceFileError>,
    inputs: &[(PathBuf, &[u8])],
    sorted: bool,
) -> Result<(), TestCaseError> {
    match result {
        Ok(vms) => {
            prop_assert!(!vms.is_empty());
            for v in &vms {
                prop_assert!(!v.name.is_empty());
                prop_assert!(v.arrival_s.is_finite(), "{:?}", v);
                if let Some(d) = v.departure_s {
                    prop_assert!(d.is_finite() && d >= v.arrival_s, "{:?}", v);
                }
                for t in std::iter::once(&v.utilization).chain(v.memory_utilization.as_ref()) {
                    prop_assert!(!t.samples().is_empty());
                    prop_assert!(t.samples().iter().all(|x| (0.0..=1.0).contains(x)), "{:?}", v);
                    prop_assert!(t.interval_s().is_finite() && t.interval_s() > 0.0);
                }
                prop_assert!(v.cores.is_none_or(|c| c >= 1));
                prop_assert!(v.mips_per_core.is_none_or(|m| m.is_finite() && m > 0.0));
                prop_assert!(v.ram_mb.is_none_or(|m| m.is_finite() && m >= 0.0));
            }
            if sorted {
                prop_assert!(vms.windows(2).all(|w| w[0].arrival_s <= w[1].arrival_s));
            }
        }
        Err(err) => {
            let Some((_, bytes)) = inputs.iter().find(|(p, _)| *p == err.path) else {
                return Err(TestCaseError::fail(format!("error names no input: {err}")));
            };
            prop_assert!(!err.message.is_empty());
            prop_assert!(err.to_string().starts_with(&err.path.display().to_string()));
            if let Some(line) = err.line {
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
                prop_assert!((1..=lines).contains(&line), "line {} of {}: {}", line, lines, err);
            }
        }
    }
    Ok(())
}

const CSV_ALPHABET: &[u8] = b"0123456789,.-+e>\n\n\r vmAB";
const BITBRAINS_ALPHABET: &[u8] = b"0123456789;\t.-eE\n\n\r ";
const SWF_ALPHABET: &[u8] = b"0123456789 -.;\n\n\t";

proptest! {
    #[test]
    fn azure_arbitrary_readings(bytes in raw_bytes(CSV_ALPHABET), limits in limits()) {
        let table = fixture("azure/vmtable.csv");
        let (_dir, paths) = files(&[("r.csv", &bytes), ("vmtable.csv", &table)]);
        let options = AzureOptions { limits, ..AzureOptions::default() };
        let result = read_azure(&paths[..1], None, &options);
        check(result, &[(paths[0].clone(), &bytes)], true)?;
    }

    #[test]
    fn azure_mutated_files(
        e1 in edits(), e2 in edits(), et in edits(), limits in limits(), clamp in any::<bool>(), table in any::<bool>(),
    ) {
        let r1 = apply(&fixture("azure/vm_cpu_readings-file-1-of-2.csv"), &e1);
        let r2 = apply(&fixture("azure/vm_cpu_readings-file-2-of-2.csv"), &e2);
        let t = apply(&fixture("azure/vmtable.csv"), &et);
        let (_dir, paths) = files(&[("r1.csv", &r1), ("r2.csv", &r2), ("vmtable.csv", &t)]);
        let options = AzureOptions {
            over_capacity: if clamp { OverCapacity::Clamp } else { OverCapacity::Error },
            limits,
            ..AzureOptions::default()
        };
        let result = read_azure(&paths[..2], table.then_some(paths[2].as_path()), &options);
        check(result, &[(paths[0].clone(), &r1), (paths[1].clone(), &r2), (paths[2].clone(), &t)], true)?;
    }

    #[test]
    fn google_arbitrary_bytes(bytes in raw_bytes(CSV_ALPHABET), limits in limits()) {
        let (_dir, paths) = files(&[("part-00000-of-00001.csv", &bytes)]);
        let options = GoogleOptions { limits, ..GoogleOptions::default() };
        check(read_google_task_usage(&paths, &options), &[(paths[0].clone(), &bytes)], true)?;
    }

    #[test]
    fn google_mutated_file(edits in edits(), limits in limits(), fixed in any::<bool>()) {
        let bytes = apply(&fixture("google/part-00000-of-00001.csv"), &edits);
        let (_dir, paths) = files(&[("part-00000-of-00001.csv", &bytes)]);
        let options = GoogleOptions {
            cpu_capacity: if fixed { GoogleCapacity::Fixed(0.1) } else { GoogleCapacity::PerTaskPeak },
            over_capacity: if fixed { OverCapacity::Clamp } else { OverCapacity::Error },
            limits,
            ..GoogleOptions::default()
        };
        check(read_google_task_usage(&paths, &options), &[(paths[0].clone(), &bytes)], true)?;
    }

    #[test]
    fn bitbrains_arbitrary_bytes(bytes in raw_bytes(BITBRAINS_ALPHABET), limits in limits(), header in any::<bool>()) {
        let (_dir, paths) = files(&[("1.csv", &bytes)]);
        let options = BitbrainsOptions { has_header: header, limits, ..BitbrainsOptions::default() };
        check(read_bitbrains(&paths, &options), &[(paths[0].clone(), &bytes)], false)?;
    }

    #[test]
    fn bitbrains_mutated_files(e1 in edits(), e2 in edits(), limits in limits()) {
        let one = apply(&fixture("bitbrains/1.csv"), &e1);
        let two = apply(&fixture("bitbrains/2.csv"), &e2);
        let (_dir, paths) = files(&[("1.csv", &one), ("2.csv", &two)]);
        let options = BitbrainsOptions { limits, ..BitbrainsOptions::default() };
        check(read_bitbrains(&paths, &options), &[(paths[0].clone(), &one), (paths[1].clone(), &two)], false)?;
    }

    #[test]
    fn swf_arbitrary_bytes(bytes in raw_bytes(SWF_ALPHABET), limits in limits()) {
        let (_dir, paths) = files(&[("log.swf", &bytes)]);
        let options = SwfOptions { limits, ..SwfOptions::default() };
        check(read_swf(&paths[0], &options), &[(paths[0].clone(), &bytes)], true)?;
    }

    #[test]
    fn swf_mutated_file(edits in edits(), limits in limits(), skip in any::<bool>()) {
        let bytes = apply(&fixture("swf/tiny.swf"), &edits);
        let (_dir, paths) = files(&[("log.swf", &bytes)]);
        let options = SwfOptions { skip_unrunnable: skip, limits, ..SwfOptions::default() };
        check(read_swf(&paths[0], &options), &[(paths[0].clone(), &bytes)], true)?;
    }
}
