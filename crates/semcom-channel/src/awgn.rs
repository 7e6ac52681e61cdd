//! Complex AWGN channel: y = x + n, n ~ CN(0, N0), N0 = 10^(−SNR/10) (Es/N0 per complex
//! channel use with unit symbol power; N0/2 per real dimension), and its real-valued twin.

use crate::par::{base_seed, complex_normal, par_map_seeded};
use rand_distr::{Distribution, StandardNormal};
use semcom_core::{
    chain::Received, error::check_snr_db, rng::SemRng, ChannelModel, Complex32, Result,
};

/// Complex additive white Gaussian noise at Es/N0 = SNR (unit symbol power).
#[derive(Clone, Debug, Default)]
pub struct Awgn;

/// Complex noise variance N0 = 10^(−SNR/10) for an SNR in dB (unit signal power).
pub fn noise_var(snr_db: f64) -> f64 {
    10f64.powf(-snr_db / 10.0)
}

/// y = x + n with n ~ CN(0, n0), drawn in parallel chunks from `base` (thread-count independent).
pub fn add_awgn(x: &[Complex32], n0: f64, base: u64) -> Vec<Complex32> {
    let s = (n0 / 2.0).sqrt() as f32;
    par_map_seeded(x, 1, base, |_, a, o, rng| {
        for (oi, &xi) in o.iter_mut().zip(a) {
            *oi = xi + complex_normal(rng, s);
        }
    })
}

/// The noise samples n ~ CN(0, N0) that [`Awgn`]'s `transmit_symbols` would add to `n`
/// symbols with the same generator state (it consumes one `u64` from `rng` as the base seed,
/// then chunk c of 16384 symbols draws re, im per symbol from
/// `rng_for(derive_seed(base, [c]), 0)`). For training paths that must reproduce the
/// simulation path exactly.
pub fn awgn_noise(n: usize, snr_db: f64, rng: &mut SemRng) -> Result<Vec<Complex32>> {
    check_snr_db(snr_db)?;
    Ok(add_awgn(
        &vec![Complex32::new(0.0, 0.0); n],
        noise_var(snr_db),
        base_seed(rng),
    ))
}

/// Real AWGN for real-valued signals at the same convention: each real sample is half of a
/// complex channel use (average power 1/2 per real for P = 1), so the noise is N(0, N0/2)
/// per sample, N0 = 10^(−SNR/10). Equivalent to pairing the reals with
/// [`semcom_core::chain::reals_to_complex`] and sending them over [`Awgn`].
pub fn add_awgn_real(x: &[f32], snr_db: f64, rng: &mut SemRng) -> Result<Vec<f32>> {
    check_snr_db(snr_db)?;
    let s = (noise_var(snr_db) / 2.0).sqrt() as f32;
    Ok(par_map_seeded(x, 1, base_seed(rng), |_, a, o, rng| {
        for (oi, &xi) in o.iter_mut().zip(a) {
            let z: f32 = StandardNormal.sample(rng);
            *oi = xi + s * z;
        }
    }))
}

impl ChannelModel for Awgn {
    fn name(&self) -> String {
        "awgn".into()
    }
    /// y = x + n, `csi` empty, `noise_var = [N0]`.
    fn transmit_symbols(&self, x: &[Complex32], snr_db: f64, rng: &mut SemRng) -> Result<Received> {
        check_snr_db(snr_db)?;
        let n0 = noise_var(snr_db);
        let y = add_awgn(x, n0, base_seed(rng));
        Ok(Received::Symbols {
            y,
            csi: vec![],
            noise_var: vec![n0 as f32],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use semcom_core::rng::rng_for;

    #[test]
    fn noise_helper_reproduces_the_channel() {
        let x: Vec<Complex32> = (0..40_000)
            .map(|i| Complex32::new((i % 3) as f32 - 1.0, 0.5))
            .collect();
        let Received::Symbols { y, .. } =
            Awgn.transmit_symbols(&x, 3.0, &mut rng_for(4, 1)).unwrap()
        else {
            panic!("symbols")
        };
        let n = awgn_noise(x.len(), 3.0, &mut rng_for(4, 1)).unwrap();
        assert!(x
            .iter()
            .zip(&y)
            .zip(&n)
            .all(|((a, b), c)| (b - a - c).norm() < 1e-6));
    }
}
