//! `f64` sample planes: the working representation of every image metric.
//!
//! Images are converted to `f64` once (exactly: every `f32` is representable), and luma is
//! formed in `f64` as ITU-R BT.601 `Y = 0.299 R + 0.587 G + 0.114 B` (no rounding, no
//! offset), which is the definition used by the reference values.

use crate::error::{MetricsError, Result};
use semcom_core::Image;

/// One `w × h` plane of `f64` samples, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    /// Width in pixels.
    pub w: usize,
    /// Height in pixels.
    pub h: usize,
    /// Row-major samples (`data[y * w + x]`).
    pub data: Vec<f64>,
}

impl Plane {
    /// Wraps row-major samples; checks the length and finiteness.
    pub fn new(w: usize, h: usize, data: Vec<f64>) -> Result<Self> {
        if data.len() != w * h {
            return Err(MetricsError::SizeMismatch(format!(
                "{} samples for a {w}x{h} plane",
                data.len()
            )));
        }
        if data.iter().any(|v| !v.is_finite()) {
            return Err(MetricsError::NonFinite("image samples"));
        }
        Ok(Self { w, h, data })
    }

    /// Row `y`.
    pub fn row(&self, y: usize) -> &[f64] {
        &self.data[y * self.w..(y + 1) * self.w]
    }
}

/// Checks that the data range is a finite positive number.
pub fn check_range(range: f64) -> Result<f64> {
    if range.is_finite() && range > 0.0 {
        Ok(range)
    } else {
        Err(MetricsError::InvalidParameter(format!(
            "data range {range} (expected a finite number > 0, e.g. 1.0 for [0,1] images)"
        )))
    }
}

/// A metric value that must be a finite number (SSIM, MS-SSIM, ...): NaN or ±∞ (from
/// samples so extreme that the statistics cancel) is an error, never a score.
pub fn finite_score(metric: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(MetricsError::NonFinite(metric))
    }
}

/// Checks that two images have the same width, height and number of channels.
pub fn check_same_shape(a: &Image, b: &Image) -> Result<()> {
    if (a.width(), a.height(), a.channels()) != (b.width(), b.height(), b.channels()) {
        return Err(MetricsError::SizeMismatch(format!(
            "{}x{}x{} vs {}x{}x{} (channels x height x width)",
            a.channels(),
            a.height(),
            a.width(),
            b.channels(),
            b.height(),
            b.width()
        )));
    }
    Ok(())
}

/// Every channel of `img` as an `f64` plane (errors on NaN/inf samples).
pub fn planes(img: &Image) -> Result<Vec<Plane>> {
    (0..img.channels())
        .map(|c| {
            Plane::new(
                img.width(),
                img.height(),
                img.plane(c).iter().map(|&v| v as f64).collect(),
            )
        })
        .collect()
}

/// BT.601 luma in `f64` (grey images are returned as their single plane).
pub fn luma(img: &Image) -> Result<Plane> {
    if img.channels() == 1 {
        return Ok(planes(img)?.remove(0));
    }
    let (r, g, b) = (img.plane(0), img.plane(1), img.plane(2));
    let data = (0..img.pixels())
        .map(|i| 0.299 * r[i] as f64 + 0.587 * g[i] as f64 + 0.114 * b[i] as f64)
        .collect();
    Plane::new(img.width(), img.height(), data)
}

/// Checked pair of planes for a metric on two images (same shape, finite range).
pub fn pair_planes(a: &Image, b: &Image, range: f64) -> Result<(Vec<Plane>, Vec<Plane>)> {
    check_range(range)?;
    check_same_shape(a, b)?;
    Ok((planes(a)?, planes(b)?))
}

/// Checked pair of luma planes.
pub fn pair_luma(a: &Image, b: &Image, range: f64) -> Result<(Plane, Plane)> {
    check_range(range)?;
    check_same_shape(a, b)?;
    Ok((luma(a)?, luma(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_of_grey_is_identity_and_nan_is_rejected() {
        let img = Image::from_planar(2, 2, 1, vec![0.0, 0.25, 0.5, 1.0]).unwrap();
        assert_eq!(luma(&img).unwrap().data, vec![0.0, 0.25, 0.5, 1.0]);
        let mut bad = img.clone();
        bad.data_mut()[1] = f32::NAN;
        assert!(matches!(luma(&bad), Err(MetricsError::NonFinite(_))));
        assert!(check_range(0.0).is_err());
        assert!(check_range(f64::NAN).is_err());
    }
}
