//! Golden values from `shared/reference/qam_ber.json` (closed-form BER, capacities).
//! Skips with a message when the shared data is missing, except under `CI=true`.

use semcom_channel::capacity::{awgn_capacity, bicm_capacity, rayleigh_ergodic_capacity};
use semcom_channel::theory::{ber_awgn, ber_rayleigh};
use semcom_channel::Modulation;
use serde_json::Value;

fn reference() -> Option<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/qam_ber.json"
    );
    match std::fs::read_to_string(path) {
        Ok(s) => Some(serde_json::from_str(&s).expect("qam_ber.json parses")),
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{path} is missing under CI=true: {e}");
            }
            println!("SKIP: {path} not found ({e})");
            None
        }
    }
}

/// The numbers of the JSON array `v` (panics with `what` when it is not one).
fn floats(v: &Value, what: &str) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn series(v: &Value, key: &str, m: &str) -> Vec<f64> {
    floats(&v[key][m], &format!("{key}.{m}"))
}

const MODS: [(&str, Modulation); 4] = [
    ("QPSK", Modulation::Qpsk),
    ("16QAM", Modulation::Qam16),
    ("64QAM", Modulation::Qam64),
    ("256QAM", Modulation::Qam256),
];

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs() + 1e-300,
        "{what}: got {got:e}, want {want:e}"
    );
}

#[test]
fn closed_form_ber_matches_reference() {
    let Some(r) = reference() else { return };
    let snrs: Vec<f64> = floats(&r["es_n0_db"], "es_n0_db");
    for (name, m) in MODS {
        let awgn = series(&r, "ber_awgn", name);
        let ray = series(&r, "extra_ber_rayleigh_all_orders", name);
        for (i, &s) in snrs.iter().enumerate() {
            // erfc in double precision: relative error ≲ 1e-12 even far in the tail.
            close(
                ber_awgn(m, s),
                awgn[i],
                1e-9,
                &format!("{name} AWGN {s} dB"),
            );
            close(
                ber_rayleigh(m, s),
                ray[i],
                1e-9,
                &format!("{name} Rayleigh {s} dB"),
            );
        }
    }
    let q = series(&r, "ber_rayleigh", "QPSK");
    for (i, &s) in snrs.iter().enumerate() {
        close(
            ber_rayleigh(Modulation::Qpsk, s),
            q[i],
            1e-12,
            "QPSK Rayleigh",
        );
    }
}

#[test]
fn capacities_match_reference() {
    let Some(r) = reference() else { return };
    let snrs: Vec<f64> = floats(&r["es_n0_db"], "es_n0_db");
    let cap: Vec<f64> = floats(
        &r["capacity_awgn_bits_per_complex_symbol"],
        "capacity_awgn_bits_per_complex_symbol",
    );
    let erg: Vec<f64> = floats(
        &r["extra_capacity_rayleigh_ergodic"],
        "extra_capacity_rayleigh_ergodic",
    );
    for (i, &s) in snrs.iter().enumerate() {
        close(awgn_capacity(s), cap[i], 1e-12, "AWGN capacity");
        close(
            rayleigh_ergodic_capacity(s),
            erg[i],
            1e-7,
            "Rayleigh ergodic capacity",
        );
        for (name, m) in MODS {
            let b = series(&r, "extra_bicm_capacity_gray_qam", name);
            assert!(
                (bicm_capacity(m, s) - b[i]).abs() < 1e-6,
                "{name} BICM {s} dB: {} vs {}",
                bicm_capacity(m, s),
                b[i]
            );
        }
    }
    // BICM thresholds: capacity at the quoted Es/N0 equals the rate's bits per symbol.
    for (k, v) in r["extra_bicm_thresholds"].as_object().unwrap() {
        let m: Modulation = k.split_whitespace().next().unwrap().parse().unwrap();
        let c = bicm_capacity(m, v["es_n0_db"].as_f64().unwrap());
        assert!(
            (c - v["bits_per_symbol"].as_f64().unwrap()).abs() < 2e-3,
            "{k}: {c}"
        );
    }
}
