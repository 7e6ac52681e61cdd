//! The sweep configuration (TOML): schemes × channels × SNRs × budgets × datasets.
//!
//! Parsed with [`semcom_core::config::load_toml`] (`deny_unknown_fields`: a typo names the
//! field), then checked by [`SweepConfig::validate`] before any work starts. See
//! `docs/sweeps.md` for the format.

use crate::error::{Result, SweepError};
use semcom_core::params::ParamTable;
use semcom_core::{Budget, Ratio};
use semcom_schemes::SchemeOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Largest number of grid points a config may describe (guards against a typo such as step = 1e-9).
pub const MAX_POINTS: usize = 1_000_000;

/// Highest spectral efficiency of any modulation-and-coding scheme, in bits per complex channel
/// use: 5G NR 256-QAM at code rate 948/1024 (TS 38.214 Table 5.1.3.1-2, MCS index 27) = 7.4063.
pub const MAX_BITS_PER_CHANNEL_USE: f64 = 8.0 * 948.0 / 1024.0;

/// A whole sweep configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// Name of the sweep, used in plot captions.
    #[serde(default = "default_name")]
    pub name: String,
    /// Free text, copied to the report.
    #[serde(default)]
    pub description: String,
    /// Base seed; per-image seeds are derived from it, the point key and the image index.
    pub seed: u64,
    /// Metrics to compute per item, by `semcom-measure` registry name (`psnr`, `ssim`, …).
    pub metrics: Vec<String>,
    /// Schemes to compare.
    pub schemes: Vec<SchemeSpec>,
    /// Channel models.
    pub channels: Vec<ChannelSpec>,
    /// Explicit SNR list in dB (Es/N0 per complex channel use); give this or `snr_range`.
    #[serde(default)]
    pub snr_db: Vec<f64>,
    /// SNR range in dB; give this or `snr_db`.
    #[serde(default)]
    pub snr_range: Option<SnrRange>,
    /// Budgets: k/n list and/or BPP list.
    pub budgets: Budgets,
    /// Image folders.
    pub datasets: Vec<DatasetSpec>,
}

fn default_name() -> String {
    "sweep".into()
}

/// One scheme of the grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeSpec {
    /// Registry name (`semcom_schemes::build`).
    pub name: String,
    /// Label in tables and plots (default: the name); lets one scheme appear twice with different options.
    #[serde(default)]
    pub label: Option<String>,
    /// Options passed to the scheme registry.
    #[serde(default)]
    pub options: SchemeOptions,
    /// The scheme's own parameters (`params = { decoder = "nms16" }`), merged into `options`.
    #[serde(default, skip_serializing_if = "ParamTable::is_empty")]
    pub params: ParamTable,
    /// Skip this scheme with a warning (instead of failing) when this build does not have it.
    #[serde(default)]
    pub optional: bool,
}

impl SchemeSpec {
    /// The label (default: the registry name).
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// One channel model of the grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// Registry name (`semcom_channel::by_name`).
    pub name: String,
    /// Label in tables and plots (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    /// Channel parameters, typed per channel (`params = { pe = 0.16, block_bytes = 100 }`).
    #[serde(default)]
    pub params: ParamTable,
    /// Skip this channel with a warning (instead of failing) when this build does not have it.
    #[serde(default)]
    pub optional: bool,
}

impl ChannelSpec {
    /// The label (default: the registry name).
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// An inclusive SNR range `start, start+step, …, ≤ stop` in dB.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnrRange {
    /// First SNR (dB).
    pub start: f64,
    /// Last SNR (dB), included when on the step grid.
    pub stop: f64,
    /// Step (dB), > 0.
    pub step: f64,
}

/// The budget axis: every k/n ratio and every BPP value becomes one grid value.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// k/n ratios as strings, e.g. `["1/6", "1/12"]` (complex channel uses per real sample).
    #[serde(default)]
    pub kn: Vec<Ratio>,
    /// Source bits per pixel.
    #[serde(default)]
    pub bpp: Vec<f64>,
    /// Channel-use cap (k/n) used to check that a BPP budget can be carried at all (default 1).
    #[serde(default)]
    pub bpp_max_kn: Option<Ratio>,
}

/// What the items of a dataset are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// Every image file is one still.
    #[default]
    Images,
    /// The frames of the folder (file-name order) cut into clips of `frames` frames.
    Clip,
    /// Stereo pairs: files whose stems end in `L`/`R`, `_left`/`_right` or `left`/`right`.
    Stereo,
}

impl DatasetKind {
    fn is_images(&self) -> bool {
        *self == DatasetKind::Images
    }
}

/// One dataset: a folder of images, of clip frames or of stereo pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// Name in tables and plots.
    pub name: String,
    /// Folder of PNG/JPEG/WebP images (relative paths are relative to the working directory).
    pub path: PathBuf,
    /// Use at most this many items (images, clips, pairs), evenly spaced over the sorted list.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Also look into sub-folders (e.g. CIFAR's `test/<class>/`; image datasets only).
    #[serde(default)]
    pub recursive: bool,
    /// What the items are (default: images).
    #[serde(default, skip_serializing_if = "DatasetKind::is_images")]
    pub kind: DatasetKind,
    /// Frames per clip (clip datasets; default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<usize>,
    /// Frame rate of the clips (clip datasets; default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<f32>,
}

impl SweepConfig {
    /// Loads and parses a TOML file (errors name the field); call [`Self::validate`] next.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Ok(semcom_core::config::load_toml(path)?)
    }

    /// Parses TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Ok(semcom_core::config::from_toml_str(text)?)
    }

    /// The SNR grid in dB, in config order.
    pub fn snrs(&self) -> Vec<f64> {
        match self.snr_range {
            Some(r)
                if self.snr_db.is_empty()
                    && r.step > 0.0
                    && r.start.is_finite()
                    && r.stop.is_finite() =>
            {
                let n = ((r.stop - r.start) / r.step + 1e-9).floor();
                if !(0.0..=MAX_POINTS as f64).contains(&n) {
                    return Vec::new();
                }
                (0..=n as usize)
                    .map(|i| round_db(r.start + i as f64 * r.step))
                    .collect()
            }
            _ => self.snr_db.clone(),
        }
    }

    /// The budget grid: k/n budgets first, then BPP budgets, in config order.
    pub fn budget_list(&self) -> Vec<Budget> {
        let kn = self.budgets.kn.iter().map(|r| Budget::Cbr(*r));
        kn.chain(self.budgets.bpp.iter().map(|b| Budget::Bpp(*b)))
            .collect()
    }

    /// Checks everything that can be checked without the registries or the data: non-empty
    /// axes, unique labels, known metrics, finite SNRs, budgets in range, BPP budgets that some
    /// MCS can carry for RGB images (the per-dataset check is in [`crate::plan::Plan`]).
    pub fn validate(&self) -> Result<()> {
        non_empty("metrics", self.metrics.len())?;
        unique("metrics", self.metrics.iter().map(|s| s.as_str()))?;
        non_empty("schemes", self.schemes.len())?;
        unique("schemes", self.schemes.iter().map(|s| s.label()))?;
        non_empty("channels", self.channels.len())?;
        unique("channels", self.channels.iter().map(|s| s.label()))?;
        non_empty("datasets", self.datasets.len())?;
        unique("datasets", self.datasets.iter().map(|s| s.name.as_str()))?;
        for (i, d) in self.datasets.iter().enumerate() {
            if d.limit == Some(0) {
                return Err(SweepError::config(
                    format!("datasets[{i}].limit"),
                    "must be at least 1",
                ));
            }
            if let Some(f) = d.frames {
                if d.kind != DatasetKind::Clip || !(1..=semcom_core::source::MAX_VIEWS).contains(&f)
                {
                    return Err(SweepError::config(
                        format!("datasets[{i}].frames"),
                        format!("clip datasets only, 1..={}", semcom_core::source::MAX_VIEWS),
                    ));
                }
            }
            if let Some(fps) = d.fps {
                if d.kind != DatasetKind::Clip || !(fps.is_finite() && fps > 0.0) {
                    return Err(SweepError::config(
                        format!("datasets[{i}].fps"),
                        "clip datasets only, finite and positive",
                    ));
                }
            }
        }
        self.validate_snr()?;
        self.validate_budgets()?;
        let n = self.schemes.len()
            * self.channels.len()
            * self.datasets.len()
            * self.snrs().len()
            * self.budget_list().len();
        if n > MAX_POINTS {
            return Err(SweepError::config(
                "<document>",
                format!("{n} grid points (at most {MAX_POINTS})"),
            ));
        }
        Ok(())
    }

    fn validate_snr(&self) -> Result<()> {
        match (&self.snr_range, self.snr_db.is_empty()) {
            (Some(_), false) => {
                return Err(SweepError::config(
                    "snr_range",
                    "give either snr_db or snr_range, not both",
                ))
            }
            (None, true) => {
                return Err(SweepError::config(
                    "snr_db",
                    "no SNR given (snr_db = [...] or snr_range)",
                ))
            }
            (Some(r), true) => {
                if !(r.start.is_finite() && r.stop.is_finite()) {
                    return Err(SweepError::config(
                        "snr_range",
                        "start and stop must be finite",
                    ));
                }
                if !(r.step > 0.0 && r.step.is_finite()) {
                    return Err(SweepError::config(
                        "snr_range.step",
                        format!("{} must be > 0", r.step),
                    ));
                }
                if r.stop < r.start {
                    return Err(SweepError::config("snr_range.stop", "stop is below start"));
                }
                if (r.stop - r.start) / r.step > MAX_POINTS as f64 {
                    return Err(SweepError::config("snr_range.step", "too many SNR values"));
                }
            }
            (None, false) => {
                for (i, s) in self.snr_db.iter().enumerate() {
                    if !s.is_finite() {
                        return Err(SweepError::config(
                            format!("snr_db[{i}]"),
                            "must be a finite number",
                        ));
                    }
                }
            }
        }
        let keys: Vec<String> = self.snrs().iter().map(|s| format!("{s}")).collect();
        unique("snr_db", keys.iter().map(|s| s.as_str()))
    }

    fn validate_budgets(&self) -> Result<()> {
        if self.budget_list().is_empty() {
            return Err(SweepError::config(
                "budgets",
                "no budget given (budgets.kn and/or budgets.bpp)",
            ));
        }
        for (i, r) in self.budgets.kn.iter().enumerate() {
            Budget::Cbr(*r)
                .validate()
                .map_err(|e| SweepError::config(format!("budgets.kn[{i}]"), e.to_string()))?;
        }
        let cap = self.bpp_cap_kn();
        if let Some(r) = self.budgets.bpp_max_kn {
            Budget::Cbr(r)
                .validate()
                .map_err(|e| SweepError::config("budgets.bpp_max_kn", e.to_string()))?;
        }
        for (i, b) in self.budgets.bpp.iter().enumerate() {
            Budget::Bpp(*b)
                .validate()
                .map_err(|e| SweepError::config(format!("budgets.bpp[{i}]"), e.to_string()))?;
            check_bpp_carriable(*b, cap, 3)
                .map_err(|m| SweepError::config(format!("budgets.bpp[{i}]"), m))?;
        }
        let labels: Vec<String> = self.budget_list().iter().map(|b| b.label()).collect();
        unique("budgets", labels.iter().map(|s| s.as_str()))
    }

    /// The channel-use cap used for BPP budgets (`budgets.bpp_max_kn`, default k/n = 1).
    pub fn bpp_cap_kn(&self) -> f64 {
        self.budgets.bpp_max_kn.map(|r| r.value()).unwrap_or(1.0)
    }
}

/// Checks that `bpp` bits per pixel fit into (k/n)_max·C complex channel uses per pixel at the
/// highest spectral efficiency of any MCS: bpp ≤ (k/n)_max · C · [`MAX_BITS_PER_CHANNEL_USE`].
pub fn check_bpp_carriable(
    bpp: f64,
    cap_kn: f64,
    channels: usize,
) -> std::result::Result<(), String> {
    let max = cap_kn * channels as f64 * MAX_BITS_PER_CHANNEL_USE;
    if bpp > max {
        return Err(format!(
            "{bpp} bpp cannot be carried with any MCS: at k/n ≤ {cap_kn} and {channels} colour plane(s) the channel \
             carries at most {max:.2} bpp (best MCS: {MAX_BITS_PER_CHANNEL_USE:.4} bits per channel use)"
        ));
    }
    Ok(())
}

/// Rounds an SNR to 1e-9 dB so that ranges such as 0:0.1:1 give clean keys.
fn round_db(x: f64) -> f64 {
    let r = (x * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn non_empty(field: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(SweepError::config(field, "must not be empty"));
    }
    Ok(())
}

fn unique<'a>(field: &str, items: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, s) in items.enumerate() {
        if !seen.insert(s) {
            return Err(SweepError::config(
                format!("{field}[{i}]"),
                format!("'{s}' appears twice (labels must be unique)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const GOOD: &str = r#"
seed = 7
metrics = ["psnr"]
snr_range = { start = 0, stop = 20, step = 4 }
[[schemes]]
name = "softcast"
[[channels]]
name = "awgn"
[budgets]
kn = ["1/6", "1/12"]
[[datasets]]
name = "kodak"
path = "../shared/data/kodak"
"#;

    #[test]
    fn parses_and_expands() {
        let c = SweepConfig::from_toml_str(GOOD).unwrap();
        c.validate().unwrap();
        assert_eq!(c.snrs(), vec![0.0, 4.0, 8.0, 12.0, 16.0, 20.0]);
        assert_eq!(c.budget_list().len(), 2);
        let c2 = SweepConfig::from_toml_str(
            &GOOD
                .replace("step = 4", "step = 0.1")
                .replace("stop = 20", "stop = 1"),
        )
        .unwrap();
        assert_eq!(c2.snrs().len(), 11);
        assert_eq!(c2.snrs()[3], 0.3);
    }

    fn err(text: &str) -> String {
        match SweepConfig::from_toml_str(text) {
            Err(e) => e.to_string(),
            Ok(c) => c.validate().unwrap_err().to_string(),
        }
    }

    #[test]
    fn bad_fields_are_named() {
        assert!(err(&GOOD.replace("seed = 7", "seed = \"x\"")).contains("seed"));
        assert!(err(&GOOD.replace("[[channels]]", "[[channels]]\ncolour = 1")).contains("colour"));
        assert!(err(&GOOD.replace("\"1/12\"", "\"1/0\"")).contains("budgets.kn"));
        assert!(err(&GOOD.replace("\"1/12\"", "\"3/2\"")).contains("budgets.kn[1]"));
        assert!(err(&GOOD.replace("step = 4", "step = 0")).contains("snr_range.step"));
        assert!(err(&GOOD.replace("snr_range", "snr_db = [1.0]\nsnr_range")).contains("not both"));
        assert!(err(&GOOD.replace("kn = [\"1/6\", \"1/12\"]", "")).contains("budgets"));
        assert!(
            err(&GOOD.replace("[budgets]", "[budgets]\nbpp = [0.0]")).contains("budgets.bpp[0]")
        );
        assert!(err(&GOOD.replace("path = ", "limit = 0\npath = ")).contains("datasets[0].limit"));
        let dup = GOOD.replace(
            "[[channels]]",
            "[[schemes]]\nname = \"softcast\"\n[[channels]]",
        );
        assert!(err(&dup).contains("schemes[1]"));
    }

    #[test]
    fn impossible_bpp_is_refused() {
        // 3 planes x 7.41 bits = 22.2 bpp at k/n = 1: 30 bpp cannot be carried.
        let e = err(&GOOD.replace("[budgets]", "[budgets]\nbpp = [0.5, 30.0]"));
        assert!(e.contains("budgets.bpp[1]") && e.contains("any MCS"), "{e}");
        // With a k/n cap of 1/12 even 2 bpp is too much (max 1.85).
        let e = err(&GOOD.replace("[budgets]", "[budgets]\nbpp = [2.0]\nbpp_max_kn = \"1/12\""));
        assert!(e.contains("budgets.bpp[0]"), "{e}");
        let ok = SweepConfig::from_toml_str(
            &GOOD.replace("[budgets]", "[budgets]\nbpp = [1.5]\nbpp_max_kn = \"1/12\""),
        );
        assert!(ok.unwrap().validate().is_ok());
    }
}
