//! The TOML training configuration behind `semcom train CONFIG.toml` (see `docs/neural.md`).
//! Relative paths are relative to the working directory (run from the repository root).
//!
//! The engine owns `name`, `seed`, `threads`, `output` and `stages`; `[model]` (with its
//! `kind`), `[data]` and `[channel]` belong to the system named by `model.kind`, which parses
//! them ([`System`]); every table rejects unknown keys with one line naming the key.

use crate::channel::ChannelSpec;
use crate::error::{NnError, Result};
use crate::train::{self, Model, Stage, TrainOptions, TrainReport};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn d_batch() -> usize {
    32
}
fn d_threads() -> i32 {
    2
}
fn d_true() -> bool {
    true
}

/// Largest `threads` accepted.
pub const MAX_THREADS: i32 = 256;

/// Deserialises an opaque table (a system's `[model]`, `[data]`, a stage's `model`) into `T`;
/// the error is one line naming `section` and the offending key.
pub fn parse_table<T: DeserializeOwned>(section: &str, table: &toml::Table) -> Result<T> {
    let v = toml::Value::Table(table.clone());
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let msg = msg.lines().next().unwrap_or("").trim().to_string();
        if path == "." || path.is_empty() {
            NnError::Config(format!("{section}: {msg}"))
        } else {
            NnError::Config(format!("{section}.{path}: {msg}"))
        }
    })
}

/// Image data of an image system (deep JSCC's `[data]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Training image folder (recursive; CIFAR-10 `train/` in the image-folder layout).
    pub train: PathBuf,
    /// Keep this many evenly spaced training images.
    #[serde(default)]
    pub train_limit: Option<usize>,
    /// Validation image folder (whole images, all the same size).
    #[serde(default)]
    pub val: Option<PathBuf>,
    /// Keep this many evenly spaced validation images.
    #[serde(default)]
    pub val_limit: Option<usize>,
    /// Random crop `[height, width]` (default: whole images).
    #[serde(default)]
    pub crop: Option<[usize; 2]>,
    /// Random horizontal flips.
    #[serde(default = "d_true")]
    pub flip: bool,
    /// Batch size.
    #[serde(default = "d_batch")]
    pub batch: usize,
}

/// Where results go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Run folder: `checkpoint.safetensors`, `log.csv`.
    pub dir: PathBuf,
    /// Final weights (model only, with metadata), written atomically at the end.
    #[serde(default)]
    pub export: Option<PathBuf>,
    /// Checkpoint every this many seconds (default 300).
    #[serde(default)]
    pub checkpoint_every_secs: Option<f64>,
    /// Checkpoint every this many steps.
    #[serde(default)]
    pub checkpoint_every_steps: Option<u64>,
    /// Validate and log every this many steps (default 1000).
    #[serde(default)]
    pub eval_every: Option<u64>,
}

/// A whole training configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Run name.
    pub name: String,
    /// Master seed (weights initialisation, data order, augmentation, noise).
    pub seed: u64,
    /// LibTorch intra-op threads.
    #[serde(default = "d_threads")]
    pub threads: i32,
    /// The system's model section: `kind` plus keys the system parses.
    pub model: toml::Table,
    /// The system's data section (parsed by the system).
    #[serde(default)]
    pub data: toml::Table,
    /// Training channel (for systems that train through one).
    #[serde(default)]
    pub channel: Option<ChannelSpec>,
    /// Output.
    pub output: OutputConfig,
    /// Stages, run in order.
    pub stages: Vec<Stage>,
}

/// What a system hands the engine: a [`Model`] that can also export its weights.
pub trait Trainable: Model {
    /// Writes the trained weights atomically with `meta` (run metadata).
    fn export(&self, path: &Path, meta: BTreeMap<String, String>) -> Result<()>;
    /// Metadata about the data and setup stored with the export (e.g. `train_images`).
    fn describe(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// What a system is built from.
pub struct BuildCtx<'a> {
    /// `[model]` without `kind`.
    pub model: &'a toml::Table,
    /// `[data]`.
    pub data: &'a toml::Table,
    /// `[channel]`.
    pub channel: Option<&'a ChannelSpec>,
    /// Device.
    pub device: tch::Device,
    /// Master seed (initialisation).
    pub seed: u64,
    /// Load the training data (false when only exporting a checkpoint).
    pub with_data: bool,
}

/// A trainable system, named by `[model] kind`.
pub trait System: Sync {
    /// The `kind` it answers to.
    fn kind(&self) -> &'static str;
    /// Parses its sections (rejecting unknown keys), validates them against its geometry and
    /// memory before allocating, and builds the model with its data.
    fn build(&self, ctx: &BuildCtx) -> Result<Box<dyn Trainable>>;
}

/// The systems of this crate (deep JSCC).
pub fn builtin_systems() -> Vec<&'static dyn System> {
    vec![&crate::deepjscc_train::DeepJsccSystem]
}

/// How `run` treats existing files.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunFlags {
    /// Continue from the run's checkpoint (which must exist).
    pub resume: bool,
    /// Replace an existing checkpoint, log and export.
    pub overwrite: bool,
    /// Show a progress bar.
    pub progress: bool,
}

impl TrainConfig {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        Ok(semcom_core::config::load_toml(path)?)
    }
    /// Checkpoint path of the run.
    pub fn checkpoint_path(&self) -> PathBuf {
        self.output.dir.join("checkpoint.safetensors")
    }
    /// Log path of the run.
    pub fn log_path(&self) -> PathBuf {
        self.output.dir.join("log.csv")
    }
    /// The `[model] kind`.
    pub fn kind(&self) -> Result<&str> {
        self.model
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or_else(|| {
                NnError::Config("model: missing `kind` (e.g. kind = \"deepjscc\")".into())
            })
    }

    /// Checks the engine's parts: threads, stages, output intervals.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_THREADS).contains(&self.threads) {
            return Err(NnError::Config(format!(
                "threads = {} not in 1..={MAX_THREADS}",
                self.threads
            )));
        }
        if self.stages.is_empty() || self.stages.iter().all(|s| s.steps == 0) {
            return Err(NnError::Config("no stage with steps".into()));
        }
        for s in &self.stages {
            s.validate()?;
        }
        if let Some(c) = &self.channel {
            c.validate()?;
        }
        if let Some(s) = self.output.checkpoint_every_secs {
            if !s.is_finite() || s < 0.0 {
                return Err(NnError::Config(format!(
                    "output.checkpoint_every_secs = {s} is not a finite number ≥ 0"
                )));
            }
        }
        Ok(())
    }

    fn build(
        &self,
        systems: &[&dyn System],
        device: tch::Device,
        with_data: bool,
    ) -> Result<Box<dyn Trainable>> {
        self.validate()?;
        let kind = self.kind()?;
        let sys = systems.iter().find(|s| s.kind() == kind).ok_or_else(|| {
            let known: Vec<&str> = systems.iter().map(|s| s.kind()).collect();
            NnError::Config(format!(
                "model.kind: unknown system '{kind}' (known: {})",
                known.join(", ")
            ))
        })?;
        let mut model = self.model.clone();
        model.remove("kind");
        sys.build(&BuildCtx {
            model: &model,
            data: &self.data,
            channel: self.channel.as_ref(),
            device,
            seed: self.seed,
            with_data,
        })
    }
}

fn refuse_existing(path: &Path, what: &str, hint: &str) -> Result<()> {
    if path.exists() {
        return Err(NnError::Config(format!(
            "{what} {} exists: {hint}",
            path.display()
        )));
    }
    Ok(())
}

/// Runs a training configuration on `device` with the `systems` it may name. Never destroys
/// work: an existing checkpoint needs `resume` (continue) or `overwrite` (start over); `resume`
/// without a checkpoint is an error; an existing export needs `overwrite`. Writes the export
/// weights at the end.
pub fn run(
    cfg: &TrainConfig,
    systems: &[&dyn System],
    device: tch::Device,
    flags: RunFlags,
) -> Result<TrainReport> {
    let ck = cfg.checkpoint_path();
    if flags.resume && !ck.exists() {
        return Err(NnError::Config(format!(
            "--resume: no checkpoint at {} (run without --resume to start)",
            ck.display()
        )));
    }
    if !flags.resume && !flags.overwrite {
        refuse_existing(
            &ck,
            "checkpoint",
            "pass --resume to continue it or --overwrite to start over",
        )?;
    }
    if let (Some(e), false) = (&cfg.output.export, flags.overwrite) {
        refuse_existing(e, "export", "pass --overwrite to replace it")?;
    }
    tch::set_num_threads(cfg.threads.clamp(1, MAX_THREADS));
    let mut model = cfg.build(systems, device, true)?;
    if flags.overwrite && !flags.resume {
        for p in [&ck, &cfg.log_path()] {
            if p.exists() {
                std::fs::remove_file(p).map_err(|e| NnError::io(p, e))?;
            }
        }
    }
    let opts = TrainOptions {
        seed: cfg.seed,
        checkpoint: Some(ck),
        checkpoint_every_steps: cfg.output.checkpoint_every_steps,
        checkpoint_every_secs: Some(cfg.output.checkpoint_every_secs.unwrap_or(300.0)),
        resume: flags.resume,
        log_csv: Some(cfg.log_path()),
        eval_every: cfg.output.eval_every.unwrap_or(1000),
        stop_at: None,
        max_seconds: None,
        progress: flags.progress,
        verbose: true,
    };
    let report = train::train(&mut *model, &cfg.stages, &opts)?;
    if let Some(p) = &cfg.output.export {
        export(
            cfg,
            &*model,
            p,
            report.step,
            report.elapsed_s,
            report.val_psnr,
        )?;
    }
    Ok(report)
}

fn export(
    cfg: &TrainConfig,
    model: &dyn Trainable,
    path: &Path,
    steps: u64,
    wall_s: f64,
    val_psnr: Option<f64>,
) -> Result<()> {
    let mut meta = train::run_metadata(&[
        ("run", cfg.name.clone()),
        ("train_steps", steps.to_string()),
        ("seed", cfg.seed.to_string()),
        ("wall_time_s", format!("{wall_s:.0}")),
        (
            "val_psnr_db",
            val_psnr.map_or(String::new(), |v| format!("{v:.3}")),
        ),
    ]);
    meta.extend(model.describe());
    model.export(path, meta)
}

/// Writes the export weights from the run's last checkpoint (e.g. after stopping a run early):
/// the steps and wall time recorded are those of the checkpoint. A checkpoint with non-finite
/// values is refused; an existing export needs `overwrite`. Returns the step.
pub fn export_checkpoint(
    cfg: &TrainConfig,
    systems: &[&dyn System],
    device: tch::Device,
    overwrite: bool,
) -> Result<u64> {
    let Some(p) = &cfg.output.export else {
        return Err(NnError::Config(
            "no output.export path in the config".into(),
        ));
    };
    if !overwrite {
        refuse_existing(p, "export", "pass --overwrite to replace it")?;
    }
    let model = cfg.build(systems, device, false)?;
    let ck = cfg.checkpoint_path();
    let meta = train::load_checkpoint_model(&ck, model.var_store())?;
    let num = |k: &str| {
        meta.get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    let step = num("step") as u64;
    export(cfg, &*model, p, step, num("elapsed_s"), None)?;
    Ok(step)
}
