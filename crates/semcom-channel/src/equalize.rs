//! Single-tap equalisation of flat fading y = h·x + n with perfect CSI.
//!
//! * **ZF**: x̂ = y/h; x̂ = x + n/h, effective noise variance N0/|h|² (unbiased).
//! * **MMSE** (unit signal power): x̂ = h*·y/(|h|² + N0), the linear MMSE estimate of x;
//!   it is biased (x̂ = β·x + w·n, β = |h|²/(|h|²+N0)) and the returned variance is its mean
//!   squared error E|x̂ − x|² = N0/(|h|² + N0). Use MMSE for analog (JSCC) receivers; QAM
//!   demappers expect the unbiased ZF form (for a single tap, unbiased MMSE ≡ ZF).
//!
//! A deep fade |h|² < [`MIN_GAIN`] is treated as an erasure: x̂ = 0 and variance +∞ (ZF)
//! or 1 (MMSE, the prior variance), so demapped LLRs are 0.

use crate::error::{ChannelError, Result};
use crate::modulation::check_noise_var;
use semcom_core::Complex32;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Channel power gains below this are erasures.
pub const MIN_GAIN: f32 = 1e-20;

/// Single-tap equaliser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Equalizer {
    /// Zero forcing x̂ = y/h.
    #[default]
    Zf,
    /// Linear MMSE x̂ = h*·y/(|h|²+N0) (unit signal power).
    Mmse,
}

impl FromStr for Equalizer {
    type Err = ChannelError;
    /// Parses `zf` or `mmse`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zf" => Ok(Equalizer::Zf),
            "mmse" => Ok(Equalizer::Mmse),
            _ => Err(ChannelError::UnknownName {
                kind: "equalizer",
                name: s.into(),
                known: "zf, mmse".into(),
            }),
        }
    }
}

/// Zero forcing of a received block with the receiver's CSI as `Received::Symbols` carries it:
/// empty (already equalised, or AWGN) returns `y`; one gain for the whole block, or one per
/// symbol, through [`equalize`] (an empty noise variance counts as 0). Other CSI or noise
/// variance lengths are errors.
pub fn zero_force(y: &[Complex32], csi: &[Complex32], noise_var: &[f32]) -> Result<Vec<Complex32>> {
    if csi.is_empty() {
        return Ok(y.to_vec());
    }
    let h = if csi.len() == 1 {
        vec![csi[0]; y.len()]
    } else {
        csi.to_vec()
    };
    let n0: &[f32] = if noise_var.is_empty() {
        &[0.0]
    } else {
        noise_var
    };
    Ok(equalize(y, &h, n0, Equalizer::Zf)?.0)
}

/// Equalises `y` given the per-symbol CSI `h` and the complex noise variance N0 of `y`
/// (length 1 or per symbol). Returns (x̂, per-symbol effective noise variance).
pub fn equalize(
    y: &[Complex32],
    h: &[Complex32],
    noise_var: &[f32],
    eq: Equalizer,
) -> Result<(Vec<Complex32>, Vec<f32>)> {
    if h.len() != y.len() {
        return Err(ChannelError::Length(format!(
            "{} CSI values for {} symbols",
            h.len(),
            y.len()
        )));
    }
    check_noise_var(noise_var, y.len())?;
    let n0_at = |i: usize| {
        if noise_var.len() == 1 {
            noise_var[0]
        } else {
            noise_var[i]
        }
    };
    let mut xs = Vec::with_capacity(y.len());
    let mut vs = Vec::with_capacity(y.len());
    for (i, (&yi, &hi)) in y.iter().zip(h).enumerate() {
        let (x, v) = equalize_one(yi, hi, n0_at(i), eq);
        xs.push(x);
        vs.push(v);
    }
    Ok((xs, vs))
}

/// Equalises one symbol (see the module docs).
#[inline]
pub fn equalize_one(y: Complex32, h: Complex32, n0: f32, eq: Equalizer) -> (Complex32, f32) {
    let g = h.norm_sqr();
    match eq {
        Equalizer::Zf if g < MIN_GAIN || !g.is_finite() => {
            (Complex32::new(0.0, 0.0), f32::INFINITY)
        }
        Equalizer::Zf => (y * h.conj() / g, n0 / g),
        Equalizer::Mmse if (g + n0).is_nan() || g + n0 < MIN_GAIN || !g.is_finite() => {
            (Complex32::new(0.0, 0.0), 1.0)
        }
        Equalizer::Mmse => {
            let d = g + n0;
            (y * h.conj() / d, n0 / d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zf_and_mmse() {
        let h = [Complex32::new(0.6, -0.8), Complex32::new(0.0, 0.0)];
        let x = Complex32::new(0.3, 0.4);
        let y = [x * h[0], Complex32::new(1.0, 1.0)];
        let (xz, vz) = equalize(&y, &h, &[0.5], Equalizer::Zf).unwrap();
        assert!((xz[0] - x).norm() < 1e-6);
        assert!((vz[0] - 0.5).abs() < 1e-6);
        assert_eq!(xz[1], Complex32::new(0.0, 0.0));
        assert!(vz[1].is_infinite());
        let (xm, vm) = equalize(&y, &h, &[0.5, 0.5], Equalizer::Mmse).unwrap();
        assert!((xm[0] - x / 1.5).norm() < 1e-6);
        assert!((vm[0] - 0.5 / 1.5).abs() < 1e-6);
        assert_eq!(vm[1], 1.0);
        assert!(equalize(&y, &h[..1], &[0.5], Equalizer::Zf).is_err());
        assert!("mmse".parse::<Equalizer>().is_ok() && "lms".parse::<Equalizer>().is_err());
    }
}
