//! `semcom stereo`: a stereo pair through one scheme (any scheme that transmits stereo
//! sources; image schemes send one block per view) over one channel at one or more SNRs;
//! per-view quality.

use crate::output::{parse_range, run_measured, write_atomic, LinkArgs};
use crate::Global;
use anyhow::{Context, Result};
use semcom_core::{Accounting, Image, Ratio, Source};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Left view (PNG, JPEG, WebP); default: the built-in test card and a copy shifted 8 px.
    #[arg(requires = "right")]
    pub left: Option<PathBuf>,
    /// Right view, of the left view's size.
    pub right: Option<PathBuf>,
    /// Scheme name (see `semcom demo --list`).
    #[arg(long)]
    pub scheme: String,
    /// Channel, SNRs, budget, scheme options and seed.
    #[command(flatten)]
    pub link: LinkArgs,
    /// Metrics per view (see `semcom sweep --metrics`; default `psnr,ssim`).
    #[arg(long, value_delimiter = ',', default_value = "psnr,ssim")]
    pub metrics: Vec<String>,
    /// Output folder: `snr_<dB>/left.png`, `right.png` and `results.json`.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

/// One measured pair transmission.
#[derive(Debug, Serialize)]
pub struct StereoRow {
    /// Scheme name.
    pub scheme: String,
    /// Channel name.
    pub channel: String,
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Achieved k/n over the pair (n = 2·C·H·W).
    pub k_over_n: f64,
    /// Total bits per pixel of the pair (payload + side information).
    pub bpp: f64,
    /// Metric → value for the left view (null: identical or undefined).
    pub left: std::collections::BTreeMap<String, Option<f64>>,
    /// Metric → value for the right view.
    pub right: std::collections::BTreeMap<String, Option<f64>>,
    /// Per view: arrived intact and decoded.
    pub view_ok: Vec<bool>,
    /// Full accounting.
    pub accounting: Accounting,
}

/// The built-in pair: the test card and the same card shifted 8 px to the left (a fronto-
/// parallel scene at disparity 8).
fn default_pair() -> Result<(Image, Image)> {
    let (w, h) = (256, 192);
    let left = semcom_core::testcard::test_card(w, h);
    let mut right = left.clone();
    let (src, dst) = (left.data(), right.data_mut());
    for c in 0..3 {
        for y in 0..h {
            for x in 0..w {
                dst[(c * h + y) * w + x] = src[(c * h + y) * w + (x + 8).min(w - 1)];
            }
        }
    }
    Ok((left, right))
}

/// Runs the command.
pub fn run(a: &Args, g: &Global) -> Result<()> {
    let scheme = semcom_schemes::build(&a.scheme, &a.link.scheme_opts.options()?)?;
    let (l, r) = match (&a.left, &a.right) {
        (Some(l), Some(r)) => (
            Image::load(l).with_context(|| format!("loading {}", l.display()))?,
            Image::load(r).with_context(|| format!("loading {}", r.display()))?,
        ),
        _ => default_pair()?,
    };
    let source = Source::stereo(l, r)?;
    let budget = a.link.budget.budget(Some(Ratio::new(1, 6)?))?;
    let channel = a.link.channel.build()?;
    let mut rows = Vec::new();
    for snr in parse_range(&a.link.snr)? {
        let (out, m) = run_measured(
            &*scheme,
            &*channel,
            &source,
            &budget,
            snr,
            a.link.seed,
            &a.metrics,
        )?;
        if let Some(dir) = &a.output {
            let d = dir.join(format!("snr_{snr}"));
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            for (name, v) in ["left.png", "right.png"].iter().zip(&out.views) {
                let p = d.join(name);
                v.clone()
                    .quantize_u8()
                    .save(&p)
                    .with_context(|| format!("writing {}", p.display()))?;
            }
        }
        let acc = out.accounting;
        rows.push(StereoRow {
            scheme: a.scheme.clone(),
            channel: channel.name(),
            snr_db: snr,
            k_over_n: acc.k_over_n(),
            bpp: acc.bpp(),
            left: m.per_view[0].clone(),
            right: m.per_view[1].clone(),
            view_ok: out.view_ok,
            accounting: acc,
        });
    }
    if let Some(dir) = &a.output {
        write_atomic(
            &dir.join("results.json"),
            serde_json::to_string_pretty(&rows)?.as_bytes(),
        )?;
    }
    if g.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    print!(
        "{:<18} {:<14} {:>7} {:>9} {:>8}",
        "scheme", "channel", "SNR dB", "k/n", "BPP"
    );
    for m in &a.metrics {
        print!(" {:>10} {:>10}", format!("{m} L"), format!("{m} R"));
    }
    println!(" {:>6}", "ok");
    let fmt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "inf".into());
    for r in &rows {
        print!(
            "{:<18} {:<14} {:>7.1} {:>9.5} {:>8.4}",
            r.scheme, r.channel, r.snr_db, r.k_over_n, r.bpp
        );
        for m in &a.metrics {
            print!(" {:>10} {:>10}", fmt(r.left[m]), fmt(r.right[m]));
        }
        let ok = r.view_ok.iter().filter(|o| **o).count();
        println!(" {:>6}", format!("{ok}/2"));
    }
    Ok(())
}
