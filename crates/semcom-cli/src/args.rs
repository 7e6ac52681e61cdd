//! Value parsers shared by every command, and the usage-error type.
//!
//! Every number a user types goes through one of these parsers (clap `value_parser = …`), so
//! NaN, ±inf, out-of-range and absurd values are refused by the argument parser itself: one
//! line on stderr, exit code 2 (see `main.rs`). Checks that involve several flags return
//! [`usage`] errors from the command, which exit with 2 as well.
//!
//! Limits are chosen from what a 2-core, 24 GB machine can process; `docs/reliability.md`
//! lists them.

use std::fmt;

/// Lowest accepted SNR (Es/N0, Eb/N0) in dB.
pub const SNR_DB_MIN: f64 = -100.0;
/// Highest accepted SNR in dB (beyond it f32 noise variances underflow and nothing changes).
pub const SNR_DB_MAX: f64 = 100.0;
/// Most points of one SNR grid.
pub const MAX_GRID_POINTS: usize = 1000;
/// Most worker threads of any command.
pub const MAX_THREADS: usize = 256;

/// A usage error found after parsing (contradictory or nonsensical flags): exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error (exit code 2) with this message.
pub fn usage(msg: impl fmt::Display) -> anyhow::Error {
    Usage(msg.to_string()).into()
}

/// Fails with a usage error unless `cond` holds.
macro_rules! ensure_usage {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::args::usage(format!($($fmt)+)));
        }
    };
}
pub(crate) use ensure_usage;

/// A finite `f64` (NaN and ±inf refused).
pub fn finite(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{v} is not a finite number"))
    }
}

/// A finite `f64` in `[lo, hi]`, as a clap value parser.
pub fn finite_in(lo: f64, hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |s| {
        let v = finite(s)?;
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(format!("{v} is outside [{lo}, {hi}]"))
        }
    }
}

/// A finite `f32` in `[lo, hi]`, as a clap value parser.
pub fn finite_f32_in(
    lo: f32,
    hi: f32,
) -> impl Fn(&str) -> Result<f32, String> + Clone + Send + Sync {
    let p = finite_in(lo as f64, hi as f64);
    move |s| p(s).map(|v| v as f32)
}

/// A finite number in `(0, hi]`, as a clap value parser.
pub fn positive_in(hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |s| {
        let v = finite(s)?;
        if v > 0.0 && v <= hi {
            Ok(v)
        } else {
            Err(format!("{v} is outside (0, {hi}]"))
        }
    }
}

/// An SNR in dB within [`SNR_DB_MIN`]..=[`SNR_DB_MAX`] (for `--snr X` flags taking one value).
pub fn snr_db(s: &str) -> Result<f64, String> {
    let v = finite(s).map_err(|e| format!("SNR {e}"))?;
    if (SNR_DB_MIN..=SNR_DB_MAX).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "SNR {v} dB is outside [{SNR_DB_MIN}, {SNR_DB_MAX}] dB"
        ))
    }
}

/// A whole count in `[lo, hi]`, as a clap value parser. Accepts `1000000`, `1e6` and `1_000_000`
/// (an exactly integral value); refuses fractions, negatives and anything above `hi` before
/// it can wrap.
pub fn count(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |s| {
        let t = s.trim().replace('_', "");
        let v = match t.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                let f: f64 = t
                    .parse()
                    .map_err(|_| format!("'{s}' is not a whole number"))?;
                if !(f.is_finite() && f >= 0.0 && f.fract() == 0.0) {
                    return Err(format!("'{s}' is not a whole number ≥ 0"));
                }
                if f > hi as f64 {
                    return Err(format!("{s} is above the limit of {hi}"));
                }
                f as u64
            }
        };
        if v < lo || v > hi {
            return Err(format!("{v} is outside {lo}..={hi}"));
        }
        Ok(v)
    }
}

/// Like [`count`], as `usize`.
pub fn count_usize(
    lo: usize,
    hi: usize,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync {
    let p = count(lo as u64, hi as u64);
    move |s| p(s).map(|v| v as usize)
}

/// A worker-thread count in `1..=`[`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    count_usize(1, MAX_THREADS)(s).map_err(|e| format!("thread count {e}"))
}

/// A code rate in `(0, 1)`: a fraction `1/2` or a decimal `0.5`.
pub fn rate(s: &str) -> Result<f64, String> {
    let r = match s.split_once('/') {
        Some((a, b)) => finite(a)? / finite(b)?,
        None => finite(s)?,
    };
    if r > 0.0 && r < 1.0 {
        Ok(r)
    } else {
        Err(format!("code rate {s} is not in (0, 1)"))
    }
}

/// A grid of SNR points in dB (see [`snr_grid`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SnrGrid(pub Vec<f64>);

/// An SNR grid: an inclusive range `start:stop:step` or a list `a,b,c`, of at most
/// [`MAX_GRID_POINTS`] points, each finite and within [`SNR_DB_MIN`]..=[`SNR_DB_MAX`] dB (range
/// points are rounded to 1e-9 so that 0.1 steps print cleanly).
pub fn snr_grid(s: &str) -> Result<SnrGrid, String> {
    let v = grid(s)?;
    for x in &v {
        snr_db(&x.to_string())?;
    }
    Ok(SnrGrid(v))
}

/// A grid of finite values: `start:stop:step` (inclusive) or `a,b,c`, at most
/// [`MAX_GRID_POINTS`] points.
pub fn grid(s: &str) -> Result<Vec<f64>, String> {
    let v: Vec<f64> = if let [a, b, c] = s.split(':').collect::<Vec<_>>()[..] {
        let (a, b, c) = (finite(a)?, finite(b)?, finite(c)?);
        if !(c > 0.0 && b >= a && (b - a) / c < MAX_GRID_POINTS as f64) {
            return Err(format!(
                "bad range '{s}': need start ≤ stop, step > 0, at most {MAX_GRID_POINTS} points"
            ));
        }
        let n = ((b - a) / c + 1e-9).floor() as usize;
        (0..=n)
            .map(|i| ((a + i as f64 * c) * 1e9).round() / 1e9)
            .collect()
    } else {
        s.split(',').map(finite).collect::<Result<_, _>>()?
    };
    if v.is_empty() || v.len() > MAX_GRID_POINTS {
        return Err(format!(
            "bad list '{s}' (use start:stop:step or a,b,c; at most {MAX_GRID_POINTS} points)"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_and_out_of_range_values_are_refused() {
        for bad in ["NaN", "nan", "inf", "-inf", "infinity", "", "x", "1e400"] {
            assert!(finite(bad).is_err(), "{bad}");
            assert!(snr_db(bad).is_err(), "{bad}");
            assert!(rate(bad).is_err(), "{bad}");
            assert!(snr_grid(bad).is_err(), "{bad}");
        }
        assert_eq!(snr_db("-3.5"), Ok(-3.5));
        assert!(snr_db("100.5").is_err() && snr_db("-400").is_err());
        assert!(finite_in(0.0, 1.0)("1.5").is_err() && positive_in(2.0)("0").is_err());
        assert_eq!(finite_f32_in(0.0, 1.0)("0.25"), Ok(0.25));
    }

    #[test]
    fn counts_never_wrap() {
        let bits = count(1, 10_000_000_000);
        assert_eq!(bits("1e6"), Ok(1_000_000));
        assert_eq!(bits("1_000"), Ok(1000));
        for bad in [
            "0",
            "-1",
            "1.5",
            "1e13",
            "18446744073709551615",
            "18446744073709551616",
            "NaN",
            "inf",
            "x",
        ] {
            assert!(bits(bad).is_err(), "{bad}");
        }
        assert_eq!(threads("2"), Ok(2));
        for bad in ["0", "100000", "-1", "two"] {
            assert!(threads(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_and_grids() {
        assert_eq!(rate("1/2"), Ok(0.5));
        assert_eq!(rate("0.75"), Ok(0.75));
        for bad in ["3/2", "1/0", "0/0", "0", "1", "-1/2", "x"] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        assert_eq!(snr_grid("0:20:2").unwrap().0.len(), 11);
        assert_eq!(snr_grid("-1:-0.5:0.25").unwrap().0, vec![-1.0, -0.75, -0.5]);
        assert_eq!(snr_grid("1, 2.5").unwrap().0, vec![1.0, 2.5]);
        for bad in [
            "",
            "0:1",
            "3:1:1",
            "0:1:0",
            "a,b",
            "nan",
            "0:1e9:1e-3",
            "1,NaN",
            "-inf,0",
            "0:inf:1",
            "-400",
            "0,1e308",
        ] {
            assert!(snr_grid(bad).is_err(), "{bad}");
        }
        assert_eq!(grid("0:999:1").unwrap().len(), 1000);
        assert!(grid("0:1000:1").is_err());
    }
}
