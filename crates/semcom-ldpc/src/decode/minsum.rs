//! Layered (row-by-row, "horizontal") min-sum decoding over the QC structure: each block row
//! is one layer of Zc independent checks, processed W check nodes at a time (one SIMD vector):
//! for every edge of the layer, t = L − R_old and the running min1/min2/argmin/sign product
//! stay in registers, then the corrected messages (normalised α or offset β) and the posteriors
//! are written back. The messages are f32, or i16 fixed point ([`Q16_SCALE`] steps per LLR
//! unit, saturating arithmetic): the same schedule on twice as many SIMD lanes.
//!
//! The cyclic shift of a circulant costs nothing: each block column of the posteriors is kept
//! as Zc values followed by a copy of its first W ([`Ext`]), so the window of W lanes starting
//! anywhere in the column is one unaligned load. The vector steps come from a [`Kernel`]
//! (explicit AVX-512 or AVX2 intrinsics, or the portable scalar reference), selected per
//! [`SimdPath`]; each step does the per-lane operations of [`Lane`] in the same order, so all
//! paths give bit-identical results.

use super::kernel::{self, Decoded, Job, Kernel, Portable, VRule};
use super::simd::SimdPath;
use super::QcDecoder;
use crate::graph::Circulant;
use std::ops::{BitAnd, BitXor};

/// Fixed-point steps per LLR unit of the i16 decoder (LLRs saturate at ±32767/8 ≈ ±4096).
pub const Q16_SCALE: f32 = 8.0;

/// The largest f32 below ½ (rounding q + copysign(it, q) towards zero rounds q half away).
const HALF_BELOW: f32 = 0.499_999_97;

/// Largest block-row degree the kernels accept (BG1: 19, BG2: 10).
const MAX_DEG: usize = 32;

/// A message lane, f32 or i16 fixed point with saturating arithmetic: the scalar reference of
/// every kernel step.
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
    /// `k` when `take`, else `idx`.
    fn choose(take: bool, k: Self::Bits, idx: Self::Bits) -> Self::Bits;
    /// The rule's constants in lane units (α, β; α in Q15 for i16).
    fn consts(rule: Rule) -> VRule<Self>;
    /// The correction rule applied to a magnitude.
    fn correct(m: Self, c: VRule<Self>) -> Self;
    /// A sanitised channel LLR (|x| ≤ [`LLR_MAX`](super::LLR_MAX)) as a lane.
    fn from_llr(x: f32) -> Self;
    /// A lane as an LLR.
    fn to_llr(self) -> f32;
    /// The whole decode on the kernel of `path` (which the CPU must support).
    fn run_on(path: SimdPath, job: Job) -> Decoded;

    /// Variable-to-check message x = L − R_old of edge `k`, folded into the running
    /// min1/min2/argmin/sign product of its check; returns x.
    #[inline(always)]
    fn accumulate(
        l: Self,
        r: Self,
        m1: &mut Self,
        m2: &mut Self,
        idx: &mut Self::Bits,
        sg: &mut Self::Bits,
        k: Self::Bits,
    ) -> Self {
        let x = l.sub(r);
        let a = x.abs();
        let b1 = *m1;
        let lt = a < b1;
        let hi = if lt { b1 } else { a };
        *m2 = if hi < *m2 { hi } else { *m2 };
        *idx = Self::choose(lt, k, *idx);
        *m1 = if lt { a } else { b1 };
        *sg = *sg ^ x.bits();
        x
    }

    /// New check-to-variable message R of edge `k` (sign · corrected min1, or min2 at the
    /// argmin) and posterior L = t + R; returns (R, L).
    #[inline(always)]
    fn distribute(
        t: Self,
        m1: Self,
        m2: Self,
        idx: Self::Bits,
        sg: Self::Bits,
        k: Self::Bits,
    ) -> (Self, Self) {
        let mag = Self::pick(idx, k, m1, m2);
        let nr = mag.with_sign((sg ^ t.bits()) & Self::SIGN);
        (nr, t.add(nr))
    }
}

/// `run_on` for a lane type: the portable kernel of N lanes, or the x86-64 kernels.
macro_rules! run_on {
    ($portable:literal, $avx2:ty, $avx512:ty) => {
        fn run_on(path: SimdPath, job: Job) -> Decoded {
            // SAFETY (all arms): the caller checked that the CPU supports `path`.
            match path {
                #[cfg(target_arch = "x86_64")]
                SimdPath::Avx512 => unsafe { kernel::run::<$avx512>(job) },
                #[cfg(target_arch = "x86_64")]
                SimdPath::Avx2 => unsafe { kernel::run::<$avx2>(job) },
                _ => unsafe { kernel::run::<Portable<Self, $portable>>(job) },
            }
        }
    };
}

impl Lane for f32 {
    run_on!(8, super::avx2::F32, super::avx512::F32);
    type Bits = u32;
    const MAX: Self = f32::MAX;
    const SIGN: u32 = 0x8000_0000;
    #[inline(always)]
    fn from_llr(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn to_llr(self) -> f32 {
        self
    }
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
    /// As a bit mask, for the same reason as [`Lane::pick`] of i16.
    #[inline(always)]
    fn choose(take: bool, k: u32, idx: u32) -> u32 {
        let mask = (take as u32).wrapping_neg();
        (k & mask) | (idx & !mask)
    }
    fn consts(rule: Rule) -> VRule<Self> {
        match rule {
            Rule::Normalized(a) => VRule::Scale(a),
            Rule::Offset(b) => VRule::Offset(b),
        }
    }
    /// α·m, or m − β floored at 0 (`x > 0 ? x : 0`, the operand order of `maxps`).
    #[inline(always)]
    fn correct(m: Self, c: VRule<Self>) -> Self {
        match c {
            VRule::Scale(a) => m * a,
            VRule::Offset(b) => {
                let x = m - b;
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
        }
    }
}

impl Lane for i16 {
    run_on!(16, super::avx2::I16, super::avx512::I16);
    type Bits = u16;
    const MAX: Self = i16::MAX;
    const SIGN: u16 = 0x8000;
    /// round(x·[`Q16_SCALE`]) (half away from zero) clamped to ±32767, branch-free:
    /// trunc(q + copysign(0.5⁻, q)) with 0.5⁻ the float just below ½ is exact rounding.
    #[inline(always)]
    #[allow(clippy::manual_clamp)]
    fn from_llr(x: f32) -> Self {
        // max/min rather than clamp: NaN becomes −32767, so the value below is always in range
        let q = (x * Q16_SCALE).max(-32767.0).min(32767.0);
        let r = q + HALF_BELOW.copysign(q);
        // SAFETY: r is finite and |r| < 32768. (The checked `as` casts are not vectorised by
        // LLVM; this one is a plain `cvttps2dq`.)
        unsafe { r.to_int_unchecked::<i32>() as i16 }
    }
    #[inline(always)]
    fn to_llr(self) -> f32 {
        self as f32 * (1.0 / Q16_SCALE)
    }
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
    /// As a bit mask (LLVM turns the branch into per-lane conditional stores).
    #[inline(always)]
    fn choose(take: bool, k: u16, idx: u16) -> u16 {
        let mask = (take as u16).wrapping_neg();
        (k & mask) | (idx & !mask)
    }
    /// α in Q15 (0 ≤ α ≤ 1), β in fixed-point steps.
    fn consts(rule: Rule) -> VRule<Self> {
        match rule {
            Rule::Normalized(a) => VRule::Scale((a.clamp(0.0, 1.0) * 32767.0) as i16),
            Rule::Offset(b) => VRule::Offset((b * Q16_SCALE).clamp(0.0, 32767.0) as i16),
        }
    }
    /// ⌊α·m⌋ (m ≥ 0), or m − β saturating and floored at 0.
    #[inline(always)]
    fn correct(m: Self, c: VRule<Self>) -> Self {
        match c {
            VRule::Scale(a) => ((m as i32 * a as i32) >> 15) as i16,
            VRule::Offset(b) => m.saturating_sub(b).max(0),
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

/// Runs up to `max_iter` layered iterations on lanes `T` and `path` (supported by the CPU)
/// from sanitised channel LLRs; returns (posterior LLRs, iterations, converged).
pub(crate) fn decode<T: Lane>(
    dec: &QcDecoder,
    chan: &[f32],
    rule: Rule,
    max_iter: usize,
    early_stop: bool,
    path: SimdPath,
) -> Decoded {
    let job = Job {
        dec,
        chan,
        rule,
        max_iter,
        early_stop,
    };
    T::run_on(path, job)
}

/// Layout of the posteriors inside the kernels: block column c occupies
/// `[base, base + Zc)` with base = c·stride + W, preceded by a gap of W lanes and followed by a
/// mirror of its first min(W, Zc) values, so that the W lanes starting at any position of the
/// column are contiguous (the gap lets the fix-up after a layer, [`remirror`], move W lanes
/// ending anywhere in the front).
///
/// The Zc check nodes of a layer are cut into windows: `full` chunks of W lanes, then the
/// remaining lanes in [`Ext::tails`] of 16, 8, 4, 2 and 1 lanes (each narrower than W, at most
/// one of each), run by the portable reference compiled for the same path.
#[derive(Clone, Debug)]
struct Ext {
    z: usize,
    w: usize,
    stride: usize,
    /// Number of whole W-lane chunks per block row.
    full: usize,
    /// (first lane, width) of the windows after the full chunks.
    tails: Vec<(usize, usize)>,
}

/// Widths of the tail windows, widest first.
const TAIL_WIDTHS: [usize; 5] = [16, 8, 4, 2, 1];

/// One circulant of a layer in the [`Ext`] layout.
#[derive(Clone, Copy, Debug)]
struct Edge {
    /// Offset of the block column (col·stride + W).
    base: usize,
    /// Cyclic shift.
    shift: usize,
    /// Lane r reads position r + shift − Zc from this lane on (Zc − shift).
    wrap: usize,
}

impl Edge {
    /// Position of lane `r` of the circulant in its column: (r + shift) mod Zc.
    #[inline(always)]
    fn pos(&self, r: usize, z: usize) -> usize {
        let o = self.shift + r;
        if r >= self.wrap {
            o - z
        } else {
            o
        }
    }
}

impl Ext {
    fn new(z: usize, w: usize) -> Self {
        let full = z / w;
        let mut r = full * w;
        let mut tails = Vec::new();
        for tw in TAIL_WIDTHS.into_iter().filter(|&tw| tw < w) {
            if z - r >= tw {
                tails.push((r, tw));
                r += tw;
            }
        }
        debug_assert_eq!(r, z);
        Self {
            z,
            w,
            stride: z + 2 * w,
            full,
            tails,
        }
    }

    /// The circulants of `row` in this layout.
    fn edges(&self, row: &[Circulant]) -> Vec<Edge> {
        row.iter()
            .map(|e| Edge {
                base: e.col * self.stride + self.w,
                shift: e.shift,
                wrap: self.z - e.shift,
            })
            .collect()
    }

    /// Flat (kb + m)·Zc LLRs → lanes in the extended layout.
    #[inline(always)]
    fn spread<T: Lane>(&self, flat: &[f32]) -> Vec<T> {
        let cols = flat.len() / self.z;
        let mut ext = vec![T::default(); cols * self.stride];
        for (o, i) in ext
            .chunks_exact_mut(self.stride)
            .zip(flat.chunks_exact(self.z))
        {
            let col = &mut o[self.w..];
            for (o, &i) in col.iter_mut().zip(i) {
                *o = T::from_llr(i);
            }
            col.copy_within(..self.w.min(self.z), self.z);
        }
        ext
    }

    /// Extended layout → flat LLRs.
    #[inline(always)]
    fn gather<T: Lane>(&self, ext: &[T]) -> Vec<f32> {
        let mut flat = Vec::with_capacity(ext.len() / self.stride * self.z);
        for c in ext.chunks_exact(self.stride) {
            flat.extend(c[self.w..self.w + self.z].iter().map(|&v| v.to_llr()));
        }
        flat
    }

    /// After a layer wrote the column of `e`: how many lanes (0 < n < W) the window crossing
    /// the end of the column (lane `e.wrap` strictly inside it) wrote past the end, into the
    /// mirror; None when a window starts at `e.wrap`.
    #[inline(always)]
    fn crossed(&self, e: &Edge) -> Option<usize> {
        let end = if e.wrap < self.full * self.w {
            Some((e.wrap / self.w + 1) * self.w).filter(|_| !e.wrap.is_multiple_of(self.w))
        } else {
            self.tails
                .iter()
                .find(|&&(r, tw)| r < e.wrap && e.wrap < r + tw)
                .map(|&(r, tw)| r + tw)
        };
        end.map(|end| end - e.wrap)
    }
}

/// Restores the column of `e` after a layer wrote it: the n lanes that the window crossing the
/// end wrote into the mirror move to the front (as the W lanes ending there: the first W − n
/// land in the gap), then the mirror is refreshed from the front. Two vector moves, no memmove.
///
/// # Safety
/// As [`run_generic`]; `K::W` is the layout's W.
#[inline(always)]
unsafe fn remirror<K: Kernel>(g: &Ext, ext: &mut [K::T], e: &Edge) {
    let p = ext.as_mut_ptr().add(e.base);
    if let Some(n) = g.crossed(e) {
        K::store(p.add(n).sub(K::W), K::load(p.add(g.z + n).sub(K::W)));
    }
    K::store(p.add(g.z), K::load(p));
}

/// The whole decode on kernel `K`: layout, messages, iterations and early termination, from
/// sanitised channel LLRs to posterior LLRs.
///
/// # Safety
/// The CPU must support `K::PATH` (the intrinsic kernels call this from a function compiled
/// with the path's target features, so that everything inlines into it).
#[inline(always)]
pub(crate) unsafe fn run_generic<K: Kernel>(job: Job) -> Decoded {
    debug_assert!(K::PATH.is_supported());
    let Job {
        dec,
        chan,
        rule,
        max_iter,
        early_stop,
    } = job;
    let z = dec.h.z;
    let g = Ext::new(z, K::W);
    let cols = chan.len() / z;
    // The kernels index without bounds checks; these make every access in bounds.
    assert_eq!(chan.len(), cols * z, "LLRs are whole block columns");
    let rows = &dec.h.rows[..dec.m];
    assert!(
        rows.iter()
            .all(|r| r.len() <= MAX_DEG && r.iter().all(|e| e.col < cols && e.shift < z)),
        "block rows fit the LLRs"
    );
    let layers: Vec<Vec<Edge>> = rows.iter().map(|r| g.edges(r)).collect();
    let dmax = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut ext = g.spread::<K::T>(chan);
    let mut msgs = vec![K::T::default(); dec.h.edges(dec.m) * z];
    let mut t = vec![K::T::default(); dmax * K::W];
    let kidx: [K::Idx; MAX_DEG] = std::array::from_fn(|k| K::index(k));
    let kidx1: [<K::T as Lane>::Bits; MAX_DEG] = std::array::from_fn(K::T::index);
    let c = K::consts(rule);
    if early_stop && syndrome_zero::<K>(&layers, &g, &ext) {
        return (g.gather(&ext), 0, true);
    }
    for it in 1..=max_iter {
        let mut m = msgs.as_mut_ptr();
        for layer in &layers {
            for j in 0..g.full {
                layer_chunk::<K>(layer, &g, j * K::W, &mut ext, m, &mut t, &kidx, c);
            }
            for &(r, tw) in &g.tails {
                tail_chunk::<K::T>(tw, layer, &g, r, &mut ext, m, &mut t, &kidx1, rule);
            }
            for e in layer {
                remirror::<K>(&g, &mut ext, e);
            }
            m = m.add(layer.len() * z);
        }
        if early_stop && syndrome_zero::<K>(&layers, &g, &ext) {
            return (g.gather(&ext), it, true);
        }
    }
    let ok = syndrome_zero::<K>(&layers, &g, &ext);
    (g.gather(&ext), max_iter, ok)
}

/// Check nodes `r0..r0 + W` of one layer (`msgs`: the layer's messages, edge-major, Zc per
/// edge; `t`: at least d·W lanes of scratch).
///
/// # Safety
/// As [`run_generic`], whose assertions make every access in bounds.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn layer_chunk<K: Kernel>(
    layer: &[Edge],
    g: &Ext,
    r0: usize,
    ext: &mut [K::T],
    msgs: *mut K::T,
    t: &mut [K::T],
    kidx: &[K::Idx; MAX_DEG],
    c: VRule<K::V>,
) {
    let (l, z) = (ext.as_mut_ptr(), g.z);
    let mut s = K::init();
    let (mut m, mut tp) = (msgs.add(r0), t.as_mut_ptr());
    for (e, &k) in layer.iter().zip(kidx) {
        let x = K::accumulate(&mut s, K::load(l.add(e.base + e.pos(r0, z))), K::load(m), k);
        K::store(tp, x);
        m = m.add(z);
        tp = tp.add(K::W);
    }
    K::correct(&mut s, c);
    let (mut m, mut tp) = (msgs.add(r0), t.as_ptr());
    for (e, &k) in layer.iter().zip(kidx) {
        let (r, post) = K::distribute(&s, K::load(tp), k);
        K::store(m, r);
        K::store(l.add(e.base + e.pos(r0, z)), post);
        m = m.add(z);
        tp = tp.add(K::W);
    }
}

/// [`layer_chunk`] on the `tw` lanes from `r0` with the portable reference of that width.
///
/// # Safety
/// As [`run_generic`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn tail_chunk<T: Lane>(
    tw: usize,
    layer: &[Edge],
    g: &Ext,
    r0: usize,
    ext: &mut [T],
    msgs: *mut T,
    t: &mut [T],
    kidx: &[T::Bits; MAX_DEG],
    rule: Rule,
) {
    macro_rules! by_width {
        ($($n:literal),*) => {
            match tw {
                $($n => {
                    let c = Portable::<T, $n>::consts(rule);
                    layer_chunk::<Portable<T, $n>>(layer, g, r0, ext, msgs, t, kidx, c)
                })*
                _ => unreachable!("tail widths are TAIL_WIDTHS"),
            }
        };
    }
    by_width!(16, 8, 4, 2, 1)
}

/// Whether any of the `tw` checks from `r0` is unsatisfied ([`parities`] of that width).
///
/// # Safety
/// As [`run_generic`].
#[inline(always)]
unsafe fn tail_parity<T: Lane>(tw: usize, layer: &[Edge], g: &Ext, r0: usize, ext: &[T]) -> bool {
    macro_rules! by_width {
        ($($n:literal),*) => {
            match tw {
                $($n => Portable::<T, $n>::h_any(parities::<Portable<T, $n>>(layer, g, r0, ext)),)*
                _ => unreachable!("tail widths are TAIL_WIDTHS"),
            }
        };
    }
    by_width!(16, 8, 4, 2, 1)
}

/// Whether the hard decisions (L < 0 ⇒ 1) satisfy every check of `layers`.
///
/// # Safety
/// As [`run_generic`].
#[inline(always)]
unsafe fn syndrome_zero<K: Kernel>(layers: &[Vec<Edge>], g: &Ext, ext: &[K::T]) -> bool {
    for layer in layers {
        let mut any = K::h_zero();
        for j in 0..g.full {
            any = K::h_or(any, parities::<K>(layer, g, j * K::W, ext));
        }
        if K::h_any(any) {
            return false;
        }
        if g.tails
            .iter()
            .any(|&(r, tw)| tail_parity(tw, layer, g, r, ext))
        {
            return false;
        }
    }
    true
}

/// Parities of check nodes `r0..r0 + W` of one layer.
///
/// # Safety
/// As [`run_generic`].
#[inline(always)]
unsafe fn parities<K: Kernel>(layer: &[Edge], g: &Ext, r0: usize, ext: &[K::T]) -> K::H {
    let l = ext.as_ptr();
    let mut x = K::h_zero();
    for e in layer {
        x = K::h_xor(x, K::load(l.add(e.base + e.pos(r0, g.z))));
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The branch-free rounding equals `round` (half away from zero) then clamping, on the
    /// halves, their float neighbours and the clamp limits (checked once exhaustively for all
    /// f32 with |x| ≤ LLR_MAX).
    #[test]
    fn fixed_point_rounding_is_round_half_away() {
        let reference = |x: f32| (x * Q16_SCALE).round().clamp(-32767.0, 32767.0) as i16;
        let mut xs = vec![0.0, -0.0, 1e4, -1e4, 4095.9, -4096.1, 4095.94, -4095.94];
        for i in -20_000..20_000 {
            let h = (i as f32 + 0.5) / Q16_SCALE;
            xs.extend([
                h,
                f32::from_bits(h.to_bits() + 1),
                f32::from_bits(h.to_bits() - 1),
            ]);
        }
        for x in xs {
            assert_eq!(i16::from_llr(x), reference(x), "{x:e}");
        }
        assert_eq!(i16::from_llr(0.49999997 / Q16_SCALE), 0);
        assert_eq!(
            i16::from_llr(f32::NAN),
            -32767,
            "never reached (NaN is rejected) but sound"
        );
        assert_eq!(i16::from_llr(-0.5 / Q16_SCALE), -1);
    }
}
