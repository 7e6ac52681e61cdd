//! The sweep journal: JSON lines, a header line (the config) then one line per finished point.
//!
//! Appends are atomic per line: the whole line (with its `\n`) goes out in one `write` on an
//! `O_APPEND` file, followed by `fdatasync`. A run killed mid-write can only leave a torn last
//! line without its `\n`; [`Journal::open`] cuts it off before appending, and readers ignore it.
//! So a killed run loses at most the points in flight, and re-running resumes.

use crate::config::SweepConfig;
use crate::error::{Result, SweepError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Journal format version.
pub const FORMAT: u32 = 1;

/// One journal line.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// First line: what produced the journal.
    Header(Header),
    /// A finished grid point.
    Point(PointRecord),
}

/// The header line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// Journal format version ([`FORMAT`]).
    pub format: u32,
    /// The sweep configuration.
    pub config: SweepConfig,
}

/// Results of one grid point over all images of its dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// Point key (see [`crate::plan::point_key`]).
    pub key: String,
    /// Grid index (order of tables and plots).
    pub index: usize,
    /// Scheme label.
    pub scheme: String,
    /// Scheme registry name.
    pub scheme_name: String,
    /// Channel label.
    pub channel: String,
    /// Dataset name.
    pub dataset: String,
    /// Budget label (`k/n=1/6`, `bpp=0.5`).
    pub budget: String,
    /// Nominal k/n of a k/n budget.
    pub kn: Option<f64>,
    /// Nominal BPP of a BPP budget.
    pub bpp_budget: Option<f64>,
    /// Es/N0 in dB.
    pub snr_db: f64,
    /// Per-image results in dataset order.
    pub images: Vec<ImageRecord>,
}

/// Results of one image at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// Index in the dataset (after the subset).
    pub index: usize,
    /// Image name (path relative to the dataset folder).
    pub name: String,
    /// Seed of this run (`run_chain`'s link seed).
    pub seed: u64,
    /// Measured k/n (channel uses / real samples).
    pub k_over_n: f64,
    /// Measured bits per pixel (payload + side information).
    pub bpp: f64,
    /// Payload bits per pixel (0 for analog schemes).
    pub payload_bpp: f64,
    /// Whether the receiver decoded the payload.
    pub decode_ok: bool,
    /// Metric values; `null` when not finite (e.g. PSNR of a perfect reconstruction).
    pub metrics: BTreeMap<String, Option<f64>>,
}

/// An open journal, ready for appending.
pub struct Journal {
    path: PathBuf,
    file: File,
    done: HashSet<String>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for a run of `config`. An existing journal must
    /// have been written by the same configuration (name and description may differ); its torn
    /// last line, if any, is cut off. Returns the journal and the points already finished.
    pub fn open(path: &Path, config: &SweepConfig) -> Result<(Self, Vec<PointRecord>)> {
        let mut records = Vec::new();
        let mut exists = path.exists()
            && std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
        if exists
            && !std::fs::read(path)
                .map_err(|e| SweepError::io(path, e))?
                .contains(&b'\n')
        {
            // Killed while writing the header: start afresh.
            std::fs::write(path, b"").map_err(|e| SweepError::io(path, e))?;
            exists = false;
        }
        if exists {
            let (header, recs, good_len) = read_with_len(path)?;
            check_same_config(path, &header.config, config)?;
            let len = std::fs::metadata(path)
                .map_err(|e| SweepError::io(path, e))?
                .len();
            if good_len < len {
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| SweepError::io(path, e))?;
                f.set_len(good_len).map_err(|e| SweepError::io(path, e))?;
                f.sync_all().map_err(|e| SweepError::io(path, e))?;
            }
            records = recs;
        } else if let Some(parent) = path.parent() {
            crate::fsutil::create_dir(parent)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| SweepError::io(path, e))?;
        let done = records.iter().map(|r| r.key.clone()).collect();
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
            done,
        };
        if !exists {
            j.write_line(&Entry::Header(Header {
                format: FORMAT,
                config: config.clone(),
            }))?;
        }
        Ok((j, records))
    }

    /// Whether a point is already in the journal.
    pub fn is_done(&self, key: &str) -> bool {
        self.done.contains(key)
    }

    /// Appends a finished point (one `write` of the whole line, then `fdatasync`).
    pub fn append(&mut self, rec: &PointRecord) -> Result<()> {
        if self.done.contains(&rec.key) {
            return Ok(());
        }
        self.write_line(&Entry::Point(rec.clone()))?;
        self.done.insert(rec.key.clone());
        Ok(())
    }

    /// The journal path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_line(&mut self, e: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(e).map_err(|err| SweepError::Journal {
            path: self.path.display().to_string(),
            line: 0,
            msg: err.to_string(),
        })?;
        line.push(b'\n');
        let p = &self.path;
        self.file
            .write_all(&line)
            .map_err(|e| SweepError::io(p, e))?;
        self.file.sync_data().map_err(|e| SweepError::io(p, e))
    }
}

/// Reads a journal: its header and its finished points (duplicates dropped, first kept).
/// A torn last line is ignored.
pub fn read(path: &Path) -> Result<(Header, Vec<PointRecord>)> {
    let (h, r, _) = read_with_len(path)?;
    Ok((h, r))
}

/// Reads a journal and returns the byte length of its well-formed prefix.
fn read_with_len(path: &Path) -> Result<(Header, Vec<PointRecord>, u64)> {
    let bytes = std::fs::read(path).map_err(|e| SweepError::io(path, e))?;
    let err = |line: usize, msg: String| SweepError::Journal {
        path: path.display().to_string(),
        line,
        msg,
    };
    let mut header = None;
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    let mut pos = 0usize;
    let mut lineno = 0;
    while pos < bytes.len() {
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            break; // torn last line: ignored (cut off by Journal::open)
        };
        lineno += 1;
        let line = &bytes[pos..pos + nl];
        pos += nl + 1;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let entry: Entry = serde_json::from_slice(line).map_err(|e| err(lineno, e.to_string()))?;
        match entry {
            Entry::Header(h) if header.is_none() && records.is_empty() => {
                if h.format != FORMAT {
                    return Err(err(
                        lineno,
                        format!("format {} (this build reads {FORMAT})", h.format),
                    ));
                }
                header = Some(h)
            }
            Entry::Header(_) => return Err(err(lineno, "second header line".into())),
            Entry::Point(_) if header.is_none() => {
                return Err(err(lineno, "point before the header".into()))
            }
            Entry::Point(p) => {
                if seen.insert(p.key.clone()) {
                    records.push(p);
                }
            }
        }
    }
    let header = header.ok_or_else(|| err(1, "no header line (empty or torn journal)".into()))?;
    Ok((header, records, pos as u64))
}

/// Statistics of a merge.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MergeStats {
    /// Journals read.
    pub inputs: usize,
    /// Distinct points in the result.
    pub points: usize,
    /// Points seen more than once (identical copies).
    pub duplicates: usize,
    /// Points seen more than once with different results (the first copy is kept).
    pub conflicts: usize,
}

/// Merges journals of the same configuration (e.g. the shards of a job array), deduplicating by
/// point key; the records come out in grid order.
pub fn merge(paths: &[PathBuf]) -> Result<(Header, Vec<PointRecord>, MergeStats)> {
    let mut header: Option<Header> = None;
    let mut by_key: BTreeMap<String, PointRecord> = BTreeMap::new();
    let mut stats = MergeStats {
        inputs: paths.len(),
        ..Default::default()
    };
    for p in paths {
        let (h, recs) = read(p)?;
        match &header {
            None => header = Some(h),
            Some(h0) => check_same_config(p, &h.config, &h0.config)?,
        }
        for r in recs {
            match by_key.get(&r.key) {
                None => {
                    by_key.insert(r.key.clone(), r);
                }
                Some(old) if *old == r => stats.duplicates += 1,
                Some(_) => stats.conflicts += 1,
            }
        }
    }
    let header = header.ok_or_else(|| SweepError::config("journals", "no journal given"))?;
    let mut records: Vec<PointRecord> = by_key.into_values().collect();
    sort_records(&mut records);
    stats.points = records.len();
    Ok((header, records, stats))
}

/// Sorts records in grid order (index, then key).
pub fn sort_records(records: &mut [PointRecord]) {
    records.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.key.cmp(&b.key)));
}

/// Writes a whole journal atomically (header + records).
pub fn write_all(path: &Path, header: &Header, records: &[PointRecord]) -> Result<()> {
    let mut out = Vec::new();
    let mut push = |e: &Entry| -> Result<()> {
        serde_json::to_writer(&mut out, e).map_err(|err| SweepError::Journal {
            path: path.display().to_string(),
            line: 0,
            msg: err.to_string(),
        })?;
        out.push(b'\n');
        Ok(())
    };
    push(&Entry::Header(header.clone()))?;
    for r in records {
        push(&Entry::Point(r.clone()))?;
    }
    crate::fsutil::write_atomic(path, &out)
}

/// Checks that two configs describe the same sweep (everything but `name` and `description`).
fn check_same_config(path: &Path, old: &SweepConfig, new: &SweepConfig) -> Result<()> {
    let strip = |c: &SweepConfig| {
        let mut v = serde_json::to_value(c).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("name");
            o.remove("description");
        }
        v
    };
    let (a, b) = (strip(old), strip(new));
    if a == b {
        return Ok(());
    }
    let what = match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => a
            .iter()
            .find(|(k, v)| b.get(*k) != Some(v))
            .map(|(k, _)| format!("field '{k}' differs"))
            .unwrap_or_else(|| "fields differ".into()),
        _ => "fields differ".into(),
    };
    Err(SweepError::JournalMismatch {
        path: path.display().to_string(),
        what,
    })
}
