//! Per-image inference time of the zoo networks (harness = false; prints a table).
//! ESPNet at CamVid 480×360, YOLOv5n at 640×640 (needs `shared/models`, else skipped), the
//! flow network at 512×384, LPIPS-Alex at 256×256 and Inception at 299×299 with stand-in weights.
//! `ZOO_BENCH_ITERS` (default 5) runs per network; `ZOO_BENCH_THREADS` (default 2).

use semcom_core::rng::rng_for;
use semcom_core::testcard::test_card;
use semcom_zoo::espnet::{Espnet, EspnetModel};
use semcom_zoo::flow::{FlowNet, FlowNetConfig};
use semcom_zoo::inception::{inception_features, stand_in_weights, Inception, Variant};
use semcom_zoo::lpips::{stand_in_backbone, Backbone, Lpips};
use semcom_zoo::weights::Weights;
use semcom_zoo::yolo::{DetectOptions, Yolo};
use std::path::PathBuf;
use std::time::Instant;

/// Process CPU time (user + system) in ms from `/proc/self/stat` (0 where unavailable), so
/// that the table means something on a shared, overloaded machine.
fn cpu_ms() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map(|r| r.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10.0 // utime, stime in 1/100 s
}

/// (median wall ms, min wall ms, mean CPU ms) per call.
fn time(iters: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    f(); // warm-up
    let c0 = cpu_ms();
    let mut v: Vec<f64> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let cpu = (cpu_ms() - c0) / iters as f64;
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], cpu)
}

fn main() {
    let iters: usize = std::env::var("ZOO_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let threads: i32 = std::env::var("ZOO_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    tch::set_num_threads(threads);
    let models = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/models"
    ));
    println!(
        "{:<34} {:>12} {:>12} {:>12}   ({iters} runs, {threads} threads)",
        "network / input", "median ms", "min ms", "CPU ms"
    );
    let row = |name: &str, t: (f64, f64, f64)| {
        println!("{name:<34} {:>12.1} {:>12.1} {:>12.0}", t.0, t.1, t.2)
    };
    let camvid = test_card(480, 360);
    if models.is_dir() {
        let net = Espnet::load(
            EspnetModel::Camvid,
            Some(&models.join("espnet/espnet_camvid.safetensors")),
        )
        .unwrap();
        row(
            "ESPNet-CamVid 480x360",
            time(iters, || drop(net.segment(&camvid).unwrap())),
        );
        let y = Yolo::load(Some(&models.join("yolov5n/yolov5n.safetensors"))).unwrap();
        let sq = test_card(640, 640);
        row(
            "YOLOv5n 640x640 (+NMS)",
            time(iters, || {
                drop(y.detect(&sq, &DetectOptions::default()).unwrap())
            }),
        );
    } else {
        println!("(shared/models not found: ESPNet and YOLOv5n skipped)");
    }
    let flow = FlowNet::new(FlowNetConfig::default(), &mut rng_for(1, 0)).unwrap();
    let a = test_card(512, 384);
    row(
        "flow net 512x384 (5 levels)",
        time(iters, || drop(flow.estimate(&a, &a).unwrap())),
    );
    let heads = if models.is_dir() {
        Weights::load(&models.join(Backbone::Alex.heads_file())).unwrap()
    } else {
        return;
    };
    let l = Lpips::from_weights(
        Backbone::Alex,
        &stand_in_backbone(Backbone::Alex, &mut rng_for(1, 0)),
        &heads,
    )
    .unwrap();
    let p = test_card(256, 256);
    row(
        "LPIPS-Alex 256x256 (stand-in)",
        time(iters, || {
            std::hint::black_box(l.distance(&p, &p).unwrap());
        }),
    );
    let inc = Inception::from_weights(Variant::PytorchFid, &stand_in_weights(&mut rng_for(2, 0)))
        .unwrap();
    row(
        "Inception-v3 299x299 (stand-in)",
        time(iters, || {
            drop(inception_features(&inc, std::slice::from_ref(&p), 1).unwrap())
        }),
    );
}
