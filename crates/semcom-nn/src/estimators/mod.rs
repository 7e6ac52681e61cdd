//! Gradient estimators and codebook updates that systems build their steps from:
//!
//! * [`reinforce`]: the score-function (REINFORCE) loss with a moving-average baseline
//!   (Williams 1992), for discrete or non-differentiable decisions.
//! * [`straight_through`]: straight-through estimators (Bengio, Léonard & Courville 2013):
//!   the forward pass uses a hard value, the backward pass the identity.
//! * [`ema_codebook`]: a vector-quantisation codebook updated by exponential moving averages
//!   (van den Oord, Vinyals & Kavukcuoglu 2017, appendix A.1), with the commitment loss.
//!
//! State that must survive a checkpoint (baselines, codebooks) lives in the model's var store
//! as non-trainable variables.

pub mod ema_codebook;
pub mod reinforce;
pub mod straight_through;
