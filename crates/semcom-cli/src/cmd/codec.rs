//! `semcom codec`: classical codecs at a target rate (`encode`, `decode`) and the Kodak
//! rate–distortion table (`rd`: mean PSNR-RGB and achieved BPP per target BPP, with the
//! CompressAI reference interpolated at the achieved BPP). See `docs/codecs.md`.

use crate::args::{count_usize, finite_f32_in, positive_in, usage};
use crate::output::{save_image_atomic, write_atomic};
use crate::Global;
use anyhow::{bail, Context};
use semcom_codecs::psnr::try_psnr_u8;
use semcom_codecs::rd::{load_reference, measure, png_files};
use semcom_codecs::{
    bpp_of, codec_by_name, codec_names, with_channels, CodecError, ImageCodec, RateTarget,
};
use semcom_core::Image;
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Rate–distortion table over a folder of images (default: the 24 Kodak images).
    Rd(RdArgs),
    /// Encode one image to a file at a quality, a BPP or a byte cap.
    Encode(EncodeArgs),
    /// Decode one file to PNG.
    Decode(DecodeArgs),
    /// List the codecs of this build.
    List,
}

/// `codec rd` arguments.
#[derive(clap::Args, Debug)]
struct RdArgs {
    /// Codec name (jpeg, jpeg2000, webp, avif, hevc).
    #[arg(long, default_value = "jpeg")]
    codec: String,
    /// Target bits per pixel, comma separated (each in (0, 64]).
    #[arg(long, value_delimiter = ',', default_value = "0.25,0.5,1.0", value_parser = positive_in(MAX_BPP))]
    bpp: Vec<f64>,
    /// Native quality values instead of BPP targets (to compare with reference points of the same parameter).
    #[arg(long, value_delimiter = ',', value_parser = finite_f32_in(0.0, 100.0))]
    quality: Vec<f32>,
    /// Folder of PNG images.
    #[arg(long, default_value = "../shared/data/kodak")]
    data: PathBuf,
    /// CompressAI reference JSON (default: `<data>/../../reference/codecs_kodak_reference.json` if present).
    #[arg(long)]
    reference: Option<PathBuf>,
}

/// `codec encode` arguments.
#[derive(clap::Args, Debug)]
struct EncodeArgs {
    /// Codec name.
    #[arg(long)]
    codec: String,
    /// Native quality in [0, 100] (JPEG2000: target PSNR in dB).
    #[arg(long, conflicts_with_all = ["bpp", "max_bytes"], value_parser = finite_f32_in(0.0, 100.0))]
    quality: Option<f32>,
    /// Target bits per pixel in (0, 64] (largest stream not above it).
    #[arg(long, conflicts_with = "max_bytes", value_parser = positive_in(MAX_BPP))]
    bpp: Option<f64>,
    /// Largest stream size in bytes (at most 2^30).
    #[arg(long, value_parser = count_usize(1, 1 << 30))]
    max_bytes: Option<usize>,
    /// Input image (PNG/JPEG/WebP).
    input: PathBuf,
    /// Output stream file.
    #[arg(short, long)]
    output: PathBuf,
}

/// `codec decode` arguments.
#[derive(clap::Args, Debug)]
struct DecodeArgs {
    /// Codec name.
    #[arg(long)]
    codec: String,
    /// Input stream file.
    input: PathBuf,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    /// Original image, to print the PSNR of the reconstruction.
    #[arg(long)]
    original: Option<PathBuf>,
}

/// Highest BPP target (twice the 24 bpp of raw RGB: any codec's stream fits).
const MAX_BPP: f64 = 64.0;

/// The codec of `--codec`; an unknown name is a usage error.
fn codec_arg(name: &str) -> anyhow::Result<Box<dyn ImageCodec>> {
    codec_by_name(name).map_err(usage)
}

/// A rate target the codec refuses (quality outside its range) is a usage error.
fn target_error(e: CodecError) -> anyhow::Error {
    match e {
        CodecError::InvalidTarget(_) => usage(e),
        e => e.into(),
    }
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    match &args.cmd {
        Sub::Rd(a) => rd(a, g),
        Sub::Encode(a) => encode(a, g),
        Sub::Decode(a) => decode(a, g),
        Sub::List => {
            let names = codec_names();
            if g.json {
                println!(
                    "{}",
                    serde_json::json!({ "codecs": names, "video": ["h264"] })
                );
            } else {
                println!("image codecs: {}\nvideo codecs: h264", names.join(", "));
            }
            Ok(())
        }
    }
}

fn encode(a: &EncodeArgs, g: &Global) -> anyhow::Result<()> {
    let codec = codec_arg(&a.codec)?;
    let img = Image::load(&a.input)?;
    let target = match (a.quality, a.bpp, a.max_bytes) {
        (Some(q), _, _) => RateTarget::Quality(q),
        (_, Some(b), _) => RateTarget::Bpp(b),
        (_, _, Some(n)) => RateTarget::MaxBytes(n),
        _ => bail!(usage("give one of --quality, --bpp, --max-bytes")),
    };
    let bytes = codec.encode(&img, target).map_err(target_error)?;
    let psnr = try_psnr_u8(&img, &with_channels(codec.decode(&bytes)?, img.channels()))?;
    write_atomic(&a.output, &bytes)?;
    let bpp = bpp_of(bytes.len(), img.width(), img.height());
    if g.json {
        println!(
            "{}",
            serde_json::json!({"codec": codec.name(), "bytes": bytes.len(), "bpp": bpp, "psnr_rgb": psnr,
                "width": img.width(), "height": img.height(), "output": a.output})
        );
    } else {
        println!(
            "{}: {} bytes, {bpp:.4} bpp, PSNR {psnr:.3} dB -> {}",
            codec.name(),
            bytes.len(),
            a.output.display()
        );
    }
    Ok(())
}

fn decode(a: &DecodeArgs, g: &Global) -> anyhow::Result<()> {
    let codec = codec_arg(&a.codec)?;
    let bytes =
        std::fs::read(&a.input).with_context(|| format!("reading {}", a.input.display()))?;
    let mut img = codec.decode(&bytes)?;
    let psnr = match &a.original {
        Some(p) => {
            let o = Image::load(p)?;
            img = with_channels(img, o.channels());
            let psnr =
                try_psnr_u8(&o, &img).with_context(|| format!("--original {}", p.display()))?;
            Some(psnr)
        }
        None => None,
    };
    save_image_atomic(&img, &a.output)?;
    let bpp = bpp_of(bytes.len(), img.width(), img.height());
    if g.json {
        println!(
            "{}",
            serde_json::json!({"codec": codec.name(), "bytes": bytes.len(), "bpp": bpp, "psnr_rgb": psnr,
            "width": img.width(), "height": img.height(), "output": a.output})
        );
    } else {
        let ps = psnr
            .map(|p| format!(", PSNR {p:.3} dB"))
            .unwrap_or_default();
        println!(
            "{}x{} from {} bytes ({bpp:.4} bpp){ps} -> {}",
            img.width(),
            img.height(),
            bytes.len(),
            a.output.display()
        );
    }
    Ok(())
}

fn rd(a: &RdArgs, g: &Global) -> anyhow::Result<()> {
    let codec = codec_arg(&a.codec)?;
    let files = png_files(&a.data)?;
    if files.is_empty() {
        bail!("no PNG images in {}", a.data.display());
    }
    let images: Vec<Image> = files.iter().map(Image::load).collect::<Result<_, _>>()?;
    // A reference named on the command line must load; the default one is used when present.
    let reference = match &a.reference {
        Some(p) => load_reference(p, codec.name())?,
        None => {
            let p = a.data.join("../../reference/codecs_kodak_reference.json");
            match p.exists() {
                true => load_reference(&p, codec.name())?,
                false => None,
            }
        }
    };
    let targets: Vec<RateTarget> = if a.quality.is_empty() {
        a.bpp.iter().map(|&b| RateTarget::Bpp(b)).collect()
    } else {
        a.quality.iter().map(|&q| RateTarget::Quality(q)).collect()
    };
    let pb = crate::progress::bar((targets.len() * images.len()) as u64, "images");
    let rows = measure(
        codec.as_ref(),
        &images,
        &targets,
        reference.as_deref(),
        &|| pb.inc(1),
    )
    .map_err(target_error)?;
    pb.finish_and_clear();
    if g.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        println!(
            "codec {} on {} images ({})",
            codec.name(),
            images.len(),
            a.data.display()
        );
        println!("| target | achieved bpp | PSNR-RGB (dB) | reference at achieved bpp (dB) | delta (dB) |");
        println!("|---|---|---|---|---|");
        for r in &rows {
            let (rs, ds) = match (r.reference_psnr_rgb, r.delta_db) {
                (Some(x), Some(d)) => (format!("{x:.3}"), format!("{d:+.3}")),
                _ => ("-".into(), "-".into()),
            };
            let t = match r.target {
                RateTarget::Bpp(b) => format!("{b} bpp"),
                RateTarget::Quality(q) => format!("quality {q}"),
                RateTarget::MaxBytes(n) => format!("{n} bytes"),
            };
            println!("| {t} | {:.4} | {:.3} | {rs} | {ds} |", r.bpp, r.psnr_rgb);
        }
    }
    Ok(())
}
