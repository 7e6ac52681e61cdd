//! Round trips and rate control of every still-image codec, and the H.264 clip codec.

mod common;

use common::{card, shared};
use semcom_codecs::h264::H264;
use semcom_codecs::psnr::psnr_u8;
use semcom_codecs::{bpp_of, codec_by_name, codec_names, with_channels, CodecError, RateTarget};
use semcom_core::Image;

fn quality_for(name: &str) -> f32 {
    if name == "jpeg2000" {
        40.0 // target layer PSNR in dB
    } else {
        85.0
    }
}

#[test]
fn every_codec_round_trips_rgb_and_grey() {
    for name in codec_names() {
        let codec = codec_by_name(name).unwrap();
        assert_eq!(codec.name(), name);
        for ch in [3, 1] {
            let img = card(96, 64, ch);
            let bytes = codec
                .encode(&img, RateTarget::Quality(quality_for(name)))
                .unwrap();
            let dec = with_channels(codec.decode(&bytes).unwrap(), ch);
            assert_eq!(
                (dec.width(), dec.height(), dec.channels()),
                (96, 64, ch),
                "{name}"
            );
            let p = psnr_u8(&img, &dec);
            assert!(p > 28.0, "{name} ch={ch}: PSNR {p:.2} dB at high quality");
        }
    }
}

#[test]
fn max_bytes_is_respected_and_filled() {
    let img = card(192, 128, 3);
    for name in codec_names() {
        let codec = codec_by_name(name).unwrap();
        let mut last_psnr = 0.0;
        for bpp in [0.5, 1.0, 2.0] {
            let n = (bpp * img.pixels() as f64 / 8.0) as usize;
            let bytes = codec.encode(&img, RateTarget::MaxBytes(n)).unwrap();
            assert!(bytes.len() <= n, "{name}: {} > {n}", bytes.len());
            assert!(
                bytes.len() as f64 >= 0.6 * n as f64,
                "{name}: {} bytes far below {n}",
                bytes.len()
            );
            let via_bpp = codec.encode(&img, RateTarget::Bpp(bpp)).unwrap();
            assert_eq!(via_bpp.len(), bytes.len(), "{name}: Bpp and MaxBytes agree");
            let p = psnr_u8(&img, &with_channels(codec.decode(&bytes).unwrap(), 3));
            assert!(p > last_psnr, "{name}: PSNR must grow with the rate");
            last_psnr = p;
            let achieved = bpp_of(bytes.len(), img.width(), img.height());
            assert!((achieved - bytes.len() as f64 * 8.0 / img.pixels() as f64).abs() < 1e-12);
        }
    }
}

#[test]
fn too_small_budgets_and_bad_targets_are_typed_errors() {
    let img = card(64, 64, 3);
    for name in codec_names() {
        let codec = codec_by_name(name).unwrap();
        assert!(
            matches!(
                codec.encode(&img, RateTarget::MaxBytes(8)),
                Err(CodecError::BudgetTooSmall { .. })
            ),
            "{name}"
        );
        assert!(
            matches!(
                codec.encode(&img, RateTarget::Bpp(f64::NAN)),
                Err(CodecError::InvalidTarget(_))
            ),
            "{name}"
        );
        assert!(
            matches!(
                codec.encode(&img, RateTarget::Quality(1e9)),
                Err(CodecError::InvalidTarget(_))
            ),
            "{name}"
        );
    }
    assert!(matches!(
        codec_by_name("gif"),
        Err(CodecError::UnknownCodec { .. })
    ));
}

#[test]
fn h264_clip_round_trip_and_bitrate() {
    let frames: Vec<Image> = (0..8)
        .map(|i| {
            let c = card(66, 50, 3);
            // A moving clip: shift the card by i pixels.
            let mut d = c.data().to_vec();
            let (w, h) = (66, 50);
            for ch in 0..3 {
                for y in 0..h {
                    for x in 0..w {
                        d[ch * w * h + y * w + x] = c.get(ch, y, (x + i) % w);
                    }
                }
            }
            Image::from_planar(w, h, 3, d).unwrap()
        })
        .collect();
    let codec = H264 {
        fps: 10.0,
        intra_period: 0,
    };
    let lo = codec.encode_clip(&frames, 40_000).unwrap();
    let hi = codec.encode_clip(&frames, 400_000).unwrap();
    assert_eq!(lo.frames, 8);
    assert!(hi.bytes.len() > lo.bytes.len());
    let dec = codec.decode_clip(&hi.bytes, 3, Some((66, 50))).unwrap();
    assert_eq!(dec.len(), 8);
    let p: f64 = dec
        .iter()
        .zip(&frames)
        .map(|(a, b)| psnr_u8(a, b))
        .sum::<f64>()
        / 8.0;
    assert!(p > 25.0, "H.264 mean PSNR {p:.2}");
    // Grey clip through the luma plane.
    let grey: Vec<Image> = frames.iter().map(|f| f.to_luma()).collect();
    let g = codec.encode_clip(&grey, 200_000).unwrap();
    let gd = codec.decode_clip(&g.bytes, 1, Some((66, 50))).unwrap();
    assert_eq!(gd[0].channels(), 1);
    assert!(psnr_u8(&gd[3], &grey[3]) > 25.0);
}

/// JPEG on Kodak against the Pillow/libjpeg-turbo reference files: same quality, similar
/// size, and PSNR within 0.3 dB of the reference decode.
#[test]
fn jpeg_matches_reference_quality_on_kodak() {
    let Some(dir) = shared("data/kodak") else {
        return;
    };
    let codec = codec_by_name("jpeg").unwrap();
    for (id, q) in [("01", 30u8), ("23", 10)] {
        let img = Image::load(dir.join(format!("kodim{id}.png"))).unwrap();
        let ours = codec.encode(&img, RateTarget::Quality(q as f32)).unwrap();
        let rec = codec.decode(&ours).unwrap();
        let Some(refdir) = shared("reference/jpeg") else {
            return;
        };
        let theirs = std::fs::read(refdir.join(format!("kodim{id}_q{q}.jpg"))).unwrap();
        let ratio = ours.len() as f64 / theirs.len() as f64;
        assert!(
            (0.9..1.1).contains(&ratio),
            "kodim{id} q{q}: size ratio {ratio}"
        );
        let p_ours = psnr_u8(&img, &rec);
        let p_ref = psnr_u8(&img, &codec.decode(&theirs).unwrap());
        assert!(
            (p_ours - p_ref).abs() < 0.3,
            "kodim{id} q{q}: {p_ours:.3} vs {p_ref:.3}"
        );
    }
}
