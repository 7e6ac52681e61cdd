//! Stages of a training run: how many steps, which optimisers (each over a named parameter
//! group, with its own learning rate, schedule and update period), which variables are frozen,
//! the weights of the model's named loss terms, and model-specific settings.
//!
//! TOML, one optimiser over every variable (the shorthand):
//! ```toml
//! [[stages]]
//! steps = 1000
//! optimizer = { kind = "adam", lr = 1e-3 }
//! schedule = { kind = "cosine", min_lr = 1e-5 }
//! ```
//! Several optimisers (a GAN: the discriminator then the generator, every step):
//! ```toml
//! [[stages]]
//! steps = 5000
//! freeze = ["enc.stem."]
//! loss_weights = { adv = 0.01, mse = 1.0 }
//! model = { channel = { kind = "awgn", snr_db = 5.0 } }
//! [[stages.optimizers]]
//! group = "discriminator"
//! optimizer = { kind = "adam", lr = 4e-4, beta1 = 0.5 }
//! [[stages.optimizers]]
//! group = "generator"
//! optimizer = { kind = "adam", lr = 1e-4, beta1 = 0.5 }
//! schedule = { kind = "linear", final_lr = 0.0 }
//! ```

use crate::error::{NnError, Result};
use crate::optim::{OptimSpec, Schedule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parameter group every model has: all trainable variables.
pub const ALL: &str = "all";

fn d_all() -> String {
    ALL.into()
}
fn d_every() -> u64 {
    1
}

/// One optimiser of a stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageOptimizer {
    /// Name in logs and checkpoints (default: the group's name).
    #[serde(default)]
    pub name: Option<String>,
    /// Parameter group it updates ([`ALL`] or one of the model's groups).
    #[serde(default = "d_all")]
    pub group: String,
    /// Optimiser and base learning rate.
    pub optimizer: OptimSpec,
    /// Learning-rate schedule over the stage.
    #[serde(default)]
    pub schedule: Schedule,
    /// Update every this many steps of the stage (e.g. 5 discriminator steps per generator step
    /// is `every = 5` on the generator).
    #[serde(default = "d_every")]
    pub every: u64,
}

impl StageOptimizer {
    /// The name used in logs and checkpoints.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.group)
    }
}

/// One training stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Name (for logs).
    #[serde(default)]
    pub name: String,
    /// Number of steps.
    pub steps: u64,
    /// Shorthand: one optimiser named `main` over every variable (with `schedule`).
    #[serde(default)]
    pub optimizer: Option<OptimSpec>,
    /// Schedule of the shorthand optimiser.
    #[serde(default)]
    pub schedule: Schedule,
    /// Optimisers, run in this order within each step (each on its own forward pass).
    #[serde(default)]
    pub optimizers: Vec<StageOptimizer>,
    /// Variable name prefixes frozen in this stage (e.g. `["enc."]`).
    #[serde(default)]
    pub freeze: Vec<String>,
    /// Weight of each named loss term the model returns (a term not listed weighs 1; weight 0
    /// logs the term without training on it).
    #[serde(default)]
    pub loss_weights: BTreeMap<String, f64>,
    /// Model-specific settings of this stage (a table the model parses; unknown keys are its
    /// errors).
    #[serde(default)]
    pub model: toml::Table,
}

impl Stage {
    /// A stage of `steps` with one Adam/SGD optimiser over every variable.
    pub fn simple(name: &str, steps: u64, optimizer: OptimSpec, schedule: Schedule) -> Self {
        Self {
            name: name.into(),
            steps,
            optimizer: Some(optimizer),
            schedule,
            optimizers: Vec::new(),
            freeze: Vec::new(),
            loss_weights: BTreeMap::new(),
            model: toml::Table::new(),
        }
    }

    /// The optimisers of the stage (the shorthand as one optimiser named `main` over [`ALL`]).
    pub fn optimizer_list(&self) -> Vec<StageOptimizer> {
        let mut v = Vec::new();
        if let Some(o) = &self.optimizer {
            v.push(StageOptimizer {
                name: Some("main".into()),
                group: ALL.into(),
                optimizer: o.clone(),
                schedule: self.schedule.clone(),
                every: 1,
            });
        }
        v.extend(self.optimizers.iter().cloned());
        v
    }

    /// The weight of loss term `name`.
    pub fn weight(&self, name: &str) -> f64 {
        self.loss_weights.get(name).copied().unwrap_or(1.0)
    }

    /// Checks the stage on its own (groups are checked against the model by the engine).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(NnError::Config(format!("stage '{}': {m}", self.name)));
        let opts = self.optimizer_list();
        if opts.is_empty() {
            return bad("no optimizer (set `optimizer` or `[[stages.optimizers]]`)".into());
        }
        let mut names: Vec<&str> = opts.iter().map(|o| o.name()).collect();
        names.sort();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return bad("two optimizers with the same name (set `name`)".into());
        }
        for o in &opts {
            o.optimizer.validate()?;
            o.schedule.validate()?;
            if o.every == 0 {
                return bad(format!("optimizer '{}': every = 0", o.name()));
            }
            if o.name().contains(['.', ',']) {
                return bad(format!("optimizer name '{}' has '.' or ','", o.name()));
            }
        }
        if let Some((k, w)) = self.loss_weights.iter().find(|(_, w)| !w.is_finite()) {
            return bad(format!("loss weight {k} = {w} is not finite"));
        }
        Ok(())
    }
}
