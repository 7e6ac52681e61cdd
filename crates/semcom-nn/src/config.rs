//! The TOML training configuration behind `semcom train CONFIG.toml` (see `docs/neural.md`).
//! Relative paths are relative to the working directory (run from the repository root).

use crate::channel::ChannelSpec;
use crate::data::{Augment, ImageSet};
use crate::deepjscc::{DeepJscc, DeepJsccConfig};
use crate::error::{NnError, Result};
use crate::train::{self, Stage, TrainOptions, TrainReport};
use serde::{Deserialize, Serialize};
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

/// Which model to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ModelConfig {
    /// Deep JSCC (Bourtsoulatze et al. 2019).
    Deepjscc(DeepJsccConfig),
}

/// Training and validation data.
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
    /// Model.
    pub model: ModelConfig,
    /// Data.
    pub data: DataConfig,
    /// Training channel.
    pub channel: ChannelSpec,
    /// Output.
    pub output: OutputConfig,
    /// Stages, run in order.
    pub stages: Vec<Stage>,
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
}

/// Runs a training configuration on `device`; resumes from the run's checkpoint when `resume`.
/// Writes the export weights at the end.
pub fn run(
    cfg: &TrainConfig,
    device: tch::Device,
    resume: bool,
    progress: bool,
) -> Result<TrainReport> {
    if cfg.threads < 1 {
        return Err(NnError::Config("threads must be ≥ 1".into()));
    }
    tch::set_num_threads(cfg.threads);
    let data = ImageSet::load_folder(&cfg.data.train, cfg.data.train_limit)?;
    let val = match &cfg.data.val {
        Some(v) => Some(ImageSet::load_folder(v, cfg.data.val_limit)?),
        None => None,
    };
    let opts = TrainOptions {
        seed: cfg.seed,
        batch: cfg.data.batch,
        augment: Augment {
            crop: cfg.data.crop.map(|[h, w]| (h, w)),
            flip: cfg.data.flip,
        },
        channel: cfg.channel.clone(),
        checkpoint: Some(cfg.checkpoint_path()),
        checkpoint_every_steps: cfg.output.checkpoint_every_steps,
        checkpoint_every_secs: Some(cfg.output.checkpoint_every_secs.unwrap_or(300.0)),
        resume,
        log_csv: Some(cfg.output.dir.join("log.csv")),
        eval_every: cfg.output.eval_every.unwrap_or(1000),
        stop_at: None,
        progress,
        verbose: true,
    };
    let ModelConfig::Deepjscc(mc) = &cfg.model;
    tch::manual_seed(cfg.seed as i64);
    let model = DeepJscc::new(mc, device)?;
    let report = train::train(&model, &cfg.stages, &data, val.as_ref(), &opts)?;
    if let Some(p) = &cfg.output.export {
        export(
            cfg,
            &model,
            report.step,
            report.elapsed_s,
            report.val_psnr,
            data.len(),
        )?;
        let _ = p;
    }
    Ok(report)
}

fn export(
    cfg: &TrainConfig,
    model: &DeepJscc,
    steps: u64,
    wall_s: f64,
    val_psnr: Option<f64>,
    images: usize,
) -> Result<()> {
    let Some(p) = &cfg.output.export else {
        return Err(NnError::Config(
            "no output.export path in the config".into(),
        ));
    };
    let meta = train::run_metadata(&[
        ("run", cfg.name.clone()),
        (
            "train_channel",
            serde_json::to_string(&cfg.channel).unwrap_or_default(),
        ),
        ("train_steps", steps.to_string()),
        ("train_images", images.to_string()),
        ("batch", cfg.data.batch.to_string()),
        ("seed", cfg.seed.to_string()),
        ("wall_time_s", format!("{wall_s:.0}")),
        (
            "val_psnr_db",
            val_psnr.map_or(String::new(), |v| format!("{v:.3}")),
        ),
    ]);
    model.save(p, meta)
}

/// Writes the export weights from the run's last checkpoint (e.g. after stopping a run early):
/// the steps and wall time recorded are those of the checkpoint. Returns the step.
pub fn export_checkpoint(cfg: &TrainConfig, device: tch::Device) -> Result<u64> {
    let ModelConfig::Deepjscc(mc) = &cfg.model;
    let model = DeepJscc::new(mc, device)?;
    let ck = cfg.checkpoint_path();
    let f = crate::st::read(&ck)?;
    crate::checkpoint::copy_validated(
        &f,
        "model.",
        &crate::checkpoint::sorted_vars(&model.vs),
        &ck,
    )?;
    let num = |k: &str| {
        f.metadata
            .get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let step = num("step") as u64;
    let images = crate::data::list_images(&cfg.data.train)
        .map(|v| v.len())
        .unwrap_or(0);
    let images = cfg.data.train_limit.map_or(images, |l| l.min(images));
    export(cfg, &model, step, num("elapsed_s"), None, images)?;
    Ok(step)
}
