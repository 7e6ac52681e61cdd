//! The one scheme surface end to end: a scheme of one module plus one registry line
//! (`uncoded`) runs through `demo`, `transmit`, a clip, a stereo pair and a sweep over image,
//! clip and stereo datasets with no other edit; typed parameters and budgets fail with one
//! line; `--bpp` budgets on Kodak; image schemes on the real clip and stereo pair.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn semcom() -> Command {
    Command::cargo_bin("semcom").expect("semcom binary")
}

/// Runs `semcom --json ARGS`; the JSON lines of stdout.
fn json(args: &[&str]) -> Vec<Value> {
    let out = semcom().arg("--json").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs `semcom ARGS` expecting a one-line error containing every needle.
fn one_line_error(args: &[&str], needles: &[&str]) {
    let out = semcom().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
    }
}

fn card(w: usize, h: usize, shift: usize) -> semcom_core::Image {
    let c = semcom_core::testcard::test_card(w + shift, h);
    let mut out = semcom_core::Image::filled(w, h, 3, 0.0).unwrap();
    for p in 0..3 {
        for y in 0..h {
            for x in 0..w {
                out.data_mut()[(p * h + y) * w + x] =
                    c.data()[(p * h + y) * (w + shift) + x + shift];
            }
        }
    }
    out
}

fn write_datasets(dir: &Path) {
    for d in ["images", "frames", "pairs"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for i in 0..2 {
        card(40, 32, i)
            .save(dir.join(format!("images/c{i}.png")))
            .unwrap();
    }
    for i in 0..6 {
        card(40, 32, i)
            .save(dir.join(format!("frames/f{i:02}.png")))
            .unwrap();
    }
    card(40, 32, 0).save(dir.join("pairs/sceneL.png")).unwrap();
    card(40, 32, 3).save(dir.join("pairs/sceneR.png")).unwrap();
}

#[test]
fn one_registry_line_runs_through_every_entry_point() {
    let tmp = tempfile::tempdir().unwrap();
    let list = semcom().args(["demo", "--list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("uncoded"));
    let demo_dir = tmp.path().join("demo");
    let r = json(&[
        "demo",
        "--schemes",
        "uncoded",
        "--kn",
        "1/2",
        "--snr",
        "20",
        "-o",
        demo_dir.to_str().unwrap(),
    ]);
    assert!(r[0]["psnr_db"].as_f64().unwrap() > 25.0, "{r:?}");
    assert!(demo_dir.join("results.csv").exists());
    let r = json(&[
        "transmit", "--scheme", "uncoded", "--kn", "1/6", "--snr", "10",
    ]);
    assert_eq!(r[0]["accounting"]["blocks"], 1);
    let r = json(&[
        "video", "--scheme", "uncoded", "--frames", "4", "--kn", "1/6", "--snr", "10",
    ]);
    assert_eq!(r[0]["frames_ok"], 4);
    assert_eq!(r[0]["accounting"]["blocks"], 4, "one block per frame");
    let r = json(&[
        "stereo",
        "--scheme",
        "uncoded",
        "--kn",
        "1/6",
        "--snr",
        "10",
        "--metrics",
        "psnr,mse",
    ]);
    assert_eq!(r[0]["view_ok"], serde_json::json!([true, true]));
    assert!(r[0]["left"]["psnr"].as_f64().unwrap() > 15.0, "{r:?}");
    // A sweep over a still, a clip and a stereo dataset.
    write_datasets(tmp.path());
    let cfg = tmp.path().join("sweep.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
seed = 1
metrics = ["psnr", "ssim"]
snr_db = [10.0]
[[schemes]]
name = "uncoded"
[[schemes]]
name = "h264@capacity"
[[channels]]
name = "awgn"
[budgets]
kn = ["1/6"]
[[datasets]]
name = "stills"
path = "{d}/images"
[[datasets]]
name = "clips"
path = "{d}/frames"
kind = "clip"
frames = 3
[[datasets]]
name = "pairs"
path = "{d}/pairs"
kind = "stereo"
"#,
            d = tmp.path().display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = semcom()
        .args(["sweep", cfg.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for ds in ["stills", "clips", "pairs"] {
        assert!(
            summary
                .lines()
                .any(|l| l.contains("uncoded") && l.contains(ds)),
            "{ds}: {summary}"
        );
    }
    // H.264 only transmits clips: one row, on the clip dataset.
    let h264: Vec<&str> = summary.lines().filter(|l| l.contains("h264")).collect();
    assert!(h264.len() == 1 && h264[0].contains("clips"), "{summary}");
}

#[test]
fn params_budgets_and_modalities_fail_with_one_line() {
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let base = ["transmit", "--kn", "1/6", "--snr", "10"];
        [&base[..], extra].concat()
    }
    one_line_error(
        &with(&["--scheme", "softcast", "--param", "levels=5"]),
        &["softcast", "levels"],
    );
    one_line_error(
        &with(&["--scheme", "jpeg+ldpc", "--param", "decoder=xyz"]),
        &["jpeg+ldpc", "xyz"],
    );
    one_line_error(
        &with(&["--scheme", "uncoded", "--channel-param", "pe=0.1"]),
        &["awgn", "pe"],
    );
    one_line_error(
        &with(&[
            "--scheme",
            "uncoded",
            "--channel",
            "ds2c2",
            "--channel-param",
            "colour=1",
        ]),
        &["ds2c2", "colour"],
    );
    one_line_error(
        &with(&["--scheme", "uncoded", "--param", "a=nan"]),
        &["finite"],
    );
    one_line_error(
        &[
            "transmit", "--scheme", "softcast", "--bpp", "0.25", "--snr", "10",
        ],
        &["k/n"],
    );
    one_line_error(
        &[
            "stereo",
            "--scheme",
            "h264+ldpc",
            "--kn",
            "1/6",
            "--snr",
            "10",
        ],
        &["h264+ldpc", "stereo"],
    );
    // Typed parameters that exist are honoured: the i16 LDPC decoder, the H.264 IDR period.
    let r = json(&with(&[
        "--scheme",
        "jpeg+ldpc",
        "--param",
        "decoder=nms16,max_iter=10",
    ]));
    assert_eq!(r[0]["decode_ok"], true);
}

#[test]
fn bit_rate_budget_on_kodak_and_deepjscc_refuses_it() {
    let Some(k) = common::shared("data/kodak/kodim01.png") else {
        return;
    };
    let k = k.to_str().unwrap();
    for scheme in ["jpeg+ldpc", "jpeg2000@capacity"] {
        let r = json(&[
            "transmit", k, "--scheme", scheme, "--bpp", "0.25", "--snr", "15",
        ]);
        let bpp = r[0]["bpp"].as_f64().unwrap();
        assert!(bpp <= 0.25 && bpp > 0.2, "{scheme}: {bpp}");
        assert_eq!(r[0]["decode_ok"], true, "{scheme}");
        assert!(r[0]["accounting"]["channel_uses"].as_u64().unwrap() > 0);
    }
    one_line_error(
        &[
            "transmit", k, "--scheme", "deepjscc", "--bpp", "0.25", "--snr", "15",
        ],
        &["deepjscc", "k/n"],
    );
}

#[test]
fn image_schemes_on_the_real_clip_and_stereo_pair() {
    let (Some(vtest), Some(stereo)) = (
        common::shared("data/video/vtest"),
        common::shared("data/stereo"),
    ) else {
        return;
    };
    let r = json(&[
        "video",
        vtest.to_str().unwrap(),
        "--scheme",
        "jpeg2000+ldpc",
        "--frames",
        "4",
        "--kn",
        "1/50",
        "--snr",
        "12",
    ]);
    assert_eq!(r[0]["frames_ok"], 4, "{r:?}");
    // Intra-only JPEG2000 at 0.06 bpp per frame: about 24 dB (H.264 reaches about 30 dB here).
    assert!(r[0]["mean_psnr_db"].as_f64().unwrap() > 20.0, "{r:?}");
    let (l, rt) = (
        stereo.join("motorcycle_left.png"),
        stereo.join("motorcycle_right.png"),
    );
    let r = json(&[
        "stereo",
        l.to_str().unwrap(),
        rt.to_str().unwrap(),
        "--scheme",
        "deepjscc",
        "--kn",
        "1/6",
        "--snr",
        "10",
    ]);
    for v in ["left", "right"] {
        assert!(r[0][v]["psnr"].as_f64().unwrap() > 20.0, "{r:?}");
    }
    assert!((r[0]["k_over_n"].as_f64().unwrap() - 1.0 / 6.0).abs() < 0.01);
}
