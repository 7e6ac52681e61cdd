//! Shared test helpers: locating `../shared` (skip when missing, fail under `CI=true`).
#![allow(dead_code)]

use std::path::PathBuf;

/// `shared/` beside the repository, or None (test skipped) when absent outside CI.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if p.join("models").is_dir() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but shared data is missing at {}", p.display());
    }
    eprintln!("SKIP: shared data not found at {}", p.display());
    None
}

/// `shared/models`.
pub fn models() -> Option<PathBuf> {
    shared().map(|s| s.join("models"))
}

/// Reads an 8-bit grey PNG as raw values.
pub fn grey_u8(path: &std::path::Path) -> Vec<u8> {
    let img = semcom_core::Image::load(path).unwrap();
    assert_eq!(img.channels(), 1);
    img.data()
        .iter()
        .map(|v| (v * 255.0).round() as u8)
        .collect()
}

/// Max |a − b| of two float tensors.
pub fn max_abs(a: &tch::Tensor, b: &tch::Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value(&[])
}
