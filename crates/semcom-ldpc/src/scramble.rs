//! Bit scrambling of the physical shared channel (TS 38.211 §7.3.1.1) with the pseudo-random
//! sequence c(n) of TS 38.211 §5.2.1: a length-31 Gold sequence, N_c = 1600.
//!
//! ```text
//! coded bits b(i) ─► b̃(i) = b(i) ⊕ c(i) ─► QAM            LLRs L(i) ─► (−1)^c(i) · L(i) ─► decoder
//! ```

/// The pseudo-random sequence c(n) of TS 38.211 §5.2.1 for initialisation `c_init`, `len` bits
/// (0/1 per byte).
pub fn gold_sequence(c_init: u32, len: usize) -> Vec<u8> {
    const NC: usize = 1600;
    let n = len + NC + 31;
    let mut x1 = vec![0u8; n];
    let mut x2 = vec![0u8; n];
    x1[0] = 1;
    for (i, v) in x2.iter_mut().take(31).enumerate() {
        *v = ((c_init >> i) & 1) as u8;
    }
    for i in 0..n - 31 {
        x1[i + 31] = x1[i + 3] ^ x1[i];
        x2[i + 31] = x2[i + 3] ^ x2[i + 2] ^ x2[i + 1] ^ x2[i];
    }
    (0..len).map(|i| x1[i + NC] ^ x2[i + NC]).collect()
}

/// Scrambles bits (0/1 per byte) in place: b̃(i) = b(i) ⊕ c(i).
pub fn scramble_bits(bits: &mut [u8], c_init: u32) {
    let c = gold_sequence(c_init, bits.len());
    for (b, c) in bits.iter_mut().zip(c) {
        *b ^= c;
    }
}

/// Descrambles LLRs in place (L = ln P(0)/P(1)): the sign flips where c(i) = 1.
pub fn descramble_llrs(llrs: &mut [f32], c_init: u32) {
    let c = gold_sequence(c_init, llrs.len());
    for (l, c) in llrs.iter_mut().zip(c) {
        if c == 1 {
            *l = -*l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_sequence_is_balanced_and_reproducible() {
        let c = gold_sequence(0x1234, 10_000);
        let ones = c.iter().filter(|&&b| b == 1).count();
        assert!((4_800..5_200).contains(&ones));
        assert_eq!(c, gold_sequence(0x1234, 10_000));
        assert_ne!(c, gold_sequence(0x1235, 10_000));
        // A prefix of a longer sequence is the shorter sequence.
        assert_eq!(gold_sequence(0x1234, 100), c[..100]);
    }

    #[test]
    fn scrambling_round_trips_bits_and_flips_llr_signs() {
        let bits: Vec<u8> = (0..500).map(|i| (i % 3 == 0) as u8).collect();
        let mut s = bits.clone();
        scramble_bits(&mut s, 77);
        assert_ne!(s, bits);
        let mut llr: Vec<f32> = s.iter().map(|&b| if b == 0 { 2.0 } else { -2.0 }).collect();
        descramble_llrs(&mut llr, 77);
        let back: Vec<u8> = llr.iter().map(|&l| (l < 0.0) as u8).collect();
        assert_eq!(back, bits);
    }
}
