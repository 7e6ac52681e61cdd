//! Training checkpoints: `model.<var>` (every variable, buffers included),
//! `optim.<optimiser>.{m,v}.<var>` (each optimiser of the current stage) and metadata
//! `format`, `step`, `stage`, `seed`, `elapsed_s`, `optim_t.<optimiser>`. Checkpoints of the
//! single-optimiser format 1 (`optim.{m,v}.<var>`, `optim_t`) resume into a stage with one
//! optimiser.

use super::{StageOptimizer, CKPT_FORMAT};
use crate::checkpoint::{add_tensors, copy_validated};
use crate::error::{NnError, Result};
use crate::optim::Optimizer;
use crate::st::{self, StFile};
use std::path::Path;
use tch::Tensor;

/// The previous, single-optimiser checkpoint format (still resumable).
const CKPT_FORMAT_1: &str = "semcom-nn-checkpoint-1";

/// Scalars of a checkpoint.
pub(super) struct State {
    pub step: u64,
    pub stage: usize,
    pub seed: u64,
    pub elapsed: f64,
}

/// A loaded checkpoint: its scalars and the file (for the optimiser states).
pub(super) struct Loaded {
    pub step: u64,
    pub stage: usize,
    pub elapsed: f64,
    file: StFile,
    v1: bool,
}

/// Writes a checkpoint atomically.
pub(super) fn save(
    path: &Path,
    vars: &[(String, Tensor)],
    optims: &[(StageOptimizer, Optimizer)],
    s: &State,
) -> Result<()> {
    let mut f = StFile::default();
    add_tensors(&mut f, "model.", vars)?;
    for (o, opt) in optims {
        add_tensors(&mut f, &format!("optim.{}.", o.name()), &opt.state())?;
        f.metadata.insert(
            format!("optim_t.{}", o.name()),
            opt.steps_done().to_string(),
        );
    }
    let m = &mut f.metadata;
    m.insert("format".into(), CKPT_FORMAT.into());
    m.insert("step".into(), s.step.to_string());
    m.insert("stage".into(), s.stage.to_string());
    m.insert("seed".into(), s.seed.to_string());
    m.insert("elapsed_s".into(), format!("{:.3}", s.elapsed));
    st::write(path, &f)
}

/// Reads a checkpoint's model variables into `vars` (any seed); returns its metadata.
pub(super) fn load_model(
    path: &Path,
    vars: &[(String, Tensor)],
) -> Result<std::collections::BTreeMap<String, String>> {
    let f = st::read(path)?;
    let format = f.metadata.get("format").map(String::as_str);
    if format != Some(CKPT_FORMAT) && format != Some(CKPT_FORMAT_1) {
        return Err(NnError::ckpt(path, format!("not a {CKPT_FORMAT} file")));
    }
    copy_validated(&f, "model.", vars, path)?;
    Ok(f.metadata)
}

/// Reads a checkpoint, checks its seed against `seed` and copies the model variables in.
pub(super) fn load(path: &Path, vars: &[(String, Tensor)], seed: u64) -> Result<Loaded> {
    let f = st::read(path)?;
    let format = f.metadata.get("format").map(String::as_str);
    let v1 = format == Some(CKPT_FORMAT_1);
    if format != Some(CKPT_FORMAT) && !v1 {
        return Err(NnError::ckpt(path, format!("not a {CKPT_FORMAT} file")));
    }
    let get = |k: &str| {
        f.metadata
            .get(k)
            .ok_or_else(|| NnError::ckpt(path, format!("no '{k}' in the metadata")))
    };
    let bad = |k: &str| NnError::ckpt(path, format!("bad '{k}'"));
    if !v1 {
        let s: u64 = get("seed")?.parse().map_err(|_| bad("seed"))?;
        if s != seed {
            return Err(NnError::ckpt(
                path,
                format!("was written with seed {s}, this run has seed {seed}"),
            ));
        }
    }
    let elapsed: f64 = get("elapsed_s")?.parse().map_err(|_| bad("elapsed_s"))?;
    let out = Loaded {
        step: get("step")?.parse().map_err(|_| bad("step"))?,
        stage: get("stage")?.parse().map_err(|_| bad("stage"))?,
        elapsed: if elapsed.is_finite() && elapsed >= 0.0 {
            elapsed
        } else {
            return Err(bad("elapsed_s"));
        },
        file: f,
        v1,
    };
    copy_validated(&out.file, "model.", vars, path)?;
    Ok(out)
}

/// Copies the optimiser states of a checkpoint into the current stage's optimisers.
pub(super) fn restore_optimizers(
    c: &Loaded,
    optims: &mut [(StageOptimizer, Optimizer)],
    path: &Path,
) -> Result<()> {
    if c.v1 && optims.len() != 1 {
        return Err(NnError::ckpt(
            path,
            "a single-optimizer (format 1) checkpoint cannot resume a stage with several optimizers",
        ));
    }
    for (o, opt) in optims.iter_mut() {
        let (prefix, tkey) = if c.v1 {
            ("optim.".to_string(), "optim_t".to_string())
        } else {
            (
                format!("optim.{}.", o.name()),
                format!("optim_t.{}", o.name()),
            )
        };
        let t: i64 = c
            .file
            .metadata
            .get(&tkey)
            .and_then(|v| v.parse().ok())
            .filter(|&t| t >= 0)
            .ok_or_else(|| NnError::ckpt(path, format!("no valid '{tkey}' in the metadata")))?;
        copy_validated(&c.file, &prefix, &opt.state(), path)?;
        opt.set_steps_done(t);
    }
    Ok(())
}
