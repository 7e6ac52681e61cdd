//! Integer network blocks (Ballé, Johnston, Minnen 2019, "Integer networks for data
//! compression with latent-variable models", ICLR): convolutions with integer weights and
//! biases, exact i64 accumulation, a rescale by a power of two with documented rounding and
//! a bounded nonlinearity. A hyper-synthesis built from these blocks computes the same scale
//! indices and mixture parameters on every machine, thread count and batch layout, because
//! integer addition is exact and associative: the order of the sum cannot change the result.
//!
//! Rounding: `rescale(acc, s) = ⌊acc/2^s + ½⌋ = (acc + 2^(s−1)) >> s` (arithmetic shift,
//! round half towards +∞); then the activation clamps; the result saturates to i32.
//!
//! Overflow cannot happen: a layer is rejected unless `|w| ≤ 2^15`, taps per output
//! `≤ 2^16` and `|bias| ≤ 2^61`, so `|acc| < 2^16·2^15·2^31 + 2^61 < 2^63` for any i32 input.
//! When `taps·max|w|·max|x| + max|bias| < 2^31` for the input at hand (8-bit weights and
//! activations, for instance) the sums run in i32, which vectorises better; both widths are
//! exact, so the choice never changes a result.

use crate::error::{EntropyError, Result};
use rayon::prelude::*;

/// Largest |weight|.
pub const MAX_WEIGHT: i32 = 1 << 15;
/// Largest number of products summed into one output (in_channels·k²).
pub const MAX_TAPS: usize = 1 << 16;
/// Largest |bias|.
pub const MAX_BIAS: i64 = 1 << 61;
/// Largest number of elements of a layer's output (bounds allocation).
pub const MAX_ELEMENTS: usize = 1 << 28;

/// A C×H×W tensor of i32 (one image of a batch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntTensor {
    channels: usize,
    height: usize,
    width: usize,
    data: Vec<i32>,
}

impl IntTensor {
    /// From channel-major data of length `c·h·w`.
    pub fn new(channels: usize, height: usize, width: usize, data: Vec<i32>) -> Result<Self> {
        if channels
            .checked_mul(height)
            .and_then(|v| v.checked_mul(width))
            != Some(data.len())
        {
            return Err(EntropyError::Shape(format!(
                "{} values for a {channels}×{height}×{width} tensor",
                data.len()
            )));
        }
        Ok(Self {
            channels,
            height,
            width,
            data,
        })
    }

    /// (channels, height, width).
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.channels, self.height, self.width)
    }

    /// The values, channel-major.
    pub fn data(&self) -> &[i32] {
        &self.data
    }

    /// Value at (c, y, x).
    pub fn get(&self, c: usize, y: usize, x: usize) -> i32 {
        self.data[(c * self.height + y) * self.width + x]
    }
}

/// `⌊acc/2^shift + ½⌋` by arithmetic shift (round half towards +∞).
#[inline]
pub fn rescale(acc: i64, shift: u32) -> i64 {
    if shift == 0 {
        acc
    } else {
        (acc + (1i64 << (shift - 1))) >> shift
    }
}

/// Quantises float parameters to integers `round_ties_even(v·2^frac_bits)` (exact: scaling
/// by a power of two and rounding are exact IEEE operations). Fails on non-finite values or
/// results outside ±`limit`.
pub fn quantise(values: &[f32], frac_bits: u32, limit: i64) -> Result<Vec<i64>> {
    let scale = libm::ldexp(1.0, frac_bits as i32);
    values
        .iter()
        .map(|&v| {
            let q = (v as f64 * scale).round_ties_even();
            if q.is_finite() && q.abs() <= limit as f64 {
                Ok(q as i64)
            } else {
                Err(EntropyError::Shape(format!(
                    "parameter {v} ×2^{frac_bits} is outside ±{limit}"
                )))
            }
        })
        .collect()
}

/// The bounded nonlinearity after the rescale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// No nonlinearity (the value saturates to i32).
    Identity,
    /// `max(v, 0)`, saturating to i32.
    Relu,
    /// `clamp(v, lo, hi)`; `Clamp { lo: 0, hi: 2^b − 1 }` is the paper's quantised ReLU.
    Clamp {
        /// Lower bound.
        lo: i32,
        /// Upper bound.
        hi: i32,
    },
}

impl Activation {
    #[inline]
    fn apply(self, v: i64) -> i32 {
        let (lo, hi) = match self {
            Activation::Identity => (i32::MIN, i32::MAX),
            Activation::Relu => (0, i32::MAX),
            Activation::Clamp { lo, hi } => (lo, hi),
        };
        v.clamp(lo as i64, hi as i64) as i32
    }
}

/// Geometry of a square-kernel convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel side k.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
    /// `None` for a convolution; `Some(output_padding)` for a transposed convolution
    /// (output side `(in − 1)·stride − 2·padding + k + output_padding`, as in PyTorch).
    pub transposed: Option<usize>,
}

/// An integer convolution (or transposed convolution): integer weights and bias, i64
/// accumulation, [`rescale`] by `2^shift`, then an [`Activation`].
///
/// Weight layout as in PyTorch: `[out][in][k][k]` for a convolution, `[in][out][k][k]` for a
/// transposed one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegerConv2d {
    spec: ConvSpec,
    weight: Vec<i32>,
    bias: Vec<i64>,
    shift: u32,
    activation: Activation,
}

impl IntegerConv2d {
    /// Checks sizes and the overflow bounds of the module documentation.
    pub fn new(
        spec: ConvSpec,
        weight: Vec<i32>,
        bias: Vec<i64>,
        shift: u32,
        activation: Activation,
    ) -> Result<Self> {
        let ConvSpec {
            in_channels: ci,
            out_channels: co,
            kernel: k,
            stride,
            ..
        } = spec;
        let bad = |m: String| Err(EntropyError::Shape(m));
        if ci == 0 || co == 0 || k == 0 || stride == 0 || spec.padding >= k {
            return bad(format!("invalid geometry {spec:?}"));
        }
        if spec.transposed.is_some_and(|op| op >= stride) {
            return bad("output padding must be smaller than the stride".into());
        }
        let taps = k
            .checked_mul(k)
            .and_then(|kk| kk.checked_mul(ci))
            .filter(|&t| t <= MAX_TAPS);
        let Some(taps) = taps else {
            return bad(format!("more than {MAX_TAPS} taps per output"));
        };
        if stride > MAX_TAPS || Some(weight.len()) != co.checked_mul(taps) || bias.len() != co {
            return bad(format!(
                "{} weights and {} biases for {spec:?}",
                weight.len(),
                bias.len()
            ));
        }
        if weight.iter().any(|w| w.abs() > MAX_WEIGHT) || bias.iter().any(|b| b.abs() > MAX_BIAS) {
            return bad("weights must be within ±2^15 and biases within ±2^61".into());
        }
        if shift > 62 {
            return bad(format!("shift {shift} > 62"));
        }
        Ok(Self {
            spec,
            weight,
            bias,
            shift,
            activation,
        })
    }

    /// The geometry.
    pub fn spec(&self) -> ConvSpec {
        self.spec
    }

    /// Output (height, width) for an input of (height, width), or an error if it is empty.
    pub fn output_size(&self, h: usize, w: usize) -> Result<(usize, usize)> {
        let ConvSpec {
            kernel: k,
            stride: s,
            padding: p,
            ..
        } = self.spec;
        let side = |n: usize| -> Option<usize> {
            match self.spec.transposed {
                None => (n + 2 * p).checked_sub(k).map(|v| v / s + 1),
                Some(op) => n
                    .checked_sub(1)?
                    .checked_mul(s)?
                    .checked_add(k + op)?
                    .checked_sub(2 * p),
            }
        };
        match (side(h), side(w)) {
            (Some(a), Some(b)) if a > 0 && b > 0 => Ok((a, b)),
            _ => Err(EntropyError::Shape(format!(
                "input {h}×{w} too small for {:?}",
                self.spec
            ))),
        }
    }

    /// Applies the layer. Output channels are computed in parallel; the result does not
    /// depend on the number of threads.
    pub fn forward(&self, x: &IntTensor) -> Result<IntTensor> {
        let (ci, h, w) = x.shape();
        if ci != self.spec.in_channels {
            return Err(EntropyError::Shape(format!(
                "input has {ci} channels, layer expects {}",
                self.spec.in_channels
            )));
        }
        let (oh, ow) = self.output_size(h, w)?;
        let co = self.spec.out_channels;
        if oh
            .checked_mul(ow)
            .and_then(|v| v.checked_mul(co))
            .is_none_or(|n| n > MAX_ELEMENTS)
        {
            return Err(EntropyError::Shape(format!(
                "output {co}×{oh}×{ow} exceeds {MAX_ELEMENTS} elements"
            )));
        }
        // Both accumulator widths are exact, so the choice cannot change a result; i32 is
        // used when the worst case over this input fits (it vectorises better).
        let x_max = x.data.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0) as u128;
        let taps = (self.spec.in_channels * self.spec.kernel * self.spec.kernel) as u128;
        let w_max = self
            .weight
            .iter()
            .map(|w| w.unsigned_abs())
            .max()
            .unwrap_or(0) as u128;
        let b_max = self
            .bias
            .iter()
            .map(|b| b.unsigned_abs())
            .max()
            .unwrap_or(0) as u128;
        let narrow = taps * w_max * x_max + b_max < i32::MAX as u128;
        let mut out = vec![0i32; co * oh * ow];
        out.par_chunks_mut(oh * ow)
            .enumerate()
            .for_each(|(o, plane)| {
                if narrow {
                    self.channel::<i32>(o, x, plane, ow);
                } else {
                    self.channel::<i64>(o, x, plane, ow);
                }
            });
        IntTensor::new(co, oh, ow, out)
    }

    /// Output channel `o` into `plane` with accumulator type `T`.
    fn channel<T: Accumulator>(&self, o: usize, x: &IntTensor, plane: &mut [i32], ow: usize) {
        let oh = plane.len() / ow;
        let acc: Vec<T> = match self.spec.transposed {
            None => self.gather(o, x, oh, ow),
            Some(_) => self.scatter(o, x, oh, ow),
        };
        for (dst, a) in plane.iter_mut().zip(acc) {
            *dst = self.activation.apply(rescale(a.into(), self.shift));
        }
    }

    /// Accumulators of output channel `o` of a convolution: for each input channel and tap,
    /// one branch-free pass over the output positions whose input lies inside the image.
    fn gather<T: Accumulator>(&self, o: usize, x: &IntTensor, oh: usize, ow: usize) -> Vec<T> {
        let ConvSpec {
            in_channels: ci,
            kernel: k,
            stride: s,
            padding: p,
            ..
        } = self.spec;
        let (_, h, w) = x.shape();
        let mut acc = vec![T::from_bias(self.bias[o]); oh * ow];
        for c in 0..ci {
            let wk = &self.weight[(o * ci + c) * k * k..][..k * k];
            let xc = &x.data[c * h * w..][..h * w];
            for ky in 0..k {
                let (y0, y1) = valid_range(oh, s, ky, p, h);
                for kx in 0..k {
                    let wv = T::from(wk[ky * k + kx]);
                    let (x0, x1) = valid_range(ow, s, kx, p, w);
                    if wk[ky * k + kx] == 0 || x0 >= x1 {
                        continue;
                    }
                    for oy in y0..y1 {
                        let row = &xc[(oy * s + ky - p) * w..][..w];
                        let out = &mut acc[oy * ow + x0..oy * ow + x1];
                        let first = x0 * s + kx - p;
                        if s == 1 {
                            // Contiguous on both sides: the loop vectorises.
                            for (a, &v) in out.iter_mut().zip(&row[first..]) {
                                *a += wv * T::from(v);
                            }
                        } else {
                            for (a, &v) in out.iter_mut().zip(row[first..].iter().step_by(s)) {
                                *a += wv * T::from(v);
                            }
                        }
                    }
                }
            }
        }
        acc
    }

    /// Accumulators of output channel `o` of a transposed convolution: each input position
    /// adds `w·x` to output `i·stride + tap − padding`. The columns are kept in `stride`
    /// phases (column `j·s + φ` at `φ·W' + j`), so that for one tap the input row and its
    /// outputs are both contiguous; the phases are interleaved back at the end.
    fn scatter<T: Accumulator>(&self, o: usize, x: &IntTensor, oh: usize, ow: usize) -> Vec<T> {
        let ConvSpec {
            out_channels: co,
            kernel: k,
            stride: s,
            padding: p,
            ..
        } = self.spec;
        let (ci, h, w) = x.shape();
        let wp = ow.div_ceil(s);
        let row_len = s * wp;
        let mut acc = vec![T::from_bias(self.bias[o]); oh * row_len];
        for c in 0..ci {
            let wk = &self.weight[(c * co + o) * k * k..][..k * k];
            let xc = &x.data[c * h * w..][..h * w];
            for ky in 0..k {
                let (y0, y1) = inverse_range(h, s, ky, p, oh);
                for kx in 0..k {
                    let wv = T::from(wk[ky * k + kx]);
                    let (x0, x1) = inverse_range(w, s, kx, p, ow);
                    if wk[ky * k + kx] == 0 || x0 >= x1 {
                        continue;
                    }
                    // Output column of input x0 and its phase/position.
                    let ox0 = x0 * s + kx - p;
                    let start = (ox0 % s) * wp + ox0 / s;
                    for iy in y0..y1 {
                        let row = &xc[iy * w + x0..iy * w + x1];
                        let base = (iy * s + ky - p) * row_len + start;
                        for (a, &v) in acc[base..base + row.len()].iter_mut().zip(row) {
                            *a += wv * T::from(v);
                        }
                    }
                }
            }
        }
        if s == 1 {
            return acc;
        }
        let mut out = Vec::with_capacity(oh * ow);
        for r in acc.chunks_exact(row_len) {
            out.extend((0..ow).map(|ox| r[(ox % s) * wp + ox / s]));
        }
        out
    }
}

/// An exact integer accumulator (i32 when the layer's worst case fits, else i64).
trait Accumulator:
    Copy + Send + From<i32> + Into<i64> + std::ops::AddAssign + std::ops::Mul<Output = Self>
{
    /// The bias (the caller has checked that it fits).
    fn from_bias(b: i64) -> Self;
}

impl Accumulator for i32 {
    fn from_bias(b: i64) -> Self {
        b as i32
    }
}

impl Accumulator for i64 {
    fn from_bias(b: i64) -> Self {
        b
    }
}

/// Output indices `o ∈ [o0, o1)` (of `n_out`) whose input `o·s + t − p` lies in `0..n_in`.
fn valid_range(n_out: usize, s: usize, t: usize, p: usize, n_in: usize) -> (usize, usize) {
    // o·s + t ≥ p  ⇔  o ≥ ⌈(p − t)/s⌉;  o·s + t − p < n_in  ⇔  o < ⌈(n_in + p − t)/s⌉.
    let o0 = p.saturating_sub(t).div_ceil(s);
    let o1 = (n_in + p).saturating_sub(t).div_ceil(s).min(n_out);
    (o0.min(o1), o1)
}

/// Input indices `i ∈ [i0, i1)` (of `n_in`) whose output `i·s + t − p` lies in `0..n_out`.
fn inverse_range(n_in: usize, s: usize, t: usize, p: usize, n_out: usize) -> (usize, usize) {
    let i0 = p.saturating_sub(t).div_ceil(s);
    let i1 = (n_out + p).saturating_sub(t).div_ceil(s).min(n_in);
    (i0.min(i1), i1)
}

/// A chain of integer layers (e.g. a hyper-synthesis transform).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntegerSequential {
    /// The layers, applied in order.
    pub layers: Vec<IntegerConv2d>,
}

impl IntegerSequential {
    /// Applies every layer in order.
    pub fn forward(&self, x: &IntTensor) -> Result<IntTensor> {
        let mut cur = x.clone();
        for l in &self.layers {
            cur = l.forward(&cur)?;
        }
        Ok(cur)
    }
}
