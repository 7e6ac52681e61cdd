//! File output of a sweep: atomic writes (shared with the CLI through
//! [`semcom_core::fsutil`]) and the lock that keeps two runs out of one journal.

use crate::error::{Result, SweepError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename), so
/// a reader sees either the old or the new file, never a torn one; a failed write leaves no
/// temporary file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    semcom_core::fsutil::write_atomic(path, bytes).map_err(|e| SweepError::io(path, e))
}

/// Creates a folder and its parents.
pub fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| SweepError::io(path, e))
}

/// An exclusive lock on a file (a journal): the file `<path>.lock` holds the owner's process
/// id and is removed when the lock is dropped. A lock whose process no longer runs (a run
/// killed with `kill -9`) is stale and taken over.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
}

impl FileLock {
    /// Takes the lock of `target`, or fails naming the process that holds it.
    pub fn acquire(target: &Path) -> Result<Self> {
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let path = target.with_file_name(name);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_dir(parent)?;
        }
        // Two attempts: the second after removing a stale lock.
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let me = std::process::id();
                    if let Err(e) = writeln!(f, "{me}") {
                        std::fs::remove_file(&path).ok();
                        return Err(SweepError::io(&path, e));
                    }
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    match text.trim().parse::<u32>() {
                        Ok(pid) if process_alive(pid) => {
                            let msg = format!(
                                "output in use by the running process {pid} (another sweep \
                                 into the same folder); wait for it, or delete this lock file \
                                 if that process is not a sweep"
                            );
                            return Err(SweepError::io(&path, std::io::Error::other(msg)));
                        }
                        // Dead owner, or a lock torn before its pid was written: stale.
                        _ => {
                            std::fs::remove_file(&path).map_err(|e| SweepError::io(&path, e))?;
                        }
                    }
                }
                Err(e) => return Err(SweepError::io(&path, e)),
            }
        }
        Err(SweepError::io(
            &path,
            std::io::Error::other("lock taken by another run while replacing a stale lock"),
        ))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        std::fs::remove_file(&self.path).ok();
    }
}

/// Whether a process with this id runs (Linux: `/proc/<pid>` exists; elsewhere assumed).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_released_and_stale_locks_are_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("journal.jsonl");
        let lock = FileLock::acquire(&j).unwrap();
        let held = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(held.trim(), std::process::id().to_string());
        let e = FileLock::acquire(&j).unwrap_err().to_string();
        assert!(e.contains("in use") && e.contains(held.trim()), "{e}");
        drop(lock);
        assert!(!dir.path().join("journal.jsonl.lock").exists());
        // A lock left by a process that is gone (pid beyond pid_max) and a torn lock are stale.
        for stale in ["4194305\n", ""] {
            std::fs::write(dir.path().join("journal.jsonl.lock"), stale).unwrap();
            drop(FileLock::acquire(&j).unwrap());
        }
    }
}
