//! Capacities: AWGN (Shannon), the maximum error-free source rate of a link (MLSC's "JPEG at
//! capacity" baseline), BICM/GMI capacity of each modulation and the Rayleigh ergodic capacity.
//! All SNRs are Es/N0 per complex channel use in dB; rates are in bits per complex channel use.
//! A NaN SNR gives NaN (no panic).

use crate::modulation::Modulation;

/// Trapezoid nodes of the standard normal density on [−10, 10] (step 1/200, error < 1e-12).
const GAUSS_HALF_WIDTH: f64 = 10.0;
const GAUSS_STEPS: usize = 4000;

fn lin(snr_db: f64) -> f64 {
    10f64.powf(snr_db / 10.0)
}

/// AWGN capacity C = log2(1 + SNR) (Shannon, Gaussian input).
pub fn awgn_capacity(snr_db: f64) -> f64 {
    (1.0 + lin(snr_db)).log2()
}

/// Maximum error-free source bits over `channel_uses` complex channel uses: ⌊k·log2(1+SNR)⌋
/// (source–channel separation at capacity).
pub fn max_source_bits(channel_uses: u64, snr_db: f64) -> u64 {
    let b = channel_uses as f64 * awgn_capacity(snr_db);
    if b.is_finite() && b > 0.0 {
        b.floor() as u64
    } else {
        0
    }
}

/// Maximum error-free source rate R_max = (k/n)·log2(1+SNR) in bits per real source sample
/// (multiply by C for bits per pixel), the MLSC "JPEG at capacity" bound.
pub fn max_source_rate(k_over_n: f64, snr_db: f64) -> f64 {
    k_over_n * awgn_capacity(snr_db)
}

/// BICM capacity (sum over the q bit channels of I(b_j; y), exact LLRs, uniform inputs) of the
/// Gray mapping of `m` over complex AWGN, by numerical integration: twice the per-dimension
/// Gray-PAM value (real noise variance N0/2), or the projected PAM for BPSK.
pub fn bicm_capacity(m: Modulation, snr_db: f64) -> f64 {
    let n0 = 1.0 / lin(snr_db);
    if !n0.is_finite() || n0.is_nan() {
        return if snr_db.is_nan() { f64::NAN } else { 0.0 };
    }
    let mb = m.bits_per_dim();
    let l = 1usize << mb;
    let levels: Vec<f64> = if m == Modulation::Bpsk {
        vec![1.0, -1.0] // label 0 → +1, label 1 → −1
    } else {
        (0..l).map(|p| m.pam_level(p) as f64).collect()
    };
    let sigma = (n0 / 2.0).sqrt();
    let h = 2.0 * GAUSS_HALF_WIDTH / GAUSS_STEPS as f64;
    // Σ over bits of E[log2 p(b|y)], averaged over labels and noise.
    let mut acc = 0.0;
    let mut e = vec![0f64; l];
    for (k, &ak) in levels.iter().enumerate() {
        for s in 0..=GAUSS_STEPS {
            let z = -GAUSS_HALF_WIDTH + s as f64 * h;
            let w = h * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
                * if s == 0 || s == GAUSS_STEPS { 0.5 } else { 1.0 };
            let y = ak + sigma * z;
            let dk = -(y - ak).powi(2) / n0;
            for (p, &a) in levels.iter().enumerate() {
                e[p] = (-(y - a).powi(2) / n0 - dk).exp();
            }
            let all: f64 = e.iter().sum();
            for j in 0..mb {
                let bit = (k >> (mb - 1 - j)) & 1;
                let same: f64 = (0..l)
                    .filter(|p| (p >> (mb - 1 - j)) & 1 == bit)
                    .map(|p| e[p])
                    .sum();
                acc += w * (same / all).log2();
            }
        }
    }
    let per_dim = mb as f64 + acc / l as f64;
    if m == Modulation::Bpsk {
        per_dim
    } else {
        2.0 * per_dim
    }
}

/// Ergodic capacity of Rayleigh fading with CSI at the receiver, E[log2(1 + γ|h|²)],
/// |h|² ~ Exp(1), by the trapezoid rule in u = ln|h|² over [−40, 5].
pub fn rayleigh_ergodic_capacity(snr_db: f64) -> f64 {
    let g = lin(snr_db);
    let (u0, u1, n) = (-40.0f64, 5.0f64, 9000usize);
    let h = (u1 - u0) / n as f64;
    (0..=n)
        .map(|i| {
            let t = (u0 + i as f64 * h).exp();
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            w * (1.0 + g * t).log2() * (-t).exp() * t
        })
        .sum::<f64>()
        * h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert!((awgn_capacity(0.0) - 1.0).abs() < 1e-12);
        assert_eq!(max_source_bits(512, 0.0), 512);
        assert_eq!(max_source_bits(0, 10.0), 0);
        assert_eq!(max_source_bits(10, f64::NAN), 0);
        assert!((max_source_rate(1.0 / 6.0, 0.0) - 1.0 / 6.0).abs() < 1e-12);
        for m in Modulation::ALL {
            let hi = bicm_capacity(m, 40.0);
            assert!((hi - m.bits_per_symbol() as f64).abs() < 1e-6, "{m}: {hi}");
            assert!(bicm_capacity(m, 5.0) <= awgn_capacity(5.0));
        }
        // BPSK at γ is one QPSK dimension at 2γ.
        let b = bicm_capacity(Modulation::Bpsk, 1.0);
        let q = bicm_capacity(Modulation::Qpsk, 1.0 + 10.0 * 2f64.log10());
        assert!((b - q / 2.0).abs() < 1e-6, "{b} {q}");
        assert!(bicm_capacity(Modulation::Qpsk, f64::NAN).is_nan());
    }
}
