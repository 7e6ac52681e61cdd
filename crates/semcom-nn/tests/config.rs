//! Training configurations: unknown keys fail with one line naming the key, geometry and
//! memory are checked before building, and runs never destroy work (checkpoints, exports).

use semcom_core::Image;
use semcom_nn::config::{builtin_systems, export_checkpoint, run, RunFlags, TrainConfig};
use std::path::{Path, PathBuf};
use tch::Device;

static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn torch_rng() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("semcom-nn-cfg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Eight 16×16 PNG images with smooth gradients.
fn images(dir: &Path) -> PathBuf {
    let d = dir.join("img");
    std::fs::create_dir_all(&d).unwrap();
    for i in 0..8 {
        let data: Vec<f32> = (0..3 * 256)
            .map(|j| ((j % 16 + i) as f32 * 0.05 + (j / 256) as f32 * 0.2).fract())
            .collect();
        Image::from_planar(16, 16, 3, data)
            .unwrap()
            .save(d.join(format!("{i}.png")))
            .unwrap();
    }
    d
}

fn config(dir: &Path, extra_model: &str, extra_data: &str, extra_stage: &str) -> String {
    let img = images(dir);
    format!(
        r#"
name = "t"
seed = 3
threads = 1
[model]
kind = "deepjscc"
c = 4
widths = [4, 4, 4, 4]
kernel = 3
{extra_model}
[data]
train = "{img}"
val = "{img}"
batch = 4
{extra_data}
[channel]
kind = "awgn"
snr_db = 10.0
[output]
dir = "{out}"
export = "{out}/w.safetensors"
eval_every = 3
[[stages]]
steps = 6
optimizer = {{ kind = "adam", lr = 1e-3 }}
{extra_stage}
"#,
        img = img.display(),
        out = dir.join("run").display()
    )
}

fn parse(text: &str) -> Result<TrainConfig, String> {
    semcom_core::config::from_toml_str::<TrainConfig>(text).map_err(|e| e.to_string())
}

fn run_err(cfg: &TrainConfig, flags: RunFlags) -> String {
    run(cfg, &builtin_systems(), Device::Cpu, flags)
        .unwrap_err()
        .to_string()
}

#[test]
fn unknown_keys_fail_with_one_line_naming_the_key() {
    let _rng = torch_rng();
    let dir = tmp("keys");
    // Engine-level keys are rejected while parsing.
    for (text, key) in [
        (
            config(&dir, "", "", "").replace("threads = 1", "treads = 1"),
            "treads",
        ),
        (config(&dir, "", "", "lr_decay = 2"), "lr_decay"),
    ] {
        let e = parse(&text).unwrap_err();
        assert!(e.contains(key) && !e.contains('\n'), "{e}");
    }
    // System-level tables are rejected by the system, naming the section and the key.
    for (model, data, stage, key) in [
        ("chanels = 8", "", "", "chanels"),
        ("", "crops = [8, 8]", "", "crops"),
        ("", "", "model = { los = \"l1\" }", "los"),
        (
            "",
            "",
            "model = { channel = { kind = \"awgn\", snr = 1.0 } }",
            "snr",
        ),
    ] {
        let cfg = parse(&config(&dir, model, data, stage)).unwrap();
        let e = run_err(&cfg, RunFlags::default());
        assert!(e.contains(key) && !e.contains('\n'), "{e}");
    }
    let cfg = parse(&config(&dir, "", "", "").replace("\"deepjscc\"", "\"mlsc\"")).unwrap();
    let e = run_err(&cfg, RunFlags::default());
    assert!(
        e.contains("unknown system 'mlsc'") && e.contains("deepjscc"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn geometry_and_memory_are_checked_before_building() {
    let _rng = torch_rng();
    let dir = tmp("geometry");
    for (model, data, want) in [
        ("", "crop = [30, 30]", "multiples of 4"),
        ("", "crop = [0, 0]", "multiples of 4"),
        ("", "crop = [32, 32]", "larger than"),
        ("", "batch = 0", "batch"),
    ] {
        let text = if data.contains("batch") {
            config(&dir, model, "", "").replace("batch = 4\n", &format!("{data}\n"))
        } else {
            config(&dir, model, data, "")
        };
        let e = run_err(&parse(&text).unwrap(), RunFlags::default());
        assert!(e.contains(want) && !e.contains('\n'), "{data}: {e}");
    }
    let text = config(&dir, "", "crop = [16, 16]", "")
        .replace("batch = 4\n", "batch = 4000\n")
        .replace("widths = [4, 4, 4, 4]", "widths = [1024, 1024, 1024, 1024]");
    let e = run_err(&parse(&text).unwrap(), RunFlags::default());
    assert!(e.contains("GB") && e.contains("limit"), "{e}");
    let text = config(&dir, "", "", "").replace("c = 4", "c = 1000000");
    let e = run_err(&parse(&text).unwrap(), RunFlags::default());
    assert!(e.contains("architecture"), "{e}");
    let text = config(&dir, "", "", "").replace("threads = 1", "threads = 100000");
    let e = run_err(&parse(&text).unwrap(), RunFlags::default());
    assert!(e.contains("threads"), "{e}");
    // Nothing was written.
    assert!(!dir.join("run").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn runs_never_destroy_work() {
    let _rng = torch_rng();
    let dir = tmp("work");
    let cfg = parse(&config(&dir, "", "", "")).unwrap();
    let sys = builtin_systems();
    let flags = |resume, overwrite| RunFlags {
        resume,
        overwrite,
        progress: false,
    };
    // Resume without a checkpoint is an error, not a fresh start.
    let e = run_err(&cfg, flags(true, false));
    assert!(e.contains("no checkpoint"), "{e}");
    let r = run(&cfg, &sys, Device::Cpu, flags(false, false)).unwrap();
    assert_eq!(r.step, 6);
    assert!(r.val_psnr.is_some());
    let export = cfg.output.export.clone().unwrap();
    let weights = std::fs::read(&export).unwrap();
    // A second run refuses to replace the checkpoint, or the export.
    let e = run_err(&cfg, flags(false, false));
    assert!(e.contains("--resume") && e.contains("--overwrite"), "{e}");
    let e = run_err(&cfg, flags(true, false));
    assert!(e.contains("export") && e.contains("--overwrite"), "{e}");
    assert_eq!(std::fs::read(&export).unwrap(), weights);
    let e = export_checkpoint(&cfg, &sys, Device::Cpu, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--overwrite"), "{e}");
    // Starting over with --overwrite repeats the run exactly (same seed).
    run(&cfg, &sys, Device::Cpu, flags(false, true)).unwrap();
    let tensors = |p: &Path| -> Vec<Vec<u8>> {
        semcom_nn::st::read(p)
            .unwrap()
            .tensors
            .into_values()
            .map(|t| t.data)
            .collect()
    };
    let first = tensors(&export);
    std::fs::write(dir.join("first.safetensors"), &weights).unwrap();
    assert_eq!(tensors(&dir.join("first.safetensors")), first);
    let weights = std::fs::read(&export).unwrap();
    // --export-only of a checkpoint with a NaN is refused and leaves the export alone.
    let ck = cfg.checkpoint_path();
    let mut f = semcom_nn::st::read(&ck).unwrap();
    let t = f
        .tensors
        .iter_mut()
        .find(|(k, _)| k.starts_with("model."))
        .unwrap()
        .1;
    t.data[..4].copy_from_slice(&f32::NAN.to_le_bytes());
    semcom_nn::st::write(&ck, &f).unwrap();
    let e = export_checkpoint(&cfg, &sys, Device::Cpu, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("non-finite"), "{e}");
    assert_eq!(std::fs::read(&export).unwrap(), weights);
    let _ = std::fs::remove_dir_all(&dir);
}
