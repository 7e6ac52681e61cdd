//! A mixed workload of every model kind, encoded into one sub-stream and decoded back; shared
//! by the round-trip, corruption and golden tests.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use semcom_entropy::integer::{Activation, ConvSpec, IntegerConv2d};
use semcom_entropy::models::Component;
use semcom_entropy::{
    AdaptiveBit, Categorical, ConditionalTables, Decoder, Encoder, Family, Mixture, Result,
};

/// The models the workload draws from.
pub struct Models {
    pub categorical: Categorical,
    pub tables: Vec<ConditionalTables>,
    pub mixtures: Vec<Mixture>,
}

impl Models {
    pub fn new() -> Self {
        let tables: Vec<ConditionalTables> = Family::ALL
            .iter()
            .map(|&f| ConditionalTables::standard(f))
            .collect();
        let scales = tables[0].scales().clone();
        let comp = |weight, mean_fx, scale_index| Component {
            weight,
            mean_fx,
            scale_index,
        };
        let mixtures = vec![
            // Cheng-style K = 3 Gaussian mixture.
            Mixture::new(
                Family::Gaussian,
                &scales,
                &[
                    comp(30000, -700, 20),
                    comp(20000, 256, 30),
                    comp(15536, 3000, 40),
                ],
            )
            .unwrap(),
            // Discretised logistic mixture from integer logits.
            Mixture::from_logits(
                Family::Logistic,
                &scales,
                &[16, 0, -8, 40, 3],
                &[0, 512, -1280, 100, 25600],
                &[10, 25, 33, 5, 50],
            )
            .unwrap(),
            // One narrow Laplace component.
            Mixture::new(Family::Laplace, &scales, &[comp(65536, 77, 0)]).unwrap(),
        ];
        Self {
            categorical: Categorical::from_frequencies(&[50, 20, 10, 5, 5, 3, 0, 7]).unwrap(),
            tables,
            mixtures,
        }
    }
}

/// One coding operation (model and value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Cat(usize),
    Bit(usize, bool),
    Cond {
        table: usize,
        index: usize,
        value: i32,
    },
    Mix {
        mixture: usize,
        value: i32,
    },
    Bypass {
        bits: u32,
        value: u32,
    },
}

/// `n` random operations; about 1 % of the conditional values are far in the tails.
pub fn workload(seed: u64, n: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = Models::new();
    (0..n)
        .map(|_| match rng.random_range(0..10) {
            0 => Op::Cat(rng.random_range(0..8)),
            1 => Op::Bit(rng.random_range(0..2), rng.random_bool(0.2)),
            2..=6 => {
                let table = rng.random_range(0..3);
                let index = rng.random_range(0..64);
                let sigma = m.tables[table].scales().scales_fx()[index] as f64 / 65536.0;
                let value = if rng.random_bool(0.01) {
                    let big = rng.random_range(0..=31u32);
                    let v = rng.random_range(0..=(1i64 << big)) as i32;
                    if rng.random_bool(0.5) {
                        v
                    } else {
                        -v
                    }
                } else {
                    Normal::new(0.0, sigma).unwrap().sample(&mut rng).round() as i32
                };
                Op::Cond {
                    table,
                    index,
                    value,
                }
            }
            7 | 8 => {
                let mixture = rng.random_range(0..3);
                let value = if rng.random_bool(0.01) {
                    rng.random_range(i32::MIN..=i32::MAX)
                } else {
                    Normal::new(0.0f64, 40.0).unwrap().sample(&mut rng).round() as i32
                };
                Op::Mix { mixture, value }
            }
            _ => {
                let bits = rng.random_range(0..=32u32);
                let value = if bits == 32 {
                    rng.random()
                } else {
                    rng.random_range(0..(1u64 << bits)) as u32
                };
                Op::Bypass { bits, value }
            }
        })
        .collect()
}

/// Encodes the workload; returns the bytes and the estimated bits.
pub fn encode(models: &Models, ops: &[Op]) -> (Vec<u8>, f64) {
    let mut enc = Encoder::new();
    let mut bits = [AdaptiveBit::new(4), AdaptiveBit::new(6)];
    for op in ops {
        match *op {
            Op::Cat(s) => enc.encode_categorical(&models.categorical, s),
            Op::Bit(k, b) => enc.encode_bit(&mut bits[k], b),
            Op::Cond {
                table,
                index,
                value,
            } => enc.encode_conditional(&models.tables[table], index, value),
            Op::Mix { mixture, value } => enc.encode_mixture(&models.mixtures[mixture], value),
            Op::Bypass { bits, value } => enc.encode_bypass(value, bits),
        }
        .unwrap();
    }
    let est = enc.estimated_bits();
    (enc.finish(), est)
}

/// Decodes with the models (not the values) of `ops`.
pub fn decode(models: &Models, ops: &[Op], bytes: &[u8]) -> Result<Vec<Op>> {
    let mut dec = Decoder::new(bytes)?;
    let mut bits = [AdaptiveBit::new(4), AdaptiveBit::new(6)];
    ops.iter()
        .map(|op| {
            Ok(match *op {
                Op::Cat(_) => Op::Cat(dec.decode_categorical(&models.categorical)?),
                Op::Bit(k, _) => Op::Bit(k, dec.decode_bit(&mut bits[k])?),
                Op::Cond { table, index, .. } => Op::Cond {
                    table,
                    index,
                    value: dec.decode_conditional(&models.tables[table], index)?,
                },
                Op::Mix { mixture, .. } => Op::Mix {
                    mixture,
                    value: dec.decode_mixture(&models.mixtures[mixture])?,
                },
                Op::Bypass { bits, .. } => Op::Bypass {
                    bits,
                    value: dec.decode_bypass(bits)?,
                },
            })
        })
        .collect()
}

/// A fixed linear congruential generator, so that golden values do not depend on `rand`.
pub struct Lcg(pub u64);

impl Lcg {
    /// An integer in `−m..=m`.
    pub fn next(&mut self, m: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as i64 % (2 * m + 1)) - m
    }

    /// A `k`×`k` integer layer with padding `k/2`, weights in ±127 and biases in ±4096.
    pub fn layer(
        &mut self,
        (ci, co, k, s): (usize, usize, usize, usize),
        transposed: Option<usize>,
        shift: u32,
        act: Activation,
    ) -> IntegerConv2d {
        let spec = ConvSpec {
            in_channels: ci,
            out_channels: co,
            kernel: k,
            stride: s,
            padding: k / 2,
            transposed,
        };
        let w = (0..ci * co * k * k)
            .map(|_| self.next(127) as i32)
            .collect();
        let b = (0..co).map(|_| self.next(1 << 12)).collect();
        IntegerConv2d::new(spec, w, b, shift, act).unwrap()
    }
}
