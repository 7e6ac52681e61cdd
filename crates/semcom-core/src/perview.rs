//! Image schemes and the generic per-view adapter that runs them on every modality.
//!
//! ```text
//! Source (V views) ─► PerView ─► ImageScheme::encode per view ─► V blocks (one channel call each)
//!                  ◄─ PerView ◄─ ImageScheme::decode per view ◄─ V received blocks
//! ```
//!
//! An [`ImageScheme`] codes one image into one block. [`PerView`] makes it a [`Scheme`] for a
//! still (one block, the image scheme's own side information, bit for bit), a clip (one block
//! per frame) or a stereo pair (one block per view). Every view gets the same budget, so the
//! total stays within ⌊(k/n)·n⌋ uses. Side information travels with its view's block: its bits
//! are the sum of the views' bits; the per-view framing (a 32-bit length per view, needed only
//! in this in-memory container) is not counted, as a packet header is not.

use crate::budget::Budget;
use crate::chain::{
    DecodeFailure, Decoded, Encoded, LinkInfo, Payload, Received, Scheme, SideInfo,
};
use crate::error::{CoreError, Result};
use crate::image::Image;
use crate::rng::SemRng;
use crate::source::{Source, SourceMeta, ViewMeta};

/// Output of an image transmitter: one block.
#[derive(Clone, Debug)]
pub struct ImageEncoded {
    /// What crosses the noisy channel.
    pub payload: Payload,
    /// Error-free side information.
    pub side: SideInfo,
    /// Source-coded bits carried in the payload (0 for analog schemes).
    pub payload_bits: u64,
    /// Bytes of the source-coded stream (digital schemes).
    pub stream_bytes: Option<u64>,
}

impl ImageEncoded {
    /// An analog block: complex symbols plus side information, no source-coded bits.
    pub fn analog(symbols: Vec<crate::Complex32>, side: SideInfo) -> Self {
        Self {
            payload: Payload::Symbols(symbols),
            side,
            payload_bits: 0,
            stream_bytes: None,
        }
    }
}

/// What an image receiver decoded.
#[derive(Clone, Debug)]
pub struct ImageDecoded {
    /// The reconstruction, same size as the source (the fallback when decoding failed).
    pub image: Image,
    /// Why the fallback is shown (`None` = decoded).
    pub failure: Option<DecodeFailure>,
}

impl ImageDecoded {
    /// A decoded image.
    pub fn ok(image: Image) -> Self {
        Self {
            image,
            failure: None,
        }
    }
    /// The fallback of `meta` (mid-grey), shown because of `why`.
    pub fn fallback(meta: &ViewMeta, why: DecodeFailure) -> Result<Self> {
        Ok(Self {
            image: meta.fallback()?,
            failure: Some(why),
        })
    }
    /// Whether the payload was decoded.
    pub fn decode_ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// A scheme that codes one image into one block (deep JSCC, SoftCast, codec + LDPC, …).
pub trait ImageScheme: Send + Sync {
    /// Registry name.
    fn name(&self) -> &str;
    /// Transmitter: image → one payload + side information, within `budget`.
    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<ImageEncoded>;
    /// Receiver: channel output + side information → reconstruction.
    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        meta: &ViewMeta,
        link: &LinkInfo,
    ) -> Result<ImageDecoded>;
}

impl<S: ImageScheme + ?Sized> ImageScheme for &S {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn encode(
        &self,
        src: &Image,
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<ImageEncoded> {
        (**self).encode(src, budget, link, rng)
    }
    fn decode(
        &self,
        rx: &Received,
        side: &SideInfo,
        meta: &ViewMeta,
        link: &LinkInfo,
    ) -> Result<ImageDecoded> {
        (**self).decode(rx, side, meta, link)
    }
}

/// Runs an [`ImageScheme`] on any source, one block per view (see the module documentation).
pub struct PerView<S>(pub S);

impl<S: ImageScheme> PerView<S> {
    /// The inner image scheme.
    pub fn inner(&self) -> &S {
        &self.0
    }
}

/// Length prefix of one view's side information in a multi-view container.
const LEN_BYTES: usize = 4;

impl<S: ImageScheme> Scheme for PerView<S> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn encode(
        &self,
        src: &Source,
        budget: &Budget,
        link: &LinkInfo,
        rng: &mut SemRng,
    ) -> Result<Encoded> {
        let one = src.views().len() == 1;
        let mut out = Encoded {
            blocks: Vec::with_capacity(src.views().len()),
            side: SideInfo::default(),
            payload_bits: 0,
            stream_bytes: None,
        };
        for view in src.views() {
            let e = self.0.encode(view, budget, link, rng)?;
            out.blocks.push(e.payload);
            out.payload_bits += e.payload_bits;
            out.side.bits += e.side.bits;
            if let Some(b) = e.stream_bytes {
                *out.stream_bytes.get_or_insert(0) += b;
            }
            if one {
                out.side.bytes = e.side.bytes;
            } else {
                let n = u32::try_from(e.side.bytes.len())
                    .map_err(|_| CoreError::Payload("side information over 4 GiB".into()))?;
                out.side.bytes.extend_from_slice(&n.to_le_bytes());
                out.side.bytes.extend_from_slice(&e.side.bytes);
            }
        }
        Ok(out)
    }

    fn decode(
        &self,
        rx: &[Received],
        side: &SideInfo,
        meta: &SourceMeta,
        link: &LinkInfo,
    ) -> Result<Decoded> {
        if rx.len() != meta.views {
            return Err(CoreError::Payload(format!(
                "{}: {} received blocks for {} views",
                self.name(),
                rx.len(),
                meta.views
            )));
        }
        let sides = split_sides(side, meta.views)?;
        let mut d = Decoded {
            views: Vec::with_capacity(meta.views),
            view_ok: Vec::with_capacity(meta.views),
            failure: None,
        };
        for (r, s) in rx.iter().zip(&sides) {
            let v = self.0.decode(r, s, &meta.view, link)?;
            d.view_ok.push(v.decode_ok());
            d.failure = d.failure.or(v.failure);
            d.views.push(v.image);
        }
        Ok(d)
    }
}

/// One image through an image scheme: [`run_chain`](crate::run_chain) of [`PerView`] on a still.
pub fn run_image(
    scheme: &dyn ImageScheme,
    img: &Image,
    budget: &Budget,
    link: &crate::chain::Link<'_>,
) -> Result<crate::chain::Outcome> {
    crate::chain::run_chain(&PerView(scheme), &Source::still(img.clone()), budget, link)
}

/// The per-view side information of a [`PerView`] container (bits are not split: the
/// image decoders read bytes).
fn split_sides(side: &SideInfo, views: usize) -> Result<Vec<SideInfo>> {
    if views == 1 {
        return Ok(vec![side.clone()]);
    }
    let bad = || CoreError::Payload("bad per-view side information".into());
    let mut rest = side.bytes.as_slice();
    let mut out = Vec::with_capacity(views);
    for _ in 0..views {
        let (len, tail) = rest.split_at_checked(LEN_BYTES).ok_or_else(bad)?;
        let n = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let (bytes, tail) = tail.split_at_checked(n).ok_or_else(bad)?;
        out.push(SideInfo::from_bytes(bytes.to_vec()));
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Ratio;
    use crate::chain::{complex_to_reals, reals_to_complex, run_chain, ChannelModel, Link};
    use crate::Complex32;

    /// Identity "analog" image scheme: sends pixel pairs as symbols (unit power for v ≤ 1/√2).
    struct Raw;
    impl ImageScheme for Raw {
        fn name(&self) -> &str {
            "raw"
        }
        fn encode(
            &self,
            src: &Image,
            _: &Budget,
            _: &LinkInfo,
            _: &mut SemRng,
        ) -> Result<ImageEncoded> {
            Ok(ImageEncoded::analog(
                reals_to_complex(src.data()),
                SideInfo::from_bytes(vec![1, 2]),
            ))
        }
        fn decode(
            &self,
            rx: &Received,
            side: &SideInfo,
            meta: &ViewMeta,
            _: &LinkInfo,
        ) -> Result<ImageDecoded> {
            let Received::Symbols { y, .. } = rx else {
                return Err(CoreError::Payload("symbols expected".into()));
            };
            if side.bytes != [1, 2] {
                return Err(CoreError::Payload("side information".into()));
            }
            Ok(ImageDecoded::ok(Image::from_planar(
                meta.width,
                meta.height,
                meta.channels,
                complex_to_reals(y, meta.samples()),
            )?))
        }
    }

    /// Counts channel calls; passes symbols through.
    #[derive(Default)]
    struct Noiseless(std::sync::atomic::AtomicUsize);
    impl ChannelModel for Noiseless {
        fn name(&self) -> String {
            "noiseless".into()
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

    fn link(ch: &Noiseless) -> Link<'_> {
        Link {
            channel: ch,
            snr_db: 10.0,
            seed: 1,
        }
    }

    #[test]
    fn still_accounting_and_budget_enforcement() {
        let img = Image::filled(4, 4, 3, 0.5).unwrap();
        let ch = Noiseless::default();
        let b = Budget::cbr(Ratio::new(1, 2).unwrap()).unwrap();
        let out = run_chain(&PerView(Raw), &Source::still(img.clone()), &b, &link(&ch)).unwrap();
        assert_eq!(out.reconstruction(), &img);
        assert_eq!(out.accounting.channel_uses, 24);
        assert_eq!(out.accounting.k_over_n(), 0.5);
        assert_eq!(out.accounting.side_bits, 16);
        assert_eq!(out.accounting.bpp(), 1.0);
        assert_eq!(
            out.side.bytes,
            [1, 2],
            "a still keeps the scheme's own side bytes"
        );
        // Too small a budget is refused.
        let small = Budget::cbr(Ratio::new(1, 3).unwrap()).unwrap();
        assert!(run_chain(
            &PerView(Raw),
            &Source::still(img.clone()),
            &small,
            &link(&ch)
        )
        .is_err());
        // Power above 1 is refused.
        let bright = Source::still(Image::filled(4, 4, 3, 1.0).unwrap());
        assert!(run_chain(&PerView(Raw), &bright, &b, &link(&ch)).is_err());
        // NaN SNR is refused.
        let nan = Link {
            snr_db: f64::NAN,
            ..link(&ch)
        };
        assert!(run_chain(&PerView(Raw), &Source::still(img), &b, &nan).is_err());
    }

    #[test]
    fn one_block_and_one_channel_call_per_view() {
        let frames: Vec<Image> = (0..5)
            .map(|t| {
                let v = (0..8 * 6).map(|i| ((i + t) % 7) as f32 / 10.0).collect();
                Image::from_planar(8, 6, 1, v).unwrap()
            })
            .collect();
        let ch = Noiseless::default();
        let clip = Source::clip(frames.clone(), 10.0).unwrap();
        let b = Budget::cbr(Ratio::new(1, 2).unwrap()).unwrap();
        let out = run_chain(&PerView(Raw), &clip, &b, &link(&ch)).unwrap();
        assert_eq!(ch.0.load(std::sync::atomic::Ordering::SeqCst), 5);
        assert_eq!(out.block_uses, vec![24; 5]);
        assert_eq!(out.accounting.source_samples, 5 * 48);
        assert_eq!(out.accounting.side_bits, 5 * 16);
        assert_eq!(out.views, frames);
        assert_eq!(out.view_ok, vec![true; 5]);
        let pair = Source::stereo(frames[0].clone(), frames[1].clone()).unwrap();
        let out = run_chain(&PerView(Raw), &pair, &b, &link(&ch)).unwrap();
        assert_eq!(out.views, frames[..2]);
        assert_eq!(out.accounting.blocks, 2);
    }

    #[test]
    fn corrupt_multi_view_side_information_is_an_error() {
        assert!(split_sides(&SideInfo::from_bytes(vec![2, 0, 0, 0, 9]), 2).is_err());
        assert!(split_sides(&SideInfo::from_bytes(vec![255; 3]), 2).is_err());
        let ok = split_sides(&SideInfo::from_bytes(vec![1, 0, 0, 0, 7, 0, 0, 0, 0]), 2).unwrap();
        assert_eq!((ok[0].bytes.as_slice(), ok[1].bytes.len()), (&[7u8][..], 0));
        assert!(split_sides(&SideInfo::from_bytes(vec![0, 0, 0, 0, 0, 0, 0, 0, 1]), 2).is_err());
    }
}
