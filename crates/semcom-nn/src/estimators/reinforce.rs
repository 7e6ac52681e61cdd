//! REINFORCE (Williams 1992) with a moving-average baseline: for actions a ~ π_θ with rewards
//! r, the surrogate loss −mean((r − b)·log π_θ(a)) has the gradient −E[(r − b)∇ log π_θ(a)],
//! an unbiased estimate of −∇E[r] for any b that does not depend on a; b = the moving average
//! of past rewards reduces its variance.

use tch::{nn, Kind, Tensor};

/// The REINFORCE surrogate loss −mean((r − b)·log π(a)): `log_prob` and `reward` have the same
/// shape (one entry per sampled action); the reward and the baseline carry no gradient.
pub fn reinforce_loss(log_prob: &Tensor, reward: &Tensor, baseline: f64) -> Tensor {
    let adv = (reward.detach() - baseline).to_kind(Kind::Float);
    -(log_prob * adv).mean(Kind::Float)
}

/// A moving-average reward baseline b ← β·b + (1 − β)·mean(r) (b = the first batch's mean at
/// the first update), kept as non-trainable variables `<path>.value` and `<path>.count` so
/// that checkpoints hold it.
#[derive(Debug)]
pub struct Baseline {
    value: Tensor,
    count: Tensor,
    decay: f64,
}

impl Baseline {
    /// A baseline under `path` with decay β ∈ [0, 1).
    pub fn new(path: &nn::Path, decay: f64) -> Self {
        Self {
            value: path.zeros_no_train("value", &[]),
            count: path.zeros_no_train("count", &[]),
            decay: decay.clamp(0.0, 0.999_999),
        }
    }
    /// The current baseline b.
    pub fn value(&self) -> f64 {
        self.value.double_value(&[])
    }
    /// Folds the mean of `reward` into b.
    pub fn update(&mut self, reward: &Tensor) {
        let r = reward.detach().to_kind(Kind::Float).mean(Kind::Float);
        let first = self.count.double_value(&[]) == 0.0;
        tch::no_grad(|| {
            let new = if first {
                r
            } else {
                &self.value * self.decay + r * (1.0 - self.decay)
            };
            self.value.copy_(&new);
            let _ = self.count.g_add_scalar_(1.0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_starts_at_the_first_mean_then_averages() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let mut b = Baseline::new(&vs.root(), 0.5);
        b.update(&Tensor::from_slice(&[1.0f32, 3.0]));
        assert_eq!(b.value(), 2.0);
        b.update(&Tensor::from_slice(&[6.0f32]));
        assert_eq!(b.value(), 4.0);
        assert!(vs.trainable_variables().is_empty());
    }

    #[test]
    fn the_loss_gradient_is_the_score_function_estimate() {
        // d/dθ of −mean((r − b) log π) for log π = θ (one action each) is −(r − b)/n.
        let theta = Tensor::from_slice(&[0.0f32, 0.0]).set_requires_grad(true);
        let r = Tensor::from_slice(&[1.0f32, 0.0]);
        reinforce_loss(&theta, &r, 0.25).backward();
        assert_eq!(
            Vec::<f32>::try_from(theta.grad()).unwrap(),
            vec![-0.375, 0.125]
        );
    }
}
