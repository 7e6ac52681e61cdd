//! Atomic file output shared by every writer of semcom (CLI outputs, sweep journals, reports):
//! the bytes go to a hidden temporary sibling, are flushed to disk, then renamed over the
//! target, so a reader sees either the old or the new file, never a torn one. When any step
//! fails, the temporary file is removed: a failed write leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary sibling used while writing `path`: `.<stem>.tmp-<pid>.<ext>` in the same
/// folder (same file system, so the final rename is atomic; the extension is kept for writers
/// that pick the format from it).
pub fn temp_sibling(path: &Path) -> PathBuf {
    let lossy = |s: &std::ffi::OsStr| s.to_string_lossy().into_owned();
    let stem = path.file_stem().map(lossy).unwrap_or_default();
    let pid = std::process::id();
    match path.extension().map(lossy) {
        Some(ext) => path.with_file_name(format!(".{stem}.tmp-{pid}.{ext}")),
        None => path.with_file_name(format!(".{stem}.tmp-{pid}")),
    }
}

/// Writes `bytes` to `path` atomically, creating missing parent folders. On error, the
/// temporary file is removed and the error is returned unchanged (callers add the path).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Like [`write_atomic`], with the content produced by `fill` writing into the temporary
/// file (for writers that stream, e.g. an image encoder).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let tmp = temp_sibling(path);
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    res
}

/// Runs `produce` on the temporary sibling path (for libraries that write a file by path,
/// e.g. a plotting backend), then renames it over `path`; the temporary file is removed when
/// `produce` or the rename fails.
pub fn replace_with<E: From<std::io::Error>>(
    path: &Path,
    produce: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = temp_sibling(path);
    let res = produce(&tmp).and_then(|()| std::fs::rename(&tmp, path).map_err(E::from));
    if res.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect()
    }

    #[test]
    fn writes_replaces_and_cleans_up_on_failure() {
        let dir = std::env::temp_dir().join(format!("semcom-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("sub/out.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // The rename fails when the target is a non-empty folder: nothing may remain.
        let blocker = dir.join("blocker");
        std::fs::create_dir_all(blocker.join("x")).unwrap();
        assert!(write_atomic(&blocker, b"data").is_err());
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
        // A failing producer leaves nothing either.
        let r: std::io::Result<()> = replace_with(&dir.join("plot.png"), |t| {
            std::fs::write(t, b"half")?;
            Err(std::io::Error::other("drawing failed"))
        });
        assert!(r.is_err() && !dir.join("plot.png").exists());
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
        std::fs::remove_dir_all(&dir).ok();
    }
}
