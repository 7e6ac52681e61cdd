//! # semcom-zoo
//!
//! Pretrained helper networks ported to LibTorch (tch-rs), each checked numerically against the
//! reference outputs in `shared/models/`:
//!
//! * [`espnet`]: ESPNet (p=2, q=8) segmenter, CamVid and Cityscapes decoders, CamVid mIoU evaluation
//!   (with `semcom_metrics::segmentation::ConfusionMatrix`).
//! * [`yolo`]: YOLOv5n detector (letterbox, decoding, NMS).
//! * [`flow`]: a SpyNet-style coarse-to-fine optical-flow network, trained here on synthetic
//!   known-flow pairs ([`flow_train`], on the `semcom-nn` training engine).
//! * [`lpips`]: LPIPS v0.1 (AlexNet / VGG16 features + linear heads).
//! * [`inception`]: Inception-v3 pool3 features for FID, with [`inception::fid`].
//!
//! Weights are never downloaded: every loader takes a path or looks in `$SEMCOM_MODELS`
//! ([`weights::models_dir`]) and fails with [`ZooError::MissingWeights`] naming the file.

pub mod error;
pub mod espnet;
pub mod flow;
pub mod flow_train;
pub mod inception;
pub(crate) mod layers;
pub mod lpips;
pub mod resize;
pub mod weights;
pub mod yolo;

pub use error::{Result, ZooError};
/// Re-export of `tch`, so that callers (the CLI) need no direct dependency.
pub use tch;
