//! Shared pieces of the transmit/demo commands: building a chain from CLI names, running it,
//! measuring the reconstruction, and printing rows as a table or JSON.

use anyhow::{Context, Result};
use semcom_core::chain::Link;
use semcom_core::{run_chain, Accounting, Budget, Image, Ratio};
use serde::Serialize;

/// Budget options shared by commands (exactly one of `--cbr` / `--bpp`).
#[derive(clap::Args, Debug, Clone)]
pub struct BudgetArgs {
    /// Channel bandwidth ratio k/n (complex channel uses per real source sample, n = 3·H·W), e.g. 1/6.
    #[arg(long, conflicts_with = "bpp")]
    pub cbr: Option<Ratio>,
    /// Source bits per pixel (digital schemes).
    #[arg(long)]
    pub bpp: Option<f64>,
}

impl BudgetArgs {
    /// The validated budget; `default_cbr` when neither flag is given.
    pub fn budget(&self, default_cbr: Option<Ratio>) -> Result<Budget> {
        let b = match (self.cbr, self.bpp, default_cbr) {
            (Some(r), _, _) => Budget::cbr(r)?,
            (None, Some(b), _) => Budget::bpp(b)?,
            (None, None, Some(r)) => Budget::cbr(r)?,
            (None, None, None) => anyhow::bail!("give a budget: --cbr K/N or --bpp X"),
        };
        Ok(b)
    }
}

/// Scheme options shared by commands.
#[derive(clap::Args, Debug, Clone)]
pub struct SchemeArgs {
    /// Modulation and coding of digital schemes, e.g. `16qam-2/3` (default: adaptive to the SNR).
    #[arg(long)]
    pub mcs: Option<String>,
    /// Directory with trained weights (default: the weights shipped with semcom / $SEMCOM_MODELS).
    #[arg(long)]
    pub weights: Option<std::path::PathBuf>,
    /// Device for neural schemes.
    #[arg(long, default_value = "cpu", value_parser = ["cpu", "cuda"])]
    pub device: String,
}

impl SchemeArgs {
    /// As registry options.
    pub fn options(&self) -> semcom_schemes::SchemeOptions {
        semcom_schemes::SchemeOptions {
            mcs: self.mcs.clone(),
            weights: self.weights.clone(),
            device: self.device.clone(),
        }
    }
}

/// One measured transmission.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Scheme name.
    pub scheme: String,
    /// Channel name.
    pub channel: String,
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Budget label.
    pub budget: String,
    /// Achieved k/n.
    pub k_over_n: f64,
    /// Achieved total BPP (payload + side information).
    pub bpp: f64,
    /// PSNR-RGB in dB of the 8-bit reconstruction (null when identical).
    pub psnr_db: Option<f64>,
    /// SSIM (mean over RGB channels).
    pub ssim: Option<f64>,
    /// Whether the receiver decoded the payload.
    pub decode_ok: bool,
    /// Full accounting.
    pub accounting: Accounting,
    /// Where the reconstruction was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// Runs one chain and measures the 8-bit reconstruction (what a PNG of it holds).
pub fn run_one(
    scheme: &dyn semcom_core::Scheme,
    channel: &dyn semcom_core::ChannelModel,
    src: &Image,
    budget: &Budget,
    snr_db: f64,
    seed: u64,
) -> Result<(Row, Image)> {
    let out = run_chain(
        scheme,
        src,
        budget,
        &Link {
            channel,
            snr_db,
            seed,
        },
    )
    .with_context(|| format!("{} over {} at {snr_db} dB", scheme.name(), channel.name()))?;
    let rec = out.reconstruction.quantize_u8();
    let src8 = src.clone().quantize_u8();
    let finite = |v: f64| v.is_finite().then_some(v);
    let psnr = semcom_metrics::psnr(&src8, &rec, 1.0).ok().and_then(finite);
    let ssim = semcom_metrics::ssim(&src8, &rec, 1.0).ok();
    let a = out.accounting;
    Ok((
        Row {
            scheme: scheme.name().to_string(),
            channel: channel.name(),
            snr_db,
            budget: budget.label(),
            k_over_n: a.k_over_n(),
            bpp: a.bpp(),
            psnr_db: psnr,
            ssim,
            decode_ok: a.decode_ok,
            accounting: a,
            output: None,
        },
        rec,
    ))
}

/// Loads the input image, or generates the built-in test card of `w×h`.
pub fn load_or_card(input: Option<&std::path::Path>, w: usize, h: usize) -> Result<Image> {
    match input {
        Some(p) => Ok(Image::load(p)?),
        None => Ok(semcom_core::testcard::test_card(w, h)),
    }
}

/// Prints rows as an aligned table.
pub fn print_table(rows: &[Row]) {
    println!(
        "{:<18} {:<14} {:>7} {:>9} {:>8} {:>9} {:>7} {:>6}",
        "scheme", "channel", "SNR dB", "k/n", "BPP", "PSNR dB", "SSIM", "ok"
    );
    for r in rows {
        println!(
            "{:<18} {:<14} {:>7.1} {:>9.5} {:>8.4} {:>9} {:>7} {:>6}",
            r.scheme,
            r.channel,
            r.snr_db,
            r.k_over_n,
            r.bpp,
            r.psnr_db
                .map(|v| format!("{v:.2}"))
                .unwrap_or_else(|| "inf".into()),
            r.ssim
                .map(|v| format!("{v:.4}"))
                .unwrap_or_else(|| "-".into()),
            if r.decode_ok { "yes" } else { "FAIL" }
        );
    }
}

/// Parses an inclusive range `start:stop:step` or a list `a,b,c` into at most 1000 finite
/// values (grid points rounded to 1e-9 so that 0.1 steps print cleanly).
pub fn parse_range(s: &str) -> Result<Vec<f64>> {
    let v: Vec<f64> = if let [a, b, c] = s.split(':').collect::<Vec<_>>()[..] {
        let (a, b, c): (f64, f64, f64) = (a.trim().parse()?, b.trim().parse()?, c.trim().parse()?);
        if !(c > 0.0 && a.is_finite() && b.is_finite() && b >= a && (b - a) / c <= 1000.0) {
            anyhow::bail!("bad range '{s}': need start ≤ stop, step > 0, at most 1000 points");
        }
        let n = ((b - a) / c + 1e-9).floor() as usize;
        (0..=n)
            .map(|i| ((a + i as f64 * c) * 1e9).round() / 1e9)
            .collect()
    } else {
        s.split(',')
            .map(|x| x.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()?
    };
    if v.is_empty() || v.len() > 1000 || v.iter().any(|x| !x.is_finite()) {
        anyhow::bail!("bad list '{s}' (use start:stop:step or a,b,c of finite numbers)");
    }
    Ok(v)
}

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &std::path::Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}
