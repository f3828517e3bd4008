//! Property tests: arbitrary bytes never make the PlanetLab reader panic, and
//! every error names the offending file.

use std::fs;

use cirrus_traces::{PlanetLabOptions, read_planetlab, read_planetlab_file};
use proptest::prelude::*;

/// Bytes that look a little like a trace (digits, signs, dots, whitespace) mixed
/// with arbitrary ones, so that both the happy path and every error path are hit.
fn trace_bytes() -> impl Strategy<Value = Vec<u8>> {
    let near_trace = prop::sample::select(b"0123456789+-. \t\r\n\n\n\xff".to_vec());
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(near_trace, 0..64),
    ]
}

proptest! {
    #[test]
    fn arbitrary_trace_bytes_never_panic(bytes in trace_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vm name");
        fs::write(&path, &bytes).unwrap();
        match read_planetlab_file(&path, &PlanetLabOptions::default()) {
            Ok(trace) => {
                prop_assert_eq!(trace.name(), "vm name");
                prop_assert!(!trace.samples().is_empty());
                prop_assert!(trace.samples().iter().all(|x| (0.0..=1.0).contains(x)));
            }
            Err(err) => {
                prop_assert_eq!(&err.path, &path);
                prop_assert!(err.to_string().contains("vm name"), "{}", err);
                if let Some(line) = err.line {
                    let lines = bytes.split(|&b| b == b'\n').count();
                    prop_assert!((1..=lines).contains(&line), "line {} of {}", line, lines);
                }
            }
        }
    }

    #[test]
    fn arbitrary_order_bytes_never_panic(bytes in trace_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("0"), b"1\n").unwrap();
        let order_dir = tempfile::tempdir().unwrap();
        let order = order_dir.path().join("order.txt");
        fs::write(&order, &bytes).unwrap();
        if let Err(err) = read_planetlab(dir.path(), Some(&order)) {
            prop_assert_eq!(&err.path, &order);
            prop_assert!(err.to_string().contains("order.txt"), "{}", err);
        }
    }
}
