//! Channel layers: measured SNR, fading, erasures, and equality with the simulation path.

use semcom_core::chain::{complex_to_reals, reals_to_complex, Received};
use semcom_core::rng::rng_for;
use semcom_core::ChannelModel;
use semcom_nn::blocks::{pixel_shuffle, pixel_unshuffle, power_normalize};
use semcom_nn::channel::{awgn_from_rng, noise_var, ChannelSpec};
use tch::{Kind, Tensor};

fn signal() -> Tensor {
    tch::manual_seed(11);
    power_normalize(&(Tensor::randn([16, 8, 16, 16], (Kind::Float, tch::Device::Cpu)) * 3.0 + 0.5))
}

fn mean(t: &Tensor) -> f64 {
    f64::try_from(t.mean(Kind::Double)).unwrap()
}

#[test]
fn power_normalisation_is_unit_per_item() {
    let x = signal();
    let k = x.size()[1] as f64 / 2.0;
    let p = x.square().sum_dim_intlist(1, false, Kind::Double) / k;
    for v in Vec::<f64>::try_from(p).unwrap() {
        assert!((v - 1.0).abs() < 1e-5, "power {v}");
    }
}

#[test]
fn awgn_measured_snr_matches() {
    let x = signal();
    for snr in [0.0, 10.0, 20.0] {
        tch::manual_seed(3);
        let y = ChannelSpec::Awgn {
            snr_db: snr,
            snr_db_max: None,
        }
        .forward(&x);
        // Noise power per complex use = 2 × per-real variance.
        let n0 = 2.0 * mean(&(&y - &x).square());
        let measured = 10.0 * (1.0 / n0).log10();
        assert!(
            (measured - snr).abs() < 0.05,
            "SNR {snr}: measured {measured}"
        );
        assert!(mean(&(&y - &x)).abs() < 0.01);
    }
}

#[test]
fn rayleigh_zf_noise_and_fading_statistics() {
    let x = signal();
    tch::manual_seed(5);
    let snr = 10.0;
    let y = ChannelSpec::Rayleigh {
        snr_db: snr,
        snr_db_max: None,
        block: false,
    }
    .forward(&x);
    // After ZF the error is n/h: E|n/h|² is infinite for Rayleigh, so test the median instead:
    // |n/h|² = |n|²/|h|², both Exp-distributed (means N0 and 1): the ratio's median is N0.
    let e = (&y - &x)
        .reshape([-1, 2])
        .square()
        .sum_dim_intlist(1, false, Kind::Float);
    let med = f64::try_from(e.median()).unwrap();
    let n0 = noise_var(snr);
    assert!(
        (med / n0 - 1.0).abs() < 0.08,
        "median |n/h|^2 = {med}, N0 = {n0}"
    );
    // Block fading: all symbols of an item share h, so the error of an item scales together.
    tch::manual_seed(6);
    let yb = ChannelSpec::Rayleigh {
        snr_db: 40.0,
        snr_db_max: None,
        block: true,
    }
    .forward(&x);
    assert!(mean(&(&yb - &x).square()) < 0.1);
}

#[test]
fn erasure_fraction_matches() {
    let x = signal();
    tch::manual_seed(7);
    let y = ChannelSpec::Erasure { p: 0.3 }.forward(&x);
    let zero = y
        .reshape([-1, 2])
        .abs()
        .sum_dim_intlist(1, false, Kind::Float)
        .eq(0.0);
    let frac = mean(&zero.to_kind(Kind::Float));
    assert!((frac - 0.3).abs() < 0.02, "erased {frac}");
}

#[test]
fn rng_noise_equals_the_simulation_path() {
    let v: Vec<f32> = (0..2000).map(|i| ((i as f32) * 0.37).sin()).collect();
    let x = Tensor::from_slice(&v).reshape([4, 500]);
    let y = awgn_from_rng(&x, 7.0, &mut rng_for(42, 1)).unwrap();
    let sym = reals_to_complex(&v);
    let Received::Symbols { y: ys, .. } = semcom_channel::awgn::Awgn
        .transmit_symbols(&sym, 7.0, &mut rng_for(42, 1))
        .unwrap()
    else {
        panic!("symbols expected")
    };
    let ysim = complex_to_reals(&ys, v.len());
    let ynn = Vec::<f32>::try_from(y.flatten(0, -1)).unwrap();
    assert!(ysim.iter().zip(&ynn).all(|(a, b)| (a - b).abs() < 1e-6));
}

#[test]
fn pixel_shuffle_round_trip_and_gradients_flow() {
    let x = Tensor::randn([2, 12, 5, 7], (Kind::Float, tch::Device::Cpu));
    let up = pixel_shuffle(&x, 2);
    assert_eq!(up.size(), [2, 3, 10, 14]);
    assert!(pixel_unshuffle(&up, 2).equal(&x));
    let xr = Tensor::randn([3, 64], (Kind::Float, tch::Device::Cpu)).set_requires_grad(true);
    let y = ChannelSpec::Rayleigh {
        snr_db: 10.0,
        snr_db_max: Some(20.0),
        block: false,
    }
    .forward(&xr);
    y.sum(Kind::Float).backward();
    assert!(xr.grad().defined());
}
