//! Decoder throughput on BG1, Zc = 384, K = 8448, rate 1/2 (E = 16896, 24 block rows used),
//! BPSK/AWGN at Eb/N0 = 2 dB (nearly every word decodes), compared with ldpc-toolbox's
//! decoders on the same sub-code. Prints a table; `cargo bench -p semcom-ldpc --bench decoder`.

#[path = "../tests/common/mod.rs"]
mod common;

use clap::ValueEnum;
use ldpc_toolbox::decoder::factory::{DecoderFactory, DecoderImplementation};
use ldpc_toolbox::sparse::SparseMatrix;
use rayon::prelude::*;
use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind};
use std::time::Instant;

const K: usize = 8448;
const E: usize = 16896;

fn main() {
    let (coder, rm) = CodeBlockCoder::single(K, E, 2, 0).unwrap();
    let dec = coder.decoder();
    let z = coder.segmentation().z;
    let n = dec.n();
    let ebn0_db = 2.0;
    let esn0_db = ebn0_db + 10.0 * (K as f64 / E as f64).log10(); // per real BPSK symbol
    let mut r = common::rng(11);
    let frames: Vec<(Vec<u8>, Vec<f32>)> = (0..64)
        .map(|_| {
            let c = common::random_bits(&mut r, K);
            let f = coder.encode(&c, &rm).unwrap();
            let llr = common::bpsk_awgn(&mut r, &f, esn0_db);
            let mut buf = vec![0f32; coder.n_d()];
            rm.derate_match_add(&llr, &mut buf).unwrap();
            let mut full = vec![0f32; n];
            full[2 * z..].copy_from_slice(&buf[..n - 2 * z]);
            (c, full)
        })
        .collect();
    println!("BG1 Zc=384 K=8448 R=1/2 ({} block rows), BPSK AWGN Eb/N0 = {ebn0_db} dB, 1 thread unless noted", n / z - 22);
    println!("{:<40} {:>6} {:>8} {:>10} {:>12} {:>7}", "decoder", "iters", "frames", "ms/frame", "Mbit/s/core", "errors");
    let row = |name: &str, iters: f64, nf: usize, secs: f64, errs: usize, threads: usize| {
        let mbps = nf as f64 * K as f64 / secs / 1e6 / threads as f64;
        println!("{name:<40} {iters:>6.2} {nf:>8} {:>10.3} {mbps:>12.2} {errs:>7}", secs * 1e3 / nf as f64);
        mbps
    };
    let mut ours = Vec::new();
    for (name, kind) in [
        ("semcom NMS 0.75 (layered f32)", DecoderKind::MinSumNormalized(0.75)),
        ("semcom OMS 0.5 (layered f32)", DecoderKind::MinSumOffset(0.5)),
        ("semcom BP (flooding f32)", DecoderKind::SumProduct),
    ] {
        for early in [false, true] {
            let cfg = DecoderConfig { kind, max_iter: 10 };
            let nf = if kind == DecoderKind::SumProduct { 8 } else { frames.len() };
            let t = Instant::now();
            let mut it = 0;
            let mut errs = 0;
            for (c, llr) in &frames[..nf] {
                let out = dec.decode_with(llr, &cfg, early).unwrap();
                it += out.iterations;
                errs += usize::from(&out.bits[..K] != &c[..]);
            }
            let label = format!("{name}{}", if early { " +ET" } else { ", 10 it" });
            ours.push(row(&label, it as f64 / nf as f64, nf, t.elapsed().as_secs_f64(), errs, 1));
        }
    }
    // both cores, rayon over frames
    let cfg = DecoderConfig { kind: DecoderKind::MinSumNormalized(0.75), max_iter: 10 };
    let th = rayon::current_num_threads();
    let t = Instant::now();
    let errs: usize = frames
        .par_iter()
        .map(|(c, llr)| usize::from(&dec.decode_with(llr, &cfg, false).unwrap().bits[..K] != &c[..]))
        .sum();
    row(&format!("semcom NMS 0.75, 10 it, {th} threads"), 10.0, frames.len(), t.elapsed().as_secs_f64(), errs, th);

    // ldpc-toolbox on the same sub-code (rows 0..m, columns 0..kb+m)
    let h = dec.matrix();
    let m = n / z - 22;
    let mut sp = SparseMatrix::new(m * z, n);
    for (j, row) in h.rows[..m].iter().enumerate() {
        for cc in row {
            for rr in 0..z {
                sp.insert(j * z + rr, cc.col * z + (rr + cc.shift) % z);
            }
        }
    }
    let mut best: f64 = 0.0;
    for name in ["HLAminstarf32", "HLMinstarapproxi8", "Aminstari8", "HLPhif32"] {
        let imp = DecoderImplementation::from_str(name, true).unwrap();
        let mut d = imp.build_decoder(sp.clone());
        let nf = 4;
        let t = Instant::now();
        let (mut it, mut errs) = (0, 0);
        for (c, llr) in &frames[..nf] {
            let l64: Vec<f64> = llr.iter().map(|&x| x as f64).collect();
            let out = d.decode(&l64, 10).unwrap_or_else(|e| e);
            it += out.iterations;
            errs += usize::from(&out.codeword[..K] != &c[..]);
        }
        best = best.max(row(&format!("ldpc-toolbox {name} (ET)"), it as f64 / nf as f64, nf, t.elapsed().as_secs_f64(), errs, 1));
    }
    println!(
        "ratio semcom NMS (10 it, no ET) / fastest ldpc-toolbox (with ET): {:.1}x",
        ours[0] / best
    );
}
