//! `semcom detect`: object detection with a pretrained YOLOv5n (`semcom_zoo::yolo`).

use crate::args::{ensure_usage, finite_f32_in, threads};
use crate::output::{output_paths, save_image_atomic, write_atomic};
use crate::Global;
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
    /// Confidence threshold (objectness and score), in [0, 1].
    #[arg(long, default_value = "0.25", value_parser = finite_f32_in(0.0, 1.0))]
    conf: f32,
    /// NMS IoU threshold, in [0, 1].
    #[arg(long, default_value = "0.45", value_parser = finite_f32_in(0.0, 1.0))]
    iou: f32,
    /// Do not scale images up in the letterbox.
    #[arg(long)]
    no_scaleup: bool,
    /// Output directory for `<stem>_detections.json` and `<stem>_boxes.png`.
    #[arg(short = 'o', long)]
    out: PathBuf,
    /// LibTorch intra-op threads, 1..=256 (1 is fastest on a shared, loaded machine).
    #[arg(long, default_value = "1", value_parser = threads)]
    threads: usize,
}

/// Runs the command.
pub fn run(args: &Args, g: &Global) -> anyhow::Result<()> {
    ensure_usage!(!args.images.is_empty(), "give at least one image");
    // Output names are fixed (and checked for clashes) before the network loads.
    let outputs = output_paths(&args.images, &args.out, &["detections.json", "boxes.png"])?;
    semcom_zoo::tch::set_num_threads(args.threads as i32);
    let net = Yolo::load(args.weights.as_deref())?;
    let opts = DetectOptions {
        conf: args.conf,
        iou: args.iou,
        scaleup: !args.no_scaleup,
        ..Default::default()
    };
    for (path, outs) in args.images.iter().zip(&outputs) {
        let (jp, op) = (&outs[0], &outs[1]);
        let img = Image::load(path)?;
        let dets = net.detect(&img, &opts)?;
        let doc = serde_json::json!({"image": path, "width": img.width(), "height": img.height(), "conf": args.conf, "iou": args.iou, "detections": dets});
        write_atomic(jp, serde_json::to_string_pretty(&doc)?.as_bytes())?;
        save_image_atomic(&draw_boxes(&img, &dets)?, op)?;
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
