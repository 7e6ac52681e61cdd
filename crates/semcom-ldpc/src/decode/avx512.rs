//! AVX-512 (F + BW) kernels of layered min-sum: 32 i16 lanes (saturating) or 16 f32 lanes per
//! 512-bit register, explicit `std::arch` intrinsics with mask registers for the selects. Each
//! step mirrors the scalar reference of [`Lane`](super::minsum::Lane) operation by operation,
//! so the results are bit-identical to the other paths.

#![cfg(target_arch = "x86_64")]

use super::kernel::{intrinsic_basics, Decoded, Job, Kernel, State};
use super::minsum::run_generic;
use super::simd::SimdPath;
use std::arch::x86_64::*;

/// The decode compiled with AVX-512 F/BW/VL (and AVX2).
///
/// # Safety
/// The CPU must support the enabled features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma")]
pub(crate) unsafe fn run<K: Kernel>(job: Job) -> Decoded {
    run_generic::<K>(job)
}

/// 32 i16 lanes.
pub(crate) struct I16;

/// 16 f32 lanes.
pub(crate) struct F32;

impl Kernel for I16 {
    intrinsic_basics!(
        i16,
        __m512i,
        _mm512_loadu_si512,
        _mm512_storeu_si512,
        _mm512_set1_epi16,
        _mm512_setzero_si512
    );
    const W: usize = 32;
    const PATH: SimdPath = SimdPath::Avx512;
    /// Parities in the sign bits.
    type H = __m512i;

    /// As the AVX2 kernel, with the select on a mask register.
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: __m512i, r: __m512i, k: __m512i) -> __m512i {
        let x = _mm512_max_epi16(_mm512_subs_epi16(l, r), _mm512_set1_epi16(-i16::MAX));
        let a = _mm512_abs_epi16(x);
        let lt = _mm512_cmplt_epi16_mask(a, s.m1);
        s.m2 = _mm512_min_epi16(s.m2, _mm512_max_epi16(a, s.m1));
        s.idx = _mm512_mask_blend_epi16(lt, s.idx, k);
        s.m1 = _mm512_min_epi16(s.m1, a);
        s.sg = _mm512_xor_si512(s.sg, x);
        x
    }
    #[inline(always)]
    unsafe fn scale(m: __m512i, a: __m512i) -> __m512i {
        _mm512_mulhi_epu16(_mm512_slli_epi16::<1>(m), a)
    }
    #[inline(always)]
    unsafe fn offset(m: __m512i, b: __m512i) -> __m512i {
        _mm512_max_epi16(_mm512_subs_epi16(m, b), _mm512_setzero_si512())
    }
    /// R = (idx = k ? m2 : m1), negated (0 − R) where sg ⊕ t is negative;
    /// L = max(t +sat R, −32767).
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: __m512i, k: __m512i) -> (__m512i, __m512i) {
        let mag = _mm512_mask_blend_epi16(_mm512_cmpeq_epi16_mask(s.idx, k), s.m1, s.m2);
        let neg = _mm512_movepi16_mask(_mm512_xor_si512(s.sg, t));
        let r = _mm512_mask_sub_epi16(mag, neg, _mm512_setzero_si512(), mag);
        let l = _mm512_max_epi16(_mm512_adds_epi16(t, r), _mm512_set1_epi16(-i16::MAX));
        (r, l)
    }
    #[inline(always)]
    unsafe fn h_zero() -> __m512i {
        _mm512_setzero_si512()
    }
    #[inline(always)]
    unsafe fn h_xor(acc: __m512i, l: __m512i) -> __m512i {
        _mm512_xor_si512(acc, l)
    }
    #[inline(always)]
    unsafe fn h_or(a: __m512i, b: __m512i) -> __m512i {
        _mm512_or_si512(a, b)
    }
    #[inline(always)]
    unsafe fn h_any(h: __m512i) -> bool {
        _mm512_movepi16_mask(h) != 0
    }
}

/// Bitwise `f(a, b)` of two f32 vectors (AVX-512F has the logic ops on integers only).
#[inline(always)]
unsafe fn bits(a: __m512, b: __m512, f: impl Fn(__m512i, __m512i) -> __m512i) -> __m512 {
    _mm512_castsi512_ps(f(_mm512_castps_si512(a), _mm512_castps_si512(b)))
}

/// The f32 sign bit in every lane.
#[inline(always)]
unsafe fn sign_ps() -> __m512 {
    _mm512_castsi512_ps(_mm512_set1_epi32(i32::MIN))
}

impl Kernel for F32 {
    intrinsic_basics!(
        f32,
        __m512,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_set1_ps,
        _mm512_setzero_ps
    );
    const W: usize = 16;
    const PATH: SimdPath = SimdPath::Avx512;
    /// Parities as a lane mask.
    type H = __mmask16;

    /// As the AVX2 kernel, with the selects on mask registers.
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: __m512, r: __m512, k: __m512) -> __m512 {
        let x = _mm512_sub_ps(l, r);
        let a = bits(sign_ps(), x, |a, b| _mm512_andnot_si512(a, b));
        let lt = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, s.m1);
        s.m2 = _mm512_min_ps(_mm512_mask_blend_ps(lt, a, s.m1), s.m2);
        s.idx = _mm512_mask_blend_ps(lt, s.idx, k);
        s.m1 = _mm512_min_ps(a, s.m1);
        s.sg = bits(s.sg, x, |a, b| _mm512_xor_si512(a, b));
        x
    }
    #[inline(always)]
    unsafe fn scale(m: __m512, a: __m512) -> __m512 {
        _mm512_mul_ps(m, a)
    }
    #[inline(always)]
    unsafe fn offset(m: __m512, b: __m512) -> __m512 {
        _mm512_max_ps(_mm512_sub_ps(m, b), _mm512_setzero_ps())
    }
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: __m512, k: __m512) -> (__m512, __m512) {
        let mag = _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(s.idx, k), s.m1, s.m2);
        let sign = bits(
            bits(s.sg, t, |a, b| _mm512_xor_si512(a, b)),
            sign_ps(),
            |a, b| _mm512_and_si512(a, b),
        );
        let r = bits(mag, sign, |a, b| _mm512_or_si512(a, b));
        (r, _mm512_add_ps(t, r))
    }
    #[inline(always)]
    unsafe fn h_zero() -> __mmask16 {
        0
    }
    #[inline(always)]
    unsafe fn h_xor(acc: __mmask16, l: __m512) -> __mmask16 {
        acc ^ _mm512_cmp_ps_mask::<_CMP_LT_OQ>(l, _mm512_setzero_ps())
    }
    #[inline(always)]
    unsafe fn h_or(a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    unsafe fn h_any(h: __mmask16) -> bool {
        h != 0
    }
}
