//! Separate source–channel coding baselines: a real image codec followed by 5G NR LDPC + QAM
//! (`<codec>+ldpc`), or by an ideal capacity-achieving code (`<codec>@capacity`).
//!
//! ```text
//! <codec>+ldpc:
//!  Image ─► codec @ MaxBytes(A/8) ─► bits, zero-padded to the TBS A ─► TB CRC24A + CB CRC24B
//!        ─► LDPC (TS 38.212 §5.3) + rate matching to G = k·Qm ─► scrambling (TS 38.211 §7.3.1.1)
//!        ─► Gray QAM (TS 38.211 §5.1) ─► k channel uses ─► [ZF with CSI] ─► max-log LLRs
//!        ─► descrambling ─► layered min-sum ─► CRCs ─► codec decoder ─► Image
//!        (any CRC failure or undecodable stream ⇒ mid-grey fallback, decode_ok = false)
//! <codec>@capacity:
//!  Image ─► codec @ MaxBytes(⌊R_max/8⌋), R_max = ⌊k·log2(1+SNR)⌋ ─► ideal code of rate R_max/k
//!        ─► decoded iff R_max ≤ Σ_i log2(1 + |h_i|²/N0_i) of the received block
//! ```
//!
//! **Budget matching.** Under a k/n budget the scheme uses exactly k = ⌊(k/n)·n⌋ channel
//! uses: G = k·Qm coded bits, the transport block size A = TBS(G·R) of TS 38.214 §5.1.3.2
//! (`NrConfig::for_channel`), and the codec's rate control picks the largest stream with
//! ≤ ⌊A/8⌋ bytes; the TB is padded with zeros. **Accounting.** `payload_bits` is the block the
//! channel code carries (A, or R_max for the capacity variant); the side information (72 bits:
//! MCS index, stream length in bytes, amplitude scale) is counted in `side_bits`. When even the
//! coarsest codec setting does not fit, an empty stream is sent and the receiver shows the
//! fallback. **MCS.** `SchemeOptions.mcs` (e.g. `16qam-2/3`), or adaptive: the highest
//! spectral efficiency whose BLER-10⁻² threshold (`Mcs::best_for_snr`) is ≤ SNR − 1 dB
//! ([`ADAPTIVE_MARGIN_DB`]; the most robust MCS when none fits).
//! **Capacity variant (genie).** The codec stream reaches the receiver inside the side-info
//! bytes but is *not* counted there: it is counted as payload (R_max bits) carried by k
//! constant-modulus symbols (QPSK of the scrambled stream), and it is released only when the
//! received block's mutual information covers R_max (always on AWGN at the design SNR, an
//! outage on a bad fading block).

pub mod bits;
pub mod link;

use crate::separation::bits::Side;
pub use crate::separation::link::{block_mutual_information, BlockCoding};
use semcom_codecs::{codec_by_name, with_channels, CodecError, ImageCodec, RateTarget};
use semcom_core::chain::SourceMeta;
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, CoreError, Decoded, Encoded, Image, LinkInfo, Payload, Received, Result, Scheme,
    SideInfo,
};
use semcom_ldpc::{DecoderConfig, Mcs};

/// Margin (dB) below the SNR at which the adaptive variant picks its MCS threshold.
pub const ADAPTIVE_MARGIN_DB: f64 = 1.0;

/// The codecs a separation scheme can use (`<codec>+ldpc`, `<codec>@capacity`).
pub fn codecs() -> Vec<&'static str> {
    semcom_codecs::codec_names()
}

/// The channel-coding half of a separation scheme.
#[derive(Clone, Debug)]
pub enum ChannelCoding {
    /// 5G NR LDPC + Gray QAM at a fixed MCS, or adaptive (`None`).
    Ldpc {
        /// Fixed MCS, or `None` for the adaptive choice from the SNR.
        mcs: Option<Mcs>,
        /// LDPC decoder settings.
        decoder: DecoderConfig,
    },
    /// An ideal code at the AWGN capacity (R_max = ⌊k·log2(1+SNR)⌋ bits).
    Capacity,
}

impl ChannelCoding {
    /// Splits a scheme name `<source>+ldpc` / `<source>@capacity` into the source-codec name
    /// and the channel coding (`mcs`: an MCS name such as `16qam-2/3` for `+ldpc`, adaptive
    /// when `None`); `Ok(None)` for any other name.
    pub fn from_scheme_name<'a>(
        name: &'a str,
        mcs: Option<&str>,
    ) -> Result<Option<(&'a str, Self)>> {
        if let Some(src) = name.strip_suffix("+ldpc") {
            let mcs = mcs
                .map(|m| m.parse::<Mcs>().map_err(|e| scheme_err(name, e)))
                .transpose()?;
            let decoder = DecoderConfig::default();
            Ok(Some((src, ChannelCoding::Ldpc { mcs, decoder })))
        } else {
            Ok(name
                .strip_suffix("@capacity")
                .map(|src| (src, ChannelCoding::Capacity)))
        }
    }

    /// The MCS at `snr_db`: the fixed one, the adaptive choice (the highest spectral
    /// efficiency whose threshold is ≤ SNR − [`ADAPTIVE_MARGIN_DB`], the most robust MCS when
    /// none is), or `None` for the capacity variant.
    pub fn mcs_for(&self, snr_db: f64) -> Option<Mcs> {
        match self {
            ChannelCoding::Ldpc { mcs: Some(m), .. } => Some(*m),
            ChannelCoding::Ldpc { mcs: None, .. } => Some(
                Mcs::best_for_snr(snr_db, ADAPTIVE_MARGIN_DB).unwrap_or_else(|| Mcs::table()[0]),
            ),
            ChannelCoding::Capacity => None,
        }
    }

    /// The LDPC decoder settings (defaults for the capacity variant, which has none).
    pub fn decoder(&self) -> DecoderConfig {
        match self {
            ChannelCoding::Ldpc { decoder, .. } => *decoder,
            ChannelCoding::Capacity => DecoderConfig::default(),
        }
    }
}

/// A separate source–channel coding scheme (see the module documentation).
pub struct Separation {
    name: String,
    codec: Box<dyn ImageCodec>,
    coding: ChannelCoding,
}

impl std::fmt::Debug for Separation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Separation")
            .field("name", &self.name)
            .field("coding", &self.coding)
            .finish()
    }
}

pub(crate) fn scheme_err(name: &str, msg: impl std::fmt::Display) -> CoreError {
    CoreError::Scheme {
        scheme: name.into(),
        msg: msg.to_string(),
    }
}

impl Separation {
    /// `<codec>+ldpc` with a fixed MCS or adaptive (`mcs = None`).
    pub fn ldpc(codec: &str, mcs: Option<Mcs>) -> Result<Self> {
        let c = codec_by_name(codec)?;
        Ok(Self {
            name: format!("{}+ldpc", c.name()),
            codec: c,
            coding: ChannelCoding::Ldpc {
                mcs,
                decoder: DecoderConfig::default(),
            },
        })
    }

    /// `<codec>@capacity`.
    pub fn capacity(codec: &str) -> Result<Self> {
        let c = codec_by_name(codec)?;
        Ok(Self {
            name: format!("{}@capacity", c.name()),
            codec: c,
            coding: ChannelCoding::Capacity,
        })
    }

    /// Builds `jpeg+ldpc`, `jpeg2000@capacity`, … with an optional MCS name (`16qam-2/3`).
    pub fn from_name(name: &str, mcs: Option<&str>) -> Result<Self> {
        match ChannelCoding::from_scheme_name(name, mcs)? {
            Some((c, ChannelCoding::Ldpc { mcs, .. })) => Self::ldpc(c, mcs),
            Some((c, ChannelCoding::Capacity)) => Self::capacity(c),
            None => Err(scheme_err(
                name,
                "not a separation scheme (<codec>+ldpc or <codec>@capacity)",
            )),
        }
    }

    /// Whether `name` names a separation scheme of this build.
    pub fn is_separation(name: &str) -> bool {
        let c = name
            .strip_suffix("+ldpc")
            .or_else(|| name.strip_suffix("@capacity"));
        c.is_some_and(|c| codecs().contains(&c))
    }

    /// The MCS used at `snr_db` (fixed, or the adaptive choice).
    pub fn mcs_for(&self, snr_db: f64) -> Option<Mcs> {
        self.coding.mcs_for(snr_db)
    }

    /// Encodes the source at most `max_bytes` bytes; an empty stream when nothing fits.
    fn source(&self, src: &Image, max_bytes: usize) -> Result<Vec<u8>> {
        match self.codec.encode(src, RateTarget::MaxBytes(max_bytes)) {
            Ok(s) => Ok(s),
            Err(CodecError::BudgetTooSmall { .. }) => Ok(Vec::new()),
            Err(e) => Err(scheme_err(&self.name, e)),
        }
    }

    /// Source-decodes a stream to the receiver's image, or `None` (fallback).
    fn reconstruct(&self, stream: &[u8], meta: &SourceMeta) -> Option<Image> {
        if stream.is_empty() {
            return None;
        }
        let img = with_channels(self.codec.decode(stream).ok()?, meta.channels);
        (SourceMeta::of(&img) == *meta).then_some(img)
    }
}

impl Scheme for Separation {
    fn name(&self) -> &str {
        &self.name
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<Encoded> {
        let k = budget.channel_uses_for_scheme(src.samples(), &self.name)?;
        if k == 0 {
            return Err(CoreError::InvalidBudget(format!(
                "{}: zero channel uses",
                budget.label()
            )));
        }
        let block = BlockCoding::for_block(&self.coding, k, link.snr_db)
            .map_err(|e| scheme_err(&self.name, e))?;
        let stream = self.source(src, block.capacity_bytes())?;
        let (x, scale) = block.transmit(&stream)?;
        let mut bytes = Side {
            mcs: block.index(),
            len: stream.len() as u32,
            scale,
        }
        .to_bytes();
        if let BlockCoding::Capacity { .. } = block {
            bytes.extend_from_slice(&stream); // genie: carried, counted as payload (see module doc)
        }
        Ok(Encoded {
            payload: Payload::Symbols(x),
            side: SideInfo {
                bytes,
                bits: Side::BITS,
            },
            payload_bits: block.payload_bits(),
        })
    }

    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        meta: &SourceMeta,
        link: &LinkInfo,
    ) -> Result<Decoded> {
        let s = Side::from_bytes(&side.bytes)
            .ok_or_else(|| CoreError::Payload("bad side information".into()))?;
        let Received::Symbols { y, csi, noise_var } = rx else {
            return Err(CoreError::Payload(format!(
                "{} needs a complex-symbol channel",
                self.name
            )));
        };
        let block = BlockCoding::from_index(s.mcs, y.len(), link.snr_db, self.coding.decoder())?;
        let genie = side.bytes.get(Side::BYTES..).unwrap_or(&[]);
        let img = block
            .receive(y, csi, noise_var, s.scale, s.len as usize, genie)?
            .and_then(|stream| self.reconstruct(&stream, meta));
        Ok(match img {
            Some(image) => Decoded {
                image,
                decode_ok: true,
            },
            None => Decoded {
                image: meta.fallback()?,
                decode_ok: false,
            },
        })
    }
}

/// Registry entries of the separation schemes of this build.
pub fn scheme_infos() -> Vec<crate::registry::SchemeInfo> {
    let mut v = Vec::new();
    for c in codecs() {
        let (ldpc, cap): (&'static str, &'static str) = match c {
            "jpeg" => ("jpeg+ldpc", "jpeg@capacity"),
            "jpeg2000" => ("jpeg2000+ldpc", "jpeg2000@capacity"),
            "webp" => ("webp+ldpc", "webp@capacity"),
            "avif" => ("avif+ldpc", "avif@capacity"),
            "hevc" => ("hevc+ldpc", "hevc@capacity"),
            _ => continue,
        };
        v.push(crate::registry::SchemeInfo {
            name: ldpc,
            description: "separation: codec at the TB size + 5G NR LDPC + Gray QAM (MCS from --mcs, or adaptive)",
            in_demo: c == "jpeg",
        });
        v.push(crate::registry::SchemeInfo {
            name: cap,
            description: "separation bound: codec at R_max = k·log2(1+SNR) bits over an ideal capacity-achieving code",
            in_demo: c == "jpeg",
        });
    }
    v
}

#[cfg(test)]
mod tests;
