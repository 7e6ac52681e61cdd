//! Interleavers, each with its exact inverse: a seeded random permutation, the row–column
//! block interleaver, and a pixel-level interleaver for planar images/latents (DS²C²).
//!
//! Convention: for a permutation π, `interleave` returns out[i] = x[π(i)] and `deinterleave`
//! returns out[π(i)] = y[i], so deinterleave ∘ interleave = identity.

use crate::error::{ChannelError, Result};
use rand::seq::SliceRandom;
use semcom_core::rng::rng_for;
use semcom_core::Image;

/// out[i] = x[perm[i]].
fn gather<T: Clone>(perm: &[usize], x: &[T]) -> Vec<T> {
    perm.iter().map(|&p| x[p].clone()).collect()
}

/// out[perm[i]] = y[i].
fn scatter<T: Clone>(perm: &[usize], y: &[T]) -> Vec<T> {
    let mut out = y.to_vec();
    for (i, &p) in perm.iter().enumerate() {
        out[p] = y[i].clone();
    }
    out
}

fn check_len(what: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(ChannelError::Length(format!(
            "{what} of length {want} given {got} values"
        )))
    }
}

/// A seeded uniformly random permutation of a fixed length (Fisher–Yates shuffle driven by
/// `rng_for(seed, 0)`); both ends rebuild it from the shared seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomInterleaver {
    perm: Vec<usize>,
}

impl RandomInterleaver {
    /// The random permutation of `len` positions for `seed`.
    pub fn new(len: usize, seed: u64) -> Self {
        let mut perm: Vec<usize> = (0..len).collect();
        perm.shuffle(&mut rng_for(seed, 0));
        Self { perm }
    }
    /// The permutation π (out[i] = x[π(i)]).
    pub fn permutation(&self) -> &[usize] {
        &self.perm
    }
    /// Interleaves `x` (length must equal the interleaver's).
    pub fn interleave<T: Clone>(&self, x: &[T]) -> Result<Vec<T>> {
        check_len("random interleaver", x.len(), self.perm.len())?;
        Ok(gather(&self.perm, x))
    }
    /// Exact inverse of [`Self::interleave`].
    pub fn deinterleave<T: Clone>(&self, y: &[T]) -> Result<Vec<T>> {
        check_len("random interleaver", y.len(), self.perm.len())?;
        Ok(scatter(&self.perm, y))
    }
}

/// Row–column block interleaver: each block of rows·cols values is written row by row into a
/// rows × cols matrix and read column by column. Any length is accepted: the last partial
/// block is written the same way and read skipping the empty cells (a pruned interleaver).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInterleaver {
    rows: usize,
    cols: usize,
}

impl BlockInterleaver {
    /// A rows × cols interleaver (both ≥ 1).
    pub fn new(rows: usize, cols: usize) -> Result<Self> {
        if rows == 0 || cols == 0 || rows.checked_mul(cols).is_none() {
            return Err(ChannelError::Param {
                field: "rows/cols",
                msg: format!("{rows}x{cols} is empty or too large"),
            });
        }
        Ok(Self { rows, cols })
    }
    /// The permutation for `n` values.
    pub fn permutation(&self, n: usize) -> Vec<usize> {
        let b = self.rows * self.cols;
        let mut perm = Vec::with_capacity(n);
        for start in (0..n).step_by(b) {
            let len = b.min(n - start);
            for c in 0..self.cols {
                for r in 0..self.rows {
                    let p = r * self.cols + c;
                    if p < len {
                        perm.push(start + p);
                    }
                }
            }
        }
        perm
    }
    /// Interleaves `x`.
    pub fn interleave<T: Clone>(&self, x: &[T]) -> Vec<T> {
        gather(&self.permutation(x.len()), x)
    }
    /// Exact inverse of [`Self::interleave`].
    pub fn deinterleave<T: Clone>(&self, y: &[T]) -> Vec<T> {
        scatter(&self.permutation(y.len()), y)
    }
}

/// Pixel-level interleaver for planar C×H×W data (images, latents): one seeded random
/// permutation of the H·W pixel positions, applied identically to every plane, so the values
/// of one pixel move together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PixelInterleaver {
    pixels: RandomInterleaver,
}

impl PixelInterleaver {
    /// The pixel permutation of a `width`×`height` grid for `seed`.
    pub fn new(width: usize, height: usize, seed: u64) -> Self {
        Self {
            pixels: RandomInterleaver::new(width * height, seed),
        }
    }
    /// The per-plane pixel permutation.
    pub fn permutation(&self) -> &[usize] {
        self.pixels.permutation()
    }
    fn planes<T: Clone>(&self, x: &[T], f: impl Fn(&[T]) -> Result<Vec<T>>) -> Result<Vec<T>> {
        let hw = self.pixels.perm.len();
        if hw == 0 || !x.len().is_multiple_of(hw) {
            return Err(ChannelError::Length(format!(
                "{} values are not whole planes of {hw} pixels",
                x.len()
            )));
        }
        let mut out = Vec::with_capacity(x.len());
        for plane in x.chunks(hw) {
            out.extend(f(plane)?);
        }
        Ok(out)
    }
    /// Interleaves planar data (length a multiple of H·W).
    pub fn interleave<T: Clone>(&self, x: &[T]) -> Result<Vec<T>> {
        self.planes(x, |p| self.pixels.interleave(p))
    }
    /// Exact inverse of [`Self::interleave`].
    pub fn deinterleave<T: Clone>(&self, y: &[T]) -> Result<Vec<T>> {
        self.planes(y, |p| self.pixels.deinterleave(p))
    }
    /// Interleaves the pixels of an image of the interleaver's size.
    pub fn interleave_image(&self, img: &Image) -> semcom_core::Result<Image> {
        Image::from_planar(
            img.width(),
            img.height(),
            img.channels(),
            self.interleave(img.data())?,
        )
    }
    /// Exact inverse of [`Self::interleave_image`].
    pub fn deinterleave_image(&self, img: &Image) -> semcom_core::Result<Image> {
        Image::from_planar(
            img.width(),
            img.height(),
            img.channels(),
            self.deinterleave(img.data())?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_are_identity() {
        let x: Vec<u32> = (0..1000).collect();
        let r = RandomInterleaver::new(1000, 5);
        let y = r.interleave(&x).unwrap();
        assert_ne!(y, x);
        assert_eq!(r.deinterleave(&y).unwrap(), x);
        assert_eq!(RandomInterleaver::new(1000, 5), r);
        assert_ne!(RandomInterleaver::new(1000, 6), r);
        assert!(r.interleave(&x[..999]).is_err());

        let b = BlockInterleaver::new(3, 4).unwrap();
        assert_eq!(
            b.interleave(&(0..12).collect::<Vec<_>>()),
            vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
        );
        for n in [0, 1, 11, 12, 13, 29, 1000] {
            let v: Vec<u32> = (0..n).collect();
            let mut sorted = b.permutation(n as usize);
            sorted.sort();
            assert_eq!(sorted, (0..n as usize).collect::<Vec<_>>());
            assert_eq!(b.deinterleave(&b.interleave(&v)), v);
        }
        assert!(BlockInterleaver::new(0, 3).is_err());
        assert!(BlockInterleaver::new(usize::MAX, 3).is_err());

        let p = PixelInterleaver::new(8, 4, 1);
        let img = semcom_core::testcard::test_card(8, 4);
        let i2 = p.interleave_image(&img).unwrap();
        assert_ne!(i2, img);
        assert_eq!(p.deinterleave_image(&i2).unwrap(), img);
        // Pixels move together across planes.
        let d = img.data();
        let e = i2.data();
        for i in 0..32 {
            let src = p.permutation()[i];
            for c in 0..3 {
                assert_eq!(e[c * 32 + i], d[c * 32 + src]);
            }
        }
        assert!(p.interleave(&[0u8; 33]).is_err());
    }
}
