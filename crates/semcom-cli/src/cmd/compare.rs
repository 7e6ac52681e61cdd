//! `semcom compare ORIGINAL RECONSTRUCTION [--mask MASK.png | --box x0,y0,x1,y1 ...]`:
//! every image metric of `semcom_metrics::compare_images` for one pair of image files, or for
//! two folders matched by file stem (per-file rows, then mean and 95 % CI per metric).

use crate::Global;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use semcom_core::Image;
use semcom_metrics::{compare_images, summarize, Mask, MeanCi, PairMetrics, Rect, Region};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Original image, or a folder of originals.
    pub original: PathBuf,
    /// Reconstructed image, or a folder with reconstructions of the same file stems.
    pub reconstruction: PathBuf,
    /// Region mask image (non-zero = inside); adds inside/outside (complement) metrics.
    #[arg(long, conflicts_with = "boxes")]
    pub mask: Option<PathBuf>,
    /// Region box `x0,y0,x1,y1` (half-open pixel rectangle; repeat for several boxes).
    #[arg(long = "box", value_name = "X0,Y0,X1,Y1")]
    pub boxes: Vec<Rect>,
}

const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> Result<()> {
    let region = match (&args.mask, args.boxes.is_empty()) {
        (Some(m), _) => Some(Region::Mask(
            Mask::load(m).map_err(|e| anyhow::anyhow!("mask: {e}"))?,
        )),
        (None, false) => Some(Region::boxes(args.boxes.clone())),
        (None, true) => None,
    };
    match (args.original.is_dir(), args.reconstruction.is_dir()) {
        (false, false) => run_pair(args, region.as_ref(), g),
        (true, true) => run_folders(args, region.as_ref(), g),
        _ => bail!("ORIGINAL and RECONSTRUCTION must both be files or both be folders"),
    }
}

fn measure(orig: &Path, recon: &Path, region: Option<&Region>) -> Result<PairMetrics> {
    // One clean line per error (the core error already names the file).
    let a = Image::load(orig).map_err(|e| anyhow::anyhow!("{e}"))?;
    let b = Image::load(recon).map_err(|e| anyhow::anyhow!("{e}"))?;
    compare_images(&a, &b, 1.0, region)
        .with_context(|| format!("{} vs {}", orig.display(), recon.display()))
}

/// A metric value for JSON (`null` for +∞, i.e. PSNR of identical data).
fn metrics_json(m: &PairMetrics) -> Value {
    Value::Object(
        m.values
            .iter()
            .map(|(n, v)| (n.to_string(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

/// Human-readable value with its unit.
fn fmt_value(name: &str, v: f64) -> String {
    if name.starts_with("psnr") {
        if v.is_infinite() {
            "inf dB".into()
        } else {
            format!("{v:.3} dB")
        }
    } else {
        format!("{v:.5}")
    }
}

fn run_pair(args: &Args, region: Option<&Region>, g: &Global) -> Result<()> {
    let m = measure(&args.original, &args.reconstruction, region)?;
    if g.json {
        let out = json!({
            "original": args.original.display().to_string(),
            "reconstruction": args.reconstruction.display().to_string(),
            "metrics": metrics_json(&m),
        });
        println!("{out}");
    } else {
        println!(
            "{} vs {}",
            args.original.display(),
            args.reconstruction.display()
        );
        for (n, v) in &m.values {
            println!("  {n:<12} {}", fmt_value(n, *v));
        }
    }
    Ok(())
}

fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    v.sort();
    Ok(v)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn run_folders(args: &Args, region: Option<&Region>, g: &Global) -> Result<()> {
    let recon = image_files(&args.reconstruction)?;
    let mut pairs = Vec::new();
    let mut missing = Vec::new();
    for o in image_files(&args.original)? {
        match recon.iter().find(|r| stem(r) == stem(&o)) {
            Some(r) => pairs.push((o, r.clone())),
            None => missing.push(
                o.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
        }
    }
    if pairs.is_empty() {
        bail!(
            "no file of {} has a reconstruction with the same name in {}",
            args.original.display(),
            args.reconstruction.display()
        );
    }
    if !missing.is_empty() {
        eprintln!(
            "semcom compare: {} original(s) without reconstruction skipped: {}",
            missing.len(),
            missing.join(", ")
        );
    }
    let rows: Vec<PairMetrics> = pairs
        .par_iter()
        .map(|(o, r)| measure(o, r, region))
        .collect::<Result<Vec<_>>>()?;
    let summary = summarize(&rows);
    if g.json {
        let per: Vec<Value> = pairs
            .iter()
            .zip(&rows)
            .map(|((o, r), m)| json!({"original": o.display().to_string(), "reconstruction": r.display().to_string(), "metrics": metrics_json(m)}))
            .collect();
        let sum: Map<String, Value> = summary
            .iter()
            .map(|(n, s)| {
                let v = match s {
                    Some(MeanCi {
                        n,
                        mean,
                        std,
                        half_width,
                    }) => json!({"n": n, "mean": mean, "std": std, "ci95": half_width}),
                    None => Value::Null,
                };
                (n.to_string(), v)
            })
            .collect();
        println!(
            "{}",
            json!({"pairs": per, "summary": sum, "skipped": missing})
        );
    } else {
        let names: Vec<&str> = summary.iter().map(|(n, _)| *n).collect();
        let width = pairs
            .iter()
            .map(|(o, _)| stem(o).len())
            .max()
            .unwrap_or(4)
            .max(6);
        print!("{:<width$}", "file");
        names.iter().for_each(|n| print!(" {n:>12}"));
        println!();
        for ((o, _), m) in pairs.iter().zip(&rows) {
            print!("{:<width$}", stem(o));
            for n in &names {
                match m.get(n) {
                    Some(v) if v.is_finite() => print!(" {v:>12.5}"),
                    Some(_) => print!(" {:>12}", "inf"),
                    None => print!(" {:>12}", "-"),
                }
            }
            println!();
        }
        for (label, pick) in [("mean", 0), ("±95%CI", 1)] {
            print!("{label:<width$}");
            for (_, s) in &summary {
                match (s, pick) {
                    (Some(s), 0) => print!(" {:>12.5}", s.mean),
                    (
                        Some(MeanCi {
                            half_width: Some(h),
                            ..
                        }),
                        _,
                    ) => print!(" {h:>12.5}"),
                    _ => print!(" {:>12}", "-"),
                }
            }
            println!();
        }
        println!("({} pairs; PSNR in dB)", rows.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(o: &Path, r: &Path, boxes: Vec<Rect>) -> Args {
        Args {
            original: o.into(),
            reconstruction: r.into(),
            mask: None,
            boxes,
        }
    }

    #[test]
    fn pairs_folders_and_errors() {
        let dir = std::env::temp_dir().join(format!("semcom-compare-{}", std::process::id()));
        let (od, rd) = (dir.join("orig"), dir.join("recon"));
        std::fs::create_dir_all(&od).unwrap();
        std::fs::create_dir_all(&rd).unwrap();
        let a = semcom_core::testcard::test_card(32, 24);
        let mut b = a.clone();
        b.data_mut()
            .iter_mut()
            .for_each(|v| *v = (*v * 0.9).clamp(0.0, 1.0));
        for name in ["x", "y"] {
            a.save(od.join(format!("{name}.png"))).unwrap();
            b.save(rd.join(format!("{name}.png"))).unwrap();
        }
        a.save(od.join("alone.png")).unwrap();
        let g = Global { json: true };
        let bx = vec!["2,2,10,10".parse().unwrap()];
        run(&args(&od.join("x.png"), &rd.join("x.png"), bx.clone()), &g).unwrap();
        run(&args(&od, &rd, bx), &Global { json: false }).unwrap();
        let m = measure(&od.join("x.png"), &rd.join("x.png"), None).unwrap();
        assert!(m.get("psnr").unwrap() > 10.0 && m.get("ms-ssim").is_none());
        assert!(run(&args(&od, &rd.join("x.png"), vec![]), &g).is_err());
        assert!(run(&args(&od.join("x.png"), &rd.join("nope.png"), vec![]), &g).is_err());
        let far = vec!["100,100,120,120".parse().unwrap()];
        assert!(run(&args(&od.join("x.png"), &rd.join("x.png"), far), &g).is_err());
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(run(&args(&od, &empty, vec![]), &g).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
