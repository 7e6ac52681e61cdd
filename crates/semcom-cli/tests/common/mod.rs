//! Helpers shared by the CLI integration tests.

use std::path::PathBuf;

/// `../shared/<rel>` beside the repository, or `None` (with a message) when it is missing;
/// under `CI=true` a missing folder fails the test.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} missing", p.display());
    None
}
