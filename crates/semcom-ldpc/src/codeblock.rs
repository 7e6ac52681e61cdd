//! One LDPC code block through the TS 38.212 chain: filler bits (§5.2.2), QC encoding with the
//! first 2 Zc bits punctured (§5.3.2), rate matching and bit interleaving (§5.4.2); and back.

use crate::decode::{DecoderConfig, QcDecoder, LLR_MAX};
use crate::encode::QcEncoder;
use crate::error::{check_bits, check_len, LdpcError, Result};
use crate::graph::QcMatrix;
use crate::ratematch::RateMatcher;
use crate::segment::{select_base_graph, Segmentation};

/// Encoder/decoder of code blocks sharing one segmentation (same K', Zc, base graph).
#[derive(Clone, Debug)]
pub struct CodeBlockCoder {
    seg: Segmentation,
    enc: QcEncoder,
    dec: QcDecoder,
}

/// Decoded code block.
#[derive(Clone, Debug)]
pub struct CbDecodeResult {
    /// The K' decoded bits c₀…c_{K'−1} (including the CB CRC when there is one).
    pub bits: Vec<u8>,
    /// Iterations run.
    pub iterations: usize,
    /// Zero syndrome at the end.
    pub syndrome_ok: bool,
}

impl CodeBlockCoder {
    /// Coder for segmentation `seg`; `rms` are the rate matchers that will be used (they fix
    /// how many block rows the decoder needs).
    pub fn new(seg: Segmentation, rms: &[&RateMatcher]) -> Result<Self> {
        let h = QcMatrix::new(seg.bg, seg.z)?;
        let z = seg.z;
        let kb = seg.bg.info_cols();
        let hp = rms.iter().map(|r| r.highest_position()).max().unwrap_or(0);
        let cols = (hp + 2 * z).div_ceil(z);
        let m = cols.saturating_sub(kb).clamp(4, seg.bg.rows());
        let dec = QcDecoder::new(h.clone(), m)?;
        let enc = QcEncoder::new(h)?;
        Ok(Self { seg, enc, dec })
    }

    /// A single code block of `k_prime` bits (no CB CRC) rate-matched to `e` bits: base graph
    /// from §7.2.2 with R = K'/E, Zc from §5.2.2. Returns the coder and its rate matcher.
    pub fn single(k_prime: usize, e: usize, qm: usize, rv: u8) -> Result<(Self, RateMatcher)> {
        if e == 0 {
            return Err(LdpcError::Config("E must be positive".into()));
        }
        let bg = select_base_graph(k_prime, k_prime as f64 / e as f64);
        let seg = Segmentation::new(k_prime, bg)?;
        if seg.c != 1 {
            return Err(LdpcError::Config(format!(
                "K' = {k_prime} exceeds the maximum code block size {}",
                bg.kcb()
            )));
        }
        let rm = rate_matcher(&seg, e, qm, rv)?;
        Ok((Self::new(seg, &[&rm])?, rm))
    }

    /// The segmentation parameters.
    pub fn segmentation(&self) -> &Segmentation {
        &self.seg
    }

    /// Number of block rows the decoder uses.
    pub fn decoder(&self) -> &QcDecoder {
        &self.dec
    }

    /// Encodes K' bits into the N = (cols − 2)·Zc bits d (fillers set to 0 here; the rate
    /// matcher never selects them).
    pub fn encode_d(&self, c: &[u8]) -> Result<Vec<u8>> {
        check_len("code block bits K'", self.seg.k_prime, c.len())?;
        check_bits(c)?;
        let mut info = vec![0u8; self.seg.k];
        info[..c.len()].copy_from_slice(c);
        let mut cw = self.enc.encode(&info)?;
        cw.drain(..2 * self.seg.z);
        Ok(cw)
    }

    /// Encodes and rate-matches K' bits into E bits.
    pub fn encode(&self, c: &[u8], rm: &RateMatcher) -> Result<Vec<u8>> {
        rm.rate_match(&self.encode_d(c)?)
    }

    /// De-rate-matches E LLRs and decodes, returning the K' bits.
    pub fn decode(
        &self,
        llr: &[f32],
        rm: &RateMatcher,
        cfg: &DecoderConfig,
    ) -> Result<CbDecodeResult> {
        let mut buf = vec![0f32; self.n_d()];
        rm.derate_match_add(llr, &mut buf)?;
        self.decode_buffer(&buf, cfg)
    }

    /// Decodes a circular buffer of N soft-combined LLRs (punctured/unsent positions = 0).
    pub fn decode_buffer(&self, buf: &[f32], cfg: &DecoderConfig) -> Result<CbDecodeResult> {
        check_len("circular buffer", self.n_d(), buf.len())?;
        let z = self.seg.z;
        let n = self.dec.n();
        let mut llr = vec![0f32; n];
        llr[2 * z..].copy_from_slice(&buf[..n - 2 * z]);
        for l in &mut llr[self.seg.k_prime..self.seg.k] {
            *l = LLR_MAX;
        }
        let r = self.dec.decode(&llr, cfg)?;
        let mut bits = r.bits;
        bits.truncate(self.seg.k_prime);
        Ok(CbDecodeResult {
            bits,
            iterations: r.iterations,
            syndrome_ok: r.syndrome_ok,
        })
    }

    /// N = (cols − 2)·Zc, the circular buffer length.
    pub fn n_d(&self) -> usize {
        (self.seg.bg.cols() - 2) * self.seg.z
    }
}

/// Rate matcher for a code block of segmentation `seg` (filler positions from §5.3.2).
pub fn rate_matcher(seg: &Segmentation, e: usize, qm: usize, rv: u8) -> Result<RateMatcher> {
    let z = seg.z;
    let n = (seg.bg.cols() - 2) * z;
    let fillers = seg.k_prime.saturating_sub(2 * z)..seg.k.saturating_sub(2 * z);
    RateMatcher::new(seg.bg, z, n, fillers, e, qm, rv)
}
