//! Rayleigh flat fading y = h·x + n, h ~ CN(0, 1) (E|h|² = 1, so the SNR is the average
//! Es/N0), n ~ CN(0, N0), with perfect CSI at the receiver.
//!
//! * **Fast** fading: an independent h per symbol.
//! * **Block** fading: one h per block of `block_len` symbols; `block_len = 0` means one h for
//!   the whole transmission (per image — the multiplicative h ~ CN(0,1) model of the video paper).
//!
//! **Output.** With an equaliser (`Some(Zf|Mmse)`, the default is ZF) the model returns the
//! equalised symbols, `csi` empty and the per-symbol effective noise variance (see
//! [`crate::equalize`]); digital schemes demap with that per-symbol variance. With no
//! equaliser it returns the raw y = h·x + n, `csi = h` and `noise_var = [N0]`.

use crate::awgn::noise_var;
use crate::equalize::{equalize_one, Equalizer};
use crate::par::{base_seed, complex_normal, par_map_seeded, CHUNK};
use semcom_core::rng::derive_seed;
use semcom_core::{
    chain::Received, error::check_snr_db, rng::SemRng, ChannelModel, Complex32, Result,
};
use std::f32::consts::FRAC_1_SQRT_2;

/// How often the fading coefficient changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fading {
    /// One h per symbol.
    Fast,
    /// One h per block of this many symbols (0 = one h per transmission).
    Block(usize),
}

/// Rayleigh flat fading with perfect CSI and optional single-tap equalisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Rayleigh {
    /// Coherence of h.
    pub fading: Fading,
    /// Receiver equaliser (`None` = return y, h and N0 unequalised).
    pub equalizer: Option<Equalizer>,
}

impl Rayleigh {
    /// Draws h ~ CN(0, 1) for `n` symbols from the seed `base`.
    pub fn draw_gains(&self, n: usize, base: u64) -> Vec<Complex32> {
        let dummy = vec![(); n];
        match self.fading {
            Fading::Fast => par_map_seeded(&dummy, 1, base, |_, _, o, rng| {
                o.iter_mut()
                    .for_each(|h| *h = complex_normal(rng, FRAC_1_SQRT_2));
            }),
            Fading::Block(len) => {
                let len = if len == 0 { n.max(1) } else { len };
                // Block b's gain comes from the generator of chunk ⌊b / CHUNK⌋, draw b mod CHUNK.
                let blocks: Vec<()> = vec![(); n.div_ceil(len)];
                let hb = par_map_seeded(&blocks, 1, base, |_, _, o, rng| {
                    o.iter_mut()
                        .for_each(|h| *h = complex_normal(rng, FRAC_1_SQRT_2));
                });
                (0..n).map(|i| hb[i / len]).collect()
            }
        }
    }
}

impl ChannelModel for Rayleigh {
    fn name(&self) -> String {
        match self.fading {
            Fading::Fast => "rayleigh-fast".into(),
            Fading::Block(_) => "rayleigh-block".into(),
        }
    }
    fn transmit_symbols(&self, x: &[Complex32], snr_db: f64, rng: &mut SemRng) -> Result<Received> {
        check_snr_db(snr_db)?;
        let n0 = noise_var(snr_db) as f32;
        let s = (n0 / 2.0).sqrt();
        let base = base_seed(rng);
        let h = self.draw_gains(x.len(), derive_seed(base, &[1]));
        let eq = self.equalizer;
        // Output pairs (y or x̂, effective noise variance).
        let out: Vec<(Complex32, f32)> =
            par_map_seeded(x, 1, derive_seed(base, &[0]), |ci, a, o, rng| {
                let hs = &h[ci * CHUNK..ci * CHUNK + a.len()];
                for ((oi, &xi), &hi) in o.iter_mut().zip(a).zip(hs) {
                    let y = hi * xi + complex_normal(rng, s);
                    *oi = match eq {
                        Some(e) => equalize_one(y, hi, n0, e),
                        None => (y, n0),
                    };
                }
            });
        let y = out.iter().map(|p| p.0).collect();
        Ok(match eq {
            Some(_) => Received::Symbols {
                y,
                csi: vec![],
                noise_var: out.iter().map(|p| p.1).collect(),
            },
            None => Received::Symbols {
                y,
                csi: h,
                noise_var: vec![n0],
            },
        })
    }
}
