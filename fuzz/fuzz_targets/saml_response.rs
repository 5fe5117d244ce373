//! Fuzzes SAML Response handling: decoding, XML parsing without a DTD, the
//! wrapping-proof profile, libxmlsec1 verification and the assertion reader.
//! Nothing may panic, and nothing unsigned may verify.
#![no_main]

use base64::{Engine, engine::general_purpose::STANDARD};
use libfuzzer_sys::fuzz_target;
use tessera_federation::saml::{
    DEFAULT_AUDIENCE, Expectations, IdpMetadata, read_without_signature, verify_response,
};

const METADATA: &str = include_str!("../../crates/tessera-federation/tests/data/saml/idp-metadata.xml");
/// 2026-01-01T00:01:00Z, inside the fixtures' validity window.
const NOW: i64 = 1_767_225_660;

fuzz_target!(|data: &[u8]| {
    let idp = IdpMetadata::parse(METADATA).expect("fixture metadata");
    let expect = Expectations { audience: DEFAULT_AUDIENCE, now: NOW };
    let encoded = STANDARD.encode(data);
    // The reader, reached as if the input were signed content.
    let _ = read_without_signature(&encoded, &idp, &expect);
    // The whole path: an input the fuzzer made cannot carry the IdP's
    // signature, so it must never verify.
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(verify_response(&encoded, &idp, &expect).is_err(), "{text}");
        let _ = IdpMetadata::parse(text);
    }
});
