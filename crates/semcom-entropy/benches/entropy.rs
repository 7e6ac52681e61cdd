//! Entropy-coder throughput (symbols per CPU-second, encode and decode, single thread) and the integer
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

#[path = "../tests/common/mod.rs"]
mod common;

use common::Lcg;
use constriction::stream::model::{ContiguousCategoricalEntropyModel, LeakyQuantizer};
use constriction::stream::queue::{DefaultRangeDecoder, DefaultRangeEncoder};
use constriction::stream::stack::DefaultAnsCoder;
use constriction::stream::{Decode, Encode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use semcom_entropy::integer::{Activation, IntTensor, IntegerSequential};
use semcom_entropy::models::Component;
use semcom_entropy::{
    AdaptiveBit, Categorical, ConditionalTables, Decoder, Encoder, Family, Mixture,
};
use std::hint::black_box;
use std::time::Instant;

/// CPU time of the whole process (all threads), s: robust to other jobs on a shared machine.
fn cpu_s() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Median (wall, CPU) time in s of `reps` runs of `f`.
fn median_s(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut t: Vec<(f64, f64)> = (0..reps)
        .map(|_| {
            let (s, c) = (Instant::now(), cpu_s());
            f();
            (s.elapsed().as_secs_f64(), cpu_s() - c)
        })
        .collect();
    let mut wall: Vec<f64> = t.iter().map(|x| x.0).collect();
    t.sort_by(|a, b| a.1.total_cmp(&b.1));
    wall.sort_by(f64::total_cmp);
    (wall[reps / 2], t[reps / 2].1)
}

struct Row {
    name: &'static str,
    n: usize,
    enc: f64,
    dec: f64,
    bits: f64,
}

/// Times `encode` (returns the stream) and `decode` (reads it) of `n` symbols.
fn measure<B>(
    name: &'static str,
    n: usize,
    reps: usize,
    mut encode: impl FnMut() -> B,
    mut decode: impl FnMut(&B),
    bits: impl Fn(&B) -> f64,
) -> Row {
    let mut out = None;
    let enc = median_s(reps, || out = Some(encode())).1;
    let stream = out.expect("at least one rep");
    let dec = median_s(reps, || decode(&stream)).1;
    Row {
        name,
        n,
        enc,
        dec,
        bits: bits(&stream),
    }
}

/// Length in bits of a stream of bytes or words.
fn stream_bits<T>(s: &[T]) -> f64 {
    (std::mem::size_of_val(s) * 8) as f64
}

fn print(title: &str, rows: &[Row]) {
    let r = &rows[0];
    println!("### {title}\n");
    println!("| coder | Msymbols per CPU-s encode | Msymbols per CPU-s decode | encode speed ÷ first row | decode speed ÷ first row | bits/symbol |");
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
    let probs: Vec<u32> = cat.cdf().windows(2).map(|w| w[1] - w[0]).collect();
    let model = ContiguousCategoricalEntropyModel::<u32, Vec<u32>, 16>::from_nonzero_fixed_point_probabilities(&probs, false).unwrap();
    let rows = [
        measure(
            "semcom-entropy (range, integer CDF)",
            n,
            reps,
            || {
                let mut e = Encoder::new();
                syms.iter()
                    .for_each(|&s| e.encode_categorical(&cat, s).unwrap());
                e.finish()
            },
            |b| {
                let mut d = Decoder::new(b).unwrap();
                (0..n).for_each(|_| {
                    black_box(d.decode_categorical(&cat).unwrap());
                });
            },
            |b| stream_bits(b),
        ),
        measure(
            "constriction range + contiguous categorical",
            n,
            reps,
            || {
                let mut e = DefaultRangeEncoder::new();
                e.encode_iid_symbols(&syms, &model).unwrap();
                e.into_compressed().unwrap()
            },
            |w| {
                let mut d = DefaultRangeDecoder::from_compressed(&w[..]).unwrap();
                d.decode_iid_symbols(n, &model).for_each(|s| {
                    black_box(s.unwrap());
                });
            },
            |w| stream_bits(w),
        ),
        measure(
            "constriction ANS + contiguous categorical",
            n,
            reps,
            || {
                let mut e = DefaultAnsCoder::new();
                e.encode_iid_symbols_reverse(&syms, &model).unwrap();
                e.into_compressed().unwrap()
            },
            |w| {
                let mut d = DefaultAnsCoder::from_compressed(w.clone()).unwrap();
                d.decode_iid_symbols(n, &model).for_each(|s| {
                    black_box(s.unwrap());
                });
            },
            |w| stream_bits(w),
        ),
    ];
    print(
        &format!("Categorical, 256 symbols (Zipf), {n} symbols"),
        &rows,
    );
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
    // Scale indices on the small and middle scales, as in a hyperprior's latents.
    let data: Vec<(usize, i32)> = (0..n)
        .map(|_| {
            let i = rng.random_range(0..48);
            (
                i,
                Normal::new(0.0, scales[i]).unwrap().sample(rng).round() as i32,
            )
        })
        .collect();
    let quant: Vec<_> = (0..scales.len())
        .map(|i| {
            let r = t.scales().half_width(Family::Gaussian, i) as i32;
            (r, LeakyQuantizer::<f64, i32, u32, 16>::new(-r..=r))
        })
        .collect();
    let float_model = |i: usize| {
        quant[i]
            .1
            .quantize(probability::distribution::Gaussian::new(0.0, scales[i]))
    };
    let rows = [
        measure(
            "semcom-entropy (integer tables + escape)",
            n,
            reps,
            || {
                let mut e = Encoder::new();
                data.iter()
                    .for_each(|&(i, v)| e.encode_conditional(&t, i, v).unwrap());
                e.finish()
            },
            |b| {
                let mut d = Decoder::new(b).unwrap();
                data.iter().for_each(|&(i, _)| {
                    black_box(d.decode_conditional(&t, i).unwrap());
                });
            },
            |b| stream_bits(b),
        ),
        measure(
            "constriction range + LeakyQuantizer(f64 Gaussian)",
            n,
            reps,
            || {
                let mut e = DefaultRangeEncoder::new();
                for &(i, v) in &data {
                    let r = quant[i].0;
                    e.encode_symbol(v.clamp(-r, r), float_model(i)).unwrap();
                }
                e.into_compressed().unwrap()
            },
            |w| {
                let mut d = DefaultRangeDecoder::from_compressed(&w[..]).unwrap();
                data.iter().for_each(|&(i, _)| {
                    black_box(d.decode_symbol(float_model(i)).unwrap());
                });
            },
            |w| stream_bits(w),
        ),
    ];
    print(
        &format!("Gaussian conditional, 48 of 64 scales, {n} symbols"),
        &rows,
    );
}

fn mixture_and_bits(rng: &mut ChaCha8Rng, reps: usize) {
    let t = ConditionalTables::standard(Family::Gaussian);
    let c = |weight, mean_fx, scale_index| Component {
        weight,
        mean_fx,
        scale_index,
    };
    let mixtures: Vec<Mixture> = (0..64)
        .map(|k| {
            let comps = [
                c(30000, -300 + 11 * k, 15 + (k % 9) as u16),
                c(20000, 400, 24),
                c(15536, 50 * k, 30),
            ];
            Mixture::new(Family::Gaussian, t.scales(), &comps).unwrap()
        })
        .collect();
    let n_mix = 200_000;
    let data: Vec<(usize, i32)> = (0..n_mix)
        .map(|_| {
            (
                rng.random_range(0..64),
                Normal::new(0.0f64, 6.0).unwrap().sample(rng).round() as i32,
            )
        })
        .collect();
    let n = 1_000_000;
    let bits: Vec<bool> = (0..n)
        .map(|i| rng.random_bool(if i % 1000 < 500 { 0.1 } else { 0.6 }))
        .collect();
    let rows = [
        measure(
            "K = 3 Gaussian mixture (integer CDF per point)",
            n_mix,
            reps,
            || {
                let mut e = Encoder::new();
                data.iter()
                    .for_each(|&(k, v)| e.encode_mixture(&mixtures[k], v).unwrap());
                e.finish()
            },
            |b| {
                let mut d = Decoder::new(b).unwrap();
                data.iter().for_each(|&(k, _)| {
                    black_box(d.decode_mixture(&mixtures[k]).unwrap());
                });
            },
            |b| stream_bits(b),
        ),
        measure(
            "adaptive bits (rate 5)",
            n,
            reps,
            || {
                let mut e = Encoder::new();
                let mut m = AdaptiveBit::new(5);
                bits.iter().for_each(|&b| e.encode_bit(&mut m, b).unwrap());
                e.finish()
            },
            |b| {
                let mut d = Decoder::new(b).unwrap();
                let mut m = AdaptiveBit::new(5);
                (0..n).for_each(|_| {
                    black_box(d.decode_bit(&mut m).unwrap());
                });
            },
            |b| stream_bits(b),
        ),
    ];
    print("Mixture and adaptive binary models", &rows);
}

/// The hyper-synthesis of a scale hyperprior (N = 128, M = 192) on a Kodak-sized image:
/// z is 128×8×12, output 192×32×48.
fn hyper_synthesis(reps: usize) {
    let mut rng = Lcg(7);
    let q = Activation::Clamp { lo: 0, hi: 255 };
    let net = IntegerSequential {
        layers: vec![
            rng.layer((128, 128, 5, 2), Some(1), 10, q),
            rng.layer((128, 128, 5, 2), Some(1), 10, q),
            rng.layer(
                (128, 192, 3, 1),
                None,
                10,
                Activation::Clamp { lo: 0, hi: 63 },
            ),
        ],
    };
    let z = IntTensor::new(
        128,
        8,
        12,
        (0..128 * 96).map(|_| rng.next(8) as i32).collect(),
    )
    .unwrap();
    println!("### Integer hyper-synthesis (128×8×12 → 192×32×48)\n");
    println!("| threads | wall ms per image | CPU ms per image |\n|---|---|---|");
    let mut outs = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = None;
        let (wall, cpu) = median_s(reps, || {
            out = Some(pool.install(|| net.forward(&z).unwrap()))
        });
        println!("| {threads} | {:.1} | {:.1} |", wall * 1e3, cpu * 1e3);
        outs.push(out.unwrap());
    }
    assert_eq!(outs[0], outs[1], "thread count changed the integer output");
    println!();
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: one quick rep then.
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
