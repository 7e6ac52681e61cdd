//! `semcom train CONFIG.toml [--device cpu|cuda] [--resume]`: trains a neural scheme from a
//! TOML configuration (see `docs/neural.md` and `configs/train/`).

use crate::Global;
use anyhow::Context;
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Training configuration (TOML).
    pub config: PathBuf,
    /// `cpu` or `cuda`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Resume from the run's checkpoint when it exists.
    #[arg(long)]
    pub resume: bool,
    /// Only write the export weights from the run's last checkpoint (after stopping early).
    #[arg(long)]
    pub export_only: bool,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    let cfg = semcom_nn::config::TrainConfig::load(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let device = semcom_nn::device(&args.device)
        .with_context(|| format!("unknown device '{}' (cpu or cuda)", args.device))?;
    if args.export_only {
        let step = semcom_nn::config::export_checkpoint(&cfg, device)?;
        if g.json {
            println!(
                "{}",
                serde_json::json!({"exported_step": step, "path": cfg.output.export})
            );
        } else {
            println!("{}: exported the checkpoint at step {step}", cfg.name);
        }
        return Ok(());
    }
    let progress = !g.json;
    let report = semcom_nn::config::run(&cfg, device, args.resume, progress)?;
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{}: {} steps (from {}), last loss {:.5}, validation PSNR {}, wall time {:.0} s",
            cfg.name,
            report.step,
            report.start_step,
            report.last_loss,
            report.val_psnr.map_or("-".into(), |v| format!("{v:.2} dB")),
            report.elapsed_s
        );
    }
    Ok(())
}
