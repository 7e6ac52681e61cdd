//! HEVC intra (ITU-T H.265 Main/RExt still picture in HEIF, ISO/IEC 23008-12): the
//! BPG-class codec. x265 encodes (4:4:4 chroma, like `bpgenc -f 444`), libde265 decodes,
//! both through libheif's C API. Behind cargo feature `hevc`; needs the Debian packages
//! `libheif-dev` (which pulls `libheif1`, `libx265-199`, `libde265-0`). Byte/BPP targets:
//! bisection on libheif's quality (0–100, mapped by the x265 plugin to the CRF).
//! The decoder runs in a forked child (see [`crate::guard`]) since libde265 is C code.

use crate::guard::{check_dims, isolated};
use crate::rate::{encode_by_quality, Knob, RateTarget};
use crate::{CodecError, ImageCodec, Result};
use semcom_core::Image;
use std::ffi::{c_char, c_int, c_void, CStr};

const NAME: &str = "hevc";

#[repr(C)]
struct HeifError {
    code: c_int,
    subcode: c_int,
    message: *const c_char,
}

#[repr(C)]
struct HeifWriter {
    writer_api_version: c_int,
    write: unsafe extern "C" fn(*mut c_void, *const c_void, usize, *mut c_void) -> HeifError,
}

const HEIF_COMPRESSION_HEVC: c_int = 1;
const HEIF_COLORSPACE_RGB: c_int = 1;
const HEIF_CHROMA_INTERLEAVED_RGB: c_int = 10;
const HEIF_CHANNEL_INTERLEAVED: c_int = 10;

#[link(name = "heif")]
extern "C" {
    fn heif_context_alloc() -> *mut c_void;
    fn heif_context_free(ctx: *mut c_void);
    fn heif_context_get_encoder_for_format(
        ctx: *mut c_void,
        format: c_int,
        enc: *mut *mut c_void,
    ) -> HeifError;
    fn heif_encoder_set_lossy_quality(enc: *mut c_void, q: c_int) -> HeifError;
    fn heif_encoder_set_parameter_string(
        enc: *mut c_void,
        name: *const c_char,
        value: *const c_char,
    ) -> HeifError;
    fn heif_encoder_release(enc: *mut c_void);
    fn heif_image_create(
        w: c_int,
        h: c_int,
        cs: c_int,
        chroma: c_int,
        out: *mut *mut c_void,
    ) -> HeifError;
    fn heif_image_add_plane(
        img: *mut c_void,
        ch: c_int,
        w: c_int,
        h: c_int,
        depth: c_int,
    ) -> HeifError;
    fn heif_image_get_plane(img: *mut c_void, ch: c_int, stride: *mut c_int) -> *mut u8;
    fn heif_image_get_plane_readonly(
        img: *const c_void,
        ch: c_int,
        stride: *mut c_int,
    ) -> *const u8;
    fn heif_image_release(img: *const c_void);
    fn heif_context_encode_image(
        ctx: *mut c_void,
        img: *const c_void,
        enc: *mut c_void,
        opts: *const c_void,
        handle: *mut *mut c_void,
    ) -> HeifError;
    fn heif_context_write(ctx: *mut c_void, w: *mut HeifWriter, user: *mut c_void) -> HeifError;
    fn heif_context_read_from_memory_without_copy(
        ctx: *mut c_void,
        mem: *const c_void,
        n: usize,
        o: *const c_void,
    ) -> HeifError;
    fn heif_context_get_primary_image_handle(ctx: *mut c_void, h: *mut *mut c_void) -> HeifError;
    fn heif_image_handle_get_width(h: *const c_void) -> c_int;
    fn heif_image_handle_get_height(h: *const c_void) -> c_int;
    fn heif_image_handle_release(h: *const c_void);
    fn heif_decode_image(
        h: *const c_void,
        out: *mut *mut c_void,
        cs: c_int,
        chroma: c_int,
        o: *const c_void,
    ) -> HeifError;
}

fn check(e: HeifError, what: &str, dec: bool) -> Result<()> {
    if e.code == 0 {
        return Ok(());
    }
    // SAFETY: libheif documents `message` as always defined (a static string).
    let m = if e.message.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(e.message) }
            .to_string_lossy()
            .into_owned()
    };
    let msg = format!("{what}: {m}");
    Err(if dec {
        CodecError::dec(NAME, msg)
    } else {
        CodecError::enc(NAME, msg)
    })
}

unsafe extern "C" fn write_vec(
    _ctx: *mut c_void,
    data: *const c_void,
    n: usize,
    user: *mut c_void,
) -> HeifError {
    let v = &mut *(user as *mut Vec<u8>);
    v.extend_from_slice(std::slice::from_raw_parts(data as *const u8, n));
    HeifError {
        code: 0,
        subcode: 0,
        message: c"ok".as_ptr(),
    }
}

/// Frees libheif objects on drop.
#[derive(Default)]
struct Objs {
    ctx: Option<*mut c_void>,
    enc: Option<*mut c_void>,
    img: Option<*mut c_void>,
    handle: Option<*mut c_void>,
}

impl Drop for Objs {
    fn drop(&mut self) {
        // SAFETY: every pointer was returned by the matching libheif allocation.
        unsafe {
            if let Some(h) = self.handle {
                heif_image_handle_release(h);
            }
            if let Some(i) = self.img {
                heif_image_release(i);
            }
            if let Some(e) = self.enc {
                heif_encoder_release(e);
            }
            if let Some(c) = self.ctx {
                heif_context_free(c);
            }
        }
    }
}

/// HEVC-intra (BPG-class) codec through libheif + x265 + libde265.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hevc;

impl Hevc {
    /// Encodes at libheif quality `q` (0–100), 4:4:4.
    pub fn encode_quality(&self, img: &Image, q: i32) -> Result<Vec<u8>> {
        let rgb = img.to_rgb().to_interleaved_u8();
        let (w, h) = (img.width(), img.height());
        let mut o = Objs::default();
        let mut out = Vec::new();
        // SAFETY: libheif C API; plane writes stay within `stride·h` bytes it reports.
        unsafe {
            let ctx = heif_context_alloc();
            if ctx.is_null() {
                return Err(CodecError::enc(NAME, "heif_context_alloc failed"));
            }
            o.ctx = Some(ctx);
            let mut enc = std::ptr::null_mut();
            check(
                heif_context_get_encoder_for_format(ctx, HEIF_COMPRESSION_HEVC, &mut enc),
                "no HEVC encoder",
                false,
            )?;
            o.enc = Some(enc);
            check(
                heif_encoder_set_lossy_quality(enc, q.clamp(0, 100)),
                "quality",
                false,
            )?;
            // 4:4:4 like BPG's `-f 444`; ignored by plugins that do not know it.
            let _ = heif_encoder_set_parameter_string(enc, c"chroma".as_ptr(), c"444".as_ptr());
            let mut im = std::ptr::null_mut();
            check(
                heif_image_create(
                    w as c_int,
                    h as c_int,
                    HEIF_COLORSPACE_RGB,
                    HEIF_CHROMA_INTERLEAVED_RGB,
                    &mut im,
                ),
                "image",
                false,
            )?;
            o.img = Some(im);
            check(
                heif_image_add_plane(im, HEIF_CHANNEL_INTERLEAVED, w as c_int, h as c_int, 8),
                "plane",
                false,
            )?;
            let mut stride = 0;
            let p = heif_image_get_plane(im, HEIF_CHANNEL_INTERLEAVED, &mut stride);
            if p.is_null() || (stride as usize) < 3 * w {
                return Err(CodecError::enc(NAME, "no image plane"));
            }
            for r in 0..h {
                std::ptr::copy_nonoverlapping(
                    rgb[r * 3 * w..].as_ptr(),
                    p.add(r * stride as usize),
                    3 * w,
                );
            }
            let mut handle = std::ptr::null_mut();
            check(
                heif_context_encode_image(ctx, im, enc, std::ptr::null(), &mut handle),
                "encode",
                false,
            )?;
            o.handle = Some(handle);
            let mut wr = HeifWriter {
                writer_api_version: 1,
                write: write_vec,
            };
            check(
                heif_context_write(ctx, &mut wr, &mut out as *mut Vec<u8> as *mut c_void),
                "write",
                false,
            )?;
        }
        Ok(out)
    }
}

impl ImageCodec for Hevc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, img: &Image, target: RateTarget) -> Result<Vec<u8>> {
        let knob = Knob {
            lo: 0.0,
            hi: 100.0,
            integer: true,
            steps: 0,
        };
        let guess = |bpp: f64| (55.0 + 15.0 * bpp.log2()).clamp(5.0, 95.0);
        encode_by_quality(NAME, img.pixels(), target, knob, guess, |q| {
            self.encode_quality(img, q.round() as i32)
        })
    }

    fn decode(&self, bytes: &[u8]) -> Result<Image> {
        isolated(NAME, || {
            let mut o = Objs::default();
            // SAFETY: libheif C API; the size is checked before decoding, and plane reads
            // stay within `stride·h` bytes.
            unsafe {
                let ctx = heif_context_alloc();
                if ctx.is_null() {
                    return Err(CodecError::dec(NAME, "heif_context_alloc failed"));
                }
                o.ctx = Some(ctx);
                check(
                    heif_context_read_from_memory_without_copy(
                        ctx,
                        bytes.as_ptr() as *const c_void,
                        bytes.len(),
                        std::ptr::null(),
                    ),
                    "read",
                    true,
                )?;
                let mut handle = std::ptr::null_mut();
                check(
                    heif_context_get_primary_image_handle(ctx, &mut handle),
                    "primary image",
                    true,
                )?;
                o.handle = Some(handle);
                let (w, h) = (
                    heif_image_handle_get_width(handle).max(0) as usize,
                    heif_image_handle_get_height(handle).max(0) as usize,
                );
                check_dims(NAME, w, h)?;
                let mut im = std::ptr::null_mut();
                check(
                    heif_decode_image(
                        handle,
                        &mut im,
                        HEIF_COLORSPACE_RGB,
                        HEIF_CHROMA_INTERLEAVED_RGB,
                        std::ptr::null(),
                    ),
                    "decode",
                    true,
                )?;
                o.img = Some(im);
                let mut stride = 0;
                let p = heif_image_get_plane_readonly(im, HEIF_CHANNEL_INTERLEAVED, &mut stride);
                if p.is_null() || (stride as usize) < 3 * w {
                    return Err(CodecError::dec(NAME, "no decoded plane"));
                }
                let mut buf = Vec::with_capacity(3 * w * h);
                for r in 0..h {
                    buf.extend_from_slice(std::slice::from_raw_parts(
                        p.add(r * stride as usize),
                        3 * w,
                    ));
                }
                Ok(Image::from_interleaved_u8(w, h, 3, &buf)?)
            }
        })
    }
}
