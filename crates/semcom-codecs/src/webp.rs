//! WebP lossy (VP8 key frame in a RIFF container, RFC 9649) with libwebp: 4:2:0 YUV, method 4.
//! Byte/BPP targets use libwebp's own rate control (`target_size`, multi-pass) first and are
//! then refined by bisection on the quality factor.

use crate::guard::check_dims;
use crate::rate::{fit_max_bytes, Knob, RateTarget};
use crate::{CodecError, ImageCodec, Result};
use libwebp_sys as w;
use semcom_core::Image;

const NAME: &str = "webp";

/// WebP codec (libwebp). Grey images are coded as RGB and decoded as RGB.
#[derive(Clone, Copy, Debug)]
pub struct WebP {
    /// libwebp effort 0 (fast) – 6 (slowest, best).
    pub method: i32,
}

impl Default for WebP {
    fn default() -> Self {
        Self { method: 4 }
    }
}

impl WebP {
    /// Encodes at quality `q` (0–100), or at libwebp's `target_size` when `target` is set.
    fn encode_with(&self, img: &Image, q: f32, target: Option<usize>) -> Result<Vec<u8>> {
        let rgb = img.to_rgb().to_interleaved_u8();
        let (wd, ht) = (img.width() as i32, img.height() as i32);
        let mut cfg = w::WebPConfig::new_with_preset(w::WebPPreset::WEBP_PRESET_DEFAULT, q)
            .map_err(|_| CodecError::enc(NAME, "WebPConfigInit failed"))?;
        cfg.method = self.method;
        if let Some(t) = target {
            cfg.target_size = t.min(i32::MAX as usize) as i32;
            cfg.pass = 6;
        }
        // SAFETY: the config/picture are initialised by libwebp; the RGB buffer holds
        // width·height·3 bytes with stride 3·width; the memory writer is freed below.
        unsafe {
            if w::WebPValidateConfig(&cfg) == 0 {
                return Err(CodecError::enc(NAME, "invalid config"));
            }
            let mut pic = w::WebPPicture::new()
                .map_err(|_| CodecError::enc(NAME, "WebPPictureInit failed"))?;
            pic.width = wd;
            pic.height = ht;
            let mut wr: w::WebPMemoryWriter = std::mem::zeroed();
            w::WebPMemoryWriterInit(&mut wr);
            pic.writer = Some(w::WebPMemoryWrite);
            pic.custom_ptr = &mut wr as *mut _ as *mut std::ffi::c_void;
            let ok = w::WebPPictureImportRGB(&mut pic, rgb.as_ptr(), 3 * wd) != 0
                && w::WebPEncode(&cfg, &mut pic) != 0;
            let err = pic.error_code;
            w::WebPPictureFree(&mut pic);
            let out = if ok && !wr.mem.is_null() {
                Ok(std::slice::from_raw_parts(wr.mem, wr.size).to_vec())
            } else {
                Err(CodecError::enc(NAME, format!("{err:?}")))
            };
            w::WebPMemoryWriterClear(&mut wr);
            out
        }
    }
}

impl ImageCodec for WebP {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, img: &Image, target: RateTarget) -> Result<Vec<u8>> {
        match target.max_bytes(img.pixels())? {
            None => {
                let RateTarget::Quality(q) = target else {
                    unreachable!()
                };
                self.encode_with(img, RateTarget::check_quality(q, 0.0, 100.0)?, None)
            }
            Some(n) => {
                // libwebp's own rate control first; it may overshoot slightly.
                let native = self.encode_with(img, 75.0, Some(n))?;
                let knob = Knob {
                    lo: 0.0,
                    hi: 100.0,
                    integer: false,
                    steps: 8,
                };
                let refined = fit_max_bytes(NAME, n, knob, None, |q| {
                    self.encode_with(img, q as f32, None)
                });
                match refined {
                    Ok(r) if native.len() <= n && native.len() >= r.len() => Ok(native),
                    Ok(r) => Ok(r),
                    Err(e) if native.len() <= n => {
                        let _ = e;
                        Ok(native)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    fn decode(&self, bytes: &[u8]) -> Result<Image> {
        let (mut wd, mut ht) = (0i32, 0i32);
        // SAFETY: libwebp validates the stream; the output buffer is allocated here with the
        // exact size libwebp writes (height · stride) after the header's size was checked.
        unsafe {
            if w::WebPGetInfo(bytes.as_ptr(), bytes.len(), &mut wd, &mut ht) == 0 {
                return Err(CodecError::dec(NAME, "not a WebP stream"));
            }
            check_dims(NAME, wd.max(0) as usize, ht.max(0) as usize)?;
            let (wu, hu) = (wd as usize, ht as usize);
            let mut buf = vec![0u8; wu * hu * 3];
            let r = w::WebPDecodeRGBInto(
                bytes.as_ptr(),
                bytes.len(),
                buf.as_mut_ptr(),
                buf.len(),
                3 * wd,
            );
            if r.is_null() {
                return Err(CodecError::dec(NAME, "corrupt stream"));
            }
            Ok(Image::from_interleaved_u8(wu, hu, 3, &buf)?)
        }
    }
}
