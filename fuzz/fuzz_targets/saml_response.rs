//! Fuzzes SAML Response handling: decoding, XML parsing without a DTD, the
//! wrapping-proof profile, libxmlsec1 verification and the assertion reader.
//! Nothing may panic; and whatever the fuzzer does to the validly signed
//! fixtures, a Response that still verifies yields exactly the values the
//! IdP signed, never values it did not.
#![no_main]

use base64::{Engine, engine::general_purpose::STANDARD};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tessera_federation::saml::{
    DEFAULT_AUDIENCE, Expectations, IdpMetadata, SamlAssertion, read_without_signature,
    verify_response,
};


const METADATA: &str = include_str!("../../crates/tessera-federation/tests/data/saml/idp-metadata.xml");
/// The validly signed fixtures.
const SIGNED: [&str; 2] = [
    include_str!("../../crates/tessera-federation/tests/data/saml/assertion-signed.xml"),
    include_str!("../../crates/tessera-federation/tests/data/saml/comment-in-nameid.xml"),
];
/// 2026-01-01T00:01:00Z, inside the fixtures' validity window.
const NOW: i64 = 1_767_225_660;

struct Fixed {
    idp: IdpMetadata,
    signed_values: Vec<SamlAssertion>,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let audiences = [DEFAULT_AUDIENCE.to_string()];
        let idp = IdpMetadata::parse(METADATA).expect("fixture metadata");
        let expect = Expectations { audiences: &audiences, now: NOW };
        let signed_values = SIGNED
            .iter()
            .map(|xml| verify_response(&STANDARD.encode(xml), &idp, &expect).expect("signed fixture"))
            .collect();
        Fixed { idp, signed_values }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixed = fixed();
    let audiences = [DEFAULT_AUDIENCE.to_string()];
    let expect = Expectations { audiences: &audiences, now: NOW };
    let encoded = STANDARD.encode(data);
    // The reader, reached as if the input were signed content.
    let _ = read_without_signature(&encoded, &fixed.idp, &expect);
    // The whole path.
    if let Ok(values) = verify_response(&encoded, &fixed.idp, &expect) {
        assert!(
            fixed.signed_values.contains(&values),
            "verified values the IdP never signed: {values:?}"
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = IdpMetadata::parse(text);
    }
});
