//! Flooding sum-product (belief propagation) decoding, the exact reference: check-to-variable
//! messages R = (Π sign) · φ(Σ_{k'≠k} φ(|t_k'|)) with φ(x) = −ln tanh(x/2), all checks updated
//! from the previous iteration's posteriors (the schedule of Sionna's LDPC5GDecoder).

use super::phi::phi;
use super::{gather_sub, QcDecoder, SimdPath};
use crate::graph::Circulant;

/// Zc-wide scratch rows.
struct Scratch {
    t: Vec<f32>,
    ph: Vec<f32>,
    sum: Vec<f32>,
    sg: Vec<u32>,
}

/// Runs up to `max_iter` flooding iterations; returns (posterior LLRs, iterations, converged).
pub(crate) fn decode(
    dec: &QcDecoder,
    chan: &[f32],
    max_iter: usize,
    early_stop: bool,
    path: SimdPath,
) -> (Vec<f32>, usize, bool) {
    let z = dec.h.z;
    let rows = &dec.h.rows[..dec.m];
    let dmax = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut msgs = vec![0f32; dec.h.edges(dec.m) * z];
    let mut post = chan.to_vec();
    let mut next = chan.to_vec();
    let mut s = Scratch {
        t: vec![0.0; dmax * z],
        ph: vec![0.0; dmax * z],
        sum: vec![0.0; z],
        sg: vec![0; z],
    };
    let mut hard = Vec::new();
    if early_stop && dec.converged(path, &post, &mut hard) {
        return (post, 0, true);
    }
    for it in 1..=max_iter {
        next.copy_from_slice(chan);
        iteration(path, rows, z, &post, &mut next, &mut msgs, &mut s);
        std::mem::swap(&mut post, &mut next);
        if early_stop && dec.converged(path, &post, &mut hard) {
            return (post, it, true);
        }
    }
    let ok = dec.converged(path, &post, &mut hard);
    (post, max_iter, ok)
}

multiversion!(fn iteration = iteration_generic; (
    rows: &[Vec<Circulant>],
    z: usize,
    post: &[f32],
    next: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
));

#[inline(always)]
fn iteration_generic(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &[f32],
    next: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch,
) {
    let Scratch { t, ph, sum, sg } = s;
    let (sum, sg) = (&mut sum[..z], &mut sg[..z]);
    let mut off = 0;
    for row in rows {
        let d = row.len();
        let rm = &mut msgs[off..off + d * z];
        sum.fill(0.0);
        sg.fill(0);
        for (k, e) in row.iter().enumerate() {
            let tk = &mut t[k * z..(k + 1) * z];
            gather_sub(
                tk,
                &post[e.col * z..(e.col + 1) * z],
                &rm[k * z..(k + 1) * z],
                e.shift,
            );
            let pk = &mut ph[k * z..(k + 1) * z];
            for (((p, x), su), g) in pk
                .iter_mut()
                .zip(tk.iter())
                .zip(sum.iter_mut())
                .zip(sg.iter_mut())
            {
                *p = phi(x.abs());
                *su += *p;
                *g ^= x.to_bits();
            }
        }
        for (k, e) in row.iter().enumerate() {
            let (tk, pk) = (&mut t[k * z..(k + 1) * z], &ph[k * z..(k + 1) * z]);
            let rk = &mut rm[k * z..(k + 1) * z];
            for ((((r, x), p), su), g) in rk
                .iter_mut()
                .zip(tk.iter_mut())
                .zip(pk)
                .zip(sum.iter())
                .zip(sg.iter())
            {
                let mag = phi(*su - *p);
                let sign = (*g ^ x.to_bits()) & 0x8000_0000;
                *r = f32::from_bits(mag.to_bits() | sign);
                *x = *r;
            }
            // next[(r + v) mod Z] += R[r], as two contiguous runs
            let v = e.shift;
            let nk = &mut next[e.col * z..(e.col + 1) * z];
            let (n1, n0) = nk.split_at_mut(v);
            for (o, r) in n0.iter_mut().zip(&tk[..z - v]) {
                *o += *r;
            }
            for (o, r) in n1.iter_mut().zip(&tk[z - v..]) {
                *o += *r;
            }
        }
        off += d * z;
    }
}
