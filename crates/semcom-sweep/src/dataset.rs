//! Image folders: listing (optionally recursive), evenly spaced subsets, parallel loading.

use crate::config::DatasetSpec;
use crate::error::{Result, SweepError};
use rayon::prelude::*;
use semcom_core::Image;
use std::path::{Path, PathBuf};

/// File extensions read as images.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];
/// Deepest folder level visited by a recursive listing.
const MAX_DEPTH: usize = 16;

/// One loaded image.
#[derive(Clone, Debug)]
pub struct DataImage {
    /// Path relative to the dataset folder (`/`-separated), used as the image name.
    pub name: String,
    /// The pixels.
    pub image: Image,
}

/// A loaded dataset.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Dataset name from the config.
    pub name: String,
    /// The images, in the sorted order of their names.
    pub images: Vec<DataImage>,
}

impl Dataset {
    /// Smallest number of colour planes among the images.
    pub fn min_channels(&self) -> usize {
        self.images
            .iter()
            .map(|d| d.image.channels())
            .min()
            .unwrap_or(3)
    }
}

/// Lists the image files of a dataset (sorted by relative path) and applies `limit`.
/// `field` names the config field in errors. A missing folder or no image → error.
pub fn list(spec: &DatasetSpec, field: &str) -> Result<Vec<PathBuf>> {
    let root = &spec.path;
    if !root.is_dir() {
        let abs = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        return Err(SweepError::config(
            format!("{field}.path"),
            format!("dataset folder {} does not exist (relative paths are relative to the working directory)", abs.display()),
        ));
    }
    let mut files = Vec::new();
    walk(root, spec.recursive, 0, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(SweepError::config(
            format!("{field}.path"),
            format!(
                "dataset '{}' is empty: no {} file in {}{}",
                spec.name,
                IMAGE_EXTENSIONS.join("/"),
                root.display(),
                if spec.recursive {
                    " or its sub-folders"
                } else {
                    " (set recursive = true for sub-folders)"
                }
            ),
        ));
    }
    let keep = evenly_spaced(files.len(), spec.limit.unwrap_or(usize::MAX));
    Ok(keep.into_iter().map(|i| files[i].clone()).collect())
}

/// Indices ⌊i·n/m⌋, i = 0..m, of an evenly spaced subset of m = min(limit, n) out of n items
/// (so a CIFAR subset covers every class folder, not just the first).
pub fn evenly_spaced(n: usize, limit: usize) -> Vec<usize> {
    let m = limit.min(n);
    (0..m)
        .map(|i| (i as u128 * n as u128 / m as u128) as usize)
        .collect()
}

/// Lists and loads a dataset in parallel; a file that does not decode is an error naming it.
pub fn load(spec: &DatasetSpec, field: &str) -> Result<Dataset> {
    let files = list(spec, field)?;
    let images = files
        .par_iter()
        .map(|p| {
            let image = Image::load(p)?;
            let rel = p.strip_prefix(&spec.path).unwrap_or(p);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Ok(DataImage { name, image })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Dataset {
        name: spec.name.clone(),
        images,
    })
}

fn walk(dir: &Path, recursive: bool, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| SweepError::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| SweepError::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| SweepError::io(&path, e))?;
        if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
            if recursive && depth < MAX_DEPTH {
                walk(&path, recursive, depth + 1, out)?;
            }
        } else if has_image_extension(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_subsets() {
        assert_eq!(evenly_spaced(10, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(evenly_spaced(3, 10), vec![0, 1, 2]);
        assert_eq!(evenly_spaced(10_000, 3), vec![0, 3333, 6666]);
    }

    #[test]
    fn listing_errors_and_recursion() {
        let dir = tempfile::tempdir().unwrap();
        let spec = |recursive| DatasetSpec {
            name: "t".into(),
            path: dir.path().into(),
            limit: None,
            recursive,
        };
        let e = list(&spec(false), "datasets[0]").unwrap_err().to_string();
        assert!(e.contains("datasets[0].path") && e.contains("empty"), "{e}");
        let sub = dir.path().join("a");
        std::fs::create_dir(&sub).unwrap();
        semcom_core::testcard::test_card(8, 8)
            .save(sub.join("x.png"))
            .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(list(&spec(false), "d").is_err());
        let ds = load(&spec(true), "d").unwrap();
        assert_eq!(ds.images.len(), 1);
        assert_eq!(ds.images[0].name, "a/x.png");
        std::fs::write(sub.join("y.png"), b"garbage").unwrap();
        assert!(load(&spec(true), "d")
            .unwrap_err()
            .to_string()
            .contains("y.png"));
        let missing = DatasetSpec {
            name: "m".into(),
            path: dir.path().join("nope"),
            limit: None,
            recursive: false,
        };
        assert!(list(&missing, "d")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
    }
}
