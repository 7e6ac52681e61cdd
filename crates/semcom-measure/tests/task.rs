//! Task metrics on real CamVid views with the pretrained networks of `shared/models`.

mod common;

use semcom_core::{Image, Source};
use semcom_measure::task::TASK_METRICS;
use semcom_measure::{measure, Measurement, MetricRegistry, References, TaskConfig, TaskNets};
use semcom_metrics::segmentation::ConfusionMatrix;
use semcom_metrics::{Rect, Region};
use semcom_zoo::espnet::{Espnet, EspnetModel};
use std::path::PathBuf;
use std::sync::Arc;

/// Two CamVid test views: three cars (and people, traffic lights), one small car (and bicycles).
const A: &str = "0001TP_008550";
const B: &str = "Seq05VD_f01500";

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `shared/`, a registry with the task metrics of `shared/models`, its networks; 1 LibTorch thread.
fn setup() -> Option<(PathBuf, MetricRegistry, Arc<TaskNets>)> {
    let shared = common::shared()?;
    semcom_zoo::tch::set_num_threads(1);
    let mut r = MetricRegistry::images();
    let nets = r.add_task_metrics(TaskConfig::new(Some(&shared.join("models"))));
    Some((shared, r, nets))
}

fn run(
    r: &MetricRegistry,
    m: &[&str],
    src: &Source,
    rec: &[Image],
    refs: &References,
) -> Measurement {
    measure(r, &names(m), src, rec, refs).unwrap()
}

/// References with ground-truth labels for every view.
fn labels(l: Vec<Vec<u8>>) -> References {
    References {
        labels: l.into_iter().map(Some).collect(),
        ..Default::default()
    }
}

/// References with key-area boxes for one view.
fn boxes(b: Vec<Rect>) -> References {
    References {
        boxes: vec![Some(b)],
        ..Default::default()
    }
}

fn grey_like(img: &Image) -> Image {
    Image::filled(img.width(), img.height(), img.channels(), 0.5).unwrap()
}

#[test]
fn miou_with_labels_equals_espnet_miou_of_the_image() {
    let Some((shared, r, nets)) = setup() else {
        return;
    };
    let (a, la) = common::camvid(&shared, A);
    let (b, lb) = common::camvid(&shared, B);
    let src = Source::stereo(a.clone(), b.clone()).unwrap();
    let refs = labels(vec![la.clone(), lb.clone()]);
    let m = run(&r, &["miou"], &src, &[a.clone(), b.clone()], &refs);
    assert_eq!(nets.loaded(), ["espnet"], "only ESPNet is needed");

    // The same number computed directly: ESPNet-CamVid labels vs ground truth, void ignored.
    let net = Espnet::load(
        EspnetModel::Camvid,
        Some(&shared.join("models/espnet/espnet_camvid.safetensors")),
    )
    .unwrap();
    let direct: Vec<f64> = [(&a, &la), (&b, &lb)]
        .iter()
        .map(|(img, gt)| {
            let mut cm = ConfusionMatrix::new(12, Some(11)).unwrap();
            cm.add(gt, &net.segment(img).unwrap()).unwrap();
            cm.miou().unwrap()
        })
        .collect();
    for (v, d) in m.per_view.iter().zip(&direct) {
        assert_eq!(v["miou"], Some(*d));
        assert!(*d > 0.2 && *d < 1.0, "{d}");
    }
    eprintln!("mIoU vs labels: {A} {:.4}, {B} {:.4}", direct[0], direct[1]);
    // Golden: the reference argmax map of the original ESPNet code scores the same.
    let argmax =
        Image::load(shared.join(format!("models/espnet/ref/camvid_{A}_argmax.png"))).unwrap();
    let mut cm = ConfusionMatrix::new(12, Some(11)).unwrap();
    cm.add(&la, &argmax.to_interleaved_u8()).unwrap();
    assert_eq!(cm.miou().unwrap(), direct[0]);
    let mean = m.get("miou").unwrap();
    assert!((mean - (direct[0] + direct[1]) / 2.0).abs() < 1e-12);

    // Without labels, the reference is ESPNet on the source: a view against itself scores 1.
    let m = run(
        &r,
        &["miou"],
        &Source::still(a.clone()),
        std::slice::from_ref(&a),
        &References::default(),
    );
    assert_eq!(m.get("miou"), Some(1.0));
}

#[test]
fn a_grey_reconstruction_scores_far_lower_than_the_original() {
    let Some((shared, r, nets)) = setup() else {
        return;
    };
    let (a, la) = common::camvid(&shared, A);
    let src = Source::still(a.clone());
    let grey = grey_like(&a);
    let gt = labels(vec![la]);
    let m = ["miou", "ap50"];
    let orig = run(&r, &m, &src, std::slice::from_ref(&a), &gt);
    let bad = run(&r, &m, &src, std::slice::from_ref(&grey), &gt);
    let (mo, mg) = (orig.get("miou").unwrap(), bad.get("miou").unwrap());
    eprintln!(
        "{A}: mIoU original {mo:.4}, grey {mg:.4}; grey AP50 {:?}",
        bad.get("ap50")
    );
    assert!(mg < 0.5 * mo, "grey mIoU {mg} vs original {mo}");
    // ap50 against YOLOv5n on the source: the source itself retains every detection.
    assert_eq!(orig.get("ap50"), Some(1.0));
    let ag = bad.get("ap50").unwrap();
    assert!(ag < 0.1, "grey AP50 {ag}");

    // ap50 against given boxes (the key areas found on the source): 1 for the source, ~0 for grey.
    let keys = nets.key_areas(&a).unwrap();
    let on_keys = boxes(keys);
    assert_eq!(
        run(&r, &["ap50"], &src, std::slice::from_ref(&a), &on_keys).get("ap50"),
        Some(1.0)
    );
    let ag = run(&r, &["ap50"], &src, &[grey], &on_keys)
        .get("ap50")
        .unwrap();
    assert!(ag < 0.1, "grey AP50 on given boxes {ag}");
}

/// The source with a contrast change and a deterministic ripple.
fn degraded(img: &Image) -> Image {
    let mut d = img.clone();
    for (i, v) in d.data_mut().iter_mut().enumerate() {
        *v = (*v * 0.9 + 0.05 + 0.04 * ((i * 7919 % 13) as f32 / 13.0 - 0.5)).clamp(0.0, 1.0);
    }
    d
}

#[test]
fn key_area_metrics_are_the_masked_metrics_of_the_boxes() {
    let Some((shared, r, nets)) = setup() else {
        return;
    };
    let (a, _) = common::camvid(&shared, A);
    let src = Source::still(a.clone());
    let rec = degraded(&a);
    let rec8 = rec.clone().quantize_u8();
    let m = ["keyarea-psnr", "keyarea-ssim"];

    // Given boxes: exactly psnr_masked / ssim_masked on their union; no network is loaded.
    let given = vec![
        Rect::new(100, 50, 200, 150).unwrap(),
        Rect::new(300, 190, 420, 290).unwrap(),
    ];
    let refs = boxes(given.clone());
    let got = run(&r, &m, &src, std::slice::from_ref(&rec), &refs);
    let region = Region::boxes(given);
    let psnr = semcom_metrics::psnr_masked(&a, &rec8, 1.0, &region).unwrap();
    let ssim = semcom_metrics::ssim_masked(&a, &rec8, 1.0, &region).unwrap();
    assert_eq!(got.get("keyarea-psnr"), Some(psnr));
    assert_eq!(got.get("keyarea-ssim"), Some(ssim));
    eprintln!("given boxes: key-area PSNR {psnr:.3} dB, SSIM {ssim:.4}");
    assert!(psnr > 20.0 && psnr < 40.0 && ssim < 0.99, "{psnr} {ssim}");
    assert!(nets.loaded().is_empty(), "{:?}", nets.loaded());

    // No boxes: YOLOv5n's car boxes on the source, widened to whole pixels (reference
    // detections of shared/models/yolov5n/ref: three cars; people and traffic lights are no key areas).
    let keys = nets.key_areas(&a).unwrap();
    let want = [
        [309, 196, 400, 277],
        [275, 215, 309, 253],
        [219, 216, 264, 268],
    ];
    assert_eq!(keys.len(), 3, "{keys:?}");
    for (k, w) in keys.iter().zip(want) {
        let got = [k.x0, k.y0, k.x1, k.y1];
        assert!(
            got.iter().zip(w).all(|(g, w)| g.abs_diff(w) <= 1),
            "{got:?} vs {w:?}"
        );
    }
    let found = run(
        &r,
        &m,
        &src,
        std::slice::from_ref(&rec),
        &References::default(),
    );
    let region = Region::boxes(keys);
    assert_eq!(
        found.get("keyarea-psnr"),
        Some(semcom_metrics::psnr_masked(&a, &rec8, 1.0, &region).unwrap())
    );
    assert_eq!(
        found.get("keyarea-ssim"),
        Some(semcom_metrics::ssim_masked(&a, &rec8, 1.0, &region).unwrap())
    );

    // A view given no box is undefined, not an error.
    let none = boxes(vec![]);
    let got = run(
        &r,
        &["keyarea-psnr", "keyarea-ssim", "ap50"],
        &src,
        &[rec],
        &none,
    );
    assert!(got.values.values().all(Option::is_none), "{got:?}");
}

#[test]
fn lpips_measures_or_names_the_missing_backbone() {
    let Some((shared, r, _)) = setup() else {
        return;
    };
    let (a, _) = common::camvid(&shared, A);
    let src = Source::still(a.clone());
    let backbone = shared.join("models/lpips/alexnet_features.safetensors");
    if backbone.is_file() {
        let same = run(
            &r,
            &["lpips"],
            &src,
            std::slice::from_ref(&a),
            &References::default(),
        );
        assert!(same.get("lpips").unwrap().abs() < 1e-6);
        let grey = run(
            &r,
            &["lpips"],
            &src,
            &[grey_like(&a)],
            &References::default(),
        );
        assert!(grey.get("lpips").unwrap() > 0.1);
    } else {
        let e = measure(
            &r,
            &names(&["lpips"]),
            &src,
            std::slice::from_ref(&a),
            &References::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("alexnet_features.safetensors") && e.contains("docs/zoo.md"),
            "{e}"
        );
    }
}

#[test]
fn listing_and_image_metrics_load_no_network_and_missing_weights_are_named() {
    let dir = std::env::temp_dir().join("semcom-measure-no-models");
    let mut r = MetricRegistry::images();
    let nets = r.add_task_metrics(TaskConfig::new(Some(&dir)));
    for n in TASK_METRICS {
        assert!(r.names().contains(&n), "{n}");
        assert!(!r.get(n).unwrap().description().is_empty());
    }
    let a = Image::filled(32, 32, 3, 0.25).unwrap();
    let b = Image::filled(32, 32, 3, 0.5).unwrap();
    let src = Source::still(a.clone());
    let m = measure(
        &r,
        &names(&["psnr", "ssim"]),
        &src,
        std::slice::from_ref(&b),
        &References::default(),
    );
    assert!(m.unwrap().get("psnr").is_some());
    assert!(nets.loaded().is_empty());
    for (metric, file) in [
        ("miou", "espnet/espnet_camvid.safetensors"),
        ("ap50", "yolov5n/yolov5n.safetensors"),
        ("keyarea-psnr", "yolov5n/yolov5n.safetensors"),
        ("lpips", "lpips/alexnet_features.safetensors"),
    ] {
        let e = measure(
            &r,
            &names(&[metric]),
            &src,
            std::slice::from_ref(&b),
            &References::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(metric) && e.contains(file) && e.contains("models directory"),
            "{e}"
        );
        // The failed load is kept: the same error again, no retry.
        let again = measure(
            &r,
            &names(&[metric]),
            &src,
            std::slice::from_ref(&b),
            &References::default(),
        );
        assert_eq!(again.unwrap_err().to_string(), e);
    }
    assert!(nets.loaded().is_empty());
    // The default constructor registers the same names.
    assert_eq!(
        MetricRegistry::with_task_metrics(Some(&dir)).names(),
        r.names()
    );

    // Given references that do not fit the view are errors.
    let refs = labels(vec![vec![0; 10]]);
    let e = measure(&r, &names(&["miou"]), &src, &[b], &refs).unwrap_err();
    assert!(
        e.to_string()
            .contains("10 ground-truth labels for 1024 pixels"),
        "{e}"
    );
}

/// Full CamVid test set (233 images, about 2 × 233 ESPNet forwards): the per-image mean mIoU of
/// `measure` and, from the same segmentation path, the dataset-wide mIoU of one confusion
/// matrix, which must be the reference 0.5717 (`shared/models/espnet/ref`). About 90 s.
/// `cargo test --release -p semcom-measure --test task -- --ignored --nocapture`
#[test]
#[ignore]
fn camvid_test_set_per_image_and_dataset_miou() {
    let Some((shared, r, nets)) = setup() else {
        return;
    };
    let dir = shared.join("data/camvid/test");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    stems.sort();
    assert_eq!(stems.len(), 233);
    let mut all = ConfusionMatrix::new(12, Some(11)).unwrap();
    let mut per_image = Vec::new();
    for stem in &stems {
        let (img, gt) = common::camvid(&shared, stem);
        let m = run(
            &r,
            &["miou"],
            &Source::still(img.clone()),
            std::slice::from_ref(&img),
            &labels(vec![gt.clone()]),
        );
        per_image.push(m.get("miou").unwrap());
        all.add(&gt, &nets.segment(&img).unwrap()).unwrap();
    }
    let mean = per_image.iter().sum::<f64>() / per_image.len() as f64;
    let dataset = all.miou().unwrap();
    eprintln!("CamVid test: per-image mean mIoU {mean:.6}, dataset mIoU {dataset:.6}");
    // A few pixels of 20 M may take another argmax than in PyTorch (float rounding).
    assert!((dataset - 0.571_747).abs() < 1e-3, "{dataset}");
    assert!(mean > 0.3 && mean < 0.9);
}

#[test]
fn one_registry_is_shared_by_threads() {
    let Some((shared, r, nets)) = setup() else {
        return;
    };
    let (a, _) = common::camvid(&shared, A);
    let (b, _) = common::camvid(&shared, B);
    let r = Arc::new(r);
    let score = |img: Image| {
        let r = r.clone();
        std::thread::spawn(move || {
            let src = Source::still(img.clone());
            let rec = degraded(&img);
            run(
                &r,
                &["keyarea-psnr", "ap50"],
                &src,
                &[rec],
                &References::default(),
            )
        })
    };
    let (ta, tb) = (score(a.clone()), score(b.clone()));
    let (ma, mb) = (ta.join().unwrap(), tb.join().unwrap());
    assert_eq!(nets.loaded(), ["yolov5n"]);
    // The same numbers as one thread after the other.
    let again = run(
        &r,
        &["keyarea-psnr", "ap50"],
        &Source::still(a.clone()),
        &[degraded(&a)],
        &References::default(),
    );
    assert_eq!(again, ma);
    assert!(mb.get("keyarea-psnr").is_some(), "{mb:?}");
}
