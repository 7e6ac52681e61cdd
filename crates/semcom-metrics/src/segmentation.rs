//! Semantic-segmentation scores from an integer confusion matrix, with the PASCAL VOC /
//! Cityscapes conventions: `CM[g][p]` counts pixels of ground-truth class `g` predicted as `p`;
//! pixels whose ground truth is the ignore label are skipped (a *prediction* of the ignore label
//! counts as an error); `IoU_c = TP/(TP+FP+FN)`; mIoU averages over classes with a non-empty
//! union; pixel accuracy = trace / total.

use crate::error::{MetricsError, Result};

/// A `K × K` confusion matrix of `u64` counts over labels `0..K`, with an optional ignore label.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfusionMatrix {
    num_labels: usize,
    ignore: Option<usize>,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An empty matrix over labels `0..num_labels`; `ignore` (if any) must be one of them.
    pub fn new(num_labels: usize, ignore: Option<usize>) -> Result<Self> {
        if num_labels == 0 || num_labels > 1 << 16 {
            return Err(MetricsError::InvalidParameter(format!(
                "{num_labels} labels (expected 1..=65536)"
            )));
        }
        if let Some(i) = ignore {
            if i >= num_labels {
                return Err(MetricsError::LabelOutOfRange {
                    label: i as u64,
                    num_classes: num_labels,
                });
            }
        }
        Ok(Self {
            num_labels,
            ignore,
            counts: vec![0; num_labels * num_labels],
        })
    }

    /// A matrix from row-major counts (`counts[g * K + p]`).
    pub fn from_counts(num_labels: usize, ignore: Option<usize>, counts: Vec<u64>) -> Result<Self> {
        let mut m = Self::new(num_labels, ignore)?;
        if counts.len() != num_labels * num_labels {
            return Err(MetricsError::SizeMismatch(format!(
                "{} counts for {num_labels}x{num_labels}",
                counts.len()
            )));
        }
        m.counts = counts;
        Ok(m)
    }

    /// Accumulates one label map pair (same length); labels must be `< K`. Pixels whose ground
    /// truth is the ignore label are skipped. On error nothing is added.
    pub fn add<T: Copy + Into<u64>>(&mut self, gt: &[T], pred: &[T]) -> Result<()> {
        if gt.len() != pred.len() {
            return Err(MetricsError::SizeMismatch(format!(
                "{} ground-truth vs {} predicted labels",
                gt.len(),
                pred.len()
            )));
        }
        let k = self.num_labels as u64;
        if let Some(&bad) = gt.iter().chain(pred).find(|&&l| l.into() >= k) {
            return Err(MetricsError::LabelOutOfRange {
                label: bad.into(),
                num_classes: self.num_labels,
            });
        }
        let ignore = self.ignore.map(|i| i as u64);
        for (&g, &p) in gt.iter().zip(pred) {
            let (g, p) = (g.into(), p.into());
            if Some(g) != ignore {
                self.counts[(g * k + p) as usize] += 1;
            }
        }
        Ok(())
    }

    /// Adds another matrix with the same labels (e.g. per-image matrices of a dataset).
    pub fn merge(&mut self, other: &ConfusionMatrix) -> Result<()> {
        if other.num_labels != self.num_labels || other.ignore != self.ignore {
            return Err(MetricsError::SizeMismatch(
                "confusion matrices with different labels".into(),
            ));
        }
        self.counts
            .iter_mut()
            .zip(&other.counts)
            .for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Number of labels K.
    pub fn num_labels(&self) -> usize {
        self.num_labels
    }
    /// The ignore label.
    pub fn ignore(&self) -> Option<usize> {
        self.ignore
    }
    /// Row-major counts.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
    /// Count of ground truth `g` predicted as `p`.
    pub fn get(&self, g: usize, p: usize) -> u64 {
        self.counts[g * self.num_labels + p]
    }
    /// Total counted pixels.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Per-label IoU `TP/(TP+FP+FN)`; `None` for the ignore label and for labels with an empty
    /// union (absent from both ground truth and prediction).
    pub fn iou(&self) -> Vec<Option<f64>> {
        let k = self.num_labels;
        (0..k)
            .map(|c| {
                if Some(c) == self.ignore {
                    return None;
                }
                let tp = self.get(c, c);
                let col: u64 = (0..k).map(|g| self.get(g, c)).sum();
                let row: u64 = (0..k).map(|p| self.get(c, p)).sum();
                let union = row + col - tp;
                (union > 0).then(|| tp as f64 / union as f64)
            })
            .collect()
    }

    /// Mean IoU over labels with a non-empty union (errors if there is none).
    pub fn miou(&self) -> Result<f64> {
        let v: Vec<f64> = self.iou().into_iter().flatten().collect();
        if v.is_empty() {
            return Err(MetricsError::EmptySet(
                "no class present: mIoU undefined".into(),
            ));
        }
        Ok(v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Correct pixels / counted pixels (errors if nothing was counted).
    pub fn pixel_accuracy(&self) -> Result<f64> {
        let total = self.total();
        if total == 0 {
            return Err(MetricsError::EmptySet(
                "no labelled pixel: pixel accuracy undefined".into(),
            ));
        }
        let correct: u64 = (0..self.num_labels)
            .filter(|&c| Some(c) != self.ignore)
            .map(|c| self.get(c, c))
            .sum();
        Ok(correct as f64 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_case_by_hand() {
        let mut cm = ConfusionMatrix::new(3, Some(2)).unwrap();
        cm.add(&[0u8, 0, 1, 1, 2, 2], &[0u8, 1, 1, 2, 0, 1])
            .unwrap();
        // gt 2 ignored; pred 2 at gt 1 is an error.
        assert_eq!(cm.total(), 4);
        assert_eq!(cm.counts(), &[1, 1, 0, 0, 1, 1, 0, 0, 0]);
        let iou = cm.iou();
        assert_eq!(iou, vec![Some(0.5), Some(1.0 / 3.0), None]);
        assert!((cm.miou().unwrap() - (0.5 + 1.0 / 3.0) / 2.0).abs() < 1e-15);
        assert_eq!(cm.pixel_accuracy().unwrap(), 0.5);
    }

    #[test]
    fn errors() {
        let mut cm = ConfusionMatrix::new(3, None).unwrap();
        assert!(matches!(
            cm.add(&[0u8, 3], &[0u8, 0]),
            Err(MetricsError::LabelOutOfRange { label: 3, .. })
        ));
        assert!(matches!(
            cm.add(&[0u8], &[0u8, 0]),
            Err(MetricsError::SizeMismatch(_))
        ));
        assert_eq!(cm.total(), 0);
        assert!(cm.miou().is_err());
        assert!(cm.pixel_accuracy().is_err());
        assert!(ConfusionMatrix::new(3, Some(3)).is_err());
        assert!(ConfusionMatrix::new(0, None).is_err());
    }
}
