//! Layered (row-by-row, "horizontal") min-sum decoding over the QC structure: each block row
//! is one layer of Zc independent checks processed with Zc-wide vector loops (min1/min2/index/
//! sign-product), normalised (α) or offset (β) correction. Compiled three times: portable, AVX2
//! and AVX-512 (selected at run time); no floating-point reassociation, so results are identical.

use super::QcDecoder;
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

multiversion!(fn iteration = iteration_generic(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
    rule: Rule,
));

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

/// One layer: Zc parallel check nodes of degree d = row.len(). The cyclic shift of each block is
/// handled by splitting the Zc lanes into the two contiguous runs [0, Z−v) and [Z−v, Z).
#[inline(always)]
fn layer(
    row: &[Circulant],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
    rule: Rule,
) {
    let Scratch { t, m1, m2, idx, sg } = s;
    let (m1, m2, idx, sg) = (&mut m1[..z], &mut m2[..z], &mut idx[..z], &mut sg[..z]);
    m1.fill(f32::MAX);
    m2.fill(f32::MAX);
    idx.fill(0);
    sg.fill(0);
    for (k, e) in row.iter().enumerate() {
        let v = e.shift;
        let kk = k as u32;
        let tk = &mut t[k * z..(k + 1) * z];
        let rk = &msgs[k * z..(k + 1) * z];
        let lk = &post[e.col * z..(e.col + 1) * z];
        let (t0, t1) = tk.split_at_mut(z - v);
        let (r0, r1) = rk.split_at(z - v);
        let (a1, a2) = m1.split_at_mut(z - v);
        let (b1, b2) = m2.split_at_mut(z - v);
        let (i1, i2) = idx.split_at_mut(z - v);
        let (s1, s2) = sg.split_at_mut(z - v);
        accumulate(t0, &lk[v..], r0, a1, b1, i1, s1, kk);
        accumulate(t1, &lk[..v], r1, a2, b2, i2, s2, kk);
    }
    match rule {
        Rule::Normalized(al) => {
            for (a, b) in m1.iter_mut().zip(m2.iter_mut()) {
                *a *= al;
                *b *= al;
            }
        }
        Rule::Offset(be) => {
            for (a, b) in m1.iter_mut().zip(m2.iter_mut()) {
                let x = *a - be;
                let y = *b - be;
                *a = if x > 0.0 { x } else { 0.0 };
                *b = if y > 0.0 { y } else { 0.0 };
            }
        }
    }
    for (k, e) in row.iter().enumerate() {
        let v = e.shift;
        let kk = k as u32;
        let tk = &t[k * z..(k + 1) * z];
        let rk = &mut msgs[k * z..(k + 1) * z];
        let lk = &mut post[e.col * z..(e.col + 1) * z];
        let (l1, l0) = lk.split_at_mut(v);
        let (t0, t1) = tk.split_at(z - v);
        let (r0, r1) = rk.split_at_mut(z - v);
        let (a1, a2) = m1.split_at(z - v);
        let (b1, b2) = m2.split_at(z - v);
        let (i1, i2) = idx.split_at(z - v);
        let (s1, s2) = sg.split_at(z - v);
        distribute(t0, l0, r0, a1, b1, i1, s1, kk);
        distribute(t1, l1, r1, a2, b2, i2, s2, kk);
    }
}

/// Variable-to-check messages t = L − R_old and the running min1/min2/argmin/sign product.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn accumulate(
    t: &mut [f32],
    l: &[f32],
    r: &[f32],
    m1: &mut [f32],
    m2: &mut [f32],
    idx: &mut [u32],
    sg: &mut [u32],
    k: u32,
) {
    let n = t.len();
    let (l, r, m1, m2, idx, sg) = (
        &l[..n],
        &r[..n],
        &mut m1[..n],
        &mut m2[..n],
        &mut idx[..n],
        &mut sg[..n],
    );
    for i in 0..n {
        let x = l[i] - r[i];
        t[i] = x;
        let a = f32::from_bits(x.to_bits() & !SIGN);
        let b1 = m1[i];
        let lt = a < b1;
        let hi = if lt { b1 } else { a };
        m2[i] = if hi < m2[i] { hi } else { m2[i] };
        idx[i] = if lt { k } else { idx[i] };
        m1[i] = if lt { a } else { b1 };
        sg[i] ^= x.to_bits();
    }
}

/// New check-to-variable messages R (sign · corrected min1 or min2) and posteriors L = t + R.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn distribute(
    t: &[f32],
    l: &mut [f32],
    r: &mut [f32],
    m1: &[f32],
    m2: &[f32],
    idx: &[u32],
    sg: &[u32],
    k: u32,
) {
    let n = t.len();
    let (l, r, m1, m2, idx, sg) = (
        &mut l[..n],
        &mut r[..n],
        &m1[..n],
        &m2[..n],
        &idx[..n],
        &sg[..n],
    );
    for i in 0..n {
        let mag = if idx[i] == k { m2[i] } else { m1[i] };
        let sign = (sg[i] ^ t[i].to_bits()) & SIGN;
        let nr = f32::from_bits(mag.to_bits() | sign);
        r[i] = nr;
        l[i] = t[i] + nr;
    }
}
