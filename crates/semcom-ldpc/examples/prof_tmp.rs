use semcom_ldpc::{CodeBlockCoder, DecoderConfig, DecoderKind, SimdPath};
fn cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}
fn main() {
    let (coder, _rm) = CodeBlockCoder::single(8448, 16896, 2, 0).unwrap();
    let dec = coder.decoder();
    let n = dec.n();
    let llr: Vec<f32> = (0..n)
        .map(|i| {
            if i < 768 {
                0.0
            } else {
                3.0 + ((i * 7919) % 13) as f32 * 0.1 - 1.0 * ((i % 5 == 0) as u8 as f32) * 4.5
            }
        })
        .collect();
    let path: SimdPath = std::env::args().nth(1).unwrap().parse().unwrap();
    for kind in [
        DecoderKind::MinSumNormalized(0.75),
        DecoderKind::MinSumNormalizedI16(0.75),
    ] {
        for it in [0usize, 10] {
            let cfg = DecoderConfig { kind, max_iter: it };
            let reps = 300;
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = cpu();
                for _ in 0..reps {
                    std::hint::black_box(dec.decode_on(path, &llr, &cfg, false).unwrap());
                }
                best = best.min((cpu() - t) / reps as f64);
            }
            println!(
                "{path} {kind:?} it={it}: {:.1} us  {:.1} Mbit/s",
                best * 1e6,
                8448.0 / best / 1e6
            );
        }
    }
}
