//! Differentiable channel layers with the conventions of `semcom-channel` and the chain:
//! reals are paired as (re, im) of consecutive values (`semcom_core::chain::reals_to_complex`),
//! unit average power per complex use, SNR = Es/N0 per complex use, complex noise variance
//! N0 = 10^(−SNR/10), i.e. N0/2 per real component.
//!
//! Inputs are `[B, 2k]` tensors (k complex uses per item, as [`crate::blocks::power_normalize`]
//! returns); outputs have the same shape. Random draws use LibTorch's generator (seed it with
//! `tch::manual_seed`), except [`awgn_from_rng`], which draws exactly like `semcom-channel`.

use crate::error::{NnError, Result};
use semcom_core::rng::SemRng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

/// A channel layer used in training and batched evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ChannelSpec {
    /// y = x.
    Noiseless,
    /// Complex AWGN: y = x + n, n ~ CN(0, N0). With `snr_db_max`, each item draws its SNR
    /// uniformly in [snr_db, snr_db_max].
    Awgn {
        /// Es/N0 in dB.
        snr_db: f64,
        /// Upper end of a uniform SNR range (training over SNRs).
        #[serde(default)]
        snr_db_max: Option<f64>,
    },
    /// Rayleigh fading with perfect CSI and zero-forcing equalisation: y = h·x + n, output y/h,
    /// h ~ CN(0, 1) per complex use, or one h per item (slow/block fading) when `block`.
    Rayleigh {
        /// Es/N0 in dB (average over the fading).
        snr_db: f64,
        /// Upper end of a uniform SNR range.
        #[serde(default)]
        snr_db_max: Option<f64>,
        /// One fading coefficient per item (slow fading) instead of one per symbol.
        #[serde(default)]
        block: bool,
    },
    /// Symbol erasure: each complex use is lost (received as 0) with probability `p`.
    Erasure {
        /// Erasure probability in [0, 1].
        p: f64,
    },
}

/// Complex noise variance N0 = 10^(−SNR/10) for unit signal power.
pub fn noise_var(snr_db: f64) -> f64 {
    10f64.powf(-snr_db / 10.0)
}

impl ChannelSpec {
    /// Checks finite SNRs and a probability in [0, 1].
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(NnError::Config(m));
        match *self {
            ChannelSpec::Noiseless => Ok(()),
            ChannelSpec::Awgn { snr_db, snr_db_max }
            | ChannelSpec::Rayleigh {
                snr_db, snr_db_max, ..
            } => {
                if !snr_db.is_finite() || snr_db_max.is_some_and(|m| !m.is_finite() || m < snr_db) {
                    return bad(format!("bad SNR {snr_db} .. {snr_db_max:?}"));
                }
                Ok(())
            }
            ChannelSpec::Erasure { p } if !(0.0..=1.0).contains(&p) => {
                bad(format!("erasure p = {p} not in [0,1]"))
            }
            ChannelSpec::Erasure { .. } => Ok(()),
        }
    }

    /// The same channel at another (fixed) SNR (erasure and noiseless are unchanged).
    pub fn at_snr(&self, snr: f64) -> Self {
        match *self {
            ChannelSpec::Awgn { .. } => ChannelSpec::Awgn {
                snr_db: snr,
                snr_db_max: None,
            },
            ChannelSpec::Rayleigh { block, .. } => ChannelSpec::Rayleigh {
                snr_db: snr,
                snr_db_max: None,
                block,
            },
            ref c => c.clone(),
        }
    }

    /// Per-item noise standard deviation per real component, `[B, 1]`.
    fn sigma(snr_db: f64, snr_db_max: Option<f64>, b: i64, like: &Tensor) -> Tensor {
        let opts = (Kind::Float, like.device());
        let snr = match snr_db_max {
            Some(hi) if hi > snr_db => Tensor::rand([b, 1], opts) * (hi - snr_db) + snr_db,
            _ => Tensor::full([b, 1], snr_db, opts),
        };
        // sqrt(N0/2) = sqrt(10^(-snr/10) / 2)
        (snr * (-std::f64::consts::LN_10 / 10.0)).exp().sqrt() * std::f64::consts::FRAC_1_SQRT_2
    }

    /// Applies the channel to `x` of shape `[B, 2k]` (differentiable with respect to `x`).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let b = x.size()[0];
        match *self {
            ChannelSpec::Noiseless => x.shallow_clone(),
            ChannelSpec::Awgn { snr_db, snr_db_max } => {
                x + x.randn_like() * Self::sigma(snr_db, snr_db_max, b, x)
            }
            ChannelSpec::Rayleigh {
                snr_db,
                snr_db_max,
                block,
            } => {
                let xc = x.reshape([b, -1, 2]);
                let k = xc.size()[1];
                let hshape = if block { [b, 1, 2] } else { [b, k, 2] };
                let h = Tensor::randn(hshape, (Kind::Float, x.device()))
                    * std::f64::consts::FRAC_1_SQRT_2;
                let h = h.expand([b, k, 2], false);
                let n = xc.randn_like() * Self::sigma(snr_db, snr_db_max, b, x).unsqueeze(2);
                // y = h·x + n, x̂ = y/h = x + n·conj(h)/|h|²
                let (hr, hi) = (h.select(2, 0), h.select(2, 1));
                let (nr, ni) = (n.select(2, 0), n.select(2, 1));
                let mag = (&hr * &hr + &hi * &hi).clamp_min(1e-12);
                let er = (&nr * &hr + &ni * &hi) / &mag;
                let ei = (&ni * &hr - &nr * &hi) / &mag;
                (xc + Tensor::stack(&[er, ei], 2)).reshape([b, -1])
            }
            ChannelSpec::Erasure { p } => {
                let xc = x.reshape([b, -1, 2]);
                let keep = Tensor::rand([b, xc.size()[1], 1], (Kind::Float, x.device()))
                    .ge(p)
                    .to_kind(Kind::Float);
                (xc * keep).reshape([b, -1])
            }
        }
    }
}

/// AWGN drawn from a [`SemRng`] exactly as `semcom_channel::Awgn` draws it for the symbols of
/// `x` (all items of the batch read as one sequence of complex uses, re/im pairs in order):
/// the same generator state gives the same noise as the simulation path. Not differentiable
/// with respect to the noise.
pub fn awgn_from_rng(x: &Tensor, snr_db: f64, rng: &mut SemRng) -> Result<Tensor> {
    let n = x.numel();
    let noise = semcom_channel::awgn::awgn_noise(n.div_ceil(2), snr_db, rng)?;
    let reals = semcom_core::chain::complex_to_reals(&noise, n);
    let noise = Tensor::from_slice(&reals)
        .to_device(x.device())
        .reshape(x.size());
    Ok(x + noise)
}
