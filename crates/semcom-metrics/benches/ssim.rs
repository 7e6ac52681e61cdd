//! Speed of the image metrics on one Kodak pair (kodim05 vs its JPEG q30 decode), one core.
//! Falls back to a synthetic 768x512 pair when ../shared is missing. Prints a small table.
//!
//! Run: `cargo bench -p semcom-metrics --bench ssim`

use semcom_core::Image;
use semcom_metrics::*;
use std::hint::black_box;
use std::time::Instant;

fn pair() -> (Image, Image, &'static str) {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");
    let a = Image::load(format!("{shared}/data/kodak/kodim05.png"));
    let b = Image::load(format!("{shared}/reference/decoded/kodim05_q30_decoded.png"));
    match (a, b) {
        (Ok(a), Ok(b)) => (a, b, "kodim05 vs JPEG q30 (768x512)"),
        _ => {
            let a = semcom_core::testcard::test_card(768, 512);
            let mut b = a.clone();
            for (i, v) in b.data_mut().iter_mut().enumerate() {
                *v = (*v + 0.03 * (((i * 7919) % 101) as f32 / 101.0 - 0.5)).clamp(0.0, 1.0);
            }
            (a, b, "synthetic test card (768x512)")
        }
    }
}

fn time<T>(name: &str, reps: usize, mut f: impl FnMut() -> T) {
    black_box(f());
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    for _ in 0..reps {
        let t = Instant::now();
        black_box(f());
        let dt = t.elapsed().as_secs_f64() * 1e3;
        best = best.min(dt);
        total += dt;
    }
    println!("| {name:<28} | {best:>9.2} | {:>9.2} |", total / reps as f64);
}

fn main() {
    let (a, b, what) = pair();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    println!("semcom-metrics speed on {what}, 1 thread");
    println!("| metric                       |  best ms  |  mean ms  |");
    println!("|------------------------------|-----------|-----------|");
    let boxes = Region::boxes(vec![Rect::new(200, 150, 440, 330).expect("box")]);
    pool.install(|| {
        time("psnr (RGB)", 20, || psnr(&a, &b, 1.0));
        time("psnr_y", 20, || psnr_y(&a, &b, 1.0));
        time("ssim_y", 10, || ssim_y(&a, &b, 1.0));
        time("ssim (RGB, 3 channels)", 10, || ssim(&a, &b, 1.0));
        time("ssim_y_masked (box)", 10, || ssim_y_masked(&a, &b, 1.0, &boxes));
        time("ms_ssim (RGB)", 5, || ms_ssim(&a, &b, 1.0));
        time("compare_images (all + box)", 3, || compare_images(&a, &b, 1.0, Some(&boxes)));
    });
    // Task metrics.
    let gt: Vec<u8> = (0..480 * 360).map(|i| ((i / 480 / 30 + i % 480 / 40) % 12) as u8).collect();
    let pred: Vec<u8> = (0..480 * 360).map(|i| gt[(i + 7) % gt.len()]).collect();
    time("confusion matrix 480x360", 20, || {
        let mut cm = segmentation::ConfusionMatrix::new(12, Some(11)).expect("cm");
        cm.add(&gt, &pred).expect("labels");
        cm.miou()
    });
    let d = 64;
    let s: Vec<f64> = (0..d * d).map(|i| if i / d == i % d { 1.0 + (i % 7) as f64 * 0.1 } else { 0.01 }).collect();
    let mu = vec![0.0; d];
    time("frechet_distance d=64", 20, || frechet::frechet_distance(&mu, &s, &mu, &s));
}
