//! Robustness: ≥ 1,000 mutated streams per decoder (random byte flips, truncation at every
//! 1/10th, empty input, absurd header fields, random garbage) must give a typed error or a
//! degraded image, never a panic, crash or hang.

mod common;

use common::card;
use rand::Rng;
use semcom_codecs::h264::H264;
use semcom_codecs::{codec_by_name, codec_names, RateTarget};
use semcom_core::rng::rng_for;

/// Builds the mutated inputs of one valid stream (at least 1,000).
fn mutations(base: &[u8], seed: u64) -> Vec<Vec<u8>> {
    let mut rng = rng_for(seed, 0);
    let mut out = vec![Vec::new()];
    // Truncation at every 1/10th.
    for k in 0..10 {
        out.push(base[..base.len() * k / 10].to_vec());
    }
    // Absurd header fields: 0xFFFFFFFF / 0x00000000 / 0x7FFF written at every offset of the first 96 bytes.
    for off in 0..base.len().min(96) {
        for pat in [[0xFFu8; 4], [0; 4], [0x7F, 0xFF, 0x7F, 0xFF]] {
            let mut m = base.to_vec();
            for (i, b) in pat.iter().enumerate() {
                if off + i < m.len() {
                    m[off + i] = *b;
                }
            }
            out.push(m);
        }
    }
    // Random byte flips (1–16 bytes), biased towards the header half of the time.
    while out.len() < 1100 {
        let mut m = base.to_vec();
        let n = rng.random_range(1..=16);
        let head = rng.random_bool(0.5);
        for _ in 0..n {
            let lim = if head { m.len().min(128) } else { m.len() };
            let i = rng.random_range(0..lim);
            m[i] ^= rng.random_range(1..=255u8);
        }
        if rng.random_bool(0.2) {
            let cut = rng.random_range(0..m.len());
            m.truncate(cut);
        }
        out.push(m);
    }
    // Random garbage with the original first bytes (passes magic-number checks).
    for _ in 0..20 {
        let len = rng.random_range(0..2 * base.len());
        let mut m: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        for (i, b) in base.iter().take(16.min(len)).enumerate() {
            m[i] = *b;
        }
        out.push(m);
    }
    out
}

#[test]
fn still_image_decoders_survive_mutations() {
    for (ci, name) in codec_names().into_iter().enumerate() {
        let codec = codec_by_name(name).unwrap();
        let img = card(40, 32, 3);
        let q = if name == "jpeg2000" { 35.0 } else { 60.0 };
        let base = codec.encode(&img, RateTarget::Quality(q)).unwrap();
        let muts = mutations(&base, 1000 + ci as u64);
        assert!(muts.len() >= 1000);
        let (mut ok, mut err) = (0, 0);
        for m in &muts {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| codec.decode(m)));
            match r {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(_)) => err += 1,
                Err(_) => panic!("{name}: decoder panicked on a mutated stream"),
            }
        }
        eprintln!(
            "{name}: {} mutated streams: {ok} decoded (degraded), {err} typed errors",
            muts.len()
        );
        assert!(err > 0);
    }
}

#[test]
fn h264_decoder_survives_mutations() {
    let frames: Vec<_> = (0..3).map(|_| card(32, 32, 3)).collect();
    let codec = H264 {
        fps: 10.0,
        intra_period: 0,
    };
    let base = codec.encode_clip(&frames, 100_000).unwrap().bytes;
    let muts = mutations(&base, 77);
    let (mut ok, mut err) = (0, 0);
    for m in &muts {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            codec.decode_clip(m, 3, Some((32, 32)))
        })) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(_)) => err += 1,
            Err(_) => panic!("h264: decoder panicked on a mutated stream"),
        }
    }
    eprintln!(
        "h264: {} mutated streams: {ok} decoded (degraded), {err} typed errors",
        muts.len()
    );
    assert!(err > 0);
}

/// The frame-by-frame decoder of the video receiver: every mutated stream fed as one access
/// unit after an intact first frame yields a picture, nothing, or a typed error; never a panic.
#[test]
fn h264_frame_decoder_survives_mutations() {
    let frames: Vec<_> = (0..3).map(|_| card(32, 32, 1)).collect();
    let codec = H264 {
        fps: 10.0,
        intra_period: 0,
    };
    let enc = codec.encode_clip(&frames, 100_000).unwrap();
    let first = &enc.bytes[..enc.frame_bytes[0]];
    let muts = mutations(&enc.bytes[enc.frame_bytes[0]..], 78);
    let (mut pics, mut none) = (0, 0);
    for m in &muts {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut d = semcom_codecs::h264::FrameDecoder::new(1, Some((32, 32)))?;
            d.decode_frame(first)?;
            d.decode_frame(m)
        }));
        match r {
            Ok(Ok(Some(p))) => {
                assert_eq!((p.width(), p.height(), p.channels()), (32, 32, 1));
                pics += 1
            }
            Ok(_) => none += 1,
            Err(_) => panic!("h264: frame decoder panicked on a mutated access unit"),
        }
    }
    eprintln!(
        "h264 frames: {} mutated access units: {pics} pictures, {none} none/errors",
        muts.len()
    );
    assert!(muts.len() >= 1000 && none > 0);
}
