//! Straight-through estimators (Bengio, Léonard & Courville 2013): the forward value is a hard
//! (non-differentiable) function of x, the gradient passes to x as if it were the identity.

use tch::{Kind, Tensor};

/// `x + (hard − x).detach()`: forward value `hard`, gradient ∂/∂x = identity.
pub fn straight_through(x: &Tensor, hard: &Tensor) -> Tensor {
    x + (hard - x).detach()
}

/// Rounding to the nearest integer with a straight-through gradient (scalar quantisation).
pub fn round_ste(x: &Tensor) -> Tensor {
    straight_through(x, &x.round())
}

/// Sign (±1, sign(0) = +1) with a straight-through gradient (binarisation).
pub fn sign_ste(x: &Tensor) -> Tensor {
    let hard = x.ge(0.0).to_kind(Kind::Float) * 2.0 - 1.0;
    straight_through(x, &hard)
}

/// One-hot of the arg-max of `logits` along the last dimension, with the gradient of the
/// softmax (the straight-through categorical estimator).
pub fn one_hot_ste(logits: &Tensor) -> Tensor {
    let soft = logits.softmax(-1, Kind::Float);
    let n = *logits.size().last().unwrap_or(&1);
    let hard = logits.argmax(-1, false).one_hot(n).to_kind(Kind::Float);
    straight_through(&soft, &hard)
}
