//! SpyNet-style flow network: warping, pyramid shapes, save/load, .flo I/O, and a short
//! unsupervised training run on a synthetic moving texture whose loss must fall.

mod common;

use semcom_core::rng::rng_for;
use semcom_core::testcard::test_card;
use semcom_zoo::flow::{epe, num_levels, read_flo, warp, write_flo, FlowNet, FlowNetConfig};
use semcom_zoo::flow_train::{synthetic_pair, train, Sequence, TrainConfig};
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
    // A sequence whose frames translate by 1 px per frame.
    let big = test_card(160, 96);
    let frames = (0..6)
        .map(|t| big.crop(t * 2, 0, 128, 96).unwrap())
        .collect();
    let seqs = vec![Sequence {
        name: "shift".into(),
        frames,
    }];
    let mut net = FlowNet::new(
        FlowNetConfig {
            levels: 3,
            widths: [8, 8, 8, 8],
            kernel: 5,
        },
        &mut rng_for(2, 0),
    )
    .unwrap();
    let cfg = TrainConfig {
        steps: 60,
        batch: 2,
        crop: (96, 64),
        max_gap: 1,
        lr: 3e-3,
        smooth: 0.1,
        seed: 4,
        max_seconds: None,
    };
    let losses = train(&mut net, &seqs, &cfg, &mut |_, _| {}).unwrap();
    let first: f64 = losses[..10].iter().sum::<f64>() / 10.0;
    let last: f64 = losses[50..].iter().sum::<f64>() / 10.0;
    eprintln!("loss {first:.4} -> {last:.4}");
    assert!(last < first * 0.9, "loss {first} -> {last}");
}

/// The committed network (`weights/flow/spynet_small.safetensors`, only briefly trained, see
/// `weights/flow/README.md`) loads and is no worse than zero flow (within 5 %) on synthetic
/// known-flow pairs made from the FlyingChairs sample (or the test card without shared/).
#[test]
fn committed_weights_load_and_do_not_degrade() {
    let p = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../weights/flow/spynet_small.safetensors"
    ));
    let net = FlowNet::load(&p).unwrap();
    let src = match common::models() {
        Some(m) => semcom_core::Image::load(m.join("samples/chairs_00001_img1.png"))
            .unwrap()
            .crop(128, 96, 256, 192)
            .unwrap(),
        None => test_card(256, 192),
    };
    let (e, z) = semcom_zoo::flow_train::synthetic_epe(&net, &src, 2, 6.0, 11).unwrap();
    eprintln!("synthetic EPE {e:.3} px vs zero flow {z:.3} px");
    assert!(e.is_finite() && e < 1.05 * z, "EPE {e} vs zero {z}");
}
