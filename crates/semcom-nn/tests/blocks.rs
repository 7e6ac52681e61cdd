//! Blocks: GDN/IGDN, residual blocks and deep JSCC shapes and bandwidth ratios.

use semcom_nn::blocks::{Act, ConvStack, Gdn, LayerSpec, ResBlock};
use semcom_nn::deepjscc::{DeepJscc, DeepJsccConfig};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

#[test]
fn gdn_matches_its_definition_at_initialisation() {
    let vs = nn::VarStore::new(Device::Cpu);
    let g = Gdn::new(vs.root() / "g", 3, false);
    let ig = Gdn::new(vs.root() / "ig", 3, true);
    let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0]).reshape([1, 3, 1, 1]);
    // β = 1, γ = 0.1·I: y_i = x_i / sqrt(1 + 0.1 x_i²).
    let want: Vec<f32> = [1.0f32, -2.0, 3.0]
        .iter()
        .map(|v| v / (1.0 + 0.1 * v * v).sqrt())
        .collect();
    let got = Vec::<f32>::try_from(g.forward(&x).flatten(0, -1)).unwrap();
    assert!(want.iter().zip(&got).all(|(a, b)| (a - b).abs() < 1e-6));
    let inv = Vec::<f32>::try_from(ig.forward(&x).flatten(0, -1)).unwrap();
    assert!((inv[2] - 3.0 * (1.9f32).sqrt()).abs() < 1e-5);
}

#[test]
fn stacks_and_residual_blocks_have_the_right_shapes() {
    let vs = nn::VarStore::new(Device::Cpu);
    let s = ConvStack::new(
        &(vs.root() / "s"),
        &[
            LayerSpec {
                cin: 3,
                cout: 8,
                k: 3,
                stride: 2,
                transposed: false,
                act: Act::Gdn,
            },
            LayerSpec {
                cin: 8,
                cout: 3,
                k: 3,
                stride: 2,
                transposed: true,
                act: Act::Igdn,
            },
        ],
    );
    let r = ResBlock::new(&(vs.root() / "r"), 3, 5);
    let x = Tensor::rand([2, 3, 12, 20], (Kind::Float, Device::Cpu));
    assert_eq!(s.downsampling(), 2);
    assert_eq!(s.forward(&x).size(), [2, 3, 12, 20]);
    assert_eq!(r.forward(&x).size(), [2, 5, 12, 20]);
}

#[test]
fn deepjscc_bandwidth_ratio_and_power() {
    for (c, kn) in [(16, 1.0 / 6.0), (8, 1.0 / 12.0)] {
        assert_eq!(DeepJsccConfig::for_ratio(kn).unwrap().c, c);
        let m = DeepJscc::new(&DeepJsccConfig::paper(c), Device::Cpu).unwrap();
        let x = Tensor::rand([2, 3, 32, 32], (Kind::Float, Device::Cpu));
        let z = m.encode(&x);
        // k/n: z holds 2k reals, n = 3·32·32.
        assert_eq!(z.size()[1] as f64 / 2.0 / 3072.0, kn);
        let y = m.decode(&z, 32, 32);
        assert_eq!(y.size(), [2, 3, 32, 32]);
        let lo = f64::try_from(y.min()).unwrap();
        let hi = f64::try_from(y.max()).unwrap();
        assert!(lo >= 0.0 && hi <= 1.0);
    }
    assert!(DeepJsccConfig::for_ratio(0.1).is_err());
    assert!(
        DeepJscc::check_input(&Tensor::zeros([1, 3, 30, 32], (Kind::Float, Device::Cpu))).is_err()
    );
}

#[test]
fn image_level_coding_respects_budget_and_power() {
    let m = DeepJscc::new(&DeepJsccConfig::paper(8), Device::Cpu).unwrap();
    let img = semcom_core::Image::filled(37, 29, 3, 0.3).unwrap();
    let k = semcom_core::budget::channel_uses_for(1.0 / 12.0, img.samples());
    let s = m.encode_image(&img, k, None).unwrap();
    assert_eq!(s.len(), k);
    assert!(semcom_core::chain::average_power(&s) <= 1.0);
    let out = m.decode_image(&s, 37, 29, 3, None).unwrap();
    assert_eq!((out.width(), out.height(), out.channels()), (37, 29, 3));
    let grey = m.decode_image(&s, 37, 29, 1, None).unwrap();
    assert_eq!(grey.channels(), 1);
    assert!(m
        .decode_image(&vec![Default::default(); 10 * k], 37, 29, 3, None)
        .is_err());
    let mut bad = img.clone();
    bad.data_mut()[0] = f32::NAN;
    assert!(m.encode_image(&bad, k, None).is_err());
}

/// Tiled coding is the per-tile coding of the crops, in raster order: a 64×32 image with 32×32
/// tiles sends the symbols of its left then right half, each normalised like one training
/// image, and decodes to the two halves decoded on their own. Odd sizes with remainder tiles
/// keep the budget and the size.
#[test]
fn tiled_coding_is_the_per_tile_coding_in_raster_order() {
    tch::manual_seed(5);
    let m = DeepJscc::new(&DeepJsccConfig::paper(8), Device::Cpu).unwrap();
    let card = semcom_core::testcard::test_card(64, 32);
    let (l, r) = (
        card.crop(0, 0, 32, 32).unwrap(),
        card.crop(32, 0, 32, 32).unwrap(),
    );
    let k_half = 32 * 32 * 3 / 12;
    let tiled = m.encode_image(&card, 2 * k_half, Some(32)).unwrap();
    let mut halves = m.encode_image(&l, k_half, None).unwrap();
    halves.extend(m.encode_image(&r, k_half, None).unwrap());
    assert_eq!(tiled.len(), halves.len());
    for (a, b) in tiled.iter().zip(&halves) {
        assert!((a - b).norm() < 1e-4, "{a} vs {b}");
    }
    let whole = m.encode_image(&card, 2 * k_half, None).unwrap();
    assert!(whole
        .iter()
        .zip(&halves)
        .any(|(a, b)| (a - b).norm() > 1e-3));
    let out = m.decode_image(&tiled, 64, 32, 3, Some(32)).unwrap();
    let dl = m.decode_image(&tiled[..k_half], 32, 32, 3, None).unwrap();
    let dr = m.decode_image(&tiled[k_half..], 32, 32, 3, None).unwrap();
    let (ol, or) = (
        out.crop(0, 0, 32, 32).unwrap(),
        out.crop(32, 0, 32, 32).unwrap(),
    );
    for (a, b) in ol
        .data()
        .iter()
        .zip(dl.data())
        .chain(or.data().iter().zip(dr.data()))
    {
        assert!((a - b).abs() < 1e-5);
    }
    // 37×29 with 16-pixel tiles: remainder tiles of 8 (37 → 40) and 16 + 16 (29 → 32).
    let odd = semcom_core::testcard::test_card(37, 29);
    let k = semcom_core::budget::channel_uses_for(1.0 / 12.0, odd.samples());
    let s = m.encode_image(&odd, k, Some(16)).unwrap();
    assert_eq!(s.len(), k);
    assert!(semcom_core::chain::average_power(&s) <= 1.0);
    let back = m.decode_image(&s, 37, 29, 1, Some(16)).unwrap();
    assert_eq!((back.width(), back.height(), back.channels()), (37, 29, 1));
}
