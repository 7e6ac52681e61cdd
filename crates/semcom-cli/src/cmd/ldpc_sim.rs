//! `semcom ldpc-sim`: BLER/BER waterfalls of the 5G NR LDPC chain (TS 38.212) with Gray QAM
//! (TS 38.211 §5.1, `semcom_channel::modulation`) over complex AWGN, one point per Eb/N0, each
//! stopped after `--min-errors` block errors or `--max-blocks` blocks. Writes JSON lines / a
//! table on stdout and, with `-o DIR`, `ldpc_sim.csv`, `ldpc_sim.jsonl` and `ldpc_sim.png`.

use crate::args::{count, count_usize, ensure_usage, rate, snr_grid, SnrGrid};
use crate::output::{log_plot, write_atomic, LogSeries, Style};
use crate::Global;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use semcom_channel::awgn::add_awgn;
use semcom_channel::{Demapper, Modulation};
use semcom_core::rng::derive_seed;
use semcom_ldpc::ratematch::RateMatcher;
use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind, NrConfig, TransportBlockCodec};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Information bits per block: K' of one code block (default), or the TBS A with `--tb`
    /// (at most 2^21).
    #[arg(long, value_parser = count_usize(1, MAX_K))]
    pub k: usize,
    /// Code rate k/n in (0, 1), as a fraction (`1/2`) or a decimal; n is rounded up to a
    /// multiple of Qm.
    #[arg(long, default_value = "1/2", conflicts_with = "n", value_parser = rate)]
    pub rate: f64,
    /// Coded bits per block after rate matching (instead of `--rate`; more than k, at most 2^23).
    #[arg(long, value_parser = count_usize(1, MAX_N))]
    pub n: Option<usize>,
    /// Modulation: bpsk, qpsk, 16qam, 64qam, 256qam.
    #[arg(long = "mod", default_value = "qpsk")]
    pub modulation: String,
    /// Decoder: `bp` (flooding sum-product), `nms[:alpha]` (layered normalised min-sum, α = 0.75),
    /// `nms16[:alpha]` (the same in i16 fixed point, ≈ 1.5× faster), `ms` (plain min-sum),
    /// `oms[:beta]` (layered offset min-sum, β = 0.5).
    #[arg(long, default_value = "nms")]
    pub decoder: String,
    /// Maximum decoder iterations (1..=10000).
    #[arg(long, default_value = "20", value_parser = count_usize(1, 10_000))]
    pub iters: usize,
    /// Eb/N0 points in dB: `start:stop:step` (inclusive) or a comma list (negative values
    /// allowed, within ±100 dB).
    #[arg(long, default_value = "0:3:0.5", allow_hyphen_values = true, value_parser = snr_grid)]
    pub ebn0: SnrGrid,
    /// Stop a point after this many block errors (at least 1).
    #[arg(long, default_value = "100", value_parser = count(1, MAX_BLOCKS))]
    pub min_errors: u64,
    /// Stop a point after this many blocks (at least 1, at most 10^9).
    #[arg(long, default_value = "10000", value_parser = count(1, MAX_BLOCKS))]
    pub max_blocks: u64,
    /// Soft demapper: `exact` (log-MAP) or `maxlog`.
    #[arg(long, default_value = "exact")]
    pub demapper: String,
    /// Simulate the whole transport-block chain (TB CRC, segmentation, CB CRC) with A = k;
    /// a block error is a TB CRC failure or a wrong bit.
    #[arg(long)]
    pub tb: bool,
    /// Redundancy version 0..=3.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub rv: u8,
    /// Seed of all random draws (bits and noise; per point and block, thread-count independent).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep simulating points after one with zero block errors.
    #[arg(long)]
    pub no_early_stop: bool,
    /// Output directory for CSV, JSON lines and the PNG plot.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
}

/// Most information bits per block (the largest 5G NR transport block, 1 277 992 bits, fits).
pub const MAX_K: usize = 1 << 21;
/// Most coded bits per block: 2·10^6 coded bits peaked at 180 MB (8 blocks in flight), so a
/// batch at this limit stays well under 1 GB.
pub const MAX_N: usize = 1 << 23;
/// Most blocks per point.
pub const MAX_BLOCKS: u64 = 1_000_000_000;

/// One simulated SNR point.
#[derive(Serialize, Debug, Clone)]
struct Point {
    ebn0_db: f64,
    esn0_db: f64,
    blocks: u64,
    block_errors: u64,
    bler: f64,
    bit_errors: u64,
    ber: f64,
    avg_iterations: f64,
    k: usize,
    n: usize,
    modulation: &'static str,
    decoder: String,
}

/// The code under test: one code block or a full transport block.
enum Code {
    Cb(Box<CodeBlockCoder>, RateMatcher),
    Tb(Box<TransportBlockCodec>),
}

impl Code {
    fn encode(&self, bits: &[u8]) -> Result<Vec<u8>> {
        Ok(match self {
            Code::Cb(c, rm) => c.encode(bits, rm)?,
            Code::Tb(t) => t.encode(bits)?,
        })
    }
    /// (decoded bits, block ok per CRC/syndrome, iterations)
    fn decode(&self, llr: &[f32], cfg: &DecoderConfig) -> Result<(Vec<u8>, bool, usize)> {
        Ok(match self {
            Code::Cb(c, rm) => {
                let r = c.decode(llr, rm, cfg)?;
                (r.bits, r.syndrome_ok, r.iterations)
            }
            Code::Tb(t) => {
                let r = t.decode(llr, cfg)?;
                (r.bits, r.tb_crc_ok, r.iterations)
            }
        })
    }
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> Result<()> {
    let modulation: Modulation = args.modulation.parse().map_err(crate::args::usage)?;
    let qm = modulation.bits_per_symbol();
    let demapper = match args.demapper.as_str() {
        "exact" => Demapper::Exact,
        "maxlog" | "max-log" => Demapper::MaxLog,
        d => bail!(crate::args::Usage(format!(
            "unknown demapper '{d}' (exact, maxlog)"
        ))),
    };
    let kind: DecoderKind = args
        .decoder
        .parse()
        .map_err(|e| crate::args::usage(format!("--decoder: {e}")))?;
    let cfg = DecoderConfig {
        kind,
        max_iter: args.iters,
    };
    let n = match args.n {
        Some(n) => n.div_ceil(qm) * qm,
        None => ((args.k as f64 / args.rate) / qm as f64).ceil() as usize * qm,
    };
    ensure_usage!(
        n > args.k,
        "n = {n} coded bits for k = {} information bits is a code rate of {:.3}; it must be below 1",
        args.k,
        args.k as f64 / n as f64
    );
    ensure_usage!(
        n <= MAX_N,
        "n = {n} coded bits is above the limit of {MAX_N} (lower k or raise the rate)"
    );
    // A code the standard cannot build from these flags is a usage error.
    let code = if args.tb {
        Code::Tb(Box::new(
            TransportBlockCodec::new(NrConfig {
                tbs: args.k,
                g: n,
                qm,
                rv: args.rv,
            })
            .map_err(crate::args::usage)?,
        ))
    } else {
        let (c, rm) = CodeBlockCoder::single(args.k, n, qm, args.rv).map_err(|e| {
            crate::args::usage(format!(
                "single code block: {e} (use --tb for the transport-block chain)"
            ))
        })?;
        Code::Cb(Box::new(c), rm)
    };
    let points = &args.ebn0.0;
    let info_per_symbol = args.k as f64 / n as f64 * qm as f64;
    let batch = (rayon::current_num_threads() * 4).max(8) as u64;
    let mut results = Vec::new();
    let mut stdout = std::io::stdout();
    if !g.json {
        eprintln!(
            "k = {}, n = {n}, {} ({} bits/symbol), decoder {:?}, max {} iterations",
            args.k,
            modulation.name(),
            qm,
            kind,
            args.iters
        );
        writeln!(
            stdout,
            "{:>8} {:>8} {:>9} {:>7} {:>11} {:>11} {:>7}",
            "Eb/N0", "Es/N0", "blocks", "errors", "BLER", "BER", "iters"
        )?;
    }
    let live = crate::progress::counter();
    for (pi, &ebn0) in points.iter().enumerate() {
        let esn0 = ebn0 + 10.0 * info_per_symbol.log10();
        let n0 = 10f64.powf(-esn0 / 10.0);
        let (mut blocks, mut berr, mut biterr, mut iters) = (0u64, 0u64, 0u64, 0u64);
        let started = std::time::Instant::now();
        while berr < args.min_errors && blocks < args.max_blocks {
            let rate = blocks as f64 / started.elapsed().as_secs_f64().max(1e-9);
            live.set_message(format!(
                "Eb/N0 {ebn0} dB: {blocks}/{} blocks, {berr}/{} block errors, {rate:.1} blocks/s ({:.2} Mbit/s)",
                args.max_blocks,
                args.min_errors,
                rate * args.k as f64 / 1e6
            ));
            let nb = batch.min(args.max_blocks - blocks);
            let out = (blocks..blocks + nb)
                .into_par_iter()
                .map(|b| -> Result<(bool, u64, u64)> {
                    let s = derive_seed(args.seed, &[pi as u64, b]);
                    let bits = semcom_channel::sim::random_bits(args.k, derive_seed(s, &[0]));
                    let x = modulation.modulate(&code.encode(&bits)?)?;
                    let y = add_awgn(&x, n0, derive_seed(s, &[1]));
                    let llr = modulation.demap(&y, &[n0 as f32], demapper)?;
                    let (dec, ok, it) = code.decode(&llr, &cfg)?;
                    let e = dec.iter().zip(&bits).filter(|(a, b)| a != b).count() as u64;
                    Ok((!ok || e > 0, e, it as u64))
                })
                .collect::<Result<Vec<_>>>()?;
            for (be, e, it) in out {
                berr += be as u64;
                biterr += e;
                iters += it;
            }
            blocks += nb;
        }
        let p = Point {
            ebn0_db: ebn0,
            esn0_db: esn0,
            blocks,
            block_errors: berr,
            bler: berr as f64 / blocks as f64,
            bit_errors: biterr,
            ber: biterr as f64 / (blocks as f64 * args.k as f64),
            avg_iterations: iters as f64 / blocks as f64,
            k: args.k,
            n,
            modulation: modulation.name(),
            decoder: args.decoder.clone(),
        };
        live.suspend(|| -> Result<()> {
            if g.json {
                writeln!(stdout, "{}", serde_json::to_string(&p)?)?;
            } else {
                writeln!(
                    stdout,
                    "{:>8.3} {:>8.3} {:>9} {:>7} {:>11.3e} {:>11.3e} {:>7.2}",
                    p.ebn0_db, p.esn0_db, p.blocks, p.block_errors, p.bler, p.ber, p.avg_iterations
                )?;
            }
            Ok(stdout.flush()?)
        })?;
        results.push(p);
        if berr == 0 && !args.no_early_stop {
            break;
        }
    }
    live.finish_and_clear();
    if let Some(dir) = &args.out {
        write_outputs(dir, &results)?;
    }
    Ok(())
}

fn write_outputs(dir: &Path, pts: &[Point]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut csv = String::from("ebn0_db,esn0_db,blocks,block_errors,bler,bit_errors,ber,avg_iterations,k,n,modulation,decoder\n");
    let mut jsonl = String::new();
    for p in pts {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            p.ebn0_db,
            p.esn0_db,
            p.blocks,
            p.block_errors,
            p.bler,
            p.bit_errors,
            p.ber,
            p.avg_iterations,
            p.k,
            p.n,
            p.modulation,
            p.decoder
        ));
        jsonl.push_str(&serde_json::to_string(p)?);
        jsonl.push('\n');
    }
    write_atomic(&dir.join("ldpc_sim.csv"), csv.as_bytes())?;
    write_atomic(&dir.join("ldpc_sim.jsonl"), jsonl.as_bytes())?;
    plot(&dir.join("ldpc_sim.png"), pts).context("drawing ldpc_sim.png")
}

/// Waterfall plot: BLER and BER against Eb/N0.
fn plot(path: &Path, pts: &[Point]) -> Result<()> {
    use plotters::style::{BLUE, RED};
    let first = pts
        .first()
        .map(|p| format!("k={} n={} {} {}", p.k, p.n, p.modulation, p.decoder))
        .unwrap_or_default();
    let series = [
        LogSeries {
            label: "BLER".into(),
            color: BLUE,
            points: pts.iter().map(|p| (p.ebn0_db, p.bler)).collect(),
            style: Style::LineMarkers,
        },
        LogSeries {
            label: "BER".into(),
            color: RED,
            points: pts.iter().map(|p| (p.ebn0_db, p.ber)).collect(),
            style: Style::LineMarkers,
        },
    ];
    log_plot(
        path,
        &format!("5G NR LDPC, AWGN: {first}"),
        "Eb/N0 (dB)",
        "error rate",
        1e-1,
        &series,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_bits_are_seeded() {
        let b = semcom_channel::sim::random_bits(130, 7);
        assert_eq!(b, semcom_channel::sim::random_bits(130, 7));
        assert!(b.iter().all(|&x| x < 2) && b.contains(&1));
    }
}
