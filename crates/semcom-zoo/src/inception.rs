//! Inception-v3 (Szegedy et al., CVPR 2016, "Rethinking the Inception Architecture", Fig. 5–7
//! and Table 1) up to the 2048-d global-average "pool3" features used by FID (Heusel et al.,
//! NeurIPS 2017, Eq. 6: `d² = ‖μ1−μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^{1/2})`), with torchvision's
//! `Inception3` tensor names. [`Variant::PytorchFid`] reproduces the TF-FID graph as ported by
//! `pytorch-fid` (average pools without padded zeros, max-pool in the last block).
//!
//! Weights are **not** shipped: the user supplies them (`docs/zoo.md`). Distances computed with
//! stand-in weights are not FID.

use crate::error::{guard, Result, ZooError};
use crate::layers::{image_tensor, Bn, Conv, ConvSpec};
use crate::weights::{resolve, Weights};
use semcom_core::Image;
use std::path::Path;
use tch::{Kind, Tensor};

/// Default weights file relative to the models directory.
pub const DEFAULT_FILE: &str = "inception/pt_inception_fid.safetensors";
/// Input side the network expects (images are resized bilinearly to it).
pub const INPUT: i64 = 299;
/// Feature dimension.
pub const FEATURES: i64 = 2048;

/// Which graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// torchvision `inception_v3` (ImageNet classifier weights).
    Torchvision,
    /// `pytorch-fid`'s FID Inception (weights `pt_inception-2015-12-05`), the standard for FID.
    PytorchFid,
}

/// BasicConv2d: conv (no bias) → BN (eps 1e-3) → ReLU.
struct Basic {
    conv: Conv,
    bn: Bn,
}

/// Collects the tensor specs (for stand-ins and validation) while loading.
struct Loader<'a> {
    w: &'a Weights,
}

impl Loader<'_> {
    #[allow(clippy::too_many_arguments)]
    fn basic(
        &self,
        p: &str,
        cin: i64,
        cout: i64,
        kh: i64,
        kw: i64,
        stride: i64,
        pad: (i64, i64),
    ) -> Result<Basic> {
        let mut spec = ConvSpec::new(cin, cout, kh).rect(kh, kw).stride(stride);
        spec.pad = Some(pad);
        Ok(Basic {
            conv: Conv::load(self.w, &format!("{p}.conv."), spec)?,
            bn: Bn::load(self.w, &format!("{p}.bn."), cout, 1e-3)?,
        })
    }
    fn k1(&self, p: &str, cin: i64, cout: i64) -> Result<Basic> {
        self.basic(p, cin, cout, 1, 1, 1, (0, 0))
    }
}

impl Basic {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.bn.forward(&self.conv.forward(x)).relu()
    }
}

fn seq(x: &Tensor, layers: &[&Basic]) -> Tensor {
    let mut y = x.shallow_clone();
    for l in layers {
        y = l.forward(&y);
    }
    y
}

/// The five Inception block types (torchvision `InceptionA` … `InceptionE`).
enum Block {
    A {
        b1: Basic,
        b5: [Basic; 2],
        b3: [Basic; 3],
        pool: Basic,
    },
    B {
        b3: Basic,
        b3d: [Basic; 3],
    },
    C {
        b1: Basic,
        b7: [Basic; 3],
        b7d: [Basic; 5],
        pool: Basic,
    },
    D {
        b3: [Basic; 2],
        b7: [Basic; 4],
    },
    E {
        b1: Basic,
        b3_1: Basic,
        b3_2: [Basic; 2],
        bd_1: Basic,
        bd_2: Basic,
        bd_3: [Basic; 2],
        pool: Basic,
        max_pool: bool,
    },
}

impl Block {
    fn a(l: &Loader, p: &str, cin: i64, pf: i64) -> Result<Self> {
        Ok(Self::A {
            b1: l.k1(&format!("{p}.branch1x1"), cin, 64)?,
            b5: [
                l.k1(&format!("{p}.branch5x5_1"), cin, 48)?,
                l.basic(&format!("{p}.branch5x5_2"), 48, 64, 5, 5, 1, (2, 2))?,
            ],
            b3: [
                l.k1(&format!("{p}.branch3x3dbl_1"), cin, 64)?,
                l.basic(&format!("{p}.branch3x3dbl_2"), 64, 96, 3, 3, 1, (1, 1))?,
                l.basic(&format!("{p}.branch3x3dbl_3"), 96, 96, 3, 3, 1, (1, 1))?,
            ],
            pool: l.k1(&format!("{p}.branch_pool"), cin, pf)?,
        })
    }
    fn b(l: &Loader, p: &str, cin: i64) -> Result<Self> {
        Ok(Self::B {
            b3: l.basic(&format!("{p}.branch3x3"), cin, 384, 3, 3, 2, (0, 0))?,
            b3d: [
                l.k1(&format!("{p}.branch3x3dbl_1"), cin, 64)?,
                l.basic(&format!("{p}.branch3x3dbl_2"), 64, 96, 3, 3, 1, (1, 1))?,
                l.basic(&format!("{p}.branch3x3dbl_3"), 96, 96, 3, 3, 2, (0, 0))?,
            ],
        })
    }
    fn c(l: &Loader, p: &str, cin: i64, c7: i64) -> Result<Self> {
        let r17 = |n: &str, i: i64, o: i64| l.basic(&format!("{p}.{n}"), i, o, 1, 7, 1, (0, 3));
        let r71 = |n: &str, i: i64, o: i64| l.basic(&format!("{p}.{n}"), i, o, 7, 1, 1, (3, 0));
        Ok(Self::C {
            b1: l.k1(&format!("{p}.branch1x1"), cin, 192)?,
            b7: [
                l.k1(&format!("{p}.branch7x7_1"), cin, c7)?,
                r17("branch7x7_2", c7, c7)?,
                r71("branch7x7_3", c7, 192)?,
            ],
            b7d: [
                l.k1(&format!("{p}.branch7x7dbl_1"), cin, c7)?,
                r71("branch7x7dbl_2", c7, c7)?,
                r17("branch7x7dbl_3", c7, c7)?,
                r71("branch7x7dbl_4", c7, c7)?,
                r17("branch7x7dbl_5", c7, 192)?,
            ],
            pool: l.k1(&format!("{p}.branch_pool"), cin, 192)?,
        })
    }
    fn d(l: &Loader, p: &str, cin: i64) -> Result<Self> {
        Ok(Self::D {
            b3: [
                l.k1(&format!("{p}.branch3x3_1"), cin, 192)?,
                l.basic(&format!("{p}.branch3x3_2"), 192, 320, 3, 3, 2, (0, 0))?,
            ],
            b7: [
                l.k1(&format!("{p}.branch7x7x3_1"), cin, 192)?,
                l.basic(&format!("{p}.branch7x7x3_2"), 192, 192, 1, 7, 1, (0, 3))?,
                l.basic(&format!("{p}.branch7x7x3_3"), 192, 192, 7, 1, 1, (3, 0))?,
                l.basic(&format!("{p}.branch7x7x3_4"), 192, 192, 3, 3, 2, (0, 0))?,
            ],
        })
    }
    fn e(l: &Loader, p: &str, cin: i64, max_pool: bool) -> Result<Self> {
        let r13 = |n: &str| l.basic(&format!("{p}.{n}"), 384, 384, 1, 3, 1, (0, 1));
        let r31 = |n: &str| l.basic(&format!("{p}.{n}"), 384, 384, 3, 1, 1, (1, 0));
        Ok(Self::E {
            b1: l.k1(&format!("{p}.branch1x1"), cin, 320)?,
            b3_1: l.k1(&format!("{p}.branch3x3_1"), cin, 384)?,
            b3_2: [r13("branch3x3_2a")?, r31("branch3x3_2b")?],
            bd_1: l.k1(&format!("{p}.branch3x3dbl_1"), cin, 448)?,
            bd_2: l.basic(&format!("{p}.branch3x3dbl_2"), 448, 384, 3, 3, 1, (1, 1))?,
            bd_3: [r13("branch3x3dbl_3a")?, r31("branch3x3dbl_3b")?],
            pool: l.k1(&format!("{p}.branch_pool"), cin, 192)?,
            max_pool,
        })
    }

    fn forward(&self, x: &Tensor, include_pad: bool) -> Tensor {
        let avg =
            |t: &Tensor| t.avg_pool2d([3, 3], [1, 1], [1, 1], false, include_pad, None::<i64>);
        let maxp = |t: &Tensor| t.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], false);
        match self {
            Self::A { b1, b5, b3, pool } => Tensor::cat(
                &[
                    b1.forward(x),
                    seq(x, &[&b5[0], &b5[1]]),
                    seq(x, &[&b3[0], &b3[1], &b3[2]]),
                    pool.forward(&avg(x)),
                ],
                1,
            ),
            Self::B { b3, b3d } => Tensor::cat(
                &[b3.forward(x), seq(x, &[&b3d[0], &b3d[1], &b3d[2]]), maxp(x)],
                1,
            ),
            Self::C { b1, b7, b7d, pool } => Tensor::cat(
                &[
                    b1.forward(x),
                    seq(x, &[&b7[0], &b7[1], &b7[2]]),
                    seq(x, &[&b7d[0], &b7d[1], &b7d[2], &b7d[3], &b7d[4]]),
                    pool.forward(&avg(x)),
                ],
                1,
            ),
            Self::D { b3, b7 } => Tensor::cat(
                &[
                    seq(x, &[&b3[0], &b3[1]]),
                    seq(x, &[&b7[0], &b7[1], &b7[2], &b7[3]]),
                    maxp(x),
                ],
                1,
            ),
            Self::E {
                b1,
                b3_1,
                b3_2,
                bd_1,
                bd_2,
                bd_3,
                pool,
                max_pool,
            } => {
                let t = b3_1.forward(x);
                let b3 = Tensor::cat(&[b3_2[0].forward(&t), b3_2[1].forward(&t)], 1);
                let t = bd_2.forward(&bd_1.forward(x));
                let bd = Tensor::cat(&[bd_3[0].forward(&t), bd_3[1].forward(&t)], 1);
                let p = if *max_pool {
                    x.max_pool2d([3, 3], [1, 1], [1, 1], [1, 1], false)
                } else {
                    avg(x)
                };
                Tensor::cat(&[b1.forward(x), b3, bd, pool.forward(&p)], 1)
            }
        }
    }
}

/// Inception-v3 feature extractor (pool3, 2048-d).
pub struct Inception {
    variant: Variant,
    stem: [Basic; 5],
    blocks: Vec<Block>,
}

impl Inception {
    /// Loads weights from `path` (or `$SEMCOM_MODELS/inception/pt_inception_fid.safetensors`).
    pub fn load(variant: Variant, path: Option<&Path>) -> Result<Self> {
        let p = resolve(path, DEFAULT_FILE)?;
        Self::from_weights(variant, &Weights::load(&p)?)
    }

    /// Builds the network from validated tensors (extra tensors such as `fc.*` or `AuxLogits.*` are ignored).
    pub fn from_weights(variant: Variant, w: &Weights) -> Result<Self> {
        let l = Loader { w };
        let stem = [
            l.basic("Conv2d_1a_3x3", 3, 32, 3, 3, 2, (0, 0))?,
            l.basic("Conv2d_2a_3x3", 32, 32, 3, 3, 1, (0, 0))?,
            l.basic("Conv2d_2b_3x3", 32, 64, 3, 3, 1, (1, 1))?,
            l.k1("Conv2d_3b_1x1", 64, 80)?,
            l.basic("Conv2d_4a_3x3", 80, 192, 3, 3, 1, (0, 0))?,
        ];
        let fid = variant == Variant::PytorchFid;
        let blocks = vec![
            Block::a(&l, "Mixed_5b", 192, 32)?,
            Block::a(&l, "Mixed_5c", 256, 64)?,
            Block::a(&l, "Mixed_5d", 288, 64)?,
            Block::b(&l, "Mixed_6a", 288)?,
            Block::c(&l, "Mixed_6b", 768, 128)?,
            Block::c(&l, "Mixed_6c", 768, 160)?,
            Block::c(&l, "Mixed_6d", 768, 160)?,
            Block::c(&l, "Mixed_6e", 768, 192)?,
            Block::d(&l, "Mixed_7a", 768)?,
            Block::e(&l, "Mixed_7b", 1280, false)?,
            Block::e(&l, "Mixed_7c", 2048, fid)?,
        ];
        Ok(Self {
            variant,
            stem,
            blocks,
        })
    }

    /// Pool3 features `N×2048` of a batch `N×3×299×299` scaled to `[−1, 1]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.size();
        if s.len() != 4 || s[1] != 3 || s[2] < 75 || s[3] < 75 {
            return Err(ZooError::InvalidInput(format!(
                "Inception input must be N×3×H×W with H, W ≥ 75, got {s:?}"
            )));
        }
        let include_pad = self.variant == Variant::Torchvision;
        guard("inception forward", || {
            tch::no_grad(|| {
                let mp = |t: &Tensor| t.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], false);
                let mut y = seq(x, &[&self.stem[0], &self.stem[1], &self.stem[2]]);
                y = mp(&y);
                y = mp(&seq(&y, &[&self.stem[3], &self.stem[4]]));
                for b in &self.blocks {
                    y = b.forward(&y, include_pad);
                }
                y.mean_dim([2i64, 3].as_slice(), false, Kind::Float)
            })
        })
    }
}

/// Features `N×2048` of images (`[0,1]`, any size): each is resized to 299×299 (bilinear,
/// half-pixel centres, as `pytorch-fid`), scaled to `[−1, 1]`, and batched by `batch`.
pub fn inception_features(net: &Inception, images: &[Image], batch: usize) -> Result<Tensor> {
    if images.is_empty() {
        return Err(ZooError::InvalidInput("no images".into()));
    }
    let mut out = Vec::new();
    for chunk in images.chunks(batch.max(1)) {
        let xs: Vec<Tensor> = chunk
            .iter()
            .map(|im| {
                image_tensor(&im.to_rgb()).upsample_bilinear2d([INPUT, INPUT], false, None, None)
                    * 2.0
                    - 1.0
            })
            .collect();
        out.push(net.forward(&Tensor::cat(&xs, 0))?);
    }
    Ok(Tensor::cat(&out, 0))
}

/// Fréchet distance between the Gaussians fitted to two feature sets (`N×d` tensors, N ≥ 2),
/// computed by `semcom_metrics::frechet` in float64.
pub fn fid(f1: &Tensor, f2: &Tensor) -> Result<f64> {
    let g = |f: &Tensor| -> Result<semcom_metrics::frechet::Gaussian> {
        let s = f.size();
        if s.len() != 2 || s[0] < 2 {
            return Err(ZooError::InvalidInput(format!(
                "features must be N×d with N ≥ 2, got {s:?}"
            )));
        }
        let v = Vec::<f64>::try_from(f.to_kind(Kind::Double).flatten(0, -1))?;
        semcom_metrics::frechet::Gaussian::fit(&v, s[1] as usize)
            .map_err(|e| ZooError::InvalidInput(e.to_string()))
    };
    let (a, b) = (g(f1)?, g(f2)?);
    if a.mean.len() != b.mean.len() {
        return Err(ZooError::InvalidInput("feature dimensions differ".into()));
    }
    a.frechet(&b)
        .map_err(|e| ZooError::InvalidInput(e.to_string()))
}

/// Every tensor name and shape of the feature extractor, for stand-ins and documentation.
pub fn tensor_specs() -> Vec<(String, Vec<i64>)> {
    // Build with a recording Weights: load once against an empty set would fail, so list here.
    let mut v = Vec::new();
    let mut basic = |p: &str, cin: i64, cout: i64, kh: i64, kw: i64| {
        v.push((format!("{p}.conv.weight"), vec![cout, cin, kh, kw]));
        for n in ["weight", "bias", "running_mean", "running_var"] {
            v.push((format!("{p}.bn.{n}"), vec![cout]));
        }
    };
    basic("Conv2d_1a_3x3", 3, 32, 3, 3);
    basic("Conv2d_2a_3x3", 32, 32, 3, 3);
    basic("Conv2d_2b_3x3", 32, 64, 3, 3);
    basic("Conv2d_3b_1x1", 64, 80, 1, 1);
    basic("Conv2d_4a_3x3", 80, 192, 3, 3);
    for (p, cin, pf) in [
        ("Mixed_5b", 192, 32),
        ("Mixed_5c", 256, 64),
        ("Mixed_5d", 288, 64),
    ] {
        basic(&format!("{p}.branch1x1"), cin, 64, 1, 1);
        basic(&format!("{p}.branch5x5_1"), cin, 48, 1, 1);
        basic(&format!("{p}.branch5x5_2"), 48, 64, 5, 5);
        basic(&format!("{p}.branch3x3dbl_1"), cin, 64, 1, 1);
        basic(&format!("{p}.branch3x3dbl_2"), 64, 96, 3, 3);
        basic(&format!("{p}.branch3x3dbl_3"), 96, 96, 3, 3);
        basic(&format!("{p}.branch_pool"), cin, pf, 1, 1);
    }
    basic("Mixed_6a.branch3x3", 288, 384, 3, 3);
    basic("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1);
    basic("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3);
    basic("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3);
    for (p, c7) in [
        ("Mixed_6b", 128),
        ("Mixed_6c", 160),
        ("Mixed_6d", 160),
        ("Mixed_6e", 192),
    ] {
        basic(&format!("{p}.branch1x1"), 768, 192, 1, 1);
        basic(&format!("{p}.branch7x7_1"), 768, c7, 1, 1);
        basic(&format!("{p}.branch7x7_2"), c7, c7, 1, 7);
        basic(&format!("{p}.branch7x7_3"), c7, 192, 7, 1);
        basic(&format!("{p}.branch7x7dbl_1"), 768, c7, 1, 1);
        basic(&format!("{p}.branch7x7dbl_2"), c7, c7, 7, 1);
        basic(&format!("{p}.branch7x7dbl_3"), c7, c7, 1, 7);
        basic(&format!("{p}.branch7x7dbl_4"), c7, c7, 7, 1);
        basic(&format!("{p}.branch7x7dbl_5"), c7, 192, 1, 7);
        basic(&format!("{p}.branch_pool"), 768, 192, 1, 1);
    }
    basic("Mixed_7a.branch3x3_1", 768, 192, 1, 1);
    basic("Mixed_7a.branch3x3_2", 192, 320, 3, 3);
    basic("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1);
    basic("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7);
    basic("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1);
    basic("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3);
    for (p, cin) in [("Mixed_7b", 1280), ("Mixed_7c", 2048)] {
        basic(&format!("{p}.branch1x1"), cin, 320, 1, 1);
        basic(&format!("{p}.branch3x3_1"), cin, 384, 1, 1);
        basic(&format!("{p}.branch3x3_2a"), 384, 384, 1, 3);
        basic(&format!("{p}.branch3x3_2b"), 384, 384, 3, 1);
        basic(&format!("{p}.branch3x3dbl_1"), cin, 448, 1, 1);
        basic(&format!("{p}.branch3x3dbl_2"), 448, 384, 3, 3);
        basic(&format!("{p}.branch3x3dbl_3a"), 384, 384, 1, 3);
        basic(&format!("{p}.branch3x3dbl_3b"), 384, 384, 3, 1);
        basic(&format!("{p}.branch_pool"), cin, 192, 1, 1);
    }
    v
}

/// Random stand-in weights with the exact names and shapes (tests and benchmarks only: a
/// distance computed with them is **not** FID).
pub fn stand_in_weights(rng: &mut semcom_core::rng::SemRng) -> Weights {
    crate::layers::stand_in(tensor_specs(), rng)
}
