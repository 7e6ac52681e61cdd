//! # semcom-entropy
//!
//! Deterministic entropy coding for learned image codecs and the other schemes that code
//! discrete symbols (VQ indices, masks, quantised latents):
//!
//! | module | block |
//! |---|---|
//! | [`models`] | integer CDFs: [`Categorical`] (frequency tables), [`AdaptiveBit`], [`ConditionalTables`] (Gaussian / Laplace / logistic per scale of a [`ScaleTable`]), [`Mixture`] (K components) |
//! | [`coder`] | [`Encoder`] / [`Decoder`]: `constriction`'s range coder at 16-bit precision, escape symbols with Elias-gamma bypass codes, the running rate estimate |
//! | [`container`] | the stream format: magic, version, model name and fingerprint, image size, sub-streams, CRC-32; typed errors, bounded allocation |
//! | [`integer`] | integer network blocks (Ballé et al. 2019) for a hyper-synthesis that selects CDFs bit-exactly |
//!
//! Determinism: everything the decoder uses to choose a CDF is integer arithmetic — the scale
//! quantiser ([`ScaleTable::index_of`]), the CDF construction ([`models::quantised_cdf_point`]),
//! the mixture's weights, means and CDF, and the [`integer`] layers. The only floating-point
//! step is building four small tables (three standard CDFs, the scale table, a softmax table)
//! with the pure-Rust `libm`; their hash is frozen by a golden test
//! ([`fingerprint::frozen_tables_fingerprint`]). See `docs/entropy.md`.
//!
//! ```
//! use semcom_entropy::{ConditionalTables, Decoder, Encoder, Family};
//! let tables = ConditionalTables::standard(Family::Gaussian);
//! let (values, scales) = ([0, -3, 1, 250, 0], [0.5f32, 2.0, 1.0, 0.2, 8.0]);
//! let idx: Vec<usize> = scales.iter().map(|&s| tables.scales().index_of_f32(s)).collect();
//! let mut enc = Encoder::new();
//! enc.encode_conditional_all(&tables, &idx, &values).unwrap();
//! let bytes = enc.finish();
//! let mut dec = Decoder::new(&bytes).unwrap();
//! assert_eq!(dec.decode_conditional_all(&tables, &idx).unwrap(), values);
//! ```

pub mod coder;
pub mod container;
pub mod error;
pub mod fingerprint;
pub mod integer;
pub mod models;

pub use coder::{Decoder, Encoder};
pub use error::{EntropyError, Result};
pub use models::{
    AdaptiveBit, Categorical, Component, ConditionalTables, Family, Mixture, ScaleTable, PRECISION,
};
