//! Uncoded link simulation: random bits → modulation → channel → (ZF if CSI) → hard decisions,
//! the measurement behind `semcom ber-sim` and the BER tests.

use crate::equalize::{equalize, Equalizer};
use crate::modulation::Modulation;
use crate::par::par_map_seeded;
use rand::Rng;
use semcom_core::rng::{derive_seed, rng_for};
use semcom_core::{chain::Received, ChannelModel, CoreError, Result};
use serde::{Deserialize, Serialize};

/// Symbols per simulation batch (fixed, so results do not depend on how a run is split).
pub const BATCH_SYMBOLS: usize = 1 << 18;

/// One measured BER point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BerPoint {
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Bits sent.
    pub bits: u64,
    /// Bit errors counted.
    pub errors: u64,
}

impl BerPoint {
    /// Measured BER = errors / bits.
    pub fn ber(&self) -> f64 {
        self.errors as f64 / self.bits.max(1) as f64
    }
}

/// `n` uniformly random bits (0/1 per byte) from `seed`, drawn per chunk (thread-count independent).
pub fn random_bits(n: usize, seed: u64) -> Vec<u8> {
    let unit = vec![(); n];
    par_map_seeded(&unit, 1, seed, |_, _, o: &mut [u8], r| {
        for c in o.chunks_mut(64) {
            let w: u64 = r.random();
            for (k, b) in c.iter_mut().enumerate() {
                *b = ((w >> k) & 1) as u8;
            }
        }
    })
}

/// Measures the uncoded BER of `m` over `channel` at `snr_db` with at least `n_bits` bits
/// (rounded up to whole symbols), in batches of [`BATCH_SYMBOLS`] symbols; batch b uses the
/// seeds `derive_seed(seed, [b])`. Received CSI (unequalised fading) is ZF-equalised.
/// `progress(bits_done)` is called after each batch.
pub fn simulate_ber(
    m: Modulation,
    channel: &dyn ChannelModel,
    snr_db: f64,
    n_bits: u64,
    seed: u64,
    mut progress: impl FnMut(u64),
) -> Result<BerPoint> {
    let q = m.bits_per_symbol() as u64;
    let n_sym = n_bits.div_ceil(q);
    let mut pt = BerPoint {
        snr_db,
        bits: 0,
        errors: 0,
    };
    let mut b = 0u64;
    while pt.bits < n_sym * q {
        let k = (n_sym - pt.bits / q).min(BATCH_SYMBOLS as u64) as usize;
        let s = derive_seed(seed, &[b]);
        let bits = random_bits(k * q as usize, derive_seed(s, &[0]));
        let x = m.modulate(&bits)?;
        let rx = channel.transmit_symbols(&x, snr_db, &mut rng_for(s, 1))?;
        let Received::Symbols { y, csi, noise_var } = rx else {
            return Err(CoreError::Payload(
                "channel returned bits for symbols".into(),
            ));
        };
        let y = if csi.is_empty() {
            y
        } else {
            equalize(&y, &csi, &noise_var, Equalizer::Zf)?.0
        };
        let hard = m.hard_decide(&y);
        pt.errors += hard.iter().zip(&bits).filter(|(a, b)| a != b).count() as u64;
        pt.bits += bits.len() as u64;
        b += 1;
        progress(pt.bits);
    }
    Ok(pt)
}
