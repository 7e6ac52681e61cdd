//! What a scheme transmits: a [`Source`] is a list of views of one format with a kind
//! (a still image, a clip of frames, a stereo pair).
//!
//! ```text
//! Still          1 view
//! Clip { fps }   F views (frames), in time order
//! Stereo         2 views: left, right
//! ```
//!
//! The k/n budget counts every real sample of every view: n = V·C·H·W.

use crate::error::{CoreError, Result};
use crate::image::Image;
use serde::{Deserialize, Serialize};

/// Most views a source may hold (frames of a clip), bounding every per-view allocation.
pub const MAX_VIEWS: usize = 10_000;
/// Most real samples V·C·H·W a source may hold: 2^28 (1 GiB of f32).
pub const MAX_SOURCE_SAMPLES: usize = 1 << 28;

/// The modality of a source, what a scheme declares it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// One image.
    Still,
    /// A video clip.
    Clip,
    /// A stereo pair.
    Stereo,
}

impl Modality {
    /// Every modality.
    pub const ALL: [Modality; 3] = [Modality::Still, Modality::Clip, Modality::Stereo];

    /// Lower-case name (`still`, `clip`, `stereo`).
    pub fn name(self) -> &'static str {
        match self {
            Modality::Still => "still",
            Modality::Clip => "clip",
            Modality::Stereo => "stereo",
        }
    }
}

/// The kind of a source, with what the receiver needs to know of it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum SourceKind {
    /// One image.
    Still,
    /// A clip of frames at `fps` frames per second.
    Clip {
        /// Frame rate.
        fps: f32,
    },
    /// A stereo pair (view 0 = left, view 1 = right).
    Stereo,
}

impl SourceKind {
    /// The modality of this kind.
    pub fn modality(&self) -> Modality {
        match self {
            SourceKind::Still => Modality::Still,
            SourceKind::Clip { .. } => Modality::Clip,
            SourceKind::Stereo => Modality::Stereo,
        }
    }
}

/// A source: views of one format (size and colour planes) and a kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    kind: SourceKind,
    views: Vec<Image>,
}

impl Source {
    /// A source of `kind` from `views`: at least one view, at most [`MAX_VIEWS`], all of one
    /// format, at most [`MAX_SOURCE_SAMPLES`] samples; a still has 1 view, a stereo pair 2,
    /// a clip a finite positive frame rate.
    pub fn new(kind: SourceKind, views: Vec<Image>) -> Result<Self> {
        let bad = |m: String| Err(CoreError::InvalidImage(m));
        match kind {
            SourceKind::Still if views.len() != 1 => {
                return bad(format!("a still has 1 view, got {}", views.len()))
            }
            SourceKind::Stereo if views.len() != 2 => {
                return bad(format!("a stereo pair has 2 views, got {}", views.len()))
            }
            SourceKind::Clip { fps } if !(fps.is_finite() && fps > 0.0) => {
                return bad(format!("frame rate {fps} must be finite and positive"))
            }
            _ => {}
        }
        SourceMeta::of_views(kind, &views)?;
        Ok(Self { kind, views })
    }

    /// A still image.
    pub fn still(image: Image) -> Self {
        Self {
            kind: SourceKind::Still,
            views: vec![image],
        }
    }

    /// A clip of frames at `fps`.
    pub fn clip(frames: Vec<Image>, fps: f32) -> Result<Self> {
        Self::new(SourceKind::Clip { fps }, frames)
    }

    /// A stereo pair.
    pub fn stereo(left: Image, right: Image) -> Result<Self> {
        Self::new(SourceKind::Stereo, vec![left, right])
    }

    /// The kind.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The views (one for a still, frames of a clip, left and right of a pair).
    pub fn views(&self) -> &[Image] {
        &self.views
    }

    /// The views, owned.
    pub fn into_views(self) -> Vec<Image> {
        self.views
    }

    /// What the receiver knows of the source.
    pub fn meta(&self) -> SourceMeta {
        let v = &self.views[0];
        SourceMeta {
            kind: self.kind,
            views: self.views.len(),
            view: ViewMeta::of(v),
        }
    }

    /// Real source samples n = V·C·H·W.
    pub fn samples(&self) -> usize {
        self.meta().samples()
    }

    /// Pixels V·H·W.
    pub fn pixels(&self) -> usize {
        self.meta().pixels()
    }
}

/// The format of one view known to the receiver (fixed-size service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewMeta {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Colour planes.
    pub channels: usize,
}

impl ViewMeta {
    /// The format of an image.
    pub fn of(img: &Image) -> Self {
        Self {
            width: img.width(),
            height: img.height(),
            channels: img.channels(),
        }
    }
    /// Real samples C·H·W of one view.
    pub fn samples(&self) -> usize {
        self.width * self.height * self.channels
    }
    /// The mid-grey fallback image of this format.
    pub fn fallback(&self) -> Result<Image> {
        Image::fallback_grey(self.width, self.height, self.channels)
    }
}

/// What the receiver knows of a source: kind, number of views and their format.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// The kind.
    pub kind: SourceKind,
    /// Number of views V.
    pub views: usize,
    /// The format of every view.
    pub view: ViewMeta,
}

impl SourceMeta {
    /// The meta data of `views` of `kind`, checked: at least one view, at most
    /// [`MAX_VIEWS`], one format, at most [`MAX_SOURCE_SAMPLES`] samples (without overflow).
    pub fn of_views(kind: SourceKind, views: &[Image]) -> Result<Self> {
        let first = views
            .first()
            .ok_or_else(|| CoreError::InvalidImage("a source without views".into()))?;
        if views.len() > MAX_VIEWS {
            return Err(CoreError::InvalidImage(format!(
                "{} views (at most {MAX_VIEWS})",
                views.len()
            )));
        }
        let m = Self {
            kind,
            views: views.len(),
            view: ViewMeta::of(first),
        };
        m.check_size()?;
        if let Some(i) = views.iter().position(|f| ViewMeta::of(f) != m.view) {
            return Err(CoreError::InvalidImage(format!(
                "view {i} differs in size or planes from view 0"
            )));
        }
        Ok(m)
    }

    /// Refuses sources of more than [`MAX_SOURCE_SAMPLES`] samples (checked without overflow).
    pub fn check_size(&self) -> Result<()> {
        let v = &self.view;
        let n = [self.views, v.channels, v.width, v.height]
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b));
        match n {
            Some(n) if n <= MAX_SOURCE_SAMPLES => Ok(()),
            _ => Err(CoreError::InvalidImage(format!(
                "{} views of {}x{}x{} exceed {MAX_SOURCE_SAMPLES} samples",
                self.views, v.width, v.height, v.channels
            ))),
        }
    }

    /// Real source samples n = V·C·H·W.
    pub fn samples(&self) -> usize {
        self.views * self.view.samples()
    }

    /// Pixels V·H·W.
    pub fn pixels(&self) -> usize {
        self.views * self.view.width * self.view.height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: usize, h: usize, c: usize) -> Image {
        Image::filled(w, h, c, 0.5).unwrap()
    }

    #[test]
    fn kinds_views_and_sizes() {
        let s = Source::still(img(8, 6, 3));
        assert_eq!(s.samples(), 144);
        assert_eq!(s.pixels(), 48);
        let c = Source::clip(vec![img(8, 6, 1); 5], 10.0).unwrap();
        assert_eq!((c.samples(), c.pixels()), (240, 240));
        assert_eq!(c.kind().modality(), Modality::Clip);
        assert!(Source::stereo(img(4, 4, 3), img(4, 4, 3)).is_ok());
        // Wrong counts, mixed formats, bad frame rates, empty sources.
        assert!(Source::new(SourceKind::Still, vec![img(4, 4, 3); 2]).is_err());
        assert!(Source::new(SourceKind::Stereo, vec![img(4, 4, 3)]).is_err());
        assert!(Source::stereo(img(4, 4, 3), img(4, 2, 3)).is_err());
        assert!(Source::clip(vec![img(4, 4, 1)], f32::NAN).is_err());
        assert!(Source::clip(vec![img(4, 4, 1)], 0.0).is_err());
        assert!(Source::clip(vec![], 10.0).is_err());
    }

    #[test]
    fn size_limit_without_overflow() {
        let big = SourceMeta {
            kind: SourceKind::Clip { fps: 10.0 },
            views: 1024,
            view: ViewMeta {
                width: 512,
                height: 512,
                channels: 1,
            },
        };
        assert!(big.check_size().is_ok()); // exactly 2^28
        assert!(SourceMeta { views: 1025, ..big }.check_size().is_err());
        assert!(SourceMeta {
            views: usize::MAX,
            ..big
        }
        .check_size()
        .is_err());
    }
}
