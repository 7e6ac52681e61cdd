//! Cyclic redundancy checks of TS 38.212 §5.1 (gCRC24A, gCRC24B, gCRC16), bit-serial over one
//! byte per bit, zero initial state, parity bits appended most significant first.

/// A CRC generator polynomial of TS 38.212 §5.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crc {
    /// gCRC24A(D) = D²⁴+D²³+D¹⁸+D¹⁷+D¹⁴+D¹¹+D¹⁰+D⁷+D⁶+D⁵+D⁴+D³+D+1 (transport blocks > 3824 bits).
    Crc24A,
    /// gCRC24B(D) = D²⁴+D²³+D⁶+D⁵+D+1 (code blocks after segmentation).
    Crc24B,
    /// gCRC16(D) = D¹⁶+D¹²+D⁵+1 (transport blocks ≤ 3824 bits).
    Crc16,
}

impl Crc {
    /// Number of parity bits L.
    pub fn len(self) -> usize {
        match self {
            Crc::Crc24A | Crc::Crc24B => 24,
            Crc::Crc16 => 16,
        }
    }
    /// Always false (a CRC has parity bits); present for API symmetry with `len`.
    pub fn is_empty(self) -> bool {
        false
    }
    fn poly(self) -> u32 {
        match self {
            Crc::Crc24A => 0x86_4CFB,
            Crc::Crc24B => 0x80_0063,
            Crc::Crc16 => 0x1021,
        }
    }

    /// Remainder of a(D)·D^L divided by g(D), for bits a₀ (highest power) … a_{A−1}.
    pub fn remainder(self, bits: &[u8]) -> u32 {
        let l = self.len() as u32;
        let top = 1u32 << (l - 1);
        let mask = (1u32 << l) - 1;
        let poly = self.poly();
        let mut reg = 0u32;
        for &b in bits {
            let fb = ((reg & top) != 0) ^ (b & 1 != 0);
            reg = (reg << 1) & mask;
            if fb {
                reg ^= poly;
            }
        }
        reg
    }

    /// Parity bits p₀ … p_{L−1} of `bits` (§5.1), one byte per bit.
    pub fn parity(self, bits: &[u8]) -> Vec<u8> {
        let r = self.remainder(bits);
        let l = self.len();
        (0..l).map(|i| ((r >> (l - 1 - i)) & 1) as u8).collect()
    }

    /// Appends the parity bits of `bits` to it.
    pub fn attach(self, bits: &mut Vec<u8>) {
        let p = self.parity(bits);
        bits.extend_from_slice(&p);
    }

    /// True when `bits` (data followed by L parity bits) has a zero remainder (§5.1).
    pub fn check(self, bits: &[u8]) -> bool {
        bits.len() >= self.len() && self.remainder(bits) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_then_check_and_detect_errors() {
        for crc in [Crc::Crc24A, Crc::Crc24B, Crc::Crc16] {
            let mut bits: Vec<u8> = (0..200u32).map(|i| ((i * 7 + i / 3) % 2) as u8).collect();
            crc.attach(&mut bits);
            assert!(crc.check(&bits));
            for pos in [0, 17, 100, bits.len() - 1] {
                let mut bad = bits.clone();
                bad[pos] ^= 1;
                assert!(!crc.check(&bad), "{crc:?} missed error at {pos}");
            }
            // any burst up to L bits is detected
            let mut bad = bits.clone();
            for b in &mut bad[50..50 + crc.len()] {
                *b ^= 1;
            }
            assert!(!crc.check(&bad));
        }
    }

    #[test]
    fn known_value_crc16() {
        // CRC-16/XMODEM (poly 0x1021, init 0, no reflection) of ASCII "123456789" is 0x31C3.
        let bits: Vec<u8> = b"123456789"
            .iter()
            .flat_map(|&c| (0..8).rev().map(move |i| (c >> i) & 1))
            .collect();
        assert_eq!(Crc::Crc16.remainder(&bits), 0x31C3);
    }
}
