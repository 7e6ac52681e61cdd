//! Training engine for every system: a [`Model`] defines its step and returns named loss
//! terms ([`Terms`]) for the parameter group being optimised; [`Stage`]s list optimisers (several
//! per stage, e.g. alternating discriminator and generator updates with their own learning
//! rates and schedules), freeze variables by name prefix and re-weight loss terms; checkpoints
//! hold the model's variables (buffers included), every optimiser's state, the step and the
//! seed, so a resumed run repeats an uninterrupted one bit for bit.
//!
//! **One step.** For global step t in stage s, the engine draws the step's data generator
//! `rng_for(derive_seed(seed, [t, 0]), 0)` (batches, crops, synthetic data) and, for each
//! optimiser o (in the stage's order, skipped unless `t_in_stage % every == 0`): re-seeds
//! LibTorch's generator with `derive_seed(seed, [t, 1 + o])` (noise, dropout), calls
//! [`Model::step`] with the optimiser's group, sums the terms times the stage's
//! `loss_weights`, stops with an error if the sum is not finite (before `backward`), zeroes
//! every gradient, back-propagates and updates the group's unfrozen variables. Every random
//! draw is therefore a function of (seed, step): the generator "state" a checkpoint needs is
//! the seed and the step, and a resumed run checks that its seed is the checkpoint's.
//!
//! Helpers for systems: [`crate::estimators`] (REINFORCE with a baseline, straight-through
//! estimators, EMA codebooks); image evaluation in [`eval`].

mod ckpt;
pub mod eval;
pub mod stage;

pub use eval::{
    evaluate, evaluate_snrs, psnr_of_mse, psnr_per_image, summarize, ChannelAutoencoder, EvalPoint,
    Loss,
};
pub use stage::{Stage, StageOptimizer, ALL};

use crate::checkpoint::sorted_vars;
use crate::error::{NnError, Result};
use crate::optim::Optimizer;
use semcom_core::rng::{derive_seed, rng_for, SemRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{nn, Tensor};

/// Checkpoint format tag stored in the metadata.
pub const CKPT_FORMAT: &str = "semcom-nn-checkpoint-2";

/// Named loss terms of one step, in the order the model added them.
#[derive(Debug, Default)]
pub struct Terms(pub Vec<(String, Tensor)>);

impl Terms {
    /// No terms.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds the scalar term `value` named `name`.
    pub fn add(&mut self, name: &str, value: Tensor) -> &mut Self {
        self.0.push((name.to_string(), value));
        self
    }
    /// A single term.
    pub fn one(name: &str, value: Tensor) -> Self {
        Self(vec![(name.to_string(), value)])
    }
}

/// A named set of variables (by name prefix) that an optimiser can update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamGroup {
    /// Group name used by `StageOptimizer::group`.
    pub name: String,
    /// Variable name prefixes in the group.
    pub prefixes: Vec<String>,
}

impl ParamGroup {
    /// A group of the variables whose names start with one of `prefixes`.
    pub fn new(name: &str, prefixes: &[&str]) -> Self {
        Self {
            name: name.into(),
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }
}

/// What the model sees of the current step.
pub struct StepCtx<'a> {
    /// Master seed of the run.
    pub seed: u64,
    /// Global step (0-based).
    pub step: u64,
    /// Stage index.
    pub stage: usize,
    /// Step within the stage.
    pub stage_step: u64,
    /// Length of the stage.
    pub stage_len: u64,
    /// Index of the optimiser within the stage's list.
    pub phase: usize,
    /// The parameter group being optimised ([`ALL`] or one of [`Model::groups`]).
    pub group: &'a str,
    /// The step's data generator (shared by the phases of a step, in order).
    pub rng: &'a mut SemRng,
}

/// A trainable system.
pub trait Model {
    /// Every variable, trainable or not (buffers such as EMA codebooks or baselines live here
    /// too, created with `requires_grad = false`, so that checkpoints hold them).
    fn var_store(&self) -> &nn::VarStore;
    /// Named parameter groups (besides [`ALL`]).
    fn groups(&self) -> Vec<ParamGroup> {
        Vec::new()
    }
    /// Called when a stage starts (and when a run resumes inside it) with its settings;
    /// the model parses `stage.model` here (reject unknown keys).
    fn begin_stage(&mut self, stage: &Stage) -> Result<()> {
        let _ = stage;
        Ok(())
    }
    /// One forward pass for the optimiser of `ctx.group`: the named loss terms.
    fn step(&mut self, ctx: &mut StepCtx) -> Result<Terms>;
    /// Validation metrics (name, value), e.g. `val_psnr`; `seed` seeds any noise.
    fn validate(&mut self, stage: &Stage, seed: u64) -> Result<Vec<(String, f64)>> {
        let _ = (stage, seed);
        Ok(Vec::new())
    }
}

/// Options of a training run.
#[derive(Clone, Debug, Default)]
pub struct TrainOptions {
    /// Master seed.
    pub seed: u64,
    /// Checkpoint file (written atomically).
    pub checkpoint: Option<PathBuf>,
    /// Save a checkpoint every this many steps.
    pub checkpoint_every_steps: Option<u64>,
    /// Save a checkpoint when this many seconds passed since the last one.
    pub checkpoint_every_secs: Option<f64>,
    /// Resume from the checkpoint (it must exist).
    pub resume: bool,
    /// Log of every evaluation, `step,stage,name,value` rows (appended).
    pub log_csv: Option<PathBuf>,
    /// Validate and log every this many steps (0 = only at the end).
    pub eval_every: u64,
    /// Stop after this global step (simulates an interruption; the checkpoint is written).
    pub stop_at: Option<u64>,
    /// Stop after the step that crosses this many seconds of wall time (checkpoint written).
    pub max_seconds: Option<f64>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Print a line to stderr at each evaluation.
    pub verbose: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TrainReport {
    /// Global step reached.
    pub step: u64,
    /// Step the run started from (after resuming).
    pub start_step: u64,
    /// Weighted total loss, mean over the last evaluation interval.
    pub last_loss: f64,
    /// Mean of each loss term over the last evaluation interval (`<optimiser>.<term>` when the
    /// stage has several optimisers).
    pub losses: BTreeMap<String, f64>,
    /// The last validation metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Last validation PSNR (dB), when the model reports `val_psnr`.
    pub val_psnr: Option<f64>,
    /// Training wall time, summed over resumed runs (seconds).
    pub elapsed_s: f64,
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

/// The variables of a stage's optimisers after freezing: for each optimiser, (name, tensor)
/// of its group's trainable, unfrozen variables. Sets `requires_grad` on every trainable
/// variable (false when frozen).
fn stage_params(
    vars: &[(String, Tensor)],
    trainable: &HashSet<String>,
    groups: &[ParamGroup],
    stage: &Stage,
) -> Result<Vec<Vec<(String, Tensor)>>> {
    let frozen = |n: &str| stage.freeze.iter().any(|p| n.starts_with(p.as_str()));
    for (name, t) in vars {
        if trainable.contains(name) {
            let _ = t.shallow_clone().set_requires_grad(!frozen(name));
        }
    }
    let mut out = Vec::new();
    for o in stage.optimizer_list() {
        let prefixes: Vec<String> = if o.group == ALL {
            vec![String::new()]
        } else {
            groups
                .iter()
                .find(|g| g.name == o.group)
                .map(|g| g.prefixes.clone())
                .ok_or_else(|| {
                    let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
                    NnError::Config(format!(
                        "stage '{}': unknown parameter group '{}' (the model has {ALL}{}{})",
                        stage.name,
                        o.group,
                        if known.is_empty() { "" } else { ", " },
                        known.join(", ")
                    ))
                })?
        };
        let params: Vec<(String, Tensor)> = vars
            .iter()
            .filter(|(n, _)| {
                trainable.contains(n)
                    && !frozen(n)
                    && prefixes.iter().any(|p| n.starts_with(p.as_str()))
            })
            .map(|(n, t)| (n.clone(), t.shallow_clone()))
            .collect();
        if params.is_empty() {
            return Err(NnError::Config(format!(
                "stage '{}': optimizer '{}' has no unfrozen variable to train",
                stage.name,
                o.name()
            )));
        }
        out.push(params);
    }
    Ok(out)
}

/// Names of the trainable variables (as opposed to buffers) of a var store.
fn trainable_names(vs: &nn::VarStore, vars: &[(String, Tensor)]) -> HashSet<String> {
    let ptrs: HashSet<usize> = vs
        .trainable_variables()
        .iter()
        .map(|t| t.data_ptr() as usize)
        .collect();
    vars.iter()
        .filter(|(_, t)| ptrs.contains(&(t.data_ptr() as usize)))
        .map(|(n, _)| n.clone())
        .collect()
}

struct StageRun {
    index: usize,
    optims: Vec<(crate::train::StageOptimizer, Optimizer)>,
}

fn start_stage<M: Model + ?Sized>(
    model: &mut M,
    stages: &[Stage],
    index: usize,
    vars: &[(String, Tensor)],
    trainable: &HashSet<String>,
) -> Result<StageRun> {
    let stage = &stages[index];
    let groups = model.groups();
    let params = stage_params(vars, trainable, &groups, stage)?;
    let optims = stage
        .optimizer_list()
        .into_iter()
        .zip(params)
        .map(|(o, p)| {
            let opt = Optimizer::new(&o.optimizer, p);
            (o, opt)
        })
        .collect();
    model.begin_stage(stage)?;
    Ok(StageRun { index, optims })
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

fn csv_append(path: &Path, rows: &[String]) -> Result<()> {
    let new = !path.exists();
    if let Some(d) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(|e| NnError::io(d, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| NnError::io(path, e))?;
    let mut text = String::new();
    if new {
        text.push_str("step,stage,name,value\n");
    }
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    f.write_all(text.as_bytes())
        .map_err(|e| NnError::io(path, e))
}

/// Running means of the logged values over an evaluation interval.
#[derive(Default)]
struct Means(BTreeMap<String, (f64, u64)>);

impl Means {
    fn add(&mut self, k: &str, v: f64) {
        let e = self.0.entry(k.to_string()).or_default();
        e.0 += v;
        e.1 += 1;
    }
    fn take(&mut self) -> BTreeMap<String, f64> {
        std::mem::take(&mut self.0)
            .into_iter()
            .map(|(k, (s, n))| (k, s / n.max(1) as f64))
            .collect()
    }
}

/// Trains `model` through `stages`. With `opts.resume` the checkpoint must exist; the run
/// continues from its step with its optimiser states.
pub fn train<M: Model + ?Sized>(
    model: &mut M,
    stages: &[Stage],
    opts: &TrainOptions,
) -> Result<TrainReport> {
    let total: u64 = stages.iter().map(|s| s.steps).sum();
    if stages.is_empty() || total == 0 {
        return Err(NnError::Config("need at least one stage with steps".into()));
    }
    for s in stages {
        s.validate()?;
    }
    let vars = sorted_vars(model.var_store());
    let trainable = trainable_names(model.var_store(), &vars);
    let mut step = 0u64;
    let mut elapsed0 = 0.0;
    let mut resumed = None;
    if opts.resume {
        let p = opts
            .checkpoint
            .as_deref()
            .ok_or_else(|| NnError::Config("resume needs a checkpoint path".into()))?;
        if !p.exists() {
            return Err(NnError::ckpt(p, "does not exist (nothing to resume)"));
        }
        let c = ckpt::load(p, &vars, opts.seed)?;
        step = c.step;
        elapsed0 = c.elapsed;
        resumed = Some(c);
    }
    let start_step = step;
    let (first, _) = stage_at(stages, step.min(total - 1)).expect("total > 0");
    let mut run = start_stage(model, stages, first, &vars, &trainable)?;
    if let (Some(c), Some(p)) = (&resumed, &opts.checkpoint) {
        if c.stage == first && step < total {
            ckpt::restore_optimizers(c, &mut run.optims, p)?;
        }
    }
    let end = opts.stop_at.map_or(total, |s| s.min(total));
    let t0 = Instant::now();
    let mut last_ckpt = Instant::now();
    let pb = progress_bar(total, step, opts.progress);
    let mut means = Means::default();
    let mut report = TrainReport {
        start_step,
        ..Default::default()
    };
    let all_vars: Vec<Tensor> = vars
        .iter()
        .filter(|(n, _)| trainable.contains(n))
        .map(|(_, t)| t.shallow_clone())
        .collect();
    while step < end {
        let (si, t_in) = stage_at(stages, step).expect("step < total");
        let stage = &stages[si];
        if si != run.index {
            run = start_stage(model, stages, si, &vars, &trainable)?;
        }
        let mut rng = rng_for(derive_seed(opts.seed, &[step, 0]), 0);
        let several = run.optims.len() > 1;
        let mut step_total = 0.0;
        for (phase, (so, opt)) in run.optims.iter_mut().enumerate() {
            if !t_in.is_multiple_of(so.every) {
                continue;
            }
            tch::manual_seed(derive_seed(opts.seed, &[step, 1 + phase as u64]) as i64);
            let lr = so.schedule.lr(so.optimizer.lr, t_in, stage.steps);
            let mut ctx = StepCtx {
                seed: opts.seed,
                step,
                stage: si,
                stage_step: t_in,
                stage_len: stage.steps,
                phase,
                group: &so.group,
                rng: &mut rng,
            };
            let terms = model.step(&mut ctx)?;
            let mut loss: Option<Tensor> = None;
            for (name, t) in &terms.0 {
                let v = f64::try_from(t)?;
                let key = if several {
                    format!("{}.{name}", so.name())
                } else {
                    name.clone()
                };
                if !v.is_finite() {
                    return Err(NnError::Invalid(format!(
                        "loss term '{key}' became {v} at step {step} (stopped before backward; lower the learning rate)"
                    )));
                }
                means.add(&key, v);
                let w = stage.weight(name);
                if w != 0.0 {
                    let wt = if w == 1.0 { t.shallow_clone() } else { t * w };
                    loss = Some(match loss {
                        None => wt,
                        Some(l) => l + wt,
                    });
                }
            }
            let Some(loss) = loss else {
                return Err(NnError::Invalid(format!(
                    "optimizer '{}': the model returned no weighted loss term at step {step}",
                    so.name()
                )));
            };
            step_total += f64::try_from(&loss)?;
            for t in &all_vars {
                let mut t = t.shallow_clone();
                t.zero_grad();
            }
            loss.f_backward()?;
            opt.step(lr);
            means.add(&format!("lr.{}", so.name()), lr);
        }
        means.add("loss", step_total);
        step += 1;
        pb.set_position(step);
        let elapsed = elapsed0 + t0.elapsed().as_secs_f64();
        let timed_out = opts
            .max_seconds
            .is_some_and(|m| t0.elapsed().as_secs_f64() >= m);
        let stop = step == end || timed_out;
        if (opts.eval_every > 0 && step.is_multiple_of(opts.eval_every)) || stop {
            let m = means.take();
            report.last_loss = m.get("loss").copied().unwrap_or(0.0);
            report.losses = m
                .iter()
                .filter(|(k, _)| *k != "loss" && !k.starts_with("lr."))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            let metrics = model.validate(stage, opts.seed ^ 0xE7A1)?;
            report.metrics = metrics.iter().cloned().collect();
            report.val_psnr = report.metrics.get("val_psnr").copied();
            let line: Vec<String> = m
                .iter()
                .chain(report.metrics.iter())
                .map(|(k, v)| format!("{k} {v:.5}"))
                .collect();
            if let Some(p) = &opts.log_csv {
                let mut rows: Vec<String> = m
                    .iter()
                    .chain(report.metrics.iter())
                    .map(|(k, v)| format!("{step},{si},{k},{v:.6e}"))
                    .collect();
                rows.push(format!("{step},{si},elapsed_s,{elapsed:.1}"));
                csv_append(p, &rows)?;
            }
            pb.set_message(line.join(" "));
            if opts.verbose {
                pb.suspend(|| {
                    eprintln!(
                        "step {step}/{total} stage {si} {} elapsed {elapsed:.0}s",
                        line.join(" ")
                    )
                });
            }
        }
        if let Some(p) = &opts.checkpoint {
            let by_steps = opts
                .checkpoint_every_steps
                .is_some_and(|n| n > 0 && step.is_multiple_of(n));
            let by_time = opts
                .checkpoint_every_secs
                .is_some_and(|s| last_ckpt.elapsed().as_secs_f64() >= s);
            if by_steps || by_time || stop {
                let state = ckpt::State {
                    step,
                    stage: si,
                    seed: opts.seed,
                    elapsed,
                };
                ckpt::save(p, &vars, &run.optims, &state)?;
                last_ckpt = Instant::now();
            }
        }
        if timed_out {
            break;
        }
    }
    pb.finish_and_clear();
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

/// Loads the model variables of a training checkpoint into `vs` (validated: names, shapes,
/// finite values); returns the checkpoint's metadata (`step`, `elapsed_s`, ...).
pub fn load_checkpoint_model(path: &Path, vs: &nn::VarStore) -> Result<BTreeMap<String, String>> {
    ckpt::load_model(path, &sorted_vars(vs))
}
