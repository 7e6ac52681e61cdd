//! Golden values of the deterministic path: the frozen tables, the integer scale quantiser
//! and CDFs, one fixed stream's bytes, and the integer network blocks (hand-computed values
//! and independence of the thread count).

mod common;

use common::Lcg;
use semcom_entropy::container::{self, Header};
use semcom_entropy::fingerprint::frozen_tables_fingerprint;
use semcom_entropy::integer::{rescale, Activation, ConvSpec, IntTensor, IntegerConv2d};
use semcom_entropy::models::Component;
use semcom_entropy::{
    AdaptiveBit, Categorical, ConditionalTables, Encoder, Family, Mixture, ScaleTable,
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The hash of every f64-derived table (standard CDFs, scale table, softmax table). If this
/// fails, this machine computed a different table than the one streams were written with.
#[test]
fn frozen_tables_have_their_golden_hash() {
    assert_eq!(
        frozen_tables_fingerprint(),
        GOLDEN_FROZEN,
        "{:#x}",
        frozen_tables_fingerprint()
    );
    let fps: Vec<u64> = Family::ALL
        .iter()
        .map(|&f| ConditionalTables::standard(f).fingerprint())
        .collect();
    assert_eq!(fps, GOLDEN_TABLES, "{fps:#x?}");
}

#[test]
fn scale_quantiser_and_cdfs_have_golden_values() {
    let s = ScaleTable::standard();
    let fx = s.scales_fx();
    assert_eq!(
        (fx[0], fx[1], fx[32], fx[63]),
        GOLDEN_SCALES,
        "{:?}",
        (fx[0], fx[1], fx[32], fx[63])
    );
    // The integer quantiser: exact table values map to themselves, anything between to the
    // next larger scale, beyond the ends to the ends.
    assert_eq!(s.index_of(0), 0);
    assert_eq!(s.index_of(fx[0]), 0);
    assert_eq!(s.index_of(fx[0] + 1), 1);
    assert_eq!(s.index_of(fx[40]), 40);
    assert_eq!(s.index_of(fx[40] - 1), 40);
    assert_eq!(s.index_of(fx[40] + 1), 41);
    assert_eq!(s.index_of(u32::MAX), 63);
    assert_eq!(s.index_of(1 << 16), GOLDEN_INDEX_OF_ONE);
    let g = ConditionalTables::standard(Family::Gaussian);
    assert_eq!(g.cdf(0).unwrap(), GOLDEN_CDF_G0, "{:?}", g.cdf(0).unwrap());
    assert_eq!(
        &g.cdf(20).unwrap()[..8],
        GOLDEN_CDF_G20,
        "{:?}",
        &g.cdf(20).unwrap()[..8]
    );
    let m = Mixture::new(
        Family::Gaussian,
        &s,
        &[
            Component {
                weight: 40000,
                mean_fx: -300,
                scale_index: 12,
            },
            Component {
                weight: 25536,
                mean_fx: 900,
                scale_index: 25,
            },
        ],
    )
    .unwrap();
    let pts: Vec<u32> = (0..8).map(|i| m.cdf_point(i * 3)).collect();
    assert_eq!(
        (m.window(), pts.as_slice()),
        GOLDEN_MIXTURE,
        "{:?}",
        (m.window(), &pts)
    );
}

/// The bytes of one small fixed input, coded and wrapped in the container.
#[test]
fn fixed_input_has_golden_stream_bytes() {
    let g = ConditionalTables::standard(Family::Gaussian);
    let l = ConditionalTables::standard(Family::Laplace);
    let cat = Categorical::from_frequencies(&[5, 3, 1, 1]).unwrap();
    let mix = Mixture::from_logits(
        Family::Logistic,
        g.scales(),
        &[0, 8],
        &[-256, 512],
        &[20, 30],
    )
    .unwrap();
    let mut bit = AdaptiveBit::new(4);
    let mut enc = Encoder::new();
    for (k, v) in [0, 1, -1, 2, 0, 0, -3, 5, 100_000, -7]
        .into_iter()
        .enumerate()
    {
        enc.encode_conditional(&g, 4 * k + 3, v).unwrap();
        enc.encode_conditional(&l, 60 - 5 * k, -v).unwrap();
        enc.encode_categorical(&cat, k % 4).unwrap();
        enc.encode_bit(&mut bit, k % 3 == 0).unwrap();
        enc.encode_mixture(&mix, v / 2).unwrap();
    }
    enc.encode_bypass(0xabc, 12).unwrap();
    let payload = enc.finish();
    let header = Header {
        model: "golden".into(),
        fingerprint: 42,
        width: 16,
        height: 16,
        channels: 3,
    };
    let stream = container::write(&header, &[&payload]).unwrap();
    assert_eq!(hex(&stream), GOLDEN_STREAM, "{}", hex(&stream));
}

#[test]
fn rescale_rounds_half_up() {
    assert_eq!(rescale(5, 1), 3); // 2.5 → 3
    assert_eq!(rescale(-5, 1), -2); // −2.5 → −2
    assert_eq!(rescale(-6, 2), -1); // −1.5 → −1
    assert_eq!(rescale(7, 2), 2); // 1.75 → 2
    assert_eq!(rescale(-7, 2), -2); // −1.75 → −2
    assert_eq!(rescale(9, 0), 9);
}

/// A 1→1 channel 2×2 convolution and its transpose, checked against values worked out by
/// hand.
#[test]
fn integer_convolutions_match_hand_computed_values() {
    let x = IntTensor::new(1, 3, 3, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
    let spec = ConvSpec {
        in_channels: 1,
        out_channels: 1,
        kernel: 2,
        stride: 1,
        padding: 0,
        transposed: None,
    };
    // w = [[1, 0], [0, −1]] → x[i][j] − x[i+1][j+1] = −4 everywhere; bias 1, shift 1:
    // ⌊−3/2 + ½⌋ = −1.
    let conv =
        IntegerConv2d::new(spec, vec![1, 0, 0, -1], vec![1], 1, Activation::Identity).unwrap();
    assert_eq!(conv.forward(&x).unwrap().data(), &[-1, -1, -1, -1]);
    let relu = IntegerConv2d::new(spec, vec![1, 0, 0, -1], vec![1], 1, Activation::Relu).unwrap();
    assert_eq!(relu.forward(&x).unwrap().data(), &[0, 0, 0, 0]);
    // Stride-2 transposed convolution of a 2×2 input with w = [[1, 2], [3, 4]], no overlap:
    // each input value v becomes the block [[v, 2v], [3v, 4v]]; clamp to [0, 10].
    let t = ConvSpec {
        stride: 2,
        transposed: Some(0),
        ..spec
    };
    let up = IntegerConv2d::new(
        t,
        vec![1, 2, 3, 4],
        vec![0],
        0,
        Activation::Clamp { lo: 0, hi: 10 },
    )
    .unwrap();
    let y = up
        .forward(&IntTensor::new(1, 2, 2, vec![1, 2, 3, -1]).unwrap())
        .unwrap();
    assert_eq!(y.shape(), (1, 4, 4));
    assert_eq!(y.data(), &[1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 0, 0, 9, 10, 0, 0]);
}

/// A hyper-synthesis-shaped stack (two stride-2 transposed convolutions, one convolution)
/// gives the same integers on 1 and 2 threads, and the golden hash of its output.
#[test]
fn integer_stack_is_independent_of_the_thread_count() {
    use semcom_entropy::fingerprint::Fnv64;
    use semcom_entropy::integer::IntegerSequential;
    let mut rng = Lcg(12345);
    let clamp = Activation::Clamp { lo: 0, hi: 255 };
    let net = IntegerSequential {
        layers: vec![
            rng.layer((8, 12, 5, 2), Some(1), 8, clamp),
            rng.layer((12, 12, 5, 2), Some(1), 8, clamp),
            rng.layer((12, 16, 3, 1), None, 8, Activation::Identity),
        ],
    };
    let x = IntTensor::new(
        8,
        6,
        9,
        (0..8 * 6 * 9).map(|_| rng.next(255) as i32).collect(),
    )
    .unwrap();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| net.forward(&x).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a, b);
    assert_eq!(a.shape(), (16, 24, 36));
    let mut h = Fnv64::new();
    a.data().iter().for_each(|&v| h.u64(v as u64));
    assert_eq!(h.finish(), GOLDEN_STACK, "{:#x}", h.finish());
}

const GOLDEN_FROZEN: u64 = 0x1a8a_37fd_09af_ab81;
const GOLDEN_TABLES: [u64; 3] = [
    0xb51f_9c3e_0164_aee9,
    0x8ca8_0fb2_9bab_632b,
    0xe225_a566_72a2_f77b,
];
const GOLDEN_SCALES: (u32, u32, u32, u32) = (7209, 8153, 369843, 16777216);
const GOLDEN_INDEX_OF_ONE: usize = 18;
const GOLDEN_CDF_G0: &[u32] = &[0, 1, 65534, 65535, 65536];
const GOLDEN_CDF_G20: &[u32] = &[0, 1, 2, 4, 20, 222, 1724, 8017];
const GOLDEN_MIXTURE: ((i32, u32), &[u32]) =
    ((-11, 31), &[0, 3, 8, 274, 42611, 52690, 62832, 65371]);
const GOLDEN_STACK: u64 = 0x3683_8ce6_ca74_e9fc;
const GOLDEN_STREAM: &str = concat!(
    "53434543010006676f6c64656e2a0000001010030128bfc9a28f7feabe11b793b5d5e27fcf107db0",
    "458e2b7b76f3b003de0fd701f98806153e5213a102ecc810cd88"
);

/// Direct (textbook) convolution and transposed convolution, written independently of the
/// crate's loop order, on random geometries: the crate's layers give identical integers.
#[test]
fn integer_layers_match_a_direct_reference() {
    let mut rng = Lcg(99);
    let mut checked = 0;
    for case in 0..40 {
        let (ci, co) = (
            1 + rng.next(2).unsigned_abs() as usize,
            1 + rng.next(2).unsigned_abs() as usize,
        );
        let k = 1 + rng.next(2).unsigned_abs() as usize * 2; // 1, 3, 5
        let s = 1 + rng.next(1).unsigned_abs() as usize; // 1, 2
        let p = rng.next(k as i64).unsigned_abs() as usize % k;
        let tr = (case % 2 == 1).then_some(s - 1);
        let (h, w) = (
            3 + rng.next(3).unsigned_abs() as usize,
            4 + rng.next(3).unsigned_abs() as usize,
        );
        let spec = ConvSpec {
            in_channels: ci,
            out_channels: co,
            kernel: k,
            stride: s,
            padding: p,
            transposed: tr,
        };
        let wts: Vec<i32> = (0..ci * co * k * k).map(|_| rng.next(100) as i32).collect();
        let bias: Vec<i64> = (0..co).map(|_| rng.next(1000)).collect();
        let Ok(layer) =
            IntegerConv2d::new(spec, wts.clone(), bias.clone(), 3, Activation::Identity)
        else {
            continue;
        };
        // Every third case has inputs large enough for the i64 accumulator path.
        let big = if case % 3 == 0 { 1 << 22 } else { 1 };
        let x: Vec<i32> = (0..ci * h * w).map(|_| rng.next(50) as i32 * big).collect();
        let Ok(y) = layer.forward(&IntTensor::new(ci, h, w, x.clone()).unwrap()) else {
            continue;
        };
        checked += 1;
        let (_, oh, ow) = y.shape();
        for o in 0..co {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias[o];
                    for c in 0..ci {
                        for ky in 0..k {
                            for kx in 0..k {
                                let v = match tr {
                                    None => {
                                        let (iy, ix) = (
                                            (oy * s + ky) as i64 - p as i64,
                                            (ox * s + kx) as i64 - p as i64,
                                        );
                                        if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                            continue;
                                        }
                                        wts[((o * ci + c) * k + ky) * k + kx] as i64
                                            * x[(c * h + iy as usize) * w + ix as usize] as i64
                                    }
                                    Some(_) => {
                                        // out = in·s + tap − p  ⇔  in = (out + p − tap)/s if exact.
                                        let (ny, nx) = (
                                            oy as i64 + p as i64 - ky as i64,
                                            ox as i64 + p as i64 - kx as i64,
                                        );
                                        if ny < 0
                                            || nx < 0
                                            || ny % s as i64 != 0
                                            || nx % s as i64 != 0
                                        {
                                            continue;
                                        }
                                        let (iy, ix) =
                                            ((ny / s as i64) as usize, (nx / s as i64) as usize);
                                        if iy >= h || ix >= w {
                                            continue;
                                        }
                                        wts[((c * co + o) * k + ky) * k + kx] as i64
                                            * x[(c * h + iy) * w + ix] as i64
                                    }
                                };
                                acc += v;
                            }
                        }
                    }
                    // Identity saturates to i32.
                    let want = rescale(acc, 3).clamp(i32::MIN as i64, i32::MAX as i64);
                    assert_eq!(y.get(o, oy, ox) as i64, want, "case {case} {spec:?}");
                }
            }
        }
    }
    eprintln!("{checked} geometries checked");
    assert!(checked >= 20, "only {checked} geometries checked");
}

/// Invalid layers and inputs are errors, not panics or huge allocations.
#[test]
fn integer_layers_reject_invalid_geometry() {
    let spec = ConvSpec {
        in_channels: 2,
        out_channels: 1,
        kernel: 3,
        stride: 1,
        padding: 1,
        transposed: None,
    };
    let ok = |spec, n| IntegerConv2d::new(spec, vec![1; n], vec![0], 0, Activation::Relu);
    assert!(ok(spec, 18).is_ok());
    assert!(ok(spec, 17).is_err());
    assert!(ok(
        ConvSpec {
            kernel: 1 << 40,
            ..spec
        },
        18
    )
    .is_err());
    assert!(ok(
        ConvSpec {
            stride: usize::MAX,
            transposed: Some(0),
            ..spec
        },
        18
    )
    .is_err());
    assert!(ok(ConvSpec { padding: 3, ..spec }, 18).is_err());
    assert!(IntegerConv2d::new(spec, vec![1 << 16; 18], vec![0], 0, Activation::Relu).is_err());
    // Upsampling beyond the element limit is refused before allocating.
    let up = ConvSpec {
        in_channels: 1,
        stride: 1 << 16,
        transposed: Some(0),
        ..spec
    };
    let l = IntegerConv2d::new(up, vec![1; 9], vec![0], 0, Activation::Relu).unwrap();
    assert!(l
        .forward(&IntTensor::new(1, 64, 64, vec![0; 4096]).unwrap())
        .is_err());
    let l = ok(spec, 18).unwrap();
    assert!(l
        .forward(&IntTensor::new(3, 4, 4, vec![0; 48]).unwrap())
        .is_err());
    assert!(IntTensor::new(2, 4, 4, vec![0; 31]).is_err());
}
