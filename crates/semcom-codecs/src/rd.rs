//! Rate–distortion measurement over a folder of images (the Kodak table): per target BPP,
//! the mean achieved BPP (`bytes·8/(H·W)`) and the mean PSNR-RGB in dB (averaged in dB over
//! images, as CompressAI does), compared with a published reference curve interpolated
//! linearly in log(bpp) at the achieved BPP.

use crate::psnr::try_psnr_u8;
use crate::{bpp_of, with_channels, CodecError, ImageCodec, RateTarget, Result};
use rayon::prelude::*;
use semcom_core::Image;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct RdPoint {
    /// Codec name.
    pub codec: String,
    /// Number of images.
    pub images: usize,
    /// The rate target (`Bpp(x)` for the BPP table, `Quality(q)` for matched-parameter points).
    pub target: RateTarget,
    /// Mean achieved BPP.
    pub bpp: f64,
    /// Mean PSNR-RGB (dB).
    pub psnr_rgb: f64,
    /// Reference PSNR at the achieved BPP, if a reference curve was given.
    pub reference_psnr_rgb: Option<f64>,
    /// `psnr_rgb − reference_psnr_rgb`.
    pub delta_db: Option<f64>,
}

/// Sorted PNG files of a folder.
pub fn png_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|source| semcom_core::CoreError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
        .collect();
    v.sort();
    Ok(v)
}

/// Reference curve name in CompressAI's `codecs_kodak_reference.json` for a codec.
pub fn reference_name(codec: &str) -> Option<&'static str> {
    match codec {
        "jpeg" => Some("JPEG"),
        "jpeg2000" => Some("JPEG2000"),
        "webp" => Some("WebP"),
        "avif" => Some("AV1 (extra)"),
        "hevc" => Some("BPG 4:4:4 (x265, YCbCr)"),
        _ => None,
    }
}

/// Reference (bpp, PSNR-RGB) points of `codec` from the reference JSON, sorted by bpp;
/// `None` when the file has no curve for this codec. A missing, unreadable or malformed file
/// is an error (a silently absent reference column would look like a finished table).
pub fn load_reference(path: &Path, codec: &str) -> Result<Option<Vec<(f64, f64)>>> {
    let err = |msg: String| CodecError::Reference {
        path: path.display().to_string(),
        msg,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
    let curves = v["codecs"]
        .as_array()
        .ok_or_else(|| err("no \"codecs\" array".into()))?;
    let Some(c) = reference_name(codec).and_then(|n| curves.iter().find(|c| c["codec"] == n))
    else {
        return Ok(None);
    };
    let mut pts: Vec<(f64, f64)> = c["points"]
        .as_array()
        .ok_or_else(|| err(format!("curve {} has no \"points\" array", c["codec"])))?
        .iter()
        .filter_map(|p| Some((p["bpp"].as_f64()?, p["psnr_rgb"].as_f64()?)))
        .filter(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite())
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(Some(pts))
}

/// PSNR of a curve at `bpp` by monotone piecewise-cubic Hermite interpolation (PCHIP,
/// Fritsch–Carlson) in log(bpp), as in Bjøntegaard-style comparisons; linear extension of
/// the end segments outside the measured range.
pub fn interpolate(pts: &[(f64, f64)], bpp: f64) -> Option<f64> {
    let n = pts.len();
    if n < 2 || bpp.is_nan() || bpp <= 0.0 {
        return None;
    }
    let x: Vec<f64> = pts.iter().map(|p| p.0.ln()).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let h: Vec<f64> = (0..n - 1).map(|i| x[i + 1] - x[i]).collect();
    if h.iter().any(|&v| v.is_nan() || v <= 0.0) {
        return None;
    }
    let d: Vec<f64> = (0..n - 1).map(|i| (y[i + 1] - y[i]) / h[i]).collect();
    let xq = bpp.ln();
    if xq <= x[0] {
        return Some(y[0] + d[0] * (xq - x[0]));
    }
    if xq >= x[n - 1] {
        return Some(y[n - 1] + d[n - 2] * (xq - x[n - 1]));
    }
    // Fritsch–Carlson slopes (weighted harmonic mean, zero at extrema; one-sided ends).
    let mut m = vec![0.0; n];
    m[0] = d[0];
    m[n - 1] = d[n - 2];
    for i in 1..n - 1 {
        if d[i - 1] * d[i] > 0.0 {
            let (w1, w2) = (2.0 * h[i] + h[i - 1], h[i] + 2.0 * h[i - 1]);
            m[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i]);
        }
    }
    let i = (0..n - 1).find(|&i| xq <= x[i + 1]).unwrap_or(n - 2);
    let t = (xq - x[i]) / h[i];
    let (t2, t3) = (t * t, t * t * t);
    Some(
        (2.0 * t3 - 3.0 * t2 + 1.0) * y[i]
            + (t3 - 2.0 * t2 + t) * h[i] * m[i]
            + (-2.0 * t3 + 3.0 * t2) * y[i + 1]
            + (t3 - t2) * h[i] * m[i + 1],
    )
}

/// Measures `codec` at each rate target over `images` (in parallel over images; the result
/// does not depend on the number of threads). `progress` is called once per encoded image.
pub fn measure(
    codec: &dyn ImageCodec,
    images: &[Image],
    targets: &[RateTarget],
    reference: Option<&[(f64, f64)]>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<RdPoint>> {
    if images.is_empty() {
        return Err(CodecError::InvalidTarget("no images".into()));
    }
    let mut rows = Vec::new();
    for &t in targets {
        let per: Vec<(f64, f64)> = images
            .par_iter()
            .map(|img| -> Result<(f64, f64)> {
                let bytes = codec.encode(img, t)?;
                let rec = with_channels(codec.decode(&bytes)?, img.channels());
                progress();
                Ok((
                    bpp_of(bytes.len(), img.width(), img.height()),
                    try_psnr_u8(img, &rec)?,
                ))
            })
            .collect::<Result<_>>()?;
        let n = per.len() as f64;
        let bpp = per.iter().map(|p| p.0).sum::<f64>() / n;
        let psnr = per.iter().map(|p| p.1).sum::<f64>() / n;
        let r = reference.and_then(|r| interpolate(r, bpp));
        rows.push(RdPoint {
            codec: codec.name().into(),
            images: images.len(),
            target: t,
            bpp,
            psnr_rgb: psnr,
            reference_psnr_rgb: r,
            delta_db: r.map(|r| psnr - r),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pchip_interpolation_in_log_bpp() {
        // Two points: the cubic reduces to a line in log(bpp).
        let pts = [(0.25, 24.0), (1.0, 30.0)];
        assert!((interpolate(&pts, 0.5).unwrap() - 27.0).abs() < 1e-12);
        assert!((interpolate(&pts, 2.0).unwrap() - 33.0).abs() < 1e-12);
        assert_eq!(interpolate(&pts[..1], 0.5), None);
        // Passes through the nodes, stays monotone between them.
        let pts = [(0.125, 22.0), (0.25, 25.0), (0.5, 29.0), (1.0, 32.0)];
        for p in pts {
            assert!((interpolate(&pts, p.0).unwrap() - p.1).abs() < 1e-9);
        }
        let v = interpolate(&pts, 0.35).unwrap();
        assert!(v > 25.0 && v < 29.0);
    }
}
