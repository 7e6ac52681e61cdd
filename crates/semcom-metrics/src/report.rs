//! Every image metric for one original/reconstruction pair, and batch summaries (mean and
//! 95 % CI per metric) — what `semcom compare` prints and what sweeps tabulate.

use crate::error::{MetricsError, Result};
use crate::plane::{pair_luma, pair_planes, Plane};
use crate::psnr::psnr_from_mse;
use crate::region::Region;
use crate::ssim::{region_mean, ssim_map_plane, RADIUS, WIN};
use crate::stats::{mean_ci95, MeanCi};
use crate::{ms_ssim, psnr, psnr_masked, psnr_y};
use rayon::prelude::*;
use semcom_core::Image;

/// Named metric values of one pair, in a fixed order. A metric that does not apply (MS-SSIM on
/// an image ≤ 160 px, SSIM below 11 px) is left out. PSNR of identical data is `+∞`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairMetrics {
    /// `(name, value)` pairs: `psnr`, `psnr-y`, `ssim`, `ssim-y`, `ms-ssim` (the names of `semcom-measure`), and with a region
    /// `psnr-in`, `psnr-out`, `psnr-y-in`, `psnr-y-out`, `ssim-in`, `ssim-y-in`, `ssim-out`,
    /// `ssim-y-out` (`-in` = inside the region, `-out` = its complement, left out when the
    /// region covers the whole image).
    pub values: Vec<(&'static str, f64)>,
}

impl PairMetrics {
    /// The value of metric `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// All image metrics of a pair with data range `range`, plus region/complement metrics when a
/// region is given. Shape mismatches, non-finite samples and an empty region are errors. Each
/// SSIM map (per channel and luma) is computed once and averaged over the border-cropped
/// interior, the region and its complement, so the values equal [`ssim()`](crate::ssim()),
/// [`ssim_masked`](crate::ssim_masked), … exactly.
pub fn compare_images(
    a: &Image,
    b: &Image,
    range: f64,
    region: Option<&Region>,
) -> Result<PairMetrics> {
    let (pa, pb) = pair_planes(a, b, range)?;
    let (ya, yb) = pair_luma(a, b, range)?;
    let (w, h) = (a.width(), a.height());
    let sel = match region {
        Some(r) => Some((r.nonempty_flags(w, h)?, r.complement().flags(w, h)?)),
        None => None,
    };
    let mut values = vec![
        ("psnr", psnr(a, b, range)?),
        ("psnr-y", psnr_y(a, b, range)?),
    ];
    let ssim_ok = w >= WIN && h >= WIN;
    let maps: Vec<Plane> = if ssim_ok {
        let mut m: Vec<Plane> = pa
            .par_iter()
            .zip(pb.par_iter())
            .map(|(x, y)| ssim_map_plane(x, y, range))
            .collect();
        m.push(ssim_map_plane(&ya, &yb, range));
        m
    } else {
        Vec::new()
    };
    // Mean over colour channels and luma of the region mean of the SSIM map.
    let ssim_pair = |f: &[bool]| -> (f64, f64) {
        let c = maps.len() - 1;
        (
            maps[..c].iter().map(|m| region_mean(m, f)).sum::<f64>() / c as f64,
            region_mean(&maps[c], f),
        )
    };
    if ssim_ok {
        let (s, sy) = ssim_pair(&Region::Interior { margin: RADIUS }.flags(w, h)?);
        values.push(("ssim", s));
        values.push(("ssim-y", sy));
    }
    match ms_ssim(a, b, range) {
        Ok(v) => values.push(("ms-ssim", v)),
        Err(MetricsError::TooSmall(_)) => {}
        Err(e) => return Err(e),
    }
    if let Some((inside, outside)) = sel {
        let mse_y = |f: &[bool]| -> f64 {
            let (s, n) = ya
                .data
                .iter()
                .zip(&yb.data)
                .zip(f)
                .filter(|(_, &m)| m)
                .fold((0.0, 0usize), |(s, n), ((x, y), _)| {
                    (s + (x - y) * (x - y), n + 1)
                });
            s / n as f64
        };
        let has_out = outside.iter().any(|&v| v);
        let r = region.ok_or(MetricsError::EmptyRegion)?;
        values.push(("psnr-in", psnr_masked(a, b, range, r)?));
        if has_out {
            values.push(("psnr-out", psnr_masked(a, b, range, &r.complement())?));
        }
        values.push(("psnr-y-in", psnr_from_mse(mse_y(&inside), range)));
        if has_out {
            values.push(("psnr-y-out", psnr_from_mse(mse_y(&outside), range)));
        }
        if ssim_ok {
            let (si, syi) = ssim_pair(&inside);
            values.push(("ssim-in", si));
            values.push(("ssim-y-in", syi));
            if has_out {
                let (so, syo) = ssim_pair(&outside);
                values.push(("ssim-out", so));
                values.push(("ssim-y-out", syo));
            }
        }
    }
    // PSNR may be +∞ (identical data); any other non-finite value is an error, not a score.
    if let Some((name, _)) = values
        .iter()
        .find(|(n, v)| v.is_nan() || (v.is_infinite() && !(n.starts_with("psnr") && *v > 0.0)))
    {
        return Err(MetricsError::NonFinite(name));
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
        c.data_mut()
            .iter_mut()
            .for_each(|v| *v = (*v * 0.9).clamp(0.0, 1.0));
        let r = Region::boxes(vec![Rect::new(4, 4, 20, 20).unwrap()]);
        let m = compare_images(&a, &c, 1.0, Some(&r)).unwrap();
        assert!(m.get("ms-ssim").is_none(), "48x32 is too small for MS-SSIM");
        assert!(m.get("ssim-y-out").is_some());
        assert_eq!(m.values.len(), 4 + 8);
        let c_ = r.complement();
        let want = [
            ("psnr", crate::psnr(&a, &c, 1.0).unwrap()),
            ("ssim", crate::ssim(&a, &c, 1.0).unwrap()),
            ("ssim-y", crate::ssim_y(&a, &c, 1.0).unwrap()),
            (
                "psnr-y-out",
                crate::psnr_y_masked(&a, &c, 1.0, &c_).unwrap(),
            ),
            ("ssim-in", crate::ssim_masked(&a, &c, 1.0, &r).unwrap()),
            (
                "ssim-y-out",
                crate::ssim_y_masked(&a, &c, 1.0, &c_).unwrap(),
            ),
        ];
        for (name, v) in want {
            assert!((m.get(name).unwrap() - v).abs() < 1e-12, "{name}");
        }
        let whole = compare_images(&a, &c, 1.0, Some(&Region::All)).unwrap();
        assert!(whole.get("psnr-out").is_none() && whole.get("ssim-in").is_some());
        let s = summarize(&[m.clone(), compare_images(&a, &b, 1.0, Some(&r)).unwrap()]);
        assert_eq!(s[0].0, "psnr");
        assert_eq!(s[0].1.unwrap().n, 2);
        let empty = Region::boxes(vec![Rect::new(100, 100, 120, 120).unwrap()]);
        assert!(matches!(
            compare_images(&a, &c, 1.0, Some(&empty)),
            Err(MetricsError::EmptyRegion)
        ));
    }
}
