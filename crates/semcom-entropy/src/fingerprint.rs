//! FNV-1a 64-bit hashing of integer tables: the fingerprints that golden tests freeze and
//! that codecs put into their model fingerprint.

/// Incremental FNV-1a (64-bit) over little-endian integers.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv64 {
    /// The FNV-1a offset basis.
    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// Hashes bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ x as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Hashes a u64 as 8 little-endian bytes.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// The hash value.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash of every frozen f64-derived table of the crate: the three standard CDF tables, the
/// standard scale table and the softmax table. A golden test pins this value.
pub fn frozen_tables_fingerprint() -> u64 {
    use crate::models::{mixture, Family, ScaleTable};
    let mut h = Fnv64::new();
    for f in Family::ALL {
        f.table().iter().for_each(|&v| h.u64(v));
    }
    ScaleTable::standard().hash_into(&mut h);
    mixture::exp_neg_table_hash(&mut h);
    h.finish()
}
