//! Closed-form uncoded BER of Gray-mapped BPSK and square QAM (hard decisions).
//!
//! * **AWGN**: the exact expression of Cho & Yoon, "On the general BER expression of one- and
//!   two-dimensional amplitude modulations", IEEE Trans. Commun. 50(7), 2002, eqs. (14)–(16):
//!   with M = L², m = log2 L, γ = Es/N0,
//!   P_b = (1/m) Σ_{k=1..m} (1/L) Σ_{i=0}^{(1−2^−k)L−1} (−1)^⌊i·2^(k−1)/L⌋
//!   · (2^(k−1) − ⌊i·2^(k−1)/L + 1/2⌋) · erfc((2i+1)·√(3γ/(2(M−1)))),
//!   expanded as Σ c·erfc(√(a·γ)) by [`ber_terms`]. BPSK: P_b = ½·erfc(√γ).
//! * **Rayleigh** (h ~ CN(0,1) per symbol, perfect CSI, coherent detection): each term
//!   c·erfc(√(aγ)) averages over the exponential SNR to c·(1 − √(aγ̄/(1 + aγ̄))); for QPSK this
//!   is ½(1 − √(γb/(1+γb))), γb = γ̄/2.

use crate::modulation::Modulation;

/// Terms (c, a) with P_b(γ) = Σ c·erfc(√(a·γ)) over AWGN (Cho–Yoon eq. 14–16, equal a merged).
pub fn ber_terms(m: Modulation) -> Vec<(f64, f64)> {
    if m == Modulation::Bpsk {
        return vec![(0.5, 1.0)];
    }
    let order = m.order() as f64;
    let bits = m.bits_per_dim();
    let l = 1usize << bits;
    let mut terms: Vec<(f64, f64)> = Vec::new();
    for k in 1..=bits {
        let pk = 1usize << (k - 1);
        let imax = l - (l >> k); // (1 − 2^−k)·L
        for i in 0..imax {
            let fl = (i * pk) / l;
            let sign = if fl.is_multiple_of(2) { 1.0 } else { -1.0 };
            let w = pk as f64 - ((i * pk) as f64 / l as f64 + 0.5).floor();
            let c = sign * w / (l as f64 * bits as f64);
            let a = ((2 * i + 1) as f64).powi(2) * 3.0 / (2.0 * (order - 1.0));
            match terms.iter_mut().find(|t| (t.1 - a).abs() < 1e-12) {
                Some(t) => t.0 += c,
                None => terms.push((c, a)),
            }
        }
    }
    terms
}

/// Exact uncoded BER over AWGN at Es/N0 = `snr_db` (Gray mapping of [`Modulation`]).
pub fn ber_awgn(m: Modulation, snr_db: f64) -> f64 {
    let g = 10f64.powf(snr_db / 10.0);
    ber_terms(m)
        .iter()
        .map(|&(c, a)| c * libm::erfc((a * g).sqrt()))
        .sum::<f64>()
        .max(0.0)
}

/// Uncoded BER over Rayleigh flat fading (h ~ CN(0,1), perfect CSI) at average Es/N0 = `snr_db`.
pub fn ber_rayleigh(m: Modulation, snr_db: f64) -> f64 {
    let g = 10f64.powf(snr_db / 10.0);
    ber_terms(m)
        .iter()
        .map(|&(c, a)| c * (1.0 - (a * g / (1.0 + a * g)).sqrt()))
        .sum::<f64>()
        .max(0.0)
}

/// The closed form for a channel name of the registry: `awgn` → [`ber_awgn`],
/// `rayleigh-fast`/`rayleigh-block` → [`ber_rayleigh`] (ensemble average); `None` otherwise.
pub fn ber_for_channel(channel: &str, m: Modulation, snr_db: f64) -> Option<f64> {
    match channel {
        "awgn" => Some(ber_awgn(m, snr_db)),
        "rayleigh-fast" | "rayleigh-block" | "rayleigh" => Some(ber_rayleigh(m, snr_db)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // QPSK = BPSK per bit at Eb/N0 = Es/N0/2: 0.5·erfc(√(γ/2)).
        let g = 10f64.powf(0.7);
        assert!(
            (ber_awgn(Modulation::Qpsk, 7.0) - 0.5 * libm::erfc((g / 2.0).sqrt())).abs() < 1e-15
        );
        assert!((ber_awgn(Modulation::Bpsk, 7.0) - 0.5 * libm::erfc(g.sqrt())).abs() < 1e-15);
        // 16-QAM expansion of the reference file.
        let t = ber_terms(Modulation::Qam16);
        let want = [(0.375, 0.1), (0.25, 0.9), (-0.125, 2.5)];
        for (c, a) in want {
            assert!(
                t.iter()
                    .any(|&(c2, a2)| (c - c2).abs() < 1e-12 && (a - a2).abs() < 1e-12),
                "{t:?}"
            );
        }
        // At 0 SNR every modulation is worse than at high SNR; Rayleigh worse than AWGN.
        for m in Modulation::ALL {
            assert!(ber_awgn(m, 0.0) > ber_awgn(m, 10.0));
            assert!(ber_rayleigh(m, 10.0) > ber_awgn(m, 10.0));
            assert!(ber_awgn(m, -40.0) <= 0.5 + 1e-9);
        }
        assert!(ber_for_channel("bsc", Modulation::Qpsk, 1.0).is_none());
    }
}
