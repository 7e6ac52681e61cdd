//! BPSK and Gray-mapped square QAM (3GPP TS 38.211 §5.1), soft demapping and hard decisions.
//!
//! **Mapping** (TS 38.211 §5.1.2–§5.1.6, unit average energy). A symbol carries the bits
//! b0 b1 … b(q−1) in transmission order; even bits b0, b2, … form the in-phase PAM label and
//! odd bits b1, b3, … the quadrature label (b0/b1 are the sign bits). Per dimension with label
//! bits c0 … c(m−1) the amplitude is (1−2c0)·[2^(m−1) − (1−2c1)·[2^(m−2) − … [2 − (1−2c(m−1))]]]
//! (a binary-reflected Gray code per dimension), scaled by 1/√(2(M−1)/3):
//! QPSK 1/√2, 16-QAM 1/√10, 64-QAM 1/√42, 256-QAM 1/√170. BPSK is the 38.211 diagonal
//! BPSK d = (1−2b)(1+j)/√2.
//!
//! **LLRs**: L = ln P(b=0|y)/P(b=1|y) (positive means bit 0), for y = x + n with complex noise
//! variance N0 (N0/2 per real dimension, given per symbol or once). Square QAM is separable,
//! so each dimension is demapped as a Gray PAM with real noise variance N0/2:
//! exact log-MAP L = ln Σ_{a:c=0} e^{−(v−a)²/N0} − ln Σ_{a:c=1} e^{−(v−a)²/N0};
//! max-log L = (min_{a:c=1}(v−a)² − min_{a:c=0}(v−a)²)/N0.
//! Noise variances below [`MIN_NOISE_VAR`] are raised to it (finite LLRs at N0 = 0); an infinite
//! variance (an erased symbol) gives L = 0.

use crate::error::{check_bits, ChannelError, Result};
use crate::par::{par_map, CHUNK};
use rayon::prelude::*;
use semcom_core::Complex32;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Smallest noise variance used by the demapper (keeps LLRs finite on noiseless links).
pub const MIN_NOISE_VAR: f32 = 1e-12;

/// A modulation of TS 38.211 §5.1 (BPSK and Gray square QAM), unit average energy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Modulation {
    /// π/2-free BPSK of 38.211 §5.1.2: (1−2b)(1+j)/√2.
    Bpsk,
    /// QPSK (38.211 §5.1.3).
    Qpsk,
    /// 16-QAM (38.211 §5.1.4).
    Qam16,
    /// 64-QAM (38.211 §5.1.5).
    Qam64,
    /// 256-QAM (38.211 §5.1.6).
    Qam256,
}

/// Soft demapping rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Demapper {
    /// Exact log-MAP: log-sum-exp over the constellation subsets.
    Exact,
    /// Max-log approximation: nearest point of each subset.
    #[default]
    MaxLog,
}

impl Modulation {
    /// Every modulation, in increasing order.
    pub const ALL: [Modulation; 5] = [
        Modulation::Bpsk,
        Modulation::Qpsk,
        Modulation::Qam16,
        Modulation::Qam64,
        Modulation::Qam256,
    ];

    /// Bits per complex symbol q = log2 M.
    pub fn bits_per_symbol(&self) -> usize {
        match self {
            Modulation::Bpsk => 1,
            Modulation::Qpsk => 2,
            Modulation::Qam16 => 4,
            Modulation::Qam64 => 6,
            Modulation::Qam256 => 8,
        }
    }

    /// Constellation size M = 2^q.
    pub fn order(&self) -> usize {
        1 << self.bits_per_symbol()
    }

    /// The name parsed by `FromStr`: `bpsk`, `qpsk`, `16qam`, `64qam`, `256qam`.
    pub fn name(&self) -> &'static str {
        match self {
            Modulation::Bpsk => "bpsk",
            Modulation::Qpsk => "qpsk",
            Modulation::Qam16 => "16qam",
            Modulation::Qam64 => "64qam",
            Modulation::Qam256 => "256qam",
        }
    }

    /// Label bits per real dimension m (BPSK: one bit on the projection onto (1+j)/√2).
    pub(crate) fn bits_per_dim(&self) -> usize {
        match self {
            Modulation::Bpsk => 1,
            q => q.bits_per_symbol() / 2,
        }
    }

    /// PAM scale: amplitude = integer level / scale (√(2(M−1)/3) for QAM, 1 for BPSK).
    pub(crate) fn pam_scale(&self) -> f32 {
        match self {
            Modulation::Bpsk => 1.0,
            q => (2.0 * (q.order() as f32 - 1.0) / 3.0).sqrt(),
        }
    }

    /// Normalised amplitude of per-dimension label `p` (c0 is the most significant bit).
    pub(crate) fn pam_level(&self, p: usize) -> f32 {
        let m = self.bits_per_dim();
        let c = |j: usize| ((p >> (m - 1 - j)) & 1) as i32;
        let mut r = 1i32;
        for j in (1..m).rev() {
            r = (1 << (m - j)) - (1 - 2 * c(j)) * r;
        }
        ((1 - 2 * c(0)) * r) as f32 / self.pam_scale()
    }

    /// The constellation indexed by the symbol's bits b0…b(q−1) read as a binary number (b0 = MSB).
    pub fn constellation(&self) -> Vec<Complex32> {
        let q = self.bits_per_symbol();
        (0..self.order())
            .map(|idx| {
                let bit = |t: usize| (idx >> (q - 1 - t)) & 1;
                if *self == Modulation::Bpsk {
                    let a = (1.0 - 2.0 * bit(0) as f32) * std::f32::consts::FRAC_1_SQRT_2;
                    return Complex32::new(a, a);
                }
                let (mut pi, mut pq) = (0, 0);
                for j in 0..q / 2 {
                    pi = (pi << 1) | bit(2 * j);
                    pq = (pq << 1) | bit(2 * j + 1);
                }
                Complex32::new(self.pam_level(pi), self.pam_level(pq))
            })
            .collect()
    }

    /// Maps bits (one 0/1 value per byte) to symbols, q bits per symbol in 38.211 order.
    /// The length must be a multiple of q ([`ChannelError::Length`] otherwise; pad with
    /// [`pad_bits`] first if needed); values other than 0/1 give [`ChannelError::InvalidBit`].
    pub fn modulate(&self, bits: &[u8]) -> Result<Vec<Complex32>> {
        let q = self.bits_per_symbol();
        if !bits.len().is_multiple_of(q) {
            return Err(ChannelError::Length(format!(
                "{} bits is not a multiple of {q} bits per {} symbol",
                bits.len(),
                self.name()
            )));
        }
        check_bits(bits)?;
        let table = self.constellation();
        let mut out = vec![Complex32::new(0.0, 0.0); bits.len() / q];
        out.par_chunks_mut(CHUNK)
            .zip(bits.par_chunks(CHUNK * q))
            .for_each(|(o, b)| {
                for (s, bb) in o.iter_mut().zip(b.chunks_exact(q)) {
                    let idx = bb.iter().fold(0usize, |a, &v| (a << 1) | v as usize);
                    *s = table[idx];
                }
            });
        Ok(out)
    }

    /// Soft demapping to q LLRs per symbol, L = ln P(b=0)/P(b=1) (see the module docs).
    /// `noise_var` is the complex noise variance N0 of y, once (length 1) or per symbol.
    pub fn demap(&self, y: &[Complex32], noise_var: &[f32], method: Demapper) -> Result<Vec<f32>> {
        check_noise_var(noise_var, y.len())?;
        if y.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match self.bits_per_dim() {
            1 => Pam::<2, 1, 1>::new(*self).demap(y, noise_var, method),
            2 => Pam::<4, 2, 2>::new(*self).demap(y, noise_var, method),
            3 => Pam::<8, 4, 3>::new(*self).demap(y, noise_var, method),
            _ => Pam::<16, 8, 4>::new(*self).demap(y, noise_var, method),
        })
    }

    /// Hard decisions (nearest constellation point), q bits per symbol; they agree with the
    /// signs of the max-log LLRs.
    pub fn hard_decide(&self, y: &[Complex32]) -> Vec<u8> {
        let q = self.bits_per_symbol();
        let m = self.bits_per_dim();
        let l = 1usize << m;
        let scale = self.pam_scale();
        // Label of the k-th level in increasing amplitude order.
        let mut sorted: Vec<(f32, usize)> = (0..l).map(|p| (self.pam_level(p), p)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let labels: Vec<usize> = sorted.iter().map(|s| s.1).collect();
        let slice = |v: f32| -> usize {
            let k = ((v * scale + (l as f32 - 1.0)) * 0.5)
                .round()
                .clamp(0.0, l as f32 - 1.0);
            labels[k as usize]
        };
        let bpsk = *self == Modulation::Bpsk;
        par_map(y, q, |_, ys, out: &mut [u8]| {
            for (s, o) in ys.iter().zip(out.chunks_exact_mut(q)) {
                if bpsk {
                    o[0] = ((s.re + s.im) < 0.0) as u8;
                    continue;
                }
                let (pi, pq) = (slice(s.re), slice(s.im));
                for j in 0..m {
                    o[2 * j] = ((pi >> (m - 1 - j)) & 1) as u8;
                    o[2 * j + 1] = ((pq >> (m - 1 - j)) & 1) as u8;
                }
            }
        })
    }
}

/// Pads `bits` with zeros to a multiple of `q` (the receiver drops the pad).
pub fn pad_bits(bits: &[u8], q: usize) -> Vec<u8> {
    let mut v = bits.to_vec();
    let q = q.max(1);
    v.resize(bits.len().div_ceil(q) * q, 0);
    v
}

/// Checks a noise-variance vector: length 1 or `n`, values ≥ 0 (+∞ allowed, NaN not).
pub(crate) fn check_noise_var(noise_var: &[f32], n: usize) -> Result<()> {
    if noise_var.len() != 1 && noise_var.len() != n {
        return Err(ChannelError::Length(format!(
            "noise_var has {} values for {n} symbols (expected 1 or {n})",
            noise_var.len()
        )));
    }
    if let Some(v) = noise_var.iter().find(|v| v.is_nan() || **v < 0.0) {
        return Err(ChannelError::NoiseVar(format!(
            "{v} is not a non-negative number"
        )));
    }
    Ok(())
}

/// Per-dimension Gray PAM tables: `L` levels, `H = L/2` per subset, `MB` label bits.
struct Pam<const L: usize, const H: usize, const MB: usize> {
    /// Levels in increasing order.
    lv: [f32; L],
    /// For label bit j, the level indices whose bit j is 0 (resp. 1).
    zero: [[usize; H]; MB],
    one: [[usize; H]; MB],
    bpsk: bool,
    q: usize,
}

impl<const L: usize, const H: usize, const MB: usize> Pam<L, H, MB> {
    fn new(m: Modulation) -> Self {
        let mut lv = [0f32; L];
        let mut labels = [0usize; L];
        if m == Modulation::Bpsk {
            lv = [0f32; L];
            lv[0] = -1.0;
            lv[1] = 1.0;
            labels[0] = 1;
        } else {
            let mut s: Vec<(f32, usize)> = (0..L).map(|p| (m.pam_level(p), p)).collect();
            s.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (k, (v, p)) in s.into_iter().enumerate() {
                lv[k] = v;
                labels[k] = p;
            }
        }
        let mut zero = [[0usize; H]; MB];
        let mut one = [[0usize; H]; MB];
        for j in 0..MB {
            let (mut nz, mut no) = (0, 0);
            for (k, &p) in labels.iter().enumerate() {
                if (p >> (MB - 1 - j)) & 1 == 0 {
                    zero[j][nz] = k;
                    nz += 1;
                } else {
                    one[j][no] = k;
                    no += 1;
                }
            }
        }
        Self {
            lv,
            zero,
            one,
            bpsk: m == Modulation::Bpsk,
            q: m.bits_per_symbol(),
        }
    }

    /// LLRs of the MB label bits of one real dimension value `v`, `inv` = 1/N0.
    #[inline(always)]
    fn dim(&self, v: f32, inv: f32, method: Demapper, out: &mut [f32; MB]) {
        let mut d = [0f32; L];
        for (dk, lk) in d.iter_mut().zip(&self.lv) {
            let e = v - lk;
            *dk = e * e;
        }
        for j in 0..MB {
            let (mut m0, mut m1) = (f32::INFINITY, f32::INFINITY);
            for t in 0..H {
                m0 = m0.min(d[self.zero[j][t]]);
                m1 = m1.min(d[self.one[j][t]]);
            }
            let mut llr = (m1 - m0) * inv;
            if method == Demapper::Exact {
                let (mut s0, mut s1) = (0f32, 0f32);
                for t in 0..H {
                    s0 += (-(d[self.zero[j][t]] - m0) * inv).exp();
                    s1 += (-(d[self.one[j][t]] - m1) * inv).exp();
                }
                llr += s0.ln() - s1.ln();
            }
            out[j] = llr;
        }
    }

    /// LLRs of one symbol into `o` (q values).
    #[inline(always)]
    fn symbol(&self, s: Complex32, inv: f32, method: Demapper, o: &mut [f32]) {
        let mut a = [0f32; MB];
        if self.bpsk {
            self.dim(
                (s.re + s.im) * std::f32::consts::FRAC_1_SQRT_2,
                inv,
                method,
                &mut a,
            );
            o[0] = a[0];
            return;
        }
        let mut b = [0f32; MB];
        self.dim(s.re, inv, method, &mut a);
        self.dim(s.im, inv, method, &mut b);
        for j in 0..MB {
            o[2 * j] = a[j];
            o[2 * j + 1] = b[j];
        }
    }

    fn demap(&self, y: &[Complex32], nv: &[f32], method: Demapper) -> Vec<f32> {
        let inv_of = |v: f32| 1.0 / v.max(MIN_NOISE_VAR);
        let q = self.q;
        par_map(y, q, |ci, ys, out| {
            let chunk_out = out.chunks_exact_mut(q);
            if nv.len() == 1 {
                let inv = inv_of(nv[0]);
                for (s, o) in ys.iter().zip(chunk_out) {
                    self.symbol(*s, inv, method, o);
                }
            } else {
                let nvs = &nv[ci * CHUNK..ci * CHUNK + ys.len()];
                for ((s, o), v) in ys.iter().zip(chunk_out).zip(nvs) {
                    self.symbol(*s, inv_of(*v), method, o);
                }
            }
        })
    }
}

impl fmt::Display for Modulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Modulation {
    type Err = ChannelError;
    /// Parses `bpsk`, `qpsk` (or `4qam`), `16qam`, `64qam`, `256qam` (case-insensitive;
    /// `qam16`, `16-qam` are accepted too).
    fn from_str(s: &str) -> Result<Self> {
        let t: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect();
        Ok(match t.as_str() {
            "bpsk" | "2qam" => Modulation::Bpsk,
            "qpsk" | "4qam" | "qam4" => Modulation::Qpsk,
            "16qam" | "qam16" => Modulation::Qam16,
            "64qam" | "qam64" => Modulation::Qam64,
            "256qam" | "qam256" => Modulation::Qam256,
            _ => {
                return Err(ChannelError::UnknownName {
                    kind: "modulation",
                    name: s.into(),
                    known: Modulation::ALL.map(|m| m.name()).join(", "),
                })
            }
        })
    }
}

impl TryFrom<String> for Modulation {
    type Error = ChannelError;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Modulation> for String {
    fn from(m: Modulation) -> String {
        m.name().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts38211_points_and_unit_energy() {
        let c = Modulation::Qam16.constellation();
        // b0b1b2b3 = 0000 → (1+j)/√10, 1111 → (−3−3j)/√10, 1011 → (−3+3j)/√10, 0110 → (3−j)/√10.
        let s = 10f32.sqrt();
        assert!((c[0b0000] - Complex32::new(1.0 / s, 1.0 / s)).norm() < 1e-6);
        assert!((c[0b1111] - Complex32::new(-3.0 / s, -3.0 / s)).norm() < 1e-6);
        assert!((c[0b1011] - Complex32::new(-3.0 / s, 3.0 / s)).norm() < 1e-6);
        assert!((c[0b0110] - Complex32::new(3.0 / s, -1.0 / s)).norm() < 1e-6);
        let s42 = 42f32.sqrt();
        let c64 = Modulation::Qam64.constellation();
        // b0..b5 = 0 0 1 0 1 0: I label 011 → 4−(−1)(2−(−1)) = 7; Q label 000 → 4−1·1 = 3.
        assert!((c64[0b001010] - Complex32::new(7.0 / s42, 3.0 / s42)).norm() < 1e-6);
        for m in Modulation::ALL {
            let c = m.constellation();
            let e: f32 = c.iter().map(|z| z.norm_sqr()).sum::<f32>() / c.len() as f32;
            assert!((e - 1.0).abs() < 1e-5, "{m}: {e}");
            // Gray: nearest neighbours differ in exactly one bit.
            let dmin = 2.0 / m.pam_scale();
            for (i, a) in c.iter().enumerate() {
                for (j, b) in c.iter().enumerate() {
                    if i != j && ((a - b).norm() - dmin).abs() < 1e-4 && m != Modulation::Bpsk {
                        assert_eq!((i ^ j).count_ones(), 1, "{m} {i:b} {j:b}");
                    }
                }
            }
        }
    }

    #[test]
    fn noiseless_round_trip_and_errors() {
        for m in Modulation::ALL {
            let q = m.bits_per_symbol();
            let bits: Vec<u8> = (0..q * 4 * m.order())
                .map(|i| ((i * 7 + i / 3) % 2) as u8)
                .collect();
            let y = m.modulate(&bits).unwrap();
            assert_eq!(m.hard_decide(&y), bits);
            for method in [Demapper::Exact, Demapper::MaxLog] {
                let l = m.demap(&y, &[0.1], method).unwrap();
                let hard: Vec<u8> = l.iter().map(|&v| (v < 0.0) as u8).collect();
                assert_eq!(hard, bits, "{m} {method:?}");
            }
            assert_eq!(m.name().parse::<Modulation>().unwrap(), m);
        }
        let m = Modulation::Qam16;
        assert!(matches!(
            m.modulate(&[0, 1, 0]),
            Err(ChannelError::Length(_))
        ));
        assert!(matches!(
            m.modulate(&[0, 1, 0, 2]),
            Err(ChannelError::InvalidBit { index: 3, value: 2 })
        ));
        let y = vec![Complex32::new(0.1, 0.2); 3];
        assert!(m.demap(&y, &[0.1, 0.2], Demapper::MaxLog).is_err());
        assert!(m.demap(&y, &[f32::NAN], Demapper::MaxLog).is_err());
        assert!(m.demap(&y, &[-1.0], Demapper::Exact).is_err());
        assert_eq!(m.demap(&y, &[0.0], Demapper::Exact).unwrap().len(), 12);
        // Infinite noise (erasure) gives zero LLRs; NaN input does not panic.
        assert!(m
            .demap(&y, &[f32::INFINITY], Demapper::Exact)
            .unwrap()
            .iter()
            .all(|&l| l == 0.0));
        let _ = m
            .demap(&[Complex32::new(f32::NAN, 0.0)], &[1.0], Demapper::Exact)
            .unwrap();
        let _ = m.hard_decide(&[Complex32::new(f32::NAN, f32::INFINITY)]);
        assert!("8psk".parse::<Modulation>().is_err());
        assert_eq!(pad_bits(&[1, 1, 1], 4), vec![1, 1, 1, 0]);
    }

    #[test]
    fn exact_llr_matches_brute_force() {
        // Brute force over the full 2-D constellation with complex noise N0.
        let n0 = 0.3f32;
        for m in Modulation::ALL {
            let c = m.constellation();
            let q = m.bits_per_symbol();
            let ys = [
                Complex32::new(0.3, -0.7),
                Complex32::new(-1.2, 0.05),
                Complex32::new(0.9, 0.9),
            ];
            let l = m.demap(&ys, &[n0], Demapper::Exact).unwrap();
            for (s, y) in ys.iter().enumerate() {
                for t in 0..q {
                    let (mut p0, mut p1) = (0f64, 0f64);
                    for (idx, x) in c.iter().enumerate() {
                        let p = (-((y - x).norm_sqr() as f64) / n0 as f64).exp();
                        if (idx >> (q - 1 - t)) & 1 == 0 {
                            p0 += p
                        } else {
                            p1 += p
                        }
                    }
                    let want = (p0 / p1).ln();
                    assert!(
                        (l[s * q + t] as f64 - want).abs() < 1e-3 * (1.0 + want.abs()),
                        "{m} bit {t}"
                    );
                }
            }
        }
    }
}
