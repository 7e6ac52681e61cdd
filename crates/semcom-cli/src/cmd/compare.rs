//! `semcom compare` (not implemented yet).

use crate::Global;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: &Args, _g: &Global) -> anyhow::Result<()> {
    anyhow::bail!("'compare' is not implemented yet")
}
