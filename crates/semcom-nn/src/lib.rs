//! Neural engine on tch-rs (LibTorch): blocks, differentiable channels, data loaders,
//! training engine and deep JSCC.
//!
//! * [`blocks`]: conv + PReLU stacks, residual blocks, GDN/IGDN, pixel shuffle, power normalisation.
//! * [`channel`]: differentiable AWGN, Rayleigh (with CSI) and erasure layers.
//! * [`data`]: image folder, CIFAR-10, Kodak and CamVid loaders.
//! * [`optim`], [`train`]: Adam / SGD, schedules, the training engine (models with named
//!   loss terms and parameter groups, stages with several optimisers, freezing, checkpoints
//!   with exact resume, logs).
//! * [`estimators`]: REINFORCE with a baseline, straight-through estimators, EMA codebooks.
//! * [`config`]: the TOML training configuration behind `semcom train` and its systems.
//! * [`deepjscc`], [`deepjscc_train`]: deep JSCC (Bourtsoulatze et al. 2019) and its training.
//! * [`st`], [`checkpoint`]: validated safetensors I/O.

pub mod blocks;
pub mod channel;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod deepjscc;
pub mod deepjscc_train;
pub mod error;
pub mod estimators;
pub mod optim;
pub mod st;
pub mod tiles;
pub mod train;

pub use error::{NnError, Result};
/// The tch version this engine is built on (for crates that need tensors directly).
pub use tch;

/// The LibTorch device named `cpu`, `cuda` (GPU 0) or `cuda:N`. A CUDA device is an error when
/// this LibTorch build or machine has none (never a silent fall-back to the CPU); the message
/// points to `docs/libtorch.md`.
pub fn device(name: &str) -> Result<tch::Device> {
    let cuda = |i: usize| {
        let n = tch::Cuda::device_count().max(0) as usize;
        if !tch::Cuda::is_available() || n == 0 {
            Err(NnError::Device(format!(
                "device '{name}': CUDA is not available (this LibTorch is CPU-only or no GPU is visible; see docs/libtorch.md)"
            )))
        } else if i >= n {
            Err(NnError::Device(format!(
                "device '{name}': only {n} CUDA device(s) (cuda:0..cuda:{})",
                n - 1
            )))
        } else {
            Ok(tch::Device::Cuda(i))
        }
    };
    match name {
        "cpu" => Ok(tch::Device::Cpu),
        "cuda" => cuda(0),
        _ => match name.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(i)) => cuda(i),
            _ => Err(NnError::Device(format!(
                "unknown device '{name}' (cpu, cuda or cuda:N)"
            ))),
        },
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
    fn device_names_parse_and_cuda_never_falls_back_silently() {
        assert_eq!(super::device("cpu").unwrap(), tch::Device::Cpu);
        for bad in ["", "gpu", "cuda:x", "CPU", "cuda:-1"] {
            let e = super::device(bad).unwrap_err().to_string();
            assert!(e.contains("unknown device") && !e.contains('\n'), "{e}");
        }
        for name in ["cuda", "cuda:0", "cuda:7"] {
            match super::device(name) {
                Ok(d) => assert!(tch::Cuda::is_available() && d.is_cuda()),
                Err(e) => {
                    let e = e.to_string();
                    assert!(e.contains("CUDA") && !e.contains('\n'), "{e}");
                    if !tch::Cuda::is_available() {
                        assert!(e.contains("docs/libtorch.md"), "{e}");
                    }
                }
            }
        }
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
