//! Typed errors of the channel crate, convertible into [`semcom_core::CoreError`].

use semcom_core::CoreError;
use thiserror::Error;

/// Errors raised by modulation, equalisation, interleaving and the channel models.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ChannelError {
    /// An input whose length does not fit (e.g. bits not a multiple of bits per symbol).
    #[error("length mismatch: {0}")]
    Length(String),
    /// A bit that is neither 0 nor 1.
    #[error("bit {index} has value {value} (expected 0 or 1)")]
    InvalidBit {
        /// Position of the bad value.
        index: usize,
        /// The value found.
        value: u8,
    },
    /// A noise variance that is negative or NaN.
    #[error("invalid noise variance: {0}")]
    NoiseVar(String),
    /// A model or interleaver parameter outside its valid range.
    #[error("invalid parameter '{field}': {msg}")]
    Param {
        /// Parameter name.
        field: &'static str,
        /// What is wrong with it.
        msg: String,
    },
    /// A name (modulation, equaliser) that is not known.
    #[error("unknown {kind} '{name}' (known: {known})")]
    UnknownName {
        /// What kind of name was looked up.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Comma separated list of valid names.
        known: String,
    },
}

/// Result alias using [`ChannelError`].
pub type Result<T> = std::result::Result<T, ChannelError>;

impl From<ChannelError> for CoreError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Param { field, msg } => CoreError::Config {
                field: format!("channel.{field}"),
                msg,
            },
            ChannelError::UnknownName { kind, name, known } => {
                CoreError::UnknownName { kind, name, known }
            }
            other => CoreError::Payload(other.to_string()),
        }
    }
}

/// Checks that `v` is a probability in [0, 1].
pub(crate) fn check_prob(field: &'static str, v: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ChannelError::Param {
            field,
            msg: format!("{v} is not a probability in [0, 1]"),
        })
    }
}

/// Checks that every value is 0 or 1.
pub(crate) fn check_bits(bits: &[u8]) -> Result<()> {
    // Fast path: OR of all values fits in one bit.
    if bits.iter().fold(0u8, |a, &b| a | b) <= 1 {
        return Ok(());
    }
    let (index, &value) = bits
        .iter()
        .enumerate()
        .find(|(_, &b)| b > 1)
        .expect("a value > 1 exists");
    Err(ChannelError::InvalidBit { index, value })
}
