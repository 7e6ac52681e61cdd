//! Base graphs and lifting (TS 38.212 §5.3.2): lifting sizes of Table 5.3.2-1, base graph
//! tables 5.3.2-2/3 and the quasi-cyclic parity-check matrix H = [P^{V_ij mod Zc}].

use crate::error::{LdpcError, Result};
use crate::tables;

/// LDPC base graph (TS 38.212 §5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BaseGraph {
    /// Base graph 1: 46 × 68, 22 systematic block columns, N = 66 Zc.
    Bg1,
    /// Base graph 2: 42 × 52, 10 systematic block columns, N = 50 Zc.
    Bg2,
}

/// Lifting sizes of TS 38.212 Table 5.3.2-1 (all 51), sorted.
pub const LIFTING_SIZES: [usize; 51] = [
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 26, 28, 30, 32, 36, 40, 44,
    48, 52, 56, 60, 64, 72, 80, 88, 96, 104, 112, 120, 128, 144, 160, 176, 192, 208, 224, 240, 256,
    288, 320, 352, 384,
];

/// Set index iLS of lifting size `z` (TS 38.212 Table 5.3.2-1: Zc = a·2^j, a ∈ {2,3,5,7,9,11,13,15}).
pub fn set_index(z: usize) -> Result<usize> {
    const A: [usize; 8] = [2, 3, 5, 7, 9, 11, 13, 15];
    if !LIFTING_SIZES.contains(&z) {
        return Err(LdpcError::Config(format!(
            "{z} is not a 5G NR lifting size"
        )));
    }
    let mut a = z;
    while a.is_multiple_of(2) && a > 2 {
        a /= 2;
    }
    // z = 2^j is in set 0 (a = 2), other z reduce to their odd factor.
    A.iter()
        .position(|&x| x == a)
        .ok_or_else(|| LdpcError::Config(format!("{z} is not a 5G NR lifting size")))
}

impl BaseGraph {
    /// Number of block rows (46 or 42).
    pub fn rows(self) -> usize {
        match self {
            BaseGraph::Bg1 => 46,
            BaseGraph::Bg2 => 42,
        }
    }
    /// Number of block columns (68 or 52).
    pub fn cols(self) -> usize {
        match self {
            BaseGraph::Bg1 => 68,
            BaseGraph::Bg2 => 52,
        }
    }
    /// Number of systematic block columns Kb-max (22 or 10; K = 22 Zc or 10 Zc, §5.2.2).
    pub fn info_cols(self) -> usize {
        match self {
            BaseGraph::Bg1 => 22,
            BaseGraph::Bg2 => 10,
        }
    }
    /// Maximum code block size Kcb (8448 or 3840, §5.2.2).
    pub fn kcb(self) -> usize {
        match self {
            BaseGraph::Bg1 => 8448,
            BaseGraph::Bg2 => 3840,
        }
    }
    fn table(self) -> &'static [tables::Entry] {
        match self {
            BaseGraph::Bg1 => &tables::BG1,
            BaseGraph::Bg2 => &tables::BG2,
        }
    }
}

/// One circulant of the lifted matrix: block column and shift P_ij = V_ij mod Zc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Circulant {
    /// Block column index.
    pub col: usize,
    /// Cyclic shift: row r of the block has its one in column (r + shift) mod Zc.
    pub shift: usize,
}

/// The lifted quasi-cyclic parity-check matrix of a base graph for one lifting size Zc
/// (TS 38.212 §5.3.2: H is obtained by replacing each entry V_ij by the Zc×Zc identity
/// cyclically shifted by V_ij mod Zc, and each empty entry by zeros).
#[derive(Clone, Debug)]
pub struct QcMatrix {
    /// Base graph.
    pub bg: BaseGraph,
    /// Lifting size Zc.
    pub z: usize,
    /// Block rows, each a list of circulants sorted by column.
    pub rows: Vec<Vec<Circulant>>,
}

impl QcMatrix {
    /// Lifts `bg` with lifting size `z` (one of [`LIFTING_SIZES`]).
    pub fn new(bg: BaseGraph, z: usize) -> Result<Self> {
        let ils = set_index(z)?;
        let mut rows = vec![Vec::new(); bg.rows()];
        for &(i, j, v) in bg.table() {
            rows[i as usize].push(Circulant {
                col: j as usize,
                shift: v[ils] as usize % z,
            });
        }
        for r in &mut rows {
            r.sort_by_key(|c| c.col);
        }
        Ok(Self { bg, z, rows })
    }

    /// Number of edges (non-zero circulants) in the first `m` block rows.
    pub fn edges(&self, m: usize) -> usize {
        self.rows[..m].iter().map(Vec::len).sum()
    }

    /// Syndrome weight of a bit vector (one byte per bit) over the first `m` block rows, i.e. the
    /// number of unsatisfied parity checks of H·c. `c` must hold at least the block columns used.
    pub fn syndrome_weight(&self, c: &[u8], m: usize) -> usize {
        let z = self.z;
        let mut s = vec![0u8; z];
        let mut w = 0;
        for row in &self.rows[..m] {
            s.fill(0);
            for e in row {
                xor_rotated(&mut s, &c[e.col * z..(e.col + 1) * z], e.shift);
            }
            w += s.iter().filter(|&&b| b != 0).count();
        }
        w
    }
}

/// `acc[r] ^= x[(r + shift) mod Z]`: multiplication by the circulant P^shift, accumulated.
pub(crate) fn xor_rotated(acc: &mut [u8], x: &[u8], shift: usize) {
    let z = x.len();
    let (a, b) = acc.split_at_mut(z - shift);
    for (o, i) in a.iter_mut().zip(&x[shift..]) {
        *o ^= *i;
    }
    for (o, i) in b.iter_mut().zip(&x[..shift]) {
        *o ^= *i;
    }
}

/// Smallest lifting size Zc with `kb · Zc ≥ k_prime` (TS 38.212 §5.2.2).
pub fn min_lifting_size(kb: usize, k_prime: usize) -> Result<usize> {
    LIFTING_SIZES
        .iter()
        .copied()
        .find(|&z| kb * z >= k_prime)
        .ok_or_else(|| LdpcError::Config(format!("K' = {k_prime} exceeds Kb·384 = {}", kb * 384)))
}
