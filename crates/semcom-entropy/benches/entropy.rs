//! Entropy-coder throughput (symbols/s, encode and decode, single thread) and the integer
//! hyper-synthesis time, with the alternatives measured in the same run and reported as
//! ratios to this crate's coder:
//!
//! - categorical (256 symbols): ours (constriction range coder + integer CDF, binary-search
//!   decode) vs constriction's own contiguous categorical model on its range coder and on
//!   its ANS coder, all at 16-bit precision;
//! - Gaussian conditional (64 scales): ours (integer tables, escape) vs constriction's
//!   `LeakyQuantizer` over a float Gaussian (the on-the-fly float path; values clamped to the
//!   window since it has no escape);
//! - K = 3 Gaussian mixture (integer CDF evaluated per point) and adaptive bits: ours only.
//!
//! Run: `nice -n 10 cargo bench -p semcom-entropy`

use constriction::stream::model::{ContiguousCategoricalEntropyModel, LeakyQuantizer};
use constriction::stream::queue::{DefaultRangeDecoder, DefaultRangeEncoder};
use constriction::stream::stack::DefaultAnsCoder;
use constriction::stream::{Decode, Encode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use semcom_entropy::integer::{Activation, ConvSpec, IntTensor, IntegerConv2d, IntegerSequential};
use semcom_entropy::models::Component;
use semcom_entropy::{
    AdaptiveBit, Categorical, ConditionalTables, Decoder, Encoder, Family, Mixture,
};
use std::hint::black_box;
use std::time::Instant;

/// Median wall time (s) of `reps` runs of `f`.
fn median_s(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

struct Row {
    name: &'static str,
    n: usize,
    enc: f64,
    dec: f64,
    bits: f64,
}

fn print(rows: &[Row], reference: usize) {
    let r = &rows[reference];
    println!("| coder | Msymbols/s encode | Msymbols/s decode | encode speed ÷ first row | decode speed ÷ first row | bits/symbol |");
    println!("|---|---|---|---|---|---|");
    for x in rows {
        let (e, d) = (x.n as f64 / x.enc / 1e6, x.n as f64 / x.dec / 1e6);
        println!(
            "| {} | {e:.1} | {d:.1} | {:.2} | {:.2} | {:.4} |",
            x.name,
            r.enc / x.enc,
            r.dec / x.dec,
            x.bits / x.n as f64
        );
    }
    println!();
}

fn categorical(rng: &mut ChaCha8Rng, reps: usize) {
    let n = 1_000_000;
    let freqs: Vec<u64> = (1..=256u64).map(|k| 100_000 / k + 1).collect();
    let cat = Categorical::from_frequencies(&freqs).unwrap();
    let cdf = cat.cdf();
    let total: u64 = freqs.iter().sum();
    let syms: Vec<usize> = (0..n)
        .map(|_| {
            let u = rng.random_range(0..total);
            let mut acc = 0;
            freqs
                .iter()
                .position(|&f| {
                    acc += f;
                    u < acc
                })
                .unwrap()
        })
        .collect();
    let mut rows = Vec::new();

    let mut bytes = Vec::new();
    let enc = median_s(reps, || {
        let mut e = Encoder::new();
        syms.iter()
            .for_each(|&s| e.encode_categorical(&cat, s).unwrap());
        bytes = e.finish();
    });
    let dec = median_s(reps, || {
        let mut d = Decoder::new(&bytes).unwrap();
        for _ in 0..n {
            black_box(d.decode_categorical(&cat).unwrap());
        }
    });
    rows.push(Row {
        name: "semcom-entropy (range, integer CDF)",
        n,
        enc,
        dec,
        bits: bytes.len() as f64 * 8.0,
    });

    let probs: Vec<u32> = cdf.windows(2).map(|w| w[1] - w[0]).collect();
    let model = ContiguousCategoricalEntropyModel::<u32, Vec<u32>, 16>::from_nonzero_fixed_point_probabilities(&probs, false).unwrap();
    let mut words = Vec::new();
    let enc = median_s(reps, || {
        let mut e = DefaultRangeEncoder::new();
        e.encode_iid_symbols(&syms, &model).unwrap();
        words = e.into_compressed().unwrap();
    });
    let dec = median_s(reps, || {
        let mut d = DefaultRangeDecoder::from_compressed(&words[..]).unwrap();
        for s in d.decode_iid_symbols(n, &model) {
            black_box(s.unwrap());
        }
    });
    rows.push(Row {
        name: "constriction range + contiguous categorical",
        n,
        enc,
        dec,
        bits: words.len() as f64 * 32.0,
    });

    let enc = median_s(reps, || {
        let mut e = DefaultAnsCoder::new();
        e.encode_iid_symbols_reverse(&syms, &model).unwrap();
        words = e.into_compressed().unwrap();
    });
    let dec = median_s(reps, || {
        let mut d = DefaultAnsCoder::from_compressed(words.clone()).unwrap();
        for s in d.decode_iid_symbols(n, &model) {
            black_box(s.unwrap());
        }
    });
    rows.push(Row {
        name: "constriction ANS + contiguous categorical",
        n,
        enc,
        dec,
        bits: words.len() as f64 * 32.0,
    });
    println!("### Categorical, 256 symbols (Zipf), {n} symbols\n");
    print(&rows, 0);
}

fn gaussian(rng: &mut ChaCha8Rng, reps: usize) {
    let n = 1_000_000;
    let t = ConditionalTables::standard(Family::Gaussian);
    let scales: Vec<f64> = t
        .scales()
        .scales_fx()
        .iter()
        .map(|&s| s as f64 / 65536.0)
        .collect();
    // Scale indices concentrated on the small and middle scales, as in a hyperprior's latents.
    let data: Vec<(usize, i32)> = (0..n)
        .map(|_| {
            let i = rng.random_range(0..48);
            (
                i,
                Normal::new(0.0, scales[i]).unwrap().sample(rng).round() as i32,
            )
        })
        .collect();
    let mut rows = Vec::new();
    let mut bytes = Vec::new();
    let enc = median_s(reps, || {
        let mut e = Encoder::new();
        data.iter()
            .for_each(|&(i, v)| e.encode_conditional(&t, i, v).unwrap());
        bytes = e.finish();
    });
    let dec = median_s(reps, || {
        let mut d = Decoder::new(&bytes).unwrap();
        for &(i, _) in &data {
            black_box(d.decode_conditional(&t, i).unwrap());
        }
    });
    rows.push(Row {
        name: "semcom-entropy (integer tables + escape)",
        n,
        enc,
        dec,
        bits: bytes.len() as f64 * 8.0,
    });

    let quant: Vec<_> = (0..scales.len())
        .map(|i| {
            let r = t.scales().half_width(Family::Gaussian, i) as i32;
            (r, LeakyQuantizer::<f64, i32, u32, 16>::new(-r..=r))
        })
        .collect();
    let mut words = Vec::new();
    let enc = median_s(reps, || {
        let mut e = DefaultRangeEncoder::new();
        for &(i, v) in &data {
            let (r, q) = &quant[i];
            let m = q.quantize(probability::distribution::Gaussian::new(0.0, scales[i]));
            e.encode_symbol(v.clamp(-r, *r), m).unwrap();
        }
        words = e.into_compressed().unwrap();
    });
    let dec = median_s(reps, || {
        let mut d = DefaultRangeDecoder::from_compressed(&words[..]).unwrap();
        for &(i, _) in &data {
            let m = quant[i]
                .1
                .quantize(probability::distribution::Gaussian::new(0.0, scales[i]));
            black_box(d.decode_symbol(m).unwrap());
        }
    });
    rows.push(Row {
        name: "constriction range + LeakyQuantizer(f64 Gaussian)",
        n,
        enc,
        dec,
        bits: words.len() as f64 * 32.0,
    });
    println!("### Gaussian conditional, 48 of 64 scales, {n} symbols\n");
    print(&rows, 0);
}

fn mixture_and_bits(rng: &mut ChaCha8Rng, reps: usize) {
    let t = ConditionalTables::standard(Family::Gaussian);
    let n = 200_000;
    let mixtures: Vec<Mixture> = (0..64)
        .map(|k| {
            let c = |w, m: i32, s: u16| Component {
                weight: w,
                mean_fx: m,
                scale_index: s,
            };
            Mixture::new(
                Family::Gaussian,
                t.scales(),
                &[
                    c(30000, -300 + 11 * k, 15 + (k % 9) as u16),
                    c(20000, 400, 24),
                    c(15536, 50 * k, 30),
                ],
            )
            .unwrap()
        })
        .collect();
    let data: Vec<(usize, i32)> = (0..n)
        .map(|_| {
            (
                rng.random_range(0..64),
                Normal::new(0.0f64, 6.0).unwrap().sample(rng).round() as i32,
            )
        })
        .collect();
    let mut bytes = Vec::new();
    let enc = median_s(reps, || {
        let mut e = Encoder::new();
        data.iter()
            .for_each(|&(k, v)| e.encode_mixture(&mixtures[k], v).unwrap());
        bytes = e.finish();
    });
    let dec = median_s(reps, || {
        let mut d = Decoder::new(&bytes).unwrap();
        for &(k, _) in &data {
            black_box(d.decode_mixture(&mixtures[k]).unwrap());
        }
    });
    let mix = Row {
        name: "K = 3 Gaussian mixture (integer CDF per point)",
        n,
        enc,
        dec,
        bits: bytes.len() as f64 * 8.0,
    };

    let n = 1_000_000;
    let bits: Vec<bool> = (0..n)
        .map(|i| rng.random_bool(if i % 1000 < 500 { 0.1 } else { 0.6 }))
        .collect();
    let enc = median_s(reps, || {
        let mut e = Encoder::new();
        let mut m = AdaptiveBit::new(5);
        bits.iter().for_each(|&b| e.encode_bit(&mut m, b).unwrap());
        bytes = e.finish();
    });
    let dec = median_s(reps, || {
        let mut d = Decoder::new(&bytes).unwrap();
        let mut m = AdaptiveBit::new(5);
        for _ in 0..n {
            black_box(d.decode_bit(&mut m).unwrap());
        }
    });
    let ab = Row {
        name: "adaptive bits (rate 5)",
        n,
        enc,
        dec,
        bits: bytes.len() as f64 * 8.0,
    };
    println!("### Mixture and adaptive binary models\n");
    print(&[mix, ab], 0);
}

/// The hyper-synthesis of a scale hyperprior (N = 128, M = 192) on a Kodak-sized image:
/// z is 128×8×12, output 192×32×48.
fn hyper_synthesis(reps: usize) {
    let mut state = 7u64;
    let mut next = |m: i64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as i64 % (2 * m + 1)) - m
    };
    let mut layer = |ci: usize, co: usize, k: usize, s: usize, tr: Option<usize>, act| {
        let spec = ConvSpec {
            in_channels: ci,
            out_channels: co,
            kernel: k,
            stride: s,
            padding: k / 2,
            transposed: tr,
        };
        let w = (0..ci * co * k * k).map(|_| next(127) as i32).collect();
        let b = (0..co).map(|_| next(1 << 12)).collect();
        IntegerConv2d::new(spec, w, b, 10, act).unwrap()
    };
    let q = Activation::Clamp { lo: 0, hi: 255 };
    let net = IntegerSequential {
        layers: vec![
            layer(128, 128, 5, 2, Some(1), q),
            layer(128, 128, 5, 2, Some(1), q),
            layer(128, 192, 3, 1, None, Activation::Clamp { lo: 0, hi: 63 }),
        ],
    };
    let z = IntTensor::new(128, 8, 12, (0..128 * 96).map(|_| next(8) as i32).collect()).unwrap();
    println!("### Integer hyper-synthesis (128×8×12 → 192×32×48)\n");
    println!("| threads | ms per image |\n|---|---|");
    let mut outs = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = None;
        let t = median_s(reps, || {
            out = Some(pool.install(|| net.forward(&z).unwrap()))
        });
        println!("| {threads} | {:.1} |", t * 1e3);
        outs.push(out.unwrap());
    }
    assert_eq!(outs[0], outs[1], "thread count changed the integer output");
    println!();
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent: do one quick rep.
    let reps = if std::env::args().any(|a| a == "--bench") {
        5
    } else {
        1
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    categorical(&mut rng, reps);
    gaussian(&mut rng, reps);
    mixture_and_bits(&mut rng, reps);
    hyper_synthesis(reps);
}
