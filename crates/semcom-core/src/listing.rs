//! Image folders: the one lister (sorted, optionally recursive) and evenly spaced subsets,
//! shared by sweeps, data loaders and the CLI.

use crate::error::{CoreError, Result};
use std::path::{Path, PathBuf};

/// File extensions read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];
/// Deepest folder level visited by a recursive listing.
pub const MAX_DEPTH: usize = 16;

/// Whether `p` has an image extension.
pub fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The image files of `dir` sorted by path; with `recursive`, of its sub-folders too (following
/// symbolic links to folders, at most [`MAX_DEPTH`] levels). An unreadable folder is an error
/// naming it; an empty result is not.
pub fn list_images(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, recursive, 0, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    let io = |p: &Path, source| CoreError::Io {
        path: p.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| io(&path, e))?;
        if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
            if recursive && depth < MAX_DEPTH {
                walk(&path, recursive, depth + 1, out)?;
            }
        } else if has_image_extension(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Indices ⌊i·n/m⌋, i = 0..m, of an evenly spaced subset of m = min(limit, n) out of n items
/// (so a CIFAR subset covers every class folder, not just the first).
pub fn evenly_spaced(n: usize, limit: usize) -> Vec<usize> {
    let m = limit.min(n);
    (0..m)
        .map(|i| (i as u128 * n as u128 / m as u128) as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_subsets() {
        assert_eq!(evenly_spaced(10, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(evenly_spaced(3, 10), vec![0, 1, 2]);
        assert_eq!(evenly_spaced(10_000, 3), vec![0, 3333, 6666]);
        assert!(evenly_spaced(0, 3).is_empty());
    }

    #[test]
    fn sorted_filtered_and_optionally_recursive() {
        let d = std::env::temp_dir().join(format!("semcom-listing-{}", std::process::id()));
        std::fs::create_dir_all(d.join("sub")).unwrap();
        for f in ["b.PNG", "a.jpg", "notes.txt", "sub/c.webp"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(&d).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(names(list_images(&d, false).unwrap()), ["a.jpg", "b.PNG"]);
        assert_eq!(
            names(list_images(&d, true).unwrap()),
            ["a.jpg", "b.PNG", "sub/c.webp"]
        );
        assert!(list_images(&d.join("missing"), false)
            .unwrap_err()
            .to_string()
            .contains("missing"));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
