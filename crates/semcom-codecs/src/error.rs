//! Typed errors of the codecs.

use thiserror::Error;

/// Errors of encoding, decoding and rate control.
#[derive(Debug, Error)]
pub enum CodecError {
    /// A codec name that is not in this build.
    #[error("unknown codec '{name}' (known: {known})")]
    UnknownCodec {
        /// The name given.
        name: String,
        /// Comma-separated list of valid names.
        known: String,
    },
    /// A rate target out of range (quality outside its interval, BPP ≤ 0, NaN).
    #[error("invalid rate target: {0}")]
    InvalidTarget(String),
    /// Even the coarsest setting of the codec needs more bytes than allowed.
    #[error(
        "{codec}: the smallest stream is {min_bytes} bytes, more than the {max_bytes} allowed"
    )]
    BudgetTooSmall {
        /// Codec name.
        codec: &'static str,
        /// Allowed bytes.
        max_bytes: usize,
        /// Size of the coarsest stream.
        min_bytes: usize,
    },
    /// The encoder failed.
    #[error("{codec} encoder: {msg}")]
    Encode {
        /// Codec name.
        codec: &'static str,
        /// Message.
        msg: String,
    },
    /// The stream could not be decoded (corrupt, truncated, unsupported or too large).
    #[error("{codec} decoder: {msg}")]
    Decode {
        /// Codec name.
        codec: &'static str,
        /// Message.
        msg: String,
    },
    /// A rate–distortion reference file that is missing, unreadable or malformed.
    #[error("reference {path}: {msg}")]
    Reference {
        /// File path.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// An image error from semcom-core.
    #[error(transparent)]
    Image(#[from] semcom_core::CoreError),
}

impl CodecError {
    /// Shorthand for a decode error.
    pub(crate) fn dec(codec: &'static str, msg: impl Into<String>) -> Self {
        Self::Decode {
            codec,
            msg: msg.into(),
        }
    }
    /// Shorthand for an encode error.
    pub(crate) fn enc(codec: &'static str, msg: impl Into<String>) -> Self {
        Self::Encode {
            codec,
            msg: msg.into(),
        }
    }
}

/// Result alias using [`CodecError`].
pub type Result<T> = std::result::Result<T, CodecError>;

impl From<CodecError> for semcom_core::CoreError {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::Image(c) => c,
            CodecError::UnknownCodec { name, known } => semcom_core::CoreError::UnknownName {
                kind: "codec",
                name,
                known,
            },
            other => semcom_core::CoreError::Scheme {
                scheme: "codec".into(),
                msg: other.to_string(),
            },
        }
    }
}
