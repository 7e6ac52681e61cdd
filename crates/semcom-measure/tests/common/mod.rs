//! Shared test helpers: `../shared` (skip when missing, fail under `CI=true`) and CamVid views.
#![allow(dead_code)]

use semcom_core::Image;
use std::path::PathBuf;

/// `shared/` beside the repository, or None (test skipped) when absent outside CI.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if p.join("models").is_dir() && p.join("data/camvid").is_dir() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but shared data is missing at {}", p.display());
    }
    eprintln!("SKIP: shared data not found at {}", p.display());
    None
}

/// A CamVid test image and its ground-truth labels (0..=10, 11 = void).
pub fn camvid(shared: &std::path::Path, stem: &str) -> (Image, Vec<u8>) {
    let dir = shared.join("data/camvid");
    let img = Image::load(dir.join(format!("test/{stem}.webp"))).unwrap();
    let gt = Image::load(dir.join(format!("testannot/{stem}.png"))).unwrap();
    assert_eq!(gt.channels(), 1);
    let labels = gt.to_interleaved_u8();
    assert_eq!(labels.len(), img.pixels());
    (img, labels)
}
