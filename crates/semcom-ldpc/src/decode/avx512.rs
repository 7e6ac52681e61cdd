//! AVX-512 (F + BW) kernels of layered min-sum: 32 i16 lanes (saturating) or 16 f32 lanes per
//! 512-bit register, explicit `std::arch` intrinsics with mask registers for the selects. Each
//! step mirrors the scalar reference of [`Lane`](super::minsum::Lane) operation by operation,
//! so the results are bit-identical to the other paths.

#![cfg(target_arch = "x86_64")]

use super::kernel::{Kernel, State, VRule};
use super::minsum::{run_generic, Rule};
use super::simd::SimdPath;
use super::QcDecoder;
use std::arch::x86_64::*;

/// The decode compiled with AVX-512 F/BW/VL (and AVX2).
///
/// # Safety
/// The CPU must support the enabled features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma")]
unsafe fn run<K: Kernel>(
    dec: &QcDecoder,
    chan: &[f32],
    rule: Rule,
    max_iter: usize,
    early_stop: bool,
) -> (Vec<f32>, usize, bool) {
    run_generic::<K>(dec, chan, rule, max_iter, early_stop)
}

/// 32 i16 lanes.
pub(crate) struct I16;

/// 16 f32 lanes.
pub(crate) struct F32;

impl Kernel for I16 {
    type T = i16;
    const W: usize = 32;
    const PATH: SimdPath = SimdPath::Avx512;
    type V = __m512i;
    type State = State<__m512i>;
    type Idx = __m512i;
    type H = __m512i;

    #[inline(always)]
    unsafe fn load(p: *const i16) -> __m512i {
        _mm512_loadu_si512(p as *const _)
    }
    #[inline(always)]
    unsafe fn store(p: *mut i16, v: __m512i) {
        _mm512_storeu_si512(p as *mut _, v)
    }
    #[inline(always)]
    unsafe fn index(k: usize) -> __m512i {
        _mm512_set1_epi16(k as i16)
    }
    #[inline(always)]
    unsafe fn consts(rule: Rule) -> VRule<__m512i> {
        match <i16 as super::minsum::Lane>::consts(rule) {
            VRule::Scale(a) => VRule::Scale(_mm512_set1_epi16(a)),
            VRule::Offset(b) => VRule::Offset(_mm512_set1_epi16(b)),
        }
    }
    #[inline(always)]
    unsafe fn init() -> Self::State {
        State {
            m1: _mm512_set1_epi16(i16::MAX),
            m2: _mm512_set1_epi16(i16::MAX),
            idx: _mm512_setzero_si512(),
            sg: _mm512_setzero_si512(),
        }
    }
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
    unsafe fn correct(s: &mut Self::State, c: VRule<__m512i>) {
        match c {
            VRule::Scale(a) => {
                s.m1 = _mm512_mulhi_epu16(_mm512_slli_epi16::<1>(s.m1), a);
                s.m2 = _mm512_mulhi_epu16(_mm512_slli_epi16::<1>(s.m2), a);
            }
            VRule::Offset(b) => {
                let z = _mm512_setzero_si512();
                s.m1 = _mm512_max_epi16(_mm512_subs_epi16(s.m1, b), z);
                s.m2 = _mm512_max_epi16(_mm512_subs_epi16(s.m2, b), z);
            }
        }
    }
    /// R = (idx = k ? m2 : m1), negated (0 − R) where sg ⊕ t is negative; L = max(t +sat R, −32767).
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
unsafe fn sign_bits() -> __m512i {
    _mm512_set1_epi32(i32::MIN)
}

impl Kernel for F32 {
    type T = f32;
    const W: usize = 16;
    const PATH: SimdPath = SimdPath::Avx512;
    type V = __m512;
    type State = State<__m512>;
    type Idx = __m512;
    /// Parities as a lane mask.
    type H = __mmask16;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn index(k: usize) -> __m512 {
        _mm512_set1_ps(k as f32)
    }
    #[inline(always)]
    unsafe fn consts(rule: Rule) -> VRule<__m512> {
        match <f32 as super::minsum::Lane>::consts(rule) {
            VRule::Scale(a) => VRule::Scale(_mm512_set1_ps(a)),
            VRule::Offset(b) => VRule::Offset(_mm512_set1_ps(b)),
        }
    }
    #[inline(always)]
    unsafe fn init() -> Self::State {
        State {
            m1: _mm512_set1_ps(f32::MAX),
            m2: _mm512_set1_ps(f32::MAX),
            idx: _mm512_setzero_ps(),
            sg: _mm512_setzero_ps(),
        }
    }
    /// As the AVX2 kernel, with the selects on mask registers.
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: __m512, r: __m512, k: __m512) -> __m512 {
        let x = _mm512_sub_ps(l, r);
        let a = _mm512_castsi512_ps(_mm512_andnot_si512(sign_bits(), _mm512_castps_si512(x)));
        let lt = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, s.m1);
        s.m2 = _mm512_min_ps(_mm512_mask_blend_ps(lt, a, s.m1), s.m2);
        s.idx = _mm512_mask_blend_ps(lt, s.idx, k);
        s.m1 = _mm512_min_ps(a, s.m1);
        s.sg = _mm512_castsi512_ps(_mm512_xor_si512(
            _mm512_castps_si512(s.sg),
            _mm512_castps_si512(x),
        ));
        x
    }
    #[inline(always)]
    unsafe fn correct(s: &mut Self::State, c: VRule<__m512>) {
        match c {
            VRule::Scale(a) => {
                s.m1 = _mm512_mul_ps(s.m1, a);
                s.m2 = _mm512_mul_ps(s.m2, a);
            }
            VRule::Offset(b) => {
                let z = _mm512_setzero_ps();
                s.m1 = _mm512_max_ps(_mm512_sub_ps(s.m1, b), z);
                s.m2 = _mm512_max_ps(_mm512_sub_ps(s.m2, b), z);
            }
        }
    }
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: __m512, k: __m512) -> (__m512, __m512) {
        let mag = _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(s.idx, k), s.m1, s.m2);
        let sign = _mm512_and_si512(
            _mm512_xor_si512(_mm512_castps_si512(s.sg), _mm512_castps_si512(t)),
            sign_bits(),
        );
        let r = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), sign));
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
