//! The stream container: round trip and one test per typed error.

use semcom_entropy::container::{self, Header, Limits, FORMAT_VERSION, MAGIC};
use semcom_entropy::EntropyError;

fn header() -> Header {
    Header {
        model: "bmshj2018-hyperprior-q3".into(),
        fingerprint: 0xdead_beef,
        width: 768,
        height: 512,
        channels: 3,
    }
}

fn stream() -> Vec<u8> {
    container::write(&header(), &[b"zzz", b"", &[7u8; 300]]).unwrap()
}

#[test]
fn round_trip_and_overhead() {
    let s = stream();
    assert_eq!(&s[..4], &MAGIC);
    assert_eq!(s[4], FORMAT_VERSION);
    let p = container::read(&s, &Limits::default()).unwrap();
    assert_eq!(p.header, header());
    assert_eq!(p.parts, vec![&b"zzz"[..], &b""[..], &[7u8; 300][..]]);
    assert_eq!(s.len(), 303 + container::overhead(&header(), &[3, 0, 300]));
    // 7 + 23 (name) + 4 + 2 + 2 + 1 + 1 + (1 + 1 + 2) + 4 bytes.
    assert_eq!(container::overhead(&header(), &[3, 0, 300]), 48);
    assert_eq!(container::overhead(&header(), &[500, 24_000]), 49);
    p.expect_model("bmshj2018-hyperprior-q3", 0xdead_beef)
        .unwrap();
}

#[test]
fn mismatched_model_is_a_clear_error() {
    let s = stream();
    let p = container::read(&s, &Limits::default()).unwrap();
    let e = p
        .expect_model("bmshj2018-hyperprior-q4", 0xdead_beef)
        .unwrap_err();
    assert!(matches!(e, EntropyError::ModelMismatch { .. }));
    assert!(e.to_string().contains("bmshj2018-hyperprior-q3"), "{e}");
    let e = p.expect_model("bmshj2018-hyperprior-q3", 1).unwrap_err();
    assert!(matches!(
        e,
        EntropyError::ModelMismatch {
            found_fp: 0xdead_beef,
            ..
        }
    ));
}

#[test]
fn every_failure_has_its_error() {
    let s = stream();
    let lim = Limits::default();
    let mut bad = s.clone();
    bad[0] = b'X';
    assert_eq!(container::read(&bad, &lim), Err(EntropyError::BadMagic));
    let mut bad = s.clone();
    bad[4] = 9;
    assert!(matches!(
        container::read(&bad, &lim),
        Err(EntropyError::UnsupportedVersion { found: 9, .. })
    ));
    let mut bad = s.clone();
    bad[5] = 1;
    assert!(matches!(
        container::read(&bad, &lim),
        Err(EntropyError::Malformed(_))
    ));
    let mut bad = s.clone();
    bad[7] = b'B'; // upper case is not allowed in names
    assert!(matches!(
        container::read(&bad, &lim),
        Err(EntropyError::Malformed(_))
    ));
    // Truncation anywhere: a typed error, never a panic.
    for len in 0..s.len() {
        let e = container::read(&s[..len], &lim).unwrap_err();
        assert!(
            matches!(e, EntropyError::Truncated { .. }),
            "length {len}: {e}"
        );
    }
    // Trailing bytes.
    let mut long = s.clone();
    long.push(0);
    assert_eq!(
        container::read(&long, &lim),
        Err(EntropyError::TrailingBytes(1))
    );
    // A payload bit flip is caught by the checksum.
    let mut bad = s.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x10;
    assert!(matches!(
        container::read(&bad, &lim),
        Err(EntropyError::Checksum { .. })
    ));
    // Limits, before any allocation.
    let small = Limits {
        max_side: 512,
        ..lim
    };
    assert!(matches!(
        container::read(&s, &small),
        Err(EntropyError::Limit {
            field: "width",
            value: 768,
            ..
        })
    ));
    let few = Limits {
        max_parts: 2,
        ..lim
    };
    assert!(matches!(
        container::read(&s, &few),
        Err(EntropyError::Limit {
            field: "sub-stream count",
            ..
        })
    ));
}

#[test]
fn absurd_headers_are_rejected_without_allocating() {
    // width 2^32 − 1 (5-byte LEB128) and a sub-stream of 4 GiB − 1 in a 40-byte stream.
    let mut s = Vec::new();
    s.extend_from_slice(&MAGIC);
    s.extend_from_slice(&[FORMAT_VERSION, 0, 1, b'm', 0, 0, 0, 0]);
    s.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f, 1, 3, 1]);
    let e = container::read(&s, &Limits::default()).unwrap_err();
    assert!(
        matches!(e, EntropyError::Limit { field: "width", .. }),
        "{e}"
    );
    let mut s = Vec::new();
    s.extend_from_slice(&MAGIC);
    s.extend_from_slice(&[FORMAT_VERSION, 0, 1, b'm', 0, 0, 0, 0, 16, 16, 1, 1]);
    s.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0]);
    let e = container::read(&s, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            EntropyError::Truncated {
                what: "payload",
                needed: 4_294_967_295,
                ..
            }
        ),
        "{e}"
    );
    // An overlong LEB128 number.
    let mut s = Vec::new();
    s.extend_from_slice(&MAGIC);
    s.extend_from_slice(&[
        FORMAT_VERSION,
        0,
        1,
        b'm',
        0,
        0,
        0,
        0,
        0x80,
        0x80,
        0x80,
        0x80,
        0x80,
        1,
    ]);
    assert!(matches!(
        container::read(&s, &Limits::default()),
        Err(EntropyError::Malformed(_))
    ));
}

#[test]
fn writer_validates_the_header() {
    let mut h = header();
    h.channels = 2;
    assert!(container::write(&h, &[]).is_err());
    let mut h = header();
    h.model = "x".repeat(33);
    assert!(container::write(&h, &[]).is_err());
    let mut h = header();
    h.width = 0;
    assert!(container::write(&h, &[]).is_err());
}
