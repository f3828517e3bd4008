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

/// Splits and parses `KEY=VALUE`.
pub(crate) fn parse(argument: &str) -> Result<Override, String> {
    let (key, raw) = argument
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE, e.g. simulation.seed=7".to_string())?;
    let key = key.trim();
    if key.is_empty() || parse_path(key).is_empty() {
        return Err("empty key; expected KEY=VALUE".into());
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
