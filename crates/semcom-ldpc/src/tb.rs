//! The transport-block chain of TS 38.212 §7.2 for one transmission: TB CRC (§7.2.1), code
//! block segmentation + CB CRC24B (§5.2.2), LDPC encoding (§5.3.2), rate matching with bit
//! interleaving (§5.4.2) and code block concatenation (§5.5); and its receive inverse.

use crate::codeblock::{rate_matcher, CodeBlockCoder};
use crate::crc::Crc;
use crate::decode::DecoderConfig;
use crate::error::{check_bits, check_len, LdpcError, Result};
use crate::ratematch::RateMatcher;
use crate::segment::{select_base_graph, tb_crc, tbs_from_ninfo, Segmentation};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Largest G accepted (bounds the rate-matching tables).
pub const MAX_G: usize = 1 << 28;

/// One transport block transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NrConfig {
    /// Transport block size A (information bits).
    pub tbs: usize,
    /// Coded bits after rate matching G (= channel uses × Qm, one layer).
    pub g: usize,
    /// Modulation order Qm (1 = BPSK, 2 = QPSK, 4, 6, 8).
    pub qm: usize,
    /// Redundancy version 0..=3.
    pub rv: u8,
}

impl NrConfig {
    /// The largest TBS for G coded bits at target code rate `rate` (TS 38.214 §5.1.3.2 with
    /// N_info = G·R, one layer, RV 0). Following the standard, the TBS is the table or formula
    /// value nearest N_info, so the effective rate A/G can be slightly above `rate`.
    pub fn for_channel(g_bits: usize, rate: f64, qm: usize) -> Result<NrConfig> {
        if !(rate > 0.0 && rate < 1.0) {
            return Err(LdpcError::Config(format!("code rate {rate} not in (0, 1)")));
        }
        // The TBS formula (TS 38.214 §5.1.3.2) rounds N_info up to a multiple of 8·C with C
        // taken from the target rate, while the base graph is selected from A/G; when the
        // rounding pushes A/G across a base-graph boundary the segmentation no longer divides
        // evenly. Step N_info down (0.5 % at a time) until the two agree.
        let mut n_info = g_bits as f64 * rate;
        let mut last = None;
        for _ in 0..64 {
            let tbs = tbs_from_ninfo(n_info, rate)?;
            let cfg = NrConfig {
                tbs,
                g: g_bits,
                qm,
                rv: 0,
            };
            match TransportBlockCodec::new(cfg) {
                Ok(_) => return Ok(cfg),
                Err(e) => last = Some(e),
            }
            n_info *= 0.995;
        }
        Err(last.unwrap_or_else(|| LdpcError::Config("no valid transport block size".into())))
    }

    /// Effective code rate A / G.
    pub fn rate(&self) -> f64 {
        self.tbs as f64 / self.g as f64
    }
}

/// Encoder and decoder of one transport block configuration.
#[derive(Clone, Debug)]
pub struct TransportBlockCodec {
    cfg: NrConfig,
    crc: Crc,
    seg: Segmentation,
    coder: CodeBlockCoder,
    /// Distinct rate matchers (at most 2 sizes E) and the one used by each code block.
    rms: Vec<RateMatcher>,
    cb_rm: Vec<usize>,
    cb_e: Vec<usize>,
}

/// Result of decoding a transport block.
#[derive(Clone, Debug, PartialEq)]
pub struct TbDecodeResult {
    /// The A decoded information bits.
    pub bits: Vec<u8>,
    /// Transport-block CRC passed.
    pub tb_crc_ok: bool,
    /// Per code block: CB CRC24B passed (C > 1) or zero syndrome (C = 1).
    pub cb_crc_ok: Vec<bool>,
    /// Largest number of iterations over the code blocks.
    pub iterations: usize,
}

impl TransportBlockCodec {
    /// Validates `cfg` and precomputes segmentation, base graph, lifting and rate matching.
    pub fn new(cfg: NrConfig) -> Result<Self> {
        if !matches!(cfg.qm, 1 | 2 | 4 | 6 | 8) {
            return Err(LdpcError::Config(format!(
                "modulation order {} not in {{1,2,4,6,8}}",
                cfg.qm
            )));
        }
        if cfg.g == 0 || !cfg.g.is_multiple_of(cfg.qm) || cfg.g > MAX_G {
            return Err(LdpcError::Config(format!(
                "G = {} must be a positive multiple of Qm = {} and at most {MAX_G}",
                cfg.g, cfg.qm
            )));
        }
        if cfg.tbs == 0 {
            return Err(LdpcError::Config("TBS must be positive".into()));
        }
        let crc = tb_crc(cfg.tbs);
        let b = cfg.tbs + crc.len();
        if b >= cfg.g {
            return Err(LdpcError::Config(format!(
                "A + CRC = {b} bits do not fit in G = {} coded bits (code rate ≥ 1)",
                cfg.g
            )));
        }
        let bg = select_base_graph(cfg.tbs, cfg.rate());
        let seg = Segmentation::new(b, bg)?;
        // §5.4.2.1: E_r for one layer, all code blocks scheduled.
        let c = seg.c;
        let q = cfg.g / cfg.qm;
        if q < c {
            return Err(LdpcError::Config(format!(
                "G = {} too small for {c} code blocks",
                cfg.g
            )));
        }
        let cb_e: Vec<usize> = (0..c)
            .map(|j| {
                if j + q % c < c {
                    cfg.qm * (q / c)
                } else {
                    cfg.qm * q.div_ceil(c)
                }
            })
            .collect();
        let mut sizes: Vec<usize> = cb_e.clone();
        sizes.dedup();
        let rms = sizes
            .iter()
            .map(|&e| rate_matcher(&seg, e, cfg.qm, cfg.rv))
            .collect::<Result<Vec<_>>>()?;
        let cb_rm = cb_e
            .iter()
            .map(|e| sizes.iter().position(|s| s == e).unwrap_or(0))
            .collect();
        let coder = CodeBlockCoder::new(seg, &rms.iter().collect::<Vec<_>>())?;
        Ok(Self {
            cfg,
            crc,
            seg,
            coder,
            rms,
            cb_rm,
            cb_e,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NrConfig {
        &self.cfg
    }

    /// Segmentation parameters (base graph, C, K', K, Zc).
    pub fn segmentation(&self) -> &Segmentation {
        &self.seg
    }

    /// Rate-matched length E of each code block.
    pub fn cb_lengths(&self) -> &[usize] {
        &self.cb_e
    }

    /// Encodes A information bits into G coded bits.
    pub fn encode(&self, tb_bits: &[u8]) -> Result<Vec<u8>> {
        check_len("transport block", self.cfg.tbs, tb_bits.len())?;
        check_bits(tb_bits)?;
        let mut b = tb_bits.to_vec();
        self.crc.attach(&mut b);
        let data = self.seg.k_prime - self.seg.l;
        let blocks = (0..self.seg.c)
            .into_par_iter()
            .map(|r| {
                let mut c = b[r * data..(r + 1) * data].to_vec();
                if self.seg.c > 1 {
                    Crc::Crc24B.attach(&mut c);
                }
                self.coder.encode(&c, &self.rms[self.cb_rm[r]])
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(blocks.concat())
    }

    /// Decodes G LLRs (L = ln P(b=0)/P(b=1)) into the A information bits and CRC flags.
    pub fn decode(&self, llr: &[f32], dec: &DecoderConfig) -> Result<TbDecodeResult> {
        check_len("transport block LLRs", self.cfg.g, llr.len())?;
        if let Some(i) = llr.iter().position(|l| l.is_nan()) {
            return Err(LdpcError::NanLlr(i));
        }
        let starts: Vec<usize> = self
            .cb_e
            .iter()
            .scan(0, |acc, &e| {
                let s = *acc;
                *acc += e;
                Some(s)
            })
            .collect();
        let multi = self.seg.c > 1;
        let results = (0..self.seg.c)
            .into_par_iter()
            .map(|r| {
                let part = &llr[starts[r]..starts[r] + self.cb_e[r]];
                let res = self.coder.decode(part, &self.rms[self.cb_rm[r]], dec)?;
                let ok = if multi {
                    Crc::Crc24B.check(&res.bits)
                } else {
                    res.syndrome_ok
                };
                Ok((res, ok))
            })
            .collect::<Result<Vec<_>>>()?;
        let data = self.seg.k_prime - self.seg.l;
        let mut b = Vec::with_capacity(self.seg.c * data);
        for (res, _) in &results {
            b.extend_from_slice(&res.bits[..data]);
        }
        let tb_crc_ok = self.crc.check(&b);
        b.truncate(self.cfg.tbs);
        Ok(TbDecodeResult {
            bits: b,
            tb_crc_ok,
            cb_crc_ok: results.iter().map(|(_, ok)| *ok).collect(),
            iterations: results.iter().map(|(r, _)| r.iterations).max().unwrap_or(0),
        })
    }
}
