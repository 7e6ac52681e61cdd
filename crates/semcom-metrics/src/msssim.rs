//! Multi-scale SSIM (Wang, Simoncelli, Bovik, Asilomar 2003, eq. 7) exactly as
//! `pytorch_msssim.ms_ssim(X, Y, data_range=L)` computes it: 5 scales with the weights
//! `[0.0448, 0.2856, 0.3001, 0.2363, 0.1333]`; at each scale the 11-tap Gaussian (σ = 1.5)
//! in "valid" mode (no padding) gives the mean contrast-structure term `cs` (scales 1–4) or
//! the mean SSIM (scale 5), each clipped at 0 (ReLU); between scales a 2×2 average pooling
//! (`avg_pool2d(kernel 2, stride 2, padding (H mod 2, W mod 2))`, zero padding counted);
//! `MS-SSIM = Π cs_s^w_s · ssim_5^w_5`, averaged over channels.

use crate::error::Result;
use crate::plane::{pair_planes, Plane};
use crate::ssim::{check_min_side, constants, moments_valid, RADIUS, WIN};
use rayon::prelude::*;
use semcom_core::Image;

/// The standard scale weights (Wang et al. 2003).
pub const WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/// Smallest side accepted: larger than `(11 − 1)·2⁴ = 160` pixels, as pytorch_msssim asserts.
pub const MIN_SIDE: usize = (WIN - 1) * 16 + 1;

/// Mean SSIM and mean cs over the valid map of one plane pair.
fn ssim_cs(x: &Plane, y: &Plane, range: f64) -> (f64, f64) {
    let (c1, c2) = constants(range);
    let (mut s, mut c) = (0.0, 0.0);
    moments_valid(x, y, |_, m| {
        m.for_each_l_cs(c1, c2, |_, l, cs| {
            s += l * cs;
            c += cs;
        })
    });
    let n = ((x.w - 2 * RADIUS) * (x.h - 2 * RADIUS)) as f64;
    (s / n, c / n)
}

/// 2×2 average pooling with stride 2 and padding `(h mod 2, w mod 2)` on both sides; padded
/// zeros count in the average (`count_include_pad=True`).
pub(crate) fn avg_pool2(p: &Plane) -> Plane {
    let (pw, ph) = (p.w % 2, p.h % 2);
    let ow = (p.w + 2 * pw - 2) / 2 + 1;
    let oh = (p.h + 2 * ph - 2) / 2 + 1;
    let at = |y: isize, x: isize| -> f64 {
        if y < 0 || x < 0 || y >= p.h as isize || x >= p.w as isize {
            0.0
        } else {
            p.data[y as usize * p.w + x as usize]
        }
    };
    let mut data = Vec::with_capacity(ow * oh);
    for i in 0..oh {
        let y = (2 * i) as isize - ph as isize;
        for j in 0..ow {
            let x = (2 * j) as isize - pw as isize;
            data.push((at(y, x) + at(y, x + 1) + at(y + 1, x) + at(y + 1, x + 1)) / 4.0);
        }
    }
    Plane { w: ow, h: oh, data }
}

fn ms_ssim_plane(x: &Plane, y: &Plane, range: f64) -> f64 {
    let (mut x, mut y) = (x.clone(), y.clone());
    let mut acc = 1.0;
    for (s, &w) in WEIGHTS.iter().enumerate() {
        let (ssim, cs) = ssim_cs(&x, &y, range);
        if s + 1 < WEIGHTS.len() {
            acc *= cs.max(0.0).powf(w);
            x = avg_pool2(&x);
            y = avg_pool2(&y);
        } else {
            acc *= ssim.max(0.0).powf(w);
        }
    }
    acc
}

/// MS-SSIM of a pair (mean over channels); both sides must exceed 160 pixels.
pub fn ms_ssim(a: &Image, b: &Image, range: f64) -> Result<f64> {
    let (pa, pb) = pair_planes(a, b, range)?;
    check_min_side(a.width(), a.height(), MIN_SIDE, "MS-SSIM (5 scales)")?;
    let v: Vec<f64> = pa
        .par_iter()
        .zip(pb.par_iter())
        .map(|(x, y)| ms_ssim_plane(x, y, range))
        .collect();
    crate::plane::finite_score("MS-SSIM", v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MetricsError;

    #[test]
    fn pooling_matches_torch_with_odd_sizes() {
        // 3x3 input, padding 1: windows [pad,0],[1,2] in each direction.
        let p = Plane::new(3, 3, (1..=9).map(|v| v as f64).collect()).unwrap();
        let q = avg_pool2(&p);
        assert_eq!((q.w, q.h), (2, 2));
        assert_eq!(
            q.data,
            vec![
                1.0 / 4.0,
                (2.0 + 3.0) / 4.0,
                (4.0 + 7.0) / 4.0,
                (5.0 + 6.0 + 8.0 + 9.0) / 4.0
            ]
        );
    }

    #[test]
    fn identical_is_one_and_small_is_error() {
        let a = semcom_core::testcard::test_card(176, 170);
        assert!((ms_ssim(&a, &a, 1.0).unwrap() - 1.0).abs() < 1e-12);
        let s = semcom_core::testcard::test_card(160, 200);
        assert!(matches!(
            ms_ssim(&s, &s, 1.0),
            Err(MetricsError::TooSmall(_))
        ));
    }
}
