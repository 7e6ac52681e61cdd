//! AVX2 kernels of layered min-sum: 16 i16 lanes (saturating) or 8 f32 lanes per 256-bit
//! register, explicit `std::arch` intrinsics. Each step mirrors the scalar reference of
//! [`Lane`](super::minsum::Lane) operation by operation (`minps`/`maxps` operand order
//! included), so the results are bit-identical to the other paths.

#![cfg(target_arch = "x86_64")]

use super::kernel::{intrinsic_basics, Decoded, Job, Kernel, State};
use super::minsum::run_generic;
use super::simd::SimdPath;
use std::arch::x86_64::*;

/// The decode compiled with AVX2.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn run<K: Kernel>(job: Job) -> Decoded {
    run_generic::<K>(job)
}

/// 16 i16 lanes.
pub(crate) struct I16;

/// 8 f32 lanes.
pub(crate) struct F32;

impl Kernel for I16 {
    intrinsic_basics!(
        i16,
        __m256i,
        _mm256_loadu_si256,
        _mm256_storeu_si256,
        _mm256_set1_epi16,
        _mm256_setzero_si256
    );
    const W: usize = 16;
    const PATH: SimdPath = SimdPath::Avx2;
    /// Parities in the sign bits.
    type H = __m256i;

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
    /// ⌊α·m⌋ as the high half of (2m)·α_Q15 (unsigned: 2m ≤ 65534).
    #[inline(always)]
    unsafe fn scale(m: __m256i, a: __m256i) -> __m256i {
        _mm256_mulhi_epu16(_mm256_slli_epi16::<1>(m), a)
    }
    #[inline(always)]
    unsafe fn offset(m: __m256i, b: __m256i) -> __m256i {
        _mm256_max_epi16(_mm256_subs_epi16(m, b), _mm256_setzero_si256())
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
}

/// The f32 sign bit in every lane.
#[inline(always)]
unsafe fn sign_ps() -> __m256 {
    _mm256_castsi256_ps(_mm256_set1_epi32(i32::MIN))
}

impl Kernel for F32 {
    intrinsic_basics!(
        f32,
        __m256,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_set1_ps,
        _mm256_setzero_ps
    );
    const W: usize = 8;
    const PATH: SimdPath = SimdPath::Avx2;
    /// Parities as all-ones lanes.
    type H = __m256;

    /// x = l − r; a = |x| (sign bit cleared); lt = a < m1; m2 = minps(lt ? m1 : a, m2);
    /// idx = lt ? k : idx (the index as an exact f32); m1 = minps(a, m1) (= lt ? a : m1).
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
    /// α·m (a plain multiply).
    #[inline(always)]
    unsafe fn scale(m: __m256, a: __m256) -> __m256 {
        _mm256_mul_ps(m, a)
    }
    /// maxps(m − β, 0) (= x > 0 ? x : 0).
    #[inline(always)]
    unsafe fn offset(m: __m256, b: __m256) -> __m256 {
        _mm256_max_ps(_mm256_sub_ps(m, b), _mm256_setzero_ps())
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
    /// acc ⊕ (l < 0) (−0 counts as bit 0, as in the scalar reference).
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
}
