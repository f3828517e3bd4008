//! `--set key.path=value`: edits the parsed TOML before it is deserialised.

use crate::locate::{Segment, parse_path};

/// One parsed override.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Override {
    /// The whole `KEY=VALUE` argument, for messages.
    pub argument: String,
    /// The key path as written.
    pub key: String,
    /// The value: TOML if it parses as TOML, else a string.
    pub value: toml::Value,
}

/// Most parts a `--set` key may have. The deepest scenario key has five
/// (`host_types[0].power.watts[3]`); without a bound, a key such as `a.a.a…` with
/// thousands of parts builds tables nested deeply enough to overflow the stack
/// when they are deserialised or dropped (the TOML parser bounds nesting in the
/// file and in the value at 80 levels; this keeps the sum well within a 2 MiB stack).
const MAX_KEY_PARTS: usize = 32;

/// `segments` written back as a key path: `a.b[2].c`.
fn render_path(segments: &[Segment]) -> String {
    let mut out = String::new();
    for seg in segments {
        match seg {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Splits and parses `KEY=VALUE`.
pub(crate) fn parse(argument: &str) -> Result<Override, String> {
    let (key, raw) = argument
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE, e.g. simulation.seed=7".to_string())?;
    let key = key.trim();
    let segments = parse_path(key);
    if key.is_empty() || segments.is_empty() {
        return Err("empty key; expected KEY=VALUE".into());
    }
    // `parse_path` skips what it cannot read (`a..b`, `a[x]`, `a[1]b`); the key must be
    // exactly what it read, or the value would land at another key than the one written
    // and errors about it would be blamed on the file instead of this argument.
    if render_path(&segments) != key {
        return Err(format!(
            "malformed key {key:?}: expected names joined by '.' and [N] indices, e.g. host_types[0].cores"
        ));
    }
    if segments.len() > MAX_KEY_PARTS {
        return Err(format!(
            "key has {} parts, more than the {MAX_KEY_PARTS} this version supports",
            segments.len()
        ));
    }
    let raw = raw.trim();
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    Ok(Override {
        argument: argument.to_string(),
        key: key.to_string(),
        value,
    })
}

/// Sets `ov.value` at `ov.key` in `root`, creating tables on the way.
pub(crate) fn apply(root: &mut toml::Value, ov: &Override) -> Result<(), String> {
    let segments = parse_path(&ov.key);
    let mut cur: &mut toml::Value = root;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match seg {
            Segment::Key(k) => {
                let table = cur
                    .as_table_mut()
                    .ok_or_else(|| format!("cannot set \"{k}\" inside a non-table value"))?;
                if last {
                    table.insert(k.clone(), ov.value.clone());
                    return Ok(());
                }
                let next_is_index = matches!(segments.get(i + 1), Some(Segment::Index(_)));
                cur = table.entry(k.clone()).or_insert_with(|| {
                    if next_is_index {
                        toml::Value::Array(Vec::new())
                    } else {
                        toml::Value::Table(toml::Table::new())
                    }
                });
            }
            Segment::Index(idx) => {
                let array = cur
                    .as_array_mut()
                    .ok_or_else(|| format!("cannot index [{idx}] into a non-array value"))?;
                let len = array.len();
                let slot = array
                    .get_mut(*idx)
                    .ok_or_else(|| format!("index [{idx}] out of range (the array has {len} elements)"))?;
                if last {
                    *slot = ov.value.clone();
                    return Ok(());
                }
                cur = slot;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_toml_or_string() {
        assert_eq!(parse("a.b=7").unwrap().value, toml::Value::Integer(7));
        assert_eq!(
            parse("a=\"x y\"").unwrap().value,
            toml::Value::String("x y".into())
        );
        assert_eq!(
            parse("a=../traces/x").unwrap().value,
            toml::Value::String("../traces/x".into())
        );
        assert!(parse("novalue").is_err());
    }

    #[test]
    fn keys_must_be_read_exactly() {
        assert_eq!(
            parse(" host_types[0].power.watts[3] =1").unwrap().key,
            "host_types[0].power.watts[3]"
        );
        for bad in [
            "a..b=1", "a[x]=1", "a[1]b=1", "a[01]=1", "a[+1]=1", "a.=1", "a[=1", ".a=1",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.starts_with("malformed key"), "{bad}: {e}");
        }
        let deep = vec!["a"; MAX_KEY_PARTS + 1].join(".");
        assert!(parse(&format!("{deep}=1")).unwrap_err().contains("parts"));
        assert!(parse(&format!("{}=1", vec!["a"; MAX_KEY_PARTS].join("."))).is_ok());
    }

    #[test]
    fn apply_sets_nested_keys() {
        let mut t = toml::Value::Table(toml::from_str("[s]\nx = 1\n[[arr]]\ny = 2\n").unwrap());
        apply(&mut t, &parse("s.x=5").unwrap()).unwrap();
        apply(&mut t, &parse("arr[0].y=3").unwrap()).unwrap();
        apply(&mut t, &parse("new.key=true").unwrap()).unwrap();
        assert_eq!(t["s"]["x"].as_integer(), Some(5));
        assert_eq!(t["arr"][0]["y"].as_integer(), Some(3));
        assert_eq!(t["new"]["key"].as_bool(), Some(true));
        assert!(apply(&mut t, &parse("arr[5].y=1").unwrap()).is_err());
        assert!(apply(&mut t, &parse("s.x.z=1").unwrap()).is_err());
    }
}
