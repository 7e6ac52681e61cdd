//! SpyNet-style coarse-to-fine optical flow (Ranjan & Black, CVPR 2017), as described in
//! `shared/models/spynet/README.md` ("Algorithm"): ImageNet normalisation, a 2×2 average-pool
//! pyramid, per-level residual networks of five 7×7 convolutions (8→…→2), align-corners ×2
//! bilinear up-sampling of the flow, and backward bilinear warping with border clamping
//! (`grid_sample(bilinear, border, align_corners=True)`), plus an optional local cost volume
//! input ([`cost_volume`]). No published weights are used: the project trains its own
//! ([`crate::flow_train`]).

use crate::error::{guard, Result, ZooError};
use crate::weights::Weights;
use semcom_core::rng::SemRng;
use semcom_core::Image;
use std::path::Path;
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// ImageNet mean (RGB) used to normalise both frames.
pub const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet std (RGB).
pub const STD: [f32; 3] = [0.229, 0.224, 0.225];
/// Largest supported side (the original supports up to 1472 px).
pub const MAX_SIDE: usize = 2048;

/// Shape of the per-level networks.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowNetConfig {
    /// Number of level networks (level 1 = coarsest). Finer pyramid levels than this reuse the last network.
    pub levels: usize,
    /// Hidden widths of conv1..conv4 (the published networks use 32, 64, 32, 16).
    pub widths: [i64; 4],
    /// Kernel size (7 in the published networks).
    pub kernel: i64,
    /// Radius r of the local cost volume fed to each level network (0 = none, as published):
    /// for every offset (dx, dy) in [−r, r]², the negated mean squared difference between the
    /// first frame and the warped second frame shifted by (dx, dy) — (2r+1)² extra input
    /// channels that give the network a direct matching signal.
    pub corr_radius: i64,
}

impl Default for FlowNetConfig {
    /// The project's small variant: one network shared by every pyramid level (so that it can be
    /// trained on small crops with little CPU), widths 16-32-16-8, 5×5 kernels, a cost volume
    /// of radius 2 (25 extra input channels).
    fn default() -> Self {
        Self {
            levels: 1,
            widths: [16, 32, 16, 8],
            kernel: 5,
            corr_radius: 2,
        }
    }
}

impl FlowNetConfig {
    /// The published SpyNet shape (6 levels, 32-64-32-16, 7×7).
    pub fn published() -> Self {
        Self {
            levels: 6,
            widths: [32, 64, 32, 16],
            kernel: 7,
            corr_radius: 0,
        }
    }
    fn channels(&self) -> [i64; 6] {
        let side = 2 * self.corr_radius + 1;
        [
            8 + if self.corr_radius > 0 { side * side } else { 0 },
            self.widths[0],
            self.widths[1],
            self.widths[2],
            self.widths[3],
            2,
        ]
    }
}

/// The SpyNet-style flow network (trainable; variables `level{L}.conv{i}.{weight,bias}`).
pub struct FlowNet {
    vs: nn::VarStore,
    cfg: FlowNetConfig,
    nets: Vec<Vec<nn::Conv2D>>,
}

impl FlowNet {
    /// A freshly initialised network: weights `U(−1/√fan_in, 1/√fan_in)` drawn from `rng`
    /// (PyTorch's default bound), the last conv of each level scaled by 0.1 so the initial
    /// residual is small; biases zero.
    pub fn new(cfg: FlowNetConfig, rng: &mut SemRng) -> Result<Self> {
        if cfg.levels == 0
            || cfg.levels > 8
            || !(0..=4).contains(&cfg.corr_radius)
            || cfg.kernel % 2 == 0
            || cfg.widths.iter().any(|&w| w < 1)
        {
            return Err(ZooError::InvalidInput(format!(
                "invalid flow network config {cfg:?}"
            )));
        }
        let vs = nn::VarStore::new(Device::Cpu);
        let ch = cfg.channels();
        let mut nets = Vec::new();
        for l in 1..=cfg.levels {
            let p = vs.root() / format!("level{l}");
            let convs: Vec<nn::Conv2D> = (0..5)
                .map(|i| {
                    let c = nn::ConvConfig {
                        padding: cfg.kernel / 2,
                        ..Default::default()
                    };
                    nn::conv2d(
                        &p / format!("conv{}", i + 1),
                        ch[i],
                        ch[i + 1],
                        cfg.kernel,
                        c,
                    )
                })
                .collect();
            tch::no_grad(|| {
                for (i, c) in convs.iter().enumerate() {
                    let fan_in = (ch[i] * cfg.kernel * cfg.kernel) as f32;
                    let b = if i == 4 { 0.1 } else { 1.0 } / fan_in.sqrt();
                    let mut w = c.ws.shallow_clone();
                    w.copy_(&crate::layers::uniform(&c.ws.size(), b, rng));
                    if let Some(bs) = &c.bs {
                        let mut bs = bs.shallow_clone();
                        let _ = bs.zero_();
                    }
                }
            });
            nets.push(convs);
        }
        Ok(Self { vs, cfg, nets })
    }

    /// Loads weights saved by [`FlowNet::save`]; the shape is read from the file and every
    /// tensor is validated before it is copied in.
    pub fn load(path: &Path) -> Result<Self> {
        let w = Weights::load(path)?;
        let mut levels = 0;
        while w.contains(&format!("level{}.conv1.weight", levels + 1)) {
            levels += 1;
        }
        let bad = |msg: &str| ZooError::BadWeights {
            path: path.display().to_string(),
            msg: msg.into(),
        };
        if levels == 0 {
            return Err(bad("no 'level1.conv1.weight' tensor: not a flow network"));
        }
        let k = w.dim("level1.conv1.weight", 3)?;
        let extra = w.dim("level1.conv1.weight", 1)? - 8;
        let corr_radius = (0..=4)
            .find(|&r| {
                if r == 0 {
                    extra == 0
                } else {
                    (2 * r + 1) * (2 * r + 1) == extra
                }
            })
            .ok_or_else(|| bad("level1.conv1.weight: input channels are not 8 + (2r+1)²"))?;
        let mut widths = [0i64; 4];
        for (i, wd) in widths.iter_mut().enumerate() {
            *wd = w.dim(&format!("level1.conv{}.weight", i + 1), 0)?;
        }
        let cfg = FlowNetConfig {
            levels,
            widths,
            kernel: k,
            corr_radius,
        };
        let mut rng = semcom_core::rng::rng_for(0, 0);
        let net = Self::new(cfg, &mut rng).map_err(|e| bad(&e.to_string()))?;
        let vars = net.vs.variables();
        tch::no_grad(|| -> Result<()> {
            for (name, var) in &vars {
                let t = w.get(name, &var.size())?;
                let mut v = var.shallow_clone();
                v.copy_(&t);
            }
            Ok(())
        })?;
        if w.len() != vars.len() {
            return Err(bad(&format!(
                "{} tensors, expected {}",
                w.len(),
                vars.len()
            )));
        }
        Ok(net)
    }

    /// Saves the weights as safetensors, atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        // VarStore picks the format from the extension: the temporary keeps `.safetensors`;
        // it is removed when the save or the rename fails.
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(|source| ZooError::Io {
                path: d.display().to_string(),
                source,
            })?;
        }
        let mut saved = Ok(());
        semcom_core::fsutil::replace_with(path, |tmp| -> std::io::Result<()> {
            saved = self.vs.save(tmp);
            saved
                .as_ref()
                .map(|_| ())
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .map_err(|source| match saved {
            Err(e) => ZooError::from(e),
            Ok(()) => ZooError::Io {
                path: path.display().to_string(),
                source,
            },
        })
    }

    /// The network shape.
    pub fn config(&self) -> &FlowNetConfig {
        &self.cfg
    }

    /// The variables (for an optimiser).
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// Number of trainable parameters.
    pub fn parameters(&self) -> i64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }

    fn level_net(&self, x: &Tensor, level: usize) -> Tensor {
        let convs = &self.nets[level.min(self.nets.len()) - 1];
        let mut y = x.shallow_clone();
        for (i, c) in convs.iter().enumerate() {
            y = c.forward(&y);
            if i < 4 {
                y = y.relu();
            }
        }
        y
    }

    /// The coarse-to-fine flows `flow_1 … flow_N` (README step 5–6) for normalised frames
    /// `a`, `b` (`B×3×H×W`, H and W multiples of 2^(N−1)), plus the pyramids (coarse first).
    pub fn pyramid_flows(&self, a: &Tensor, b: &Tensor) -> (Vec<Tensor>, Vec<(Tensor, Tensor)>) {
        let s = a.size();
        let n = num_levels(s[2].max(s[3]) as usize);
        let pool = |t: &Tensor| t.avg_pool2d([2, 2], [2, 2], [0, 0], false, true, None::<i64>);
        let mut pyr = vec![(a.shallow_clone(), b.shallow_clone())];
        for i in 1..n {
            let p = (pool(&pyr[i - 1].0), pool(&pyr[i - 1].1));
            pyr.push(p);
        }
        pyr.reverse();
        let (a1, b1) = &pyr[0];
        let sz = a1.size();
        let zeros = Tensor::zeros([sz[0], 2, sz[2], sz[3]], (Kind::Float, a.device()));
        let r = self.cfg.corr_radius;
        let input = |pa: &Tensor, w: &Tensor, up: &Tensor| {
            if r > 0 {
                Tensor::cat(&[pa, w, up, &cost_volume(pa, w, r)], 1)
            } else {
                Tensor::cat(&[pa, w, up], 1)
            }
        };
        let mut flows = vec![self.level_net(&input(a1, b1, &zeros), 1)];
        for (k, (pa, pb)) in pyr.iter().enumerate().skip(1) {
            let (h, w) = (pa.size()[2], pa.size()[3]);
            let up = flows[k - 1].upsample_bilinear2d([h, w], true, None, None) * 2.0;
            let w = warp(pb, &up);
            let f = self.level_net(&input(pa, &w, &up), k + 1) + &up;
            flows.push(f);
        }
        (flows, pyr)
    }

    /// Flow `2×H×W` (u right, v down, pixels) from `img1` to `img2`, so that
    /// `img1(x, y) ≈ img2(x+u, y+v)`. Sizes that are not multiples of 32 are resized bilinearly
    /// up to the next multiple and the flow is resized back (nearest) and rescaled (README step 2).
    pub fn estimate(&self, img1: &Image, img2: &Image) -> Result<Tensor> {
        if img1.width() != img2.width() || img1.height() != img2.height() {
            return Err(ZooError::InvalidInput(
                "the two frames differ in size".into(),
            ));
        }
        let (w, h) = (img1.width(), img1.height());
        if w.max(h) > MAX_SIDE || w.min(h) < 8 {
            return Err(ZooError::InvalidInput(format!(
                "frame size {w}x{h} outside 8..{MAX_SIDE}"
            )));
        }
        guard("flow estimate", || {
            tch::no_grad(|| {
                let (a, b) = (normalize(img1), normalize(img2));
                let (w2, h2) = (w.div_ceil(32) * 32, h.div_ceil(32) * 32);
                let resize = |t: &Tensor| {
                    if (w2, h2) == (w, h) {
                        t.shallow_clone()
                    } else {
                        t.upsample_bilinear2d([h2 as i64, w2 as i64], false, None, None)
                    }
                };
                let (mut flows, _) = self.pyramid_flows(&resize(&a), &resize(&b));
                let f = flows.swap_remove(flows.len() - 1);
                let f = if (w2, h2) == (w, h) {
                    f
                } else {
                    let f = f.upsample_nearest2d([h as i64, w as i64], None, None);
                    let s = Tensor::from_slice(&[w as f32 / w2 as f32, h as f32 / h2 as f32])
                        .view([1, 2, 1, 1]);
                    f * s
                };
                f.get(0)
            })
        })
    }
}

/// Local cost volume of radius `r`: for each offset (dx, dy) in [−r, r]² (row-major, dy
/// outer), −mean over channels of (a(x) − b(x + (dx, dy)))², with `b` edge-replicated
/// beyond its border. `a`, `b`: `B×C×H×W`; result `B×(2r+1)²×H×W`.
pub fn cost_volume(a: &Tensor, b: &Tensor, r: i64) -> Tensor {
    let s = a.size();
    let (h, w) = (s[2], s[3]);
    let bp = b.replication_pad2d([r, r, r, r]);
    let mut out = Vec::with_capacity(((2 * r + 1) * (2 * r + 1)) as usize);
    for dy in -r..=r {
        for dx in -r..=r {
            let sh = bp.narrow(2, r + dy, h).narrow(3, r + dx, w);
            out.push(-(a - sh).square().mean_dim(1, true, Kind::Float));
        }
    }
    Tensor::cat(&out, 1)
}

/// Number of pyramid levels for a (padded) larger side S (README step 3).
pub fn num_levels(side: usize) -> usize {
    match side {
        0..=32 => 1,
        33..=64 => 2,
        65..=128 => 3,
        129..=256 => 4,
        257..=512 => 5,
        _ => 6,
    }
}

/// `1×3×H×W` ImageNet-normalised tensor of an image (grey is replicated to RGB).
pub fn normalize(img: &Image) -> Tensor {
    normalize_tensor(&crate::layers::image_tensor(&img.to_rgb()))
}

/// ImageNet-normalised copy of a `B×3×H×W` tensor of values in `[0, 1]`.
pub fn normalize_tensor(t: &Tensor) -> Tensor {
    let m = Tensor::from_slice(&MEAN).view([1, 3, 1, 1]);
    let s = Tensor::from_slice(&STD).view([1, 3, 1, 1]);
    (t - m) / s
}

/// Backward bilinear warp: output(x, y) = `img` sampled at (x+u, y+v), positions clamped to
/// the image (`grid_sample` bilinear, border padding, align_corners = true). `img` is
/// `B×C×H×W`, `flow` is `B×2×H×W` in pixels. The sampling grid is kept finite: non-finite
/// flow values count as 0 and displacements are clamped to ±2·max(H, W) (beyond the border
/// every position samples the same edge pixel), so LibTorch's `grid_sampler` never sees NaN
/// or ±inf (which crash its backward pass).
pub fn warp(img: &Tensor, flow: &Tensor) -> Tensor {
    let s = img.size();
    let (h, w) = (s[2], s[3]);
    let lim = 2.0 * h.max(w) as f64;
    let flow = flow.nan_to_num(0.0, lim, -lim).clamp(-lim, lim);
    let opts = (Kind::Float, img.device());
    let gx = Tensor::arange(w, opts)
        .view([1, 1, w])
        .expand([s[0], h, w], false);
    let gy = Tensor::arange(h, opts)
        .view([1, h, 1])
        .expand([s[0], h, w], false);
    let nx = (gx + flow.select(1, 0)) * (2.0 / (w - 1).max(1) as f64) - 1.0;
    let ny = (gy + flow.select(1, 1)) * (2.0 / (h - 1).max(1) as f64) - 1.0;
    let grid = Tensor::stack(&[nx, ny], 3);
    Tensor::grid_sampler(img, &grid, 0, 1, true)
}

/// Average endpoint error `mean ‖f − g‖₂` of two `2×H×W` (or `B×2×H×W`) flows.
pub fn epe(flow: &Tensor, gt: &Tensor) -> Result<f64> {
    if flow.size() != gt.size() {
        return Err(ZooError::InvalidInput(format!(
            "flow {:?} vs ground truth {:?}",
            flow.size(),
            gt.size()
        )));
    }
    let d = (flow - gt).square();
    let ch = flow.dim() as i64 - 3;
    Ok(d.sum_dim_intlist([ch].as_slice(), false, Kind::Float)
        .sqrt()
        .mean(Kind::Float)
        .double_value(&[]))
}

/// A colour picture of a flow field (Middlebury-style hue = direction, saturation = magnitude
/// normalised by `max_mag`, or the field's largest magnitude when `None`).
pub fn flow_to_image(flow: &Tensor, max_mag: Option<f32>) -> Result<Image> {
    let s = flow.size();
    if s.len() != 3 || s[0] != 2 {
        return Err(ZooError::InvalidInput(format!(
            "flow must be 2×H×W, got {s:?}"
        )));
    }
    let (h, w) = (s[1] as usize, s[2] as usize);
    let u = Vec::<f32>::try_from(flow.get(0).flatten(0, -1))?;
    let v = Vec::<f32>::try_from(flow.get(1).flatten(0, -1))?;
    let m = max_mag
        .unwrap_or_else(|| {
            u.iter()
                .zip(&v)
                .map(|(a, b)| a.hypot(*b))
                .fold(1e-6, f32::max)
        })
        .max(1e-6);
    let hw = w * h;
    let mut data = vec![0f32; 3 * hw];
    for i in 0..hw {
        let mag = (u[i].hypot(v[i]) / m).min(1.0);
        let hue = (v[i].atan2(u[i]) / std::f32::consts::TAU + 1.0) % 1.0;
        for (c, n) in [5.0f32, 3.0, 1.0].iter().enumerate() {
            let k = (n + hue * 6.0) % 6.0;
            data[c * hw + i] = 1.0 - mag * k.min(4.0 - k).clamp(0.0, 1.0);
        }
    }
    Ok(Image::from_planar(w, h, 3, data)?)
}

/// Writes a flow `2×H×W` in the Middlebury `.flo` format (magic 202021.25, width, height,
/// then interleaved little-endian f32 u, v per pixel, row-major), atomically.
pub fn write_flo(path: &Path, flow: &Tensor) -> Result<()> {
    let s = flow.size();
    if s.len() != 3 || s[0] != 2 {
        return Err(ZooError::InvalidInput(format!(
            "flow must be 2×H×W, got {s:?}"
        )));
    }
    let uv = Vec::<f32>::try_from(flow.permute([1, 2, 0]).contiguous().flatten(0, -1))?;
    let mut buf = Vec::with_capacity(12 + uv.len() * 4);
    buf.extend_from_slice(&202021.25f32.to_le_bytes());
    buf.extend_from_slice(&(s[2] as i32).to_le_bytes());
    buf.extend_from_slice(&(s[1] as i32).to_le_bytes());
    for v in uv {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    semcom_core::fsutil::write_atomic(path, &buf).map_err(|source| ZooError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads a Middlebury `.flo` file into a `2×H×W` tensor (header and size validated).
pub fn read_flo(path: &Path) -> Result<Tensor> {
    let b = std::fs::read(path).map_err(|source| ZooError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let bad = |m: &str| ZooError::InvalidInput(format!("{}: {m}", path.display()));
    if b.len() < 12 || f32::from_le_bytes([b[0], b[1], b[2], b[3]]) != 202021.25 {
        return Err(bad("not a .flo file"));
    }
    let w = i32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    let h = i32::from_le_bytes([b[8], b[9], b[10], b[11]]);
    if w < 1 || h < 1 || w as usize > MAX_SIDE * 4 || h as usize > MAX_SIDE * 4 {
        return Err(bad("bad size"));
    }
    let n = w as usize * h as usize * 2;
    if b.len() != 12 + n * 4 {
        return Err(bad("truncated or oversized"));
    }
    let v: Vec<f32> = b[12..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Tensor::from_slice(&v)
        .view([h as i64, w as i64, 2])
        .permute([2, 0, 1])
        .contiguous())
}
