//! AVIF (AV1 Image File Format, AOM AVIF v1.1): one AV1 intra frame (AV1 spec, 8-bit 4:4:4,
//! BT.601 full range) in a HEIF container. Encoder: ravif/rav1e; container parser: avif-parse;
//! decoder: rav1d (the Rust port of dav1d). Byte/BPP targets: bisection on quality.
//!
//! rav1d exposes only the dav1d C API (`extern "C"`), and a panic inside it aborts the
//! process (found by the mutation test), so on Linux the decoder runs in a forked child with
//! a time limit and sends the pixels back through a pipe.

use crate::guard::{check_dims, isolated};
use crate::rate::{encode_by_quality, Knob, RateTarget};
use crate::yuv::{to_rgb8, Matrix, Planes};
use crate::{CodecError, ImageCodec, Result, MAX_DECODE_PIXELS};
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers as hdr;
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib as dav1d;
use semcom_core::Image;
use std::ptr::NonNull;

const NAME: &str = "avif";

/// AVIF codec (rav1e encoder at `speed`, rav1d decoder).
#[derive(Clone, Copy, Debug)]
pub struct Avif {
    /// rav1e speed preset 1 (slowest, best) – 10 (fastest).
    pub speed: u8,
}

impl Default for Avif {
    fn default() -> Self {
        Self { speed: 6 }
    }
}

impl Avif {
    /// Encodes at ravif quality `q` (1–100); grey images are coded as RGB.
    pub fn encode_quality(&self, img: &Image, q: f32) -> Result<Vec<u8>> {
        let buf = img.to_rgb().to_interleaved_u8();
        let px: Vec<ravif::RGB8> = buf
            .chunks_exact(3)
            .map(|c| ravif::RGB8::new(c[0], c[1], c[2]))
            .collect();
        let enc = ravif::Encoder::new()
            .with_quality(q)
            .with_speed(self.speed)
            .with_bit_depth(ravif::BitDepth::Eight)
            .with_num_threads(Some(1));
        let out = enc
            .encode_rgb(ravif::Img::new(&px[..], img.width(), img.height()))
            .map_err(|e| CodecError::enc(NAME, e.to_string()))?;
        Ok(out.avif_file)
    }
}

impl ImageCodec for Avif {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, img: &Image, target: RateTarget) -> Result<Vec<u8>> {
        let knob = Knob {
            lo: 1.0,
            hi: 100.0,
            integer: true,
            steps: 0,
        };
        let guess = |bpp: f64| (45.0 + 30.0 * bpp.log2()).clamp(5.0, 95.0);
        encode_by_quality(NAME, img.pixels(), target, knob, guess, |q| {
            self.encode_quality(img, q as f32)
        })
    }

    /// Decodes in a forked child process (see the module doc): rav1d can panic inside its
    /// `extern "C"` API on corrupt streams, which would abort the whole process.
    fn decode(&self, bytes: &[u8]) -> Result<Image> {
        isolated(NAME, || {
            let d = avif_parse::read_avif(&mut &bytes[..])
                .map_err(|e| CodecError::dec(NAME, e.to_string()))?;
            let meta = d
                .primary_item_metadata()
                .map_err(|e| CodecError::dec(NAME, e.to_string()))?;
            check_dims(
                NAME,
                meta.max_frame_width.get() as usize,
                meta.max_frame_height.get() as usize,
            )?;
            if meta.bit_depth != 8 {
                return Err(CodecError::dec(
                    NAME,
                    format!("{}-bit AV1 not supported", meta.bit_depth),
                ));
            }
            decode_av1(&d.primary_item)
        })
    }
}

/// Owns a rav1d context, data and picture; releases them on drop.
struct Dec {
    ctx: Option<Dav1dContext>,
    data: Dav1dData,
    pic: Dav1dPicture,
}

impl Drop for Dec {
    fn drop(&mut self) {
        // SAFETY: the pointers come from the matching dav1d calls (unref of empty data or an
        // empty picture is a no-op).
        unsafe {
            dav1d::dav1d_picture_unref(Some(NonNull::from(&mut self.pic)));
            dav1d::dav1d_data_unref(Some(NonNull::from(&mut self.data)));
            if self.ctx.is_some() {
                dav1d::dav1d_close(Some(NonNull::from(&mut self.ctx)));
            }
        }
    }
}

/// Decodes one AV1 frame (OBU stream) to RGB (or grey for a monochrome stream) with rav1d,
/// single-threaded, with a frame-size limit of [`MAX_DECODE_PIXELS`].
pub(crate) fn decode_av1(obus: &[u8]) -> Result<Image> {
    let eagain = -(libc_eagain());
    let mut d = Dec {
        ctx: None,
        data: Dav1dData::default(),
        pic: Dav1dPicture::default(),
    };
    // SAFETY: standard dav1d C API usage; buffers are owned by `d` and released on drop.
    unsafe {
        let mut s = std::mem::MaybeUninit::<Dav1dSettings>::zeroed();
        dav1d::dav1d_default_settings(NonNull::new_unchecked(s.as_mut_ptr()));
        let mut s = s.assume_init();
        s.n_threads = 1;
        s.max_frame_delay = 1;
        s.frame_size_limit = MAX_DECODE_PIXELS as u32;
        if dav1d::dav1d_open(Some(NonNull::from(&mut d.ctx)), Some(NonNull::from(&mut s))).0 != 0 {
            return Err(CodecError::dec(NAME, "dav1d_open failed"));
        }
        if obus.is_empty() {
            return Err(CodecError::dec(NAME, "empty AV1 payload"));
        }
        let p = dav1d::dav1d_data_create(Some(NonNull::from(&mut d.data)), obus.len());
        if p.is_null() {
            return Err(CodecError::dec(NAME, "dav1d_data_create failed"));
        }
        std::ptr::copy_nonoverlapping(obus.as_ptr(), p, obus.len());
        let mut got = false;
        for _ in 0..64 {
            if d.data.sz > 0 {
                let r = dav1d::dav1d_send_data(d.ctx, Some(NonNull::from(&mut d.data))).0;
                if r != 0 && r != eagain {
                    return Err(CodecError::dec(NAME, format!("send_data error {r}")));
                }
            }
            let r = dav1d::dav1d_get_picture(d.ctx, Some(NonNull::from(&mut d.pic))).0;
            if r == 0 {
                got = true;
                break;
            }
            if r != eagain || d.data.sz == 0 {
                break;
            }
        }
        if !got {
            return Err(CodecError::dec(NAME, "no picture decoded"));
        }
        picture_to_image(&d.pic)
    }
}

fn libc_eagain() -> i32 {
    11 // EAGAIN on Linux
}

/// Converts a decoded 8-bit picture to an [`Image`].
unsafe fn picture_to_image(pic: &Dav1dPicture) -> Result<Image> {
    let (w, h) = (pic.p.w.max(0) as usize, pic.p.h.max(0) as usize);
    check_dims(NAME, w, h)?;
    if pic.p.bpc != 8 {
        return Err(CodecError::dec(NAME, "only 8-bit pictures are supported"));
    }
    let (ys, uvs) = (pic.stride[0], pic.stride[1]);
    if ys < w as isize || uvs < 0 {
        return Err(CodecError::dec(NAME, "bad strides"));
    }
    let y_ptr = pic.data[0].ok_or_else(|| CodecError::dec(NAME, "no luma plane"))?;
    let y = std::slice::from_raw_parts(y_ptr.as_ptr() as *const u8, ys as usize * h);
    if pic.p.layout == hdr::DAV1D_PIXEL_LAYOUT_I400 {
        let mut buf = Vec::with_capacity(w * h);
        for r in 0..h {
            buf.extend_from_slice(&y[r * ys as usize..r * ys as usize + w]);
        }
        return Ok(Image::from_interleaved_u8(w, h, 1, &buf)?);
    }
    let (ss_x, ss_y) = match pic.p.layout {
        l if l == hdr::DAV1D_PIXEL_LAYOUT_I420 => (1, 1),
        l if l == hdr::DAV1D_PIXEL_LAYOUT_I422 => (1, 0),
        _ => (0, 0),
    };
    let ch = h.div_ceil(1 << ss_y);
    let (u_ptr, v_ptr) = match (pic.data[1], pic.data[2]) {
        (Some(u), Some(v)) => (u, v),
        _ => return Err(CodecError::dec(NAME, "missing chroma planes")),
    };
    let u = std::slice::from_raw_parts(u_ptr.as_ptr() as *const u8, uvs as usize * ch);
    let v = std::slice::from_raw_parts(v_ptr.as_ptr() as *const u8, uvs as usize * ch);
    let seq = pic
        .seq_hdr
        .ok_or_else(|| CodecError::dec(NAME, "no sequence header"))?;
    let seq = seq.as_ref();
    let m = match seq.mtrx {
        x if x == hdr::DAV1D_MC_IDENTITY => Matrix::Identity,
        x if x == hdr::DAV1D_MC_BT709 => Matrix::Bt709,
        _ => Matrix::Bt601,
    };
    let planes = Planes {
        y,
        u,
        v,
        y_stride: ys as usize,
        uv_stride: uvs as usize,
        ss_x,
        ss_y,
    };
    let rgb = to_rgb8(&planes, w, h, m, seq.color_range != 0);
    Ok(Image::from_interleaved_u8(w, h, 3, &rgb)?)
}
