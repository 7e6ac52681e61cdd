//! Unsupervised training of the SpyNet-style [`FlowNet`]: multi-scale photometric loss
//! (generalised Charbonnier `(d² + ε²)^α`, α = 0.45, of `I1 − warp(I2, flow)` on the normalised
//! pyramid; Sun, Roth & Black 2010 / Yu et al. 2016 "Back to basics") plus first-order flow
//! smoothness, on pairs of nearby video frames; and synthetic pairs with known flow for EPE.

use crate::error::{guard, Result, ZooError};
use crate::flow::{normalize, warp, FlowNet};
use rand::Rng;
use semcom_core::rng::{derive_seed, rng_for, SemRng};
use semcom_core::Image;
use std::path::Path;
use tch::nn::OptimizerConfig;
use tch::{Kind, Tensor};

/// Charbonnier exponent α.
pub const ALPHA: f64 = 0.45;
/// Charbonnier ε.
pub const EPS: f64 = 1e-3;

/// Generalised Charbonnier penalty, averaged.
pub fn charbonnier(x: &Tensor) -> Tensor {
    (x.square() + EPS * EPS)
        .pow_tensor_scalar(ALPHA)
        .mean(Kind::Float)
}

/// Unsupervised loss over all levels: Σ_k 2^{−(N−k)} [photometric_k + λ·smooth_k], where
/// photometric_k = ρ(P_k[I1] − warp(P_k[I2], flow_k)) and smooth_k = ρ(∂x flow_k) + ρ(∂y flow_k).
pub fn unsupervised_loss(flows: &[Tensor], pyr: &[(Tensor, Tensor)], smooth: f64) -> Tensor {
    let n = flows.len();
    let mut total = Tensor::zeros([], (Kind::Float, tch::Device::Cpu));
    for (k, (f, (a, b))) in flows.iter().zip(pyr).enumerate() {
        let wgt = 0.5f64.powi((n - 1 - k) as i32);
        let photo = charbonnier(&(a - warp(b, f)));
        let (h, w) = (f.size()[2], f.size()[3]);
        let dx = f.narrow(3, 1, w - 1) - f.narrow(3, 0, w - 1);
        let dy = f.narrow(2, 1, h - 1) - f.narrow(2, 0, h - 1);
        total += (photo + (charbonnier(&dx) + charbonnier(&dy)) * smooth) * wgt;
    }
    total
}

/// A sequence of frames in memory (consecutive frames of one video, or a frame pair).
pub struct Sequence {
    /// Name (folder or file stem).
    pub name: String,
    /// Frames, RGB (grey replicated).
    pub frames: Vec<Image>,
}

/// Loads every `*.png` / `*.jpg` / `*.webp` of a folder (sorted by name) as one sequence; at
/// most `max_frames` frames, with side at most `max_side`.
pub fn load_sequence(dir: &Path, max_frames: usize) -> Result<Sequence> {
    let rd = std::fs::read_dir(dir).map_err(|source| ZooError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("png" | "jpg" | "jpeg" | "webp")
            )
        })
        .collect();
    files.sort();
    files.truncate(max_frames);
    let frames = files
        .iter()
        .map(|f| Ok(Image::load(f)?.to_rgb()))
        .collect::<Result<Vec<_>>>()?;
    if frames.len() < 2 {
        return Err(ZooError::InvalidInput(format!(
            "{}: fewer than 2 frames",
            dir.display()
        )));
    }
    Ok(Sequence {
        name: dir.display().to_string(),
        frames,
    })
}

/// Training settings.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Optimiser steps.
    pub steps: usize,
    /// Pairs per step.
    pub batch: usize,
    /// Crop width and height (multiples of 32; the larger side sets the pyramid depth).
    pub crop: (usize, usize),
    /// Largest frame gap (pairs are t, t+g with g uniform in 1..=max_gap).
    pub max_gap: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Smoothness weight λ.
    pub smooth: f64,
    /// Seed of every random draw (init is separate).
    pub seed: u64,
    /// Optional wall-clock cap in seconds: training stops after the step that crosses it (the
    /// only non-deterministic knob; the number of steps done is returned).
    pub max_seconds: Option<f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 400,
            batch: 2,
            crop: (96, 64),
            max_gap: 3,
            lr: 1e-3,
            smooth: 0.5,
            seed: 1,
            max_seconds: None,
        }
    }
}

/// Draws one training pair (crop, random gap, random flip and order) from the sequences.
fn sample_pair(seqs: &[Sequence], cfg: &TrainConfig, rng: &mut SemRng) -> Result<(Tensor, Tensor)> {
    let (cw, ch) = cfg.crop;
    let usable: Vec<&Sequence> = seqs
        .iter()
        .filter(|s| s.frames[0].width() >= cw && s.frames[0].height() >= ch)
        .collect();
    if usable.is_empty() {
        return Err(ZooError::InvalidInput(format!(
            "no sequence has frames of at least {cw}x{ch}"
        )));
    }
    let s = usable[rng.random_range(0..usable.len())];
    let gap = rng
        .random_range(1..=cfg.max_gap.max(1))
        .min(s.frames.len() - 1);
    let t = rng.random_range(0..s.frames.len() - gap);
    let (f1, f2) = (&s.frames[t], &s.frames[t + gap]);
    let x0 = rng.random_range(0..=f1.width() - cw);
    let y0 = rng.random_range(0..=f1.height() - ch);
    let mut a = normalize(&f1.crop(x0, y0, cw, ch)?);
    let mut b = normalize(&f2.crop(x0, y0, cw, ch)?);
    if rng.random_bool(0.5) {
        a = a.flip([3]);
        b = b.flip([3]);
    }
    if rng.random_bool(0.5) {
        std::mem::swap(&mut a, &mut b);
    }
    Ok((a, b))
}

/// Progress of one step: (step, loss).
pub type Progress<'a> = &'a mut dyn FnMut(usize, f64);

/// Trains `net` with Adam on random crops of frame pairs. Step `i` draws from
/// `rng_for(derive_seed(seed, [i]), 0)`, so the data order does not depend on threads.
/// Returns the loss of every step.
pub fn train(
    net: &mut FlowNet,
    seqs: &[Sequence],
    cfg: &TrainConfig,
    progress: Progress,
) -> Result<Vec<f64>> {
    let mut opt = guard("optimizer", || {
        tch::nn::Adam::default().build(net.var_store(), cfg.lr)
    })??;
    let mut losses = Vec::with_capacity(cfg.steps);
    let start = std::time::Instant::now();
    for step in 0..cfg.steps {
        if cfg
            .max_seconds
            .is_some_and(|m| start.elapsed().as_secs_f64() > m)
        {
            break;
        }
        let mut rng = rng_for(derive_seed(cfg.seed, &[step as u64]), 0);
        let mut xa = Vec::new();
        let mut xb = Vec::new();
        for _ in 0..cfg.batch.max(1) {
            let (a, b) = sample_pair(seqs, cfg, &mut rng)?;
            xa.push(a);
            xb.push(b);
        }
        let loss = guard("flow train step", || {
            let (flows, pyr) = net.pyramid_flows(&Tensor::cat(&xa, 0), &Tensor::cat(&xb, 0));
            let loss = unsupervised_loss(&flows, &pyr, cfg.smooth);
            opt.zero_grad();
            loss.backward();
            opt.step();
            loss.double_value(&[])
        })?;
        if !loss.is_finite() {
            return Err(ZooError::Torch(format!(
                "loss became {loss} at step {step}"
            )));
        }
        losses.push(loss);
        progress(step, loss);
    }
    Ok(losses)
}

/// A smooth synthetic flow field `2×H×W` (random affine motion plus one sinusoidal ripple,
/// largest displacement ≈ `max_disp` px) drawn from `rng`.
pub fn synthetic_flow(w: usize, h: usize, max_disp: f32, rng: &mut SemRng) -> Tensor {
    let opts = (Kind::Float, tch::Device::Cpu);
    let x = Tensor::linspace(-1.0, 1.0, w as i64, opts)
        .view([1, w as i64])
        .expand([h as i64, w as i64], false);
    let y = Tensor::linspace(-1.0, 1.0, h as i64, opts)
        .view([h as i64, 1])
        .expand([h as i64, w as i64], false);
    let mut r = || rng.random_range(-1.0f64..1.0);
    let (tu, tv) = (r(), r());
    let (a, b, c, d) = (r() * 0.3, r() * 0.3, r() * 0.3, r() * 0.3);
    let (fr, ph) = (1.0 + r().abs() * 2.0, r() * 3.0);
    let u = &x * a + &y * b + tu * 0.5 + ((&y * fr * 3.0) + ph).sin() * 0.2;
    let v = &x * c + &y * d + tv * 0.5 + ((&x * fr * 3.0) + ph).cos() * 0.2;
    let f = Tensor::stack(&[u, v], 0);
    let m = f
        .square()
        .sum_dim_intlist([0i64].as_slice(), false, Kind::Float)
        .sqrt()
        .max()
        .double_value(&[]);
    f * (max_disp as f64 / m.max(1e-6))
}

/// A pair with known flow from one image: `I2 = src`, `I1 = warp(src, flow)`, so that
/// `I1(x) = I2(x + flow(x))` holds exactly (up to border clamping). Returns (I1, I2, flow).
pub fn synthetic_pair(
    src: &Image,
    max_disp: f32,
    rng: &mut SemRng,
) -> Result<(Image, Image, Tensor)> {
    let rgb = src.to_rgb();
    let (w, h) = (rgb.width(), rgb.height());
    let flow = synthetic_flow(w, h, max_disp, rng);
    let t = crate::layers::image_tensor(&rgb);
    let warped = guard("warp", || tch::no_grad(|| warp(&t, &flow.unsqueeze(0))))?;
    let data = Vec::<f32>::try_from(warped.flatten(0, -1))?;
    let i1 = Image::from_planar(w, h, 3, data)?.clamp01();
    Ok((i1, rgb, flow))
}

impl Sequence {
    /// A sequence from explicit frame files (e.g. a two-frame pair), in the given order.
    pub fn from_files(files: &[&Path]) -> Result<Self> {
        if files.len() < 2 {
            return Err(ZooError::InvalidInput(
                "a sequence needs at least 2 frames".into(),
            ));
        }
        let frames = files
            .iter()
            .map(|f| Ok(Image::load(f)?.to_rgb()))
            .collect::<Result<Vec<_>>>()?;
        if frames
            .iter()
            .any(|f| f.width() != frames[0].width() || f.height() != frames[0].height())
        {
            return Err(ZooError::InvalidInput(
                "frames of one sequence differ in size".into(),
            ));
        }
        Ok(Self {
            name: files[0].display().to_string(),
            frames,
        })
    }
}

/// Endpoint errors on synthetic pairs built from `src` ([`synthetic_pair`], pair `i` drawn
/// from `rng_for(derive_seed(seed, [i]), 0)`): returns (mean EPE of `net`, mean EPE of zero flow).
pub fn synthetic_epe(
    net: &FlowNet,
    src: &Image,
    pairs: usize,
    max_disp: f32,
    seed: u64,
) -> Result<(f64, f64)> {
    let (mut e_net, mut e_zero) = (0.0, 0.0);
    for i in 0..pairs.max(1) {
        let mut rng = rng_for(derive_seed(seed, &[i as u64]), 0);
        let (i1, i2, gt) = synthetic_pair(src, max_disp, &mut rng)?;
        let f = net.estimate(&i1, &i2)?;
        e_net += crate::flow::epe(&f, &gt)?;
        e_zero += crate::flow::epe(&gt.zeros_like(), &gt)?;
    }
    let n = pairs.max(1) as f64;
    Ok((e_net / n, e_zero / n))
}

/// Mean absolute photometric error `|I1 − warp(I2, flow)|` (RGB in `[0,1]`) of the network's
/// flow and of zero flow, for a real pair without ground truth.
pub fn photometric_error(net: &FlowNet, i1: &Image, i2: &Image) -> Result<(f64, f64)> {
    let f = net.estimate(i1, i2)?.unsqueeze(0);
    let a = crate::layers::image_tensor(&i1.to_rgb());
    let b = crate::layers::image_tensor(&i2.to_rgb());
    guard("photometric error", || {
        let e = |fl: &Tensor| {
            (&a - warp(&b, fl))
                .abs()
                .mean(Kind::Float)
                .double_value(&[])
        };
        (e(&f), e(&f.zeros_like()))
    })
}
