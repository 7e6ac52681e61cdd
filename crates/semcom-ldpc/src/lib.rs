//! # semcom-ldpc
//!
//! 5G NR LDPC channel coding (3GPP TS 38.212 V15+ §5.1–5.5, §7.2; TBS of TS 38.214 §5.1.3.2):
//!
//! * [`graph`]: base graphs BG1/BG2 (Tables 5.3.2-2/3), the 51 lifting sizes, the lifted H.
//! * [`crc`]: CRC24A / CRC24B / CRC16. [`segment`]: segmentation, BG selection, TBS.
//! * [`encode`]: QC systematic encoder. [`ratematch`]: circular buffer, RV0–3, interleaving.
//! * [`decode`]: layered normalised/offset min-sum (f32, vectorised) and sum-product.
//! * [`tb`]: the full chain [`TransportBlockCodec`]; [`mcs`]: the MCS table.
//!
//! LLR convention everywhere: L = ln P(b=0)/P(b=1) (positive means bit 0).

pub mod codeblock;
pub mod crc;
pub mod decode;
pub mod encode;
pub mod error;
pub mod graph;
pub mod mcs;
pub mod ratematch;
pub mod scramble;
pub mod segment;
mod tables;
pub mod tb;

pub use codeblock::CodeBlockCoder;
pub use decode::{DecoderConfig, DecoderKind, SimdPath};
pub use error::{LdpcError, Result};
pub use graph::{BaseGraph, QcMatrix, LIFTING_SIZES};
pub use mcs::Mcs;
pub use tb::{NrConfig, TbDecodeResult, TransportBlockCodec};
