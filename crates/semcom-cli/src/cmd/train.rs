//! `semcom train CONFIG.toml [--device cpu|cuda] [--resume] [--overwrite] [--export-only]`:
//! trains a system from a TOML configuration (see `docs/neural.md` and `configs/train/`).
//! Training never destroys work: an existing checkpoint needs `--resume` or `--overwrite`, an
//! existing export needs `--overwrite`, and `--resume` needs a checkpoint.

use crate::Global;
use anyhow::Context;
use semcom_nn::config::{RunFlags, System, TrainConfig};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Training configuration (TOML).
    pub config: PathBuf,
    /// `cpu`, `cuda` or `cuda:N` (an error when CUDA is not available).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Continue from the run's checkpoint (an error when there is none).
    #[arg(long)]
    pub resume: bool,
    /// Start over, replacing an existing checkpoint and log, and replace an existing export.
    #[arg(long)]
    pub overwrite: bool,
    /// Only write the export weights from the run's last checkpoint (after stopping early).
    #[arg(long)]
    pub export_only: bool,
}

/// The systems `semcom train` knows (`[model] kind`).
pub fn systems() -> Vec<&'static dyn System> {
    let mut v = semcom_nn::config::builtin_systems();
    v.push(&semcom_zoo::flow_train::FlowSystem);
    v
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    let cfg = TrainConfig::load(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let device = semcom_nn::device(&args.device)?;
    if args.export_only {
        anyhow::ensure!(
            !args.resume,
            "--export-only and --resume exclude each other"
        );
        let step = semcom_nn::config::export_checkpoint(&cfg, &systems(), device, args.overwrite)?;
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
    let flags = RunFlags {
        resume: args.resume,
        overwrite: args.overwrite,
        progress: !g.json,
    };
    let report = semcom_nn::config::run(&cfg, &systems(), device, flags)?;
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let losses: Vec<String> = report
            .losses
            .iter()
            .map(|(k, v)| format!("{k} {v:.5}"))
            .collect();
        println!(
            "{}: {} steps (from {}), last losses {}, validation PSNR {}, wall time {:.0} s",
            cfg.name,
            report.step,
            report.start_step,
            losses.join(", "),
            report.val_psnr.map_or("-".into(), |v| format!("{v:.2} dB")),
            report.elapsed_s
        );
    }
    Ok(())
}
