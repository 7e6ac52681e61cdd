//! One progress style for every command (the sweep engine's): elapsed time, a 30-column bar,
//! position/length with a unit, ETA and a message; a counter for work of unknown length. Both
//! draw on stderr only when it is a terminal, so piped and tested runs print nothing extra.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` steps of `unit` (e.g. "bits", "images").
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    let t = format!(
        "{{elapsed_precise}} [{{bar:30}}] {{pos}}/{{len}} {unit} (eta {{eta}}) {{wide_msg}}"
    );
    if let Ok(style) = ProgressStyle::with_template(&t) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// A live counter for work whose length is not known in advance: elapsed time, a spinner and
/// the message the caller keeps up to date (e.g. blocks, errors, throughput).
pub fn counter() -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} {spinner} {wide_msg}") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}
