//! Result tables: per image and per point (mean and 95 % CI), as CSV, JSON and Markdown.

use crate::journal::PointRecord;
use crate::stats::{mean_ci, MeanCi};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One aggregated row: a grid point over all its images.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    /// Point key.
    pub key: String,
    /// Grid index.
    pub index: usize,
    /// Scheme label.
    pub scheme: String,
    /// Channel label.
    pub channel: String,
    /// Dataset name.
    pub dataset: String,
    /// Budget label.
    pub budget: String,
    /// Nominal k/n (k/n budgets).
    pub kn: Option<f64>,
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Number of images.
    pub n_images: usize,
    /// Fraction of images the receiver decoded.
    pub decode_ok_rate: f64,
    /// Mean measured k/n.
    pub k_over_n: f64,
    /// Mean and CI of the measured BPP.
    pub bpp: MeanCi,
    /// Mean payload BPP.
    pub payload_bpp: f64,
    /// Mean and 95 % CI of each metric (non-finite values excluded; `n` tells how many remain).
    pub metrics: BTreeMap<String, MeanCi>,
}

/// Aggregates each point (records must be in grid order; the rows keep it).
pub fn summarise(records: &[PointRecord], metrics: &[String]) -> Vec<SummaryRow> {
    records
        .iter()
        .map(|r| {
            let n = r.images.len().max(1) as f64;
            let col = |f: &dyn Fn(&crate::journal::ImageRecord) -> f64| {
                r.images.iter().map(f).collect::<Vec<_>>()
            };
            let m = metrics
                .iter()
                .map(|name| {
                    let xs: Vec<f64> = r
                        .images
                        .iter()
                        .filter_map(|i| i.metrics.get(name).copied().flatten())
                        .collect();
                    (name.clone(), mean_ci(&xs))
                })
                .collect();
            SummaryRow {
                key: r.key.clone(),
                index: r.index,
                scheme: r.scheme.clone(),
                channel: r.channel.clone(),
                dataset: r.dataset.clone(),
                budget: r.budget.clone(),
                kn: r.kn,
                snr_db: r.snr_db,
                n_images: r.images.len(),
                decode_ok_rate: r.images.iter().filter(|i| i.decode_ok).count() as f64 / n,
                k_over_n: col(&|i| i.k_over_n).iter().sum::<f64>() / n,
                bpp: mean_ci(&col(&|i| i.bpp)),
                payload_bpp: col(&|i| i.payload_bpp).iter().sum::<f64>() / n,
                metrics: m,
            }
        })
        .collect()
}

/// Quotes a CSV field when needed (RFC 4180).
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// Per-image CSV: one row per (point, image).
pub fn per_image_csv(records: &[PointRecord], metrics: &[String]) -> String {
    let mut s = String::from("scheme,scheme_name,channel,dataset,budget,snr_db,image,seed,k_over_n,bpp,payload_bpp,decode_ok");
    for m in metrics {
        s.push(',');
        s.push_str(&csv(m));
    }
    s.push('\n');
    for r in records {
        for i in &r.images {
            let _ = write!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                csv(&r.scheme),
                csv(&r.scheme_name),
                csv(&r.channel),
                csv(&r.dataset),
                csv(&r.budget),
                r.snr_db,
                csv(&i.name),
                i.seed,
                num(i.k_over_n),
                num(i.bpp),
                num(i.payload_bpp),
                i.decode_ok
            );
            for m in metrics {
                s.push(',');
                s.push_str(
                    &i.metrics
                        .get(m)
                        .copied()
                        .flatten()
                        .map(num)
                        .unwrap_or_default(),
                );
            }
            s.push('\n');
        }
    }
    s
}

/// Aggregated CSV: one row per point with `<metric>_mean` and `<metric>_ci95` columns.
pub fn summary_csv(rows: &[SummaryRow], metrics: &[String]) -> String {
    let mut s =
        String::from("scheme,channel,dataset,budget,snr_db,n_images,decode_ok_rate,k_over_n,bpp_mean,bpp_ci95,payload_bpp");
    for m in metrics {
        let _ = write!(s, ",{0}_mean,{0}_ci95,{0}_n", csv(m));
    }
    s.push('\n');
    for r in rows {
        let _ = write!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{}",
            csv(&r.scheme),
            csv(&r.channel),
            csv(&r.dataset),
            csv(&r.budget),
            r.snr_db,
            r.n_images,
            num(r.decode_ok_rate),
            num(r.k_over_n),
            num(r.bpp.mean),
            num(r.bpp.ci95),
            num(r.payload_bpp)
        );
        for m in metrics {
            let v = r.metrics.get(m);
            let _ = write!(
                s,
                ",{},{},{}",
                v.map(|v| num(v.mean)).unwrap_or_default(),
                v.map(|v| num(v.ci95)).unwrap_or_default(),
                v.map(|v| v.n).unwrap_or(0)
            );
        }
        s.push('\n');
    }
    s
}

/// Markdown pivot tables: for each metric and each (channel, dataset, budget), schemes as rows
/// and SNRs as columns, cells `mean ± CI` (and `·` where the decode rate is below 100 %,
/// followed by the rate).
pub fn summary_markdown(rows: &[SummaryRow], metrics: &[String]) -> String {
    let mut out = String::new();
    let mut groups: Vec<(String, String, String)> = Vec::new();
    for r in rows {
        let g = (r.channel.clone(), r.dataset.clone(), r.budget.clone());
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for m in metrics {
        for (ch, ds, b) in &groups {
            let sel: Vec<&SummaryRow> = rows
                .iter()
                .filter(|r| &r.channel == ch && &r.dataset == ds && &r.budget == b)
                .collect();
            let mut snrs: Vec<f64> = Vec::new();
            let mut schemes: Vec<&str> = Vec::new();
            for r in &sel {
                if !snrs.contains(&r.snr_db) {
                    snrs.push(r.snr_db);
                }
                if !schemes.contains(&r.scheme.as_str()) {
                    schemes.push(&r.scheme);
                }
            }
            snrs.sort_by(|a, b| a.total_cmp(b));
            let n = sel.first().map(|r| r.n_images).unwrap_or(0);
            let _ = writeln!(out, "\n**{m}**, {ch}, {ds} ({n} images), {b}\n");
            let _ = write!(out, "| scheme \\ SNR (dB) |");
            for s in &snrs {
                let _ = write!(out, " {s} |");
            }
            let _ = write!(out, "\n|---|");
            for _ in &snrs {
                out.push_str("---|");
            }
            out.push('\n');
            for sc in &schemes {
                let _ = write!(out, "| {sc} |");
                for s in &snrs {
                    let cell = sel
                        .iter()
                        .find(|r| r.scheme == *sc && r.snr_db == *s)
                        .and_then(|r| r.metrics.get(m).map(|v| (v, r.decode_ok_rate)))
                        .map(|(v, ok)| {
                            let mut c = if v.mean.is_finite() {
                                format!("{:.2} ± {:.2}", v.mean, v.ci95)
                            } else {
                                "–".into()
                            };
                            if ok < 1.0 {
                                let _ = write!(c, " · {:.0}%", 100.0 * ok);
                            }
                            c
                        })
                        .unwrap_or_default();
                    let _ = write!(out, " {cell} |");
                }
                out.push('\n');
            }
        }
    }
    out
}
