//! Typed errors of model construction, coding and the stream container.

use thiserror::Error;

/// Errors of the entropy-coding layer. Decoders return these on corrupt, truncated or
/// mismatched input; they never panic.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EntropyError {
    /// A model was built from invalid parameters (empty table, non-monotone CDF, …).
    #[error("invalid entropy model: {0}")]
    InvalidModel(String),
    /// The encoder was given a symbol outside its model's alphabet.
    #[error("symbol {symbol} is outside the model's alphabet of {size} symbols")]
    SymbolOutOfRange {
        /// The symbol given.
        symbol: i64,
        /// The alphabet size.
        size: usize,
    },
    /// A scale-table index outside the table.
    #[error("scale index {index} is outside the table of {len} scales")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// Number of scales in the table.
        len: usize,
    },
    /// The range decoder met data no encoder can produce.
    #[error("corrupt entropy-coded data: {0}")]
    Corrupt(&'static str),
    /// The stream does not start with the container's magic bytes.
    #[error("not a semcom entropy stream (bad magic bytes)")]
    BadMagic,
    /// The stream was written by another format version.
    #[error("unsupported stream format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version in the stream.
        found: u8,
        /// Version this build reads and writes.
        supported: u8,
    },
    /// The stream was written by another model (name or fingerprint differ).
    #[error("stream was written by model '{found}' ({found_fp:08x}), expected '{expected}' ({expected_fp:08x})")]
    ModelMismatch {
        /// Model name expected by the decoder.
        expected: String,
        /// Fingerprint expected by the decoder.
        expected_fp: u32,
        /// Model name in the stream.
        found: String,
        /// Fingerprint in the stream.
        found_fp: u32,
    },
    /// The stream ends before the header or a sub-stream it announces.
    #[error("truncated stream: {what} needs {needed} bytes, {available} available")]
    Truncated {
        /// The part being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The checksum over header and payload does not match: the stream was altered.
    #[error("checksum mismatch (stored {stored:08x}, computed {computed:08x}): stream is corrupt")]
    Checksum {
        /// CRC-32 stored in the stream.
        stored: u32,
        /// CRC-32 of the bytes received.
        computed: u32,
    },
    /// A header field outside the limits this build accepts (checked before any allocation).
    #[error("header field {field} = {value} exceeds the limit {limit}")]
    Limit {
        /// The field.
        field: &'static str,
        /// The value found.
        value: u64,
        /// The largest value accepted.
        limit: u64,
    },
    /// A malformed header field (bad name characters, reserved bits set, overlong number, …).
    #[error("malformed header: {0}")]
    Malformed(String),
    /// Bytes after the last announced sub-stream.
    #[error("{0} trailing bytes after the last sub-stream")]
    TrailingBytes(usize),
    /// An integer-network layer was given a tensor of the wrong shape or invalid parameters.
    #[error("integer network: {0}")]
    Shape(String),
}

/// Result alias using [`EntropyError`].
pub type Result<T> = std::result::Result<T, EntropyError>;
