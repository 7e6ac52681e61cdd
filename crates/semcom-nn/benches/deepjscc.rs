//! Deep JSCC speed (Bourtsoulatze et al. 2019 network, k/n = 1/6): training steps/s (batch 32,
//! 3×32×32, Adam, AWGN 10 dB), inference images/s (batch 32) and one 768×512 forward pass.
//! Compare with `scripts/bench_pytorch.py` run on the same machine at the same time.
//! `SEMCOM_BENCH_THREADS` sets the LibTorch threads (default 2), `SEMCOM_BENCH_SECS` the time
//! per measurement (default 5). The allocator is tuned as in the `semcom` binary
//! ([`semcom_nn::tune_allocator`]) unless `SEMCOM_BENCH_DEFAULT_MALLOC=1`.

use semcom_nn::channel::ChannelSpec;
use semcom_nn::deepjscc::{DeepJscc, DeepJsccConfig};
use semcom_nn::optim::{OptimSpec, Optimizer};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

fn env<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

/// Runs `f` repeatedly for about `secs` seconds after one warm-up call; returns calls/s.
fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < secs {
        f();
        n += 1;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let threads: i32 = env("SEMCOM_BENCH_THREADS", 2);
    let secs: f64 = env("SEMCOM_BENCH_SECS", 5.0);
    let tuned = env("SEMCOM_BENCH_DEFAULT_MALLOC", 0) == 0 && semcom_nn::tune_allocator();
    tch::set_num_threads(threads);
    tch::manual_seed(0);
    let m = DeepJscc::new(&DeepJsccConfig::paper(16), Device::Cpu).expect("model");
    let ch = ChannelSpec::Awgn {
        snr_db: 10.0,
        snr_db_max: None,
    };
    let params = semcom_nn::checkpoint::sorted_vars(&m.vs);
    let mut opt = Optimizer::new(&OptimSpec::adam(1e-3), params);
    let x = Tensor::rand([32, 3, 32, 32], (Kind::Float, Device::Cpu));
    let train = rate(secs, || {
        let y = m.forward(&x, &ch);
        let loss = y.mse_loss(&x, tch::Reduction::Mean);
        opt.zero_grad();
        loss.backward();
        opt.step(1e-3);
    });
    let infer = 32.0
        * rate(secs, || {
            let _ = tch::no_grad(|| m.forward(&x, &ch));
        });
    let big = Tensor::rand([1, 3, 512, 768], (Kind::Float, Device::Cpu));
    let kodak = 1.0
        / rate(secs, || {
            let _ = tch::no_grad(|| m.forward(&big, &ch));
        });
    println!("deep JSCC (c=16), tch {threads} threads, allocator tuned: {tuned}");
    println!("| measure | value |");
    println!("|---|---|");
    println!("| train steps/s (batch 32, 32x32, Adam) | {train:.1} |");
    println!("| inference img/s (batch 32, 32x32) | {infer:.0} |");
    println!("| one 768x512 forward (s) | {kodak:.3} |");
}
