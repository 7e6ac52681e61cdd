//! PSNR on the 8-bit grid, as CompressAI measures codecs: PSNR = 10·log10(255²/MSE) with the
//! MSE over all C·H·W samples of the 8-bit images (PSNR-RGB for colour images).

use semcom_core::Image;

/// PSNR-RGB (or grey) in dB between two images of the same size, after rounding both to 8 bits
/// (delegates to [`semcom_metrics::psnr`]). Returns `f64::INFINITY` for identical images and
/// `NaN` for a size mismatch.
pub fn psnr_u8(a: &Image, b: &Image) -> f64 {
    semcom_metrics::psnr(&a.clone().quantize_u8(), &b.clone().quantize_u8(), 1.0)
        .unwrap_or(f64::NAN)
}
