//! Separate source–channel coding of video: H.264 at a target bitrate over 5G NR LDPC + QAM
//! (`h264+ldpc`), or over an ideal capacity-achieving code (`h264@capacity`), one transport
//! block per frame slot.
//!
//! ```text
//! clip (F frames) ─► H.264 @ MaxBytes(F·⌊A/8⌋) ─► stream ─► cut into F slots of ⌊A/8⌋ bytes
//!   slot f ─► BlockCoding (TB CRC + LDPC + QAM, or ideal code) ─► k_f = ⌊k/F⌋ uses ─► channel
//!   ─► receiver: per slot CRC ok / lost ─► frame f intact iff every byte of its access
//!      unit arrived ─► intact frames to the H.264 decoder in order, lost ones skipped
//!   ─► display: the decoded picture, or a copy of the last displayed one (frame-copy
//!      concealment; mid-grey before the first decoded frame)
//! ```
//!
//! **Budget.** k = ⌊(k/n)·F·C·H·W⌋ channel uses for the clip; each of the F slots gets
//! k_f = ⌊k/F⌋ (at most F − 1 uses stay unused). Every slot has the same coding (the MCS
//! fixed by `--mcs`, or adaptive to the SNR as in [`crate::separation`]), so the stream
//! capacity is F·⌊A/8⌋ bytes (A = TBS of one slot; R_max = ⌊k_f·log2(1+SNR)⌋ for the
//! capacity variant, whose payload is Σ_f R_max,f ≤ ⌊k·log2(1+SNR)⌋). H.264's rate control
//! searches the bitrate that fills it ([`H264::encode_clip_max_bytes`]).
//! **Side information** (counted): MCS index (8 bits), stream length (32), one amplitude
//! scale per slot (32 each) and each frame's access-unit length (24 each: the packetisation a
//! real stream carries in its RTP headers). **Errors propagate** as in a real decoder: after a
//! lost frame, later P frames predict from an older picture until the next IDR frame
//! (`intra_period`); `frame_ok` reports which frames arrived intact.

use crate::separation::{scheme_err, BlockCoding, ChannelCoding};
use semcom_codecs::h264::{FrameDecoder, H264};
use semcom_codecs::CodecError;
use semcom_core::rng::SemRng;
use semcom_core::{
    Budget, CoreError, DecodeFailure, Decoded, Encoded, Image, LinkInfo, Modality, Payload,
    Received, Result, Scheme, SideInfo, Source, SourceKind, SourceMeta,
};

/// The video separation schemes.
pub const NAMES: [&str; 2] = ["h264+ldpc", "h264@capacity"];

/// Parameters of the video separation schemes (`--param intra_period=10`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoParams {
    /// Distance between H.264 IDR frames (0 = only the first frame is intra).
    pub intra_period: u32,
}

impl Default for VideoParams {
    fn default() -> Self {
        Self { intra_period: 10 }
    }
}

/// Registry rows: `h264+ldpc`, `h264@capacity` (clips only).
pub fn rows() -> Vec<crate::registry::SchemeRow> {
    NAMES
        .iter()
        .map(|&n| crate::registry::SchemeRow {
            name: n.into(),
            modalities: &[Modality::Clip],
            description: if n.ends_with("+ldpc") {
                "video separation: H.264 over 5G NR LDPC + QAM, one transport block per frame slot, frame-copy concealment"
            } else {
                "video separation bound: H.264 over an ideal capacity-achieving code, one block per frame slot"
            },
            in_demo: false,
            build: |name, o| {
                let p: VideoParams = o.params(name)?;
                Ok(Box::new(VideoSeparation::from_name(
                    name,
                    o.mcs.as_deref(),
                    p.intra_period,
                )?))
            },
        })
        .collect()
}

/// Side-information layout (bytes): header = MCS index (1) + stream length (4, LE); then one
/// f32 amplitude scale per slot (4, LE) and one access-unit length per frame (3, LE).
const HEADER_BYTES: usize = 5;
const SCALE_BYTES: usize = 4;
const FRAME_LEN_BYTES: usize = 3;

/// H.264 + (LDPC + QAM | ideal code), see the module documentation.
#[derive(Debug)]
pub struct VideoSeparation {
    name: String,
    coding: ChannelCoding,
    intra_period: u32,
}

/// Per-frame access-unit lengths must fit [`FRAME_LEN_BYTES`].
const MAX_FRAME_BYTES: usize = (1 << (8 * FRAME_LEN_BYTES)) - 1;

impl VideoSeparation {
    /// `h264+ldpc` (MCS name, or adaptive when `None`) or `h264@capacity`, with the H.264
    /// IDR period (the frame rate is the clip's).
    pub fn from_name(name: &str, mcs: Option<&str>, intra_period: u32) -> Result<Self> {
        let coding = match ChannelCoding::from_scheme_name(name, mcs)? {
            Some(("h264", coding)) => coding,
            _ => {
                return Err(scheme_err(
                    name,
                    format!("not a video scheme (known: {})", NAMES.join(", ")),
                ))
            }
        };
        Ok(Self {
            name: name.into(),
            coding,
            intra_period,
        })
    }

    /// The H.264 stream length (bytes) recorded in a clip's side information; 0 means even
    /// OpenH264's smallest stream did not fit the budget and nothing was sent.
    pub fn stream_bytes(side: &SideInfo) -> Option<usize> {
        let b = side.bytes.get(1..5)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// Side-information bits for `frames` frames and slots.
    pub fn side_bits(frames: usize) -> u64 {
        8 * (HEADER_BYTES + frames * (SCALE_BYTES + FRAME_LEN_BYTES)) as u64
    }
}

/// Bytes of slot `i` when a stream of `total` bytes is cut into slots of `cap` bytes.
fn slot_len(total: usize, cap: usize, i: usize) -> usize {
    total.saturating_sub(i * cap).min(cap)
}

impl Scheme for VideoSeparation {
    fn name(&self) -> &str {
        &self.name
    }

    fn accepts(&self, modality: Modality) -> bool {
        modality == Modality::Clip
    }

    fn encode(
        &self,
        src: &Source,
        budget: &Budget,
        link: &LinkInfo,
        _rng: &mut SemRng,
    ) -> Result<Encoded> {
        let SourceKind::Clip { fps } = src.kind() else {
            return Err(scheme_err(&self.name, "needs a clip"));
        };
        let codec = H264 {
            fps,
            intra_period: self.intra_period,
        };
        let clip = src.views();
        let meta = src.meta();
        let k = budget.channel_uses_for_scheme(meta.samples(), &self.name)?;
        let k_f = k / meta.views;
        if k_f == 0 {
            return Err(CoreError::InvalidBudget(format!(
                "{}: {k} channel uses for {} frames",
                budget.label(),
                meta.views
            )));
        }
        let block = BlockCoding::for_block(&self.coding, k_f, link.snr_db)
            .map_err(|e| scheme_err(&self.name, e))?;
        let cap = block.capacity_bytes();
        let (stream, frame_bytes) = match codec.encode_clip_max_bytes(clip, cap * meta.views) {
            Ok(c) => (c.bytes, c.frame_bytes),
            Err(CodecError::BudgetTooSmall { .. }) => (Vec::new(), vec![0; meta.views]),
            Err(e) => return Err(scheme_err(&self.name, e)),
        };
        if frame_bytes.len() != meta.views || frame_bytes.iter().any(|&n| n > MAX_FRAME_BYTES) {
            return Err(scheme_err(
                &self.name,
                "H.264 access units do not match the frames",
            ));
        }
        let mut side = vec![block.index()];
        side.extend_from_slice(&(stream.len() as u32).to_le_bytes());
        let mut blocks = Vec::with_capacity(meta.views);
        for i in 0..meta.views {
            let off = (i * cap).min(stream.len());
            let (x, scale) = block.transmit(&stream[off..off + slot_len(stream.len(), cap, i)])?;
            side.extend_from_slice(&scale.to_le_bytes());
            blocks.push(Payload::Symbols(x));
        }
        for n in &frame_bytes {
            side.extend_from_slice(&(*n as u32).to_le_bytes()[..FRAME_LEN_BYTES]);
        }
        if let BlockCoding::Capacity { .. } = block {
            side.extend_from_slice(&stream); // genie, counted as payload (see `separation`)
        }
        Ok(Encoded {
            payload_bits: block.payload_bits() * meta.views as u64,
            stream_bytes: Some(stream.len() as u64),
            blocks,
            side: SideInfo {
                bytes: side,
                bits: Self::side_bits(meta.views),
            },
        })
    }

    fn decode(
        &self,
        rx: &[Received],
        side: &SideInfo,
        meta: &SourceMeta,
        link: &LinkInfo,
    ) -> Result<Decoded> {
        let f = meta.views;
        let v = meta.view;
        let bad = |m: &str| CoreError::Payload(format!("{}: {m}", self.name));
        if rx.len() != f {
            return Err(bad("one received block per frame slot expected"));
        }
        let scales_at = HEADER_BYTES;
        let lens_at = scales_at + SCALE_BYTES * f;
        let fixed = lens_at + FRAME_LEN_BYTES * f;
        let b = &side.bytes;
        if b.len() < fixed {
            return Err(bad("side information too short"));
        }
        let total = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
        let scales: Vec<f32> = (0..f)
            .map(|i| {
                let o = scales_at + SCALE_BYTES * i;
                f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
            })
            .collect();
        let frame_len: Vec<usize> = (0..f)
            .map(|i| {
                let o = lens_at + FRAME_LEN_BYTES * i;
                u32::from_le_bytes([b[o], b[o + 1], b[o + 2], 0]) as usize
            })
            .collect();
        if frame_len.iter().sum::<usize>() != total {
            return Err(bad("frame lengths do not add up to the stream length"));
        }
        let genie = &b[fixed..];
        // Every slot has the transmitter's k_f uses and the same coding: set it up once.
        let Some(Received::Symbols { y: y0, .. }) = rx.first() else {
            return Err(bad("needs a complex-symbol channel"));
        };
        let block = BlockCoding::from_index(b[0], y0.len(), link.snr_db, self.coding.decoder())?;
        let cap = block.capacity_bytes();
        if total > cap.saturating_mul(f) {
            return Err(bad("stream longer than the slots can carry"));
        }
        // Channel decoding, slot by slot: the stream with a per-slot arrival flag.
        let mut stream = Vec::with_capacity(total);
        let mut slot_ok = Vec::with_capacity(f);
        for (i, r) in rx.iter().enumerate() {
            let Received::Symbols { y, csi, noise_var } = r else {
                return Err(bad("needs a complex-symbol channel"));
            };
            let len = slot_len(total, cap, i);
            if len == 0 {
                slot_ok.push(true);
                continue;
            }
            let g = genie.get(i * cap..i * cap + len).unwrap_or(&[]);
            match block.receive(y, csi, noise_var, scales[i], len, g)? {
                Some(bytes) => {
                    stream.extend_from_slice(&bytes);
                    slot_ok.push(true);
                }
                None => {
                    stream.resize(stream.len() + len, 0);
                    slot_ok.push(false);
                }
            }
        }
        // Source decoding, frame by frame, with frame-copy concealment.
        let mut dec = FrameDecoder::new(v.channels, Some((v.width, v.height)))
            .map_err(|e| scheme_err(&self.name, e))?;
        let mut frames: Vec<Image> = Vec::with_capacity(f);
        let mut frame_ok = Vec::with_capacity(f);
        let mut off = 0;
        for &n in &frame_len {
            let intact = n > 0
                && (off / cap.max(1)..=(off + n - 1) / cap.max(1))
                    .all(|s| slot_ok.get(s) == Some(&true));
            let pic = if intact {
                dec.decode_frame(&stream[off..off + n]).ok().flatten()
            } else {
                None
            };
            off += n;
            let pic = pic.filter(|p| {
                (p.width(), p.height(), p.channels()) == (v.width, v.height, v.channels)
            });
            frame_ok.push(pic.is_some());
            frames.push(match (pic, frames.last()) {
                (Some(p), _) => p,
                (None, Some(prev)) => prev.clone(),
                (None, None) => v.fallback()?,
            });
        }
        let failure = if total == 0 {
            Some(DecodeFailure::DidNotFit)
        } else if slot_ok.iter().any(|&ok| !ok) {
            Some(DecodeFailure::Channel)
        } else {
            frame_ok
                .iter()
                .any(|&ok| !ok)
                .then_some(DecodeFailure::Source)
        };
        Ok(Decoded {
            views: frames,
            view_ok: frame_ok,
            failure,
        })
    }
}

#[cfg(test)]
mod tests;
