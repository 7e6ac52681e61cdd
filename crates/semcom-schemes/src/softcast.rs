//! SoftCast: linear analog joint source–channel coding (Jakubczak & Katabi, "A cross-layer
//! design for scalable mobile video", MobiCom 2011), the classic analog baseline that degrades
//! gracefully with SNR.
//!
//! Block diagram (one image):
//! ```text
//! RGB ─► YCbCr ─► remove DC (side info) ─► 2-D DCT per plane ─► chunks (grid of ny×nx per plane)
//!     ─► chunk energies λ_i (8-bit log codes, side info) ─► drop weakest chunks to fit 2k reals
//!     ─► power allocation g_i ∝ λ_i^(−1/4) ─► pair reals into k complex symbols ─► channel
//!     ─► (ZF with CSI) ─► LLSE x̂ = g λ /(g² λ + σ²) · y ─► inverse DCT ─► RGB
//! ```
//! The side information (plane means, grid, chunk energy codes) is counted in the accounting.

use crate::transform::{rgb_to_ycbcr, ycbcr_to_rgb, Dct2d};
use semcom_core::chain::{complex_to_reals, reals_to_complex};
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, CoreError, Image, ImageDecoded, ImageEncoded, ImageScheme, LinkInfo, Received, Result,
    SideInfo, ViewMeta,
};

/// Registry row: `softcast` (no parameters).
pub fn rows() -> Vec<crate::registry::SchemeRow> {
    vec![crate::registry::SchemeRow {
        name: "softcast".into(),
        modalities: crate::registry::ANY_SOURCE,
        description: "linear analog JSCC: DCT chunks, power allocation, LLSE decoding (Jakubczak & Katabi 2011)",
        in_demo: true,
        build: |name, o| {
            o.params::<semcom_core::params::NoParams>(name)?;
            Ok(Box::new(semcom_core::PerView(SoftCast)))
        },
    }]
}

/// Step of the chunk-energy code in log2 units (0.25 → 0.75 dB).
const LOG_STEP: f32 = 0.25;
/// Offset of the chunk-energy code: code c ↔ log2 λ = c·LOG_STEP − LOG_OFFSET; code 0 = empty chunk.
const LOG_OFFSET: f32 = 50.0;

/// The SoftCast scheme (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct SoftCast;

/// Chunk layout of one image: `ny×nx` chunks per plane, `channels` planes of `h×w`.
#[derive(Clone, Copy, Debug)]
struct Layout {
    w: usize,
    h: usize,
    channels: usize,
    ny: usize,
    nx: usize,
}

impl Layout {
    /// Chunk grid: about one chunk side per 16 pixels of √(H·W), between 2 and 8 per axis
    /// (side information stays a small fraction of the budget).
    fn for_size(w: usize, h: usize, channels: usize) -> Self {
        let g = (((w * h) as f64).sqrt() / 16.0).round().clamp(2.0, 8.0) as usize;
        Self {
            w,
            h,
            channels,
            ny: g.min(h),
            nx: g.min(w),
        }
    }
    fn chunks(&self) -> usize {
        self.channels * self.ny * self.nx
    }
    /// Coefficient indices (into the planar coefficient vector) of chunk `i`, in raster order.
    fn chunk_indices(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let per_plane = self.ny * self.nx;
        let (c, j) = (i / per_plane, i % per_plane);
        let (cy, cx) = (j / self.nx, j % self.nx);
        let (y0, y1) = (cy * self.h / self.ny, (cy + 1) * self.h / self.ny);
        let (x0, x1) = (cx * self.w / self.nx, (cx + 1) * self.w / self.nx);
        let base = c * self.w * self.h;
        (y0..y1).flat_map(move |y| (x0..x1).map(move |x| base + y * self.w + x))
    }
}

fn encode_lambda(l: f32) -> u8 {
    if l <= 0.0 || !l.is_finite() {
        return 0;
    }
    // Ceil so that the decoded energy is never below the true one (power stays ≤ 1).
    ((l.log2() + LOG_OFFSET) / LOG_STEP)
        .ceil()
        .clamp(1.0, 255.0) as u8
}

fn decode_lambda(c: u8) -> f32 {
    if c == 0 {
        0.0
    } else {
        (c as f32 * LOG_STEP - LOG_OFFSET).exp2()
    }
}

/// What the transmitter and receiver both derive from the side information and k.
struct Plan {
    /// Sent coefficient indices, in transmission order.
    order: Vec<usize>,
    /// Gain g and decoded energy λ̂ of each sent coefficient.
    gain_lambda: Vec<(f32, f32)>,
}

/// Chunk selection and power allocation: strongest chunks first until 2k reals are used,
/// g_i = √(k / Σ n_i √λ_i) · λ_i^(−1/4) so that the total energy is k (P = 1 per complex use).
fn plan(layout: &Layout, codes: &[u8], k: usize) -> Plan {
    let mut idx: Vec<usize> = (0..codes.len()).filter(|&i| codes[i] > 0).collect();
    idx.sort_by_key(|&i| (std::cmp::Reverse(codes[i]), i));
    let budget = 2 * k;
    let mut order = Vec::new();
    let mut lambdas = Vec::new();
    'outer: for &i in &idx {
        let l = decode_lambda(codes[i]);
        for j in layout.chunk_indices(i) {
            if order.len() == budget {
                break 'outer;
            }
            order.push(j);
            lambdas.push(l);
        }
    }
    let k_used = order.len().div_ceil(2).max(1) as f32;
    let denom: f32 = lambdas.iter().map(|l| l.sqrt()).sum();
    let c = if denom > 0.0 {
        (k_used / denom).sqrt()
    } else {
        0.0
    };
    let gain_lambda = lambdas.iter().map(|&l| (c * l.powf(-0.25), l)).collect();
    Plan { order, gain_lambda }
}

fn side_bytes(means: &[u16], layout: &Layout, codes: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(2 + 2 * means.len() + codes.len());
    b.push(layout.ny as u8);
    b.push(layout.nx as u8);
    for m in means {
        b.extend_from_slice(&m.to_le_bytes());
    }
    b.extend_from_slice(codes);
    b
}

impl ImageScheme for SoftCast {
    fn name(&self) -> &str {
        "softcast"
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        _link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<ImageEncoded> {
        let k = budget.max_channel_uses(src.samples()).ok_or_else(|| {
            CoreError::InvalidBudget(
                "softcast is an analog scheme: give a k/n budget (--kn), not a BPP".into(),
            )
        })?;
        if k == 0 {
            return Err(CoreError::InvalidBudget(
                "budget allows 0 channel uses".into(),
            ));
        }
        let (w, h, ch) = (src.width(), src.height(), src.channels());
        let layout = Layout::for_size(w, h, ch);
        let mut coef = src.data().to_vec();
        if ch == 3 {
            rgb_to_ycbcr(&mut coef, w * h);
        }
        // DC per plane as side information (16-bit, range [-1, 1]).
        let mut means = Vec::with_capacity(ch);
        let dct = Dct2d::new(w, h);
        for plane in coef.chunks_exact_mut(w * h) {
            let m = plane.iter().sum::<f32>() / (w * h) as f32;
            let q = (((m + 1.0) / 2.0).clamp(0.0, 1.0) * 65535.0).round() as u16;
            let mq = q as f32 / 65535.0 * 2.0 - 1.0;
            means.push(q);
            for v in plane.iter_mut() {
                *v -= mq;
            }
            dct.forward(plane);
        }
        let codes: Vec<u8> = (0..layout.chunks())
            .map(|i| {
                let (mut s, mut n) = (0f64, 0usize);
                for j in layout.chunk_indices(i) {
                    s += (coef[j] as f64).powi(2);
                    n += 1;
                }
                encode_lambda(if n > 0 { (s / n as f64) as f32 } else { 0.0 })
            })
            .collect();
        let p = plan(&layout, &codes, k);
        let reals: Vec<f32> = p
            .order
            .iter()
            .zip(&p.gain_lambda)
            .map(|(&j, &(g, _))| g * coef[j])
            .collect();
        Ok(ImageEncoded::analog(
            reals_to_complex(&reals),
            SideInfo::from_bytes(side_bytes(&means, &layout, &codes)),
        ))
    }

    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        meta: &ViewMeta,
        _link: &LinkInfo,
    ) -> Result<ImageDecoded> {
        let Received::Symbols { y, csi, noise_var } = rx else {
            return Err(CoreError::Payload(
                "softcast expects complex symbols".into(),
            ));
        };
        let (w, h, ch) = (meta.width, meta.height, meta.channels);
        let bad = |m: &str| CoreError::Payload(format!("softcast side information: {m}"));
        let s = &side.bytes;
        if s.len() < 2 + 2 * ch {
            return Err(bad("truncated"));
        }
        let layout = Layout {
            w,
            h,
            channels: ch,
            ny: s[0] as usize,
            nx: s[1] as usize,
        };
        if layout.ny == 0
            || layout.nx == 0
            || layout.ny > h
            || layout.nx > w
            || s.len() != 2 + 2 * ch + layout.chunks()
        {
            return Err(bad("inconsistent with the image size"));
        }
        if noise_var.is_empty()
            || (noise_var.len() != 1 && noise_var.len() != y.len())
            || (!csi.is_empty() && csi.len() != y.len())
        {
            return Err(CoreError::Payload(
                "softcast: noise variance / CSI length mismatch".into(),
            ));
        }
        let means: Vec<f32> = s[2..2 + 2 * ch]
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as f32 / 65535.0 * 2.0 - 1.0)
            .collect();
        let codes = &s[2 + 2 * ch..];
        let p = plan(&layout, codes, y.len());
        // Equalise (ZF when CSI is given) and get the noise variance per real dimension.
        let mut eq = Vec::with_capacity(y.len());
        let mut var_real = Vec::with_capacity(2 * y.len());
        for (i, &yi) in y.iter().enumerate() {
            let n0 = Received::noise_var_at(noise_var, i).max(0.0);
            let (v, nv) = if csi.is_empty() {
                (yi, n0)
            } else {
                let hi = csi[i];
                let g2 = hi.norm_sqr().max(1e-12);
                (yi * hi.conj() / g2, n0 / g2)
            };
            eq.push(v);
            var_real.extend_from_slice(&[nv / 2.0, nv / 2.0]);
        }
        let reals = complex_to_reals(&eq, p.order.len());
        let mut coef = vec![0f32; w * h * ch];
        for (t, (&j, &(g, l))) in p.order.iter().zip(&p.gain_lambda).enumerate() {
            let r = reals.get(t).copied().unwrap_or(0.0);
            let den = g * g * l + var_real.get(t).copied().unwrap_or(0.0);
            coef[j] = if den > 0.0 { g * l / den * r } else { 0.0 };
        }
        let dct = Dct2d::new(w, h);
        for (plane, m) in coef.chunks_exact_mut(w * h).zip(&means) {
            dct.inverse(plane);
            for v in plane.iter_mut() {
                *v += m;
            }
        }
        if ch == 3 {
            ycbcr_to_rgb(&mut coef, w * h);
        }
        for v in &mut coef {
            *v = if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.5
            };
        }
        Ok(ImageDecoded::ok(Image::from_planar(w, h, ch, coef)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use semcom_core::chain::Link;
    use semcom_core::testcard::test_card;
    use semcom_core::{run_image, Ratio};

    fn mse(a: &Image, b: &Image) -> f64 {
        a.data()
            .iter()
            .zip(b.data())
            .map(|(x, y)| ((x - y) as f64).powi(2))
            .sum::<f64>()
            / a.samples() as f64
    }

    /// SoftCast over AWGN at `snr_db` (seed 3).
    fn send(img: &Image, b: &Budget, snr_db: f64) -> semcom_core::Outcome {
        let ch = semcom_channel::by_name("awgn", &Default::default()).unwrap();
        let link = Link {
            channel: &*ch,
            snr_db,
            seed: 3,
        };
        run_image(&SoftCast, img, b, &link).unwrap()
    }

    #[test]
    fn lambda_codes_round_up() {
        for l in [1e-9f32, 1e-3, 0.37, 12.0] {
            let d = decode_lambda(encode_lambda(l));
            assert!(d >= l && d < l * 1.2, "{l} -> {d}");
        }
        assert_eq!(encode_lambda(0.0), 0);
    }

    #[test]
    fn degrades_gracefully_and_respects_budget() {
        let img = test_card(64, 48);
        let b = Budget::cbr(Ratio::new(1, 6).unwrap()).unwrap();
        let mut last = 0.0;
        for snr in [30.0, 20.0, 10.0, 0.0] {
            let out = send(&img, &b, snr);
            assert_eq!(out.accounting.channel_uses, (64 * 48 * 3 / 6) as u64);
            assert!(out.accounting.side_bits > 0);
            let m = mse(&img, out.reconstruction());
            assert!(m > last, "MSE should grow as SNR falls: {m} after {last}");
            last = m;
        }
        // At 30 dB the reconstruction is much better than the mean image.
        let out = send(&img, &b, 30.0);
        let flat = Image::filled(64, 48, 3, 0.5).unwrap();
        assert!(mse(&img, out.reconstruction()) < 0.3 * mse(&img, &flat));
    }

    #[test]
    fn noiseless_full_bandwidth_is_near_lossless() {
        let img = test_card(32, 32);
        let ch = semcom_channel::by_name("awgn", &Default::default()).unwrap();
        let b = Budget::cbr(Ratio::new(1, 2).unwrap()).unwrap();
        let out = run_image(
            &SoftCast,
            &img,
            &b,
            &Link {
                channel: &*ch,
                snr_db: 80.0,
                seed: 1,
            },
        )
        .unwrap();
        assert!(mse(&img, out.reconstruction()) < 1e-6);
    }

    #[test]
    fn corrupt_side_info_is_an_error() {
        let meta = ViewMeta {
            width: 32,
            height: 32,
            channels: 3,
        };
        let rx = Received::Symbols {
            y: vec![Default::default(); 10],
            csi: vec![],
            noise_var: vec![0.1],
        };
        let link = LinkInfo {
            channel: "awgn".into(),
            snr_db: 10.0,
        };
        for bytes in [
            vec![],
            vec![2, 2],
            vec![0, 0, 0, 0, 0, 0, 0, 0],
            vec![9; 20],
        ] {
            assert!(SoftCast
                .decode(&rx, &SideInfo::from_bytes(bytes), &meta, &link)
                .is_err());
        }
        let bits_rx = Received::Bits(vec![0, 1]);
        assert!(SoftCast
            .decode(&bits_rx, &SideInfo::default(), &meta, &link)
            .is_err());
    }
}
