//! Bit channels: BSC(p), BEC(ε), the DS²C² block channel and Gilbert–Elliott packet loss.
//!
//! Input bits are 0/1 per byte (other values are refused). Erased positions in the output
//! carry the value [`ERASED`] (= 2). All draws come from the caller's seeded generator.

use crate::awgn::{add_awgn, noise_var};
use crate::error::{check_bits, check_prob, ChannelError};
use crate::par::{base_seed, par_map_seeded};
use rand::Rng;
use semcom_core::rng::{derive_seed, rng_for};
use semcom_core::{
    chain::Received, error::check_snr_db, rng::SemRng, ChannelModel, Complex32, CoreError, Result,
};

/// Value of an erased bit in [`Received::Bits`].
pub const ERASED: u8 = 2;

/// The `Payload` error of a bit-only channel asked to carry symbols.
fn symbols_refused(name: &str) -> CoreError {
    CoreError::Payload(format!(
        "channel '{name}' carries bits, not complex symbols"
    ))
}

/// P(event) = p as a 33-bit threshold on a uniform u32 (exact for p = 0 and p = 1).
fn threshold(p: f64) -> u64 {
    (p * 4_294_967_296.0).round() as u64
}

/// Applies `f(bit, hit)` to every bit, where `hit` is an independent Bernoulli(p) draw.
fn iid_bits(bits: &[u8], p: f64, rng: &mut SemRng, f: impl Fn(u8, bool) -> u8 + Sync) -> Vec<u8> {
    let t = threshold(p);
    par_map_seeded(bits, 1, base_seed(rng), |_, a, o, r| {
        for (oi, &b) in o.iter_mut().zip(a) {
            *oi = f(b, (r.random::<u32>() as u64) < t);
        }
    })
}

/// Binary symmetric channel: each bit flips with probability `p`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bsc {
    /// Crossover probability p ∈ [0, 1].
    pub p: f64,
}

/// Binary erasure channel: each bit is erased ([`ERASED`]) with probability `eps`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bec {
    /// Erasure probability ε ∈ [0, 1].
    pub eps: f64,
}

/// The DS²C² block channel: the bits are cut into blocks of `block_bytes`·8 bits; each block is
/// hit independently with probability `pe`, and a hit block has all its 1-bits turned to 0.
/// The expected fraction of corrupted 1-bits is therefore exactly `pe` (the seeds use blocks
/// of 100 and 1056 bytes). A final partial block is treated like a full one.
#[derive(Clone, Debug, PartialEq)]
pub struct Ds2c2 {
    /// Block hit probability = expected fraction of corrupted 1-bits.
    pub pe: f64,
    /// Block size in bytes (≥ 1).
    pub block_bytes: usize,
}

/// Gilbert–Elliott bursty packet loss: a two-state Markov chain (Good/Bad) steps once per
/// packet of `packet_len` channel uses; a packet is lost with probability `loss_good` in Good
/// and `loss_bad` in Bad. The first state is drawn from the stationary law
/// π_B = p_gb/(p_gb + p_bg). Lost bits are [`ERASED`]; lost symbols are received as 0 with
/// infinite noise variance (LLR 0) on top of AWGN at the link SNR.
#[derive(Clone, Debug, PartialEq)]
pub struct GilbertElliott {
    /// P(Good → Bad) per packet.
    pub p_gb: f64,
    /// P(Bad → Good) per packet.
    pub p_bg: f64,
    /// Loss probability in Good.
    pub loss_good: f64,
    /// Loss probability in Bad.
    pub loss_bad: f64,
    /// Channel uses (bits or symbols) per packet (≥ 1).
    pub packet_len: usize,
}

impl Bsc {
    /// A BSC with crossover `p` ∈ [0, 1].
    pub fn new(p: f64) -> std::result::Result<Self, ChannelError> {
        Ok(Self {
            p: check_prob("p", p)?,
        })
    }
}

impl Bec {
    /// A BEC with erasure probability `eps` ∈ [0, 1].
    pub fn new(eps: f64) -> std::result::Result<Self, ChannelError> {
        Ok(Self {
            eps: check_prob("eps", eps)?,
        })
    }
}

impl Ds2c2 {
    /// A DS²C² channel with hit probability `pe` and blocks of `block_bytes` bytes.
    pub fn new(pe: f64, block_bytes: usize) -> std::result::Result<Self, ChannelError> {
        if block_bytes == 0 || block_bytes > usize::MAX / 8 {
            return Err(ChannelError::Param {
                field: "block_bytes",
                msg: format!("{block_bytes} is not in 1..=usize::MAX/8"),
            });
        }
        Ok(Self {
            pe: check_prob("pe", pe)?,
            block_bytes,
        })
    }
}

impl GilbertElliott {
    /// A Gilbert–Elliott channel (every probability in [0, 1], p_gb + p_bg > 0, packet_len ≥ 1).
    pub fn new(
        p_gb: f64,
        p_bg: f64,
        loss_good: f64,
        loss_bad: f64,
        packet_len: usize,
    ) -> std::result::Result<Self, ChannelError> {
        let s = Self {
            p_gb: check_prob("p_gb", p_gb)?,
            p_bg: check_prob("p_bg", p_bg)?,
            loss_good: check_prob("loss_good", loss_good)?,
            loss_bad: check_prob("loss_bad", loss_bad)?,
            packet_len,
        };
        if packet_len == 0 {
            return Err(ChannelError::Param {
                field: "packet_len",
                msg: "must be at least 1".into(),
            });
        }
        if p_gb + p_bg <= 0.0 {
            return Err(ChannelError::Param {
                field: "p_gb",
                msg: "p_gb + p_bg must be positive".into(),
            });
        }
        Ok(s)
    }

    /// Stationary probability of the Bad state π_B = p_gb/(p_gb + p_bg).
    pub fn bad_fraction(&self) -> f64 {
        self.p_gb / (self.p_gb + self.p_bg)
    }

    /// Long-run packet loss rate π_G·loss_good + π_B·loss_bad.
    pub fn loss_rate(&self) -> f64 {
        let b = self.bad_fraction();
        (1.0 - b) * self.loss_good + b * self.loss_bad
    }

    /// Loss flags of `packets` consecutive packets (sequential Markov chain from one seed).
    pub fn draw_losses(&self, packets: usize, seed: u64) -> Vec<bool> {
        let mut r = rng_for(seed, 0);
        let mut bad = r.random::<f64>() < self.bad_fraction();
        (0..packets)
            .map(|_| {
                let lost = r.random::<f64>() < if bad { self.loss_bad } else { self.loss_good };
                let flip = r.random::<f64>() < if bad { self.p_bg } else { self.p_gb };
                bad ^= flip;
                lost
            })
            .collect()
    }
}

impl ChannelModel for Bsc {
    fn name(&self) -> String {
        "bsc".into()
    }
    fn transmit_symbols(&self, _: &[Complex32], _: f64, _: &mut SemRng) -> Result<Received> {
        Err(symbols_refused("bsc"))
    }
    fn transmit_bits(&self, bits: &[u8], rng: &mut SemRng) -> Result<Received> {
        check_bits(bits)?;
        Ok(Received::Bits(iid_bits(bits, self.p, rng, |b, hit| {
            b ^ hit as u8
        })))
    }
}

impl ChannelModel for Bec {
    fn name(&self) -> String {
        "bec".into()
    }
    fn transmit_symbols(&self, _: &[Complex32], _: f64, _: &mut SemRng) -> Result<Received> {
        Err(symbols_refused("bec"))
    }
    fn transmit_bits(&self, bits: &[u8], rng: &mut SemRng) -> Result<Received> {
        check_bits(bits)?;
        Ok(Received::Bits(iid_bits(bits, self.eps, rng, |b, hit| {
            if hit {
                ERASED
            } else {
                b
            }
        })))
    }
}

impl ChannelModel for Ds2c2 {
    fn name(&self) -> String {
        "ds2c2".into()
    }
    fn transmit_symbols(&self, _: &[Complex32], _: f64, _: &mut SemRng) -> Result<Received> {
        Err(symbols_refused("ds2c2"))
    }
    fn transmit_bits(&self, bits: &[u8], rng: &mut SemRng) -> Result<Received> {
        check_bits(bits)?;
        let t = threshold(self.pe);
        let mut out = bits.to_vec();
        for blk in out.chunks_mut(8 * self.block_bytes) {
            if (rng.random::<u32>() as u64) < t {
                blk.fill(0);
            }
        }
        Ok(Received::Bits(out))
    }
}

impl ChannelModel for GilbertElliott {
    fn name(&self) -> String {
        "gilbert-elliott".into()
    }
    /// AWGN at `snr_db`; symbols of lost packets are 0 with noise variance +∞ (per symbol).
    fn transmit_symbols(&self, x: &[Complex32], snr_db: f64, rng: &mut SemRng) -> Result<Received> {
        check_snr_db(snr_db)?;
        let n0 = noise_var(snr_db);
        let base = base_seed(rng);
        let lost = self.draw_losses(x.len().div_ceil(self.packet_len), derive_seed(base, &[1]));
        let mut y = add_awgn(x, n0, derive_seed(base, &[0]));
        let mut nv = vec![n0 as f32; x.len()];
        for ((yc, vc), &l) in y
            .chunks_mut(self.packet_len)
            .zip(nv.chunks_mut(self.packet_len))
            .zip(&lost)
        {
            if l {
                yc.fill(Complex32::new(0.0, 0.0));
                vc.fill(f32::INFINITY);
            }
        }
        Ok(Received::Symbols {
            y,
            csi: vec![],
            noise_var: nv,
        })
    }
    /// Bits of lost packets are [`ERASED`].
    fn transmit_bits(&self, bits: &[u8], rng: &mut SemRng) -> Result<Received> {
        check_bits(bits)?;
        let lost = self.draw_losses(bits.len().div_ceil(self.packet_len), base_seed(rng));
        let mut out = bits.to_vec();
        for (c, &l) in out.chunks_mut(self.packet_len).zip(&lost) {
            if l {
                c.fill(ERASED);
            }
        }
        Ok(Received::Bits(out))
    }
}
