//! Planar `f32` images in `[0,1]` and their conversion from/to 8-bit files.
//!
//! Layout: `data[c * H * W + y * W + x]` (channel-major, like a `C×H×W` tensor).
//!
//! **Odd sizes.** Schemes whose networks need sizes divisible by some factor `m` call
//! [`Image::pad_to_multiple`], which pads on the right and bottom by *edge replication*
//! and returns the original size; the receiver crops back with [`Image::crop`]. All metrics
//! and all accounting use the original (unpadded) size: padding is the scheme's cost, and
//! the channel uses it spends on padded samples are counted.

use crate::error::{CoreError, Result};
use std::path::Path;

/// Largest accepted side length (guards against absurd headers allocating unboundedly).
pub const MAX_SIDE: usize = 1 << 15;
/// Largest accepted number of pixels: 2^25 ≈ 33.5 Mpx (an 8K frame, 8192×4096). A transmission
/// chain holds tens of bytes per pixel (a 10000×10000 image needed more than 7.5 GB), so this
/// keeps one image well inside a 24 GB machine with room for parallel work.
pub const MAX_PIXELS: usize = 1 << 25;

/// A planar image with `channels` (1 = grey, 3 = RGB) planes of `f32` samples in `[0,1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<f32>,
}

impl Image {
    /// Creates an image from planar data; checks sizes (≥ 2×2, ≤ [`MAX_SIDE`]) and finiteness.
    pub fn from_planar(
        width: usize,
        height: usize,
        channels: usize,
        data: Vec<f32>,
    ) -> Result<Self> {
        check_dims(width, height, channels)?;
        if data.len() != width * height * channels {
            return Err(CoreError::InvalidImage(format!(
                "data length {} does not match {}x{}x{}",
                data.len(),
                channels,
                height,
                width
            )));
        }
        if data.iter().any(|v| !v.is_finite()) {
            return Err(CoreError::InvalidImage("non-finite sample".into()));
        }
        Ok(Self {
            width,
            height,
            channels,
            data,
        })
    }

    /// An all-`value` image.
    pub fn filled(width: usize, height: usize, channels: usize, value: f32) -> Result<Self> {
        check_dims(width, height, channels)?;
        Ok(Self {
            width,
            height,
            channels,
            data: vec![value; width * height * channels],
        })
    }

    /// The documented fallback a receiver shows when decoding fails: mid-grey (0.5).
    pub fn fallback_grey(width: usize, height: usize, channels: usize) -> Result<Self> {
        Self::filled(width, height, channels, 0.5)
    }

    /// Interleaved 8-bit samples (`RGBRGB…` or grey) to planar `[0,1]`.
    pub fn from_interleaved_u8(
        width: usize,
        height: usize,
        channels: usize,
        buf: &[u8],
    ) -> Result<Self> {
        check_dims(width, height, channels)?;
        if buf.len() != width * height * channels {
            return Err(CoreError::InvalidImage("buffer length mismatch".into()));
        }
        let hw = width * height;
        let mut data = vec![0f32; hw * channels];
        for (i, px) in buf.chunks_exact(channels).enumerate() {
            for (c, &v) in px.iter().enumerate() {
                data[c * hw + i] = v as f32 / 255.0;
            }
        }
        Ok(Self {
            width,
            height,
            channels,
            data,
        })
    }

    /// Planar `[0,1]` to interleaved 8-bit samples, rounding to nearest and clamping.
    pub fn to_interleaved_u8(&self) -> Vec<u8> {
        let hw = self.width * self.height;
        let mut out = vec![0u8; hw * self.channels];
        for c in 0..self.channels {
            for i in 0..hw {
                out[i * self.channels + c] = to_u8(self.data[c * hw + i]);
            }
        }
        out
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Number of planes (1 or 3).
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// Number of pixels H·W.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }
    /// Number of real source samples n = C·H·W (the *n* of k/n).
    pub fn samples(&self) -> usize {
        self.data.len()
    }
    /// Planar samples.
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    /// Mutable planar samples.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }
    /// Consumes the image, returning its planar samples.
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }
    /// One plane.
    pub fn plane(&self, c: usize) -> &[f32] {
        let hw = self.pixels();
        &self.data[c * hw..(c + 1) * hw]
    }
    /// Sample at channel `c`, row `y`, column `x`.
    pub fn get(&self, c: usize, y: usize, x: usize) -> f32 {
        self.data[c * self.pixels() + y * self.width + x]
    }

    /// Clamps every sample to `[0,1]` (receivers call this before output).
    pub fn clamp01(mut self) -> Self {
        for v in &mut self.data {
            *v = v.clamp(0.0, 1.0);
        }
        self
    }

    /// Rounds every sample to the 8-bit grid (what saving as PNG and reloading gives).
    pub fn quantize_u8(mut self) -> Self {
        for v in &mut self.data {
            *v = to_u8(*v) as f32 / 255.0;
        }
        self
    }

    /// Converts grey to RGB by replication (RGB is returned unchanged).
    pub fn to_rgb(&self) -> Self {
        if self.channels == 3 {
            return self.clone();
        }
        let mut data = Vec::with_capacity(self.data.len() * 3);
        for _ in 0..3 {
            data.extend_from_slice(&self.data);
        }
        Self {
            width: self.width,
            height: self.height,
            channels: 3,
            data,
        }
    }

    /// Luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, no rounding), as a 1-plane image.
    pub fn to_luma(&self) -> Self {
        if self.channels == 1 {
            return self.clone();
        }
        let hw = self.pixels();
        let (r, g, b) = (self.plane(0), self.plane(1), self.plane(2));
        let data = (0..hw)
            .map(|i| 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i])
            .collect();
        Self {
            width: self.width,
            height: self.height,
            channels: 1,
            data,
        }
    }

    /// Pads right/bottom by edge replication so both sides are multiples of `m`.
    /// Returns the padded image; crop back with [`Image::crop`]`(0, 0, self.width(), self.height())`.
    pub fn pad_to_multiple(&self, m: usize) -> Self {
        let m = m.max(1);
        let w2 = self.width.div_ceil(m) * m;
        let h2 = self.height.div_ceil(m) * m;
        if w2 == self.width && h2 == self.height {
            return self.clone();
        }
        let mut data = vec![0f32; w2 * h2 * self.channels];
        for c in 0..self.channels {
            for y in 0..h2 {
                let sy = y.min(self.height - 1);
                for x in 0..w2 {
                    let sx = x.min(self.width - 1);
                    data[c * w2 * h2 + y * w2 + x] = self.get(c, sy, sx);
                }
            }
        }
        Self {
            width: w2,
            height: h2,
            channels: self.channels,
            data,
        }
    }

    /// Crops the rectangle `[x0, x0+w) × [y0, y0+h)`.
    pub fn crop(&self, x0: usize, y0: usize, w: usize, h: usize) -> Result<Self> {
        if x0 + w > self.width || y0 + h > self.height {
            return Err(CoreError::InvalidImage(format!(
                "crop {w}x{h}+{x0}+{y0} outside {}x{}",
                self.width, self.height
            )));
        }
        check_dims(w, h, self.channels)?;
        let mut data = Vec::with_capacity(w * h * self.channels);
        for c in 0..self.channels {
            for y in y0..y0 + h {
                let row = c * self.pixels() + y * self.width;
                data.extend_from_slice(&self.data[row + x0..row + x0 + w]);
            }
        }
        Ok(Self {
            width: w,
            height: h,
            channels: self.channels,
            data,
        })
    }

    /// Loads a PNG, JPEG or WebP file (grey files stay grey, alpha is dropped).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CoreError::Io {
            path: p.clone(),
            source,
        })?;
        Self::decode_bytes(&bytes).map_err(|e| CoreError::ImageFile {
            path: p,
            msg: e.to_string(),
        })
    }

    /// Decodes an image file held in memory (format guessed from its content).
    pub fn decode_bytes(bytes: &[u8]) -> Result<Self> {
        let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| CoreError::InvalidImage(e.to_string()))?;
        if reader.format().is_none() {
            return Err(CoreError::InvalidImage(
                "not a PNG, JPEG or WebP image".into(),
            ));
        }
        // The size from the header, checked before any pixel is decoded (a small file can
        // announce a huge image).
        let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| CoreError::InvalidImage(e.to_string()))?
            .into_dimensions()
            .map_err(|e| CoreError::InvalidImage(e.to_string()))?;
        check_dims(w as usize, h as usize, 1)?;
        let mut reader = reader;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE as u32);
        limits.max_image_height = Some(MAX_SIDE as u32);
        // 16-bit RGBA is the widest decoded layout: 8 bytes per pixel.
        limits.max_alloc = Some((MAX_PIXELS * 8) as u64);
        reader.limits(limits);
        let img = reader
            .decode()
            .map_err(|e| CoreError::InvalidImage(e.to_string()))?;
        let (w, h) = (img.width() as usize, img.height() as usize);
        if img.color().has_color() {
            let rgb = img.to_rgb8();
            Self::from_interleaved_u8(w, h, 3, rgb.as_raw())
        } else {
            let g = img.to_luma8();
            Self::from_interleaved_u8(w, h, 1, g.as_raw())
        }
    }

    /// Saves as 8-bit PNG (or JPEG/WebP by extension; PNG is the lossless default).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let p = path.display().to_string();
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|source| CoreError::Io {
                    path: p.clone(),
                    source,
                })?;
            }
        }
        let buf = self.to_interleaved_u8();
        let (w, h) = (self.width as u32, self.height as u32);
        let res = if self.channels == 3 {
            image::RgbImage::from_raw(w, h, buf).map(|i| i.save(path))
        } else {
            image::GrayImage::from_raw(w, h, buf).map(|i| i.save(path))
        };
        match res {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(CoreError::ImageFile {
                path: p,
                msg: e.to_string(),
            }),
            None => Err(CoreError::ImageFile {
                path: p,
                msg: "buffer size mismatch".into(),
            }),
        }
    }
}

/// A valid 4×4 black PNG whose header announces `w×h` (IHDR patched, its CRC recomputed): a
/// tiny file that claims a huge image, for tests and fuzzing seeds of the size limits.
pub fn png_announcing_size(w: u32, h: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    image::RgbImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
        .expect("encoding a 4x4 PNG in memory");
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

fn to_u8(v: f32) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

fn check_dims(width: usize, height: usize, channels: usize) -> Result<()> {
    if width < 2 || height < 2 {
        return Err(CoreError::InvalidImage(format!(
            "{width}x{height} is too small (at least 2x2 pixels)"
        )));
    }
    if width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS {
        return Err(CoreError::InvalidImage(format!(
            "{width}x{height} is too large (limits: {MAX_PIXELS} pixels, {MAX_SIDE} per side)"
        )));
    }
    if channels != 1 && channels != 3 {
        return Err(CoreError::InvalidImage(format!(
            "{channels} channels (expected 1 or 3)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u8_round_trip_is_exact() {
        let buf: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7 % 256) as u8).collect();
        let img = Image::from_interleaved_u8(4, 3, 3, &buf).unwrap();
        assert_eq!(img.to_interleaved_u8(), buf);
        assert_eq!(img.get(1, 0, 0), buf[1] as f32 / 255.0);
    }

    #[test]
    fn pad_and_crop_round_trip() {
        let img = Image::from_planar(5, 3, 1, (0..15).map(|i| i as f32 / 15.0).collect()).unwrap();
        let p = img.pad_to_multiple(4);
        assert_eq!((p.width(), p.height()), (8, 4));
        assert_eq!(p.get(0, 3, 7), img.get(0, 2, 4));
        assert_eq!(p.crop(0, 0, 5, 3).unwrap(), img);
    }

    #[test]
    fn rejects_tiny_and_bad_images() {
        assert!(Image::filled(1, 1, 3, 0.0).is_err());
        assert!(Image::filled(0, 0, 3, 0.0).is_err());
        assert!(Image::filled(4, 4, 2, 0.0).is_err());
        assert!(Image::from_planar(2, 2, 1, vec![0.0, f32::NAN, 0.0, 0.0]).is_err());
        assert!(Image::decode_bytes(b"not an image").is_err());
    }

    #[test]
    fn png_round_trip_and_truncation() {
        let img = crate::testcard::test_card(32, 24);
        let dir = std::env::temp_dir().join(format!("semcom-core-{}", std::process::id()));
        let path = dir.join("card.png");
        img.save(&path).unwrap();
        let back = Image::load(&path).unwrap();
        assert_eq!(back, img.clone().quantize_u8());
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 8, 30, bytes.len() / 2, bytes.len() - 16] {
            assert!(Image::decode_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // Missing only the IEND trailer: the pixels are all there, decoding degrades gracefully.
        if let Ok(img2) = Image::decode_bytes(&bytes[..bytes.len() - 1]) {
            assert_eq!(img2, back);
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn huge_header_is_refused_before_decoding() {
        let ok = png_announcing_size(4, 4);
        assert!(Image::decode_bytes(&ok).is_ok(), "CRC patch is wrong");
        let e = Image::decode_bytes(&png_announcing_size(10_000, 10_000))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("10000x10000") && e.contains(&MAX_PIXELS.to_string()),
            "{e}"
        );
        assert!(Image::decode_bytes(&png_announcing_size(1 << 20, 4)).is_err());
    }

    #[test]
    fn luma_weights() {
        let img = Image::from_planar(2, 2, 3, [vec![1.0; 4], vec![0.0; 4], vec![0.0; 4]].concat())
            .unwrap();
        assert!((img.to_luma().get(0, 0, 0) - 0.299).abs() < 1e-7);
    }
}
