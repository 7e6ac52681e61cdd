//! A validated, ready-to-run sweep: registries resolved, datasets loaded, grid enumerated.
//!
//! Grid order (and point index): scheme × channel × dataset × budget × SNR, SNR innermost,
//! over the *whole* config (also over optional schemes this build lacks), so indices, shard
//! slices and seeds do not change when a scheme becomes available later.

use crate::config::{check_bpp_carriable, ChannelSpec, SchemeSpec, SweepConfig};
use crate::dataset::{self, Dataset};
use crate::error::{Result, SweepError};
use crate::registry::Registry;
use semcom_core::rng::{derive_seed, derive_seed_str};
use semcom_core::{Budget, ChannelModel, CoreError, Scheme};
use semcom_measure::{measure, MetricRegistry, References};
use std::fmt;
use std::str::FromStr;

/// One grid point.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position in the full grid (see the module docs).
    pub index: usize,
    /// Stable identity: `scheme|channel|dataset|budget|snr=…` (journal and merge key).
    pub key: String,
    /// Index into [`Plan::schemes`].
    pub scheme: usize,
    /// Index into [`Plan::channels`].
    pub channel: usize,
    /// Index into [`Plan::datasets`].
    pub dataset: usize,
    /// The budget.
    pub budget: Budget,
    /// Es/N0 in dB.
    pub snr_db: f64,
}

/// The point key `scheme|channel|dataset|budget|snr=S`.
pub fn point_key(
    scheme: &str,
    channel: &str,
    dataset: &str,
    budget: &Budget,
    snr_db: f64,
) -> String {
    format!(
        "{scheme}|{channel}|{dataset}|{}|snr={snr_db}",
        budget.label()
    )
}

/// Seed of one image at one point: derive_seed(derive_seed_str(base, key), [image index]).
pub fn image_seed(base: u64, key: &str, image_index: usize) -> u64 {
    derive_seed(derive_seed_str(base, key), &[image_index as u64])
}

/// A deterministic slice `I/N` of the grid: the points whose index ≡ I (mod N).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Slice number, 0 ≤ index < count.
    pub index: usize,
    /// Number of slices.
    pub count: usize,
}

impl Shard {
    /// Whether grid point `i` belongs to this shard.
    pub fn contains(&self, i: usize) -> bool {
        i % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = SweepError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || SweepError::Shard(s.into());
        let (a, b) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = a.trim().parse().map_err(|_| bad())?;
        let count: usize = b.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A scheme ready to run.
pub struct PlannedScheme {
    /// Its config entry.
    pub spec: SchemeSpec,
    /// The built scheme (`None` = optional and not available in this build).
    pub scheme: Option<Box<dyn Scheme>>,
}

/// A channel ready to run.
pub struct PlannedChannel {
    /// Its config entry.
    pub spec: ChannelSpec,
    /// The built model (`None` = optional and not available in this build).
    pub model: Option<Box<dyn ChannelModel>>,
}

/// A validated sweep.
pub struct Plan {
    /// The configuration.
    pub config: SweepConfig,
    /// Schemes in config order.
    pub schemes: Vec<PlannedScheme>,
    /// Channels in config order.
    pub channels: Vec<PlannedChannel>,
    /// Loaded datasets in config order.
    pub datasets: Vec<Dataset>,
    /// Every point of the grid whose scheme and channel are available, in grid order.
    pub points: Vec<Point>,
    /// Warnings (optional schemes skipped, with the reason).
    pub warnings: Vec<String>,
    /// The metrics the config names come from.
    pub metrics: MetricRegistry,
}

impl Plan {
    /// Validates `config` completely before any work: fields, scheme and channel names (via
    /// `registry`), datasets (exist, non-empty, decodable) and BPP budgets against the
    /// colour planes of each dataset.
    pub fn new(config: SweepConfig, registry: &dyn Registry) -> Result<Self> {
        config.validate()?;
        let metrics = registry.metrics();
        for (i, m) in config.metrics.iter().enumerate() {
            metrics
                .get(m)
                .map_err(|e| SweepError::config(format!("metrics[{i}]"), e.to_string()))?;
        }
        let mut warnings = Vec::new();
        let mut schemes = Vec::new();
        for (i, spec) in config.schemes.iter().enumerate() {
            let scheme = match registry.scheme(spec) {
                Ok(s) => Some(s),
                Err(e) if spec.optional => {
                    warnings.push(format!("scheme '{}' skipped (optional): {e}", spec.label()));
                    None
                }
                Err(e) => return Err(field_error(format!("schemes[{i}].name"), e)),
            };
            schemes.push(PlannedScheme {
                spec: spec.clone(),
                scheme,
            });
        }
        if schemes.iter().all(|s| s.scheme.is_none()) {
            return Err(SweepError::config(
                "schemes",
                "none of the schemes is available in this build",
            ));
        }
        let mut channels = Vec::new();
        for (i, spec) in config.channels.iter().enumerate() {
            let model = match registry.channel(spec) {
                Ok(m) => Some(m),
                Err(e) if spec.optional => {
                    warnings.push(format!(
                        "channel '{}' skipped (optional): {e}",
                        spec.label()
                    ));
                    None
                }
                Err(e) => return Err(field_error(format!("channels[{i}].name"), e)),
            };
            channels.push(PlannedChannel {
                spec: spec.clone(),
                model,
            });
        }
        if channels.iter().all(|c| c.model.is_none()) {
            return Err(SweepError::config(
                "channels",
                "none of the channels is available in this build",
            ));
        }
        let mut datasets = Vec::new();
        for (i, spec) in config.datasets.iter().enumerate() {
            let ds = dataset::load(spec, &format!("datasets[{i}]"))?;
            for (j, b) in config.budgets.bpp.iter().enumerate() {
                check_bpp_carriable(*b, config.bpp_cap_kn(), ds.min_channels()).map_err(|m| {
                    SweepError::config(
                        format!("budgets.bpp[{j}]"),
                        format!("{m} (dataset '{}')", ds.name),
                    )
                })?;
            }
            if let Some(first) = ds.items.iter().min_by_key(|d| {
                let v = &d.source.views()[0];
                v.width().min(v.height())
            }) {
                for (j, m) in config.metrics.iter().enumerate() {
                    let views = first.source.views();
                    let one = [m.clone()];
                    measure(&metrics, &one, &first.source, views, &References::default()).map_err(
                        |e| {
                            SweepError::config(
                                format!("metrics[{j}]"),
                                format!(
                                    "'{m}' is undefined on dataset '{}' ({}): {e}",
                                    ds.name, first.name
                                ),
                            )
                        },
                    )?;
                }
            }
            datasets.push(ds);
        }
        let snrs = config.snrs();
        let budgets = config.budget_list();
        let mut points = Vec::new();
        let mut index = 0;
        for (si, s) in schemes.iter().enumerate() {
            for (ci, c) in channels.iter().enumerate() {
                for (di, d) in datasets.iter().enumerate() {
                    for b in &budgets {
                        for &snr_db in &snrs {
                            let modality = d.items[0].source.kind().modality();
                            let accepts = s.scheme.as_ref().is_some_and(|x| x.accepts(modality));
                            if accepts && c.model.is_some() {
                                let key =
                                    point_key(s.spec.label(), c.spec.label(), &d.name, b, snr_db);
                                points.push(Point {
                                    index,
                                    key,
                                    scheme: si,
                                    channel: ci,
                                    dataset: di,
                                    budget: *b,
                                    snr_db,
                                });
                            }
                            index += 1;
                        }
                    }
                }
            }
        }
        for s in &schemes {
            for d in &datasets {
                let modality = d.items[0].source.kind().modality();
                if s.scheme.as_ref().is_some_and(|x| !x.accepts(modality)) {
                    warnings.push(format!(
                        "scheme '{}' does not transmit {} sources: skipped on dataset '{}'",
                        s.spec.label(),
                        modality.name(),
                        d.name
                    ));
                }
            }
        }
        Ok(Plan {
            config,
            schemes,
            channels,
            datasets,
            points,
            warnings,
            metrics,
        })
    }

    /// The points of one shard (all points when `shard` is `None`).
    pub fn shard_points(&self, shard: Option<Shard>) -> Vec<&Point> {
        self.points
            .iter()
            .filter(|p| shard.is_none_or(|s| s.contains(p.index)))
            .collect()
    }
}

fn field_error(field: String, e: CoreError) -> SweepError {
    SweepError::config(field, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        let s: Shard = "1/3".parse().unwrap();
        assert!(s.contains(4) && !s.contains(3));
        assert!("3/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        assert_eq!(s.to_string(), "1/3");
    }

    #[test]
    fn seeds_depend_on_key_and_index_only() {
        assert_eq!(image_seed(1, "a", 3), image_seed(1, "a", 3));
        assert_ne!(image_seed(1, "a", 3), image_seed(1, "a", 4));
        assert_ne!(image_seed(1, "a", 3), image_seed(1, "b", 3));
        assert_ne!(image_seed(1, "a", 3), image_seed(2, "a", 3));
    }
}
