//! Training of the SpyNet-style [`FlowNet`] on the `semcom-nn` engine ([`FlowTrainer`],
//! [`FlowSystem`]): a supervised multi-scale end-point error on synthetic pairs with known flow
//! cut from still images ([`sample_synthetic`]), optionally plus the unsupervised multi-scale
//! photometric loss (generalised Charbonnier `(d² + ε²)^α`, α = 0.45, of `I1 − warp(I2, flow)`
//! on the normalised pyramid; Sun, Roth & Black 2010 / Yu et al. 2016 "Back to basics") with
//! first-order flow smoothness on pairs of nearby video frames.

use crate::error::{guard, Result, ZooError};
use crate::flow::{normalize, normalize_tensor, warp, FlowNet, FlowNetConfig};
use rand::Rng;
use semcom_core::rng::{derive_seed, rng_for, SemRng};
use semcom_core::Image;
use semcom_nn::config::{parse_table, BuildCtx, System, Trainable};
use semcom_nn::optim::{OptimSpec, Schedule};
use semcom_nn::train::{Model, Stage, StepCtx, Terms, TrainOptions};
use semcom_nn::NnError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
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

/// The PNG/JPEG/WebP files directly in `dir`, sorted by name.
fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
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
    Ok(files)
}

/// Loads every `*.png` / `*.jpg` / `*.webp` of a folder (sorted by name) as one sequence; at
/// most `max_frames` frames, with side at most `max_side`.
pub fn load_sequence(dir: &Path, max_frames: usize) -> Result<Sequence> {
    let mut files = image_files(dir)?;
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
#[derive(Clone, Debug, PartialEq)]
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
    /// Largest displacement (px) of the synthetic known-flow pairs cut from still images.
    pub max_disp: f32,
    /// Weight of the unsupervised loss on real frame pairs (0 = synthetic pairs only).
    pub photometric: f64,
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
            max_disp: 12.0,
            photometric: 1.0,
        }
    }
}

impl TrainConfig {
    /// Checks the settings: crop sides multiples of 32 in 32..=1024, batch in 1..=256, a
    /// finite positive learning rate, displacement in 0..=64 px, finite non-negative weights.
    pub fn validate(&self) -> Result<()> {
        let (w, h) = self.crop;
        let side = |s: usize| (32..=1024).contains(&s) && s.is_multiple_of(32);
        let msg = if !side(w) || !side(h) {
            format!("crop {w}x{h}: sides must be multiples of 32 in 32..=1024")
        } else if !(1..=256).contains(&self.batch) {
            format!("batch {} not in 1..=256", self.batch)
        } else if !(self.lr.is_finite() && self.lr > 0.0) {
            format!("learning rate {} is not a positive finite number", self.lr)
        } else if !(self.max_disp.is_finite() && (0.0..=64.0).contains(&self.max_disp)) {
            format!("max_disp {} not in 0..=64 px", self.max_disp)
        } else if !(self.photometric.is_finite()
            && self.photometric >= 0.0
            && self.smooth.is_finite()
            && self.smooth >= 0.0)
        {
            "photometric and smooth weights must be finite and ≥ 0".to_string()
        } else if self
            .max_seconds
            .is_some_and(|s| !(s.is_finite() && s >= 0.0))
        {
            "max_seconds must be finite and ≥ 0".to_string()
        } else {
            return Ok(());
        };
        Err(ZooError::InvalidInput(msg))
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

/// Draws one synthetic pair with known flow from the still images: a random region of
/// `crop + 2·margin` is warped by a [`synthetic_flow`] of largest displacement
/// `U(min_frac, 1)·max_disp` (`min_frac` = [`MIN_DISP_FRAC`] unless given), and the centre
/// `crop` of both frames and of the flow is kept, so
/// `I1(x) = I2(x + flow(x))` holds without border clamping. Returns normalised
/// `(I1, I2)` (`1×3×H×W`) and the flow (`1×2×H×W`).
pub fn sample_synthetic(
    stills: &[Image],
    crop: (usize, usize),
    max_disp: f32,
    min_frac: Option<f32>,
    rng: &mut SemRng,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (cw, ch) = crop;
    let m = max_disp.max(0.0).ceil() as usize + 2;
    let (bw, bh) = (cw + 2 * m, ch + 2 * m);
    let usable: Vec<&Image> = stills
        .iter()
        .filter(|s| s.width() >= bw && s.height() >= bh)
        .collect();
    if usable.is_empty() {
        return Err(ZooError::InvalidInput(format!(
            "no still image of at least {bw}x{bh} for synthetic pairs"
        )));
    }
    let s = usable[rng.random_range(0..usable.len())];
    let x0 = rng.random_range(0..=s.width() - bw);
    let y0 = rng.random_range(0..=s.height() - bh);
    let big = crate::layers::image_tensor(&s.crop(x0, y0, bw, bh)?.to_rgb());
    let lo = min_frac.unwrap_or(MIN_DISP_FRAC).clamp(0.0, 0.99);
    let d = max_disp * rng.random_range(lo..1.0);
    let flow = synthetic_flow(bw, bh, d, rng).unsqueeze(0);
    let warped = tch::no_grad(|| warp(&big, &flow));
    let centre = |t: &Tensor| {
        t.narrow(2, m as i64, ch as i64)
            .narrow(3, m as i64, cw as i64)
            .contiguous()
    };
    Ok((
        normalize_tensor(&centre(&warped)),
        normalize_tensor(&centre(&big)),
        centre(&flow),
    ))
}

/// Default lower end of the synthetic displacement scale (as a fraction of `max_disp`).
pub const MIN_DISP_FRAC: f32 = 0.25;

/// Multi-scale supervised loss: Σ_k 2^{−(N−k)} mean ‖flow_k − gt_k‖ (a Charbonnier-smoothed
/// end-point error, ε = 0.01 px), where gt_k is the ground truth average-pooled to level k's
/// size and divided by its down-sampling factor.
pub fn supervised_loss(flows: &[Tensor], gt: &Tensor) -> Tensor {
    let n = flows.len();
    let mut total = Tensor::zeros([], (Kind::Float, gt.device()));
    for (k, f) in flows.iter().enumerate() {
        let factor = 1i64 << (n - 1 - k);
        let g = if factor == 1 {
            gt.shallow_clone()
        } else {
            gt.avg_pool2d(
                [factor, factor],
                [factor, factor],
                [0, 0],
                false,
                true,
                None::<i64>,
            ) / factor as f64
        };
        let e = ((f - g)
            .square()
            .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
            + 1e-4)
            .sqrt()
            .mean(Kind::Float);
        total += e * 0.5f64.powi((n - 1 - k) as i32);
    }
    total
}

/// Loads every image of a folder (sorted by name, PNG/JPEG/WebP), keeping `limit` evenly
/// spaced files when given: still sources for [`sample_synthetic`].
pub fn load_stills(dir: &Path, limit: Option<usize>) -> Result<Vec<Image>> {
    let files = image_files(dir)?;
    let stills = semcom_nn::data::evenly_spaced(files.len(), limit)
        .into_iter()
        .map(|i| Ok(Image::load(&files[i])?.to_rgb()))
        .collect::<Result<Vec<_>>>()?;
    if stills.is_empty() {
        return Err(ZooError::InvalidInput(format!(
            "{}: no images",
            dir.display()
        )));
    }
    Ok(stills)
}

/// The flow network with its training data: a model of the `semcom-nn` training engine.
/// Each step draws `batch` synthetic known-flow pairs from the stills ([`supervised_loss`],
/// term `epe`) and, when `photometric > 0` and there are sequences, `batch` real pairs
/// ([`unsupervised_loss`] times that weight, term `photometric`), all from the step's
/// generator, so the data order does not depend on threads.
pub struct FlowTrainer {
    /// The network.
    pub net: FlowNet,
    seqs: Vec<Sequence>,
    stills: Vec<Image>,
    cfg: TrainConfig,
    base: TrainConfig,
    min_frac: Option<f32>,
    /// Weighted total loss of every step done by this trainer.
    pub losses: Vec<f64>,
}

/// Per-stage settings of the flow system (a stage's `model` table), each defaulting to the
/// `[model]` value: e.g. a fine-tuning stage on larger crops that also sees near-zero motion.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowStageSettings {
    /// Crop `[width, height]`.
    #[serde(default)]
    pub crop: Option<[usize; 2]>,
    /// Pairs per step.
    #[serde(default)]
    pub batch: Option<usize>,
    /// Largest synthetic displacement (px).
    #[serde(default)]
    pub max_disp: Option<f32>,
    /// Lower end of the synthetic displacement scale as a fraction of `max_disp` (default
    /// [`MIN_DISP_FRAC`]; 0 includes pairs without motion).
    #[serde(default)]
    pub min_disp_frac: Option<f32>,
}

impl FlowTrainer {
    /// A trainer of `net` on real sequences and still images with the settings of `cfg`.
    pub fn new(
        net: FlowNet,
        seqs: Vec<Sequence>,
        stills: Vec<Image>,
        cfg: &TrainConfig,
    ) -> Result<Self> {
        cfg.validate()?;
        let use_real = cfg.photometric > 0.0 && !seqs.is_empty();
        if stills.is_empty() && !use_real {
            return Err(ZooError::InvalidInput(
                "no training data: give still images or frame sequences".into(),
            ));
        }
        Ok(Self {
            net,
            seqs,
            stills,
            cfg: cfg.clone(),
            base: cfg.clone(),
            min_frac: None,
            losses: Vec::new(),
        })
    }

    fn terms(&self, rng: &mut SemRng) -> Result<Terms> {
        let cfg = &self.cfg;
        let mut t = Terms::new();
        if !self.stills.is_empty() {
            let (mut xa, mut xb, mut gt) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..cfg.batch {
                let (a, b, f) =
                    sample_synthetic(&self.stills, cfg.crop, cfg.max_disp, self.min_frac, rng)?;
                xa.push(a);
                xb.push(b);
                gt.push(f);
            }
            let l = guard("flow train step", || {
                let (flows, _) = self
                    .net
                    .pyramid_flows(&Tensor::cat(&xa, 0), &Tensor::cat(&xb, 0));
                supervised_loss(&flows, &Tensor::cat(&gt, 0))
            })?;
            t.add("epe", l);
        }
        if cfg.photometric > 0.0 && !self.seqs.is_empty() {
            let (mut xa, mut xb) = (Vec::new(), Vec::new());
            for _ in 0..cfg.batch {
                let (a, b) = sample_pair(&self.seqs, cfg, rng)?;
                xa.push(a);
                xb.push(b);
            }
            let l = guard("flow train step", || {
                let (flows, pyr) = self
                    .net
                    .pyramid_flows(&Tensor::cat(&xa, 0), &Tensor::cat(&xb, 0));
                unsupervised_loss(&flows, &pyr, cfg.smooth) * cfg.photometric
            })?;
            t.add("photometric", l);
        }
        Ok(t)
    }
}

impl Model for FlowTrainer {
    fn var_store(&self) -> &tch::nn::VarStore {
        self.net.var_store()
    }
    fn begin_stage(&mut self, stage: &Stage) -> semcom_nn::Result<()> {
        let s: FlowStageSettings =
            parse_table(&format!("stage '{}' model", stage.name), &stage.model)?;
        let mut cfg = self.base.clone();
        if let Some([w, h]) = s.crop {
            cfg.crop = (w, h);
        }
        cfg.batch = s.batch.unwrap_or(cfg.batch);
        cfg.max_disp = s.max_disp.unwrap_or(cfg.max_disp);
        cfg.validate()
            .map_err(|e| NnError::Config(format!("stage '{}': {e}", stage.name)))?;
        if s.min_disp_frac.is_some_and(|f| !(0.0..1.0).contains(&f)) {
            return Err(NnError::Config(format!(
                "stage '{}': min_disp_frac must be in [0, 1)",
                stage.name
            )));
        }
        self.cfg = cfg;
        self.min_frac = s.min_disp_frac;
        Ok(())
    }
    fn step(&mut self, ctx: &mut StepCtx) -> semcom_nn::Result<Terms> {
        let t = self
            .terms(ctx.rng)
            .map_err(|e| NnError::Invalid(e.to_string()))?;
        let total: f64 = t.0.iter().map(|(_, v)| v.double_value(&[])).sum();
        self.losses.push(total);
        Ok(t)
    }
}

impl Trainable for FlowTrainer {
    fn export(&self, path: &Path, meta: BTreeMap<String, String>) -> semcom_nn::Result<()> {
        let _ = meta;
        self.net
            .save(path)
            .map_err(|e| NnError::Invalid(e.to_string()))
    }
    fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("stills".into(), self.stills.len().to_string()),
            ("sequences".into(), self.seqs.len().to_string()),
        ]
    }
}

/// Trains `trainer` on the engine with one Adam stage of `cfg.steps` steps at `cfg.lr`
/// (stopping early after `cfg.max_seconds`). A non-finite loss stops training before its
/// backward pass. Returns the number of steps done.
pub fn train(trainer: &mut FlowTrainer, progress: bool) -> Result<u64> {
    let cfg = trainer.cfg.clone();
    let stage = Stage::simple(
        "adam",
        cfg.steps as u64,
        OptimSpec::adam(cfg.lr),
        Schedule::Constant,
    );
    let opts = TrainOptions {
        seed: cfg.seed,
        max_seconds: cfg.max_seconds,
        progress,
        ..Default::default()
    };
    let r = semcom_nn::train::train(trainer, &[stage], &opts)
        .map_err(|e| ZooError::Torch(e.to_string()))?;
    Ok(r.step)
}

/// Flow network settings of a `semcom train` configuration (`[model] kind = "flow"`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowModelConfig {
    /// Level networks (1 = one network shared by every pyramid level).
    #[serde(default = "d_levels")]
    pub levels: usize,
    /// Hidden widths.
    #[serde(default = "d_widths")]
    pub widths: [i64; 4],
    /// Kernel size.
    #[serde(default = "d_kernel")]
    pub kernel: i64,
    /// Cost-volume radius (0 = none).
    #[serde(default = "d_corr")]
    pub corr_radius: i64,
    /// Start from these weights instead of a fresh initialisation.
    #[serde(default)]
    pub init: Option<PathBuf>,
    /// Crop `[width, height]` (multiples of 32).
    #[serde(default = "d_crop")]
    pub crop: [usize; 2],
    /// Pairs per step (of each kind).
    #[serde(default = "d_batch")]
    pub batch: usize,
    /// Largest displacement of the synthetic pairs (px).
    #[serde(default = "d_disp")]
    pub max_disp: f32,
    /// Weight of the unsupervised loss on real pairs (0 = off).
    #[serde(default)]
    pub photometric: f64,
    /// Smoothness weight of the unsupervised loss.
    #[serde(default = "d_smooth")]
    pub smooth: f64,
    /// Largest frame gap of real pairs.
    #[serde(default = "d_gap")]
    pub max_gap: usize,
}

fn d_levels() -> usize {
    1
}
fn d_widths() -> [i64; 4] {
    FlowNetConfig::default().widths
}
fn d_kernel() -> i64 {
    FlowNetConfig::default().kernel
}
fn d_corr() -> i64 {
    FlowNetConfig::default().corr_radius
}
fn d_crop() -> [usize; 2] {
    [128, 96]
}
fn d_batch() -> usize {
    4
}
fn d_disp() -> f32 {
    12.0
}
fn d_smooth() -> f64 {
    0.5
}
fn d_gap() -> usize {
    3
}

/// Flow training data of a `semcom train` configuration (`[data]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDataConfig {
    /// Folders of still images for synthetic known-flow pairs.
    #[serde(default)]
    pub stills: Vec<PathBuf>,
    /// Keep this many evenly spaced images of each stills folder.
    #[serde(default)]
    pub stills_limit: Option<usize>,
    /// Folders of consecutive frames for the unsupervised loss.
    #[serde(default)]
    pub sequences: Vec<PathBuf>,
}

/// The `flow` system of `semcom train`.
pub struct FlowSystem;

impl System for FlowSystem {
    fn kind(&self) -> &'static str {
        "flow"
    }
    fn build(&self, ctx: &BuildCtx) -> semcom_nn::Result<Box<dyn Trainable>> {
        let m: FlowModelConfig = parse_table("model", ctx.model)?;
        let d: FlowDataConfig = parse_table("data", ctx.data)?;
        let err = |e: ZooError| NnError::Config(e.to_string());
        let cfg = TrainConfig {
            steps: 0,
            batch: m.batch,
            crop: (m.crop[0], m.crop[1]),
            max_gap: m.max_gap,
            lr: 1e-3,
            smooth: m.smooth,
            seed: ctx.seed,
            max_seconds: None,
            max_disp: m.max_disp,
            photometric: m.photometric,
        };
        cfg.validate().map_err(err)?;
        if ctx.device != tch::Device::Cpu {
            return Err(NnError::Config(
                "the flow network trains on the CPU only".into(),
            ));
        }
        let net = match &m.init {
            Some(p) => FlowNet::load(p).map_err(err)?,
            None => FlowNet::new(
                FlowNetConfig {
                    levels: m.levels,
                    widths: m.widths,
                    kernel: m.kernel,
                    corr_radius: m.corr_radius,
                },
                &mut rng_for(ctx.seed, 7),
            )
            .map_err(err)?,
        };
        let (mut stills, mut seqs) = (Vec::new(), Vec::new());
        if ctx.with_data {
            for dir in &d.stills {
                stills.extend(load_stills(dir, d.stills_limit).map_err(err)?);
            }
            for dir in &d.sequences {
                seqs.push(load_sequence(dir, 10_000).map_err(err)?);
            }
            Ok(Box::new(
                FlowTrainer::new(net, seqs, stills, &cfg).map_err(err)?,
            ))
        } else {
            Ok(Box::new(FlowTrainer {
                net,
                seqs,
                stills,
                cfg: cfg.clone(),
                base: cfg,
                min_frac: None,
                losses: Vec::new(),
            }))
        }
    }
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
