//! # semcom-codecs
//!
//! Real classical codecs behind one interface, [`ImageCodec`], with rate control:
//!
//! | name | library | rate control for [`RateTarget::Bpp`] / [`RateTarget::MaxBytes`] |
//! |---|---|---|
//! | `jpeg` | jpeg-encoder (ITU-T T.81 baseline, 4:2:0, Annex K tables) + zune-jpeg | bisection on the quality factor |
//! | `jpeg2000` | OpenJPEG (ISO/IEC 15444-1, 9/7 wavelet, one quality layer) | the layer rate (PCRD-opt), then bisection |
//! | `webp` | libwebp (VP8 lossy) | libwebp's `target_size`, then bisection on quality |
//! | `avif` | ravif/rav1e encoder (AV1 intra, AVIF/HEIF container) + rav1d decoder | bisection on quality |
//! | `hevc` | x265 through libheif (HEVC intra, BPG-class), cargo feature `hevc` | bisection on quality |
//!
//! Video: [`h264::H264`] (OpenH264, built from source) encodes a clip of frames at a target bitrate.
//!
//! Achieved BPP is always `bytes·8/(H·W)` of the complete stream ([`bpp_of`]).
//! Decoders never panic on corrupt input: they return [`CodecError`] (C decoders check image
//! sizes before allocating; Rust decoders run under `catch_unwind`).

pub mod avif;
pub mod error;
mod guard;
pub mod h264;
#[cfg(feature = "hevc")]
pub mod hevc;
pub mod j2k;
pub mod jpeg;
pub mod psnr;
pub mod rate;
pub mod rd;
pub mod webp;
mod yuv;

pub use error::{CodecError, Result};
pub use rate::RateTarget;

use semcom_core::Image;

/// Largest image side a decoder accepts before allocating (guards against absurd headers).
pub const MAX_DECODE_SIDE: usize = semcom_core::image::MAX_SIDE;
/// Largest number of pixels a decoder accepts before allocating (the image limit of
/// [`semcom_core::image::MAX_PIXELS`], 2^25).
pub const MAX_DECODE_PIXELS: usize = semcom_core::image::MAX_PIXELS;

/// A still-image codec: image → bytes at a [`RateTarget`], bytes → image or a typed error.
pub trait ImageCodec: Send + Sync {
    /// Registry name (`jpeg`, `jpeg2000`, `webp`, `avif`, `hevc`).
    fn name(&self) -> &'static str;
    /// Encodes `img` (grey or RGB) to a complete file/codestream at `target`.
    ///
    /// `MaxBytes(n)` returns the largest stream the codec's rate control finds with ≤ n bytes,
    /// or [`CodecError::BudgetTooSmall`] if even the coarsest setting is larger.
    fn encode(&self, img: &Image, target: RateTarget) -> Result<Vec<u8>>;
    /// Decodes a stream produced by [`ImageCodec::encode`]; never panics on corrupt input.
    fn decode(&self, bytes: &[u8]) -> Result<Image>;
}

/// Achieved bits per pixel of a stream: `bytes·8/(H·W)` (the whole stream, headers included).
pub fn bpp_of(bytes: usize, width: usize, height: usize) -> f64 {
    bytes as f64 * 8.0 / (width * height).max(1) as f64
}

/// Names of the still-image codecs in this build.
pub fn codec_names() -> Vec<&'static str> {
    let mut v = vec!["jpeg", "jpeg2000", "webp", "avif"];
    if cfg!(feature = "hevc") {
        v.push("hevc");
    }
    v
}

/// Builds a codec by name (`jpeg`, `jpeg2000`/`j2k`, `webp`, `avif`, `hevc`/`bpg` with feature `hevc`).
pub fn codec_by_name(name: &str) -> Result<Box<dyn ImageCodec>> {
    match name.to_ascii_lowercase().as_str() {
        "jpeg" | "jpg" => Ok(Box::new(jpeg::Jpeg::default())),
        "jpeg2000" | "j2k" | "jp2" => Ok(Box::new(j2k::Jpeg2000::default())),
        "webp" => Ok(Box::new(webp::WebP::default())),
        "avif" => Ok(Box::new(avif::Avif::default())),
        #[cfg(feature = "hevc")]
        "hevc" | "bpg" => Ok(Box::new(hevc::Hevc)),
        _ => Err(CodecError::UnknownCodec {
            name: name.into(),
            known: codec_names().join(", "),
        }),
    }
}

/// Converts a decoded image to the wanted number of planes (RGB → BT.601 luma, grey → RGB).
pub fn with_channels(img: Image, channels: usize) -> Image {
    match (img.channels(), channels) {
        (3, 1) => img.to_luma(),
        (1, 3) => img.to_rgb(),
        _ => img,
    }
}
