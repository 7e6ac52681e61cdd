//! SoftCast (placeholder, being written).
use semcom_core::{chain::*, Budget, Image, Result, rng::SemRng};
/// SoftCast linear analog scheme.
#[derive(Default)]
pub struct SoftCast;
impl Scheme for SoftCast {
    fn name(&self) -> &str { "softcast" }
    fn encode(&self, _src: &Image, _b: &Budget, _l: &LinkInfo, _r: &mut SemRng) -> Result<Encoded> { todo!() }
    fn decode(&self, _rx: &Received, _s: &SideInfo, _m: &SourceMeta, _l: &LinkInfo) -> Result<Decoded> { todo!() }
}
