//! Deep JSCC as a system of the training engine: batches of an image set (epoch permutations,
//! random crops and flips), encoder → channel → decoder, one distortion term (`mse` or `l1`),
//! validation PSNR on whole images.
//!
//! Config: `[model] kind = "deepjscc"` plus [`DeepJsccConfig`]'s keys; `[data]` is
//! [`DataConfig`]; `[channel]` the training channel; a stage's `model` table may set
//! `loss = "l1"` and `channel = {..}` (see [`StageSettings`]).

use crate::channel::ChannelSpec;
use crate::config::{parse_table, BuildCtx, DataConfig, System, Trainable};
use crate::data::{list_images, Augment, ImageSet};
use crate::deepjscc::{DeepJscc, DeepJsccConfig, DOWNSAMPLING};
use crate::error::{NnError, Result};
use crate::train::{evaluate, Loss, Model, Stage, StepCtx, Terms};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use tch::nn;

/// Largest estimated training memory accepted before building a model (bytes): a 24 GB,
/// 2-core machine shared with other work.
pub const MAX_TRAIN_BYTES: u64 = 8 << 30;

/// Per-stage settings of deep JSCC (a stage's `model` table).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSettings {
    /// Distortion loss (default MSE).
    #[serde(default)]
    pub loss: Loss,
    /// Channel of this stage (default: the run's `[channel]`).
    #[serde(default)]
    pub channel: Option<ChannelSpec>,
}

/// Deep JSCC with its data: the engine's [`Model`].
pub struct DeepJsccTrainer {
    /// The network.
    pub model: DeepJscc,
    data: ImageSet,
    val: Option<ImageSet>,
    batch: usize,
    augment: Augment,
    channel: ChannelSpec,
    stage: StageSettings,
    order: (u64, Vec<usize>),
    train_images: usize,
}

impl DeepJsccTrainer {
    /// A trainer of `model` on `data` (validation on `val`, whole images) through `channel`.
    pub fn new(
        model: DeepJscc,
        data: ImageSet,
        val: Option<ImageSet>,
        batch: usize,
        augment: Augment,
        channel: ChannelSpec,
    ) -> Result<Self> {
        channel.validate()?;
        if batch == 0 {
            return Err(NnError::Config("batch must be ≥ 1".into()));
        }
        let train_images = data.len();
        Ok(Self {
            model,
            data,
            val,
            batch,
            augment,
            channel,
            stage: StageSettings::default(),
            order: (u64::MAX, Vec::new()),
            train_images,
        })
    }

    fn stage_channel(&self) -> &ChannelSpec {
        self.stage.channel.as_ref().unwrap_or(&self.channel)
    }
}

impl Model for DeepJsccTrainer {
    fn var_store(&self) -> &nn::VarStore {
        &self.model.vs
    }
    fn begin_stage(&mut self, stage: &Stage) -> Result<()> {
        let s: StageSettings = parse_table(&format!("stage '{}' model", stage.name), &stage.model)?;
        if let Some(c) = &s.channel {
            c.validate()?;
        }
        self.stage = s;
        Ok(())
    }
    fn step(&mut self, ctx: &mut StepCtx) -> Result<Terms> {
        if self.data.is_empty() {
            return Err(NnError::Config("no training data".into()));
        }
        let spe = (self.data.len() / self.batch).max(1) as u64;
        let epoch = ctx.step / spe;
        if epoch != self.order.0 {
            self.order = (epoch, self.data.epoch_order(ctx.seed, epoch));
        }
        let j = ((ctx.step % spe) as usize) * self.batch;
        let order = &self.order.1;
        let idx = &order[j..(j + self.batch).min(order.len())];
        let x = self
            .data
            .batch(idx, self.augment, ctx.rng)?
            .images
            .to_device(self.model.vs.device());
        let y = self.model.forward(&x, self.stage_channel());
        let name = match self.stage.loss {
            Loss::Mse => "mse",
            Loss::L1 => "l1",
        };
        Ok(Terms::one(name, self.stage.loss.compute(&y, &x)))
    }
    fn validate(&mut self, _stage: &Stage, seed: u64) -> Result<Vec<(String, f64)>> {
        let Some(v) = &self.val else {
            return Ok(Vec::new());
        };
        let p = evaluate(&self.model, v, self.stage_channel(), seed, 128)?;
        Ok(vec![(
            "val_psnr".into(),
            p.iter().sum::<f64>() / p.len().max(1) as f64,
        )])
    }
}

impl Trainable for DeepJsccTrainer {
    fn export(&self, path: &Path, meta: BTreeMap<String, String>) -> Result<()> {
        self.model.save(path, meta)
    }
    fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("train_images".into(), self.train_images.to_string()),
            ("batch".into(), self.batch.to_string()),
            (
                "train_channel".into(),
                serde_json::to_string(&self.channel).unwrap_or_default(),
            ),
        ]
    }
}

/// Estimated training memory (bytes) of `cfg` for batches of `batch` images of `h`×`w`:
/// weights with their gradient and two Adam moments, plus three float copies (output,
/// activation, gradient) of every layer's output.
pub fn memory_estimate(cfg: &DeepJsccConfig, batch: usize, h: usize, w: usize) -> u64 {
    let k2 = (cfg.kernel * cfg.kernel) as u64;
    let mut ch = vec![3u64];
    ch.extend(cfg.widths.iter().map(|&x| x.max(0) as u64));
    ch.push(cfg.c.max(0) as u64);
    let weights: u64 = ch.windows(2).map(|p| p[0] * p[1] * k2 + p[1]).sum::<u64>() * 2;
    let px = (h * w) as u64;
    let scale = [4u64, 16, 16, 16, 16];
    let acts: u64 = ch[1..]
        .iter()
        .zip(scale)
        .map(|(&c, s)| c * px / s)
        .sum::<u64>()
        * 2;
    (weights * 4 + acts * batch as u64 * 3) * 4
}

/// Checks the crop or whole-image size against the network (multiples of 4, at least 4) and
/// the memory estimate against [`MAX_TRAIN_BYTES`].
pub fn check_geometry(cfg: &DeepJsccConfig, batch: usize, h: usize, w: usize) -> Result<()> {
    let m = DOWNSAMPLING as usize;
    if h < m || w < m || !h.is_multiple_of(m) || !w.is_multiple_of(m) {
        return Err(NnError::Config(format!(
            "deep JSCC needs training images or crops whose sides are positive multiples of {m}, got {h}x{w}"
        )));
    }
    let bytes = memory_estimate(cfg, batch, h, w);
    if bytes > MAX_TRAIN_BYTES {
        return Err(NnError::Config(format!(
            "deep JSCC c = {}, widths {:?}, batch {batch} of {h}x{w} needs about {:.1} GB, above the {} GB limit",
            cfg.c,
            cfg.widths,
            bytes as f64 / 1e9,
            MAX_TRAIN_BYTES >> 30
        )));
    }
    Ok(())
}

/// The `deepjscc` system: builds a [`DeepJsccTrainer`] from a configuration.
pub struct DeepJsccSystem;

impl System for DeepJsccSystem {
    fn kind(&self) -> &'static str {
        "deepjscc"
    }
    fn build(&self, ctx: &BuildCtx) -> Result<Box<dyn Trainable>> {
        let mc: DeepJsccConfig = parse_table("model", ctx.model)?;
        mc.validate()?;
        let dc: DataConfig = parse_table("data", ctx.data)?;
        if dc.batch == 0 || dc.batch > 4096 {
            return Err(NnError::Config(format!(
                "data.batch = {} not in 1..=4096",
                dc.batch
            )));
        }
        if let Some([h, w]) = dc.crop {
            check_geometry(&mc, dc.batch, h, w)?;
        }
        let channel = ctx
            .channel
            .cloned()
            .ok_or_else(|| NnError::Config("deep JSCC needs a [channel]".into()))?;
        channel.validate()?;
        let (data, val, images) = if ctx.with_data {
            let data = ImageSet::load_folder(&dc.train, dc.train_limit)?;
            let val = match &dc.val {
                Some(v) => Some(ImageSet::load_folder(v, dc.val_limit)?),
                None => None,
            };
            for s in &data.samples {
                match dc.crop {
                    Some([h, w]) if s.height < h || s.width < w => {
                        return Err(NnError::Config(format!(
                            "crop {h}x{w} is larger than a training image of {}x{}",
                            s.height, s.width
                        )))
                    }
                    Some(_) => {}
                    None => check_geometry(&mc, dc.batch, s.height, s.width)?,
                }
            }
            for s in val.iter().flat_map(|v| &v.samples) {
                check_geometry(&mc, 128, s.height, s.width)?;
            }
            let n = data.len();
            (data, val, n)
        } else {
            let n = list_images(&dc.train).map(|v| v.len()).unwrap_or(0);
            (
                ImageSet::default(),
                None,
                dc.train_limit.map_or(n, |l| l.min(n)),
            )
        };
        tch::manual_seed(ctx.seed as i64);
        let model = DeepJscc::new(&mc, ctx.device)?;
        let mut t = DeepJsccTrainer::new(
            model,
            data,
            val,
            dc.batch,
            Augment {
                crop: dc.crop.map(|[h, w]| (h, w)),
                flip: dc.flip,
            },
            channel,
        )?;
        t.train_images = images;
        Ok(Box::new(t))
    }
}
