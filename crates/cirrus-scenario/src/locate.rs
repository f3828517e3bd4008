//! Finds where a key path such as `host_types[1].power.model` sits in the
//! scenario text, so that errors found after deserialisation (unknown model,
//! negative capacity, …) still point at a line and column.

use toml_edit::{ImDocument, Item, Value};

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
pub(crate) fn span_of<S: AsRef<str>>(doc: &ImDocument<S>, path: &str) -> Option<std::ops::Range<usize>> {
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
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
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
}
