//! PSNR on the 8-bit grid, as CompressAI measures codecs: PSNR = 10·log10(255²/MSE) with the
//! MSE over all C·H·W samples of the 8-bit images (PSNR-RGB for colour images).

use semcom_core::Image;

/// PSNR-RGB (or grey) in dB between two images of the same size, after rounding both to 8 bits.
/// Returns `f64::INFINITY` for identical images and `NaN` for a size mismatch.
pub fn psnr_u8(a: &Image, b: &Image) -> f64 {
    if a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels() {
        return f64::NAN;
    }
    let (x, y) = (a.to_interleaved_u8(), b.to_interleaved_u8());
    let se: f64 = x
        .iter()
        .zip(&y)
        .map(|(&p, &q)| (p as f64 - q as f64).powi(2))
        .sum();
    let mse = se / x.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}
