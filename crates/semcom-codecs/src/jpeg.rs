//! JPEG (ITU-T T.81 / ISO/IEC 10918-1): baseline sequential DCT, Huffman coding, the Annex K
//! quantisation tables scaled by the IJG quality factor, 4:2:0 chroma (as Pillow's default).
//! Encoder: `jpeg-encoder`; decoder: `zune-jpeg` (under `catch_unwind`, with size limits).

use crate::guard::{catch, check_dims};
use crate::rate::{encode_by_quality, Knob, RateTarget};
use crate::{CodecError, ImageCodec, Result, MAX_DECODE_SIDE};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use semcom_core::Image;
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

const NAME: &str = "jpeg";

/// JPEG codec (quality 1–100, bisection on quality for a byte/BPP target).
#[derive(Clone, Copy, Debug)]
pub struct Jpeg {
    /// Chroma subsampling 4:2:0 (true, the default) or 4:4:4.
    pub subsample_420: bool,
}

impl Default for Jpeg {
    fn default() -> Self {
        Self {
            subsample_420: true,
        }
    }
}

impl Jpeg {
    /// Encodes at IJG quality `q` (1–100).
    pub fn encode_quality(&self, img: &Image, q: u8) -> Result<Vec<u8>> {
        let buf = img.to_interleaved_u8();
        let mut out = Vec::with_capacity(buf.len() / 8);
        let mut enc = Encoder::new(&mut out, q.clamp(1, 100));
        if self.subsample_420 {
            enc.set_sampling_factor(SamplingFactor::R_4_2_0);
        } else {
            enc.set_sampling_factor(SamplingFactor::R_4_4_4);
        }
        let ct = if img.channels() == 3 {
            ColorType::Rgb
        } else {
            ColorType::Luma
        };
        let (w, h) = (img.width(), img.height());
        if w > u16::MAX as usize || h > u16::MAX as usize {
            return Err(CodecError::enc(NAME, format!("{w}x{h} exceeds 65535")));
        }
        enc.encode(&buf, w as u16, h as u16, ct)
            .map_err(|e| CodecError::enc(NAME, e.to_string()))?;
        Ok(out)
    }
}

impl ImageCodec for Jpeg {
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
        // First guess from the typical bpp(quality) of natural images at 4:2:0.
        encode_by_quality(
            NAME,
            img.pixels(),
            target,
            knob,
            |bpp| (bpp * 50.0).clamp(5.0, 95.0),
            |q| self.encode_quality(img, q.round() as u8),
        )
    }

    fn decode(&self, bytes: &[u8]) -> Result<Image> {
        decode_jpeg(bytes)
    }
}

/// Decodes a JPEG to grey or RGB with zune-jpeg (sizes checked before allocating).
pub fn decode_jpeg(bytes: &[u8]) -> Result<Image> {
    catch(NAME, || {
        let opts = DecoderOptions::default()
            .set_max_width(MAX_DECODE_SIDE)
            .set_max_height(MAX_DECODE_SIDE)
            .set_strict_mode(false);
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), opts);
        dec.decode_headers()
            .map_err(|e| CodecError::dec(NAME, format!("{e:?}")))?;
        let info = dec
            .info()
            .ok_or_else(|| CodecError::dec(NAME, "no header"))?;
        let (w, h) = (info.width as usize, info.height as usize);
        check_dims(NAME, w, h)?;
        let grey = matches!(dec.input_colorspace(), Some(ColorSpace::Luma));
        let (cs, ch) = if grey {
            (ColorSpace::Luma, 1)
        } else {
            (ColorSpace::RGB, 3)
        };
        let opts = DecoderOptions::default()
            .set_max_width(MAX_DECODE_SIDE)
            .set_max_height(MAX_DECODE_SIDE)
            .set_strict_mode(false)
            .jpeg_set_out_colorspace(cs);
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), opts);
        let px = dec
            .decode()
            .map_err(|e| CodecError::dec(NAME, format!("{e:?}")))?;
        if px.len() != w * h * ch {
            return Err(CodecError::dec(NAME, "decoded buffer size mismatch"));
        }
        Ok(Image::from_interleaved_u8(w, h, ch, &px)?)
    })
}
