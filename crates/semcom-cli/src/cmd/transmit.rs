//! `semcom transmit`: one image through one scheme over one link.

use crate::output::{load_or_card, print_table, run_one, BudgetArgs, ChannelArgs, SchemeArgs};
use crate::Global;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input image (PNG, JPEG, WebP); default: the built-in test card.
    pub input: Option<PathBuf>,
    /// Scheme name (see `semcom demo --list`).
    #[arg(long)]
    pub scheme: String,
    #[command(flatten)]
    pub channel: ChannelArgs,
    /// Es/N0 per complex channel use, dB.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::args::snr_db)]
    pub snr: f64,
    #[command(flatten)]
    pub budget: BudgetArgs,
    #[command(flatten)]
    pub scheme_opts: SchemeArgs,
    /// Seed of the run (encoder and channel streams derive from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the reconstruction (PNG).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

/// Runs the command.
pub fn run(a: &Args, g: &Global) -> Result<()> {
    let src = load_or_card(a.input.as_deref(), 256, 192)?;
    let budget = a.budget.budget(None)?;
    let scheme = semcom_schemes::build(&a.scheme, &a.scheme_opts.options()?)?;
    let channel = a.channel.build()?;
    let (mut row, rec) = run_one(&*scheme, &*channel, &src, &budget, a.snr, a.seed)?;
    if let Some(out) = &a.output {
        rec.save(out)
            .with_context(|| format!("writing {}", out.display()))?;
        row.output = Some(out.display().to_string());
    }
    if g.json {
        println!("{}", serde_json::to_string(&row)?);
    } else {
        print_table(std::slice::from_ref(&row));
        if !row.decode_ok {
            println!("{}", failure_line(&row.accounting));
        }
    }
    Ok(())
}

/// Why the receiver shows the fallback, in one line.
pub fn failure_line(a: &semcom_core::Accounting) -> String {
    use semcom_core::DecodeFailure as F;
    let why = match a.failure {
        Some(F::DidNotFit) => {
            "the coarsest source coding does not fit the budget: nothing was sent"
        }
        Some(F::Channel) => "the channel code failed (CRC or capacity outage)",
        Some(F::Source) | None => "the source decoder rejected the received stream",
    };
    format!("decode failed: {why}; the receiver shows the mid-grey fallback image")
}
