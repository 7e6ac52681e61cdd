//! Shared signal transforms for schemes: the orthonormal 2-D DCT-II and the BT.601 YCbCr
//! colour transform.

use rustdct::DctPlanner;
use std::sync::Arc;

/// Orthonormal 2-D DCT-II of a row-major `h×w` plane (and its inverse, the DCT-III).
///
/// Forward: X\[u,v\] = α(u)α(v) Σ x\[y,x\] cos(π(2y+1)u/2h) cos(π(2x+1)v/2w), with α(0)=√(1/N),
/// α(k)=√(2/N): Parseval holds (Σx² = ΣX²).
pub struct Dct2d {
    w: usize,
    h: usize,
    row_fwd: Arc<dyn rustdct::TransformType2And3<f32>>,
    col_fwd: Arc<dyn rustdct::TransformType2And3<f32>>,
}

impl Dct2d {
    /// Plans transforms for an `h×w` plane.
    pub fn new(w: usize, h: usize) -> Self {
        let mut p = DctPlanner::new();
        Self {
            w,
            h,
            row_fwd: p.plan_dct2(w),
            col_fwd: p.plan_dct2(h),
        }
    }

    /// In-place forward orthonormal DCT-II.
    pub fn forward(&self, plane: &mut [f32]) {
        self.pass(plane, true);
    }

    /// In-place inverse (orthonormal DCT-III).
    pub fn inverse(&self, plane: &mut [f32]) {
        self.pass(plane, false);
    }

    fn pass(&self, plane: &mut [f32], fwd: bool) {
        let (w, h) = (self.w, self.h);
        for row in plane.chunks_exact_mut(w) {
            transform_1d(&*self.row_fwd, row, fwd);
        }
        let mut col = vec![0f32; h];
        for x in 0..w {
            for y in 0..h {
                col[y] = plane[y * w + x];
            }
            transform_1d(&*self.col_fwd, &mut col, fwd);
            for y in 0..h {
                plane[y * w + x] = col[y];
            }
        }
    }
}

fn transform_1d(t: &dyn rustdct::TransformType2And3<f32>, v: &mut [f32], fwd: bool) {
    let n = v.len() as f32;
    let (a0, ak) = ((1.0 / n).sqrt(), (2.0 / n).sqrt());
    if fwd {
        t.process_dct2(v);
        v[0] *= a0;
        for x in &mut v[1..] {
            *x *= ak;
        }
    } else {
        // Undo the orthonormal scaling, then DCT-III (which returns N/2 · x).
        v[0] /= a0;
        for x in &mut v[1..] {
            *x /= ak;
        }
        t.process_dct3(v);
        let s = 2.0 / n;
        for x in v.iter_mut() {
            *x *= s;
        }
    }
}

/// RGB → YCbCr (BT.601, full range, offsets removed: Cb, Cr centred on 0), planar in place.
pub fn rgb_to_ycbcr(data: &mut [f32], hw: usize) {
    for i in 0..hw {
        let (r, g, b) = (data[i], data[hw + i], data[2 * hw + i]);
        data[i] = 0.299 * r + 0.587 * g + 0.114 * b;
        data[hw + i] = -0.168_736 * r - 0.331_264 * g + 0.5 * b;
        data[2 * hw + i] = 0.5 * r - 0.418_688 * g - 0.081_312 * b;
    }
}

/// Inverse of [`rgb_to_ycbcr`].
pub fn ycbcr_to_rgb(data: &mut [f32], hw: usize) {
    for i in 0..hw {
        let (y, cb, cr) = (data[i], data[hw + i], data[2 * hw + i]);
        data[i] = y + 1.402 * cr;
        data[hw + i] = y - 0.344_136 * cb - 0.714_136 * cr;
        data[2 * hw + i] = y + 1.772 * cb;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_is_orthonormal_and_invertible() {
        let (w, h) = (12, 7);
        let x: Vec<f32> = (0..w * h)
            .map(|i| ((i * 37 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let d = Dct2d::new(w, h);
        let mut y = x.clone();
        d.forward(&mut y);
        let ex: f32 = x.iter().map(|v| v * v).sum();
        let ey: f32 = y.iter().map(|v| v * v).sum();
        assert!((ex - ey).abs() < 1e-3 * ex, "Parseval {ex} vs {ey}");
        // DC coefficient = sum / sqrt(N).
        let s: f32 = x.iter().sum();
        assert!((y[0] - s / ((w * h) as f32).sqrt()).abs() < 1e-4);
        d.inverse(&mut y);
        for (a, b) in x.iter().zip(&y) {
            assert!((a - b).abs() < 1e-4);
        }
    }

    #[test]
    fn ycbcr_round_trip() {
        let mut v = vec![0.1, 0.9, 0.5, 0.3, 0.2, 0.7];
        let orig = v.clone();
        rgb_to_ycbcr(&mut v, 2);
        ycbcr_to_rgb(&mut v, 2);
        for (a, b) in orig.iter().zip(&v) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}
