//! The vector steps of layered min-sum on W lanes of one instruction-set path. The layer loop
//! (`minsum::run_generic`) is written once over this trait; each path implements the steps
//! with the same per-lane operations in the same order as the scalar reference of
//! [`Lane`], so every path gives bit-identical results.

use super::minsum::{Lane, Rule};
use super::simd::SimdPath;
use super::QcDecoder;
use std::marker::PhantomData;

/// Correction constants of a rule, broadcast to a vector.
#[derive(Clone, Copy)]
pub(crate) enum VRule<V> {
    /// Normalised: α (f32) or α in Q15 (i16).
    Scale(V),
    /// Offset: β in lane units.
    Offset(V),
}

/// Running min1, min2, argmin and sign product of W check nodes, one vector each (the state
/// of the intrinsic kernels).
#[derive(Clone, Copy)]
pub(crate) struct State<V> {
    pub(crate) m1: V,
    pub(crate) m2: V,
    pub(crate) idx: V,
    pub(crate) sg: V,
}

/// The arguments of one decode.
#[derive(Clone, Copy)]
pub(crate) struct Job<'a> {
    /// The decoder (graph and used rows).
    pub(crate) dec: &'a QcDecoder,
    /// Sanitised channel LLRs.
    pub(crate) chan: &'a [f32],
    /// Correction rule.
    pub(crate) rule: Rule,
    /// Maximum number of iterations.
    pub(crate) max_iter: usize,
    /// Stop on a zero syndrome.
    pub(crate) early_stop: bool,
}

/// Posterior LLRs, iterations run, converged.
pub(crate) type Decoded = (Vec<f32>, usize, bool);

/// W lanes of [`Kernel::T`] on one instruction-set path.
///
/// # Safety
/// Every `unsafe fn` may only run on a CPU that supports [`Kernel::PATH`]; `load`/`store`
/// need W valid lanes at the pointer.
pub(crate) trait Kernel {
    /// The lane type (f32 or i16).
    type T: Lane;
    /// Lanes per vector.
    const W: usize;
    /// The instruction-set path the vector steps need.
    const PATH: SimdPath;
    /// W lanes of messages.
    type V: Copy;
    /// W check nodes' running min1, min2, argmin and sign product.
    type State: Copy;
    /// An edge index broadcast to the lanes.
    type Idx: Copy;
    /// W hard-decision parities.
    type H: Copy;

    /// Unaligned load of W lanes.
    unsafe fn load(p: *const Self::T) -> Self::V;
    /// Unaligned store of W lanes.
    unsafe fn store(p: *mut Self::T, v: Self::V);
    /// A lane value broadcast.
    unsafe fn splat(x: Self::T) -> Self::V;
    /// Edge index `k` broadcast.
    unsafe fn index(k: usize) -> Self::Idx;
    /// State before the first edge of a layer (minima at the maximum, index 0, sign +).
    unsafe fn init() -> Self::State;
    /// The two running minima of a state.
    fn minima(s: &mut Self::State) -> (&mut Self::V, &mut Self::V);
    /// t = L − R_old of edge `k`, folded into the running minima and sign; returns t.
    unsafe fn accumulate(s: &mut Self::State, l: Self::V, r: Self::V, k: Self::Idx) -> Self::V;
    /// The normalised correction of magnitudes `m` by `a` (α, in Q15 for i16).
    unsafe fn scale(m: Self::V, a: Self::V) -> Self::V;
    /// The offset correction of magnitudes `m` by `b` (β, floored at 0).
    unsafe fn offset(m: Self::V, b: Self::V) -> Self::V;
    /// New message R of edge `k` (sign · corrected min1, or min2 at the argmin) and posterior
    /// L = t + R; returns (R, L).
    unsafe fn distribute(s: &Self::State, t: Self::V, k: Self::Idx) -> (Self::V, Self::V);
    /// All parities zero.
    unsafe fn h_zero() -> Self::H;
    /// `acc ⊕ (l < 0)` per lane.
    unsafe fn h_xor(acc: Self::H, l: Self::V) -> Self::H;
    /// Lane-wise or.
    unsafe fn h_or(a: Self::H, b: Self::H) -> Self::H;
    /// Whether any lane's parity is one.
    unsafe fn h_any(h: Self::H) -> bool;

    /// Correction constants broadcast.
    #[inline(always)]
    unsafe fn consts(rule: Rule) -> VRule<Self::V> {
        match Self::T::consts(rule) {
            VRule::Scale(a) => VRule::Scale(Self::splat(a)),
            VRule::Offset(b) => VRule::Offset(Self::splat(b)),
        }
    }
    /// Applies the correction rule to both minima.
    #[inline(always)]
    unsafe fn correct(s: &mut Self::State, c: VRule<Self::V>) {
        let (m1, m2) = Self::minima(s);
        match c {
            VRule::Scale(a) => (*m1, *m2) = (Self::scale(*m1, a), Self::scale(*m2, a)),
            VRule::Offset(b) => (*m1, *m2) = (Self::offset(*m1, b), Self::offset(*m2, b)),
        }
    }
}

/// The decode on kernel `K`, compiled for its path (so that every step inlines).
///
/// # Safety
/// The CPU must support `K::PATH`.
pub(crate) unsafe fn run<K: Kernel>(job: Job) -> Decoded {
    match K::PATH {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx512 => super::avx512::run::<K>(job),
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 => super::avx2::run::<K>(job),
        _ => super::minsum::run_generic::<K>(job),
    }
}

/// The items every intrinsic kernel shares: lane and vector types, [`State`] of vectors, the
/// index as a vector of lane values, unaligned loads/stores, broadcasts and the initial state.
macro_rules! intrinsic_basics {
    ($lane:ty, $v:ty, $loadu:path, $storeu:path, $set1:path, $zero:path) => {
        type T = $lane;
        type V = $v;
        type State = State<$v>;
        type Idx = $v;
        #[inline(always)]
        unsafe fn load(p: *const $lane) -> $v {
            $loadu(p as *const _)
        }
        #[inline(always)]
        unsafe fn store(p: *mut $lane, v: $v) {
            $storeu(p as *mut _, v)
        }
        #[inline(always)]
        unsafe fn splat(x: $lane) -> $v {
            $set1(x)
        }
        #[inline(always)]
        unsafe fn index(k: usize) -> $v {
            $set1(k as $lane)
        }
        #[inline(always)]
        unsafe fn init() -> State<$v> {
            let max = $set1(<$lane as super::minsum::Lane>::MAX);
            State {
                m1: max,
                m2: max,
                idx: $zero(),
                sg: $zero(),
            }
        }
        #[inline(always)]
        fn minima(s: &mut State<$v>) -> (&mut $v, &mut $v) {
            (&mut s.m1, &mut s.m2)
        }
    };
}
pub(crate) use intrinsic_basics;

/// The scalar reference on N lanes held in arrays (plain Rust: the compiler may vectorise it
/// for the baseline target); `Portable<T, 1>` handles the lanes left over by any path when W
/// does not divide Zc.
pub(crate) struct Portable<T, const N: usize>(PhantomData<T>);

/// Running state of [`Portable`].
#[derive(Clone, Copy)]
pub(crate) struct PortableState<T: Lane, const N: usize> {
    m1: [T; N],
    m2: [T; N],
    idx: [T::Bits; N],
    sg: [T::Bits; N],
}

impl<T: Lane, const N: usize> Kernel for Portable<T, N> {
    type T = T;
    const W: usize = N;
    const PATH: SimdPath = SimdPath::Scalar;
    type V = [T; N];
    type State = PortableState<T, N>;
    type Idx = T::Bits;
    type H = [bool; N];

    #[inline(always)]
    unsafe fn load(p: *const T) -> [T; N] {
        std::ptr::read_unaligned(p as *const [T; N])
    }
    #[inline(always)]
    unsafe fn store(p: *mut T, v: [T; N]) {
        std::ptr::write_unaligned(p as *mut [T; N], v)
    }
    #[inline(always)]
    unsafe fn splat(x: T) -> [T; N] {
        [x; N]
    }
    #[inline(always)]
    unsafe fn index(k: usize) -> T::Bits {
        T::index(k)
    }
    #[inline(always)]
    unsafe fn init() -> Self::State {
        PortableState {
            m1: [T::MAX; N],
            m2: [T::MAX; N],
            idx: [T::Bits::default(); N],
            sg: [T::Bits::default(); N],
        }
    }
    #[inline(always)]
    unsafe fn accumulate(s: &mut Self::State, l: [T; N], r: [T; N], k: T::Bits) -> [T; N] {
        let mut t = [T::default(); N];
        for i in 0..N {
            t[i] = T::accumulate(
                l[i],
                r[i],
                &mut s.m1[i],
                &mut s.m2[i],
                &mut s.idx[i],
                &mut s.sg[i],
                k,
            );
        }
        t
    }
    fn minima(s: &mut Self::State) -> (&mut [T; N], &mut [T; N]) {
        (&mut s.m1, &mut s.m2)
    }
    #[inline(always)]
    unsafe fn scale(m: [T; N], a: [T; N]) -> [T; N] {
        std::array::from_fn(|i| T::correct(m[i], VRule::Scale(a[i])))
    }
    #[inline(always)]
    unsafe fn offset(m: [T; N], b: [T; N]) -> [T; N] {
        std::array::from_fn(|i| T::correct(m[i], VRule::Offset(b[i])))
    }
    #[inline(always)]
    unsafe fn distribute(s: &Self::State, t: [T; N], k: T::Bits) -> ([T; N], [T; N]) {
        let (mut r, mut l) = ([T::default(); N], [T::default(); N]);
        for i in 0..N {
            (r[i], l[i]) = T::distribute(t[i], s.m1[i], s.m2[i], s.idx[i], s.sg[i], k);
        }
        (r, l)
    }
    #[inline(always)]
    unsafe fn h_zero() -> [bool; N] {
        [false; N]
    }
    #[inline(always)]
    unsafe fn h_xor(acc: [bool; N], l: [T; N]) -> [bool; N] {
        std::array::from_fn(|i| acc[i] ^ (l[i] < T::default()))
    }
    #[inline(always)]
    unsafe fn h_or(a: [bool; N], b: [bool; N]) -> [bool; N] {
        std::array::from_fn(|i| a[i] | b[i])
    }
    #[inline(always)]
    unsafe fn h_any(h: [bool; N]) -> bool {
        h.iter().any(|&b| b)
    }
}
