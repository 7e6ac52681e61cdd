//! Round trips of every model (escapes far in the tails included), rate estimate vs actual
//! stream length, and the integer tables against the exact distributions.

mod common;

use common::{decode, encode, workload, Models, Op};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use semcom_entropy::container::{self, Header, Limits};
use semcom_entropy::models::Component;
use semcom_entropy::{
    AdaptiveBit, Categorical, ConditionalTables, Decoder, Encoder, Family, Mixture, ScaleTable,
};

#[test]
fn mixed_workload_round_trips() {
    let models = Models::new();
    for seed in 1..=3 {
        let ops = workload(seed, 20_000);
        let (bytes, _) = encode(&models, &ops);
        assert_eq!(decode(&models, &ops, &bytes).unwrap(), ops, "seed {seed}");
    }
}

#[test]
fn empty_stream_round_trips() {
    let bytes = Encoder::new().finish();
    assert!(bytes.is_empty());
    assert!(Decoder::new(&bytes).unwrap().maybe_exhausted());
}

/// Values at and beyond every window edge, up to the i32 limits, for every family and the
/// narrowest and widest scale.
#[test]
fn escapes_far_in_the_tails_round_trip() {
    for family in Family::ALL {
        let t = ConditionalTables::standard(family);
        for index in [0, 31, 63] {
            let r = t.scales().half_width(family, index) as i32;
            let values = [
                0,
                r,
                -r,
                r + 1,
                -r - 1,
                r + 2,
                -r - 2,
                1 << 20,
                -(1 << 20),
                i32::MAX,
                i32::MIN,
                i32::MAX - 1,
                i32::MIN + 1,
            ];
            let mut enc = Encoder::new();
            for &v in &values {
                enc.encode_conditional(&t, index, v).unwrap();
            }
            let bytes = enc.finish();
            let mut dec = Decoder::new(&bytes).unwrap();
            for &v in &values {
                assert_eq!(
                    dec.decode_conditional(&t, index).unwrap(),
                    v,
                    "{family:?} {index}"
                );
            }
        }
    }
    let models = Models::new();
    for m in &models.mixtures {
        let (lo, n) = m.window();
        let values = [
            lo,
            lo - 1,
            lo + n as i32 - 1,
            lo + n as i32,
            i32::MIN,
            i32::MAX,
            0,
        ];
        let mut enc = Encoder::new();
        values
            .iter()
            .for_each(|&v| enc.encode_mixture(m, v).unwrap());
        let bytes = enc.finish();
        let mut dec = Decoder::new(&bytes).unwrap();
        for &v in &values {
            assert_eq!(dec.decode_mixture(m).unwrap(), v);
        }
    }
}

#[test]
fn out_of_alphabet_symbols_are_errors() {
    let models = Models::new();
    let mut enc = Encoder::new();
    assert!(enc.encode_categorical(&models.categorical, 8).is_err());
    assert!(enc.encode_conditional(&models.tables[0], 64, 0).is_err());
    assert!(enc.encode_bypass(16, 4).is_err());
    assert!(enc.encode_elias_gamma(0).is_err());
    assert!(enc.encode_bypass(u32::MAX, 32).is_ok());
}

/// Bits of the stream vs Σ −log2 p of the integer model probabilities on a large input:
/// within 1 % (the container adds exactly its header).
#[test]
fn stream_length_matches_the_information_content() {
    let models = Models::new();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let t = &models.tables[0];
    let n = 200_000;
    let ops: Vec<Op> = (0..n)
        .map(|_| {
            let index = rng.random_range(0..64);
            let sigma = t.scales().scales_fx()[index] as f64 / 65536.0;
            let value = Normal::new(0.0, sigma).unwrap().sample(&mut rng).round() as i32;
            Op::Cond {
                table: 0,
                index,
                value,
            }
        })
        .chain(workload(12, 50_000))
        .collect();
    let (bytes, est) = encode(&models, &ops);
    let actual = bytes.len() as f64 * 8.0;
    let rel = (actual - est) / est;
    eprintln!("estimated {est:.0} bits, stream {actual} bits, relative excess {rel:.2e}");
    assert!(rel.abs() < 0.01, "relative excess {rel}");
    let header = Header {
        model: "test-model".into(),
        fingerprint: 7,
        width: 768,
        height: 512,
        channels: 3,
    };
    let stream = container::write(&header, &[&bytes]).unwrap();
    assert_eq!(
        stream.len(),
        bytes.len() + container::overhead(&header, &[bytes.len()])
    );
    let parsed = container::read(&stream, &Limits::default()).unwrap();
    assert_eq!(decode(&models, &ops, parsed.parts[0]).unwrap(), ops);
}

/// The coded cost of Gaussian samples under the matching table approaches the entropy of
/// the discretised Gaussian (computed here in f64).
#[test]
fn gaussian_coding_cost_approaches_the_entropy() {
    let t = ConditionalTables::standard(Family::Gaussian);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for index in [8, 30, 50] {
        let sigma = t.scales().scales_fx()[index] as f64 / 65536.0;
        let d = Normal::new(0.0, sigma).unwrap();
        let n = 50_000;
        let mut enc = Encoder::new();
        for _ in 0..n {
            enc.encode_conditional(&t, index, d.sample(&mut rng).round() as i32)
                .unwrap();
        }
        let per_symbol = enc.finish().len() as f64 * 8.0 / n as f64;
        let p = |v: f64| {
            let c = |x: f64| 0.5 * libm::erfc(-x / (sigma * std::f64::consts::SQRT_2));
            c(v + 0.5) - c(v - 0.5)
        };
        let r = (8.0 * sigma).ceil() as i64;
        let h: f64 = (-r..=r)
            .map(|v| p(v as f64))
            .filter(|&p| p > 0.0)
            .map(|p| -p * p.log2())
            .sum();
        eprintln!("σ = {sigma:.3}: entropy {h:.4} bits, coded {per_symbol:.4} bits/symbol");
        assert!(
            (per_symbol - h).abs() < 0.02 * h + 0.01,
            "σ {sigma}: {per_symbol} vs {h}"
        );
    }
}

/// Integer table probabilities vs the exact discretised distributions: total variation
/// within what 16-bit quantisation allows.
#[test]
fn conditional_tables_match_the_exact_distributions() {
    for family in Family::ALL {
        let t = ConditionalTables::standard(family);
        for index in [0, 10, 40, 63] {
            let s = t.scales().scales_fx()[index] as f64 / 65536.0;
            let cdf = |x: f64| -> f64 {
                let z = x / s;
                match family {
                    Family::Gaussian => 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2),
                    Family::Laplace if z < 0.0 => 0.5 * libm::exp(z),
                    Family::Laplace => 1.0 - 0.5 * libm::exp(-z),
                    Family::Logistic => 1.0 / (1.0 + libm::exp(-z)),
                }
            };
            let c = t.cdf(index).unwrap();
            let m = c.len() - 1;
            let r = (m as i32 - 2) / 2;
            let mut l1 = 0.0;
            for v in -r..=r {
                let exact = cdf(v as f64 + 0.5) - cdf(v as f64 - 0.5);
                let got = t.probability(index, v).unwrap() as f64 / 65536.0;
                l1 += (exact - got).abs();
            }
            let escape_exact = cdf(-r as f64 - 0.5) + 1.0 - cdf(r as f64 + 0.5);
            let escape = t.probability(index, i32::MAX).unwrap() as f64 / 65536.0;
            l1 += (escape_exact - escape).abs();
            let bound = 3.0 * m as f64 / 65536.0 + 1e-5;
            assert!(l1 < bound, "{family:?} index {index}: L1 {l1} > {bound}");
        }
    }
}

/// A one-component mixture at mean 0 is the conditional table of its scale, bit for bit.
#[test]
fn single_component_mixture_equals_the_table() {
    let scales = ScaleTable::standard();
    for family in Family::ALL {
        let t = ConditionalTables::new(family, scales.clone());
        for index in [0u16, 17, 63] {
            let m = Mixture::new(
                family,
                &scales,
                &[Component {
                    weight: 1 << 16,
                    mean_fx: 0,
                    scale_index: index,
                }],
            )
            .unwrap();
            let c = t.cdf(index as usize).unwrap();
            let (lo, n) = m.window();
            assert_eq!((lo, n as usize + 2), (-((c.len() as i32 - 3) / 2), c.len()));
            let mc: Vec<u32> = (0..c.len() as u32).map(|i| m.cdf_point(i)).collect();
            assert_eq!(mc, c, "{family:?} {index}");
        }
    }
}

#[test]
fn mixture_means_shift_the_distribution() {
    let scales = ScaleTable::standard();
    let at = |mean_fx| {
        Mixture::new(
            Family::Gaussian,
            &scales,
            &[Component {
                weight: 1 << 16,
                mean_fx,
                scale_index: 30,
            }],
        )
        .unwrap()
    };
    // Mean 2.5 (×256): symbols 2 and 3 equally likely within rounding, 10 (7.5 away) above −6 (8.5 away).
    let m = at(640);
    let (p2, p3) = (m.probability(2) as i64, m.probability(3) as i64);
    assert!((p2 - p3).abs() <= 2, "{p2} {p3}");
    assert!(m.probability(10) > m.probability(-6));
    assert!(m.probability(9) > m.probability(-5));
    // Integer softmax: equal logits give equal weights summing to 2^16.
    let w = semcom_entropy::models::mixture::softmax_weights(&[5, 5, 5]);
    assert_eq!(w.iter().sum::<u32>(), 1 << 16);
    assert!(w.iter().all(|&x| (21845..=21846).contains(&x)));
}

#[test]
fn categorical_and_adaptive_bits_code_near_their_entropy() {
    // Zipf over 1000 symbols.
    let freqs: Vec<u64> = (1..=1000u64).map(|k| 1_000_000 / k).collect();
    let cat = Categorical::from_frequencies(&freqs).unwrap();
    let total: f64 = freqs.iter().sum::<u64>() as f64;
    let h: f64 = freqs
        .iter()
        .map(|&f| f as f64 / total)
        .map(|p| -p * p.log2())
        .sum();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let cdf: Vec<f64> = freqs
        .iter()
        .scan(0.0, |a, &f| {
            *a += f as f64 / total;
            Some(*a)
        })
        .collect();
    let syms: Vec<usize> = (0..100_000)
        .map(|_| {
            let u: f64 = rng.random();
            cdf.partition_point(|&c| c < u).min(999)
        })
        .collect();
    let mut enc = Encoder::new();
    syms.iter()
        .for_each(|&s| enc.encode_categorical(&cat, s).unwrap());
    let bytes = enc.finish();
    let per = bytes.len() as f64 * 8.0 / syms.len() as f64;
    assert!(
        (per - h).abs() < 0.02 * h,
        "categorical {per} vs entropy {h}"
    );
    let mut dec = Decoder::new(&bytes).unwrap();
    assert!(syms
        .iter()
        .all(|&s| dec.decode_categorical(&cat).unwrap() == s));

    // Biased bits, p(true) = 0.05: the adaptive model learns it.
    let bits: Vec<bool> = (0..100_000).map(|_| rng.random_bool(0.05)).collect();
    let mut enc = Encoder::new();
    let mut m = AdaptiveBit::new(6);
    bits.iter()
        .for_each(|&b| enc.encode_bit(&mut m, b).unwrap());
    let bytes = enc.finish();
    let per = bytes.len() as f64 * 8.0 / bits.len() as f64;
    let hb = -(0.05f64 * 0.05f64.log2() + 0.95 * 0.95f64.log2());
    assert!(per < hb * 1.05 && per > hb * 0.95, "adaptive {per} vs {hb}");
    let mut dec = Decoder::new(&bytes).unwrap();
    let mut m = AdaptiveBit::new(6);
    assert!(bits.iter().all(|&b| dec.decode_bit(&mut m).unwrap() == b));
}
