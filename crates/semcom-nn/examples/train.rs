//! Same as `semcom train CONFIG.toml [--resume]`, without building the whole CLI:
//! `cargo run --release -p semcom-nn --example train -- CONFIG.toml [--resume] [--export-only]`.

fn main() {
    semcom_nn::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: train CONFIG.toml [--resume] [--export-only]");
        std::process::exit(2);
    };
    let resume = args.iter().any(|a| a == "--resume");
    let run = || -> semcom_nn::Result<()> {
        let cfg = semcom_nn::config::TrainConfig::load(std::path::Path::new(path))?;
        if args.iter().any(|a| a == "--export-only") {
            let step = semcom_nn::config::export_checkpoint(&cfg, tch::Device::Cpu)?;
            println!("exported step {step}");
            return Ok(());
        }
        let r = semcom_nn::config::run(&cfg, tch::Device::Cpu, resume, false)?;
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("train: error: {e}");
        std::process::exit(1);
    }
}
