//! Modulation-and-coding table: Gray QAM orders (QPSK … 256-QAM) × LDPC code rates, sorted by
//! spectral efficiency Qm·R, with the Es/N0 at which one long code block (K' = 8448 on BG1;
//! 3840 on BG2 for R ≤ 1/3; layered NMS α = 0.75, 20 iterations, max-log demapping) reaches
//! BLER 10⁻² over AWGN, measured with `semcom ldpc-sim` (docs/ldpc.md, ±0.05 dB).

use crate::error::{LdpcError, Result};
use serde::{Deserialize, Serialize};

/// One modulation-and-coding scheme.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mcs {
    /// Bits per symbol Qm.
    pub modulation_order: usize,
    /// Target LDPC code rate R.
    pub rate: f64,
    /// Name, e.g. `qpsk-1/2`, `16qam-2/3`.
    pub name: &'static str,
    /// Es/N0 (dB) at BLER 10⁻² over AWGN for a long block (see module doc and docs/ldpc.md).
    pub esn0_db_bler_1e2: f64,
}

macro_rules! mcs {
    ($qm:expr, $num:expr, $den:expr, $name:expr, $thr:expr) => {
        Mcs {
            modulation_order: $qm,
            rate: $num as f64 / $den as f64,
            name: $name,
            esn0_db_bler_1e2: $thr,
        }
    };
}

/// The table, sorted by spectral efficiency (ties: lower order first).
const TABLE: [Mcs; 18] = [
    mcs!(2, 1, 4, "qpsk-1/4", -2.34),
    mcs!(2, 1, 3, "qpsk-1/3", -0.72),
    mcs!(2, 1, 2, "qpsk-1/2", 1.27),
    mcs!(2, 2, 3, "qpsk-2/3", 3.21),
    mcs!(2, 3, 4, "qpsk-3/4", 4.23),
    mcs!(2, 5, 6, "qpsk-5/6", 5.34),
    mcs!(4, 1, 2, "16qam-1/2", 6.32),
    mcs!(4, 2, 3, "16qam-2/3", 8.95),
    mcs!(4, 3, 4, "16qam-3/4", 10.2),
    mcs!(4, 5, 6, "16qam-5/6", 11.53),
    mcs!(6, 1, 2, "64qam-1/2", 10.56),
    mcs!(6, 2, 3, "64qam-2/3", 13.74),
    mcs!(6, 3, 4, "64qam-3/4", 15.39),
    mcs!(6, 5, 6, "64qam-5/6", 17.03),
    mcs!(8, 1, 2, "256qam-1/2", 14.52),
    mcs!(8, 2, 3, "256qam-2/3", 18.38),
    mcs!(8, 3, 4, "256qam-3/4", 20.35),
    mcs!(8, 5, 6, "256qam-5/6", 22.35),
];

impl Mcs {
    /// All schemes sorted by spectral efficiency.
    pub fn table() -> Vec<Mcs> {
        let mut t = TABLE.to_vec();
        t.sort_by(|a, b| {
            a.spectral_efficiency()
                .total_cmp(&b.spectral_efficiency())
                .then(a.modulation_order.cmp(&b.modulation_order))
        });
        t
    }

    /// Information bits per complex symbol, Qm·R.
    pub fn spectral_efficiency(&self) -> f64 {
        self.modulation_order as f64 * self.rate
    }

    /// Modulation name (`qpsk`, `16qam`, `64qam`, `256qam`).
    pub fn modulation_name(&self) -> &'static str {
        self.name.split('-').next().unwrap_or(self.name)
    }

    /// The scheme with the highest spectral efficiency whose BLER-10⁻² threshold is at most
    /// `esn0_db − margin_db` (ties: the lower threshold); `None` when none fits.
    pub fn best_for_snr(esn0_db: f64, margin_db: f64) -> Option<Mcs> {
        Self::table()
            .into_iter()
            .filter(|m| m.esn0_db_bler_1e2 + margin_db <= esn0_db)
            .max_by(|a, b| {
                a.spectral_efficiency()
                    .total_cmp(&b.spectral_efficiency())
                    .then(b.esn0_db_bler_1e2.total_cmp(&a.esn0_db_bler_1e2))
            })
    }
}

impl std::str::FromStr for Mcs {
    type Err = LdpcError;
    /// Parses a table name (`16qam-2/3`); `qam16`/`QAM16` spellings and `_` are accepted.
    fn from_str(s: &str) -> Result<Self> {
        let norm = s
            .trim()
            .to_ascii_lowercase()
            .replace('_', "-")
            .replace("qam16", "16qam")
            .replace("qam64", "64qam")
            .replace("qam256", "256qam");
        TABLE
            .iter()
            .find(|m| m.name == norm)
            .copied()
            .ok_or_else(|| LdpcError::Parse {
                name: s.into(),
                msg: format!(
                    "unknown MCS (known: {})",
                    TABLE.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
                ),
            })
    }
}

/// Parses a modulation name (`bpsk`, `qpsk`, `16qam`, `64qam`, `256qam`) into Qm.
pub fn modulation_order(name: &str) -> Result<usize> {
    match name.trim().to_ascii_lowercase().as_str() {
        "bpsk" => Ok(1),
        "qpsk" | "4qam" => Ok(2),
        "16qam" | "qam16" => Ok(4),
        "64qam" | "qam64" => Ok(6),
        "256qam" | "qam256" => Ok(8),
        _ => Err(LdpcError::Parse {
            name: name.into(),
            msg: "known: bpsk, qpsk, 16qam, 64qam, 256qam".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sorted_and_parsable() {
        let t = Mcs::table();
        assert!(t
            .windows(2)
            .all(|w| w[0].spectral_efficiency() <= w[1].spectral_efficiency()));
        for m in &t {
            assert_eq!(m.name.parse::<Mcs>().unwrap(), *m);
        }
        for n in ["qpsk-1/2", "16qam-2/3", "64qam-2/3", "256qam-1/2"] {
            assert!(n.parse::<Mcs>().is_ok());
        }
        assert!("8psk-1/2".parse::<Mcs>().is_err());
        assert_eq!(Mcs::best_for_snr(7.0, 0.0).unwrap().name, "16qam-1/2");
        assert!(Mcs::best_for_snr(-10.0, 0.0).is_none());
        // equal efficiency (3 bit/symbol): 16qam-3/4 needs less SNR than 64qam-1/2
        assert_eq!(Mcs::best_for_snr(11.0, 0.0).unwrap().name, "16qam-3/4");
    }
}
