//! Same as `semcom train CONFIG.toml [--resume] [--overwrite] [--export-only]` for the systems
//! of this crate (deep JSCC), without building the whole CLI:
//! `cargo run --release -p semcom-nn --example train -- CONFIG.toml [--resume] [--overwrite] [--export-only]`.

use semcom_nn::config::{builtin_systems, export_checkpoint, run, RunFlags, TrainConfig};

fn main() {
    semcom_nn::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: train CONFIG.toml [--resume] [--overwrite] [--export-only]");
        std::process::exit(2);
    };
    let has = |f: &str| args.iter().any(|a| a == f);
    let run = || -> semcom_nn::Result<()> {
        let cfg = TrainConfig::load(std::path::Path::new(path))?;
        let sys = builtin_systems();
        if has("--export-only") {
            let step = export_checkpoint(&cfg, &sys, tch::Device::Cpu, has("--overwrite"))?;
            println!("exported step {step}");
            return Ok(());
        }
        let flags = RunFlags {
            resume: has("--resume"),
            overwrite: has("--overwrite"),
            progress: false,
        };
        let r = run(&cfg, &sys, tch::Device::Cpu, flags)?;
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("train: error: {e}");
        std::process::exit(1);
    }
}
