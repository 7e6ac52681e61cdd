//! Frozen integer tables of the standard Gaussian, Laplace and logistic CDFs, and the
//! integer evaluation of a shifted, scaled CDF at a symbol boundary.
//!
//! A table holds `F(z)·2^32` (rounded, as u64) on the grid `z = j/2^8`, `|z| ≤ z_max`. It is
//! computed once per process with f64 and the pure-Rust `libm` crate (a port of musl: the same
//! bits on every target, unlike the platform's C library behind `f64::exp`), rounded to
//! integers and then only read. The golden test `tests/determinism.rs` freezes the hash of
//! every table, so a machine that computed a different table would fail that test rather than
//! write streams that other machines cannot read. Everything after the table — the argument
//! `z = (x − ½ − μ)/σ` and the interpolation — is integer arithmetic.

use std::sync::OnceLock;

/// Fractional bits of the table grid (step 1/256).
pub const GRID_FRAC: u32 = 8;
/// Fractional bits of a fixed-point argument `z` given to [`Family::cdf_fx`].
pub const Z_FRAC: u32 = 16;
/// Fractional bits of a table value: `F(z)` is stored as `F(z)·2^32`.
pub const CDF_BITS: u32 = 32;
/// `1.0` in table units.
pub const CDF_ONE: u64 = 1 << CDF_BITS;

/// The shape of a quantised conditional model (location–scale family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Normal distribution; the scale is the standard deviation σ.
    Gaussian,
    /// Laplace distribution; the scale is b (standard deviation b·√2).
    Laplace,
    /// Logistic distribution; the scale is s (standard deviation s·π/√3).
    Logistic,
}

impl Family {
    /// All families, in id order.
    pub const ALL: [Family; 3] = [Family::Gaussian, Family::Laplace, Family::Logistic];

    /// Lower-case name (`gaussian`, `laplace`, `logistic`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Gaussian => "gaussian",
            Family::Laplace => "laplace",
            Family::Logistic => "logistic",
        }
    }

    /// Largest |z| in the table (beyond it the CDF is 0 or 1 in 32-bit units).
    pub fn z_max(self) -> i64 {
        match self {
            Family::Gaussian => 8,
            Family::Laplace | Family::Logistic => 24,
        }
    }

    /// Half-width of a model's window in units of its scale, ×2^8: symbols within
    /// `±⌈scale·tail_z⌉` of the mean get their own slot, the rest go through the escape.
    /// Chosen so that each tail holds about 1e-9 of the mass.
    pub fn tail_z_fx(self) -> u64 {
        match self {
            Family::Gaussian => 6 << GRID_FRAC,
            Family::Laplace | Family::Logistic => 20 << GRID_FRAC,
        }
    }

    /// The f64 CDF the table is made from (pure-Rust libm).
    fn reference(self, z: f64) -> f64 {
        match self {
            Family::Gaussian => 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2),
            Family::Laplace if z < 0.0 => 0.5 * libm::exp(z),
            Family::Laplace => 1.0 - 0.5 * libm::exp(-z),
            Family::Logistic => 1.0 / (1.0 + libm::exp(-z)),
        }
    }

    fn build(self) -> Vec<u64> {
        let half = self.z_max() << GRID_FRAC;
        let mut t: Vec<u64> = (-half..=half)
            .map(|j| {
                let z = j as f64 / (1u64 << GRID_FRAC) as f64;
                let v = libm::floor(self.reference(z) * CDF_ONE as f64 + 0.5);
                v.clamp(0.0, CDF_ONE as f64) as u64
            })
            .collect();
        // Pin the ends and make the rounded table non-decreasing (a no-op for these
        // functions, kept so the interpolation's monotonicity never depends on libm).
        t[0] = 0;
        *t.last_mut().unwrap() = CDF_ONE;
        for j in 1..t.len() {
            t[j] = t[j].max(t[j - 1]);
        }
        t
    }

    /// The frozen table `F(j/256)·2^32`, `j = −256·z_max ..= 256·z_max`.
    pub fn table(self) -> &'static [u64] {
        static T: [OnceLock<Vec<u64>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        T[self as usize].get_or_init(|| self.build())
    }

    /// `F(z)·2^32` for a fixed-point `z_fx = z·2^16`, by linear interpolation between grid
    /// points with the product floored (`>> 8`). Non-decreasing in `z_fx`; 0 below and 2^32
    /// above the table.
    #[inline]
    pub fn cdf_fx(self, z_fx: i64) -> u64 {
        let t = self.table();
        let half = self.z_max() << GRID_FRAC;
        let shift = Z_FRAC - GRID_FRAC;
        let j = (z_fx >> shift) + half;
        if j < 0 {
            return 0;
        }
        let j = j as usize;
        if j + 1 >= t.len() {
            return CDF_ONE;
        }
        let frac = (z_fx & ((1 << shift) - 1)) as u64;
        t[j] + (((t[j + 1] - t[j]) * frac) >> shift)
    }

    /// CDF of the family with fixed-point mean `mean_fx` (×2^[`MEAN_FRAC`]) and inverse
    /// scale `inv_fx` (×2^[`INV_FRAC`]) at the lower boundary `x − ½` of integer symbol `x`,
    /// ×2^32. The argument is `z = ((2x − 1)·2^7 − mean_fx)·inv_fx >> 16`, floored (arithmetic
    /// shift), with `x` clamped to ±2^22 so that the product fits in i64.
    #[inline]
    pub fn boundary_cdf(self, x: i64, mean_fx: i32, inv_fx: u64) -> u64 {
        let x = x.clamp(-(1 << 22), 1 << 22);
        let d = ((2 * x - 1) << (MEAN_FRAC - 1)) - mean_fx as i64;
        let z = (d * inv_fx as i64) >> (MEAN_FRAC + INV_FRAC - Z_FRAC);
        self.cdf_fx(z)
    }
}

/// Fractional bits of a fixed-point mean (a mean is a multiple of 1/256).
pub const MEAN_FRAC: u32 = 8;
/// Fractional bits of a fixed-point inverse scale.
pub const INV_FRAC: u32 = 24;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_match_the_reference_and_are_monotone() {
        for f in Family::ALL {
            let t = f.table();
            assert!(t.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(t[t.len() / 2], CDF_ONE / 2, "{f:?}: F(0) = 1/2");
            for z in [-3.0f64, -1.0, 0.25, 2.0] {
                let fx = f.cdf_fx((z * 65536.0) as i64) as f64 / CDF_ONE as f64;
                assert!((fx - f.reference(z)).abs() < 1e-6, "{f:?} at {z}: {fx}");
            }
        }
        // Φ(1) = 0.841344746…, from any table of the normal distribution.
        let p = Family::Gaussian.cdf_fx(65536) as f64 / CDF_ONE as f64;
        assert!((p - 0.841_344_746).abs() < 1e-8, "{p}");
    }

    #[test]
    fn interpolation_is_monotone_between_grid_points() {
        let f = Family::Logistic;
        let mut prev = 0;
        for z in (-(30i64 << 16)..(30 << 16)).step_by(977) {
            let v = f.cdf_fx(z);
            assert!(v >= prev);
            prev = v;
        }
        assert_eq!(prev, CDF_ONE);
    }
}
