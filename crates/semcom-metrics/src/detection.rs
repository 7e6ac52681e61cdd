//! Object-detection average precision (PASCAL VOC protocol, Everingham et al., IJCV 2010,
//! §4.2): detections are sorted by decreasing score (stable, so ties keep input order); each is
//! matched to the unmatched ground-truth box of the same image (and class) with the highest
//! IoU if that IoU is ≥ the threshold (true positive), otherwise it is a false positive
//! (duplicates of an already matched box included). AP is the area under the precision/recall
//! curve with either all-point interpolation (VOC 2010+) or the 11-point interpolation
//! (VOC 2007). Boxes use continuous coordinates: area = (x1 − x0)·(y1 − y0), no "+1".

use crate::error::{MetricsError, Result};
use std::collections::{BTreeMap, HashMap};

/// An axis-aligned box `[x0, x1] × [y0, y1]` in continuous pixel coordinates.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Box {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

/// Alias of [`Box`] for code that also uses `std::boxed::Box`.
pub type BBox = Box;

impl Box {
    /// A box; errors unless the corners are finite with `x0 ≤ x1` and `y0 ≤ y1`.
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Result<Self> {
        let b = Self { x0, y0, x1, y1 };
        b.check()?;
        Ok(b)
    }

    fn check(&self) -> Result<()> {
        if ![self.x0, self.y0, self.x1, self.y1]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(MetricsError::NonFinite("box corners"));
        }
        if self.x1 < self.x0 || self.y1 < self.y0 {
            return Err(MetricsError::InvalidParameter(format!(
                "box {self:?} has x1 < x0 or y1 < y0"
            )));
        }
        Ok(())
    }

    /// Area `(x1 − x0)·(y1 − y0)`.
    pub fn area(&self) -> f64 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }

    /// Intersection over union (0 when the union is empty).
    pub fn iou(&self, o: &Box) -> f64 {
        let iw = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let ih = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + o.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
}

/// A scored detection on image `image`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Detection {
    /// Image index (detections only match ground truth of the same image).
    pub image: usize,
    /// Class id.
    pub class: u32,
    /// Confidence score (higher = more confident).
    pub score: f64,
    /// Box.
    pub bbox: Box,
}

/// A ground-truth object.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroundTruth {
    /// Image index.
    pub image: usize,
    /// Class id.
    pub class: u32,
    /// Box.
    pub bbox: Box,
}

/// Interpolation of the precision/recall curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApMethod {
    /// Area under the monotone precision envelope at every recall step (VOC 2010+, COCO-like).
    AllPoint,
    /// Mean of the envelope at recall 0, 0.1, …, 1 (VOC 2007).
    Voc11,
}

fn check_threshold(t: f64) -> Result<()> {
    if t > 0.0 && t <= 1.0 {
        Ok(())
    } else {
        Err(MetricsError::InvalidParameter(format!(
            "IoU threshold {t} (expected 0 < t ≤ 1)"
        )))
    }
}

/// Single-class AP: every detection and ground truth is taken as one class (`class` fields are
/// ignored; filter first, or use [`mean_average_precision`]). No detection gives 0; no ground
/// truth is an error (AP undefined).
pub fn average_precision(
    dets: &[Detection],
    gts: &[GroundTruth],
    iou_threshold: f64,
    method: ApMethod,
) -> Result<f64> {
    check_threshold(iou_threshold)?;
    if gts.is_empty() {
        return Err(MetricsError::EmptySet(
            "no ground-truth box: AP undefined".into(),
        ));
    }
    for d in dets {
        d.bbox.check()?;
        if !d.score.is_finite() {
            return Err(MetricsError::NonFinite("detection scores"));
        }
    }
    let mut by_image: HashMap<usize, Vec<(Box, bool)>> = HashMap::new();
    for g in gts {
        g.bbox.check()?;
        by_image.entry(g.image).or_default().push((g.bbox, false));
    }
    let mut order: Vec<&Detection> = dets.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut rec = Vec::with_capacity(order.len());
    let mut prec = Vec::with_capacity(order.len());
    for d in order {
        let mut hit = false;
        if let Some(cands) = by_image.get_mut(&d.image) {
            let best = cands
                .iter()
                .enumerate()
                .map(|(i, (b, _))| (i, d.bbox.iou(b)))
                .fold(None, |acc: Option<(usize, f64)>, x| match acc {
                    Some(a) if a.1 >= x.1 => Some(a),
                    _ => Some(x),
                });
            if let Some((i, iou)) = best {
                if iou >= iou_threshold && !cands[i].1 {
                    cands[i].1 = true;
                    hit = true;
                }
            }
        }
        if hit {
            tp += 1
        } else {
            fp += 1
        }
        rec.push(tp as f64 / gts.len() as f64);
        prec.push(tp as f64 / (tp + fp) as f64);
    }
    Ok(match method {
        ApMethod::AllPoint => all_point(&rec, &prec),
        ApMethod::Voc11 => voc11(&rec, &prec),
    })
}

/// All-point interpolation: `Σ (r_{i+1} − r_i) · max_{j ≥ i+1} p_j` with sentinels (0, 0), (1, 0).
fn all_point(rec: &[f64], prec: &[f64]) -> f64 {
    let mrec: Vec<f64> = std::iter::once(0.0)
        .chain(rec.iter().copied())
        .chain(std::iter::once(1.0))
        .collect();
    let mut mpre: Vec<f64> = std::iter::once(0.0)
        .chain(prec.iter().copied())
        .chain(std::iter::once(0.0))
        .collect();
    for i in (1..mpre.len()).rev() {
        mpre[i - 1] = mpre[i - 1].max(mpre[i]);
    }
    (1..mrec.len())
        .filter(|&i| mrec[i] != mrec[i - 1])
        .map(|i| (mrec[i] - mrec[i - 1]) * mpre[i])
        .sum()
}

/// 11-point interpolation: mean over t ∈ {0, 0.1, …, 1} of `max {p_i : r_i ≥ t}` (0 if none).
fn voc11(rec: &[f64], prec: &[f64]) -> f64 {
    (0..=10)
        .map(|t| {
            let t = t as f64 / 10.0;
            rec.iter()
                .zip(prec)
                .filter(|(r, _)| **r >= t)
                .map(|(_, p)| *p)
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / 11.0
}

/// AP of one class.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassAp {
    /// Class id.
    pub class: u32,
    /// Average precision.
    pub ap: f64,
    /// Number of ground-truth boxes.
    pub num_gt: usize,
    /// Number of detections.
    pub num_det: usize,
}

/// Per-class AP and their mean (mAP).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ApReport {
    /// Classes with at least one ground-truth box, in increasing id order.
    pub per_class: Vec<ClassAp>,
    /// Mean AP over those classes.
    pub mean: f64,
}

/// Per-class AP over the classes that have ground truth (detections of classes without ground
/// truth are ignored, as in VOC/COCO) and their mean; errors if there is no ground truth.
pub fn mean_average_precision(
    dets: &[Detection],
    gts: &[GroundTruth],
    iou_threshold: f64,
    method: ApMethod,
) -> Result<ApReport> {
    let mut classes: BTreeMap<u32, (Vec<Detection>, Vec<GroundTruth>)> = BTreeMap::new();
    for g in gts {
        classes.entry(g.class).or_default().1.push(*g);
    }
    if classes.is_empty() {
        return Err(MetricsError::EmptySet(
            "no ground-truth box: mAP undefined".into(),
        ));
    }
    for d in dets {
        if let Some(e) = classes.get_mut(&d.class) {
            e.0.push(*d);
        }
    }
    let per_class = classes
        .into_iter()
        .map(|(class, (d, g))| {
            Ok(ClassAp {
                class,
                ap: average_precision(&d, &g, iou_threshold, method)?,
                num_gt: g.len(),
                num_det: d.len(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mean = per_class.iter().map(|c| c.ap).sum::<f64>() / per_class.len() as f64;
    Ok(ApReport { per_class, mean })
}

/// Detection *retention*: mAP of the detections on a reconstruction scored against the
/// detections on the original image (those with score ≥ `score_threshold` act as ground truth).
/// Errors if the original has no detection above the threshold.
pub fn retention_ap(
    on_reconstruction: &[Detection],
    on_original: &[Detection],
    score_threshold: f64,
    iou_threshold: f64,
    method: ApMethod,
) -> Result<ApReport> {
    if !score_threshold.is_finite() {
        return Err(MetricsError::NonFinite("score threshold"));
    }
    let pseudo: Vec<GroundTruth> = on_original
        .iter()
        .filter(|d| d.score >= score_threshold)
        .map(|d| GroundTruth {
            image: d.image,
            class: d.class,
            bbox: d.bbox,
        })
        .collect();
    if pseudo.is_empty() {
        return Err(MetricsError::EmptySet(format!(
            "no detection on the original with score ≥ {score_threshold}"
        )));
    }
    mean_average_precision(on_reconstruction, &pseudo, iou_threshold, method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x0: f64, y0: f64, x1: f64, y1: f64) -> Box {
        Box::new(x0, y0, x1, y1).unwrap()
    }
    fn gt(image: usize, class: u32, bbox: Box) -> GroundTruth {
        GroundTruth { image, class, bbox }
    }
    fn det(image: usize, class: u32, score: f64, bbox: Box) -> Detection {
        Detection {
            image,
            class,
            score,
            bbox,
        }
    }

    fn scene() -> (Vec<GroundTruth>, Vec<Detection>) {
        let g = vec![
            gt(0, 0, b(0., 0., 10., 10.)),
            gt(0, 0, b(20., 20., 30., 30.)),
            gt(1, 0, b(5., 5., 15., 15.)),
        ];
        // Ranked: TP, FP (nowhere), TP, duplicate of the first (FP), TP.
        let d = vec![
            det(0, 0, 0.9, b(0., 0., 10., 10.)),
            det(0, 0, 0.8, b(50., 50., 60., 60.)),
            det(1, 0, 0.7, b(5., 5., 15., 15.5)),
            det(0, 0, 0.6, b(0., 0., 10., 9.)),
            det(0, 0, 0.5, b(20., 20., 30., 30.)),
        ];
        (g, d)
    }

    #[test]
    fn iou_by_hand() {
        assert_eq!(b(0., 0., 2., 2.).iou(&b(1., 0., 3., 2.)), 2.0 / 6.0);
        assert_eq!(b(0., 0., 1., 1.).iou(&b(2., 2., 3., 3.)), 0.0);
        assert_eq!(b(0., 0., 0., 0.).iou(&b(0., 0., 0., 0.)), 0.0);
    }

    #[test]
    fn perfect_and_empty() {
        let (g, _) = scene();
        let perfect: Vec<Detection> = g.iter().map(|x| det(x.image, 0, 1.0, x.bbox)).collect();
        for m in [ApMethod::AllPoint, ApMethod::Voc11] {
            assert_eq!(average_precision(&perfect, &g, 0.5, m).unwrap(), 1.0);
            assert_eq!(average_precision(&[], &g, 0.5, m).unwrap(), 0.0);
            assert!(matches!(
                average_precision(&perfect, &[], 0.5, m),
                Err(MetricsError::EmptySet(_))
            ));
        }
    }

    #[test]
    fn duplicates_and_known_curve() {
        let (g, d) = scene();
        // tp/fp sequence T F T F T → recall 1/3,1/3,2/3,2/3,1; precision 1,1/2,2/3,1/2,3/5.
        // All-point: 1/3·1 + 1/3·2/3 + 1/3·3/5.
        let ap = average_precision(&d, &g, 0.5, ApMethod::AllPoint).unwrap();
        assert!((ap - (1.0 + 2.0 / 3.0 + 0.6) / 3.0).abs() < 1e-12, "{ap}");
        // 11-point: t=0..0.3 → 1 (4 points), 0.4..0.6 → 2/3 (3), 0.7..1 → 3/5 (4).
        let ap11 = average_precision(&d, &g, 0.5, ApMethod::Voc11).unwrap();
        assert!(
            (ap11 - (4.0 + 3.0 * 2.0 / 3.0 + 4.0 * 0.6) / 11.0).abs() < 1e-12,
            "{ap11}"
        );
        // A duplicate of a perfect detection only adds a false positive after full recall: AP stays 1.
        let mut dup: Vec<Detection> = g.iter().map(|x| det(x.image, 0, 1.0, x.bbox)).collect();
        dup.push(det(0, 0, 0.1, g[0].bbox));
        assert_eq!(
            average_precision(&dup, &g, 0.5, ApMethod::AllPoint).unwrap(),
            1.0
        );
        // A stricter threshold turns the 15.5-high box (IoU 100/105) into a miss at 0.96.
        let strict = average_precision(&d, &g, 0.96, ApMethod::AllPoint).unwrap();
        assert!(strict < ap);
    }

    #[test]
    fn order_does_not_matter() {
        let (g, d) = scene();
        let mut rev = d.clone();
        rev.reverse();
        rev.swap(0, 2);
        for m in [ApMethod::AllPoint, ApMethod::Voc11] {
            assert_eq!(
                average_precision(&d, &g, 0.5, m).unwrap(),
                average_precision(&rev, &g, 0.5, m).unwrap()
            );
        }
    }

    #[test]
    fn per_class_mean_and_retention() {
        let (mut g, mut d) = scene();
        g.push(gt(0, 7, b(0., 0., 4., 4.)));
        d.push(det(0, 7, 0.3, b(0., 0., 4., 4.)));
        d.push(det(0, 9, 0.3, b(0., 0., 4., 4.))); // class without ground truth: ignored
        let r = mean_average_precision(&d, &g, 0.5, ApMethod::AllPoint).unwrap();
        assert_eq!(r.per_class.len(), 2);
        assert_eq!(r.per_class[1].ap, 1.0);
        assert!((r.mean - (r.per_class[0].ap + 1.0) / 2.0).abs() < 1e-15);
        // Same detections on original and reconstruction: full retention.
        let ret = retention_ap(&d, &d, 0.0, 0.5, ApMethod::AllPoint).unwrap();
        assert_eq!(ret.mean, 1.0);
        assert!(retention_ap(&d, &d, 2.0, 0.5, ApMethod::AllPoint).is_err());
    }

    #[test]
    fn bad_inputs() {
        let (g, mut d) = scene();
        assert!(average_precision(&d, &g, 0.0, ApMethod::AllPoint).is_err());
        assert!(average_precision(&d, &g, f64::NAN, ApMethod::AllPoint).is_err());
        d[0].score = f64::NAN;
        assert!(matches!(
            average_precision(&d, &g, 0.5, ApMethod::AllPoint),
            Err(MetricsError::NonFinite(_))
        ));
        assert!(Box::new(1., 0., 0., 1.).is_err());
        assert!(Box::new(0., 0., f64::INFINITY, 1.).is_err());
    }
}
