//! `deepjscc`: deep joint source-channel coding (Bourtsoulatze, Kurka & Gündüz 2019) as a
//! chain scheme, with the weights shipped in `weights/deepjscc/` (one file per k/n).
//!
//! * Weights: `SchemeOptions.weights` (a folder holding `deepjscc/` or the files themselves),
//!   else `$SEMCOM_MODELS/deepjscc`, else the repository's `weights/deepjscc/`. The file whose
//!   `k_over_n` metadata equals the budget's k/n is used.
//! * Sizes that are not multiples of 4 are padded (edge replication); only ⌊(k/n)·n⌋ symbols of
//!   the padded image's latent are sent (the tail is dropped and read as zeros), renormalised
//!   to unit power; see `semcom_nn::deepjscc`.
//! * Rayleigh: with per-symbol CSI the receiver equalises y/h (zero forcing), as in training.

use semcom_channel::equalize::zero_force;
use semcom_core::chain::{LinkInfo, Received, SideInfo};
use semcom_core::rng::SemRng;
use semcom_core::{Budget, CoreError, Image, Result};
use semcom_core::{ImageDecoded, ImageEncoded, ImageScheme, ViewMeta};
use semcom_nn::deepjscc::{DeepJscc, TRAINING_TILE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Name in the registry.
pub const NAME: &str = "deepjscc";

/// The weights shipped with the repository.
pub fn default_weights_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../weights/deepjscc"
    ))
}

/// Resolves the weights folder: explicit option, `$SEMCOM_MODELS/deepjscc`, or the default.
pub fn weights_dir(opt: Option<&Path>) -> PathBuf {
    let pick = |p: PathBuf| {
        if p.join("deepjscc").is_dir() {
            p.join("deepjscc")
        } else {
            p
        }
    };
    if let Some(p) = opt {
        return pick(p.to_path_buf());
    }
    match std::env::var_os("SEMCOM_MODELS") {
        Some(m) if !m.is_empty() => pick(PathBuf::from(m)),
        _ => default_weights_dir(),
    }
}

/// Deep JSCC transmitter/receiver pair; models are loaded on first use per k/n and cached.
pub struct DeepJsccScheme {
    dir: PathBuf,
    device: semcom_nn::tch::Device,
    models: Mutex<BTreeMap<String, Arc<Mutex<DeepJscc>>>>,
}

/// Registry row: `deepjscc` (weights from `--weights` or the shipped ones; no parameters).
pub fn rows() -> Vec<crate::registry::SchemeRow> {
    vec![crate::registry::SchemeRow {
        name: "deepjscc".into(),
        modalities: crate::registry::ANY_SOURCE,
        description: "deep JSCC: 5x5 conv + PReLU autoencoder, trained at 10 dB AWGN on CIFAR-10 (Bourtsoulatze et al. 2019)",
        in_demo: true,
        build: |name, o| {
            o.params::<semcom_core::params::NoParams>(name)?;
            Ok(Box::new(semcom_core::PerView(DeepJsccScheme::new(
                weights_dir(o.weights.as_deref()),
                &o.device,
            )?)))
        },
    }]
}

fn err(msg: impl Into<String>) -> CoreError {
    CoreError::Scheme {
        scheme: NAME.into(),
        msg: msg.into(),
    }
}

impl DeepJsccScheme {
    /// A scheme reading weights from `dir` on `device` (`cpu` or `cuda`).
    pub fn new(dir: PathBuf, device: &str) -> Result<Self> {
        let device = semcom_nn::device(device).map_err(|e| err(e.to_string()))?;
        Ok(Self {
            dir,
            device,
            models: Mutex::new(BTreeMap::new()),
        })
    }

    /// The weight files in the folder with their k/n.
    pub fn available_ratios(&self) -> Vec<(f64, PathBuf)> {
        let mut out = Vec::new();
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for p in rd.flatten().map(|e| e.path()) {
                if p.extension().is_some_and(|e| e == "safetensors") {
                    if let Ok(m) = semcom_nn::st::read_metadata(&p) {
                        if let Some(r) = m.get("k_over_n").and_then(|v| v.parse::<f64>().ok()) {
                            out.push((r, p));
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    /// The weight file for k/n = `kn` (metadata `k_over_n` equal within 1e-6, relative).
    pub fn weights_file(&self, kn: f64) -> Result<PathBuf> {
        let avail = self.available_ratios();
        match avail
            .iter()
            .find(|(v, _)| (v - kn).abs() <= 1e-6 * kn.max(1e-9))
        {
            Some((_, p)) => Ok(p.clone()),
            None => {
                let have: Vec<String> = avail.iter().map(|(v, _)| format!("{v:.6}")).collect();
                Err(err(format!(
                    "no weights for k/n = {kn:.6} in {} (available k/n: {})",
                    self.dir.display(),
                    if have.is_empty() {
                        "none".into()
                    } else {
                        have.join(", ")
                    }
                )))
            }
        }
    }

    fn model_for(&self, budget: &Budget) -> Result<Arc<Mutex<DeepJscc>>> {
        let Budget::Cbr(r) = budget else {
            return Err(err(
                "deep JSCC needs a k/n budget (--kn), not bits per pixel",
            ));
        };
        let path = self.weights_file(r.value())?;
        let path = &path;
        let key = path.display().to_string();
        let mut cache = self
            .models
            .lock()
            .map_err(|_| err("model cache poisoned"))?;
        if let Some(m) = cache.get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(Mutex::new(
            DeepJscc::load(path, self.device).map_err(|e| err(e.to_string()))?,
        ));
        cache.insert(key, m.clone());
        Ok(m)
    }
}

impl ImageScheme for DeepJsccScheme {
    fn name(&self) -> &str {
        NAME
    }

    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        _link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<ImageEncoded> {
        let model = self.model_for(budget)?;
        let k_max = budget.max_channel_uses(src.samples()).unwrap_or(0);
        let m = model.lock().map_err(|_| err("model poisoned"))?;
        let sym = m
            .encode_image(src, k_max, Some(TRAINING_TILE))
            .map_err(|e| err(e.to_string()))?;
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
            return Err(CoreError::Payload(
                "deep JSCC receives complex symbols, not bits".into(),
            ));
        };
        // Zero-forcing equalisation with the CSI (per symbol, or one coefficient per block).
        let eq = zero_force(y, csi, noise_var)
            .map_err(|e| CoreError::Payload(format!("deep JSCC: {e}")))?;
        // The model is chosen by the k/n the sender used: k symbols for n samples.
        let n = meta.width * meta.height * meta.channels;
        let budget = self.budget_from_symbols(eq.len(), n, meta)?;
        let model = self.model_for(&budget)?;
        let m = model.lock().map_err(|_| err("model poisoned"))?;
        let image = m
            .decode_image(
                &eq,
                meta.width,
                meta.height,
                meta.channels,
                Some(TRAINING_TILE),
            )
            .map_err(|e| err(e.to_string()))?;
        Ok(ImageDecoded::ok(image))
    }
}

impl DeepJsccScheme {
    /// Finds the shipped k/n whose symbol count for this source equals `k` (the receiver knows
    /// the source size; the sender's k/n follows from the number of symbols received).
    fn budget_from_symbols(&self, k: usize, n: usize, meta: &ViewMeta) -> Result<Budget> {
        for (r, _) in self.available_ratios() {
            if semcom_core::budget::channel_uses_for(r, n) == k || full_latent_uses(r, meta) == k {
                return Budget::cbr(semcom_core::Ratio::from_f64(r));
            }
        }
        Err(err(format!(
            "received {k} symbols for {n} samples: no shipped k/n matches"
        )))
    }
}

/// Complex uses of the whole latent of a (padded) image at k/n `r`.
fn full_latent_uses(r: f64, meta: &ViewMeta) -> usize {
    let (w, h) = (meta.width.div_ceil(4) * 4, meta.height.div_ceil(4) * 4);
    ((96.0 * r).round() as usize * (w / 4) * (h / 4)) / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use semcom_core::chain::Link;
    use semcom_core::run_image;
    use semcom_nn::deepjscc::DeepJsccConfig;

    /// A folder with randomly initialised 1/6 and 1/12 models (the chain mechanics do not
    /// depend on training).
    fn random_weights() -> PathBuf {
        let d = std::env::temp_dir().join(format!("semcom-deepjscc-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        for c in [16, 8] {
            let _rng = crate::torch_rng_lock();
            semcom_nn::tch::manual_seed(c);
            let m = DeepJscc::new(&DeepJsccConfig::paper(c), semcom_nn::tch::Device::Cpu).unwrap();
            m.save(
                &d.join(format!("deepjscc_c{c}.safetensors")),
                Default::default(),
            )
            .unwrap();
        }
        d
    }

    #[test]
    fn chain_runs_within_budget_on_odd_sizes_and_channels() {
        let dir = random_weights();
        let s = DeepJsccScheme::new(dir.clone(), "cpu").unwrap();
        let awgn = semcom_channel::registry::by_name("awgn", &Default::default()).unwrap();
        let ray = semcom_channel::registry::by_name("rayleigh-fast", &Default::default()).unwrap();
        let raw = semcom_channel::registry::ChannelParams {
            equalizer: "none".into(),
            ..Default::default()
        };
        let ray_csi = semcom_channel::registry::by_name("rayleigh-block", &raw).unwrap();
        let card = semcom_core::testcard::test_card(37, 29);
        for kn in ["1/6", "1/12"] {
            let b = Budget::cbr(kn.parse().unwrap()).unwrap();
            for img in [
                Image::filled(32, 32, 3, 0.5).unwrap(),
                card.clone(),
                card.to_luma(),
            ] {
                for ch in [&awgn, &ray, &ray_csi] {
                    let link = Link {
                        channel: ch.as_ref(),
                        snr_db: 10.0,
                        seed: 3,
                    };
                    let out = run_image(&s, &img, &b, &link).unwrap();
                    assert_eq!(
                        out.accounting.channel_uses as usize,
                        b.max_channel_uses(img.samples()).unwrap()
                    );
                    // Deterministic.
                    let again = run_image(&s, &img, &b, &link).unwrap();
                    assert_eq!(out.reconstruction(), again.reconstruction());
                }
            }
        }
        let e = run_image(
            &s,
            &card,
            &Budget::cbr("1/3".parse().unwrap()).unwrap(),
            &Link {
                channel: awgn.as_ref(),
                snr_db: 1.0,
                seed: 1,
            },
        );
        assert!(e.unwrap_err().to_string().contains("no weights for k/n"));
        assert!(run_image(
            &s,
            &card,
            &Budget::bpp(0.5).unwrap(),
            &Link {
                channel: awgn.as_ref(),
                snr_db: 1.0,
                seed: 1
            }
        )
        .is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn weights_folder_resolution() {
        assert!(default_weights_dir().ends_with("weights/deepjscc"));
        let d = std::env::temp_dir();
        assert_eq!(weights_dir(Some(&d)), d);
    }
}
