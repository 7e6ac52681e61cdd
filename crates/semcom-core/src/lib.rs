//! # semcom-core
//!
//! The spine every semcom scheme shares (see `ARCHITECTURE.md`):
//!
//! ```text
//!  source ──► Scheme::encode ──► Payload ──► ChannelModel ──► Received ──► Scheme::decode ──► reconstruction
//!   (Source)       │           (symbols|bits)   (Link: model,SNR,seed)                          + Accounting
//!                  └──────────── SideInfo (error-free, counted in bits) ───────────┘
//! ```
//!
//! * [`image::Image`]: planar `f32` image in `[0,1]`.
//! * [`budget::Budget`]: what a scheme may send (k/n channel uses or bits per pixel).
//! * [`accounting::Accounting`]: what a run actually sent.
//! * [`source::Source`]: what is sent, views of one format with a kind (still, clip, stereo).
//! * [`chain`]: the [`chain::Scheme`] and [`chain::ChannelModel`] traits and [`chain::run_chain`]
//!   (one channel call per block of a scheme's output).
//! * [`perview`]: image schemes ([`perview::ImageScheme`]) and the adapter that runs them on
//!   every modality, one block per view.
//! * [`rng`]: explicit, seeded random number generation.

pub mod accounting;
pub mod budget;
pub mod chain;
pub mod config;
pub mod error;
pub mod fsutil;
pub mod image;
pub mod listing;
pub mod params;
pub mod perview;
pub mod rng;
pub mod source;
pub mod testcard;

pub use accounting::Accounting;
pub use budget::{Budget, Ratio};
pub use chain::{
    run_chain, ChannelModel, DecodeFailure, Decoded, Encoded, LinkInfo, Outcome, Payload, Received,
    Scheme, SideInfo,
};
pub use error::{CoreError, Result};
pub use image::Image;
pub use num_complex::Complex32;
pub use perview::{run_image, ImageDecoded, ImageEncoded, ImageScheme, PerView};
pub use source::{Modality, Source, SourceKind, SourceMeta, ViewMeta};
