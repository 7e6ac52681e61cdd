//! Peak signal-to-noise ratio, `PSNR = 10·log10(L² / MSE)` with an explicit data range `L`
//! (1.0 for `[0,1]` images, 255 for 8-bit values). RGB PSNR takes the MSE over all `C·H·W`
//! samples; luma PSNR over the BT.601 `Y` plane (see [`crate::plane::luma`]). Identical images
//! give `+∞` (the usual convention, as scikit-image).

use crate::error::Result;
use crate::plane::{pair_luma, pair_planes, Plane};
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

/// Sum of squared differences and number of samples over the selected pixels of plane pairs.
pub(crate) fn sse(a: &[Plane], b: &[Plane], sel: Option<&[bool]>) -> (f64, usize) {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (pa, pb) in a.iter().zip(b) {
        match sel {
            None => {
                sum += pa.data.iter().zip(&pb.data).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
                n += pa.data.len();
            }
            Some(s) => {
                for ((x, y), &m) in pa.data.iter().zip(&pb.data).zip(s) {
                    if m {
                        sum += (x - y) * (x - y);
                        n += 1;
                    }
                }
            }
        }
    }
    (sum, n)
}

/// Mean squared error over all `C·H·W` samples (same shape required).
pub fn mse(a: &Image, b: &Image) -> Result<f64> {
    let (pa, pb) = pair_planes(a, b, 1.0)?;
    let (s, n) = sse(&pa, &pb, None);
    Ok(s / n as f64)
}

/// PSNR over all `C·H·W` samples (RGB PSNR for colour images).
pub fn psnr(a: &Image, b: &Image, range: f64) -> Result<f64> {
    let (pa, pb) = pair_planes(a, b, range)?;
    let (s, n) = sse(&pa, &pb, None);
    Ok(psnr_from_mse(s / n as f64, range))
}

/// PSNR on BT.601 luma `Y = 0.299 R + 0.587 G + 0.114 B` (float, no rounding).
pub fn psnr_y(a: &Image, b: &Image, range: f64) -> Result<f64> {
    let (ya, yb) = pair_luma(a, b, range)?;
    let (s, n) = sse(std::slice::from_ref(&ya), std::slice::from_ref(&yb), None);
    Ok(psnr_from_mse(s / n as f64, range))
}

/// PSNR over the samples of all channels inside `region` (errors if the region is empty).
pub fn psnr_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    let (pa, pb) = pair_planes(a, b, range)?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    let (s, n) = sse(&pa, &pb, Some(&sel));
    Ok(psnr_from_mse(s / n as f64, range))
}

/// Luma PSNR inside `region`: MSE = mean over the region's pixels of `(Y_a − Y_b)²`.
pub fn psnr_y_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    let (ya, yb) = pair_luma(a, b, range)?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    let (s, n) = sse(std::slice::from_ref(&ya), std::slice::from_ref(&yb), Some(&sel));
    Ok(psnr_from_mse(s / n as f64, range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MetricsError;
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
        assert!(matches!(psnr(&a, &g, 1.0), Err(MetricsError::SizeMismatch(_))));
        assert!(matches!(psnr(&a, &b, -1.0), Err(MetricsError::InvalidParameter(_))));
        let mut n = b.clone();
        n.data_mut()[3] = f32::NAN;
        assert!(matches!(psnr(&a, &n, 1.0), Err(MetricsError::NonFinite(_))));
        let r = Region::boxes(vec![Rect::new(0, 0, 2, 2).unwrap()]);
        assert!((psnr_masked(&a, &b, 1.0, &r).unwrap() - 20.0).abs() < 1e-5);
        assert!(matches!(
            psnr_y_masked(&a, &b, 1.0, &Region::boxes(vec![Rect::new(10, 10, 12, 12).unwrap()])),
            Err(MetricsError::EmptyRegion)
        ));
    }
}
