//! Every image metric for one original/reconstruction pair, and batch summaries (mean and
//! 95 % CI per metric) — what `semcom compare` prints and what sweeps tabulate.

use crate::error::{MetricsError, Result};
use crate::region::Region;
use crate::stats::{mean_ci95, MeanCi};
use crate::{ms_ssim, psnr, psnr_masked, psnr_y, psnr_y_masked, ssim, ssim_masked, ssim_y, ssim_y_masked};
use semcom_core::Image;

/// Named metric values of one pair, in a fixed order. A metric that does not apply (MS-SSIM on
/// an image ≤ 160 px, SSIM below 11 px) is left out. PSNR of identical data is `+∞`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairMetrics {
    /// `(name, value)` pairs: `psnr`, `psnr_y`, `ssim`, `ssim_y`, `ms_ssim`, and with a region
    /// `psnr_in`, `psnr_out`, `psnr_y_in`, `psnr_y_out`, `ssim_in`, `ssim_out`, `ssim_y_in`,
    /// `ssim_y_out` (`_in` = inside the region, `_out` = its complement).
    pub values: Vec<(&'static str, f64)>,
}

impl PairMetrics {
    /// The value of metric `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// Keeps `Ok` values, drops "does not apply" errors (too small / empty region), forwards others.
fn optional(r: Result<f64>) -> Result<Option<f64>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(MetricsError::TooSmall(_)) | Err(MetricsError::EmptyRegion) => Ok(None),
        Err(e) => Err(e),
    }
}

/// All image metrics of a pair with data range `range`, plus region/complement metrics when a
/// region is given. Shape mismatches and non-finite samples are errors.
pub fn compare_images(a: &Image, b: &Image, range: f64, region: Option<&Region>) -> Result<PairMetrics> {
    let mut values = vec![("psnr", psnr(a, b, range)?), ("psnr_y", psnr_y(a, b, range)?)];
    let mut push = |name, r: Result<f64>| -> Result<()> {
        if let Some(v) = optional(r)? {
            values.push((name, v));
        }
        Ok(())
    };
    push("ssim", ssim(a, b, range))?;
    push("ssim_y", ssim_y(a, b, range))?;
    push("ms_ssim", ms_ssim(a, b, range))?;
    if let Some(r) = region {
        if r.nonempty_flags(a.width(), a.height()).is_err() {
            return Err(MetricsError::EmptyRegion);
        }
        let c = r.complement();
        push("psnr_in", psnr_masked(a, b, range, r))?;
        push("psnr_out", psnr_masked(a, b, range, &c))?;
        push("psnr_y_in", psnr_y_masked(a, b, range, r))?;
        push("psnr_y_out", psnr_y_masked(a, b, range, &c))?;
        push("ssim_in", ssim_masked(a, b, range, r))?;
        push("ssim_out", ssim_masked(a, b, range, &c))?;
        push("ssim_y_in", ssim_y_masked(a, b, range, r))?;
        push("ssim_y_out", ssim_y_masked(a, b, range, &c))?;
    }
    Ok(PairMetrics { values })
}

/// Per-metric mean and 95 % CI over rows, in the order metrics first appear. A metric whose
/// values include `±∞` (identical pairs under PSNR) gets `None`.
pub fn summarize(rows: &[PairMetrics]) -> Vec<(&'static str, Option<MeanCi>)> {
    let mut names: Vec<&'static str> = Vec::new();
    for r in rows {
        for (n, _) in &r.values {
            if !names.contains(n) {
                names.push(n);
            }
        }
    }
    names
        .into_iter()
        .map(|n| {
            let v: Vec<f64> = rows.iter().filter_map(|r| r.get(n)).collect();
            (n, mean_ci95(&v).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Rect;
    use semcom_core::testcard::test_card;

    #[test]
    fn pair_and_summary() {
        let a = test_card(48, 32);
        let b = a.clone().quantize_u8();
        let mut c = a.clone();
        c.data_mut().iter_mut().for_each(|v| *v = (*v * 0.9).clamp(0.0, 1.0));
        let r = Region::boxes(vec![Rect::new(4, 4, 20, 20).unwrap()]);
        let m = compare_images(&a, &c, 1.0, Some(&r)).unwrap();
        assert!(m.get("ms_ssim").is_none(), "48x32 is too small for MS-SSIM");
        assert!(m.get("ssim_y_out").is_some());
        assert_eq!(m.values.len(), 4 + 8);
        let s = summarize(&[m.clone(), compare_images(&a, &b, 1.0, Some(&r)).unwrap()]);
        assert_eq!(s[0].0, "psnr");
        assert_eq!(s[0].1.unwrap().n, 2);
        let empty = Region::boxes(vec![Rect::new(100, 100, 120, 120).unwrap()]);
        assert!(matches!(compare_images(&a, &c, 1.0, Some(&empty)), Err(MetricsError::EmptyRegion)));
    }
}
