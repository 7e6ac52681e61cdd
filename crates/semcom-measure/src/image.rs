//! Image metrics of one view (8-bit values on the `[0, 1]` scale, range 1):
//! `psnr` = 10·log10(1/MSE) over all C·H·W samples, `psnr-y` on BT.601 luma, `ssim`/`ssim-y`
//! (Wang et al. 2004, Gaussian σ = 1.5, mean over RGB channels), `ms-ssim` (Wang et al. 2003,
//! 5 scales, sides > 160 px), `mse`. All match scikit-image (see `semcom-metrics`).

use crate::{Metric, ViewPair};
use semcom_core::Image;

type Fn = fn(&Image, &Image) -> semcom_metrics::Result<f64>;

/// A metric computed by one `semcom-metrics` function.
struct ImageMetric {
    name: &'static str,
    description: &'static str,
    f: Fn,
}

impl Metric for ImageMetric {
    fn name(&self) -> &'static str {
        self.name
    }
    fn description(&self) -> &'static str {
        self.description
    }
    fn view(&self, v: &ViewPair<'_>) -> Result<Option<f64>, String> {
        (self.f)(v.src, v.rec).map(Some).map_err(|e| e.to_string())
    }
}

/// Every image metric.
pub fn all() -> Vec<Box<dyn Metric>> {
    let m = |name, description, f: Fn| -> Box<dyn Metric> {
        Box::new(ImageMetric {
            name,
            description,
            f,
        })
    };
    vec![
        m("psnr", "PSNR over all C·H·W samples, dB", |a, b| {
            semcom_metrics::psnr(a, b, 1.0)
        }),
        m("psnr-y", "PSNR of BT.601 luma, dB", |a, b| {
            semcom_metrics::psnr_y(a, b, 1.0)
        }),
        m(
            "ssim",
            "SSIM (Wang et al. 2004), mean over channels",
            |a, b| semcom_metrics::ssim(a, b, 1.0),
        ),
        m("ssim-y", "SSIM of BT.601 luma", |a, b| {
            semcom_metrics::ssim_y(a, b, 1.0)
        }),
        m(
            "ms-ssim",
            "MS-SSIM (Wang et al. 2003), 5 scales, sides > 160 px",
            |a, b| semcom_metrics::ms_ssim(a, b, 1.0),
        ),
        m(
            "mse",
            "mean squared error on the [0,1] scale",
            semcom_metrics::mse,
        ),
    ]
}
