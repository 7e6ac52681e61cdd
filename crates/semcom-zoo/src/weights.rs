//! Locating and loading weight files: `--weights PATH` or the `SEMCOM_MODELS` directory, and
//! safetensors loading with every tensor's name, shape and finiteness validated before use
//! (LibTorch panics on shape mismatches, so nothing reaches it unchecked).

use crate::error::{guard, Result, ZooError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// Environment variable naming the models directory (layout of `shared/models`).
pub const MODELS_ENV: &str = "SEMCOM_MODELS";
/// Default models directory when [`MODELS_ENV`] is unset (relative to the working directory).
pub const DEFAULT_MODELS_DIR: &str = "../shared/models";

/// The models directory: `$SEMCOM_MODELS`, else [`DEFAULT_MODELS_DIR`] when it exists (run from
/// the repository root), else `shared/models` beside the repository this binary was built from
/// (tests run from a crate folder), else [`DEFAULT_MODELS_DIR`] (errors then name it).
pub fn models_dir() -> PathBuf {
    if let Some(p) = std::env::var_os(MODELS_ENV) {
        return PathBuf::from(p);
    }
    let default = PathBuf::from(DEFAULT_MODELS_DIR);
    let beside_repo = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/models"
    ));
    if !default.is_dir() && beside_repo.is_dir() {
        return beside_repo.to_path_buf();
    }
    default
}

/// Resolves a weights file: `explicit` if given, else `models_dir()/relative`.
/// Fails with [`ZooError::MissingWeights`] naming the file when it does not exist.
pub fn resolve(explicit: Option<&Path>, relative: &str) -> Result<PathBuf> {
    let (p, hint) = match explicit {
        Some(p) => (p.to_path_buf(), "check the --weights path".to_string()),
        None => (
            models_dir().join(relative),
            format!("pass --weights PATH or set {MODELS_ENV} to the folder holding {relative}"),
        ),
    };
    if p.is_file() {
        Ok(p)
    } else {
        Err(ZooError::MissingWeights {
            path: p.display().to_string(),
            hint,
        })
    }
}

/// A validated set of named float32 tensors read from one safetensors file.
pub struct Weights {
    path: String,
    map: HashMap<String, Tensor>,
}

impl Weights {
    /// Reads a safetensors file (any float dtype is converted to float32; integer tensors such
    /// as BatchNorm `num_batches_tracked` are kept as they are).
    pub fn load(path: &Path) -> Result<Self> {
        let label = path.display().to_string();
        if !path.is_file() {
            return Err(ZooError::MissingWeights {
                path: label,
                hint: "file not found".into(),
            });
        }
        let read = guard("read_safetensors", || Tensor::read_safetensors(path))?;
        let list = read.map_err(|e| ZooError::BadWeights {
            path: label.clone(),
            msg: e.to_string(),
        })?;
        Ok(Self::from_tensors(&label, list))
    }

    /// Wraps tensors already in memory (tests, generated weights).
    pub fn from_tensors(label: &str, list: Vec<(String, Tensor)>) -> Self {
        let map = list
            .into_iter()
            .map(|(k, t)| {
                let t = if t.is_floating_point() {
                    t.to_kind(Kind::Float)
                } else {
                    t
                };
                (k, t)
            })
            .collect();
        Self {
            path: label.to_string(),
            map,
        }
    }

    /// The file this came from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no tensors.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether a tensor of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Shape of a named tensor, if present.
    pub fn shape(&self, name: &str) -> Option<Vec<i64>> {
        self.map.get(name).map(|t| t.size())
    }

    /// Sorted tensor names.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }

    fn bad(&self, msg: String) -> ZooError {
        ZooError::BadWeights {
            path: self.path.clone(),
            msg,
        }
    }

    /// The float32 tensor `name`, checked to have exactly `shape` and only finite values.
    pub fn get(&self, name: &str, shape: &[i64]) -> Result<Tensor> {
        let t = self
            .map
            .get(name)
            .ok_or_else(|| self.bad(format!("missing tensor '{name}'")))?;
        if t.kind() != Kind::Float {
            return Err(self.bad(format!(
                "tensor '{name}' has dtype {:?}, expected float",
                t.kind()
            )));
        }
        if t.size() != shape {
            return Err(self.bad(format!(
                "tensor '{name}' has shape {:?}, expected {shape:?}",
                t.size()
            )));
        }
        let finite = t.isfinite().all().int64_value(&[]) != 0;
        if !finite {
            return Err(self.bad(format!("tensor '{name}' has non-finite values")));
        }
        Ok(t.shallow_clone())
    }

    /// Dimension `dim` of tensor `name` (for architectures whose width is read from the file).
    pub fn dim(&self, name: &str, dim: usize) -> Result<i64> {
        let s = self
            .shape(name)
            .ok_or_else(|| self.bad(format!("missing tensor '{name}'")))?;
        s.get(dim)
            .copied()
            .ok_or_else(|| self.bad(format!("tensor '{name}' has rank {}", s.len())))
    }
}
