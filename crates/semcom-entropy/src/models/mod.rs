//! Entropy models with integer CDFs at [`PRECISION`] bits, and their glue to `constriction`.
//!
//! Every model reduces to an integer CDF `c(0) = 0 < c(1) < … < c(m) = 2^PRECISION` over `m`
//! symbols: symbol `i` occupies `[c(i), c(i+1))`. All CDFs are built by one rule,
//! [`quantised_cdf_point`], from a monotone integer cumulative, so every symbol of the
//! alphabet keeps at least one count (it can always be coded) and the construction is exact
//! integer arithmetic.
//!
//! | model | alphabet | built from |
//! |---|---|---|
//! | [`Categorical`] | `0..n` | integer frequencies or a frozen integer CDF |
//! | [`AdaptiveBit`] | `false`/`true` | a 16-bit probability updated by shifts after each bit |
//! | [`ConditionalTables`] | integers, window per scale + escape | a [`ScaleTable`] and a [`Family`] |
//! | [`Mixture`] | integers, window + escape | K components (weight, fixed-point mean, scale index) |
//!
//! Symbols outside a conditional model's window are coded as the window's escape symbol
//! followed by an Elias-gamma code in bypass bits ([`crate::coder`]).

pub mod mixture;
pub mod scale_table;
pub mod std_cdf;

pub use mixture::{Component, Mixture};
pub use scale_table::{ConditionalTables, ScaleTable};
pub use std_cdf::Family;

use crate::error::{EntropyError, Result};
use constriction::stream::model::{DecoderModel, EncoderModel, EntropyModel};
use std::borrow::Borrow;
use std::num::NonZeroU32;

/// Fixed-point precision of every CDF in this crate (probabilities are multiples of 2^-16).
pub const PRECISION: usize = 16;
/// Total count of a CDF: `2^PRECISION`.
pub const TOTAL: u32 = 1 << PRECISION;
/// Largest alphabet (symbols plus escape) a model may have; leaves at least half of the
/// total for the modelled mass.
pub const MAX_ALPHABET: usize = 1 << (PRECISION - 1);

/// Point `i` of the integer CDF over `m` symbols from a monotone cumulative `cum ∈ [0, one]`:
/// `c(i) = i + ⌊cum·(2^P − m)/one + ½⌋`.
///
/// With `cum(0) = 0`, `cum(m) = one` and `cum` non-decreasing, this gives `c(0) = 0`,
/// `c(m) = 2^P` and `c(i+1) − c(i) ≥ 1`: every symbol keeps a nonzero probability, and each
/// point is computable on its own (the decoder of a [`Mixture`] evaluates only the points its
/// binary search visits). Exact integer arithmetic (u128), so identical on every machine.
#[inline]
pub fn quantised_cdf_point(i: u32, m: u32, cum: u64, one: u64) -> u32 {
    debug_assert!(m >= 2 && (m as usize) <= MAX_ALPHABET && cum <= one && one > 0);
    let free = (TOTAL - m) as u128;
    i + ((cum as u128 * free + (one as u128 >> 1)) / one as u128) as u32
}

/// −log2 of a fixed-point probability `p / 2^PRECISION` (for rate estimates, not for coding).
pub fn bits_of(p: u32) -> f64 {
    PRECISION as f64 - (p.max(1) as f64).log2()
}

/// A CDF slice `c(0..=m)` seen as a `constriction` model over symbols `0..m`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CdfSlice<'a>(pub(crate) &'a [u32]);

impl EntropyModel<PRECISION> for CdfSlice<'_> {
    type Symbol = usize;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for CdfSlice<'_> {
    #[inline]
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<usize>,
    ) -> Option<(u32, NonZeroU32)> {
        let s = *symbol.borrow();
        let (lo, hi) = (*self.0.get(s)?, *self.0.get(s + 1)?);
        Some((lo, NonZeroU32::new(hi.wrapping_sub(lo))?))
    }
}

impl DecoderModel<PRECISION> for CdfSlice<'_> {
    #[inline]
    fn quantile_function(&self, quantile: u32) -> (usize, u32, NonZeroU32) {
        // Largest s with c(s) ≤ quantile; c(0) = 0 ≤ quantile < c(m) = 2^P by construction.
        let s = self.0.partition_point(|&c| c <= quantile).saturating_sub(1);
        let s = s.min(self.0.len().saturating_sub(2));
        let (lo, hi) = (self.0[s], self.0[s + 1]);
        (s, lo, NonZeroU32::new(hi - lo).unwrap_or(NonZeroU32::MIN))
    }
}

/// Checks that `cdf` is a valid integer CDF: starts at 0, ends at [`TOTAL`], strictly
/// increasing, 2..=[`MAX_ALPHABET`] symbols.
pub fn validate_cdf(cdf: &[u32]) -> Result<()> {
    let m = cdf.len().saturating_sub(1);
    if !(2..=MAX_ALPHABET).contains(&m) {
        return Err(EntropyError::InvalidModel(format!(
            "a CDF needs 2..={MAX_ALPHABET} symbols, got {m}"
        )));
    }
    if cdf[0] != 0 || cdf[m] != TOTAL {
        return Err(EntropyError::InvalidModel(format!(
            "a CDF must run from 0 to {TOTAL}, got {}..{}",
            cdf[0], cdf[m]
        )));
    }
    if cdf.windows(2).any(|w| w[1] <= w[0]) {
        return Err(EntropyError::InvalidModel(
            "CDF is not strictly increasing (a symbol has zero probability)".into(),
        ));
    }
    Ok(())
}

/// A categorical model over symbols `0..n` with a fixed integer CDF (e.g. VQ indices coded
/// with a frequency table, or a factorized prior's CDF frozen at export).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Categorical {
    cdf: Vec<u32>,
}

impl Categorical {
    /// From nonnegative integer frequencies (any scale). Every symbol keeps a nonzero
    /// probability, also those with frequency 0, by the rule of [`quantised_cdf_point`].
    pub fn from_frequencies(freqs: &[u64]) -> Result<Self> {
        let m = freqs.len();
        if !(2..=MAX_ALPHABET).contains(&m) {
            return Err(EntropyError::InvalidModel(format!(
                "a categorical model needs 2..={MAX_ALPHABET} symbols, got {m}"
            )));
        }
        let total = freqs
            .iter()
            .try_fold(0u64, |a, &f| a.checked_add(f))
            .filter(|&t| t < 1 << 62)
            .ok_or_else(|| EntropyError::InvalidModel("frequencies sum beyond 2^62".into()))?;
        // All-zero frequencies: uniform.
        let (one, uniform) = if total == 0 {
            (m as u64, true)
        } else {
            (total, false)
        };
        let mut cdf = Vec::with_capacity(m + 1);
        let mut cum = 0u64;
        cdf.push(0);
        for (i, &f) in freqs.iter().enumerate() {
            cum += if uniform { 1 } else { f };
            cdf.push(quantised_cdf_point(i as u32 + 1, m as u32, cum, one));
        }
        Ok(Self { cdf })
    }

    /// From a complete integer CDF at [`PRECISION`] bits (validated).
    pub fn from_cdf(cdf: Vec<u32>) -> Result<Self> {
        validate_cdf(&cdf)?;
        Ok(Self { cdf })
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.cdf.len() - 1
    }

    /// Always false (a model has at least two symbols); for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The integer CDF `c(0..=n)`.
    pub fn cdf(&self) -> &[u32] {
        &self.cdf
    }

    /// Fixed-point probability of `symbol` (0 outside the alphabet).
    pub fn probability(&self, symbol: usize) -> u32 {
        match (self.cdf.get(symbol), self.cdf.get(symbol + 1)) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }

    pub(crate) fn slice(&self) -> CdfSlice<'_> {
        CdfSlice(&self.cdf)
    }
}

/// An adaptive binary model: a 16-bit probability of `false` that moves towards each coded
/// bit by `1/2^rate` of the distance (the exponential-decay counter of CABAC/LZMA-style
/// coders), in integer arithmetic. Encoder and decoder update identically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveBit {
    p0: u32,
    rate: u32,
}

impl Default for AdaptiveBit {
    fn default() -> Self {
        Self::new(5)
    }
}

impl AdaptiveBit {
    /// Starts at probability ½ with adaptation shift `rate` (clamped to 1..=12; 4–6 are
    /// usual: smaller adapts faster, larger is more precise on stationary data).
    pub fn new(rate: u32) -> Self {
        Self {
            p0: TOTAL / 2,
            rate: rate.clamp(1, 12),
        }
    }

    /// Fixed-point probability of `false` (in `1..2^16`).
    pub fn p_false(&self) -> u32 {
        self.p0
    }

    /// Fixed-point probability of `bit`.
    pub fn probability(&self, bit: bool) -> u32 {
        if bit {
            TOTAL - self.p0
        } else {
            self.p0
        }
    }

    /// Moves the probability towards `bit`. Keeps `p0` in `[2^rate … 2^16 − 2^rate]`
    /// so that both bits stay codable.
    pub fn update(&mut self, bit: bool) {
        let floor = 1u32 << self.rate;
        if bit {
            self.p0 -= self.p0 >> self.rate;
        } else {
            self.p0 += (TOTAL - self.p0) >> self.rate;
        }
        self.p0 = self.p0.clamp(floor, TOTAL - floor);
    }
}

impl EntropyModel<PRECISION> for AdaptiveBit {
    type Symbol = bool;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for AdaptiveBit {
    #[inline]
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<bool>,
    ) -> Option<(u32, NonZeroU32)> {
        if *symbol.borrow() {
            Some((self.p0, NonZeroU32::new(TOTAL - self.p0)?))
        } else {
            Some((0, NonZeroU32::new(self.p0)?))
        }
    }
}

impl DecoderModel<PRECISION> for AdaptiveBit {
    #[inline]
    fn quantile_function(&self, quantile: u32) -> (bool, u32, NonZeroU32) {
        if quantile < self.p0 {
            (
                false,
                0,
                NonZeroU32::new(self.p0).unwrap_or(NonZeroU32::MIN),
            )
        } else {
            let p = TOTAL - self.p0;
            (true, self.p0, NonZeroU32::new(p).unwrap_or(NonZeroU32::MIN))
        }
    }
}

/// `bits` equiprobable raw bits (1..=16) as one symbol: the bypass model of escape codes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bypass {
    pub(crate) bits: u32,
}

impl EntropyModel<PRECISION> for Bypass {
    type Symbol = u32;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for Bypass {
    #[inline]
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<u32>,
    ) -> Option<(u32, NonZeroU32)> {
        let s = *symbol.borrow();
        let shift = PRECISION as u32 - self.bits;
        (s < 1 << self.bits).then(|| (s << shift, NonZeroU32::new(1 << shift).unwrap()))
    }
}

impl DecoderModel<PRECISION> for Bypass {
    #[inline]
    fn quantile_function(&self, quantile: u32) -> (u32, u32, NonZeroU32) {
        let shift = PRECISION as u32 - self.bits;
        let s = (quantile >> shift) & ((1 << self.bits) - 1);
        (s, s << shift, NonZeroU32::new(1 << shift).unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantised_cdf_keeps_every_symbol_and_the_total() {
        // Heavily skewed frequencies: the zero-frequency symbols still get one count.
        let c = Categorical::from_frequencies(&[1_000_000, 0, 0, 5, 1]).unwrap();
        assert_eq!(c.cdf()[0], 0);
        assert_eq!(*c.cdf().last().unwrap(), TOTAL);
        assert!((0..5).all(|s| c.probability(s) >= 1));
        assert_eq!(c.probability(1), 1);
        assert!(c.probability(0) > TOTAL - 10);
        assert!(validate_cdf(c.cdf()).is_ok());
        // Uniform for all-zero input.
        let u = Categorical::from_frequencies(&[0; 4]).unwrap();
        assert_eq!(u.cdf(), &[0, 16384, 32768, 49152, 65536]);
    }

    #[test]
    fn invalid_cdfs_are_rejected() {
        assert!(Categorical::from_cdf(vec![0, 65536]).is_err());
        assert!(Categorical::from_cdf(vec![0, 5, 5, 65536]).is_err());
        assert!(Categorical::from_cdf(vec![1, 5, 65536]).is_err());
        assert!(Categorical::from_cdf(vec![0, 5, 65535]).is_err());
        assert!(Categorical::from_frequencies(&[3]).is_err());
        assert!(Categorical::from_cdf(vec![0, 5, 65536]).is_ok());
    }

    #[test]
    fn adaptive_bit_converges_to_the_bit_frequency() {
        let mut m = AdaptiveBit::new(5);
        // Deterministic pattern with P(true) = 1/4.
        for i in 0..4000 {
            m.update(i % 4 == 0);
        }
        let p_true = m.probability(true) as f64 / TOTAL as f64;
        assert!((p_true - 0.25).abs() < 0.05, "p_true {p_true}");
        // Runs of one bit saturate at the floor, never at 0.
        for _ in 0..10_000 {
            m.update(true);
        }
        assert_eq!(m.p_false(), 1 << 5);
    }

    #[test]
    fn quantile_function_inverts_the_cdf() {
        let c = Categorical::from_frequencies(&[3, 1, 7, 0, 2]).unwrap();
        let s = c.slice();
        for q in (0..TOTAL).step_by(97) {
            let (sym, lo, p) = s.quantile_function(q);
            assert!(lo <= q && q < lo + p.get());
            assert_eq!(s.left_cumulative_and_probability(sym), Some((lo, p)));
        }
    }
}
