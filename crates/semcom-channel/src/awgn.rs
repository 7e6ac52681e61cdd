//! Complex AWGN channel: y = x + n, n ~ CN(0, N0), N0 = 10^(−SNR/10).

use rand_distr::{Distribution, StandardNormal};
use semcom_core::{chain::Received, error::check_snr_db, rng::SemRng, ChannelModel, Complex32, Result};

/// Complex additive white Gaussian noise at Es/N0 = SNR (unit symbol power).
#[derive(Clone, Debug, Default)]
pub struct Awgn;

/// Complex noise variance N0 for an SNR in dB (unit signal power).
pub fn noise_var(snr_db: f64) -> f64 {
    10f64.powf(-snr_db / 10.0)
}

impl ChannelModel for Awgn {
    fn name(&self) -> String {
        "awgn".into()
    }
    fn transmit_symbols(&self, x: &[Complex32], snr_db: f64, rng: &mut SemRng) -> Result<Received> {
        check_snr_db(snr_db)?;
        let n0 = noise_var(snr_db);
        let s = (n0 / 2.0).sqrt() as f32;
        let y = x
            .iter()
            .map(|&xi| {
                let re: f32 = StandardNormal.sample(rng);
                let im: f32 = StandardNormal.sample(rng);
                xi + Complex32::new(s * re, s * im)
            })
            .collect();
        Ok(Received::Symbols { y, csi: vec![], noise_var: vec![n0 as f32] })
    }
}
