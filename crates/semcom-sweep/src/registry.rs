//! Where schemes and channel models come from: the workspace registries by default, or any
//! other [`Registry`] (tests and experiments plug in their own).

use crate::config::{ChannelSpec, SchemeSpec};
use semcom_core::{ChannelModel, Result, Scheme};

/// Builds schemes and channel models from their config entries.
pub trait Registry: Sync {
    /// A scheme from its config entry.
    fn scheme(&self, spec: &SchemeSpec) -> Result<Box<dyn Scheme>>;
    /// A channel model from its config entry.
    fn channel(&self, spec: &ChannelSpec) -> Result<Box<dyn ChannelModel>>;
}

/// The workspace registries: [`semcom_schemes::build`] and [`semcom_channel::by_name`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRegistry;

impl Registry for DefaultRegistry {
    fn scheme(&self, spec: &SchemeSpec) -> Result<Box<dyn Scheme>> {
        semcom_schemes::build(&spec.name, &spec.options)
    }
    fn channel(&self, spec: &ChannelSpec) -> Result<Box<dyn ChannelModel>> {
        semcom_channel::by_name(&spec.name, &spec.params)
    }
}
