//! `semcom ber-sim` (not implemented yet).

use crate::Global;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: &Args, _g: &Global) -> anyhow::Result<()> {
    anyhow::bail!("'ber-sim' is not implemented yet")
}
