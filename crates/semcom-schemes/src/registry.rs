//! Schemes by name, for the CLI, the demo, configs and sweeps.

use semcom_core::{CoreError, Result, Scheme};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Options a scheme may need; unused fields are ignored by a scheme.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemeOptions {
    /// Modulation-and-coding scheme for digital schemes, e.g. `16qam-2/3` (`None` = adaptive).
    pub mcs: Option<String>,
    /// Directory of trained weights (default: the weights shipped in the repository).
    pub weights: Option<PathBuf>,
    /// `cpu` or `cuda`.
    pub device: String,
}

impl Default for SchemeOptions {
    fn default() -> Self {
        Self {
            mcs: None,
            weights: None,
            device: "cpu".into(),
        }
    }
}

/// A registry entry.
#[derive(Clone, Debug, Serialize)]
pub struct SchemeInfo {
    /// Name used on the command line.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Whether `semcom demo` runs it by default.
    pub in_demo: bool,
}

/// Every scheme this build knows.
pub fn available() -> Vec<SchemeInfo> {
    let mut v = vec![SchemeInfo {
        name: "softcast",
        description: "linear analog JSCC: DCT chunks, power allocation, LLSE decoding (Jakubczak & Katabi 2011)",
        in_demo: true,
    }];
    v.extend(crate::separation::scheme_infos());
    v.push(SchemeInfo {
        name: "deepjscc",
        description: "deep JSCC: 5x5 conv + PReLU autoencoder, trained at 10 dB AWGN on CIFAR-10 (Bourtsoulatze et al. 2019)",
        in_demo: true,
    });
    v
}

/// Builds a scheme by name.
pub fn build(name: &str, opts: &SchemeOptions) -> Result<Box<dyn Scheme>> {
    match name {
        "softcast" => Ok(Box::new(crate::softcast::SoftCast)),
        "deepjscc" => Ok(Box::new(crate::deepjscc::DeepJsccScheme::new(
            crate::deepjscc::weights_dir(opts.weights.as_deref()),
            &opts.device,
        )?)),
        n if crate::separation::Separation::is_separation(n) => Ok(Box::new(
            crate::separation::Separation::from_name(n, opts.mcs.as_deref())?,
        )),
        _ => Err(CoreError::UnknownName {
            kind: "scheme",
            name: name.into(),
            known: available()
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
