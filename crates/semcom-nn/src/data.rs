//! Data loaders: an image folder of any size (random crops and flips), CIFAR-10 in the
//! image-folder layout (`<split>/<class>/*.jpg`), Kodak, and CamVid with label maps
//! (SegNet layout: `<split>/` images, `<split>annot/` 8-bit label PNGs with the same stem).
//!
//! Files are listed in sorted order and decoded in parallel (rayon) into 8-bit RGB once;
//! the result does not depend on the number of threads. Batches are built from an explicit
//! [`SemRng`]: same seed, same crops, flips and order.

use crate::error::{NnError, Result};
use rand::seq::SliceRandom;
use rand::Rng;
use rayon::prelude::*;
use semcom_core::rng::SemRng;
use semcom_core::Image;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// Image file extensions read by the loaders.
pub const IMAGE_EXTS: &[&str] = &["png", "jpg", "jpeg", "webp"];

/// One decoded sample: 8-bit RGB interleaved (HWC), optional label map (HW, class ids).
#[derive(Clone, Debug)]
pub struct Sample {
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// RGB bytes, row-major interleaved.
    pub rgb: Vec<u8>,
    /// Per-pixel class ids (CamVid), row-major.
    pub label_map: Option<Vec<u8>>,
    /// Class index of the whole image (CIFAR-10: the sorted class folder index).
    pub class: Option<usize>,
}

/// A data set decoded in memory.
#[derive(Clone, Debug, Default)]
pub struct ImageSet {
    /// The samples, in sorted file order.
    pub samples: Vec<Sample>,
    /// Source files, same order.
    pub paths: Vec<PathBuf>,
    /// Class names (CIFAR-10 folder names) when known.
    pub classes: Vec<String>,
}

/// A batch of images `[B, 3, H, W]` in [0, 1] and optional labels `[B, H, W]` (int64).
#[derive(Debug)]
pub struct Batch {
    /// Images.
    pub images: Tensor,
    /// Label maps.
    pub labels: Option<Tensor>,
}

/// How to cut a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    /// Random crop size (height, width); `None` = whole images (must all be the same size).
    pub crop: Option<(usize, usize)>,
    /// Random horizontal flips with probability 1/2.
    pub flip: bool,
}

/// Lists image files under `dir` recursively, sorted.
pub fn list_images(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| NnError::io(&d, e))?;
        for e in rd {
            let p = e.map_err(|e| NnError::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTS.contains(&e.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Picks `limit` evenly spaced items of `n` (all of them when `limit` is `None` or ≥ n).
pub fn evenly_spaced(n: usize, limit: Option<usize>) -> Vec<usize> {
    match limit {
        Some(l) if l < n => (0..l).map(|i| i * n / l).collect(),
        _ => (0..n).collect(),
    }
}

fn decode_rgb(p: &Path) -> Result<(usize, usize, Vec<u8>)> {
    let img = Image::load(p)?;
    let img = if img.channels() == 3 {
        img
    } else {
        img.to_rgb()
    };
    Ok((img.width(), img.height(), img.to_interleaved_u8()))
}

fn decode_label(p: &Path) -> Result<(usize, usize, Vec<u8>)> {
    let img = Image::load(p)?;
    let img = if img.channels() == 1 {
        img
    } else {
        img.to_luma()
    };
    Ok((img.width(), img.height(), img.to_interleaved_u8()))
}

impl ImageSet {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Loads every image under `dir` (recursively; PNG, JPEG, WebP), keeping `limit` evenly
    /// spaced files when given. Class = index of the first-level sub-folder when there are
    /// sub-folders (the image-folder layout of CIFAR-10).
    pub fn load_folder(dir: &Path, limit: Option<usize>) -> Result<Self> {
        let all = list_images(dir)?;
        let paths: Vec<PathBuf> = evenly_spaced(all.len(), limit)
            .into_iter()
            .map(|i| all[i].clone())
            .collect();
        if paths.is_empty() {
            return Err(NnError::Data {
                path: dir.display().to_string(),
                msg: "no PNG/JPEG/WebP images".into(),
            });
        }
        let class_of = |p: &Path| -> Option<String> {
            let rel = p.strip_prefix(dir).ok()?;
            let mut c = rel.components();
            let first = c.next()?.as_os_str().to_str()?.to_string();
            c.next().map(|_| first)
        };
        let mut classes: Vec<String> = paths.iter().filter_map(|p| class_of(p)).collect();
        classes.sort();
        classes.dedup();
        let decoded: Vec<Result<(usize, usize, Vec<u8>)>> =
            paths.par_iter().map(|p| decode_rgb(p)).collect();
        let mut samples = Vec::with_capacity(paths.len());
        for (p, d) in paths.iter().zip(decoded) {
            let (width, height, rgb) = d?;
            let class = class_of(p).and_then(|c| classes.binary_search(&c).ok());
            samples.push(Sample {
                width,
                height,
                rgb,
                label_map: None,
                class,
            });
        }
        Ok(Self {
            samples,
            paths,
            classes,
        })
    }

    /// CIFAR-10 in the image-folder layout: `<root>/<split>/<class>/*.jpg` (split = `train`
    /// or `test`).
    pub fn cifar10(root: &Path, split: &str, limit: Option<usize>) -> Result<Self> {
        Self::load_folder(&root.join(split), limit)
    }

    /// Kodak: the PNG files of a folder (`kodim01.png` … `kodim24.png`).
    pub fn kodak(dir: &Path) -> Result<Self> {
        Self::load_folder(dir, None)
    }

    /// CamVid (SegNet layout): images in `<root>/<split>/`, label maps (8-bit grey PNG, value =
    /// class id, 11 = void) in `<root>/<split>annot/` with the same file stem.
    pub fn camvid(root: &Path, split: &str, limit: Option<usize>) -> Result<Self> {
        let mut set = Self::load_folder(&root.join(split), limit)?;
        let annot = root.join(format!("{split}annot"));
        let labels: Vec<Result<(usize, usize, Vec<u8>)>> = set
            .paths
            .par_iter()
            .map(|p| {
                let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                decode_label(&annot.join(format!("{stem}.png")))
            })
            .collect();
        for (s, l) in set.samples.iter_mut().zip(labels) {
            let (w, h, map) = l?;
            if (w, h) != (s.width, s.height) {
                return Err(NnError::Data {
                    path: annot.display().to_string(),
                    msg: format!(
                        "label map {w}x{h} differs from image {}x{}",
                        s.width, s.height
                    ),
                });
            }
            s.label_map = Some(map);
        }
        set.classes.clear();
        Ok(set)
    }

    /// A random permutation of the sample indices for `epoch`, from the data seed.
    pub fn epoch_order(&self, seed: u64, epoch: u64) -> Vec<usize> {
        let mut rng = semcom_core::rng::rng_for(semcom_core::rng::derive_seed(seed, &[epoch]), 7);
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.shuffle(&mut rng);
        idx
    }

    /// Builds a batch of the samples `idx` with the augmentation `aug` (crops and flips drawn
    /// from `rng`, item after item).
    pub fn batch(&self, idx: &[usize], aug: Augment, rng: &mut SemRng) -> Result<Batch> {
        let first = idx
            .first()
            .and_then(|&i| self.samples.get(i))
            .ok_or_else(|| NnError::Invalid("empty batch".into()))?;
        let (ch, cw) = aug.crop.unwrap_or((first.height, first.width));
        let with_labels = first.label_map.is_some();
        let plane = ch * cw;
        let mut x = vec![0f32; idx.len() * 3 * plane];
        let mut lab = if with_labels {
            vec![0i64; idx.len() * plane]
        } else {
            Vec::new()
        };
        for (b, &i) in idx.iter().enumerate() {
            let s = self
                .samples
                .get(i)
                .ok_or_else(|| NnError::Invalid(format!("sample {i} out of range")))?;
            if s.width < cw
                || s.height < ch
                || (aug.crop.is_none() && (s.width, s.height) != (cw, ch))
            {
                return Err(NnError::Invalid(format!(
                    "sample {i} is {}x{}, batch needs {cw}x{ch} (set a crop)",
                    s.width, s.height
                )));
            }
            let (y0, x0) = if aug.crop.is_some() {
                (
                    rng.random_range(0..=s.height - ch),
                    rng.random_range(0..=s.width - cw),
                )
            } else {
                (0, 0)
            };
            let flip = aug.flip && rng.random::<bool>();
            let out = &mut x[b * 3 * plane..(b + 1) * 3 * plane];
            for yy in 0..ch {
                for xx in 0..cw {
                    let sx = if flip { x0 + cw - 1 - xx } else { x0 + xx };
                    let src = ((y0 + yy) * s.width + sx) * 3;
                    for c in 0..3 {
                        out[c * plane + yy * cw + xx] = s.rgb[src + c] as f32 / 255.0;
                    }
                    if let Some(m) = &s.label_map {
                        lab[b * plane + yy * cw + xx] = m[(y0 + yy) * s.width + sx] as i64;
                    }
                }
            }
        }
        let n = idx.len() as i64;
        let images = Tensor::from_slice(&x).reshape([n, 3, ch as i64, cw as i64]);
        let labels =
            with_labels.then(|| Tensor::from_slice(&lab).reshape([n, ch as i64, cw as i64]));
        Ok(Batch { images, labels })
    }

    /// All samples (same size) as one `[N, 3, H, W]` float tensor, in order, no augmentation.
    pub fn to_tensor(&self, range: std::ops::Range<usize>) -> Result<Tensor> {
        let idx: Vec<usize> = range.collect();
        let mut rng = semcom_core::rng::rng_for(0, 0);
        Ok(self
            .batch(&idx, Augment::default(), &mut rng)?
            .images
            .to_kind(Kind::Float))
    }
}
