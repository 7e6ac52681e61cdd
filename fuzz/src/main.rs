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

/// The H.264 frame decoder (Annex B access units, split at the first byte's value).
fn h264(d: &[u8]) {
    let Ok(mut dec) = semcom_codecs::h264::FrameDecoder::new(3, None) else {
        return;
    };
    let cut = d.first().map_or(0, |&b| b as usize).min(d.len());
    let _ = dec.decode_frame(&d[..cut]);
    let _ = dec.decode_frame(&d[cut..]);
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
    let path = std::env::temp_dir().join(format!("semcom-fuzz-journal-{}.jsonl", std::process::id()));
    if std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(d))
        .is_ok()
    {
        let _ = semcom_sweep::journal::read(&path);
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
