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
    let b = Image::load(format!(
        "{shared}/reference/decoded/kodim05_q30_decoded.png"
    ));
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

/// CPU time of the calling thread in ms (robust against other processes sharing the cores).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec; CLOCK_THREAD_CPUTIME_ID is always available on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 * 1e-6
}

fn time<T>(name: &str, reps: usize, mut f: impl FnMut() -> T) {
    black_box(f());
    let (mut best, mut cpu_best) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        let (t, c) = (Instant::now(), thread_cpu_ms());
        black_box(f());
        cpu_best = cpu_best.min(thread_cpu_ms() - c);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("| {name:<28} | {best:>12.2} | {cpu_best:>11.2} |");
}

fn main() {
    let (a, b, what) = pair();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    println!("semcom-metrics speed on {what}, 1 thread");
    println!("| metric                       | best wall ms | best CPU ms |");
    println!("|------------------------------|--------------|-------------|");
    let boxes = Region::boxes(vec![Rect::new(200, 150, 440, 330).expect("box")]);
    pool.install(|| {
        time("psnr (RGB)", 20, || psnr(&a, &b, 1.0));
        time("psnr_y", 20, || psnr_y(&a, &b, 1.0));
        time("ssim_y", 10, || ssim_y(&a, &b, 1.0));
        time("ssim (RGB, 3 channels)", 10, || ssim(&a, &b, 1.0));
        time("ssim_y_masked (box)", 10, || {
            ssim_y_masked(&a, &b, 1.0, &boxes)
        });
        time("ms_ssim (RGB)", 5, || ms_ssim(&a, &b, 1.0));
        time("compare_images (all + box)", 3, || {
            compare_images(&a, &b, 1.0, Some(&boxes))
        });
    });
    // Task metrics.
    let gt: Vec<u8> = (0..480 * 360)
        .map(|i| ((i / 480 / 30 + i % 480 / 40) % 12) as u8)
        .collect();
    let pred: Vec<u8> = (0..480 * 360).map(|i| gt[(i + 7) % gt.len()]).collect();
    time("confusion matrix 480x360", 20, || {
        let mut cm = segmentation::ConfusionMatrix::new(12, Some(11)).expect("cm");
        cm.add(&gt, &pred).expect("labels");
        cm.miou()
    });
    let d = 64;
    let s: Vec<f64> = (0..d * d)
        .map(|i| {
            if i / d == i % d {
                1.0 + (i % 7) as f64 * 0.1
            } else {
                0.01
            }
        })
        .collect();
    let mu = vec![0.0; d];
    time("frechet_distance d=64", 20, || {
        frechet::frechet_distance(&mu, &s, &mu, &s)
    });
}
