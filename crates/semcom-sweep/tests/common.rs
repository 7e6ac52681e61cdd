//! Shared helpers of the integration tests: a toy analog scheme, a tiny dataset, configs.
#![allow(dead_code)]

use semcom_core::chain::{complex_to_reals, reals_to_complex, LinkInfo, Received, SideInfo};
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, ChannelModel, CoreError, Image, ImageDecoded, ImageEncoded, ImageScheme, PerView,
    Result, Scheme, ViewMeta,
};
use semcom_sweep::config::{ChannelSpec, SchemeSpec};
use semcom_sweep::{DefaultRegistry, Registry};
use std::path::Path;

/// Uncoded analog transmission: the first 2k centred samples, scaled by `gain` (≤ 1 power);
/// the receiver fills the rest with mid-grey. `delay_ms` slows it down for the kill test.
pub struct Toy {
    pub gain: f32,
    pub delay_ms: u64,
}

impl ImageScheme for Toy {
    fn name(&self) -> &str {
        "toy"
    }
    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        _: &LinkInfo,
        _: &mut SemRng,
    ) -> Result<ImageEncoded> {
        std::thread::sleep(std::time::Duration::from_millis(self.delay_ms));
        let k = budget
            .max_channel_uses(src.samples())
            .ok_or_else(|| CoreError::InvalidBudget("k/n only".into()))?;
        let v: Vec<f32> = src
            .data()
            .iter()
            .take(2 * k)
            .map(|x| (x - 0.5) * 2.0 * self.gain)
            .collect();
        Ok(ImageEncoded::analog(
            reals_to_complex(&v),
            SideInfo::default(),
        ))
    }
    fn decode(
        &self,
        rx: &Received,
        _: &SideInfo,
        meta: &ViewMeta,
        _: &LinkInfo,
    ) -> Result<ImageDecoded> {
        let Received::Symbols { y, .. } = rx else {
            return Err(CoreError::Payload("symbols expected".into()));
        };
        let n = meta.width * meta.height * meta.channels;
        let mut data: Vec<f32> = complex_to_reals(y, n)
            .iter()
            .map(|v| v / (2.0 * self.gain) + 0.5)
            .collect();
        data.resize(n, 0.5);
        Ok(ImageDecoded::ok(
            Image::from_planar(meta.width, meta.height, meta.channels, data)?.clamp01(),
        ))
    }
}

/// Schemes `toy-a` (gain 1) and `toy-b` (gain 0.5); channels from the workspace registry.
pub struct ToyRegistry {
    pub delay_ms: u64,
}

impl Registry for ToyRegistry {
    fn scheme(&self, spec: &SchemeSpec) -> Result<Box<dyn Scheme>> {
        match spec.name.as_str() {
            "toy-a" => Ok(Box::new(PerView(Toy {
                gain: 1.0,
                delay_ms: self.delay_ms,
            }))),
            "toy-b" => Ok(Box::new(PerView(Toy {
                gain: 0.5,
                delay_ms: self.delay_ms,
            }))),
            other => Err(CoreError::UnknownName {
                kind: "scheme",
                name: other.into(),
                known: "toy-a, toy-b".into(),
            }),
        }
    }
    fn channel(&self, spec: &ChannelSpec) -> Result<Box<dyn ChannelModel>> {
        DefaultRegistry.channel(spec)
    }
}

/// Writes `n` small PNG test cards into `dir`.
pub fn make_dataset(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        semcom_core::testcard::test_card(16 + 2 * i, 12 + i)
            .save(dir.join(format!("img{i:02}.png")))
            .unwrap();
    }
}

/// A 2 schemes × 1 channel × 6 SNRs × 2 budgets × 1 dataset config (24 points).
pub fn config_text(data: &Path) -> String {
    format!(
        r#"
name = "toy"
seed = 42
metrics = ["psnr", "mse"]
snr_db = [0.0, 4.0, 8.0, 12.0, 16.0, 20.0]
[[schemes]]
name = "toy-a"
[[schemes]]
name = "toy-b"
[[schemes]]
name = "not-built-yet"
optional = true
[[channels]]
name = "awgn"
[budgets]
kn = ["1/6", "1/12"]
[[datasets]]
name = "cards"
path = "{}"
"#,
        data.display()
    )
}

/// Files whose content must match between two runs.
pub const TABLES: &[&str] = &[
    "per_image.csv",
    "per_image.json",
    "summary.csv",
    "summary.json",
    "summary.md",
];
