//! Structural similarity (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004, eq. 13) with the
//! parameters of the paper and of `skimage.metrics.structural_similarity(gaussian_weights=True,
//! sigma=1.5, use_sample_covariance=False)`: an 11-tap Gaussian window (σ = 1.5, radius 5,
//! normalised to sum 1) applied separably, `C1 = (0.01·L)²`, `C2 = (0.03·L)²`, population
//! (co)variances `σ² = E[x²] − μ²`.
//!
//! * [`ssim`] / [`ssim_y`]: mean of the SSIM map over pixels at least 5 px from the border
//!   (scikit-image crops that ring, which equals a "valid" convolution); colour images average
//!   the per-channel values.
//! * [`ssim_masked`] / [`ssim_y_masked`]: mean of the full-size map (borders padded by
//!   half-sample symmetric reflection, scipy's `mode='reflect'`) over a [`Region`].

use crate::error::{MetricsError, Result};
use crate::plane::{check_range, finite_score, pair_luma, pair_planes, Plane};
use crate::region::Region;
use rayon::prelude::*;
use semcom_core::Image;

/// Window radius (taps = 2·5+1 = 11).
pub const RADIUS: usize = 5;
/// Window length.
pub const WIN: usize = 2 * RADIUS + 1;
/// Gaussian σ of the window.
pub const SIGMA: f64 = 1.5;
/// Luminance stabiliser factor K1.
pub const K1: f64 = 0.01;
/// Contrast stabiliser factor K2.
pub const K2: f64 = 0.03;

/// The 11-tap Gaussian `w[k] ∝ exp(−k²/(2σ²))`, `k = −5..5`, normalised to sum 1.
pub fn gaussian_window() -> [f64; WIN] {
    let mut w = [0.0; WIN];
    for (i, v) in w.iter_mut().enumerate() {
        let k = i as f64 - RADIUS as f64;
        *v = (-k * k / (2.0 * SIGMA * SIGMA)).exp();
    }
    let s: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= s);
    w
}

/// Local Gaussian-weighted moments of one output row: μx, μy, E[x²], E[y²], E[xy].
pub(crate) struct Moments {
    pub mx: Vec<f64>,
    pub my: Vec<f64>,
    pub xx: Vec<f64>,
    pub yy: Vec<f64>,
    pub xy: Vec<f64>,
}

impl Moments {
    fn zeros(n: usize) -> Self {
        Self {
            mx: vec![0.0; n],
            my: vec![0.0; n],
            xx: vec![0.0; n],
            yy: vec![0.0; n],
            xy: vec![0.0; n],
        }
    }

    /// Per-pixel luminance term `l = (2μxμy + C1)/(μx² + μy² + C1)` and contrast-structure
    /// term `cs = (2σxy + C2)/(σx² + σy² + C2)` (SSIM = l·cs).
    pub fn for_each_l_cs(&self, c1: f64, c2: f64, mut f: impl FnMut(usize, f64, f64)) {
        for j in 0..self.mx.len() {
            let (mx, my) = (self.mx[j], self.my[j]);
            let vx = self.xx[j] - mx * mx;
            let vy = self.yy[j] - my * my;
            let cov = self.xy[j] - mx * my;
            let l = (2.0 * mx * my + c1) / (mx * mx + my * my + c1);
            let cs = (2.0 * cov + c2) / (vx + vy + c2);
            f(j, l, cs);
        }
    }
}

/// "Valid" separable Gaussian filtering of x, y, x², y², xy: calls `f(row, moments)` for each
/// of the `(h − 10)` output rows of width `w − 10`. Needs `w, h ≥ 11` (checked by callers).
///
/// The kernel is compiled twice (baseline and AVX2); both perform the same IEEE operations in
/// the same order (no FMA contraction), so results do not depend on the CPU.
pub(crate) fn moments_valid(x: &Plane, y: &Plane, mut f: impl FnMut(usize, &Moments)) {
    let win = gaussian_window();
    let mut v = Moments::zeros(x.w);
    let mut out = Moments::zeros(x.w - 2 * RADIUS);
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    for r in 0..x.h - 2 * RADIUS {
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the CPU supports AVX2 (checked above).
            unsafe { row_moments_avx2(x, y, r, &win, &mut v, &mut out) };
            f(r, &out);
            continue;
        }
        row_moments(x, y, r, &win, &mut v, &mut out);
        f(r, &out);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn row_moments_avx2(
    x: &Plane,
    y: &Plane,
    r: usize,
    win: &[f64; WIN],
    v: &mut Moments,
    out: &mut Moments,
) {
    row_moments(x, y, r, win, v, out)
}

/// Output row `r`: vertical pass (5 weighted row sums), then horizontal pass.
#[inline(always)]
fn row_moments(
    x: &Plane,
    y: &Plane,
    r: usize,
    win: &[f64; WIN],
    v: &mut Moments,
    out: &mut Moments,
) {
    let w = x.w;
    let (v0, v1, v2, v3, v4) = (
        &mut v.mx[..w],
        &mut v.my[..w],
        &mut v.xx[..w],
        &mut v.yy[..w],
        &mut v.xy[..w],
    );
    v0.fill(0.0);
    v1.fill(0.0);
    v2.fill(0.0);
    v3.fill(0.0);
    v4.fill(0.0);
    for (k, &wk) in win.iter().enumerate() {
        let xr = &x.row(r + k)[..w];
        let yr = &y.row(r + k)[..w];
        for i in 0..w {
            let (a, b) = (xr[i], yr[i]);
            let (wa, wb) = (wk * a, wk * b);
            v0[i] += wa;
            v1[i] += wb;
            v2[i] += wa * a;
            v3[i] += wb * b;
            v4[i] += wa * b;
        }
    }
    hfilter(&v.mx, &mut out.mx, win);
    hfilter(&v.my, &mut out.my, win);
    hfilter(&v.xx, &mut out.xx, win);
    hfilter(&v.yy, &mut out.yy, win);
    hfilter(&v.xy, &mut out.xy, win);
}

/// Horizontal "valid" filtering using the window's symmetry `w[k] = w[10 − k]`.
#[inline(always)]
fn hfilter(src: &[f64], dst: &mut [f64], win: &[f64; WIN]) {
    let ow = dst.len();
    let c = &src[RADIUS..RADIUS + ow];
    for (d, s) in dst.iter_mut().zip(c) {
        *d = win[RADIUS] * s;
    }
    for k in 0..RADIUS {
        let (a, b) = (&src[k..k + ow], &src[WIN - 1 - k..WIN - 1 - k + ow]);
        let wk = win[k];
        for j in 0..ow {
            dst[j] += wk * (a[j] + b[j]);
        }
    }
}

/// Stabilising constants `(C1, C2) = ((K1·L)², (K2·L)²)`.
pub(crate) fn constants(range: f64) -> (f64, f64) {
    ((K1 * range).powi(2), (K2 * range).powi(2))
}

/// Errors unless both sides are at least 11 pixels (the window size).
pub(crate) fn check_min_side(w: usize, h: usize, min: usize, what: &str) -> Result<()> {
    if w < min || h < min {
        return Err(MetricsError::TooSmall(format!(
            "{what} needs at least {min}x{min} pixels, got {w}x{h}"
        )));
    }
    Ok(())
}

/// Mean SSIM over the valid (border-cropped) map of one plane pair.
fn ssim_plane(x: &Plane, y: &Plane, range: f64) -> f64 {
    let (c1, c2) = constants(range);
    let mut sum = 0.0;
    moments_valid(x, y, |_, m| {
        m.for_each_l_cs(c1, c2, |_, l, cs| sum += l * cs)
    });
    sum / ((x.w - 2 * RADIUS) * (x.h - 2 * RADIUS)) as f64
}

/// Index of padded position `i` (may be negative or ≥ n) under half-sample symmetric
/// reflection with period `2n` (scipy `mode='reflect'`, numpy `'symmetric'`).
fn reflect(i: isize, n: usize) -> usize {
    let m = i.rem_euclid(2 * n as isize) as usize;
    if m >= n {
        2 * n - 1 - m
    } else {
        m
    }
}

/// Pads a plane by `RADIUS` on every side with half-sample symmetric reflection (`d c b a | a b c d`).
fn pad_reflect(p: &Plane) -> Plane {
    let (pw, ph) = (p.w + 2 * RADIUS, p.h + 2 * RADIUS);
    let cols: Vec<usize> = (0..pw)
        .map(|xx| reflect(xx as isize - RADIUS as isize, p.w))
        .collect();
    let mut data = Vec::with_capacity(pw * ph);
    for yy in 0..ph {
        let row = p.row(reflect(yy as isize - RADIUS as isize, p.h));
        data.extend(cols.iter().map(|&c| row[c]));
    }
    Plane { w: pw, h: ph, data }
}

/// Full-size SSIM map (`w × h`) of one plane pair, borders padded by symmetric reflection.
pub(crate) fn ssim_map_plane(x: &Plane, y: &Plane, range: f64) -> Plane {
    let (c1, c2) = constants(range);
    let (px, py) = (pad_reflect(x), pad_reflect(y));
    let mut data = vec![0.0; x.w * x.h];
    moments_valid(&px, &py, |r, m| {
        let row = &mut data[r * x.w..(r + 1) * x.w];
        m.for_each_l_cs(c1, c2, |j, l, cs| row[j] = l * cs);
    });
    Plane {
        w: x.w,
        h: x.h,
        data,
    }
}

pub(crate) fn region_mean(map: &Plane, sel: &[bool]) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for (&v, &m) in map.data.iter().zip(sel) {
        if m {
            s += v;
            n += 1;
        }
    }
    s / n as f64
}

/// SSIM of each channel (mean of the border-cropped map), in channel order.
pub fn ssim_per_channel(a: &Image, b: &Image, range: f64) -> Result<Vec<f64>> {
    let (pa, pb) = pair_planes(a, b, range)?;
    check_min_side(a.width(), a.height(), WIN, "SSIM")?;
    Ok(pa
        .par_iter()
        .zip(pb.par_iter())
        .map(|(x, y)| ssim_plane(x, y, range))
        .collect())
}

/// SSIM of a pair: mean over channels of the per-channel SSIM (RGB SSIM for colour images).
pub fn ssim(a: &Image, b: &Image, range: f64) -> Result<f64> {
    let v = ssim_per_channel(a, b, range)?;
    finite_score("SSIM", v.iter().sum::<f64>() / v.len() as f64)
}

/// SSIM on the BT.601 luma planes.
pub fn ssim_y(a: &Image, b: &Image, range: f64) -> Result<f64> {
    let (x, y) = pair_luma(a, b, range)?;
    check_min_side(a.width(), a.height(), WIN, "SSIM")?;
    finite_score("SSIM", ssim_plane(&x, &y, range))
}

/// The full-size luma SSIM map (`H × W`, reflect-padded borders), e.g. to visualise errors.
pub fn ssim_map_y(a: &Image, b: &Image, range: f64) -> Result<Plane> {
    let (x, y) = pair_luma(a, b, range)?;
    check_min_side(a.width(), a.height(), WIN, "SSIM")?;
    Ok(ssim_map_plane(&x, &y, range))
}

/// SSIM restricted to `region`: per channel, the mean of the full-size map over the region's
/// pixels; then the mean over channels.
pub fn ssim_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    let (pa, pb) = pair_planes(a, b, range)?;
    check_min_side(a.width(), a.height(), WIN, "SSIM")?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    let v: Vec<f64> = pa
        .par_iter()
        .zip(pb.par_iter())
        .map(|(x, y)| region_mean(&ssim_map_plane(x, y, range), &sel))
        .collect();
    finite_score("SSIM", v.iter().sum::<f64>() / v.len() as f64)
}

/// Luma SSIM restricted to `region` (mean of the full-size luma SSIM map over the region).
pub fn ssim_y_masked(a: &Image, b: &Image, range: f64, region: &Region) -> Result<f64> {
    check_range(range)?;
    let sel = region.nonempty_flags(a.width(), a.height())?;
    finite_score("SSIM", region_mean(&ssim_map_y(a, b, range)?, &sel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use semcom_core::testcard::test_card;

    #[test]
    fn window_is_normalised_and_symmetric() {
        let w = gaussian_window();
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert_eq!(w[0], w[10]);
        assert!(w[5] > w[4]);
    }

    #[test]
    fn identical_is_one_and_masked_interior_equals_plain() {
        let a = test_card(40, 30);
        assert!((ssim(&a, &a, 1.0).unwrap() - 1.0).abs() < 1e-12);
        let mut b = a.clone();
        for (i, v) in b.data_mut().iter_mut().enumerate() {
            *v = (*v + 0.05 * ((i * 37 % 11) as f32 / 11.0 - 0.5)).clamp(0.0, 1.0);
        }
        let s = ssim_y(&a, &b, 1.0).unwrap();
        assert!(s < 1.0 && s > 0.0);
        let m = ssim_y_masked(&a, &b, 1.0, &Region::Interior { margin: 5 }).unwrap();
        assert!((s - m).abs() < 1e-12, "{s} vs {m}");
        // Scale invariance: values ×255 with range 255 give the same SSIM.
        let scale = |i: &Image| {
            Image::from_planar(
                i.width(),
                i.height(),
                3,
                i.data().iter().map(|v| v * 255.0).collect(),
            )
            .unwrap()
        };
        let s255 = ssim(&scale(&a), &scale(&b), 255.0).unwrap();
        assert!((s255 - ssim(&a, &b, 1.0).unwrap()).abs() < 1e-9);
    }

    #[test]
    fn small_images_are_rejected() {
        let a = Image::filled(10, 40, 3, 0.5).unwrap();
        assert!(matches!(ssim(&a, &a, 1.0), Err(MetricsError::TooSmall(_))));
        assert!(matches!(
            ssim_y_masked(&a, &a, 1.0, &Region::All),
            Err(MetricsError::TooSmall(_))
        ));
    }

    #[test]
    fn reflect_padding_matches_numpy_symmetric() {
        let p = Plane::new(11, 11, (0..121).map(|i| i as f64).collect()).unwrap();
        let q = pad_reflect(&p);
        // Row 0 of the padded plane is source row 4 (d c b a | a b c d with a = row 0).
        assert_eq!(q.row(0)[RADIUS], p.row(4)[0]);
        assert_eq!(q.row(RADIUS)[0], p.row(0)[4]);
        assert_eq!(q.row(q.h - 1)[q.w - 1], p.row(p.h - 5)[p.w - 5]);
    }
}
