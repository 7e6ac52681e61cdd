//! `semcom demo`: the main job. Sends an image (default: the built-in test card) through every
//! scheme of this build over a channel at a few SNRs, prints a table and writes the
//! reconstructions, `results.json`, `results.csv` and a PSNR-vs-SNR plot into the output folder.

use crate::output::{load_or_card, print_table, run_one, ChannelArgs, Row, SchemeArgs};
use crate::Global;
use anyhow::{Context, Result};
use semcom_core::{Budget, Ratio};
use semcom_sweep::plot::{draw, Figure, Series};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input image; default: the built-in 256×192 test card.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Output folder.
    #[arg(short = 'o', long, default_value = "semcom-demo")]
    pub out: PathBuf,
    /// Es/N0 values in dB, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,5,10,15,20",
        allow_negative_numbers = true,
        value_parser = crate::args::snr_db
    )]
    pub snr: Vec<f64>,
    /// Channel bandwidth ratio k/n.
    #[arg(long = "kn", visible_alias = "cbr", default_value = "1/6")]
    pub kn: Ratio,
    #[command(flatten)]
    pub channel: ChannelArgs,
    /// Only these schemes (comma separated); default: every scheme of the demo set.
    #[arg(long, value_delimiter = ',')]
    pub schemes: Vec<String>,
    /// List the schemes of this build and exit.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub scheme_opts: SchemeArgs,
    /// Seed of the runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs the command.
pub fn run(a: &Args, g: &Global) -> Result<()> {
    let infos = semcom_schemes::available();
    if a.list {
        for s in &infos {
            if g.json {
                println!("{}", serde_json::to_string(s)?);
            } else {
                println!(
                    "{:<20} {}{}",
                    s.name,
                    s.description,
                    if s.in_demo { "" } else { " (not in demo)" }
                );
            }
        }
        return Ok(());
    }
    let names: Vec<String> = if a.schemes.is_empty() {
        infos
            .iter()
            .filter(|s| s.in_demo)
            .map(|s| s.name.to_string())
            .collect()
    } else {
        a.schemes.clone()
    };
    let src = load_or_card(a.input.as_deref(), 256, 192)?;
    let budget = Budget::cbr(a.kn)?;
    let channel = a.channel.build()?;
    for &s in &a.snr {
        semcom_core::error::check_snr_db(s)?;
    }
    // Build every scheme first so that a bad name fails before any work.
    let mut schemes = Vec::new();
    let opts = a.scheme_opts.options()?;
    for n in &names {
        match semcom_schemes::build(n, &opts) {
            Ok(s) => schemes.push(s),
            Err(e) if a.schemes.is_empty() => eprintln!("semcom: skipping {n}: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    src.save(a.out.join("original.png"))?;
    let mut rows: Vec<Row> = Vec::new();
    let mut ran = Vec::new();
    'schemes: for scheme in &schemes {
        for &snr in &a.snr {
            let (mut row, rec) = match run_one(&**scheme, &*channel, &src, &budget, snr, a.seed) {
                Ok(r) => r,
                // A default-set scheme that cannot run here (e.g. no weights for this k/n) is skipped.
                Err(e) if a.schemes.is_empty() => {
                    eprintln!("semcom: skipping {}: {e:#}", scheme.name());
                    rows.retain(|r| r.scheme != scheme.name());
                    continue 'schemes;
                }
                Err(e) => return Err(e),
            };
            let file = a
                .out
                .join(format!("{}_{}dB.png", sanitize(scheme.name()), snr));
            rec.save(&file)?;
            row.output = Some(file.display().to_string());
            if g.json {
                println!("{}", serde_json::to_string(&row)?);
            }
            rows.push(row);
        }
        ran.push(scheme);
    }
    write_results(&a.out, &rows)?;
    let fig = Figure {
        stem: "psnr_vs_snr".into(),
        title: "semcom demo: PSNR vs SNR".into(),
        caption: vec![format!(
            "{}x{} {} image, {} channel, {}, seed {}; decode failures show mid-grey",
            src.width(),
            src.height(),
            if a.input.is_some() {
                "input"
            } else {
                "test-card"
            },
            a.channel.channel,
            budget.label(),
            a.seed
        )],
        x_desc: "SNR (Es/N0, dB)".into(),
        y_desc: "PSNR (dB)".into(),
        series: ran
            .iter()
            .enumerate()
            .map(|(i, s)| Series {
                label: s.name().to_string(),
                color: i,
                points: rows
                    .iter()
                    .filter(|r| r.scheme == s.name())
                    .filter_map(|r| r.psnr_db.map(|p| (r.snr_db, p, 0.0)))
                    .collect(),
            })
            .collect(),
    };
    draw(&fig, &a.out)?;
    if !g.json {
        print_table(&rows);
        println!(
            "wrote reconstructions, results.json, results.csv and psnr_vs_snr.png to {}",
            a.out.display()
        );
    }
    Ok(())
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_results(dir: &std::path::Path, rows: &[Row]) -> Result<()> {
    let json = serde_json::to_string_pretty(rows)?;
    crate::output::write_atomic(&dir.join("results.json"), json.as_bytes())?;
    let mut csv = String::from("scheme,channel,snr_db,budget,k_over_n,bpp,psnr_db,ssim,decode_ok,channel_uses,payload_bits,side_bits\n");
    for r in rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.scheme,
            r.channel,
            r.snr_db,
            r.budget,
            r.k_over_n,
            r.bpp,
            r.psnr_db.map(|v| v.to_string()).unwrap_or_default(),
            r.ssim.map(|v| v.to_string()).unwrap_or_default(),
            r.decode_ok,
            r.accounting.channel_uses,
            r.accounting.payload_bits,
            r.accounting.side_bits
        ));
    }
    crate::output::write_atomic(&dir.join("results.csv"), csv.as_bytes())?;
    Ok(())
}
