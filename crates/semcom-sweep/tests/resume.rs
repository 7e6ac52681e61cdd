//! Journals: a sweep killed with SIGKILL half-way and re-run gives the same tables as an
//! uninterrupted run; torn lines are repaired; shards merged equal the full run.

mod common;

use common::*;
use semcom_sweep::{engine, journal, Plan, RunOptions, Shard, SweepConfig};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SEMCOM_SWEEP_TEST_CHILD";

fn sweep(data: &Path, out: &Path, delay_ms: u64, shard: Option<Shard>) -> engine::SweepOutcome {
    let cfg = SweepConfig::from_toml_str(&config_text(data)).unwrap();
    let plan = Plan::new(cfg, &ToyRegistry { delay_ms }).unwrap();
    let o = engine::run(
        &plan,
        out,
        &RunOptions {
            shard,
            progress: false,
        },
    )
    .unwrap();
    semcom_sweep::write_report(&o.header, &o.records, out, false).unwrap();
    o
}

fn complete_lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        let (x, y) = (
            std::fs::read(a.join(t)).unwrap(),
            std::fs::read(b.join(t)).unwrap(),
        );
        assert!(
            x == y,
            "{t} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// The child half of the kill test: runs a slow sweep into the folder named by the env variable.
#[test]
fn child_process_sweep() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (data, out) = spec.split_once('|').unwrap();
    sweep(Path::new(data), Path::new(out), 15, None);
}

#[test]
fn sigkill_then_resume_gives_the_uninterrupted_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 4);
    let reference = tmp.path().join("reference");
    let full = sweep(&data, &reference, 0, None);
    assert_eq!(full.records.len(), 24);
    assert_eq!(
        full.summary.warnings.len(),
        1,
        "the optional scheme is reported"
    );

    let killed = tmp.path().join("killed");
    let journal = killed.join("journal.jsonl");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_sweep",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            CHILD_ENV,
            format!("{}|{}", data.display(), killed.display()),
        )
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while complete_lines(&journal) < 1 + 6 {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "child made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "child finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (_, partial) = journal::read(&journal).unwrap();
    assert!(
        partial.len() >= 6 && partial.len() < 24,
        "killed half-way: {} points",
        partial.len()
    );

    let resumed = sweep(&data, &killed, 0, None);
    assert_eq!(resumed.summary.already_done, partial.len());
    assert_eq!(resumed.summary.ran, 24 - partial.len());
    assert_same_tables(&reference, &killed);
    // No duplicated or missing points in the journal itself.
    let text = std::fs::read_to_string(&journal).unwrap();
    let keys: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut uniq = keys.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!((keys.len(), uniq.len()), (24, 24));
}

#[test]
fn torn_last_line_is_repaired_and_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 3);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    sweep(&data, &a, 0, None);
    sweep(&data, &b, 0, None);
    // Cut the journal in the middle of its 10th point line, as a crash mid-write would.
    let j = b.join("journal.jsonl");
    let bytes = std::fs::read(&j).unwrap();
    let starts: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    std::fs::write(&j, &bytes[..starts[9] + 40]).unwrap();
    assert_eq!(journal::read(&j).unwrap().1.len(), 9);
    let o = sweep(&data, &b, 0, None);
    assert_eq!(o.summary.already_done, 9);
    assert_same_tables(&a, &b);
    assert_eq!(complete_lines(&j), 25);
}

#[test]
fn shards_merge_to_the_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 3);
    let full_dir = tmp.path().join("full");
    let full = sweep(&data, &full_dir, 0, None);
    let shard_dir = tmp.path().join("shards");
    let mut journals: Vec<PathBuf> = Vec::new();
    let mut total = 0;
    for i in 0..3 {
        let o = sweep(&data, &shard_dir, 0, Some(Shard { index: i, count: 3 }));
        total += o.records.len();
        journals.push(o.summary.journal.clone());
    }
    assert_eq!(total, 24);
    journals.push(journals[0].clone()); // a duplicate input is deduplicated
    let (h, recs, stats) = journal::merge(&journals).unwrap();
    assert_eq!(
        (stats.points, stats.duplicates, stats.conflicts),
        (24, 8, 0)
    );
    assert_eq!(recs, full.records);
    let merged = tmp.path().join("merged");
    semcom_sweep::write_report(&h, &recs, &merged, false).unwrap();
    assert_same_tables(&full_dir, &merged);
}

#[test]
fn resuming_with_another_config_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    make_dataset(&data, 2);
    let out = tmp.path().join("o");
    sweep(&data, &out, 0, None);
    let text = config_text(&data).replace("seed = 42", "seed = 43");
    let plan = Plan::new(
        SweepConfig::from_toml_str(&text).unwrap(),
        &ToyRegistry { delay_ms: 0 },
    )
    .unwrap();
    let e = engine::run(&plan, &out, &RunOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("seed"), "{e}");
}
