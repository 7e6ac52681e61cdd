//! OpenCV-compatible resampling of interleaved 8-bit images: `cv::resize` with `INTER_LINEAR`
//! (half-pixel centres, 11-bit fixed-point coefficients, the SIMD vertical pass
//! `((β0·(S0>>4))>>16 + (β1·(S1>>4))>>16 + 2) >> 2`), so a letterbox is bit-exact.

const COEF_BITS: i32 = 11;
const COEF_SCALE: f32 = (1 << COEF_BITS) as f32;

/// Per-destination index `(source index, fixed-point weights)` along one axis.
fn coefficients(src: usize, dst: usize) -> Vec<(usize, [i32; 2])> {
    let scale = 1.0 / (dst as f64 / src as f64);
    (0..dst)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let mut s = f.floor() as i64;
            let mut f = f - s as f32;
            if s < 0 {
                f = 0.0;
                s = 0;
            }
            if s >= src as i64 - 1 {
                f = 0.0;
                s = src as i64 - 1;
            }
            let a0 = ((1.0 - f) * COEF_SCALE).round_ties_even() as i32;
            let a1 = (f * COEF_SCALE).round_ties_even() as i32;
            (s as usize, [a0, a1])
        })
        .collect()
}

/// Bilinear resize of an interleaved `sw×sh×cn` 8-bit buffer to `dw×dh` (as `cv::resize`
/// `INTER_LINEAR` on `CV_8UC{cn}`). `src.len()` must be `sw·sh·cn` (checked by the caller).
pub fn resize_linear_u8(
    src: &[u8],
    sw: usize,
    sh: usize,
    cn: usize,
    dw: usize,
    dh: usize,
) -> Vec<u8> {
    let xc = coefficients(sw, dw);
    let yc = coefficients(sh, dh);
    let hrow = |sy: usize| -> Vec<i32> {
        let row = &src[sy * sw * cn..(sy + 1) * sw * cn];
        let mut out = Vec::with_capacity(dw * cn);
        for &(sx, [a0, a1]) in &xc {
            let sx1 = (sx + 1).min(sw - 1);
            for c in 0..cn {
                out.push(row[sx * cn + c] as i32 * a0 + row[sx1 * cn + c] as i32 * a1);
            }
        }
        out
    };
    let mut dst = Vec::with_capacity(dw * dh * cn);
    for &(sy, [b0, b1]) in &yc {
        let r0 = hrow(sy);
        let r1 = hrow((sy + 1).min(sh - 1));
        for (s0, s1) in r0.iter().zip(&r1) {
            let t0 = (b0 * (s0 >> 4)) >> 16;
            let t1 = (b1 * (s1 >> 4)) >> 16;
            dst.push(((t0 + t1 + 2) >> 2).clamp(0, 255) as u8);
        }
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_and_constant() {
        let src: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 11 % 256) as u8).collect();
        assert_eq!(resize_linear_u8(&src, 4, 3, 3, 4, 3), src);
        let flat = vec![77u8; 5 * 4];
        assert!(resize_linear_u8(&flat, 5, 4, 1, 13, 9)
            .iter()
            .all(|&v| v == 77));
    }

    #[test]
    fn upscale_by_two_interpolates() {
        // 2 pixels 0 and 200: x-centres of the 4 outputs sample at -0.25, 0.25, 0.75, 1.25.
        let out = resize_linear_u8(&[0, 200, 0, 200], 2, 2, 1, 4, 2);
        assert_eq!(&out[..4], &[0, 50, 150, 200]);
    }
}
