//! The MLSC-image network (Zhang et al., §III, Figs. 2–3) on one tile of at most
//! [`MlscConfig::tile`] pixels, H and W multiples of t = 8.
//!
//! ```text
//! I ─┬──────────────────────────────────────── Encoder Module i = 3…l (m = 2i−3) ─► c_{i+1}
//!    ├─ Concat part f = [I, s] ─────────────── Encoder Module (m = 3) ───────────► c3
//! s ─┴──────────────────────────────────────── Encoder Module (m = 3) ───────────► c2
//! p ── fully connected + reshape (crop to the tile) ─────────────────────────────► c1
//!   concatenation (channels-last, 2(3l+1) reals per position) ─► power-normalization layer ─► x
//! y ─► reshape layer ─► q1 (2 reals) … q_{i+1} (6 reals) ─► Decoder Module i (m = 3 for
//!      i = 1…3, 2i−5 for i ≥ 4) ─► d_i (2h/t × 2w/t × 3) ─► concatenation v ─►
//!      Multi-features fusion module (×t/2, sigmoid) ─► Î
//! ```
//! The normalization (÷255) and denormalization (×255) layers are the samples' [0, 1] range of
//! [`semcom_core::Image`]. BN follows every convolution except the fusion module's output
//! layer; [`Mlsc::encode`] and [`Mlsc::decode`] run BN in eval mode (running statistics).

use super::{MlscError, Variant};
use semcom_nn::blocks::{power_normalize, Prelu};
use semcom_nn::channel::ChannelSpec;
use semcom_nn::checkpoint;
use semcom_nn::tch::nn::{self, Module, ModuleT};
use semcom_nn::tch::{Device, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Down-sampling factor t of the Encoder Modules (three stride-2 convolutions).
pub const T: i64 = 8;
/// Dimension D of the text features p (hashed bag of words).
pub const TEXT_DIM: i64 = 128;
/// Tile side T (pixels) the scheme codes images in; CamVid 480×360 is 4×3 tiles.
pub const TILE: i64 = 120;
/// Widths of the three stride-2 convolutions of an Encoder Module (our choice; Fig. 3 gives
/// none in the text). Decoder Modules use them in reverse.
pub const WIDTHS: [i64; 3] = [16, 32, 32];
/// Largest l accepted (15×15 kernels at l = 9).
pub const MAX_L: i64 = 9;

/// Architecture of one MLSC-image model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlscConfig {
    /// Levels l (2…[`MAX_L`]): l + 1 branches c1…c_{l+1}.
    pub l: i64,
    /// Down-sampling factor t (8).
    pub t: i64,
    /// Largest tile side (pixels, a multiple of t); the fully connected layer of p emits a
    /// (tile/t)² grid, cropped to smaller tiles.
    pub tile: i64,
    /// Dimension D of p.
    pub text_dim: i64,
    /// Which semantic inputs are used (the others are zero in training and test).
    pub variant: Variant,
}

impl MlscConfig {
    /// The configuration of the issue: t = 8, tiles of 120, D = 128.
    pub fn new(l: i64, variant: Variant) -> Self {
        Self {
            l,
            t: T,
            tile: TILE,
            text_dim: TEXT_DIM,
            variant,
        }
    }

    /// Complex uses per t×t block: 3l + 1.
    pub fn uses_per_block(&self) -> i64 {
        3 * self.l + 1
    }

    /// k/n = (3l+1)/(3t²) = (3l+1)/192 for t = 8.
    pub fn k_over_n(&self) -> f64 {
        self.uses_per_block() as f64 / (3 * self.t * self.t) as f64
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), MlscError> {
        let bad = |m: String| Err(MlscError::Config(m));
        if !(2..=MAX_L).contains(&self.l) {
            return bad(format!("l = {} outside 2…{MAX_L}", self.l));
        }
        if self.t != T {
            return bad(format!(
                "t = {} (the Encoder Modules down-sample by {T})",
                self.t
            ));
        }
        if self.tile < T || self.tile % T != 0 || self.tile > 1024 {
            return bad(format!(
                "tile {} is not a multiple of {T} in {T}…1024",
                self.tile
            ));
        }
        if !(1..=4096).contains(&self.text_dim) {
            return bad(format!("text dimension {} outside 1…4096", self.text_dim));
        }
        Ok(())
    }

    /// Kernel size m of the Encoder Module producing branch c_b, b = 2…l+1: 3 for c2 (on s)
    /// and c3 (on f); 2i − 3 for Encoder Module i = b − 1 = 3…l (on I).
    pub fn encoder_kernel(branch: i64) -> i64 {
        if branch <= 3 {
            3
        } else {
            2 * (branch - 1) - 3
        }
    }

    /// Kernel size m of Decoder Module i = 1…l+1: 3 for i ≤ 3, 2i − 5 above.
    pub fn decoder_kernel(i: i64) -> i64 {
        if i <= 3 {
            3
        } else {
            2 * i - 5
        }
    }
}

/// What follows a convolution and its BN.
#[derive(Debug)]
enum Act {
    Linear,
    Prelu(Prelu),
    Sigmoid,
}

/// A convolution (plain or transposed, padding m/2 so stride s scales by exactly s), BN
/// (none on the fusion output layer) and an activation.
#[derive(Debug)]
struct ConvBn {
    plain: Option<nn::Conv2D>,
    transposed: Option<nn::ConvTranspose2D>,
    bn: Option<nn::BatchNorm>,
    act: Act,
}

#[derive(Clone, Copy)]
struct Spec {
    cin: i64,
    cout: i64,
    m: i64,
    stride: i64,
    transposed: bool,
    bn: bool,
    act: u8, // 0 linear, 1 PReLU, 2 sigmoid
}

impl ConvBn {
    fn new(p: &nn::Path, s: Spec) -> Self {
        let pad = s.m / 2;
        let (plain, transposed) = if s.transposed {
            let cfg = nn::ConvTransposeConfig {
                stride: s.stride,
                padding: pad,
                output_padding: s.stride - 1,
                ..Default::default()
            };
            let c = nn::conv_transpose2d(p / "conv", s.cin, s.cout, s.m, cfg);
            (None, Some(c))
        } else {
            let cfg = nn::ConvConfig {
                stride: s.stride,
                padding: pad,
                ..Default::default()
            };
            (Some(nn::conv2d(p / "conv", s.cin, s.cout, s.m, cfg)), None)
        };
        let bn =
            s.bn.then(|| nn::batch_norm2d(p / "bn", s.cout, Default::default()));
        let act = match s.act {
            1 => Act::Prelu(Prelu::new(p / "act", s.cout)),
            2 => Act::Sigmoid,
            _ => Act::Linear,
        };
        Self {
            plain,
            transposed,
            bn,
            act,
        }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = match (&self.plain, &self.transposed) {
            (Some(c), _) => c.forward(x),
            (_, Some(c)) => c.forward(x),
            _ => unreachable!("a ConvBn has one convolution"),
        };
        let y = match &self.bn {
            Some(bn) => bn.forward_t(&y, train),
            None => y,
        };
        match &self.act {
            Act::Linear => y,
            Act::Prelu(a) => a.forward(&y),
            Act::Sigmoid => y.sigmoid(),
        }
    }
}

/// A sequence of [`ConvBn`] layers named `<p>.0`, `<p>.1`, ….
#[derive(Debug)]
struct Stack(Vec<ConvBn>);

impl Stack {
    fn new(p: &nn::Path, specs: &[Spec]) -> Self {
        Self(
            specs
                .iter()
                .enumerate()
                .map(|(i, s)| ConvBn::new(&(p / i), *s))
                .collect(),
        )
    }
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.0
            .iter()
            .fold(x.shallow_clone(), |h, l| l.forward_t(&h, train))
    }
}

/// Encoder Module (Fig. 3; widths our choice): three stride-2 m×m convolutions 16-32-32 with
/// BN + PReLU, then a 1×1 projection to `cout` reals per position with BN.
fn encoder_module(p: &nn::Path, cin: i64, cout: i64, m: i64) -> Stack {
    let [a, b, c] = WIDTHS;
    let s = |cin, cout, m, stride, act| Spec {
        cin,
        cout,
        m,
        stride,
        transposed: false,
        bn: true,
        act,
    };
    Stack::new(
        p,
        &[
            s(cin, a, m, 2, 1),
            s(a, b, m, 2, 1),
            s(b, c, m, 2, 1),
            s(c, cout, 1, 1, 0),
        ],
    )
}

/// Decoder Module (Fig. 3; widths our choice): m×m transposed convolutions 32-32-16 (strides
/// 1, 1, 2) with BN + PReLU, then a 1×1 convolution to the 3 channels of d_i (BN + PReLU).
fn decoder_module(p: &nn::Path, cin: i64, m: i64) -> Stack {
    let [a, b, c] = WIDTHS;
    let s = |cin, cout, m, stride, transposed| Spec {
        cin,
        cout,
        m,
        stride,
        transposed,
        bn: true,
        act: 1,
    };
    Stack::new(
        p,
        &[
            s(cin, c, m, 1, true),
            s(c, b, m, 1, true),
            s(b, a, m, 2, true),
            s(a, 3, 1, 1, false),
        ],
    )
}

/// Multi-features fusion module (Fig. 3; widths our choice): transposed convolutions 3×3/1
/// → 32, 5×5/2 → 16 (BN + PReLU) and 5×5/2 → 3 with sigmoid: ×t/2 = ×4 up to h×w.
fn fusion_module(p: &nn::Path, cin: i64) -> Stack {
    let s = |cin, cout, m, stride, bn, act| Spec {
        cin,
        cout,
        m,
        stride,
        transposed: true,
        bn,
        act,
    };
    Stack::new(
        p,
        &[
            s(cin, 32, 3, 1, true, 1),
            s(32, 16, 5, 2, true, 1),
            s(16, 3, 5, 2, false, 2),
        ],
    )
}

/// The MLSC-image network: variables and blocks.
pub struct Mlsc {
    /// Variables (`semantic_fc.*`, `enc_seg.*`, `enc_concat.*`, `enc_img{i}.*`, `dec{i}.*`,
    /// `fusion.*`; BN running statistics included).
    pub vs: nn::VarStore,
    /// Architecture.
    pub cfg: MlscConfig,
    semantic_fc: nn::Linear,
    /// c2 (on s), c3 (on f), c_{i+1} (on I, i = 3…l), in branch order.
    encoders: Vec<Stack>,
    /// Decoder Modules 1…l+1.
    decoders: Vec<Stack>,
    fusion: Stack,
}

impl std::fmt::Debug for Mlsc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mlsc({:?})", self.cfg)
    }
}

impl Mlsc {
    /// A freshly initialised model on `device` (initialisation from LibTorch's generator:
    /// `tch::manual_seed` first for a reproducible one).
    pub fn new(cfg: &MlscConfig, device: Device) -> Result<Self, MlscError> {
        cfg.validate()?;
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let g = cfg.tile / cfg.t;
        let semantic_fc = nn::linear(
            &root / "semantic_fc",
            cfg.text_dim,
            2 * g * g,
            Default::default(),
        );
        let mut encoders = vec![
            encoder_module(&(&root / "enc_seg"), 3, 6, 3),
            encoder_module(&(&root / "enc_concat"), 6, 6, 3),
        ];
        for i in 3..=cfg.l {
            let m = MlscConfig::encoder_kernel(i + 1);
            encoders.push(encoder_module(&(&root / format!("enc_img{i}")), 3, 6, m));
        }
        let decoders = (1..=cfg.l + 1)
            .map(|i| {
                let cin = if i == 1 { 2 } else { 6 };
                decoder_module(
                    &(&root / format!("dec{i}")),
                    cin,
                    MlscConfig::decoder_kernel(i),
                )
            })
            .collect();
        let fusion = fusion_module(&(&root / "fusion"), 3 * (cfg.l + 1));
        Ok(Self {
            vs,
            cfg: cfg.clone(),
            semantic_fc,
            encoders,
            decoders,
            fusion,
        })
    }

    /// Checks a tile batch `[B, C, H, W]`: H, W multiples of t, at most the tile size.
    fn check(&self, x: &Tensor, c: i64, what: &str) -> Result<(i64, i64, i64), MlscError> {
        let s = x.size();
        let (t, tile) = (self.cfg.t, self.cfg.tile);
        if s.len() != 4 || s[1] != c || s[2] % t != 0 || s[3] % t != 0 || s[2] < t || s[3] < t {
            return Err(MlscError::Input(format!(
                "{what} must be [B, {c}, H, W] with H, W positive multiples of {t}, got {s:?}"
            )));
        }
        if s[2] > tile || s[3] > tile {
            return Err(MlscError::Input(format!(
                "{what} {}x{} exceeds the tile {tile}x{tile}",
                s[3], s[2]
            )));
        }
        Ok((s[0], s[2], s[3]))
    }

    /// Multi-level semantic feature extractor + joint semantic-channel encoder +
    /// power-normalization layer: image `x` and colour map `s` (`[B, 3, H, W]` in [0, 1]),
    /// text features `p` (`[B, D]`) → `[B, 2k]` reals, k = (H/t)(W/t)(3l+1), unit power per
    /// complex use and item. Reals are channels-last: position (y, x) holds complex elements
    /// 1…3l+1 of the paper's reshaped symbols, (re, im) consecutive. `train` selects BN mode.
    pub fn encode_t(
        &self,
        x: &Tensor,
        s: &Tensor,
        p: &Tensor,
        train: bool,
    ) -> Result<Tensor, MlscError> {
        let (b, h, w) = self.check(x, 3, "image")?;
        if s.size() != x.size() {
            return Err(MlscError::Input(format!(
                "colour map {:?} vs image {:?}",
                s.size(),
                x.size()
            )));
        }
        if p.size() != [b, self.cfg.text_dim] {
            return Err(MlscError::Input(format!(
                "text features {:?}, expected [{b}, {}]",
                p.size(),
                self.cfg.text_dim
            )));
        }
        let v = self.cfg.variant;
        let s = if v.uses_seg() {
            s.shallow_clone()
        } else {
            s.zeros_like()
        };
        let p = if v.uses_text() {
            p.shallow_clone()
        } else {
            p.zeros_like()
        };
        let g = self.cfg.tile / self.cfg.t;
        let (gh, gw) = (h / self.cfg.t, w / self.cfg.t);
        semcom_nn::error::catch_torch(|| {
            // Semantic feature branch: fully connected + reshape layer → c1 (cropped).
            let c1 = self
                .semantic_fc
                .forward(&p)
                .view([b, 2, g, g])
                .narrow(2, 0, gh)
                .narrow(3, 0, gw);
            // Low-level feature module: Concat part f = [I, s].
            let f = Tensor::cat(&[x, &s], 1);
            let mut c = vec![c1];
            for (j, e) in self.encoders.iter().enumerate() {
                let input = match j {
                    0 => &s,
                    1 => &f,
                    _ => x,
                };
                c.push(e.forward_t(input, train));
            }
            // Concatenation layer, channels-last, then the power-normalization layer.
            let n = Tensor::cat(&c, 1).permute([0, 2, 3, 1]).contiguous();
            power_normalize(&n)
        })
        .map_err(MlscError::from)
    }

    /// [`Self::encode_t`] in eval mode without gradients.
    pub fn encode(&self, x: &Tensor, s: &Tensor, p: &Tensor) -> Result<Tensor, MlscError> {
        semcom_nn::tch::no_grad(|| self.encode_t(x, s, p, false))
    }

    /// Reshape layer: received reals `[B, 2k]` of an `h`×`w` tile → q1 `[B, 2, h/t, w/t]`
    /// (complex element 1) and q_{i+1} `[B, 6, h/t, w/t]` (complex elements 3i−1…3i+1),
    /// i = 1…l.
    pub fn split_q(&self, y: &Tensor, h: i64, w: i64) -> Result<Vec<Tensor>, MlscError> {
        let t = self.cfg.t;
        let per = 2 * self.cfg.uses_per_block();
        let s = y.size();
        let ok_hw = h % t == 0 && w % t == 0 && h >= t && w >= t;
        if s.len() != 2 || !ok_hw || s[1] != per * (h / t) * (w / t) {
            return Err(MlscError::Input(format!(
                "received {s:?} for a {w}x{h} tile ({per} reals per {t}x{t} block)"
            )));
        }
        let q = y.view([s[0], h / t, w / t, per]).permute([0, 3, 1, 2]);
        let mut out = vec![q.narrow(1, 0, 2)];
        for i in 1..=self.cfg.l {
            out.push(q.narrow(1, 2 + 6 * (i - 1), 6));
        }
        Ok(out)
    }

    /// Joint semantic-channel decoder + image reconstruction module: received reals
    /// `[B, 2k]` → `[B, 3, h, w]` in (0, 1). `train` selects BN mode.
    pub fn decode_t(&self, y: &Tensor, h: i64, w: i64, train: bool) -> Result<Tensor, MlscError> {
        let q = self.split_q(y, h, w)?;
        semcom_nn::error::catch_torch(|| {
            let d: Vec<Tensor> = q
                .iter()
                .zip(&self.decoders)
                .map(|(q, m)| m.forward_t(&q.contiguous(), train))
                .collect();
            self.fusion.forward_t(&Tensor::cat(&d, 1), train)
        })
        .map_err(MlscError::from)
    }

    /// [`Self::decode_t`] in eval mode without gradients.
    pub fn decode(&self, y: &Tensor, h: i64, w: i64) -> Result<Tensor, MlscError> {
        semcom_nn::tch::no_grad(|| self.decode_t(y, h, w, false))
    }

    /// Encoder → differentiable channel → decoder (BN in training mode): the training
    /// forward pass of Eq. (1)–(3); the loss is the MSE of Eq. (4).
    pub fn forward_train(
        &self,
        x: &Tensor,
        s: &Tensor,
        p: &Tensor,
        channel: &ChannelSpec,
    ) -> Result<Tensor, MlscError> {
        let z = self.encode_t(x, s, p, true)?;
        let sz = x.size();
        self.decode_t(&channel.forward(&z), sz[2], sz[3], true)
    }

    /// Saves weights (BN running statistics included) with the architecture and metadata
    /// `model = mlsc`, `config`, `l`, `t`, `variant`, `k_over_n` plus `extra` (e.g. `text`,
    /// `train_snr_db`), atomically.
    pub fn save(&self, path: &Path, extra: BTreeMap<String, String>) -> Result<(), MlscError> {
        let mut meta = extra;
        meta.insert("model".into(), "mlsc".into());
        meta.insert(
            "config".into(),
            serde_json::to_string(&self.cfg).map_err(|e| MlscError::Config(e.to_string()))?,
        );
        meta.insert("l".into(), self.cfg.l.to_string());
        meta.insert("t".into(), self.cfg.t.to_string());
        meta.insert("variant".into(), self.cfg.variant.name().into());
        meta.insert("k_over_n".into(), format!("{}", self.cfg.k_over_n()));
        checkpoint::save_weights(&self.vs, path, meta).map_err(MlscError::from)
    }

    /// Loads a model saved by [`Self::save`]: the architecture from the metadata, every tensor
    /// checked for name and shape (a mismatch or a corrupt file is [`MlscError::Weights`]) and
    /// finiteness ([`MlscError::NonFinite`]). Returns the model and the file's metadata.
    pub fn load(
        path: &Path,
        device: Device,
    ) -> Result<(Self, BTreeMap<String, String>), MlscError> {
        let werr = |m: String| MlscError::Weights {
            path: path.display().to_string(),
            msg: m,
        };
        let meta = semcom_nn::st::read_metadata(path).map_err(|e| werr(e.to_string()))?;
        if meta.get("model").map(String::as_str) != Some("mlsc") {
            return Err(werr(
                "not an MLSC weights file (metadata model ≠ mlsc)".into(),
            ));
        }
        let cfg: MlscConfig = meta
            .get("config")
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| werr("no valid 'config' in the metadata".into()))?;
        let m = Self::new(&cfg, device).map_err(|e| werr(e.to_string()))?;
        checkpoint::load_weights(&m.vs, path).map_err(|e| werr(e.to_string()))?;
        for (name, t) in checkpoint::sorted_vars(&m.vs) {
            let finite = semcom_nn::tch::no_grad(|| t.isfinite().all());
            if !bool::try_from(finite).unwrap_or(false) {
                return Err(MlscError::NonFinite {
                    path: path.display().to_string(),
                    tensor: name,
                });
            }
        }
        Ok((m, meta))
    }

    /// Shapes of every variable by name (for inspecting kernel sizes).
    pub fn shapes(&self) -> BTreeMap<String, Vec<i64>> {
        checkpoint::sorted_vars(&self.vs)
            .into_iter()
            .map(|(n, t)| (n, t.size()))
            .collect()
    }
}
