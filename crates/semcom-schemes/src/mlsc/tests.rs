//! Tests of MLSC-image that need no trained weights: randomly initialised (seeded) models.

use super::model::{Mlsc, MlscConfig};
use super::scheme::{encode_tiles, send_within, tile_grid, view_uses, TileInputs};
use super::*;
use crate::registry::{build, SchemeOptions};
use semcom_core::chain::Link;
use semcom_core::{run_image, Budget, Image};
use semcom_nn::tch::{self, Device, Kind, Tensor};
use std::path::{Path, PathBuf};

fn one_thread() {
    tch::set_num_threads(1);
}

fn model(l: i64, v: Variant, seed: i64) -> Mlsc {
    one_thread();
    let _rng = crate::torch_rng_lock();
    tch::manual_seed(seed);
    Mlsc::new(&MlscConfig::new(l, v), Device::Cpu).unwrap()
}

/// `shared/models` beside the repository, or None (skipped) when absent outside CI.
fn shared_models() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/models"
    ));
    if p.join("espnet").is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but shared models are missing at {}",
        p.display()
    );
    eprintln!("SKIP: shared models not found at {}", p.display());
    None
}

/// A folder of random-init weights: `(l, variant)` each, tagged `text = seg-words`,
/// `train_snr_db = 10`.
fn weights_folder(tag: &str, models: &[(i64, Variant)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("semcom-mlsc-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    for &(l, v) in models {
        let m = model(l, v, 7 + l);
        m.save(
            &d.join(format!("mlsc_l{l}_{}.safetensors", v.name())),
            seg_words_10db(),
        )
        .unwrap();
    }
    d
}

/// Metadata of weights trained with `seg-words` at 10 dB.
fn seg_words_10db() -> std::collections::BTreeMap<String, String> {
    [("text", "seg-words"), ("train_snr_db", "10")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A synthetic label map: horizontal bands of classes.
fn bands(w: usize, h: usize) -> Vec<u8> {
    (0..w * h).map(|i| ((i / w) * 12 / h) as u8).collect()
}

fn text_of(labels: &[u8]) -> Vec<f32> {
    text::embed(
        &text::describe_labels(labels, &semcom_zoo::espnet::CAMVID_CLASSES),
        model::TEXT_DIM as usize,
    )
}

fn rand_img(b: i64, h: i64, w: i64, seed: i64) -> Tensor {
    let _rng = crate::torch_rng_lock();
    tch::manual_seed(seed);
    Tensor::rand([b, 3, h, w], (Kind::Float, Device::Cpu))
}

#[test]
fn k_over_n_grid_matches_the_issue() {
    for (l, num, den) in [(3, 5, 96), (5, 1, 12), (7, 11, 96), (9, 7, 48)] {
        let kn = MlscConfig::new(l, Variant::Full).k_over_n();
        assert!((kn - num as f64 / den as f64).abs() < 1e-12, "l = {l}");
    }
}

#[test]
fn symbol_count_and_power_for_every_l_and_size() {
    let card = semcom_core::testcard::test_card(480, 360);
    for l in 2..=model::MAX_L {
        let m = model(l, Variant::Full, l);
        for (w, h) in [(120, 120), (480, 360), (37, 29)] {
            let img = card.crop(0, 0, w, h).unwrap().pad_to_multiple(8);
            let (pw, ph) = (img.width(), img.height());
            let labels = bands(pw, ph);
            let tiles = tile_grid(pw, ph, 120);
            let inp = TileInputs {
                view: &img,
                labels: Some(&labels),
                texts: tiles.iter().map(|_| text_of(&labels)).collect(),
            };
            let reals = encode_tiles(&m, &inp, &tiles).unwrap();
            let k = (ph / 8) * (pw / 8) * (3 * l as usize + 1);
            assert_eq!(reals.len(), 2 * k, "l = {l}, {w}x{h}");
            assert_eq!(view_uses(w, h, 3 * l as usize + 1), k);
            // Each tile is normalised to P = 1 per complex use.
            let mut off = 0;
            for t in &tiles {
                let n = 2 * view_uses(t.2, t.3, 3 * l as usize + 1);
                let p: f64 = reals[off..off + n]
                    .iter()
                    .map(|&x| (x as f64).powi(2))
                    .sum::<f64>()
                    / (n / 2) as f64;
                assert!((p - 1.0).abs() < 1e-4, "tile power {p}");
                off += n;
            }
            // What is sent (⌊(k/n)·n⌋ symbols) has average power ≤ 1.
            let budget = (3 * l as usize + 1) as f64 / 192.0;
            let uses = semcom_core::budget::channel_uses_for(budget, 3 * w * h);
            let sym = send_within(&mut reals.clone(), uses);
            assert_eq!(sym.len(), uses.min(k));
            let p: f64 = sym.iter().map(|c| c.norm_sqr() as f64).sum::<f64>() / sym.len() as f64;
            assert!(p <= 1.0 && p > 0.999, "sent power {p}");
        }
    }
}

#[test]
fn kernel_sizes_follow_2i_minus_3_and_2i_minus_5() {
    let m = model(9, Variant::Full, 1);
    let s = m.shapes();
    assert_eq!(s["enc_seg.0.conv.weight"], vec![16, 3, 3, 3]);
    assert_eq!(s["enc_concat.0.conv.weight"], vec![16, 6, 3, 3]);
    for i in 3..=9 {
        let m_i = 2 * i - 3;
        assert_eq!(
            s[&format!("enc_img{i}.0.conv.weight")],
            vec![16, 3, m_i, m_i]
        );
        assert_eq!(
            s[&format!("enc_img{i}.2.conv.weight")],
            vec![32, 32, m_i, m_i]
        );
        assert_eq!(s[&format!("enc_img{i}.3.conv.weight")], vec![6, 32, 1, 1]);
    }
    // Decoder Modules (transposed: [cin, cout, m, m]).
    assert_eq!(s["dec1.0.conv.weight"], vec![2, 32, 3, 3]);
    for i in 2..=10 {
        let m_i = if i <= 3 { 3 } else { 2 * i - 5 };
        assert_eq!(s[&format!("dec{i}.0.conv.weight")], vec![6, 32, m_i, m_i]);
    }
    assert_eq!(s["semantic_fc.weight"], vec![2 * 15 * 15, 128]);
    assert_eq!(s["fusion.0.conv.weight"], vec![30, 32, 3, 3]);
    // BN follows every convolution but the fusion output layer; its running statistics are
    // variables (saved).
    assert!(s.contains_key("enc_img9.3.bn.running_mean"));
    assert!(s.contains_key("fusion.1.bn.running_var"));
    assert!(!s.keys().any(|k| k.starts_with("fusion.2.bn")));
}

#[test]
fn reshape_layer_splits_q1_and_qi_on_a_marked_payload() {
    let l = 4;
    let m = model(l, Variant::Full, 2);
    let (h, w) = (16, 24);
    let per = 3 * l + 1;
    // Position p, complex element j (1-based): re = 100·p + j, im = −j.
    let mut reals = Vec::new();
    for p in 0..(h / 8) * (w / 8) {
        for j in 1..=per {
            reals.push((100 * p + j) as f32);
            reals.push(-(j as f32));
        }
    }
    let y = Tensor::from_slice(&reals).reshape([1, -1]);
    let q = m.split_q(&y, h, w).unwrap();
    assert_eq!(q.len(), l as usize + 1);
    let at = |t: &Tensor, c: i64, p: i64| t.double_value(&[0, c, p / (w / 8), p % (w / 8)]);
    for p in 0..(h / 8) * (w / 8) {
        assert_eq!(q[0].size(), vec![1, 2, h / 8, w / 8]);
        assert_eq!(at(&q[0], 0, p), (100 * p + 1) as f64);
        assert_eq!(at(&q[0], 1, p), -1.0);
        for i in 1..=l {
            let qi = &q[i as usize];
            assert_eq!(qi.size(), vec![1, 6, h / 8, w / 8]);
            for (e, j) in (3 * i - 1..=3 * i + 1).enumerate() {
                assert_eq!(at(qi, 2 * e as i64, p), (100 * p + j) as f64);
                assert_eq!(at(qi, 2 * e as i64 + 1, p), -(j as f64));
            }
        }
    }
    assert!(m.split_q(&y, 16, 16).is_err());
}

#[test]
fn bn_in_eval_mode_makes_symbols_independent_of_the_batch() {
    let m = model(3, Variant::Full, 3);
    // A training step's forward pass moves the running statistics away from 0 / 1.
    let x = rand_img(4, 32, 32, 1);
    let ch = semcom_nn::channel::ChannelSpec::Awgn {
        snr_db: 10.0,
        snr_db_max: None,
    };
    let p = {
        // Draws from LibTorch's global RNG (the features and the channel noise).
        let _rng = crate::torch_rng_lock();
        let p = Tensor::rand([4, 128], (Kind::Float, Device::Cpu));
        let _ = m.forward_train(&x, &x, &p, &ch).unwrap();
        p
    };
    let a = x.narrow(0, 0, 1);
    let pa = p.narrow(0, 0, 1);
    let alone = m.encode(&a, &a, &pa).unwrap();
    let batch = m.encode(&x, &x, &p).unwrap().narrow(0, 0, 1);
    assert!(f64::try_from((&alone - &batch).abs().max()).unwrap() < 1e-5);
    let da = m.decode(&alone, 32, 32).unwrap();
    let db = m
        .decode(&m.encode(&x, &x, &p).unwrap(), 32, 32)
        .unwrap()
        .narrow(0, 0, 1);
    assert!(f64::try_from((&da - &db).abs().max()).unwrap() < 1e-5);
    // In training mode the batch does matter (so the check above can fail).
    let ta = m.encode_t(&a, &a, &pa, true).unwrap();
    let tb = m.encode_t(&x, &x, &p, true).unwrap().narrow(0, 0, 1);
    assert!(f64::try_from((&ta - &tb).abs().max()).unwrap() > 1e-3);
}

#[test]
fn ablations_ignore_the_missing_inputs_and_full_does_not() {
    let x = rand_img(1, 32, 32, 4);
    let s = rand_img(1, 32, 32, 5);
    let p1 = Tensor::from_slice(&text::embed("road 50% sky 50%", 128)).reshape([1, 128]);
    let p2 = Tensor::from_slice(&text::embed("a red car on a bridge", 128)).reshape([1, 128]);
    let diff = |m: &Mlsc, (s1, s2): (&Tensor, &Tensor), (a, b): (&Tensor, &Tensor)| {
        let e1 = m.encode(&x, s1, a).unwrap();
        let e2 = m.encode(&x, s2, b).unwrap();
        f64::try_from((e1 - e2).abs().max()).unwrap()
    };
    let z = s.zeros_like();
    for v in Variant::ALL {
        let m = model(2, v, 6);
        let text = diff(&m, (&s, &s), (&p1, &p2));
        let seg = diff(&m, (&s, &z), (&p1, &p1));
        assert_eq!(text > 1e-4, v.uses_text(), "{v:?} text {text}");
        assert_eq!(seg > 1e-4, v.uses_seg(), "{v:?} seg {seg}");
    }
}

#[test]
fn save_load_round_trip_and_corrupt_or_mismatched_files() {
    let d = weights_folder("io", &[(2, Variant::Full)]);
    let f = d.join("mlsc_l2_full.safetensors");
    let (m, meta) = Mlsc::load(&f, Device::Cpu).unwrap();
    assert_eq!(meta["l"], "2");
    assert_eq!(meta["variant"], "full");
    assert_eq!(meta["text"], "seg-words");
    assert_eq!(meta["t"], "8");
    let orig = model(2, Variant::Full, 9); // same seed as weights_folder: 7 + l
    let x = rand_img(1, 16, 16, 1);
    let p = Tensor::zeros([1, 128], (Kind::Float, Device::Cpu));
    let a = m.encode(&x, &x, &p).unwrap();
    let b = orig.encode(&x, &x, &p).unwrap();
    assert!(f64::try_from((a - b).abs().max()).unwrap() == 0.0);
    // Truncated.
    let bytes = std::fs::read(&f).unwrap();
    let t = d.join("trunc.safetensors");
    std::fs::write(&t, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Mlsc::load(&t, Device::Cpu),
        Err(MlscError::Weights { .. })
    ));
    // Config says l = 3, tensors are l = 2.
    let mut st = semcom_nn::st::read(&f).unwrap();
    st.metadata.insert(
        "config".into(),
        serde_json::to_string(&MlscConfig::new(3, Variant::Full)).unwrap(),
    );
    let mm = d.join("mismatch.safetensors");
    semcom_nn::st::write(&mm, &st).unwrap();
    let e = Mlsc::load(&mm, Device::Cpu).unwrap_err().to_string();
    assert!(e.contains("does not match"), "{e}");
    // A NaN weight.
    let bad = model(2, Variant::Full, 1);
    tch::no_grad(|| {
        let mut w = bad.vs.variables()["dec3.1.conv.weight"].shallow_clone();
        let _ = w.fill_(f64::NAN);
    });
    let nf = d.join("nan.safetensors");
    // Non-finite weights are never written (semcom-nn's writer refuses them; its reader
    // rejects them too, tested in semcom-nn).
    let e = bad.save(&nf, Default::default()).unwrap_err().to_string();
    assert!(
        e.contains("dec3.1.conv.weight") && e.contains("non-finite"),
        "{e}"
    );
    assert!(!nf.exists());
    // Not an MLSC file.
    st.metadata.insert("model".into(), "deepjscc".into());
    semcom_nn::st::write(&mm, &st).unwrap();
    assert!(Mlsc::load(&mm, Device::Cpu).is_err());
    let _ = std::fs::remove_dir_all(&d);
}

fn opts(dir: &Path, params: &str) -> SchemeOptions {
    let mut o = SchemeOptions {
        weights: Some(dir.to_path_buf()),
        ..Default::default()
    };
    if !params.is_empty() {
        semcom_core::params::parse_key_values(params, &mut o.params).unwrap();
    }
    o
}

fn link(ch: &dyn semcom_core::chain::ChannelModel) -> Link<'_> {
    Link {
        channel: ch,
        snr_db: 10.0,
        seed: 3,
    }
}

#[test]
fn nosem_chain_runs_without_espnet_on_odd_sizes_and_channels() {
    one_thread();
    let d = weights_folder("nosem", &[(2, Variant::Nosem), (3, Variant::Nosem)]);
    let s = build("mlsc-nosem", &opts(&d, "")).unwrap();
    let awgn = semcom_channel::registry::by_name("awgn", &Default::default()).unwrap();
    let ray = semcom_channel::registry::by_name("rayleigh-fast", &Default::default()).unwrap();
    let card = semcom_core::testcard::test_card(37, 29);
    let b = Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap();
    for img in [card.clone(), card.to_luma()] {
        for ch in [&awgn, &ray] {
            let src = semcom_core::Source::still(img.clone());
            let out = semcom_core::run_chain(s.as_ref(), &src, &b, &link(ch.as_ref())).unwrap();
            assert_eq!(
                out.accounting.channel_uses as usize,
                b.max_channel_uses(img.samples()).unwrap()
            );
            assert_eq!(out.accounting.side_bits, 0);
            assert_eq!(out.reconstruction().width(), 37);
            assert_eq!(out.reconstruction().channels(), img.channels());
            let again = semcom_core::run_chain(s.as_ref(), &src, &b, &link(ch.as_ref())).unwrap();
            assert_eq!(out.reconstruction(), again.reconstruction());
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn error_paths_are_one_line_and_say_what_is_missing() {
    one_thread();
    let d = weights_folder("err", &[(2, Variant::Nosem), (3, Variant::Nosem)]);
    let awgn = semcom_channel::registry::by_name("awgn", &Default::default()).unwrap();
    let s = MlscScheme::from_options("mlsc-nosem", &opts(&d, ""), &Default::default()).unwrap();
    let card = semcom_core::testcard::test_card(32, 32);
    let run = |s: &MlscScheme, img: &Image, b: &Budget| {
        run_image(s, img, b, &link(awgn.as_ref()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    // k/n without weights lists the available.
    let e = run(&s, &card, &Budget::cbr("1/12".parse().unwrap()).unwrap());
    assert!(
        e.contains("no mlsc-nosem") && e.contains("0.036458, 0.052083"),
        "{e}"
    );
    assert!(!e.contains('\n'));
    // A bit-rate budget.
    let e = run(&s, &card, &Budget::bpp(0.5).unwrap());
    assert!(e.contains("k/n"), "{e}");
    // An image smaller than t.
    let tiny = Image::filled(7, 12, 3, 0.5).unwrap();
    let e = run(
        &s,
        &tiny,
        &Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap(),
    );
    assert!(e.contains("smaller than t = 8"), "{e}");
    // Corrupt weights.
    let f = d.join("mlsc_l2_nosem.safetensors");
    let mut bytes = std::fs::read(&f).unwrap();
    let n = bytes.len();
    bytes.truncate(n - 100);
    std::fs::write(&f, &bytes).unwrap();
    let e = run(
        &s,
        &card,
        &Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap(),
    );
    assert!(e.contains("mlsc_l2_nosem.safetensors"), "{e}");
    // Missing ESPNet weights name the file (full needs the segmentation map).
    let dfull = weights_folder("errfull", &[(2, Variant::Full)]);
    let missing = d.join("nowhere/espnet_camvid.safetensors");
    let o = opts(&dfull, &format!("espnet={}", missing.display()));
    let full = build("mlsc", &o).unwrap();
    let src = semcom_core::Source::still(card.clone());
    let b = Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap();
    let e = semcom_core::run_chain(full.as_ref(), &src, &b, &link(awgn.as_ref()))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("nowhere/espnet_camvid.safetensors"), "{e}");
    // Bad captions file (at build) and a missing stem (at encode).
    let cap = d.join("caps.json");
    std::fs::write(&cap, b"{not json").unwrap();
    let e = build(
        "mlsc",
        &opts(&dfull, &format!("captions={}", cap.display())),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("caps.json"), "{e}");
    std::fs::write(&cap, br#"{"other": "a street"}"#).unwrap();
    let o = opts(&dfull, &format!("captions={}", cap.display()));
    // Weights trained with seg-words do not serve captions: no weights.
    let c = build("mlsc-noseg", &o).unwrap();
    let e = semcom_core::run_chain(c.as_ref(), &src, &b, &link(awgn.as_ref()))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("text captions"), "{e}");
    let capw = std::env::temp_dir().join(format!("semcom-mlsc-capw-{}", std::process::id()));
    std::fs::create_dir_all(&capw).unwrap();
    model(2, Variant::Noseg, 1)
        .save(
            &capw.join("m.safetensors"),
            [("text".to_string(), "captions".to_string())].into(),
        )
        .unwrap();
    let mut o = opts(&capw, &format!("captions={}", cap.display()));
    o.params = opts(&capw, &format!("captions={}", cap.display())).params;
    let c = build("mlsc-noseg", &o).unwrap();
    let e = semcom_core::run_chain(c.as_ref(), &src, &b, &link(awgn.as_ref()))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("no caption for stem"), "{e}");
    // Parameters that contradict the scheme.
    assert!(build("mlsc-notext", &opts(&d, "variant=full")).is_err());
    assert!(build("mlsc", &opts(&d, "text=captions")).is_err());
    assert!(build("mlsc", &opts(&d, "l=12")).is_err());
    for p in [&d, &dfull, &capw] {
        let _ = std::fs::remove_dir_all(p);
    }
}

#[test]
fn full_chain_runs_espnet_once_per_view() {
    let Some(models) = shared_models() else {
        return;
    };
    one_thread();
    let espnet = models.join("espnet/espnet_camvid.safetensors");
    let d = weights_folder("full", &[(2, Variant::Full)]);
    let s = MlscScheme::from_options(
        "mlsc",
        &opts(&d, ""),
        &MlscParams {
            espnet: Some(espnet),
            ..Default::default()
        },
    )
    .unwrap();
    let card = semcom_core::testcard::test_card(64, 48);
    let labels = s.segment(&card).unwrap();
    assert_eq!(labels.len(), 64 * 48);
    // Memoised: the same Arc for the same view.
    assert!(std::sync::Arc::ptr_eq(&labels, &s.segment(&card).unwrap()));
    let awgn = semcom_channel::registry::by_name("awgn", &Default::default()).unwrap();
    let b = Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap();
    let out = run_image(&s, &card, &b, &link(awgn.as_ref())).unwrap();
    assert_eq!(out.accounting.channel_uses as usize, 8 * 6 * 7);
    assert_eq!(out.accounting.side_bits, 0);
}

#[test]
fn without_text_the_caption_is_ignored_and_with_text_it_is_not() {
    one_thread();
    let d = std::env::temp_dir().join(format!("semcom-mlsc-capt-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let meta = || [("text".to_string(), "captions".to_string())].into();
    model(2, Variant::Noseg, 1)
        .save(&d.join("noseg.safetensors"), meta())
        .unwrap();
    model(2, Variant::Nosem, 1)
        .save(&d.join("nosem.safetensors"), meta())
        .unwrap();
    let card = semcom_core::testcard::test_card(40, 32);
    card.save(d.join("card.png")).unwrap();
    let card = Image::load(d.join("card.png")).unwrap();
    let awgn = semcom_channel::registry::by_name("awgn", &Default::default()).unwrap();
    let b = Budget::cbr(semcom_core::Ratio::new(7, 192).unwrap()).unwrap();
    let send = |scheme: &str, caption: &str| {
        let f = d.join(format!("{scheme}-{}.json", caption.len()));
        std::fs::write(&f, format!("{{\"card\": \"{caption}\"}}")).unwrap();
        let s = build(scheme, &opts(&d, &format!("captions={}", f.display()))).unwrap();
        let src = semcom_core::Source::still(card.clone());
        semcom_core::run_chain(s.as_ref(), &src, &b, &link(awgn.as_ref()))
            .unwrap()
            .reconstruction()
            .clone()
    };
    let (a, bb) = ("a test card", "two red buses on a wet road at night");
    assert_eq!(send("mlsc-nosem", a), send("mlsc-nosem", bb));
    assert_ne!(send("mlsc-noseg", a), send("mlsc-noseg", bb));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_tile_coded_in_a_batch_of_tiles_equals_the_tile_coded_alone() {
    let m = model(3, Variant::Full, 11);
    let view = semcom_core::testcard::test_card(240, 128);
    let labels = bands(240, 128);
    let code = |img: &Image, labels: &[u8]| {
        let tiles = tile_grid(img.width(), img.height(), 120);
        let inp = TileInputs {
            view: img,
            labels: Some(labels),
            texts: tiles
                .iter()
                .map(|_| text::embed("road 50% sky 50%", 128))
                .collect(),
        };
        encode_tiles(&m, &inp, &tiles).unwrap()
    };
    let whole = code(&view, &labels);
    // Raster order: tiles (0,0) and (120,0) of 120×120, then the 8-row remainders.
    let crop = |x0: usize| {
        let img = view.crop(x0, 0, 120, 120).unwrap();
        let l: Vec<u8> = (0..120)
            .flat_map(|r| labels[r * 240 + x0..r * 240 + x0 + 120].to_vec())
            .collect();
        code(&img, &l)
    };
    let (a, b) = (crop(0), crop(120));
    assert_eq!(a.len(), 2 * 15 * 15 * 10);
    let close = |x: &[f32], y: &[f32]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-5);
    assert!(close(&whole[..a.len()], &a));
    assert!(close(&whole[a.len()..2 * a.len()], &b));
}

/// Writes seeded random-init weights for l = 3, 5, 7, 9 (all variants, `seg-words`, 10 dB) to
/// `target/mlsc-example/` for trying the chain from the CLI before trained weights exist:
/// `cargo test --release -p semcom-schemes --lib mlsc::tests::write_example_weights -- --ignored`.
#[test]
#[ignore]
fn write_example_weights() {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/mlsc-example"
    ));
    std::fs::create_dir_all(&d).unwrap();
    for l in [3, 5, 7, 9] {
        for v in Variant::ALL {
            model(l, v, l)
                .save(
                    &d.join(format!("mlsc_l{l}_{}_random.safetensors", v.name())),
                    seg_words_10db(),
                )
                .unwrap();
        }
    }
}
