//! Power normalisation (deep JSCC: x ← √(k·P)·x/‖x‖ per transmitted block/image) and
//! SNR measurement.

use semcom_core::chain::average_power;
use semcom_core::Complex32;

/// Scales `x` in place so that its average power (1/k)·Σ|x_i|² is `p` (an all-zero or
/// non-finite block is left unchanged). Returns the scale factor applied.
pub fn normalize_power_in_place(x: &mut [Complex32], p: f32) -> f32 {
    let cur = average_power(x);
    if cur.is_nan() || cur <= 0.0 || !cur.is_finite() || p.is_nan() || p < 0.0 {
        return 1.0;
    }
    let g = (p as f64 / cur).sqrt() as f32;
    x.iter_mut().for_each(|v| *v *= g);
    g
}

/// Copy of `x` scaled to average power `p` (see [`normalize_power_in_place`]).
pub fn normalize_power(x: &[Complex32], p: f32) -> Vec<Complex32> {
    let mut v = x.to_vec();
    normalize_power_in_place(&mut v, p);
    v
}

/// Measured Es/N0 in dB: 10·log10(P_x / mean|y − x|²) (for noise-only channels).
pub fn measured_snr_db(x: &[Complex32], y: &[Complex32]) -> f64 {
    let n = x.len().min(y.len()).max(1) as f64;
    let noise: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (b - a).norm_sqr() as f64)
        .sum::<f64>()
        / n;
    10.0 * (average_power(x) / noise).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        let x: Vec<Complex32> = (0..10).map(|i| Complex32::new(i as f32, 1.0)).collect();
        let y = normalize_power(&x, 2.0);
        assert!((average_power(&y) - 2.0).abs() < 1e-5);
        let z = normalize_power(&[Complex32::new(0.0, 0.0)], 1.0);
        assert_eq!(z[0], Complex32::new(0.0, 0.0));
    }
}
