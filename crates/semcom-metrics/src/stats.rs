//! Batch statistics: the sample mean with a two-sided 95 % confidence interval from Student's
//! t distribution, `mean ± t_{0.975, n−1} · s/√n` (s = sample standard deviation, `n − 1`
//! denominator). The t quantile is computed from the regularised incomplete beta function
//! (`P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2)`), Numerical Recipes §6.2/§6.4, to ~1e-12.

use crate::error::{MetricsError, Result};

/// Mean and 95 % confidence interval of a sample.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeanCi {
    /// Number of values.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (`n − 1` denominator; 0 for n = 1).
    pub std: f64,
    /// Half-width of the 95 % interval (`None` for a single value).
    pub half_width: Option<f64>,
}

impl MeanCi {
    /// Lower end of the interval (the mean when it is undefined).
    pub fn lo(&self) -> f64 {
        self.mean - self.half_width.unwrap_or(0.0)
    }
    /// Upper end of the interval (the mean when it is undefined).
    pub fn hi(&self) -> f64 {
        self.mean + self.half_width.unwrap_or(0.0)
    }
}

/// Mean and 95 % CI (Student t). Errors on an empty set and on NaN/±∞ values (e.g. the PSNR of
/// identical images), which have no meaningful mean/interval.
pub fn mean_ci95(values: &[f64]) -> Result<MeanCi> {
    mean_ci(values, 0.95)
}

/// Mean and two-sided confidence interval at `level` (0 < level < 1).
pub fn mean_ci(values: &[f64], level: f64) -> Result<MeanCi> {
    if !(level > 0.0 && level < 1.0) {
        return Err(MetricsError::InvalidParameter(format!(
            "confidence level {level}"
        )));
    }
    let n = values.len();
    if n == 0 {
        return Err(MetricsError::EmptySet("no value: mean undefined".into()));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(MetricsError::NonFinite("values to average"));
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Ok(MeanCi {
            n,
            mean,
            std: 0.0,
            half_width: None,
        });
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let std = var.sqrt();
    let t = student_t_quantile(0.5 + level / 2.0, (n - 1) as f64);
    Ok(MeanCi {
        n,
        mean,
        std,
        half_width: Some(t * std / (n as f64).sqrt()),
    })
}

/// Quantile of Student's t with `df` degrees of freedom at probability `p ∈ (0.5, 1)`,
/// by bisection on the CDF.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    // Two-sided tail probability to hit: I_x(df/2, 1/2) = 2(1 − p), x = df/(df + t²).
    let target = 2.0 * (1.0 - p);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while incomplete_beta(df / (df + hi * hi), df / 2.0, 0.5) > target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if incomplete_beta(df / (df + mid * mid), df / 2.0, 0.5) > target {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Regularised incomplete beta `I_x(a, b)` (continued fraction, Lentz's method).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(1.0 - x, b, a) / b
    }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard two-sided 95 % critical values.
        for (df, t) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (5.0, 2.570_581_836),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (1000.0, 1.962_339_081),
        ] {
            let q = student_t_quantile(0.975, df);
            assert!((q - t).abs() < 1e-8, "df {df}: {q} vs {t}");
        }
        assert!((student_t_quantile(0.995, 4.0) - 4.604_094_871).abs() < 1e-8);
    }

    #[test]
    fn mean_ci_by_hand() {
        let r = mean_ci95(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(r.mean, 2.0);
        assert!((r.std - 1.0).abs() < 1e-15);
        assert!((r.half_width.unwrap() - 4.302_652_730 / 3f64.sqrt()).abs() < 1e-8);
        let one = mean_ci95(&[5.0]).unwrap();
        assert_eq!((one.mean, one.half_width, one.lo()), (5.0, None, 5.0));
        assert!(mean_ci95(&[]).is_err());
        assert!(mean_ci95(&[1.0, f64::INFINITY]).is_err());
        assert!(mean_ci95(&[1.0, f64::NAN]).is_err());
    }
}
