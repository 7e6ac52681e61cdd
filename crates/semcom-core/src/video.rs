//! The transmission chain for video clips, the image chain ([`crate::chain`]) over time:
//!
//! ```text
//! clip of F frames ─► VideoScheme::encode ─► blocks b = 1…B (one per transmission slot)
//!   ─► channel, one call per block (a block-fading model draws one gain per block)
//!   ─► VideoScheme::decode ─► F frames + which frames arrived intact
//! ```
//!
//! The budget is the image budget over the whole clip: k/n = Σ_b k_b / (F·C·H·W).

use crate::accounting::{Accounting, ChannelUseKind};
use crate::chain::{check_uses, Link};
use crate::rng::SemRng;
use crate::{Budget, CoreError, Image, LinkInfo, Payload, Received, Result, SideInfo};

/// Longest clip a chain accepts (frames), bounding every per-frame allocation.
pub const MAX_CLIP_FRAMES: usize = 10_000;
/// Most real samples F·C·H·W a clip may hold: 2^28 (1 GiB of f32).
pub const MAX_CLIP_SAMPLES: usize = 1 << 28;

/// Size and layout of a clip known to the receiver (fixed-format video service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClipMeta {
    /// Number of frames F.
    pub frames: usize,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Colour planes C.
    pub channels: usize,
}

impl ClipMeta {
    /// The meta data of a clip: at least one frame, all frames of one size and layout.
    pub fn of(clip: &[Image]) -> Result<Self> {
        let first = clip
            .first()
            .ok_or_else(|| CoreError::InvalidImage("empty clip".into()))?;
        if clip.len() > MAX_CLIP_FRAMES {
            return Err(CoreError::InvalidImage(format!(
                "{} frames (at most {MAX_CLIP_FRAMES})",
                clip.len()
            )));
        }
        let m = Self {
            frames: clip.len(),
            width: first.width(),
            height: first.height(),
            channels: first.channels(),
        };
        m.check_size()?;
        if let Some(i) = clip
            .iter()
            .position(|f| Self::frame_of(f) != Self::frame_of(first))
        {
            return Err(CoreError::InvalidImage(format!(
                "frame {i} differs in size or planes from frame 0"
            )));
        }
        Ok(m)
    }

    /// Refuses clips of more than [`MAX_CLIP_SAMPLES`] samples (checked without overflow).
    pub fn check_size(&self) -> Result<()> {
        let n = [self.frames, self.channels, self.width, self.height]
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b));
        match n {
            Some(n) if n <= MAX_CLIP_SAMPLES => Ok(()),
            _ => Err(CoreError::InvalidImage(format!(
                "{} frames of {}x{}x{} exceed {MAX_CLIP_SAMPLES} samples",
                self.frames, self.width, self.height, self.channels
            ))),
        }
    }

    fn frame_of(f: &Image) -> (usize, usize, usize) {
        (f.width(), f.height(), f.channels())
    }

    /// Real source samples n = F·C·H·W.
    pub fn samples(&self) -> usize {
        self.frames * self.channels * self.width * self.height
    }

    /// Pixels F·H·W.
    pub fn pixels(&self) -> usize {
        self.frames * self.width * self.height
    }

    /// The mid-grey frame shown when nothing of the clip could be decoded.
    pub fn fallback_frame(&self) -> Result<Image> {
        Image::fallback_grey(self.width, self.height, self.channels)
    }
}

/// Output of a video transmitter.
#[derive(Clone, Debug)]
pub struct EncodedClip {
    /// The blocks that cross the channel, one channel call each, in time order.
    pub blocks: Vec<Payload>,
    /// Error-free side information.
    pub side: SideInfo,
    /// Source-coded bits carried in the blocks.
    pub payload_bits: u64,
}

/// What a video receiver decoded.
#[derive(Clone, Debug)]
pub struct DecodedClip {
    /// The F displayed frames (concealed or fallback frames where data was lost).
    pub frames: Vec<Image>,
    /// Per frame: whether all of its data arrived (false = concealed).
    pub frame_ok: Vec<bool>,
}

/// A video transmission scheme: transmitter and receiver of a clip.
pub trait VideoScheme: Send + Sync {
    /// Registry name (e.g. `h264+ldpc`).
    fn name(&self) -> &str;
    /// Transmitter: clip → blocks of channel symbols (at most ⌊(k/n)·F·C·H·W⌋ uses in all).
    fn encode(
        &self,
        clip: &[Image],
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<EncodedClip>;
    /// Receiver: one received block per sent block → F frames.
    fn decode(
        &self,
        rx: &[Received],
        side: &SideInfo,
        meta: &ClipMeta,
        link: &LinkInfo,
    ) -> Result<DecodedClip>;
}

/// Result of one run of a video chain.
#[derive(Clone, Debug)]
pub struct VideoOutcome {
    /// The displayed frames.
    pub frames: Vec<Image>,
    /// Per frame: whether it arrived intact.
    pub frame_ok: Vec<bool>,
    /// What was sent over the whole clip (`decode_ok` = every frame intact).
    pub accounting: Accounting,
    /// The side information that was sent (for scheme-specific reports).
    pub side: SideInfo,
}

/// Runs clip → scheme → channel (one call per block) → scheme with explicit seeds (encoder
/// stream 0, channel stream 1, as [`crate::run_chain`]). Checks the SNR and budget, at most
/// ⌊(k/n)·n⌋ channel uses in all, average power ≤ 1 in every block, and F frames of the
/// source's format out.
pub fn run_video_chain(
    scheme: &dyn VideoScheme,
    clip: &[Image],
    budget: &Budget,
    link: &Link<'_>,
) -> Result<VideoOutcome> {
    let (info, mut enc_rng, mut ch_rng) = link.start(budget)?;
    let meta = ClipMeta::of(clip)?;
    let enc = scheme.encode(clip, budget, &info, &mut enc_rng)?;
    let uses: usize = enc.blocks.iter().map(Payload::len).sum();
    check_uses(scheme.name(), budget, meta.samples(), uses)?;
    let mut kind = ChannelUseKind::ComplexSymbols;
    let mut rx = Vec::with_capacity(enc.blocks.len());
    for (b, block) in enc.blocks.iter().enumerate() {
        let (r, k) = link.send(scheme.name(), &format!("block {b}: "), block, &mut ch_rng)?;
        if k == ChannelUseKind::Bits {
            kind = k;
        }
        rx.push(r);
    }
    let dec = scheme.decode(&rx, &enc.side, &meta, &info)?;
    if dec.frames.len() != meta.frames
        || dec.frame_ok.len() != meta.frames
        || ClipMeta::of(&dec.frames)? != meta
    {
        return Err(CoreError::Scheme {
            scheme: scheme.name().into(),
            msg: "the decoded clip differs in length or format from the source".into(),
        });
    }
    Ok(VideoOutcome {
        accounting: Accounting {
            channel_uses: uses as u64,
            channel_use_kind: kind,
            payload_bits: enc.payload_bits,
            side_bits: enc.side.bits,
            source_samples: meta.samples() as u64,
            pixels: meta.pixels() as u64,
            decode_ok: dec.frame_ok.iter().all(|&ok| ok),
        },
        frames: dec.frames,
        frame_ok: dec.frame_ok,
        side: enc.side,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChannelModel;
    use crate::{Complex32, Ratio};

    /// Sends every frame's samples as one block of real-valued symbols (scaled to P ≤ 1) and
    /// rebuilds the frames from what comes back: a pass-through video scheme.
    struct Raw;
    impl VideoScheme for Raw {
        fn name(&self) -> &str {
            "raw"
        }
        fn encode(
            &self,
            clip: &[Image],
            _: &Budget,
            _: &LinkInfo,
            _: &mut SemRng,
        ) -> Result<EncodedClip> {
            Ok(EncodedClip {
                blocks: clip
                    .iter()
                    .map(|f| {
                        Payload::Symbols(f.data().iter().map(|&v| Complex32::new(v, 0.0)).collect())
                    })
                    .collect(),
                side: SideInfo::from_bytes(vec![]),
                payload_bits: 0,
            })
        }
        fn decode(
            &self,
            rx: &[Received],
            _: &SideInfo,
            m: &ClipMeta,
            _: &LinkInfo,
        ) -> Result<DecodedClip> {
            let frames = rx
                .iter()
                .map(|r| match r {
                    Received::Symbols { y, .. } => {
                        let v: Vec<f32> = y.iter().map(|c| c.re).collect();
                        Image::from_planar(m.width, m.height, m.channels, v)
                    }
                    Received::Bits(_) => unreachable!(),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(DecodedClip {
                frame_ok: vec![true; frames.len()],
                frames,
            })
        }
    }

    /// Counts channel calls; passes symbols through.
    struct Counting(std::sync::atomic::AtomicUsize);
    impl ChannelModel for Counting {
        fn name(&self) -> String {
            "counting".into()
        }
        fn transmit_symbols(&self, x: &[Complex32], _: f64, _: &mut SemRng) -> Result<Received> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Received::Symbols {
                y: x.to_vec(),
                csi: vec![],
                noise_var: vec![0.0],
            })
        }
    }

    fn clip(frames: usize) -> Vec<Image> {
        (0..frames)
            .map(|t| {
                let v = (0..8 * 6).map(|i| ((i + t) % 7) as f32 / 7.0).collect();
                Image::from_planar(8, 6, 1, v).unwrap()
            })
            .collect()
    }

    #[test]
    fn one_channel_call_per_block_and_clip_accounting() {
        let ch = Counting(Default::default());
        let link = Link {
            channel: &ch,
            snr_db: 10.0,
            seed: 3,
        };
        let c = clip(5);
        let out = run_video_chain(
            &Raw,
            &c,
            &Budget::cbr(Ratio::new(1, 1).unwrap()).unwrap(),
            &link,
        )
        .unwrap();
        assert_eq!(ch.0.load(std::sync::atomic::Ordering::SeqCst), 5);
        assert_eq!(out.accounting.channel_uses, 5 * 48);
        assert_eq!(out.accounting.source_samples, 5 * 48);
        assert_eq!(out.accounting.pixels, 5 * 48);
        assert!(out.accounting.decode_ok);
        assert_eq!(out.frames, c);
        // Half the uses: the chain refuses the clip.
        let half = Budget::cbr(Ratio::new(1, 2).unwrap()).unwrap();
        assert!(run_video_chain(&Raw, &c, &half, &link).is_err());
    }

    #[test]
    fn clip_meta_rejects_empty_and_mixed_clips() {
        assert!(ClipMeta::of(&[]).is_err());
        let mut c = clip(3);
        c.push(Image::from_planar(4, 4, 1, vec![0.0; 16]).unwrap());
        assert!(ClipMeta::of(&c).is_err());
        let m = ClipMeta::of(&clip(4)).unwrap();
        assert_eq!((m.samples(), m.pixels()), (4 * 48, 4 * 48));
        let big = ClipMeta {
            frames: 1024,
            width: 512,
            height: 512,
            channels: 1,
        };
        assert!(big.check_size().is_ok()); // exactly 2^28
        assert!(ClipMeta {
            frames: 4097,
            ..big
        }
        .check_size()
        .is_err());
        assert!(ClipMeta {
            frames: usize::MAX,
            ..big
        }
        .check_size()
        .is_err());
    }
}
