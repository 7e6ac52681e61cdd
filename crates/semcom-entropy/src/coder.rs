//! Range encoder and decoder over the crate's models: `constriction`'s range coder
//! (32-bit words, 64-bit state) at [`PRECISION`] bits, with escape coding and a running rate
//! estimate.
//!
//! Byte format of one coded sub-stream: the coder's 32-bit words, big-endian, with trailing
//! zero bytes removed (the decoder reads missing bytes as zeros, so nothing is lost).
//!
//! Escape: a value `v` outside a window `lo..lo+n` is coded as the window's escape symbol
//! `n`, then `e + 1` in Elias-gamma code with bypass bits, where `e = 2(lo − 1 − v)` below the
//! window and `e = 2(v − lo − n) + 1` above it. Elias-gamma of `x ≥ 1` with `L` significant
//! bits: `L − 1` zero bits, one bit each, then the `L` bits of `x` MSB first (its leading 1
//! ends the run of zeros), the last `L − 1` in chunks of at most 16 bits, high chunk first.

use crate::error::{EntropyError, Result};
use crate::models::{
    AdaptiveBit, Bypass, Categorical, CdfSlice, ConditionalTables, Mixture, PRECISION,
};
use constriction::backends::Cursor;
use constriction::stream::model::{DecoderModel, EncoderModel, EntropyModel};
use constriction::stream::queue::{DefaultRangeDecoder, DefaultRangeEncoder};
use constriction::stream::{Decode, Encode};
use std::borrow::Borrow;
use std::num::NonZeroU32;

/// Longest run of zeros the decoder accepts in an Elias-gamma prefix (values < 2^40).
pub const MAX_GAMMA_ZEROS: u32 = 40;

/// A symbol whose interval is already known (avoids evaluating a model twice).
struct Known {
    left: u32,
    prob: NonZeroU32,
}

impl EntropyModel<PRECISION> for Known {
    type Symbol = ();
    type Probability = u32;
}

impl EncoderModel<PRECISION> for Known {
    #[inline]
    fn left_cumulative_and_probability(&self, _: impl Borrow<()>) -> Option<(u32, NonZeroU32)> {
        Some((self.left, self.prob))
    }
}

/// Running sum of `−log2 p` of the coded symbols, kept as an exact product of the integer
/// probabilities in a renormalised f64 (one multiplication per symbol).
#[derive(Clone, Debug)]
struct InfoContent {
    mant: f64,
    exp: i64,
    precision_bits: u64,
}

impl InfoContent {
    fn new() -> Self {
        Self {
            mant: 1.0,
            exp: 0,
            precision_bits: 0,
        }
    }

    #[inline]
    fn add(&mut self, p: u32) {
        self.mant *= p as f64;
        self.precision_bits += PRECISION as u64;
        if self.mant > 1e250 {
            let bits = self.mant.to_bits();
            self.exp += ((bits >> 52) & 0x7ff) as i64 - 1023;
            self.mant = f64::from_bits((bits & !(0x7ff << 52)) | (1023 << 52));
        }
    }

    fn bits(&self) -> f64 {
        self.precision_bits as f64 - (self.exp as f64 + self.mant.log2())
    }
}

/// Encodes symbols of any of the crate's models into one sub-stream.
pub struct Encoder {
    rc: DefaultRangeEncoder,
    info: InfoContent,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self {
            rc: DefaultRangeEncoder::new(),
            info: InfoContent::new(),
        }
    }

    #[inline]
    fn put<M>(&mut self, model: M, symbol: M::Symbol, size: usize) -> Result<()>
    where
        M: EncoderModel<PRECISION, Probability = u32>,
        M::Symbol: Copy + TryInto<i64>,
    {
        let (left, prob) = model
            .left_cumulative_and_probability(symbol)
            .ok_or_else(|| EntropyError::SymbolOutOfRange {
                symbol: symbol.try_into().unwrap_or(i64::MAX),
                size,
            })?;
        self.info.add(prob.get());
        self.rc
            .encode_symbol((), Known { left, prob })
            .map_err(|_| EntropyError::Corrupt("range encoder rejected a symbol"))
    }

    /// Codes `symbol` (in `0..model.len()`) with a fixed categorical model.
    pub fn encode_categorical(&mut self, model: &Categorical, symbol: usize) -> Result<()> {
        self.put(model.slice(), symbol, model.len())
    }

    /// Codes `bit` with an adaptive binary model, then updates the model.
    pub fn encode_bit(&mut self, model: &mut AdaptiveBit, bit: bool) -> Result<()> {
        let p = model.probability(bit);
        let left = if bit { model.p_false() } else { 0 };
        self.info.add(p);
        let prob = NonZeroU32::new(p).ok_or(EntropyError::Corrupt("zero probability"))?;
        self.rc
            .encode_symbol((), Known { left, prob })
            .map_err(|_| EntropyError::Corrupt("range encoder rejected a symbol"))?;
        model.update(bit);
        Ok(())
    }

    /// Codes the low `bits` (0..=32) bits of `value` as equiprobable bits, in chunks of at
    /// most 16, high chunk first.
    pub fn encode_bypass(&mut self, value: u32, bits: u32) -> Result<()> {
        if bits > 32 || (bits < 32 && value >> bits != 0) {
            return Err(EntropyError::SymbolOutOfRange {
                symbol: value as i64,
                size: 1usize << bits.min(32),
            });
        }
        let mut left = bits;
        while left > 0 {
            let chunk = left.min(16);
            left -= chunk;
            let sym = (value >> left) & ((1u32 << chunk) - 1);
            self.put(Bypass { bits: chunk }, sym, 1 << chunk)?;
        }
        Ok(())
    }

    /// Elias-gamma code of `x ≥ 1` in bypass bits (see the module documentation).
    pub fn encode_elias_gamma(&mut self, x: u64) -> Result<()> {
        if x == 0 || x >= 1 << MAX_GAMMA_ZEROS {
            return Err(EntropyError::SymbolOutOfRange {
                symbol: x as i64,
                size: 1 << MAX_GAMMA_ZEROS,
            });
        }
        let len = 64 - x.leading_zeros();
        for _ in 1..len {
            self.put(Bypass { bits: 1 }, 0, 2)?;
        }
        self.put(Bypass { bits: 1 }, 1, 2)?;
        let rest = len - 1;
        let low = x & ((1u64 << rest) - 1);
        if rest > 32 {
            self.encode_bypass((low >> 32) as u32, rest - 32)?;
            self.encode_bypass(low as u32, 32)
        } else {
            self.encode_bypass(low as u32, rest)
        }
    }

    fn encode_windowed<M>(&mut self, model: M, lo: i32, n: u32, value: i32) -> Result<()>
    where
        M: EncoderModel<PRECISION, Probability = u32, Symbol = usize>,
    {
        let off = value as i64 - lo as i64;
        if (0..n as i64).contains(&off) {
            return self.put(model, off as usize, n as usize + 1);
        }
        self.put(model, n as usize, n as usize + 1)?;
        let e = if off < 0 {
            2 * (-off - 1) as u64
        } else {
            2 * (off - n as i64) as u64 + 1
        };
        self.encode_elias_gamma(e + 1)
    }

    /// Codes `value` (usually `round(y − μ)`) with the CDF that scale `index` selects;
    /// values outside the window go through the escape.
    pub fn encode_conditional(
        &mut self,
        tables: &ConditionalTables,
        index: usize,
        value: i32,
    ) -> Result<()> {
        let (lo, n, model) = tables.window(index)?;
        self.encode_windowed(model, lo, n, value)
    }

    /// Codes a latent tensor: `values[i]` with the CDF of scale `indices[i]`.
    pub fn encode_conditional_all(
        &mut self,
        tables: &ConditionalTables,
        indices: &[usize],
        values: &[i32],
    ) -> Result<()> {
        if indices.len() != values.len() {
            return Err(EntropyError::InvalidModel(format!(
                "{} scale indices for {} values",
                indices.len(),
                values.len()
            )));
        }
        for (&i, &v) in indices.iter().zip(values) {
            self.encode_conditional(tables, i, v)?;
        }
        Ok(())
    }

    /// Codes `value` with a quantised mixture; values outside its window go through the
    /// escape.
    pub fn encode_mixture(&mut self, model: &Mixture, value: i32) -> Result<()> {
        let (lo, n) = model.window();
        self.encode_windowed(model, lo, n, value)
    }

    /// Information content of everything coded so far: `Σ −log2 p` of the integer model
    /// probabilities, in bits (the ideal length the stream approaches).
    pub fn estimated_bits(&self) -> f64 {
        self.info.bits()
    }

    /// Seals the stream and returns its bytes (see the module documentation).
    pub fn finish(self) -> Vec<u8> {
        let words = self.rc.into_compressed().unwrap_or_else(|e| match e {});
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        bytes
    }
}

/// Decodes a sub-stream written by [`Encoder`]; the caller calls the same `decode_*` methods
/// with the same models in the same order. Never panics: corrupt data decodes to some
/// symbols or to an [`EntropyError`].
pub struct Decoder {
    rc: DefaultRangeDecoder<Cursor<u32, Vec<u32>>>,
}

impl Decoder {
    /// A decoder over `bytes` (allocates `bytes.len()` rounded up to 4).
    pub fn new(bytes: &[u8]) -> Result<Self> {
        let words: Vec<u32> = bytes
            .chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                u32::from_be_bytes(w)
            })
            .collect();
        let rc = DefaultRangeDecoder::from_compressed(words).unwrap_or_else(|e| match e {});
        Ok(Self { rc })
    }

    #[inline]
    fn get<M>(&mut self, model: M) -> Result<M::Symbol>
    where
        M: DecoderModel<PRECISION, Probability = u32>,
    {
        self.rc
            .decode_symbol(model)
            .map_err(|_| EntropyError::Corrupt("range decoder met invalid data"))
    }

    /// Decodes a symbol of a fixed categorical model.
    pub fn decode_categorical(&mut self, model: &Categorical) -> Result<usize> {
        self.get(model.slice())
    }

    /// Decodes a bit with an adaptive binary model, then updates the model.
    pub fn decode_bit(&mut self, model: &mut AdaptiveBit) -> Result<bool> {
        let bit = self.get(*model)?;
        model.update(bit);
        Ok(bit)
    }

    /// Decodes `bits` (0..=32) bypass bits.
    pub fn decode_bypass(&mut self, bits: u32) -> Result<u32> {
        if bits > 32 {
            return Err(EntropyError::Corrupt("more than 32 bypass bits requested"));
        }
        let (mut left, mut v) = (bits, 0u64);
        while left > 0 {
            let chunk = left.min(16);
            left -= chunk;
            v = (v << chunk) | self.get(Bypass { bits: chunk })? as u64;
        }
        Ok(v as u32)
    }

    /// Decodes an Elias-gamma coded `x ≥ 1`.
    pub fn decode_elias_gamma(&mut self) -> Result<u64> {
        let mut zeros = 0;
        while self.get(Bypass { bits: 1 })? == 0 {
            zeros += 1;
            if zeros > MAX_GAMMA_ZEROS {
                return Err(EntropyError::Corrupt("Elias-gamma prefix too long"));
            }
        }
        let low = if zeros > 32 {
            let hi = self.decode_bypass(zeros - 32)? as u64;
            (hi << 32) | self.decode_bypass(32)? as u64
        } else {
            self.decode_bypass(zeros)? as u64
        };
        Ok((1u64 << zeros) | low)
    }

    fn decode_windowed<M>(&mut self, model: M, lo: i32, n: u32) -> Result<i32>
    where
        M: DecoderModel<PRECISION, Probability = u32, Symbol = usize>,
    {
        let s = self.get(model)?;
        let v = if (s as u32) < n {
            lo as i64 + s as i64
        } else {
            let e = self.decode_elias_gamma()? - 1;
            if e % 2 == 0 {
                lo as i64 - 1 - (e / 2) as i64
            } else {
                lo as i64 + n as i64 + (e / 2) as i64
            }
        };
        i32::try_from(v).map_err(|_| EntropyError::Corrupt("escaped value beyond 32 bits"))
    }

    /// Decodes a value coded by [`Encoder::encode_conditional`] with the same scale index.
    pub fn decode_conditional(&mut self, tables: &ConditionalTables, index: usize) -> Result<i32> {
        let (lo, n, model): (i32, u32, CdfSlice<'_>) = tables.window(index)?;
        self.decode_windowed(model, lo, n)
    }

    /// Decodes a latent tensor coded by [`Encoder::encode_conditional_all`]; allocates one
    /// i32 per index (the caller bounds the count, e.g. from the checked image size).
    pub fn decode_conditional_all(
        &mut self,
        tables: &ConditionalTables,
        indices: &[usize],
    ) -> Result<Vec<i32>> {
        indices
            .iter()
            .map(|&i| self.decode_conditional(tables, i))
            .collect()
    }

    /// Decodes a value coded by [`Encoder::encode_mixture`] with the same mixture.
    pub fn decode_mixture(&mut self, model: &Mixture) -> Result<i32> {
        let (lo, n) = model.window();
        self.decode_windowed(model, lo, n)
    }

    /// True if the decoder may have consumed the whole stream (a check after decoding:
    /// false means the stream holds more data than the symbols decoded).
    pub fn maybe_exhausted(&self) -> bool {
        self.rc.maybe_exhausted()
    }
}
