//! `semcom ber-sim`: uncoded BER of a modulation (TS 38.211 Gray mapping) over a channel,
//! measured by Monte Carlo beside the closed forms of `semcom_channel::theory` (Cho–Yoon
//! exact AWGN BER, and its Rayleigh average). Prints a table or JSON lines, and writes
//! `ber_sim.csv`, `ber_sim.jsonl` and `ber_sim.png` (log-scale BER vs Es/N0) into `-o DIR`.

use crate::output::{parse_range, write_atomic};
use crate::Global;
use anyhow::{anyhow, bail, Context, Result};
use semcom_channel::sim::simulate_ber;
use semcom_channel::theory::{ber_awgn, ber_for_channel, ber_rayleigh};
use semcom_channel::{by_name, ChannelParams, Modulation};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Modulation: bpsk, qpsk, 16qam, 64qam, 256qam.
    #[arg(long = "mod", default_value = "qpsk")]
    pub modulation: String,
    /// Symbol channel: awgn, rayleigh-fast, rayleigh-block (ZF with perfect CSI), gilbert-elliott.
    #[arg(long, default_value = "awgn")]
    pub channel: String,
    /// Es/N0 points in dB: `start:stop:step` (inclusive) or a comma list.
    #[arg(long, default_value = "0:20:2")]
    pub snr: String,
    /// Bits per SNR point (rounded up to whole symbols).
    #[arg(long, default_value_t = 1_000_000)]
    pub bits: u64,
    /// Symbols per fading block for `rayleigh-block` (0 = one gain per batch of 2^18 symbols).
    #[arg(long, default_value_t = 0)]
    pub block_len: usize,
    /// Seed of all random draws (per point and batch; thread-count independent).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory for ber_sim.csv, ber_sim.jsonl and ber_sim.png.
    #[arg(short = 'o', long, default_value = "ber-sim")]
    pub out: PathBuf,
}

/// One SNR point.
#[derive(Serialize, Debug, Clone)]
struct Point {
    snr_db: f64,
    ber: f64,
    ber_theory: Option<f64>,
    bits: u64,
    errors: u64,
    ber_theory_awgn: f64,
    ber_theory_rayleigh: f64,
    modulation: &'static str,
    channel: String,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> Result<()> {
    let m: Modulation = args.modulation.parse().map_err(|e| anyhow!("{e}"))?;
    let params = ChannelParams {
        block_len: args.block_len,
        ..Default::default()
    };
    let channel = by_name(&args.channel, &params)?;
    // Refuse bit channels before printing anything (an empty probe costs nothing).
    channel
        .transmit_symbols(&[], 0.0, &mut semcom_core::rng::rng_for(0, 0))
        .with_context(|| {
            format!(
                "ber-sim needs a symbol channel; '{}' does not carry symbols",
                args.channel
            )
        })?;
    if args.bits == 0 {
        bail!("--bits must be at least 1");
    }
    let snrs = parse_range(&args.snr)?;
    let bar = indicatif::ProgressBar::new(args.bits * snrs.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {percent}% {msg} ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut stdout = std::io::stdout();
    if !g.json {
        writeln!(
            stdout,
            "{} over {}: uncoded BER (hard decisions)",
            m.name(),
            channel.name()
        )?;
        writeln!(
            stdout,
            "{:>8} {:>12} {:>12} {:>12} {:>10}",
            "Es/N0", "BER", "theory", "bits", "errors"
        )?;
    }
    let mut pts = Vec::with_capacity(snrs.len());
    for (i, &snr) in snrs.iter().enumerate() {
        bar.set_message(format!("{snr} dB"));
        let done = bar.position();
        let seed = semcom_core::rng::derive_seed(args.seed, &[i as u64]);
        let r = simulate_ber(m, channel.as_ref(), snr, args.bits, seed, |b| {
            bar.set_position(done + b.min(args.bits))
        })
        .with_context(|| format!("{} over {} at {snr} dB", m.name(), args.channel))?;
        let p = Point {
            snr_db: snr,
            ber: r.ber(),
            ber_theory: ber_for_channel(&args.channel, m, snr),
            bits: r.bits,
            errors: r.errors,
            ber_theory_awgn: ber_awgn(m, snr),
            ber_theory_rayleigh: ber_rayleigh(m, snr),
            modulation: m.name(),
            channel: args.channel.clone(),
        };
        bar.suspend(|| -> Result<()> {
            if g.json {
                writeln!(stdout, "{}", serde_json::to_string(&p)?)?;
            } else {
                let th = p
                    .ber_theory
                    .map(|t| format!("{t:.4e}"))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    stdout,
                    "{:>8.2} {:>12.4e} {:>12} {:>12} {:>10}",
                    p.snr_db, p.ber, th, p.bits, p.errors
                )?;
            }
            Ok(stdout.flush()?)
        })?;
        pts.push(p);
    }
    bar.finish_and_clear();
    write_outputs(&args.out, &pts)?;
    if !g.json {
        eprintln!("wrote {}/ber_sim.{{csv,jsonl,png}}", args.out.display());
    }
    Ok(())
}

fn write_outputs(dir: &Path, pts: &[Point]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut csv = String::from("snr_db,ber,ber_theory,bits,errors,ber_theory_awgn,ber_theory_rayleigh,modulation,channel\n");
    let mut jsonl = String::new();
    for p in pts {
        let th = p.ber_theory.map(|v| v.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            p.snr_db,
            p.ber,
            th,
            p.bits,
            p.errors,
            p.ber_theory_awgn,
            p.ber_theory_rayleigh,
            p.modulation,
            p.channel
        ));
        jsonl.push_str(&serde_json::to_string(p)?);
        jsonl.push('\n');
    }
    write_atomic(&dir.join("ber_sim.csv"), csv.as_bytes())?;
    write_atomic(&dir.join("ber_sim.jsonl"), jsonl.as_bytes())?;
    plot(&dir.join("ber_sim.png"), pts).context("drawing ber_sim.png")
}

/// Log-scale BER vs Es/N0: measured points, the channel's closed form as a line, and the other
/// closed form (AWGN or Rayleigh) dashed for reference.
fn plot(path: &Path, pts: &[Point]) -> Result<()> {
    use plotters::prelude::*;
    let Some(first) = pts.first() else {
        return Ok(());
    };
    let (m, ch): (Modulation, &str) = (
        first.modulation.parse().map_err(|e| anyhow!("{e}"))?,
        &first.channel,
    );
    let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.snr_db), b.max(p.snr_db))
    });
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    let grid: Vec<f64> = (0..=200)
        .map(|i| x0 + (x1 - x0) * i as f64 / 200.0)
        .collect();
    let rayleigh = ch.starts_with("rayleigh");
    let main: Vec<(f64, f64)> = grid
        .iter()
        .map(|&s| {
            (
                s,
                if rayleigh {
                    ber_rayleigh(m, s)
                } else {
                    ber_awgn(m, s)
                },
            )
        })
        .collect();
    let other: Vec<(f64, f64)> = grid
        .iter()
        .map(|&s| {
            (
                s,
                if rayleigh {
                    ber_awgn(m, s)
                } else {
                    ber_rayleigh(m, s)
                },
            )
        })
        .collect();
    let measured: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.errors > 0)
        .map(|p| (p.snr_db, p.ber))
        .collect();
    // Floor: one decade below the smallest measurable BER (1/bits) or measured value.
    let min_bits = pts.iter().map(|p| p.bits).min().unwrap_or(1).max(1) as f64;
    let floor = measured
        .iter()
        .map(|p| p.1)
        .fold(1.0 / min_bits, f64::min)
        .max(1e-12)
        / 10.0;
    let clip = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
        v.iter().copied().filter(|p| p.1 >= floor).collect()
    };
    let tmp = path.with_extension("tmp.png");
    {
        let root = BitMapBackend::new(&tmp, (800, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Uncoded BER, {} over {ch}", m.name()),
                ("sans-serif", 22),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, (floor..1.0f64).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("Es/N0 (dB)")
            .y_desc("bit error rate")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        let main_label = if rayleigh {
            "theory (Rayleigh, ZF)"
        } else {
            "theory (AWGN, Cho-Yoon)"
        };
        let other_label = if rayleigh {
            "theory (AWGN)"
        } else {
            "theory (Rayleigh)"
        };
        chart
            .draw_series(LineSeries::new(clip(&main), BLUE.stroke_width(2)))?
            .label(main_label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(DashedLineSeries::new(
                clip(&other),
                6,
                4,
                BLACK.mix(0.5).stroke_width(1),
            ))?
            .label(other_label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
        chart
            .draw_series(
                measured
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, RED.filled())),
            )?
            .label("measured")
            .legend(|(x, y)| Circle::new((x + 10, y), 5, RED.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snr_lists() {
        assert_eq!(parse_range("0:20:2").unwrap().len(), 11);
        assert_eq!(parse_range("1, 2.5").unwrap(), vec![1.0, 2.5]);
        for bad in ["", "0:1", "3:1:1", "0:1:0", "a,b", "nan", "0:1e9:1e-3"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_csv_jsonl_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let args = Args {
            modulation: "16qam".into(),
            channel: "awgn".into(),
            snr: "0:12:6".into(),
            bits: 40_000,
            block_len: 0,
            seed: 3,
            out: dir.path().to_path_buf(),
        };
        run(&args, &Global { json: true }).unwrap();
        let lines = std::fs::read_to_string(dir.path().join("ber_sim.jsonl")).unwrap();
        let pts: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(pts.len(), 3);
        for p in &pts {
            let (b, t) = (
                p["ber"].as_f64().unwrap(),
                p["ber_theory"].as_f64().unwrap(),
            );
            assert!((b - t).abs() < 0.2 * t + 1e-3, "{p}");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("ber_sim.csv"))
                .unwrap()
                .lines()
                .count(),
            4
        );
        assert!(
            std::fs::metadata(dir.path().join("ber_sim.png"))
                .unwrap()
                .len()
                > 1000
        );
        let bad = Args {
            channel: "bsc".into(),
            ..args
        };
        assert!(run(&bad, &Global { json: true }).is_err());
    }
}
