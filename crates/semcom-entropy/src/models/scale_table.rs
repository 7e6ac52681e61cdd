//! The scale table (fixed-point scales, integer scale → index quantiser) and the per-scale
//! integer CDF tables of a conditional model (the Gaussian conditional of scale-hyperprior
//! codecs, and its Laplace and logistic variants).

use super::std_cdf::{Family, CDF_ONE, GRID_FRAC, INV_FRAC};
use super::{quantised_cdf_point, CdfSlice, TOTAL};
use crate::error::{EntropyError, Result};
use crate::fingerprint::Fnv64;

/// Fractional bits of a fixed-point scale (`scale_fx = scale·2^16`).
pub const SCALE_FRAC: u32 = 16;
/// Smallest fixed-point scale accepted (1/64): keeps the inverse scale below 2^31.
pub const MIN_SCALE_FX: u32 = 1 << (SCALE_FRAC - 6);
/// Largest half-width of a window: at most `2·2048 + 1` symbols plus the escape.
pub const MAX_HALF_WIDTH: u32 = 2048;

/// A strictly increasing table of fixed-point scales with their fixed-point inverses.
///
/// The decoder selects a CDF by [`ScaleTable::index_of`]: an integer binary search, so a
/// fixed-point scale from an integer network maps to the same index on every machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleTable {
    scales_fx: Vec<u32>,
    inv_fx: Vec<u64>,
}

impl ScaleTable {
    /// From fixed-point scales (×2^16), strictly increasing, each ≥ [`MIN_SCALE_FX`],
    /// 1..=1024 entries.
    pub fn from_fixed(scales_fx: Vec<u32>) -> Result<Self> {
        if scales_fx.is_empty() || scales_fx.len() > 1024 {
            return Err(EntropyError::InvalidModel(format!(
                "a scale table needs 1..=1024 scales, got {}",
                scales_fx.len()
            )));
        }
        if scales_fx[0] < MIN_SCALE_FX || scales_fx.windows(2).any(|w| w[1] <= w[0]) {
            return Err(EntropyError::InvalidModel(format!(
                "scales must be strictly increasing and ≥ {MIN_SCALE_FX}/2^16"
            )));
        }
        // Inverse scale ×2^24, rounded half up; exact integer division.
        let inv_fx = scales_fx
            .iter()
            .map(|&s| ((1u64 << (SCALE_FRAC + INV_FRAC)) + (s as u64 >> 1)) / s as u64)
            .collect();
        Ok(Self { scales_fx, inv_fx })
    }

    /// `n` scales uniform in log between `min` and `max`:
    /// `s_j = exp(ln min + j·(ln max − ln min)/(n − 1))`, computed in f64 with the pure-Rust
    /// `libm` and rounded to ×2^16 (frozen by the golden hash in `tests/determinism.rs`).
    pub fn log_uniform(min: f64, max: f64, n: usize) -> Result<Self> {
        if !(min > 0.0 && max > min && max < 65536.0 && n >= 2) {
            return Err(EntropyError::InvalidModel(format!(
                "log-uniform scale table needs 0 < min < max < 65536 and n ≥ 2 (got {min}, {max}, {n})"
            )));
        }
        let (a, b) = (libm::log(min), libm::log(max));
        let scales = (0..n)
            .map(|j| {
                let s = libm::exp(a + (b - a) * j as f64 / (n - 1) as f64);
                libm::floor(s * (1u64 << SCALE_FRAC) as f64 + 0.5) as u32
            })
            .collect();
        Self::from_fixed(scales)
    }

    /// The usual table of scale-hyperprior codecs: 64 scales from 0.11 to 256, uniform in log.
    pub fn standard() -> Self {
        Self::log_uniform(0.11, 256.0, 64).expect("valid constants")
    }

    /// Number of scales.
    pub fn len(&self) -> usize {
        self.scales_fx.len()
    }

    /// Always false (a table has at least one scale).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The fixed-point scales (×2^16).
    pub fn scales_fx(&self) -> &[u32] {
        &self.scales_fx
    }

    /// Fixed-point inverse of scale `index` (×2^24).
    pub fn inv_fx(&self, index: usize) -> Option<u64> {
        self.inv_fx.get(index).copied()
    }

    /// Integer scale quantiser: the smallest index whose scale is ≥ `scale_fx` (×2^16),
    /// clamped to the last index (larger scales use the widest model). Binary search on
    /// integers: the same result on every machine.
    pub fn index_of(&self, scale_fx: u32) -> usize {
        self.scales_fx
            .partition_point(|&s| s < scale_fx)
            .min(self.len() - 1)
    }

    /// Encoder-side convenience: [`ScaleTable::index_of`] of `round(scale·2^16)` (saturating;
    /// NaN and negative scales give index 0). The decoder must compute the same fixed-point
    /// scale, which is what an integer hyper-synthesis guarantees.
    pub fn index_of_f32(&self, scale: f32) -> usize {
        let fx = (scale as f64 * (1u64 << SCALE_FRAC) as f64).round_ties_even();
        self.index_of(if fx.is_nan() {
            0
        } else {
            fx.clamp(0.0, u32::MAX as f64) as u32
        })
    }

    /// Half-width `⌈scale·tail_z⌉` (clamped to 1..=[`MAX_HALF_WIDTH`]) of the window of
    /// scale `index` for `family`, in integers.
    pub fn half_width(&self, family: Family, index: usize) -> u32 {
        let s = self.scales_fx[index] as u64;
        let den_bits = SCALE_FRAC + GRID_FRAC;
        let r = (s * family.tail_z_fx() + (1 << den_bits) - 1) >> den_bits;
        r.clamp(1, MAX_HALF_WIDTH as u64) as u32
    }

    pub(crate) fn hash_into(&self, h: &mut Fnv64) {
        h.u64(self.len() as u64);
        self.scales_fx.iter().for_each(|&s| h.u64(s as u64));
    }
}

/// Integer CDF tables of a conditional model, one per scale of a [`ScaleTable`]
/// (CompressAI's `GaussianConditional` idea: a symbol is coded with the CDF its scale index
/// selects).
///
/// For scale `j` with half-width `R_j` the window is `−R_j..=R_j` (values relative to the
/// mean, i.e. `round(y − μ)`), followed by one escape symbol that carries the mass of both
/// tails; values outside the window are coded as the escape plus an Elias-gamma code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionalTables {
    family: Family,
    scales: ScaleTable,
    half: Vec<u32>,
    offsets: Vec<usize>,
    cdf: Vec<u32>,
}

impl ConditionalTables {
    /// Builds the CDF of every scale (integer arithmetic from the frozen family table).
    pub fn new(family: Family, scales: ScaleTable) -> Self {
        let mut half = Vec::with_capacity(scales.len());
        let mut offsets = Vec::with_capacity(scales.len() + 1);
        let mut cdf = Vec::new();
        for j in 0..scales.len() {
            let r = scales.half_width(family, j);
            let inv = scales.inv_fx[j];
            let n = 2 * r + 1;
            let m = n + 1;
            let g_lo = family.boundary_cdf(-(r as i64), 0, inv);
            offsets.push(cdf.len());
            half.push(r);
            for i in 0..=n {
                let g = family.boundary_cdf(i as i64 - r as i64, 0, inv);
                cdf.push(quantised_cdf_point(i, m, g - g_lo, CDF_ONE));
            }
            cdf.push(TOTAL);
        }
        offsets.push(cdf.len());
        Self {
            family,
            scales,
            half,
            offsets,
            cdf,
        }
    }

    /// [`ConditionalTables::new`] with [`ScaleTable::standard`].
    pub fn standard(family: Family) -> Self {
        Self::new(family, ScaleTable::standard())
    }

    /// The family of the model.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The scale table.
    pub fn scales(&self) -> &ScaleTable {
        &self.scales
    }

    /// Number of scales (= number of CDFs).
    pub fn len(&self) -> usize {
        self.half.len()
    }

    /// Always false (at least one scale).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The CDF of scale `index` over `2R+1` window symbols and the escape.
    pub fn cdf(&self, index: usize) -> Result<&[u32]> {
        let (a, b) = self
            .offsets
            .get(index)
            .zip(self.offsets.get(index + 1))
            .ok_or(EntropyError::IndexOutOfRange {
                index,
                len: self.len(),
            })?;
        Ok(&self.cdf[*a..*b])
    }

    /// Window of scale `index`: (lowest value, number of window symbols, model).
    pub(crate) fn window(&self, index: usize) -> Result<(i32, u32, CdfSlice<'_>)> {
        let cdf = self.cdf(index)?;
        let r = self.half[index];
        Ok((-(r as i32), 2 * r + 1, CdfSlice(cdf)))
    }

    /// Fixed-point probability of `value` under scale `index`; for a value outside the
    /// window, the escape's probability (its Elias-gamma bits come on top).
    pub fn probability(&self, index: usize, value: i32) -> Result<u32> {
        let (lo, n, s) = self.window(index)?;
        let off = value as i64 - lo as i64;
        let i = if (0..n as i64).contains(&off) {
            off as usize
        } else {
            n as usize
        };
        Ok(s.0[i + 1] - s.0[i])
    }

    /// FNV-1a hash of family, scales and every CDF: the value a codec puts into its model
    /// fingerprint so that a stream from other tables is rejected by the container.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv64::new();
        h.u64(self.family as u64);
        self.scales.hash_into(&mut h);
        self.cdf.iter().for_each(|&c| h.u64(c as u64));
        h.finish()
    }
}
