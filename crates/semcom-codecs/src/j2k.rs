//! JPEG 2000 (ISO/IEC 15444-1) with OpenJPEG: irreversible 9/7 wavelet, ICT colour transform,
//! one quality layer whose rate is set by PCRD-opt rate allocation (`tcp_rates`, the
//! "true rate control through layer rates"); a raw J2K codestream (no JP2 box wrapper).
//! Byte/BPP targets start at the layer rate and are refined by bisection.

use crate::guard::check_dims;
use crate::rate::{fit_max_bytes, Knob, RateTarget};
use crate::{CodecError, ImageCodec, Result};
use openjpeg_sys as opj;
use semcom_core::Image;
use std::ffi::c_void;

const NAME: &str = "jpeg2000";

/// JPEG 2000 codec (OpenJPEG, J2K codestream).
#[derive(Clone, Copy, Debug)]
pub struct Jpeg2000 {
    /// Number of DWT resolutions (levels + 1), 6 by default (5 decomposition levels).
    pub resolutions: i32,
}

impl Default for Jpeg2000 {
    fn default() -> Self {
        Self { resolutions: 6 }
    }
}

/// How a single quality layer is sized.
#[derive(Clone, Copy, Debug)]
enum LayerMode {
    /// Compression ratio relative to the uncompressed 8-bit size (`tcp_rates`).
    Ratio(f32),
    /// Target PSNR in dB (`tcp_distoratio`, fixed-quality allocation).
    Psnr(f32),
}

impl ImageCodec for Jpeg2000 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, img: &Image, target: RateTarget) -> Result<Vec<u8>> {
        match target.max_bytes(img.pixels())? {
            None => {
                let RateTarget::Quality(q) = target else {
                    unreachable!()
                };
                self.encode_mode(
                    img,
                    LayerMode::Psnr(RateTarget::check_quality(q, 10.0, 80.0)?),
                )
            }
            Some(n) => {
                // Knob = target bpp of the layer; OpenJPEG's PCRD-opt lands at or just below it.
                let full = 8.0 * img.channels() as f64;
                let want = n as f64 * 8.0 / img.pixels() as f64;
                let knob = Knob {
                    lo: 0.005,
                    hi: full,
                    integer: false,
                    steps: 10,
                };
                fit_max_bytes(NAME, n, knob, Some(want.min(full)), |bpp| {
                    self.encode_mode(img, LayerMode::Ratio((full / bpp) as f32))
                })
            }
        }
    }

    fn decode(&self, bytes: &[u8]) -> Result<Image> {
        decode_j2k(bytes)
    }
}

/// Memory stream state shared with OpenJPEG's callbacks.
struct Mem {
    data: Vec<u8>,
    pos: usize,
}

unsafe extern "C" fn mem_read(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    let m = &mut *(user as *mut Mem);
    if m.pos >= m.data.len() {
        return usize::MAX; // (OPJ_SIZE_T)-1 = end of stream
    }
    let k = n.min(m.data.len() - m.pos);
    std::ptr::copy_nonoverlapping(m.data.as_ptr().add(m.pos), buf as *mut u8, k);
    m.pos += k;
    k
}

unsafe extern "C" fn mem_write(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    let m = &mut *(user as *mut Mem);
    let src = std::slice::from_raw_parts(buf as *const u8, n);
    let end = m.pos + n;
    if m.data.len() < end {
        m.data.resize(end, 0);
    }
    m.data[m.pos..end].copy_from_slice(src);
    m.pos = end;
    n
}

unsafe extern "C" fn mem_skip(n: i64, user: *mut c_void) -> i64 {
    let m = &mut *(user as *mut Mem);
    let new = (m.pos as i64).saturating_add(n).max(0);
    m.pos = new as usize;
    n
}

unsafe extern "C" fn mem_seek(n: i64, user: *mut c_void) -> i32 {
    let m = &mut *(user as *mut Mem);
    if n < 0 {
        return 0;
    }
    m.pos = n as usize;
    1
}

unsafe extern "C" fn quiet(_msg: *const std::os::raw::c_char, _data: *mut c_void) {}

/// Owns an OpenJPEG codec, stream and image; frees them on drop.
struct Handles {
    codec: *mut opj::opj_codec_t,
    stream: *mut opj::opj_stream_t,
    image: *mut opj::opj_image_t,
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: each pointer is either null or was created by the matching OpenJPEG call.
        unsafe {
            if !self.image.is_null() {
                opj::opj_image_destroy(self.image);
            }
            if !self.stream.is_null() {
                opj::opj_stream_destroy(self.stream);
            }
            if !self.codec.is_null() {
                opj::opj_destroy_codec(self.codec);
            }
        }
    }
}

fn make_stream(mem: &mut Mem, input: bool) -> *mut opj::opj_stream_t {
    // SAFETY: the stream only stores the callbacks and the user pointer; `mem` outlives it
    // (the caller drops `Handles` before `mem`).
    unsafe {
        let s = opj::opj_stream_create(1 << 16, input as i32);
        if s.is_null() {
            return s;
        }
        opj::opj_stream_set_read_function(s, Some(mem_read));
        opj::opj_stream_set_write_function(s, Some(mem_write));
        opj::opj_stream_set_skip_function(s, Some(mem_skip));
        opj::opj_stream_set_seek_function(s, Some(mem_seek));
        opj::opj_stream_set_user_data(s, mem as *mut Mem as *mut c_void, None);
        opj::opj_stream_set_user_data_length(s, mem.data.len() as u64);
        s
    }
}

fn silence(codec: *mut opj::opj_codec_t) {
    // SAFETY: `codec` is a valid codec handle; the handlers ignore their arguments.
    unsafe {
        opj::opj_set_info_handler(codec, Some(quiet), std::ptr::null_mut());
        opj::opj_set_warning_handler(codec, Some(quiet), std::ptr::null_mut());
        opj::opj_set_error_handler(codec, Some(quiet), std::ptr::null_mut());
    }
}

impl Jpeg2000 {
    fn encode_mode(&self, img: &Image, mode: LayerMode) -> Result<Vec<u8>> {
        let (w, h, c) = (img.width(), img.height(), img.channels());
        let mut mem = Mem {
            data: Vec::with_capacity(w * h * c / 8),
            pos: 0,
        };
        let mut hd = Handles {
            codec: std::ptr::null_mut(),
            stream: std::ptr::null_mut(),
            image: std::ptr::null_mut(),
        };
        // SAFETY: plain FFI into OpenJPEG with parameters built here; all buffers are sized
        // from the image dimensions and freed by `Handles`.
        unsafe {
            let mut cmpt: Vec<opj::opj_image_cmptparm_t> = (0..c)
                .map(|_| opj::opj_image_cmptparm_t {
                    dx: 1,
                    dy: 1,
                    w: w as u32,
                    h: h as u32,
                    x0: 0,
                    y0: 0,
                    prec: 8,
                    bpp: 8,
                    sgnd: 0,
                })
                .collect();
            let cs = if c == 3 {
                opj::COLOR_SPACE::OPJ_CLRSPC_SRGB
            } else {
                opj::COLOR_SPACE::OPJ_CLRSPC_GRAY
            };
            hd.image = opj::opj_image_create(c as u32, cmpt.as_mut_ptr(), cs);
            if hd.image.is_null() {
                return Err(CodecError::enc(NAME, "opj_image_create failed"));
            }
            let im = &mut *hd.image;
            im.x0 = 0;
            im.y0 = 0;
            im.x1 = w as u32;
            im.y1 = h as u32;
            let u8s = img.to_interleaved_u8();
            for ci in 0..c {
                let comp = &mut *im.comps.add(ci);
                let dst = std::slice::from_raw_parts_mut(comp.data, w * h);
                for (i, d) in dst.iter_mut().enumerate() {
                    *d = u8s[i * c + ci] as i32;
                }
            }
            let mut p: opj::opj_cparameters_t = std::mem::zeroed();
            opj::opj_set_default_encoder_parameters(&mut p);
            p.tcp_numlayers = 1;
            p.irreversible = 1;
            p.tcp_mct = if c == 3 { 1 } else { 0 };
            let levels_fit = (w.min(h) as f64).log2().floor() as i32; // each level halves the size
            p.numresolution = self.resolutions.clamp(1, levels_fit.max(1));
            match mode {
                LayerMode::Ratio(r) => {
                    p.cp_disto_alloc = 1;
                    p.tcp_rates[0] = r.max(1.0);
                }
                LayerMode::Psnr(q) => {
                    p.cp_fixed_quality = 1;
                    p.tcp_distoratio[0] = q;
                }
            }
            hd.codec = opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K);
            if hd.codec.is_null() {
                return Err(CodecError::enc(NAME, "opj_create_compress failed"));
            }
            silence(hd.codec);
            if opj::opj_setup_encoder(hd.codec, &mut p, hd.image) == 0 {
                return Err(CodecError::enc(NAME, "opj_setup_encoder failed"));
            }
            hd.stream = make_stream(&mut mem, false);
            if hd.stream.is_null()
                || opj::opj_start_compress(hd.codec, hd.image, hd.stream) == 0
                || opj::opj_encode(hd.codec, hd.stream) == 0
                || opj::opj_end_compress(hd.codec, hd.stream) == 0
            {
                return Err(CodecError::enc(NAME, "encoding failed"));
            }
        }
        drop(hd);
        Ok(mem.data)
    }
}

/// Decodes a J2K codestream (grey or 3-component) with OpenJPEG; the header's size is checked
/// before any tile is decoded, and components that do not match the image grid are rejected.
pub fn decode_j2k(bytes: &[u8]) -> Result<Image> {
    if bytes.len() < 4 || bytes[..4] != [0xFF, 0x4F, 0xFF, 0x51] {
        return Err(CodecError::dec(NAME, "not a J2K codestream (no SOC+SIZ)"));
    }
    let mut mem = Mem {
        data: bytes.to_vec(),
        pos: 0,
    };
    let mut hd = Handles {
        codec: std::ptr::null_mut(),
        stream: std::ptr::null_mut(),
        image: std::ptr::null_mut(),
    };
    // SAFETY: FFI into OpenJPEG; the header is validated before `opj_decode` allocates the
    // image, and all component pointers are checked against the reported sizes.
    let img = unsafe {
        hd.codec = opj::opj_create_decompress(opj::CODEC_FORMAT::OPJ_CODEC_J2K);
        if hd.codec.is_null() {
            return Err(CodecError::dec(NAME, "opj_create_decompress failed"));
        }
        silence(hd.codec);
        let mut dp: opj::opj_dparameters_t = std::mem::zeroed();
        opj::opj_set_default_decoder_parameters(&mut dp);
        if opj::opj_setup_decoder(hd.codec, &mut dp) == 0 {
            return Err(CodecError::dec(NAME, "opj_setup_decoder failed"));
        }
        hd.stream = make_stream(&mut mem, true);
        if hd.stream.is_null()
            || opj::opj_read_header(hd.stream, hd.codec, &mut hd.image) == 0
            || hd.image.is_null()
        {
            return Err(CodecError::dec(NAME, "bad codestream header"));
        }
        let im = &*hd.image;
        let (w, h) = (
            im.x1.saturating_sub(im.x0) as usize,
            im.y1.saturating_sub(im.y0) as usize,
        );
        check_dims(NAME, w, h)?;
        let nc = im.numcomps as usize;
        if nc != 1 && nc != 3 {
            return Err(CodecError::dec(NAME, format!("{nc} components")));
        }
        for ci in 0..nc {
            let comp = &*im.comps.add(ci);
            if comp.dx != 1 || comp.dy != 1 || comp.prec == 0 || comp.prec > 16 {
                return Err(CodecError::dec(
                    NAME,
                    "unsupported component sampling/precision",
                ));
            }
        }
        if opj::opj_decode(hd.codec, hd.stream, hd.image) == 0 {
            return Err(CodecError::dec(NAME, "corrupt codestream"));
        }
        opj::opj_end_decompress(hd.codec, hd.stream);
        let im = &*hd.image;
        let mut buf = vec![0u8; w * h * nc];
        for ci in 0..nc {
            let comp = &*im.comps.add(ci);
            if comp.data.is_null() || (comp.w as usize) != w || (comp.h as usize) != h {
                return Err(CodecError::dec(
                    NAME,
                    "component size differs from the image",
                ));
            }
            let src = std::slice::from_raw_parts(comp.data, w * h);
            let shift = comp.prec as i32 - 8;
            let off = if comp.sgnd != 0 {
                1i32 << (comp.prec - 1)
            } else {
                0
            };
            for (i, &v) in src.iter().enumerate() {
                let v = v.saturating_add(off);
                let v = if shift > 0 { v >> shift } else { v << (-shift) };
                buf[i * nc + ci] = v.clamp(0, 255) as u8;
            }
        }
        Image::from_interleaved_u8(w, h, nc, &buf)?
    };
    drop(hd);
    Ok(img)
}
