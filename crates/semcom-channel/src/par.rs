//! Thread-count independent data parallelism: fixed-size chunks, one derived seed per chunk.
//!
//! Every random draw of a chunk comes from `rng_for(derive_seed(base, [chunk index]), 0)`,
//! so results are identical whatever the number of rayon threads (see `semcom_core::rng`).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use semcom_core::rng::{derive_seed, rng_for, SemRng};
use semcom_core::Complex32;

/// Items (symbols or bits) per work item. Fixed: changing it changes the random draws.
pub const CHUNK: usize = 1 << 14;

/// The generator of chunk `idx` under the base seed `base`.
pub fn chunk_rng(base: u64, idx: usize) -> SemRng {
    rng_for(derive_seed(base, &[idx as u64]), 0)
}

/// Draws the base seed of one parallel operation from the caller's generator.
pub fn base_seed(rng: &mut SemRng) -> u64 {
    rng.random()
}

/// Maps `x` chunk-wise to a vector of `x.len() * out_per_in` outputs in parallel.
/// `f(chunk_index, input_chunk, output_chunk)`.
pub fn par_map<A, B, F>(x: &[A], out_per_in: usize, f: F) -> Vec<B>
where
    A: Sync,
    B: Send + Clone + Default,
    F: Fn(usize, &[A], &mut [B]) + Sync,
{
    let mut out = vec![B::default(); x.len() * out_per_in];
    if out_per_in == 0 {
        return out;
    }
    out.par_chunks_mut(CHUNK * out_per_in)
        .zip(x.par_chunks(CHUNK))
        .enumerate()
        .for_each(|(i, (o, a))| f(i, a, o));
    out
}

/// Like [`par_map`] with a per-chunk seeded generator: `f(chunk_index, input, output, rng)`.
pub fn par_map_seeded<A, B, F>(x: &[A], out_per_in: usize, base: u64, f: F) -> Vec<B>
where
    A: Sync,
    B: Send + Clone + Default,
    F: Fn(usize, &[A], &mut [B], &mut SemRng) + Sync,
{
    par_map(x, out_per_in, |i, a, o| f(i, a, o, &mut chunk_rng(base, i)))
}

/// One standard complex Gaussian CN(0, 2·s²) sample scaled so each real part has std `s`.
#[inline]
pub fn complex_normal(rng: &mut SemRng, s: f32) -> Complex32 {
    let re: f32 = StandardNormal.sample(rng);
    let im: f32 = StandardNormal.sample(rng);
    Complex32::new(s * re, s * im)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_is_thread_count_independent() {
        let x: Vec<u32> = (0..(3 * CHUNK + 17) as u32).collect();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                par_map_seeded(&x, 2, 9, |_, a, o: &mut [u64], rng| {
                    for (i, v) in a.iter().enumerate() {
                        o[2 * i] = *v as u64;
                        o[2 * i + 1] = rng.random();
                    }
                })
            })
        };
        let a = run(1);
        assert_eq!(a.len(), 2 * x.len());
        assert_eq!(a, run(2));
        assert_eq!(a, run(3));
    }
}
