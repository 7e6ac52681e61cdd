//! `semcom video`: one clip through any scheme that transmits clips (H.264 + LDPC + QAM,
//! H.264 at capacity, or any image scheme one block per frame: `jpeg2000+ldpc`, `deepjscc`, …)
//! over one channel at one or more SNRs; per-frame quality and which frames were lost.

use crate::output::{parse_range, run_measured, write_atomic, LinkArgs};
use crate::Global;
use anyhow::{bail, Context, Result};
use semcom_core::{Accounting, Image, Ratio, Source};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder of frames (PNG/JPEG/WebP, taken in file-name order); default: a generated
    /// panning test clip (192×128 RGB).
    pub clip: Option<PathBuf>,
    /// Scheme: `h264+ldpc`, `h264@capacity`, or any image scheme (one block per frame).
    #[arg(long, default_value = "h264+ldpc")]
    pub scheme: String,
    /// Channel, SNRs, budget, scheme options and seed (`rayleigh-block` = one fade per block:
    /// per frame slot for H.264, per frame for image schemes).
    #[command(flatten)]
    pub link: LinkArgs,
    /// Frames to send.
    #[arg(long, default_value_t = 30)]
    pub frames: usize,
    /// Index of the first frame taken from the folder.
    #[arg(long, default_value_t = 0)]
    pub start: usize,
    /// Frame rate of the clip (H.264's rate control budgets per frame from it).
    #[arg(long, default_value_t = 10.0)]
    pub fps: f32,
    /// Distance between H.264 IDR frames, the H.264 schemes' `intra_period` parameter
    /// (0 = only the first frame is intra; default 10).
    #[arg(long)]
    pub intra_period: Option<u32>,
    /// Output folder: the displayed frames (`snr_<dB>/0001.png` …), `results.json`,
    /// `results.csv` and `psnr_vs_snr.png` (+ `.svg`).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

/// One measured clip transmission.
#[derive(Debug, Serialize)]
pub struct VideoRow {
    /// Scheme name.
    pub scheme: String,
    /// Channel name.
    pub channel: String,
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Frames sent.
    pub frames: usize,
    /// Frames that arrived intact and decoded.
    pub frames_ok: usize,
    /// Achieved k/n over the clip.
    pub k_over_n: f64,
    /// Total bits per pixel (payload + side information).
    pub bpp: f64,
    /// Mean over frames of the per-frame PSNR (dB, 8-bit frames; identical frames count 100 dB).
    pub mean_psnr_db: f64,
    /// Lowest per-frame PSNR (dB).
    pub min_psnr_db: f64,
    /// Mean per-frame SSIM.
    pub mean_ssim: f64,
    /// Bytes of the source-coded stream that was sent (0 = its smallest stream did not fit
    /// the budget; null for analog schemes).
    pub stream_bytes: Option<u64>,
    /// Per-frame PSNR (dB).
    pub psnr_db: Vec<f64>,
    /// Per-frame: arrived intact and decoded.
    pub frame_ok: Vec<bool>,
    /// Full accounting (`decode_ok` = every frame intact).
    pub accounting: Accounting,
}

/// Most frames a clip may have on the command line.
const MAX_FRAMES: usize = semcom_core::source::MAX_VIEWS;

/// Loads `frames` frames from `dir` starting at index `start` (image files in name order).
pub fn load_clip(dir: &Path, start: usize, frames: usize) -> Result<Vec<Image>> {
    let files = semcom_core::listing::list_images(dir, false)?;
    let chosen: Vec<&PathBuf> = files.iter().skip(start).take(frames).collect();
    if chosen.is_empty() {
        bail!("{} has no frames from index {start}", dir.display());
    }
    let mut clip = Vec::with_capacity(chosen.len());
    let mut samples = 0usize;
    for p in chosen {
        let f = Image::load(p).with_context(|| format!("loading {}", p.display()))?;
        samples += f.samples();
        if samples > semcom_core::source::MAX_SOURCE_SAMPLES {
            bail!(
                "the clip exceeds {} samples at {}: take fewer --frames",
                semcom_core::source::MAX_SOURCE_SAMPLES,
                p.display()
            );
        }
        clip.push(f);
    }
    Ok(clip)
}

/// Runs the command.
pub fn run(a: &Args, g: &Global) -> Result<()> {
    if a.frames == 0 || a.frames > MAX_FRAMES {
        bail!("--frames must be in 1..={MAX_FRAMES}");
    }
    let mut opts = a.link.scheme_opts.options()?;
    if let Some(p) = a.intra_period {
        opts.params
            .insert("intra_period".into(), i64::from(p).into());
    }
    let scheme = semcom_schemes::build(&a.scheme, &opts)?;
    let clip = match &a.clip {
        Some(dir) => load_clip(dir, a.start, a.frames)?,
        None => semcom_core::testcard::test_clip(192, 128, a.frames),
    };
    let source = Source::clip(clip.clone(), a.fps)?;
    let budget = a.link.budget.budget(Some(Ratio::new(1, 32)?))?;
    let channel = a.link.channel.build()?;
    let metrics = crate::output::row_metrics();
    let mut rows = Vec::new();
    for snr in parse_range(&a.link.snr)? {
        let (out, m) = run_measured(
            &*scheme,
            &*channel,
            &source,
            &budget,
            snr,
            a.link.seed,
            &metrics,
        )?;
        let mut psnr = Vec::with_capacity(clip.len());
        let mut ssim = 0.0;
        for (i, (v, r)) in m.per_view.iter().zip(&out.views).enumerate() {
            psnr.push(v["psnr"].unwrap_or(100.0));
            ssim += v["ssim"].unwrap_or(1.0);
            let r = r.clone().quantize_u8();
            if let Some(dir) = &a.output {
                let path = dir
                    .join(format!("snr_{snr}"))
                    .join(format!("{:04}.png", i + 1));
                std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
                r.save(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        let n = psnr.len() as f64;
        let acc = out.accounting;
        rows.push(VideoRow {
            scheme: a.scheme.clone(),
            channel: channel.name(),
            snr_db: snr,
            frames: clip.len(),
            frames_ok: out.view_ok.iter().filter(|ok| **ok).count(),
            k_over_n: acc.k_over_n(),
            bpp: acc.bpp(),
            mean_psnr_db: psnr.iter().sum::<f64>() / n,
            min_psnr_db: psnr.iter().copied().fold(f64::INFINITY, f64::min),
            mean_ssim: ssim / n,
            stream_bytes: acc.stream_bytes,
            psnr_db: psnr,
            frame_ok: out.view_ok,
            accounting: acc,
        });
    }
    if let Some(dir) = &a.output {
        write_results(dir, &rows, &clip, a)?;
    }
    if g.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    println!(
        "{:<14} {:<14} {:>7} {:>9} {:>8} {:>10} {:>9} {:>7} {:>9}",
        "scheme", "channel", "SNR dB", "k/n", "BPP", "mean PSNR", "min PSNR", "SSIM", "frames ok"
    );
    for r in &rows {
        println!(
            "{:<14} {:<14} {:>7.1} {:>9.5} {:>8.4} {:>10.2} {:>9.2} {:>7.4} {:>9}",
            r.scheme,
            r.channel,
            r.snr_db,
            r.k_over_n,
            r.bpp,
            r.mean_psnr_db,
            r.min_psnr_db,
            r.mean_ssim,
            format!(
                "{}/{}{}",
                r.frames_ok,
                r.frames,
                if r.stream_bytes == Some(0) {
                    " (nothing sent)"
                } else {
                    ""
                }
            )
        );
    }
    if rows.iter().any(|r| r.stream_bytes == Some(0)) {
        println!("nothing sent: the smallest stream of this clip does not fit the budget (raise --kn or, for H.264, try --intra-period 0)");
    }
    if rows.iter().any(|r| r.frames_ok < r.frames) {
        println!("lost frames are concealed by repeating the last displayed frame (mid-grey before the first)");
    }
    Ok(())
}

/// `results.json`, `results.csv` (one row per SNR) and the mean-PSNR-vs-SNR plot.
fn write_results(dir: &Path, rows: &[VideoRow], clip: &[Image], a: &Args) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(
        &dir.join("results.json"),
        serde_json::to_string_pretty(rows)?.as_bytes(),
    )?;
    let mut csv = String::from(
        "scheme,channel,snr_db,frames,frames_ok,k_over_n,bpp,mean_psnr_db,min_psnr_db,mean_ssim,stream_bytes,channel_uses,payload_bits,side_bits\n",
    );
    for r in rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.scheme,
            r.channel,
            r.snr_db,
            r.frames,
            r.frames_ok,
            r.k_over_n,
            r.bpp,
            r.mean_psnr_db,
            r.min_psnr_db,
            r.mean_ssim,
            r.stream_bytes.map(|b| b.to_string()).unwrap_or_default(),
            r.accounting.channel_uses,
            r.accounting.payload_bits,
            r.accounting.side_bits
        ));
    }
    write_atomic(&dir.join("results.csv"), csv.as_bytes())?;
    let (w, h) = (clip[0].width(), clip[0].height());
    let fig = semcom_sweep::plot::Figure {
        stem: "psnr_vs_snr".into(),
        title: format!("semcom video: {} over {}", a.scheme, rows[0].channel),
        caption: vec![format!(
            "{} frames {w}x{h}, k/n = {:.5}, {}, seed {}; lost frames repeat the last one",
            clip.len(),
            rows[0].k_over_n,
            a.link.scheme_opts.mcs.as_deref().unwrap_or("adaptive MCS"),
            a.link.seed
        )],
        x_desc: "SNR (Es/N0, dB)".into(),
        y_desc: "mean PSNR over frames (dB)".into(),
        series: vec![semcom_sweep::plot::Series {
            label: a.scheme.clone(),
            color: 0,
            points: rows
                .iter()
                .map(|r| (r.snr_db, r.mean_psnr_db, 0.0))
                .collect(),
        }],
    };
    semcom_sweep::plot::draw(&fig, dir)?;
    Ok(())
}
