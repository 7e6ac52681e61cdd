//! Behaviour of the training engine: learning, exact resume, checkpoint validation.

use semcom_nn::channel::ChannelSpec;
use semcom_nn::data::{Augment, ImageSet, Sample};
use semcom_nn::deepjscc::{DeepJscc, DeepJsccConfig};
use semcom_nn::optim::{OptimSpec, Schedule};
use semcom_nn::train::{evaluate, train, Loss, Stage, TrainOptions};
use std::path::PathBuf;
use tch::Device;

/// LibTorch's random generator (`tch::manual_seed`) is process-global: tests that seed it and
/// draw from it must not run concurrently, or their draws interleave and results change.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn torch_rng() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("semcom-nn-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Smooth synthetic 16×16 images: colour gradients with a random phase.
fn synthetic(n: usize, size: usize) -> ImageSet {
    let samples = (0..n)
        .map(|i| {
            let mut rgb = vec![0u8; size * size * 3];
            for y in 0..size {
                for x in 0..size {
                    for c in 0..3 {
                        let v = 0.5
                            + 0.4
                                * (((x + 2 * c + i) as f32) * 0.4).sin()
                                * (((y + i * 3) as f32) * 0.3 + c as f32).cos();
                        rgb[(y * size + x) * 3 + c] = (v * 255.0) as u8;
                    }
                }
            }
            Sample {
                width: size,
                height: size,
                rgb,
                label_map: None,
                class: None,
            }
        })
        .collect();
    ImageSet {
        samples,
        paths: vec![],
        classes: vec![],
    }
}

fn tiny() -> DeepJsccConfig {
    DeepJsccConfig {
        c: 4,
        widths: vec![6, 6, 6, 6],
        kernel: 3,
    }
}

fn model(seed: i64) -> DeepJscc {
    tch::manual_seed(seed);
    DeepJscc::new(&tiny(), Device::Cpu).unwrap()
}

fn stages(steps: [u64; 2]) -> Vec<Stage> {
    vec![
        Stage {
            name: "a".into(),
            steps: steps[0],
            optimizer: OptimSpec::adam(3e-3),
            schedule: Schedule::Constant,
            loss: Loss::Mse,
            freeze: vec![],
            channel: None,
        },
        Stage {
            name: "b".into(),
            steps: steps[1],
            optimizer: OptimSpec::sgd(1e-2, 0.9),
            schedule: Schedule::Step {
                every: 3,
                gamma: 0.5,
            },
            loss: Loss::L1,
            freeze: vec!["enc.".into()],
            channel: None,
        },
    ]
}

#[test]
fn tiny_model_learns() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let data = synthetic(64, 16);
    let m = model(3);
    let ch = ChannelSpec::Awgn {
        snr_db: 20.0,
        snr_db_max: None,
    };
    let before = evaluate(&m, &data, &ch, 1, 64).unwrap();
    let opts = TrainOptions {
        seed: 5,
        batch: 8,
        channel: ch.clone(),
        ..Default::default()
    };
    let st = vec![Stage {
        steps: 60,
        ..stages([60, 0])[0].clone()
    }];
    let r = train(&m, &st, &data, None, &opts).unwrap();
    let after = evaluate(&m, &data, &ch, 1, 64).unwrap();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert_eq!(r.step, 60);
    assert!(
        mean(&after) > mean(&before) + 2.0,
        "PSNR {} -> {}",
        mean(&before),
        mean(&after)
    );
}

#[test]
fn resume_is_bit_identical() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let data = synthetic(40, 16);
    let dir = tmp("resume");
    let st = stages([12, 8]);
    let base = TrainOptions {
        seed: 9,
        batch: 8,
        augment: Augment {
            crop: Some((12, 12)),
            flip: true,
        },
        channel: ChannelSpec::Awgn {
            snr_db: 5.0,
            snr_db_max: Some(15.0),
        },
        ..Default::default()
    };
    // Uninterrupted run.
    let a = model(1);
    train(&a, &st, &data, None, &base).unwrap();
    // Interrupted at step 7 (mid stage 0), resumed into a model with different initial weights,
    // interrupted again at 15 (mid stage 1) and resumed to the end.
    let ck = dir.join("ck.safetensors");
    let with = |stop: Option<u64>| TrainOptions {
        checkpoint: Some(ck.clone()),
        resume: true,
        stop_at: stop,
        ..base.clone()
    };
    let b = model(1);
    assert_eq!(train(&b, &st, &data, None, &with(Some(7))).unwrap().step, 7);
    let c = model(77);
    let r = train(&c, &st, &data, None, &with(Some(15))).unwrap();
    assert_eq!((r.start_step, r.step), (7, 15));
    let d = model(78);
    assert_eq!(train(&d, &st, &data, None, &with(None)).unwrap().step, 20);
    let va = a.vs.variables();
    let vd = d.vs.variables();
    assert_eq!(va.len(), vd.len());
    for (name, t) in &va {
        let u = &vd[name];
        assert!(t.equal(u), "variable {name} differs after resume");
    }
    // Frozen encoder in stage 1: the encoder must still train in stage 0 only (sanity).
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_checkpoints_are_rejected_cleanly() {
    let _rng = torch_rng();
    let dir = tmp("bad");
    let m = model(1);
    let good = dir.join("w.safetensors");
    m.save(&good, Default::default()).unwrap();
    // Round trip.
    let back = DeepJscc::load(&good, Device::Cpu).unwrap();
    for (n, t) in m.vs.variables() {
        assert!(t.equal(&back.vs.variables()[&n]));
    }
    let bytes = std::fs::read(&good).unwrap();
    // Truncated.
    let p = dir.join("trunc.safetensors");
    std::fs::write(&p, &bytes[..bytes.len() - 100]).unwrap();
    let e = DeepJscc::load(&p, Device::Cpu).unwrap_err().to_string();
    assert!(e.contains("checkpoint") && e.contains("trunc"), "{e}");
    // Garbage and empty files.
    for (name, b) in [
        ("garbage", vec![0xffu8; 64]),
        ("empty", vec![]),
        ("short", vec![1, 2, 3]),
    ] {
        let p = dir.join(format!("{name}.safetensors"));
        std::fs::write(&p, &b).unwrap();
        assert!(DeepJscc::load(&p, Device::Cpu).is_err());
    }
    // Mismatched architecture: weights of c = 4 loaded into c = 8.
    tch::manual_seed(0);
    let other = DeepJscc::new(&DeepJsccConfig { c: 8, ..tiny() }, Device::Cpu).unwrap();
    let e = semcom_nn::checkpoint::load_weights(&other.vs, &good)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match") && e.contains("shape"), "{e}");
    // A training checkpoint from another model is rejected on resume.
    let ck = dir.join("ck.safetensors");
    let data = synthetic(16, 16);
    let opts = TrainOptions {
        batch: 4,
        checkpoint: Some(ck.clone()),
        resume: true,
        ..Default::default()
    };
    train(&m, &stages([2, 0])[..1], &data, None, &opts).unwrap();
    let e = train(&other, &stages([4, 0])[..1], &data, None, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match"), "{e}");
    // Weights are not a training checkpoint.
    let opts2 = TrainOptions {
        checkpoint: Some(good.clone()),
        ..opts
    };
    assert!(train(&m, &stages([4, 0])[..1], &data, None, &opts2)
        .unwrap_err()
        .to_string()
        .contains("not a"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn random_bytes_never_panic_the_parser() {
    use rand::Rng;
    let mut rng = semcom_core::rng::rng_for(4, 0);
    let m = model(2);
    let dir = tmp("fuzz");
    let good = dir.join("w.safetensors");
    m.save(&good, Default::default()).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    for i in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..1 + i % 5 {
            let j = rng.random_range(0..b.len().min(400));
            b[j] = rng.random();
        }
        let _ = semcom_nn::st::parse(&b);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
