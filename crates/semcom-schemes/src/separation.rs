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
//! **Budget matching.** Under a bit-rate budget B (`--bpp`) the scheme uses the most channel
//! uses k whose block carries at most ⌊B·H·W⌋ − 72 (side) bits, so the measured BPP (payload +
//! side) is ≤ B, and reports k. Under a k/n budget the scheme uses exactly k = ⌊(k/n)·n⌋ channel
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
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, CoreError, DecodeFailure, Image, ImageDecoded, ImageEncoded, ImageScheme, LinkInfo,
    Payload, Received, Result, SideInfo, ViewMeta,
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

    /// The same scheme with other LDPC decoder settings (no effect on `@capacity`).
    pub fn with_decoder(mut self, d: DecoderConfig) -> Self {
        if let ChannelCoding::Ldpc { decoder, .. } = &mut self.coding {
            *decoder = d;
        }
        self
    }

    /// The MCS used at `snr_db` (fixed, or the adaptive choice).
    pub fn mcs_for(&self, snr_db: f64) -> Option<Mcs> {
        self.coding.mcs_for(snr_db)
    }

    /// Channel uses under a bit-rate budget of `bits` (= ⌊B·pixels⌋): the most k whose block
    /// carries at most `bits − side` payload bits (TBS A, or R_max for the capacity variant),
    /// so the measured BPP (payload + side) stays ≤ B; the source coder then fills the block.
    fn uses_for_bits(&self, bits: u64, snr_db: f64) -> Result<usize> {
        const MAX_USES: usize = 1 << 28;
        let limit = bits.saturating_sub(Side::BITS);
        let fits = |k: usize| {
            BlockCoding::for_block(&self.coding, k, snr_db)
                .map(|b| b.payload_bits() <= limit)
                .ok()
        };
        // Doubling, then bisection on the largest k whose block fits (blocks too small for a
        // transport block count as fitting while searching, never as the answer).
        let mut hi = 16;
        while hi < MAX_USES && fits(hi) != Some(false) {
            hi *= 2;
        }
        let mut lo = hi / 2;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) == Some(false) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        match fits(lo) {
            Some(true) => Ok(lo),
            _ => Err(scheme_err(
                &self.name,
                format!("{bits} bits do not carry the side information and one transport block"),
            )),
        }
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
    fn reconstruct(&self, stream: &[u8], meta: &ViewMeta) -> Option<Image> {
        if stream.is_empty() {
            return None;
        }
        let img = with_channels(self.codec.decode(stream).ok()?, meta.channels);
        (ViewMeta::of(&img) == *meta).then_some(img)
    }
}

impl ImageScheme for Separation {
    fn name(&self) -> &str {
        &self.name
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<ImageEncoded> {
        let k = match budget.max_source_bits(src.pixels()) {
            Some(bits) => self.uses_for_bits(bits, link.snr_db)?,
            None => budget.channel_uses_for_scheme(src.samples(), &self.name)?,
        };
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
        Ok(ImageEncoded {
            payload: Payload::Symbols(x),
            side: SideInfo {
                bytes,
                bits: Side::BITS,
            },
            payload_bits: block.payload_bits(),
            stream_bytes: Some(stream.len() as u64),
        })
    }

    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        meta: &ViewMeta,
        link: &LinkInfo,
    ) -> Result<ImageDecoded> {
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
        if s.len == 0 {
            return ImageDecoded::fallback(meta, DecodeFailure::DidNotFit);
        }
        let Some(stream) = block.receive(y, csi, noise_var, s.scale, s.len as usize, genie)? else {
            return ImageDecoded::fallback(meta, DecodeFailure::Channel);
        };
        match self.reconstruct(&stream, meta) {
            Some(image) => Ok(ImageDecoded::ok(image)),
            None => ImageDecoded::fallback(meta, DecodeFailure::Source),
        }
    }
}

/// Parameters of the separation schemes (`--param decoder=nms16,max_iter=10`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeparationParams {
    /// LDPC decoder: `nms[:α]` (default `nms:0.75`), `nms16[:α]`, `oms[:β]`, `bp`.
    pub decoder: Option<String>,
    /// Maximum LDPC iterations (default 20).
    pub max_iter: Option<usize>,
}

impl SeparationParams {
    /// The decoder settings these parameters select.
    pub fn decoder_config(&self, scheme: &str) -> Result<DecoderConfig> {
        let mut d = DecoderConfig::default();
        if let Some(k) = &self.decoder {
            d.kind = k.parse().map_err(|e| scheme_err(scheme, e))?;
        }
        if let Some(n) = self.max_iter {
            if !(1..=1000).contains(&n) {
                return Err(scheme_err(
                    scheme,
                    format!("max_iter = {n} must be in 1..=1000"),
                ));
            }
            d.max_iter = n;
        }
        Ok(d)
    }
}

/// Registry rows: `<codec>+ldpc` and `<codec>@capacity` for every image codec of the build.
pub fn rows() -> Vec<crate::registry::SchemeRow> {
    let build: crate::registry::Constructor = |name, o| {
        let p: SeparationParams = o.params(name)?;
        let s = Separation::from_name(name, o.mcs.as_deref())?;
        let decoder = p.decoder_config(name)?;
        Ok(Box::new(semcom_core::PerView(s.with_decoder(decoder))))
    };
    let mut v = Vec::new();
    for c in codecs() {
        v.push(crate::registry::SchemeRow {
            name: format!("{c}+ldpc"),
            modalities: crate::registry::ANY_SOURCE,
            description: "separation: codec at the TB size + 5G NR LDPC + Gray QAM (MCS from --mcs, or adaptive)",
            in_demo: c == "jpeg",
            build,
        });
        v.push(crate::registry::SchemeRow {
            name: format!("{c}@capacity"),
            modalities: crate::registry::ANY_SOURCE,
            description: "separation bound: codec at R_max = k·log2(1+SNR) bits over an ideal capacity-achieving code",
            in_demo: c == "jpeg",
            build,
        });
    }
    v
}

#[cfg(test)]
mod tests;
