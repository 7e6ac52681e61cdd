//! Trains the project's flow network exactly as `semcom flow train` does with its defaults,
//! without building the whole CLI: `cargo run --release -p semcom-zoo --example train_flow --
//! OUT.safetensors STEPS MAX_MINUTES DIR_OR_PAIR...` where a pair is written `A.png+B.png`.

use semcom_zoo::flow::{FlowNet, FlowNetConfig};
use semcom_zoo::flow_train::{load_sequence, train, Sequence, TrainConfig};
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: train_flow OUT STEPS MAX_MINUTES DIR_OR_A+B...".into());
    }
    tch::set_num_threads(2);
    let out = PathBuf::from(&args[0]);
    let cfg = TrainConfig {
        steps: args[1].parse()?,
        max_seconds: Some(args[2].parse::<f64>()? * 60.0),
        ..Default::default()
    };
    let mut seqs = Vec::new();
    for a in &args[3..] {
        match a.split_once('+') {
            Some((x, y)) => seqs.push(Sequence::from_files(&[Path::new(x), Path::new(y)])?),
            None => seqs.push(load_sequence(Path::new(a), 10_000)?),
        }
    }
    let mut net = FlowNet::new(
        FlowNetConfig::default(),
        &mut semcom_core::rng::rng_for(cfg.seed, 7),
    )?;
    eprintln!(
        "{} parameters, {} sequences, config {cfg:?}",
        net.parameters(),
        seqs.len()
    );
    let t = std::time::Instant::now();
    let losses = train(&mut net, &seqs, &cfg, &mut |s, l| {
        if s % 10 == 0 {
            eprintln!("step {s} loss {l:.4} ({:.0} s)", t.elapsed().as_secs_f64());
        }
    })?;
    net.save(&out)?;
    let k = losses.len().clamp(1, 20);
    println!(
        "saved {} after {} steps in {:.0} s; loss {:.4} -> {:.4}",
        out.display(),
        losses.len(),
        t.elapsed().as_secs_f64(),
        losses.iter().take(k).sum::<f64>() / k as f64,
        losses.iter().rev().take(k).sum::<f64>() / k as f64
    );
    Ok(())
}
