//! Per-point aggregation: mean and 95 % Student-t confidence half-width, via
//! [`semcom_metrics::mean_ci95`], flattened for tables (empty sample → NaN mean).

use serde::{Deserialize, Serialize};

/// Mean and 95 % confidence half-width of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// Sample mean (NaN for an empty sample).
    pub mean: f64,
    /// Half-width t₀.₉₇₅,ₙ₋₁ · s/√n of the 95 % CI (0 when n < 2).
    pub ci95: f64,
    /// Sample size.
    pub n: usize,
}

/// Mean and 95 % CI of the finite values `xs`: x̄ ± t₀.₉₇₅(n−1)·s/√n.
pub fn mean_ci(xs: &[f64]) -> MeanCi {
    match semcom_metrics::mean_ci95(xs) {
        Ok(m) => MeanCi {
            mean: m.mean,
            ci95: m.half_width.unwrap_or(0.0),
            n: m.n,
        },
        Err(_) => MeanCi {
            mean: f64::NAN,
            ci95: 0.0,
            n: xs.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let r = mean_ci(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((r.mean, r.n), (2.5, 4));
        // s = sqrt(5/3), t(3) = 3.18245 -> 3.18245 * sqrt(5/3)/2
        assert!(
            (r.ci95 - 3.182446 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-5,
            "{}",
            r.ci95
        );
        assert_eq!(mean_ci(&[7.0]).ci95, 0.0);
        assert!(mean_ci(&[]).mean.is_nan());
    }
}
