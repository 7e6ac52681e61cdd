//! `semcom flow`: train or run the SpyNet-style flow network (`semcom_zoo::flow`).

use crate::Global;
use anyhow::Context;
use semcom_core::Image;
use semcom_zoo::flow::{flow_to_image, write_flo, FlowNet, FlowNetConfig};
use semcom_zoo::flow_train::{
    load_sequence, load_stills, train, FlowTrainer, Sequence, TrainConfig,
};
use std::path::{Path, PathBuf};

/// Default location of the project's trained flow weights (relative to the repository root).
pub const DEFAULT_WEIGHTS: &str = "weights/flow/spynet_small.safetensors";

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Train the flow network (unsupervised photometric + smoothness loss) on frame folders/pairs.
    Train(TrainArgs),
    /// Estimate the flow from IMG1 to IMG2; writes flow.flo, flow.png (colour) and stats.
    Run(RunArgs),
    /// Evaluate on the FlyingChairs sample pair: synthetic known-flow EPE vs zero flow, mean flow
    /// vs the published ground-truth mean, photometric error vs zero flow.
    Eval(EvalArgs),
}

/// `semcom flow eval`.
#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// Weights (default: weights/flow/spynet_small.safetensors).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Folder with chairs_00001_img{1,2}.png (default: $SEMCOM_MODELS/samples).
    #[arg(long)]
    samples: Option<PathBuf>,
    /// Synthetic pairs.
    #[arg(long, default_value_t = 8)]
    pairs: usize,
    /// Largest synthetic displacement (px).
    #[arg(long, default_value_t = 8.0)]
    max_disp: f32,
    /// LibTorch intra-op threads (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value_t = 1)]
    threads: i32,
}

/// `semcom flow train`.
#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// Folders of consecutive frames (sorted by name), repeatable.
    #[arg(long = "data")]
    data: Vec<PathBuf>,
    /// Two-frame pairs, repeatable: `--pair A.png B.png`.
    #[arg(long = "pair", num_args = 2)]
    pair: Vec<PathBuf>,
    /// Folders of still images cut into synthetic pairs with known flow (supervised
    /// end-point-error loss), repeatable.
    #[arg(long = "stills")]
    stills: Vec<PathBuf>,
    /// Keep this many evenly spaced images of each `--stills` folder.
    #[arg(long)]
    stills_limit: Option<usize>,
    /// Largest displacement of the synthetic pairs (px).
    #[arg(long, default_value_t = 12.0)]
    max_disp: f32,
    /// Weight of the unsupervised loss on the real pairs of `--data`/`--pair` (0 = off).
    #[arg(long, default_value_t = 1.0)]
    photometric: f64,
    /// Optimiser steps.
    #[arg(long, default_value_t = 400)]
    steps: usize,
    /// Pairs per step.
    #[arg(long, default_value_t = 2)]
    batch: usize,
    /// Crop WxH (multiples of 32).
    #[arg(long, default_value = "96x64")]
    crop: String,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Smoothness weight.
    #[arg(long, default_value_t = 0.5)]
    smooth: f64,
    /// Largest frame gap.
    #[arg(long, default_value_t = 3)]
    max_gap: usize,
    /// Seed (initialisation and data order).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop after this many minutes even if fewer steps are done.
    #[arg(long)]
    max_minutes: Option<f64>,
    /// LibTorch intra-op threads (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value_t = 1)]
    threads: i32,
    /// Output weights file (copy it to weights/flow/ to ship it).
    #[arg(
        short = 'o',
        long,
        default_value = "runs/flow/spynet_small.safetensors"
    )]
    out: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    overwrite: bool,
    /// Continue from these weights instead of a fresh initialisation.
    #[arg(long)]
    init: Option<PathBuf>,
}

/// `semcom flow run`.
#[derive(clap::Args, Debug)]
struct RunArgs {
    /// First frame.
    img1: PathBuf,
    /// Second frame.
    img2: PathBuf,
    /// Weights (default: weights/flow/spynet_small.safetensors).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Output directory.
    #[arg(short = 'o', long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    match &args.cmd {
        Sub::Train(a) => run_train(a, g),
        Sub::Run(a) => run_flow(a, g),
        Sub::Eval(a) => run_eval(a, g),
    }
}

fn parse_crop(s: &str) -> anyhow::Result<(usize, usize)> {
    let (w, h) = s.split_once('x').context("--crop must be WxH")?;
    let (w, h): (usize, usize) = (w.parse()?, h.parse()?);
    anyhow::ensure!(
        w % 32 == 0 && h % 32 == 0 && w >= 32 && h >= 32,
        "--crop sides must be positive multiples of 32"
    );
    Ok((w, h))
}

fn run_train(a: &TrainArgs, g: &Global) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.overwrite || !a.out.exists(),
        "{} exists (pass --overwrite to replace it)",
        a.out.display()
    );
    let cfg = TrainConfig {
        steps: a.steps,
        batch: a.batch,
        crop: parse_crop(&a.crop)?,
        max_gap: a.max_gap,
        lr: a.lr,
        smooth: a.smooth,
        seed: a.seed,
        max_seconds: a.max_minutes.map(|m| m * 60.0),
        max_disp: a.max_disp,
        photometric: a.photometric,
    };
    cfg.validate()?;
    semcom_zoo::tch::set_num_threads(a.threads.clamp(1, semcom_nn::config::MAX_THREADS));
    let mut stills = Vec::new();
    for d in &a.stills {
        stills.extend(load_stills(d, a.stills_limit)?);
    }
    let mut seqs = Vec::new();
    for d in &a.data {
        seqs.push(load_sequence(d, 10_000)?);
    }
    for p in a.pair.chunks(2) {
        let files: Vec<&Path> = p.iter().map(|x| x.as_path()).collect();
        seqs.push(Sequence::from_files(&files)?);
    }
    anyhow::ensure!(
        !seqs.is_empty() || !stills.is_empty(),
        "give training images with --stills DIR, --data DIR or --pair A B"
    );
    let net = match &a.init {
        Some(p) => FlowNet::load(p)?,
        None => FlowNet::new(
            FlowNetConfig::default(),
            &mut semcom_core::rng::rng_for(a.seed, 7),
        )?,
    };
    let frames: usize = seqs.iter().map(|s| s.frames.len()).sum();
    eprintln!(
        "training flow net ({} parameters) on {} sequences, {frames} frames, {} stills",
        net.parameters(),
        seqs.len(),
        stills.len()
    );
    let start = std::time::Instant::now();
    let mut trainer = FlowTrainer::new(net, seqs, stills, &cfg)?;
    let steps = train(&mut trainer, !g.json)?;
    trainer.net.save(&a.out)?;
    let secs = start.elapsed().as_secs_f64();
    let losses = &trainer.losses;
    let first = losses.iter().take(20).sum::<f64>() / losses.len().clamp(1, 20) as f64;
    let last = losses.iter().rev().take(20).sum::<f64>() / losses.len().clamp(1, 20) as f64;
    if g.json {
        println!(
            "{}",
            serde_json::json!({"out": a.out, "steps": steps, "seconds": secs, "loss_first20": first, "loss_last20": last, "parameters": trainer.net.parameters()})
        );
    } else {
        println!(
            "saved {} after {steps} steps in {secs:.0} s; loss {first:.4} -> {last:.4}",
            a.out.display(),
        );
    }
    Ok(())
}

fn load_net(weights: &Option<PathBuf>) -> anyhow::Result<FlowNet> {
    let wpath = weights
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_WEIGHTS));
    anyhow::ensure!(
        wpath.is_file(),
        "missing flow weights {} (pass --weights PATH)",
        wpath.display()
    );
    Ok(FlowNet::load(&wpath)?)
}

/// Published ground-truth mean flow (u, v) of FlyingChairs pair 00001 (spynet/README.md).
const CHAIRS_GT_MEAN: (f64, f64) = (-2.159, -0.419);

fn run_eval(a: &EvalArgs, g: &Global) -> anyhow::Result<()> {
    semcom_zoo::tch::set_num_threads(a.threads.max(1));
    let net = load_net(&a.weights)?;
    let dir = a
        .samples
        .clone()
        .unwrap_or_else(|| semcom_zoo::weights::models_dir().join("samples"));
    let i1 = Image::load(dir.join("chairs_00001_img1.png"))?;
    let i2 = Image::load(dir.join("chairs_00001_img2.png"))?;
    let (syn, syn_zero) =
        semcom_zoo::flow_train::synthetic_epe(&net, &i1, a.pairs, a.max_disp, 2026)?;
    let (ph, ph_zero) = semcom_zoo::flow_train::photometric_error(&net, &i1, &i2)?;
    let f = net.estimate(&i1, &i2)?;
    let u = f
        .get(0)
        .mean(semcom_zoo::tch::Kind::Float)
        .double_value(&[]);
    let v = f
        .get(1)
        .mean(semcom_zoo::tch::Kind::Float)
        .double_value(&[]);
    let mean_err = (u - CHAIRS_GT_MEAN.0).hypot(v - CHAIRS_GT_MEAN.1);
    let zero_mean_err = CHAIRS_GT_MEAN.0.hypot(CHAIRS_GT_MEAN.1);
    if g.json {
        println!(
            "{}",
            serde_json::json!({
            "synthetic_epe": syn, "synthetic_epe_zero_flow": syn_zero, "synthetic_pairs": a.pairs, "max_disp": a.max_disp,
            "chairs_mean_flow": [u, v], "chairs_gt_mean_flow": [CHAIRS_GT_MEAN.0, CHAIRS_GT_MEAN.1],
            "chairs_mean_flow_error": mean_err, "chairs_mean_flow_error_zero": zero_mean_err,
            "chairs_photometric_mae": ph, "chairs_photometric_mae_zero_flow": ph_zero})
        );
    } else {
        println!("synthetic known-flow pairs from chairs img1 ({} pairs, max {} px): EPE {syn:.3} px (zero flow {syn_zero:.3} px)", a.pairs, a.max_disp);
        println!("chairs 00001 mean flow ({u:.3}, {v:.3}) vs ground-truth mean ({}, {}): error {mean_err:.3} px (zero flow {zero_mean_err:.3} px)", CHAIRS_GT_MEAN.0, CHAIRS_GT_MEAN.1);
        println!("chairs 00001 photometric MAE |I1 - warp(I2)|: {ph:.4} (zero flow {ph_zero:.4})");
        println!("(the per-pixel ground truth of pair 00001 is not in shared/, so its EPE cannot be computed here)");
    }
    Ok(())
}

fn run_flow(a: &RunArgs, g: &Global) -> anyhow::Result<()> {
    let net = load_net(&a.weights)?;
    let i1 = Image::load(&a.img1)?;
    let i2 = Image::load(&a.img2)?;
    let flow = net.estimate(&i1, &i2)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write_flo(&a.out.join("flow.flo"), &flow)?;
    flow_to_image(&flow, None)?.save(a.out.join("flow.png"))?;
    let u = flow
        .get(0)
        .mean(semcom_zoo::tch::Kind::Float)
        .double_value(&[]);
    let v = flow
        .get(1)
        .mean(semcom_zoo::tch::Kind::Float)
        .double_value(&[]);
    let mag = flow
        .square()
        .sum_dim_intlist([0i64].as_slice(), false, semcom_zoo::tch::Kind::Float)
        .sqrt();
    let (mm, mx) = (
        mag.mean(semcom_zoo::tch::Kind::Float).double_value(&[]),
        mag.max().double_value(&[]),
    );
    if g.json {
        println!(
            "{}",
            serde_json::json!({"mean_u": u, "mean_v": v, "mean_magnitude": mm, "max_magnitude": mx, "flo": a.out.join("flow.flo"), "png": a.out.join("flow.png")})
        );
    } else {
        println!("mean flow (u, v) = ({u:.3}, {v:.3}) px, mean |flow| {mm:.3} px, max {mx:.2} px");
        println!("wrote {}/flow.flo and flow.png", a.out.display());
    }
    Ok(())
}
