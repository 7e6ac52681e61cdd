//! `semcom`: build, simulate and measure semantic communication of images and video.
//!
//! Every sub-command lives in its own module under `cmd/`; each takes `--json` (global) and
//! then prints one JSON object or JSON lines on stdout. Errors print one line and exit non-zero.

use clap::{Parser, Subcommand};

mod cmd;
mod output;

/// Options shared by every command.
#[derive(clap::Args, Debug, Clone)]
pub struct Global {
    /// Print machine-readable JSON (one object, or JSON lines for streams) on stdout.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Parser, Debug)]
#[command(
    name = "semcom",
    version,
    about = "Semantic communication of images and video: schemes, channels, codecs, metrics"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send a built-in test card (or an image) through every available scheme and tabulate.
    Demo(cmd::demo::Args),
    /// Send one image through one scheme over one link.
    Transmit(cmd::transmit::Args),
    /// Send a video clip through any clip scheme (H.264 + LDPC + QAM, or an image scheme per frame); per-frame quality and losses.
    Video(cmd::video::Args),
    /// Send a stereo pair through any scheme; per-view quality.
    Stereo(cmd::stereo::Args),
    /// Uncoded BER of a modulation over a channel, measured against the closed form.
    BerSim(cmd::ber_sim::Args),
    /// 5G NR LDPC BLER/BER waterfall simulation.
    LdpcSim(cmd::ldpc_sim::Args),
    /// Classical codecs: encode/decode at a target rate, rate-distortion tables.
    Codec(cmd::codec::Args),
    /// Every image metric for an original/reconstruction pair (or two folders).
    Compare(cmd::compare::Args),
    /// Train a neural scheme from a TOML config.
    Train(cmd::train::Args),
    /// Evaluate a trained neural scheme over a dataset and a range of SNRs.
    Eval(cmd::eval::Args),
    /// Semantic segmentation with a pretrained ESPNet.
    Segment(cmd::segment::Args),
    /// Object detection with a pretrained YOLOv5n.
    Detect(cmd::detect::Args),
    /// Optical flow: train or run the SpyNet-style flow network.
    Flow(cmd::flow::Args),
    /// Run a sweep (schemes × channels × SNR × budget × dataset) from a TOML config.
    Sweep(cmd::sweep::Args),
    /// Redraw plots and tables from a sweep journal.
    Plot(cmd::sweep::PlotArgs),
    /// Merge sweep journals from shards.
    Merge(cmd::sweep::MergeArgs),
}

fn main() {
    let cli = Cli::parse();
    // LibTorch's activation buffers stay on the heap (see semcom_nn::tune_allocator).
    semcom_nn::tune_allocator();
    let g = cli.global;
    let res = match &cli.command {
        Command::Demo(a) => cmd::demo::run(a, &g),
        Command::Transmit(a) => cmd::transmit::run(a, &g),
        Command::Video(a) => cmd::video::run(a, &g),
        Command::Stereo(a) => cmd::stereo::run(a, &g),
        Command::BerSim(a) => cmd::ber_sim::run(a, &g),
        Command::LdpcSim(a) => cmd::ldpc_sim::run(a, &g),
        Command::Codec(a) => cmd::codec::run(a, &g),
        Command::Compare(a) => cmd::compare::run(a, &g),
        Command::Train(a) => cmd::train::run(a, &g),
        Command::Eval(a) => cmd::eval::run(a, &g),
        Command::Segment(a) => cmd::segment::run(a, &g),
        Command::Detect(a) => cmd::detect::run(a, &g),
        Command::Flow(a) => cmd::flow::run(a, &g),
        Command::Sweep(a) => cmd::sweep::run(a, &g),
        Command::Plot(a) => cmd::sweep::plot(a, &g),
        Command::Merge(a) => cmd::sweep::merge(a, &g),
    };
    if let Err(e) = res {
        // One clear line: the error and its causes, joined.
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("semcom: error: {msg}");
        std::process::exit(1);
    }
}
