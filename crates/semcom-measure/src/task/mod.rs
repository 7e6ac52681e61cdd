//! Task metrics of one view, computed with the pretrained networks of [`nets`] (loaded at first
//! use). Each compares the reconstruction with the view's [`References`](crate::References)
//! when they are given and otherwise with what the same network finds on the source view:
//!
//! * `miou`: ESPNet-CamVid labels of the reconstruction against the ground-truth labels, else
//!   against ESPNet's labels of the source; 12 labels with void (11) ignored as ground truth,
//!   IoU averaged over the classes present in either map (`ConfusionMatrix::miou`). The mean
//!   over views is a per-image mean, not the dataset-wide mIoU of one confusion matrix.
//! * `ap50`: YOLOv5n on the reconstruction, AP at IoU 0.5 with all-point interpolation
//!   (VOC 2010+). Given boxes: one class, the reconstruction's detections of the key classes
//!   against them. No boxes: per-class AP against YOLOv5n's detections on the source (pseudo
//!   ground truth), averaged over the classes found on the source.
//! * `keyarea-psnr`, `keyarea-ssim`: PSNR / SSIM restricted to the union of the key-area boxes
//!   (given, else YOLOv5n's boxes of the key classes on the source).
//! * `lpips`: LPIPS v0.1 (AlexNet by default) of the source and the reconstruction.
//!
//! A view without ground truth to score against (no box, all-void labels, nothing detected on
//! the source) gives `None` (undefined), not an error. Given references that do not fit the
//! view (label count, label value) are errors.

pub mod nets;

use crate::{Metric, MetricRegistry, ViewPair};
use nets::{TaskConfig, TaskError, TaskNets, TaskResult};
use semcom_core::Image;
use semcom_metrics::detection::{self as det, ApMethod, GroundTruth};
use semcom_metrics::segmentation::ConfusionMatrix;
use semcom_metrics::Region;
use std::path::Path;
use std::sync::Arc;

/// Names of the task metrics, in registration order.
pub const TASK_METRICS: [&str; 5] = ["miou", "ap50", "keyarea-psnr", "keyarea-ssim", "lpips"];

/// Labels of ESPNet-CamVid (11 classes + void).
const CAMVID_LABELS: usize = 12;
/// The CamVid void label, ignored where it is the ground truth.
const CAMVID_VOID: usize = 11;
/// IoU threshold of `ap50`.
const AP_IOU: f64 = 0.5;

type Compute = fn(&TaskNets, &ViewPair<'_>) -> TaskResult<Option<f64>>;

/// A task metric: one function of the shared networks and the view.
struct TaskMetric {
    name: &'static str,
    description: &'static str,
    nets: Arc<TaskNets>,
    f: Compute,
}

impl Metric for TaskMetric {
    fn name(&self) -> &'static str {
        self.name
    }
    fn description(&self) -> &'static str {
        self.description
    }
    fn view(&self, v: &ViewPair<'_>) -> Result<Option<f64>, String> {
        (self.f)(&self.nets, v).map_err(|e| e.to_string())
    }
}

/// The task metrics ([`TASK_METRICS`]) sharing `nets`.
pub fn all(nets: &Arc<TaskNets>) -> Vec<Box<dyn Metric>> {
    let m = |name, description, f: Compute| -> Box<dyn Metric> {
        Box::new(TaskMetric {
            name,
            description,
            nets: nets.clone(),
            f,
        })
    };
    vec![
        m(
            "miou",
            "mIoU of ESPNet-CamVid on the reconstruction vs the labels (else vs ESPNet on the source), void ignored",
            miou,
        ),
        m(
            "ap50",
            "AP@0.5 (all-point) of YOLOv5n on the reconstruction vs the boxes (else vs YOLOv5n on the source)",
            ap50,
        ),
        m(
            "keyarea-psnr",
            "PSNR inside the key-area boxes (else YOLOv5n key-class boxes on the source, default car/bus/train/truck), dB",
            |n, v| keyarea(n, v, semcom_metrics::psnr_masked),
        ),
        m(
            "keyarea-ssim",
            "SSIM inside the key-area boxes (else YOLOv5n key-class boxes on the source, default car/bus/train/truck)",
            |n, v| keyarea(n, v, semcom_metrics::ssim_masked),
        ),
        m(
            "lpips",
            "LPIPS v0.1 (Zhang et al. 2018), AlexNet backbone by default (user-supplied ImageNet weights)",
            lpips,
        ),
    ]
}

impl MetricRegistry {
    /// The image metrics and the task metrics with the networks of `models_dir` (`None`:
    /// `$SEMCOM_MODELS`, else `../shared/models`). Nothing is loaded until a task metric is
    /// used; a missing weights file is an error of that first use.
    pub fn with_task_metrics(models_dir: Option<&Path>) -> Self {
        let mut r = Self::images();
        r.add_task_metrics(TaskConfig::new(models_dir));
        r
    }

    /// Adds (or replaces) the task metrics with the networks of `cfg`; the returned handle
    /// tells which networks have been loaded and gives the key areas of a view.
    pub fn add_task_metrics(&mut self, cfg: TaskConfig) -> Arc<TaskNets> {
        let nets = Arc::new(TaskNets::new(cfg));
        for m in all(&nets) {
            self.add(m);
        }
        nets
    }
}

fn miou(nets: &TaskNets, v: &ViewPair<'_>) -> TaskResult<Option<f64>> {
    let pixels = v.src.pixels();
    let source_labels;
    let truth: &[u8] = match v.labels {
        Some(l) => {
            if l.len() != pixels {
                return Err(TaskError::Reference(format!(
                    "{} ground-truth labels for {pixels} pixels",
                    l.len()
                )));
            }
            l
        }
        None => {
            source_labels = nets.segment_source(v.src)?;
            &source_labels
        }
    };
    let pred = nets.segment(v.rec)?;
    let mut cm = ConfusionMatrix::new(CAMVID_LABELS, Some(CAMVID_VOID))?;
    cm.add(truth, &pred)
        .map_err(|e| TaskError::Reference(format!("ground-truth labels: {e}")))?;
    Ok(cm.miou().ok())
}

fn metric_box(b: [f64; 4]) -> TaskResult<det::Box> {
    Ok(det::Box::new(b[0], b[1], b[2], b[3])?)
}

fn as_detection(d: &semcom_zoo::yolo::Detection, class: u32) -> TaskResult<det::Detection> {
    Ok(det::Detection {
        image: 0,
        class,
        score: f64::from(d.score),
        bbox: metric_box(d.box_xyxy.map(f64::from))?,
    })
}

fn ap50(nets: &TaskNets, v: &ViewPair<'_>) -> TaskResult<Option<f64>> {
    let on_rec = nets.detect(v.rec)?;
    match v.boxes {
        Some(boxes) => {
            if boxes.is_empty() {
                return Ok(None);
            }
            let keys = &nets.config().key_classes;
            let dets = on_rec
                .iter()
                .filter(|d| keys.contains(&d.cls))
                .map(|d| as_detection(d, 0))
                .collect::<Result<Vec<_>, _>>()?;
            let gts = boxes
                .iter()
                .map(|r| {
                    let b = [r.x0, r.y0, r.x1, r.y1].map(|x| x as f64);
                    Ok(GroundTruth {
                        image: 0,
                        class: 0,
                        bbox: metric_box(b)?,
                    })
                })
                .collect::<TaskResult<Vec<_>>>()?;
            det::average_precision(&dets, &gts, AP_IOU, ApMethod::AllPoint)
                .map(Some)
                .map_err(TaskError::from)
        }
        None => {
            let on_src = nets.detect_source(v.src)?;
            if on_src.is_empty() {
                return Ok(None);
            }
            let conv = |ds: &[semcom_zoo::yolo::Detection]| {
                ds.iter()
                    .map(|d| as_detection(d, d.cls as u32))
                    .collect::<Result<Vec<_>, _>>()
            };
            let (dets, pseudo) = (conv(&on_rec)?, conv(&on_src)?);
            det::retention_ap(&dets, &pseudo, 0.0, AP_IOU, ApMethod::AllPoint)
                .map(|r| Some(r.mean))
                .map_err(TaskError::from)
        }
    }
}

/// A masked image metric (`psnr_masked`, `ssim_masked`).
type Masked = fn(&Image, &Image, f64, &Region) -> semcom_metrics::Result<f64>;

/// `f` restricted to the key areas of the view; `None` without a box.
fn keyarea(nets: &TaskNets, v: &ViewPair<'_>, f: Masked) -> TaskResult<Option<f64>> {
    let boxes = match v.boxes {
        Some(b) => b.to_vec(),
        None => nets.key_areas(v.src)?,
    };
    if boxes.is_empty() {
        return Ok(None);
    }
    Ok(Some(f(v.src, v.rec, 1.0, &Region::boxes(boxes))?))
}

fn lpips(nets: &TaskNets, v: &ViewPair<'_>) -> TaskResult<Option<f64>> {
    nets.lpips(v.src, v.rec).map(Some)
}
