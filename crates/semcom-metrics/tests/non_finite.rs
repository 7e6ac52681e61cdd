//! Non-finite values never become results: every metric of a reconstruction holding NaN or
//! ±∞ is an error (never a perfect or a capped score), and extreme finite samples give
//! finite values or an error.

use semcom_core::Image;
use semcom_metrics::*;

type Metric = fn(&Image, &Image) -> Result<f64>;

fn r() -> Region {
    Region::boxes(vec![Rect::new(10, 10, 150, 150).unwrap()])
}

fn metrics() -> Vec<(&'static str, Metric)> {
    vec![
        ("psnr", |a, b| psnr(a, b, 1.0)),
        ("psnr_y", |a, b| psnr_y(a, b, 1.0)),
        ("mse", mse),
        ("ssim", |a, b| ssim(a, b, 1.0)),
        ("ssim_y", |a, b| ssim_y(a, b, 1.0)),
        ("ms_ssim", |a, b| ms_ssim(a, b, 1.0)),
        ("psnr_masked", |a, b| psnr_masked(a, b, 1.0, &r())),
        ("psnr_y_masked", |a, b| psnr_y_masked(a, b, 1.0, &r())),
        ("ssim_masked", |a, b| ssim_masked(a, b, 1.0, &r())),
        ("ssim_y_masked", |a, b| ssim_y_masked(a, b, 1.0, &r())),
        ("compare_images", |a, b| {
            compare_images(
                a,
                b,
                1.0,
                Some(&Region::boxes(vec![Rect::new(0, 0, 8, 8).unwrap()])),
            )
            .map(|m| m.get("psnr").unwrap())
        }),
    ]
}

#[test]
fn nan_and_inf_reconstructions_are_errors() {
    let a = semcom_core::testcard::test_card(176, 176);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for at in [0, a.samples() / 2, a.samples() - 1] {
            let mut b = a.clone();
            b.data_mut()[at] = bad;
            for (name, m) in metrics() {
                let r = m(&a, &b);
                assert!(
                    matches!(r, Err(MetricsError::NonFinite(_))),
                    "{name} of a reconstruction with {bad} at {at}: {r:?}"
                );
                let r = m(&b, &a);
                assert!(r.is_err(), "{name} with {bad} in the original: {r:?}");
            }
        }
    }
}

#[test]
fn extreme_finite_samples_give_finite_values_or_errors() {
    let a = semcom_core::testcard::test_card(176, 176);
    for v in [f32::MAX, f32::MIN, 1e30, -1e-30] {
        let mut b = a.clone();
        b.data_mut().iter_mut().step_by(7).for_each(|s| *s = v);
        for (name, m) in metrics() {
            if let Ok(x) = m(&a, &b) {
                assert!(x.is_finite(), "{name} with samples {v}: {x}");
            }
        }
    }
}
