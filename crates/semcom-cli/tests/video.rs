//! `semcom video` end to end: the cliff of H.264 + LDPC + QAM on the generated clip and on the
//! real `vtest` clip of `../shared`, frames written, and clear errors on bad input.

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn semcom() -> Command {
    Command::cargo_bin("semcom").expect("semcom binary")
}

fn rows(args: &[&str]) -> Vec<Value> {
    let out = semcom()
        .arg("--json")
        .arg("video")
        .args(args)
        .output()
        .unwrap();
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

#[test]
fn generated_clip_shows_the_cliff_and_writes_frames() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().display().to_string();
    let r = rows(&[
        "--frames",
        "8",
        "--snr",
        "2,20",
        "--mcs",
        "16qam-2/3",
        "-o",
        &out,
    ]);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["frames_ok"], 0);
    assert_eq!(r[0]["accounting"]["decode_ok"], false);
    assert_eq!(r[1]["frames_ok"], 8);
    assert!(r[1]["mean_psnr_db"].as_f64().unwrap() > 25.0, "{}", r[1]);
    assert!(r[1]["k_over_n"].as_f64().unwrap() <= 1.0 / 32.0);
    for snr in ["snr_2", "snr_20"] {
        assert!(d.path().join(snr).join("0008.png").exists());
    }
    let csv = std::fs::read_to_string(d.path().join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.lines()
            .nth(2)
            .unwrap()
            .starts_with("h264+ldpc,awgn,20,8,8,"),
        "{csv}"
    );
    assert!(d.path().join("results.json").exists() && d.path().join("psnr_vs_snr.png").exists());
}

#[test]
fn real_clip_from_shared() {
    let Some(dir) = common::shared("data/video/vtest") else {
        return;
    };
    let d = dir.display().to_string();
    let r = rows(&[&d, "--frames", "10", "--snr", "20", "--cbr", "1/50"]);
    assert_eq!(r[0]["frames_ok"], 10);
    assert!(r[0]["mean_psnr_db"].as_f64().unwrap() > 27.0, "{}", r[0]);
    // The capacity variant at the same budget carries at least as many bits.
    let c = rows(&[
        &d,
        "--frames",
        "10",
        "--snr",
        "20",
        "--cbr",
        "1/50",
        "--scheme",
        "h264@capacity",
    ]);
    assert!(
        c[0]["accounting"]["payload_bits"].as_u64() >= r[0]["accounting"]["payload_bits"].as_u64()
    );
}

#[test]
fn bad_input_is_one_clear_line() {
    for (args, needle) in [
        (
            vec!["video", "--snr", "10", "--scheme", "mpeg2+ldpc"],
            "unknown scheme 'mpeg2+ldpc'",
        ),
        (vec!["video", "--snr", "10", "--frames", "0"], "--frames"),
        (
            vec!["video", "/nonexistent/clip", "--snr", "10"],
            "/nonexistent/clip",
        ),
        (vec!["video", "--snr", "10", "--mcs", "99qam"], "99qam"),
    ] {
        let out = semcom().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    }
}
