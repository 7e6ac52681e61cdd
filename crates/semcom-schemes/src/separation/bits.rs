//! Bit plumbing of the separation schemes: bytes ↔ bits (MSB first), the NR scrambling
//! sequence (TS 38.211 §5.2.1 length-31 Gold sequence) and the side-information record.

/// Bytes to bits, MSB first, one 0/1 value per byte.
pub fn bytes_to_bits(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        for i in (0..8).rev() {
            out.push((b >> i) & 1);
        }
    }
}

/// Bits (MSB first) to bytes; a trailing partial byte is dropped.
pub fn bits_to_bytes(bits: &[u8]) -> Vec<u8> {
    bits.chunks_exact(8)
        .map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | (b & 1)))
        .collect()
}

/// Side information of a separation scheme: MCS index (8 bits, 255 = capacity variant),
/// codec stream length in bytes (32 bits) and the transmit amplitude scale (f32, 32 bits).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Side {
    /// Index in `Mcs::table()` (255 for the capacity variant).
    pub mcs: u8,
    /// Codec stream length in bytes (0 = nothing decodable was sent).
    pub len: u32,
    /// Amplitude scale applied to the symbols (≤ 1, keeps the block's average power ≤ 1).
    pub scale: f32,
}

impl Side {
    /// Serialised size in bits.
    pub const BITS: u64 = 72;
    /// Serialised size in bytes.
    pub const BYTES: usize = 9;

    /// Serialises to 9 bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut v = vec![self.mcs];
        v.extend_from_slice(&self.len.to_le_bytes());
        v.extend_from_slice(&self.scale.to_le_bytes());
        v
    }

    /// Parses the first 9 bytes; `None` if too short or the scale is not in (0, 1].
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < 9 {
            return None;
        }
        let len = u32::from_le_bytes(b[1..5].try_into().ok()?);
        let scale = f32::from_le_bytes(b[5..9].try_into().ok()?);
        if !(scale > 0.0 && scale <= 1.0) {
            return None;
        }
        Some(Self {
            mcs: b[0],
            len,
            scale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip() {
        let mut bits = Vec::new();
        bytes_to_bits(&[0xA5, 0x01], &mut bits);
        assert_eq!(bits, [1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(bits_to_bytes(&bits), [0xA5, 0x01]);
    }

    #[test]
    fn side_round_trip() {
        let s = Side {
            mcs: 7,
            len: 12345,
            scale: 0.99,
        };
        assert_eq!(Side::from_bytes(&s.to_bytes()), Some(s));
        assert_eq!(Side::from_bytes(&[0; 4]), None);
    }
}
