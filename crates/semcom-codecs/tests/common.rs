//! Helpers shared by the integration tests.
#![allow(dead_code)]

use semcom_core::Image;
use std::path::PathBuf;

/// A smooth, natural-looking test image `w`×`h` (RGB or grey): gradients, sinusoids of a few
/// frequencies and a soft disc, so that codec PSNRs behave as on photographs.
pub fn card(w: usize, h: usize, channels: usize) -> Image {
    let mut d = vec![0f32; 3 * w * h];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let r2 = (fx - 0.6).powi(2) + (fy - 0.4).powi(2);
            let disc = 0.25 / (1.0 + (200.0 * (r2 - 0.04)).exp());
            let tex = 0.06 * ((x as f32 * 0.9).sin() * (y as f32 * 0.7).cos());
            let base = [0.2 + 0.5 * fx, 0.3 + 0.4 * fy, 0.6 - 0.3 * fx * fy];
            for (c, b) in base.iter().enumerate() {
                let wave = 0.1
                    * ((fx * (3.0 + c as f32) * std::f32::consts::TAU).sin()
                        + (fy * 4.0 * std::f32::consts::TAU + c as f32).cos());
                d[c * w * h + y * w + x] = (b + wave + disc + tex).clamp(0.0, 1.0);
            }
        }
    }
    let img = Image::from_planar(w, h, 3, d).unwrap();
    if channels == 1 {
        img.to_luma()
    } else {
        img
    }
}

/// The shared data folder, or `None` (with a printed SKIP) when it is missing; with `CI=true`
/// a missing folder fails the test.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join(sub);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("shared data {} is missing (CI=true)", p.display());
    }
    eprintln!("SKIP: shared data {} is missing", p.display());
    None
}
