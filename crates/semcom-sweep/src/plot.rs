//! Line plots (PNG and SVG via plotters): one line per series, points at the mean, vertical
//! bars at the 95 % CI, the settings in a caption under the chart.

use crate::error::{Result, SweepError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Figure size in pixels.
pub const SIZE: (u32, u32) = (860, 600);
/// Height of the caption strip under the chart.
const CAPTION_H: u32 = 56;

/// One line: `(x, mean, ci95)` points, drawn in x order.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Colour index (stable per scheme across figures).
    pub color: usize,
    /// Points `(x, y mean, y 95 % half-width)`.
    pub points: Vec<(f64, f64, f64)>,
}

/// A figure to draw.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem (without extension).
    pub stem: String,
    /// Title above the chart.
    pub title: String,
    /// Caption lines under the chart (the settings).
    pub caption: Vec<String>,
    /// X axis label.
    pub x_desc: String,
    /// Y axis label.
    pub y_desc: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// A colour-blind-friendly palette (Okabe & Ito 2008, yellow replaced by purple for contrast on
/// white), then plotters' Palette99.
pub fn color(i: usize) -> RGBColor {
    const OKABE_ITO: [(u8, u8, u8); 8] = [
        (0, 114, 178),
        (213, 94, 0),
        (0, 158, 115),
        (204, 121, 167),
        (230, 159, 0),
        (86, 180, 233),
        (0, 0, 0),
        (117, 112, 179),
    ];
    match OKABE_ITO.get(i) {
        Some(&(r, g, b)) => RGBColor(r, g, b),
        None => {
            let c = Palette99::pick(i).to_rgba();
            RGBColor(c.0, c.1, c.2)
        }
    }
}

/// Draws `fig` into `dir/<stem>.png` and `dir/<stem>.svg` (each written to a temporary file
/// and renamed). Returns the two paths.
pub fn draw(fig: &Figure, dir: &Path) -> Result<Vec<PathBuf>> {
    crate::fsutil::create_dir(dir)?;
    let png = dir.join(format!("{}.png", fig.stem));
    let plot_err = |p: &Path, msg: String| SweepError::Plot {
        path: p.display().to_string(),
        msg,
    };
    semcom_core::fsutil::replace_with(&png, |tmp| {
        draw_on(BitMapBackend::new(tmp, SIZE).into_drawing_area(), fig)
            .map_err(std::io::Error::other)
    })
    .map_err(|e| plot_err(&png, e.to_string()))?;
    let svg = dir.join(format!("{}.svg", fig.stem));
    let mut text = String::new();
    draw_on(
        SVGBackend::with_string(&mut text, SIZE).into_drawing_area(),
        fig,
    )
    .map_err(|m| plot_err(&svg, m))?;
    crate::fsutil::write_atomic(&svg, text.as_bytes())?;
    Ok(vec![png, svg])
}

fn s<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Axis range of `vals` with 5 % padding (a unit range around a single value).
fn range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

fn draw_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    fig: &Figure,
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(s)?;
    let (upper, lower) = root.split_vertically(SIZE.1 - CAPTION_H);
    let pts = || {
        fig.series
            .iter()
            .flat_map(|se| se.points.iter())
            .filter(|p| p.0.is_finite() && p.1.is_finite())
    };
    let (x0, x1) = range(pts().map(|p| p.0));
    let (y0, y1) = range(pts().flat_map(|p| [p.1 - p.2, p.1 + p.2]));
    let mut chart = ChartBuilder::on(&upper)
        .caption(&fig.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(58)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(s)?;
    chart
        .configure_mesh()
        .x_desc(&fig.x_desc)
        .y_desc(&fig.y_desc)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(s)?;
    for se in &fig.series {
        let c = color(se.color);
        let mut p: Vec<(f64, f64, f64)> = se
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(
                p.iter().map(|q| (q.0, q.1)),
                c.stroke_width(2),
            ))
            .map_err(s)?
            .label(se.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(2)));
        chart
            .draw_series(p.iter().map(|q| Circle::new((q.0, q.1), 3, c.filled())))
            .map_err(s)?;
        chart
            .draw_series(p.iter().filter(|q| q.2 > 0.0 && q.2.is_finite()).map(|q| {
                PathElement::new(vec![(q.0, q.1 - q.2), (q.0, q.1 + q.2)], c.stroke_width(1))
            }))
            .map_err(s)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .margin(12)
        // 14 px: at plotters' default legend size the glyph 'j' is dropped by the bitmap backend.
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(s)?;
    for (i, line) in fig.caption.iter().enumerate() {
        lower
            .draw_text(
                line,
                &("sans-serif", 14).into_font().color(&BLACK),
                (14, 6 + 20 * i as i32),
            )
            .map_err(s)?;
    }
    root.present().map_err(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let fig = Figure {
            stem: "t".into(),
            title: "PSNR vs SNR".into(),
            caption: vec!["awgn, k/n=1/6".into()],
            x_desc: "SNR (dB)".into(),
            y_desc: "PSNR (dB)".into(),
            series: vec![
                Series {
                    label: "a".into(),
                    color: 0,
                    points: vec![(0.0, 20.0, 1.0), (10.0, 30.0, 0.5)],
                },
                Series {
                    label: "b".into(),
                    color: 1,
                    points: vec![(5.0, f64::NAN, 0.0)],
                },
            ],
        };
        let files = draw(&fig, dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert!(std::fs::read(&files[0]).unwrap().starts_with(b"\x89PNG"));
        assert!(std::fs::read_to_string(&files[1]).unwrap().contains("<svg"));
    }
}
