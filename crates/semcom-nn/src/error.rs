//! Typed errors of the neural engine.

use thiserror::Error;

/// Errors raised by the neural engine (never a panic on bad input).
#[derive(Debug, Error)]
pub enum NnError {
    /// An error reported by LibTorch.
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),
    /// LibTorch panicked inside a call (caught with `catch_unwind`).
    #[error("torch panicked: {0}")]
    Panic(String),
    /// I/O error with the path that caused it.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A checkpoint or weight file that is corrupt, truncated or does not match the model.
    #[error("checkpoint {path}: {msg}")]
    Checkpoint {
        /// File path.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// A data set that cannot be read or is empty.
    #[error("data {path}: {msg}")]
    Data {
        /// Folder or file.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// A bad configuration value.
    #[error("config: {0}")]
    Config(String),
    /// A device that does not exist or is not available (e.g. CUDA on a CPU-only LibTorch).
    #[error("{0}")]
    Device(String),
    /// Invalid input (wrong shape, NaN, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// An error from semcom-core.
    #[error(transparent)]
    Core(#[from] semcom_core::CoreError),
}

/// Result alias using [`NnError`].
pub type Result<T> = std::result::Result<T, NnError>;

impl NnError {
    /// An I/O error at `path`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        NnError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
    /// A checkpoint error at `path`.
    pub fn ckpt(path: impl AsRef<std::path::Path>, msg: impl Into<String>) -> Self {
        NnError::Checkpoint {
            path: path.as_ref().display().to_string(),
            msg: msg.into(),
        }
    }
}

/// Runs `f`, turning a LibTorch panic (e.g. a shape mismatch inside an op) into [`NnError::Panic`].
pub fn catch_torch<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        NnError::Panic(msg.lines().next().unwrap_or("").to_string())
    })
}
