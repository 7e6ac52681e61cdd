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

use crate::separation::bits::{bits_to_bytes, bytes_to_bits, gold_sequence, Side};
use semcom_channel::capacity::max_source_bits;
use semcom_channel::equalize::{equalize, Equalizer};
use semcom_channel::modulation::{Demapper, Modulation};
use semcom_codecs::{codec_by_name, with_channels, CodecError, ImageCodec, RateTarget};
use semcom_core::chain::SourceMeta;
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, Complex32, CoreError, Decoded, Encoded, Image, LinkInfo, Payload, Received, Result,
    Scheme, SideInfo,
};
use semcom_ldpc::{DecoderConfig, Mcs, NrConfig, TransportBlockCodec};

/// Margin (dB) below the SNR at which the adaptive variant picks its MCS threshold.
pub const ADAPTIVE_MARGIN_DB: f64 = 1.0;
/// `c_init` of the scrambling sequence (fixed, known to both ends).
const SCRAMBLE_CINIT: u32 = 0x5EC0;
/// MCS index marking the capacity variant in the side information.
const CAPACITY_MCS: u8 = 255;

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

fn scheme_err(name: &str, msg: impl std::fmt::Display) -> CoreError {
    CoreError::Scheme {
        scheme: name.into(),
        msg: msg.to_string(),
    }
}

/// The QAM of modulation order Qm.
fn modulation_for(qm: usize) -> Result<Modulation> {
    Ok(match qm {
        1 => Modulation::Bpsk,
        2 => Modulation::Qpsk,
        4 => Modulation::Qam16,
        6 => Modulation::Qam64,
        8 => Modulation::Qam256,
        _ => return Err(CoreError::Payload(format!("modulation order {qm}"))),
    })
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
        let parse_mcs = |m: &str| m.parse::<Mcs>().map_err(|e| scheme_err(name, e));
        if let Some(c) = name.strip_suffix("+ldpc") {
            Self::ldpc(c, mcs.map(parse_mcs).transpose()?)
        } else if let Some(c) = name.strip_suffix("@capacity") {
            Self::capacity(c)
        } else {
            Err(scheme_err(
                name,
                "not a separation scheme (<codec>+ldpc or <codec>@capacity)",
            ))
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
        match &self.coding {
            ChannelCoding::Ldpc { mcs: Some(m), .. } => Some(*m),
            ChannelCoding::Ldpc { mcs: None, .. } => Some(
                Mcs::best_for_snr(snr_db, ADAPTIVE_MARGIN_DB).unwrap_or_else(|| Mcs::table()[0]),
            ),
            ChannelCoding::Capacity => None,
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
    fn reconstruct(&self, stream: &[u8], meta: &SourceMeta) -> Option<Image> {
        if stream.is_empty() {
            return None;
        }
        let img = with_channels(self.codec.decode(stream).ok()?, meta.channels);
        (SourceMeta::of(&img) == *meta).then_some(img)
    }

    fn encode_ldpc(&self, src: &Image, k: usize, mcs: Mcs) -> Result<Encoded> {
        let idx = Mcs::table()
            .iter()
            .position(|m| m.name == mcs.name)
            .unwrap_or(0) as u8;
        let qm = mcs.modulation_order;
        let cfg =
            NrConfig::for_channel(k * qm, mcs.rate, qm).map_err(|e| scheme_err(&self.name, e))?;
        let tb = TransportBlockCodec::new(cfg).map_err(|e| scheme_err(&self.name, e))?;
        let stream = self.source(src, cfg.tbs / 8)?;
        let mut bits = Vec::with_capacity(cfg.tbs);
        bytes_to_bits(&stream, &mut bits);
        bits.resize(cfg.tbs, 0);
        let mut coded = tb.encode(&bits).map_err(|e| scheme_err(&self.name, e))?;
        for (b, c) in coded.iter_mut().zip(gold_sequence(SCRAMBLE_CINIT, cfg.g)) {
            *b ^= c;
        }
        let mut x = modulation_for(qm)?.modulate(&coded)?;
        let scale = unit_power_scale(&x);
        for s in &mut x {
            *s *= scale;
        }
        let side = Side {
            mcs: idx,
            len: stream.len() as u32,
            scale,
        };
        Ok(Encoded {
            payload: Payload::Symbols(x),
            side: SideInfo {
                bytes: side.to_bytes(),
                bits: Side::BITS,
            },
            payload_bits: cfg.tbs as u64,
        })
    }

    fn decode_ldpc(
        &self,
        y: &[Complex32],
        nv: &[f32],
        side: &Side,
        meta: &SourceMeta,
    ) -> Result<Option<Image>> {
        let mcs = *Mcs::table()
            .get(side.mcs as usize)
            .ok_or_else(|| CoreError::Payload(format!("MCS index {}", side.mcs)))?;
        let qm = mcs.modulation_order;
        let cfg = NrConfig::for_channel(y.len() * qm, mcs.rate, qm)
            .map_err(|e| scheme_err(&self.name, e))?;
        if side.len == 0 || side.len as usize * 8 > cfg.tbs {
            return Ok(None);
        }
        let tb = TransportBlockCodec::new(cfg).map_err(|e| scheme_err(&self.name, e))?;
        // Undo the amplitude scale: y/s has noise variance N0/s².
        let s = side.scale;
        let ys: Vec<Complex32> = y.iter().map(|v| v / s).collect();
        let nvs: Vec<f32> = nv.iter().map(|v| v / (s * s)).collect();
        let mut llr = modulation_for(qm)?.demap(&ys, &nvs, Demapper::MaxLog)?;
        for (l, c) in llr.iter_mut().zip(gold_sequence(SCRAMBLE_CINIT, cfg.g)) {
            if !l.is_finite() {
                *l = if l.is_nan() { 0.0 } else { l.signum() * 1e4 };
            }
            if c == 1 {
                *l = -*l;
            }
        }
        let ChannelCoding::Ldpc { decoder, .. } = &self.coding else {
            unreachable!()
        };
        let res = tb
            .decode(&llr, decoder)
            .map_err(|e| scheme_err(&self.name, e))?;
        if !res.tb_crc_ok || res.cb_crc_ok.iter().any(|ok| !ok) {
            return Ok(None);
        }
        Ok(self.reconstruct(&bits_to_bytes(&res.bits[..side.len as usize * 8]), meta))
    }
}

/// Amplitude scale s ≤ 1 that brings the block's average power (1/k)Σ|x|² to at most 1.
fn unit_power_scale(x: &[Complex32]) -> f32 {
    let p = semcom_core::chain::average_power(x);
    if p > 1.0 {
        (1.0 / p.sqrt()) as f32 * (1.0 - 1e-6)
    } else {
        1.0
    }
}

/// Equalised symbols and their per-symbol noise variance (ZF with CSI, as received otherwise).
fn equalised(
    y: &[Complex32],
    csi: &[Complex32],
    noise_var: &[f32],
) -> Result<(Vec<Complex32>, Vec<f32>)> {
    if csi.is_empty() {
        let nv = (0..y.len())
            .map(|i| Received::noise_var_at(noise_var, i))
            .collect();
        return Ok((y.to_vec(), nv));
    }
    Ok(equalize(y, csi, noise_var, Equalizer::Zf)?)
}

/// Mutual information Σ log2(1 + |h_i|²/N0_i) of a received block (bits), Gaussian input.
pub fn block_mutual_information(csi: &[Complex32], noise_var: &[f32], k: usize) -> f64 {
    (0..k)
        .map(|i| {
            let g = csi.get(i).map_or(1.0, |h| h.norm_sqr() as f64);
            let n0 = (Received::noise_var_at(noise_var, i) as f64).max(1e-30);
            (1.0 + g / n0).log2()
        })
        .sum()
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
        let k = budget.max_channel_uses(src.samples()).ok_or_else(|| {
            CoreError::InvalidBudget(format!(
                "{} needs a k/n budget, got {}",
                self.name,
                budget.label()
            ))
        })?;
        if k == 0 {
            return Err(CoreError::InvalidBudget(format!(
                "{}: zero channel uses",
                budget.label()
            )));
        }
        match self.mcs_for(link.snr_db) {
            Some(mcs) => self.encode_ldpc(src, k, mcs),
            None => {
                let r_max = max_source_bits(k as u64, link.snr_db);
                let stream = self.source(src, (r_max / 8) as usize)?;
                let mut bits = Vec::with_capacity(2 * k);
                bytes_to_bits(&stream, &mut bits);
                bits.resize(2 * k, 0);
                for (b, c) in bits.iter_mut().zip(gold_sequence(SCRAMBLE_CINIT, 2 * k)) {
                    *b ^= c;
                }
                let x = Modulation::Qpsk.modulate(&bits)?;
                let mut bytes = Side {
                    mcs: CAPACITY_MCS,
                    len: stream.len() as u32,
                    scale: 1.0,
                }
                .to_bytes();
                bytes.extend_from_slice(&stream); // genie: carried, counted as payload (see module doc)
                Ok(Encoded {
                    payload: Payload::Symbols(x),
                    side: SideInfo {
                        bytes,
                        bits: Side::BITS,
                    },
                    payload_bits: r_max,
                })
            }
        }
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
        if noise_var.is_empty() || (noise_var.len() != 1 && noise_var.len() != y.len()) {
            return Err(CoreError::Payload("noise variance length".into()));
        }
        let img = if s.mcs == CAPACITY_MCS {
            let r_max = max_source_bits(y.len() as u64, link.snr_db) as f64;
            let mi = block_mutual_information(csi, noise_var, y.len());
            let stream = side.bytes.get(9..9 + s.len as usize).unwrap_or(&[]);
            if r_max <= mi + 1e-6 * y.len() as f64 {
                self.reconstruct(stream, meta)
            } else {
                None
            }
        } else {
            let (ye, nv) = equalised(y, csi, noise_var)?;
            self.decode_ldpc(&ye, &nv, &s, meta)?
        };
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
