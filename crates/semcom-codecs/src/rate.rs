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

/// What a rate search encodes: a byte stream, or a stream with its structure (an H.264 clip
/// with its access-unit sizes).
pub trait Stream {
    /// Size in bytes.
    fn byte_len(&self) -> usize;
}

impl Stream for Vec<u8> {
    fn byte_len(&self) -> usize {
        self.len()
    }
}

/// A probe of the knob search: (knob, stream size), if made.
type Probe = Option<(f64, usize)>;

/// Finds the largest stream with ≤ `max_bytes` bytes on a monotone knob by a safeguarded
/// secant search on ln(size): the bracket [fits, too big] is narrowed by secant steps in
/// ln(size) (one-sided: an exponential model for integer knobs, a proportional one for real
/// knobs), with a bisection step every third probe so it always converges.
///
/// `start` is the first probe (e.g. the codec's native rate control). Integer knobs end at
/// adjacent integers; real knobs after `knob.steps + 2` probes or within 0.2 % of the cap.
/// Returns [`CodecError::BudgetTooSmall`] when `knob.lo` does not fit.
pub fn fit_max_bytes<S: Stream>(
    codec: &'static str,
    max_bytes: usize,
    knob: Knob,
    start: Option<f64>,
    mut encode: impl FnMut(f64) -> Result<S>,
) -> Result<S> {
    let snap = |v: f64| if knob.integer { v.round() } else { v };
    let mut best: Option<S> = None;
    let target = (max_bytes.max(1) as f64).ln();
    let slope = 16f64.ln() / (knob.hi - knob.lo).max(1e-9);
    // Bracket ends: (knob, size) of the largest fitting and smallest non-fitting probe.
    let (mut lo, mut hi): (Probe, Probe) = (None, None);
    let mut k = snap(
        start
            .unwrap_or((knob.lo + knob.hi) / 2.0)
            .clamp(knob.lo, knob.hi),
    );
    let mut probes = 0;
    loop {
        let s = encode(k)?;
        let n = s.byte_len();
        probes += 1;
        if n <= max_bytes {
            if best.as_ref().is_none_or(|b| n >= b.byte_len()) {
                best = Some(s);
            }
            lo = Some((k, n));
        } else {
            hi = Some((k, n));
        }
        let (lo_k, hi_k) = (lo.map_or(knob.lo, |p| p.0), hi.map_or(knob.hi, |p| p.0));
        let done = if knob.integer {
            lo.is_some() && hi.is_some() && hi_k - lo_k <= 1.0
        } else {
            probes >= knob.steps + 2 || (n <= max_bytes && n as f64 >= 0.998 * max_bytes as f64)
        };
        if done || (lo.is_some() && lo_k >= knob.hi) || (hi.is_some() && hi_k <= knob.lo) {
            break;
        }
        let ln = |v: usize| (v.max(1) as f64).ln();
        let est = match (lo, hi) {
            (Some((a, sa)), Some((b, sb))) if sb > sa => {
                a + (target - ln(sa)) / (ln(sb) - ln(sa)) * (b - a)
            }
            (Some((a, sa)), None) if knob.integer => a + (target - ln(sa)) / slope,
            (Some((a, sa)), None) => a * max_bytes as f64 / sa.max(1) as f64,
            (None, Some((b, sb))) if knob.integer => b - (ln(sb) - target) / slope,
            (None, Some((b, sb))) => b * max_bytes as f64 / sb as f64,
            _ => (lo_k + hi_k) / 2.0,
        };
        let mut cand = if probes % 3 == 0 {
            (lo_k + hi_k) / 2.0
        } else {
            est
        };
        if knob.integer {
            cand = cand.floor();
            if lo.is_some() && cand <= lo_k {
                cand = lo_k + 1.0;
            }
            if hi.is_some() && cand >= hi_k {
                cand = hi_k - 1.0;
            }
        } else if !(cand > lo_k && cand < hi_k) || (lo.is_none() && cand <= knob.lo) {
            cand = (lo_k + hi_k) / 2.0;
        }
        let cand = snap(cand.clamp(knob.lo, knob.hi));
        if cand == k {
            break;
        }
        k = cand;
    }
    if best.is_none() && hi.is_some_and(|h| h.0 > knob.lo) {
        // The bracket never reached the coarsest setting: test it.
        let s = encode(knob.lo)?;
        if s.byte_len() <= max_bytes {
            best = Some(s);
        } else {
            hi = Some((knob.lo, s.byte_len()));
        }
    }
    best.ok_or(CodecError::BudgetTooSmall {
        codec,
        max_bytes,
        min_bytes: hi.map_or(0, |h| h.1),
    })
}

/// Rate control of codecs driven by one quality knob: `Quality(q)` is checked against
/// `[knob.lo, knob.hi]` and encoded as is; byte and BPP targets run [`fit_max_bytes`] from
/// `guess(bpp)`, the codec's typical quality at that rate. `encode` receives the knob value.
pub fn encode_by_quality(
    codec: &'static str,
    pixels: usize,
    target: RateTarget,
    knob: Knob,
    guess: impl Fn(f64) -> f64,
    mut encode: impl FnMut(f64) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    match (target, target.max_bytes(pixels)?) {
        (RateTarget::Quality(q), _) => {
            encode(RateTarget::check_quality(q, knob.lo as f32, knob.hi as f32)? as f64)
        }
        (_, Some(n)) => {
            let bpp = n as f64 * 8.0 / pixels as f64;
            fit_max_bytes(codec, n, knob, Some(guess(bpp)), encode)
        }
        (_, None) => Err(CodecError::InvalidTarget("no byte budget".into())),
    }
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
