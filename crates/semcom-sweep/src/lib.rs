//! # semcom-sweep
//!
//! Sweeps over schemes × channels × SNR × budget (k/n or BPP) × dataset, with resumable
//! journals, tables with 95 % confidence intervals and plots.
//!
//! ```text
//! SweepConfig (TOML) ─► Plan (validated: registries, datasets, grid) ─► engine::run
//!        ─► journal.jsonl (one JSON line per finished point; resume skips them)
//!        ─► report::write_report ─► per_image.{csv,json}, summary.{csv,json,md}, plots/*.{png,svg}
//! ```
//!
//! * [`config`]: the TOML format and its validation.
//! * [`plan`]: the grid, point keys, per-image seeds, shards.
//! * [`engine`]: runs points (images in parallel), journals them.
//! * [`journal`]: the JSON-lines journal, resume and merge.
//! * [`tables`], [`plot`], [`report`]: outputs.

pub mod config;
pub mod dataset;
pub mod engine;
pub mod error;
pub mod fsutil;
pub mod journal;
pub mod plan;
pub mod plot;
pub mod registry;
pub mod report;
pub mod stats;
pub mod tables;

pub use config::SweepConfig;
pub use engine::{run, RunOptions, RunSummary, SweepOutcome};
pub use error::{Result, SweepError};
pub use journal::{merge, Header, PointRecord};
pub use plan::{Plan, Shard};
pub use registry::{DefaultRegistry, Registry};
pub use report::{write_report, ReportFiles};
