//! Channel models by name, for the CLI, configs and sweeps.
//!
//! | name | model | parameters used (defaults) |
//! |---|---|---|
//! | `awgn` | complex AWGN | — |
//! | `rayleigh-fast` | Rayleigh, one h per symbol | `equalizer` (`zf`) |
//! | `rayleigh-block` | Rayleigh, one h per `block_len` symbols (0 = per transmission) | `equalizer` (`zf`), `block_len` (0) |
//! | `bsc` | binary symmetric channel | `p` (0.01) |
//! | `bec` | binary erasure channel | `eps` (0.01) |
//! | `ds2c2` | DS²C² block channel | `pe` (0.01), `block_bytes` (100) |
//! | `gilbert-elliott` | bursty packet loss (bits, or symbols over AWGN) | `p_gb` (0.01), `p_bg` (0.1), `loss_good` (0), `loss_bad` (1), `packet_len` (1024) |

use crate::awgn::Awgn;
use crate::bits::{Bec, Bsc, Ds2c2, GilbertElliott};
use crate::equalize::Equalizer;
use crate::fading::{Fading, Rayleigh};
use semcom_core::{ChannelModel, CoreError, Result};
use serde::{Deserialize, Serialize};

/// Names accepted by [`by_name`].
pub const CHANNEL_NAMES: &[&str] = &[
    "awgn",
    "rayleigh-fast",
    "rayleigh-block",
    "bsc",
    "bec",
    "ds2c2",
    "gilbert-elliott",
];

/// Optional parameters of a channel model (unused fields are ignored by a model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelParams {
    /// Rayleigh receiver equaliser: `zf`, `mmse` or `none` (raw y with CSI). Default `zf`.
    pub equalizer: String,
    /// Rayleigh block length in symbols (0 = one h per transmission). Default 0.
    pub block_len: usize,
    /// BSC crossover probability. Default 0.01.
    pub p: f64,
    /// BEC erasure probability. Default 0.01.
    pub eps: f64,
    /// DS²C² block hit probability (= expected fraction of corrupted 1-bits). Default 0.01.
    pub pe: f64,
    /// DS²C² block size in bytes (the seeds use 100 and 1056). Default 100.
    pub block_bytes: usize,
    /// Gilbert–Elliott P(Good → Bad) per packet. Default 0.01.
    pub p_gb: f64,
    /// Gilbert–Elliott P(Bad → Good) per packet. Default 0.1.
    pub p_bg: f64,
    /// Gilbert–Elliott loss probability in Good. Default 0.
    pub loss_good: f64,
    /// Gilbert–Elliott loss probability in Bad. Default 1.
    pub loss_bad: f64,
    /// Gilbert–Elliott packet length in channel uses (bits or symbols). Default 1024.
    pub packet_len: usize,
}

impl Default for ChannelParams {
    fn default() -> Self {
        Self {
            equalizer: "zf".into(),
            block_len: 0,
            p: 0.01,
            eps: 0.01,
            pe: 0.01,
            block_bytes: 100,
            p_gb: 0.01,
            p_bg: 0.1,
            loss_good: 0.0,
            loss_bad: 1.0,
            packet_len: 1024,
        }
    }
}

impl ChannelParams {
    /// The equaliser (`None` for `none`).
    pub fn equalizer(&self) -> Result<Option<Equalizer>> {
        if self.equalizer.trim().eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        Ok(Some(self.equalizer.parse()?))
    }
}

/// The parameters channel `name` reads (see the module table); `None` for an unknown name.
pub fn param_keys(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "awgn" => &[],
        "rayleigh-fast" => &["equalizer"],
        "rayleigh-block" => &["equalizer", "block_len"],
        "bsc" => &["p"],
        "bec" => &["eps"],
        "ds2c2" => &["pe", "block_bytes"],
        "gilbert-elliott" => &["p_gb", "p_bg", "loss_good", "loss_bad", "packet_len"],
        _ => return None,
    })
}

/// Typed parameters of channel `name` from a table (`--channel-param pe=0.16,block_bytes=100`):
/// a key the channel does not read is an error naming the channel and the key.
pub fn params_from_table(
    name: &str,
    table: &semcom_core::params::ParamTable,
) -> Result<ChannelParams> {
    let keys = param_keys(name).ok_or_else(|| CoreError::UnknownName {
        kind: "channel",
        name: name.into(),
        known: CHANNEL_NAMES.join(", "),
    })?;
    if let Some(k) = table.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(CoreError::Config {
            field: format!("channel '{name}' params"),
            msg: format!(
                "unknown parameter '{k}' (known: {})",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            ),
        });
    }
    semcom_core::params::parse_params("channel", name, table)
}

/// Builds a channel model from its name (see the module table).
pub fn by_name(name: &str, params: &ChannelParams) -> Result<Box<dyn ChannelModel>> {
    let p = params;
    Ok(match name {
        "awgn" => Box::new(Awgn),
        "rayleigh-fast" => Box::new(Rayleigh {
            fading: Fading::Fast,
            equalizer: p.equalizer()?,
        }),
        "rayleigh-block" => Box::new(Rayleigh {
            fading: Fading::Block(p.block_len),
            equalizer: p.equalizer()?,
        }),
        "bsc" => Box::new(Bsc::new(p.p)?),
        "bec" => Box::new(Bec::new(p.eps)?),
        "ds2c2" => Box::new(Ds2c2::new(p.pe, p.block_bytes)?),
        "gilbert-elliott" => Box::new(GilbertElliott::new(
            p.p_gb,
            p.p_bg,
            p.loss_good,
            p.loss_bad,
            p.packet_len,
        )?),
        _ => {
            return Err(CoreError::UnknownName {
                kind: "channel",
                name: name.into(),
                known: CHANNEL_NAMES.join(", "),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_params_are_typed_per_channel() {
        let mut t = semcom_core::params::ParamTable::new();
        semcom_core::params::parse_key_values("pe=0.16,block_bytes=1056", &mut t).unwrap();
        let p = params_from_table("ds2c2", &t).unwrap();
        assert_eq!((p.pe, p.block_bytes), (0.16, 1056));
        let e = params_from_table("awgn", &t).unwrap_err().to_string();
        assert!(e.contains("awgn") && e.contains("block_bytes"), "{e}");
        let mut t = semcom_core::params::ParamTable::new();
        semcom_core::params::parse_key_values("block_bytes=x", &mut t).unwrap();
        assert!(params_from_table("ds2c2", &t).is_err());
        assert!(params_from_table("nope", &t).is_err());
        for n in CHANNEL_NAMES {
            assert!(param_keys(n).is_some(), "{n}");
        }
    }

    #[test]
    fn every_name_builds() {
        for n in CHANNEL_NAMES {
            assert_eq!(by_name(n, &ChannelParams::default()).unwrap().name(), *n);
        }
        assert!(by_name("foo", &ChannelParams::default()).is_err());
        let bad = ChannelParams {
            p: 1.5,
            ..Default::default()
        };
        assert!(by_name("bsc", &bad).is_err());
        let bad = ChannelParams {
            equalizer: "lms".into(),
            ..Default::default()
        };
        assert!(by_name("rayleigh-fast", &bad).is_err());
        let p: ChannelParams = toml::from_str("equalizer = \"mmse\"\nblock_len = 8").unwrap();
        assert_eq!(p.block_len, 8);
        assert_eq!(p.p, 0.01);
        assert!(toml::from_str::<ChannelParams>("bogus = 1").is_err());
    }
}
