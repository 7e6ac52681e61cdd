//! Throughput of AWGN + 16-QAM max-log demapping (coded bits/s), 1 vs 2 threads.
//! Run: `cargo bench -p semcom-channel --bench throughput`.

use rand::Rng;
use semcom_channel::awgn::{add_awgn, noise_var};
use semcom_channel::{Demapper, Modulation};
use semcom_core::rng::rng_for;
use std::time::Instant;

/// CPU time (user + system) of the whole process, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zero-initialised struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Best wall time and best CPU time over `reps` runs (the machine is shared: CPU time is the
/// per-core cost, wall time the parallel speed).
fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
    let mut out = None;
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_seconds());
        let v = f();
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c);
        out = Some(v);
    }
    (wall, cpu, out.expect("reps > 0"))
}

fn main() {
    let m = Modulation::Qam16;
    let n_sym = 1usize << 22;
    let n_bits = n_sym * m.bits_per_symbol();
    let mut r = rng_for(1, 0);
    let bits: Vec<u8> = (0..n_bits).map(|_| r.random::<bool>() as u8).collect();
    let x = m.modulate(&bits).expect("whole symbols");
    let n0 = noise_var(10.0);
    println!("AWGN + 16-QAM max-log demapping, {n_sym} symbols = {n_bits} coded bits, Es/N0 = 10 dB, best of 5");
    println!("(wall = elapsed time; cpu = throughput per CPU-second, i.e. per core)");
    println!(
        "{:>7} {:>11} {:>11} {:>11} {:>11} {:>15} {:>15}",
        "threads",
        "awgn wall",
        "awgn cpu",
        "demap wall",
        "demap cpu",
        "awgn+demap wall",
        "awgn+demap cpu"
    );
    let mut results = Vec::new();
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let (ta, ca, y) = pool.install(|| best_of(5, || add_awgn(&x, n0, 42)));
        let (td, cd, llr) = pool.install(|| {
            best_of(5, || {
                m.demap(&y, &[n0 as f32], Demapper::MaxLog).expect("valid")
            })
        });
        let (tt, ct, llr2) = pool.install(|| {
            best_of(5, || {
                m.demap(&add_awgn(&x, n0, 42), &[n0 as f32], Demapper::MaxLog)
                    .expect("valid")
            })
        });
        assert_eq!(llr, llr2);
        let mb = |t: f64| n_bits as f64 / t / 1e6;
        println!(
            "{:>7} {:>11.1} {:>11.1} {:>11.1} {:>11.1} {:>15.1} {:>15.1}",
            threads,
            mb(ta),
            mb(ca),
            mb(td),
            mb(cd),
            mb(tt),
            mb(ct)
        );
        results.push((tt, llr));
    }
    assert!(
        results[0].1 == results[1].1,
        "results differ between 1 and 2 threads"
    );
    println!(
        "wall-clock speed-up 2 threads / 1 thread: {:.2}x (load average {}); outputs identical: yes",
        results[0].0 / results[1].0,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().next().unwrap_or("?")
    );
    println!("units: Mbit/s of coded bits");
}
