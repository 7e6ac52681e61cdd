//! AVX2 kernels of layered min-sum: 16 i16 lanes (saturating) or 8 f32 lanes per 256-bit
//! register, explicit `std::arch` intrinsics. Each step mirrors the scalar reference of
//! [`Lane`](super::minsum::Lane) operation by operation (`minps`/`maxps` operand order
//! included), so the results are bit-identical to the other paths.

#![cfg(target_arch = "x86_64")]

use super::kernel::{Kernel, State, VRule};
use super::minsum::{run_generic, Rule};
use super::simd::SimdPath;
use super::QcDecoder;
use std::arch::x86_64::*;

/// The decode compiled with AVX2.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn run<K: Kernel>(
    dec: &QcDecoder,
    chan: &[f32],
    rule: Rule,
    max_iter: usize,
    early_stop: bool,
) -> (Vec<f32>, usize, bool) {
    run_generic::<K>(dec, chan, rule, max_iter, early_stop)
}

/// 16 i16 lanes.
pub(crate) struct I16;

/// 8 f32 lanes.
pub(crate) struct F32;

impl Kernel for I16 {
    type T = i16;
    const W: usize = 16;
    const PATH: SimdPath = SimdPath::Avx2;
    type V = __m256i;
    type State = State<__m256i>;
    type Idx = __m256i;
    type H = __m256i;

    #[inline(always)]
    unsafe fn load(p: *const i16) -> __m256i {
        _mm256_loadu_si256(p as *const __m256i)
    }
    #[inline(always)]
    unsafe fn store(p: *mut i16, v: __m256i) {
        _mm256_storeu_si256(p as *mut __m256i, v)
    }
    #[inline(always)]
    unsafe fn index(k: usize) -> __m256i {
        _mm256_set1_epi16(k as i16)
    }
    #[inline(always)]
    unsafe fn consts(rule: Rule) -> VRule<__m256i> {
        match <i16 as super::minsum::Lane>::consts(rule) {
            VRule::Scale(a) => VRule::Scale(_mm256_set1_epi16(a)),
            VRule::Offset(b) => VRule::Offset(_mm256_set1_epi16(b)),
        }
    }
    #[inline(always)]
    unsafe fn init() -> Self::State {
        State {
            m1: _mm256_set1_epi16(i16::MAX),
            m2: _mm256_set1_epi16(i16::MAX),
            idx: _mm256_setzero_si256(),
            sg: _mm256_setzero_si256(),
        }
    }
    /// x = max(l −sat r, −32767); a = |x|; m2 = min(m2, max(a, m1)) (the select
    /// `a < m1 ? m1 : a` then min, for integers); idx = a < m1 ? k : idx; m1 = min(m1, a).
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: __m256i, r: __m256i, k: __m256i) -> __m256i {
        let x = _mm256_max_epi16(_mm256_subs_epi16(l, r), _mm256_set1_epi16(-i16::MAX));
        let a = _mm256_abs_epi16(x);
        let lt = _mm256_cmpgt_epi16(s.m1, a);
        s.m2 = _mm256_min_epi16(s.m2, _mm256_max_epi16(a, s.m1));
        s.idx = _mm256_blendv_epi8(s.idx, k, lt);
        s.m1 = _mm256_min_epi16(s.m1, a);
        s.sg = _mm256_xor_si256(s.sg, x);
        x
    }
    /// ⌊α·m⌋ as the high half of (2m)·α_Q15 (unsigned: 2m ≤ 65534), or max(m −sat β, 0).
    #[inline(always)]
    unsafe fn correct(s: &mut Self::State, c: VRule<__m256i>) {
        match c {
            VRule::Scale(a) => {
                s.m1 = _mm256_mulhi_epu16(_mm256_slli_epi16::<1>(s.m1), a);
                s.m2 = _mm256_mulhi_epu16(_mm256_slli_epi16::<1>(s.m2), a);
            }
            VRule::Offset(b) => {
                let z = _mm256_setzero_si256();
                s.m1 = _mm256_max_epi16(_mm256_subs_epi16(s.m1, b), z);
                s.m2 = _mm256_max_epi16(_mm256_subs_epi16(s.m2, b), z);
            }
        }
    }
    /// R = sign(sg ⊕ t) · (idx = k ? m2 : m1) (`psignw` by (sg ⊕ t) | 1, never zero);
    /// L = max(t +sat R, −32767).
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: __m256i, k: __m256i) -> (__m256i, __m256i) {
        let mag = _mm256_blendv_epi8(s.m1, s.m2, _mm256_cmpeq_epi16(s.idx, k));
        let sign = _mm256_or_si256(_mm256_xor_si256(s.sg, t), _mm256_set1_epi16(1));
        let r = _mm256_sign_epi16(mag, sign);
        let l = _mm256_max_epi16(_mm256_adds_epi16(t, r), _mm256_set1_epi16(-i16::MAX));
        (r, l)
    }
    #[inline(always)]
    unsafe fn h_zero() -> __m256i {
        _mm256_setzero_si256()
    }
    /// Parities live in the sign bits.
    #[inline(always)]
    unsafe fn h_xor(acc: __m256i, l: __m256i) -> __m256i {
        _mm256_xor_si256(acc, l)
    }
    #[inline(always)]
    unsafe fn h_or(a: __m256i, b: __m256i) -> __m256i {
        _mm256_or_si256(a, b)
    }
    #[inline(always)]
    unsafe fn h_any(h: __m256i) -> bool {
        (_mm256_movemask_epi8(h) as u32) & 0xAAAA_AAAA != 0
    }
    unsafe fn run(
        dec: &QcDecoder,
        chan: &[f32],
        rule: Rule,
        max_iter: usize,
        early_stop: bool,
    ) -> (Vec<f32>, usize, bool) {
        run::<Self>(dec, chan, rule, max_iter, early_stop)
    }
}

/// The f32 sign bit in every lane.
#[inline(always)]
unsafe fn sign_ps() -> __m256 {
    _mm256_castsi256_ps(_mm256_set1_epi32(i32::MIN))
}

impl Kernel for F32 {
    type T = f32;
    const W: usize = 8;
    const PATH: SimdPath = SimdPath::Avx2;
    type V = __m256;
    type State = State<__m256>;
    /// The edge index as an f32 (exact), compared in the float domain.
    type Idx = __m256;
    type H = __m256;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn index(k: usize) -> __m256 {
        _mm256_set1_ps(k as f32)
    }
    #[inline(always)]
    unsafe fn consts(rule: Rule) -> VRule<__m256> {
        match <f32 as super::minsum::Lane>::consts(rule) {
            VRule::Scale(a) => VRule::Scale(_mm256_set1_ps(a)),
            VRule::Offset(b) => VRule::Offset(_mm256_set1_ps(b)),
        }
    }
    #[inline(always)]
    unsafe fn init() -> Self::State {
        State {
            m1: _mm256_set1_ps(f32::MAX),
            m2: _mm256_set1_ps(f32::MAX),
            idx: _mm256_setzero_ps(),
            sg: _mm256_setzero_ps(),
        }
    }
    /// x = l − r; a = |x| (sign bit cleared); lt = a < m1; m2 = minps(lt ? m1 : a, m2);
    /// idx = lt ? k : idx; m1 = minps(a, m1) (= lt ? a : m1).
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: __m256, r: __m256, k: __m256) -> __m256 {
        let x = _mm256_sub_ps(l, r);
        let a = _mm256_andnot_ps(sign_ps(), x);
        let lt = _mm256_cmp_ps::<_CMP_LT_OQ>(a, s.m1);
        s.m2 = _mm256_min_ps(_mm256_blendv_ps(a, s.m1, lt), s.m2);
        s.idx = _mm256_blendv_ps(s.idx, k, lt);
        s.m1 = _mm256_min_ps(a, s.m1);
        s.sg = _mm256_xor_ps(s.sg, x);
        x
    }
    /// α·m (a plain multiply), or maxps(m − β, 0) (= x > 0 ? x : 0).
    #[inline(always)]
    unsafe fn correct(s: &mut Self::State, c: VRule<__m256>) {
        match c {
            VRule::Scale(a) => {
                s.m1 = _mm256_mul_ps(s.m1, a);
                s.m2 = _mm256_mul_ps(s.m2, a);
            }
            VRule::Offset(b) => {
                let z = _mm256_setzero_ps();
                s.m1 = _mm256_max_ps(_mm256_sub_ps(s.m1, b), z);
                s.m2 = _mm256_max_ps(_mm256_sub_ps(s.m2, b), z);
            }
        }
    }
    /// R = (idx = k ? m2 : m1) | ((sg ⊕ t) & sign); L = t + R.
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: __m256, k: __m256) -> (__m256, __m256) {
        let mag = _mm256_blendv_ps(s.m1, s.m2, _mm256_cmp_ps::<_CMP_EQ_OQ>(s.idx, k));
        let r = _mm256_or_ps(mag, _mm256_and_ps(_mm256_xor_ps(s.sg, t), sign_ps()));
        (r, _mm256_add_ps(t, r))
    }
    #[inline(always)]
    unsafe fn h_zero() -> __m256 {
        _mm256_setzero_ps()
    }
    /// acc ⊕ (l < 0) as all-ones lanes (−0 counts as bit 0, as in the scalar reference).
    #[inline(always)]
    unsafe fn h_xor(acc: __m256, l: __m256) -> __m256 {
        _mm256_xor_ps(acc, _mm256_cmp_ps::<_CMP_LT_OQ>(l, _mm256_setzero_ps()))
    }
    #[inline(always)]
    unsafe fn h_or(a: __m256, b: __m256) -> __m256 {
        _mm256_or_ps(a, b)
    }
    #[inline(always)]
    unsafe fn h_any(h: __m256) -> bool {
        _mm256_movemask_ps(h) != 0
    }
    unsafe fn run(
        dec: &QcDecoder,
        chan: &[f32],
        rule: Rule,
        max_iter: usize,
        early_stop: bool,
    ) -> (Vec<f32>, usize, bool) {
        run::<Self>(dec, chan, rule, max_iter, early_stop)
    }
}
