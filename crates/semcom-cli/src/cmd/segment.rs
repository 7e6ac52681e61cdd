//! `semcom segment`: semantic segmentation with a pretrained ESPNet (`semcom_zoo::espnet`),
//! and the full CamVid-test mIoU check (`--eval-camvid DIR`).

use crate::Global;
use anyhow::Context;
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
    /// LibTorch intra-op threads (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value_t = 1)]
    threads: i32,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    semcom_zoo::tch::set_num_threads(args.threads.max(1));
    let model = EspnetModel::parse(&args.model)?;
    let net = Espnet::load(model, args.weights.as_deref())?;
    if let Some(dir) = &args.eval_camvid {
        anyhow::ensure!(
            model == EspnetModel::Camvid,
            "--eval-camvid needs --model camvid"
        );
        let bar = indicatif::ProgressBar::new(0);
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
    anyhow::ensure!(
        !args.images.is_empty(),
        "give at least one image (or --eval-camvid DIR)"
    );
    let out = args.out.as_ref().context("-o OUT_DIR is required")?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for path in &args.images {
        let img = Image::load(path)?;
        let labels = net.segment(&img)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("image");
        let (lp, op) = (
            out.join(format!("{stem}_labels.png")),
            out.join(format!("{stem}_overlay.png")),
        );
        label_image(&labels, img.width(), img.height())?.save(&lp)?;
        overlay(&img, &labels, model.palette(), 0.5)?.save(&op)?;
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
