//! The sweep engine: runs the grid points of a [`Plan`] (images of a point in parallel with
//! rayon), appends each finished point to the journal, and skips points already there.
//!
//! Every item (still, clip or stereo pair) is measured by [`semcom_measure::measure`] on the
//! 8-bit reconstruction, the one measurement path of every command.
//!
//! Determinism: item `i` at point `key` runs `run_chain` with the link seed
//! [`crate::plan::image_seed`]`(seed, key, i)`, so results depend neither on scheduling, nor on
//! the number of threads, nor on the shard, nor on whether the run was resumed.

use crate::error::{Result, SweepError};
use crate::journal::{sort_records, Header, ImageRecord, Journal, PointRecord, FORMAT};
use crate::plan::{image_seed, Plan, Point, Shard};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use semcom_core::chain::Link;
use semcom_core::{run_chain, Budget};
use semcom_measure::{measure, References};
use serde::Serialize;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Options of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Run only this slice of the grid.
    pub shard: Option<Shard>,
    /// Show a progress bar on stderr (hidden anyway when stderr is not a terminal).
    pub progress: bool,
}

/// A point that failed (it is not journaled, so a re-run retries it).
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// Point key.
    pub key: String,
    /// Error message (image name included).
    pub error: String,
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// The journal written.
    pub journal: PathBuf,
    /// Shard run (`I/N`), if any.
    pub shard: Option<String>,
    /// Points in this run's slice of the grid.
    pub points: usize,
    /// Points found finished in the journal and skipped.
    pub already_done: usize,
    /// Points run now.
    pub ran: usize,
    /// Points that failed.
    pub failed: Vec<Failure>,
    /// Plan warnings (optional schemes skipped).
    pub warnings: Vec<String>,
}

/// A finished run: its summary and every journaled point of the slice, in grid order.
pub struct SweepOutcome {
    /// What the run did.
    pub summary: RunSummary,
    /// The journal header.
    pub header: Header,
    /// All finished points (earlier runs included).
    pub records: Vec<PointRecord>,
}

/// The journal file of a run: `journal.jsonl`, or `journal.shard-I-of-N.jsonl` for a shard.
pub fn journal_path(out_dir: &Path, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => out_dir.join("journal.jsonl"),
        Some(s) => out_dir.join(format!("journal.shard-{}-of-{}.jsonl", s.index, s.count)),
    }
}

/// Runs (or resumes) the sweep into `out_dir`.
pub fn run(plan: &Plan, out_dir: &Path, opts: &RunOptions) -> Result<SweepOutcome> {
    let path = journal_path(out_dir, opts.shard);
    // One run per journal: a second run into the same folder would redo every point.
    let _lock = crate::fsutil::FileLock::acquire(&path)?;
    let (mut journal, mut records) = Journal::open(&path, &plan.config)?;
    let points = plan.shard_points(opts.shard);
    let todo: Vec<&Point> = points
        .iter()
        .copied()
        .filter(|p| !journal.is_done(&p.key))
        .collect();
    let bar = progress_bar(todo.len(), opts.progress);
    let mut failed = Vec::new();
    for p in &todo {
        bar.set_message(p.key.clone());
        match run_point(plan, p) {
            Ok(rec) => {
                journal.append(&rec)?;
                records.push(rec);
            }
            Err(error) => failed.push(Failure {
                key: p.key.clone(),
                error,
            }),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    sort_records(&mut records);
    let summary = RunSummary {
        journal: path,
        shard: opts.shard.map(|s| s.to_string()),
        points: points.len(),
        already_done: points.len() - todo.len(),
        ran: todo.len() - failed.len(),
        failed,
        warnings: plan.warnings.clone(),
    };
    Ok(SweepOutcome {
        summary,
        header: Header {
            format: FORMAT,
            config: plan.config.clone(),
        },
        records,
    })
}

impl RunSummary {
    /// `Err(PointsFailed)` when some point failed.
    pub fn check(&self) -> Result<()> {
        match self.failed.first() {
            None => Ok(()),
            Some(f) => Err(SweepError::PointsFailed {
                count: self.failed.len(),
                first: format!("{}: {}", f.key, f.error),
            }),
        }
    }
}

/// Runs one grid point over all images of its dataset, in parallel; the first failing image
/// (error or panic inside a scheme) fails the point.
pub fn run_point(plan: &Plan, p: &Point) -> std::result::Result<PointRecord, String> {
    let ps = &plan.schemes[p.scheme];
    let scheme = ps
        .scheme
        .as_deref()
        .ok_or_else(|| format!("scheme '{}' is not available", ps.spec.label()))?;
    let ch = &plan.channels[p.channel];
    let model = ch
        .model
        .as_deref()
        .ok_or_else(|| format!("channel '{}' is not available", ch.spec.label()))?;
    let ds = &plan.datasets[p.dataset];
    let link_base = |seed| Link {
        channel: model,
        snr_db: p.snr_db,
        seed,
    };
    let images = ds
        .items
        .par_iter()
        .enumerate()
        .map(|(i, di)| {
            let seed = image_seed(plan.config.seed, &p.key, i);
            let out = catch_unwind(AssertUnwindSafe(|| {
                run_chain(scheme, &di.source, &p.budget, &link_base(seed))
            }))
            .map_err(|e| {
                format!(
                    "{}: scheme panicked: {}",
                    di.name,
                    panic_message(e.as_ref())
                )
            })?
            .map_err(|e| format!("{}: {e}", di.name))?;
            let m: BTreeMap<String, Option<f64>> = measure(
                &plan.metrics,
                &plan.config.metrics,
                &di.source,
                &out.views,
                &References::default(),
            )
            .map_err(|e| format!("{}: {e}", di.name))?
            .values;
            let a = out.accounting;
            Ok(ImageRecord {
                index: i,
                name: di.name.clone(),
                seed,
                k_over_n: a.k_over_n(),
                bpp: a.bpp(),
                payload_bpp: a.payload_bpp(),
                decode_ok: a.decode_ok,
                metrics: m,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    Ok(PointRecord {
        key: p.key.clone(),
        index: p.index,
        scheme: ps.spec.label().to_string(),
        scheme_name: ps.spec.name.clone(),
        channel: ch.spec.label().to_string(),
        dataset: ds.name.clone(),
        budget: p.budget.label(),
        kn: match p.budget {
            Budget::Cbr(r) => Some(r.value()),
            Budget::Bpp(_) => None,
        },
        bpp_budget: match p.budget {
            Budget::Bpp(b) => Some(b),
            Budget::Cbr(_) => None,
        },
        snr_db: p.snr_db,
        images,
    })
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn progress_bar(n: usize, show: bool) -> ProgressBar {
    let target = if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(n as u64), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} points (eta {eta}) {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
