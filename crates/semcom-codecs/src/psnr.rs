//! PSNR on the 8-bit grid, as CompressAI measures codecs: PSNR = 10·log10(255²/MSE) with the
//! MSE over all C·H·W samples of the 8-bit images (PSNR-RGB for colour images).

use crate::Result;
use semcom_core::Image;

/// PSNR-RGB (or grey) in dB between two images, after rounding both to 8 bits (delegates to
/// [`semcom_metrics::psnr`]). `+∞` for identical images; a size mismatch or a non-finite
/// sample is an error.
pub fn try_psnr_u8(a: &Image, b: &Image) -> Result<f64> {
    if (a.width(), a.height(), a.channels()) != (b.width(), b.height(), b.channels()) {
        return Err(semcom_core::CoreError::InvalidImage(format!(
            "cannot compare a {}x{}x{} image with a {}x{}x{} one (width x height x channels)",
            a.width(),
            a.height(),
            a.channels(),
            b.width(),
            b.height(),
            b.channels()
        ))
        .into());
    }
    if a.data().iter().chain(b.data()).any(|v| !v.is_finite()) {
        return Err(semcom_core::CoreError::InvalidImage("non-finite sample".into()).into());
    }
    semcom_metrics::psnr(&a.clone().quantize_u8(), &b.clone().quantize_u8(), 1.0)
        .map_err(|e| semcom_core::CoreError::InvalidImage(e.to_string()).into())
}

/// [`try_psnr_u8`] as a plain number: `NaN` when the PSNR is undefined (for tables and
/// benchmarks that show a gap rather than stop).
pub fn psnr_u8(a: &Image, b: &Image) -> f64 {
    try_psnr_u8(a, b).unwrap_or(f64::NAN)
}
