//! Transport block CRC choice (TS 38.212 §7.2.1), LDPC base graph selection (§7.2.2), code block
//! segmentation (§5.2.2) and transport block size determination (TS 38.214 §5.1.3.2).

use crate::crc::Crc;
use crate::error::{LdpcError, Result};
use crate::graph::{min_lifting_size, BaseGraph};

/// Transport-block CRC of TS 38.212 §7.2.1: CRC24A when A > 3824, CRC16 otherwise.
pub fn tb_crc(a: usize) -> Crc {
    if a > 3824 {
        Crc::Crc24A
    } else {
        Crc::Crc16
    }
}

/// LDPC base graph selection of TS 38.212 §7.2.2 for payload A and target code rate R.
pub fn select_base_graph(a: usize, rate: f64) -> BaseGraph {
    if a <= 292 || (a <= 3824 && rate <= 0.67) || rate <= 0.25 {
        BaseGraph::Bg2
    } else {
        BaseGraph::Bg1
    }
}

/// Result of code block segmentation (TS 38.212 §5.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segmentation {
    /// Base graph.
    pub bg: BaseGraph,
    /// Number of code blocks C.
    pub c: usize,
    /// Bits per code block before filler bits, including the CB CRC (K').
    pub k_prime: usize,
    /// Code block size after filler bits (K = 22 Zc or 10 Zc).
    pub k: usize,
    /// Lifting size Zc.
    pub z: usize,
    /// CB CRC length L (0 when C = 1, else 24).
    pub l: usize,
}

impl Segmentation {
    /// Segments B bits (TB with its CRC) for base graph `bg` (§5.2.2). Errors when B' is not a
    /// multiple of C (TBS of TS 38.214 always satisfy this).
    pub fn new(b: usize, bg: BaseGraph) -> Result<Self> {
        if b == 0 {
            return Err(LdpcError::Config("empty transport block".into()));
        }
        let kcb = bg.kcb();
        let (l, c) = if b <= kcb {
            (0, 1)
        } else {
            (24, b.div_ceil(kcb - 24))
        };
        let b_prime = b + c * l;
        if !b_prime.is_multiple_of(c) {
            return Err(LdpcError::Config(format!(
                "B' = {b_prime} is not a multiple of C = {c}; use a TBS from TS 38.214 (NrConfig::for_channel)"
            )));
        }
        let k_prime = b_prime / c;
        let kb = match bg {
            BaseGraph::Bg1 => 22,
            BaseGraph::Bg2 if b > 640 => 10,
            BaseGraph::Bg2 if b > 560 => 9,
            BaseGraph::Bg2 if b > 192 => 8,
            BaseGraph::Bg2 => 6,
        };
        let z = min_lifting_size(kb, k_prime)?;
        let k = bg.info_cols() * z;
        Ok(Self {
            bg,
            c,
            k_prime,
            k,
            z,
            l,
        })
    }

    /// Number of filler bits per code block (K − K').
    pub fn fillers(&self) -> usize {
        self.k - self.k_prime
    }
}

/// TS 38.214 Table 5.1.3.2-1: TBS for N_info ≤ 3824.
const TBS_TABLE: [usize; 93] = [
    24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160, 168, 176, 184,
    192, 208, 224, 240, 256, 272, 288, 304, 320, 336, 352, 368, 384, 408, 432, 456, 480, 504, 528,
    552, 576, 608, 640, 672, 704, 736, 768, 808, 848, 888, 928, 984, 1032, 1064, 1128, 1160, 1192,
    1224, 1256, 1288, 1320, 1352, 1416, 1480, 1544, 1608, 1672, 1736, 1800, 1864, 1928, 2024, 2088,
    2152, 2216, 2280, 2408, 2472, 2536, 2600, 2664, 2728, 2792, 2856, 2976, 3104, 3240, 3368, 3496,
    3624, 3752, 3824,
];

/// Transport block size of TS 38.214 §5.1.3.2 steps 2–4 for N_info = `n_info` and code rate R.
pub fn tbs_from_ninfo(n_info: f64, rate: f64) -> Result<usize> {
    if !(n_info.is_finite() && rate.is_finite()) || n_info < 1.0 {
        return Err(LdpcError::Config(format!(
            "N_info = {n_info} too small for a transport block"
        )));
    }
    if n_info <= 3824.0 {
        let n = (n_info.log2().floor() as i64 - 6).max(3) as u32;
        let p = (1u64 << n) as f64;
        let n_prime = (p * (n_info / p).floor()).max(24.0) as usize;
        Ok(*TBS_TABLE.iter().find(|&&t| t >= n_prime).unwrap_or(&3824))
    } else {
        let n = ((n_info - 24.0).log2().floor() as i64 - 5) as u32;
        let p = (1u64 << n) as f64;
        let n_prime = (p * ((n_info - 24.0) / p).round()).max(3840.0);
        let c = if rate <= 0.25 {
            ((n_prime + 24.0) / 3816.0).ceil()
        } else if n_prime > 8424.0 {
            ((n_prime + 24.0) / 8424.0).ceil()
        } else {
            1.0
        };
        Ok((8.0 * c * ((n_prime + 24.0) / (8.0 * c)).ceil() - 24.0) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmentation_examples() {
        // single block, BG1, K' = 8448 → Zc = 384
        let s = Segmentation::new(8448, BaseGraph::Bg1).unwrap();
        assert_eq!((s.c, s.k_prime, s.z, s.k, s.l), (1, 8448, 384, 8448, 0));
        // two blocks
        let s = Segmentation::new(8449 + 15, BaseGraph::Bg1).unwrap();
        assert_eq!(s.c, 2);
        assert_eq!(s.k_prime, (8464 + 48) / 2);
        // BG2 small: B = 100 → Kb = 6, Zc = 18 (6·16 = 96 < 100)
        let s = Segmentation::new(100, BaseGraph::Bg2).unwrap();
        assert_eq!((s.z, s.k), (18, 180));
        assert!(Segmentation::new(0, BaseGraph::Bg1).is_err());
    }

    #[test]
    fn tbs_values() {
        assert_eq!(tbs_from_ninfo(1000.0, 0.5).unwrap(), 1032); // smallest table TBS ≥ 1000
        assert_eq!(tbs_from_ninfo(24.0, 0.5).unwrap(), 24);
        // large: divisible segmentation
        for ninfo in [4000.0, 9000.0, 20000.0, 50000.0, 100000.0] {
            let a = tbs_from_ninfo(ninfo, 0.5).unwrap();
            assert_eq!(a % 8, 0);
            let b = a + tb_crc(a).len();
            let bg = select_base_graph(a, 0.5);
            Segmentation::new(b, bg).unwrap();
        }
        assert!(tbs_from_ninfo(f64::NAN, 0.5).is_err());
    }
}
