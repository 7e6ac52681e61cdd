//! TOML configuration files, validated on load with errors that name the field.

use crate::error::{CoreError, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses a TOML document into `T`; errors name the offending field as a dotted path.
pub fn from_toml_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.message().to_string();
        let line = inner
            .span()
            .map(|s| {
                format!(
                    " (line {})",
                    text[..s.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        CoreError::Config {
            field: if field == "." {
                "<document>".into()
            } else {
                field
            },
            msg: format!("{msg}{line}"),
        }
    })
}

/// Reads and parses a TOML file (see [`from_toml_str`]).
pub fn load_toml<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| CoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    from_toml_str(&text).map_err(|e| match e {
        CoreError::Config { field, msg } => CoreError::Config {
            field,
            msg: format!("{msg} in {}", path.display()),
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Link {
        #[allow(dead_code)]
        snr_db: f64,
    }
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        #[allow(dead_code)]
        link: Link,
    }

    #[test]
    fn names_the_bad_field() {
        assert!(from_toml_str::<Cfg>("[link]\nsnr_db = 3.0\n").is_ok());
        let e = from_toml_str::<Cfg>("[link]\nsnr_db = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("link.snr_db"), "{e}");
        let e = from_toml_str::<Cfg>("[link\n").unwrap_err().to_string();
        assert!(e.contains("config error"), "{e}");
        let e = from_toml_str::<Cfg>("[link]\nsnr = 1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("snr"), "{e}");
    }
}
