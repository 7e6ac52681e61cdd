//! Inference building blocks shared by the ports (eval-mode, weights validated at load time):
//! 2-D convolution, transposed convolution, BatchNorm folded to scale/shift, PReLU.

use crate::error::Result;
use crate::weights::Weights;
use tch::Tensor;

/// A 2-D convolution (cross-correlation, `pad = (k-1)/2 · dilation` unless given).
pub(crate) struct Conv {
    w: Tensor,
    b: Option<Tensor>,
    stride: i64,
    pad: [i64; 2],
    dil: i64,
}

/// Shape and hyper-parameters of a [`Conv`].
#[derive(Clone, Copy)]
pub(crate) struct ConvSpec {
    pub cin: i64,
    pub cout: i64,
    /// Kernel (height, width).
    pub k: (i64, i64),
    pub stride: i64,
    pub dil: i64,
    pub bias: bool,
    /// Explicit padding (None = "same" padding `(k-1)/2·dil`).
    pub pad: Option<(i64, i64)>,
}

impl ConvSpec {
    /// A bias-free "same" conv.
    pub fn new(cin: i64, cout: i64, k: i64) -> Self {
        Self {
            cin,
            cout,
            k: (k, k),
            stride: 1,
            dil: 1,
            bias: false,
            pad: None,
        }
    }
    /// A rectangular `kh×kw` kernel ("same" padding per axis unless set).
    pub fn rect(mut self, kh: i64, kw: i64) -> Self {
        self.k = (kh, kw);
        self
    }
    pub fn stride(mut self, s: i64) -> Self {
        self.stride = s;
        self
    }
    pub fn dil(mut self, d: i64) -> Self {
        self.dil = d;
        self
    }
    pub fn bias(mut self) -> Self {
        self.bias = true;
        self
    }
    pub fn pad(mut self, p: i64) -> Self {
        self.pad = Some((p, p));
        self
    }
}

impl Conv {
    /// Loads `<prefix>weight` (and `<prefix>bias`) for `spec`.
    pub fn load(w: &Weights, prefix: &str, spec: ConvSpec) -> Result<Self> {
        let weight = w.get(
            &format!("{prefix}weight"),
            &[spec.cout, spec.cin, spec.k.0, spec.k.1],
        )?;
        let b = if spec.bias {
            Some(w.get(&format!("{prefix}bias"), &[spec.cout])?)
        } else {
            None
        };
        Ok(Self::from_tensors(weight, b, spec))
    }

    /// From tensors already checked.
    pub fn from_tensors(w: Tensor, b: Option<Tensor>, spec: ConvSpec) -> Self {
        let (ph, pw) = spec
            .pad
            .unwrap_or(((spec.k.0 - 1) / 2 * spec.dil, (spec.k.1 - 1) / 2 * spec.dil));
        Self {
            w,
            b,
            stride: spec.stride,
            pad: [ph, pw],
            dil: spec.dil,
        }
    }

    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.conv2d(
            &self.w,
            self.b.as_ref(),
            [self.stride],
            self.pad,
            [self.dil],
            1,
        )
    }
}

/// ConvTranspose2d c→c, kernel 2, stride 2, no bias (weight layout (in, out, 2, 2)).
pub(crate) struct Up2(Tensor);

impl Up2 {
    pub fn load(w: &Weights, key: &str, c: i64) -> Result<Self> {
        Ok(Self(w.get(key, &[c, c, 2, 2])?))
    }
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.conv_transpose2d(&self.0, None::<&Tensor>, [2], [0], [0], 1, [1])
    }
}

/// Eval-mode BatchNorm `(x-mean)/sqrt(var+eps)·γ+β`, folded into a per-channel scale and shift.
pub(crate) struct Bn {
    scale: Tensor,
    shift: Tensor,
}

impl Bn {
    /// Loads `<prefix>{weight,bias,running_mean,running_var}`.
    pub fn load(w: &Weights, prefix: &str, c: i64, eps: f64) -> Result<Self> {
        let g = w.get(&format!("{prefix}weight"), &[c])?;
        let b = w.get(&format!("{prefix}bias"), &[c])?;
        let m = w.get(&format!("{prefix}running_mean"), &[c])?;
        let v = w.get(&format!("{prefix}running_var"), &[c])?;
        let scale = g / (v + eps).sqrt();
        let shift = b - &m * &scale;
        Ok(Self {
            scale: scale.view([1, c, 1, 1]),
            shift: shift.view([1, c, 1, 1]),
        })
    }
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x * &self.scale + &self.shift
    }
}

/// PReLU with one slope per channel.
pub(crate) struct PRelu(Tensor);

impl PRelu {
    pub fn load(w: &Weights, key: &str, c: i64) -> Result<Self> {
        Ok(Self(w.get(key, &[c])?))
    }
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.prelu(&self.0)
    }
}

/// Planar `[0,1]` image to a `1×C×H×W` float tensor.
pub(crate) fn image_tensor(img: &semcom_core::Image) -> Tensor {
    Tensor::from_slice(img.data()).view([
        1,
        img.channels() as i64,
        img.height() as i64,
        img.width() as i64,
    ])
}

/// A tensor of `shape` with values `U(−bound, bound)` drawn from `rng` (initialisation and
/// stand-in weights; every draw comes from the caller's seeded generator).
pub(crate) fn uniform(shape: &[i64], bound: f32, rng: &mut semcom_core::rng::SemRng) -> Tensor {
    use rand::Rng;
    let n: i64 = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|_| {
            if bound > 0.0 {
                rng.random_range(-bound..bound)
            } else {
                0.0
            }
        })
        .collect();
    Tensor::from_slice(&v).view(shape)
}

/// Stand-in weights for a list of (name, shape): He-uniform for rank-4 conv weights
/// (`bound = √(6/fan_in)`), ones for BN `weight`/`running_var`, zeros for other vectors.
pub(crate) fn stand_in(
    list: Vec<(String, Vec<i64>)>,
    rng: &mut semcom_core::rng::SemRng,
) -> crate::weights::Weights {
    let tensors = list
        .into_iter()
        .map(|(n, s)| {
            let t = if s.len() == 4 {
                let fan_in: i64 = s[1..].iter().product::<i64>().max(1);
                uniform(&s, (6.0 / fan_in as f32).sqrt(), rng)
            } else if n.ends_with("running_var") || (n.ends_with(".weight") && n.contains("bn")) {
                Tensor::ones(s.as_slice(), (tch::Kind::Float, tch::Device::Cpu))
            } else {
                uniform(&s, 0.05, rng)
            };
            (n, t)
        })
        .collect();
    crate::weights::Weights::from_tensors("<stand-in>", tensors)
}
