//! Channels (AWGN, Rayleigh, BSC, BEC, the DS²C² block channel, Gilbert–Elliott),
//! interleavers, QAM modulation and capacity.
//!
//! Conventions (shared by every scheme): unit average power P = 1 per complex channel use;
//! SNR = Es/N0 per complex channel use, so the complex noise variance is N0 = 10^(−SNR/10)
//! (N0/2 per real dimension). Real-valued signals pair two reals per complex channel use
//! ([`semcom_core::chain::reals_to_complex`]).

pub mod awgn;
pub mod registry;

pub use registry::{by_name, ChannelParams, CHANNEL_NAMES};
