//! What one transmission actually sent: the accounting every run returns.

use serde::{Deserialize, Serialize};

/// What crossed the channel in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelUseKind {
    /// Complex symbols (analog/JSCC schemes, and digital schemes after modulation).
    ComplexSymbols,
    /// Binary channel uses (bit channels such as BSC, BEC and the DS²C² block channel).
    Bits,
}

/// The accounting of one run of a chain.
///
/// * `k/n = channel_uses / source_samples` with n = C·H·W (see [`crate::budget`]).
/// * `bpp = (payload_bits + side_bits) / pixels`; analog schemes have `payload_bits = 0`
///   and their BPP is only the side information.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accounting {
    /// Channel uses (complex symbols, or bits on a bit channel).
    pub channel_uses: u64,
    /// Kind of channel use.
    pub channel_use_kind: ChannelUseKind,
    /// Source-coded payload bits carried over the noisy channel (0 for analog schemes).
    pub payload_bits: u64,
    /// Side-information bits sent error-free outside the channel (masks, boxes, rate maps, MCS).
    pub side_bits: u64,
    /// Real source samples n = C·H·W (of the original, unpadded source).
    pub source_samples: u64,
    /// Pixels H·W (of the original, unpadded source).
    pub pixels: u64,
    /// Whether the receiver decoded the payload (CRC passed, bitstream parsed, …) of every view.
    pub decode_ok: bool,
    /// Blocks sent (channel calls).
    #[serde(default)]
    pub blocks: u64,
    /// Bytes of the source-coded stream sent (digital schemes; 0 = nothing fitted the budget).
    #[serde(default)]
    pub stream_bytes: Option<u64>,
    /// Why the receiver shows a fallback (`None` when `decode_ok`).
    #[serde(default)]
    pub failure: Option<crate::chain::DecodeFailure>,
}

impl Accounting {
    /// k/n: channel uses per real source sample.
    pub fn k_over_n(&self) -> f64 {
        self.channel_uses as f64 / self.source_samples.max(1) as f64
    }
    /// Channel uses per pixel (the per-pixel convention, = C·k/n).
    pub fn channel_uses_per_pixel(&self) -> f64 {
        self.channel_uses as f64 / self.pixels.max(1) as f64
    }
    /// Total bits per pixel, payload plus side information.
    pub fn bpp(&self) -> f64 {
        (self.payload_bits + self.side_bits) as f64 / self.pixels.max(1) as f64
    }
    /// Payload bits per pixel.
    pub fn payload_bpp(&self) -> f64 {
        self.payload_bits as f64 / self.pixels.max(1) as f64
    }
    /// Side-information bits per pixel.
    pub fn side_bpp(&self) -> f64 {
        self.side_bits as f64 / self.pixels.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios() {
        let a = Accounting {
            channel_uses: 512,
            channel_use_kind: ChannelUseKind::ComplexSymbols,
            payload_bits: 1024,
            side_bits: 512,
            source_samples: 3072,
            pixels: 1024,
            decode_ok: true,
            blocks: 1,
            stream_bytes: None,
            failure: None,
        };
        assert!((a.k_over_n() - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(a.channel_uses_per_pixel(), 0.5);
        assert_eq!(a.bpp(), 1.5);
        assert_eq!(a.payload_bpp(), 1.0);
        assert_eq!(a.side_bpp(), 0.5);
    }
}
