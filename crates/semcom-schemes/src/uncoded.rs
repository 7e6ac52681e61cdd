//! Uncoded analog transmission: the pixels themselves, average-pooled to fit the channel uses
//! and scaled to unit power, received with zero forcing. The simplest analog baseline, and the
//! worked example of a scheme in one module plus one line in [`crate::registry::table`].
//!
//! ```text
//! view ─► −½ ─► f×f average pooling (smallest f with C·⌈H/f⌉·⌈W/f⌉ ≤ 2k) ─► gain g (P = 1)
//!      ─► pairs of reals → k complex uses ─► channel ─► (÷h with CSI) ─► ÷g ─► +½
//!      ─► nearest-neighbour ×f ─► view
//! ```
//! Side information: the gain g as an f32 (32 bits per view).

use crate::registry::{SchemeRow, ANY_SOURCE};
use semcom_channel::equalize::zero_force;
use semcom_core::chain::{complex_to_reals, reals_to_complex};
use semcom_core::params::NoParams;
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, CoreError, Image, ImageDecoded, ImageEncoded, ImageScheme, LinkInfo, PerView, Received,
    Result, SideInfo, ViewMeta,
};

/// Registry row: `uncoded` (no parameters).
pub fn rows() -> Vec<SchemeRow> {
    vec![SchemeRow {
        name: "uncoded".into(),
        modalities: ANY_SOURCE,
        description: "uncoded analog: pixels average-pooled to fit k, scaled to unit power, zero-forcing receiver",
        in_demo: false,
        build: |name, o| {
            o.params::<NoParams>(name)?;
            Ok(Box::new(PerView(Uncoded)))
        },
    }]
}

/// The uncoded analog scheme (see the module documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Uncoded;

/// The pooling factor f for `k` complex uses: the smallest f ≥ 1 with C·⌈H/f⌉·⌈W/f⌉ ≤ 2k.
fn pool_factor(m: &ViewMeta, k: usize) -> Option<usize> {
    (1..=m.width.max(m.height))
        .find(|f| m.channels * m.height.div_ceil(*f) * m.width.div_ceil(*f) <= 2 * k)
}

/// f×f average pooling of `img − ½` (edge cells average what they cover), planar order.
fn pool(img: &Image, f: usize) -> Vec<f32> {
    let (w, h) = (img.width(), img.height());
    let (pw, ph) = (w.div_ceil(f), h.div_ceil(f));
    let mut out = Vec::with_capacity(img.channels() * pw * ph);
    for plane in img.data().chunks(w * h) {
        for by in 0..ph {
            for bx in 0..pw {
                let (mut s, mut n) = (0.0f32, 0.0f32);
                for y in by * f..((by + 1) * f).min(h) {
                    for x in bx * f..((bx + 1) * f).min(w) {
                        s += plane[y * w + x] - 0.5;
                        n += 1.0;
                    }
                }
                out.push(s / n);
            }
        }
    }
    out
}

impl ImageScheme for Uncoded {
    fn name(&self) -> &str {
        "uncoded"
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        _: &LinkInfo,
        _: &mut SemRng,
    ) -> Result<ImageEncoded> {
        let k = budget.channel_uses_for_scheme(src.samples(), self.name())?;
        let m = ViewMeta::of(src);
        let f = pool_factor(&m, k)
            .ok_or_else(|| CoreError::InvalidBudget(format!("uncoded: {k} channel uses")))?;
        let mut v = pool(src, f);
        let energy: f64 = v.iter().map(|&x| (x as f64).powi(2)).sum();
        let uses = v.len().div_ceil(2);
        // Unit average power per complex use; a flat image sends zeros with gain 1.
        let g = if energy > 0.0 {
            (uses as f64 / energy).sqrt() as f32
        } else {
            1.0
        };
        v.iter_mut().for_each(|x| *x *= g);
        Ok(ImageEncoded::analog(
            reals_to_complex(&v),
            SideInfo::from_bytes(g.to_le_bytes().to_vec()),
        ))
    }

    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        m: &ViewMeta,
        _: &LinkInfo,
    ) -> Result<ImageDecoded> {
        let bad = |s: &str| CoreError::Payload(format!("uncoded: {s}"));
        let Received::Symbols { y, csi, noise_var } = rx else {
            return Err(bad("needs a complex-symbol channel"));
        };
        let g = <[u8; 4]>::try_from(side.bytes.as_slice())
            .map(f32::from_le_bytes)
            .ok()
            .filter(|g| g.is_finite() && *g > 0.0)
            .ok_or_else(|| bad("bad side information"))?;
        let eq = zero_force(y, csi, noise_var).map_err(|e| bad(&e.to_string()))?;
        let (w, h) = (m.width, m.height);
        let f = pool_factor(m, y.len()).ok_or_else(|| bad("too few symbols"))?;
        let (pw, ph) = (w.div_ceil(f), h.div_ceil(f));
        let n = m.channels * pw * ph;
        if y.len() != n.div_ceil(2) {
            return Err(bad("symbol count does not match the view"));
        }
        let v = complex_to_reals(&eq, n);
        let mut out = vec![0.0f32; m.samples()];
        for (c, plane) in out.chunks_mut(w * h).enumerate() {
            for (i, px) in plane.iter_mut().enumerate() {
                let (x, y) = (i % w, i / w);
                *px = v[c * pw * ph + (y / f) * pw + x / f] / g + 0.5;
            }
        }
        Ok(ImageDecoded::ok(Image::from_planar(w, h, m.channels, out)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use semcom_core::chain::Link;
    use semcom_core::{run_chain, Ratio, Source};

    fn send(img: &Image, kn: Ratio, snr_db: f64) -> semcom_core::Outcome {
        let ch = semcom_channel::by_name("awgn", &Default::default()).unwrap();
        let link = Link {
            channel: &*ch,
            snr_db,
            seed: 5,
        };
        run_chain(
            &PerView(Uncoded),
            &Source::still(img.clone()),
            &Budget::cbr(kn).unwrap(),
            &link,
        )
        .unwrap()
    }

    #[test]
    fn full_bandwidth_noise_matches_theory_and_pooling_fits_the_budget() {
        let img = semcom_core::testcard::test_card(64, 48);
        // k/n = 1/2: no pooling; per real sample the noise after ÷g has variance N0/(2g²).
        let out = send(&img, Ratio::new(1, 2).unwrap(), 20.0);
        assert_eq!(out.accounting.channel_uses, 64 * 48 * 3 / 2);
        let centred: f64 = img.data().iter().map(|&x| ((x - 0.5) as f64).powi(2)).sum();
        let g2 = out.accounting.channel_uses as f64 / centred;
        let expect = 0.01 / (2.0 * g2);
        let mse: f64 = img
            .data()
            .iter()
            .zip(out.reconstruction().data())
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            / img.samples() as f64;
        assert!((mse / expect - 1.0).abs() < 0.05, "mse {mse} vs {expect}");
        // k/n = 1/6 pools by 2 (3·32·24 = 2304 ≤ 2k = 3072) and stays within the budget.
        let out = send(&img, Ratio::new(1, 6).unwrap(), 20.0);
        assert_eq!(out.accounting.channel_uses, 3 * 32 * 24 / 2);
        assert!(out.accounting.side_bits == 32 && out.accounting.decode_ok);
    }

    #[test]
    fn analog_scheme_refuses_a_bit_rate_budget() {
        let img = semcom_core::testcard::test_card(16, 16);
        let ch = semcom_channel::by_name("awgn", &Default::default()).unwrap();
        let link = Link {
            channel: &*ch,
            snr_db: 10.0,
            seed: 1,
        };
        let e = run_chain(
            &PerView(Uncoded),
            &Source::still(img),
            &Budget::bpp(0.5).unwrap(),
            &link,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("k/n"), "{e}");
    }
}
