//! Transmission schemes on the semcom spine, one module per system, and a registry by name.
//!
//! Each scheme implements [`semcom_core::Scheme`] (or [`semcom_core::ImageScheme`], run on every
//! modality through [`semcom_core::PerView`]) and contributes its rows to the one registry table
//! ([`registry::table`]); [`registry::build`] makes one from its name and [`registry::SchemeOptions`].

pub mod deepjscc;
pub mod mlsc;
pub mod registry;
pub mod separation;
pub mod softcast;
pub mod transform;
pub mod uncoded;
pub mod video;

/// Serialises the tests that seed LibTorch's process-global RNG and draw from it (tests run on
/// several threads of one process: interleaved draws would make seeded models differ).
#[cfg(test)]
pub(crate) fn torch_rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub use registry::{available, build, table, SchemeInfo, SchemeOptions, SchemeRow};
