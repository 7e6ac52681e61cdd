//! Shared pieces of the transmit/demo commands: building a chain from CLI names, running it,
//! measuring the reconstruction, and printing rows as a table or JSON.

use anyhow::{Context, Result};
use semcom_core::chain::Link;
use semcom_core::params::{parse_key_values, ParamTable};
use semcom_core::{run_chain, Accounting, Budget, Image, Outcome, Ratio, Source};
use semcom_measure::{measure, Measurement, MetricRegistry, References};
use serde::Serialize;

/// Budget options shared by commands (exactly one of `--kn` / `--bpp`).
#[derive(clap::Args, Debug, Clone)]
pub struct BudgetArgs {
    /// Channel bandwidth ratio k/n (complex channel uses per real source sample, n = V·C·H·W), e.g. 1/6.
    #[arg(long = "kn", visible_alias = "cbr", conflicts_with = "bpp")]
    pub kn: Option<Ratio>,
    /// Bits per pixel, in (0, 64] (digital schemes: the source coder meets it and the MCS or
    /// capacity gives the channel uses; analog schemes refuse it).
    #[arg(long, value_parser = crate::args::positive_in(64.0))]
    pub bpp: Option<f64>,
}

impl BudgetArgs {
    /// The validated budget; `default_kn` when neither flag is given.
    pub fn budget(&self, default_kn: Option<Ratio>) -> Result<Budget> {
        let b = match (self.kn, self.bpp, default_kn) {
            (Some(r), _, _) => Budget::cbr(r)?,
            (None, Some(b), _) => Budget::bpp(b)?,
            (None, None, Some(r)) => Budget::cbr(r)?,
            (None, None, None) => anyhow::bail!("give a budget: --kn K/N or --bpp X"),
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
    /// A scheme parameter `key=value` (repeatable, or `a=1,b=2`), e.g. `--param decoder=nms16`.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

impl SchemeArgs {
    /// As registry options (the parameters parsed; a malformed one is an error).
    pub fn options(&self) -> Result<semcom_schemes::SchemeOptions> {
        Ok(semcom_schemes::SchemeOptions {
            mcs: self.mcs.clone(),
            weights: self.weights.clone(),
            device: self.device.clone(),
            params: key_values(&self.params).context("--param")?,
        })
    }
}

/// Channel options shared by commands.
#[derive(clap::Args, Debug, Clone)]
pub struct ChannelArgs {
    /// Channel model (`awgn`, `rayleigh-fast`, `rayleigh-block`, `bsc`, `bec`, `ds2c2`, `gilbert-elliott`).
    #[arg(long, default_value = "awgn")]
    pub channel: String,
    /// A channel parameter `key=value` (repeatable, or `a=1,b=2`), e.g. `--channel-param pe=0.16,block_bytes=100`.
    #[arg(long = "channel-param", value_name = "KEY=VALUE")]
    pub channel_params: Vec<String>,
}

impl ChannelArgs {
    /// The channel model with its typed parameters.
    pub fn build(&self) -> Result<Box<dyn semcom_core::ChannelModel>> {
        let t = key_values(&self.channel_params).context("--channel-param")?;
        let p = semcom_channel::registry::params_from_table(&self.channel, &t)?;
        Ok(semcom_channel::by_name(&self.channel, &p)?)
    }
}

/// What a command that sends one source at several SNRs takes: channel, SNR grid, budget,
/// scheme options and seed (`semcom video`, `semcom stereo`).
#[derive(clap::Args, Debug, Clone)]
pub struct LinkArgs {
    /// Channel model and its parameters.
    #[command(flatten)]
    pub channel: ChannelArgs,
    /// Es/N0 per complex channel use, dB: one value, a list `0,5,10` or a range `0:20:2`.
    #[arg(long, allow_negative_numbers = true)]
    pub snr: String,
    /// Budget (`--kn` or `--bpp`).
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// Scheme options (`--mcs`, `--weights`, `--device`, `--param`).
    #[command(flatten)]
    pub scheme_opts: SchemeArgs,
    /// Seed of the run (encoder and channel streams derive from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Parses repeated `key=value` flags into one table.
pub fn key_values(items: &[String]) -> Result<ParamTable> {
    let mut t = ParamTable::new();
    for kv in items {
        parse_key_values(kv, &mut t)?;
    }
    Ok(t)
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

/// The metrics of the transmit/demo rows.
pub fn row_metrics() -> Vec<String> {
    vec!["psnr".into(), "ssim".into()]
}

/// Runs one chain and measures the views with `metrics` on 8-bit values
/// ([`semcom_measure::measure`], the one measurement path).
pub fn run_measured(
    scheme: &dyn semcom_core::Scheme,
    channel: &dyn semcom_core::ChannelModel,
    src: &Source,
    budget: &Budget,
    snr_db: f64,
    seed: u64,
    metrics: &[String],
) -> Result<(Outcome, Measurement)> {
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
    let m = measure(
        &MetricRegistry::with_task_metrics(None),
        metrics,
        src,
        &out.views,
        &References::default(),
    )?;
    Ok((out, m))
}

/// Runs one image through a chain: the row and the 8-bit reconstruction (what a PNG of it holds).
pub fn run_one(
    scheme: &dyn semcom_core::Scheme,
    channel: &dyn semcom_core::ChannelModel,
    src: &Image,
    budget: &Budget,
    snr_db: f64,
    seed: u64,
) -> Result<(Row, Image)> {
    let source = Source::still(src.clone());
    let (out, m) = run_measured(
        scheme,
        channel,
        &source,
        budget,
        snr_db,
        seed,
        &row_metrics(),
    )?;
    let a = out.accounting;
    Ok((
        Row {
            scheme: scheme.name().to_string(),
            channel: channel.name(),
            snr_db,
            budget: budget.label(),
            k_over_n: a.k_over_n(),
            bpp: a.bpp(),
            psnr_db: m.get("psnr"),
            ssim: m.get("ssim"),
            decode_ok: a.decode_ok,
            accounting: a,
            output: None,
        },
        out.views[0].clone().quantize_u8(),
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

/// An SNR grid typed as a string (`start:stop:step` or `a,b,c`), checked like
/// [`crate::args::snr_grid`]; a bad grid is a usage error. Prefer `value_parser = snr_grid`.
pub fn parse_range(s: &str) -> Result<Vec<f64>> {
    crate::args::snr_grid(s)
        .map(|g| g.0)
        .map_err(crate::args::usage)
}

/// Writes `data` to `path` atomically ([`semcom_core::fsutil::write_atomic`]: temporary
/// sibling, fsync, rename; nothing is left behind on failure).
pub fn write_atomic(path: &std::path::Path, data: &[u8]) -> Result<()> {
    semcom_core::fsutil::write_atomic(path, data)
        .with_context(|| format!("writing {}", path.display()))
}

/// The output files `<out>/<stem>_<suffix>` of each input, one row per input. Two inputs of
/// the same file stem (`a/x.png`, `b/x.jpg`) would overwrite each other's outputs: a usage
/// error naming both.
pub fn output_paths(
    inputs: &[std::path::PathBuf],
    out: &std::path::Path,
    suffixes: &[&str],
) -> Result<Vec<Vec<std::path::PathBuf>>> {
    let mut seen: std::collections::HashMap<String, &std::path::Path> = Default::default();
    let mut rows = Vec::with_capacity(inputs.len());
    for p in inputs {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into());
        if let Some(prev) = seen.insert(stem.clone(), p) {
            return Err(crate::args::usage(format!(
                "{} and {} share the file name '{stem}', so their outputs in {} would overwrite each other; rename one",
                prev.display(),
                p.display(),
                out.display()
            )));
        }
        rows.push(
            suffixes
                .iter()
                .map(|s| out.join(format!("{stem}_{s}")))
                .collect(),
        );
    }
    Ok(rows)
}

/// Saves an image atomically (PNG, or JPEG/WebP by the extension of `path`).
pub fn save_image_atomic(img: &Image, path: &std::path::Path) -> Result<()> {
    semcom_core::fsutil::replace_with(path, |tmp| {
        img.save(tmp)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// How a [`LogSeries`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Solid line, 2 px.
    Line,
    /// Dashed grey line (a secondary reference curve).
    Dashed,
    /// Solid line with a circle at each point.
    LineMarkers,
    /// Circles only (measured points).
    Markers,
}

/// One curve of an error-rate plot.
pub struct LogSeries {
    /// Legend label.
    pub label: String,
    /// Colour.
    pub color: plotters::style::RGBColor,
    /// Points (x, y); y ≤ 0 is not drawn.
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
}

/// Draws error rates (BER, BLER) on a log-scale y axis into a PNG, atomically. The y floor is
/// `floor_hint` or a decade below the smallest positive value, whichever is lower (≥ 1e-12).
pub fn log_plot(
    path: &std::path::Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    floor_hint: f64,
    series: &[LogSeries],
) -> Result<()> {
    use plotters::prelude::*;
    let pts = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| p.1 > 0.0 && p.0.is_finite())
    };
    let (x0, x1) = pts().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    if x0 > x1 {
        return Ok(());
    }
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 0.5, x0 + 0.5)
    };
    let floor = (pts().map(|p| p.1).fold(floor_hint, f64::min) / 10.0).max(1e-12);
    let draw = |tmp: &std::path::Path| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(tmp, (800, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, (floor..1.0f64).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for s in series {
            let v: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.1 >= floor).collect();
            let c = s.color;
            let anno = match s.style {
                Style::Dashed => chart.draw_series(DashedLineSeries::new(
                    v.clone(),
                    6,
                    4,
                    c.mix(0.6).stroke_width(1),
                ))?,
                Style::Line | Style::LineMarkers => {
                    chart.draw_series(LineSeries::new(v.clone(), c.stroke_width(2)))?
                }
                Style::Markers => {
                    chart.draw_series(v.iter().map(|&p| Circle::new(p, 5, c.filled())))?
                }
            };
            anno.label(s.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
            });
            if s.style == Style::LineMarkers {
                chart.draw_series(v.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    semcom_core::fsutil::replace_with(path, |tmp| {
        draw(tmp).map_err(|e| std::io::Error::other(e.to_string()))
    })
    .with_context(|| format!("drawing {}", path.display()))
}
