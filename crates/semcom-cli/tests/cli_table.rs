//! Table-driven walk of the sub-commands through extreme and malformed flag values (NaN, ±inf,
//! 0, negative, huge, wrong type, wrong file kind). Every row must end with the error
//! convention of `main.rs`: exit 2 for a usage error, exit 1 for a run-time error, exactly one
//! line on stderr that starts with `semcom: error:` and names the problem, no panic text, and
//! no file left behind in the fixture folder (no output, no `*.tmp*`).
//!
//! To cover another command, add rows to [`ROWS`]: the command line is split on spaces and
//! `{name}` placeholders are replaced by the fixture paths listed in [`Fixture::new`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Usage error: the command line is wrong.
const USAGE: i32 = 2;
/// Run-time error: the run failed (missing or corrupt file, refused input, failed write).
const RUNTIME: i32 = 1;

/// One row: the command line, the exit code, and a word the error line must contain.
struct Row(&'static str, i32, &'static str);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Global.
    Row("no-such-command", USAGE, "unrecognized subcommand"),
    Row("ber-sim --no-such-flag", USAGE, "unexpected argument"),
    // ber-sim: SNR grid, bit count, names.
    Row("ber-sim --snr NaN -o {out}", USAGE, "not a finite number"),
    Row("ber-sim --snr inf -o {out}", USAGE, "not a finite number"),
    Row("ber-sim --snr=-inf -o {out}", USAGE, "not a finite number"),
    Row("ber-sim --snr 0:inf:1 -o {out}", USAGE, "not a finite number"),
    Row("ber-sim --snr 0,1e308 -o {out}", USAGE, "outside"),
    Row("ber-sim --snr=-400 -o {out}", USAGE, "outside"),
    Row("ber-sim --snr 0:1e9:1e-3 -o {out}", USAGE, "at most 1000 points"),
    Row("ber-sim --snr 5:0:1 -o {out}", USAGE, "start"),
    Row("ber-sim --snr abc -o {out}", USAGE, "not a number"),
    Row("ber-sim --bits 0 -o {out}", USAGE, "outside"),
    Row("ber-sim --bits=-1 -o {out}", USAGE, "--bits"),
    Row("ber-sim --bits -1 -o {out}", USAGE, "unexpected argument '-1'"),
    Row("ber-sim --bits 1.5 -o {out}", USAGE, "whole number"),
    Row("ber-sim --bits 1e13 -o {out}", USAGE, "limit"),
    Row("ber-sim --bits 18446744073709551615 -o {out}", USAGE, "outside"),
    Row("ber-sim --bits 99999999999999999999999 -o {out}", USAGE, "limit"),
    Row("ber-sim --bits NaN -o {out}", USAGE, "whole number"),
    Row("ber-sim --mod 7qam -o {out}", USAGE, "unknown modulation"),
    Row("ber-sim --channel nope -o {out}", USAGE, "unknown channel"),
    Row("ber-sim --channel bsc -o {out}", USAGE, "symbol channel"),
    Row("ber-sim --block-len=-1 -o {out}", USAGE, "--block-len"),
    Row("ber-sim --seed=-1 -o {out}", USAGE, "--seed"),
    Row("ber-sim --bits 64 --snr 0 -o {png}", RUNTIME, "card.png"),
    // ldpc-sim: code geometry, stopping rules, SNR, names.
    Row("ldpc-sim", USAGE, "--k"),
    Row("ldpc-sim --k 0", USAGE, "outside"),
    Row("ldpc-sim --k=-5", USAGE, "--k"),
    Row("ldpc-sim --k 1e9", USAGE, "limit"),
    Row("ldpc-sim --k 100 --n 1", USAGE, "code rate"),
    Row("ldpc-sim --k 100 --n 100", USAGE, "code rate"),
    Row("ldpc-sim --k 100 --n 300000000", USAGE, "outside"),
    Row("ldpc-sim --k 100 --rate NaN", USAGE, "not a finite number"),
    Row("ldpc-sim --k 100 --rate 3/2", USAGE, "not in (0, 1)"),
    Row("ldpc-sim --k 100 --rate 1/0", USAGE, "not in (0, 1)"),
    Row("ldpc-sim --k 100 --rate 0", USAGE, "not in (0, 1)"),
    Row("ldpc-sim --k 100 --rate=-0.5", USAGE, "not in (0, 1)"),
    Row("ldpc-sim --k 100 --max-blocks 0", USAGE, "outside"),
    Row("ldpc-sim --k 100 --min-errors 0", USAGE, "outside"),
    Row("ldpc-sim --k 100 --max-blocks 1e20", USAGE, "limit"),
    Row("ldpc-sim --k 100 --ebn0 -400", USAGE, "outside"),
    Row("ldpc-sim --k 100 --ebn0 NaN", USAGE, "not a finite number"),
    Row("ldpc-sim --k 100 --ebn0 0,inf", USAGE, "not a finite number"),
    Row("ldpc-sim --k 100 --iters 0", USAGE, "outside"),
    Row("ldpc-sim --k 100 --iters 100000", USAGE, "outside"),
    Row("ldpc-sim --k 100 --rv 4", USAGE, "--rv"),
    Row("ldpc-sim --k 100 --mod 7qam", USAGE, "unknown modulation"),
    Row("ldpc-sim --k 100 --decoder nope", USAGE, "--decoder"),
    Row("ldpc-sim --k 100 --demapper nope", USAGE, "unknown demapper"),
    Row("ldpc-sim --k 100000", USAGE, "--tb"),
    // codec encode/decode/rd.
    Row("codec encode --codec nope --quality 50 {png} -o {out}/x.jpg", USAGE, "unknown codec"),
    Row("codec encode --codec jpeg --quality NaN {png} -o {out}/x.jpg", USAGE, "not a finite number"),
    Row("codec encode --codec jpeg --quality=-1 {png} -o {out}/x.jpg", USAGE, "outside"),
    Row("codec encode --codec jpeg --quality 1000 {png} -o {out}/x.jpg", USAGE, "outside"),
    Row("codec encode --codec jpeg --bpp 0 {png} -o {out}/x.jpg", USAGE, "outside"),
    Row("codec encode --codec jpeg --bpp inf {png} -o {out}/x.jpg", USAGE, "not a finite number"),
    Row("codec encode --codec jpeg --bpp 1e9 {png} -o {out}/x.jpg", USAGE, "outside"),
    Row("codec encode --codec jpeg --max-bytes 0 {png} -o {out}/x.jpg", USAGE, "outside"),
    Row("codec encode --codec jpeg --max-bytes 1e12 {png} -o {out}/x.jpg", USAGE, "limit"),
    Row("codec encode --codec jpeg {png} -o {out}/x.jpg", USAGE, "give one of"),
    Row("codec encode --codec jpeg --quality 50 {txt} -o {out}/x.jpg", RUNTIME, "notes.png"),
    Row("codec encode --codec jpeg --quality 50 {huge} -o {out}/x.jpg", RUNTIME, "too large"),
    Row("codec encode --codec jpeg --quality 50 {missing} -o {out}/x.jpg", RUNTIME, "No such file"),
    Row("codec encode --codec jpeg --quality 50 {png} -o {dir}", RUNTIME, "writing"),
    Row("codec decode --codec nope {jpg} -o {out}/x.png", USAGE, "unknown codec"),
    Row("codec decode --codec jpeg {txt} -o {out}/x.png", RUNTIME, "decoder"),
    Row("codec decode --codec avif {jpg} -o {out}/x.png", RUNTIME, "decoder"),
    Row("codec decode --codec webp {jpg} -o {out}/x.png", RUNTIME, "decoder"),
    Row("codec decode --codec jpeg2000 {jpg} -o {out}/x.png", RUNTIME, "decoder"),
    Row("codec decode --codec jpeg {missing} -o {out}/x.png", RUNTIME, "No such file"),
    Row("codec decode --codec jpeg {jpg} -o {out}/x.png --original {small}", RUNTIME, "cannot compare"),
    Row("codec decode --codec jpeg {jpg} -o {out}/x.png --original {txt}", RUNTIME, "notes.png"),
    Row("codec rd --bpp NaN --data {pngdir}", USAGE, "not a finite number"),
    Row("codec rd --bpp 0.5,-1 --data {pngdir}", USAGE, "outside"),
    Row("codec rd --quality inf --data {pngdir}", USAGE, "not a finite number"),
    Row("codec rd --data {dir}", RUNTIME, "no PNG images"),
    Row("codec rd --data {missing}", RUNTIME, "missing"),
    Row("codec rd --bpp 1 --data {pngdir} --reference {missing}", RUNTIME, "reference"),
    Row("codec rd --bpp 1 --data {pngdir} --reference {txt}", RUNTIME, "reference"),
    // compare: files of the wrong kind or size, bad regions.
    Row("compare {png} {missing}", RUNTIME, "No such file"),
    Row("compare {png} {txt}", RUNTIME, "not a PNG"),
    Row("compare {png} {huge}", RUNTIME, "too large"),
    Row("compare {png} {small}", RUNTIME, "size mismatch"),
    Row("compare {png} {dir}", RUNTIME, "both be files or both be folders"),
    Row("compare {png} {png} --box NaN,0,1,1", USAGE, "--box"),
    Row("compare {png} {png} --box 1,2,3", USAGE, "4 numbers"),
    Row("compare {png} {png} --box=-1,0,4,4", USAGE, "--box"),
    Row("compare {png} {png} --box 1000,1000,2000,2000", RUNTIME, "empty region"),
    Row("compare {png} {png} --mask {txt}", RUNTIME, "mask"),
    Row("compare {png} {png} --mask {small}", RUNTIME, "mask"),
    // segment / detect: argument checks come before the network loads.
    Row("segment {png}", USAGE, "-o OUT_DIR"),
    Row("segment -o {out}", USAGE, "at least one image"),
    Row("segment --threads 0 {png} -o {out}", USAGE, "thread count"),
    Row("segment --threads 100000 {png} -o {out}", USAGE, "thread count"),
    Row("segment --threads NaN {png} -o {out}", USAGE, "thread count"),
    Row("segment --model nope {png} -o {out}", USAGE, "nope"),
    Row("segment {png} {pngdir}/card.png -o {out}", USAGE, "overwrite"),
    Row("segment --weights {txt} {png} -o {out}", RUNTIME, "notes.png"),
    Row("segment --model cityscapes --eval-camvid {dir}", USAGE, "--model camvid"),
    Row("detect {png}", USAGE, "--out"),
    Row("detect -o {out}", USAGE, "at least one image"),
    Row("detect --conf NaN {png} -o {out}", USAGE, "not a finite number"),
    Row("detect --conf 2 {png} -o {out}", USAGE, "outside"),
    Row("detect --iou=-0.5 {png} -o {out}", USAGE, "outside"),
    Row("detect --iou inf {png} -o {out}", USAGE, "not a finite number"),
    Row("detect --threads 0 {png} -o {out}", USAGE, "thread count"),
    Row("detect --threads 100000 {png} -o {out}", USAGE, "thread count"),
    Row("detect {png} {pngdir}/card.png -o {out}", USAGE, "overwrite"),
    Row("detect --weights {txt} {png} -o {out}", RUNTIME, "notes.png"),
    // Flags of other commands that use the shared parsers.
    Row("transmit --scheme softcast --snr NaN --cbr 1/6", USAGE, "not a finite number"),
    Row("transmit --scheme softcast --snr 1e308 --cbr 1/6", USAGE, "outside"),
    Row("transmit --scheme softcast --snr 10 --bpp NaN", USAGE, "not a finite number"),
    Row("eval --cbr 1/6 --data {dir} --snr NaN,-inf", USAGE, "not a finite number"),
    Row("demo --snr 0,inf -o {out}", USAGE, "not a finite number"),
    Row("sweep {txt} -o {out} --threads 0", USAGE, "thread count"),
    Row("sweep {txt} -o {out} --threads 100000", USAGE, "thread count"),
];

/// A folder of inputs of every kind; `{name}` in a row is replaced by `paths[name]`.
struct Fixture {
    dir: tempfile::TempDir,
    paths: Vec<(&'static str, PathBuf)>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let card = semcom_core::testcard::test_card(64, 48);
        let png = d.join("card.png");
        card.save(&png).unwrap();
        let small = d.join("small.png");
        semcom_core::testcard::test_card(32, 24)
            .save(&small)
            .unwrap();
        let pngdir = d.join("pngs");
        card.save(pngdir.join("card.png")).unwrap();
        let txt = d.join("notes.png");
        std::fs::write(&txt, "hello, I am not an image").unwrap();
        let huge = d.join("huge.png");
        std::fs::write(
            &huge,
            semcom_core::image::png_announcing_size(10_000, 10_000),
        )
        .unwrap();
        let jpg = d.join("card.jpg");
        card.save(&jpg).unwrap();
        let empty = d.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let paths = vec![
            ("png", png),
            ("small", small),
            ("pngdir", pngdir),
            ("txt", txt),
            ("huge", huge),
            ("jpg", jpg),
            ("dir", empty),
            ("out", d.join("out")),
            ("missing", d.join("missing.png")),
        ];
        Self { dir, paths }
    }

    fn args(&self, line: &str) -> Vec<String> {
        line.split(' ')
            .map(|a| {
                self.paths.iter().fold(a.to_string(), |s, (k, p)| {
                    s.replace(&format!("{{{k}}}"), &p.display().to_string())
                })
            })
            .collect()
    }

    /// Every path under the fixture folder.
    fn tree(&self) -> BTreeSet<PathBuf> {
        fn walk(p: &Path, out: &mut BTreeSet<PathBuf>) {
            for e in std::fs::read_dir(p).unwrap().flatten() {
                out.insert(e.path());
                if e.path().is_dir() {
                    walk(&e.path(), out);
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(self.dir.path(), &mut out);
        out
    }
}

fn semcom() -> Command {
    Command::new(env!("CARGO_BIN_EXE_semcom"))
}

#[test]
fn every_row_follows_the_error_convention() {
    let fx = Fixture::new();
    let before = fx.tree();
    let mut failures = Vec::new();
    for Row(line, code, needle) in ROWS {
        let out = semcom()
            .args(fx.args(line))
            .current_dir(fx.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        let left: Vec<_> = fx.tree().difference(&before).cloned().collect();
        let problems = [
            (
                out.status.code() != Some(*code),
                format!("exit {:?}, expected {code}", out.status.code()),
            ),
            (lines.len() != 1, format!("{} stderr lines", lines.len())),
            (
                !err.starts_with("semcom: error: "),
                "no 'semcom: error:' prefix".into(),
            ),
            (
                !err.to_lowercase().contains(&needle.to_lowercase()),
                format!("'{needle}' missing"),
            ),
            (
                err.contains("panicked") || err.contains("RUST_BACKTRACE"),
                "panic text".into(),
            ),
            (!left.is_empty(), format!("left behind: {left:?}")),
        ];
        for (bad, what) in problems {
            if bad {
                failures.push(format!("`{line}`: {what}\n    stderr: {}", err.trim_end()));
            }
        }
        for p in left {
            if p.is_dir() {
                std::fs::remove_dir_all(&p).ok();
            } else {
                std::fs::remove_file(&p).ok();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows broke the convention:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

#[test]
fn closed_pipe_is_a_normal_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = semcom()
        .args([
            "--json",
            "ber-sim",
            "--bits",
            "1000",
            "--snr",
            "0:9.99:0.01",
            "-o",
        ])
        .arg(dir.path().join("out"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line (`| head -1`), then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn full_disk_on_stdout_is_one_error_line() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipping: no /dev/full");
        return;
    };
    let out = semcom()
        .args(["codec", "list"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("No space left"), "{err}");
}

#[test]
fn ldpc_sim_limits_accept_the_extremes_they_name() {
    // The ends of the accepted SNR range still give finite rates (no NaN LLR at −100 dB).
    let out = semcom()
        .args([
            "--json",
            "ldpc-sim",
            "--k",
            "40",
            "--ebn0=-100,100",
            "--max-blocks",
            "8",
            "--min-errors",
            "1",
            "--no-early-stop",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pts: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pts.len(), 2);
    assert!(pts[0]["bler"].as_f64().unwrap() > 0.5, "{}", pts[0]);
    assert_eq!(pts[1]["bler"].as_f64(), Some(0.0), "{}", pts[1]);
}
