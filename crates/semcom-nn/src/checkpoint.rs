//! Weights and checkpoints in safetensors: names and shapes are validated against the model
//! before anything is copied, so a corrupt, truncated or mismatched file is a clear
//! [`NnError::Checkpoint`]. Writes are atomic (write to a temporary file, then rename).

use crate::error::{NnError, Result};
use crate::st::{self, StFile};
use std::collections::BTreeMap;
use std::path::Path;
use tch::{nn, Tensor};

/// The variables of a var store, sorted by name (a deterministic order).
pub fn sorted_vars(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Adds the tensors `vars` to `file` under `prefix` (e.g. `model.`).
pub fn add_tensors(file: &mut StFile, prefix: &str, vars: &[(String, Tensor)]) -> Result<()> {
    for (name, t) in vars {
        file.tensors
            .insert(format!("{prefix}{name}"), st::raw_of(t)?);
    }
    Ok(())
}

/// Whether little-endian f32 bytes hold only finite values.
pub fn all_finite_f32(bytes: &[u8]) -> bool {
    bytes
        .chunks_exact(4)
        .all(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_finite())
}

/// Copies the tensors `<prefix><name>` of `file` into `targets` after checking that every
/// target is present with the same shape and only finite values, and that the file holds no
/// other `<prefix>` tensor.
pub fn copy_validated(
    file: &StFile,
    prefix: &str,
    targets: &[(String, Tensor)],
    path: &Path,
) -> Result<()> {
    let mut problems = Vec::new();
    for (name, t) in targets {
        match file.tensors.get(&format!("{prefix}{name}")) {
            None => problems.push(format!("missing '{name}'")),
            Some(r) if r.shape != t.size() => problems.push(format!(
                "'{name}' has shape {:?}, model expects {:?}",
                r.shape,
                t.size()
            )),
            Some(r) if r.dtype != "F32" => {
                problems.push(format!("'{name}' has dtype {}, expected F32", r.dtype))
            }
            Some(r) if !all_finite_f32(&r.data) => {
                problems.push(format!("'{name}' has non-finite values (NaN or ±inf)"))
            }
            Some(_) => {}
        }
    }
    let known: std::collections::HashSet<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    for name in file.tensors.keys().filter_map(|k| k.strip_prefix(prefix)) {
        if !known.contains(name) {
            problems.push(format!("unexpected '{name}'"));
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(4);
        return Err(NnError::ckpt(
            path,
            format!(
                "does not match the model ({n} problems): {}",
                problems.join("; ")
            ),
        ));
    }
    tch::no_grad(|| -> Result<()> {
        for (name, t) in targets {
            let src = file.tensors[&format!("{prefix}{name}")]
                .to_tensor()
                .f_to_device(t.device())?;
            let mut dst = t.shallow_clone();
            dst.f_copy_(&src)?;
        }
        Ok(())
    })
}

/// Saves the variables of `vs` (no prefix) with string metadata, atomically; refuses
/// non-finite values.
pub fn save_weights(
    vs: &nn::VarStore,
    path: &Path,
    metadata: BTreeMap<String, String>,
) -> Result<()> {
    let mut f = StFile {
        metadata,
        ..Default::default()
    };
    add_tensors(&mut f, "", &sorted_vars(vs))?;
    if let Some((name, _)) = f
        .tensors
        .iter()
        .find(|(_, r)| r.dtype == "F32" && !all_finite_f32(&r.data))
    {
        return Err(NnError::ckpt(
            path,
            format!("not written: '{name}' has non-finite values"),
        ));
    }
    st::write(path, &f)
}

/// Loads weights saved by [`save_weights`] into `vs`, validating names and shapes first.
/// Returns the file's metadata.
pub fn load_weights(vs: &nn::VarStore, path: &Path) -> Result<BTreeMap<String, String>> {
    let f = st::read(path)?;
    copy_validated(&f, "", &sorted_vars(vs), path)?;
    Ok(f.metadata)
}
