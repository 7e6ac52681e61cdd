//! Channels (AWGN, Rayleigh, BSC, BEC, the DS²C² block channel, Gilbert–Elliott),
//! interleavers, QAM modulation and capacity. User documentation: `docs/channels.md`.
//!
//! Conventions (shared by every scheme): unit average power P = 1 per complex channel use;
//! SNR = Es/N0 per complex channel use, so the complex noise variance is N0 = 10^(−SNR/10)
//! (N0/2 per real dimension). Real-valued signals pair two reals per complex channel use
//! ([`semcom_core::chain::reals_to_complex`]). Rayleigh gains are h ~ CN(0, 1). LLRs are
//! L = ln P(b=0)/P(b=1). Random draws are made per fixed-size chunk from seeds derived with
//! [`semcom_core::rng::derive_seed`], so results do not depend on the number of threads.

pub mod awgn;
pub mod bits;
pub mod capacity;
pub mod equalize;
pub mod error;
pub mod fading;
pub mod interleave;
pub mod modulation;
pub mod par;
pub mod power;
pub mod registry;
pub mod sim;
pub mod theory;

pub use error::ChannelError;
pub use modulation::{Demapper, Modulation};
pub use registry::{by_name, ChannelParams, CHANNEL_NAMES};
