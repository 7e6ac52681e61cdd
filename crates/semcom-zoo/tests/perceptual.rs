//! LPIPS and Inception/FID code paths with stand-in backbones generated here (the ImageNet
//! weights are not available; no number below is an LPIPS or FID value).

mod common;

use semcom_core::rng::rng_for;
use semcom_core::testcard::test_card;
use semcom_core::Image;
use semcom_zoo::inception::{
    fid, inception_features, stand_in_weights, tensor_specs, Inception, Variant,
};
use semcom_zoo::lpips::{stand_in_backbone, Backbone, Lpips};
use semcom_zoo::weights::Weights;
use semcom_zoo::ZooError;
use tch::{Kind, Tensor};

fn heads(b: Backbone) -> Weights {
    // The real heads when shared/ is there, else non-negative stand-ins of the same shapes.
    if let Some(m) = common::models() {
        return Weights::load(&m.join(b.heads_file())).unwrap();
    }
    let list = b
        .tap_channels()
        .iter()
        .enumerate()
        .map(|(l, &c)| {
            (
                format!("lin{l}.model.1.weight"),
                Tensor::rand([1, c, 1, 1], (Kind::Float, tch::Device::Cpu)),
            )
        })
        .collect();
    Weights::from_tensors("heads", list)
}

fn noisy(img: &Image, amp: f32, seed: u64) -> Image {
    use rand::Rng;
    let mut r = rng_for(seed, 0);
    let d = img
        .data()
        .iter()
        .map(|v| (v + amp * r.random_range(-1.0f32..1.0)).clamp(0.0, 1.0))
        .collect();
    Image::from_planar(img.width(), img.height(), img.channels(), d).unwrap()
}

#[test]
fn lpips_properties_with_stand_in_backbones() {
    tch::set_num_threads(1);
    for b in [Backbone::Alex, Backbone::Vgg16] {
        let net =
            Lpips::from_weights(b, &stand_in_backbone(b, &mut rng_for(1, 0)), &heads(b)).unwrap();
        let a = test_card(64, 64);
        let small = noisy(&a, 0.02, 1);
        let large = noisy(&a, 0.3, 2);
        let d0 = net.distance(&a, &a).unwrap();
        let d1 = net.distance(&a, &small).unwrap();
        let d2 = net.distance(&a, &large).unwrap();
        let d1r = net.distance(&small, &a).unwrap();
        eprintln!("{b:?}: d(a,a) {d0:.2e}, small {d1:.4}, large {d2:.4}");
        assert!(d0.abs() < 1e-9);
        assert!(d1 > 0.0 && d2 > d1, "monotone in noise: {d1} {d2}");
        assert!((d1 - d1r).abs() < 1e-6 * d1.max(1e-6), "symmetric");
        // Batch path agrees with the per-image path.
        let t = |i: &Image| Tensor::from_slice(i.data()).view([1, 3, 64, 64]) * 2.0 - 1.0;
        let batch = net
            .forward(
                &Tensor::cat(&[t(&small), t(&large)], 0),
                &Tensor::cat(&[t(&a), t(&a)], 0),
            )
            .unwrap();
        assert!((batch.double_value(&[1]) - d2).abs() < 1e-5);
        assert!(net.distance(&a, &test_card(64, 48)).is_err());
        assert!(
            net.distance(&test_card(20, 20), &test_card(20, 20))
                .is_err()
                || b == Backbone::Vgg16
        );
    }
}

#[test]
fn lpips_weight_errors() {
    let b = Backbone::Alex;
    let mut names = stand_in_backbone(b, &mut rng_for(1, 0));
    // Wrong shape for one tensor → BadWeights naming it.
    let list: Vec<(String, Tensor)> = names
        .names()
        .into_iter()
        .map(|n| {
            let t = if n == "features.3.weight" {
                Tensor::zeros([192, 64, 3, 3], (Kind::Float, tch::Device::Cpu))
            } else {
                names.get(&n, &names.shape(&n).unwrap()).unwrap()
            };
            (n, t)
        })
        .collect();
    names = Weights::from_tensors("bad", list);
    match Lpips::from_weights(b, &names, &heads(b)) {
        Err(ZooError::BadWeights { msg, .. }) => {
            assert!(msg.contains("features.3.weight"), "{msg}")
        }
        other => panic!("expected BadWeights, got {:?}", other.err()),
    }
    let dir = std::env::temp_dir().join("zoo-no-models-here");
    let e = Lpips::load(b, Some(&dir.join("alexnet_features.safetensors")), None);
    match e {
        Err(ZooError::MissingWeights { path, .. }) => {
            assert!(path.contains("alexnet_features.safetensors"))
        }
        other => panic!("expected MissingWeights, got {:?}", other.err()),
    }
}

#[test]
fn inception_features_and_frechet_with_stand_in_weights() {
    tch::set_num_threads(1);
    let w = stand_in_weights(&mut rng_for(3, 0));
    assert_eq!(w.len(), tensor_specs().len());
    let net = Inception::from_weights(Variant::PytorchFid, &w).unwrap();
    let imgs: Vec<Image> = (0..3).map(|i| noisy(&test_card(48, 40), 0.1, i)).collect();
    let f = inception_features(&net, &imgs, 2).unwrap();
    assert_eq!(f.size(), [3, 2048]);
    assert!(f.isfinite().all().int64_value(&[]) != 0);
    // Identical sets → Fréchet distance ≈ 0; shifted features → ‖Δμ‖².
    let x = Tensor::randn([40, 8], (Kind::Double, tch::Device::Cpu));
    assert!(fid(&x, &x).unwrap().abs() < 1e-8);
    let d = fid(&x, &(&x + 2.0)).unwrap();
    assert!((d - 8.0 * 4.0).abs() < 1e-6, "{d}");
    assert!(fid(&x.narrow(0, 0, 1), &x).is_err());
    let tv = Inception::from_weights(Variant::Torchvision, &w).unwrap();
    assert!(tv
        .forward(&Tensor::zeros(
            [1, 3, 40, 40],
            (Kind::Float, tch::Device::Cpu)
        ))
        .is_err());
    assert!(Inception::load(
        Variant::PytorchFid,
        Some(std::path::Path::new("/nonexistent/inc.safetensors"))
    )
    .is_err());
}
