//! H.264/AVC (ITU-T H.264, Constrained Baseline profile) for clips of frames with Cisco's
//! OpenH264 (built from source). Rate control: OpenH264's bitrate mode at a target bitrate
//! (bits per second at a frame rate); the stream is Annex B (start-code delimited NAL units).
//! Frames with odd sides are padded by edge replication to even sides (4:2:0) and cropped
//! back on decoding when the caller passes the original size.

use crate::guard::check_dims;
use crate::{CodecError, Result, MAX_DECODE_PIXELS};
use openh264::decoder::{Decoder, DecoderConfig};
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode,
};
use openh264::formats::{RgbSliceU8, YUVBuffer, YUVSource};
use openh264::OpenH264API;
use semcom_core::Image;

const NAME: &str = "h264";

/// Longest clip accepted by the decoder (frames), to bound its output allocation.
pub const MAX_FRAMES: usize = 100_000;
/// Most decoded samples (frames × planes × pixels) a clip may produce: 2^28 (1 GiB of f32).
/// A corrupt stream of many tiny NAL units cannot make the decoder allocate more.
pub const MAX_CLIP_SAMPLES: usize = 1 << 28;
/// Lowest target bitrate the rate search tries (bits per second).
pub const MIN_BITRATE_BPS: u32 = 1_000;
/// Highest target bitrate the rate search tries (bits per second).
pub const MAX_BITRATE_BPS: u32 = 200_000_000;

/// H.264 clip codec.
#[derive(Clone, Copy, Debug)]
pub struct H264 {
    /// Frames per second of the clip (sets the per-frame bit budget of the rate control).
    pub fps: f32,
    /// Distance between IDR frames (0 = only the first frame is intra).
    pub intra_period: u32,
}

impl Default for H264 {
    fn default() -> Self {
        Self {
            fps: 25.0,
            intra_period: 0,
        }
    }
}

impl crate::rate::Stream for EncodedClip {
    fn byte_len(&self) -> usize {
        self.bytes.len()
    }
}

/// An encoded clip.
#[derive(Clone, Debug)]
pub struct EncodedClip {
    /// Annex B byte stream.
    pub bytes: Vec<u8>,
    /// Number of frames.
    pub frames: usize,
    /// Achieved bitrate in bits per second: bytes·8·fps/frames.
    pub bitrate_bps: f64,
    /// Achieved bits per pixel over the clip: bytes·8/(frames·H·W).
    pub bpp: f64,
    /// Bytes of each frame's access unit, in order (they sum to `bytes.len()`).
    pub frame_bytes: Vec<usize>,
}

impl H264 {
    /// Encodes `frames` (all of one size; grey or RGB) at a target bitrate in bits per second.
    pub fn encode_clip(&self, frames: &[Image], bitrate_bps: u32) -> Result<EncodedClip> {
        let first = frames
            .first()
            .ok_or_else(|| CodecError::enc(NAME, "empty clip"))?;
        let (w0, h0) = (first.width(), first.height());
        if !(self.fps.is_finite() && self.fps > 0.0) || bitrate_bps == 0 {
            return Err(CodecError::InvalidTarget(format!(
                "{bitrate_bps} bps at {} fps",
                self.fps
            )));
        }
        let cfg = EncoderConfig::new()
            .bitrate(BitRate::from_bps(bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(self.fps))
            .rate_control_mode(RateControlMode::Bitrate)
            .skip_frames(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(self.intra_period));
        let mut enc = Encoder::with_api_config(OpenH264API::from_source(), cfg)
            .map_err(|e| CodecError::enc(NAME, e.to_string()))?;
        let mut bytes = Vec::new();
        let mut frame_bytes = Vec::with_capacity(frames.len());
        for (i, f) in frames.iter().enumerate() {
            if f.width() != w0 || f.height() != h0 {
                return Err(CodecError::enc(NAME, format!("frame {i} has another size")));
            }
            let p = f.pad_to_multiple(2);
            let (w, h) = (p.width(), p.height());
            let yuv = if p.channels() == 3 {
                let rgb = p.to_interleaved_u8();
                YUVBuffer::from_rgb_source(RgbSliceU8::new(&rgb, (w, h)))
            } else {
                let mut v = p.to_interleaved_u8();
                v.resize(w * h * 3 / 2, 128);
                YUVBuffer::from_vec(v, w, h)
            };
            let ts = openh264::Timestamp::from_millis((i as f64 * 1000.0 / self.fps as f64) as u64);
            // The first call initialises OpenH264, which warns on stderr about frame skipping
            // before its trace level can be set: silence that one call.
            let bs = if i == 0 {
                without_stderr(|| enc.encode_at(&yuv, ts))
            } else {
                enc.encode_at(&yuv, ts)
            }
            .map_err(|e| CodecError::enc(NAME, e.to_string()))?;
            let before = bytes.len();
            bs.write_vec(&mut bytes);
            frame_bytes.push(bytes.len() - before);
        }
        let n = frames.len();
        let bits = bytes.len() as f64 * 8.0;
        Ok(EncodedClip {
            frames: n,
            bitrate_bps: bits * self.fps as f64 / n as f64,
            bpp: bits / (n * w0 * h0) as f64,
            bytes,
            frame_bytes,
        })
    }

    /// Encodes the clip to the largest stream of at most `max_bytes` bytes: OpenH264's
    /// bitrate mode, its target bitrate searched by [`crate::rate::fit_max_bytes`] (first
    /// probe: `max_bytes`·8·fps/frames). [`CodecError::BudgetTooSmall`] when even
    /// [`MIN_BITRATE_BPS`] does not fit.
    pub fn encode_clip_max_bytes(&self, frames: &[Image], max_bytes: usize) -> Result<EncodedClip> {
        let fps = self.fps as f64;
        let start = max_bytes as f64 * 8.0 * fps / frames.len().max(1) as f64;
        let knob = crate::rate::Knob {
            lo: MIN_BITRATE_BPS as f64,
            hi: MAX_BITRATE_BPS as f64,
            integer: false,
            steps: 10,
        };
        crate::rate::fit_max_bytes(NAME, max_bytes, knob, Some(start), |bps| {
            self.encode_clip(frames, bps.round() as u32)
        })
    }

    /// Decodes an Annex B stream to frames with `channels` planes (1 = the luma plane,
    /// 3 = RGB), cropped to `size` = (width, height) when given. Never panics on corrupt input;
    /// undecodable NAL units are skipped (degraded output), a stream with no frame is an error,
    /// and so is one whose frames exceed [`MAX_CLIP_SAMPLES`] in all.
    pub fn decode_clip(
        &self,
        bytes: &[u8],
        channels: usize,
        size: Option<(usize, usize)>,
    ) -> Result<Vec<Image>> {
        let mut dec = Decoder::with_api_config(OpenH264API::from_source(), DecoderConfig::new())
            .map_err(|e| CodecError::dec(NAME, e.to_string()))?;
        let mut out: Vec<Image> = Vec::new();
        let mut samples = 0usize;
        let mut push = |img: Image, out: &mut Vec<Image>| -> Result<()> {
            samples += img.samples();
            if samples > MAX_CLIP_SAMPLES {
                return Err(CodecError::dec(
                    NAME,
                    "decoded clip exceeds the sample limit",
                ));
            }
            out.push(img);
            Ok(())
        };
        for nal in openh264::nal_units(bytes) {
            if out.len() >= MAX_FRAMES {
                break;
            }
            if let Ok(Some(yuv)) = dec.decode(nal) {
                push(yuv_to_image(&yuv, channels, size)?, &mut out)?;
            }
        }
        if let Ok(rest) = dec.flush_remaining() {
            for yuv in rest.iter().take(MAX_FRAMES.saturating_sub(out.len())) {
                push(yuv_to_image(yuv, channels, size)?, &mut out)?;
            }
        }
        if out.is_empty() {
            return Err(CodecError::dec(NAME, "no frame decoded"));
        }
        Ok(out)
    }
}

/// A decoder fed one access unit (frame) at a time, for receivers that lose frames: a frame
/// that is skipped leaves the decoder's references as they were (later P frames then predict
/// from an older picture, the drift of a real decoder after a loss).
pub struct FrameDecoder {
    dec: Decoder,
    channels: usize,
    size: Option<(usize, usize)>,
}

impl FrameDecoder {
    /// A decoder producing `channels` planes (1 = luma, 3 = RGB), cropped to `size`.
    pub fn new(channels: usize, size: Option<(usize, usize)>) -> Result<Self> {
        let dec = Decoder::with_api_config(OpenH264API::from_source(), DecoderConfig::new())
            .map_err(|e| CodecError::dec(NAME, e.to_string()))?;
        Ok(Self {
            dec,
            channels,
            size,
        })
    }

    /// Decodes one access unit (Annex B bytes): the picture it completes, if any. Corrupt
    /// NAL units are skipped; never panics.
    pub fn decode_frame(&mut self, bytes: &[u8]) -> Result<Option<Image>> {
        let mut last = None;
        for nal in openh264::nal_units(bytes) {
            if let Ok(Some(yuv)) = self.dec.decode(nal) {
                last = Some(yuv_to_image(&yuv, self.channels, self.size)?);
            }
        }
        Ok(last)
    }
}

fn yuv_to_image(
    yuv: &impl YUVSource,
    channels: usize,
    size: Option<(usize, usize)>,
) -> Result<Image> {
    let (w, h) = yuv.dimensions();
    check_dims(NAME, w, h)?;
    if w * h > MAX_DECODE_PIXELS {
        return Err(CodecError::dec(NAME, "frame too large"));
    }
    let img = if channels == 1 {
        let (ys, _, _) = yuv.strides();
        let y = yuv.y();
        if ys < w || y.len() < ys * (h - 1) + w {
            return Err(CodecError::dec(NAME, "bad luma plane"));
        }
        let buf: Vec<u8> = (0..h)
            .flat_map(|r| y[r * ys..r * ys + w].iter().copied())
            .collect();
        Image::from_interleaved_u8(w, h, 1, &buf)?
    } else {
        let mut buf = vec![0u8; w * h * 3];
        yuv_rgb(yuv, &mut buf);
        Image::from_interleaved_u8(w, h, 3, &buf)?
    };
    match size {
        Some((cw, ch)) if cw <= w && ch <= h && (cw, ch) != (w, h) => Ok(img.crop(0, 0, cw, ch)?),
        _ => Ok(img),
    }
}

/// Runs `f` with file descriptor 2 pointed at /dev/null (serialised by a lock; other threads'
/// stderr output during the call is lost too). Falls back to plain `f()` if redirection fails.
fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    // SAFETY: plain fd syscalls on descriptors this function owns; fd 2 is restored below.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        let saved = libc::dup(2);
        if null < 0 || saved < 0 {
            for fd in [null, saved] {
                if fd >= 0 {
                    libc::close(fd);
                }
            }
            return f();
        }
        libc::dup2(null, 2);
        libc::close(null);
        let out = f();
        libc::dup2(saved, 2);
        libc::close(saved);
        out
    }
}

/// BT.601 limited-range Y′CbCr 4:2:0 → RGB8 (the inverse of OpenH264's RGB→YUV).
fn yuv_rgb(yuv: &impl YUVSource, out: &mut [u8]) {
    let (w, h) = yuv.dimensions();
    let (ys, us, vs) = yuv.strides();
    let (y, u, v) = (yuv.y(), yuv.u(), yuv.v());
    for r in 0..h {
        for c in 0..w {
            let yv = *y.get(r * ys + c).unwrap_or(&16) as f32;
            let uv = *u.get((r / 2) * us + c / 2).unwrap_or(&128) as f32 - 128.0;
            let vv = *v.get((r / 2) * vs + c / 2).unwrap_or(&128) as f32 - 128.0;
            let yf = 1.164 * (yv - 16.0);
            let px = [
                yf + 1.596 * vv,
                yf - 0.392 * uv - 0.813 * vv,
                yf + 2.017 * uv,
            ];
            for k in 0..3 {
                out[(r * w + c) * 3 + k] = px[k].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}
