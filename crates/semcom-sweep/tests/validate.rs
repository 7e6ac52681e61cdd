//! Validation happens before any work; results do not depend on the number of threads; the
//! committed configs are valid.

mod common;

use common::*;
use semcom_sweep::{engine, DefaultRegistry, Plan, RunOptions, SweepConfig};
use std::path::Path;

fn plan_err(text: &str) -> String {
    let cfg = match SweepConfig::from_toml_str(text) {
        Ok(c) => c,
        Err(e) => return e.to_string(),
    };
    match Plan::new(cfg, &ToyRegistry { delay_ms: 0 }) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn clear_errors_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 2);
    let good = config_text(&data);
    assert_eq!(plan_err(&good), "");
    let e = plan_err(&good.replace("\"toy-b\"", "\"toy-z\""));
    assert!(
        e.contains("schemes[1].name") && e.contains("toy-z") && e.contains("known"),
        "{e}"
    );
    let e = plan_err(&good.replace("\"awgn\"", "\"awgm\""));
    assert!(e.contains("channels[0].name") && e.contains("awgm"), "{e}");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = plan_err(&good.replace(&data.display().to_string(), &empty.display().to_string()));
    assert!(e.contains("datasets[0].path") && e.contains("empty"), "{e}");
    let e = plan_err(&good.replace("kn = [", "bpp = [25.0]\nkn = ["));
    assert!(e.contains("budgets.bpp[0]") && e.contains("any MCS"), "{e}");
    let e = plan_err(&good.replace("seed = 42", "seed = 42\nsnr = 3"));
    assert!(e.contains("snr"), "{e}");
    let e = plan_err(&good.replace("kn = [\"1/6\", \"1/12\"]", "kn = [\"1/6\", \"2\"]"));
    assert!(e.contains("budgets.kn[1]"), "{e}");
    let e = plan_err(&good.replace("\"psnr\"", "\"psnr_y\""));
    assert!(e.contains("metrics[0]") && e.contains("psnr-y"), "{e}");
    let e = plan_err(&good.replace(
        "[[channels]]\nname = \"awgn\"",
        "[[channels]]\nname = \"awgn\"\nparams = { pe = 0.1 }",
    ));
    assert!(e.contains("awgn") && e.contains("pe"), "{e}");
    // Grey images carry a third of the bits of RGB ones: 8 bpp fits RGB but not grey.
    let grey = tmp.path().join("grey");
    std::fs::create_dir(&grey).unwrap();
    semcom_core::testcard::test_card(8, 8)
        .to_luma()
        .save(grey.join("g.png"))
        .unwrap();
    let e = plan_err(
        &good
            .replace(&data.display().to_string(), &grey.display().to_string())
            .replace("kn = [", "bpp = [8.0]\nkn = ["),
    );
    assert!(e.contains("budgets.bpp[0]") && e.contains("cards"), "{e}");
    // Nothing was written anywhere.
    assert!(!tmp.path().join("journal.jsonl").exists());
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 5);
    let cfg = SweepConfig::from_toml_str(&config_text(&data)).unwrap();
    let plan = Plan::new(cfg, &ToyRegistry { delay_ms: 0 }).unwrap();
    let run_with = |threads: usize, out: &Path| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| engine::run(&plan, out, &RunOptions::default()).unwrap())
            .records
    };
    let one = run_with(1, &tmp.path().join("one"));
    let two = run_with(2, &tmp.path().join("two"));
    let four = run_with(4, &tmp.path().join("four"));
    assert_eq!(one, two);
    assert_eq!(one, four);
    // Sanity: quality rises with SNR for the analog toy scheme.
    let psnr = |i: usize| one[i].images[0].metrics["psnr"].unwrap();
    assert!(psnr(5) > psnr(0) + 1.0, "{} vs {}", psnr(5), psnr(0));
}

/// The committed configs parse and validate (their datasets live in ../shared/data).
#[test]
fn committed_configs_are_valid() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    let dir = Path::new(root).join("configs/sweeps");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            let cfg = SweepConfig::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            cfg.validate()
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            n += 1;
            if !shared.join("data").is_dir() {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but {} is missing",
                    shared.display()
                );
                println!(
                    "SKIP dataset check of {}: {} missing",
                    p.display(),
                    shared.display()
                );
                continue;
            }
            // Dataset paths are relative to the repository root.
            let mut cfg = cfg;
            for d in &mut cfg.datasets {
                d.path = Path::new(root).join(&d.path);
                d.limit = Some(d.limit.unwrap_or(4).min(4));
            }
            if let Err(e) = Plan::new(cfg, &DefaultRegistry) {
                panic!("{}: {e}", p.display());
            }
        }
    }
    assert!(
        n >= 2,
        "expected the committed sweep configs in {}",
        dir.display()
    );
}
