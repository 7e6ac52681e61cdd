//! `semcom segment`: semantic segmentation with a pretrained ESPNet (`semcom_zoo::espnet`),
//! and the full CamVid-test mIoU check (`--eval-camvid DIR`).

use crate::args::{ensure_usage, threads};
use crate::output::{output_paths, save_image_atomic};
use crate::Global;
use semcom_core::Image;
use semcom_zoo::espnet::{eval_camvid, label_image, overlay, Espnet, EspnetModel};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input image(s) (PNG, JPEG or WebP).
    images: Vec<PathBuf>,
    /// Checkpoint: camvid (12 outputs) or cityscapes (20 outputs).
    #[arg(long, default_value = "camvid")]
    model: String,
    /// Weights file (default: $SEMCOM_MODELS/espnet/espnet_<model>.safetensors, SEMCOM_MODELS
    /// defaulting to ../shared/models).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Output directory for `<stem>_labels.png` (class ids as grey values) and `<stem>_overlay.png`.
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Evaluate mIoU on a CamVid-layout folder (test/ + testannot/) instead of segmenting images.
    #[arg(long)]
    eval_camvid: Option<PathBuf>,
    /// LibTorch intra-op threads, 1..=256 (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value = "1", value_parser = threads)]
    threads: usize,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    let model = EspnetModel::parse(&args.model).map_err(crate::args::usage)?;
    // Every output name is fixed before the network loads: two inputs of one stem would
    // overwrite each other's results.
    let outputs = match (&args.eval_camvid, &args.out) {
        (Some(_), _) => Vec::new(),
        (None, Some(out)) => {
            ensure_usage!(
                !args.images.is_empty(),
                "give at least one image (or --eval-camvid DIR)"
            );
            output_paths(&args.images, out, &["labels.png", "overlay.png"])?
        }
        (None, None) => return Err(crate::args::usage("-o OUT_DIR is required")),
    };
    ensure_usage!(
        args.eval_camvid.is_none() || model == EspnetModel::Camvid,
        "--eval-camvid needs --model camvid"
    );
    semcom_zoo::tch::set_num_threads(args.threads as i32);
    let net = Espnet::load(model, args.weights.as_deref())?;
    if let Some(dir) = &args.eval_camvid {
        let bar = crate::progress::bar(0, "images");
        let cm = eval_camvid(&net, dir, |i, n| {
            bar.set_length(n as u64);
            bar.set_position(i as u64);
        })?;
        bar.finish_and_clear();
        let miou = cm.miou()?;
        let iou = cm.iou();
        let names = model.class_names();
        if g.json {
            let per: serde_json::Map<String, serde_json::Value> = iou
                .iter()
                .enumerate()
                .filter_map(|(c, v)| v.map(|v| (names[c].to_string(), v.into())))
                .collect();
            println!(
                "{}",
                serde_json::json!({"miou": miou, "pixel_accuracy": cm.pixel_accuracy()?, "pixels": cm.total(), "iou": per})
            );
        } else {
            println!(
                "CamVid mIoU over {} classes: {miou:.4} (pixel accuracy {:.4})",
                iou.iter().flatten().count(),
                cm.pixel_accuracy()?
            );
            for (c, v) in iou.iter().enumerate() {
                if let Some(v) = v {
                    println!("  {:<12} {v:.4}", names[c]);
                }
            }
        }
        return Ok(());
    }
    for (path, outs) in args.images.iter().zip(&outputs) {
        let (lp, op) = (&outs[0], &outs[1]);
        let img = Image::load(path)?;
        let labels = net.segment(&img)?;
        save_image_atomic(&label_image(&labels, img.width(), img.height())?, lp)?;
        save_image_atomic(&overlay(&img, &labels, model.palette(), 0.5)?, op)?;
        let mut hist = vec![0usize; model.classes() as usize];
        for &l in &labels {
            hist[l as usize] += 1;
        }
        let names = model.class_names();
        if g.json {
            let h: serde_json::Map<String, serde_json::Value> = hist
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .map(|(c, &n)| (names[c].to_string(), n.into()))
                .collect();
            println!(
                "{}",
                serde_json::json!({"image": path, "labels": lp, "overlay": op, "histogram": h})
            );
        } else {
            let mut top: Vec<(usize, usize)> = hist.iter().copied().enumerate().collect();
            top.sort_by_key(|t| std::cmp::Reverse(t.1));
            let desc: Vec<String> = top
                .iter()
                .take(4)
                .filter(|t| t.1 > 0)
                .map(|(c, n)| {
                    format!(
                        "{} {:.1}%",
                        names[*c],
                        100.0 * *n as f64 / labels.len() as f64
                    )
                })
                .collect();
            println!(
                "{}: {} -> {}, {}",
                path.display(),
                desc.join(", "),
                lp.display(),
                op.display()
            );
        }
    }
    Ok(())
}
