//! The instruction-set paths of the decoders (AVX-512, AVX2, portable scalar) give bit-identical
//! results, reproduce the decoder they replaced, and `SEMCOM_SIMD` caps the path the library
//! picks at run time.

mod common;
use common::*;
use semcom_ldpc::decode::{CwDecodeResult, LLR_MAX};
use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind, LdpcError, SimdPath};

const KINDS: [DecoderKind; 5] = [
    DecoderKind::MinSumNormalized(0.75),
    DecoderKind::MinSumOffset(0.5),
    DecoderKind::MinSumNormalizedI16(0.75),
    DecoderKind::MinSumNormalizedI16(0.6),
    DecoderKind::SumProduct,
];

/// One code block (K', E, BPSK Es/N0 in dB): Zc = 384, 104, 64, 18, 176 and 7, i.e. multiples
/// of every vector width, lanes left over, and Zc below the width.
const SETUPS: [(usize, usize, f64); 6] = [
    (8448, 16896, -1.0),
    (1000, 2000, -1.5),
    (500, 1500, -3.0),
    (100, 300, -2.5),
    (3840, 5000, 0.5),
    (40, 100, -1.0),
];

/// `n` noisy words of a setup as decoder inputs (punctured columns 0, fillers +LLR_MAX), around
/// the waterfall so that some words converge early and some never do.
fn words(k: usize, e: usize, esn0_db: f64, n: usize) -> (CodeBlockCoder, Vec<Vec<f32>>) {
    let (coder, rm) = CodeBlockCoder::single(k, e, 2, 0).unwrap();
    let (z, len) = (coder.segmentation().z, coder.decoder().n());
    let (kp, kk) = (coder.segmentation().k_prime, coder.segmentation().k);
    let mut r = rng(k as u64);
    let words = (0..n)
        .map(|_| {
            let c = random_bits(&mut r, k);
            let llr = bpsk_awgn(&mut r, &coder.encode(&c, &rm).unwrap(), esn0_db);
            let mut buf = vec![0f32; coder.n_d()];
            rm.derate_match_add(&llr, &mut buf).unwrap();
            let mut full = vec![0f32; len];
            full[2 * z..].copy_from_slice(&buf[..len - 2 * z]);
            full[kp..kk].fill(LLR_MAX);
            full
        })
        .collect();
    (coder, words)
}

fn decode(
    coder: &CodeBlockCoder,
    path: SimdPath,
    llr: &[f32],
    kind: DecoderKind,
    early: bool,
) -> CwDecodeResult {
    let cfg = DecoderConfig { kind, max_iter: 12 };
    coder.decoder().decode_on(path, llr, &cfg, early).unwrap()
}

/// The supported paths; says which are skipped (and checks that decoding on them is an error).
fn paths() -> Vec<SimdPath> {
    let (yes, no): (Vec<_>, Vec<_>) = SimdPath::ALL.into_iter().partition(|p| p.is_supported());
    for p in no {
        eprintln!("skipping the {p} path: this CPU does not support it");
        let (coder, words) = words(40, 100, 0.0, 1);
        let cfg = DecoderConfig::default();
        let out = coder.decoder().decode_on(p, &words[0], &cfg, true);
        assert!(matches!(out, Err(LdpcError::Config(_))), "{p}");
    }
    yes
}

#[test]
fn every_path_gives_bit_identical_results() {
    let paths = paths();
    assert!(paths.contains(&SimdPath::Scalar));
    for (k, e, snr) in SETUPS {
        let (coder, words) = words(k, e, snr, 3);
        for kind in KINDS {
            for early in [false, true] {
                for llr in &words {
                    let want = decode(&coder, SimdPath::Scalar, llr, kind, early);
                    for &p in &paths[1..] {
                        let got = decode(&coder, p, llr, kind, early);
                        let what = format!("{p} vs scalar, K={k} {kind:?} early stop {early}");
                        assert_eq!(got.iterations, want.iterations, "{what}");
                        assert_eq!(got.syndrome_ok, want.syndrome_ok, "{what}");
                        assert_eq!(got.bits, want.bits, "{what}");
                        let bits = |r: &CwDecodeResult| -> Vec<u32> {
                            r.llrs.iter().map(|l| l.to_bits()).collect()
                        };
                        assert!(bits(&got) == bits(&want), "posterior LLRs differ: {what}");
                    }
                }
            }
        }
    }
}

/// FNV-1a over the posterior LLR bits, iterations and syndrome flags of 4 words.
fn fingerprint(
    coder: &CodeBlockCoder,
    words: &[Vec<f32>],
    path: SimdPath,
    kind: DecoderKind,
    early: bool,
) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: u32| {
        for b in x.to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    };
    for llr in words {
        let out = decode(coder, path, llr, kind, early);
        out.llrs.iter().for_each(|l| eat(l.to_bits()));
        eat(out.iterations as u32 * 2 + out.syndrome_ok as u32);
    }
    h
}

/// Golden fingerprints of the decoder these kernels replaced (Zc-wide autovectorised loops,
/// commit f9807e9): the same words decode to the same posterior LLRs, bit for bit, on every
/// path — so the waterfall is unchanged.
#[test]
fn decoders_reproduce_the_previous_implementation() {
    use DecoderKind::*;
    let golden: [(usize, DecoderKind, bool, u64); 12] = [
        (8448, MinSumNormalized(0.75), false, 0xb6eefc3187d8fd2f),
        (8448, MinSumNormalized(0.75), true, 0x0591ae8cc9822f30),
        (8448, MinSumOffset(0.5), true, 0xf25abe4b731a2d91),
        (8448, MinSumNormalizedI16(0.75), false, 0x3d194c65f0274498),
        (8448, MinSumNormalizedI16(0.75), true, 0x6e5ad03083fc01af),
        (8448, SumProduct, true, 0xcc78eebefc344a42),
        (1000, MinSumNormalized(0.75), true, 0x252a97b5ab8d958d),
        (1000, MinSumOffset(0.5), false, 0xaec42525fc7af209),
        (1000, MinSumNormalizedI16(0.6), true, 0x2a35ad2678c6e888),
        (40, MinSumNormalized(0.75), true, 0xcdfb7a248ad03bed),
        (40, MinSumNormalizedI16(0.75), true, 0x05eef1f4cf2a62a2),
        (40, MinSumOffset(0.5), false, 0x86a551ebc1d634f8),
    ];
    let paths = paths();
    for (k, e, snr) in SETUPS
        .into_iter()
        .filter(|s| [8448, 1000, 40].contains(&s.0))
    {
        // as recorded: 4 fresh words for each (kind, early stop), in the order of KINDS
        let (coder, words) = words(k, e, snr, 4 * 2 * KINDS.len());
        for &(_, kind, early, want) in golden.iter().filter(|g| g.0 == k) {
            let i = 4 * (2 * KINDS.iter().position(|&x| x == kind).unwrap() + early as usize);
            for &p in &paths {
                let got = fingerprint(&coder, &words[i..i + 4], p, kind, early);
                let what = format!("{p}, K={k} {kind:?} early stop {early}: {got:#018x}");
                assert_eq!(got, want, "{what}");
            }
        }
    }
}

#[test]
fn semcom_simd_caps_the_active_path() {
    assert!(SimdPath::active() <= SimdPath::best());
    assert!("bogus".parse::<SimdPath>().is_err());
    let exe = std::env::current_exe().unwrap();
    for cap in ["scalar", "avx2", "avx512"] {
        let want = cap.parse::<SimdPath>().unwrap().min(SimdPath::best());
        assert_eq!(want.name().parse::<SimdPath>().unwrap(), want);
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "active_path_in_child",
                "--ignored",
                "--nocapture",
            ])
            .env("SEMCOM_SIMD", cap)
            .env("SEMCOM_SIMD_EXPECT", want.name())
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "SEMCOM_SIMD={cap}: {log}");
        assert!(log.contains("1 passed"), "the child test ran: {log}");
    }
}

/// Run by `semcom_simd_caps_the_active_path` in a child process with `SEMCOM_SIMD` set.
#[test]
#[ignore = "run by semcom_simd_caps_the_active_path"]
fn active_path_in_child() {
    let want = std::env::var("SEMCOM_SIMD_EXPECT").expect("run by the parent test");
    assert_eq!(SimdPath::active().name(), want);
    // the library's dispatch follows it: decoding works and matches the scalar path
    let (coder, words) = words(100, 300, -2.5, 1);
    let kind = DecoderKind::MinSumNormalizedI16(0.75);
    let cfg = DecoderConfig { kind, max_iter: 12 };
    let a = coder.decoder().decode_with(&words[0], &cfg, true).unwrap();
    let b = decode(&coder, SimdPath::Scalar, &words[0], kind, true);
    assert_eq!((a.llrs, a.iterations), (b.llrs, b.iterations));
}
