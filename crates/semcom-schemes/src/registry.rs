//! One registry table of every scheme of the build, for the CLI, the demo, configs and sweeps.
//!
//! Each scheme module contributes its rows ([`SchemeRow`]: name, modalities, one-line
//! description, whether the demo runs it, a constructor from [`SchemeOptions`]); [`table`]
//! lists them, [`build`] constructs one by name. Adding a scheme is one module plus one line
//! in [`table`] (see `ARCHITECTURE.md`, "Adding a scheme").

use semcom_core::params::{parse_params, ParamTable};
use semcom_core::{CoreError, Modality, Result, Scheme};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a scheme is built from: the common fields plus its own parameter table.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemeOptions {
    /// Modulation-and-coding scheme for digital schemes, e.g. `16qam-2/3` (`None` = adaptive).
    pub mcs: Option<String>,
    /// Directory of trained weights (default: the weights shipped in the repository).
    pub weights: Option<PathBuf>,
    /// `cpu` or `cuda`.
    pub device: String,
    /// Scheme-specific parameters (`--param key=value`; `params = { … }` in configs), read by
    /// the scheme into its own struct with unknown keys rejected.
    #[serde(skip_serializing_if = "ParamTable::is_empty")]
    pub params: ParamTable,
}

impl Default for SchemeOptions {
    fn default() -> Self {
        Self {
            mcs: None,
            weights: None,
            device: "cpu".into(),
            params: ParamTable::new(),
        }
    }
}

impl SchemeOptions {
    /// The scheme's typed parameters (unknown keys are an error naming `scheme` and the key).
    pub fn params<T: DeserializeOwned>(&self, scheme: &str) -> Result<T> {
        parse_params("scheme", scheme, &self.params)
    }
}

/// Builds a scheme from its registry name and options.
pub type Constructor = fn(&str, &SchemeOptions) -> Result<Box<dyn Scheme>>;

/// One row of the registry.
#[derive(Clone)]
pub struct SchemeRow {
    /// Name used on the command line.
    pub name: String,
    /// Modalities the scheme transmits.
    pub modalities: &'static [Modality],
    /// One-line description.
    pub description: &'static str,
    /// Whether `semcom demo` runs it by default.
    pub in_demo: bool,
    /// Constructor.
    pub build: Constructor,
}

impl std::fmt::Debug for SchemeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemeRow")
            .field("name", &self.name)
            .field("modalities", &self.modalities)
            .finish()
    }
}

/// Every modality: image schemes run on clips and stereo pairs one block per view.
pub const ANY_SOURCE: &[Modality] = &Modality::ALL;

/// A registry entry as listed by `semcom demo --list`.
#[derive(Clone, Debug, Serialize)]
pub struct SchemeInfo {
    /// Name used on the command line.
    pub name: String,
    /// Modalities the scheme transmits.
    pub modalities: Vec<Modality>,
    /// One-line description.
    pub description: &'static str,
    /// Whether `semcom demo` runs it by default.
    pub in_demo: bool,
}

/// The registry table: every scheme this build knows, one line per scheme module.
pub fn table() -> Vec<SchemeRow> {
    let mut t = Vec::new();
    t.extend(crate::softcast::rows());
    t.extend(crate::separation::rows());
    t.extend(crate::deepjscc::rows());
    t.extend(crate::mlsc::rows());
    t.extend(crate::video::rows());
    t.extend(crate::uncoded::rows());
    t
}

/// Every scheme this build knows.
pub fn available() -> Vec<SchemeInfo> {
    table()
        .into_iter()
        .map(|r| SchemeInfo {
            name: r.name,
            modalities: r.modalities.to_vec(),
            description: r.description,
            in_demo: r.in_demo,
        })
        .collect()
}

/// Builds a scheme by name.
pub fn build(name: &str, opts: &SchemeOptions) -> Result<Box<dyn Scheme>> {
    let t = table();
    match t.iter().find(|r| r.name == name) {
        Some(r) => (r.build)(name, opts),
        None => Err(CoreError::UnknownName {
            kind: "scheme",
            name: name.into(),
            known: t
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_row_builds_or_says_why() {
        let t = table();
        let mut names: Vec<&str> = t.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate scheme names");
        for r in &t {
            assert!(
                !r.modalities.is_empty() && !r.description.is_empty(),
                "{}",
                r.name
            );
            // Constructors that need no weights build; the others name what is missing.
            if let Err(e) = (r.build)(&r.name, &SchemeOptions::default()) {
                assert!(r.name == "deepjscc", "{}: {e}", r.name);
            }
        }
        assert!(build("nope", &SchemeOptions::default()).is_err());
    }

    #[test]
    fn unknown_params_name_the_scheme_and_the_key() {
        let mut o = SchemeOptions::default();
        semcom_core::params::parse_key_values("levels=5", &mut o.params).unwrap();
        for name in ["softcast", "jpeg+ldpc", "h264+ldpc", "uncoded"] {
            let e = build(name, &o).err().unwrap().to_string();
            assert!(e.contains(name) && e.contains("levels"), "{e}");
        }
    }
}
