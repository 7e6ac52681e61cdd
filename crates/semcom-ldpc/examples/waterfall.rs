//! Stand-alone waterfall check of one code block (no CRC, like Sionna's `LDPC5GEncoder(k, n)`)
//! with Gray QPSK or 16-QAM (TS 38.211 §5.1.3/5.1.4), complex AWGN and the exact (log-MAP)
//! per-dimension demapper. The full-featured tool is `semcom ldpc-sim`; this example needs only
//! this crate, e.g.
//! `cargo run --release -p semcom-ldpc --example waterfall -- 500 1000 2 bp 1.5,1.7,1.9 100 20000`
//! Arguments: k n qm(2|4) decoder ebn0-list min-errors max-blocks [seed].

#[path = "../tests/common/mod.rs"]
mod common;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind};

/// Per-dimension Gray PAM of 38.211: bits (b_a, b_b) → (1−2b_a)(2 − (1−2b_b)) for 16-QAM, ±1 for QPSK.
fn pam(qm: usize, bits: &[u8]) -> f64 {
    let s = |b: u8| 1.0 - 2.0 * b as f64;
    match qm {
        2 => s(bits[0]),
        _ => s(bits[0]) * (2.0 - s(bits[1])),
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 7 {
        eprintln!("usage: waterfall k n qm decoder ebn0[,ebn0..] min-errors max-blocks [seed]");
        std::process::exit(2);
    }
    let k: usize = a[0].parse().unwrap();
    let n: usize = a[1].parse().unwrap();
    let qm: usize = a[2].parse().unwrap();
    assert!(qm == 2 || qm == 4, "qm must be 2 or 4");
    let kind: DecoderKind = a[3].parse().unwrap();
    let pts: Vec<f64> = a[4].split(',').map(|x| x.parse().unwrap()).collect();
    let min_err: u64 = a[5].parse().unwrap();
    let max_blocks: u64 = a[6].parse().unwrap();
    let seed: u64 = a.get(7).map_or(1, |s| s.parse().unwrap());
    let cfg = DecoderConfig { kind, max_iter: 20 };
    let (coder, rm) = CodeBlockCoder::single(k, n, qm, 0).unwrap();
    let half = qm / 2;
    // per-dimension constellation: all label combinations and their amplitudes
    let scale = if qm == 2 {
        0.5f64.sqrt()
    } else {
        0.1f64.sqrt()
    };
    let labels: Vec<(Vec<u8>, f64)> = (0..1u8 << half)
        .map(|v| {
            let b: Vec<u8> = (0..half).map(|i| (v >> (half - 1 - i)) & 1).collect();
            let x = pam(qm, &b) * scale;
            (b, x)
        })
        .collect();
    for (pi, &ebn0) in pts.iter().enumerate() {
        let esn0 = ebn0 + 10.0 * (k as f64 / n as f64 * qm as f64).log10();
        let n0 = 10f64.powf(-esn0 / 10.0);
        let sd = (n0 / 2.0).sqrt();
        let (mut blocks, mut errs, mut biterr, mut iters) = (0u64, 0u64, 0u64, 0u64);
        while errs < min_err && blocks < max_blocks {
            let nb = 64.min(max_blocks - blocks);
            let res: Vec<(bool, u64, u64)> = (blocks..blocks + nb)
                .into_par_iter()
                .map(|b| {
                    let mut r = common::TestRng::seed_from_u64(
                        seed ^ ((pi as u64) << 40) ^ b.wrapping_mul(0x9E37_79B9),
                    );
                    let c = common::random_bits(&mut r, k);
                    let f = coder.encode(&c, &rm).unwrap();
                    let mut llr = Vec::with_capacity(n);
                    // symbol: bits b0..b(qm-1); I uses even, Q odd positions (38.211 interleaved labels)
                    for sym in f.chunks(qm) {
                        let mut dims = [[0u8; 2]; 2];
                        for (i, &bit) in sym.iter().enumerate() {
                            dims[i % 2][i / 2] = bit;
                        }
                        let mut out = [0f32; 4];
                        for (d, db) in dims.iter().enumerate() {
                            let x = pam(qm, &db[..half]) * scale;
                            let ns: f64 = StandardNormal.sample(&mut r);
                            let y = x + sd * ns;
                            for j in 0..half {
                                let (mut l0, mut l1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                                for (lb, xa) in &labels {
                                    let m = -(y - xa).powi(2) / n0;
                                    let acc = if lb[j] == 0 { &mut l0 } else { &mut l1 };
                                    *acc = if *acc == f64::NEG_INFINITY {
                                        m
                                    } else {
                                        acc.max(m) + (-(acc.max(m) - acc.min(m))).exp().ln_1p()
                                    };
                                }
                                out[d + 2 * j] = (l0 - l1) as f32;
                            }
                        }
                        llr.extend_from_slice(&out[..qm]);
                    }
                    let d = coder.decode(&llr, &rm, &cfg).unwrap();
                    let e = d.bits.iter().zip(&c).filter(|(x, y)| x != y).count() as u64;
                    (e > 0, e, d.iterations as u64)
                })
                .collect();
            for (be, e, it) in res {
                errs += be as u64;
                biterr += e;
                iters += it;
            }
            blocks += nb;
        }
        println!(
            "{{\"ebn0_db\":{ebn0},\"esn0_db\":{esn0:.3},\"blocks\":{blocks},\"block_errors\":{errs},\"bler\":{:.4e},\"ber\":{:.4e},\"avg_iterations\":{:.2},\"k\":{k},\"n\":{n},\"qm\":{qm},\"decoder\":\"{}\"}}",
            errs as f64 / blocks as f64,
            biterr as f64 / (blocks * k as u64) as f64,
            iters as f64 / blocks as f64,
            a[3]
        );
    }
}
