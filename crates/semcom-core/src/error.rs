//! Typed errors of the core crate.

use thiserror::Error;

/// Errors raised by core types and by the chain abstraction.
#[derive(Debug, Error)]
pub enum CoreError {
    /// An image with invalid dimensions or data.
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// A budget outside its valid range (e.g. k/n of 0 or above 1).
    #[error("invalid budget: {0}")]
    InvalidBudget(String),
    /// An SNR that is not a finite number.
    #[error("invalid SNR: {0}")]
    InvalidSnr(String),
    /// A name (scheme, channel, codec, ...) that is not known.
    #[error("unknown {kind} '{name}' (known: {known})")]
    UnknownName {
        /// What kind of name was looked up.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Comma separated list of valid names.
        known: String,
    },
    /// A configuration field with a bad value.
    #[error("config error in field '{field}': {msg}")]
    Config {
        /// Dotted path of the field.
        field: String,
        /// What is wrong with it.
        msg: String,
    },
    /// A payload of the wrong kind or length reached a decoder or channel.
    #[error("payload mismatch: {0}")]
    Payload(String),
    /// Failure inside a scheme (codec, neural network, ...).
    #[error("{scheme}: {msg}")]
    Scheme {
        /// Scheme name.
        scheme: String,
        /// Message.
        msg: String,
    },
    /// I/O error with the path that caused it.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Image decoding/encoding error with the path that caused it.
    #[error("{path}: {msg}")]
    ImageFile {
        /// File path.
        path: String,
        /// Message.
        msg: String,
    },
}

/// Result alias using [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;

/// Checks that an SNR in dB is finite.
pub fn check_snr_db(snr_db: f64) -> Result<f64> {
    if snr_db.is_finite() {
        Ok(snr_db)
    } else {
        Err(CoreError::InvalidSnr(format!(
            "{snr_db} dB is not a finite number"
        )))
    }
}
