//! YOLOv5n (Ultralytics v6.x, width 0.25, depth 0.33) on COCO-80: backbone, PANet neck and
//! Detect head (`shared/models/yolov5n/README.md`, "Layer list"), letterbox pre-processing,
//! head decoding ("Detect head decoding") and class-aware greedy NMS ("Post-processing").

use crate::error::{guard, Result, ZooError};
use crate::layers::{Bn, Conv, ConvSpec};
use crate::resize::resize_linear_u8;
use crate::weights::{resolve, Weights};
use semcom_core::Image;
use serde::Serialize;
use std::path::Path;
use tch::Tensor;

/// Weights file relative to the models directory.
pub const DEFAULT_FILE: &str = "yolov5n/yolov5n.safetensors";
/// Network input side.
pub const INPUT: usize = 640;
/// Letterbox padding value.
pub const PAD_VALUE: u8 = 114;
/// Strides of P3, P4, P5.
pub const STRIDES: [i64; 3] = [8, 16, 32];
const BN_EPS: f64 = 1e-3;

/// COCO-80 class names (index = class id).
pub const COCO_NAMES: [&str; 80] = [
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "dining table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
];

/// Conv → BN → SiLU ("Conv" block).
struct Cbs {
    conv: Conv,
    bn: Bn,
}

impl Cbs {
    fn load(w: &Weights, p: &str, cin: i64, cout: i64, k: i64, s: i64) -> Result<Self> {
        let spec = ConvSpec::new(cin, cout, k).stride(s).pad(k / 2);
        Ok(Self {
            conv: Conv::load(w, &format!("{p}.conv."), spec)?,
            bn: Bn::load(w, &format!("{p}.bn."), cout, BN_EPS)?,
        })
    }
    fn load_pad(
        w: &Weights,
        p: &str,
        cin: i64,
        cout: i64,
        k: i64,
        s: i64,
        pad: i64,
    ) -> Result<Self> {
        let spec = ConvSpec::new(cin, cout, k).stride(s).pad(pad);
        Ok(Self {
            conv: Conv::load(w, &format!("{p}.conv."), spec)?,
            bn: Bn::load(w, &format!("{p}.bn."), cout, BN_EPS)?,
        })
    }
    fn forward(&self, x: &Tensor) -> Tensor {
        self.bn.forward(&self.conv.forward(x)).silu()
    }
}

/// C3: CSP bottleneck with 3 convolutions.
struct C3 {
    cv1: Cbs,
    cv2: Cbs,
    cv3: Cbs,
    m: Vec<(Cbs, Cbs)>,
    shortcut: bool,
}

impl C3 {
    fn load(w: &Weights, p: &str, cin: i64, cout: i64, n: usize, shortcut: bool) -> Result<Self> {
        let h = cout / 2;
        let m = (0..n)
            .map(|j| {
                Ok((
                    Cbs::load(w, &format!("{p}.m.{j}.cv1"), h, h, 1, 1)?,
                    Cbs::load(w, &format!("{p}.m.{j}.cv2"), h, h, 3, 1)?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            cv1: Cbs::load(w, &format!("{p}.cv1"), cin, h, 1, 1)?,
            cv2: Cbs::load(w, &format!("{p}.cv2"), cin, h, 1, 1)?,
            cv3: Cbs::load(w, &format!("{p}.cv3"), 2 * h, cout, 1, 1)?,
            m,
            shortcut,
        })
    }
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut a = self.cv1.forward(x);
        for (c1, c2) in &self.m {
            let y = c2.forward(&c1.forward(&a));
            a = if self.shortcut { a + y } else { y };
        }
        self.cv3.forward(&Tensor::cat(&[a, self.cv2.forward(x)], 1))
    }
}

/// SPPF: three chained 5×5 max-pools.
struct Sppf {
    cv1: Cbs,
    cv2: Cbs,
}

impl Sppf {
    fn forward(&self, x: &Tensor) -> Tensor {
        let x = self.cv1.forward(x);
        let mp = |t: &Tensor| t.max_pool2d([5, 5], [1, 1], [2, 2], [1, 1], false);
        let y1 = mp(&x);
        let y2 = mp(&y1);
        let y3 = mp(&y2);
        self.cv2.forward(&Tensor::cat(&[x, y1, y2, y3], 1))
    }
}

/// The YOLOv5n network.
pub struct Yolo {
    b0: Cbs,
    b1: Cbs,
    b2: C3,
    b3: Cbs,
    b4: C3,
    b5: Cbs,
    b6: C3,
    b7: Cbs,
    b8: C3,
    b9: Sppf,
    h10: Cbs,
    h13: C3,
    h14: Cbs,
    h17: C3,
    h18: Cbs,
    h20: C3,
    h21: Cbs,
    h23: C3,
    detect: Vec<Conv>,
    /// Anchors in pixels, `[level][anchor] = (w, h)`.
    anchors: [[(f32, f32); 3]; 3],
}

impl Yolo {
    /// Loads the weights from `weights` (or `$SEMCOM_MODELS/yolov5n/yolov5n.safetensors`).
    pub fn load(weights: Option<&Path>) -> Result<Self> {
        let path = resolve(weights, DEFAULT_FILE)?;
        Self::from_weights(&Weights::load(&path)?)
    }

    /// Builds the network from validated tensors.
    pub fn from_weights(w: &Weights) -> Result<Self> {
        let m = |i: usize| format!("model.{i}");
        let sppf = Sppf {
            cv1: Cbs::load(w, "model.9.cv1", 256, 128, 1, 1)?,
            cv2: Cbs::load(w, "model.9.cv2", 512, 256, 1, 1)?,
        };
        let detect = [64, 128, 256]
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                Conv::load(
                    w,
                    &format!("model.24.m.{i}."),
                    ConvSpec::new(c, 255, 1).bias(),
                )
            })
            .collect::<Result<_>>()?;
        let a = w.get("model.24.anchors", &[3, 3, 2])?;
        let av: Vec<f32> = Vec::<f32>::try_from(a.flatten(0, -1))?;
        let mut anchors = [[(0f32, 0f32); 3]; 3];
        for (l, row) in anchors.iter_mut().enumerate() {
            for (k, an) in row.iter_mut().enumerate() {
                let s = STRIDES[l] as f32;
                *an = (av[(l * 3 + k) * 2] * s, av[(l * 3 + k) * 2 + 1] * s);
            }
        }
        Ok(Self {
            b0: Cbs::load_pad(w, &m(0), 3, 16, 6, 2, 2)?,
            b1: Cbs::load(w, &m(1), 16, 32, 3, 2)?,
            b2: C3::load(w, &m(2), 32, 32, 1, true)?,
            b3: Cbs::load(w, &m(3), 32, 64, 3, 2)?,
            b4: C3::load(w, &m(4), 64, 64, 2, true)?,
            b5: Cbs::load(w, &m(5), 64, 128, 3, 2)?,
            b6: C3::load(w, &m(6), 128, 128, 3, true)?,
            b7: Cbs::load(w, &m(7), 128, 256, 3, 2)?,
            b8: C3::load(w, &m(8), 256, 256, 1, true)?,
            b9: sppf,
            h10: Cbs::load(w, &m(10), 256, 128, 1, 1)?,
            h13: C3::load(w, &m(13), 256, 128, 1, false)?,
            h14: Cbs::load(w, &m(14), 128, 64, 1, 1)?,
            h17: C3::load(w, &m(17), 128, 64, 1, false)?,
            h18: Cbs::load(w, &m(18), 64, 64, 3, 2)?,
            h20: C3::load(w, &m(20), 128, 128, 1, false)?,
            h21: Cbs::load(w, &m(21), 128, 128, 3, 2)?,
            h23: C3::load(w, &m(23), 256, 256, 1, false)?,
            detect,
            anchors,
        })
    }

    /// Raw head outputs (pre-sigmoid), one `N×255×ny×nx` tensor per level, for an `N×3×H×W`
    /// input in `[0,1]` RGB with H, W multiples of 32.
    pub fn forward_raw(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let s = x.size();
        if s.len() != 4 || s[1] != 3 || s[2] % 32 != 0 || s[3] % 32 != 0 || s[2] < 32 || s[3] < 32 {
            return Err(ZooError::InvalidInput(format!(
                "YOLOv5 input must be N×3×H×W with H, W multiples of 32, got {s:?}"
            )));
        }
        guard("yolov5 forward", || {
            tch::no_grad(|| self.forward_unchecked(x))
        })
    }

    fn forward_unchecked(&self, x: &Tensor) -> Vec<Tensor> {
        let x = self.b2.forward(&self.b1.forward(&self.b0.forward(x)));
        let p4 = self.b4.forward(&self.b3.forward(&x));
        let p6 = self.b6.forward(&self.b5.forward(&p4));
        let x = self.b9.forward(&self.b8.forward(&self.b7.forward(&p6)));
        let p10 = self.h10.forward(&x);
        let up = |t: &Tensor| t.upsample_nearest2d_vec(None::<&[i64]>, &[2.0, 2.0][..]);
        let x = self.h13.forward(&Tensor::cat(&[up(&p10), p6], 1));
        let p14 = self.h14.forward(&x);
        let p17 = self.h17.forward(&Tensor::cat(&[up(&p14), p4], 1));
        let p20 = self
            .h20
            .forward(&Tensor::cat(&[self.h18.forward(&p17), p14], 1));
        let p23 = self
            .h23
            .forward(&Tensor::cat(&[self.h21.forward(&p20), p10], 1));
        [p17, p20, p23]
            .iter()
            .zip(&self.detect)
            .map(|(p, d)| d.forward(p))
            .collect()
    }

    /// Decoded predictions `N×rows×85` (cx, cy, w, h in input pixels, objectness, 80 class
    /// probabilities), rows ordered level, anchor, gy, gx.
    pub fn decode(&self, raw: &[Tensor]) -> Result<Tensor> {
        if raw.len() != 3 {
            return Err(ZooError::InvalidInput(format!(
                "{} head levels, expected 3",
                raw.len()
            )));
        }
        guard("yolov5 decode", || {
            let opts = (tch::Kind::Float, tch::Device::Cpu);
            let mut out = Vec::new();
            for (l, r) in raw.iter().enumerate() {
                let (n, ny, nx) = (r.size()[0], r.size()[2], r.size()[3]);
                let t = r
                    .view([n, 3, 85, ny, nx])
                    .permute([0, 1, 3, 4, 2])
                    .sigmoid();
                let s = STRIDES[l] as f64;
                let gx = Tensor::arange(nx, opts).view([1, 1, 1, nx]);
                let gy = Tensor::arange(ny, opts).view([1, 1, ny, 1]);
                let aw = Tensor::from_slice(&self.anchors[l].map(|a| a.0)).view([1, 3, 1, 1]);
                let ah = Tensor::from_slice(&self.anchors[l].map(|a| a.1)).view([1, 3, 1, 1]);
                let cx = ((t.select(4, 0) * 2.0 - 0.5) + gx) * s;
                let cy = ((t.select(4, 1) * 2.0 - 0.5) + gy) * s;
                let w = (t.select(4, 2) * 2.0).square() * aw;
                let h = (t.select(4, 3) * 2.0).square() * ah;
                let rest = t.narrow(4, 4, 81);
                let all = Tensor::cat(
                    &[
                        cx.unsqueeze(4),
                        cy.unsqueeze(4),
                        w.unsqueeze(4),
                        h.unsqueeze(4),
                        rest,
                    ],
                    4,
                );
                out.push(all.view([n, -1, 85]));
            }
            Tensor::cat(&out, 1)
        })
    }

    /// Detects objects in `img` (any size): letterbox, network, decoding, NMS, mapping back.
    pub fn detect(&self, img: &Image, opts: &DetectOptions) -> Result<Vec<Detection>> {
        let lb = letterbox(img, INPUT, opts.scaleup)?;
        let raw = self.forward_raw(&lb.tensor())?;
        let pred = self.decode(&raw)?;
        let rows = Vec::<f32>::try_from(pred.get(0).flatten(0, -1))?;
        let mut dets = postprocess(&rows, opts)?;
        for d in &mut dets {
            d.box_letterbox = d.box_xyxy;
            d.box_xyxy = lb.to_original(d.box_xyxy, img.width() as f32, img.height() as f32);
        }
        Ok(dets)
    }
}

/// Detection thresholds (Ultralytics `detect.py` defaults).
#[derive(Clone, Debug)]
pub struct DetectOptions {
    /// Objectness and score threshold (`conf_thres`).
    pub conf: f32,
    /// NMS IoU threshold (`iou_thres`).
    pub iou: f32,
    /// Maximum detections kept.
    pub max_det: usize,
    /// Allow up-scaling in the letterbox (the reference does).
    pub scaleup: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            conf: 0.25,
            iou: 0.45,
            max_det: 1000,
            scaleup: true,
        }
    }
}

/// One detection.
#[derive(Clone, Debug, Serialize)]
pub struct Detection {
    /// COCO class id.
    pub cls: usize,
    /// Class name.
    pub name: &'static str,
    /// objectness · class probability.
    pub score: f32,
    /// Box corners (x1, y1, x2, y2) in original-image pixels.
    pub box_xyxy: [f32; 4],
    /// The same box in letterbox (network input) pixels.
    pub box_letterbox: [f32; 4],
    /// Index of the prediction row (level, anchor, gy, gx order).
    pub pred_row: usize,
}

/// The 640×640 letterboxed canvas and its geometry.
#[derive(Clone, Debug)]
pub struct Letterbox {
    /// Interleaved RGB 8-bit canvas, `side×side×3`.
    pub canvas: Vec<u8>,
    /// Canvas side.
    pub side: usize,
    /// Scale factor r.
    pub gain: f64,
    /// Left padding.
    pub left: usize,
    /// Top padding.
    pub top: usize,
}

impl Letterbox {
    /// The network input `1×3×side×side`, RGB in `[0,1]`.
    pub fn tensor(&self) -> Tensor {
        let s = self.side as i64;
        Tensor::from_slice(&self.canvas)
            .view([s, s, 3])
            .permute([2, 0, 1])
            .to_kind(tch::Kind::Float)
            .unsqueeze(0)
            / 255.0
    }

    /// Maps a letterbox box back to the original image (subtract padding, divide by r, clip).
    pub fn to_original(&self, b: [f32; 4], w: f32, h: f32) -> [f32; 4] {
        let g = self.gain as f32;
        let (l, t) = (self.left as f32, self.top as f32);
        [
            ((b[0] - l) / g).clamp(0.0, w),
            ((b[1] - t) / g).clamp(0.0, h),
            ((b[2] - l) / g).clamp(0.0, w),
            ((b[3] - t) / g).clamp(0.0, h),
        ]
    }
}

/// Letterbox (README "Pre-processing"): scale by r = min(side/h, side/w) (≤ 1 unless
/// `scaleup`), OpenCV bilinear resize, pad with 114 centred (`round(d/2 ∓ 0.1)`).
pub fn letterbox(img: &Image, side: usize, scaleup: bool) -> Result<Letterbox> {
    let rgb = img.to_rgb();
    let (w, h) = (rgb.width(), rgb.height());
    let mut r = (side as f64 / h as f64).min(side as f64 / w as f64);
    if !scaleup {
        r = r.min(1.0);
    }
    let nw = ((w as f64 * r).round() as usize).clamp(1, side);
    let nh = ((h as f64 * r).round() as usize).clamp(1, side);
    let src = rgb.to_interleaved_u8();
    let resized = if (nw, nh) == (w, h) {
        src
    } else {
        resize_linear_u8(&src, w, h, 3, nw, nh)
    };
    let (dw, dh) = ((side - nw) as f64 / 2.0, (side - nh) as f64 / 2.0);
    let left = (dw - 0.1).round().max(0.0) as usize;
    let top = (dh - 0.1).round().max(0.0) as usize;
    let mut canvas = vec![PAD_VALUE; side * side * 3];
    for y in 0..nh {
        let d = ((top + y) * side + left) * 3;
        canvas[d..d + nw * 3].copy_from_slice(&resized[y * nw * 3..(y + 1) * nw * 3]);
    }
    Ok(Letterbox {
        canvas,
        side,
        gain: r,
        left,
        top,
    })
}

/// Confidence filtering, best-class selection, and class-aware greedy NMS over decoded rows
/// (`rows.len()` a multiple of 85); boxes stay in letterbox coordinates.
pub fn postprocess(rows: &[f32], opts: &DetectOptions) -> Result<Vec<Detection>> {
    if !rows.len().is_multiple_of(85) {
        return Err(ZooError::InvalidInput(format!(
            "{} values is not a multiple of 85",
            rows.len()
        )));
    }
    if !(opts.conf.is_finite() && opts.iou.is_finite()) {
        return Err(ZooError::InvalidInput("non-finite thresholds".into()));
    }
    let mut cand: Vec<Detection> = Vec::new();
    for (i, r) in rows.chunks_exact(85).enumerate() {
        let obj = r[4];
        // NaN objectness is rejected too.
        if obj.is_nan() || obj <= opts.conf {
            continue;
        }
        let (cls, p) =
            r[5..]
                .iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bc, bp), (c, &p)| {
                    if p > bp {
                        (c, p)
                    } else {
                        (bc, bp)
                    }
                });
        let score = obj * p;
        if score.is_nan() || score <= opts.conf {
            continue;
        }
        let b = [
            r[0] - r[2] / 2.0,
            r[1] - r[3] / 2.0,
            r[0] + r[2] / 2.0,
            r[1] + r[3] / 2.0,
        ];
        cand.push(Detection {
            cls,
            name: COCO_NAMES[cls],
            score,
            box_xyxy: b,
            box_letterbox: b,
            pred_row: i,
        });
    }
    cand.sort_by(|a, b| b.score.total_cmp(&a.score));
    cand.truncate(30000);
    Ok(nms(cand, opts.iou, opts.max_det))
}

/// IoU of two corner boxes.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let area = |x: &[f32; 4]| (x[2] - x[0]) * (x[3] - x[1]);
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    inter / (area(a) + area(b) - inter)
}

/// Greedy per-class NMS on score-sorted detections: drop a box whose IoU with a kept box of the
/// same class exceeds `thr`.
pub fn nms(sorted: Vec<Detection>, thr: f32, max_det: usize) -> Vec<Detection> {
    let mut keep: Vec<Detection> = Vec::new();
    for d in sorted {
        if keep.len() >= max_det {
            break;
        }
        if keep
            .iter()
            .all(|k| k.cls != d.cls || iou(&k.box_xyxy, &d.box_xyxy) <= thr)
        {
            keep.push(d);
        }
    }
    keep
}

/// Draws the boxes (2-px outlines, one colour per class) on a copy of `img`.
pub fn draw_boxes(img: &Image, dets: &[Detection]) -> Result<Image> {
    let rgb = img.to_rgb();
    let (w, h) = (rgb.width(), rgb.height());
    let mut data = rgb.into_data();
    for d in dets {
        let col = class_colour(d.cls);
        let [x1, y1, x2, y2] = d.box_xyxy.map(|v| v.round().max(0.0) as usize);
        let (x2, y2) = (x2.min(w - 1), y2.min(h - 1));
        let mut put = |x: usize, y: usize| {
            for c in 0..3 {
                data[c * w * h + y * w + x] = col[c];
            }
        };
        for t in 0..2 {
            for x in x1..=x2 {
                put(x, (y1 + t).min(h - 1));
                put(x, y2.saturating_sub(t));
            }
            for y in y1..=y2 {
                put((x1 + t).min(w - 1), y);
                put(x2.saturating_sub(t), y);
            }
        }
    }
    Ok(Image::from_planar(w, h, 3, data)?)
}

fn class_colour(cls: usize) -> [f32; 3] {
    let hue = (cls as f32 * 0.618_034) % 1.0;
    let f = |n: f32| {
        let k = (n + hue * 6.0) % 6.0;
        1.0 - (k.min(4.0 - k).clamp(0.0, 1.0))
    };
    [f(5.0), f(3.0), f(1.0)]
}
