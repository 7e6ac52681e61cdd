//! Semantic feature module: the text-form features p (§III-A), pluggable.
//!
//! The paper's captioner (ResNet-152 + LSTM trained on MSCOCO) is replaced by a
//! [`TextFeatures`] implementation producing a text per tile, embedded by [`embed`] (a fixed
//! hashed bag of words, D = 128, L2-normalised):
//! * [`SegWords`] (default, `seg-words`) writes the tile's ESPNet classes by area,
//!   e.g. `"road 40% building 20% sky 10%"`. It is **not a caption**: it adds no information
//!   beyond the segmentation map s.
//! * [`Captions`] (`captions = FILE.json`, stem → text) uses external captions; the chain
//!   identifies the image by its exact 8-bit content among the images named by the stems.

use super::MlscError;
use semcom_core::Image;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the text of a tile comes from.
pub trait TextFeatures: Send + Sync {
    /// Name stored in the weights' metadata (`text`): `seg-words` or `captions`.
    fn name(&self) -> &'static str;
    /// Whether [`TextFeatures::describe`] reads the label map (else ESPNet may be skipped).
    fn needs_labels(&self) -> bool;
    /// The text of one tile: `view` is the whole source view, `labels` the tile's ESPNet
    /// label map (empty when not needed).
    fn describe(&self, view: &Image, labels: &[u8]) -> Result<String, MlscError>;
}

/// The `seg-words` description of a label map: class names by decreasing area (ties by class
/// id) with their rounded percentage, classes under 0.5 % left out. Labels outside the class
/// list count as the last class (void).
pub fn describe_labels(labels: &[u8], classes: &[&str]) -> String {
    if labels.is_empty() || classes.is_empty() {
        return String::new();
    }
    let mut counts = vec![0usize; classes.len()];
    for &l in labels {
        counts[(l as usize).min(classes.len() - 1)] += 1;
    }
    let mut order: Vec<usize> = (0..classes.len()).filter(|&c| counts[c] > 0).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .filter_map(|c| {
            let pct = (100.0 * counts[c] as f64 / labels.len() as f64).round() as u32;
            (pct >= 1).then(|| format!("{} {pct}%", classes[c]))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// 64-bit FNV-1a hash.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Fixed hashed bag of words: every lower-cased whitespace-separated token adds ±1 at
/// bucket `fnv1a(token) mod dim` (sign − when the hash's top bit is set), then the vector is
/// L2-normalised (all zeros for an empty text).
pub fn embed(text: &str, dim: usize) -> Vec<f32> {
    let dim = dim.max(1);
    let mut v = vec![0f32; dim];
    for tok in text.split_whitespace() {
        let h = fnv1a(tok.to_lowercase().as_bytes());
        let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
        v[(h % dim as u64) as usize] += sign;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// `seg-words`: the tile's ESPNet-CamVid classes by area (not a caption).
#[derive(Clone, Copy, Debug, Default)]
pub struct SegWords;

impl TextFeatures for SegWords {
    fn name(&self) -> &'static str {
        "seg-words"
    }
    fn needs_labels(&self) -> bool {
        true
    }
    fn describe(&self, _view: &Image, labels: &[u8]) -> Result<String, MlscError> {
        Ok(describe_labels(labels, &semcom_zoo::espnet::CAMVID_CLASSES))
    }
}

/// Largest captions file read (bytes).
const MAX_CAPTIONS_BYTES: u64 = 64 << 20;
/// Image extensions tried for a stem.
const IMAGE_EXTS: [&str; 5] = ["png", "jpg", "jpeg", "bmp", "ppm"];

/// External captions: a JSON object `{ "stem": "text", … }`. Images are matched to stems by
/// their exact 8-bit samples among `images_dir/<stem>.{png,jpg,jpeg,bmp,ppm}`.
#[derive(Debug)]
pub struct Captions {
    path: PathBuf,
    texts: BTreeMap<String, String>,
    images_dir: PathBuf,
    index: std::sync::OnceLock<BTreeMap<(usize, usize, usize, u64), String>>,
}

impl Captions {
    /// Reads and validates `path` (an object of strings, at most 64 MiB); images are looked
    /// up in `images_dir` (default: the folder of `path`).
    pub fn load(path: &Path, images_dir: Option<&Path>) -> Result<Self, MlscError> {
        let bad = |m: String| MlscError::Captions {
            path: path.display().to_string(),
            msg: m,
        };
        let len = std::fs::metadata(path)
            .map_err(|e| bad(e.to_string()))?
            .len();
        if len > MAX_CAPTIONS_BYTES {
            return Err(bad(format!("{len} bytes (at most {MAX_CAPTIONS_BYTES})")));
        }
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let texts: BTreeMap<String, String> = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a JSON object of stem → caption strings: {e}")))?;
        let images_dir = images_dir.map(Path::to_path_buf).unwrap_or_else(|| {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        });
        Ok(Self {
            path: path.to_path_buf(),
            texts,
            images_dir,
            index: std::sync::OnceLock::new(),
        })
    }

    /// The caption of `stem` ([`MlscError::MissingStem`] when the file has none).
    pub fn text(&self, stem: &str) -> Result<&str, MlscError> {
        self.texts
            .get(stem)
            .map(String::as_str)
            .ok_or_else(|| MlscError::MissingStem {
                path: self.path.display().to_string(),
                stem: stem.into(),
            })
    }

    /// Number of captions.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether the file holds no caption.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    fn fingerprint(img: &Image) -> (usize, usize, usize, u64) {
        (
            img.width(),
            img.height(),
            img.channels(),
            fnv1a(&img.to_interleaved_u8()),
        )
    }

    /// The stem whose image has exactly the samples of `view`.
    pub fn stem_of(&self, view: &Image) -> Result<&str, MlscError> {
        let index = self.index.get_or_init(|| {
            let mut m = BTreeMap::new();
            for stem in self.texts.keys() {
                for ext in IMAGE_EXTS {
                    let p = self.images_dir.join(format!("{stem}.{ext}"));
                    if let Ok(img) = Image::load(&p) {
                        m.insert(Self::fingerprint(&img), stem.clone());
                        break;
                    }
                }
            }
            m
        });
        index
            .get(&Self::fingerprint(view))
            .map(String::as_str)
            .ok_or_else(|| MlscError::MissingStem {
                path: self.path.display().to_string(),
                stem: format!(
                    "(a {}x{} view matching no image named by a stem in {})",
                    view.width(),
                    view.height(),
                    self.images_dir.display()
                ),
            })
    }
}

impl TextFeatures for Captions {
    fn name(&self) -> &'static str {
        "captions"
    }
    fn needs_labels(&self) -> bool {
        false
    }
    fn describe(&self, view: &Image, _labels: &[u8]) -> Result<String, MlscError> {
        let stem = self.stem_of(view)?;
        self.text(stem).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn golden_description_and_embedding_of_a_fixed_label_map() {
        // 10×10 map: 40 road (3), 30 sky (0), 20 building (1), 9 car (8), 1 void (11).
        let mut labels = vec![3u8; 40];
        labels.extend([0u8; 30]);
        labels.extend([1u8; 20]);
        labels.extend([8u8; 9]);
        labels.push(11);
        let d = describe_labels(&labels, &semcom_zoo::espnet::CAMVID_CLASSES);
        assert_eq!(d, "road 40% sky 30% building 20% car 9% void 1%");
        let e = embed(&d, 128);
        assert_eq!(e.len(), 128);
        let norm: f32 = e.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        // Ten tokens, each ±1/√10 at its FNV-1a bucket (or summed on a collision).
        let mut expect = vec![0f32; 128];
        for tok in d.split_whitespace() {
            let h = fnv1a(tok.as_bytes());
            expect[(h % 128) as usize] += if h >> 63 == 1 { -1.0 } else { 1.0 };
        }
        let n = expect.iter().map(|x| x * x).sum::<f32>().sqrt();
        for (a, b) in e.iter().zip(&expect) {
            assert!((a - b / n).abs() < 1e-7);
        }
        // Golden (computed independently): ten distinct buckets with these signs.
        let golden = [
            (27, -1.0),
            (54, -1.0),
            (59, 1.0),
            (65, -1.0),
            (67, 1.0),
            (68, 1.0),
            (78, 1.0),
            (95, 1.0),
            (105, 1.0),
            (117, -1.0),
        ];
        let s = 1.0 / 10f32.sqrt();
        for (i, x) in e.iter().enumerate() {
            let want = golden.iter().find(|g| g.0 == i).map_or(0.0, |g| g.1 * s);
            assert!((x - want).abs() < 1e-7, "bucket {i}: {x} vs {want}");
        }
        assert_eq!(embed("", 128), vec![0f32; 128]);
        assert_eq!(embed("Road", 128), embed("road", 128));
    }

    #[test]
    fn bad_captions_files_and_missing_stems_are_errors() {
        let d = std::env::temp_dir().join(format!("semcom-mlsc-cap-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let bad = d.join("bad.json");
        std::fs::write(&bad, b"[1, 2").unwrap();
        let e = Captions::load(&bad, None).unwrap_err().to_string();
        assert!(e.contains("bad.json") && e.contains("JSON"), "{e}");
        let nums = d.join("nums.json");
        std::fs::write(&nums, br#"{"a": 3}"#).unwrap();
        assert!(Captions::load(&nums, None).is_err());
        assert!(Captions::load(&d.join("absent.json"), None).is_err());
        let good = d.join("good.json");
        std::fs::write(&good, br#"{"0001TP_006690": "a street with cars"}"#).unwrap();
        let c = Captions::load(&good, None).unwrap();
        assert_eq!(c.text("0001TP_006690").unwrap(), "a street with cars");
        let e = c.text("nope").unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("good.json"), "{e}");
        // A view that matches no image of the folder.
        let img = Image::filled(16, 16, 3, 0.5).unwrap();
        assert!(c.describe(&img, &[]).is_err());
        // Once the image is there under its stem, the view finds its caption.
        img.save(d.join("0001TP_006690.png")).unwrap();
        let c = Captions::load(&good, None).unwrap();
        assert_eq!(c.describe(&img, &[]).unwrap(), "a street with cars");
        let _ = std::fs::remove_dir_all(&d);
    }
}
