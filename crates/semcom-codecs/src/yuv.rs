//! Y′CbCr → R′G′B′ conversion of decoded planes (ITU-T H.273 matrix coefficients:
//! BT.601 / BT.709 / identity, full or limited range), chroma upsampled by sample replication.

/// Matrix coefficients of H.273 that the decoders handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Matrix {
    /// MC = 0: identity (planes are G, B, R).
    Identity,
    /// MC = 1: BT.709 (Kr = 0.2126, Kb = 0.0722).
    Bt709,
    /// MC = 5/6 (and unspecified): BT.601 (Kr = 0.299, Kb = 0.114).
    Bt601,
}

/// Three decoded 8-bit planes and their layout.
pub(crate) struct Planes<'a> {
    pub y: &'a [u8],
    pub u: &'a [u8],
    pub v: &'a [u8],
    pub y_stride: usize,
    pub uv_stride: usize,
    /// log2 horizontal / vertical chroma subsampling (0 or 1).
    pub ss_x: u32,
    pub ss_y: u32,
}

/// Converts planes to interleaved RGB8 (`w·h·3` bytes).
pub(crate) fn to_rgb8(p: &Planes<'_>, w: usize, h: usize, m: Matrix, full_range: bool) -> Vec<u8> {
    let mut out = vec![0u8; w * h * 3];
    let (kr, kb) = match m {
        Matrix::Bt709 => (0.2126f32, 0.0722f32),
        _ => (0.299, 0.114),
    };
    let kg = 1.0 - kr - kb;
    for yy in 0..h {
        for xx in 0..w {
            let yv = p.y[yy * p.y_stride + xx] as f32;
            let ci = (yy >> p.ss_y) * p.uv_stride + (xx >> p.ss_x);
            let (u, v) = (p.u[ci] as f32, p.v[ci] as f32);
            let rgb = if m == Matrix::Identity {
                [v, yv, u]
            } else {
                let (yf, cb, cr) = if full_range {
                    (yv, u - 128.0, v - 128.0)
                } else {
                    (
                        (yv - 16.0) * 255.0 / 219.0,
                        (u - 128.0) * 255.0 / 224.0,
                        (v - 128.0) * 255.0 / 224.0,
                    )
                };
                let r = yf + 2.0 * (1.0 - kr) * cr;
                let b = yf + 2.0 * (1.0 - kb) * cb;
                let g = (yf - kr * r - kb * b) / kg;
                [r, g, b]
            };
            let o = (yy * w + xx) * 3;
            for c in 0..3 {
                out[o + c] = rgb[c].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}
