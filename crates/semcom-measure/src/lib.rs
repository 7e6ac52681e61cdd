//! # semcom-measure
//!
//! One measurement path for every command (`transmit`, `demo`, `video`, `stereo`, `eval`,
//! sweeps): [`measure`] scores the reconstructed views of a [`Source`] against the source on
//! the **8-bit values** (what a PNG of the reconstruction holds), with metrics chosen by name
//! from a [`MetricRegistry`].
//!
//! ```text
//! source views ─► quantise to 8 bit ─┐
//!                                     ├─► Metric::view per view ─► mean over views ─► value
//! reconstruction ─► finite? ─► 8 bit ─┘        (task metrics also read References)
//! ```
//!
//! * Image metrics ([`image`]): `psnr`, `psnr-y`, `ssim`, `ssim-y`, `ms-ssim`, `mse`.
//! * Task metrics ([`task`]): `miou`, `ap50`, `keyarea-psnr`, `keyarea-ssim`, `lpips`, with
//!   pretrained networks loaded at first use ([`MetricRegistry::with_task_metrics`]). They join
//!   through the [`Metric`] trait and [`MetricRegistry::add`] and may read per-view
//!   [`References`] (ground-truth labels, key-area boxes).
//! * A multi-view source (clip, stereo pair) scores the mean of the per-view values (the
//!   per-frame average of video work); an infinite per-view value (identical views) gives
//!   `None`, as does a metric that is undefined for the view.
//! * A reconstruction with a non-finite value is an error, never a score.

pub mod image;
pub mod task;

pub use task::nets::{TaskConfig, TaskError, TaskNets};

use semcom_core::{Image, Source};
use std::collections::BTreeMap;
use thiserror::Error;

/// Errors of a measurement.
#[derive(Debug, Error)]
pub enum MeasureError {
    /// A metric name that is not registered.
    #[error("unknown metric '{name}' (known: {known})")]
    UnknownMetric {
        /// The name given.
        name: String,
        /// The registered names.
        known: String,
    },
    /// Views that cannot be compared (count, size, non-finite values).
    #[error("{0}")]
    Views(String),
    /// A metric failed on a view.
    #[error("{metric}: view {view}: {msg}")]
    Metric {
        /// Metric name.
        metric: String,
        /// View index.
        view: usize,
        /// What went wrong.
        msg: String,
    },
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, MeasureError>;

/// What a task metric may compare against, per view (empty = not available).
#[derive(Clone, Debug, Default)]
pub struct References {
    /// Ground-truth class maps per view (one class index per pixel, row-major).
    pub labels: Vec<Option<Vec<u8>>>,
    /// Key-area boxes per view, `(x0, y0, x1, y1)` in pixels, half-open.
    pub boxes: Vec<Option<Vec<semcom_metrics::Rect>>>,
}

/// One view to score: the 8-bit source and reconstruction, and its references.
#[derive(Clone, Copy, Debug)]
pub struct ViewPair<'a> {
    /// View index in the source.
    pub index: usize,
    /// The source view, quantised to 8 bits.
    pub src: &'a Image,
    /// The reconstructed view, quantised to 8 bits.
    pub rec: &'a Image,
    /// Ground-truth class map of this view, if given.
    pub labels: Option<&'a [u8]>,
    /// Key-area boxes of this view, if given.
    pub boxes: Option<&'a [semcom_metrics::Rect]>,
}

/// A metric of one view; values of a multi-view source are averaged over views.
pub trait Metric: Send + Sync {
    /// Registry name (e.g. `psnr`, `miou`).
    fn name(&self) -> &'static str;
    /// One-line description with the reference it follows.
    fn description(&self) -> &'static str;
    /// The value for one view; `Ok(None)` when undefined or infinite (identical views).
    fn view(&self, v: &ViewPair<'_>) -> std::result::Result<Option<f64>, String>;
}

/// Metrics by name.
pub struct MetricRegistry {
    metrics: Vec<Box<dyn Metric>>,
}

impl Default for MetricRegistry {
    fn default() -> Self {
        Self::images()
    }
}

impl MetricRegistry {
    /// The image metrics ([`image::all`]).
    pub fn images() -> Self {
        Self {
            metrics: image::all(),
        }
    }

    /// Adds (or replaces, by name) a metric.
    pub fn add(&mut self, m: Box<dyn Metric>) {
        self.metrics.retain(|x| x.name() != m.name());
        self.metrics.push(m);
    }

    /// The registered metric names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.metrics.iter().map(|m| m.name()).collect()
    }

    /// A metric by name.
    pub fn get(&self, name: &str) -> Result<&dyn Metric> {
        self.metrics
            .iter()
            .find(|m| m.name() == name)
            .map(|m| m.as_ref())
            .ok_or_else(|| MeasureError::UnknownMetric {
                name: name.into(),
                known: self.names().join(", "),
            })
    }

    /// Checks that every name is registered (before any work).
    pub fn check(&self, names: &[String]) -> Result<()> {
        names.iter().try_for_each(|n| self.get(n).map(|_| ()))
    }
}

/// The measured values of one reconstruction.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// Metric → mean over views (`None`: infinite or undefined).
    pub values: BTreeMap<String, Option<f64>>,
    /// Per view: metric → value.
    pub per_view: Vec<BTreeMap<String, Option<f64>>>,
}

impl Measurement {
    /// The value of `name` (`None` when not measured, infinite or undefined).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.get(name).copied().flatten()
    }
}

/// Scores the reconstructed views `rec` of `src` with the metrics `names` on 8-bit values.
pub fn measure(
    registry: &MetricRegistry,
    names: &[String],
    src: &Source,
    rec: &[Image],
    refs: &References,
) -> Result<Measurement> {
    let metrics = names
        .iter()
        .map(|n| registry.get(n))
        .collect::<Result<Vec<_>>>()?;
    let views = src.views();
    if rec.len() != views.len() {
        return Err(MeasureError::Views(format!(
            "{} reconstructed views for {} source views",
            rec.len(),
            views.len()
        )));
    }
    let mut out = Measurement::default();
    for (i, (s, r)) in views.iter().zip(rec).enumerate() {
        if (s.width(), s.height(), s.channels()) != (r.width(), r.height(), r.channels()) {
            return Err(MeasureError::Views(format!(
                "view {i}: reconstruction {}x{}x{} differs from the source {}x{}x{}",
                r.width(),
                r.height(),
                r.channels(),
                s.width(),
                s.height(),
                s.channels()
            )));
        }
        if r.data().iter().any(|v| !v.is_finite()) {
            return Err(MeasureError::Views(format!(
                "view {i}: the reconstruction holds non-finite values"
            )));
        }
        let (s8, r8) = (s.clone().quantize_u8(), r.clone().quantize_u8());
        let pair = ViewPair {
            index: i,
            src: &s8,
            rec: &r8,
            labels: refs.labels.get(i).and_then(|l| l.as_deref()),
            boxes: refs.boxes.get(i).and_then(|b| b.as_deref()),
        };
        let mut row = BTreeMap::new();
        for m in &metrics {
            let v = m.view(&pair).map_err(|msg| MeasureError::Metric {
                metric: m.name().into(),
                view: i,
                msg,
            })?;
            row.insert(m.name().to_string(), v.filter(|x| x.is_finite()));
        }
        out.per_view.push(row);
    }
    for m in &metrics {
        let vals: Option<Vec<f64>> = out.per_view.iter().map(|r| r[m.name()]).collect();
        let mean = vals.map(|v| v.iter().sum::<f64>() / v.len() as f64);
        out.values.insert(m.name().to_string(), mean);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn eight_bit_values_and_the_mean_over_views() {
        let a = Image::filled(16, 16, 3, 0.5).unwrap();
        // 0.6 quantises to 153/255: PSNR of the 8-bit values, not of 0.1 in float.
        let b = Image::filled(16, 16, 3, 0.6).unwrap();
        let r = MetricRegistry::default();
        let m = measure(
            &r,
            &names(&["psnr", "mse"]),
            &Source::still(a.clone()),
            std::slice::from_ref(&b),
            &References::default(),
        )
        .unwrap();
        let d = (153.0 - 128.0) / 255.0;
        let want = -10.0 * f64::log10(d * d);
        assert!((m.get("psnr").unwrap() - want).abs() < 1e-5, "{m:?}");
        // Two views, one identical: PSNR infinite in one view → None; MSE averaged.
        let pair = Source::stereo(a.clone(), a.clone()).unwrap();
        let m = measure(
            &r,
            &names(&["psnr", "mse"]),
            &pair,
            &[a.clone(), b.clone()],
            &References::default(),
        )
        .unwrap();
        assert_eq!(m.get("psnr"), None);
        assert!((m.get("mse").unwrap() - d * d / 2.0).abs() < 1e-8);
        assert_eq!(m.per_view.len(), 2);
    }

    #[test]
    fn unknown_names_non_finite_and_mismatched_views_are_errors() {
        let a = Image::filled(8, 8, 3, 0.5).unwrap();
        let r = MetricRegistry::default();
        let src = Source::still(a.clone());
        let e = measure(
            &r,
            &names(&["psnr_y"]),
            &src,
            std::slice::from_ref(&a),
            &References::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("psnr-y"), "{e}");
        let mut nan = a.clone();
        nan.data_mut()[3] = f32::NAN;
        assert!(measure(&r, &names(&["psnr"]), &src, &[nan], &References::default()).is_err());
        assert!(measure(&r, &names(&["psnr"]), &src, &[], &References::default()).is_err());
        let small = Image::filled(4, 8, 3, 0.5).unwrap();
        assert!(measure(
            &r,
            &names(&["psnr"]),
            &src,
            &[small],
            &References::default()
        )
        .is_err());
    }
}
