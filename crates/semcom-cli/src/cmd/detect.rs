//! `semcom detect`: object detection with a pretrained YOLOv5n (`semcom_zoo::yolo`).

use crate::Global;
use anyhow::Context;
use semcom_core::Image;
use semcom_zoo::yolo::{draw_boxes, DetectOptions, Yolo};
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input image(s).
    images: Vec<PathBuf>,
    /// Weights (default: $SEMCOM_MODELS/yolov5n/yolov5n.safetensors, SEMCOM_MODELS defaulting to ../shared/models).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Confidence threshold (objectness and score).
    #[arg(long, default_value_t = 0.25)]
    conf: f32,
    /// NMS IoU threshold.
    #[arg(long, default_value_t = 0.45)]
    iou: f32,
    /// Do not scale images up in the letterbox.
    #[arg(long)]
    no_scaleup: bool,
    /// Output directory for `<stem>_detections.json` and `<stem>_boxes.png`.
    #[arg(short = 'o', long)]
    out: PathBuf,
    /// LibTorch intra-op threads (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value_t = 1)]
    threads: i32,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    semcom_zoo::tch::set_num_threads(args.threads.max(1));
    anyhow::ensure!(!args.images.is_empty(), "give at least one image");
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.conf) && (0.0..=1.0).contains(&args.iou),
        "--conf and --iou must be in [0, 1]"
    );
    let net = Yolo::load(args.weights.as_deref())?;
    let opts = DetectOptions {
        conf: args.conf,
        iou: args.iou,
        scaleup: !args.no_scaleup,
        ..Default::default()
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for path in &args.images {
        let img = Image::load(path)?;
        let dets = net.detect(&img, &opts)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("image");
        let jp = args.out.join(format!("{stem}_detections.json"));
        let op = args.out.join(format!("{stem}_boxes.png"));
        let doc = serde_json::json!({"image": path, "width": img.width(), "height": img.height(), "conf": args.conf, "iou": args.iou, "detections": dets});
        let tmp = jp.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&doc)?)?;
        std::fs::rename(&tmp, &jp)?;
        draw_boxes(&img, &dets)?.save(&op)?;
        if g.json {
            println!(
                "{}",
                serde_json::json!({"image": path, "json": jp, "overlay": op, "detections": dets})
            );
        } else {
            println!(
                "{}: {} detections -> {}",
                path.display(),
                dets.len(),
                jp.display()
            );
            for d in &dets {
                let b = d.box_xyxy;
                println!(
                    "  {:<14} {:.3}  [{:.1}, {:.1}, {:.1}, {:.1}]",
                    d.name, d.score, b[0], b[1], b[2], b[3]
                );
            }
        }
    }
    Ok(())
}
