//! The MLSC-image chain scheme: one [`ImageScheme`] for `mlsc` and its ablations.
//!
//! * **Weights** are chosen by the budget's k/n among the safetensors files of the weights
//!   folder ([`super::weights_dir`]) whose metadata (`model = mlsc`, `variant`, `text`, `l`,
//!   `train_snr_db`, `k_over_n`) fit the scheme and its parameters; without a match the error
//!   lists the k/n there are.
//! * **Tiles.** The view (grey replicated to RGB) is padded to a multiple of t = 8 by edge
//!   replication and cut into tiles of the model's tile side (120: CamVid 480×360 is 4×3
//!   tiles); the last row and column hold the remainders. Each tile is coded and
//!   power-normalised on its own, like one training crop; the tiles' symbols follow in raster
//!   order, (H/8)(W/8)(3l+1) for the padded view. Only ⌊(k/n)·n⌋ are sent (the padding's
//!   excess is dropped and read as zeros), rescaled to unit average power.
//! * **Segmentation feature module**: ESPNet-CamVid runs once per view (loaded at first use;
//!   results memoised for the last [`LABEL_CACHE`] views, for sweeps), its labels
//!   palette-coloured to the 3-channel map s.
//! * No side information (`side_bits = 0`). Rayleigh: zero forcing with the CSI.

use super::model::{Mlsc, T};
use super::text::{embed, Captions, SegWords, TextFeatures};
use super::{weights_dir, MlscError, MlscParams, Variant};
use crate::registry::SchemeOptions;
use semcom_channel::equalize::zero_force;
use semcom_core::chain::{complex_to_reals, reals_to_complex, LinkInfo, Received, SideInfo};
use semcom_core::rng::SemRng;
use semcom_core::{Budget, Complex32, CoreError, Image, Result};
use semcom_core::{ImageDecoded, ImageEncoded, ImageScheme, ViewMeta};
use semcom_nn::tch::{Device, Tensor};
use semcom_zoo::espnet::{Espnet, EspnetModel};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Views whose ESPNet label maps are memoised.
pub const LABEL_CACHE: usize = 16;

/// One weights file of the folder and what its metadata says.
#[derive(Clone, Debug)]
pub struct WeightsInfo {
    /// File.
    pub path: PathBuf,
    /// k/n.
    pub k_over_n: f64,
    /// Levels l.
    pub l: i64,
    /// Variant.
    pub variant: Variant,
    /// Text features the model was trained with (`seg-words`, `captions`).
    pub text: String,
    /// Training SNR (dB), if recorded.
    pub train_snr_db: Option<f64>,
}

/// Label maps of recent views, keyed by their exact 8-bit samples.
type LabelMemo = VecDeque<((usize, usize, Vec<u8>), Arc<Vec<u8>>)>;

/// MLSC-image transmitter/receiver (see the module documentation).
pub struct MlscScheme {
    name: String,
    variant: Variant,
    dir: PathBuf,
    device: Device,
    l: Option<i64>,
    train_snr: Option<f64>,
    text: Arc<dyn TextFeatures>,
    espnet_file: Option<PathBuf>,
    espnet: OnceLock<std::result::Result<Mutex<Espnet>, String>>,
    labels: Mutex<LabelMemo>,
    models: Mutex<BTreeMap<PathBuf, Arc<Mutex<Mlsc>>>>,
}

impl MlscScheme {
    /// The scheme `name` (`mlsc`, `mlsc-notext`, …) from the registry options and its
    /// parameters; weights and ESPNet are loaded at first use.
    pub fn from_options(name: &str, o: &SchemeOptions, p: &MlscParams) -> Result<Self> {
        let e = |m: MlscError| to_core(name, m);
        let variant = Variant::ALL
            .into_iter()
            .find(|v| v.scheme_name() == name)
            .ok_or_else(|| e(MlscError::Config(format!("unknown MLSC scheme '{name}'"))))?;
        if let Some(v) = &p.variant {
            if Variant::parse(v) != Some(variant) {
                return Err(e(MlscError::Config(format!(
                    "variant '{v}' does not fit scheme {name} (variant {})",
                    variant.name()
                ))));
            }
        }
        if let Some(l) = p.l {
            if !(2..=super::model::MAX_L).contains(&l) {
                return Err(e(MlscError::Config(format!("l = {l} outside 2…9"))));
            }
        }
        let text: Arc<dyn TextFeatures> = match (p.text.as_deref(), &p.captions) {
            (None | Some("captions"), Some(f)) => {
                Arc::new(Captions::load(f, p.caption_images.as_deref()).map_err(e)?)
            }
            (Some("captions"), None) => {
                return Err(e(MlscError::Config(
                    "text = captions needs captions = FILE.json".into(),
                )))
            }
            (None | Some("seg-words"), None) => Arc::new(SegWords),
            (Some(t), _) => {
                return Err(e(MlscError::Config(format!(
                    "text '{t}' (seg-words | captions with captions = FILE.json)"
                ))))
            }
        };
        let device =
            semcom_nn::device(&o.device).map_err(|err| e(MlscError::Config(err.to_string())))?;
        Ok(Self {
            name: name.into(),
            variant,
            dir: weights_dir(o.weights.as_deref()),
            device,
            l: p.l,
            train_snr: p.train_snr,
            text,
            espnet_file: p.espnet.clone(),
            espnet: OnceLock::new(),
            labels: Mutex::new(VecDeque::new()),
            models: Mutex::new(BTreeMap::new()),
        })
    }

    /// The weights folder searched.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The text features in use.
    pub fn text_features(&self) -> &dyn TextFeatures {
        &*self.text
    }

    fn err(&self, m: MlscError) -> CoreError {
        to_core(&self.name, m)
    }

    /// The weights files of the folder that fit this scheme (variant, text when used, l and
    /// training SNR when given), by k/n.
    pub fn available(&self) -> Vec<WeightsInfo> {
        let mut out: Vec<WeightsInfo> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
            .filter_map(|p| {
                let m = semcom_nn::st::read_metadata(&p).ok()?;
                (m.get("model")? == "mlsc").then_some(())?;
                Some(WeightsInfo {
                    k_over_n: m.get("k_over_n")?.parse().ok()?,
                    l: m.get("l")?.parse().ok()?,
                    variant: Variant::parse(m.get("variant")?)?,
                    text: m.get("text").cloned().unwrap_or_else(|| "seg-words".into()),
                    train_snr_db: m.get("train_snr_db").and_then(|v| v.parse().ok()),
                    path: p,
                })
            })
            .filter(|w| w.variant == self.variant)
            .filter(|w| !self.variant.uses_text() || w.text == self.text.name())
            .filter(|w| self.l.is_none_or(|l| l == w.l))
            .filter(|w| {
                self.train_snr
                    .is_none_or(|s| w.train_snr_db.is_some_and(|v| (v - s).abs() < 1e-9))
            })
            .collect();
        out.sort_by(|a, b| a.k_over_n.total_cmp(&b.k_over_n).then(a.path.cmp(&b.path)));
        out
    }

    /// The weights file for k/n = `kn` (equal within 1e-6, relative); among several, the one
    /// trained at 10 dB, else the first by path.
    pub fn weights_for(&self, kn: f64) -> std::result::Result<WeightsInfo, MlscError> {
        let avail = self.available();
        let fits: Vec<&WeightsInfo> = avail
            .iter()
            .filter(|w| (w.k_over_n - kn).abs() <= 1e-6 * kn.max(1e-9))
            .collect();
        if let Some(w) = fits
            .iter()
            .find(|w| w.train_snr_db == Some(10.0))
            .or(fits.first())
        {
            return Ok((*w).clone());
        }
        let mut have: Vec<String> = avail.iter().map(|w| format!("{:.6}", w.k_over_n)).collect();
        have.dedup();
        Err(MlscError::NoWeights {
            scheme: format!("{} (text {})", self.name, self.text.name()),
            kn,
            dir: self.dir.display().to_string(),
            available: if have.is_empty() {
                "none".into()
            } else {
                have.join(", ")
            },
        })
    }

    fn model_for(&self, kn: f64) -> Result<Arc<Mutex<Mlsc>>> {
        let w = self.weights_for(kn).map_err(|m| self.err(m))?;
        let mut cache = self
            .models
            .lock()
            .map_err(|_| self.err(MlscError::Config("model cache poisoned".into())))?;
        if let Some(m) = cache.get(&w.path) {
            return Ok(m.clone());
        }
        let (m, _) = Mlsc::load(&w.path, self.device).map_err(|m| self.err(m))?;
        if m.cfg.variant != self.variant {
            return Err(self.err(MlscError::Weights {
                path: w.path.display().to_string(),
                msg: "config variant differs from the metadata".into(),
            }));
        }
        let m = Arc::new(Mutex::new(m));
        cache.insert(w.path, m.clone());
        Ok(m)
    }

    /// ESPNet-CamVid labels of a (padded RGB) view, memoised for the last [`LABEL_CACHE`].
    pub fn segment(&self, view: &Image) -> std::result::Result<Arc<Vec<u8>>, MlscError> {
        let key = (view.width(), view.height(), view.to_interleaved_u8());
        let lock = || self.labels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, v)) = lock().iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        let net = self
            .espnet
            .get_or_init(|| {
                Espnet::load(EspnetModel::Camvid, self.espnet_file.as_deref())
                    .map(Mutex::new)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| MlscError::Espnet(e.clone()))?;
        let labels = {
            let n = net.lock().unwrap_or_else(|p| p.into_inner());
            n.segment(view)
                .map_err(|e| MlscError::Espnet(e.to_string()))?
        };
        let v = Arc::new(labels);
        let mut m = lock();
        if m.len() == LABEL_CACHE {
            m.pop_front();
        }
        m.push_back((key, v.clone()));
        Ok(v)
    }
}

fn to_core(scheme: &str, m: MlscError) -> CoreError {
    CoreError::Scheme {
        scheme: scheme.into(),
        msg: m.to_string(),
    }
}

use semcom_nn::tiles::groups;
pub use semcom_nn::tiles::{grid as tile_grid, Tile};

/// Complex uses of a `w`×`h` view (padded to multiples of t) at `uses_per_block` = 3l+1.
pub fn view_uses(w: usize, h: usize, uses_per_block: usize) -> usize {
    let t = T as usize;
    w.div_ceil(t) * h.div_ceil(t) * uses_per_block
}

/// The rows `y0..y0+th`, columns `x0..x0+tw` of a `w`-wide row-major plane.
fn crop_plane<V: Copy>(plane: &[V], w: usize, t: &Tile) -> Vec<V> {
    let (x0, y0, tw, th) = *t;
    (y0..y0 + th)
        .flat_map(|r| plane[r * w + x0..r * w + x0 + tw].iter().copied())
        .collect()
}

/// The palette-coloured 3-channel map s (planar, [0, 1]) of a label map.
pub fn colour_map(labels: &[u8]) -> Vec<f32> {
    let pal = EspnetModel::Camvid.palette();
    let mut out = vec![0f32; 3 * labels.len()];
    for (i, &l) in labels.iter().enumerate() {
        let c = pal[(l as usize).min(pal.len() - 1)];
        for ch in 0..3 {
            out[ch * labels.len() + i] = c[ch] as f32 / 255.0;
        }
    }
    out
}

/// Inputs of the encoder for one view: the padded RGB view, its label map (if computed) and
/// the text of each tile.
pub struct TileInputs<'a> {
    /// Padded RGB view (multiples of t).
    pub view: &'a Image,
    /// Its row-major label map, when the variant or the text needs it.
    pub labels: Option<&'a [u8]>,
    /// Embedded text features of each tile (`D` values each); zeros when unused.
    pub texts: Vec<Vec<f32>>,
}

/// Offset of each tile's reals in the raster-order stream, and the total, at
/// `uses_per_block` = 3l+1.
fn tile_offsets(tiles: &[Tile], uses_per_block: usize) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(tiles.len());
    let mut total = 0;
    for t in tiles {
        offsets.push(total);
        total += 2 * view_uses(t.2, t.3, uses_per_block);
    }
    (offsets, total)
}

/// Encodes a padded view tile by tile into the raster-order reals (each tile unit power).
pub fn encode_tiles(
    m: &Mlsc,
    inp: &TileInputs,
    tiles: &[Tile],
) -> std::result::Result<Vec<f32>, MlscError> {
    let (w, h) = (inp.view.width(), inp.view.height());
    let colour = inp.labels.map(colour_map);
    let per = m.cfg.uses_per_block() as usize;
    let reals_of = |t: &Tile| 2 * view_uses(t.2, t.3, per);
    let (offsets, total) = tile_offsets(tiles, per);
    let mut out = vec![0f32; total];
    let dev = m.vs.device();
    for group in groups(tiles) {
        let (_, _, tw, th) = tiles[group[0]];
        let b = group.len() as i64;
        let (mut x, mut s, mut p) = (Vec::new(), Vec::new(), Vec::new());
        for &i in &group {
            let t = &tiles[i];
            for ch in 0..3 {
                x.extend(crop_plane(inp.view.plane(ch), w, t));
                match &colour {
                    Some(c) => s.extend(crop_plane(&c[ch * w * h..(ch + 1) * w * h], w, t)),
                    None => s.extend(std::iter::repeat_n(0f32, tw * th)),
                }
            }
            p.extend_from_slice(&inp.texts[i]);
        }
        let shape = [b, 3, th as i64, tw as i64];
        let x = Tensor::from_slice(&x).reshape(shape).to_device(dev);
        let s = Tensor::from_slice(&s).reshape(shape).to_device(dev);
        let p = Tensor::from_slice(&p).reshape([b, -1]).to_device(dev);
        let z = m.encode(&x, &s, &p)?.to_device(Device::Cpu);
        let batch = Vec::<f32>::try_from(z.flatten(0, -1))?;
        let n = reals_of(&tiles[group[0]]);
        for (j, &i) in group.iter().enumerate() {
            out[offsets[i]..offsets[i] + n].copy_from_slice(&batch[j * n..(j + 1) * n]);
        }
    }
    Ok(out)
}

/// Decodes raster-order reals of a padded `w`×`h` view tile by tile into planar RGB.
pub fn decode_tiles(
    m: &Mlsc,
    reals: &[f32],
    w: usize,
    h: usize,
    tiles: &[Tile],
) -> std::result::Result<Vec<f32>, MlscError> {
    let per = m.cfg.uses_per_block() as usize;
    let reals_of = |t: &Tile| 2 * view_uses(t.2, t.3, per);
    let (offsets, total) = tile_offsets(tiles, per);
    if reals.len() != total {
        return Err(MlscError::Input(format!(
            "{} reals for {total}",
            reals.len()
        )));
    }
    let mut canvas = vec![0f32; 3 * w * h];
    for group in groups(tiles) {
        let (_, _, tw, th) = tiles[group[0]];
        let n = reals_of(&tiles[group[0]]);
        let mut data = Vec::with_capacity(group.len() * n);
        for &i in &group {
            data.extend_from_slice(&reals[offsets[i]..offsets[i] + n]);
        }
        let y = Tensor::from_slice(&data)
            .reshape([group.len() as i64, n as i64])
            .to_device(m.vs.device());
        let out = m.decode(&y, th as i64, tw as i64)?.to_device(Device::Cpu);
        let px = Vec::<f32>::try_from(out.flatten(0, -1))?;
        semcom_nn::tiles::paste(&mut canvas, w, h, tiles, &group, &px);
    }
    Ok(canvas)
}

/// Keeps the first `max_uses` symbols of `reals` and rescales them to average power just
/// under 1 (all zeros stay zeros).
pub fn send_within(reals: &mut Vec<f32>, max_uses: usize) -> Vec<Complex32> {
    reals.truncate(2 * max_uses);
    let mut sym = reals_to_complex(reals);
    let energy: f64 = sym.iter().map(|c| c.norm_sqr() as f64).sum();
    let scale = if energy > 0.0 {
        (sym.len() as f64 / energy).sqrt() as f32 * (1.0 - 1e-6)
    } else {
        0.0
    };
    sym.iter_mut().for_each(|c| *c *= scale);
    sym
}

/// A view ready for the encoder: padded RGB, its labels, the tiles and their texts.
struct Prepared {
    padded: Image,
    labels: Option<Arc<Vec<u8>>>,
    tiles: Vec<Tile>,
    texts: Vec<Vec<f32>>,
}

impl MlscScheme {
    /// The encoder inputs of a view: padded RGB, labels (ESPNet, when needed) and per-tile text.
    fn inputs(
        &self,
        src: &Image,
        tile: usize,
        text_dim: usize,
    ) -> std::result::Result<Prepared, MlscError> {
        let rgb = if src.channels() == 3 {
            src.clone()
        } else {
            src.to_rgb()
        };
        let padded = rgb.pad_to_multiple(T as usize);
        let (w, h) = (padded.width(), padded.height());
        let v = self.variant;
        let need_labels = v.uses_seg() || (v.uses_text() && self.text.needs_labels());
        let labels = if need_labels {
            Some(self.segment(&padded)?)
        } else {
            None
        };
        let tiles = tile_grid(w, h, tile);
        let texts = tiles
            .iter()
            .map(|t| {
                if !v.uses_text() {
                    return Ok(vec![0f32; text_dim]);
                }
                let tl = labels
                    .as_ref()
                    .map(|l| crop_plane(l, w, t))
                    .unwrap_or_default();
                Ok(embed(&self.text.describe(src, &tl)?, text_dim))
            })
            .collect::<std::result::Result<Vec<_>, MlscError>>()?;
        Ok(Prepared {
            padded,
            labels,
            tiles,
            texts,
        })
    }
}

impl ImageScheme for MlscScheme {
    fn name(&self) -> &str {
        &self.name
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        _link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<ImageEncoded> {
        let Budget::Cbr(r) = budget else {
            return Err(self.err(MlscError::Config(format!(
                "MLSC needs a k/n budget (--kn), not {}",
                budget.label()
            ))));
        };
        let t = T as usize;
        if src.width() < t || src.height() < t {
            return Err(self.err(MlscError::Input(format!(
                "image {}x{} is smaller than t = {t} pixels",
                src.width(),
                src.height()
            ))));
        }
        if src.data().iter().any(|v| !v.is_finite()) {
            return Err(self.err(MlscError::Input("image has non-finite values".into())));
        }
        let model = self.model_for(r.value())?;
        let poisoned = || self.err(MlscError::Config("model poisoned".into()));
        let cfg = model.lock().map_err(|_| poisoned())?.cfg.clone();
        // ESPNet and the texts run without holding the model.
        let p = self
            .inputs(src, cfg.tile as usize, cfg.text_dim as usize)
            .map_err(|e| self.err(e))?;
        let m = model.lock().map_err(|_| poisoned())?;
        let run = || -> std::result::Result<Vec<Complex32>, MlscError> {
            let inp = TileInputs {
                view: &p.padded,
                labels: p.labels.as_deref().map(Vec::as_slice),
                texts: p.texts,
            };
            let mut reals = encode_tiles(&m, &inp, &p.tiles)?;
            let k = budget.max_channel_uses(src.samples()).unwrap_or(0);
            Ok(send_within(&mut reals, k))
        };
        let sym = run().map_err(|e| self.err(e))?;
        Ok(ImageEncoded::analog(sym, SideInfo::default()))
    }

    fn decode(
        &self,
        rx: &Received,
        _side: &SideInfo,
        meta: &ViewMeta,
        _link: &LinkInfo,
    ) -> Result<ImageDecoded> {
        let Received::Symbols { y, csi, noise_var } = rx else {
            return Err(CoreError::Payload(format!(
                "{}: receives complex symbols, not bits",
                self.name
            )));
        };
        // Zero forcing with the CSI (per symbol, or one coefficient for the block).
        let eq = zero_force(y, csi, noise_var)
            .map_err(|e| CoreError::Payload(format!("{}: {e}", self.name)))?;
        // The sender's k/n follows from the number of symbols for this view size.
        let n = meta.samples();
        let t = T as usize;
        let (w, h) = (meta.width.div_ceil(t) * t, meta.height.div_ceil(t) * t);
        let info = self
            .available()
            .into_iter()
            .find(|wi| {
                semcom_core::budget::channel_uses_for(wi.k_over_n, n) == eq.len()
                    || view_uses(w, h, (3 * wi.l + 1) as usize) == eq.len()
            })
            .ok_or_else(|| {
                self.err(MlscError::Input(format!(
                    "received {} symbols for {n} samples: no available k/n matches",
                    eq.len()
                )))
            })?;
        let model = self.model_for(info.k_over_n)?;
        let m = model
            .lock()
            .map_err(|_| self.err(MlscError::Config("model poisoned".into())))?;
        let total = 2 * view_uses(w, h, m.cfg.uses_per_block() as usize);
        if 2 * eq.len() > total + 1 {
            return Err(self.err(MlscError::Input(format!(
                "{} symbols for {} reals",
                eq.len(),
                total
            ))));
        }
        let mut reals = complex_to_reals(&eq, total);
        reals
            .iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = 0.0);
        reals.resize(total, 0.0);
        let tiles = tile_grid(w, h, m.cfg.tile as usize);
        let canvas = decode_tiles(&m, &reals, w, h, &tiles).map_err(|e| self.err(e))?;
        let img = Image::from_planar(w, h, 3, canvas)?.crop(0, 0, meta.width, meta.height)?;
        Ok(ImageDecoded::ok(if meta.channels == 1 {
            img.to_luma()
        } else {
            img
        }))
    }
}
