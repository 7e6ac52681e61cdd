//! Datasets: image folders (optionally recursive), clips cut from a folder of frames, stereo
//! pairs; evenly spaced subsets; parallel loading. Every item is a [`Source`].

use crate::config::{DatasetKind, DatasetSpec};
use crate::error::{Result, SweepError};
use rayon::prelude::*;
use semcom_core::{Image, Source};
use std::path::{Path, PathBuf};

pub use semcom_core::listing::{evenly_spaced, IMAGE_EXTENSIONS};

/// Frames per clip of a clip dataset when the config gives none.
pub const DEFAULT_CLIP_FRAMES: usize = 30;
/// Frame rate of a clip dataset when the config gives none.
pub const DEFAULT_FPS: f32 = 10.0;

/// One loaded item.
#[derive(Clone, Debug)]
pub struct DataItem {
    /// Name: the image path relative to the dataset folder (`/`-separated); for a clip
    /// `<first frame>+<frames>`; for a pair the common stem.
    pub name: String,
    /// The source (a still, a clip or a stereo pair).
    pub source: Source,
}

/// A loaded dataset.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Dataset name from the config.
    pub name: String,
    /// The items, in the sorted order of their names.
    pub items: Vec<DataItem>,
}

impl Dataset {
    /// Smallest number of colour planes among the items.
    pub fn min_channels(&self) -> usize {
        self.items
            .iter()
            .map(|d| d.source.views()[0].channels())
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
    let files = semcom_core::listing::list_images(root, spec.recursive)?;
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

/// Lists and loads a dataset in parallel; a file that does not decode is an error naming it.
pub fn load(spec: &DatasetSpec, field: &str) -> Result<Dataset> {
    let items = match spec.kind {
        DatasetKind::Images => {
            let files = list(spec, field)?;
            files
                .par_iter()
                .map(|p| {
                    Ok(DataItem {
                        name: rel_name(spec, p),
                        source: Source::still(Image::load(p)?),
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }
        DatasetKind::Clip => load_clips(spec, field)?,
        DatasetKind::Stereo => load_pairs(spec, field)?,
    };
    Ok(Dataset {
        name: spec.name.clone(),
        items,
    })
}

fn rel_name(spec: &DatasetSpec, p: &Path) -> String {
    let rel = p.strip_prefix(&spec.path).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Consecutive clips of `frames` frames from the sorted frame files (an incomplete tail is
/// dropped unless the folder holds fewer frames than one clip), then `limit` of them.
fn load_clips(spec: &DatasetSpec, field: &str) -> Result<Vec<DataItem>> {
    let all = list(
        &DatasetSpec {
            limit: None,
            ..spec.clone()
        },
        field,
    )?;
    let f = spec.frames.unwrap_or(DEFAULT_CLIP_FRAMES).min(all.len());
    let starts: Vec<usize> = (0..all.len() / f).map(|i| i * f).collect();
    let keep = evenly_spaced(starts.len(), spec.limit.unwrap_or(usize::MAX));
    keep.into_iter()
        .map(|i| {
            let files = &all[starts[i]..starts[i] + f];
            let frames = files
                .par_iter()
                .map(|p| Ok(Image::load(p)?))
                .collect::<Result<Vec<_>>>()?;
            let source = Source::clip(frames, spec.fps.unwrap_or(DEFAULT_FPS))
                .map_err(|e| SweepError::config(format!("{field}.path"), e.to_string()))?;
            Ok(DataItem {
                name: format!("{}+{f}", rel_name(spec, &files[0])),
                source,
            })
        })
        .collect()
}

/// The left/right role and the pair stem of a file stem: `aloeL`/`aloeR`,
/// `motorcycle_left`/`motorcycle_right`, `im_left`/`im_right` (case-insensitive suffixes).
pub fn stereo_role(stem: &str) -> Option<(bool, &str)> {
    let lower = stem.to_ascii_lowercase();
    for (suffix, left) in [
        ("_left", true),
        ("_right", false),
        ("left", true),
        ("right", false),
        ("l", true),
        ("r", false),
    ] {
        if lower.ends_with(suffix) && stem.len() > suffix.len() {
            return Some((left, &stem[..stem.len() - suffix.len()]));
        }
    }
    None
}

/// Stereo pairs: files whose stems name a left and a right view of one stem; unpaired files
/// are ignored, no pair at all is an error.
fn load_pairs(spec: &DatasetSpec, field: &str) -> Result<Vec<DataItem>> {
    let all = list(
        &DatasetSpec {
            limit: None,
            ..spec.clone()
        },
        field,
    )?;
    let mut pairs: std::collections::BTreeMap<String, [Option<PathBuf>; 2]> = Default::default();
    for p in &all {
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if let Some((left, base)) = stereo_role(stem) {
            let dir = p.parent().map(|d| rel_name(spec, d)).unwrap_or_default();
            let key = if dir.is_empty() {
                base.to_string()
            } else {
                format!("{dir}/{base}")
            };
            pairs.entry(key).or_default()[usize::from(!left)] = Some(p.clone());
        }
    }
    let complete: Vec<(String, PathBuf, PathBuf)> = pairs
        .into_iter()
        .filter_map(|(k, [l, r])| Some((k, l?, r?)))
        .collect();
    if complete.is_empty() {
        return Err(SweepError::config(
            format!("{field}.path"),
            format!(
                "stereo dataset '{}' has no left/right pair (stems ending in L/R or _left/_right)",
                spec.name
            ),
        ));
    }
    let keep = evenly_spaced(complete.len(), spec.limit.unwrap_or(usize::MAX));
    keep.into_par_iter()
        .map(|i| {
            let (name, l, r) = &complete[i];
            let source = Source::stereo(Image::load(l)?, Image::load(r)?).map_err(|e| {
                SweepError::config(format!("{field}.path"), format!("pair '{name}': {e}"))
            })?;
            Ok(DataItem {
                name: name.clone(),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_and_stereo_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let card = semcom_core::testcard::test_card(8, 8);
        for i in 0..7 {
            card.save(dir.path().join(format!("f{i:02}.png"))).unwrap();
        }
        let spec = DatasetSpec {
            name: "c".into(),
            path: dir.path().into(),
            limit: None,
            recursive: false,
            kind: DatasetKind::Clip,
            frames: Some(3),
            fps: None,
        };
        let ds = load(&spec, "d").unwrap();
        assert_eq!(ds.items.len(), 2, "7 frames make two clips of 3");
        assert_eq!(ds.items[1].name, "f03.png+3");
        assert_eq!(ds.items[0].source.views().len(), 3);
        let pairs = tempfile::tempdir().unwrap();
        for n in [
            "aloeL.png",
            "aloeR.png",
            "moto_left.png",
            "moto_right.png",
            "lonelyL.png",
        ] {
            card.save(pairs.path().join(n)).unwrap();
        }
        let spec = DatasetSpec {
            path: pairs.path().into(),
            kind: DatasetKind::Stereo,
            frames: None,
            ..spec
        };
        let ds = load(&spec, "d").unwrap();
        let names: Vec<&str> = ds.items.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["aloe", "moto"]);
        assert_eq!(stereo_role("imR"), Some((false, "im")));
        assert_eq!(stereo_role("x"), None);
    }

    #[test]
    fn listing_errors_and_recursion() {
        let dir = tempfile::tempdir().unwrap();
        let spec = |recursive| DatasetSpec {
            name: "t".into(),
            path: dir.path().into(),
            limit: None,
            recursive,
            kind: DatasetKind::Images,
            frames: None,
            fps: None,
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
        assert_eq!(ds.items.len(), 1);
        assert_eq!(ds.items[0].name, "a/x.png");
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
            kind: DatasetKind::Images,
            frames: None,
            fps: None,
        };
        assert!(list(&missing, "d")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
    }
}
