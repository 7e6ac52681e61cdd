//! Optimisers and learning-rate schedules, written on LibTorch tensors so that their whole
//! state can be checkpointed and restored exactly.
//!
//! * Adam (Kingma & Ba 2015, Algorithm 1, with PyTorch's bias-correction form and optional
//!   L2 weight decay added to the gradient).
//! * SGD with (heavy-ball) momentum, PyTorch convention: b ← μ·b + g, θ ← θ − lr·b.

use crate::error::{NnError, Result};
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Which optimiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimKind {
    /// Adam.
    Adam,
    /// SGD with momentum.
    Sgd,
}

fn d_beta1() -> f64 {
    0.9
}
fn d_beta2() -> f64 {
    0.999
}
fn d_eps() -> f64 {
    1e-8
}

/// Optimiser settings (TOML: `optimizer = { kind = "adam", lr = 1e-3 }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimSpec {
    /// Adam or SGD.
    pub kind: OptimKind,
    /// Base learning rate.
    pub lr: f64,
    /// SGD momentum μ.
    #[serde(default)]
    pub momentum: f64,
    /// L2 weight decay added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
    /// Adam β1.
    #[serde(default = "d_beta1")]
    pub beta1: f64,
    /// Adam β2.
    #[serde(default = "d_beta2")]
    pub beta2: f64,
    /// Adam ε.
    #[serde(default = "d_eps")]
    pub eps: f64,
}

impl OptimSpec {
    /// Adam with the default betas at learning rate `lr`.
    pub fn adam(lr: f64) -> Self {
        Self {
            kind: OptimKind::Adam,
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
    /// SGD with momentum `momentum` at learning rate `lr`.
    pub fn sgd(lr: f64, momentum: f64) -> Self {
        Self {
            kind: OptimKind::Sgd,
            momentum,
            ..Self::adam(lr)
        }
    }
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        let ok = self.lr > 0.0
            && self.lr.is_finite()
            && (0.0..1.0).contains(&self.momentum)
            && (0.0..1.0).contains(&self.beta1)
            && (0.0..1.0).contains(&self.beta2)
            && self.eps > 0.0
            && self.weight_decay >= 0.0;
        if ok {
            Ok(())
        } else {
            Err(NnError::Config(format!("bad optimizer settings {self:?}")))
        }
    }
}

/// Learning-rate schedule within a stage (TOML: `schedule = { kind = "cosine", min_lr = 1e-5 }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Schedule {
    /// lr = base.
    #[default]
    Constant,
    /// lr = base · γ^⌊t/every⌋.
    Step {
        /// Period in steps.
        every: u64,
        /// Factor.
        gamma: f64,
    },
    /// lr = base · γ^(number of milestones ≤ t).
    Multistep {
        /// Steps (within the stage) at which the rate is multiplied by γ.
        milestones: Vec<u64>,
        /// Factor.
        gamma: f64,
    },
    /// Linear warm-up over `warmup` steps, then cosine decay to `min_lr` at the stage's end
    /// (Loshchilov & Hutter 2017, without restarts).
    Cosine {
        /// Final learning rate.
        min_lr: f64,
        /// Warm-up steps.
        #[serde(default)]
        warmup: u64,
    },
    /// Linear warm-up over `warmup` steps, then linear decay to `final_lr` at the stage's end
    /// (the GAN schedule of pix2pix / CycleGAN).
    Linear {
        /// Final learning rate.
        final_lr: f64,
        /// Warm-up steps.
        #[serde(default)]
        warmup: u64,
    },
}

impl Schedule {
    /// Learning rate at step `t` of a stage of `len` steps with base rate `base`.
    pub fn lr(&self, base: f64, t: u64, len: u64) -> f64 {
        match self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * gamma.powi((t / (*every).max(1)) as i32),
            Schedule::Multistep { milestones, gamma } => {
                base * gamma.powi(milestones.iter().filter(|&&m| m <= t).count() as i32)
            }
            Schedule::Cosine { min_lr, warmup } => match warm(base, t, *warmup, len) {
                Ok(lr) => lr,
                Err(p) => min_lr + 0.5 * (base - min_lr) * (1.0 + (std::f64::consts::PI * p).cos()),
            },
            Schedule::Linear { final_lr, warmup } => match warm(base, t, *warmup, len) {
                Ok(lr) => lr,
                Err(p) => base + (final_lr - base) * p,
            },
        }
    }

    /// Checks the parameters (finite, non-negative rates, positive periods and factors).
    pub fn validate(&self) -> Result<()> {
        let ok = match self {
            Schedule::Constant => true,
            Schedule::Step { every, gamma } => *every > 0 && gamma.is_finite() && *gamma > 0.0,
            Schedule::Multistep { gamma, .. } => gamma.is_finite() && *gamma > 0.0,
            Schedule::Cosine { min_lr: r, .. } | Schedule::Linear { final_lr: r, .. } => {
                r.is_finite() && *r >= 0.0
            }
        };
        if ok {
            Ok(())
        } else {
            Err(NnError::Config(format!("bad schedule {self:?}")))
        }
    }
}

/// Warm-up: `Ok(lr)` during the first `warmup` steps (linear from base/warmup to base), else
/// `Err(p)` with the progress p ∈ [0, 1] through the rest of a stage of `len` steps.
fn warm(base: f64, t: u64, warmup: u64, len: u64) -> std::result::Result<f64, f64> {
    if t < warmup {
        return Ok(base * (t + 1) as f64 / warmup as f64);
    }
    let span = len.saturating_sub(warmup).max(1) as f64;
    Err(((t - warmup) as f64 / span).min(1.0))
}

/// An optimiser over named parameters with checkpointable state.
pub struct Optimizer {
    spec: OptimSpec,
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i64,
}

impl Optimizer {
    /// An optimiser over `params` (name, tensor), zero state.
    pub fn new(spec: &OptimSpec, params: Vec<(String, Tensor)>) -> Self {
        let zeros =
            |p: &[(String, Tensor)]| p.iter().map(|(_, t)| t.zeros_like()).collect::<Vec<_>>();
        let m = zeros(&params);
        let v = if spec.kind == OptimKind::Adam {
            zeros(&params)
        } else {
            Vec::new()
        };
        Self {
            spec: spec.clone(),
            params,
            m,
            v,
            t: 0,
        }
    }

    /// Clears the gradients of the parameters.
    pub fn zero_grad(&mut self) {
        for (_, p) in self.params.iter_mut() {
            p.zero_grad();
        }
    }

    /// One update with learning rate `lr` from the gradients in place.
    pub fn step(&mut self, lr: f64) {
        self.t += 1;
        let s = &self.spec;
        let t = self.t as i32;
        tch::no_grad(|| {
            for (i, (_, p)) in self.params.iter_mut().enumerate() {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let g = if s.weight_decay > 0.0 {
                    &g + &*p * s.weight_decay
                } else {
                    g
                };
                match s.kind {
                    OptimKind::Adam => {
                        let m = &mut self.m[i];
                        let _ = m.g_mul_scalar_(s.beta1).g_add_(&(&g * (1.0 - s.beta1)));
                        let v = &mut self.v[i];
                        let _ = v
                            .g_mul_scalar_(s.beta2)
                            .g_add_(&(g.square() * (1.0 - s.beta2)));
                        let bc1 = 1.0 - s.beta1.powi(t);
                        let bc2 = 1.0 - s.beta2.powi(t);
                        let denom = v.sqrt() / bc2.sqrt() + s.eps;
                        let _ = p.g_sub_(&(&*m / denom * (lr / bc1)));
                    }
                    OptimKind::Sgd => {
                        let b = &mut self.m[i];
                        if s.momentum > 0.0 {
                            if t == 1 {
                                b.copy_(&g);
                            } else {
                                let _ = b.g_mul_scalar_(s.momentum).g_add_(&g);
                            }
                            let _ = p.g_sub_(&(&*b * lr));
                        } else {
                            let _ = p.g_sub_(&(g * lr));
                        }
                    }
                }
            }
        });
    }

    /// Number of updates done.
    pub fn steps_done(&self) -> i64 {
        self.t
    }

    /// The state tensors, named `m.<param>` and `v.<param>`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (i, (n, _)) in self.params.iter().enumerate() {
            out.push((format!("m.{n}"), self.m[i].shallow_clone()));
            if let Some(v) = self.v.get(i) {
                out.push((format!("v.{n}"), v.shallow_clone()));
            }
        }
        out
    }

    /// Restores the update counter (the state tensors are copied in through [`Self::state`]).
    pub fn set_steps_done(&mut self, t: i64) {
        self.t = t;
    }
}
