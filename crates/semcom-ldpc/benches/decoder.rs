//! Decoder throughput on BG1, Zc = 384, K = 8448, rate 1/2 (E = 16896, 24 block rows used),
//! BPSK/AWGN at Eb/N0 = 2 dB (nearly every word decodes), compared with ldpc-toolbox's
//! decoders on the same sub-code. Prints a table; `cargo bench -p semcom-ldpc --bench decoder`.
//! Prints the instruction-set path that ran; `SEMCOM_SIMD=avx2|scalar` forces a lower one.

#[path = "../tests/common/mod.rs"]
mod common;

use clap::ValueEnum;
use ldpc_toolbox::decoder::factory::{DecoderFactory, DecoderImplementation};
use ldpc_toolbox::sparse::SparseMatrix;
use rayon::prelude::*;
use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind, SimdPath};
use std::time::Instant;

/// CPU time of the calling thread (seconds): robust to other processes sharing the cores.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec; CLOCK_THREAD_CPUTIME_ID is supported on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Wall and thread-CPU seconds of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (w, c) = (Instant::now(), thread_cpu());
    let out = f();
    (out, w.elapsed().as_secs_f64(), thread_cpu() - c)
}

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
    println!(
        "BG1 Zc=384 K=8448 R=1/2 ({} block rows), BPSK AWGN Eb/N0 = {ebn0_db} dB, 1 thread",
        n / z - 22
    );
    println!(
        "instruction-set path: {} (best on this CPU: {}; SEMCOM_SIMD=avx2|scalar forces a lower one)",
        SimdPath::active(),
        SimdPath::best()
    );
    println!("Mbit/s per core = information bits / thread CPU time; wall-clock Mbit/s shown too (shared machine)");
    println!(
        "{:<38} {:>6} {:>6} {:>11} {:>12} {:>11} {:>6}",
        "decoder", "iters", "frames", "cpu ms/fr", "Mbit/s/core", "wall Mbit/s", "errors"
    );
    let row = |name: &str, iters: f64, nf: usize, wall: f64, cpu: f64, errs: usize| {
        let bits = nf as f64 * K as f64 / 1e6;
        println!(
            "{name:<38} {iters:>6.2} {nf:>6} {:>11.3} {:>12.2} {:>11.2} {errs:>6}",
            cpu * 1e3 / nf as f64,
            bits / cpu,
            bits / wall
        );
        bits / cpu
    };
    let mut ours = Vec::new();
    for (name, kind) in [
        (
            "semcom NMS 0.75 (layered f32)",
            DecoderKind::MinSumNormalized(0.75),
        ),
        (
            "semcom NMS 0.75 (layered i16)",
            DecoderKind::MinSumNormalizedI16(0.75),
        ),
        (
            "semcom OMS 0.5 (layered f32)",
            DecoderKind::MinSumOffset(0.5),
        ),
        ("semcom BP (flooding)", DecoderKind::SumProduct),
    ] {
        for early in [false, true] {
            let cfg = DecoderConfig { kind, max_iter: 10 };
            let nf = if kind == DecoderKind::SumProduct {
                8
            } else {
                frames.len()
            };
            let ((it, errs), wall, cpu) = timed(|| {
                let (mut it, mut errs) = (0, 0);
                for (c, llr) in &frames[..nf] {
                    let out = dec.decode_with(llr, &cfg, early).unwrap();
                    it += out.iterations;
                    errs += usize::from(out.bits[..K] != c[..]);
                }
                (it, errs)
            });
            let label = format!("{name}{}", if early { " +ET" } else { ", 10 it" });
            ours.push(row(&label, it as f64 / nf as f64, nf, wall, cpu, errs));
        }
    }
    // both cores, rayon over frames (wall clock)
    let cfg = DecoderConfig {
        kind: DecoderKind::MinSumNormalized(0.75),
        max_iter: 10,
    };
    let th = rayon::current_num_threads();
    let t = Instant::now();
    let errs: usize = frames
        .par_iter()
        .map(|(c, llr)| usize::from(dec.decode_with(llr, &cfg, false).unwrap().bits[..K] != c[..]))
        .sum();
    let w = t.elapsed().as_secs_f64();
    println!(
        "semcom NMS 0.75, 10 it, rayon {th} threads: {:.2} Mbit/s total wall clock, {errs} errors",
        frames.len() as f64 * K as f64 / w / 1e6
    );

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
    for name in [
        "HLAminstarf32",
        "HLMinstarapproxi8",
        "Aminstari8",
        "HLPhif32",
    ] {
        let imp = DecoderImplementation::from_str(name, true).unwrap();
        let mut d = imp.build_decoder(sp.clone());
        let nf = 4;
        let ((it, errs), wall, cpu) = timed(|| {
            let (mut it, mut errs) = (0, 0);
            for (c, llr) in &frames[..nf] {
                let l64: Vec<f64> = llr.iter().map(|&x| x as f64).collect();
                let out = d.decode(&l64, 10).unwrap_or_else(|e| e);
                it += out.iterations;
                errs += usize::from(out.codeword[..K] != c[..]);
            }
            (it, errs)
        });
        best = best.max(row(
            &format!("ldpc-toolbox {name} +ET"),
            it as f64 / nf as f64,
            nf,
            wall,
            cpu,
            errs,
        ));
    }
    println!(
        "ratio to the fastest ldpc-toolbox decoder (+ET), {} path: f32 10 it {:.1}x, f32 +ET {:.1}x, i16 10 it {:.1}x, i16 +ET {:.1}x",
        SimdPath::active(),
        ours[0] / best,
        ours[1] / best,
        ours[2] / best,
        ours[3] / best
    );
    println!("ratio i16 / f32 (NMS, 10 it): {:.2}x", ours[2] / ours[0]);
}
