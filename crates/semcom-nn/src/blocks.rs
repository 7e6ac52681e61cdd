//! Building blocks shared by the neural schemes: conv + PReLU stacks (Bourtsoulatze et al.
//! 2019), residual blocks (He et al. 2016), GDN/IGDN (Ballé et al. 2016), sub-pixel
//! convolution (pixel shuffle, Shi et al. 2016) and average-power normalisation.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::Tensor;

/// Activation after a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Act {
    /// No activation.
    None,
    /// Parametric ReLU with one slope per channel (He et al. 2015), initial slope 0.25.
    Prelu,
    /// Logistic sigmoid (output layer of image decoders, values in (0, 1)).
    Sigmoid,
    /// Generalised divisive normalisation (Ballé et al. 2016).
    Gdn,
    /// Inverse GDN (decoder side).
    Igdn,
}

/// One layer of a [`ConvStack`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// Input channels.
    pub cin: i64,
    /// Output channels.
    pub cout: i64,
    /// Square kernel size (odd; padding k/2 keeps the size at stride 1).
    pub k: i64,
    /// Stride (down-sampling factor, or up-sampling factor when `transposed`).
    pub stride: i64,
    /// Transposed convolution (output = input·stride exactly).
    pub transposed: bool,
    /// Activation.
    pub act: Act,
}

/// PReLU with one learnable slope per channel: y = max(0,x) + a·min(0,x).
#[derive(Debug)]
pub struct Prelu {
    /// Slopes, shape `[channels]`.
    pub weight: Tensor,
}

impl Prelu {
    /// A PReLU over `channels` channels stored as `<path>.weight`.
    pub fn new(p: nn::Path, channels: i64) -> Self {
        Self {
            weight: p.var("weight", &[channels], nn::Init::Const(0.25)),
        }
    }
}

impl Module for Prelu {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.prelu(&self.weight)
    }
}

/// GDN (Ballé, Laparra & Simoncelli 2016, eq. 6): y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²), or
/// the inverse IGDN y_i = x_i · sqrt(β_i + Σ_j γ_ij x_j²). β and γ are kept non-negative by
/// the reparametrisation β = max(β', 1e-6), γ = max(γ', 0).
#[derive(Debug)]
pub struct Gdn {
    beta: Tensor,
    gamma: Tensor,
    inverse: bool,
}

impl Gdn {
    /// A GDN (or IGDN when `inverse`) over `channels` channels: β = 1, γ = 0.1·I initially.
    pub fn new(p: nn::Path, channels: i64, inverse: bool) -> Self {
        let beta = p.var("beta", &[channels], nn::Init::Const(1.0));
        let eye = Tensor::eye(channels, (tch::Kind::Float, p.device())) * 0.1;
        let gamma = p.var_copy("gamma", &eye.view([channels, channels, 1, 1]));
        Self {
            beta,
            gamma,
            inverse,
        }
    }
}

impl Module for Gdn {
    fn forward(&self, x: &Tensor) -> Tensor {
        let beta = self.beta.clamp_min(1e-6);
        let gamma = self.gamma.clamp_min(0.0);
        let norm = x
            .square()
            .conv2d(&gamma, Some(&beta), [1, 1], [0, 0], [1, 1], 1)
            .sqrt();
        if self.inverse {
            x * norm
        } else {
            x / norm
        }
    }
}

#[derive(Debug)]
enum Conv {
    Plain(nn::Conv2D),
    Transposed(nn::ConvTranspose2D),
}

#[derive(Debug)]
enum Activation {
    None,
    Prelu(Prelu),
    Sigmoid,
    Gdn(Gdn),
}

/// A convolution followed by its activation.
#[derive(Debug)]
pub struct ConvLayer {
    conv: Conv,
    act: Activation,
}

impl ConvLayer {
    /// Builds the layer under `p` (`<p>.conv.*`, `<p>.act.*`).
    pub fn new(p: &nn::Path, s: &LayerSpec) -> Self {
        let pad = s.k / 2;
        let conv = if s.transposed {
            let cfg = nn::ConvTransposeConfig {
                stride: s.stride,
                padding: pad,
                output_padding: s.stride - 1,
                ..Default::default()
            };
            Conv::Transposed(nn::conv_transpose2d(p / "conv", s.cin, s.cout, s.k, cfg))
        } else {
            let cfg = nn::ConvConfig {
                stride: s.stride,
                padding: pad,
                ..Default::default()
            };
            Conv::Plain(nn::conv2d(p / "conv", s.cin, s.cout, s.k, cfg))
        };
        let act = match s.act {
            Act::None => Activation::None,
            Act::Prelu => Activation::Prelu(Prelu::new(p / "act", s.cout)),
            Act::Sigmoid => Activation::Sigmoid,
            Act::Gdn => Activation::Gdn(Gdn::new(p / "act", s.cout, false)),
            Act::Igdn => Activation::Gdn(Gdn::new(p / "act", s.cout, true)),
        };
        Self { conv, act }
    }
}

impl Module for ConvLayer {
    fn forward(&self, x: &Tensor) -> Tensor {
        let y = match &self.conv {
            Conv::Plain(c) => c.forward(x),
            Conv::Transposed(c) => c.forward(x),
        };
        match &self.act {
            Activation::None => y,
            Activation::Prelu(a) => a.forward(&y),
            Activation::Sigmoid => y.sigmoid(),
            Activation::Gdn(g) => g.forward(&y),
        }
    }
}

/// A stack of [`ConvLayer`]s named `<p>.0`, `<p>.1`, ….
#[derive(Debug)]
pub struct ConvStack {
    layers: Vec<ConvLayer>,
    /// The specification the stack was built from.
    pub specs: Vec<LayerSpec>,
}

impl ConvStack {
    /// Builds the stack under `p`.
    pub fn new(p: &nn::Path, specs: &[LayerSpec]) -> Self {
        let layers = specs
            .iter()
            .enumerate()
            .map(|(i, s)| ConvLayer::new(&(p / i), s))
            .collect();
        Self {
            layers,
            specs: specs.to_vec(),
        }
    }
    /// Total down-sampling factor (product of the strides of non-transposed layers).
    pub fn downsampling(&self) -> i64 {
        self.specs
            .iter()
            .filter(|s| !s.transposed)
            .map(|s| s.stride)
            .product()
    }
}

impl Module for ConvStack {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers
            .iter()
            .fold(x.shallow_clone(), |h, l| l.forward(&h))
    }
}

/// Residual block (He et al. 2016): x + conv3×3(PReLU(conv3×3(x))), with a 1×1 projection on
/// the skip path when the channel counts differ, then PReLU.
#[derive(Debug)]
pub struct ResBlock {
    c1: ConvLayer,
    c2: ConvLayer,
    skip: Option<nn::Conv2D>,
    out: Prelu,
}

impl ResBlock {
    /// A residual block `cin → cout` under `p`.
    pub fn new(p: &nn::Path, cin: i64, cout: i64) -> Self {
        let spec = |cin, act| LayerSpec {
            cin,
            cout,
            k: 3,
            stride: 1,
            transposed: false,
            act,
        };
        Self {
            c1: ConvLayer::new(&(p / "c1"), &spec(cin, Act::Prelu)),
            c2: ConvLayer::new(&(p / "c2"), &spec(cout, Act::None)),
            skip: (cin != cout).then(|| nn::conv2d(p / "skip", cin, cout, 1, Default::default())),
            out: Prelu::new(p / "out", cout),
        }
    }
}

impl Module for ResBlock {
    fn forward(&self, x: &Tensor) -> Tensor {
        let s = match &self.skip {
            Some(c) => c.forward(x),
            None => x.shallow_clone(),
        };
        self.out
            .forward(&(self.c2.forward(&self.c1.forward(x)) + s))
    }
}

/// Sub-pixel up-sampling (Shi et al. 2016): `[B, C·r², H, W] → [B, C, H·r, W·r]`.
pub fn pixel_shuffle(x: &Tensor, r: i64) -> Tensor {
    x.pixel_shuffle(r)
}

/// Inverse of [`pixel_shuffle`]: `[B, C, H·r, W·r] → [B, C·r², H, W]`.
pub fn pixel_unshuffle(x: &Tensor, r: i64) -> Tensor {
    x.pixel_unshuffle(r)
}

/// Average-power normalisation per item (Bourtsoulatze et al. 2019, eq. 3): flattens each item
/// of the batch to 2k reals, read as k complex symbols (re, im of consecutive values, as
/// `semcom_core::chain::reals_to_complex`), and scales it to (1/k)·Σ|x_i|² = P = 1.
/// Returns `[B, 2k]`.
pub fn power_normalize(z: &Tensor) -> Tensor {
    let b = z.size()[0];
    let flat = z.reshape([b, -1]);
    let k = flat.size()[1] as f64 / 2.0;
    let energy = flat.square().sum_dim_intlist(1, true, tch::Kind::Float);
    &flat * (k / (energy + 1e-12)).sqrt()
}
