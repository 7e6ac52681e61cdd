//! `semcom eval --scheme deepjscc --cbr 1/6 --snr 0,5,10,15,20 --data DIR [--channel awgn|rayleigh] [--json]`:
//! PSNR of a trained neural scheme over a data set and a range of test SNRs.
//!
//! Default (batched) mode runs the network on batches with the differentiable channel layers of
//! `semcom-nn` (same conventions as `semcom-channel`); `--chain` sends every image through
//! `run_chain` with the `semcom-channel` models instead (any registry scheme, any image size),
//! scored on the 8-bit reconstruction by `semcom-measure` (the batched mode scores the network's
//! float output, as training validation does).

use crate::Global;
use anyhow::{bail, Context};
use rayon::prelude::*;
use semcom_core::chain::{run_chain, Link};
use semcom_core::rng::derive_seed;
use semcom_core::Source;
use semcom_core::{Budget, Image, Ratio};
use semcom_measure::{measure, MetricRegistry, References};
use semcom_nn::channel::ChannelSpec;
use semcom_nn::data::{list_images, ImageSet};
use semcom_nn::train::{evaluate_snrs, summarize, EvalPoint};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scheme name (batched mode: `deepjscc`; `--chain`: any registry scheme).
    #[arg(long, default_value = "deepjscc")]
    pub scheme: String,
    /// Bandwidth ratio k/n (e.g. `1/6`).
    #[arg(long = "kn", visible_alias = "cbr")]
    pub kn: Ratio,
    /// Test SNRs in dB, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "0,5,10,15,20", value_parser = crate::args::snr_db)]
    pub snr: Vec<f64>,
    /// Image folder (recursive), e.g. `../shared/data/cifar10/test`.
    #[arg(long)]
    pub data: PathBuf,
    /// Channel: `awgn`, `rayleigh` (fast fading, ZF with CSI) or `rayleigh-block` (one h per image).
    #[arg(long, default_value = "awgn")]
    pub channel: String,
    /// Use only this many evenly spaced images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Weights folder (default: the shipped `weights/`, or `$SEMCOM_MODELS`).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// `cpu` or `cuda`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Seed of the channel noise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Batch size in batched mode.
    #[arg(long, default_value_t = 250)]
    pub batch: usize,
    /// LibTorch threads.
    #[arg(long, default_value_t = 2)]
    pub threads: i32,
    /// Send each image through `run_chain` and the `semcom-channel` model.
    #[arg(long)]
    pub chain: bool,
}

fn nn_channel(name: &str) -> anyhow::Result<ChannelSpec> {
    Ok(match name {
        "awgn" => ChannelSpec::Awgn {
            snr_db: 0.0,
            snr_db_max: None,
        },
        "rayleigh" | "rayleigh-fast" => ChannelSpec::Rayleigh {
            snr_db: 0.0,
            snr_db_max: None,
            block: false,
        },
        "rayleigh-block" => ChannelSpec::Rayleigh {
            snr_db: 0.0,
            snr_db_max: None,
            block: true,
        },
        _ => bail!("unknown channel '{name}' (awgn, rayleigh, rayleigh-block)"),
    })
}

fn opts(args: &Args) -> semcom_schemes::SchemeOptions {
    semcom_schemes::SchemeOptions {
        weights: args.weights.clone(),
        device: args.device.clone(),
        ..Default::default()
    }
}

fn batched(args: &Args) -> anyhow::Result<Vec<EvalPoint>> {
    if args.scheme != "deepjscc" {
        bail!(
            "batched evaluation supports deepjscc only; use --chain for '{}'",
            args.scheme
        );
    }
    let dir = semcom_schemes::deepjscc::weights_dir(args.weights.as_deref());
    let scheme = semcom_schemes::deepjscc::DeepJsccScheme::new(dir, &args.device)?;
    let file = scheme.weights_file(args.kn.value())?;
    let device = semcom_nn::device(&args.device).context("unknown device")?;
    let model = semcom_nn::deepjscc::DeepJscc::load(&file, device)?;
    let set = ImageSet::load_folder(&args.data, args.limit)?;
    Ok(evaluate_snrs(
        &model,
        &set,
        &nn_channel(&args.channel)?,
        &args.snr,
        args.seed,
        args.batch,
    )?)
}

fn chained(args: &Args) -> anyhow::Result<Vec<EvalPoint>> {
    let scheme = semcom_schemes::build(&args.scheme, &opts(args))?;
    let ch_name = if args.channel == "rayleigh" {
        "rayleigh-fast"
    } else {
        args.channel.as_str()
    };
    let channel = semcom_channel::registry::by_name(ch_name, &Default::default())?;
    let budget = Budget::cbr(args.kn)?;
    let (registry, metric) = (MetricRegistry::default(), vec!["psnr".to_string()]);
    let all = list_images(&args.data)?;
    let files: Vec<PathBuf> = semcom_nn::data::evenly_spaced(all.len(), args.limit)
        .into_iter()
        .map(|i| all[i].clone())
        .collect();
    let images: Vec<Image> = files
        .par_iter()
        .map(Image::load)
        .collect::<Result<_, _>>()?;
    args.snr
        .iter()
        .enumerate()
        .map(|(si, &snr)| {
            let psnr: Vec<f64> = images
                .par_iter()
                .enumerate()
                .map(|(i, img)| {
                    let link = Link {
                        channel: channel.as_ref(),
                        snr_db: snr,
                        seed: derive_seed(args.seed, &[si as u64, i as u64]),
                    };
                    let src = Source::still(img.clone());
                    let out = run_chain(scheme.as_ref(), &src, &budget, &link)?;
                    let m = measure(&registry, &metric, &src, &out.views, &References::default())?;
                    // Identical 8-bit images: PSNR is infinite; counted as 100 dB in the mean.
                    Ok(m.get("psnr").unwrap_or(100.0))
                })
                .collect::<anyhow::Result<_>>()?;
            Ok(summarize(snr, &psnr))
        })
        .collect()
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    if args.threads < 1 {
        bail!("--threads must be at least 1");
    }
    semcom_nn::tch::set_num_threads(args.threads);
    let t0 = std::time::Instant::now();
    let points = if args.chain {
        chained(args)?
    } else {
        batched(args)?
    };
    let secs = t0.elapsed().as_secs_f64();
    if g.json {
        for p in &points {
            let mut v = serde_json::to_value(p)?;
            v["scheme"] = args.scheme.clone().into();
            v["k_over_n"] = args.kn.to_string().into();
            v["channel"] = args.channel.clone().into();
            println!("{v}");
        }
    } else {
        println!(
            "{} k/n={} channel={} ({:.1} s)",
            args.scheme, args.kn, args.channel, secs
        );
        println!(
            "{:>8} {:>8} {:>10} {:>8}",
            "SNR dB", "images", "PSNR dB", "±95%"
        );
        for p in &points {
            println!(
                "{:>8.1} {:>8} {:>10.3} {:>8.3}",
                p.snr_db, p.images, p.psnr_mean, p.psnr_ci95
            );
        }
    }
    Ok(())
}
