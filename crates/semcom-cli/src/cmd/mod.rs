//! One module per sub-command.
pub mod ber_sim;
pub mod codec;
pub mod compare;
pub mod demo;
pub mod detect;
pub mod eval;
pub mod flow;
pub mod ldpc_sim;
pub mod segment;
pub mod stereo;
pub mod sweep;
pub mod train;
pub mod transmit;
pub mod video;
