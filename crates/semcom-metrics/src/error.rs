//! Typed errors of the metrics crate: every bad input (mismatched sizes, NaN, empty sets,
//! empty regions, labels out of range, non-PSD covariances) maps to one variant here.

use thiserror::Error;

/// Errors raised by the metrics.
#[derive(Debug, Error)]
pub enum MetricsError {
    /// The two inputs do not have the same shape.
    #[error("size mismatch: {0}")]
    SizeMismatch(String),
    /// The input is too small for the metric (e.g. SSIM needs at least 11x11 pixels).
    #[error("input too small: {0}")]
    TooSmall(String),
    /// A NaN or infinite value in the input.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
    /// A parameter outside its valid range (data range, IoU threshold, box corners, ...).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The region selects no pixel.
    #[error("empty region: the mask or boxes select no pixel")]
    EmptyRegion,
    /// An empty set where at least one element is needed.
    #[error("empty set: {0}")]
    EmptySet(String),
    /// A class label outside `0..num_classes`.
    #[error("label {label} out of range (0..{num_classes})")]
    LabelOutOfRange {
        /// The offending label.
        label: u64,
        /// Number of labels of the confusion matrix.
        num_classes: usize,
    },
    /// A covariance matrix that is not symmetric positive semi-definite.
    #[error("invalid covariance: {0}")]
    InvalidCovariance(String),
    /// Error from semcom-core (image loading, ...).
    #[error(transparent)]
    Core(#[from] semcom_core::CoreError),
}

/// Result alias using [`MetricsError`].
pub type Result<T> = std::result::Result<T, MetricsError>;
