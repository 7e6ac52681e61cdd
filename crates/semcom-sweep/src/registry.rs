//! Where schemes and channel models come from: the workspace registries by default, or any
//! other [`Registry`] (tests and experiments plug in their own).

use crate::config::{ChannelSpec, SchemeSpec};
use semcom_core::{ChannelModel, Result, Scheme};
use semcom_measure::MetricRegistry;

/// Builds schemes and channel models from their config entries.
pub trait Registry: Sync {
    /// A scheme from its config entry.
    fn scheme(&self, spec: &SchemeSpec) -> Result<Box<dyn Scheme>>;
    /// A channel model from its config entry.
    fn channel(&self, spec: &ChannelSpec) -> Result<Box<dyn ChannelModel>>;
    /// The metrics a config may name (default: the image metrics).
    fn metrics(&self) -> MetricRegistry {
        MetricRegistry::default()
    }
}

/// The workspace registries: [`semcom_schemes::build`] and [`semcom_channel::by_name`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRegistry;

impl Registry for DefaultRegistry {
    fn scheme(&self, spec: &SchemeSpec) -> Result<Box<dyn Scheme>> {
        let mut opts = spec.options.clone();
        for (k, v) in &spec.params {
            if opts.params.insert(k.clone(), v.clone()).is_some() {
                return Err(semcom_core::CoreError::Config {
                    field: format!("schemes '{}' params", spec.label()),
                    msg: format!("'{k}' given in both params and options.params"),
                });
            }
        }
        semcom_schemes::build(&spec.name, &opts)
    }
    fn channel(&self, spec: &ChannelSpec) -> Result<Box<dyn ChannelModel>> {
        let p = semcom_channel::registry::params_from_table(&spec.name, &spec.params)?;
        semcom_channel::by_name(&spec.name, &p)
    }
    fn metrics(&self) -> MetricRegistry {
        MetricRegistry::with_task_metrics(None)
    }
}
