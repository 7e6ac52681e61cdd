//! The transmission chain: transmitter → channel → receiver on an explicit budget.
//!
//! ```text
//! Image ─► Scheme::encode ─► Encoded{payload, side} ─► ChannelModel ─► Received ─► Scheme::decode ─► Decoded
//! ```
//!
//! * A [`Scheme`] is the transmitter and the receiver of one system (deep JSCC, JPEG+LDPC+QAM, …).
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

/// Output of a transmitter.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// What crosses the noisy channel.
    pub payload: Payload,
    /// Error-free side information.
    pub side: SideInfo,
    /// Source-coded bits carried in the payload (0 for analog schemes).
    pub payload_bits: u64,
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

/// What the receiver decoded.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The reconstruction, same size as the source (a documented fallback when decoding failed).
    pub image: Image,
    /// Whether the payload was decoded (false = the fallback image is shown).
    pub decode_ok: bool,
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

/// Size and layout of the source known to the receiver (fixed-size image service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Colour planes.
    pub channels: usize,
}

impl SourceMeta {
    /// The meta data of an image.
    pub fn of(img: &Image) -> Self {
        Self {
            width: img.width(),
            height: img.height(),
            channels: img.channels(),
        }
    }
    /// The mid-grey fallback image of this size.
    pub fn fallback(&self) -> Result<Image> {
        Image::fallback_grey(self.width, self.height, self.channels)
    }
}

/// A transmission scheme: transmitter and receiver of one system.
pub trait Scheme: Send + Sync {
    /// Registry name (e.g. `deepjscc`, `jpeg+ldpc`).
    fn name(&self) -> &str;
    /// Transmitter: source → payload + side information, within `budget`.
    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<Encoded>;
    /// Receiver: channel output + side information → reconstruction.
    fn decode(
        &self,
        rx: &Received,
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
    /// The reconstruction.
    pub reconstruction: Image,
    /// What was sent.
    pub accounting: Accounting,
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

/// Runs source → scheme → channel → scheme → reconstruction with explicit seeds.
///
/// Checks: finite SNR, a valid budget, at most ⌊(k/n)·n⌋ channel uses under a k/n budget,
/// average symbol power ≤ 1 (+[`POWER_TOLERANCE`]), and a reconstruction of the source size.
pub fn run_chain(
    scheme: &dyn Scheme,
    src: &Image,
    budget: &Budget,
    link: &Link<'_>,
) -> Result<Outcome> {
    let (info, mut enc_rng, mut ch_rng) = link.start(budget)?;
    let enc = scheme.encode(src, budget, &info, &mut enc_rng)?;
    check_uses(scheme.name(), budget, src.samples(), enc.payload.len())?;
    let (rx, kind) = link.send(scheme.name(), "", &enc.payload, &mut ch_rng)?;
    let meta = SourceMeta::of(src);
    let dec = scheme.decode(&rx, &enc.side, &meta, &info)?;
    if SourceMeta::of(&dec.image) != meta {
        return Err(CoreError::Scheme {
            scheme: scheme.name().into(),
            msg: "reconstruction size differs from the source".into(),
        });
    }
    Ok(Outcome {
        reconstruction: dec.image,
        accounting: Accounting {
            channel_uses: enc.payload.len() as u64,
            channel_use_kind: kind,
            payload_bits: enc.payload_bits,
            side_bits: enc.side.bits,
            source_samples: src.samples() as u64,
            pixels: src.pixels() as u64,
            decode_ok: dec.decode_ok,
        },
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
    use crate::budget::Ratio;

    /// Identity "analog" scheme: sends pixel pairs as symbols scaled to unit power.
    struct Raw;
    impl Scheme for Raw {
        fn name(&self) -> &str {
            "raw"
        }
        fn encode(&self, src: &Image, _: &Budget, _: &LinkInfo, _: &mut SemRng) -> Result<Encoded> {
            Ok(Encoded {
                payload: Payload::Symbols(reals_to_complex(src.data())),
                side: SideInfo::from_bytes(vec![1, 2]),
                payload_bits: 0,
            })
        }
        fn decode(
            &self,
            rx: &Received,
            _: &SideInfo,
            meta: &SourceMeta,
            _: &LinkInfo,
        ) -> Result<Decoded> {
            let Received::Symbols { y, .. } = rx else {
                unreachable!()
            };
            let n = meta.width * meta.height * meta.channels;
            Ok(Decoded {
                image: Image::from_planar(
                    meta.width,
                    meta.height,
                    meta.channels,
                    complex_to_reals(y, n),
                )?,
                decode_ok: true,
            })
        }
    }

    struct Noiseless;
    impl ChannelModel for Noiseless {
        fn name(&self) -> String {
            "noiseless".into()
        }
        fn transmit_symbols(&self, x: &[Complex32], _: f64, _: &mut SemRng) -> Result<Received> {
            Ok(Received::Symbols {
                y: x.to_vec(),
                csi: vec![],
                noise_var: vec![0.0],
            })
        }
    }

    #[test]
    fn chain_accounting_and_budget_enforcement() {
        let img = Image::filled(4, 4, 3, 0.5).unwrap();
        let link = Link {
            channel: &Noiseless,
            snr_db: 10.0,
            seed: 1,
        };
        let b = Budget::cbr(Ratio::new(1, 2).unwrap()).unwrap();
        let out = run_chain(&Raw, &img, &b, &link).unwrap();
        assert_eq!(out.reconstruction, img);
        assert_eq!(out.accounting.channel_uses, 24);
        assert_eq!(out.accounting.k_over_n(), 0.5);
        assert_eq!(out.accounting.side_bits, 16);
        assert_eq!(out.accounting.bpp(), 1.0);
        // Too small a budget is refused.
        let small = Budget::cbr(Ratio::new(1, 3).unwrap()).unwrap();
        assert!(run_chain(&Raw, &img, &small, &link).is_err());
        // Power above 1 is refused.
        let bright = Image::filled(4, 4, 3, 1.0).unwrap();
        assert!(run_chain(&Raw, &bright, &b, &link).is_err());
        // NaN SNR is refused.
        let nan = Link {
            channel: &Noiseless,
            snr_db: f64::NAN,
            seed: 1,
        };
        assert!(run_chain(&Raw, &img, &b, &nan).is_err());
    }

    #[test]
    fn real_complex_pairing() {
        let v = [1.0, 2.0, 3.0];
        let c = reals_to_complex(&v);
        assert_eq!(c, vec![Complex32::new(1.0, 2.0), Complex32::new(3.0, 0.0)]);
        assert_eq!(complex_to_reals(&c, 3), v);
    }
}
