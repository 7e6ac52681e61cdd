//! YOLOv5n port vs `shared/models/yolov5n/ref/yolov5n_detections.json`: letterbox canvas sums,
//! candidate counts, head means, and every detection (boxes within 1 px, scores within 0.01).

mod common;

use semcom_core::Image;
use semcom_zoo::yolo::{letterbox, DetectOptions, Yolo};
use serde_json::Value;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn matches_reference_detections() {
    let Some(m) = common::models() else { return };
    let net = Yolo::load(Some(&m.join("yolov5n/yolov5n.safetensors"))).unwrap();
    let refs: Value = serde_json::from_str(
        &std::fs::read_to_string(m.join("yolov5n/ref/yolov5n_detections.json")).unwrap(),
    )
    .unwrap();
    for name in ["0001TP_008550", "Seq05VD_f01500"] {
        let img = Image::load(m.join(format!("samples/camvid_test_{name}.png"))).unwrap();
        for (run, scaleup) in [("standard_scaleup", true), ("no_resize_pad_only", false)] {
            let r = &refs["images"][name][run];
            let lb = letterbox(&img, 640, scaleup).unwrap();
            let sum: u64 = lb.canvas.iter().map(|&v| v as u64).sum();
            let want_sum = r["letterbox"]["rgb_uint8_sum"].as_u64().unwrap();
            eprintln!("{name} {run}: canvas sum {sum} (ref {want_sum})");
            assert!(
                (sum as i64 - want_sum as i64).abs() <= 640 * 480,
                "canvas sum far off"
            );
            let raw = net.forward_raw(&lb.tensor()).unwrap();
            for (l, t) in raw.iter().enumerate() {
                let mean = t.mean(tch::Kind::Float).double_value(&[]);
                let want = f(&r["raw_head_output_mean"][l]);
                assert!(
                    (mean - want).abs() < 2e-3,
                    "{name} {run} level {l}: head mean {mean} vs {want}"
                );
            }
            let pred = net.decode(&raw).unwrap();
            let obj = pred.get(0).select(1, 4);
            let ncand = obj.gt(0.25).sum(tch::Kind::Int64).int64_value(&[]);
            let want_c = r["num_candidates_obj_gt_0p25"].as_i64().unwrap();
            assert!(
                (ncand - want_c).abs() <= 1,
                "{name} {run}: {ncand} candidates vs {want_c}"
            );
            let opts = DetectOptions {
                scaleup,
                ..Default::default()
            };
            let dets = net.detect(&img, &opts).unwrap();
            let want = r["detections"].as_array().unwrap();
            assert_eq!(dets.len(), want.len(), "{name} {run}: detection count");
            for (d, w) in dets.iter().zip(want) {
                assert_eq!(d.cls as u64, w["cls"].as_u64().unwrap());
                assert!(
                    (d.score as f64 - f(&w["score"])).abs() < 0.01,
                    "score {} vs {}",
                    d.score,
                    w["score"]
                );
                for k in 0..4 {
                    let wb = f(&w["box_xyxy_letterbox"][k]);
                    assert!(
                        (d.box_letterbox[k] as f64 - wb).abs() < 1.0,
                        "{name} {run} box {:?} vs {}",
                        d.box_letterbox,
                        w["box_xyxy_letterbox"]
                    );
                    // The reference maps the pad-only run back with Ultralytics' recomputed gain
                    // (640/480), not the r = 1 it letterboxed with, so only the standard run's
                    // original-image boxes are comparable.
                    if scaleup {
                        let wb = f(&w["box_xyxy_original"][k]);
                        assert!(
                            (d.box_xyxy[k] as f64 - wb).abs() < 1.0,
                            "{name} {run} box {:?} vs {}",
                            d.box_xyxy,
                            w["box_xyxy_original"]
                        );
                    }
                }
            }
            if !scaleup {
                // Bit-exact input: the rows themselves agree tightly.
                assert_eq!(sum, want_sum);
                for (d, w) in dets.iter().zip(want) {
                    assert_eq!(d.pred_row as u64, w["pred_row"].as_u64().unwrap());
                    assert!((d.score as f64 - f(&w["score"])).abs() < 1e-4);
                }
            }
        }
    }
}

#[test]
fn error_paths() {
    let missing = Yolo::load(Some(std::path::Path::new("/nonexistent/yolo.safetensors")));
    assert!(matches!(
        missing,
        Err(semcom_zoo::ZooError::MissingWeights { .. })
    ));
    assert!(semcom_zoo::yolo::postprocess(&[0.0; 84], &DetectOptions::default()).is_err());
    let Some(m) = common::models() else { return };
    let wrong = Yolo::load(Some(&m.join("espnet/espnet_camvid.safetensors")));
    assert!(matches!(
        wrong,
        Err(semcom_zoo::ZooError::BadWeights { .. })
    ));
    let net = Yolo::load(Some(&m.join("yolov5n/yolov5n.safetensors"))).unwrap();
    assert!(net
        .forward_raw(&tch::Tensor::zeros(
            [1, 3, 100, 64],
            (tch::Kind::Float, tch::Device::Cpu)
        ))
        .is_err());
}

#[test]
fn nms_is_class_aware() {
    use semcom_zoo::yolo::{nms, Detection};
    let d = |cls, score, x| Detection {
        cls,
        name: "x",
        score,
        box_xyxy: [x, 0.0, x + 10.0, 10.0],
        box_letterbox: [0.0; 4],
        pred_row: 0,
    };
    let kept = nms(
        vec![
            d(0, 0.9, 0.0),
            d(1, 0.8, 1.0),
            d(0, 0.7, 1.0),
            d(0, 0.6, 20.0),
        ],
        0.45,
        100,
    );
    let s: Vec<f32> = kept.iter().map(|k| k.score).collect();
    assert_eq!(s, vec![0.9, 0.8, 0.6]);
}
