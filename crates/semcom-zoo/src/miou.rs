//! Confusion matrix and mean IoU for segmentation evaluation (one matrix accumulated over the
//! whole test set, IoU_c = TP / (TP + FP + FN), ignored ground-truth label skipped; the protocol
//! of `shared/models/espnet/README.md`, "CamVid test-set accuracy").
//!
//! A small private implementation, to be swapped for `semcom_metrics::segmentation::ConfusionMatrix`.

use crate::error::{Result, ZooError};

/// A `K×K` confusion matrix, rows = ground truth, columns = prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfusionMatrix {
    k: usize,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An empty matrix over `k` classes.
    pub fn new(k: usize) -> Self {
        Self { k, counts: vec![0; k * k] }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.k
    }

    /// Count at (truth, prediction).
    pub fn get(&self, truth: usize, pred: usize) -> u64 {
        self.counts[truth * self.k + pred]
    }

    /// Adds one label map; ground-truth pixels equal to `ignore` (or ≥ K) are skipped.
    /// A prediction ≥ K is an error.
    pub fn add(&mut self, truth: &[u8], pred: &[u8], ignore: Option<u8>) -> Result<()> {
        if truth.len() != pred.len() {
            return Err(ZooError::InvalidInput(format!("{} labels vs {} predictions", truth.len(), pred.len())));
        }
        for (&t, &p) in truth.iter().zip(pred) {
            if Some(t) == ignore || t as usize >= self.k {
                continue;
            }
            if p as usize >= self.k {
                return Err(ZooError::InvalidInput(format!("prediction {p} outside 0..{}", self.k)));
            }
            self.counts[t as usize * self.k + p as usize] += 1;
        }
        Ok(())
    }

    /// IoU of class `c` (None when the class never occurs in truth nor prediction).
    pub fn iou(&self, c: usize) -> Option<f64> {
        let tp = self.get(c, c);
        let fn_: u64 = (0..self.k).map(|p| self.get(c, p)).sum::<u64>() - tp;
        let fp: u64 = (0..self.k).map(|t| self.get(t, c)).sum::<u64>() - tp;
        let d = tp + fp + fn_;
        (d > 0).then(|| tp as f64 / d as f64)
    }

    /// Mean IoU over the classes `0..n` (classes that never occur are skipped).
    pub fn mean_iou(&self, n: usize) -> f64 {
        let v: Vec<f64> = (0..n.min(self.k)).filter_map(|c| self.iou(c)).collect();
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    }

    /// Global pixel accuracy (trace / total).
    pub fn pixel_accuracy(&self) -> f64 {
        let tot: u64 = self.counts.iter().sum();
        let tr: u64 = (0..self.k).map(|c| self.get(c, c)).sum();
        if tot == 0 {
            0.0
        } else {
            tr as f64 / tot as f64
        }
    }

    /// Mean per-class recall over classes `0..n` that occur in the ground truth.
    pub fn class_accuracy(&self, n: usize) -> f64 {
        let v: Vec<f64> = (0..n.min(self.k))
            .filter_map(|c| {
                let row: u64 = (0..self.k).map(|p| self.get(c, p)).sum();
                (row > 0).then(|| self.get(c, c) as f64 / row as f64)
            })
            .collect();
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_half() {
        let mut m = ConfusionMatrix::new(3);
        m.add(&[0, 1, 2, 2], &[0, 1, 2, 2], Some(2)).unwrap();
        assert_eq!(m.mean_iou(2), 1.0);
        let mut m = ConfusionMatrix::new(2);
        m.add(&[0, 0, 1, 1], &[0, 1, 1, 1], None).unwrap();
        // class 0: tp 1, fn 1 → 0.5 ; class 1: tp 2, fp 1 → 2/3
        assert!((m.mean_iou(2) - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert!(m.add(&[0], &[5], None).is_err());
        assert!(m.add(&[0, 1], &[0], None).is_err());
    }
}
