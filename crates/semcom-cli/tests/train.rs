//! `semcom train` and `semcom flow train` refuse bad requests with one line and exit 1, before
//! touching any file: unavailable CUDA, `--resume` without a checkpoint, unknown config keys,
//! existing outputs, non-finite settings.

use assert_cmd::Command;
use std::path::PathBuf;

fn config(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/train")).join(name)
}

/// Runs `semcom ARGS` in `dir`; expects exit 1 with one stderr line containing `needle`.
fn fails_in(dir: &std::path::Path, args: &[&str], needle: &str) {
    let out = Command::cargo_bin("semcom")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: '{needle}' not in {err}");
}

#[test]
fn train_refuses_bad_requests_without_writing() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config("deepjscc_kn1-6_snr10.toml");
    let cfg = cfg.to_str().unwrap();
    if !semcom_nn::tch::Cuda::is_available() {
        fails_in(
            d.path(),
            &["train", cfg, "--device", "cuda"],
            "CUDA is not available",
        );
    }
    fails_in(
        d.path(),
        &["train", cfg, "--device", "tpu"],
        "unknown device 'tpu'",
    );
    fails_in(d.path(), &["train", cfg, "--resume"], "no checkpoint");
    let bad = d.path().join("bad.toml");
    let text = std::fs::read_to_string(config("flow_spynet_small.toml")).unwrap();
    std::fs::write(
        &bad,
        text.replace("max_disp = 8.0", "max_displacement = 8.0"),
    )
    .unwrap();
    fails_in(
        d.path(),
        &["train", bad.to_str().unwrap()],
        "model.max_displacement: unknown field `max_displacement`",
    );
    assert!(!d.path().join("runs").exists());
}

#[test]
fn flow_train_refuses_bad_settings_and_existing_output() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("w.safetensors");
    std::fs::write(&out, b"keep").unwrap();
    let o = out.to_str().unwrap();
    fails_in(
        d.path(),
        &["flow", "train", "--stills", ".", "-o", o],
        "--overwrite",
    );
    for (flag, value, needle) in [
        ("--lr", "NaN", "learning rate"),
        ("--lr", "inf", "learning rate"),
        ("--max-disp", "1e9", "max_disp"),
        ("--crop", "30x30", "multiples of 32"),
    ] {
        fails_in(
            d.path(),
            &[
                "flow",
                "train",
                "--stills",
                ".",
                flag,
                value,
                "-o",
                "x.safetensors",
            ],
            needle,
        );
    }
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
}
