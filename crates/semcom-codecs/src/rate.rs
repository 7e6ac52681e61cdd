//! Rate targets and rate control by bisection.
//!
//! Every codec has a monotone *knob* (JPEG/WebP/AVIF quality, JPEG2000 layer rate): a larger
//! knob gives a larger stream. [`fit_max_bytes`] finds the largest stream with ≤ n bytes by
//! bisection on the knob, starting from the codec's own rate control where it has one.

use crate::{CodecError, Result};
use serde::{Deserialize, Serialize};

/// What rate an encoder should aim for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateTarget {
    /// The codec's native quality knob (JPEG/WebP/AVIF/HEVC quality 1–100; JPEG2000: target
    /// layer PSNR in dB, 10–80).
    Quality(f32),
    /// A target bits per pixel: the largest stream with ≤ ⌊bpp·H·W/8⌋ bytes.
    Bpp(f64),
    /// The largest stream with at most this many bytes (what budget matching needs).
    MaxBytes(usize),
}

impl RateTarget {
    /// The byte cap of a `Bpp` or `MaxBytes` target for an image of `pixels` pixels
    /// (`None` for a quality target). `Bpp(x)` caps at ⌊x·H·W/8⌋ bytes.
    pub fn max_bytes(&self, pixels: usize) -> Result<Option<usize>> {
        match *self {
            RateTarget::Quality(_) => Ok(None),
            RateTarget::MaxBytes(n) => Ok(Some(n)),
            RateTarget::Bpp(b) => {
                if !(b.is_finite() && b > 0.0) {
                    return Err(CodecError::InvalidTarget(format!("{b} bpp")));
                }
                Ok(Some((b * pixels as f64 / 8.0 + 1e-9).floor() as usize))
            }
        }
    }

    /// Checks a quality target against the codec's interval `[lo, hi]`.
    pub fn check_quality(q: f32, lo: f32, hi: f32) -> Result<f32> {
        if q.is_finite() && q >= lo && q <= hi {
            Ok(q)
        } else {
            Err(CodecError::InvalidTarget(format!(
                "quality {q} outside [{lo}, {hi}]"
            )))
        }
    }
}

/// A monotone knob search space.
#[derive(Clone, Copy, Debug)]
pub struct Knob {
    /// Smallest knob value (coarsest stream).
    pub lo: f64,
    /// Largest knob value (finest stream).
    pub hi: f64,
    /// Whether only integer values are meaningful (bisection stops at adjacent integers).
    pub integer: bool,
    /// Bisection steps for a real-valued knob.
    pub steps: usize,
}

/// Finds the largest stream with ≤ `max_bytes` bytes by bisection on a monotone knob.
///
/// `start` is an optional first guess (e.g. the codec's native rate control); if it fits, it
/// becomes the lower bracket. Returns [`CodecError::BudgetTooSmall`] when `knob.lo` does not fit.
pub fn fit_max_bytes(
    codec: &'static str,
    max_bytes: usize,
    knob: Knob,
    start: Option<f64>,
    mut encode: impl FnMut(f64) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let snap = |v: f64| if knob.integer { v.round() } else { v };
    let (mut lo, mut hi) = (knob.lo, knob.hi);
    let mut best: Option<Vec<u8>> = None;
    // Encodes at knob `k`; keeps the largest fitting stream; returns (fits, size).
    let mut try_at = |k: f64, best: &mut Option<Vec<u8>>| -> Result<(bool, usize)> {
        let s = encode(k)?;
        let n = s.len();
        if n <= max_bytes {
            if best.as_ref().is_none_or(|b| n >= b.len()) {
                *best = Some(s);
            }
            Ok((true, n))
        } else {
            Ok((false, n))
        }
    };
    if let Some(g) = start {
        let g = snap(g.clamp(lo, hi));
        if try_at(g, &mut best)?.0 {
            lo = g;
        } else {
            hi = g;
        }
    }
    let hi_untested =
        start.is_none_or(|g| snap(g.clamp(knob.lo, knob.hi)) < knob.hi) && hi == knob.hi;
    if best.is_none() {
        let (fits, n) = try_at(knob.lo, &mut best)?;
        if !fits {
            return Err(CodecError::BudgetTooSmall {
                codec,
                max_bytes,
                min_bytes: n,
            });
        }
    }
    if hi_untested && snap(hi) > lo && try_at(snap(hi), &mut best)?.0 {
        return Ok(best.unwrap_or_default());
    }
    // Invariant: knob `lo` fits, knob `hi` does not.
    let mut steps = 0;
    loop {
        if knob.integer {
            if hi - lo <= 1.0 {
                break;
            }
        } else if steps >= knob.steps {
            break;
        }
        let mid = snap((lo + hi) / 2.0);
        if mid <= lo || mid >= hi {
            break;
        }
        if try_at(mid, &mut best)?.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        steps += 1;
    }
    Ok(best.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(k: f64) -> Result<Vec<u8>> {
        Ok(vec![0; (10.0 + 3.0 * k) as usize])
    }

    #[test]
    fn integer_bisection_finds_largest_fit() {
        let knob = Knob {
            lo: 1.0,
            hi: 100.0,
            integer: true,
            steps: 0,
        };
        let s = fit_max_bytes("t", 100, knob, None, fake).unwrap();
        assert_eq!(s.len(), 100); // k = 30
        let s = fit_max_bytes("t", 101, knob, Some(50.0), fake).unwrap();
        assert_eq!(s.len(), 100);
        let s = fit_max_bytes("t", 10_000, knob, None, fake).unwrap();
        assert_eq!(s.len(), 310);
        assert!(matches!(
            fit_max_bytes("t", 5, knob, None, fake),
            Err(CodecError::BudgetTooSmall { min_bytes: 13, .. })
        ));
    }

    #[test]
    fn real_bisection_converges() {
        let knob = Knob {
            lo: 0.0,
            hi: 100.0,
            integer: false,
            steps: 20,
        };
        let s = fit_max_bytes("t", 200, knob, Some(10.0), fake).unwrap();
        assert!(s.len() <= 200 && s.len() >= 198);
    }

    #[test]
    fn bpp_target_bytes() {
        assert_eq!(
            RateTarget::Bpp(0.25).max_bytes(768 * 512).unwrap(),
            Some(12288)
        );
        assert!(RateTarget::Bpp(f64::NAN).max_bytes(10).is_err());
        assert!(RateTarget::check_quality(101.0, 1.0, 100.0).is_err());
    }
}
