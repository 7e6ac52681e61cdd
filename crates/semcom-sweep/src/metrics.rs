//! Per-image quality metrics by name, computed with `semcom-metrics` on the clamped
//! reconstruction against the source (range 1.0, i.e. `[0,1]` images).

use semcom_core::Image;

/// Metric names a sweep config may list.
pub const METRIC_NAMES: &[&str] = &["psnr", "psnr-y", "ssim", "ssim-y", "ms-ssim", "mse"];

/// Computes metric `name` of `rec` against `src`:
/// `psnr` = 10·log10(1/MSE) over all C·H·W samples, `psnr-y` on BT.601 luma, `ssim`/`ssim-y`
/// (Wang et al. 2004, Gaussian σ = 1.5), `ms-ssim` (Wang et al. 2003, 5 scales, sides > 160 px),
/// `mse` on the `[0,1]` scale. A perfect reconstruction gives +∞ dB (stored as `null`).
pub fn compute(name: &str, src: &Image, rec: &Image) -> Result<f64, String> {
    use semcom_metrics as m;
    let r = match name {
        "psnr" => m::psnr(src, rec, 1.0),
        "psnr-y" => m::psnr_y(src, rec, 1.0),
        "ssim" => m::ssim(src, rec, 1.0),
        "ssim-y" => m::ssim_y(src, rec, 1.0),
        "ms-ssim" => m::ms_ssim(src, rec, 1.0),
        "mse" => m::mse(src, rec),
        other => return Err(format!("unknown metric '{other}'")),
    };
    r.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values() {
        let a = Image::filled(4, 4, 3, 0.5).unwrap();
        let b = Image::filled(4, 4, 3, 0.6).unwrap();
        let p = compute("psnr", &a, &b).unwrap();
        assert!((p - 20.0).abs() < 1e-5, "{p}");
        assert!((compute("psnr-y", &a, &b).unwrap() - 20.0).abs() < 1e-4);
        assert!(compute("nope", &a, &b).is_err());
        let c = Image::filled(4, 2, 3, 0.5).unwrap();
        assert!(compute("psnr", &a, &c).is_err());
        let card = semcom_core::testcard::test_card(24, 24);
        assert!((compute("ssim", &card, &card).unwrap() - 1.0).abs() < 1e-9);
        // MS-SSIM needs sides above 160 pixels: a clear error, caught by Plan::new.
        assert!(compute("ms-ssim", &card, &card).is_err());
    }
}
