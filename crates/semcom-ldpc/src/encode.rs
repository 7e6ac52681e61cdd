//! Systematic LDPC encoding over the quasi-cyclic structure (TS 38.212 §5.3.2): the parity bits
//! solve H·[c w]ᵀ = 0 block-wise — the 4 core parity columns from the double-diagonal part of
//! rows 0–3, then one extension parity column per remaining row — without a generator matrix.

use crate::error::{check_bits, check_len, LdpcError, Result};
use crate::graph::{xor_rotated, QcMatrix};

/// A QC LDPC encoder for one base graph and lifting size.
#[derive(Clone, Debug)]
pub struct QcEncoder {
    h: QcMatrix,
    kb: usize,
    /// Shift s of the first core parity column in the sum of rows 0–3 (P^s p₀ = Σ λ_i).
    core_shift: usize,
    /// Order in which rows 0–3 determine core parity columns 1–3: (row, column).
    core_plan: Vec<(usize, usize)>,
}

/// `x = P^{-shift} y`, i.e. x\[c\] = y\[(c − shift) mod Z\]: solves P^shift x = y.
fn unrotate(y: &[u8], shift: usize, x: &mut [u8]) {
    let z = y.len();
    x[shift..].copy_from_slice(&y[..z - shift]);
    x[..shift].copy_from_slice(&y[z - shift..]);
}

impl QcEncoder {
    /// Builds the encoder, checking the double-diagonal core structure of the base graph.
    pub fn new(h: QcMatrix) -> Result<Self> {
        let kb = h.bg.info_cols();
        let bad = || LdpcError::Config("base graph core is not double-diagonal".into());
        // Sum of rows 0..3 over the core columns: every core column but the first cancels.
        let mut first = Vec::new();
        for row in &h.rows[..4] {
            for e in row.iter().filter(|e| e.col == kb) {
                match first.iter().position(|&s| s == e.shift) {
                    Some(i) => {
                        first.swap_remove(i);
                    }
                    None => first.push(e.shift),
                }
            }
        }
        let core_shift = match first.as_slice() {
            [s] => *s,
            _ => return Err(bad()),
        };
        // Peel rows 0..3: each step solves a row with exactly one unknown core column.
        let mut known = [true, false, false, false];
        let mut used = [false; 4];
        let mut core_plan = Vec::new();
        while core_plan.len() < 3 {
            let step = (0..4).filter(|&r| !used[r]).find_map(|r| {
                let unknown: Vec<usize> = h.rows[r]
                    .iter()
                    .filter(|e| e.col >= kb && e.col < kb + 4 && !known[e.col - kb])
                    .map(|e| e.col)
                    .collect();
                (unknown.len() == 1).then(|| (r, unknown[0]))
            });
            let (r, c) = step.ok_or_else(bad)?;
            used[r] = true;
            known[c - kb] = true;
            core_plan.push((r, c));
        }
        Ok(Self {
            h,
            kb,
            core_shift,
            core_plan,
        })
    }

    /// The lifted parity-check matrix.
    pub fn matrix(&self) -> &QcMatrix {
        &self.h
    }

    /// Encodes K = kb·Zc information bits (fillers as 0) into the full codeword of
    /// cols·Zc bits (TS 38.212 §5.3.2, before puncturing the first 2 Zc bits).
    pub fn encode(&self, info: &[u8]) -> Result<Vec<u8>> {
        let z = self.h.z;
        check_len("LDPC information bits", self.kb * z, info.len())?;
        check_bits(info)?;
        let mut cw = vec![0u8; self.h.bg.cols() * z];
        cw[..self.kb * z].copy_from_slice(info);
        self.encode_in_place(&mut cw);
        Ok(cw)
    }

    /// Fills the parity part of `cw` (cols·Zc bits) from its first kb·Zc bits.
    pub(crate) fn encode_in_place(&self, cw: &mut [u8]) {
        let (z, kb) = (self.h.z, self.kb);
        let mut tmp = vec![0u8; z];
        // λ_i: contribution of the systematic columns to rows 0..3.
        let mut lambda = vec![vec![0u8; z]; 4];
        for (i, lam) in lambda.iter_mut().enumerate() {
            for e in self.h.rows[i].iter().filter(|e| e.col < kb) {
                xor_rotated(lam, &cw[e.col * z..(e.col + 1) * z], e.shift);
            }
        }
        let mut sum = vec![0u8; z];
        for lam in &lambda {
            for (s, l) in sum.iter_mut().zip(lam) {
                *s ^= l;
            }
        }
        unrotate(&sum, self.core_shift, &mut cw[kb * z..(kb + 1) * z]);
        for &(r, c) in &self.core_plan {
            self.solve_row(cw, r, c, &mut tmp, Some(&lambda[r]));
        }
        for r in 4..self.h.rows.len() {
            self.solve_row(cw, r, kb + r, &mut tmp, None);
        }
    }

    /// Solves block row `r` for the unknown block column `col` given all others.
    fn solve_row(
        &self,
        cw: &mut [u8],
        r: usize,
        col: usize,
        acc: &mut [u8],
        lambda: Option<&[u8]>,
    ) {
        let z = self.h.z;
        match lambda {
            Some(l) => acc.copy_from_slice(l),
            None => acc.fill(0),
        }
        let mut own = 0;
        for e in &self.h.rows[r] {
            if e.col == col {
                own = e.shift;
            } else if lambda.is_none() || e.col >= self.kb {
                xor_rotated(acc, &cw[e.col * z..(e.col + 1) * z], e.shift);
            }
        }
        unrotate(acc, own, &mut cw[col * z..(col + 1) * z]);
    }
}
