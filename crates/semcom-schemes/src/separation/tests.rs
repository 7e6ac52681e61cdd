//! Behaviour of the separation schemes on real channels: the cliff (clean above the LDPC
//! waterfall, a reported failure below it), budget filling, and the capacity accounting.

use super::*;
use semcom_channel::capacity::awgn_capacity;
use semcom_channel::capacity::max_source_bits;
use semcom_channel::{by_name, ChannelParams};
use semcom_core::chain::{run_chain, Link};
use semcom_core::{Complex32, Ratio};
use semcom_ldpc::NrConfig;

const W: usize = 128;
const H: usize = 96;

/// A smooth 128×96 RGB image (codec-friendly; large enough for JPEG's ~600-byte header).
fn image() -> Image {
    let (w, h) = (W, H);
    let mut d = vec![0f32; 3 * w * h];
    for c in 0..3 {
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
                d[c * w * h + y * w + x] =
                    0.5 + 0.3 * ((fx * 6.0 + c as f32).sin() * (fy * 4.0).cos()) + 0.1 * (fx - fy);
            }
        }
    }
    Image::from_planar(w, h, 3, d).unwrap()
}

fn run(
    scheme: &dyn ImageScheme,
    channel: &str,
    snr: f64,
    cbr: Ratio,
    seed: u64,
) -> semcom_core::Outcome {
    run_at(scheme, channel, snr, Budget::cbr(cbr).unwrap(), seed)
}

fn run_at(
    scheme: &dyn ImageScheme,
    channel: &str,
    snr: f64,
    budget: Budget,
    seed: u64,
) -> semcom_core::Outcome {
    let ch = by_name(channel, &ChannelParams::default()).unwrap();
    let link = Link {
        channel: ch.as_ref(),
        snr_db: snr,
        seed,
    };
    let src = semcom_core::Source::still(image());
    run_chain(&semcom_core::PerView(scheme), &src, &budget, &link).unwrap()
}

#[test]
fn bit_rate_budget_is_met_by_the_measured_bpp_and_gives_the_channel_uses() {
    for name in ["jpeg+ldpc", "jpeg2000@capacity"] {
        let s = Separation::from_name(name, Some("16qam-2/3")).unwrap();
        for bpp in [1.0, 2.0] {
            let out = run_at(&s, "awgn", 15.0, Budget::bpp(bpp).unwrap(), 1);
            let a = out.accounting;
            assert!(
                a.bpp() <= bpp && a.bpp() > 0.8 * bpp,
                "{name} {bpp}: {}",
                a.bpp()
            );
            assert!(a.decode_ok && a.channel_uses > 0, "{name} {bpp}: {a:?}");
            assert!(a.stream_bytes.unwrap() * 8 <= a.payload_bits);
        }
    }
}

fn psnr(a: &Image, b: &Image) -> f64 {
    semcom_codecs::psnr::psnr_u8(a, b)
}

#[test]
fn jpeg_ldpc_cliff_and_budget_filling() {
    let s = Separation::from_name("jpeg+ldpc", Some("16qam-2/3")).unwrap();
    let cbr = Ratio::new(1, 3).unwrap();
    let k = (3 * W * H) / 3;
    // Well above the 16QAM-2/3 waterfall (≈ 9 dB): clean image.
    let hi = run(&s, "awgn", 14.0, cbr, 1);
    assert!(hi.accounting.decode_ok);
    assert_eq!(hi.accounting.channel_uses, k as u64, "the budget is filled");
    let cfg = NrConfig::for_channel(k * 4, 2.0 / 3.0, 4).unwrap();
    assert_eq!(hi.accounting.payload_bits, cfg.tbs as u64);
    assert_eq!(hi.accounting.side_bits, Side::BITS);
    assert!(psnr(&image(), hi.reconstruction()) > 25.0);
    // Well below it: reported failure and the mid-grey fallback.
    let lo = run(&s, "awgn", 3.0, cbr, 1);
    assert!(!lo.accounting.decode_ok);
    assert!(lo.reconstruction().data().iter().all(|&v| v == 0.5));
    assert_eq!(lo.accounting.channel_uses, k as u64);
}

#[test]
fn rayleigh_with_equalisation_decodes_at_high_snr() {
    let s = Separation::from_name("jpeg+ldpc", Some("qpsk-1/2")).unwrap();
    let out = run(&s, "rayleigh-fast", 25.0, Ratio::new(1, 2).unwrap(), 3);
    assert_eq!(out.accounting.channel_uses, (3 * W * H / 2) as u64);
    assert!(out.accounting.decode_ok);
}

#[test]
fn adaptive_mcs_follows_the_snr() {
    let s = Separation::from_name("jpeg+ldpc", None).unwrap();
    let lo = s.mcs_for(2.0).unwrap();
    let hi = s.mcs_for(20.0).unwrap();
    assert!(hi.spectral_efficiency() > lo.spectral_efficiency());
    assert!(lo.esn0_db_bler_1e2 + ADAPTIVE_MARGIN_DB <= 2.0);
    let out = run(&s, "awgn", 20.0, Ratio::new(1, 6).unwrap(), 2);
    assert!(out.accounting.decode_ok);
}

#[test]
fn capacity_accounting_matches_r_max_exactly() {
    let s = Separation::from_name("jpeg@capacity", None).unwrap();
    let cbr = Ratio::new(1, 6).unwrap();
    for snr in [5.0, 10.0, 20.0] {
        let out = run(&s, "awgn", snr, cbr, 4);
        let k = out.accounting.channel_uses;
        assert_eq!(k, (3 * W * H / 6) as u64);
        let r_max = (k as f64 * awgn_capacity(snr)).floor() as u64;
        assert_eq!(out.accounting.payload_bits, r_max, "SNR {snr}");
        assert_eq!(out.accounting.payload_bits, max_source_bits(k, snr));
        // Error-free on AWGN at the design SNR (the codec fits at these rates).
        assert!(out.accounting.decode_ok, "SNR {snr}");
    }
    // Higher SNR, more bits, better image.
    let a = run(&s, "awgn", 10.0, cbr, 4);
    let b = run(&s, "awgn", 20.0, cbr, 4);
    assert!(psnr(&image(), b.reconstruction()) > psnr(&image(), a.reconstruction()));
}

#[test]
fn capacity_variant_fails_exactly_when_the_block_cannot_carry_r_max() {
    let s = Separation::from_name("jpeg@capacity", None).unwrap();
    let img = image();
    let meta = ViewMeta::of(&img);
    let link = LinkInfo {
        channel: "awgn".into(),
        snr_db: 15.0,
    };
    let budget = Budget::cbr(Ratio::new(1, 6).unwrap()).unwrap();
    let enc = s
        .encode(&img, &budget, &link, &mut semcom_core::rng::rng_for(0, 0))
        .unwrap();
    let Payload::Symbols(x) = &enc.payload else {
        panic!()
    };
    let n0 = 10f32.powf(-1.5);
    // AWGN at the design SNR: mutual information k·log2(1+SNR) ≥ R_max ⇒ decoded.
    let rx = Received::Symbols {
        y: x.clone(),
        csi: vec![],
        noise_var: vec![n0],
    };
    assert!(s.decode(&rx, &enc.side, &meta, &link).unwrap().decode_ok());
    // A deep fade on half the block: the mutual information drops below R_max ⇒ failure.
    let csi: Vec<Complex32> = (0..x.len())
        .map(|i| {
            if i % 2 == 0 {
                Complex32::new(1.0, 0.0)
            } else {
                Complex32::new(0.01, 0.0)
            }
        })
        .collect();
    let rx = Received::Symbols {
        y: x.clone(),
        csi,
        noise_var: vec![n0],
    };
    let d = s.decode(&rx, &enc.side, &meta, &link).unwrap();
    assert!(!d.decode_ok());
    assert!(d.image.data().iter().all(|&v| v == 0.5));
}

#[test]
fn every_codec_builds_and_bad_inputs_are_errors() {
    let rows = rows();
    for c in codecs() {
        for name in [format!("{c}+ldpc"), format!("{c}@capacity")] {
            assert!(
                rows.iter().any(|r| r.name == name),
                "codec {c} has no row {name}"
            );
        }
    }
    for r in rows {
        assert!(Separation::is_separation(&r.name));
        let s =
            crate::registry::build(&r.name, &crate::registry::SchemeOptions::default()).unwrap();
        assert_eq!(s.name(), r.name);
    }
    assert!(Separation::from_name("jpeg+ldpc", Some("99qam-1/2")).is_err());
    assert!(Separation::from_name("gif+ldpc", None).is_err());
    let s = Separation::from_name("jpeg2000+ldpc", Some("qpsk-1/2")).unwrap();
    let link = LinkInfo {
        channel: "awgn".into(),
        snr_db: 10.0,
    };
    // A bit-rate budget too small for the side information and one transport block.
    let r = s.encode(
        &image(),
        &Budget::bpp(0.001).unwrap(),
        &link,
        &mut semcom_core::rng::rng_for(0, 0),
    );
    assert!(r.is_err());
    // Bit channels and corrupt side information are typed errors.
    let meta = ViewMeta::of(&image());
    assert!(s
        .decode(
            &Received::Bits(vec![0; 8]),
            &SideInfo::from_bytes(vec![0; 9]),
            &meta,
            &link
        )
        .is_err());
    let rx = Received::Symbols {
        y: vec![Complex32::new(0.0, 0.0); 8],
        csi: vec![],
        noise_var: vec![0.1],
    };
    assert!(s
        .decode(&rx, &SideInfo::from_bytes(vec![1, 2]), &meta, &link)
        .is_err());
}

#[test]
fn jpeg2000_ldpc_round_trip_above_threshold() {
    let s = Separation::from_name("jpeg2000+ldpc", Some("qpsk-1/2")).unwrap();
    let out = run(&s, "awgn", 6.0, Ratio::new(1, 2).unwrap(), 5);
    assert!(out.accounting.decode_ok);
    assert!(psnr(&image(), out.reconstruction()) > 25.0);
}

/// The BPG-class codec over LDPC: clean above the waterfall, the fallback below it, and its
/// capacity variant carrying exactly R_max (built with `--features hevc`).
#[cfg(feature = "hevc")]
#[test]
fn hevc_ldpc_cliff_and_hevc_capacity_accounting() {
    let s = Separation::from_name("hevc+ldpc", Some("16qam-2/3")).unwrap();
    assert!(Separation::is_separation("hevc+ldpc"));
    let cbr = Ratio::new(1, 12).unwrap();
    let hi = run(&s, "awgn", 14.0, cbr, 1);
    assert!(hi.accounting.decode_ok);
    assert!(psnr(&image(), hi.reconstruction()) > 30.0);
    let lo = run(&s, "awgn", 3.0, cbr, 1);
    assert!(!lo.accounting.decode_ok);
    assert!(lo.reconstruction().data().iter().all(|&v| v == 0.5));
    let c = Separation::from_name("hevc@capacity", None).unwrap();
    let out = run(&c, "awgn", 10.0, cbr, 2);
    assert!(out.accounting.decode_ok);
    let k = (3 * W * H) / 12;
    assert_eq!(out.accounting.payload_bits, max_source_bits(k as u64, 10.0));
    // At the same budget, the HEVC stream beats JPEG's (the BPG-class gain).
    let j = run(
        &Separation::from_name("jpeg@capacity", None).unwrap(),
        "awgn",
        10.0,
        cbr,
        2,
    );
    assert!(psnr(&image(), out.reconstruction()) > psnr(&image(), j.reconstruction()));
}
