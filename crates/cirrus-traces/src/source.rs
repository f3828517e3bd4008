//! Plumbing shared by the trace readers: opening a file (gzip-compressed or
//! not, told apart by its first bytes) under the [`TraceLimits`], streaming it
//! record by record with its 1-based line numbers, parsing fields with
//! located errors, and laying timestamped readings onto a fixed sample grid.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::TraceFileError;
use crate::report::LoadReport;
use crate::vm_trace::{Duplicates, Gaps, TraceLimits};

/// How many characters of an offending field an error message quotes, so
/// that a binary file does not produce a megabyte-long message.
pub(crate) const SHOWN_CHARS: usize = 40;

/// The first [`SHOWN_CHARS`] characters of `text`, quoted and escaped
/// (invalid UTF-8 shown as U+FFFD).
pub(crate) fn shown(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(SHOWN_CHARS).collect();
    let ellipsis = if chars.next().is_some() { "…" } else { "" };
    format!("{head:?}{ellipsis}")
}

// ------------------------------------------------------------------ gzip

/// The first two bytes of every gzip member (RFC 1952, ID1 and ID2).
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A failure inside the gzip stream (corrupt or truncated data), carried
/// through `io::Error` so that the message says so.
#[derive(Debug)]
struct GzipFailure(io::Error);

impl fmt::Display for GzipFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decompress the gzip data ({}); the .gz file is corrupt or truncated",
            self.0
        )
    }
}

impl std::error::Error for GzipFailure {}

/// An opened trace file: its bytes as stored, or decompressed on the fly
/// when the file starts with [`GZIP_MAGIC`] (whatever its name). Every
/// gzip member is read, as `gzip -d` does for concatenated files.
pub(crate) enum Input {
    /// Plain text.
    Plain(Peeked),
    /// A gzip file, decompressed while reading.
    Gzip(Box<MultiGzDecoder<BufReader<Peeked>>>),
}

/// A file whose first bytes were read to look for [`GZIP_MAGIC`], with
/// them put back in front: no seek, so that a pipe works too.
pub(crate) type Peeked = io::Chain<io::Take<io::Cursor<[u8; 2]>>, File>;

impl Input {
    /// Whether the file is gzip-compressed.
    pub(crate) fn is_gzip(&self) -> bool {
        matches!(self, Self::Gzip(_))
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(f) => f.read(buf),
            Self::Gzip(d) => d.read(buf).map_err(|e| io::Error::new(e.kind(), GzipFailure(e))),
        }
    }
}

/// Opens `path` as [`open_regular`] does and looks at its first two bytes:
/// a gzip file is decompressed while read. Returns the input and the file's
/// length on disk.
pub(crate) fn open_input(
    path: &Path,
    max_bytes: u64,
    pipes: bool,
    what: &str,
) -> Result<(Input, u64), TraceFileError> {
    let (mut file, len) = open_regular(path, max_bytes, pipes, what)?;
    let cannot = |e: io::Error| TraceFileError::io(path, &format!("cannot read {what}"), &e);
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
    let gzip = got == magic.len() && magic == GZIP_MAGIC;
    let peeked = io::Cursor::new(magic).take(got as u64).chain(file);
    let input = if gzip {
        Input::Gzip(Box::new(MultiGzDecoder::new(BufReader::new(peeked))))
    } else {
        Input::Plain(peeked)
    };
    Ok((input, len))
}

/// The error for `err`, met while reading all of `path` (`what` names it):
/// a gzip failure says so, any other I/O error is "cannot read …".
pub(crate) fn whole_read_error(path: &Path, what: &str, err: &io::Error) -> TraceFileError {
    match err.get_ref().and_then(|e| e.downcast_ref::<GzipFailure>()) {
        Some(gz) => TraceFileError::new(path, gz.to_string()),
        None => TraceFileError::io(path, &format!("cannot read {what}"), err),
    }
}

/// The name of a trace file without a final `.gz` (the name its data has).
pub(crate) fn strip_gz(name: &str) -> &str {
    name.strip_suffix(".gz").unwrap_or(name)
}

/// Whether `m` is a named pipe (never, where there are none).
fn is_fifo(m: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type())
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

// ------------------------------------------------------------------ bounded input

/// A limit hit while streaming a file, carried through `io::Error` back to
/// the reader as the final error.
#[derive(Debug)]
struct LimitHit(TraceFileError);

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LimitHit {}

/// A `Read` that enforces the file-size and line-length limits while the
/// (decompressed) bytes stream in, so that no buffer above it ever holds
/// more than one over-long line's worth. Bytes before the offending one are
/// delivered first; the error comes on the next read, so records before it
/// are parsed (and their own errors reported) in order.
pub(crate) struct BoundedRead<R> {
    inner: R,
    path: PathBuf,
    max_file_bytes: u64,
    max_line_bytes: u64,
    total: u64,
    line: usize,
    line_len: u64,
    pending: Option<TraceFileError>,
}

impl<R: Read> Read for BoundedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = self.pending.take() {
            return Err(io::Error::other(LimitHit(err)));
        }
        let n = self.inner.read(buf)?;
        // The bytes that fit in the file-size limit; the first one beyond it
        // is the error, unless a line before it is too long.
        let room = self.max_file_bytes.saturating_sub(self.total);
        let scan = usize::try_from(room).map_or(n, |r| r.min(n));
        let mut hit: Option<(usize, TraceFileError)> = None;
        let mut start = 0;
        // Line by line (memchr finds the ends): the byte that makes a line
        // longer than the limit is the error.
        loop {
            let end = memchr::memchr(b'\n', &buf[start..scan]).map_or(scan, |p| start + p);
            let len = (end - start) as u64;
            if self.line_len.saturating_add(len) > self.max_line_bytes {
                let at = start + usize::try_from(self.max_line_bytes - self.line_len).unwrap_or(usize::MAX);
                hit = Some((
                    at,
                    TraceFileError::at_line(
                        &self.path,
                        self.line,
                        format!(
                            "line is longer than the limit of {} bytes (max_line_bytes); is this the right file?",
                            self.max_line_bytes
                        ),
                    ),
                ));
                break;
            }
            self.line_len += len;
            if end == scan {
                break;
            }
            self.line += 1;
            self.line_len = 0;
            start = end + 1;
        }
        if hit.is_none() && scan < n {
            hit = Some((
                scan,
                TraceFileError::new(
                    &self.path,
                    format!(
                        "file is larger than the limit of {} bytes (max_file_bytes)",
                        self.max_file_bytes
                    ),
                ),
            ));
        }
        match hit {
            None => {
                self.total += n as u64;
                Ok(n)
            }
            Some((at, err)) => {
                self.total += at as u64;
                if at == 0 {
                    return Err(io::Error::other(LimitHit(err)));
                }
                self.pending = Some(err);
                Ok(at)
            }
        }
    }
}

/// Opens `path`, which must be a regular file of at most `max_bytes` bytes
/// (by its metadata), or a named pipe when `pipes` is set
/// ([`TraceLimits::read_pipes`]), and returns it with its length (0 for a
/// pipe); `what` names it in messages ("trace file").
pub(crate) fn open_regular(
    path: &Path,
    max_bytes: u64,
    pipes: bool,
    what: &str,
) -> Result<(File, u64), TraceFileError> {
    // Only regular files: opening a FIFO (or `/dev/stdin`) would block
    // forever unless asked for, and a device such as `/dev/zero` is no trace.
    if let Ok(m) = fs::metadata(path)
        && !(m.is_file() || (pipes && is_fifo(&m)))
    {
        return Err(TraceFileError::new(path, format!("{what} is not a regular file")));
    }
    let file = File::open(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => TraceFileError::new(path, format!("{what} not found")),
        _ => TraceFileError::io(path, &format!("cannot open {what}"), &e),
    })?;
    let len = file
        .metadata()
        .map_err(|e| TraceFileError::io(path, &format!("cannot read {what}"), &e))?
        .len();
    if len > max_bytes {
        return Err(TraceFileError::new(
            path,
            format!("{what} has {len} bytes, more than the limit of {max_bytes} (max_file_bytes)"),
        ));
    }
    Ok((file, len))
}

/// Opens `path` (a regular file no larger than `limits.max_file_bytes`) for
/// streaming under the limits; `what` names it in messages ("reading file").
/// A gzip file is decompressed, and the limits apply to its decompressed
/// bytes and lines.
pub(crate) fn open_bounded(
    path: &Path,
    limits: &TraceLimits,
    what: &str,
) -> Result<BoundedRead<Input>, TraceFileError> {
    let (file, _) = open_input(path, limits.max_file_bytes, limits.read_pipes, what)?;
    Ok(BoundedRead {
        inner: file,
        path: path.to_path_buf(),
        max_file_bytes: limits.max_file_bytes,
        max_line_bytes: u64::try_from(limits.max_line_bytes).unwrap_or(u64::MAX),
        total: 0,
        line: 1,
        line_len: 0,
        pending: None,
    })
}

/// The final error for an I/O failure while streaming `path`: the limit that
/// was hit, or the I/O error itself.
fn read_error(path: &Path, line: usize, err: io::Error) -> TraceFileError {
    if err.get_ref().is_some_and(|e| e.is::<LimitHit>()) {
        let inner = err.into_inner().and_then(|e| e.downcast::<LimitHit>().ok());
        if let Some(hit) = inner {
            return hit.0;
        }
        return TraceFileError::at_line(path, line, "read limit exceeded");
    }
    if let Some(gz) = err.get_ref().and_then(|e| e.downcast_ref::<GzipFailure>()) {
        return TraceFileError::at_line(path, line, gz.to_string());
    }
    TraceFileError::at_line(path, line, format!("cannot read file: {err}"))
}

/// The regular files of `dir` (symlinks followed) whose names, without a
/// final `.gz`, `key` accepts, sorted by that key (then by name); `what`
/// describes the expected files for the "none found" message. A `name.gz`
/// next to `name` is left out (the same data, decompressed beside it).
pub(crate) fn list_dir<K: Ord>(
    dir: &Path,
    limits: &TraceLimits,
    what: &str,
    key: impl Fn(&str) -> Option<K>,
) -> Result<Vec<PathBuf>, TraceFileError> {
    let list_error = |e: io::Error| TraceFileError::io(dir, "cannot list directory", &e);
    match fs::metadata(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(TraceFileError::new(dir, "trace directory not found"));
        }
        Err(e) => return Err(TraceFileError::io(dir, "cannot access trace directory", &e)),
        Ok(m) if !m.is_dir() => return Err(TraceFileError::new(dir, "not a directory")),
        Ok(_) => {}
    }
    let mut found: Vec<(K, String)> = Vec::new();
    for entry in fs::read_dir(dir).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let Some(k) = key(strip_gz(&name)) else {
            continue;
        };
        if !fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            continue;
        }
        if found.len() == limits.max_files {
            return Err(TraceFileError::new(
                dir,
                format!("more than {} trace files (max_files)", limits.max_files),
            ));
        }
        found.push((k, name));
    }
    if found.is_empty() {
        return Err(TraceFileError::new(
            dir,
            format!("no trace files in directory (expected {what})"),
        ));
    }
    let plain: std::collections::HashSet<String> = found
        .iter()
        .filter(|(_, n)| !n.ends_with(".gz"))
        .map(|(_, n)| n.clone())
        .collect();
    found.retain(|(_, n)| n.strip_suffix(".gz").is_none_or(|p| !plain.contains(p)));
    found.sort_unstable();
    Ok(found.into_iter().map(|(_, n)| dir.join(n)).collect())
}

/// Refuses a list of more than `limits.max_files` files (`first` names the
/// trace in the message); the file index must also fit the `u32` of a
/// [`Stamp`].
pub(crate) fn check_file_count(
    files: &[PathBuf],
    limits: &TraceLimits,
    what: &str,
) -> Result<(), TraceFileError> {
    let Some(first) = files.first() else {
        return Err(TraceFileError::new(what, "no trace files given"));
    };
    if files.len() > limits.max_files || u32::try_from(files.len()).is_err() {
        return Err(TraceFileError::new(
            first,
            format!(
                "{} files given, more than max_files = {}",
                files.len(),
                limits.max_files
            ),
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ CSV records

/// Bytes read from the file at a time by [`CsvRecords`] (its buffer grows
/// beyond this only for a longer record, up to `max_line_bytes`).
const READ_CHUNK: usize = 64 << 10;

/// The records of one delimited file, each with the 1-based line it is on.
/// A record ends at `\n`, at `\r\n`, or at a bare `\r` (the next record
/// is then on the same line), as the `csv` crate's default terminator has
/// it; fields are split at every delimiter: no quoting (none of the
/// datasets quote fields, and a stray `"` must not swallow the following
/// lines). Read fields through [`field`], which trims ASCII whitespace
/// (Bitbrains puts a tab after each `;`); empty, blank and
/// whitespace-only lines are skipped, and so is a UTF-8 byte order mark
/// that starts the file.
///
/// Hand-written on [`memchr`] rather than on the `csv` crate, whose general
/// state machine was over a third of the Azure reader's time on these
/// fixed-shape lines: the same records and fields as `csv` configured so
/// (a property test holds the two to each other), and each record's own
/// line, where `csv` gives the line it started looking on (a line too early
/// after a blank line or a `\r\n`).
pub(crate) struct CsvRecords {
    input: BoundedRead<Input>,
    /// Bytes read and not yet taken: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The input is exhausted.
    eof: bool,
    /// The start of the file was looked at for a UTF-8 byte order mark.
    bom_checked: bool,
    /// The line `buf[start]` is on.
    line: usize,
    delimiter: u8,
    record: CsvRecord,
    path: PathBuf,
}

/// The UTF-8 byte order mark, skipped at the start of a file (as `csv`
/// does).
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// One record's fields (see [`CsvRecords`]), as delimited, untrimmed.
#[derive(Debug, Default, Clone)]
pub(crate) struct CsvRecord {
    text: Vec<u8>,
    /// The end of each field in `text` (where its delimiter is, or the end).
    ends: Vec<usize>,
}

impl CsvRecord {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `index`, untrimmed.
    pub(crate) fn get(&self, index: usize) -> Option<&[u8]> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] + 1 };
        Some(&self.text[start..end])
    }

    /// The fields, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Sets the record to `text` split at `delimiter`.
    fn set(&mut self, text: &[u8], delimiter: u8) {
        self.text.clear();
        self.text.extend_from_slice(text);
        self.ends.clear();
        self.ends.extend(memchr::memchr_iter(delimiter, text));
        self.ends.push(text.len());
    }
}

impl CsvRecords {
    /// Opens `path` with field delimiter `delimiter` under `limits`.
    pub(crate) fn open(
        path: &Path,
        delimiter: u8,
        limits: &TraceLimits,
        what: &str,
    ) -> Result<Self, TraceFileError> {
        Ok(Self {
            input: open_bounded(path, limits, what)?,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            bom_checked: false,
            line: 1,
            delimiter,
            record: CsvRecord::default(),
            path: path.to_path_buf(),
        })
    }

    /// Whether the file is gzip-compressed.
    pub(crate) fn is_gzip(&self) -> bool {
        self.input.inner.is_gzip()
    }

    /// Reads more of the file behind the bytes not yet taken; sets `eof` at
    /// its end.
    fn fill(&mut self) -> Result<(), TraceFileError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            self.buf.resize(self.end + READ_CHUNK, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(read_error(&self.path, self.line, e)),
            }
        }
    }

    /// The next non-blank record and its line, or `None` at the end.
    pub(crate) fn next_record(&mut self) -> Result<Option<(usize, &CsvRecord)>, TraceFileError> {
        if !self.bom_checked {
            while self.end - self.start < UTF8_BOM.len() && !self.eof {
                self.fill()?;
            }
            if self.buf[self.start..self.end].starts_with(UTF8_BOM) {
                self.start += UTF8_BOM.len();
            }
            self.bom_checked = true;
        }
        loop {
            let pending = &self.buf[self.start..self.end];
            let (len, taken) = match memchr::memchr2(b'\n', b'\r', pending) {
                Some(p) => (p, p + 1),
                None if self.eof => (pending.len(), pending.len()),
                None => {
                    self.fill()?;
                    continue;
                }
            };
            if taken == 0 {
                return Ok(None);
            }
            let line = self.line;
            let text = &self.buf[self.start..self.start + len];
            let is_line_end = self.buf.get(self.start + len) == Some(&b'\n');
            self.start += taken;
            if is_line_end {
                self.line += 1;
            }
            // An empty record (a blank line, the `\n` of a `\r\n`), or a
            // whitespace-only one; a line of bare delimiters is not blank
            // and gets a column-count error.
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.record.set(text, self.delimiter);
            return Ok(Some((line, &self.record)));
        }
    }
}

/// Field `index` (0-based) of `record`, trimmed of ASCII whitespace; empty
/// if the record has no such field.
pub(crate) fn field(record: &CsvRecord, index: usize) -> &[u8] {
    record.get(index).unwrap_or_default().trim_ascii()
}

// ------------------------------------------------------------------ plain lines

/// The lines of one file (for whitespace-separated formats), line ends
/// (`\n`, `\r\n`) removed, with their 1-based numbers.
pub(crate) struct Lines {
    reader: BufReader<BoundedRead<Input>>,
    buf: Vec<u8>,
    line: usize,
    path: PathBuf,
}

impl Lines {
    /// Opens `path` under `limits`.
    pub(crate) fn open(path: &Path, limits: &TraceLimits, what: &str) -> Result<Self, TraceFileError> {
        Ok(Self {
            reader: BufReader::new(open_bounded(path, limits, what)?),
            buf: Vec::new(),
            line: 0,
            path: path.to_path_buf(),
        })
    }

    /// Whether the file is gzip-compressed.
    pub(crate) fn is_gzip(&self) -> bool {
        self.reader.get_ref().inner.is_gzip()
    }

    /// The next line and its number, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &[u8])>, TraceFileError> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| read_error(&self.path, self.line + 1, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        let mut text: &[u8] = &self.buf;
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        Ok(Some((self.line, text)))
    }
}

// ------------------------------------------------------------------ fields

/// Where a record is: its file and line, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) path: &'a Path,
    pub(crate) line: usize,
}

impl At<'_> {
    /// An error on this line.
    pub(crate) fn err(&self, message: impl Into<String>) -> TraceFileError {
        TraceFileError::at_line(self.path, self.line, message)
    }

    /// Checks that `record` has a number of fields in `expected`.
    pub(crate) fn check_columns(
        &self,
        record: &CsvRecord,
        expected: std::ops::RangeInclusive<usize>,
        layout: &str,
    ) -> Result<(), TraceFileError> {
        let n = record.len();
        if expected.contains(&n) {
            return Ok(());
        }
        let wanted = if expected.start() == expected.end() {
            expected.start().to_string()
        } else {
            format!("{} to {}", expected.start(), expected.end())
        };
        Err(self.err(format!("expected {wanted} columns ({layout}), found {n}")))
    }

    /// Field `index` (0-based) of `record` as text; `name` names the column.
    pub(crate) fn text<'r>(
        &self,
        record: &'r CsvRecord,
        index: usize,
        name: &str,
    ) -> Result<&'r str, TraceFileError> {
        let raw = field(record, index);
        std::str::from_utf8(raw).map_err(|_| {
            self.err(format!(
                "column {} ({name}): not valid UTF-8: {}",
                index + 1,
                shown(raw)
            ))
        })
    }

    /// A finite decimal number in field `index` (`name` names the column).
    pub(crate) fn number(&self, record: &CsvRecord, index: usize, name: &str) -> Result<f64, TraceFileError> {
        let raw = field(record, index);
        self.number_in(raw, index, name)
    }

    /// A finite decimal number in `raw`, field `index` (0-based).
    pub(crate) fn number_in(&self, raw: &[u8], index: usize, name: &str) -> Result<f64, TraceFileError> {
        let bad = |what: &str| {
            self.err(format!(
                "column {} ({name}): {what}, found {}",
                index + 1,
                shown(raw)
            ))
        };
        if let Some(value) = plain_decimal(raw) {
            return Ok(value);
        }
        let text = std::str::from_utf8(raw).map_err(|_| bad("expected a number"))?;
        if text.is_empty() {
            return Err(bad("expected a number"));
        }
        let value: f64 = text.parse().map_err(|_| bad("expected a number"))?;
        if !value.is_finite() {
            return Err(bad("expected a finite number"));
        }
        Ok(value)
    }

    /// A finite number ≥ 0 in field `index`.
    pub(crate) fn non_negative(
        &self,
        record: &CsvRecord,
        index: usize,
        name: &str,
    ) -> Result<f64, TraceFileError> {
        let value = self.number(record, index, name)?;
        if value < 0.0 {
            return Err(self.err(format!("column {} ({name}): {value} is negative", index + 1)));
        }
        // -0.0 compares equal to 0.0; store it as +0.0.
        Ok(value + 0.0)
    }

    /// An unsigned decimal integer in field `index`.
    pub(crate) fn unsigned(
        &self,
        record: &CsvRecord,
        index: usize,
        name: &str,
    ) -> Result<u64, TraceFileError> {
        let raw = field(record, index);
        std::str::from_utf8(raw)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| {
                self.err(format!(
                    "column {} ({name}): expected a non-negative integer, found {}",
                    index + 1,
                    shown(raw)
                ))
            })
    }
}

/// Exact powers of ten: every `10^k` for `k ≤ 22` is an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// The value of `raw` when it is a plain decimal (`digits` or
/// `digits.digits`, at most 15 digits in all), else `None` (the caller then
/// parses it the general way). The result is the one `str::parse::<f64>`
/// gives, bit for bit: the digits form an integer below 2⁵³ and the divisor
/// a power of ten below 10²³, both exact, and one IEEE division of two exact
/// numbers is correctly rounded (Clinger's fast path). Reading the trace
/// files' numbers this way, without a UTF-8 check or the general parser,
/// is most of the time a reader saves.
pub(crate) fn plain_decimal(raw: &[u8]) -> Option<f64> {
    /// 15 decimal digits are below 2⁵³.
    const MAX_DIGITS: usize = 15;
    let mut m: u64 = 0;
    let mut digits = 0;
    // Digits after the point, once there is one.
    let mut frac: Option<usize> = None;
    for (i, &b) in raw.iter().enumerate() {
        if b.is_ascii_digit() {
            digits += 1;
            if digits > MAX_DIGITS {
                return None;
            }
            m = m * 10 + u64::from(b - b'0');
        } else if b == b'.' && frac.is_none() && i > 0 {
            frac = Some(raw.len() - i - 1);
        } else {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    Some(m as f64 / POW10[frac.unwrap_or(0)])
}

/// A fast hasher for the readers' maps from VM id to VM (FxHash's
/// multiply-rotate, 8 bytes at a time): the ids come from the user's own
/// files, so a keyed hash (std's SipHash, several times slower on 64-byte
/// Azure ids) buys nothing.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.write(&[b]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by VM id, hashed with [`IdHasher`].
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Counts data records against `limits.max_records`, and the bytes a
/// reader holds for them against `limits.max_sample_mb`.
pub(crate) struct RecordBudget {
    used: usize,
    max: usize,
    bytes: u64,
    max_bytes: u64,
    bytes_per_record: u64,
}

impl RecordBudget {
    /// A budget for a reader that holds `bytes_per_record` bytes for each
    /// record it takes (0 for one that counts its bytes with
    /// [`hold`](Self::hold)).
    pub(crate) fn new(limits: &TraceLimits, bytes_per_record: usize) -> Self {
        Self {
            used: 0,
            max: limits.max_records,
            bytes: 0,
            max_bytes: limits.max_sample_mb.saturating_mul(1 << 20),
            bytes_per_record: bytes_per_record as u64,
        }
    }

    /// Takes one record, or refuses at `at`.
    pub(crate) fn take(&mut self, at: At<'_>) -> Result<(), TraceFileError> {
        if self.used == self.max {
            return Err(at.err(format!(
                "more than {} records in this trace (max_records); read fewer files or raise the limit",
                self.max
            )));
        }
        self.used += 1;
        self.hold(at, self.bytes_per_record)
    }

    /// Holds `bytes` more, or refuses at `at`.
    pub(crate) fn hold(&mut self, at: At<'_>, bytes: u64) -> Result<(), TraceFileError> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.max_bytes {
            return Err(at.err(format!(
                "the samples kept from this trace take more than {} MB (max_sample_mb); keep fewer \
                 VMs (sample_fraction) or a shorter time (start_s, end_s), or raise the limit",
                self.max_bytes >> 20
            )));
        }
        Ok(())
    }
}

/// The error for one VM too many.
pub(crate) fn too_many_vms(at: At<'_>, max_vms: usize) -> TraceFileError {
    at.err(format!("more than {max_vms} VMs in this trace (max_vms)"))
}

// ------------------------------------------------------------------ sample grid

/// A timestamped reading of one VM: its time and where it was read
/// (`file` indexes the reader's list of paths).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    pub(crate) t_s: f64,
    pub(crate) file: u32,
    pub(crate) line: usize,
}

/// What one grid slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The reading at this index of the stamps.
    Reading(usize),
    /// No reading; [`Gaps::Zero`] fills it with 0.
    Zero,
}

/// How [`grid`] lays readings out.
pub(crate) struct GridRules<'a> {
    pub(crate) interval_s: f64,
    pub(crate) duplicates: Duplicates,
    pub(crate) gaps: Gaps,
    pub(crate) max_samples: usize,
    pub(crate) paths: &'a [PathBuf],
}

/// Lays the readings of VM `vm` (in input order) on a grid of
/// `rules.interval_s` starting at the earliest reading: reading *i* goes to
/// slot `round((t_i − t_first) / interval)`. Returns the first reading's time
/// and one [`Slot`] per sample, first to last. Two readings on one slot
/// follow `rules.duplicates` ("last" = later in the input); empty slots
/// between readings follow `rules.gaps`. Counts slots with duplicates,
/// filled gap slots and off-grid readings (more than a tenth of an interval
/// from their slot's time) in `report`.
pub(crate) fn grid(
    vm: &str,
    stamps: &[Stamp],
    rules: &GridRules<'_>,
    report: &mut LoadReport,
) -> Result<(f64, Vec<Slot>), TraceFileError> {
    let at = |s: &Stamp| {
        let path = rules
            .paths
            .get(s.file as usize)
            .map_or(Path::new(""), PathBuf::as_path);
        At { path, line: s.line }
    };
    let Some(t0) = stamps.iter().map(|s| s.t_s).reduce(f64::min) else {
        return Ok((0.0, Vec::new()));
    };
    let mut slotted: Vec<(usize, usize)> = Vec::with_capacity(stamps.len());
    for (i, s) in stamps.iter().enumerate() {
        let k = ((s.t_s - t0) / rules.interval_s).round();
        // `k` is finite and ≥ 0 (t ≥ t0, interval > 0); the bound keeps the
        // cast exact and the grid's allocation within the limit.
        if k.is_nan() || k >= rules.max_samples as f64 {
            return Err(at(s).err(format!(
                "VM {vm:?}: reading at t = {} s lies {k} samples after its first (t = {t0} s), \
                 more than max_samples_per_vm = {}",
                s.t_s, rules.max_samples
            )));
        }
        if (s.t_s - t0 - k * rules.interval_s).abs() > rules.interval_s / 10.0 {
            report.off_grid_readings += 1;
        }
        slotted.push((k as usize, i));
    }
    // Stable: readings on one slot stay in input order.
    slotted.sort_by_key(|&(k, _)| k);
    let last = slotted.last().map_or(0, |&(k, _)| k);
    let mut slots: Vec<Slot> = Vec::with_capacity(last + 1);
    // The last slot already counted as holding duplicates.
    let mut counted = usize::MAX;
    for &(k, i) in &slotted {
        let s = &stamps[i];
        if k + 1 == slots.len() {
            // A second reading on the last filled slot.
            match rules.duplicates {
                Duplicates::LastWins => {
                    if counted != k {
                        report.slots_with_duplicates += 1;
                        counted = k;
                    }
                    slots[k] = Slot::Reading(i);
                    continue;
                }
                Duplicates::Error => {
                    // The last slot always holds a reading (fills only go before one).
                    let first = match slots[k] {
                        Slot::Reading(first) => first,
                        Slot::Zero => i,
                    };
                    let f = at(&stamps[first]);
                    return Err(at(s).err(format!(
                        "VM {vm:?}: second reading for t = {} s (sample {k}), the first is at {}:{} \
                         (duplicates = error)",
                        t0 + k as f64 * rules.interval_s,
                        f.path.display(),
                        f.line
                    )));
                }
            }
        }
        if k > slots.len() {
            let missing = k - slots.len();
            let fill = match rules.gaps {
                Gaps::Hold => *slots.last().unwrap_or(&Slot::Reading(i)),
                Gaps::Zero => Slot::Zero,
                Gaps::Error => {
                    return Err(at(s).err(format!(
                        "VM {vm:?}: {missing} missing sample(s) before t = {} s (gaps = error)",
                        s.t_s
                    )));
                }
            };
            report.gap_slots_filled += missing as u64;
            slots.resize(k, fill);
        }
        slots.push(Slot::Reading(i));
    }
    Ok((t0, slots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_to_the_same_bits_as_str_parse() {
        for bad in [
            &b""[..],
            b".5",
            b"1.2.3",
            b"-1",
            b"+1",
            b"1e5",
            b" 1",
            b"1234567890123456",
            b".",
        ] {
            assert_eq!(plain_decimal(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        // Fifteen digits in every split, and a pseudo-random spread of shapes.
        let mut fast = 0;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for n in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = 1 + (n % 15) as usize;
            let text = format!("{:0digits$}", x % 10u64.pow(digits as u32));
            let point = (x >> 40) as usize % (digits + 1);
            let text = if point == 0 {
                text
            } else {
                format!("{}.{}", &text[..point], &text[point..])
            };
            let want: f64 = text.parse().unwrap();
            if let Some(got) = plain_decimal(text.as_bytes()) {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
                fast += 1;
            }
        }
        // Every one of them is a plain decimal: the fast path was taken.
        assert_eq!(fast, 200_000);
        assert_eq!(plain_decimal(b"1."), Some(1.0));
        assert_eq!(plain_decimal(b"999999999999999"), Some(999_999_999_999_999.0));
    }

    /// What `csv` (configured as the readers had it) makes of `text`: each
    /// non-blank record's fields, and the line it is on (its first byte's).
    fn csv_records(text: &[u8], delimiter: u8) -> Vec<(usize, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .quoting(false)
            .from_reader(text);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        // Line ends counted in `text[..counted]`.
        let (mut counted, mut ends) = (0, 0);
        loop {
            // Where `csv` starts looking; the record starts after the
            // terminators it skips.
            let from = reader.position().byte() as usize;
            if !reader.read_byte_record(&mut record).unwrap() {
                return out;
            }
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
            let start = from
                + text[from..]
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
            ends += text[counted..start].iter().filter(|&&b| b == b'\n').count();
            counted = start;
            out.push((1 + ends, record.iter().map(<[u8]>::to_vec).collect()));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The hand-written splitter gives `csv`'s records and fields, each
        /// on its own line, whatever the mix of delimiters, quotes, `\r`,
        /// `\n` and whitespace.
        #[test]
        fn records_are_the_csv_crates(
            bytes in proptest::collection::vec(
                proptest::sample::select(b"a1,;\" \t\r\n\n\x0b\xef\xbb\xbf".to_vec()),
                0..120,
            ),
            semicolon in proptest::bool::ANY,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("f.csv");
            std::fs::write(&path, &bytes).unwrap();
            let mut records = CsvRecords::open(&path, delimiter, &TraceLimits::default(), "file").unwrap();
            let mut got = Vec::new();
            while let Some((line, r)) = records.next_record().unwrap() {
                got.push((line, r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()));
            }
            proptest::prop_assert_eq!(got, csv_records(&bytes, delimiter));
        }
    }

    #[test]
    fn records_span_reads_and_long_files() {
        // Records cut by the 64 KiB reads, a `\r\n` across a read, and a
        // last line without its end: as `csv` reads them.
        let mut text = Vec::new();
        for i in 0..20_000 {
            text.extend_from_slice(format!("{i},vm{},{}.5", i % 7, i % 100).as_bytes());
            text.extend_from_slice([&b"\n"[..], b"\r\n", b"\r", b"\n\n"][i % 4]);
        }
        text.extend_from_slice(b"last,1");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, &text).unwrap();
        let mut records = CsvRecords::open(&path, b',', &TraceLimits::default(), "file").unwrap();
        let mut got = Vec::new();
        while let Some((line, r)) = records.next_record().unwrap() {
            got.push((line, r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()));
        }
        assert!(text.len() > 4 * READ_CHUNK);
        assert_eq!(got.len(), 20_001);
        assert_eq!(got, csv_records(&text, b','));
    }

    fn stamps(ts: &[f64]) -> Vec<Stamp> {
        ts.iter()
            .enumerate()
            .map(|(i, &t_s)| Stamp {
                t_s,
                file: 0,
                line: i + 1,
            })
            .collect()
    }

    fn rules(duplicates: Duplicates, gaps: Gaps, paths: &[PathBuf]) -> GridRules<'_> {
        GridRules {
            interval_s: 300.0,
            duplicates,
            gaps,
            max_samples: 100,
            paths,
        }
    }

    #[test]
    fn grid_sorts_fills_and_resolves() {
        let paths = [PathBuf::from("f")];
        let s = stamps(&[900.0, 300.0, 1500.0]);
        let (t0, slots) = grid(
            "v",
            &s,
            &rules(Duplicates::Error, Gaps::Hold, &paths),
            &mut LoadReport::default(),
        )
        .unwrap();
        assert_eq!(t0, 300.0);
        use Slot::Reading as R;
        assert_eq!(slots, [R(1), R(1), R(0), R(0), R(2)]);
        let (_, slots) = grid(
            "v",
            &s,
            &rules(Duplicates::Error, Gaps::Zero, &paths),
            &mut LoadReport::default(),
        )
        .unwrap();
        assert_eq!(slots, [R(1), Slot::Zero, R(0), Slot::Zero, R(2)]);
        let err = grid(
            "v",
            &s,
            &rules(Duplicates::Error, Gaps::Error, &paths),
            &mut LoadReport::default(),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");

        let s = stamps(&[0.0, 300.0, 0.0]);
        let err = grid(
            "v",
            &s,
            &rules(Duplicates::Error, Gaps::Hold, &paths),
            &mut LoadReport::default(),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("f:1"), "{err}");
        let (_, slots) = grid(
            "v",
            &s,
            &rules(Duplicates::LastWins, Gaps::Hold, &paths),
            &mut LoadReport::default(),
        )
        .unwrap();
        assert_eq!(slots, [R(2), R(1)]);
    }

    #[test]
    fn grid_counts_duplicates_gaps_and_off_grid_readings() {
        let paths = [PathBuf::from("f")];
        // Slot 0 twice (0, 114: off-grid), slot 1 three times (300, 300, 320), slots 2–3
        // missing, slot 4 at 1200.
        let s = stamps(&[0.0, 114.0, 300.0, 300.0, 320.0, 1200.0]);
        let mut report = LoadReport::default();
        let (_, slots) = grid(
            "v",
            &s,
            &rules(Duplicates::LastWins, Gaps::Hold, &paths),
            &mut report,
        )
        .unwrap();
        use Slot::Reading as R;
        assert_eq!(slots, [R(1), R(4), R(4), R(4), R(5)]);
        assert_eq!(report.slots_with_duplicates, 2);
        assert_eq!(report.gap_slots_filled, 2);
        assert_eq!(report.off_grid_readings, 1);
    }

    #[test]
    fn grid_refuses_huge_spans_before_allocating() {
        let paths = [PathBuf::from("f")];
        let s = stamps(&[0.0, 1e300]);
        let err = grid(
            "v",
            &s,
            &rules(Duplicates::Error, Gaps::Hold, &paths),
            &mut LoadReport::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("max_samples_per_vm"), "{err}");
    }
}
