//! Fréchet distance between two Gaussians (Dowson & Landau 1982; the FID formula of Heusel et
//! al., NeurIPS 2017):
//!
//! `d² = ‖μ1 − μ2‖² + Tr(S1) + Tr(S2) − 2·Tr((S1·S2)^{1/2})`.
//!
//! The trace term is computed by the numerically stable symmetric route
//! `Tr((S1 S2)^{1/2}) = Σ_i √λ_i(S1^{1/2} · S2 · S1^{1/2})`, where `S1^{1/2}` comes from the
//! symmetric eigendecomposition of `S1` (eigenvalues clipped at 0) and the product is a
//! symmetric positive semi-definite matrix (tiny negative eigenvalues from rounding are
//! clipped). Everything is `f64`.

use crate::error::{MetricsError, Result};
use nalgebra::{DMatrix, SymmetricEigen};

/// Relative tolerance for symmetry and for negative eigenvalues of a covariance.
const TOL: f64 = 1e-6;

fn to_matrix(s: &[f64], d: usize, what: &str) -> Result<DMatrix<f64>> {
    if s.len() != d * d {
        return Err(MetricsError::SizeMismatch(format!(
            "{what} has {} entries, expected {d}x{d}",
            s.len()
        )));
    }
    if s.iter().any(|v| !v.is_finite()) {
        return Err(MetricsError::NonFinite("covariance"));
    }
    let m = DMatrix::from_row_slice(d, d, s);
    let scale = m.amax().max(f64::MIN_POSITIVE);
    let asym = (&m - m.transpose()).amax();
    if asym > TOL * scale {
        return Err(MetricsError::InvalidCovariance(format!(
            "{what} is not symmetric (max |S − Sᵀ| = {asym:e})"
        )));
    }
    Ok((&m + m.transpose()) * 0.5)
}

/// Eigenvalues of a symmetric matrix, checking positive semi-definiteness up to rounding.
fn psd_eigen(m: DMatrix<f64>, what: &str) -> Result<SymmetricEigen<f64, nalgebra::Dyn>> {
    let e = SymmetricEigen::new(m);
    let max = e.eigenvalues.amax();
    let min = e.eigenvalues.min();
    if min < -TOL * max.max(f64::MIN_POSITIVE) {
        return Err(MetricsError::InvalidCovariance(format!(
            "{what} is not positive semi-definite (eigenvalue {min:e})"
        )));
    }
    Ok(e)
}

/// Fréchet distance between `N(mu1, s1)` and `N(mu2, s2)`; covariances are row-major `d × d`
/// slices with `d = mu1.len()`. Errors on mismatched sizes, NaN/inf, asymmetric or non-PSD
/// covariances, and `d = 0`.
pub fn frechet_distance(mu1: &[f64], s1: &[f64], mu2: &[f64], s2: &[f64]) -> Result<f64> {
    let d = mu1.len();
    if d == 0 {
        return Err(MetricsError::EmptySet("zero-dimensional Gaussians".into()));
    }
    if mu2.len() != d {
        return Err(MetricsError::SizeMismatch(format!(
            "means of length {d} and {}",
            mu2.len()
        )));
    }
    if mu1.iter().chain(mu2).any(|v| !v.is_finite()) {
        return Err(MetricsError::NonFinite("mean"));
    }
    let (m1, m2) = (to_matrix(s1, d, "sigma1")?, to_matrix(s2, d, "sigma2")?);
    let diff: f64 = mu1.iter().zip(mu2).map(|(a, b)| (a - b) * (a - b)).sum();
    let e1 = psd_eigen(m1.clone(), "sigma1")?;
    psd_eigen(m2.clone(), "sigma2")?;
    let sq = e1.eigenvalues.map(|v| v.max(0.0).sqrt());
    let sqrt_s1 = &e1.eigenvectors * DMatrix::from_diagonal(&sq) * e1.eigenvectors.transpose();
    let mid = &sqrt_s1 * &m2 * &sqrt_s1;
    let mid = (&mid + mid.transpose()) * 0.5;
    let tr_covmean: f64 = SymmetricEigen::new(mid)
        .eigenvalues
        .iter()
        .map(|v| v.max(0.0).sqrt())
        .sum();
    let fd = diff + m1.trace() + m2.trace() - 2.0 * tr_covmean;
    if !fd.is_finite() {
        return Err(MetricsError::NonFinite("Fréchet distance"));
    }
    // Rounding can give a tiny negative value for identical Gaussians.
    Ok(fd.max(0.0))
}

/// A Gaussian fitted to a feature set: mean and unbiased (`N − 1`) covariance, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    /// Mean vector (length d).
    pub mean: Vec<f64>,
    /// Covariance, row-major `d × d`.
    pub cov: Vec<f64>,
}

impl Gaussian {
    /// Fits `n = features.len() / dim` row-major feature vectors (`numpy.cov(rowvar=False)`,
    /// as FID does); needs at least 2 vectors.
    pub fn fit(features: &[f64], dim: usize) -> Result<Self> {
        if features.len().checked_rem(dim) != Some(0) {
            return Err(MetricsError::SizeMismatch(format!(
                "{} values are not rows of {dim}",
                features.len()
            )));
        }
        let n = features.len() / dim;
        if n < 2 {
            return Err(MetricsError::EmptySet(format!(
                "{n} feature vectors (need at least 2)"
            )));
        }
        if features.iter().any(|v| !v.is_finite()) {
            return Err(MetricsError::NonFinite("features"));
        }
        let x = DMatrix::from_row_slice(n, dim, features);
        let mean = x.row_mean();
        let centred = DMatrix::from_fn(n, dim, |i, j| x[(i, j)] - mean[j]);
        let cov = centred.transpose() * &centred / (n as f64 - 1.0);
        Ok(Self {
            mean: mean.iter().copied().collect(),
            cov: cov.transpose().as_slice().to_vec(),
        })
    }

    /// Fréchet distance to another fitted Gaussian.
    pub fn frechet(&self, other: &Gaussian) -> Result<f64> {
        frechet_distance(&self.mean, &self.cov, &other.mean, &other.cov)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_closed_form_and_identity() {
        let (a, b) = ([1.0, 4.0, 0.25], [4.0, 1.0, 0.25]);
        let diag = |v: &[f64; 3]| {
            let mut m = vec![0.0; 9];
            (0..3).for_each(|i| m[i * 4] = v[i]);
            m
        };
        let fd =
            frechet_distance(&[0.0, 0.0, 0.0], &diag(&a), &[1.0, 0.0, 2.0], &diag(&b)).unwrap();
        // 5 + (1−2)² + (2−1)² + 0.
        assert!((fd - 7.0).abs() < 1e-12, "{fd}");
        assert!(
            frechet_distance(&[1.0; 3], &diag(&a), &[1.0; 3], &diag(&a))
                .unwrap()
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn errors() {
        let i = vec![1.0, 0.0, 0.0, 1.0];
        assert!(frechet_distance(&[], &[], &[], &[]).is_err());
        assert!(frechet_distance(&[0.0; 2], &i, &[0.0; 3], &i).is_err());
        assert!(frechet_distance(&[0.0; 2], &i, &[0.0; 2], &i[..3]).is_err());
        assert!(frechet_distance(&[f64::NAN, 0.0], &i, &[0.0; 2], &i).is_err());
        assert!(matches!(
            frechet_distance(&[0.0; 2], &[1.0, 0.5, 0.0, 1.0], &[0.0; 2], &i),
            Err(MetricsError::InvalidCovariance(_))
        ));
        assert!(matches!(
            frechet_distance(&[0.0; 2], &[1.0, 0.0, 0.0, -1.0], &[0.0; 2], &i),
            Err(MetricsError::InvalidCovariance(_))
        ));
    }

    #[test]
    fn fit_matches_numpy_cov() {
        // rows (1,2), (3,6), (5,7): means (3,5); cov [[4,5],[5,7]].
        let g = Gaussian::fit(&[1.0, 2.0, 3.0, 6.0, 5.0, 7.0], 2).unwrap();
        assert_eq!(g.mean, vec![3.0, 5.0]);
        for (x, y) in g.cov.iter().zip([4.0, 5.0, 5.0, 7.0]) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(Gaussian::fit(&[1.0, 2.0], 2).is_err());
        assert!(g.frechet(&g).unwrap().abs() < 1e-9);
    }
}
