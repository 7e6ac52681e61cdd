//! Kodak rate–distortion table without the CLI:
//! `cargo run --release -p semcom-codecs --example rd -- jpeg 0.25,0.5,1.0 [DIR]`
//! (same numbers as `semcom codec rd`).

use semcom_codecs::rd::{load_reference, measure, png_files};
use semcom_core::Image;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let codec = semcom_codecs::codec_by_name(a.get(1).map_or("jpeg", |s| s))?;
    let targets: Vec<semcom_codecs::RateTarget> = a
        .get(2)
        .map_or("0.25,0.5,1.0", |s| s)
        .split(',')
        .map(|s| s.parse().map(semcom_codecs::RateTarget::Bpp))
        .collect::<Result<_, _>>()?;
    let dir = PathBuf::from(a.get(3).cloned().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/kodak").into()
    }));
    let images: Vec<Image> = png_files(&dir)?
        .iter()
        .map(Image::load)
        .collect::<Result<_, _>>()?;
    let reference = load_reference(
        &dir.join("../../reference/codecs_kodak_reference.json"),
        codec.name(),
    )
    .unwrap_or_else(|e| {
        eprintln!("{e}; no reference column");
        None
    });
    for r in measure(
        codec.as_ref(),
        &images,
        &targets,
        reference.as_deref(),
        &|| {},
    )? {
        println!("{}", serde_json::to_string(&r)?);
    }
    Ok(())
}
