//! Regions of an image for region-restricted ("key area" vs "global") metrics: a pixel mask,
//! a set of boxes, the whole image, an interior without a border ring, and their complements
//! and intersections.
//!
//! Box convention: half-open pixel rectangles, pixel (row `y`, column `x`) is inside iff
//! `x0 <= x < x1` and `y0 <= y < y1` (origin top-left), as in `masked_metrics.json`.
//! Boxes reaching outside the image are clipped to it.

use crate::error::{MetricsError, Result};
use semcom_core::Image;
use std::path::Path;
use std::str::FromStr;

/// A half-open pixel rectangle `[x0, x1) × [y0, y1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rect {
    /// Left column (inclusive).
    pub x0: usize,
    /// Top row (inclusive).
    pub y0: usize,
    /// Right column (exclusive).
    pub x1: usize,
    /// Bottom row (exclusive).
    pub y1: usize,
}

impl Rect {
    /// A rectangle; errors unless `x0 < x1` and `y0 < y1`.
    pub fn new(x0: usize, y0: usize, x1: usize, y1: usize) -> Result<Self> {
        if x0 >= x1 || y0 >= y1 {
            return Err(MetricsError::InvalidParameter(format!(
                "box {x0},{y0},{x1},{y1} is empty (need x0<x1 and y0<y1)"
            )));
        }
        Ok(Self { x0, y0, x1, y1 })
    }

    /// Whether pixel `(x, y)` lies inside.
    pub fn contains(&self, x: usize, y: usize) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

impl FromStr for Rect {
    type Err = MetricsError;
    /// Parses `x0,y0,x1,y1`.
    fn from_str(s: &str) -> Result<Self> {
        let v: Vec<usize> = s
            .split(',')
            .map(|p| p.trim().parse::<usize>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| {
                MetricsError::InvalidParameter(format!("box '{s}': {e} (expected x0,y0,x1,y1)"))
            })?;
        match v[..] {
            [x0, y0, x1, y1] => Rect::new(x0, y0, x1, y1),
            _ => Err(MetricsError::InvalidParameter(format!(
                "box '{s}': expected 4 numbers x0,y0,x1,y1"
            ))),
        }
    }
}

/// A binary pixel mask (`true` = selected), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Mask {
    width: usize,
    height: usize,
    bits: Vec<bool>,
}

impl Mask {
    /// A mask from row-major flags.
    pub fn new(width: usize, height: usize, bits: Vec<bool>) -> Result<Self> {
        if bits.len() != width * height {
            return Err(MetricsError::SizeMismatch(format!(
                "mask has {} flags for {width}x{height}",
                bits.len()
            )));
        }
        Ok(Self {
            width,
            height,
            bits,
        })
    }

    /// A mask from an image: a pixel is selected iff any channel is non-zero.
    pub fn from_image(img: &Image) -> Self {
        let hw = img.pixels();
        let bits = (0..hw)
            .map(|i| (0..img.channels()).any(|c| img.plane(c)[i] > 0.0))
            .collect();
        Self {
            width: img.width(),
            height: img.height(),
            bits,
        }
    }

    /// Loads a mask image (PNG, ...): non-zero pixels are selected.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::from_image(&Image::load(path)?))
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Row-major flags.
    pub fn bits(&self) -> &[bool] {
        &self.bits
    }
}

/// A set of pixels: the building block of the masked metrics.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// Every pixel.
    All,
    /// The pixels set in a mask (must have the image's size).
    Mask(Mask),
    /// The union of boxes (clipped to the image).
    Boxes(Vec<Rect>),
    /// Every pixel at least `margin` pixels away from the border (`margin <= x < W - margin`,
    /// same for rows): the area where the SSIM map does not depend on padding for margin 5.
    Interior {
        /// Width of the excluded border ring.
        margin: usize,
    },
    /// Every pixel not in the inner region.
    Not(Box<Region>),
    /// Pixels in both regions.
    And(Box<Region>, Box<Region>),
}

impl Region {
    /// The union of `boxes`.
    pub fn boxes(boxes: Vec<Rect>) -> Self {
        Region::Boxes(boxes)
    }

    /// The complement (the stereo paper's "outside the key area").
    pub fn complement(&self) -> Self {
        match self {
            Region::Not(inner) => (**inner).clone(),
            other => Region::Not(Box::new(other.clone())),
        }
    }

    /// The intersection with `other`.
    pub fn and(&self, other: &Region) -> Self {
        Region::And(Box::new(self.clone()), Box::new(other.clone()))
    }

    /// Row-major selection flags for a `w × h` image; errors if a mask has another size.
    pub fn flags(&self, w: usize, h: usize) -> Result<Vec<bool>> {
        Ok(match self {
            Region::All => vec![true; w * h],
            Region::Mask(m) => {
                if (m.width, m.height) != (w, h) {
                    return Err(MetricsError::SizeMismatch(format!(
                        "mask is {}x{}, image is {w}x{h}",
                        m.width, m.height
                    )));
                }
                m.bits.clone()
            }
            Region::Boxes(bs) => {
                let mut f = vec![false; w * h];
                for b in bs {
                    // Fields are public: tolerate inverted corners (empty box) without panicking.
                    let (x0, x1) = (b.x0.min(w), b.x1.min(w));
                    for y in b.y0.min(h)..b.y1.min(h) {
                        if x0 < x1 {
                            f[y * w + x0..y * w + x1].fill(true);
                        }
                    }
                }
                f
            }
            Region::Interior { margin: m } => {
                let mut f = vec![false; w * h];
                if m.saturating_mul(2) < w && m.saturating_mul(2) < h {
                    for y in *m..h - m {
                        f[y * w + m..y * w + w - m].fill(true);
                    }
                }
                f
            }
            Region::Not(inner) => inner.flags(w, h)?.into_iter().map(|v| !v).collect(),
            Region::And(a, b) => {
                let fb = b.flags(w, h)?;
                a.flags(w, h)?
                    .into_iter()
                    .zip(fb)
                    .map(|(x, y)| x && y)
                    .collect()
            }
        })
    }

    /// Like [`Region::flags`] but errors with [`MetricsError::EmptyRegion`] when nothing is selected.
    pub fn nonempty_flags(&self, w: usize, h: usize) -> Result<Vec<bool>> {
        let f = self.flags(w, h)?;
        if f.iter().any(|&v| v) {
            Ok(f)
        } else {
            Err(MetricsError::EmptyRegion)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_complement_interior() {
        let r = Region::boxes(vec![
            Rect::new(1, 1, 3, 2).unwrap(),
            Rect::new(2, 0, 9, 1).unwrap(),
        ]);
        let f = r.flags(4, 3).unwrap();
        let count = |f: &[bool]| f.iter().filter(|&&v| v).count();
        assert_eq!(count(&f), 2 + 2);
        assert_eq!(count(&r.complement().flags(4, 3).unwrap()), 12 - 4);
        assert_eq!(r.complement().complement(), r);
        assert_eq!(
            count(&Region::Interior { margin: 1 }.flags(4, 3).unwrap()),
            2
        );
        assert!(Region::Interior { margin: 2 }.nonempty_flags(4, 3).is_err());
        assert!(Region::All.complement().nonempty_flags(4, 3).is_err());
        let inverted = Region::boxes(vec![Rect {
            x0: 3,
            y0: 0,
            x1: 1,
            y1: 2,
        }]);
        assert!(matches!(
            inverted.nonempty_flags(4, 3),
            Err(MetricsError::EmptyRegion)
        ));
        let m = Region::Mask(Mask::new(2, 2, vec![true; 4]).unwrap());
        assert!(matches!(m.flags(4, 3), Err(MetricsError::SizeMismatch(_))));
    }

    #[test]
    fn parses_boxes() {
        assert_eq!(
            "200,150,440,330".parse::<Rect>().unwrap(),
            Rect {
                x0: 200,
                y0: 150,
                x1: 440,
                y1: 330
            }
        );
        assert!("1,2,3".parse::<Rect>().is_err());
        assert!("5,5,5,9".parse::<Rect>().is_err());
        assert!("a,b,c,d".parse::<Rect>().is_err());
    }
}
