//! Channel models by name, for the CLI, configs and sweeps.

use crate::awgn::Awgn;
use semcom_core::{ChannelModel, CoreError, Result};
use serde::{Deserialize, Serialize};

/// Names accepted by [`by_name`].
pub const CHANNEL_NAMES: &[&str] = &["awgn"];

/// Optional parameters of a channel model (unused fields are ignored by a model).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelParams {}

/// Builds a channel model from its name.
pub fn by_name(name: &str, params: &ChannelParams) -> Result<Box<dyn ChannelModel>> {
    let _ = params;
    match name {
        "awgn" => Ok(Box::new(Awgn)),
        _ => Err(CoreError::UnknownName { kind: "channel", name: name.into(), known: CHANNEL_NAMES.join(", ") }),
    }
}
