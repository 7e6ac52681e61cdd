//! One fuzzing binary for every parser of semcom; the target is chosen by the environment
//! variable `SEMCOM_FUZZ_TARGET` (see [`TARGETS`]). Under `cargo afl fuzz` each input runs
//! in persistent mode; without AFL (`semcom-fuzz FILE…`) it replays files, which is how
//! crashing inputs are checked.
//!
//! A target must never panic, abort or hang: every malformed input is an `Err`/`None`.

use std::io::Write;

/// Target names and their parser.
const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("image", image),
    ("jpeg", |d| codec("jpeg", d)),
    ("webp", |d| codec("webp", d)),
    ("jpeg2000", |d| codec("jpeg2000", d)),
    ("avif", |d| codec("avif", d)),
    ("h264", h264),
    ("side", side),
    ("safetensors", safetensors),
    ("sweep-toml", sweep_toml),
    ("train-toml", train_toml),
    ("journal", journal),
];

/// `semcom_core::Image::decode_bytes` (PNG, JPEG, WebP files).
fn image(d: &[u8]) {
    let _ = semcom_core::Image::decode_bytes(d);
}

/// A codec's decoder (`ImageCodec::decode`).
fn codec(name: &str, d: &[u8]) {
    let c = semcom_codecs::codec_by_name(name).expect("codec in this build");
    let _ = c.decode(d);
}

/// The H.264 clip decoder (an Annex B byte stream).
fn h264(d: &[u8]) {
    let _ = semcom_codecs::h264::H264::default().decode_clip(d, 3, None);
}

/// Side information of the separation scheme.
fn side(d: &[u8]) {
    let _ = semcom_schemes::separation::bits::Side::from_bytes(d);
}

/// safetensors files (header JSON, dtypes, offsets).
fn safetensors(d: &[u8]) {
    let _ = semcom_nn::st::parse(d);
}

/// Sweep configs (TOML, then validation).
fn sweep_toml(d: &[u8]) {
    if let Ok(t) = std::str::from_utf8(d) {
        if let Ok(c) = semcom_sweep::config::SweepConfig::from_toml_str(t) {
            let _ = c.validate();
        }
    }
}

/// Training configs (TOML).
fn train_toml(d: &[u8]) {
    if let Ok(t) = std::str::from_utf8(d) {
        let _ = semcom_core::config::from_toml_str::<semcom_nn::config::TrainConfig>(t);
        let _ = semcom_core::config::from_toml_str::<semcom_channel::ChannelParams>(t);
    }
}

/// Sweep journals (JSON lines with a header), read from a file as the engine does.
fn journal(d: &[u8]) {
    let path =
        std::env::temp_dir().join(format!("semcom-fuzz-journal-{}.jsonl", std::process::id()));
    if std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(d))
        .is_ok()
    {
        let _ = semcom_sweep::journal::read(&path);
    }
}

/// Small valid inputs of a target (AFL's starting corpus): streams encoded from a 16×16 test
/// card, a safetensors file, the shipped configs, a journal header.
fn seeds(name: &str) -> Vec<Vec<u8>> {
    let card = semcom_core::testcard::test_card(16, 16);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let files = |dir: &str| -> Vec<Vec<u8>> {
        std::fs::read_dir(format!("{root}/{dir}"))
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| std::fs::read(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let encoded = |codec: &str| -> Vec<Vec<u8>> {
        let c = semcom_codecs::codec_by_name(codec).expect("codec in this build");
        [20.0, 60.0]
            .iter()
            .filter_map(|&q| c.encode(&card, semcom_codecs::RateTarget::Quality(q)).ok())
            .collect()
    };
    match name {
        "image" => ["card.png", "card.jpg", "card.webp"]
            .iter()
            .filter_map(|f| {
                let p = std::env::temp_dir().join(format!("semcom-fuzz-seed-{f}"));
                card.save(&p).ok()?;
                std::fs::read(&p).ok()
            })
            .chain([semcom_core::image::png_announcing_size(10_000, 10_000)])
            .collect(),
        "jpeg" | "webp" | "jpeg2000" | "avif" => encoded(name),
        "h264" => {
            let frames = vec![card.clone(), card.clone()];
            semcom_codecs::h264::H264::default()
                .encode_clip(&frames, 20_000)
                .map(|c| vec![c.bytes])
                .unwrap_or_default()
        }
        "side" => vec![vec![3, 16, 0, 0, 0, 0, 0, 128, 63]],
        "safetensors" => {
            let mut f = semcom_nn::st::StFile::default();
            f.metadata.insert("format".into(), "pt".into());
            f.tensors.insert(
                "w".into(),
                semcom_nn::st::RawTensor {
                    dtype: "F32".into(),
                    shape: vec![2, 2],
                    data: [1.0f32, -2.0, 0.5, 3.0]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect(),
                },
            );
            vec![semcom_nn::st::serialize(&f)]
        }
        "sweep-toml" => files("configs/sweeps"),
        "train-toml" => files("configs/train"),
        "journal" => files("configs/sweeps")
            .iter()
            .filter_map(|t| {
                let config =
                    semcom_sweep::config::SweepConfig::from_toml_str(std::str::from_utf8(t).ok()?)
                        .ok()?;
                let header = semcom_sweep::journal::Header {
                    format: semcom_sweep::journal::FORMAT,
                    config,
                };
                let p = std::env::temp_dir().join("semcom-fuzz-seed-journal.jsonl");
                semcom_sweep::journal::write_all(&p, &header, &[]).ok()?;
                std::fs::read(&p).ok()
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn main() {
    let name = std::env::var("SEMCOM_FUZZ_TARGET").unwrap_or_default();
    let Some(&(_, f)) = TARGETS.iter().find(|t| t.0 == name) else {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.0).collect();
        eprintln!("set SEMCOM_FUZZ_TARGET to one of: {}", names.join(", "));
        std::process::exit(2);
    };
    let files: Vec<String> = std::env::args().skip(1).collect();
    if let [cmd, dir] = &files[..] {
        if cmd == "--seeds" {
            std::fs::create_dir_all(dir).expect("seed folder");
            for (i, s) in seeds(&name).iter().enumerate() {
                std::fs::write(format!("{dir}/seed{i}"), s).expect("seed file");
            }
            return;
        }
    }
    if files.is_empty() {
        // No abort-on-panic hook: decoders contain their panics with `catch_unwind` (that is
        // their contract); a panic that escapes the target still aborts, i.e. is a crash.
        afl::fuzz_nohook!(|data: &[u8]| f(data));
    } else {
        for p in files {
            let d = std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
            f(&d);
            println!("ok {p}");
        }
    }
}
