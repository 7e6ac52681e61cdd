//! Behaviour of the video separation schemes on real channels: clean above the LDPC waterfall,
//! every frame lost (mid-grey) below it, frame-copy concealment under block fading, the
//! capacity accounting, and malformed receiver inputs.

use super::*;
use semcom_channel::capacity::max_source_bits;
use semcom_channel::{by_name, ChannelParams};
use semcom_core::chain::Link;
use semcom_core::testcard::test_clip;
use semcom_core::{run_chain, Complex32, Outcome, Ratio};

const W: usize = 96;
const H: usize = 64;
const F: usize = 12;

fn clip() -> Vec<Image> {
    test_clip(W, H, F).iter().map(Image::to_luma).collect()
}

fn source(frames: Vec<Image>) -> Source {
    Source::clip(frames, 10.0).unwrap()
}

fn budget() -> Budget {
    Budget::cbr(Ratio::new(1, 4).unwrap()).unwrap()
}

fn run(scheme: &VideoSeparation, channel: &str, snr_db: f64, seed: u64) -> Outcome {
    let ch = by_name(channel, &ChannelParams::default()).unwrap();
    let link = Link {
        channel: &*ch,
        snr_db,
        seed,
    };
    run_chain(scheme, &source(clip()), &budget(), &link).unwrap()
}

fn psnr(a: &Image, b: &Image) -> f64 {
    semcom_metrics::psnr(&a.clone().quantize_u8(), &b.clone().quantize_u8(), 1.0).unwrap()
}

fn h264_ldpc() -> VideoSeparation {
    VideoSeparation::from_name("h264+ldpc", Some("16qam-2/3"), 6).unwrap()
}

#[test]
fn clean_above_the_waterfall_and_budget_filled() {
    let out = run(&h264_ldpc(), "awgn", 20.0, 1);
    assert!(out.accounting.decode_ok, "{:?}", out.view_ok);
    let sent = VideoSeparation::stream_bytes(&out.side).unwrap();
    let k = budget().max_channel_uses(F * W * H).unwrap();
    let k_f = k / F;
    assert_eq!(out.accounting.channel_uses as usize, k_f * F);
    let tbs = semcom_ldpc::NrConfig::for_channel(k_f * 4, 2.0 / 3.0, 4)
        .unwrap()
        .tbs as u64;
    assert_eq!(out.accounting.payload_bits, tbs * F as u64);
    assert_eq!(out.accounting.side_bits, VideoSeparation::side_bits(F));
    assert_eq!(VideoSeparation::side_bits(F), 40 + 56 * F as u64);
    let src = clip();
    let mean = src
        .iter()
        .zip(&out.views)
        .map(|(a, b)| psnr(a, b))
        .sum::<f64>()
        / F as f64;
    assert!(mean > 25.0, "mean PSNR {mean:.2} dB");
    // The same clip straight through H.264 at the same stream budget decodes identically.
    let codec = H264 {
        fps: 10.0,
        intra_period: 6,
    };
    let direct = codec
        .encode_clip_max_bytes(&src, F * (tbs as usize / 8))
        .unwrap();
    let dec = codec.decode_clip(&direct.bytes, 1, Some((W, H))).unwrap();
    assert_eq!(dec, out.views);
    assert_eq!(sent, direct.bytes.len());
    // A budget below OpenH264's smallest stream sends nothing (reported as 0 bytes).
    let ch = by_name("awgn", &ChannelParams::default()).unwrap();
    let link = Link {
        channel: &*ch,
        snr_db: 20.0,
        seed: 1,
    };
    let tiny = Budget::cbr(Ratio::new(1, 64).unwrap()).unwrap();
    let none = run_chain(&h264_ldpc(), &source(src), &tiny, &link).unwrap();
    assert_eq!(VideoSeparation::stream_bytes(&none.side), Some(0));
    assert!(none.view_ok.iter().all(|ok| !ok));
}

#[test]
fn every_frame_lost_below_the_waterfall() {
    let out = run(&h264_ldpc(), "awgn", 0.0, 1);
    assert!(out.view_ok.iter().all(|ok| !ok));
    assert!(!out.accounting.decode_ok);
    let grey = source(clip()).meta().view.fallback().unwrap();
    assert!(out.views.iter().all(|f| *f == grey));
}

#[test]
fn block_fading_losses_are_concealed_by_frame_copy() {
    let out = run(&h264_ldpc(), "rayleigh-block", 15.0, 4);
    let lost = out.view_ok.iter().filter(|ok| !**ok).count();
    assert!(lost > 0 && lost < F, "lost {lost} of {F} frames");
    for i in 1..F {
        if !out.view_ok[i] {
            assert_eq!(out.views[i], out.views[i - 1], "frame {i} is not a copy");
        }
    }
    // Intact frames that follow an intact IDR frame are real pictures, not copies.
    let src = clip();
    let best = (0..F)
        .filter(|&i| out.view_ok[i])
        .map(|i| psnr(&src[i], &out.views[i]))
        .fold(0.0, f64::max);
    assert!(best > 25.0, "best intact frame {best:.2} dB");
}

#[test]
fn capacity_variant_carries_r_max_per_slot() {
    let s = VideoSeparation::from_name("h264@capacity", None, 0).unwrap();
    let out = run(&s, "awgn", 10.0, 2);
    assert!(out.accounting.decode_ok);
    let k = budget().max_channel_uses(F * W * H).unwrap();
    let per_slot = max_source_bits((k / F) as u64, 10.0);
    assert_eq!(out.accounting.payload_bits, per_slot * F as u64);
    assert!(out.accounting.payload_bits <= max_source_bits(k as u64, 10.0));
}

#[test]
fn malformed_receiver_inputs_are_errors_not_panics() {
    let s = h264_ldpc();
    let meta = source(clip()).meta();
    let link = LinkInfo {
        channel: "awgn".into(),
        snr_db: 10.0,
    };
    let rx = Received::Symbols {
        y: vec![Complex32::new(0.0, 0.0); 300],
        csi: vec![],
        noise_var: vec![0.1],
    };
    let rxs = vec![rx.clone(); F];
    // Too few blocks, too short side information, lengths that do not add up.
    assert!(s
        .decode(&rxs[..3], &SideInfo::from_bytes(vec![0; 200]), &meta, &link)
        .is_err());
    assert!(s
        .decode(&rxs, &SideInfo::from_bytes(vec![1, 2]), &meta, &link)
        .is_err());
    let mut side = vec![5u8, 9, 0, 0, 0];
    side.resize(5 + 7 * F, 0);
    assert!(s
        .decode(&rxs, &SideInfo::from_bytes(side.clone()), &meta, &link)
        .is_err());
    // A bit channel is refused; an absurd MCS index is an error.
    let bits = vec![Received::Bits(vec![0; 64]); F];
    side[1] = 0;
    assert!(s
        .decode(&bits, &SideInfo::from_bytes(side.clone()), &meta, &link)
        .is_err());
    side[0] = 200;
    assert!(s
        .decode(&rxs, &SideInfo::from_bytes(side), &meta, &link)
        .is_err());
    // Random side bytes of the right length never panic.
    let mut rng = semcom_core::rng::rng_for(7, 0);
    for _ in 0..200 {
        use rand::Rng;
        let side: Vec<u8> = (0..5 + 7 * F).map(|_| rng.random()).collect();
        let _ = s.decode(&rxs, &SideInfo::from_bytes(side), &meta, &link);
    }
    assert!(VideoSeparation::from_name("mpeg2+ldpc", None, 0).is_err());
    assert!(VideoSeparation::from_name("h264+ldpc", Some("99qam"), 0).is_err());
    // Only clips: a still or a stereo pair is refused by the chain with the scheme named.
    let ch = by_name("awgn", &ChannelParams::default()).unwrap();
    let link = Link {
        channel: &*ch,
        snr_db: 10.0,
        seed: 0,
    };
    let still = Source::still(clip()[0].clone());
    let e = run_chain(&s, &still, &budget(), &link)
        .unwrap_err()
        .to_string();
    assert!(e.contains("h264+ldpc") && e.contains("still"), "{e}");
}
