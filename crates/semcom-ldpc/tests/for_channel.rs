//! `NrConfig::for_channel` gives a valid transport block for every MCS over a wide range of
//! channel sizes, including the Kodak budgets where TBS rounding crosses the BG1/BG2 boundary.

use semcom_ldpc::{Mcs, NrConfig};

#[test]
fn every_mcs_and_size_gives_a_valid_transport_block() {
    // Kodak 768×512 at k/n = 1/6 and 1/12 (the sizes that failed before), and a spread of others.
    let mut symbols = vec![196_608usize, 98_304, 512, 256, 1_000, 3_000, 10_007, 50_000];
    symbols.extend((1..40).map(|i| i * 4_999));
    for mcs in Mcs::table() {
        let qm = mcs.modulation_order;
        for &k in &symbols {
            let g = k * qm;
            if (g as f64 * mcs.rate) < 24.0 {
                continue;
            }
            let cfg = NrConfig::for_channel(g, mcs.rate, qm)
                .unwrap_or_else(|e| panic!("{} with {k} symbols: {e}", mcs.name));
            assert!(
                cfg.tbs as f64 <= g as f64 * mcs.rate * 1.05,
                "{} k={k}: A={} G={g}",
                mcs.name,
                cfg.tbs
            );
            assert!(
                cfg.tbs as f64 >= g as f64 * mcs.rate * 0.7,
                "{} k={k}: A={} too small",
                mcs.name,
                cfg.tbs
            );
        }
    }
}
