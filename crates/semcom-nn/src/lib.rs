//! Neural engine on tch-rs (LibTorch): blocks, differentiable channels, data loaders,
//! training engine and deep JSCC.
//!
//! * [`blocks`]: conv + PReLU stacks, residual blocks, GDN/IGDN, pixel shuffle, power normalisation.
//! * [`channel`]: differentiable AWGN, Rayleigh (with CSI) and erasure layers.
//! * [`data`]: image folder, CIFAR-10, Kodak and CamVid loaders.
//! * [`optim`], [`train`]: Adam / SGD, schedules, stages, checkpoints, resume, logs.
//! * [`config`]: the TOML training configuration behind `semcom train`.
//! * [`deepjscc`]: deep JSCC (Bourtsoulatze et al. 2019).
//! * [`st`], [`checkpoint`]: validated safetensors I/O.

pub mod blocks;
pub mod channel;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod deepjscc;
pub mod error;
pub mod optim;
pub mod st;
pub mod train;

pub use error::{NnError, Result};
/// The tch version this engine is built on (for crates that need tensors directly).
pub use tch;

/// Returns the LibTorch device for `"cpu"` or `"cuda"`.
pub fn device(name: &str) -> Option<tch::Device> {
    match name {
        "cpu" => Some(tch::Device::Cpu),
        "cuda" => Some(tch::Device::cuda_if_available()),
        _ => None,
    }
}

/// Threshold above which glibc serves allocations by mmap after [`tune_allocator`] (32 MiB,
/// glibc's maximum on 64-bit).
pub const MMAP_THRESHOLD_BYTES: i32 = 32 << 20;
/// Free heap kept by glibc after [`tune_allocator`] before it trims (256 MiB).
pub const TRIM_THRESHOLD_BYTES: i32 = 256 << 20;

/// Keeps LibTorch's activation buffers (≈ 0.1–30 MB each) on glibc's heap instead of mapping
/// and unmapping fresh pages for every op: sets `M_MMAP_THRESHOLD` to [`MMAP_THRESHOLD_BYTES`]
/// and `M_TRIM_THRESHOLD` to [`TRIM_THRESHOLD_BYTES`] (`mallopt(3)`). Glibc's default dynamic
/// threshold otherwise leaves many of these buffers to mmap, and the page faults of each new
/// mapping cost deep JSCC's batch-32 inference ≈ 25 % (`cargo bench -p semcom-nn --bench
/// deepjscc`, docs/neural.md). Process-wide, idempotent; returns whether both settings took
/// effect (always `false` off glibc, where it does nothing).
pub fn tune_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator parameters; both values are in range.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocator_tuning_takes_effect_on_glibc() {
        let ok = super::tune_allocator();
        assert_eq!(ok, cfg!(all(target_os = "linux", target_env = "gnu")));
    }

    #[test]
    fn libtorch_links_and_computes() {
        let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
        assert_eq!(
            f64::try_from((&t * &t).sum(tch::Kind::Float)).unwrap(),
            14.0
        );
    }
}
