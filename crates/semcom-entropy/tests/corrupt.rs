//! Mutated and truncated streams decode to an error or to some values — never a panic, and
//! never an allocation beyond a small multiple of the input (measured with a counting global
//! allocator). One test function, so that no other test allocates concurrently.

mod common;

use common::{decode, encode, workload, Models};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use semcom_entropy::container::{self, Header, Limits};
use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(live, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Runs `f` and returns its result and the peak of extra live bytes while it ran.
fn peak_extra<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

fn mutate(rng: &mut ChaCha8Rng, s: &[u8]) -> Vec<u8> {
    let mut v = s.to_vec();
    match rng.random_range(0..5) {
        0 => {
            for _ in 0..rng.random_range(1..=8) {
                let i = rng.random_range(0..v.len());
                v[i] ^= 1 << rng.random_range(0..8);
            }
        }
        1 => {
            let i = rng.random_range(0..v.len());
            v[i] = rng.random();
        }
        2 => v.truncate(rng.random_range(0..v.len())),
        3 => {
            let i = rng.random_range(0..=v.len());
            let junk: Vec<u8> = (0..rng.random_range(1..64)).map(|_| rng.random()).collect();
            v.splice(i..i, junk);
        }
        _ => {
            // Damage the header region only.
            let i = rng.random_range(0..40.min(v.len()));
            v[i] = rng.random();
        }
    }
    v
}

#[test]
fn mutated_and_truncated_streams_never_panic_or_over_allocate() {
    let models = Models::new();
    let ops = workload(99, 3000);
    let (payload, _) = encode(&models, &ops);
    let header = Header {
        model: "fuzz".into(),
        fingerprint: 1,
        width: 64,
        height: 48,
        channels: 3,
    };
    let stream = container::write(&header, &[&payload, &payload[..10]]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (mut container_errors, mut decode_errors, mut decoded) = (0, 0, 0);

    // 1. Mutated containers: every change is caught by a typed error (the CRC at the latest).
    for _ in 0..1200 {
        let bad = mutate(&mut rng, &stream);
        let (r, extra) = peak_extra(|| {
            catch_unwind(AssertUnwindSafe(|| {
                container::read(&bad, &Limits::default()).map(|s| s.parts.len())
            }))
        });
        let r = r.expect("container::read panicked");
        assert!(extra <= 1024, "container::read allocated {extra} bytes");
        if bad != stream {
            assert!(r.is_err(), "an altered stream was accepted");
            container_errors += 1;
        }
    }

    // 2. Mutated entropy-coded payloads (CRC bypassed): the range decoder and the escape
    //    decoder return values or errors; allocation stays bounded by the input size plus
    //    the decoded symbols.
    for _ in 0..1200 {
        let bad = mutate(&mut rng, &payload);
        let (r, extra) =
            peak_extra(|| catch_unwind(AssertUnwindSafe(|| decode(&models, &ops, &bad))));
        let r = r.expect("decoder panicked");
        let bound = 2 * bad.len() + 64 * ops.len() + 4096;
        assert!(extra <= bound, "decoder allocated {extra} > {bound} bytes");
        match r {
            Ok(_) => decoded += 1,
            Err(_) => decode_errors += 1,
        }
    }
    // Random bytes of random lengths as a payload.
    for _ in 0..200 {
        let junk: Vec<u8> = (0..rng.random_range(0..2000))
            .map(|_| rng.random())
            .collect();
        let r = catch_unwind(AssertUnwindSafe(|| decode(&models, &ops, &junk)));
        assert!(r.is_ok(), "decoder panicked on random bytes");
    }
    eprintln!(
        "containers rejected: {container_errors}; payloads: {decoded} decoded to some values, {decode_errors} errors"
    );
    assert!(container_errors >= 1100);
    assert!(decode_errors > 0, "escape-length checks never fired");
}
