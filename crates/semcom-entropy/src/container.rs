//! The stream container: a header (format version, model id, image size) and any number of
//! entropy-coded sub-streams (e.g. `z` then `y` for a hyperprior codec), checked end to end.
//!
//! ```text
//! offset  size  field
//! 0       4     magic "SCEC"
//! 4       1     format version (FORMAT_VERSION)
//! 5       1     flags (reserved, must be 0)
//! 6       1     model name length L (1..=32)
//! 7       L     model name, ASCII [a-z0-9+-._]
//! 7+L     4     model fingerprint, u32 LE (weights and entropy tables)
//!         1–5   width  (LEB128)
//!         1–5   height (LEB128)
//!         1     channels (1 or 3)
//!         1     number of sub-streams S (0..=Limits::max_parts)
//!         S×1–5 sub-stream lengths (LEB128)
//!         4     CRC-32 (IEEE) of all preceding header bytes and the payload, u32 LE
//!         …     payload: the S sub-streams back to back
//! ```
//!
//! [`read`] checks, in order: magic, version, flags, name, size limits, sub-stream count,
//! that every announced length fits in the bytes present (before anything is allocated),
//! trailing bytes, then the checksum. It allocates only the list of at most
//! [`Limits::max_parts`] slices and the name, whatever the header says.

use crate::error::{EntropyError, Result};

/// Magic bytes at the start of every stream.
pub const MAGIC: [u8; 4] = *b"SCEC";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Longest model name.
pub const MAX_NAME: usize = 32;

/// What a decoder accepts before allocating for an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest width or height.
    pub max_side: u32,
    /// Largest width × height.
    pub max_pixels: u64,
    /// Largest number of sub-streams.
    pub max_parts: usize,
}

impl Default for Limits {
    /// 32768 per side, 64 Mpx (the limits of the classical codecs), 16 sub-streams.
    fn default() -> Self {
        Self {
            max_side: 1 << 15,
            max_pixels: 1 << 26,
            max_parts: 16,
        }
    }
}

/// The header fields of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Model name, e.g. `bmshj2018-hyperprior-q3` (ASCII `[a-z0-9+-._]`, 1..=32 bytes).
    pub model: String,
    /// Fingerprint of the model's weights and entropy tables.
    pub fingerprint: u32,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Image planes (1 or 3).
    pub channels: u8,
}

impl Header {
    /// Checks the header against `limits` (the same checks [`read`] applies).
    pub fn validate(&self, limits: &Limits) -> Result<()> {
        check_name(self.model.as_bytes())?;
        for (field, v) in [("width", self.width), ("height", self.height)] {
            if v == 0 {
                return Err(EntropyError::Malformed(format!("{field} is 0")));
            }
            if v > limits.max_side {
                return Err(EntropyError::Limit {
                    field,
                    value: v as u64,
                    limit: limits.max_side as u64,
                });
            }
        }
        let px = self.width as u64 * self.height as u64;
        if px > limits.max_pixels {
            return Err(EntropyError::Limit {
                field: "width×height",
                value: px,
                limit: limits.max_pixels,
            });
        }
        if self.channels != 1 && self.channels != 3 {
            return Err(EntropyError::Malformed(format!(
                "channels = {} (1 or 3)",
                self.channels
            )));
        }
        Ok(())
    }
}

fn check_name(name: &[u8]) -> Result<()> {
    let ok_char = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || b"+-._".contains(c);
    if name.is_empty() || name.len() > MAX_NAME || !name.iter().all(ok_char) {
        return Err(EntropyError::Malformed(format!(
            "model name must be 1..={MAX_NAME} characters of [a-z0-9+-._], got {:?}",
            String::from_utf8_lossy(name)
        )));
    }
    Ok(())
}

fn put_leb128(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Writes a stream: header, CRC and the sub-streams `parts`.
pub fn write(header: &Header, parts: &[&[u8]]) -> Result<Vec<u8>> {
    header.validate(&Limits {
        max_parts: usize::MAX,
        ..Limits::default()
    })?;
    if parts.len() > u8::MAX as usize {
        return Err(EntropyError::Malformed(format!(
            "{} sub-streams (at most 255)",
            parts.len()
        )));
    }
    let payload: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(32 + header.model.len() + 5 * parts.len() + payload);
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.push(0);
    out.push(header.model.len() as u8);
    out.extend_from_slice(header.model.as_bytes());
    out.extend_from_slice(&header.fingerprint.to_le_bytes());
    put_leb128(&mut out, header.width);
    put_leb128(&mut out, header.height);
    out.push(header.channels);
    out.push(parts.len() as u8);
    for p in parts {
        let len = u32::try_from(p.len())
            .map_err(|_| EntropyError::Malformed("sub-stream longer than 4 GiB".into()))?;
        put_leb128(&mut out, len);
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&out);
    parts.iter().for_each(|p| crc.update(p));
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    parts.iter().for_each(|p| out.extend_from_slice(p));
    Ok(out)
}

/// A parsed stream: the header and the sub-streams (borrowed from the input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream<'a> {
    /// The header.
    pub header: Header,
    /// The sub-streams, in the order written.
    pub parts: Vec<&'a [u8]>,
}

impl Stream<'_> {
    /// Fails with [`EntropyError::ModelMismatch`] unless the stream was written by the model
    /// `name` with fingerprint `fingerprint`.
    pub fn expect_model(&self, name: &str, fingerprint: u32) -> Result<()> {
        if self.header.model != name || self.header.fingerprint != fingerprint {
            return Err(EntropyError::ModelMismatch {
                expected: name.into(),
                expected_fp: fingerprint,
                found: self.header.model.clone(),
                found_fp: self.header.fingerprint,
            });
        }
        Ok(())
    }
}

/// Bytes of a stream, read front to back with bounds checks.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let available = self.bytes.len() - self.pos;
        if n > available {
            return Err(EntropyError::Truncated {
                what,
                needed: n,
                available,
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn leb128(&mut self, what: &'static str) -> Result<u32> {
        let mut v = 0u64;
        for i in 0..5 {
            let b = self.u8(what)?;
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return u32::try_from(v)
                    .map_err(|_| EntropyError::Malformed(format!("{what} beyond 32 bits")));
            }
        }
        Err(EntropyError::Malformed(format!(
            "{what}: number longer than 5 bytes"
        )))
    }
}

/// Parses and checks a stream (see the module documentation for the order of checks).
pub fn read<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Stream<'a>> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4, "magic")? != MAGIC {
        return Err(EntropyError::BadMagic);
    }
    let version = r.u8("version")?;
    if version != FORMAT_VERSION {
        return Err(EntropyError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let flags = r.u8("flags")?;
    if flags != 0 {
        return Err(EntropyError::Malformed(format!(
            "reserved flags {flags:#04x} set"
        )));
    }
    let name_len = r.u8("model name length")? as usize;
    if name_len == 0 || name_len > MAX_NAME {
        return Err(EntropyError::Malformed(format!(
            "model name length {name_len} (1..={MAX_NAME})"
        )));
    }
    let name = r.take(name_len, "model name")?;
    check_name(name)?;
    let fp = r.take(4, "model fingerprint")?;
    let header = Header {
        model: String::from_utf8_lossy(name).into_owned(),
        fingerprint: u32::from_le_bytes([fp[0], fp[1], fp[2], fp[3]]),
        width: r.leb128("width")?,
        height: r.leb128("height")?,
        channels: r.u8("channels")?,
    };
    header.validate(limits)?;
    let n_parts = r.u8("sub-stream count")? as usize;
    if n_parts > limits.max_parts {
        return Err(EntropyError::Limit {
            field: "sub-stream count",
            value: n_parts as u64,
            limit: limits.max_parts as u64,
        });
    }
    let mut lens = Vec::with_capacity(n_parts);
    let mut payload = 0usize;
    for _ in 0..n_parts {
        let len = r.leb128("sub-stream length")? as usize;
        payload = payload.saturating_add(len);
        lens.push(len);
    }
    let head_end = r.pos;
    let stored = r.take(4, "checksum")?;
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let available = bytes.len() - r.pos;
    if payload > available {
        return Err(EntropyError::Truncated {
            what: "payload",
            needed: payload,
            available,
        });
    }
    if available > payload {
        return Err(EntropyError::TrailingBytes(available - payload));
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[..head_end]);
    crc.update(&bytes[r.pos..]);
    let computed = crc.finalize();
    if computed != stored {
        return Err(EntropyError::Checksum { stored, computed });
    }
    let parts = lens
        .iter()
        .map(|&len| r.take(len, "sub-stream"))
        .collect::<Result<Vec<_>>>()?;
    Ok(Stream { header, parts })
}

/// Header bytes (everything but the payload) of a stream with this header and these
/// sub-stream lengths: the overhead the rate of a codec includes.
pub fn overhead(header: &Header, part_lens: &[usize]) -> usize {
    let leb = |v: u64| (64 - v.max(1).leading_zeros() as usize).div_ceil(7);
    4 + 1
        + 1
        + 1
        + header.model.len()
        + 4
        + leb(header.width as u64)
        + leb(header.height as u64)
        + 1
        + 1
        + part_lens.iter().map(|&l| leb(l as u64)).sum::<usize>()
        + 4
}
