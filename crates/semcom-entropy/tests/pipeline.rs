//! The pieces together, shaped like a scale-hyperprior codec: `z` coded with per-channel
//! categorical models, an integer hyper-synthesis of the decoded `z` giving fixed-point scales,
//! the integer scale quantiser, `y` coded with the Gaussian conditional tables, both
//! sub-streams in one container. The receiver runs the hyper-synthesis with another thread
//! count and gets the same scale indices, hence the same `y`.

mod common;

use common::Lcg;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use semcom_entropy::container::{self, Header, Limits};
use semcom_entropy::fingerprint::Fnv64;
use semcom_entropy::integer::{Activation, IntTensor, IntegerSequential};
use semcom_entropy::{Categorical, ConditionalTables, Decoder, Encoder, EntropyError, Family};

const NAME: &str = "toy-hyperprior";

struct Toy {
    z_models: Vec<Categorical>,
    hyper: IntegerSequential,
    tables: ConditionalTables,
}

impl Toy {
    fn new() -> Self {
        let mut rng = Lcg(3);
        let q = Activation::Clamp { lo: 0, hi: 255 };
        Self {
            // z ∈ −8..=8 stored as symbol z + 8, a different peaked table per channel.
            z_models: (0..4)
                .map(|c| {
                    let f: Vec<u64> = (-8i64..=8).map(|v| 1000 >> (v.abs() + c).min(12)).collect();
                    Categorical::from_frequencies(&f).unwrap()
                })
                .collect(),
            hyper: IntegerSequential {
                layers: vec![
                    rng.layer((4, 6, 5, 2), Some(1), 6, q),
                    rng.layer(
                        (6, 8, 3, 1),
                        None,
                        6,
                        Activation::Clamp { lo: 0, hi: 1 << 14 },
                    ),
                ],
            },
            tables: ConditionalTables::standard(Family::Gaussian),
        }
    }

    /// Model fingerprint: the hyper-synthesis parameters and the entropy tables.
    fn fingerprint(&self) -> u32 {
        let mut h = Fnv64::new();
        h.u64(self.tables.fingerprint());
        self.z_models
            .iter()
            .flat_map(|m| m.cdf())
            .for_each(|&c| h.u64(c as u64));
        h.bytes(format!("{:?}", self.hyper).as_bytes());
        h.finish() as u32
    }

    /// Scale indices of y from decoded z (output ×2^8 → scale ×2^16 → index).
    fn indices(&self, z: &IntTensor) -> Vec<usize> {
        let s = self.hyper.forward(z).unwrap();
        s.data()
            .iter()
            .map(|&v| self.tables.scales().index_of((v as u32) << 8))
            .collect()
    }

    fn encode(&self, z: &IntTensor, y: &[i32], threads: usize) -> Vec<u8> {
        let mut ez = Encoder::new();
        let (c, h, w) = z.shape();
        for (i, &v) in z.data().iter().enumerate() {
            ez.encode_categorical(&self.z_models[i / (h * w)], (v + 8) as usize)
                .unwrap();
        }
        let idx = pool(threads).install(|| self.indices(z));
        let mut ey = Encoder::new();
        ey.encode_conditional_all(&self.tables, &idx, y).unwrap();
        let header = Header {
            model: NAME.into(),
            fingerprint: self.fingerprint(),
            width: 16 * w as u32,
            height: 16 * h as u32,
            channels: 3,
        };
        assert_eq!(c, 4);
        container::write(&header, &[&ez.finish(), &ey.finish()]).unwrap()
    }

    fn decode(&self, stream: &[u8], threads: usize) -> Result<Vec<i32>, EntropyError> {
        let s = container::read(stream, &Limits::default())?;
        s.expect_model(NAME, self.fingerprint())?;
        let (h, w) = (s.header.height as usize / 16, s.header.width as usize / 16);
        let mut dz = Decoder::new(s.parts[0])?;
        let z: Vec<i32> = (0..4 * h * w)
            .map(|i| Ok(dz.decode_categorical(&self.z_models[i / (h * w)])? as i32 - 8))
            .collect::<Result<_, EntropyError>>()?;
        let z = IntTensor::new(4, h, w, z)?;
        let idx = pool(threads).install(|| self.indices(&z));
        Decoder::new(s.parts[1])?.decode_conditional_all(&self.tables, &idx)
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn hyperprior_shaped_pipeline_decodes_identically_on_other_thread_counts() {
    let toy = Toy::new();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let (h, w) = (3, 5);
    let z: Vec<i32> = (0..4 * h * w)
        .map(|_| (Normal::new(0.0f64, 1.5).unwrap().sample(&mut rng).round() as i32).clamp(-8, 8))
        .collect();
    let z = IntTensor::new(4, h, w, z).unwrap();
    let idx = toy.indices(&z);
    assert_eq!(idx.len(), 8 * (2 * h) * (2 * w));
    assert!(
        idx.iter().min() != idx.iter().max(),
        "the hyper-synthesis selects several scales"
    );
    // y drawn with the scales the indices select, plus a few outliers for the escape.
    let scales = toy.tables.scales().scales_fx();
    let y: Vec<i32> = idx
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let v = Normal::new(0.0, scales[i] as f64 / 65536.0)
                .unwrap()
                .sample(&mut rng)
                .round() as i32;
            if k % 97 == 0 {
                v + 5000
            } else {
                v
            }
        })
        .collect();
    let stream = toy.encode(&z, &y, 2);
    assert_eq!(toy.decode(&stream, 1).unwrap(), y);
    assert_eq!(toy.decode(&stream, 2).unwrap(), y);
    // Another model (different tables) refuses the stream with a clear error.
    let other = Toy {
        tables: ConditionalTables::standard(Family::Laplace),
        ..Toy::new()
    };
    assert!(matches!(
        other.decode(&stream, 1),
        Err(EntropyError::ModelMismatch { .. })
    ));
    // A flipped bit anywhere is an error, never a panic.
    for i in (0..stream.len()).step_by(7) {
        let mut bad = stream.clone();
        bad[i] ^= 4;
        assert!(toy.decode(&bad, 1).is_err(), "byte {i}");
    }
}
