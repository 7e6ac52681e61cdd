//! Writes the outputs of a sweep from its journal records: tables (CSV, JSON, Markdown) and
//! plots of each metric against SNR, against k/n and against BPP, one line per scheme.

use crate::error::Result;
use crate::fsutil::write_atomic;
use crate::journal::{Header, PointRecord};
use crate::plot::{draw, Figure, Series};
use crate::tables::{per_image_csv, summarise, summary_csv, summary_markdown, SummaryRow};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Files written by [`write_report`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReportFiles {
    /// Tables: `per_image.{csv,json}`, `summary.{csv,json,md}`.
    pub tables: Vec<PathBuf>,
    /// Plots under `plots/` (PNG and SVG).
    pub plots: Vec<PathBuf>,
}

/// Writes tables and (when `plots`) figures for `records` (grid order) into `out_dir`.
pub fn write_report(
    header: &Header,
    records: &[PointRecord],
    out_dir: &Path,
    plots: bool,
) -> Result<ReportFiles> {
    let cfg = &header.config;
    let metrics = &cfg.metrics;
    let rows = summarise(records, metrics);
    let mut files = ReportFiles::default();
    let mut put = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let p = out_dir.join(name);
        write_atomic(&p, &bytes)?;
        files.tables.push(p);
        Ok(())
    };
    put(
        "per_image.csv",
        per_image_csv(records, metrics).into_bytes(),
    )?;
    put("per_image.json", to_json(&records)?)?;
    put("summary.csv", summary_csv(&rows, metrics).into_bytes())?;
    put("summary.json", to_json(&rows)?)?;
    let md = format!(
        "# {}\n\n{}\n{}",
        cfg.name,
        cfg.description,
        summary_markdown(&rows, metrics)
    );
    put("summary.md", md.into_bytes())?;
    if plots {
        let dir = out_dir.join("plots");
        for fig in figures(header, &rows) {
            files.plots.extend(draw(&fig, &dir)?);
        }
    }
    Ok(files)
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(v).map_err(|e| crate::error::SweepError::Journal {
        path: "<report>".into(),
        line: 0,
        msg: e.to_string(),
    })
}

/// Makes file-name-safe text: letters, digits, `.`, `-`; everything else becomes `-`.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn unique<T: PartialEq + Clone>(it: impl Iterator<Item = T>) -> Vec<T> {
    let mut v = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

fn axis_name(metric: &str) -> String {
    match metric {
        "psnr" | "psnr-y" => format!("{} (dB)", metric.to_uppercase()),
        m => m.to_uppercase(),
    }
}

/// The figures of a report: per metric, (a) vs SNR per (channel, dataset, budget);
/// (b) vs k/n per (channel, dataset, SNR) at the lowest, middle and highest SNR when there are
/// at least two k/n budgets; (c) vs measured BPP per (channel, dataset) for schemes that send
/// payload bits (one line per scheme and budget, over SNR).
pub fn figures(header: &Header, rows: &[SummaryRow]) -> Vec<Figure> {
    let cfg = &header.config;
    let present = unique(rows.iter().map(|r| r.scheme.clone()));
    let scheme_color = |label: &str| {
        present
            .iter()
            .position(|s| s == label)
            .unwrap_or(present.len())
    };
    let n_images = |ds: &str| {
        rows.iter()
            .find(|r| r.dataset == ds)
            .map(|r| r.n_images)
            .unwrap_or(0)
    };
    let common = "points: mean over images, bars: 95% CI; SNR = Es/N0 per complex channel use; k/n = complex channel uses per real sample".to_string();
    let mut figs = Vec::new();
    let groups = unique(rows.iter().map(|r| (r.channel.clone(), r.dataset.clone())));
    for metric in &cfg.metrics {
        let y = |r: &SummaryRow| {
            r.metrics
                .get(metric)
                .map(|m| (m.mean, m.ci95))
                .unwrap_or((f64::NAN, 0.0))
        };
        for (ch, ds) in &groups {
            let sel: Vec<&SummaryRow> = rows
                .iter()
                .filter(|r| &r.channel == ch && &r.dataset == ds)
                .collect();
            let schemes = unique(sel.iter().map(|r| r.scheme.clone()));
            let settings = |what: &str| {
                format!(
                    "{}: channel {ch}, {ds} ({} images), {what}; seed {}",
                    cfg.name,
                    n_images(ds),
                    cfg.seed
                )
            };
            // One line per scheme over the rows that `keep` selects, at x = `x(row)`.
            let per_scheme = |keep: &dyn Fn(&SummaryRow) -> bool,
                              x: &dyn Fn(&SummaryRow) -> f64| {
                schemes
                    .iter()
                    .map(|sc| Series {
                        label: sc.clone(),
                        color: scheme_color(sc),
                        points: sel
                            .iter()
                            .filter(|r| &r.scheme == sc && keep(r))
                            .map(|r| (x(r), y(r).0, y(r).1))
                            .collect(),
                    })
                    .filter(|s| !s.points.is_empty())
                    .collect::<Vec<_>>()
            };
            // (a) vs SNR
            for b in unique(sel.iter().map(|r| r.budget.clone())) {
                let series = per_scheme(&|r| r.budget == b, &|r| r.snr_db);
                figs.push(Figure {
                    stem: sanitize(&format!("{metric}_vs_snr_{ch}_{ds}_{b}")),
                    title: format!("{} vs SNR — {ch}, {ds}, {b}", metric.to_uppercase()),
                    caption: vec![settings(&b), common.clone()],
                    x_desc: "SNR (dB)".into(),
                    y_desc: axis_name(metric),
                    series,
                });
            }
            // (b) vs k/n at selected SNRs
            let kns = unique(sel.iter().filter_map(|r| r.kn.map(f64::to_bits)));
            if kns.len() >= 2 {
                let mut snrs = unique(sel.iter().map(|r| r.snr_db.to_bits()))
                    .into_iter()
                    .map(f64::from_bits)
                    .collect::<Vec<_>>();
                snrs.sort_by(|a, b| a.total_cmp(b));
                let picked = if snrs.len() <= 3 {
                    snrs.clone()
                } else {
                    vec![snrs[0], snrs[snrs.len() / 2], snrs[snrs.len() - 1]]
                };
                for snr in picked {
                    let series = per_scheme(&|r| r.snr_db == snr && r.kn.is_some(), &|r| {
                        r.kn.unwrap_or(f64::NAN)
                    });
                    figs.push(Figure {
                        stem: sanitize(&format!("{metric}_vs_kn_{ch}_{ds}_snr{snr}dB")),
                        title: format!(
                            "{} vs k/n — {ch}, {ds}, SNR {snr} dB",
                            metric.to_uppercase()
                        ),
                        caption: vec![settings(&format!("SNR {snr} dB")), common.clone()],
                        x_desc: "k/n (complex channel uses per real sample)".into(),
                        y_desc: axis_name(metric),
                        series,
                    });
                }
            }
            // (c) vs measured BPP, digital schemes only
            let mut series = Vec::new();
            for sc in &schemes {
                for b in unique(
                    sel.iter()
                        .filter(|r| &r.scheme == sc)
                        .map(|r| r.budget.clone()),
                ) {
                    let pts: Vec<&&SummaryRow> = sel
                        .iter()
                        .filter(|r| &r.scheme == sc && r.budget == b)
                        .collect();
                    if pts.iter().any(|r| r.payload_bpp > 0.0) {
                        series.push(Series {
                            label: format!("{sc}, {b}"),
                            color: scheme_color(sc),
                            points: pts.iter().map(|r| (r.bpp.mean, y(r).0, y(r).1)).collect(),
                        });
                    }
                }
            }
            if !series.is_empty() {
                figs.push(Figure {
                    stem: sanitize(&format!("{metric}_vs_bpp_{ch}_{ds}")),
                    title: format!("{} vs BPP — {ch}, {ds}", metric.to_uppercase()),
                    caption: vec![
                        settings("all SNRs and budgets; analog schemes omitted"),
                        common.clone(),
                    ],
                    x_desc: "measured bits per pixel (payload + side information)".into(),
                    y_desc: axis_name(metric),
                    series,
                });
            }
        }
    }
    figs
}
