//! Statistical acceptance tests (fixed seeds, ≥ 10⁶ samples where it matters).

use semcom_channel::awgn::{add_awgn_real, noise_var, Awgn};
use semcom_channel::bits::{Bec, Bsc, Ds2c2, GilbertElliott, ERASED};
use semcom_channel::equalize::Equalizer;
use semcom_channel::fading::{Fading, Rayleigh};
use semcom_channel::power::measured_snr_db;
use semcom_channel::sim::{random_bits, simulate_ber};
use semcom_channel::theory::{ber_awgn, ber_rayleigh};
use semcom_channel::{Demapper, Modulation};
use semcom_core::chain::Received;
use semcom_core::rng::rng_for;
use semcom_core::{ChannelModel, Complex32};

const GRID: [f64; 7] = [0.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0];

fn symbols(rx: Received) -> (Vec<Complex32>, Vec<Complex32>, Vec<f32>) {
    match rx {
        Received::Symbols { y, csi, noise_var } => (y, csi, noise_var),
        Received::Bits(_) => panic!("expected symbols"),
    }
}

fn bits_of(rx: Received) -> Vec<u8> {
    match rx {
        Received::Bits(b) => b,
        Received::Symbols { .. } => panic!("expected bits"),
    }
}

/// Bits for ~10⁴ expected errors (σ ≈ 1 % relative), at least 10⁶.
fn bits_for(ber: f64) -> u64 {
    (1e4 / ber).clamp(1e6, 6e7) as u64
}

#[test]
fn awgn_measured_snr_within_005_db() {
    let m = Modulation::Qam16;
    let x = m.modulate(&random_bits(4_000_000, 1)).unwrap();
    for snr in [-5.0, 0.0, 10.0, 30.0] {
        let (y, csi, nv) = symbols(Awgn.transmit_symbols(&x, snr, &mut rng_for(2, 1)).unwrap());
        assert!(csi.is_empty());
        assert_eq!(nv, vec![noise_var(snr) as f32]);
        let got = measured_snr_db(&x, &y);
        assert!(
            (got - snr).abs() < 0.05,
            "target {snr} dB, measured {got:.4} dB"
        );
    }
    // Real AWGN: N0/2 per real sample.
    let r: Vec<f32> = vec![0.0; 2_000_000];
    let y = add_awgn_real(&r, 3.0, &mut rng_for(3, 0)).unwrap();
    let var = y.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / y.len() as f64;
    assert!(
        (10.0 * (var / (noise_var(3.0) / 2.0)).log10()).abs() < 0.05,
        "{var}"
    );
}

#[test]
fn awgn_ber_matches_cho_yoon_within_5_percent() {
    for (i, m) in [
        Modulation::Bpsk,
        Modulation::Qpsk,
        Modulation::Qam16,
        Modulation::Qam64,
        Modulation::Qam256,
    ]
    .into_iter()
    .enumerate()
    {
        for (j, &snr) in GRID.iter().enumerate() {
            let theory = ber_awgn(m, snr);
            if theory < 1e-4 {
                continue;
            }
            let pt =
                simulate_ber(m, &Awgn, snr, bits_for(theory), (i * 10 + j) as u64, |_| {}).unwrap();
            let rel = (pt.ber() - theory).abs() / theory;
            assert!(
                rel < 0.05,
                "{m} at {snr} dB: measured {} theory {theory} ({} bits)",
                pt.ber(),
                pt.bits
            );
        }
    }
}

#[test]
fn rayleigh_zf_qpsk_ber_matches_closed_form() {
    for eq in [Some(Equalizer::Zf), None] {
        let ch = Rayleigh {
            fading: Fading::Fast,
            equalizer: eq,
        };
        for (j, &snr) in GRID.iter().enumerate() {
            let theory = ber_rayleigh(Modulation::Qpsk, snr);
            let pt = simulate_ber(
                Modulation::Qpsk,
                &ch,
                snr,
                bits_for(theory),
                100 + j as u64,
                |_| {},
            )
            .unwrap();
            let rel = (pt.ber() - theory).abs() / theory;
            assert!(
                rel < 0.05,
                "{eq:?} {snr} dB: measured {} theory {theory}",
                pt.ber()
            );
        }
    }
    // 16-QAM too (block fading with short blocks has the same average BER).
    let ch = Rayleigh {
        fading: Fading::Block(4),
        equalizer: Some(Equalizer::Zf),
    };
    let theory = ber_rayleigh(Modulation::Qam16, 12.0);
    let pt = simulate_ber(Modulation::Qam16, &ch, 12.0, 8_000_000, 7, |_| {}).unwrap();
    assert!(
        (pt.ber() - theory).abs() / theory < 0.05,
        "{} {theory}",
        pt.ber()
    );
}

#[test]
fn rayleigh_gain_statistics_and_outputs() {
    let n = 1_000_000;
    let x = vec![Complex32::new(1.0, 0.0); n];
    for fading in [Fading::Fast, Fading::Block(10)] {
        let ch = Rayleigh {
            fading,
            equalizer: None,
        };
        let (y, h, nv) = symbols(ch.transmit_symbols(&x, 200.0, &mut rng_for(5, 1)).unwrap());
        assert_eq!(nv.len(), 1);
        let p = h.iter().map(|v| v.norm_sqr() as f64).sum::<f64>() / n as f64;
        let mean = h.iter().map(|v| *v as Complex32).sum::<Complex32>() / n as f32;
        let k = if fading == Fading::Fast { n } else { n / 10 } as f64;
        assert!((p - 1.0).abs() < 4.0 / k.sqrt(), "{fading:?} E|h|² = {p}");
        assert!(
            (mean.norm() as f64) < 4.0 / k.sqrt(),
            "{fading:?} E h = {mean}"
        );
        assert!((y[7] - h[7]).norm() < 1e-4);
        if fading == Fading::Block(10) {
            assert!(h[..10].iter().all(|v| *v == h[0]) && h[10] != h[0]);
        }
    }
    // Per-transmission gain, and ZF output noise variance N0/|h|².
    let ch = Rayleigh {
        fading: Fading::Block(0),
        equalizer: None,
    };
    let (_, h, _) = symbols(
        ch.transmit_symbols(&x[..100], 10.0, &mut rng_for(5, 1))
            .unwrap(),
    );
    assert!(h.iter().all(|v| *v == h[0]));
    let ch = Rayleigh {
        fading: Fading::Block(0),
        equalizer: Some(Equalizer::Zf),
    };
    let (_, csi, nv) = symbols(
        ch.transmit_symbols(&x[..100], 10.0, &mut rng_for(5, 1))
            .unwrap(),
    );
    assert!(csi.is_empty());
    assert!((nv[0] - 0.1 / h[0].norm_sqr()).abs() < 1e-6 * nv[0]);
}

#[test]
fn llr_signs_agree_with_hard_decisions() {
    for m in Modulation::ALL {
        let x = m
            .modulate(&random_bits(m.bits_per_symbol() * 200_000, 11))
            .unwrap();
        let (y, _, nv) = symbols(Awgn.transmit_symbols(&x, 6.0, &mut rng_for(12, 1)).unwrap());
        let hard = m.hard_decide(&y);
        let llr = m.demap(&y, &nv, Demapper::MaxLog).unwrap();
        let bad = llr
            .iter()
            .zip(&hard)
            .filter(|(l, h)| l.abs() > 1e-5 && ((**l < 0.0) as u8) != **h)
            .count();
        assert_eq!(bad, 0, "{m}");
        // Exact LLRs are close to max-log at high SNR, and share the sign of the sign bits.
        let exact = m.demap(&y, &nv, Demapper::Exact).unwrap();
        let q = m.bits_per_symbol();
        let sign_bits = if m == Modulation::Bpsk { 1 } else { 2 };
        for (i, (e, h)) in exact.iter().zip(&hard).enumerate() {
            if i % q < sign_bits && e.abs() > 1e-5 {
                assert_eq!((*e < 0.0) as u8, *h, "{m} bit {i}");
            }
        }
    }
}

#[test]
fn bit_channel_rates_within_3_sigma() {
    let n = 2_000_000usize;
    let bits = random_bits(n, 21);
    let three_sigma = |p: f64, n: f64| 3.0 * (p * (1.0 - p) / n).sqrt();

    let out = bits_of(
        Bsc::new(0.03)
            .unwrap()
            .transmit_bits(&bits, &mut rng_for(22, 1))
            .unwrap(),
    );
    let flips = out.iter().zip(&bits).filter(|(a, b)| a != b).count() as f64 / n as f64;
    assert!(
        (flips - 0.03).abs() < three_sigma(0.03, n as f64),
        "BSC {flips}"
    );

    let out = bits_of(
        Bec::new(0.2)
            .unwrap()
            .transmit_bits(&bits, &mut rng_for(23, 1))
            .unwrap(),
    );
    let er = out.iter().filter(|&&b| b == ERASED).count() as f64 / n as f64;
    assert!((er - 0.2).abs() < three_sigma(0.2, n as f64), "BEC {er}");
    assert!(out.iter().zip(&bits).all(|(o, b)| *o == ERASED || o == b));

    for (pe, bytes) in [(0.05, 100usize), (0.2, 1056)] {
        let nn = 40_000_000usize; // 50 000 blocks of 100 bytes, 4 735 of 1056
        let bits = random_bits(nn, 24);
        let out = bits_of(
            Ds2c2::new(pe, bytes)
                .unwrap()
                .transmit_bits(&bits, &mut rng_for(25, 1))
                .unwrap(),
        );
        let ones = bits.iter().filter(|&&b| b == 1).count() as f64;
        let lost = out
            .iter()
            .zip(&bits)
            .filter(|(o, b)| **b == 1 && **o == 0)
            .count() as f64;
        assert!(out.iter().zip(&bits).all(|(o, b)| o <= b), "only 1→0 flips");
        let blocks = nn.div_ceil(8 * bytes) as f64;
        assert!(
            (lost / ones - pe).abs() < three_sigma(pe, blocks),
            "DS2C2 {pe}: {}",
            lost / ones
        );
    }

    // Gilbert–Elliott: stationary loss rate; Markov-chain variance (1+λ)/(1−λ)·π(1−π)/n.
    let ge = GilbertElliott::new(0.02, 0.2, 0.0, 1.0, 1).unwrap();
    let out = bits_of(ge.transmit_bits(&bits, &mut rng_for(26, 1)).unwrap());
    let lr = out.iter().filter(|&&b| b == ERASED).count() as f64 / n as f64;
    let (pi, lam) = (ge.loss_rate(), 1.0 - 0.02 - 0.2);
    let sigma = (pi * (1.0 - pi) * (1.0 + lam) / (1.0 - lam) / n as f64).sqrt();
    assert!((lr - pi).abs() < 3.0 * sigma, "GE {lr} vs {pi}");
    // Bursts: mean run length of losses is 1/p_bg.
    let runs = out
        .windows(2)
        .filter(|w| w[0] != ERASED && w[1] == ERASED)
        .count() as f64;
    let mean_run = lr * n as f64 / runs;
    assert!((mean_run - 5.0).abs() < 0.3, "mean burst {mean_run}");

    // Bit channels refuse symbols and non-binary input.
    assert!(Bsc::new(0.1)
        .unwrap()
        .transmit_symbols(&[Complex32::new(1.0, 0.0)], 1.0, &mut rng_for(1, 1))
        .is_err());
    assert!(Bsc::new(0.1)
        .unwrap()
        .transmit_bits(&[0, 1, 3], &mut rng_for(1, 1))
        .is_err());
    assert!(Awgn.transmit_bits(&[0, 1], &mut rng_for(1, 1)).is_err());
    assert!(Awgn
        .transmit_symbols(&[Complex32::new(1.0, 0.0)], f64::NAN, &mut rng_for(1, 1))
        .is_err());
}

#[test]
fn gilbert_elliott_symbols_erase_whole_packets() {
    let ge = GilbertElliott::new(0.1, 0.3, 0.0, 1.0, 16).unwrap();
    let x = vec![Complex32::new(1.0, 0.0); 16 * 1000];
    let (y, _, nv) = symbols(ge.transmit_symbols(&x, 20.0, &mut rng_for(3, 1)).unwrap());
    let lost: Vec<bool> = nv.chunks(16).map(|c| c[0].is_infinite()).collect();
    for (i, c) in nv.chunks(16).enumerate() {
        assert!(c.iter().all(|v| v.is_infinite() == lost[i]));
    }
    assert!(y
        .iter()
        .zip(&nv)
        .all(|(v, n)| !n.is_infinite() || *v == Complex32::new(0.0, 0.0)));
    let frac = lost.iter().filter(|&&l| l).count() as f64 / 1000.0;
    assert!(frac > 0.1 && frac < 0.4, "{frac}");
    let llr = Modulation::Qpsk.demap(&y, &nv, Demapper::Exact).unwrap();
    assert!(llr
        .iter()
        .zip(nv.iter().flat_map(|v| [v, v]))
        .all(|(l, v)| !v.is_infinite() || *l == 0.0));
}

#[test]
fn results_identical_whatever_the_thread_count() {
    let m = Modulation::Qam64;
    let x = m.modulate(&random_bits(6 * 100_000, 31)).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut out = Vec::new();
            for ch in semcom_channel::CHANNEL_NAMES
                .iter()
                .filter(|n| !["bsc", "bec", "ds2c2"].contains(n))
            {
                let c = semcom_channel::by_name(ch, &Default::default()).unwrap();
                let (y, csi, nv) =
                    symbols(c.transmit_symbols(&x, 7.0, &mut rng_for(32, 1)).unwrap());
                let llr = m.demap(&y, &nv, Demapper::Exact).unwrap();
                out.push((y, csi, nv, llr));
            }
            let b = random_bits(1_000_000, 3);
            let bsc = semcom_channel::by_name("bsc", &Default::default()).unwrap();
            (
                out,
                b.clone(),
                bits_of(bsc.transmit_bits(&b, &mut rng_for(1, 1)).unwrap()),
            )
        })
    };
    let a = run(1);
    assert!(a == run(2));
    assert!(a == run(4));
}
