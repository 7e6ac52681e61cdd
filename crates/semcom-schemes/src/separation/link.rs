//! The channel-coding half of a separation scheme for one block of k channel uses, shared by
//! the image schemes (one block per image) and the video schemes (one block per frame slot):
//!
//! ```text
//! LDPC:     bytes ─► zero-pad to TBS A ─► CRC24A/CRC24B + LDPC + rate matching (TS 38.212)
//!                 ─► scrambling (TS 38.211 §7.3.1.1) ─► Gray QAM ─► ×s (P ≤ 1) ─► k uses
//!           k uses ─► [ZF with CSI] ─► ÷s ─► max-log LLRs ─► descrambling ─► layered min-sum
//!                 ─► CRCs ─► bytes, or None
//! capacity: bytes ─► ≤ ⌊R_max/8⌋, R_max = ⌊k·log2(1+SNR)⌋ ─► ideal code of rate R_max/k
//!                 ─► released iff R_max ≤ Σ_i log2(1 + |h_i|²/N0_i) of the block
//! ```

use crate::separation::bits::{bits_to_bytes, bytes_to_bits};
use crate::separation::ChannelCoding;
use semcom_channel::capacity::max_source_bits;
use semcom_channel::equalize::{equalize, Equalizer};
use semcom_channel::modulation::{Demapper, Modulation};
use semcom_core::{Complex32, CoreError, Received, Result};
use semcom_ldpc::scramble::{descramble_llrs, scramble_bits};
use semcom_ldpc::{DecoderConfig, Mcs, NrConfig, TransportBlockCodec};

/// `c_init` of the scrambling sequence (fixed, known to both ends).
const SCRAMBLE_CINIT: u32 = 0x5EC0;
/// MCS index marking the capacity variant in the side information.
pub const CAPACITY_MCS: u8 = 255;

/// The coding of one block of `k` channel uses, known to both ends from the side information.
#[derive(Clone, Debug)]
pub enum BlockCoding {
    /// 5G NR transport block at one MCS.
    Ldpc {
        /// Index of the MCS in `Mcs::table()` (sent as side information).
        index: u8,
        /// Modulation order Qm.
        qm: usize,
        /// The transport-block configuration for G = k·Qm coded bits.
        cfg: NrConfig,
        /// Decoder settings.
        decoder: DecoderConfig,
    },
    /// An ideal capacity-achieving code carrying R_max bits in k uses.
    Capacity {
        /// Channel uses.
        k: usize,
        /// R_max = ⌊k·log2(1+SNR)⌋ bits.
        r_max: u64,
    },
}

fn link_err(msg: impl std::fmt::Display) -> CoreError {
    CoreError::Scheme {
        scheme: "separation".into(),
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

impl BlockCoding {
    /// The transmitter's choice for `k` channel uses at `snr_db`: `coding` with its fixed or
    /// adaptive MCS ([`ChannelCoding::mcs_for`]).
    pub fn for_block(coding: &ChannelCoding, k: usize, snr_db: f64) -> Result<Self> {
        match (coding, coding.mcs_for(snr_db)) {
            (ChannelCoding::Ldpc { decoder, .. }, Some(m)) => {
                let index = Mcs::table()
                    .iter()
                    .position(|t| t.name == m.name)
                    .unwrap_or(0) as u8;
                Self::ldpc(index, k, *decoder)
            }
            _ => Ok(Self::Capacity {
                k,
                r_max: max_source_bits(k as u64, snr_db),
            }),
        }
    }

    /// The receiver's view from the sent MCS index (255 = capacity) for `k` received uses.
    pub fn from_index(index: u8, k: usize, snr_db: f64, decoder: DecoderConfig) -> Result<Self> {
        if index == CAPACITY_MCS {
            Ok(Self::Capacity {
                k,
                r_max: max_source_bits(k as u64, snr_db),
            })
        } else {
            Self::ldpc(index, k, decoder)
        }
    }

    fn ldpc(index: u8, k: usize, decoder: DecoderConfig) -> Result<Self> {
        let mcs = *Mcs::table()
            .get(index as usize)
            .ok_or_else(|| CoreError::Payload(format!("MCS index {index}")))?;
        let qm = mcs.modulation_order;
        let cfg = NrConfig::for_channel(k * qm, mcs.rate, qm)
            .map_err(|e| link_err(format!("{k} channel uses at {}: {e}", mcs.name)))?;
        Ok(Self::Ldpc {
            index,
            qm,
            cfg,
            decoder,
        })
    }

    /// Index sent in the side information.
    pub fn index(&self) -> u8 {
        match self {
            Self::Ldpc { index, .. } => *index,
            Self::Capacity { .. } => CAPACITY_MCS,
        }
    }

    /// Source bits the block carries (the TBS A, or R_max): the accounting's payload bits.
    pub fn payload_bits(&self) -> u64 {
        match self {
            Self::Ldpc { cfg, .. } => cfg.tbs as u64,
            Self::Capacity { r_max, .. } => *r_max,
        }
    }

    /// Whole bytes of source stream the block carries: ⌊A/8⌋ or ⌊R_max/8⌋.
    pub fn capacity_bytes(&self) -> usize {
        (self.payload_bits() / 8) as usize
    }

    /// Channel symbols of `stream` (≤ [`Self::capacity_bytes`]) and the amplitude scale s ≤ 1
    /// applied to keep the block's average power ≤ 1. The capacity variant sends k
    /// constant-modulus symbols (QPSK of the scrambled stream); its stream travels as a genie
    /// (see the module documentation of `separation`).
    pub fn transmit(&self, stream: &[u8]) -> Result<(Vec<Complex32>, f32)> {
        if stream.len() > self.capacity_bytes() {
            return Err(link_err(format!(
                "{} bytes exceed the block's {}",
                stream.len(),
                self.capacity_bytes()
            )));
        }
        let (bits_len, qm) = match self {
            Self::Ldpc { cfg, qm, .. } => (cfg.tbs, *qm),
            Self::Capacity { k, .. } => (2 * k, 2),
        };
        let mut bits = Vec::with_capacity(bits_len);
        bytes_to_bits(stream, &mut bits);
        bits.resize(bits_len, 0);
        let mut coded = match self {
            Self::Ldpc { cfg, .. } => TransportBlockCodec::new(*cfg)
                .and_then(|tb| tb.encode(&bits))
                .map_err(link_err)?,
            Self::Capacity { .. } => bits,
        };
        scramble_bits(&mut coded, SCRAMBLE_CINIT);
        let mut x = modulation_for(qm)?.modulate(&coded)?;
        let scale = unit_power_scale(&x);
        for s in &mut x {
            *s *= scale;
        }
        Ok((x, scale))
    }

    /// The receiver: `len` stream bytes from the received block (`y`, `csi`, `noise_var` as
    /// the channel returns them), or `None` when a CRC fails, the block cannot carry R_max, or
    /// `len` is out of range. `genie` is the capacity variant's stream.
    pub fn receive(
        &self,
        y: &[Complex32],
        csi: &[Complex32],
        noise_var: &[f32],
        scale: f32,
        len: usize,
        genie: &[u8],
    ) -> Result<Option<Vec<u8>>> {
        if noise_var.is_empty() || (noise_var.len() != 1 && noise_var.len() != y.len()) {
            return Err(CoreError::Payload("noise variance length".into()));
        }
        if !csi.is_empty() && csi.len() != y.len() {
            return Err(CoreError::Payload("CSI length".into()));
        }
        if len == 0 || len > self.capacity_bytes() {
            return Ok(None);
        }
        match self {
            Self::Capacity { r_max, .. } => {
                let mi = block_mutual_information(csi, noise_var, y.len());
                let ok = *r_max as f64 <= mi + 1e-6 * y.len() as f64;
                Ok((ok && genie.len() >= len).then(|| genie[..len].to_vec()))
            }
            Self::Ldpc {
                cfg, qm, decoder, ..
            } => {
                if !(scale > 0.0 && scale <= 1.0) || y.len() * qm != cfg.g {
                    return Ok(None);
                }
                let (ye, nv) = equalised(y, csi, noise_var)?;
                // Undo the amplitude scale: y/s has noise variance N0/s².
                let ys: Vec<Complex32> = ye.iter().map(|v| v / scale).collect();
                let nvs: Vec<f32> = nv.iter().map(|v| v / (scale * scale)).collect();
                let mut llr = modulation_for(*qm)?.demap(&ys, &nvs, Demapper::MaxLog)?;
                for l in llr.iter_mut().filter(|l| !l.is_finite()) {
                    *l = if l.is_nan() { 0.0 } else { l.signum() * 1e4 };
                }
                let g = cfg.g.min(llr.len());
                descramble_llrs(&mut llr[..g], SCRAMBLE_CINIT);
                let res = TransportBlockCodec::new(*cfg)
                    .and_then(|tb| tb.decode(&llr, decoder))
                    .map_err(link_err)?;
                if !res.tb_crc_ok || res.cb_crc_ok.iter().any(|ok| !ok) {
                    return Ok(None);
                }
                Ok(Some(bits_to_bytes(&res.bits[..len * 8])))
            }
        }
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
