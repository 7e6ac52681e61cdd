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

#[cfg(test)]
mod tests {
    #[test]
    fn libtorch_links_and_computes() {
        let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
        assert_eq!(
            f64::try_from((&t * &t).sum(tch::Kind::Float)).unwrap(),
            14.0
        );
    }
}
