//! Host failure traces: one failure per line, comma-separated, a header first.
//!
//! ```text
//! host,start_s,end_s,kind,warning_s
//! 3,3600,7200,crash,
//! 7,5000,9000,degraded,600
//! ```
//!
//! - `host`: host index, 0-based, in scenario order;
//! - `start_s` / `end_s`: when it goes down and when it is back, seconds
//!   (`start_s < end_s`);
//! - `kind`: `crash` (unannounced) or `degraded` (announced `warning_s`
//!   seconds before `start_s`; the warning column is then required, and it
//!   may be omitted from the whole file if every row is a crash).
//!
//! Blank lines and lines starting with `#` are skipped. Rows may come in any
//! order; one host's failures must not overlap (a warning counts from the
//! announcement). Every problem names the file and 1-based line.

use std::path::Path;

use cirrus::datacenter::HostId;
use cirrus::failures::{FailureKind, HostFailure};

use crate::TraceFileError;
use crate::planetlab::read_bounded;

/// Largest failure trace read, 64 MiB (about a million failures).
pub const MAX_FAILURE_TRACE_BYTES: u64 = 64 << 20;

/// Reads the failure trace at `path` for a datacenter of `hosts` hosts.
pub fn read_failure_trace(path: &Path, hosts: usize) -> Result<Vec<HostFailure>, TraceFileError> {
    let mut buf = Vec::new();
    read_bounded(path, MAX_FAILURE_TRACE_BYTES, "failure trace", &mut buf)?;
    let text = std::str::from_utf8(&buf).map_err(|e| {
        let line = buf[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        TraceFileError::at_line(path, line, "invalid UTF-8: a failure trace is text")
    })?;
    parse_failure_trace(path, text, hosts)
}

/// Parses failure-trace text (see the module docs); `path` is for messages.
pub fn parse_failure_trace(
    path: &Path,
    text: &str,
    hosts: usize,
) -> Result<Vec<HostFailure>, TraceFileError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(TraceFileError::new(
            path,
            "empty failure trace: expected the header host,start_s,end_s,kind[,warning_s]",
        ));
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let with_warning = match columns.as_slice() {
        ["host", "start_s", "end_s", "kind"] => false,
        ["host", "start_s", "end_s", "kind", "warning_s"] => true,
        _ => {
            return Err(TraceFileError::at_line(
                path,
                header_line,
                format!("expected the header host,start_s,end_s,kind[,warning_s], found \"{header}\""),
            ));
        }
    };
    let mut out: Vec<(usize, HostFailure)> = Vec::new();
    for (line, row) in lines {
        let at = |message: String| TraceFileError::at_line(path, line, message);
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != columns.len() {
            return Err(at(format!(
                "expected {} comma-separated fields ({}), found {}",
                columns.len(),
                columns.join(","),
                fields.len()
            )));
        }
        let host: usize = fields[0]
            .parse()
            .map_err(|_| at(format!("host: expected a host index, found \"{}\"", fields[0])))?;
        if host >= hosts {
            return Err(at(format!(
                "host: {host} does not exist, the datacenter has {hosts} hosts (0-based)"
            )));
        }
        let time = |name: &str, s: &str| -> Result<f64, TraceFileError> {
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(at(format!(
                    "{name}: expected a time in seconds >= 0, found \"{s}\""
                ))),
            }
        };
        let down_s = time("start_s", fields[1])?;
        let up_s = time("end_s", fields[2])?;
        if up_s <= down_s {
            return Err(at(format!("end_s ({up_s}) must be after start_s ({down_s})")));
        }
        let kind = match fields[3] {
            "crash" => FailureKind::Crash,
            "degraded" => FailureKind::Degraded,
            other => return Err(at(format!("kind: expected crash or degraded, found \"{other}\""))),
        };
        let warning_s = match (kind, with_warning.then(|| fields[4])) {
            (FailureKind::Crash, None | Some("")) => 0.0,
            (FailureKind::Crash, Some(w)) => time("warning_s", w)?,
            (FailureKind::Degraded, None | Some("")) => {
                return Err(at("warning_s: a degraded failure needs its warning time".into()));
            }
            (FailureKind::Degraded, Some(w)) => time("warning_s", w)?,
        };
        if kind == FailureKind::Crash && warning_s != 0.0 {
            return Err(at(
                "warning_s: a crash comes without warning (leave it empty)".into()
            ));
        }
        out.push((
            line,
            HostFailure {
                host: HostId(host as u32),
                warning_s: (down_s - warning_s).max(0.0),
                down_s,
                up_s,
                kind,
            },
        ));
    }
    // One host's failures must not overlap.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&out[a].1, &out[b].1);
        fa.host.cmp(&fb.host).then(fa.down_s.total_cmp(&fb.down_s))
    });
    for w in order.windows(2) {
        let ((_, a), (line, b)) = (&out[w[0]], &out[w[1]]);
        if a.host == b.host && b.warning_s < a.up_s {
            return Err(TraceFileError::at_line(
                path,
                *line,
                format!(
                    "host {} fails (or is announced failing) at {} s, before its failure from {} s ends at {} s",
                    b.host.0, b.warning_s, a.down_s, a.up_s
                ),
            ));
        }
    }
    Ok(out.into_iter().map(|(_, f)| f).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<HostFailure>, TraceFileError> {
        parse_failure_trace(Path::new("f.csv"), text, 4)
    }

    #[test]
    fn reads_crashes_and_degraded_failures() {
        let f = parse("# a comment\nhost,start_s,end_s,kind,warning_s\n3,3600,7200,crash,\n\n1,5000,9000,degraded,600\n")
            .unwrap();
        assert_eq!(
            f,
            vec![
                HostFailure {
                    host: HostId(3),
                    warning_s: 3600.0,
                    down_s: 3600.0,
                    up_s: 7200.0,
                    kind: FailureKind::Crash
                },
                HostFailure {
                    host: HostId(1),
                    warning_s: 4400.0,
                    down_s: 5000.0,
                    up_s: 9000.0,
                    kind: FailureKind::Degraded
                },
            ]
        );
        assert_eq!(parse("host,start_s,end_s,kind\n0,1,2,crash\n").unwrap().len(), 1);
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, line, needle) in [
            ("", None, "empty failure trace"),
            ("host,start,end\n", Some(1), "expected the header"),
            (
                "host,start_s,end_s,kind\n0,1,2\n",
                Some(2),
                "expected 4 comma-separated fields",
            ),
            (
                "host,start_s,end_s,kind\nx,1,2,crash\n",
                Some(2),
                "host: expected a host index",
            ),
            (
                "host,start_s,end_s,kind\n9,1,2,crash\n",
                Some(2),
                "9 does not exist",
            ),
            (
                "host,start_s,end_s,kind\n0,NaN,2,crash\n",
                Some(2),
                "start_s: expected a time",
            ),
            ("host,start_s,end_s,kind\n0,-1,2,crash\n", Some(2), "start_s"),
            (
                "host,start_s,end_s,kind\n0,1,inf,crash\n",
                Some(2),
                "end_s: expected a time",
            ),
            (
                "host,start_s,end_s,kind\n0,5,2,crash\n",
                Some(2),
                "must be after start_s",
            ),
            (
                "host,start_s,end_s,kind\n0,1,2,melted\n",
                Some(2),
                "kind: expected crash or degraded",
            ),
            (
                "host,start_s,end_s,kind\n0,1,2,degraded\n",
                Some(2),
                "needs its warning time",
            ),
            (
                "host,start_s,end_s,kind,warning_s\n0,1,2,crash,5\n",
                Some(2),
                "without warning",
            ),
            (
                "host,start_s,end_s,kind\n0,10,20,crash\n\n0,15,30,crash\n",
                Some(4),
                "before its failure from 10 s ends at 20 s",
            ),
            (
                "host,start_s,end_s,kind,warning_s\n0,10,20,crash,\n0,25,30,degraded,10\n",
                Some(3),
                "announced failing) at 15 s",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().starts_with("f.csv"), "{e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn back_to_back_failures_are_fine() {
        assert_eq!(
            parse("host,start_s,end_s,kind\n0,10,20,crash\n0,20,30,crash\n")
                .unwrap()
                .len(),
            2
        );
    }
}
