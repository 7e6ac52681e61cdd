//! `mlsc`: MLSC-image, multi-level semantic communication for images (Zhang, Yang, He, Sun &
//! Chen), with the ablations `mlsc-notext`, `mlsc-noseg` and `mlsc-nosem` (`docs/mlsc.md`).
//!
//! * [`model`]: the network — multi-level semantic feature extractor, joint semantic-channel
//!   encoder/decoder, image reconstruction module, power-normalization layer; safetensors
//!   save/load with metadata.
//! * [`text`]: the pluggable semantic feature module ([`text::TextFeatures`]): `seg-words`
//!   (default) or external captions.
//! * [`scheme`]: the chain scheme ([`scheme::MlscScheme`]): tiles of 120, ESPNet-CamVid for
//!   the segmentation feature module, weights chosen by k/n, no side information.

pub mod model;
pub mod scheme;
#[cfg(test)]
mod tests;
pub mod text;

use crate::registry::{SchemeRow, ANY_SOURCE};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use model::{Mlsc, MlscConfig};
pub use scheme::MlscScheme;
pub use text::{Captions, SegWords, TextFeatures};

/// Which semantic inputs a model uses; a missing input is zero in training and test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Text features p and segmentation s (`mlsc`).
    #[default]
    Full,
    /// p = 0 (`mlsc-notext`).
    Notext,
    /// s = 0 (`mlsc-noseg`).
    Noseg,
    /// p = 0 and s = 0 (`mlsc-nosem`).
    Nosem,
}

impl Variant {
    /// Every variant.
    pub const ALL: [Variant; 4] = [Self::Full, Self::Notext, Self::Noseg, Self::Nosem];

    /// `full`, `notext`, `noseg` or `nosem` (metadata and parameter value).
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Notext => "notext",
            Self::Noseg => "noseg",
            Self::Nosem => "nosem",
        }
    }

    /// Parses [`Variant::name`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }

    /// Registry name: `mlsc` or `mlsc-<name>`.
    pub fn scheme_name(self) -> String {
        match self {
            Self::Full => "mlsc".into(),
            v => format!("mlsc-{}", v.name()),
        }
    }

    /// Whether the text features p are used.
    pub fn uses_text(self) -> bool {
        matches!(self, Self::Full | Self::Noseg)
    }

    /// Whether the segmentation map s is used.
    pub fn uses_seg(self) -> bool {
        matches!(self, Self::Full | Self::Notext)
    }
}

/// Errors of MLSC-image (one line each).
#[derive(Debug, thiserror::Error)]
pub enum MlscError {
    /// A bad architecture or parameter.
    #[error("config: {0}")]
    Config(String),
    /// A tensor or image of the wrong shape or size.
    #[error("input: {0}")]
    Input(String),
    /// A weights file that is corrupt, truncated or does not match its architecture.
    #[error("weights {path}: {msg}")]
    Weights {
        /// File.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// A weights file with a NaN or infinite value.
    #[error("weights {path}: tensor '{tensor}' has non-finite values")]
    NonFinite {
        /// File.
        path: String,
        /// Tensor name.
        tensor: String,
    },
    /// No weights for the requested k/n (lists what there is).
    #[error("no {scheme} weights for k/n = {kn:.6} in {dir} (available k/n: {available})")]
    NoWeights {
        /// Registry name.
        scheme: String,
        /// Requested k/n.
        kn: f64,
        /// Folder searched.
        dir: String,
        /// Available k/n, comma-separated, or `none`.
        available: String,
    },
    /// A captions file that cannot be read or is not a JSON object of strings.
    #[error("captions {path}: {msg}")]
    Captions {
        /// File.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// An image without a caption.
    #[error("captions {path}: no caption for stem {stem}")]
    MissingStem {
        /// File.
        path: String,
        /// The stem (or a description of the unmatched view).
        stem: String,
    },
    /// ESPNet could not be loaded (names the file) or run.
    #[error("segmentation feature module (ESPNet-CamVid): {0}")]
    Espnet(String),
    /// The neural engine (LibTorch, checkpoints).
    #[error(transparent)]
    Nn(#[from] semcom_nn::NnError),
}

impl From<semcom_nn::tch::TchError> for MlscError {
    fn from(e: semcom_nn::tch::TchError) -> Self {
        Self::Nn(e.into())
    }
}

/// Typed parameters (`--param key=value`; `params = { … }` in configs).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlscParams {
    /// Levels l the weights must have (default: any; k/n decides).
    pub l: Option<i64>,
    /// Variant (`full`, `notext`, `noseg`, `nosem`); must agree with the registry name.
    pub variant: Option<String>,
    /// Text features: `seg-words` (default) or `captions` (needs `captions`).
    pub text: Option<String>,
    /// Captions file `{ "stem": "text", … }` (implies `text = captions`).
    pub captions: Option<PathBuf>,
    /// Folder of the captioned images (default: the captions file's folder).
    pub caption_images: Option<PathBuf>,
    /// Training SNR (dB) of the weights, when a folder holds several for one k/n (default:
    /// 10 dB if present).
    pub train_snr: Option<f64>,
    /// ESPNet-CamVid weights file (default: `espnet/espnet_camvid.safetensors` in
    /// `$SEMCOM_MODELS`, else `../shared/models`).
    pub espnet: Option<PathBuf>,
}

/// Registry rows: `mlsc`, `mlsc-notext`, `mlsc-noseg`, `mlsc-nosem`.
pub fn rows() -> Vec<SchemeRow> {
    Variant::ALL
        .into_iter()
        .map(|v| SchemeRow {
            name: v.scheme_name(),
            modalities: ANY_SOURCE,
            description: match v {
                Variant::Full => "MLSC-image: text + segmentation + multi-level image branches in one learned analog code (Zhang et al.)",
                Variant::Notext => "MLSC-image ablation without the semantic feature module (p = 0)",
                Variant::Noseg => "MLSC-image ablation without the segmentation feature module (s = 0)",
                Variant::Nosem => "MLSC-image ablation without text and segmentation (p = 0, s = 0)",
            },
            in_demo: false,
            build: |name, o| {
                let p: MlscParams = o.params(name)?;
                Ok(Box::new(semcom_core::PerView(MlscScheme::from_options(
                    name, o, &p,
                )?)))
            },
        })
        .collect()
}

/// The MLSC weights shipped with the repository (`weights/mlsc`).
pub fn default_weights_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../weights/mlsc"))
}

/// Resolves the weights folder: explicit option (a folder holding `mlsc/` or the files),
/// `$SEMCOM_MODELS/mlsc`, or [`default_weights_dir`].
pub fn weights_dir(opt: Option<&std::path::Path>) -> PathBuf {
    let pick = |p: PathBuf| {
        if p.join("mlsc").is_dir() {
            p.join("mlsc")
        } else {
            p
        }
    };
    if let Some(p) = opt {
        return pick(p.to_path_buf());
    }
    match std::env::var_os("SEMCOM_MODELS") {
        Some(m) if !m.is_empty() && PathBuf::from(&m).join("mlsc").is_dir() => {
            PathBuf::from(m).join("mlsc")
        }
        _ => default_weights_dir(),
    }
}
