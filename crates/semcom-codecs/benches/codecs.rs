//! Encode/decode time per codec on one Kodak image (kodim01, or a 768×512 test card when the
//! shared data is missing), single-threaded. Prints a small table; `JPEG @ 0.5 bpp` includes
//! the bisection on quality (target < 100 ms on one core).
//!
//! Run: `cargo bench -p semcom-codecs --bench codecs`

use semcom_codecs::h264::H264;
use semcom_codecs::psnr::psnr_u8;
use semcom_codecs::{codec_by_name, codec_names, with_channels, RateTarget};
use semcom_core::Image;
use std::time::Instant;

fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
    let img = Image::load(format!("{shared}/kodak/kodim01.png")).unwrap_or_else(|_| {
        eprintln!("kodim01 missing: using a 768x512 test card");
        semcom_core::testcard::test_card(768, 512)
    });
    println!("| codec | target | bytes | bpp | PSNR (dB) | encode (ms) | decode (ms) |");
    println!("|---|---|---|---|---|---|---|");
    for name in codec_names() {
        let codec = codec_by_name(name).unwrap();
        let reps = if name == "avif" { 1 } else { 5 };
        for target in [RateTarget::Bpp(0.5), RateTarget::Bpp(1.0)] {
            let mut bytes = Vec::new();
            let enc = median_ms(reps, || bytes = codec.encode(&img, target).unwrap());
            let mut rec = None;
            let dec = median_ms(5, || rec = Some(codec.decode(&bytes).unwrap()));
            let rec = with_channels(rec.unwrap(), img.channels());
            let bpp = bytes.len() as f64 * 8.0 / img.pixels() as f64;
            println!(
                "| {name} | {target:?} (bisection incl.) | {} | {bpp:.4} | {:.3} | {enc:.1} | {dec:.1} |",
                bytes.len(),
                psnr_u8(&img, &rec)
            );
        }
    }
    // H.264 on 30 frames of the vtest clip (or shifted test cards).
    let frames: Vec<Image> = (1..=30)
        .map(|i| {
            Image::load(format!("{shared}/video/vtest/{i:04}.png"))
                .unwrap_or_else(|_| semcom_core::testcard::test_card(384, 288).to_luma())
        })
        .collect();
    let h = H264 {
        fps: 10.0,
        intra_period: 0,
    };
    let mut clip = None;
    let enc = median_ms(3, || clip = Some(h.encode_clip(&frames, 200_000).unwrap()));
    let clip = clip.unwrap();
    let mut out = Vec::new();
    let dec = median_ms(3, || {
        out = h
            .decode_clip(&clip.bytes, frames[0].channels(), None)
            .unwrap()
    });
    let p = out
        .iter()
        .zip(&frames)
        .map(|(a, b)| psnr_u8(a, b))
        .sum::<f64>()
        / frames.len() as f64;
    println!(
        "| h264 (30 frames {}x{}) | 200 kbit/s @ 10 fps | {} | {:.4} | {p:.3} | {:.1} per frame | {:.1} per frame |",
        frames[0].width(),
        frames[0].height(),
        clip.bytes.len(),
        clip.bpp,
        enc / 30.0,
        dec / 30.0
    );
}
