//! LDPC decoders over the lifted QC matrix: layered normalised/offset min-sum (f32 or i16 fixed
//! point, on AVX-512, AVX2 or portable kernels chosen at run time per [`SimdPath`], with
//! bit-identical results) and flooding sum-product (boxplus-φ), all with early termination on a
//! zero syndrome. LLR convention: L = ln P(b=0)/P(b=1).

/// `multiversion!(fn name = generic_path; (args) -> ret)` defines `fn name(path: SimdPath,
/// args)` that runs the `#[inline(always)]` function `generic_path` (e.g. `kernel::<f32>`)
/// compiled for AVX-512, AVX2 or the baseline, as `path` says (the caller checked that the
/// CPU supports it). Floating-point results are identical (no reassociation or contraction
/// is enabled by the target features).
macro_rules! multiversion {
    (fn $name:ident = $generic:path; ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        fn $name(path: SimdPath, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma")]
                unsafe fn v512($($arg: $ty),*) $(-> $ret)? {
                    $generic($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn v256($($arg: $ty),*) $(-> $ret)? {
                    $generic($($arg),*)
                }
                match path {
                    // SAFETY: the caller checked that the CPU supports `path`.
                    SimdPath::Avx512 => return unsafe { v512($($arg),*) },
                    // SAFETY: as above.
                    SimdPath::Avx2 => return unsafe { v256($($arg),*) },
                    SimdPath::Scalar => {}
                }
            }
            let _ = path;
            $generic($($arg),*)
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod bp;
mod kernel;
mod minsum;
mod phi;
mod simd;

pub use simd::{SimdPath, SIMD_ENV};

use crate::error::{LdpcError, Result};
use crate::graph::QcMatrix;
use minsum::Rule::{Normalized, Offset};
use serde::{Deserialize, Serialize};

/// Magnitude at which input LLRs are saturated (±inf and huge values are clamped to this).
pub const LLR_MAX: f32 = 1.0e4;

/// Check-node rule of the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum DecoderKind {
    /// Layered normalised min-sum: R = α · sign · min (α ≈ 0.75).
    MinSumNormalized(f32),
    /// The same in 16-bit fixed point (8 steps per LLR unit, saturating at ≈ ±4096; α ≤ 1):
    /// twice the SIMD lanes of f32 for the same schedule.
    MinSumNormalizedI16(f32),
    /// Layered offset min-sum: R = sign · max(min − β, 0) (β ≈ 0.5).
    MinSumOffset(f32),
    /// Flooding sum-product (exact belief propagation, boxplus via φ(x) = −ln tanh(x/2)).
    SumProduct,
}

/// Decoder settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecoderConfig {
    /// Check-node rule and schedule.
    pub kind: DecoderKind,
    /// Maximum number of iterations (the decoder stops earlier on a zero syndrome).
    pub max_iter: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self {
            kind: DecoderKind::MinSumNormalized(0.75),
            max_iter: 20,
        }
    }
}

impl std::str::FromStr for DecoderKind {
    type Err = LdpcError;
    /// Parses `bp`/`sp`, `nms[:α]`/`minsum[:α]`, `oms[:β]`.
    fn from_str(s: &str) -> Result<Self> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let num = |default: f32| -> Result<f32> {
            match arg {
                None => Ok(default),
                Some(a) => a
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| LdpcError::Parse {
                        name: s.into(),
                        msg: "parameter must be a number ≥ 0".into(),
                    }),
            }
        };
        match name.to_ascii_lowercase().as_str() {
            "bp" | "sp" | "sum-product" => Ok(DecoderKind::SumProduct),
            "nms" | "minsum" | "min-sum" => Ok(DecoderKind::MinSumNormalized(num(0.75)?)),
            "nms16" => Ok(DecoderKind::MinSumNormalizedI16(num(0.75)?.min(1.0))),
            "ms" => Ok(DecoderKind::MinSumNormalized(num(1.0)?)),
            "oms" => Ok(DecoderKind::MinSumOffset(num(0.5)?)),
            _ => Err(LdpcError::Parse {
                name: s.into(),
                msg: "known decoders: bp, nms[:alpha], nms16[:alpha], ms, oms[:beta]".into(),
            }),
        }
    }
}

/// Result of decoding one codeword.
#[derive(Clone, Debug)]
pub struct CwDecodeResult {
    /// Hard decisions of all decoded block columns ((kb + m)·Zc bits).
    pub bits: Vec<u8>,
    /// Iterations run.
    pub iterations: usize,
    /// True when the hard decisions satisfy all used parity checks.
    pub syndrome_ok: bool,
    /// Posterior LLRs of the decoded block columns (same order as `bits`; the i16 decoder's
    /// fixed-point values converted back to LLR units).
    pub llrs: Vec<f32>,
}

/// Decoder for the sub-code made of the first `m` block rows (and kb + m block columns) of a
/// lifted base graph — the rows whose parity bits are transmitted.
#[derive(Clone, Debug)]
pub struct QcDecoder {
    h: QcMatrix,
    m: usize,
}

impl QcDecoder {
    /// Decoder using block rows 0..m (4 ≤ m ≤ rows of the base graph).
    pub fn new(h: QcMatrix, m: usize) -> Result<Self> {
        if m < 4 || m > h.bg.rows() {
            return Err(LdpcError::Config(format!(
                "number of decoded block rows {m} not in 4..={}",
                h.bg.rows()
            )));
        }
        Ok(Self { h, m })
    }

    /// Number of LLRs expected: (kb + m)·Zc.
    pub fn n(&self) -> usize {
        (self.h.bg.info_cols() + self.m) * self.h.z
    }

    /// The lifted matrix.
    pub fn matrix(&self) -> &QcMatrix {
        &self.h
    }

    /// Decodes channel LLRs of the (kb + m)·Zc code bits (punctured bits as 0, known filler
    /// bits as +[`LLR_MAX`]). NaN is an error; ±inf and huge values are clamped to ±[`LLR_MAX`].
    pub fn decode(&self, llr: &[f32], cfg: &DecoderConfig) -> Result<CwDecodeResult> {
        self.decode_with(llr, cfg, true)
    }

    /// As [`QcDecoder::decode`]; with `early_stop = false` all `max_iter` iterations run
    /// (for benchmarks at a fixed iteration count). Runs on [`SimdPath::active`].
    pub fn decode_with(
        &self,
        llr: &[f32],
        cfg: &DecoderConfig,
        early_stop: bool,
    ) -> Result<CwDecodeResult> {
        self.decode_on(SimdPath::active(), llr, cfg, early_stop)
    }

    /// As [`QcDecoder::decode_with`] on the instruction-set path `path` (every path gives
    /// bit-identical results); an error when the CPU does not support it.
    pub fn decode_on(
        &self,
        path: SimdPath,
        llr: &[f32],
        cfg: &DecoderConfig,
        early_stop: bool,
    ) -> Result<CwDecodeResult> {
        if !path.is_supported() {
            return Err(LdpcError::Config(format!(
                "this CPU does not support the {path} decoder path"
            )));
        }
        crate::error::check_len("decoder LLRs", self.n(), llr.len())?;
        let chan = sanitize(llr)?;
        let (post, iterations, syndrome_ok) = match cfg.kind {
            DecoderKind::MinSumNormalized(a) => {
                minsum::decode::<f32>(self, &chan, Normalized(a), cfg.max_iter, early_stop, path)
            }
            DecoderKind::MinSumOffset(b) => {
                minsum::decode::<f32>(self, &chan, Offset(b), cfg.max_iter, early_stop, path)
            }
            DecoderKind::MinSumNormalizedI16(a) => {
                minsum::decode::<i16>(self, &chan, Normalized(a), cfg.max_iter, early_stop, path)
            }
            DecoderKind::SumProduct => bp::decode(self, &chan, cfg.max_iter, early_stop, path),
        };
        let mut bits = Vec::new();
        hard_decide(&post, &mut bits);
        Ok(CwDecodeResult {
            bits,
            iterations,
            syndrome_ok,
            llrs: post,
        })
    }

    /// True when the hard decisions (L < 0 ⇒ 1) of `post` satisfy every used parity check.
    /// `acc` is Zc bytes of scratch.
    pub(crate) fn converged(&self, path: SimdPath, post: &[f32], acc: &mut Vec<u8>) -> bool {
        acc.resize(self.h.z, 0);
        syndrome_zero(path, &self.h.rows[..self.m], self.h.z, post, acc)
    }
}

multiversion!(fn syndrome_zero = syndrome_zero_generic; (
    rows: &[Vec<crate::graph::Circulant>],
    z: usize,
    post: &[f32],
    acc: &mut [u8],
) -> bool);

/// Whether the hard decisions (L < 0 ⇒ 1) satisfy every parity check of `rows`.
#[inline(always)]
fn syndrome_zero_generic(
    rows: &[Vec<crate::graph::Circulant>],
    z: usize,
    post: &[f32],
    acc: &mut [u8],
) -> bool {
    for row in rows {
        acc.fill(0);
        for e in row {
            let l = &post[e.col * z..(e.col + 1) * z];
            let v = e.shift;
            let (a0, a1) = acc.split_at_mut(z - v);
            for (o, x) in a0.iter_mut().zip(&l[v..]) {
                *o ^= (*x < 0.0) as u8;
            }
            for (o, x) in a1.iter_mut().zip(&l[..v]) {
                *o ^= (*x < 0.0) as u8;
            }
        }
        if acc.iter().fold(0u8, |m, &b| m | b) != 0 {
            return false;
        }
    }
    true
}

/// Hard decision: bit = 1 when L < 0.
fn hard_decide(post: &[f32], out: &mut Vec<u8>) {
    out.clear();
    out.extend(post.iter().map(|&l| (l < 0.0) as u8));
}

/// Rejects NaN, clamps to ±LLR_MAX.
fn sanitize(llr: &[f32]) -> Result<Vec<f32>> {
    if let Some(i) = llr.iter().position(|l| l.is_nan()) {
        return Err(LdpcError::NanLlr(i));
    }
    Ok(llr.iter().map(|l| l.clamp(-LLR_MAX, LLR_MAX)).collect())
}

/// `t[r] = l[(r + v) mod Z] - rm[r]`: gathers a cyclically shifted block minus old messages.
#[inline(always)]
pub(crate) fn gather_sub(t: &mut [f32], l: &[f32], rm: &[f32], v: usize) {
    let z = t.len();
    let (t0, t1) = t.split_at_mut(z - v);
    let (r0, r1) = rm.split_at(z - v);
    for ((o, a), b) in t0.iter_mut().zip(&l[v..z]).zip(r0) {
        *o = *a - *b;
    }
    for ((o, a), b) in t1.iter_mut().zip(&l[..v]).zip(r1) {
        *o = *a - *b;
    }
}
