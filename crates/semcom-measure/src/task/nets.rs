//! The pretrained networks behind the task metrics of one registry: ESPNet-CamVid, YOLOv5n and
//! LPIPS, each loaded at its first use (once, also under concurrent use) and kept behind a
//! mutex (a LibTorch tensor is `Send` but not `Sync`). A registry that only lists names or
//! measures image metrics never loads LibTorch weights.
//!
//! What the networks find on a *source* view (segmentation, detections) is memoised by the
//! view's 8-bit samples, so scoring many reconstructions of one source (a sweep over SNR, or
//! `miou`, `ap50` and the key-area metrics of one view) runs the networks on it once.

use semcom_core::Image;
use semcom_metrics::Rect;
use semcom_zoo::espnet::{Espnet, EspnetModel};
use semcom_zoo::lpips::{Backbone, Lpips};
use semcom_zoo::yolo::{self, DetectOptions, Detection, Yolo};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Errors of the task networks (cloneable: a failed load is kept and reported at every use).
#[derive(Clone, Debug, thiserror::Error)]
pub enum TaskError {
    /// A weights file is not where the models directory says.
    #[error("missing weights file {path}: {how}")]
    MissingWeights {
        /// The file looked for.
        path: String,
        /// How to provide it.
        how: String,
    },
    /// A network failed to load or to run (bad weights file, too small image, LibTorch).
    #[error("{net}: {msg}")]
    Network {
        /// `espnet`, `yolov5n` or `lpips`.
        net: &'static str,
        /// What went wrong.
        msg: String,
    },
    /// References that do not fit the view (label count or value, boxes outside the image).
    #[error("{0}")]
    Reference(String),
    /// A metric of `semcom-metrics` failed (empty region, invalid box).
    #[error("{0}")]
    Metric(String),
}

impl From<semcom_metrics::MetricsError> for TaskError {
    fn from(e: semcom_metrics::MetricsError) -> Self {
        TaskError::Metric(e.to_string())
    }
}

/// Result of the task networks and metrics.
pub type TaskResult<T> = Result<T, TaskError>;

fn network(net: &'static str) -> impl Fn(semcom_zoo::ZooError) -> TaskError {
    move |e| TaskError::Network {
        net,
        msg: e.to_string(),
    }
}

/// COCO ids of the stereo paper's key-area classes: car, bus, train, truck.
pub const KEY_CLASSES: [usize; 4] = [2, 5, 6, 7];

/// Source views whose network outputs are memoised (per kind of output).
const MEMO_VIEWS: usize = 16;

/// Where the task networks come from and how they are run.
#[derive(Clone, Debug)]
pub struct TaskConfig {
    /// Models directory (layout of `shared/models`); `None`: `$SEMCOM_MODELS`, else
    /// `../shared/models` ([`semcom_zoo::weights::models_dir`]).
    pub models_dir: Option<PathBuf>,
    /// COCO class ids whose YOLOv5n boxes are key areas ([`KEY_CLASSES`] by default).
    pub key_classes: Vec<usize>,
    /// YOLOv5n thresholds, for the source and the reconstruction alike (Ultralytics
    /// `detect.py` defaults: confidence 0.25, NMS IoU 0.45).
    pub detect: DetectOptions,
    /// LPIPS backbone (AlexNet by default, the LPIPS authors' recommended variant).
    pub lpips: Backbone,
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self {
            models_dir: None,
            key_classes: KEY_CLASSES.to_vec(),
            detect: DetectOptions::default(),
            lpips: Backbone::Alex,
        }
    }
}

impl TaskConfig {
    /// The defaults with the models directory `models_dir` (`None`: `$SEMCOM_MODELS`, else
    /// `../shared/models`).
    pub fn new(models_dir: Option<&Path>) -> Self {
        Self {
            models_dir: models_dir.map(Path::to_path_buf),
            ..Self::default()
        }
    }

    /// The models directory in use.
    pub fn models_dir(&self) -> PathBuf {
        self.models_dir
            .clone()
            .unwrap_or_else(semcom_zoo::weights::models_dir)
    }

    /// The path of the weights file `relative` (to the models directory); a missing file is an
    /// error naming it and saying how to provide it.
    pub fn weights(&self, relative: &str, note: &str) -> TaskResult<PathBuf> {
        let p = self.models_dir().join(relative);
        if p.is_file() {
            return Ok(p);
        }
        let how = match &self.models_dir {
            Some(d) => format!("put {relative} into the models directory {}", d.display()),
            None => format!(
                "set {} (or the models directory option) to the folder holding {relative}",
                semcom_zoo::weights::MODELS_ENV
            ),
        };
        Err(TaskError::MissingWeights {
            path: p.display().to_string(),
            how: format!("{how}{note}"),
        })
    }
}

/// A network loaded at its first use; a failed load is kept and reported at every use.
struct Lazy<T>(OnceLock<TaskResult<Mutex<T>>>);

impl<T: Send> Lazy<T> {
    fn new() -> Self {
        Self(OnceLock::new())
    }

    fn with<R>(
        &self,
        load: impl FnOnce() -> TaskResult<T>,
        f: impl FnOnce(&T) -> TaskResult<R>,
    ) -> TaskResult<R> {
        let net = self
            .0
            .get_or_init(|| load().map(Mutex::new))
            .as_ref()
            .map_err(Clone::clone)?;
        // The network is never mutated, so a panic elsewhere cannot leave it inconsistent.
        let guard = net.lock().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    fn loaded(&self) -> bool {
        matches!(self.0.get(), Some(Ok(_)))
    }
}

/// A bounded memo of per-view results keyed by the view's exact 8-bit samples.
struct Memo<V>(Mutex<VecDeque<(Key, Arc<V>)>>);

#[derive(PartialEq)]
struct Key {
    dims: (usize, usize, usize),
    bytes: Vec<u8>,
}

impl Key {
    fn of(img: &Image) -> Self {
        Self {
            dims: (img.width(), img.height(), img.channels()),
            bytes: img.to_interleaved_u8(),
        }
    }
}

impl<V> Memo<V> {
    fn new() -> Self {
        Self(Mutex::new(VecDeque::new()))
    }

    fn get_or(&self, img: &Image, compute: impl FnOnce() -> TaskResult<V>) -> TaskResult<Arc<V>> {
        let key = Key::of(img);
        let lock = || self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, v)) = lock().iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        // Computed without holding the lock; a concurrent duplicate only costs time.
        let v = Arc::new(compute()?);
        let mut m = lock();
        if m.len() == MEMO_VIEWS {
            m.pop_front();
        }
        m.push_back((key, v.clone()));
        Ok(v)
    }
}

/// The task networks of one registry, shared by its task metrics.
pub struct TaskNets {
    cfg: TaskConfig,
    espnet: Lazy<Espnet>,
    yolo: Lazy<Yolo>,
    lpips: Lazy<Lpips>,
    source_labels: Memo<Vec<u8>>,
    source_detections: Memo<Vec<Detection>>,
}

impl TaskNets {
    /// Networks of `cfg`, none loaded yet.
    pub fn new(cfg: TaskConfig) -> Self {
        Self {
            cfg,
            espnet: Lazy::new(),
            yolo: Lazy::new(),
            lpips: Lazy::new(),
            source_labels: Memo::new(),
            source_detections: Memo::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TaskConfig {
        &self.cfg
    }

    /// Names of the networks loaded so far (`espnet`, `yolov5n`, `lpips`).
    pub fn loaded(&self) -> Vec<&'static str> {
        [
            ("espnet", self.espnet.loaded()),
            ("yolov5n", self.yolo.loaded()),
            ("lpips", self.lpips.loaded()),
        ]
        .into_iter()
        .filter_map(|(n, l)| l.then_some(n))
        .collect()
    }

    /// ESPNet-CamVid argmax labels of `img` (row-major, 0..=11, 11 = void).
    pub fn segment(&self, img: &Image) -> TaskResult<Vec<u8>> {
        let model = EspnetModel::Camvid;
        self.espnet.with(
            || {
                let p = self.cfg.weights(model.default_file(), "")?;
                Espnet::load(model, Some(&p)).map_err(network("espnet"))
            },
            |net| net.segment(img).map_err(network("espnet")),
        )
    }

    /// [`TaskNets::segment`] of a source view, memoised.
    pub fn segment_source(&self, img: &Image) -> TaskResult<Arc<Vec<u8>>> {
        self.source_labels.get_or(img, || self.segment(img))
    }

    /// YOLOv5n detections on `img` (boxes in its pixels) with the configured thresholds.
    pub fn detect(&self, img: &Image) -> TaskResult<Vec<Detection>> {
        self.yolo.with(
            || {
                let p = self.cfg.weights(yolo::DEFAULT_FILE, "")?;
                Yolo::load(Some(&p)).map_err(network("yolov5n"))
            },
            |net| {
                net.detect(img, &self.cfg.detect)
                    .map_err(network("yolov5n"))
            },
        )
    }

    /// [`TaskNets::detect`] of a source view, memoised.
    pub fn detect_source(&self, img: &Image) -> TaskResult<Arc<Vec<Detection>>> {
        self.source_detections.get_or(img, || self.detect(img))
    }

    /// The key areas YOLOv5n finds on a source view: boxes of the key classes, widened to whole
    /// pixels (floor/ceil) and clipped to the image; boxes empty after clipping are dropped.
    pub fn key_areas(&self, img: &Image) -> TaskResult<Vec<Rect>> {
        let dets = self.detect_source(img)?;
        Ok(key_rects(
            &dets,
            &self.cfg.key_classes,
            img.width(),
            img.height(),
        ))
    }

    /// LPIPS distance of two images of one size.
    pub fn lpips(&self, a: &Image, b: &Image) -> TaskResult<f64> {
        let bb = self.cfg.lpips;
        self.lpips.with(
            || {
                let note = " (the ImageNet backbone is not shipped; docs/zoo.md, \"LPIPS\", \
                            shows how to convert torchvision's weights)";
                let bp = self.cfg.weights(bb.backbone_file(), note)?;
                let hp = self.cfg.weights(bb.heads_file(), "")?;
                Lpips::load(bb, Some(&bp), Some(&hp)).map_err(network("lpips"))
            },
            |net| net.distance(a, b).map_err(network("lpips")),
        )
    }
}

/// Boxes of the classes `classes` as whole-pixel rectangles inside a `w × h` image.
pub fn key_rects(dets: &[Detection], classes: &[usize], w: usize, h: usize) -> Vec<Rect> {
    let px = |v: f32, hi: usize, up: bool| {
        let v = if up { v.ceil() } else { v.floor() };
        (v.max(0.0) as usize).min(hi)
    };
    dets.iter()
        .filter(|d| classes.contains(&d.cls))
        .filter_map(|d| {
            let [x0, y0, x1, y1] = d.box_xyxy;
            Rect::new(
                px(x0, w, false),
                px(y0, h, false),
                px(x1, w, true),
                px(y1, h, true),
            )
            .ok()
        })
        .collect()
}
