//! Channel budgets and the k/n conventions.
//!
//! **k/n (the semcom convention).** k is the number of *complex* channel uses a scheme sends,
//! n the number of *real source samples*, n = C·H·W (n = 3·H·W for RGB), as in Bourtsoulatze,
//! Kurka & Gündüz, "Deep joint source-channel coding for wireless image transmission" (2019).
//! A k/n of 1/6 for a 32×32 RGB image is k = 512 complex symbols.
//!
//! **Per-pixel convention.** Some papers count channel uses per *pixel* (k / (H·W)), which for
//! RGB is 3× the k/n above; [`per_pixel_from_kn`] and [`kn_from_per_pixel`] convert. Mixing the
//! two conventions is the most common reproduction bug in this field: semcom always stores k/n
//! and prints the per-pixel value only as a documented conversion.
//!
//! **Bits per pixel.** BPP = bits / (H·W), whatever the number of colour channels.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An exact positive ratio such as `1/6`, parsed from `"1/6"` or a decimal such as `"0.25"`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ratio {
    /// Numerator (or the decimal value when `den == 0`).
    num: f64,
    /// Denominator; 0 marks a plain decimal.
    den: u32,
}

impl Ratio {
    /// The ratio's value.
    pub fn value(&self) -> f64 {
        if self.den == 0 {
            self.num
        } else {
            self.num / self.den as f64
        }
    }
    /// Builds `num/den`.
    pub fn new(num: u32, den: u32) -> Result<Self> {
        if den == 0 {
            return Err(CoreError::InvalidBudget("denominator 0".into()));
        }
        Ok(Self {
            num: num as f64,
            den,
        })
    }
    /// A decimal ratio.
    pub fn from_f64(v: f64) -> Self {
        Self { num: v, den: 0 }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 0 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl FromStr for Ratio {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = || CoreError::InvalidBudget(format!("'{s}' is not a ratio like 1/6 or 0.25"));
        let r = if let Some((a, b)) = s.split_once('/') {
            let a: u32 = a.trim().parse().map_err(|_| bad())?;
            let b: u32 = b.trim().parse().map_err(|_| bad())?;
            Ratio::new(a, b)?
        } else {
            let v: f64 = s.parse().map_err(|_| bad())?;
            Ratio::from_f64(v)
        };
        if !r.value().is_finite() {
            return Err(bad());
        }
        Ok(r)
    }
}

impl TryFrom<String> for Ratio {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Ratio> for String {
    fn from(r: Ratio) -> String {
        r.to_string()
    }
}

/// What a scheme may send over the channel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Channel bandwidth ratio k/n: complex channel uses per real source sample, in (0, 1].
    Cbr(Ratio),
    /// Source bits per pixel (digital schemes at a source rate; the channel uses follow from the MCS).
    Bpp(f64),
}

impl Budget {
    /// A k/n budget, validated to lie in (0, 1].
    pub fn cbr(r: Ratio) -> Result<Self> {
        let b = Budget::Cbr(r);
        b.validate()?;
        Ok(b)
    }
    /// A BPP budget, validated to lie in (0, 48].
    pub fn bpp(bpp: f64) -> Result<Self> {
        let b = Budget::Bpp(bpp);
        b.validate()?;
        Ok(b)
    }
    /// Checks the range: 0 < k/n ≤ 1; 0 < BPP ≤ 48 (16-bit RGB uncompressed).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Budget::Cbr(r) => {
                let v = r.value();
                if !(v > 0.0 && v <= 1.0) {
                    return Err(CoreError::InvalidBudget(format!(
                        "k/n = {r} must be in (0, 1]"
                    )));
                }
            }
            Budget::Bpp(b) => {
                if !(b > 0.0 && b <= 48.0) {
                    return Err(CoreError::InvalidBudget(format!(
                        "{b} bpp must be in (0, 48]"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Maximum number of complex channel uses for `n` real source samples under a k/n budget:
    /// k = ⌊(k/n)·n⌋. `None` for a BPP budget.
    pub fn max_channel_uses(&self, n_samples: usize) -> Option<usize> {
        match *self {
            Budget::Cbr(r) => Some(channel_uses_for(r.value(), n_samples)),
            Budget::Bpp(_) => None,
        }
    }

    /// [`Budget::max_channel_uses`] for a scheme that needs a k/n budget: an
    /// [`CoreError::InvalidBudget`] naming `scheme` under a BPP budget.
    pub fn channel_uses_for_scheme(&self, n_samples: usize, scheme: &str) -> Result<usize> {
        self.max_channel_uses(n_samples).ok_or_else(|| {
            CoreError::InvalidBudget(format!("{scheme} needs a k/n budget, got {}", self.label()))
        })
    }

    /// Maximum number of source bits for `pixels` pixels under a BPP budget: ⌊bpp·H·W⌋.
    pub fn max_source_bits(&self, pixels: usize) -> Option<u64> {
        match *self {
            Budget::Bpp(b) => Some((b * pixels as f64 + 1e-9).floor() as u64),
            Budget::Cbr(_) => None,
        }
    }

    /// Short label for tables: `k/n=1/6` or `bpp=0.5`.
    pub fn label(&self) -> String {
        match self {
            Budget::Cbr(r) => format!("k/n={r}"),
            Budget::Bpp(b) => format!("bpp={b}"),
        }
    }
}

/// k = ⌊(k/n)·n⌋ complex channel uses for n real source samples (a tiny epsilon absorbs
/// floating-point error so that 1/6 of 3072 is exactly 512).
pub fn channel_uses_for(k_over_n: f64, n_samples: usize) -> usize {
    (k_over_n * n_samples as f64 + 1e-9).floor() as usize
}

/// Converts k/n (per real sample) to channel uses per pixel: (k/n)·C.
pub fn per_pixel_from_kn(k_over_n: f64, channels: usize) -> f64 {
    k_over_n * channels as f64
}

/// Converts channel uses per pixel to k/n (per real sample): (k/(H·W)) / C.
pub fn kn_from_per_pixel(per_pixel: f64, channels: usize) -> f64 {
    per_pixel / channels as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_needing_channel_uses_name_themselves_under_bpp() {
        let cbr = Budget::cbr(Ratio::new(1, 6).unwrap()).unwrap();
        assert_eq!(cbr.channel_uses_for_scheme(600, "jpeg+ldpc").unwrap(), 100);
        let e = Budget::bpp(0.5)
            .unwrap()
            .channel_uses_for_scheme(600, "jpeg+ldpc");
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("jpeg+ldpc needs a k/n budget"));
    }

    #[test]
    fn parses_ratios() {
        assert_eq!("1/6".parse::<Ratio>().unwrap().value(), 1.0 / 6.0);
        assert_eq!("0.25".parse::<Ratio>().unwrap().value(), 0.25);
        assert!("1/0".parse::<Ratio>().is_err());
        assert!("abc".parse::<Ratio>().is_err());
        assert!("NaN".parse::<Ratio>().is_err());
        assert_eq!("1/12".parse::<Ratio>().unwrap().to_string(), "1/12");
    }

    #[test]
    fn budget_ranges() {
        assert!(Budget::cbr("0".parse().unwrap()).is_err());
        assert!(Budget::cbr("3/2".parse().unwrap()).is_err());
        assert!(Budget::cbr("1".parse().unwrap()).is_ok());
        assert!(Budget::bpp(0.0).is_err());
        assert!(Budget::bpp(f64::NAN).is_err());
        assert!(Budget::bpp(0.5).is_ok());
    }

    #[test]
    fn kn_arithmetic_both_conventions() {
        // CIFAR 32x32 RGB: n = 3072, k/n = 1/6 -> k = 512; per pixel = 0.5.
        let b = Budget::cbr("1/6".parse().unwrap()).unwrap();
        assert_eq!(b.max_channel_uses(3 * 32 * 32), Some(512));
        assert_eq!(per_pixel_from_kn(1.0 / 6.0, 3), 0.5);
        assert!((kn_from_per_pixel(0.5, 3) - 1.0 / 6.0).abs() < 1e-15);
        // Kodak 768x512 RGB at 1/12: n = 1179648, k = 98304.
        assert_eq!(channel_uses_for(1.0 / 12.0, 3 * 768 * 512), 98304);
        // BPP budget: 0.25 bpp of a Kodak image is 98304 bits.
        assert_eq!(
            Budget::bpp(0.25).unwrap().max_source_bits(768 * 512),
            Some(98304)
        );
    }
}
