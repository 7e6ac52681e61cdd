//! Test helpers: seeded random bits and BPSK over AWGN with exact LLRs L = 2y/σ².
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

pub type TestRng = rand_chacha::ChaCha8Rng;

pub fn rng(seed: u64) -> TestRng {
    TestRng::seed_from_u64(seed)
}

pub fn random_bits(rng: &mut TestRng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..2u8)).collect()
}

/// BPSK (0 → +1, 1 → −1) over real AWGN at Es/N0 = `esn0_db` per real symbol; returns LLRs.
pub fn bpsk_awgn(rng: &mut TestRng, bits: &[u8], esn0_db: f64) -> Vec<f32> {
    let sigma2 = 10f64.powf(-esn0_db / 10.0) / 2.0;
    let sigma = sigma2.sqrt();
    bits.iter()
        .map(|&b| {
            let n: f64 = StandardNormal.sample(rng);
            let y = (1.0 - 2.0 * b as f64) + sigma * n;
            (2.0 * y / sigma2) as f32
        })
        .collect()
}
