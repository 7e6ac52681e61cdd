//! # semcom-metrics
//!
//! Quality and task metrics for semantic communication of images, checked against the
//! reference implementations researchers use (scikit-image, pytorch_msssim, scipy, VOC devkit):
//!
//! * [`psnr()`] / [`psnr_y`]: PSNR over all samples (RGB) or on BT.601 luma, explicit data range.
//! * [`ssim()`] / [`ssim_y`]: SSIM (Gaussian σ = 1.5, 11×11, K1 = 0.01, K2 = 0.03).
//! * [`ms_ssim()`]: 5-scale MS-SSIM with the standard weights.
//! * [`psnr_masked`], [`psnr_y_masked`], [`ssim_masked`], [`ssim_y_masked`]: restricted to a
//!   [`Region`] (mask, boxes, complement, …).
//! * [`segmentation::ConfusionMatrix`]: IoU, mIoU, pixel accuracy with an ignore label.
//! * [`detection`]: average precision (all-point / VOC 11-point), per class, retention.
//! * [`frechet::frechet_distance`]: the FID formula with a stable matrix square root.
//! * [`stats::mean_ci95`]: mean and 95 % confidence interval for batch evaluation.
//! * [`report::compare_images`]: every image metric of one pair.
//!
//! Images are [`semcom_core::Image`]s; pass `range = 1.0` for the usual `[0,1]` images (or
//! 255 for images holding 8-bit values). All computations are in `f64`.

pub mod detection;
pub mod error;
pub mod frechet;
pub mod msssim;
pub mod plane;
pub mod psnr;
pub mod region;
pub mod report;
pub mod segmentation;
pub mod ssim;
pub mod stats;

pub use error::{MetricsError, Result};
pub use msssim::ms_ssim;
pub use psnr::{mse, psnr, psnr_masked, psnr_y, psnr_y_masked};
pub use region::{Mask, Rect, Region};
pub use report::{compare_images, summarize, PairMetrics};
pub use ssim::{ssim, ssim_map_y, ssim_masked, ssim_per_channel, ssim_y, ssim_y_masked};
pub use stats::{mean_ci95, MeanCi};
