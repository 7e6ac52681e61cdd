//! Helpers shared by the CLI integration tests.

use std::path::PathBuf;

/// `../shared/<rel>` beside the repository, or `None` (with a message) when it is missing;
/// under `CI=true` a missing folder fails the test.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} missing", p.display());
    None
}

/// A valid 4×4 PNG whose header announces `w×h` (IHDR patched, its CRC recomputed): a tiny
/// file that claims a huge image.
#[allow(dead_code)]
pub fn png_announcing(w: u32, h: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    image::RgbImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
        .unwrap();
    buf[16..20].copy_from_slice(&w.to_be_bytes());
    buf[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = (12..29).fold(!0u32, |c, i| {
        (0..8).fold(c ^ buf[i] as u32, |c, _| {
            (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg())
        })
    });
    buf[29..33].copy_from_slice(&(!crc).to_be_bytes());
    buf
}
