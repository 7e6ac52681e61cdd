//! `semcom ber-sim`: uncoded BER of a modulation (TS 38.211 Gray mapping) over a channel,
//! measured by Monte Carlo beside the closed forms of `semcom_channel::theory` (Cho–Yoon
//! exact AWGN BER, and its Rayleigh average). Prints a table or JSON lines, and writes
//! `ber_sim.csv`, `ber_sim.jsonl` and `ber_sim.png` (log-scale BER vs Es/N0) into `-o DIR`.

use crate::args::{count, count_usize, snr_grid, SnrGrid};
use crate::output::{log_plot, write_atomic, LogSeries, Style};
use crate::Global;
use anyhow::{anyhow, Context, Result};
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
    #[arg(long, default_value = "0:20:2", value_parser = snr_grid, allow_hyphen_values = true)]
    pub snr: SnrGrid,
    /// Bits per SNR point (rounded up to whole symbols; `1e6` notation accepted; at most 10^10).
    #[arg(long, default_value = "1000000", value_parser = count(1, MAX_BITS))]
    pub bits: u64,
    /// Symbols per fading block for `rayleigh-block` (0 = one gain per batch of 2^18 symbols).
    #[arg(long, default_value = "0", value_parser = count_usize(0, 1 << 40))]
    pub block_len: usize,
    /// Seed of all random draws (per point and batch; thread-count independent).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory for ber_sim.csv, ber_sim.jsonl and ber_sim.png.
    #[arg(short = 'o', long, default_value = "ber-sim")]
    pub out: PathBuf,
}

/// Most bits per SNR point: 10^8 QPSK bits took 4.8 s on the reference machine (2 cores, shared),
/// so a point at this limit takes about 8 minutes.
pub const MAX_BITS: u64 = 10_000_000_000;

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
    let m: Modulation = args.modulation.parse().map_err(crate::args::usage)?;
    let params = ChannelParams {
        block_len: args.block_len,
        ..Default::default()
    };
    let channel = by_name(&args.channel, &params).map_err(crate::args::usage)?;
    // Refuse bit channels before printing anything (an empty probe costs nothing).
    if let Err(e) = channel.transmit_symbols(&[], 0.0, &mut semcom_core::rng::rng_for(0, 0)) {
        return Err(crate::args::usage(format!(
            "ber-sim needs a symbol channel; '{}' does not carry symbols ({e})",
            args.channel
        )));
    }
    let snrs = &args.snr.0;
    let bar = crate::progress::bar(args.bits.saturating_mul(snrs.len() as u64), "bits");
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

/// BER plot: measured points, the closed form of the channel, and the other channel's for scale.
fn plot(path: &Path, pts: &[Point]) -> Result<()> {
    use plotters::style::{BLACK, BLUE, RED};
    let Some(first) = pts.first() else {
        return Ok(());
    };
    let m: Modulation = first.modulation.parse().map_err(|e| anyhow!("{e}"))?;
    let ch = first.channel.as_str();
    let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.snr_db), b.max(p.snr_db))
    });
    let grid: Vec<f64> = (0..=200)
        .map(|i| x0 + (x1 - x0) * i as f64 / 200.0)
        .collect();
    let rayleigh = ch.starts_with("rayleigh");
    let curve =
        |f: fn(Modulation, f64) -> f64| grid.iter().map(|&s| (s, f(m, s))).collect::<Vec<_>>();
    let (main, other) = if rayleigh {
        (
            ber_rayleigh as fn(Modulation, f64) -> f64,
            ber_awgn as fn(Modulation, f64) -> f64,
        )
    } else {
        (
            ber_awgn as fn(Modulation, f64) -> f64,
            ber_rayleigh as fn(Modulation, f64) -> f64,
        )
    };
    let (main_label, other_label) = if rayleigh {
        ("theory (Rayleigh, ZF)", "theory (AWGN)")
    } else {
        ("theory (AWGN, Cho-Yoon)", "theory (Rayleigh)")
    };
    let measured: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.errors > 0)
        .map(|p| (p.snr_db, p.ber))
        .collect();
    // Floor hint: the smallest measurable BER (1/bits).
    let min_bits = pts.iter().map(|p| p.bits).min().unwrap_or(1).max(1) as f64;
    let series = [
        LogSeries {
            label: main_label.into(),
            color: BLUE,
            points: curve(main),
            style: Style::Line,
        },
        LogSeries {
            label: other_label.into(),
            color: BLACK,
            points: curve(other),
            style: Style::Dashed,
        },
        LogSeries {
            label: "measured".into(),
            color: RED,
            points: measured,
            style: Style::Markers,
        },
    ];
    log_plot(
        path,
        &format!("Uncoded BER, {} over {ch}", m.name()),
        "Es/N0 (dB)",
        "bit error rate",
        1.0 / min_bits,
        &series,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_csv_jsonl_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let args = Args {
            modulation: "16qam".into(),
            channel: "awgn".into(),
            snr: snr_grid("0:12:6").unwrap(),
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
