//! Trains the flow network from a `semcom train` configuration (`[model] kind = "flow"`, e.g.
//! `configs/train/flow_spynet_small.toml`) without building the whole CLI:
//! `cargo run --release -p semcom-zoo --example train_flow -- CONFIG.toml [--resume] [--overwrite]`.

use semcom_nn::config::{run, RunFlags, System, TrainConfig};
use semcom_zoo::flow_train::FlowSystem;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        return Err("usage: train_flow CONFIG.toml [--resume] [--overwrite]".into());
    };
    let has = |f: &str| args.iter().any(|a| a == f);
    let cfg = TrainConfig::load(std::path::Path::new(path))?;
    let systems: [&dyn System; 1] = [&FlowSystem];
    let flags = RunFlags {
        resume: has("--resume"),
        overwrite: has("--overwrite"),
        progress: false,
    };
    let r = run(&cfg, &systems, tch::Device::Cpu, flags)?;
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}
