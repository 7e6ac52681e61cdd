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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_is_hard_and_gradient_is_identity() {
        let mut x = Tensor::from_slice(&[-1.4f32, -0.2, 0.0, 0.6, 2.5]).set_requires_grad(true);
        let w = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0]);
        for (y, want) in [
            (round_ste(&x), vec![-1.0f32, 0.0, 0.0, 1.0, 2.0]),
            (sign_ste(&x), vec![-1.0, -1.0, 1.0, 1.0, 1.0]),
        ] {
            assert_eq!(Vec::<f32>::try_from(&y).unwrap(), want);
            x.zero_grad();
            (&y * &w).sum(Kind::Float).backward();
            assert_eq!(
                Vec::<f32>::try_from(x.grad()).unwrap(),
                vec![1.0, 2.0, 3.0, 4.0, 5.0]
            );
        }
    }

    #[test]
    fn one_hot_forward_with_the_softmax_gradient() {
        let l = Tensor::from_slice(&[0.1f32, 2.0, -1.0]).set_requires_grad(true);
        let y = one_hot_ste(&l);
        assert_eq!(Vec::<f32>::try_from(&y).unwrap(), vec![0.0, 1.0, 0.0]);
        let w = Tensor::from_slice(&[1.0f32, -1.0, 0.5]);
        (&y * &w).sum(Kind::Float).backward();
        let l2 = l.detach().set_requires_grad(true);
        (l2.softmax(-1, Kind::Float) * &w)
            .sum(Kind::Float)
            .backward();
        let (g, g2) = (l.grad(), l2.grad());
        assert!((g - g2).abs().max().double_value(&[]) < 1e-7);
    }
}
