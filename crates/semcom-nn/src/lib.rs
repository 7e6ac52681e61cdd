//! Neural engine on tch-rs (LibTorch): blocks, differentiable channels, data loaders,
//! training engine and deep JSCC.

/// Returns the LibTorch device for `"cpu"` or `"cuda"`.
pub fn device(name: &str) -> Option<tch::Device> {
    match name {
        "cpu" => Some(tch::Device::Cpu),
        "cuda" => Some(tch::Device::cuda_if_available()),
        _ => None,
    }
}
