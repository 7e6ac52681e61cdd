//! Kodak sweep benchmark (target: 6 SNRs × 5 schemes × 24 images at one k/n in under
//! 5 minutes on 2 cores, release mode). Prints one row per scheme and the total.
//!
//! `cargo bench -p semcom-sweep --bench kodak_sweep`; environment overrides:
//! `SEMCOM_BENCH_SCHEMES=a,b` (default: every registered scheme), `SEMCOM_BENCH_KN=1/12`,
//! `SEMCOM_BENCH_LIMIT=24` (images). Skips when `../shared/data/kodak` is missing (fails with `CI=true`).

use semcom_sweep::{engine, DefaultRegistry, Plan, RunOptions, SweepConfig};
use std::path::Path;
use std::time::Instant;

fn main() {
    let kodak = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/kodak"
    ));
    if !kodak.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {} is missing",
            kodak.display()
        );
        println!("SKIP kodak_sweep: {} is missing", kodak.display());
        return;
    }
    let schemes: Vec<String> = match std::env::var("SEMCOM_BENCH_SCHEMES") {
        Ok(s) => s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        Err(_) => semcom_schemes::available()
            .iter()
            .map(|s| s.name.to_string())
            .collect(),
    };
    let kn = std::env::var("SEMCOM_BENCH_KN").unwrap_or_else(|_| "1/12".into());
    let limit: usize = std::env::var("SEMCOM_BENCH_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let threads = rayon::current_num_threads();
    println!("Kodak sweep: 6 SNRs (0..20 dB) x {} scheme(s) x {limit} images, k/n = {kn}, AWGN, {threads} threads", schemes.len());
    println!(
        "{:<22} {:>7} {:>9} {:>10} {:>11} {:>10}",
        "scheme", "points", "images", "time (s)", "s / image", "PSNR@20dB"
    );
    let tmp = std::env::temp_dir().join(format!("semcom-kodak-bench-{}", std::process::id()));
    let mut total = 0.0;
    let mut total_runs = 0;
    for name in &schemes {
        let text = format!(
            "name = \"kodak-bench\"\nseed = 1\nmetrics = [\"psnr\"]\nsnr_db = [0.0, 4.0, 8.0, 12.0, 16.0, 20.0]\n\
             [[schemes]]\nname = \"{name}\"\n[[channels]]\nname = \"awgn\"\n[budgets]\nkn = [\"{kn}\"]\n\
             [[datasets]]\nname = \"kodak\"\npath = \"{}\"\nlimit = {limit}\n",
            kodak.display()
        );
        let plan =
            match SweepConfig::from_toml_str(&text).and_then(|c| Plan::new(c, &DefaultRegistry)) {
                Ok(p) => p,
                Err(e) => {
                    println!("{name:<22} skipped: {e}");
                    continue;
                }
            };
        let out = tmp.join(name.replace(['/', '@', '+'], "_"));
        let t0 = Instant::now();
        let res = engine::run(&plan, &out, &RunOptions::default());
        let dt = t0.elapsed().as_secs_f64();
        match res {
            Ok(o) if o.summary.failed.is_empty() => {
                let runs: usize = o.records.iter().map(|r| r.images.len()).sum();
                let psnr20 = o.records.last().map(|r| {
                    let v: Vec<f64> = r.images.iter().filter_map(|i| i.metrics["psnr"]).collect();
                    v.iter().sum::<f64>() / v.len().max(1) as f64
                });
                println!(
                    "{name:<22} {:>7} {:>9} {dt:>10.1} {:>11.3} {:>10.2}",
                    o.records.len(),
                    runs,
                    dt / runs.max(1) as f64,
                    psnr20.unwrap_or(f64::NAN)
                );
                total += dt;
                total_runs += runs;
            }
            Ok(o) => println!(
                "{name:<22} failed: {} ({dt:.1} s)",
                o.summary.failed[0].error
            ),
            Err(e) => println!("{name:<22} failed: {e}"),
        }
    }
    println!("{:<22} {:>7} {total_runs:>9} {total:>10.1}   (target: < 300 s for 5 schemes x 6 SNRs x 24 images)", "total", "");
    std::fs::remove_dir_all(&tmp).ok();
}
