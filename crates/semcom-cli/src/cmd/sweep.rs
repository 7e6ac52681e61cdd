//! `semcom sweep`, `semcom plot`, `semcom merge`: grids of runs, resumable journals, tables
//! and plots (crate `semcom-sweep`; format and Slurm usage in `docs/sweeps.md`).

use crate::Global;
use anyhow::Context;
use semcom_sweep::{
    engine, journal, write_report, DefaultRegistry, Plan, ReportFiles, RunOptions, Shard,
    SweepConfig,
};
use std::path::{Path, PathBuf};

/// Arguments of `sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sweep configuration (TOML, see docs/sweeps.md).
    pub config: PathBuf,
    /// Output folder: journal, tables, plots. Re-running with the same folder resumes.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Run only the deterministic slice I/N of the grid (0 <= I < N), e.g. a Slurm array task.
    #[arg(long)]
    pub shard: Option<String>,
    /// Worker threads (default: all cores; results do not depend on it).
    #[arg(long, value_parser = crate::args::threads)]
    pub threads: Option<usize>,
    /// Write the tables but no plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Only validate the config (schemes, channels, datasets, budgets) and print the grid size.
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// Journal(s) to draw (several are merged first).
    #[arg(required = true)]
    pub journals: Vec<PathBuf>,
    /// Output folder for tables and plots.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Write the tables but no plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Journals to merge (e.g. `out/journal.shard-*.jsonl`).
    #[arg(required = true)]
    pub journals: Vec<PathBuf>,
    /// Output folder: `journal.jsonl` (deduplicated by point key) plus tables and plots.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Write the merged journal and tables but no plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// Runs (or resumes) a sweep, then writes its tables and plots.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .ok();
    }
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    let cfg = SweepConfig::load(&args.config)?;
    let plan = Plan::new(cfg, &DefaultRegistry)
        .with_context(|| format!("invalid sweep {}", args.config.display()))?;
    for w in &plan.warnings {
        eprintln!("semcom: warning: {w}");
    }
    let n_points = plan.shard_points(shard).len();
    if args.check {
        let images: usize = plan.datasets.iter().map(|d| d.items.len()).sum();
        if g.json {
            println!(
                "{}",
                serde_json::json!({"valid": true, "points": n_points, "images": images, "warnings": plan.warnings})
            );
        } else {
            println!(
                "{}: valid, {n_points} points, {images} images",
                args.config.display()
            );
        }
        return Ok(());
    }
    let out = engine::run(
        &plan,
        &args.out,
        &RunOptions {
            shard,
            progress: true,
        },
    )?;
    let files = write_report(&out.header, &out.records, &args.out, !args.no_plots)?;
    let s = &out.summary;
    if g.json {
        println!("{}", serde_json::json!({"summary": s, "report": files}));
    } else {
        println!(
            "{} points{}: {} already done, {} run, {} failed; journal {}",
            s.points,
            s.shard
                .as_deref()
                .map(|x| format!(" (shard {x})"))
                .unwrap_or_default(),
            s.already_done,
            s.ran,
            s.failed.len(),
            s.journal.display()
        );
        print_files(&args.out, &files);
        for f in &s.failed {
            eprintln!("semcom: failed point {}: {}", f.key, f.error);
        }
    }
    s.check()?;
    Ok(())
}

/// Redraws tables and plots from one or more journals.
pub fn plot(args: &PlotArgs, g: &Global) -> anyhow::Result<()> {
    let (header, records, stats) = journal::merge(&args.journals)?;
    let files = write_report(&header, &records, &args.out, !args.no_plots)?;
    if g.json {
        println!("{}", serde_json::json!({"merge": stats, "report": files}));
    } else {
        println!("{} points from {} journal(s)", stats.points, stats.inputs);
        print_files(&args.out, &files);
    }
    Ok(())
}

/// Merges journals (deduplicating by point key) into `OUT/journal.jsonl`, then writes tables and plots.
pub fn merge(args: &MergeArgs, g: &Global) -> anyhow::Result<()> {
    let (header, records, stats) = journal::merge(&args.journals)?;
    let path = args.out.join("journal.jsonl");
    if args.journals.iter().any(|j| same_file(j, &path)) {
        anyhow::bail!(
            "the output {} is one of the inputs; choose another folder",
            path.display()
        );
    }
    journal::write_all(&path, &header, &records)?;
    let files = write_report(&header, &records, &args.out, !args.no_plots)?;
    if g.json {
        println!(
            "{}",
            serde_json::json!({"journal": path, "merge": stats, "report": files})
        );
    } else {
        println!(
            "merged {} journal(s): {} points ({} duplicates dropped, {} conflicting copies dropped) -> {}",
            stats.inputs,
            stats.points,
            stats.duplicates,
            stats.conflicts,
            path.display()
        );
        print_files(&args.out, &files);
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn print_files(out: &Path, files: &ReportFiles) {
    println!(
        "tables: {} files in {}; plots: {} files in {}",
        files.tables.len(),
        out.display(),
        files.plots.len(),
        out.join("plots").display()
    );
}
