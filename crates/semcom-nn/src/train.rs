//! Training engine: stages (optimiser, learning-rate schedule, frozen variables, loss, channel),
//! deterministic batches and noise, atomic checkpoints with exact resume, an indicatif progress
//! bar (loss, PSNR, ETA) and a CSV log.
//!
//! Determinism: the data order of epoch e is a permutation drawn from `derive_seed(seed, [e])`;
//! crops/flips of step t come from `derive_seed(seed, [t, 0])`; LibTorch's generator (channel
//! noise) is re-seeded with `derive_seed(seed, [t, 1])` before step t. A run resumed from a
//! checkpoint therefore repeats exactly the steps of an uninterrupted run.

use crate::channel::ChannelSpec;
use crate::checkpoint::{self, sorted_vars};
use crate::data::{Augment, ImageSet};
use crate::error::{NnError, Result};
use crate::optim::{OptimSpec, Optimizer, Schedule};
use crate::st::{self, StFile};
use semcom_core::rng::{derive_seed, rng_for};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{nn, Kind, Tensor};

/// Checkpoint format tag stored in the metadata.
pub const CKPT_FORMAT: &str = "semcom-nn-checkpoint-1";

/// A model the engine can train: its variables and a forward pass through a channel.
pub trait TrainModel {
    /// The variables (names are used for freezing and checkpoints).
    fn var_store(&self) -> &nn::VarStore;
    /// Source batch `[B, 3, H, W]` → reconstruction of the same shape.
    fn forward_train(&self, x: &Tensor, channel: &ChannelSpec) -> Tensor;
}

/// Distortion loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Mean squared error.
    #[default]
    Mse,
    /// Mean absolute error.
    L1,
}

impl Loss {
    /// The loss of `y` against `x` (mean over all values).
    pub fn compute(&self, y: &Tensor, x: &Tensor) -> Tensor {
        match self {
            Loss::Mse => y.mse_loss(x, tch::Reduction::Mean),
            Loss::L1 => (y - x).abs().mean(Kind::Float),
        }
    }
}

/// One training stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Name (for logs).
    #[serde(default)]
    pub name: String,
    /// Number of steps.
    pub steps: u64,
    /// Optimiser (a fresh state at the start of each stage).
    pub optimizer: OptimSpec,
    /// Learning-rate schedule within the stage.
    #[serde(default)]
    pub schedule: Schedule,
    /// Loss.
    #[serde(default)]
    pub loss: Loss,
    /// Variable name prefixes frozen in this stage (e.g. `["enc."]`).
    #[serde(default)]
    pub freeze: Vec<String>,
    /// Channel for this stage (default: the run's channel).
    #[serde(default)]
    pub channel: Option<ChannelSpec>,
}

/// Options of a training run.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Master seed.
    pub seed: u64,
    /// Batch size.
    pub batch: usize,
    /// Crops and flips.
    pub augment: Augment,
    /// Channel (unless a stage sets its own).
    pub channel: ChannelSpec,
    /// Checkpoint file (written atomically).
    pub checkpoint: Option<PathBuf>,
    /// Save a checkpoint every this many steps.
    pub checkpoint_every_steps: Option<u64>,
    /// Save a checkpoint when this many seconds passed since the last one.
    pub checkpoint_every_secs: Option<f64>,
    /// Resume from the checkpoint if it exists.
    pub resume: bool,
    /// CSV log (appended).
    pub log_csv: Option<PathBuf>,
    /// Evaluate on the validation set every this many steps (0 = only at the end).
    pub eval_every: u64,
    /// Stop after this global step (simulates an interruption; the checkpoint is written).
    pub stop_at: Option<u64>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Print a line to stderr at each evaluation.
    pub verbose: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            batch: 32,
            augment: Augment::default(),
            channel: ChannelSpec::Noiseless,
            checkpoint: None,
            checkpoint_every_steps: None,
            checkpoint_every_secs: None,
            resume: false,
            log_csv: None,
            eval_every: 0,
            stop_at: None,
            progress: false,
            verbose: false,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TrainReport {
    /// Global step reached.
    pub step: u64,
    /// Step the run started from (after resuming).
    pub start_step: u64,
    /// Mean loss over the last evaluation interval.
    pub last_loss: f64,
    /// Last validation PSNR (dB), if a validation set was given.
    pub val_psnr: Option<f64>,
    /// Training wall time, summed over resumed runs (seconds).
    pub elapsed_s: f64,
}

/// PSNR in dB of a mean squared error for peak 1.
pub fn psnr_of_mse(mse: f64) -> f64 {
    10.0 * (1.0 / mse.max(1e-12)).log10()
}

/// Per-image PSNR (peak 1) of `y` against `x`, both `[B, C, H, W]`.
pub fn psnr_per_image(y: &Tensor, x: &Tensor) -> Result<Vec<f64>> {
    let mse = (y - x)
        .square()
        .flatten(1, -1)
        .mean_dim(1, false, Kind::Double);
    Ok(Vec::<f64>::try_from(mse)?
        .into_iter()
        .map(psnr_of_mse)
        .collect())
}

/// Per-image PSNR of `model` over all of `set` (whole images, same size) through `channel`,
/// LibTorch seeded from `seed` per batch; batches of `batch`.
pub fn evaluate<M: TrainModel>(
    model: &M,
    set: &ImageSet,
    channel: &ChannelSpec,
    seed: u64,
    batch: usize,
) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(set.len());
    let dev = model.var_store().device();
    let mut start = 0;
    while start < set.len() {
        let end = (start + batch.max(1)).min(set.len());
        let x = set.to_tensor(start..end)?.to_device(dev);
        tch::manual_seed(derive_seed(seed, &[start as u64]) as i64);
        let y = tch::no_grad(|| model.forward_train(&x, channel));
        out.extend(psnr_per_image(&y, &x)?);
        start = end;
    }
    Ok(out)
}

fn stage_at(stages: &[Stage], step: u64) -> Option<(usize, u64)> {
    let mut s0 = 0;
    for (i, s) in stages.iter().enumerate() {
        if step < s0 + s.steps {
            return Some((i, step - s0));
        }
        s0 += s.steps;
    }
    None
}

fn build_optimizer(vs: &nn::VarStore, stage: &Stage) -> Optimizer {
    let mut params = Vec::new();
    for (name, mut t) in sorted_vars(vs) {
        let frozen = stage.freeze.iter().any(|p| name.starts_with(p.as_str()));
        t = t.set_requires_grad(!frozen);
        if !frozen {
            params.push((name, t));
        }
    }
    Optimizer::new(&stage.optimizer, params)
}

struct CkptState {
    step: u64,
    stage: usize,
    opt_t: i64,
    elapsed: f64,
}

fn save_checkpoint(path: &Path, vs: &nn::VarStore, opt: &Optimizer, st_: &CkptState) -> Result<()> {
    let mut f = StFile::default();
    checkpoint::add_tensors(&mut f, "model.", &sorted_vars(vs))?;
    checkpoint::add_tensors(&mut f, "optim.", &opt.state())?;
    let m = &mut f.metadata;
    m.insert("format".into(), CKPT_FORMAT.into());
    m.insert("step".into(), st_.step.to_string());
    m.insert("stage".into(), st_.stage.to_string());
    m.insert("optim_t".into(), st_.opt_t.to_string());
    m.insert("elapsed_s".into(), format!("{:.3}", st_.elapsed));
    st::write(path, &f)
}

/// Loads a checkpoint into the model; returns (step, stage, optimiser steps, elapsed) and the file.
fn load_checkpoint(path: &Path, vs: &nn::VarStore) -> Result<(CkptState, StFile)> {
    let f = st::read(path)?;
    if f.metadata.get("format").map(String::as_str) != Some(CKPT_FORMAT) {
        return Err(NnError::ckpt(path, format!("not a {CKPT_FORMAT} file")));
    }
    let get = |k: &str| {
        f.metadata
            .get(k)
            .cloned()
            .ok_or_else(|| NnError::ckpt(path, format!("no '{k}' in the metadata")))
    };
    let bad = |k: &str| NnError::ckpt(path, format!("bad '{k}'"));
    let state = CkptState {
        step: get("step")?.parse().map_err(|_| bad("step"))?,
        stage: get("stage")?.parse().map_err(|_| bad("stage"))?,
        opt_t: get("optim_t")?.parse().map_err(|_| bad("optim_t"))?,
        elapsed: get("elapsed_s")?.parse().map_err(|_| bad("elapsed_s"))?,
    };
    checkpoint::copy_validated(&f, "model.", &sorted_vars(vs), path)?;
    Ok((state, f))
}

fn progress_bar(total: u64, start: u64, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}")
            .expect("valid template"),
    );
    pb.set_position(start);
    pb
}

fn csv_append(path: &Path, line: &str) -> Result<()> {
    let new = !path.exists();
    if let Some(d) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(|e| NnError::io(d, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| NnError::io(path, e))?;
    if new {
        writeln!(f, "step,stage,lr,train_loss,train_psnr,val_psnr,elapsed_s")
            .map_err(|e| NnError::io(path, e))?;
    }
    writeln!(f, "{line}").map_err(|e| NnError::io(path, e))
}

/// Trains `model` on `data` through `stages`, optionally evaluating on `val` (whole images).
pub fn train<M: TrainModel>(
    model: &M,
    stages: &[Stage],
    data: &ImageSet,
    val: Option<&ImageSet>,
    opts: &TrainOptions,
) -> Result<TrainReport> {
    let vs = model.var_store();
    let total: u64 = stages.iter().map(|s| s.steps).sum();
    if stages.is_empty() || total == 0 || opts.batch == 0 || data.is_empty() {
        return Err(NnError::Config(
            "need at least one stage with steps, a batch size and data".into(),
        ));
    }
    for s in stages {
        s.optimizer.validate()?;
        if let Some(c) = &s.channel {
            c.validate()?;
        }
    }
    opts.channel.validate()?;
    let mut step = 0u64;
    let mut elapsed0 = 0.0;
    let mut resumed: Option<(CkptState, StFile)> = None;
    if let (Some(p), true) = (&opts.checkpoint, opts.resume) {
        if p.exists() {
            let (s, f) = load_checkpoint(p, vs)?;
            step = s.step;
            elapsed0 = s.elapsed;
            resumed = Some((s, f));
        }
    }
    let start_step = step;
    let (mut cur_stage, _) =
        stage_at(stages, step.min(total.saturating_sub(1))).expect("total > 0");
    let mut opt = build_optimizer(vs, &stages[cur_stage]);
    if let Some((s, f)) = &resumed {
        if s.stage == cur_stage && step < total {
            checkpoint::copy_validated(
                f,
                "optim.",
                &opt.state(),
                opts.checkpoint.as_deref().unwrap_or(Path::new("")),
            )?;
            opt.set_steps_done(s.opt_t);
        }
    }
    let steps_per_epoch = (data.len() / opts.batch).max(1) as u64;
    let end = opts.stop_at.map_or(total, |s| s.min(total));
    let t0 = Instant::now();
    let mut last_ckpt = Instant::now();
    let pb = progress_bar(total, step, opts.progress);
    let (mut loss_sum, mut loss_n) = (0.0f64, 0u64);
    let mut report = TrainReport {
        start_step,
        ..Default::default()
    };
    let mut order_epoch = u64::MAX;
    let mut order = Vec::new();
    let mut lr = 0.0;
    while step < end {
        let (si, t_in) = stage_at(stages, step).expect("step < total");
        let stage = &stages[si];
        if si != cur_stage {
            cur_stage = si;
            opt = build_optimizer(vs, stage);
        }
        lr = stage.schedule.lr(stage.optimizer.lr, t_in, stage.steps);
        let epoch = step / steps_per_epoch;
        if epoch != order_epoch {
            order = data.epoch_order(opts.seed, epoch);
            order_epoch = epoch;
        }
        let j = ((step % steps_per_epoch) as usize) * opts.batch;
        let idx = &order[j..(j + opts.batch).min(order.len())];
        let mut rng = rng_for(derive_seed(opts.seed, &[step, 0]), 0);
        let x = data
            .batch(idx, opts.augment, &mut rng)?
            .images
            .to_device(vs.device());
        tch::manual_seed(derive_seed(opts.seed, &[step, 1]) as i64);
        let channel = stage.channel.as_ref().unwrap_or(&opts.channel);
        let y = model.forward_train(&x, channel);
        let loss = stage.loss.compute(&y, &x);
        opt.zero_grad();
        loss.f_backward()?;
        opt.step(lr);
        let l = f64::try_from(&loss)?;
        if !l.is_finite() {
            return Err(NnError::Invalid(format!("loss became {l} at step {step}")));
        }
        loss_sum += l;
        loss_n += 1;
        step += 1;
        pb.set_position(step);
        if step.is_multiple_of(50) {
            pb.set_message(format!(
                "loss {:.5} psnr {:.2} dB",
                loss_sum / loss_n as f64,
                psnr_of_mse(loss_sum / loss_n as f64)
            ));
        }
        let elapsed = elapsed0 + t0.elapsed().as_secs_f64();
        let want_eval =
            (opts.eval_every > 0 && step.is_multiple_of(opts.eval_every)) || step == end;
        if want_eval {
            let mean = loss_sum / loss_n.max(1) as f64;
            report.last_loss = mean;
            let val_psnr = match val {
                Some(v) => {
                    let p = evaluate(model, v, channel, opts.seed ^ 0xE7A1, 128)?;
                    Some(p.iter().sum::<f64>() / p.len().max(1) as f64)
                }
                None => None,
            };
            report.val_psnr = val_psnr;
            let vp = val_psnr.map_or(String::new(), |v| format!("{v:.3}"));
            if let Some(p) = &opts.log_csv {
                csv_append(
                    p,
                    &format!(
                        "{step},{si},{lr:.3e},{mean:.6},{:.3},{vp},{elapsed:.1}",
                        psnr_of_mse(mean)
                    ),
                )?;
            }
            if opts.verbose {
                pb.suspend(|| {
                    eprintln!(
                        "step {step}/{total} stage {si} lr {lr:.2e} loss {mean:.5} train_psnr {:.2} val_psnr {vp} elapsed {elapsed:.0}s",
                        psnr_of_mse(mean)
                    )
                });
            }
            loss_sum = 0.0;
            loss_n = 0;
        }
        if let Some(p) = &opts.checkpoint {
            let by_steps = opts
                .checkpoint_every_steps
                .is_some_and(|n| n > 0 && step.is_multiple_of(n));
            let by_time = opts
                .checkpoint_every_secs
                .is_some_and(|s| last_ckpt.elapsed().as_secs_f64() >= s);
            if by_steps || by_time || step == end {
                let st_ = CkptState {
                    step,
                    stage: si,
                    opt_t: opt.steps_done(),
                    elapsed,
                };
                save_checkpoint(p, vs, &opt, &st_)?;
                last_ckpt = Instant::now();
            }
        }
    }
    pb.finish_and_clear();
    let _ = lr;
    report.step = step;
    report.elapsed_s = elapsed0 + t0.elapsed().as_secs_f64();
    Ok(report)
}

/// Metadata describing a training run, stored with exported weights.
pub fn run_metadata(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// PSNR statistics of one evaluation point.
#[derive(Clone, Debug, Serialize)]
pub struct EvalPoint {
    /// Test SNR (dB).
    pub snr_db: f64,
    /// Number of images.
    pub images: usize,
    /// Mean per-image PSNR (dB).
    pub psnr_mean: f64,
    /// Half-width of the 95 % confidence interval of the mean (1.96·s/√n).
    pub psnr_ci95: f64,
}

/// Mean and 95 % confidence half-width of per-image PSNRs.
pub fn summarize(snr_db: f64, psnr: &[f64]) -> EvalPoint {
    let n = psnr.len().max(1) as f64;
    let mean = psnr.iter().sum::<f64>() / n;
    let var = psnr.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    EvalPoint {
        snr_db,
        images: psnr.len(),
        psnr_mean: mean,
        psnr_ci95: 1.96 * (var / n).sqrt(),
    }
}

/// Evaluates `model` on `set` through `channel` at each SNR of `snrs` (batched, seeded per SNR).
pub fn evaluate_snrs<M: TrainModel>(
    model: &M,
    set: &ImageSet,
    channel: &ChannelSpec,
    snrs: &[f64],
    seed: u64,
    batch: usize,
) -> Result<Vec<EvalPoint>> {
    snrs.iter()
        .enumerate()
        .map(|(i, &s)| {
            let p = evaluate(
                model,
                set,
                &channel.at_snr(s),
                derive_seed(seed, &[i as u64]),
                batch,
            )?;
            Ok(summarize(s, &p))
        })
        .collect()
}
