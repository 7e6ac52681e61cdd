//! ESPNet port vs the reference outputs in `shared/models/espnet/ref` (logits crops to 1e-3,
//! argmax maps), plus error paths and the full CamVid-test mIoU (ignored by default, ~3 min).

mod common;

use semcom_core::Image;
use semcom_zoo::espnet::{Espnet, EspnetModel};
use semcom_zoo::weights::Weights;
use semcom_zoo::ZooError;

const IMAGES: [&str; 2] = ["0001TP_008550", "Seq05VD_f01500"];

fn check_model(model: EspnetModel, name: &str, max_argmax_diff: usize) {
    let Some(m) = common::models() else { return };
    let net = Espnet::load(model, Some(&m.join(model.default_file()))).unwrap();
    let refs = Weights::load(&m.join(format!("espnet/ref/espnet_{name}_ref.safetensors"))).unwrap();
    let k = model.classes();
    for img_name in IMAGES {
        let img = Image::load(m.join(format!("samples/camvid_test_{img_name}.png"))).unwrap();
        let x = net.preprocess(&img);
        let crop = x.get(0).narrow(1, 168, 32).narrow(2, 0, 32);
        let want = refs
            .get(&format!("{img_name}.input_crop"), &[3, 32, 32])
            .unwrap();
        assert!(common::max_abs(&crop, &want) < 1e-6, "input crop");
        let logits = net.logits(&img).unwrap();
        assert_eq!(logits.size(), [k, 360, 480]);
        let lc = logits.narrow(1, 168, 32).narrow(2, 0, 32);
        let want = refs
            .get(&format!("{img_name}.logits_crop"), &[k, 32, 32])
            .unwrap();
        let d = common::max_abs(&lc, &want);
        assert!(d < 1e-3, "{name} {img_name}: logits crop max diff {d}");
        let idx_r =
            tch::Tensor::arange_start_step(0, 360, 11, (tch::Kind::Int64, tch::Device::Cpu));
        let idx_c =
            tch::Tensor::arange_start_step(0, 480, 11, (tch::Kind::Int64, tch::Device::Cpu));
        let grid = logits.index_select(1, &idx_r).index_select(2, &idx_c);
        let want = refs
            .get(&format!("{img_name}.logits_grid11"), &[k, 33, 44])
            .unwrap();
        let d = common::max_abs(&grid, &want);
        assert!(d < 1e-3, "{name} {img_name}: logits grid max diff {d}");
        let labels = net.segment(&img).unwrap();
        let ref_map = common::grey_u8(&m.join(format!("espnet/ref/{name}_{img_name}_argmax.png")));
        let diff = labels.iter().zip(&ref_map).filter(|(a, b)| a != b).count();
        eprintln!("{name} {img_name}: logits diff {d:.2e}, argmax differs on {diff} px");
        assert!(
            diff <= max_argmax_diff,
            "{name} {img_name}: {diff} argmax differences"
        );
    }
}

#[test]
fn camvid_matches_reference() {
    // README: 11/13 near-tie pixels (top-2 margin < 1e-3) for CamVid.
    check_model(EspnetModel::Camvid, "camvid", 13);
}

#[test]
fn cityscapes_matches_reference() {
    // README: 32/55 near-tie pixels for Cityscapes.
    check_model(EspnetModel::Cityscapes, "cityscapes", 55);
}

#[test]
fn error_paths() {
    let missing = Espnet::load(
        EspnetModel::Camvid,
        Some(std::path::Path::new("/nonexistent/espnet.safetensors")),
    );
    assert!(matches!(missing, Err(ZooError::MissingWeights { .. })));
    let dir = std::env::temp_dir().join(format!("zoo-espnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all").unwrap();
    assert!(matches!(
        Espnet::load(EspnetModel::Camvid, Some(&bad)),
        Err(ZooError::BadWeights { .. })
    ));
    std::fs::write(&bad, b"").unwrap();
    assert!(Espnet::load(EspnetModel::Camvid, Some(&bad)).is_err());
    std::fs::remove_dir_all(&dir).ok();
    let Some(m) = common::models() else { return };
    // The Cityscapes file does not fit the CamVid architecture: a typed error, not a panic.
    let wrong = Espnet::load(
        EspnetModel::Camvid,
        Some(&m.join("espnet/espnet_cityscapes.safetensors")),
    );
    assert!(
        matches!(wrong, Err(ZooError::BadWeights { .. })),
        "{:?}",
        wrong.err()
    );
    let net = Espnet::load(
        EspnetModel::Camvid,
        Some(&m.join("espnet/espnet_camvid.safetensors")),
    )
    .unwrap();
    assert!(net
        .forward(&tch::Tensor::zeros(
            [1, 3, 12, 16],
            (tch::Kind::Float, tch::Device::Cpu)
        ))
        .is_err());
    assert!(net
        .forward(&tch::Tensor::zeros(
            [3, 16, 16],
            (tch::Kind::Float, tch::Device::Cpu)
        ))
        .is_err());
    // Odd sizes are padded and cropped.
    let img = semcom_core::testcard::test_card(37, 21);
    assert_eq!(net.segment(&img).unwrap().len(), 37 * 21);
}

/// Full CamVid test set (233 images): mIoU 0.5717 ± 0.002. About 70 CPU-seconds (1 thread).
#[test]
#[ignore]
fn camvid_test_miou_full() {
    tch::set_num_threads(1);
    let Some(s) = common::shared() else { return };
    let net = Espnet::load(
        EspnetModel::Camvid,
        Some(&s.join("models/espnet/espnet_camvid.safetensors")),
    )
    .unwrap();
    let cm = semcom_zoo::espnet::eval_camvid(&net, &s.join("data/camvid"), |_, _| {}).unwrap();
    let miou = cm.miou().unwrap();
    eprintln!(
        "CamVid test mIoU {miou:.4}, pixel acc {:.4}",
        cm.pixel_accuracy().unwrap()
    );
    assert!((miou - 0.5717).abs() <= 0.002, "mIoU {miou}");
}
