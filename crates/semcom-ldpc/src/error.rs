//! Typed errors of the LDPC crate.

use thiserror::Error;

/// Errors raised by the 5G NR LDPC chain (configuration, input lengths, LLR values).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum LdpcError {
    /// A configuration that TS 38.212/38.214 does not allow (or that this crate does not support).
    #[error("invalid LDPC configuration: {0}")]
    Config(String),
    /// An input of the wrong length.
    #[error("wrong length for {what}: expected {expected}, got {got}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A bit that is neither 0 nor 1.
    #[error("invalid bit value {value} at index {index} (bits must be 0 or 1)")]
    InvalidBit {
        /// Position in the input.
        index: usize,
        /// The offending byte.
        value: u8,
    },
    /// An LLR that is NaN.
    #[error("LLR at index {0} is NaN")]
    NanLlr(usize),
    /// A name (MCS, decoder) that could not be parsed.
    #[error("cannot parse '{name}': {msg}")]
    Parse {
        /// The text given.
        name: String,
        /// What is wrong with it.
        msg: String,
    },
}

/// Result alias using [`LdpcError`].
pub type Result<T> = std::result::Result<T, LdpcError>;

/// Checks that `got == expected`, returning [`LdpcError::Length`] otherwise.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(LdpcError::Length {
            what,
            expected,
            got,
        })
    }
}

/// Checks that every byte is a bit (0 or 1).
pub(crate) fn check_bits(bits: &[u8]) -> Result<()> {
    match bits.iter().position(|&b| b > 1) {
        Some(index) => Err(LdpcError::InvalidBit {
            index,
            value: bits[index],
        }),
        None => Ok(()),
    }
}
