//! Named parameters for registered models and policies.
//!
//! The scenario layer turns a TOML table into [`Params`]; a constructor in the
//! [`registry`](crate::registry) takes what it understands and calls
//! [`Params::finish`], which rejects any key left over. The model thus knows
//! nothing about TOML, yet every unknown or mistyped parameter is reported by
//! its key.

use std::collections::BTreeMap;

/// One parameter value, as written by the user.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A number (TOML integers are converted to `f64`).
    Number(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A list of numbers.
    List(Vec<f64>),
    /// A list of strings (e.g. the candidate models of `deadline-aware`).
    Texts(Vec<String>),
    /// A nested table of parameters (e.g. one candidate model's).
    Table(Params),
}

impl ParamValue {
    fn kind(&self) -> &'static str {
        match self {
            ParamValue::Number(_) => "a number",
            ParamValue::Text(_) => "a string",
            ParamValue::Bool(_) => "a boolean",
            ParamValue::List(_) => "a list of numbers",
            ParamValue::Texts(_) => "a list of strings",
            ParamValue::Table(_) => "a table",
        }
    }
}

/// A parameter that was missing, of the wrong type, out of range or unknown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ParamError {
    /// The parameter's key, relative to the table it was given in.
    pub key: String,
    /// What was expected.
    pub message: String,
}

impl ParamError {
    /// A new error about `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// What is wrong with `value` as a fraction, or `None` when it lies in `[0, 1]`: "a fraction
/// in [0, 1] is expected, found 80; did you mean 0.8?". The hint is given for values in
/// `(1, 100]`, which read as a percentage.
///
/// This is the one check of every parameter that is a fraction (a threshold or share of
/// capacity, a probability, an availability); the scenario layer uses it too, so the message
/// is the same wherever a fraction is written.
pub fn fraction_problem(value: f64) -> Option<String> {
    if (0.0..=1.0).contains(&value) {
        return None;
    }
    let mut message = format!("a fraction in [0, 1] is expected, found {value}");
    if value > 1.0 && value <= 100.0 {
        message.push_str(&format!("; did you mean {}?", value / 100.0));
    }
    Some(message)
}

/// `value` if it is a fraction in `[0, 1]`, else an error naming `key` (see
/// [`fraction_problem`]).
pub fn check_fraction(key: &str, value: f64) -> Result<f64, ParamError> {
    match fraction_problem(value) {
        None => Ok(value),
        Some(message) => Err(ParamError::new(key, message)),
    }
}

/// Parameters of one model or policy; each getter consumes its key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    entries: BTreeMap<String, ParamValue>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a parameter; returns `self` for chaining.
    pub fn with(mut self, key: impl Into<String>, value: ParamValue) -> Self {
        self.entries.insert(key.into(), value);
        self
    }

    /// Adds (or replaces) a parameter.
    pub fn insert(&mut self, key: impl Into<String>, value: ParamValue) {
        self.entries.insert(key.into(), value);
    }

    /// True when no parameter is left.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes an optional finite number.
    pub fn number(&mut self, key: &str) -> Result<Option<f64>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::Number(x)) if x.is_finite() => Ok(Some(x)),
            Some(ParamValue::Number(x)) => Err(ParamError::new(
                key,
                format!("expected a finite number, found {x}"),
            )),
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a number, found {}", other.kind()),
            )),
        }
    }

    /// Takes a required finite number.
    pub fn require_number(&mut self, key: &str) -> Result<f64, ParamError> {
        self.number(key)?
            .ok_or_else(|| ParamError::new(key, "missing required number"))
    }

    /// Takes an optional number that must lie in `[lo, hi]`.
    pub fn number_in(&mut self, key: &str, lo: f64, hi: f64) -> Result<Option<f64>, ParamError> {
        match self.number(key)? {
            Some(x) if !(lo..=hi).contains(&x) => Err(ParamError::new(
                key,
                format!("expected a number in [{lo}, {hi}], found {x}"),
            )),
            other => Ok(other),
        }
    }

    /// Takes an optional fraction, checked by [`check_fraction`]: a value in `[0, 1]`, and a
    /// percentage given by mistake (`80` for `0.8`) is an error with a hint.
    pub fn fraction(&mut self, key: &str) -> Result<Option<f64>, ParamError> {
        self.number(key)?.map(|x| check_fraction(key, x)).transpose()
    }

    /// Takes a required fraction (see [`fraction`](Self::fraction)).
    pub fn require_fraction(&mut self, key: &str) -> Result<f64, ParamError> {
        self.fraction(key)?
            .ok_or_else(|| ParamError::new(key, "missing required fraction in [0, 1]"))
    }

    /// Takes an optional string.
    pub fn text(&mut self, key: &str) -> Result<Option<String>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::Text(s)) => Ok(Some(s)),
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a string, found {}", other.kind()),
            )),
        }
    }

    /// Takes an optional boolean.
    pub fn bool(&mut self, key: &str) -> Result<Option<bool>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a boolean, found {}", other.kind()),
            )),
        }
    }

    /// Takes an optional list of finite numbers.
    pub fn list(&mut self, key: &str) -> Result<Option<Vec<f64>>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::List(v)) => {
                if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
                    return Err(ParamError::new(
                        key,
                        format!("expected finite numbers, found {bad}"),
                    ));
                }
                Ok(Some(v))
            }
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a list of numbers, found {}", other.kind()),
            )),
        }
    }

    /// Takes an optional list of strings.
    pub fn texts(&mut self, key: &str) -> Result<Option<Vec<String>>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::Texts(v)) => Ok(Some(v)),
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a list of strings, found {}", other.kind()),
            )),
        }
    }

    /// Takes an optional nested table of parameters.
    pub fn table(&mut self, key: &str) -> Result<Option<Params>, ParamError> {
        match self.entries.remove(key) {
            None => Ok(None),
            Some(ParamValue::Table(p)) => Ok(Some(p)),
            Some(other) => Err(ParamError::new(
                key,
                format!("expected a table, found {}", other.kind()),
            )),
        }
    }

    /// Fails on the first key no getter took: a misspelt parameter is an error,
    /// not a silent default.
    pub fn finish(self, known: &[&str]) -> Result<(), ParamError> {
        match self.entries.into_keys().next() {
            None => Ok(()),
            Some(key) => {
                let message = if known.is_empty() {
                    "unknown parameter; this model takes none".to_string()
                } else {
                    format!("unknown parameter; known: {}", known.join(", "))
                };
                Err(ParamError::new(key, message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getters_consume_and_finish_rejects_leftovers() {
        let mut p = Params::new()
            .with("max_w", ParamValue::Number(250.0))
            .with("typo", ParamValue::Number(1.0));
        assert_eq!(p.require_number("max_w").unwrap(), 250.0);
        let err = p.finish(&["max_w"]).unwrap_err();
        assert_eq!(err.key, "typo");
        assert!(err.message.contains("known: max_w"));
    }

    #[test]
    fn wrong_type_and_range_are_reported_by_key() {
        let mut p = Params::new().with("x", ParamValue::Text("a".into()));
        assert!(p.number("x").unwrap_err().message.contains("expected a number"));
        let mut p = Params::new().with("x", ParamValue::Number(2.0));
        assert!(p.number_in("x", 0.0, 1.0).is_err());
        let mut p = Params::new().with("x", ParamValue::Number(f64::NAN));
        assert!(p.number("x").is_err());
    }

    #[test]
    fn fractions_are_checked_with_a_percentage_hint() {
        for ok in [0.0, 0.8, 1.0] {
            let mut p = Params::new().with("t", ParamValue::Number(ok));
            assert_eq!(p.fraction("t").unwrap(), Some(ok));
        }
        let message = |x: f64| {
            let mut p = Params::new().with("t", ParamValue::Number(x));
            let err = p.fraction("t").unwrap_err();
            assert_eq!(err.key, "t");
            err.message
        };
        assert_eq!(
            message(80.0),
            "a fraction in [0, 1] is expected, found 80; did you mean 0.8?"
        );
        assert_eq!(
            message(7.0),
            "a fraction in [0, 1] is expected, found 7; did you mean 0.07?"
        );
        assert_eq!(
            message(99.95),
            "a fraction in [0, 1] is expected, found 99.95; did you mean 0.9995?"
        );
        assert_eq!(message(-0.5), "a fraction in [0, 1] is expected, found -0.5");
        assert_eq!(message(250.0), "a fraction in [0, 1] is expected, found 250");
        assert!(Params::new().require_fraction("t").is_err());
        assert_eq!(Params::new().fraction("t").unwrap(), None);
    }
}
