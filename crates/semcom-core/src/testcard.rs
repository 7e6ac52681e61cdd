//! A synthetic test card, generated in code (no third-party image is shipped).
//!
//! Four quadrants exercise what image codecs and JSCC schemes find hard or easy:
//! top-left colour gradients, top-right a zone plate (fine texture up to Nyquist),
//! bottom-left hard edges (checkerboard and diagonal bars), bottom-right flat colour patches
//! with a soft disc.

use crate::image::Image;

/// Generates the test card at `width`×`height` (RGB). Sizes below 2×2 are raised to 2×2.
pub fn test_card(width: usize, height: usize) -> Image {
    let (w, h) = (width.max(2), height.max(2));
    let hw = w * h;
    let mut data = vec![0f32; 3 * hw];
    let (hx, hy) = (w / 2, h / 2);
    for y in 0..h {
        for x in 0..w {
            let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
            let rgb: [f32; 3] = if x < hx && y < hy {
                // Gradients.
                let a = x as f32 / hx.max(1) as f32;
                let b = y as f32 / hy.max(1) as f32;
                [a, b, 1.0 - 0.5 * (a + b)]
            } else if y < hy {
                // Zone plate: phase grows quadratically with radius → all spatial frequencies.
                let cx = (x - hx) as f32 - hx as f32 / 2.0;
                let cy = y as f32 - hy as f32 / 2.0;
                let k = std::f32::consts::PI / (hx.max(hy).max(1) as f32);
                let s = 0.5 + 0.5 * (k * (cx * cx + cy * cy) * 0.5).cos();
                [s, s, s]
            } else if x < hx {
                // Hard edges: checkerboard on top, diagonal bars below.
                let yy = y - hy;
                let cell = (w / 32).max(2);
                let s = if yy < (h - hy) / 2 {
                    ((x / cell + yy / cell) % 2) as f32
                } else {
                    (((x + yy) / cell) % 2) as f32
                };
                [0.1 + 0.8 * s, 0.15 + 0.7 * s, 0.2 + 0.6 * s]
            } else {
                // Flat patches and a soft disc.
                let px = ((u - 0.5) * 6.0) as usize;
                let base = [[0.8, 0.2, 0.2], [0.2, 0.7, 0.3], [0.2, 0.3, 0.8]][px.min(2)];
                let (dx, dy) = (u - 0.75, v - 0.75);
                let r = (dx * dx + dy * dy).sqrt() / 0.12;
                let t = (1.0 - r).clamp(0.0, 1.0);
                [
                    base[0] * (1.0 - t) + 0.95 * t,
                    base[1] * (1.0 - t) + 0.9 * t,
                    base[2] * (1.0 - t) + 0.3 * t,
                ]
            };
            for c in 0..3 {
                data[c * hw + y * w + x] = rgb[c].clamp(0.0, 1.0);
            }
        }
    }
    Image::from_planar(w, h, 3, data).expect("test card dimensions are valid")
}

/// A generated clip: a window of `width`×`height` panning right by 2 pixels per frame over a
/// wider test card (RGB; use [`Image::to_luma`] for grey video). `frames` ≥ 1.
pub fn test_clip(width: usize, height: usize, frames: usize) -> Vec<Image> {
    let wide = test_card(width + 2 * frames, height);
    (0..frames)
        .map(|t| {
            wide.crop(2 * t, 0, width, height)
                .expect("the window lies inside the wider card")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_has_texture_edges_and_flat_areas() {
        let img = test_card(256, 192);
        assert_eq!((img.width(), img.height(), img.channels()), (256, 192, 3));
        let g = img.plane(1);
        let var = |x0: usize, y0: usize| {
            let vals: Vec<f32> = (y0..y0 + 16)
                .flat_map(|y| (x0..x0 + 16).map(move |x| g[y * 256 + x]))
                .collect();
            let m = vals.iter().sum::<f32>() / vals.len() as f32;
            vals.iter().map(|v| (v - m) * (v - m)).sum::<f32>() / vals.len() as f32
        };
        assert!(var(200, 10) > 0.01, "zone plate is textured");
        assert!(var(140, 170) < 1e-6, "flat patch is flat");
        assert!(var(10, 100) > 0.05, "edges are strong");
    }
}
