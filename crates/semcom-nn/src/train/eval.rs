//! Image evaluation through a channel: per-image PSNR of a channel autoencoder over an image
//! set (batched, seeded), summaries with 95 % confidence intervals, and distortion losses.

use crate::channel::ChannelSpec;
use crate::data::ImageSet;
use crate::error::Result;
use semcom_core::rng::derive_seed;
use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

/// A model that maps a source batch `[B, 3, H, W]` through a channel to a reconstruction of
/// the same shape (deep JSCC and its relatives), evaluated by [`evaluate`].
pub trait ChannelAutoencoder {
    /// The variables (their device is the evaluation device).
    fn var_store(&self) -> &nn::VarStore;
    /// Source batch → reconstruction through `channel`.
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
pub fn evaluate<M: ChannelAutoencoder + ?Sized>(
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
pub fn evaluate_snrs<M: ChannelAutoencoder + ?Sized>(
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
