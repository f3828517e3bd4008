//! Where a key path such as `host_types[1].power.model` sits in a TOML text, so that errors
//! found after deserialisation (unknown model, negative capacity, …) still point at a line
//! and column.
//!
//! Public so that every TOML input of Cirrus is located the same way: scenario files here,
//! sweep files in `cirrus-sweep`. A [`TomlText`] keeps the text with each key's span;
//! [`TomlText::line_col`] answers "where is this key path?" (its deepest part present in the
//! text), [`error_key`] completes the key path of a `serde_path_to_error` error, and
//! [`SyntaxError`] locates a text that does not parse.

use std::fmt;

use toml_edit::{ImDocument, Item, Value};

/// A TOML text kept with the span of every key, to locate key paths in it.
#[derive(Debug, Clone)]
pub struct TomlText {
    text: String,
    doc: ImDocument<String>,
}

impl TomlText {
    /// Parses `text`, returning it located and as a table of values.
    ///
    /// # Errors
    /// The first syntax error (of either parse: the table's integers must also fit `i64`),
    /// located.
    pub fn parse(text: &str) -> Result<(Self, toml::Table), SyntaxError> {
        let at = |offset: Option<usize>, message: &str| {
            let (line, column) = line_col(text, offset.unwrap_or(0));
            SyntaxError {
                line,
                column,
                message: format!("invalid TOML: {}", one_line(message)),
            }
        };
        let doc =
            ImDocument::parse(text.to_string()).map_err(|e| at(e.span().map(|s| s.start), e.message()))?;
        let table: toml::Table =
            toml::from_str(text).map_err(|e| at(e.span().map(|s| s.start), e.message()))?;
        Ok((
            Self {
                text: text.to_string(),
                doc,
            },
            table,
        ))
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column of the key at `path` (`a.b[2].c`), or of its deepest ancestor
    /// present in the text (1:1 when none is): array elements are located at their value,
    /// other keys at the key.
    pub fn line_col(&self, path: &str) -> (usize, usize) {
        line_col(&self.text, span_of(&self.doc, path).map_or(0, |s| s.start))
    }
}

/// A text that is not TOML: where, and the parser's message (on one line, after
/// `invalid TOML: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// `invalid TOML: ` and the parser's message.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// The key path a deserialisation error is about: `path` (a `serde_path_to_error` path,
/// `"."` for the root) completed with the field that an "unknown field" or "missing field"
/// `message` names, since the path of a missing field stops at its table. An empty key
/// (`'' = 1`) is named `""`.
pub fn error_key(path: &str, message: &str) -> String {
    let mut key = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    let field = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|m| m.split('`').next());
    if let Some(field) = field
        && key != field
        && !key.ends_with(&format!(".{field}"))
    {
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(field);
    }
    if field == Some("") {
        key.push_str("\"\"");
    }
    key
}

/// A multi-line parser message on one line, so that errors keep the
/// `file:line:col: message` shape.
fn one_line(message: &str) -> String {
    message
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into segments. Quoted keys are not supported (the schema
/// has none), except `""`, the empty key, as errors about one name it.
pub(crate) fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(Segment::Key(rest[..open].to_string()));
            }
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else { break };
                if let Ok(i) = stripped[..close].parse() {
                    out.push(Segment::Index(i));
                }
                rest = &stripped[close + 1..];
            }
        } else if rest == "\"\"" {
            out.push(Segment::Key(String::new()));
        } else {
            out.push(Segment::Key(rest.to_string()));
        }
    }
    out
}

/// The byte span of the deepest part of `path` present in `doc`: the key
/// itself when found, else its nearest ancestor.
fn span_of<S: AsRef<str>>(doc: &ImDocument<S>, path: &str) -> Option<std::ops::Range<usize>> {
    let mut best = None;
    let mut cur = Node::Item(doc.as_item());
    for seg in parse_path(path) {
        let next = match (&cur, &seg) {
            (Node::Item(item), Segment::Key(k)) => match item {
                Item::Table(t) => t.get_key_value(k).map(|(key, it)| (key.span(), Node::Item(it))),
                Item::Value(Value::InlineTable(t)) => {
                    t.get_key_value(k).map(|(key, v)| (key.span(), Node::Item(v)))
                }
                _ => None,
            },
            (Node::Value(Value::InlineTable(t)), Segment::Key(k)) => {
                t.get_key_value(k).map(|(key, v)| (key.span(), Node::Item(v)))
            }
            (Node::Item(Item::ArrayOfTables(a)), Segment::Index(i)) => a.get(*i).map(|t| {
                let span = t.span();
                (span, Node::Table(t))
            }),
            (Node::Item(Item::Value(Value::Array(a))), Segment::Index(i))
            | (Node::Value(Value::Array(a)), Segment::Index(i)) => {
                a.get(*i).map(|v| (v.span(), Node::Value(v)))
            }
            (Node::Table(t), Segment::Key(k)) => {
                t.get_key_value(k).map(|(key, it)| (key.span(), Node::Item(it)))
            }
            _ => None,
        };
        match next {
            Some((span, node)) => {
                if span.is_some() {
                    best = span;
                } else if let Some(s) = node.span() {
                    best = Some(s);
                }
                cur = node;
            }
            None => break,
        }
    }
    best
}

enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
    Table(&'a toml_edit::Table),
}

impl Node<'_> {
    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
            Node::Table(t) => t.span(),
        }
    }
}

/// 1-based (line, column) of byte `offset` in `text`; columns count characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("host_types[1].power.model"),
            vec![
                Segment::Key("host_types".into()),
                Segment::Index(1),
                Segment::Key("power".into()),
                Segment::Key("model".into())
            ]
        );
    }

    #[test]
    fn finds_keys_in_tables_arrays_and_inline_tables() {
        let text = "[simulation]\nname = \"x\"\n\n[[host_types]]\nname = \"a\"\n\n[[host_types]]\nname = \"b\"\npower = { model = \"m\" }\n";
        let doc = ImDocument::parse(text).unwrap();
        let at = |p: &str| line_col(text, span_of(&doc, p).unwrap().start);
        assert_eq!(at("simulation.name"), (2, 1));
        assert_eq!(at("host_types[1].name"), (8, 1));
        assert_eq!(at("host_types[1].power.model"), (9, 11));
        // Missing leaf: the nearest ancestor.
        assert_eq!(at("host_types[1].cores"), (7, 1));
    }

    #[test]
    fn finds_empty_keys() {
        let text = "# c\n\n'' = 1\n[simulation]\nname = \"x\"\n\"\" = 2\n";
        let doc = ImDocument::parse(text).unwrap();
        let at = |p: &str| line_col(text, span_of(&doc, p).unwrap().start);
        assert_eq!(at("\"\""), (3, 1));
        assert_eq!(at("simulation.\"\""), (6, 1));
    }

    #[test]
    fn error_keys_name_the_field() {
        assert_eq!(error_key(".", "missing field `simulation`"), "simulation");
        assert_eq!(
            error_key("simulation", "missing field `duration_s`"),
            "simulation.duration_s"
        );
        assert_eq!(
            error_key("simulation.sped", "unknown field `sped`, expected …"),
            "simulation.sped"
        );
        // A field whose name ends another's is still appended.
        assert_eq!(
            error_key("sweep.xname", "missing field `name`"),
            "sweep.xname.name"
        );
        assert_eq!(error_key("hosts.count", "invalid type: string"), "hosts.count");
        assert_eq!(error_key(".", "unknown field ``"), "\"\"");
        assert_eq!(error_key("simulation", "unknown field ``"), "simulation.\"\"");
    }

    #[test]
    fn located_text_and_syntax_errors() {
        let text = "[a]\nb = [1, 2,\n  3]\n";
        let (t, table) = TomlText::parse(text).unwrap();
        assert_eq!(table["a"]["b"].as_array().unwrap().len(), 3);
        assert_eq!(t.line_col("a.b"), (2, 1));
        assert_eq!(t.line_col("a.b[2]"), (3, 3));
        assert_eq!(t.line_col("a.c"), (1, 2));
        assert_eq!(t.line_col("zzz"), (1, 1));
        let e = TomlText::parse("[a]\nb = \"x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.starts_with("invalid TOML: ") && !e.message.contains('\n'),
            "{e}"
        );
    }
}
