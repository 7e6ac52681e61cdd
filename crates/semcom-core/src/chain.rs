//! The transmission chain: transmitter → channel → receiver on an explicit budget.
//!
//! ```text
//! Source ─► Scheme::encode ─► Encoded{blocks, side} ─► ChannelModel (one call per block)
//!        ─► [Received] ─► Scheme::decode ─► Decoded{views, view_ok}
//! ```
//!
//! * A [`Scheme`] is the transmitter and the receiver of one system (deep JSCC, JPEG+LDPC+QAM, …)
//!   for a [`Source`]: a still image, a clip or a stereo pair.
//! * A [`ChannelModel`] is the noisy link: complex symbols (AWGN, Rayleigh, …) or bits
//!   (BSC, BEC, the DS²C² block channel). Symbol channels assume unit average transmit power
//!   P = 1 per complex channel use, and the SNR is Es/N0 per complex channel use.
//! * Side information ([`SideInfo`]) reaches the receiver error-free, but its bits are counted.
//! * [`run_chain`] runs the three blocks with explicit seeds and returns the reconstruction
//!   plus the [`Accounting`]; it enforces the k/n budget and the power constraint.

use crate::accounting::{Accounting, ChannelUseKind};
use crate::budget::Budget;
use crate::error::{check_snr_db, CoreError, Result};
use crate::image::Image;
use crate::rng::{rng_for, SemRng};
use crate::source::{Modality, Source, SourceMeta, ViewMeta};
use num_complex::Complex32;
use serde::{Deserialize, Serialize};

/// What crosses the noisy channel.
#[derive(Clone, Debug)]
pub enum Payload {
    /// Complex channel symbols with average power ≤ 1.
    Symbols(Vec<Complex32>),
    /// Bits, one per byte (values 0 or 1).
    Bits(Vec<u8>),
}

impl Payload {
    /// Number of channel uses (symbols or bits).
    pub fn len(&self) -> usize {
        match self {
            Payload::Symbols(s) => s.len(),
            Payload::Bits(b) => b.len(),
        }
    }
    /// Whether nothing is sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Side information sent error-free outside the noisy channel; its size is counted.
#[derive(Clone, Debug, Default)]
pub struct SideInfo {
    /// The serialised side information.
    pub bytes: Vec<u8>,
    /// Its size in bits (may be less than `8·bytes.len()` for bit-exact accounting).
    pub bits: u64,
}

impl SideInfo {
    /// Side information of `bytes`, counted as 8 bits per byte.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let bits = 8 * bytes.len() as u64;
        Self { bytes, bits }
    }
}

/// Why a receiver shows a fallback instead of a decoded source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecodeFailure {
    /// Nothing was sent: even the coarsest source coding did not fit the budget.
    DidNotFit,
    /// The channel code failed (CRC failure, capacity outage).
    Channel,
    /// The data arrived but the source decoder rejected it (or some frames were lost).
    Source,
}

/// Output of a transmitter: the blocks that cross the channel, one channel call each (a
/// block-fading model draws one gain per block), and the error-free side information.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// What crosses the noisy channel, block by block, in time order.
    pub blocks: Vec<Payload>,
    /// Error-free side information.
    pub side: SideInfo,
    /// Source-coded bits carried in the blocks (0 for analog schemes).
    pub payload_bits: u64,
    /// Bytes of the source-coded stream sent (digital schemes; 0 = nothing fitted).
    pub stream_bytes: Option<u64>,
}

impl Encoded {
    /// Channel uses of all blocks.
    pub fn channel_uses(&self) -> usize {
        self.blocks.iter().map(Payload::len).sum()
    }
}

/// What the receiver gets from the channel.
#[derive(Clone, Debug)]
pub enum Received {
    /// Received complex symbols.
    Symbols {
        /// Channel output (after equalisation when the channel model applies one).
        y: Vec<Complex32>,
        /// Per-symbol channel gain h known at the receiver (perfect CSI), empty for AWGN
        /// or when the channel model has already equalised.
        csi: Vec<Complex32>,
        /// Per-symbol noise variance of `y` (length 1 = the same for all symbols).
        noise_var: Vec<f32>,
    },
    /// Received bits (0/1 per byte) from a bit channel.
    Bits(Vec<u8>),
}

impl Received {
    /// Noise variance of symbol `i`.
    pub fn noise_var_at(noise_var: &[f32], i: usize) -> f32 {
        if noise_var.len() == 1 {
            noise_var[0]
        } else {
            noise_var[i]
        }
    }
}

/// What the receiver decoded: every view of the source.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The reconstructed views, of the source's format (concealed or fallback views where
    /// data was lost).
    pub views: Vec<Image>,
    /// Per view: whether all of its data arrived intact and decoded.
    pub view_ok: Vec<bool>,
    /// Why some view shows a fallback (`None` when every view decoded).
    pub failure: Option<DecodeFailure>,
}

/// What both ends know about the link before transmitting (SNR known at the transmitter,
/// as the adaptive schemes in the literature assume).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// Channel model name (e.g. `awgn`).
    pub channel: String,
    /// Es/N0 per complex channel use in dB.
    pub snr_db: f64,
}

/// A transmission scheme: transmitter and receiver of one system, for any [`Source`]
/// whose modality it accepts. Image schemes implement [`crate::ImageScheme`] instead and
/// run on every modality through [`crate::PerView`].
pub trait Scheme: Send + Sync {
    /// Registry name (e.g. `deepjscc`, `jpeg+ldpc`).
    fn name(&self) -> &str;
    /// The modalities this scheme transmits (default: all).
    fn accepts(&self, modality: Modality) -> bool {
        let _ = modality;
        true
    }
    /// Transmitter: source → blocks + side information, within `budget`
    /// (at most ⌊(k/n)·V·C·H·W⌋ channel uses in all under a k/n budget).
    fn encode(
        &self,
        src: &Source,
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<Encoded>;
    /// Receiver: one received block per sent block + side information → the views.
    fn decode(
        &self,
        rx: &[Received],
        side: &SideInfo,
        meta: &SourceMeta,
        link: &LinkInfo,
    ) -> Result<Decoded>;
}

/// A noisy channel.
pub trait ChannelModel: Send + Sync {
    /// Registry name (e.g. `awgn`).
    fn name(&self) -> String;
    /// Sends unit-power complex symbols at Es/N0 = `snr_db`.
    fn transmit_symbols(&self, x: &[Complex32], snr_db: f64, rng: &mut SemRng) -> Result<Received>;
    /// Sends bits over a bit channel. Symbol-only channels return [`CoreError::Payload`].
    fn transmit_bits(&self, bits: &[u8], rng: &mut SemRng) -> Result<Received> {
        let _ = (bits, rng);
        Err(CoreError::Payload(format!(
            "channel '{}' carries complex symbols, not bits",
            self.name()
        )))
    }
}

/// A link: channel model, SNR and seed.
pub struct Link<'a> {
    /// The channel model.
    pub channel: &'a dyn ChannelModel,
    /// Es/N0 per complex channel use in dB.
    pub snr_db: f64,
    /// Seed of this run; the encoder uses stream 0 and the channel stream 1.
    pub seed: u64,
}

/// Result of one run of a chain.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The reconstructed views (one for a still image).
    pub views: Vec<Image>,
    /// Per view: whether it arrived intact.
    pub view_ok: Vec<bool>,
    /// What was sent (`decode_ok` = every view intact).
    pub accounting: Accounting,
    /// Channel uses of each block, in order.
    pub block_uses: Vec<usize>,
    /// The side information that was sent (for scheme-specific reports).
    pub side: SideInfo,
}

impl Outcome {
    /// The reconstruction of a still image (the first view).
    pub fn reconstruction(&self) -> &Image {
        &self.views[0]
    }
}

/// Tolerance on the average transmit power (P = 1).
pub const POWER_TOLERANCE: f64 = 1e-3;

impl Link<'_> {
    /// Checks the SNR and the budget; returns what both ends know of the link and the encoder
    /// (stream 0) and channel (stream 1) generators of the link's seed.
    pub(crate) fn start(&self, budget: &Budget) -> Result<(LinkInfo, SemRng, SemRng)> {
        check_snr_db(self.snr_db)?;
        budget.validate()?;
        let info = LinkInfo {
            channel: self.channel.name(),
            snr_db: self.snr_db,
        };
        Ok((info, rng_for(self.seed, 0), rng_for(self.seed, 1)))
    }

    /// One payload through the channel, symbols only after the power check (P ≤ 1 +
    /// [`POWER_TOLERANCE`]; errors name `scheme`, prefixed by `what`).
    pub(crate) fn send(
        &self,
        scheme: &str,
        what: &str,
        payload: &Payload,
        rng: &mut SemRng,
    ) -> Result<(Received, ChannelUseKind)> {
        match payload {
            Payload::Symbols(x) => {
                let p = average_power(x);
                if p > 1.0 + POWER_TOLERANCE {
                    return Err(CoreError::Scheme {
                        scheme: scheme.into(),
                        msg: format!("{what}average symbol power {p:.4} exceeds P = 1"),
                    });
                }
                Ok((
                    self.channel.transmit_symbols(x, self.snr_db, rng)?,
                    ChannelUseKind::ComplexSymbols,
                ))
            }
            Payload::Bits(b) => Ok((self.channel.transmit_bits(b, rng)?, ChannelUseKind::Bits)),
        }
    }
}

/// Refuses more than ⌊(k/n)·n⌋ channel uses for `samples` = n source samples under a k/n budget.
pub(crate) fn check_uses(scheme: &str, budget: &Budget, samples: usize, uses: usize) -> Result<()> {
    match budget.max_channel_uses(samples) {
        Some(k_max) if uses > k_max => Err(CoreError::Scheme {
            scheme: scheme.into(),
            msg: format!(
                "sent {uses} channel uses, budget {} allows {k_max}",
                budget.label()
            ),
        }),
        _ => Ok(()),
    }
}

/// Runs source → scheme → channel (one call per block) → scheme → views with explicit
/// seeds (encoder stream 0, channel stream 1 of the link seed).
///
/// Checks: the scheme accepts the source's modality, finite SNR, a valid budget, at most
/// ⌊(k/n)·n⌋ channel uses in all under a k/n budget (n = V·C·H·W), average symbol power ≤ 1
/// (+[`POWER_TOLERANCE`]) in every block, and views of the source's number and format out.
pub fn run_chain(
    scheme: &dyn Scheme,
    src: &Source,
    budget: &Budget,
    link: &Link<'_>,
) -> Result<Outcome> {
    let modality = src.kind().modality();
    if !scheme.accepts(modality) {
        return Err(CoreError::Scheme {
            scheme: scheme.name().into(),
            msg: format!("does not transmit {} sources", modality.name()),
        });
    }
    let (info, mut enc_rng, mut ch_rng) = link.start(budget)?;
    let meta = src.meta();
    let enc = scheme.encode(src, budget, &info, &mut enc_rng)?;
    let uses = enc.channel_uses();
    check_uses(scheme.name(), budget, meta.samples(), uses)?;
    let mut kind = ChannelUseKind::ComplexSymbols;
    let mut rx = Vec::with_capacity(enc.blocks.len());
    let many = enc.blocks.len() > 1;
    for (b, block) in enc.blocks.iter().enumerate() {
        let what = if many {
            format!("block {b}: ")
        } else {
            String::new()
        };
        let (r, k) = link.send(scheme.name(), &what, block, &mut ch_rng)?;
        if k == ChannelUseKind::Bits {
            kind = k;
        }
        rx.push(r);
    }
    let dec = scheme.decode(&rx, &enc.side, &meta, &info)?;
    if dec.views.len() != meta.views
        || dec.view_ok.len() != meta.views
        || dec.views.iter().any(|v| ViewMeta::of(v) != meta.view)
    {
        return Err(CoreError::Scheme {
            scheme: scheme.name().into(),
            msg: "the reconstruction differs in views or format from the source".into(),
        });
    }
    let decode_ok = dec.view_ok.iter().all(|&ok| ok);
    Ok(Outcome {
        accounting: Accounting {
            channel_uses: uses as u64,
            channel_use_kind: kind,
            payload_bits: enc.payload_bits,
            side_bits: enc.side.bits,
            source_samples: meta.samples() as u64,
            pixels: meta.pixels() as u64,
            decode_ok,
            blocks: enc.blocks.len() as u64,
            stream_bytes: enc.stream_bytes,
            failure: if decode_ok {
                None
            } else {
                Some(dec.failure.unwrap_or(DecodeFailure::Source))
            },
        },
        block_uses: enc.blocks.iter().map(Payload::len).collect(),
        views: dec.views,
        view_ok: dec.view_ok,
        side: enc.side,
    })
}

/// Average power (1/k)·Σ|x_i|² of a block of complex symbols (0 for an empty block).
pub fn average_power(x: &[Complex32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().map(|c| c.norm_sqr() as f64).sum::<f64>() / x.len() as f64
}

/// Pairs 2k real values into k complex channel uses (re = even index, im = odd index);
/// an odd count is padded with one zero. This is the one real↔complex convention of semcom.
pub fn reals_to_complex(v: &[f32]) -> Vec<Complex32> {
    v.chunks(2)
        .map(|c| Complex32::new(c[0], if c.len() > 1 { c[1] } else { 0.0 }))
        .collect()
}

/// Inverse of [`reals_to_complex`]: k complex uses to the first `n_reals` real values.
pub fn complex_to_reals(x: &[Complex32], n_reals: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(2 * x.len());
    for c in x {
        out.push(c.re);
        out.push(c.im);
    }
    out.truncate(n_reals);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_complex_pairing() {
        let v = [1.0, 2.0, 3.0];
        let c = reals_to_complex(&v);
        assert_eq!(c, vec![Complex32::new(1.0, 2.0), Complex32::new(3.0, 0.0)]);
        assert_eq!(complex_to_reals(&c, 3), v);
    }
}
