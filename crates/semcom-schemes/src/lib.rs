//! Transmission schemes on the semcom spine, one module per system, and a registry by name.
//!
//! Each scheme implements [`semcom_core::Scheme`]; [`registry::build`] makes one from its
//! name and [`registry::SchemeOptions`].

pub mod deepjscc;
pub mod registry;
pub mod separation;
pub mod softcast;
pub mod transform;
pub mod video;

pub use registry::{available, build, SchemeInfo, SchemeOptions};
