//! SpyNet-style flow network: warping, pyramid shapes, save/load, .flo I/O, and a short
//! unsupervised training run on a synthetic moving texture whose loss must fall.

mod common;

use semcom_core::rng::rng_for;
use semcom_core::testcard::test_card;
use semcom_zoo::flow::{epe, num_levels, read_flo, warp, write_flo, FlowNet, FlowNetConfig};
use semcom_zoo::flow_train::{synthetic_pair, train, FlowTrainer, Sequence, TrainConfig};
use tch::{Kind, Tensor};

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("zoo-flow-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn warp_identity_and_integer_shift() {
    let img = Tensor::rand([1, 3, 8, 10], (Kind::Float, tch::Device::Cpu));
    let zero = Tensor::zeros([1, 2, 8, 10], (Kind::Float, tch::Device::Cpu));
    assert!((warp(&img, &zero) - &img).abs().max().double_value(&[]) < 1e-6);
    // u = +2: output(x) = img(x+2) for x+2 inside, edge value beyond.
    let flow = Tensor::cat(
        &[
            Tensor::full([1, 1, 8, 10], 2.0, (Kind::Float, tch::Device::Cpu)),
            Tensor::zeros([1, 1, 8, 10], (Kind::Float, tch::Device::Cpu)),
        ],
        1,
    );
    let w = warp(&img, &flow);
    assert!(
        (w.narrow(3, 0, 8) - img.narrow(3, 2, 8))
            .abs()
            .max()
            .double_value(&[])
            < 1e-5
    );
    assert!(
        (w.narrow(3, 9, 1) - img.narrow(3, 9, 1))
            .abs()
            .max()
            .double_value(&[])
            < 1e-5
    );
}

#[test]
fn levels_and_estimate_shapes() {
    assert_eq!(
        (
            num_levels(32),
            num_levels(33),
            num_levels(512),
            num_levels(513)
        ),
        (1, 2, 5, 6)
    );
    let net = FlowNet::new(FlowNetConfig::default(), &mut rng_for(1, 0)).unwrap();
    let a = test_card(70, 45);
    let f = net.estimate(&a, &a).unwrap();
    assert_eq!(f.size(), [2, 45, 70]);
    assert!(net.estimate(&a, &test_card(64, 48)).is_err());
}

#[test]
fn save_load_round_trip_and_errors() {
    let d = tmpdir("io");
    let net = FlowNet::new(FlowNetConfig::default(), &mut rng_for(3, 0)).unwrap();
    let p = d.join("f.safetensors");
    net.save(&p).unwrap();
    let back = FlowNet::load(&p).unwrap();
    assert_eq!(back.config(), net.config());
    let a = test_card(64, 64);
    let b = a.crop(0, 0, 64, 64).unwrap();
    assert!(
        (net.estimate(&a, &b).unwrap() - back.estimate(&a, &b).unwrap())
            .abs()
            .max()
            .double_value(&[])
            < 1e-6
    );
    std::fs::write(d.join("bad.safetensors"), b"garbage").unwrap();
    assert!(FlowNet::load(&d.join("bad.safetensors")).is_err());
    assert!(matches!(
        FlowNet::load(&d.join("none.safetensors")),
        Err(semcom_zoo::ZooError::MissingWeights { .. })
    ));
    // .flo round trip and truncation.
    let flow = Tensor::randn([2, 5, 7], (Kind::Float, tch::Device::Cpu));
    write_flo(&d.join("x.flo"), &flow).unwrap();
    let r = read_flo(&d.join("x.flo")).unwrap();
    assert_eq!(epe(&r, &flow).unwrap(), 0.0);
    let bytes = std::fs::read(d.join("x.flo")).unwrap();
    std::fs::write(d.join("t.flo"), &bytes[..bytes.len() - 3]).unwrap();
    assert!(read_flo(&d.join("t.flo")).is_err());
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn synthetic_pair_has_its_flow() {
    let src = test_card(96, 64);
    let (i1, i2, gt) = synthetic_pair(&src, 4.0, &mut rng_for(5, 0)).unwrap();
    let t2 = Tensor::from_slice(i2.data()).view([1, 3, 64, 96]);
    let t1 = Tensor::from_slice(i1.data()).view([1, 3, 64, 96]);
    let back = warp(&t2, &gt.unsqueeze(0));
    assert!((back - t1).abs().max().double_value(&[]) < 1e-5);
    let mag = gt
        .square()
        .sum_dim_intlist([0i64].as_slice(), false, Kind::Float)
        .sqrt()
        .max()
        .double_value(&[]);
    assert!((mag - 4.0).abs() < 1e-3);
}

#[test]
fn short_training_reduces_loss_on_moving_texture() {
    tch::set_num_threads(1);
    // A sequence whose frames translate by 2 px per frame, and still crops of the same card.
    let big = test_card(160, 96);
    let frames: Vec<_> = (0..6)
        .map(|t| big.crop(t * 2, 0, 128, 96).unwrap())
        .collect();
    let seqs = vec![Sequence {
        name: "shift".into(),
        frames: frames.clone(),
    }];
    let net = || {
        FlowNet::new(
            FlowNetConfig {
                levels: 3,
                widths: [8, 8, 8, 8],
                kernel: 5,
                corr_radius: 1,
            },
            &mut rng_for(2, 0),
        )
        .unwrap()
    };
    let cfg = TrainConfig {
        steps: 60,
        batch: 2,
        crop: (96, 64),
        max_gap: 1,
        lr: 3e-3,
        smooth: 0.1,
        seed: 4,
        max_seconds: None,
        max_disp: 4.0,
        photometric: 1.0,
    };
    // Unsupervised only (no stills), then supervised only (no sequences).
    for (seqs, stills) in [(seqs, vec![]), (vec![], vec![big.clone()])] {
        let mut t = FlowTrainer::new(net(), seqs, stills, &cfg).unwrap();
        assert_eq!(train(&mut t, false).unwrap(), 60);
        let l = &t.losses;
        let first: f64 = l[..10].iter().sum::<f64>() / 10.0;
        let last: f64 = l[50..].iter().sum::<f64>() / 10.0;
        eprintln!("loss {first:.4} -> {last:.4}");
        assert!(last < first * 0.9, "loss {first} -> {last}");
    }
    // Bad settings are refused before training.
    for bad in [
        TrainConfig {
            lr: 100.0 * f64::INFINITY,
            ..cfg.clone()
        },
        TrainConfig {
            crop: (30, 30),
            ..cfg.clone()
        },
        TrainConfig {
            batch: 0,
            ..cfg.clone()
        },
        TrainConfig {
            max_disp: f32::NAN,
            ..cfg.clone()
        },
    ] {
        assert!(FlowTrainer::new(net(), vec![], vec![big.clone()], &bad).is_err());
    }
}

/// A huge learning rate never reaches LibTorch's grid-sampler backward with non-finite values:
/// training either runs or stops with an error before the backward pass.
#[test]
fn huge_learning_rate_stops_cleanly() {
    tch::set_num_threads(1);
    let big = test_card(128, 96);
    let cfg = TrainConfig {
        steps: 12,
        batch: 1,
        crop: (64, 64),
        lr: 100.0,
        max_disp: 4.0,
        photometric: 1.0,
        ..TrainConfig::default()
    };
    let seqs = vec![Sequence {
        name: "pair".into(),
        frames: vec![big.clone(), big.crop(0, 0, 128, 96).unwrap()],
    }];
    let net = FlowNet::new(FlowNetConfig::default(), &mut rng_for(1, 0)).unwrap();
    let mut t = FlowTrainer::new(net, seqs, vec![big], &cfg).unwrap();
    match train(&mut t, false) {
        Ok(n) => assert_eq!(n, 12),
        Err(e) => assert!(e.to_string().contains("before backward"), "{e}"),
    }
}

/// Held-out known-flow pairs: synthetic warps (≤ 8 px) of crops of the 24 Kodak images, which
/// the shipped network never saw (it trains on CamVid and the grey video clips). Returns
/// (EPE of the network, EPE of zero flow), or None when shared data is missing.
fn heldout_epe(net: &FlowNet) -> Option<(f64, f64)> {
    let kodak = common::shared()?.join("data/kodak");
    let (mut e, mut z) = (0.0, 0.0);
    let n = 8;
    for i in 0..n {
        let img =
            semcom_core::Image::load(kodak.join(format!("kodim{:02}.png", 3 * i + 1))).unwrap();
        let src = img.crop(128, 96, 256, 192).unwrap();
        let (a, b) =
            semcom_zoo::flow_train::synthetic_epe(net, &src, 2, 8.0, 100 + i as u64).unwrap();
        e += a;
        z += b;
    }
    Some((e / n as f64, z / n as f64))
}

/// The shipped network (`weights/flow/spynet_small.safetensors`, see `weights/flow/README.md`)
/// follows its input: on held-out known-flow pairs its end-point error is at most half that of
/// zero flow. `SEMCOM_FLOW_WEIGHTS` points the test at other weights.
#[test]
fn committed_weights_halve_the_zero_flow_error_on_heldout_pairs() {
    let p = std::env::var("SEMCOM_FLOW_WEIGHTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../weights/flow/spynet_small.safetensors"
            ))
        });
    tch::set_num_threads(1);
    let net = FlowNet::load(&p).unwrap();
    let Some((e, z)) = heldout_epe(&net) else {
        return;
    };
    eprintln!(
        "held-out Kodak synthetic EPE {e:.3} px vs zero flow {z:.3} px (ratio {:.3})",
        e / z
    );
    assert!(e.is_finite() && e <= 0.5 * z, "EPE {e} vs zero {z}");
}
