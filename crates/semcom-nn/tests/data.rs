//! Data loaders on the shared data sets (skipped when `../shared` is missing, unless CI=true).

use semcom_nn::data::{Augment, ImageSet};
use std::path::PathBuf;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "shared data missing at {} (required when CI=true)",
            p.display()
        );
    }
    println!("SKIP: shared data missing at {}", p.display());
    None
}

#[test]
fn cifar_subset_loads_deterministically() {
    let Some(root) = shared() else { return };
    let set = ImageSet::cifar10(&root.join("cifar10"), "test", Some(50)).unwrap();
    assert_eq!(set.len(), 50);
    assert_eq!(set.classes.len(), 10);
    assert!(set
        .samples
        .iter()
        .all(|s| s.width == 32 && s.height == 32 && s.class.is_some()));
    let aug = Augment {
        crop: Some((24, 24)),
        flip: true,
    };
    let b1 = set
        .batch(&[0, 5, 9], aug, &mut semcom_core::rng::rng_for(3, 0))
        .unwrap();
    let b2 = set
        .batch(&[0, 5, 9], aug, &mut semcom_core::rng::rng_for(3, 0))
        .unwrap();
    assert_eq!(b1.images.size(), [3, 3, 24, 24]);
    assert!(b1.images.equal(&b2.images));
    assert_eq!(set.epoch_order(1, 2), set.epoch_order(1, 2));
    assert_ne!(set.epoch_order(1, 2), set.epoch_order(1, 3));
}

#[test]
fn camvid_labels_follow_crops_and_flips() {
    let Some(root) = shared() else { return };
    let set = ImageSet::camvid(&root.join("camvid"), "val", Some(3)).unwrap();
    assert_eq!(set.len(), 3);
    let aug = Augment {
        crop: Some((64, 96)),
        flip: true,
    };
    let b = set
        .batch(&[0, 1, 2], aug, &mut semcom_core::rng::rng_for(1, 0))
        .unwrap();
    let l = b.labels.unwrap();
    assert_eq!(l.size(), [3, 64, 96]);
    assert!(i64::try_from(l.max()).unwrap() <= 11);
    // Whole images of different sizes need a crop; Kodak has portrait and landscape images.
    let kodak = ImageSet::kodak(&root.join("kodak")).unwrap();
    assert_eq!(kodak.len(), 24);
    assert!(kodak
        .batch(
            &[0, 3],
            Augment::default(),
            &mut semcom_core::rng::rng_for(1, 0)
        )
        .is_err());
}

#[test]
fn missing_or_empty_folders_are_errors() {
    let d = std::env::temp_dir().join(format!("semcom-nn-empty-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    assert!(ImageSet::load_folder(&d, None).is_err());
    assert!(ImageSet::load_folder(&d.join("nope"), None).is_err());
    std::fs::write(d.join("bad.png"), b"not a png").unwrap();
    assert!(ImageSet::load_folder(&d, None).is_err());
    let _ = std::fs::remove_dir_all(&d);
}
