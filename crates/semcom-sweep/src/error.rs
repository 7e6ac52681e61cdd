//! Typed errors of the sweep engine.

use semcom_core::CoreError;
use thiserror::Error;

/// Errors raised while validating, running or reporting a sweep.
#[derive(Debug, Error)]
pub enum SweepError {
    /// An error from the core crate (config field errors, unknown names, I/O, images).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A configuration field with a bad value, found during validation (the field is a dotted path).
    #[error("config error in field '{field}': {msg}")]
    Config {
        /// Dotted path of the field, e.g. `budgets.bpp[1]`.
        field: String,
        /// What is wrong with it.
        msg: String,
    },
    /// A journal line that cannot be parsed (other than a torn last line, which is repaired).
    #[error("journal {path}, line {line}: {msg}")]
    Journal {
        /// Journal path.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// The journal in the output folder was written by an incompatible configuration.
    #[error("journal {path} was written by a different configuration ({what}); use another output folder")]
    JournalMismatch {
        /// Journal path.
        path: String,
        /// Which setting differs.
        what: String,
    },
    /// I/O error with the path that caused it.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A bad `--shard I/N` value.
    #[error("invalid shard '{0}' (expected I/N with 0 <= I < N)")]
    Shard(String),
    /// Drawing a plot failed.
    #[error("plot {path}: {msg}")]
    Plot {
        /// Output file.
        path: String,
        /// Message from the plotting backend.
        msg: String,
    },
    /// Some grid points failed; the others are in the journal and a re-run retries the failed ones.
    #[error("{count} sweep point(s) failed; first: {first}")]
    PointsFailed {
        /// Number of failed points.
        count: usize,
        /// Key and message of the first failure.
        first: String,
    },
}

/// Result alias using [`SweepError`].
pub type Result<T> = std::result::Result<T, SweepError>;

impl SweepError {
    /// A config error for `field`.
    pub fn config(field: impl Into<String>, msg: impl Into<String>) -> Self {
        SweepError::Config {
            field: field.into(),
            msg: msg.into(),
        }
    }
    /// An I/O error for `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        SweepError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
