//! Bad input gets one clear error line and a non-zero exit, never a panic.

use assert_cmd::Command;
use std::path::Path;

fn semcom() -> Command {
    Command::cargo_bin("semcom").expect("semcom binary")
}

/// Runs `semcom ARGS`, expects a run-time failure (exit 1) with exactly one line on stderr
/// mentioning `needle`.
fn fails_with(args: &[&str], needle: &str) {
    fails_with_code(args, needle, 1)
}

/// Like [`fails_with`], for a usage error (exit 2).
fn usage_error(args: &[&str], needle: &str) {
    fails_with_code(args, needle, 2)
}

fn fails_with_code(args: &[&str], needle: &str, code: i32) {
    let out = semcom().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one error line expected, got: {err}"
    );
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "{args:?}: '{needle}' not in: {err}"
    );
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn transmit(input: &Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "transmit", "--scheme", "softcast", "--snr", "10", "--cbr", "1/6",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(input.display().to_string());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run_strs(v: &[String], needle: &str) {
    let refs: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
    fails_with(&refs, needle);
}

#[test]
fn missing_file() {
    run_strs(
        &transmit(Path::new("/nonexistent/x.png"), &[]),
        "No such file",
    );
}

#[test]
fn non_image_and_truncated_png() {
    let d = tmp();
    let txt = d.path().join("notes.png");
    std::fs::write(&txt, "hello, I am not an image").unwrap();
    run_strs(&transmit(&txt, &[]), "not a PNG");
    // A truncated PNG.
    let png = d.path().join("card.png");
    semcom_core::testcard::test_card(64, 48).save(&png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    let cut = d.path().join("cut.png");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    run_strs(&transmit(&cut, &[]), "cut.png");
}

#[test]
fn degenerate_sizes() {
    let d = tmp();
    for (w, h) in [(1u32, 1u32), (1, 5)] {
        let p = d.path().join(format!("{w}x{h}.png"));
        image::RgbImage::new(w, h).save(&p).unwrap();
        run_strs(&transmit(&p, &[]), "too small");
    }
    // A PNG header claiming 0×0.
    let p = d.path().join("zero.png");
    let mut bytes = std::fs::read({
        let q = d.path().join("ok.png");
        image::RgbImage::new(4, 4).save(&q).unwrap();
        q
    })
    .unwrap();
    bytes[16..24].copy_from_slice(&[0; 8]);
    std::fs::write(&p, bytes).unwrap();
    run_strs(&transmit(&p, &[]), "zero.png");
}

#[test]
fn bad_numbers_and_names() {
    usage_error(
        &[
            "transmit", "--scheme", "softcast", "--snr", "NaN", "--cbr", "1/6",
        ],
        "SNR",
    );
    fails_with(
        &[
            "transmit", "--scheme", "softcast", "--snr", "10", "--cbr", "0",
        ],
        "budget",
    );
    fails_with(
        &[
            "transmit", "--scheme", "softcast", "--snr", "10", "--cbr", "3/2",
        ],
        "budget",
    );
    fails_with(
        &[
            "transmit", "--scheme", "nope", "--snr", "10", "--cbr", "1/6",
        ],
        "unknown scheme",
    );
    fails_with(
        &[
            "transmit",
            "--scheme",
            "softcast",
            "--channel",
            "nope",
            "--snr",
            "10",
            "--cbr",
            "1/6",
        ],
        "unknown channel",
    );
    usage_error(
        &["demo", "--snr", "inf", "-o", "/tmp/semcom-demo-never"],
        "SNR",
    );
}

#[test]
fn malformed_toml_config() {
    let d = tmp();
    let cfg = d.path().join("bad.toml");
    std::fs::write(&cfg, "[sweep\nname = 1").unwrap();
    let out = semcom()
        .args([
            "sweep",
            cfg.to_str().unwrap(),
            "-o",
            d.path().join("o").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("config error"), "{err}");
}

#[test]
fn transmit_writes_reconstruction_and_json() {
    let d = tmp();
    let out = d.path().join("rec.png");
    let o = semcom()
        .args([
            "--json", "transmit", "--scheme", "softcast", "--snr", "20", "--cbr", "1/6", "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["scheme"], "softcast");
    assert!((v["k_over_n"].as_f64().unwrap() - 1.0 / 6.0).abs() < 1e-9);
    assert!(v["psnr_db"].as_f64().unwrap() > 15.0);
    let img = semcom_core::Image::load(&out).unwrap();
    assert_eq!((img.width(), img.height()), (256, 192));
}
