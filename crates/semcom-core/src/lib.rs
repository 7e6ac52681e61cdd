//! # semcom-core
//!
//! The spine every semcom scheme shares (see `ARCHITECTURE.md`):
//!
//! ```text
//!  source ──► Scheme::encode ──► Payload ──► ChannelModel ──► Received ──► Scheme::decode ──► reconstruction
//!   (Image)        │           (symbols|bits)   (Link: model,SNR,seed)                          + Accounting
//!                  └──────────── SideInfo (error-free, counted in bits) ───────────┘
//! ```
//!
//! * [`image::Image`]: planar `f32` image in `[0,1]`.
//! * [`budget::Budget`]: what a scheme may send (k/n channel uses or bits per pixel).
//! * [`accounting::Accounting`]: what a run actually sent.
//! * [`chain`]: the [`chain::Scheme`] and [`chain::ChannelModel`] traits and [`chain::run_chain`].
//! * [`rng`]: explicit, seeded random number generation.

pub mod accounting;
pub mod budget;
pub mod chain;
pub mod config;
pub mod error;
pub mod fsutil;
pub mod image;
pub mod rng;
pub mod testcard;
pub mod video;

pub use accounting::Accounting;
pub use budget::{Budget, Ratio};
pub use chain::{
    run_chain, ChannelModel, Decoded, Encoded, LinkInfo, Outcome, Payload, Received, Scheme,
    SideInfo,
};
pub use error::{CoreError, Result};
pub use image::Image;
pub use num_complex::Complex32;
pub use video::{run_video_chain, ClipMeta, DecodedClip, EncodedClip, VideoOutcome, VideoScheme};
