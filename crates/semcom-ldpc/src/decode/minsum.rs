//! Layered (row-by-row, "horizontal") min-sum decoding over the QC structure: each block row
//! is one layer of Zc independent checks processed with Zc-wide vector loops (min1/min2/index/
//! sign-product), normalised (α) or offset (β) correction. Compiled three times: portable, AVX2
//! and AVX-512 (selected at run time); no floating-point reassociation, so results are identical.
//! The messages are f32, or i16 fixed point ([`Q16_SCALE`] steps per LLR unit, saturating
//! arithmetic): the same schedule on twice as many SIMD lanes.

use super::QcDecoder;
use crate::graph::Circulant;
use std::ops::{BitAnd, BitXor};

/// Fixed-point steps per LLR unit of the i16 decoder (LLRs saturate at ±32767/8 ≈ ±4096).
pub const Q16_SCALE: f32 = 8.0;

/// A message lane: f32, or i16 fixed point with saturating arithmetic.
pub(crate) trait Lane: Copy + Default + PartialOrd {
    /// Sign/index word of the same width (u32 for f32, u16 for i16).
    type Bits: Copy
        + Default
        + PartialEq
        + BitXor<Output = Self::Bits>
        + BitAnd<Output = Self::Bits>;
    /// Initial value of the running minima.
    const MAX: Self;
    /// The sign bit of [`Lane::bits`].
    const SIGN: Self::Bits;
    /// self − o (saturating for i16).
    fn sub(self, o: Self) -> Self;
    /// self + o (saturating for i16).
    fn add(self, o: Self) -> Self;
    /// |self|.
    fn abs(self) -> Self;
    /// Raw bits (the sign in [`Lane::SIGN`]).
    fn bits(self) -> Self::Bits;
    /// A non-negative magnitude with the sign `sign` (0 or [`Lane::SIGN`]).
    fn with_sign(self, sign: Self::Bits) -> Self;
    /// Edge index k as a word.
    fn index(k: usize) -> Self::Bits;
    /// min2 when edge `k` holds the minimum (`idx == k`), else min1.
    fn pick(idx: Self::Bits, k: Self::Bits, m1: Self, m2: Self) -> Self;
    /// Applies the correction rule to the two running minima of a layer (α, β in LLR units).
    fn correct(m1: &mut [Self], m2: &mut [Self], rule: Rule);
    /// One layered iteration over all layers (the kernel compiled for AVX-512, AVX2 or the
    /// baseline, chosen at run time).
    fn iteration(
        rows: &[Vec<Circulant>],
        z: usize,
        post: &mut [Self],
        msgs: &mut [Self],
        s: &mut Scratch<Self>,
        rule: Rule,
    );
    /// Whether the hard decisions (L < 0 ⇒ 1) satisfy every check of `rows` (`acc`: Zc bytes).
    fn syndrome_zero(rows: &[Vec<Circulant>], z: usize, post: &[Self], acc: &mut [u8]) -> bool;
}

/// The multiversioned kernels of one lane type, for its [`Lane`] impl.
macro_rules! lane_kernels {
    ($iteration:ident, $syndrome:ident) => {
        #[inline(always)]
        fn iteration(
            rows: &[Vec<Circulant>],
            z: usize,
            post: &mut [Self],
            msgs: &mut [Self],
            s: &mut Scratch<Self>,
            rule: Rule,
        ) {
            $iteration(rows, z, post, msgs, s, rule)
        }
        #[inline(always)]
        fn syndrome_zero(rows: &[Vec<Circulant>], z: usize, post: &[Self], acc: &mut [u8]) -> bool {
            super::$syndrome(rows, z, post, acc)
        }
    };
}

impl Lane for f32 {
    lane_kernels!(iteration_f32, syndrome_zero);
    type Bits = u32;
    const MAX: Self = f32::MAX;
    const SIGN: u32 = 0x8000_0000;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::from_bits(self.to_bits() & !Self::SIGN)
    }
    #[inline(always)]
    fn bits(self) -> u32 {
        self.to_bits()
    }
    #[inline(always)]
    fn with_sign(self, sign: u32) -> Self {
        f32::from_bits(self.to_bits() | sign)
    }
    #[inline(always)]
    fn index(k: usize) -> u32 {
        k as u32
    }
    #[inline(always)]
    fn pick(idx: u32, k: u32, m1: Self, m2: Self) -> Self {
        if idx == k {
            m2
        } else {
            m1
        }
    }
    #[inline(always)]
    fn correct(m1: &mut [Self], m2: &mut [Self], rule: Rule) {
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
    }
}

impl Lane for i16 {
    lane_kernels!(iteration_i16, syndrome_zero_i16);
    type Bits = u16;
    const MAX: Self = i16::MAX;
    const SIGN: u16 = 0x8000;
    /// Saturating, and kept ≥ −32767 so that [`Lane::abs`] never meets −32768.
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.saturating_sub(o).max(-i16::MAX)
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.saturating_add(o).max(-i16::MAX)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.wrapping_abs()
    }
    #[inline(always)]
    fn bits(self) -> u16 {
        self as u16
    }
    /// Branch-free: (x ⊕ s) − s with s = 0 or −1.
    #[inline(always)]
    fn with_sign(self, sign: u16) -> Self {
        let s = (sign as i16) >> 15;
        (self ^ s).wrapping_sub(s)
    }
    #[inline(always)]
    fn index(k: usize) -> u16 {
        k as u16
    }
    /// As a bit mask: LLVM does not vectorise the i16 select written as a branch.
    #[inline(always)]
    fn pick(idx: u16, k: u16, m1: Self, m2: Self) -> Self {
        let mask = -((idx == k) as i16);
        (m2 & mask) | (m1 & !mask)
    }
    #[inline(always)]
    fn correct(m1: &mut [Self], m2: &mut [Self], rule: Rule) {
        match rule {
            // α·x truncated, α in Q15 (α ≤ 1).
            Rule::Normalized(al) => {
                let a = (al.clamp(0.0, 1.0) * 32767.0) as i32;
                for (x, y) in m1.iter_mut().zip(m2.iter_mut()) {
                    *x = ((*x as i32 * a) >> 15) as i16;
                    *y = ((*y as i32 * a) >> 15) as i16;
                }
            }
            Rule::Offset(be) => {
                let b = (be * Q16_SCALE).clamp(0.0, 32767.0) as i16;
                for (x, y) in m1.iter_mut().zip(m2.iter_mut()) {
                    *x = x.saturating_sub(b).max(0);
                    *y = y.saturating_sub(b).max(0);
                }
            }
        }
    }
}

/// Min-sum correction rule.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rule {
    /// Multiply the magnitude by α.
    Normalized(f32),
    /// Subtract β from the magnitude, floor at 0.
    Offset(f32),
}

/// Per-decoder scratch memory (Zc-wide rows).
pub(crate) struct Scratch<T: Lane> {
    t: Vec<T>,
    m1: Vec<T>,
    m2: Vec<T>,
    idx: Vec<T::Bits>,
    sg: Vec<T::Bits>,
}

/// Runs up to `max_iter` layered iterations; returns (posterior LLRs, iterations, converged).
pub(crate) fn decode<T: Lane>(
    dec: &QcDecoder,
    mut post: Vec<T>,
    rule: Rule,
    max_iter: usize,
    early_stop: bool,
) -> (Vec<T>, usize, bool) {
    let z = dec.h.z;
    let rows = &dec.h.rows[..dec.m];
    let dmax = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut msgs = vec![T::default(); dec.h.edges(dec.m) * z];
    let mut s = Scratch {
        t: vec![T::default(); dmax * z],
        m1: vec![T::default(); z],
        m2: vec![T::default(); z],
        idx: vec![T::Bits::default(); z],
        sg: vec![T::Bits::default(); z],
    };
    let mut hard = Vec::new();
    if early_stop && dec.converged(&post, &mut hard) {
        return (post, 0, true);
    }
    for it in 1..=max_iter {
        T::iteration(rows, z, &mut post, &mut msgs, &mut s, rule);
        if early_stop && dec.converged(&post, &mut hard) {
            return (post, it, true);
        }
    }
    let ok = dec.converged(&post, &mut hard);
    (post, max_iter, ok)
}

multiversion!(fn iteration_f32 = iteration_generic::<f32>; (
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [f32],
    msgs: &mut [f32],
    s: &mut Scratch<f32>,
    rule: Rule,
));

multiversion!(fn iteration_i16 = iteration_generic::<i16>; (
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [i16],
    msgs: &mut [i16],
    s: &mut Scratch<i16>,
    rule: Rule,
));

#[inline(always)]
fn iteration_generic<T: Lane>(
    rows: &[Vec<Circulant>],
    z: usize,
    post: &mut [T],
    msgs: &mut [T],
    s: &mut Scratch<T>,
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
fn layer<T: Lane>(
    row: &[Circulant],
    z: usize,
    post: &mut [T],
    msgs: &mut [T],
    s: &mut Scratch<T>,
    rule: Rule,
) {
    let Scratch { t, m1, m2, idx, sg } = s;
    let (m1, m2, idx, sg) = (&mut m1[..z], &mut m2[..z], &mut idx[..z], &mut sg[..z]);
    m1.fill(T::MAX);
    m2.fill(T::MAX);
    idx.fill(T::Bits::default());
    sg.fill(T::Bits::default());
    for (k, e) in row.iter().enumerate() {
        let v = e.shift;
        let kk = T::index(k);
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
    T::correct(m1, m2, rule);
    for (k, e) in row.iter().enumerate() {
        let v = e.shift;
        let kk = T::index(k);
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
fn accumulate<T: Lane>(
    t: &mut [T],
    l: &[T],
    r: &[T],
    m1: &mut [T],
    m2: &mut [T],
    idx: &mut [T::Bits],
    sg: &mut [T::Bits],
    k: T::Bits,
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
        let x = l[i].sub(r[i]);
        t[i] = x;
        let a = x.abs();
        let b1 = m1[i];
        let lt = a < b1;
        let hi = if lt { b1 } else { a };
        m2[i] = if hi < m2[i] { hi } else { m2[i] };
        idx[i] = if lt { k } else { idx[i] };
        m1[i] = if lt { a } else { b1 };
        sg[i] = sg[i] ^ x.bits();
    }
}

/// New check-to-variable messages R (sign · corrected min1 or min2) and posteriors L = t + R.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn distribute<T: Lane>(
    t: &[T],
    l: &mut [T],
    r: &mut [T],
    m1: &[T],
    m2: &[T],
    idx: &[T::Bits],
    sg: &[T::Bits],
    k: T::Bits,
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
        let mag = T::pick(idx[i], k, m1[i], m2[i]);
        let sign = (sg[i] ^ t[i].bits()) & T::SIGN;
        let nr = mag.with_sign(sign);
        r[i] = nr;
        l[i] = t[i].add(nr);
    }
}
