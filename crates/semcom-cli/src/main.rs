//! `semcom`: build, simulate and measure semantic communication of images and video.
//!
//! Every sub-command lives in its own module under `cmd/`; each takes `--json` (global) and
//! then prints one JSON object or JSON lines on stdout.
//!
//! Error convention: a usage error (unknown flag, bad or out-of-range value, contradictory
//! flags) prints one line on stderr and exits with 2; a run-time error (missing or corrupt
//! file, failed write) prints one line and exits with 1. A closed stdout pipe (`| head`) is a
//! normal end (exit 0).

use clap::{Parser, Subcommand};

mod args;
mod cmd;
mod output;
mod progress;

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
    install_output_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_exit(e),
    };
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
        let broken_pipe = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            std::process::exit(0);
        }
        let code = if e.chain().any(|c| c.is::<args::Usage>()) {
            2
        } else {
            1
        };
        eprintln!("semcom: error: {}", one_line(&e));
        std::process::exit(code);
    }
}

/// The error and its causes on one line, each cause once: a cause whose text its parent
/// already shows (e.g. an OS error inside "path: OS error") is not repeated.
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for c in e.chain() {
        let t = c.to_string();
        if !msg.contains(&t) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&t);
        }
    }
    msg.replace('\n', " ")
}

/// Prints a clap error as one line and exits with 2 (help and version go to stdout, exit 0).
fn usage_exit(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // clap's text: "error: <what>" (+ indented detail lines), a blank line, then usage/tips.
    let text = e.render().to_string();
    let what: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim())
        .collect();
    let what = what.join(" ");
    let what = what.strip_prefix("error: ").unwrap_or(&what);
    eprintln!("semcom: error: {what} (see --help)");
    std::process::exit(2);
}

/// `println!` panics when stdout fails: a closed pipe (`semcom … | head -1`) ends the process
/// quietly with exit 0, any other write error (a full disk) becomes one error line and exit 1.
/// Other panics keep the default report.
fn install_output_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Some(cause) = msg.strip_prefix("failed printing to stdout: ") {
            if cause.contains("Broken pipe") {
                std::process::exit(0);
            }
            eprintln!("semcom: error: writing to standard output: {cause}");
            std::process::exit(1);
        }
        default(info)
    }));
}
