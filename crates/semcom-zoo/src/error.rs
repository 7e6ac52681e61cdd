//! Typed errors of the zoo (weights, inputs, models).

/// Errors returned by every zoo function.
#[derive(Debug, thiserror::Error)]
pub enum ZooError {
    /// A weights file (or model directory entry) is missing.
    #[error("missing weights file {path}: {hint}")]
    MissingWeights {
        /// The path that was looked for.
        path: String,
        /// What to do about it.
        hint: String,
    },
    /// A weights file is unreadable, corrupt, or has the wrong tensors.
    #[error("bad weights file {path}: {msg}")]
    BadWeights {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// The input (image, tensor, parameters) is not acceptable.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An error from LibTorch.
    #[error("libtorch: {0}")]
    Torch(String),
    /// An I/O error.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An error from semcom-core (images).
    #[error(transparent)]
    Core(#[from] semcom_core::CoreError),
}

impl From<tch::TchError> for ZooError {
    fn from(e: tch::TchError) -> Self {
        ZooError::Torch(e.to_string())
    }
}

/// Result alias of the zoo.
pub type Result<T> = std::result::Result<T, ZooError>;

/// Runs `f`, turning a LibTorch panic (shape mismatch deep in C++) into [`ZooError::Torch`].
pub fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into());
        ZooError::Torch(format!("{what}: {}", msg.lines().next().unwrap_or("")))
    })
}
