//! Typed per-scheme and per-channel parameters: a TOML table (`--param key=value` on the
//! command line, `params = { … }` in configs) that each scheme or channel deserialises into
//! its own struct, unknown keys rejected with the owner and the key named.

use crate::error::{CoreError, Result};
use serde::de::DeserializeOwned;

/// A parameter table as given (values are TOML values: numbers, strings, booleans, arrays).
pub type ParamTable = toml::Table;

/// Deserialises `table` into `T` (a struct with `#[serde(deny_unknown_fields, default)]`);
/// errors name `kind` (`scheme`, `channel`) and `owner` (its registry name) and the key.
pub fn parse_params<T: DeserializeOwned>(kind: &str, owner: &str, table: &ParamTable) -> Result<T> {
    T::deserialize(toml::Value::Table(table.clone())).map_err(|e| CoreError::Config {
        field: format!("{kind} '{owner}' params"),
        msg: e.message().trim().replace('\n', " "),
    })
}

/// Parameters of a scheme or channel that takes none: any key is an error.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Parses one `key=value` (value as a TOML value; a bare word is a string) into `table`;
/// `a=1,b=x` adds several. A key given twice is an error.
pub fn parse_key_values(s: &str, table: &mut ParamTable) -> Result<()> {
    for kv in split_top_level(s) {
        let (k, v) = kv.split_once('=').ok_or_else(|| CoreError::Config {
            field: kv.trim().into(),
            msg: "expected key=value".into(),
        })?;
        let key = k.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(CoreError::Config {
                field: key.into(),
                msg: "parameter names are letters, digits, '_' and '-'".into(),
            });
        }
        let v = v.trim();
        let value = match toml::from_str::<toml::Table>(&format!("v = {v}")) {
            Ok(mut t) => t
                .remove("v")
                .unwrap_or_else(|| toml::Value::String(v.into())),
            Err(_) => toml::Value::String(v.into()),
        };
        if let toml::Value::Float(f) = value {
            if !f.is_finite() {
                return Err(CoreError::Config {
                    field: key.into(),
                    msg: format!("{v} is not a finite number"),
                });
            }
        }
        if table.insert(key.into(), value).is_some() {
            return Err(CoreError::Config {
                field: key.into(),
                msg: "given twice".into(),
            });
        }
    }
    Ok(())
}

/// Splits `a=1,b=[2,3]` at the commas outside brackets and quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start, mut out) = (0i32, false, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct P {
        levels: u32,
        pe: f64,
        name: String,
        on: bool,
    }

    #[test]
    fn key_values_parse_into_typed_params() {
        let mut t = ParamTable::new();
        parse_key_values("levels=5,pe=0.16", &mut t).unwrap();
        parse_key_values("name=espnet", &mut t).unwrap();
        parse_key_values("on=true", &mut t).unwrap();
        let p: P = parse_params("scheme", "toy", &t).unwrap();
        assert_eq!(
            p,
            P {
                levels: 5,
                pe: 0.16,
                name: "espnet".into(),
                on: true
            }
        );
    }

    #[test]
    fn unknown_keys_bad_values_and_duplicates_are_errors() {
        let mut t = ParamTable::new();
        parse_key_values("level=5", &mut t).unwrap();
        let e = parse_params::<P>("scheme", "toy", &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("scheme 'toy'") && e.contains("level"), "{e}");
        assert!(!e.contains('\n'));
        let e = parse_params::<NoParams>("channel", "awgn", &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("channel 'awgn'") && e.contains("level"), "{e}");
        let mut t = ParamTable::new();
        parse_key_values("levels=x", &mut t).unwrap();
        assert!(parse_params::<P>("scheme", "toy", &t).is_err());
        assert!(parse_key_values("pe=nan", &mut ParamTable::new()).is_err());
        assert!(parse_key_values("pe=inf", &mut ParamTable::new()).is_err());
        assert!(parse_key_values("novalue", &mut ParamTable::new()).is_err());
        assert!(parse_key_values("a=1,a=2", &mut ParamTable::new()).is_err());
        let mut t = ParamTable::new();
        parse_key_values("v=[1,2],w=3", &mut t).unwrap();
        assert_eq!(t.len(), 2);
    }
}
