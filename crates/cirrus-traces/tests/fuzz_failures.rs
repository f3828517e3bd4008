//! Fuzzing the failure-trace reader: arbitrary text and mutated valid traces
//! never panic, every rejection names the file and a line of the input, and
//! every accepted trace is well-formed (hosts exist, each failure ends after
//! it starts, one host's failures do not overlap).
//!
//! `cargo test` runs a few thousand inputs; a long campaign:
//! `CIRRUS_FUZZ_CASES=1000000 cargo test -p cirrus-traces --test fuzz_failures`.

use std::path::Path;

use cirrus_traces::parse_failure_trace;
use proptest::prelude::*;

const HOSTS: usize = 5;

fn cases(ci: u32) -> u32 {
    std::env::var("CIRRUS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci)
}

/// Checks one input against the reader's contract.
fn check(text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count();
    match parse_failure_trace(Path::new("f.csv"), text, HOSTS) {
        Ok(failures) => {
            for f in &failures {
                prop_assert!(f.host.index() < HOSTS);
                prop_assert!(f.down_s.is_finite() && f.up_s.is_finite() && f.down_s < f.up_s);
                prop_assert!(0.0 <= f.warning_s && f.warning_s <= f.down_s);
            }
            for a in &failures {
                for b in &failures {
                    if std::ptr::eq(a, b) || a.host != b.host {
                        continue;
                    }
                    let (first, second) = if a.down_s <= b.down_s { (a, b) } else { (b, a) };
                    prop_assert!(
                        second.warning_s >= first.up_s,
                        "overlap accepted: {first:?} {second:?}"
                    );
                }
            }
        }
        Err(e) => {
            prop_assert!(e.to_string().starts_with("f.csv"), "{e}");
            if let Some(line) = e.line {
                prop_assert!(line >= 1 && line <= lines.max(1), "line {line} of {lines}: {e}");
            }
        }
    }
    Ok(())
}

/// One plausible row, sometimes broken.
fn row() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("0".to_string()),
            Just("4".to_string()),
            Just("7".into()),
            "[0-9x-]{0,3}"
        ],
        prop_oneof![
            Just("10".to_string()),
            Just("1e3".into()),
            Just("NaN".into()),
            Just("-1".into()),
            "[0-9.e+-]{0,6}"
        ],
        prop_oneof![
            Just("20".to_string()),
            Just("inf".into()),
            Just("5".into()),
            "[0-9.]{0,6}"
        ],
        prop_oneof![Just("crash"), Just("degraded"), Just("Crash"), Just("")],
        prop_oneof![Just(""), Just("5"), Just("-3"), Just("1e400"), Just("x")],
        0..4usize,
    )
        .prop_map(|(h, s, e, k, w, shape)| match shape {
            0 => format!("{h},{s},{e},{k},{w}"),
            1 => format!("{h},{s},{e},{k}"),
            2 => format!(" {h} , {s} ,{e},{k},{w},extra"),
            _ => format!("{h};{s};{e};{k}"),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,300}") {
        check(&text)?;
    }

    #[test]
    fn mutated_traces_never_panic(
        header in prop_oneof![
            Just("host,start_s,end_s,kind,warning_s"),
            Just("host,start_s,end_s,kind"),
            Just("host,start,end,kind"),
            Just(""),
        ],
        rows in proptest::collection::vec(row(), 0..12),
        comment in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let mut text = String::new();
        if comment {
            text.push_str("# failures\n\n");
        }
        text.push_str(header);
        for r in &rows {
            text.push('\n');
            text.push_str(r);
        }
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        check(&text)?;
    }
}
