//! Peak signal-to-noise ratio, `PSNR = 10·log10(L² / MSE)` with an explicit data range `L`
//! (1.0 for `[0,1]` images, 255 for 8-bit values). RGB PSNR takes the MSE over all `C·H·W`
//! samples; luma PSNR over the BT.601 `Y` plane (see [`crate::plane::luma`]). Identical images
//! give `+∞` (the usual convention, as scikit-image).

use crate::error::{MetricsError, Result};
use crate::plane::{check_range, check_same_shape, pair_luma};
use crate::region::Region;
use semcom_core::Image;

/// `10·log10(range² / mse)`; `+∞` when `mse == 0`.
pub fn psnr_from_mse(mse: f64, range: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (range * range / mse).log10()
    }
}

/// Sum of squared differences and number of samples over the selected pixels of two slices.
fn sse_slice<T: Copy + Into<f64>>(a: &[T], b: &[T], sel: Option<&[bool]>) -> (f64, usize) {
    match sel {
        None => (
            a.iter()
                .zip(b)
                .map(|(&x, &y)| (x.into() - y.into()).powi(2))
                .sum(),
            a.len(),
        ),
        Some(s) => a
            .iter()
            .zip(b)
            .zip(s)
            .filter(|(_, &m)| m)
            .fold((0.0, 0), |(acc, n), ((&x, &y), _)| {
                (acc + (x.into() - y.into()).powi(2), n + 1)
            }),
    }
}

/// MSE over every channel's selected samples, computed from the `f32` planes in `f64`.
fn mse_image(a: &Image, b: &Image, range: f64, sel: Option<&[bool]>) -> Result<f64> {
    check_range(range)?;
    check_same_shape(a, b)?;
    // The whole images, not only the selected pixels: a reconstruction holding NaN outside
    // a region is broken, and its in-region PSNR must not look perfect.
    if a.data().iter().chain(b.data()).any(|v| !v.is_finite()) {
        return Err(MetricsError::NonFinite("image samples"));
    }
    let (mut s, mut n) = (0.0, 0);
    for c in 0..a.channels() {
        let (sc, nc) = sse_slice(a.plane(c), b.plane(c), sel);
        s += sc;
        n += nc;
    }
    if !s.is_finite() {
        return Err(MetricsError::NonFinite("image samples"));
    }
    Ok(s / n as f64)
}

/// Luma MSE over the selected pixels.
fn mse_luma(a: &Image, b: &Image, range: f64, sel: Option<&[bool]>) -> Result<f64> {
    let (ya, yb) = pair_luma(a, b, range)?;
    let (s, n) = sse_slice(&ya.data, &yb.data, sel);
    Ok(s / n as f64)
}

/// Mean squared error over all `C·H·W` samples (same shape required).
pub fn mse(a: &Image, b: &Image) -> Result<f64> {
    mse_image(a, b, 1.0, None)
}

/// PSNR over all `C·H·W` samples (RGB PSNR for colour images).
pub fn psnr(a: &Image, b: &Image, range: f64) -> Result<f64> {
    Ok(psnr_from_mse(mse_image(a, b, range, None)?, range))
}

/// PSNR on BT.601 luma `Y = 0.299 R + 0.587 G + 0.114 B` (float, no rounding).
pub fn psnr_y(a: &Image, b: &Image, range: f64) -> Result<f64> {
    Ok(psnr_from_mse(mse_luma(a, b, range, None)?, range))
}

/// PSNR over the samples of all channels inside `region` (errors if the region is empty).
pub fn psnr_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    check_same_shape(a, b)?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    Ok(psnr_from_mse(mse_image(a, b, range, Some(&sel))?, range))
}

/// Luma PSNR inside `region`: MSE = mean over the region's pixels of `(Y_a − Y_b)²`.
pub fn psnr_y_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    check_same_shape(a, b)?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    Ok(psnr_from_mse(mse_luma(a, b, range, Some(&sel))?, range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Rect;

    #[test]
    fn known_values_and_errors() {
        let a = Image::filled(4, 4, 3, 0.5).unwrap();
        let mut b = a.clone();
        b.data_mut().iter_mut().for_each(|v| *v += 0.1);
        // MSE = 0.01 → PSNR = 20 dB at range 1.
        assert!((psnr(&a, &b, 1.0).unwrap() - 20.0).abs() < 1e-5);
        assert!((psnr_y(&a, &b, 1.0).unwrap() - 20.0).abs() < 1e-5);
        assert_eq!(psnr(&a, &a, 1.0).unwrap(), f64::INFINITY);
        let g = Image::filled(4, 4, 1, 0.5).unwrap();
        assert!(matches!(
            psnr(&a, &g, 1.0),
            Err(MetricsError::SizeMismatch(_))
        ));
        assert!(matches!(
            psnr(&a, &b, -1.0),
            Err(MetricsError::InvalidParameter(_))
        ));
        let mut n = b.clone();
        n.data_mut()[3] = f32::NAN;
        assert!(matches!(psnr(&a, &n, 1.0), Err(MetricsError::NonFinite(_))));
        let r = Region::boxes(vec![Rect::new(0, 0, 2, 2).unwrap()]);
        assert!((psnr_masked(&a, &b, 1.0, &r).unwrap() - 20.0).abs() < 1e-5);
        assert!(matches!(
            psnr_y_masked(
                &a,
                &b,
                1.0,
                &Region::boxes(vec![Rect::new(10, 10, 12, 12).unwrap()])
            ),
            Err(MetricsError::EmptyRegion)
        ));
    }
}
