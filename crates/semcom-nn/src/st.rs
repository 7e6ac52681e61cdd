//! Minimal, validating reader/writer for the safetensors format
//! (<https://github.com/huggingface/safetensors>: 8-byte little-endian header length, JSON
//! header `{name: {dtype, shape, data_offsets}, "__metadata__": {..}}`, raw little-endian data).
//!
//! Everything is checked before any tensor is built, so a corrupt, truncated or mismatched file
//! gives an [`NnError::Checkpoint`], never a LibTorch panic. Files are written atomically
//! (temporary file in the same folder, then rename).

use crate::error::{NnError, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use tch::{Kind, Tensor};

/// Largest header accepted (bytes).
const MAX_HEADER: u64 = 64 << 20;

/// One tensor read from a file: dtype, shape and little-endian bytes.
#[derive(Clone, Debug)]
pub struct RawTensor {
    /// `F32` or `I64`.
    pub dtype: String,
    /// Shape.
    pub shape: Vec<i64>,
    /// Raw little-endian data.
    pub data: Vec<u8>,
}

impl RawTensor {
    /// Builds a LibTorch tensor (CPU) from the raw data.
    pub fn to_tensor(&self) -> Tensor {
        let kind = if self.dtype == "I64" {
            Kind::Int64
        } else {
            Kind::Float
        };
        Tensor::from_data_size(&self.data, &self.shape, kind)
    }
}

/// The content of a safetensors file.
#[derive(Clone, Debug, Default)]
pub struct StFile {
    /// Tensors by name.
    pub tensors: BTreeMap<String, RawTensor>,
    /// String metadata.
    pub metadata: BTreeMap<String, String>,
}

fn dtype_size(d: &str) -> Option<usize> {
    match d {
        "F32" => Some(4),
        "I64" => Some(8),
        _ => None,
    }
}

/// Parses only the JSON header of a safetensors file (cheap: reads `8 + header` bytes).
pub fn read_header(path: &Path) -> Result<(Map<String, Value>, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| NnError::io(path, e))?;
    let len = f.metadata().map_err(|e| NnError::io(path, e))?.len();
    let mut n = [0u8; 8];
    f.read_exact(&mut n)
        .map_err(|_| NnError::ckpt(path, "truncated: no header length"))?;
    let n = u64::from_le_bytes(n);
    if n > MAX_HEADER || n + 8 > len {
        return Err(NnError::ckpt(
            path,
            format!("corrupt: header length {n} for a file of {len} bytes"),
        ));
    }
    let mut h = vec![0u8; n as usize];
    f.read_exact(&mut h)
        .map_err(|_| NnError::ckpt(path, "truncated header"))?;
    let v: Value = serde_json::from_slice(&h)
        .map_err(|e| NnError::ckpt(path, format!("corrupt header: {e}")))?;
    match v {
        Value::Object(m) => Ok((m, len - 8 - n)),
        _ => Err(NnError::ckpt(path, "corrupt header: not a JSON object")),
    }
}

/// Reads the string metadata of a safetensors file without reading its tensors.
pub fn read_metadata(path: &Path) -> Result<BTreeMap<String, String>> {
    let (h, _) = read_header(path)?;
    Ok(parse_metadata(&h))
}

fn parse_metadata(h: &Map<String, Value>) -> BTreeMap<String, String> {
    h.get("__metadata__")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads and validates a whole safetensors file (F32 and I64 tensors).
pub fn read(path: &Path) -> Result<StFile> {
    let bytes = std::fs::read(path).map_err(|e| NnError::io(path, e))?;
    parse(&bytes).map_err(|msg| NnError::ckpt(path, msg))
}

/// Parses safetensors bytes; the error is a message.
pub fn parse(bytes: &[u8]) -> std::result::Result<StFile, String> {
    if bytes.len() < 8 {
        return Err("truncated: no header length".into());
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if n > MAX_HEADER || n > (bytes.len() - 8) as u64 {
        return Err(format!(
            "corrupt: header length {n} for a file of {} bytes",
            bytes.len()
        ));
    }
    let n = n as usize;
    let h: Value =
        serde_json::from_slice(&bytes[8..8 + n]).map_err(|e| format!("corrupt header: {e}"))?;
    let h = h.as_object().ok_or("corrupt header: not a JSON object")?;
    let data = &bytes[8 + n..];
    let mut out = StFile {
        metadata: parse_metadata(h),
        ..Default::default()
    };
    for (name, v) in h {
        if name == "__metadata__" {
            continue;
        }
        let dtype = v
            .get("dtype")
            .and_then(|d| d.as_str())
            .ok_or(format!("tensor '{name}': no dtype"))?;
        let size =
            dtype_size(dtype).ok_or(format!("tensor '{name}': unsupported dtype {dtype}"))?;
        let shape: Vec<i64> = v
            .get("shape")
            .and_then(|s| s.as_array())
            .ok_or(format!("tensor '{name}': no shape"))?
            .iter()
            .map(|d| d.as_u64().filter(|&d| d < (1 << 40)).map(|d| d as i64))
            .collect::<Option<_>>()
            .ok_or(format!("tensor '{name}': bad shape"))?;
        let offs: Vec<u64> = v
            .get("data_offsets")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_u64()).collect())
            .unwrap_or_default();
        if offs.len() != 2 || offs[0] > offs[1] || offs[1] > data.len() as u64 {
            return Err(format!(
                "tensor '{name}': data offsets {offs:?} outside the {} data bytes (truncated?)",
                data.len()
            ));
        }
        let numel = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
            .ok_or("shape overflow")?;
        if numel * size as u64 != offs[1] - offs[0] {
            return Err(format!(
                "tensor '{name}': shape {shape:?} does not match {} data bytes",
                offs[1] - offs[0]
            ));
        }
        let d = data[offs[0] as usize..offs[1] as usize].to_vec();
        out.tensors.insert(
            name.clone(),
            RawTensor {
                dtype: dtype.into(),
                shape,
                data: d,
            },
        );
    }
    Ok(out)
}

/// Copies a CPU tensor's data as little-endian bytes with its safetensors dtype.
pub fn raw_of(t: &Tensor) -> Result<RawTensor> {
    let t = t.f_to_device(tch::Device::Cpu)?.f_contiguous()?;
    let shape = t.size();
    let (dtype, data) = match t.kind() {
        Kind::Int64 => {
            let v: Vec<i64> = Vec::<i64>::try_from(t.f_flatten(0, -1)?)?;
            ("I64", v.iter().flat_map(|x| x.to_le_bytes()).collect())
        }
        _ => {
            let v: Vec<f32> = Vec::<f32>::try_from(t.f_to_kind(Kind::Float)?.f_flatten(0, -1)?)?;
            ("F32", v.iter().flat_map(|x| x.to_le_bytes()).collect())
        }
    };
    Ok(RawTensor {
        dtype: dtype.into(),
        shape,
        data,
    })
}

/// Serialises tensors and metadata to safetensors bytes (names sorted, header padded to 8 bytes).
pub fn serialize(f: &StFile) -> Vec<u8> {
    let mut header = Map::new();
    if !f.metadata.is_empty() {
        let m: Map<String, Value> = f
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        header.insert("__metadata__".into(), Value::Object(m));
    }
    let mut off = 0usize;
    for (name, t) in &f.tensors {
        let end = off + t.data.len();
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": t.dtype, "shape": t.shape, "data_offsets": [off, end]}),
        );
        off = end;
    }
    let mut h = serde_json::to_vec(&Value::Object(header)).expect("JSON of strings");
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + h.len() + off);
    out.extend_from_slice(&(h.len() as u64).to_le_bytes());
    out.extend_from_slice(&h);
    for t in f.tensors.values() {
        out.extend_from_slice(&t.data);
    }
    out
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    semcom_core::fsutil::write_atomic(path, bytes).map_err(|e| NnError::io(path, e))
}

/// Writes a safetensors file atomically.
pub fn write(path: &Path, f: &StFile) -> Result<()> {
    write_atomic(path, &serialize(f))
}
