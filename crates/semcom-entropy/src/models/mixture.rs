//! Quantised mixtures (Gaussian, Laplace or logistic components; the K = 3 Gaussian mixture
//! of Cheng et al. 2020 and the discretised logistic mixture of PixelCNN++), with the CDF
//! evaluated point by point in integer arithmetic.
//!
//! Parameters are quantised before they reach the coder: weights to integers summing to
//! 2^16 ([`Mixture::from_logits`] does an integer softmax), means to multiples of 1/256
//! (`mean_fx`), scales to a [`ScaleTable`] index. The mixture CDF at the lower boundary of
//! symbol `x` is `G(x) = Σ_k w_k·F((x − ½ − μ_k)/σ_k)·2^32` (an exact u64 sum), and the
//! coder's CDF is [`quantised_cdf_point`] over a window plus an escape, so encoder and decoder
//! agree bit for bit whatever machine they run on.

use super::scale_table::{ScaleTable, MAX_HALF_WIDTH};
use super::std_cdf::{Family, CDF_BITS, MEAN_FRAC};
use super::{quantised_cdf_point, PRECISION, TOTAL};
use crate::error::{EntropyError, Result};
use constriction::stream::model::{DecoderModel, EncoderModel, EntropyModel};
use std::borrow::Borrow;
use std::num::NonZeroU32;
use std::sync::OnceLock;

/// Fractional bits of the mixture weights (weights sum to 2^16).
pub const WEIGHT_BITS: u32 = 16;
/// Largest number of components.
pub const MAX_COMPONENTS: usize = 8;
/// Fractional bits of a fixed-point logit given to [`Mixture::from_logits`].
pub const LOGIT_FRAC: u32 = 4;
/// Largest |mean| (in symbols) a component may have; larger means are clamped.
pub const MAX_MEAN: i32 = 1 << 20;
/// Largest window of a mixture (symbols, escape excluded).
pub const MAX_WINDOW: u32 = 2 * MAX_HALF_WIDTH + 1;

/// One component of a quantised mixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Component {
    /// Weight ×2^16; the weights of a mixture sum to 2^16.
    pub weight: u32,
    /// Mean ×2^8 (clamped to ±[`MAX_MEAN`]).
    pub mean_fx: i32,
    /// Index into the scale table.
    pub scale_index: u16,
}

/// A quantised mixture with its coding window `lo .. lo + n` and escape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mixture {
    family: Family,
    /// (weight, mean_fx, inverse scale ×2^24) of the components with nonzero weight.
    comps: Vec<(u32, i32, u64)>,
    lo: i32,
    n: u32,
    g_lo: u64,
}

const ONE: u64 = 1 << (WEIGHT_BITS + CDF_BITS);

/// `exp(−i/16)·2^16` for i = 0..512 (libm, frozen by the golden hash in the tests).
fn exp_neg_table() -> &'static [u32] {
    static T: OnceLock<Vec<u32>> = OnceLock::new();
    T.get_or_init(|| {
        (0..512)
            .map(|i| {
                let v = libm::exp(-(i as f64) / (1u32 << LOGIT_FRAC) as f64);
                libm::floor(v * (1u32 << WEIGHT_BITS) as f64 + 0.5) as u32
            })
            .collect()
    })
}

/// Hash of the frozen softmax table (part of the crate's table fingerprint).
pub(crate) fn exp_neg_table_hash(h: &mut crate::fingerprint::Fnv64) {
    exp_neg_table().iter().for_each(|&v| h.u64(v as u64));
}

/// Integer softmax: weights ∝ `exp(l_k − max l)` from the frozen table (logits ×2^4),
/// normalised to sum to exactly 2^16 by flooring and giving the remainder to the first
/// largest logit.
pub fn softmax_weights(logits_fx: &[i32]) -> Vec<u32> {
    let t = exp_neg_table();
    let Some(&max) = logits_fx.iter().max() else {
        return Vec::new();
    };
    let raw: Vec<u64> = logits_fx
        .iter()
        .map(|&l| t[((max as i64 - l as i64) as usize).min(t.len() - 1)] as u64)
        .collect();
    let sum: u64 = raw.iter().sum();
    let mut w: Vec<u32> = raw
        .iter()
        .map(|&r| ((r << WEIGHT_BITS) / sum) as u32)
        .collect();
    let rest = (1u32 << WEIGHT_BITS) - w.iter().sum::<u32>();
    let top = logits_fx.iter().position(|&l| l == max).unwrap_or(0);
    w[top] += rest;
    w
}

impl Mixture {
    /// From components whose weights sum to 2^16 (1..=8 components, scale indices inside
    /// `scales`). The window covers `round(μ_k) ± R_k` of every weighted component, clamped
    /// to [`MAX_WINDOW`] symbols around the heaviest component.
    pub fn new(family: Family, scales: &ScaleTable, components: &[Component]) -> Result<Self> {
        if components.is_empty() || components.len() > MAX_COMPONENTS {
            return Err(EntropyError::InvalidModel(format!(
                "a mixture needs 1..={MAX_COMPONENTS} components, got {}",
                components.len()
            )));
        }
        let wsum: u64 = components.iter().map(|c| c.weight as u64).sum();
        if wsum != 1 << WEIGHT_BITS {
            return Err(EntropyError::InvalidModel(format!(
                "mixture weights sum to {wsum}, not 2^{WEIGHT_BITS}"
            )));
        }
        let mut comps = Vec::with_capacity(components.len());
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let mut heaviest = (0u32, 0i64);
        for c in components.iter().filter(|c| c.weight > 0) {
            let idx = c.scale_index as usize;
            let inv = scales.inv_fx(idx).ok_or(EntropyError::IndexOutOfRange {
                index: idx,
                len: scales.len(),
            })?;
            let mean = c
                .mean_fx
                .clamp(-MAX_MEAN << MEAN_FRAC, MAX_MEAN << MEAN_FRAC);
            let centre = (mean as i64 + (1 << (MEAN_FRAC - 1))) >> MEAN_FRAC;
            let r = scales.half_width(family, idx) as i64;
            lo = lo.min(centre - r);
            hi = hi.max(centre + r);
            if c.weight > heaviest.0 {
                heaviest = (c.weight, centre);
            }
            comps.push((c.weight, mean, inv));
        }
        let half = (MAX_WINDOW / 2) as i64;
        lo = lo.max(heaviest.1 - half);
        hi = hi.min(heaviest.1 + half);
        let mut m = Self {
            family,
            comps,
            lo: lo as i32,
            n: (hi - lo + 1) as u32,
            g_lo: 0,
        };
        m.g_lo = m.g(lo);
        Ok(m)
    }

    /// From integer-network outputs: logits ×2^4 ([`softmax_weights`]), means ×2^8 and
    /// scale indices, one per component.
    pub fn from_logits(
        family: Family,
        scales: &ScaleTable,
        logits_fx: &[i32],
        means_fx: &[i32],
        scale_indices: &[u16],
    ) -> Result<Self> {
        if logits_fx.len() != means_fx.len() || logits_fx.len() != scale_indices.len() {
            return Err(EntropyError::InvalidModel(
                "logits, means and scale indices differ in length".into(),
            ));
        }
        let w = softmax_weights(logits_fx);
        let comps: Vec<Component> = (0..w.len())
            .map(|k| Component {
                weight: w[k],
                mean_fx: means_fx[k],
                scale_index: scale_indices[k],
            })
            .collect();
        Self::new(family, scales, &comps)
    }

    /// The coding window: (lowest value, number of window symbols).
    pub fn window(&self) -> (i32, u32) {
        (self.lo, self.n)
    }

    /// Σ w_k F_k(x − ½), ×2^48.
    #[inline]
    fn g(&self, x: i64) -> u64 {
        self.comps
            .iter()
            .map(|&(w, mean, inv)| w as u64 * self.family.boundary_cdf(x, mean, inv))
            .sum()
    }

    /// Point `i` (0..=n+1) of the coder's CDF over the window and the escape.
    #[inline]
    pub fn cdf_point(&self, i: u32) -> u32 {
        let m = self.n + 1;
        if i >= m {
            return TOTAL;
        }
        let cum = self.g(self.lo as i64 + i as i64) - self.g_lo;
        quantised_cdf_point(i, m, cum, ONE)
    }

    /// Fixed-point probability of `value` (for a value outside the window: the escape's).
    pub fn probability(&self, value: i32) -> u32 {
        let off = value as i64 - self.lo as i64;
        let i = if (0..self.n as i64).contains(&off) {
            off as u32
        } else {
            self.n
        };
        self.cdf_point(i + 1) - self.cdf_point(i)
    }
}

impl EntropyModel<PRECISION> for &Mixture {
    type Symbol = usize;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for &Mixture {
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<usize>,
    ) -> Option<(u32, NonZeroU32)> {
        let s = u32::try_from(*symbol.borrow())
            .ok()
            .filter(|&s| s <= self.n)?;
        let (a, b) = (self.cdf_point(s), self.cdf_point(s + 1));
        Some((a, NonZeroU32::new(b - a)?))
    }
}

impl DecoderModel<PRECISION> for &Mixture {
    fn quantile_function(&self, quantile: u32) -> (usize, u32, NonZeroU32) {
        // Largest s with c(s) ≤ quantile: c(0) = 0 ≤ quantile < c(n+1) = 2^16.
        let (mut a, mut b) = (0u32, self.n + 1);
        let mut ca = 0;
        while b - a > 1 {
            let mid = a + (b - a) / 2;
            let c = self.cdf_point(mid);
            if c <= quantile {
                a = mid;
                ca = c;
            } else {
                b = mid;
            }
        }
        let cb = self.cdf_point(a + 1);
        (
            a as usize,
            ca,
            NonZeroU32::new(cb - ca).unwrap_or(NonZeroU32::MIN),
        )
    }
}
