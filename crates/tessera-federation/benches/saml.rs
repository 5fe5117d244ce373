//! SAML Response verification: the fixtures of `tests/data/saml`, verified
//! whole (decode, profile, libxmlsec1, reader) and refused (another key).

use base64::{Engine, engine::general_purpose::STANDARD};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tessera_federation::saml::{DEFAULT_AUDIENCE, Expectations, IdpMetadata, verify_response};

/// 2026-01-01T00:01:00Z, inside the fixtures' validity window.
const NOW: i64 = 1_767_225_660;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/saml/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bench(c: &mut Criterion) {
    let idp = IdpMetadata::parse(&fixture("idp-metadata.xml")).expect("metadata");
    let audiences = [DEFAULT_AUDIENCE.to_string()];
    let expect = Expectations {
        audiences: &audiences,
        now: NOW,
    };
    let signed = STANDARD.encode(fixture("assertion-signed.xml"));
    let other_key = STANDARD.encode(fixture("other-key-signed.xml"));
    assert!(verify_response(&signed, &idp, &expect).is_ok());
    assert!(verify_response(&other_key, &idp, &expect).is_err());

    c.bench_function("saml: verify a signed response (RSA-2048, 3 KB)", |b| {
        b.iter(|| verify_response(black_box(&signed), &idp, &expect))
    });
    c.bench_function("saml: refuse a response signed by another key", |b| {
        b.iter(|| verify_response(black_box(&other_key), &idp, &expect))
    });
    c.bench_function("saml: parse IdP metadata", |b| {
        let metadata = fixture("idp-metadata.xml");
        b.iter(|| IdpMetadata::parse(black_box(&metadata)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
