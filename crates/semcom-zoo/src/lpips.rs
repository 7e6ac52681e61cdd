//! LPIPS v0.1 (Zhang et al., CVPR 2018, "The Unreasonable Effectiveness of Deep Features as a
//! Perceptual Metric", Eq. 1): `d(x, x0) = Σ_l 1/(H_l W_l) Σ_{h,w} ‖w_l ⊙ (ŷ_l − ŷ0_l)‖²`, with
//! unit-normalised (over channels) activations ŷ of AlexNet or VGG16 `features` taps and the
//! learned non-negative heads `lin{l}` of `shared/models/lpips/`.
//!
//! The ImageNet backbones are **not** shipped: the user supplies the torchvision weights as a
//! safetensors file with the keys `features.{i}.weight` / `features.{i}.bias`
//! (see `docs/zoo.md`). Numbers computed with other (e.g. random) backbones are not LPIPS.

use crate::error::{guard, Result, ZooError};
use crate::layers::{image_tensor, Conv, ConvSpec};
use crate::weights::{resolve, Weights};
use semcom_core::Image;
use std::path::Path;
use tch::{Kind, Tensor};

/// Input shift of the LPIPS scaling layer (RGB, for inputs in `[−1, 1]`).
pub const SHIFT: [f32; 3] = [-0.030, -0.088, -0.188];
/// Input scale of the LPIPS scaling layer.
pub const SCALE: [f32; 3] = [0.458, 0.448, 0.450];

/// The feature backbone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backbone {
    /// torchvision AlexNet `features` (taps after ReLUs 1, 4, 7, 9, 11).
    Alex,
    /// torchvision VGG16 `features` (taps after ReLUs 3, 8, 15, 22, 29).
    Vgg16,
}

/// One layer of a backbone's `features` Sequential.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Conv at `features.{idx}` (cin, cout, k, stride, pad), always followed by ReLU.
    Conv {
        idx: usize,
        cin: i64,
        cout: i64,
        k: i64,
        stride: i64,
        pad: i64,
    },
    /// MaxPool (kernel, stride).
    Pool(i64, i64),
    /// Feature tap (after the preceding ReLU).
    Tap,
}

impl Backbone {
    /// Parses `alex` / `vgg`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "alex" | "alexnet" => Ok(Self::Alex),
            "vgg" | "vgg16" => Ok(Self::Vgg16),
            _ => Err(ZooError::InvalidInput(format!(
                "unknown LPIPS backbone '{s}' (alex|vgg)"
            ))),
        }
    }
    /// Heads file relative to the models directory.
    pub fn heads_file(self) -> &'static str {
        match self {
            Self::Alex => "lpips/lpips_alex_v0.1.safetensors",
            Self::Vgg16 => "lpips/lpips_vgg_v0.1.safetensors",
        }
    }
    /// The backbone file the user provides, relative to the models directory.
    pub fn backbone_file(self) -> &'static str {
        match self {
            Self::Alex => "lpips/alexnet_features.safetensors",
            Self::Vgg16 => "lpips/vgg16_features.safetensors",
        }
    }
    /// Channels of the five taps.
    pub fn tap_channels(self) -> [i64; 5] {
        match self {
            Self::Alex => [64, 192, 384, 256, 256],
            Self::Vgg16 => [64, 128, 256, 512, 512],
        }
    }
    fn ops(self) -> Vec<Op> {
        let c = |idx, cin, cout, k, stride, pad| Op::Conv {
            idx,
            cin,
            cout,
            k,
            stride,
            pad,
        };
        match self {
            Self::Alex => vec![
                c(0, 3, 64, 11, 4, 2),
                Op::Tap,
                Op::Pool(3, 2),
                c(3, 64, 192, 5, 1, 2),
                Op::Tap,
                Op::Pool(3, 2),
                c(6, 192, 384, 3, 1, 1),
                Op::Tap,
                c(8, 384, 256, 3, 1, 1),
                Op::Tap,
                c(10, 256, 256, 3, 1, 1),
                Op::Tap,
            ],
            Self::Vgg16 => {
                // cfg D: 64 64 M 128 128 M 256×3 M 512×3 M 512×3 (tap before each M, and at the end).
                let mut ops = Vec::new();
                let (mut idx, mut cin) = (0usize, 3i64);
                for (bi, (n, cout)) in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
                    .into_iter()
                    .enumerate()
                {
                    if bi > 0 {
                        ops.push(Op::Pool(2, 2));
                        idx += 1;
                    }
                    for _ in 0..n {
                        ops.push(c(idx, cin, cout, 3, 1, 1));
                        idx += 2;
                        cin = cout;
                    }
                    ops.push(Op::Tap);
                }
                ops
            }
        }
    }
    /// Every tensor name and shape the backbone file must contain.
    pub fn backbone_tensors(self) -> Vec<(String, Vec<i64>)> {
        let mut v = Vec::new();
        for op in self.ops() {
            if let Op::Conv {
                idx, cin, cout, k, ..
            } = op
            {
                v.push((format!("features.{idx}.weight"), vec![cout, cin, k, k]));
                v.push((format!("features.{idx}.bias"), vec![cout]));
            }
        }
        v
    }
}

enum Layer {
    Conv(Conv),
    Pool(i64, i64),
    Tap,
}

/// A ready LPIPS metric.
pub struct Lpips {
    backbone: Backbone,
    layers: Vec<Layer>,
    heads: Vec<Tensor>,
}

impl Lpips {
    /// Loads the backbone (`backbone_path` or `$SEMCOM_MODELS/lpips/{alexnet,vgg16}_features.safetensors`)
    /// and the heads (`heads_path` or `$SEMCOM_MODELS/lpips/lpips_{alex,vgg}_v0.1.safetensors`).
    pub fn load(
        backbone: Backbone,
        backbone_path: Option<&Path>,
        heads_path: Option<&Path>,
    ) -> Result<Self> {
        let bp = resolve(backbone_path, backbone.backbone_file())?;
        let hp = resolve(heads_path, backbone.heads_file())?;
        Self::from_weights(backbone, &Weights::load(&bp)?, &Weights::load(&hp)?)
    }

    /// Builds the metric from validated tensors.
    pub fn from_weights(backbone: Backbone, bw: &Weights, hw: &Weights) -> Result<Self> {
        let layers = backbone
            .ops()
            .into_iter()
            .map(|op| {
                Ok(match op {
                    Op::Conv {
                        idx,
                        cin,
                        cout,
                        k,
                        stride,
                        pad,
                    } => Layer::Conv(Conv::load(
                        bw,
                        &format!("features.{idx}."),
                        ConvSpec::new(cin, cout, k).stride(stride).pad(pad).bias(),
                    )?),
                    Op::Pool(k, s) => Layer::Pool(k, s),
                    Op::Tap => Layer::Tap,
                })
            })
            .collect::<Result<_>>()?;
        let heads = backbone
            .tap_channels()
            .iter()
            .enumerate()
            .map(|(l, &c)| hw.get(&format!("lin{l}.model.1.weight"), &[1, c, 1, 1]))
            .collect::<Result<_>>()?;
        Ok(Self {
            backbone,
            layers,
            heads,
        })
    }

    /// The backbone.
    pub fn backbone(&self) -> Backbone {
        self.backbone
    }

    /// Tap activations for a batch in `[−1, 1]` (after the scaling layer).
    fn features(&self, x: &Tensor) -> Vec<Tensor> {
        let shift = Tensor::from_slice(&SHIFT).view([1, 3, 1, 1]);
        let scale = Tensor::from_slice(&SCALE).view([1, 3, 1, 1]);
        let mut y = (x - shift) / scale;
        let mut taps = Vec::new();
        for l in &self.layers {
            match l {
                Layer::Conv(c) => y = c.forward(&y).relu(),
                Layer::Pool(k, s) => y = y.max_pool2d([*k, *k], [*s, *s], [0, 0], [1, 1], false),
                Layer::Tap => taps.push(y.shallow_clone()),
            }
        }
        taps
    }

    /// LPIPS per batch element for `N×3×H×W` tensors in `[−1, 1]` (Eq. 1).
    pub fn forward(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let s = a.size();
        if s != b.size() || s.len() != 4 || s[1] != 3 {
            return Err(ZooError::InvalidInput(format!(
                "LPIPS inputs must be equal N×3×H×W, got {s:?} and {:?}",
                b.size()
            )));
        }
        let min_side = match self.backbone {
            Backbone::Alex => 63,
            Backbone::Vgg16 => 16,
        };
        if s[2] < min_side || s[3] < min_side {
            return Err(ZooError::InvalidInput(format!(
                "LPIPS needs images of at least {min_side}x{min_side}"
            )));
        }
        guard("lpips forward", || {
            tch::no_grad(|| {
                let (fa, fb) = (self.features(a), self.features(b));
                let mut total = Tensor::zeros([s[0]], (Kind::Float, tch::Device::Cpu));
                for ((x, y), w) in fa.iter().zip(&fb).zip(&self.heads) {
                    let d = (unit_normalize(x) - unit_normalize(y)).square();
                    let v = d.conv2d(w, None::<&Tensor>, [1], [0], [1], 1);
                    total += v.mean_dim([1i64, 2, 3].as_slice(), false, Kind::Float);
                }
                total
            })
        })
    }

    /// LPIPS between two images of the same size (RGB or grey, `[0,1]`).
    pub fn distance(&self, a: &Image, b: &Image) -> Result<f64> {
        if (a.width(), a.height()) != (b.width(), b.height()) {
            return Err(ZooError::InvalidInput("LPIPS images differ in size".into()));
        }
        let ta = image_tensor(&a.to_rgb()) * 2.0 - 1.0;
        let tb = image_tensor(&b.to_rgb()) * 2.0 - 1.0;
        Ok(self.forward(&ta, &tb)?.double_value(&[0]))
    }
}

/// Divides each spatial position by its L2 norm over channels plus 1e-10.
fn unit_normalize(x: &Tensor) -> Tensor {
    let n = x
        .square()
        .sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
        .sqrt();
    x / (n + 1e-10)
}

/// Random stand-in backbone weights with the exact names and shapes of the real file, drawn
/// from `rng` (for tests and benchmarks only: a distance computed with them is **not** LPIPS).
pub fn stand_in_backbone(backbone: Backbone, rng: &mut semcom_core::rng::SemRng) -> Weights {
    crate::layers::stand_in(backbone.backbone_tensors(), rng)
}
