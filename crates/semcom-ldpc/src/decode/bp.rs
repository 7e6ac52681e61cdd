//! Flooding sum-product (belief propagation) decoding, the exact reference: check-to-variable
//! messages R = (Π sign) · φ(Σ_{k'≠k} φ(|t_k'|)) with φ(x) = −ln tanh(x/2) = ln(1 + 2/(eˣ − 1)),
//! all checks updated from the previous iteration's posteriors.

use super::{gather_sub, QcDecoder};

/// Arguments of φ are clamped to [X_MIN, X_MAX] (φ(X_MIN) ≈ 16.8 bounds message magnitudes).
const X_MIN: f32 = 1.0e-7;
const X_MAX: f32 = 40.0;

#[inline]
fn phi(x: f32) -> f32 {
    let x = x.clamp(X_MIN, X_MAX);
    (2.0 / x.exp_m1()).ln_1p()
}

/// Runs up to `max_iter` flooding iterations; returns (posterior LLRs, iterations, converged).
pub(crate) fn decode(
    dec: &QcDecoder,
    chan: &[f32],
    max_iter: usize,
    early_stop: bool,
) -> (Vec<f32>, usize, bool) {
    let z = dec.h.z;
    let rows = &dec.h.rows[..dec.m];
    let dmax = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut msgs = vec![0f32; dec.h.edges(dec.m) * z];
    let mut post = chan.to_vec();
    let mut next = chan.to_vec();
    let mut t = vec![0f32; dmax * z];
    let mut ph = vec![0f32; dmax * z];
    let mut sum = vec![0f32; z];
    let mut sg = vec![0u32; z];
    let mut hard = Vec::new();
    if early_stop && dec.converged(&post, &mut hard) {
        return (post, 0, true);
    }
    for it in 1..=max_iter {
        next.copy_from_slice(chan);
        let mut off = 0;
        for row in rows {
            let d = row.len();
            let rm = &mut msgs[off..off + d * z];
            sum.fill(0.0);
            sg.fill(0);
            for (k, e) in row.iter().enumerate() {
                let tk = &mut t[k * z..(k + 1) * z];
                gather_sub(tk, &post[e.col * z..(e.col + 1) * z], &rm[k * z..(k + 1) * z], e.shift);
                let pk = &mut ph[k * z..(k + 1) * z];
                for r in 0..z {
                    pk[r] = phi(tk[r].abs());
                    sum[r] += pk[r];
                    sg[r] ^= tk[r].to_bits();
                }
            }
            for (k, e) in row.iter().enumerate() {
                let (tk, pk) = (&t[k * z..(k + 1) * z], &ph[k * z..(k + 1) * z]);
                let rk = &mut rm[k * z..(k + 1) * z];
                let nk = &mut next[e.col * z..(e.col + 1) * z];
                let v = e.shift;
                for r in 0..z {
                    let mag = phi(sum[r] - pk[r]);
                    let sign = (sg[r] ^ tk[r].to_bits()) & 0x8000_0000;
                    rk[r] = f32::from_bits(mag.to_bits() | sign);
                    nk[(r + v) % z] += rk[r];
                }
            }
            off += d * z;
        }
        std::mem::swap(&mut post, &mut next);
        if early_stop && dec.converged(&post, &mut hard) {
            return (post, it, true);
        }
    }
    let ok = dec.converged(&post, &mut hard);
    (post, max_iter, ok)
}
