//! `semcom sweep`, `semcom plot`, `semcom merge` (not implemented yet).

use crate::Global;

/// Arguments of `sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {}
/// Arguments of `plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {}
/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {}

/// Runs a sweep.
pub fn run(_args: &Args, _g: &Global) -> anyhow::Result<()> {
    anyhow::bail!("'sweep' is not implemented yet")
}
/// Redraws plots from a journal.
pub fn plot(_args: &PlotArgs, _g: &Global) -> anyhow::Result<()> {
    anyhow::bail!("'plot' is not implemented yet")
}
/// Merges journals.
pub fn merge(_args: &MergeArgs, _g: &Global) -> anyhow::Result<()> {
    anyhow::bail!("'merge' is not implemented yet")
}
