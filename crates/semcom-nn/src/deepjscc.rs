//! Deep JSCC (Bourtsoulatze, Kurka & Gündüz, "Deep joint source-channel coding for wireless
//! image transmission", IEEE TCCN 2019, Fig. 2): encoder of five 5×5 convolutions
//! 16→32→32→32→c with strides 2, 2, 1, 1, 1 and PReLU, average-power normalisation (P = 1 per
//! complex symbol over each image), the channel, and a mirrored decoder of transposed
//! convolutions with PReLU and a final sigmoid.
//!
//! Bandwidth ratio: the latent has c·(H/4)·(W/4) reals = k complex uses, n = 3·H·W, so
//! k/n = c/96 (c = 16 → 1/6, c = 8 → 1/12), whatever the image size (fully convolutional).

use crate::blocks::{power_normalize, Act, ConvStack, LayerSpec};
use crate::channel::ChannelSpec;
use crate::checkpoint;
use crate::error::{NnError, Result};
use crate::tiles::{self, groups, Tile};
use semcom_core::chain::{complex_to_reals, reals_to_complex};
use semcom_core::{Complex32, Image};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tch::nn::{self, Module};
use tch::{Device, Tensor};

/// Down-sampling factor of the encoder (two stride-2 layers).
pub const DOWNSAMPLING: i64 = 4;
/// Largest latent or hidden width accepted (c = 1024 is k/n ≈ 10.7).
pub const MAX_CHANNELS: i64 = 1024;
/// Largest kernel size accepted.
pub const MAX_KERNEL: i64 = 15;

fn d_widths() -> Vec<i64> {
    vec![16, 32, 32, 32]
}
fn d_kernel() -> i64 {
    5
}

/// Architecture of a deep JSCC model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeepJsccConfig {
    /// Latent channels c (k/n = c/96 for RGB).
    pub c: i64,
    /// Widths of the first four encoder layers (the paper: 16, 32, 32, 32).
    #[serde(default = "d_widths")]
    pub widths: Vec<i64>,
    /// Kernel size (the paper: 5).
    #[serde(default = "d_kernel")]
    pub kernel: i64,
}

impl DeepJsccConfig {
    /// The paper's network with `c` latent channels.
    pub fn paper(c: i64) -> Self {
        Self {
            c,
            widths: d_widths(),
            kernel: d_kernel(),
        }
    }
    /// The paper's network for a bandwidth ratio k/n (c = 96·k/n, must be an integer ≥ 1).
    pub fn for_ratio(k_over_n: f64) -> Result<Self> {
        let c = 96.0 * k_over_n;
        if !(c >= 1.0 && (c - c.round()).abs() < 1e-6) {
            return Err(NnError::Config(format!(
                "k/n = {k_over_n} needs c = 96·k/n = {c}, not a whole number ≥ 1"
            )));
        }
        Ok(Self::paper(c.round() as i64))
    }
    /// k/n = c / (2·3·DOWNSAMPLING²).
    pub fn k_over_n(&self) -> f64 {
        self.c as f64 / (6 * DOWNSAMPLING * DOWNSAMPLING) as f64
    }
    /// Checks the architecture: c in 1..=[`MAX_CHANNELS`], four widths in that range, an odd
    /// kernel in 1..=[`MAX_KERNEL`] (bounds keep a corrupt or absurd config from allocating
    /// gigabytes before anything is checked).
    pub fn validate(&self) -> Result<()> {
        let ch = 1..=MAX_CHANNELS;
        if !ch.contains(&self.c)
            || self.widths.len() != 4
            || self.widths.iter().any(|w| !ch.contains(w))
            || !(1..=MAX_KERNEL).contains(&self.kernel)
            || self.kernel % 2 == 0
        {
            return Err(NnError::Config(format!(
                "bad deep JSCC architecture {self:?}"
            )));
        }
        Ok(())
    }
}

/// A deep JSCC model: its variables and the two stacks.
pub struct DeepJscc {
    /// Variables (`enc.*`, `dec.*`).
    pub vs: nn::VarStore,
    enc: ConvStack,
    dec: ConvStack,
    /// Architecture.
    pub cfg: DeepJsccConfig,
}

impl std::fmt::Debug for DeepJscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeepJscc({:?})", self.cfg)
    }
}

impl DeepJscc {
    /// A freshly initialised model on `device` (initialisation from LibTorch's generator).
    pub fn new(cfg: &DeepJsccConfig, device: Device) -> Result<Self> {
        cfg.validate()?;
        let vs = nn::VarStore::new(device);
        let (w, k) = (&cfg.widths, cfg.kernel);
        let l = |cin, cout, stride, transposed, act| LayerSpec {
            cin,
            cout,
            k,
            stride,
            transposed,
            act,
        };
        let enc_specs = [
            l(3, w[0], 2, false, Act::Prelu),
            l(w[0], w[1], 2, false, Act::Prelu),
            l(w[1], w[2], 1, false, Act::Prelu),
            l(w[2], w[3], 1, false, Act::Prelu),
            l(w[3], cfg.c, 1, false, Act::Prelu),
        ];
        let dec_specs = [
            l(cfg.c, w[3], 1, true, Act::Prelu),
            l(w[3], w[2], 1, true, Act::Prelu),
            l(w[2], w[1], 1, true, Act::Prelu),
            l(w[1], w[0], 2, true, Act::Prelu),
            l(w[0], 3, 2, true, Act::Sigmoid),
        ];
        let enc = ConvStack::new(&(vs.root() / "enc"), &enc_specs);
        let dec = ConvStack::new(&(vs.root() / "dec"), &dec_specs);
        Ok(Self {
            vs,
            enc,
            dec,
            cfg: cfg.clone(),
        })
    }

    /// Loads a model saved by [`Self::save`]; the architecture comes from the file's metadata.
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        let meta = crate::st::read_metadata(path)?;
        let cfg: DeepJsccConfig = meta
            .get("config")
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| NnError::ckpt(path, "no deep JSCC 'config' in the metadata"))?;
        let m = Self::new(&cfg, device).map_err(|e| NnError::ckpt(path, e.to_string()))?;
        checkpoint::load_weights(&m.vs, path)?;
        Ok(m)
    }

    /// Saves the weights with the architecture and `extra` metadata (atomic write).
    pub fn save(&self, path: &Path, extra: BTreeMap<String, String>) -> Result<()> {
        let mut meta = extra;
        meta.insert("model".into(), "deepjscc".into());
        meta.insert(
            "config".into(),
            serde_json::to_string(&self.cfg).expect("serialisable"),
        );
        meta.insert("k_over_n".into(), format!("{}", self.cfg.k_over_n()));
        checkpoint::save_weights(&self.vs, path, meta)
    }

    /// Checks an input batch `[B, 3, H, W]` with H, W multiples of 4 and finite values.
    pub fn check_input(x: &Tensor) -> Result<()> {
        let s = x.size();
        if s.len() != 4
            || s[1] != 3
            || s[2] % DOWNSAMPLING != 0
            || s[3] % DOWNSAMPLING != 0
            || s[2] == 0
            || s[3] == 0
        {
            return Err(NnError::Invalid(format!(
                "deep JSCC needs [B, 3, 4h, 4w] input, got {s:?}"
            )));
        }
        Ok(())
    }

    /// Latent size (c, H/4, W/4) for an image of height `h` and width `w`.
    pub fn latent_shape(&self, h: i64, w: i64) -> [i64; 3] {
        [self.cfg.c, h / DOWNSAMPLING, w / DOWNSAMPLING]
    }

    /// Encoder without normalisation: `[B, 3, H, W] → [B, c, H/4, W/4]`.
    pub fn encode_latent(&self, x: &Tensor) -> Tensor {
        self.enc.forward(x)
    }

    /// Encoder: `[B, 3, H, W] → [B, 2k]` channel inputs with unit power per complex use.
    pub fn encode(&self, x: &Tensor) -> Tensor {
        power_normalize(&self.enc.forward(x))
    }

    /// Decoder: `[B, 2k]` channel outputs → `[B, 3, H, W]` in (0, 1).
    pub fn decode(&self, y: &Tensor, h: i64, w: i64) -> Tensor {
        let b = y.size()[0];
        let [c, lh, lw] = self.latent_shape(h, w);
        self.dec.forward(&y.reshape([b, c, lh, lw]))
    }

    /// Encoder → channel → decoder.
    pub fn forward(&self, x: &Tensor, channel: &ChannelSpec) -> Tensor {
        let s = x.size();
        self.decode(&channel.forward(&self.encode(x)), s[2], s[3])
    }
}

impl crate::train::ChannelAutoencoder for DeepJscc {
    fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }
    fn forward_train(&self, x: &Tensor, channel: &ChannelSpec) -> Tensor {
        self.forward(x, channel)
    }
}

/// Side of the square tiles the shipped weights were trained on (CIFAR-10, 32×32): the chain
/// scheme codes larger images tile by tile ([`DeepJscc::encode_image`]).
pub const TRAINING_TILE: usize = 32;

/// The raster-order grid of tiles of side `t` over a `w`×`h` image (multiples of 4), `t`
/// rounded up to a multiple of 4 so the remainders are multiples of 4 too. `None` = one tile.
fn tile_grid(w: usize, h: usize, t: Option<usize>) -> Vec<Tile> {
    let m = DOWNSAMPLING as usize;
    tiles::grid(w, h, t.map_or(w.max(h), |t| t.div_ceil(m).max(1) * m))
}

/// Reals of the latent of a `tw`×`th` tile: c·(th/4)·(tw/4).
fn tile_reals(c: i64, tile: &Tile) -> usize {
    let m = DOWNSAMPLING as usize;
    c as usize * (tile.2 / m) * (tile.3 / m)
}

/// Offset of each tile's latent in the raster-order symbol stream, and the total (reals).
fn tile_offsets(c: i64, tiles: &[Tile]) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(tiles.len());
    let mut off = 0;
    for t in tiles {
        offsets.push(off);
        off += tile_reals(c, t);
    }
    (offsets, off)
}

/// Image-level transmitter and receiver used by the `deepjscc` chain scheme.
///
/// **Tiles.** The image (grey replicated to RGB) is padded to a multiple of 4 by edge
/// replication and cut into tiles of `tile` pixels (the last row and column hold the
/// remainders); each tile is encoded and power-normalised on its own, exactly like one training
/// image, and the tiles' latents are sent one after the other in raster order (C·H·W order
/// within a tile, paired as (re, im)). `tile = None` codes the whole image as one tile. The
/// shipped 32×32-trained weights need tiles: whole 768×512 Kodak images lose 4–9 dB and the
/// test card 12 dB against [`TRAINING_TILE`] tiles (docs/neural.md).
/// **Budget.** Only the first `max_uses` symbols are sent, rescaled to unit average power; the
/// receiver fills the missing tail with zeros (as erasures), decodes and crops.
impl DeepJscc {
    /// Encodes `img` into at most `max_uses` unit-power symbols, tile by tile.
    pub fn encode_image(
        &self,
        img: &Image,
        max_uses: usize,
        tile: Option<usize>,
    ) -> Result<Vec<Complex32>> {
        if img.data().iter().any(|v| !v.is_finite()) {
            return Err(NnError::Invalid("image has non-finite values".into()));
        }
        let rgb = if img.channels() == 3 {
            img.clone()
        } else {
            img.to_rgb()
        };
        let p = rgb.pad_to_multiple(DOWNSAMPLING as usize);
        let tiles = tile_grid(p.width(), p.height(), tile);
        let (offsets, n_reals) = tile_offsets(self.cfg.c, &tiles);
        let mut reals = vec![0f32; n_reals];
        for group in groups(&tiles) {
            let (_, _, tw, th) = tiles[group[0]];
            let mut data = Vec::with_capacity(group.len() * 3 * tw * th);
            for &i in &group {
                let (x0, y0, _, _) = tiles[i];
                data.extend_from_slice(p.crop(x0, y0, tw, th)?.data());
            }
            let x = Tensor::from_slice(&data)
                .reshape([group.len() as i64, 3, th as i64, tw as i64])
                .to_device(self.vs.device());
            let z = tch::no_grad(|| self.encode(&x)).to_device(Device::Cpu);
            let batch = Vec::<f32>::try_from(z.flatten(0, -1))?;
            let n = batch.len() / group.len();
            for (j, &i) in group.iter().enumerate() {
                reals[offsets[i]..offsets[i] + n].copy_from_slice(&batch[j * n..(j + 1) * n]);
            }
        }
        reals.truncate(2 * max_uses);
        let mut sym = reals_to_complex(&reals);
        let energy: f64 = sym.iter().map(|c| c.norm_sqr() as f64).sum();
        let scale = if energy > 0.0 {
            (sym.len() as f64 / energy).sqrt() as f32
        } else {
            0.0
        };
        // Guard against rounding pushing the average power above 1.
        let scale = scale * (1.0 - 1e-6);
        sym.iter_mut().for_each(|c| *c *= scale);
        Ok(sym)
    }

    /// Decodes received (equalised) symbols into a `width`×`height` image with `channels`
    /// planes (1 = luma of the RGB reconstruction), with the transmitter's `tile`. Missing
    /// tail symbols count as zeros; non-finite values are zeroed.
    pub fn decode_image(
        &self,
        y: &[Complex32],
        width: usize,
        height: usize,
        channels: usize,
        tile: Option<usize>,
    ) -> Result<Image> {
        let m = DOWNSAMPLING as usize;
        let (w, h) = (width.div_ceil(m) * m, height.div_ceil(m) * m);
        let tiles = tile_grid(w, h, tile);
        let c = self.cfg.c;
        let (offsets, n_reals) = tile_offsets(c, &tiles);
        if 2 * y.len() > n_reals + 1 {
            return Err(NnError::Invalid(format!(
                "{} symbols for a latent of {} reals",
                y.len(),
                n_reals
            )));
        }
        let mut reals = complex_to_reals(y, n_reals);
        reals
            .iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = 0.0);
        reals.resize(n_reals, 0.0);
        let mut canvas = vec![0f32; 3 * w * h];
        for group in groups(&tiles) {
            let (_, _, tw, th) = tiles[group[0]];
            let n = tile_reals(c, &tiles[group[0]]);
            let mut data = Vec::with_capacity(group.len() * n);
            for &i in &group {
                data.extend_from_slice(&reals[offsets[i]..offsets[i] + n]);
            }
            let yt = Tensor::from_slice(&data)
                .reshape([group.len() as i64, n as i64])
                .to_device(self.vs.device());
            let out =
                tch::no_grad(|| self.decode(&yt, th as i64, tw as i64)).to_device(Device::Cpu);
            let px = Vec::<f32>::try_from(out.flatten(0, -1))?;
            tiles::paste(&mut canvas, w, h, &tiles, &group, &px);
        }
        let img = Image::from_planar(w, h, 3, canvas)?.crop(0, 0, width, height)?;
        Ok(if channels == 1 { img.to_luma() } else { img })
    }
}
