//! LDPC rate matching (TS 38.212 §5.4.2): circular-buffer bit selection from k0(rv) skipping
//! filler bits (§5.4.2.1, Table 5.4.2.1-2), and bit interleaving for modulation order Qm
//! (§5.4.2.2); plus the exact receive inverse with soft combining of repeated bits.

use crate::error::{check_len, LdpcError, Result};
use crate::graph::BaseGraph;

/// Rate matcher for one code block: a precomputed map from output bit f_p to circular-buffer
/// position d_{map\[p\]}.
#[derive(Clone, Debug)]
pub struct RateMatcher {
    map: Vec<u32>,
    n: usize,
}

/// Starting position k0 of redundancy version `rv` (TS 38.212 Table 5.4.2.1-2).
pub fn k0(bg: BaseGraph, rv: u8, ncb: usize, z: usize) -> Result<usize> {
    let (num, den) = match (bg, rv) {
        (_, 0) => return Ok(0),
        (BaseGraph::Bg1, 1) => (17, 66),
        (BaseGraph::Bg1, 2) => (33, 66),
        (BaseGraph::Bg1, 3) => (56, 66),
        (BaseGraph::Bg2, 1) => (13, 50),
        (BaseGraph::Bg2, 2) => (25, 50),
        (BaseGraph::Bg2, 3) => (43, 50),
        _ => {
            return Err(LdpcError::Config(format!(
                "redundancy version {rv} not in 0..=3"
            )))
        }
    };
    Ok((num * ncb) / (den * z) * z)
}

impl RateMatcher {
    /// Rate matcher for a code block of N = `n` encoded bits d (after puncturing 2 Zc),
    /// filler bits at d positions `fillers`, E = `e` output bits, modulation order `qm`,
    /// redundancy version `rv`. N_cb = N (no limited-buffer rate matching, I_LBRM = 0).
    pub fn new(
        bg: BaseGraph,
        z: usize,
        n: usize,
        fillers: std::ops::Range<usize>,
        e: usize,
        qm: usize,
        rv: u8,
    ) -> Result<Self> {
        if qm == 0 || !e.is_multiple_of(qm) {
            return Err(LdpcError::Config(format!(
                "E = {e} is not a multiple of Qm = {qm}"
            )));
        }
        if e == 0 || fillers.len() >= n || e > u32::MAX as usize {
            return Err(LdpcError::Config(format!(
                "invalid rate matching output size E = {e}"
            )));
        }
        let ncb = n;
        let start = k0(bg, rv, ncb, z)?;
        let mut sel = Vec::with_capacity(e);
        let mut j = 0;
        while sel.len() < e {
            let pos = (start + j) % ncb;
            if !fillers.contains(&pos) {
                sel.push(pos as u32);
            }
            j += 1;
        }
        // Bit interleaving: f[i + j·Qm] = e[i·E/Qm + j].
        let rows = e / qm;
        let mut map = vec![0u32; e];
        for jj in 0..rows {
            for i in 0..qm {
                map[i + jj * qm] = sel[i * rows + jj];
            }
        }
        Ok(Self { map, n })
    }

    /// Output length E.
    pub fn e(&self) -> usize {
        self.map.len()
    }

    /// Selects and interleaves E bits f from the N encoded bits d.
    pub fn rate_match(&self, d: &[u8]) -> Result<Vec<u8>> {
        check_len("encoded bits d", self.n, d.len())?;
        Ok(self.map.iter().map(|&p| d[p as usize]).collect())
    }

    /// De-interleaves E LLRs and adds them into the N-LLR buffer (soft combining of repeats and
    /// of earlier redundancy versions).
    pub fn derate_match_add(&self, llr: &[f32], buf: &mut [f32]) -> Result<()> {
        check_len("rate-matched LLRs", self.map.len(), llr.len())?;
        check_len("circular buffer", self.n, buf.len())?;
        for (&p, &l) in self.map.iter().zip(llr) {
            buf[p as usize] += l;
        }
        Ok(())
    }

    /// One past the highest circular-buffer position that receives any bit.
    pub fn highest_position(&self) -> usize {
        self.map.iter().map(|&p| p as usize + 1).max().unwrap_or(0)
    }
}
