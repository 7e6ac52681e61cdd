//! Layered (row-by-row, "horizontal") min-sum decoding over the QC structure: each block row
//! is one layer of Zc independent checks processed with Zc-wide vector loops (min1/min2/index/
//! sign-product), normalised (α) or offset (β) correction. Compiled twice: portable and with
//! AVX2/FMA (selected at run time), both bit-identical in result.

use super::{gather_sub, scatter, QcDecoder};
use crate::graph::Circulant;

/// Min-sum correction rule.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rule {
    /// Multiply the magnitude by α.
    Normalized(f32),
    /// Subtract β from the magnitude, floor at 0.
    Offset(f32),
}

const SIGN: u32 = 0x8000_0000;

/// Per-decoder scratch memory (Zc-wide rows).
struct Scratch {
    t: Vec<f32>,
    m1: Vec<f32>,
    m2: Vec<f32>,
    idx: Vec<u32>,
    sg: Vec<u32>,
}

/// Runs up to `max_iter` layered iterations; returns (posterior LLRs, iterations, converged).
pub(crate) fn decode(
    dec: &QcDecoder,
    mut post: Vec<f32>,
    rule: Rule,
    max_iter: usize,
    early_stop: bool,
) -> (Vec<f32>, usize, bool) {
    let z = dec.h.z;
    let rows = &dec.h.rows[..dec.m];
    let dmax = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut msgs = vec![0f32; dec.h.edges(dec.m) * z];
    let mut s = Scratch {
        t: vec![0.0; dmax * z],
        m1: vec![0.0; z],
        m2: vec![0.0; z],
        idx: vec![0; z],
        sg: vec![0; z],
    };
    let mut hard = Vec::new();
    if early_stop && dec.converged(&post, &mut hard) {
        return (post, 0, true);
    }
    for it in 1..=max_iter {
        iteration(rows, z, &mut post, &mut msgs, &mut s, rule);
        if early_stop && dec.converged(&post, &mut hard) {
            return (post, it, true);
        }
    }
    let ok = dec.converged(&post, &mut hard);
    (post, max_iter, ok)
}

fn iteration(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
    rule: Rule,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the enabled target features (checked just above).
            unsafe { iteration_avx2(rows, z, post, msgs, s, rule) };
            return;
        }
    }
    iteration_generic(rows, z, post, msgs, s, rule);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn iteration_avx2(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
    rule: Rule,
) {
    iteration_generic(rows, z, post, msgs, s, rule)
}

#[inline(always)]
fn iteration_generic(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
    rule: Rule,
) {
    let mut off = 0;
    for row in rows {
        let d = row.len();
        layer(row, z, post, &mut msgs[off..off + d * z], s, rule);
        off += d * z;
    }
}

/// One layer: Zc parallel check nodes of degree d = row.len().
#[inline(always)]
fn layer(row: &[Circulant], z: usize, post: &mut [f32], msgs: &mut [f32], s: &mut Scratch, rule: Rule) {
    let Scratch { t, m1, m2, idx, sg } = s;
    let (m1, m2, idx, sg) = (&mut m1[..z], &mut m2[..z], &mut idx[..z], &mut sg[..z]);
    m1.fill(f32::MAX);
    m2.fill(f32::MAX);
    idx.fill(0);
    sg.fill(0);
    for (k, e) in row.iter().enumerate() {
        let tk = &mut t[k * z..(k + 1) * z];
        gather_sub(tk, &post[e.col * z..(e.col + 1) * z], &msgs[k * z..(k + 1) * z], e.shift);
        let kk = k as u32;
        for r in 0..z {
            let x = tk[r];
            let a = f32::from_bits(x.to_bits() & !SIGN);
            let b1 = m1[r];
            let hi = if a < b1 { b1 } else { a };
            m2[r] = if hi < m2[r] { hi } else { m2[r] };
            idx[r] = if a < b1 { kk } else { idx[r] };
            m1[r] = if a < b1 { a } else { b1 };
            sg[r] ^= x.to_bits();
        }
    }
    match rule {
        Rule::Normalized(al) => {
            for r in 0..z {
                m1[r] *= al;
                m2[r] *= al;
            }
        }
        Rule::Offset(be) => {
            for r in 0..z {
                let a = m1[r] - be;
                let b = m2[r] - be;
                m1[r] = if a > 0.0 { a } else { 0.0 };
                m2[r] = if b > 0.0 { b } else { 0.0 };
            }
        }
    }
    for (k, e) in row.iter().enumerate() {
        let tk = &mut t[k * z..(k + 1) * z];
        let rk = &mut msgs[k * z..(k + 1) * z];
        let kk = k as u32;
        for r in 0..z {
            let mag = if idx[r] == kk { m2[r] } else { m1[r] };
            let sign = (sg[r] ^ tk[r].to_bits()) & SIGN;
            let nr = f32::from_bits(mag.to_bits() | sign);
            rk[r] = nr;
            tk[r] += nr;
        }
        scatter(&mut post[e.col * z..(e.col + 1) * z], tk, e.shift);
    }
}
