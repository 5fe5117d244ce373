//! SAML Response verification against responses signed by the `xmlsec1`
//! command (see `tests/data/saml/README.md`).

use base64::{Engine, engine::general_purpose::STANDARD};
use std::path::PathBuf;
use tessera_federation::saml::{
    DEFAULT_AUDIENCE, Expectations, IdpMetadata, SamlError, verify_response,
};

/// 2026-01-01T00:01:00Z: inside the fixtures' validity window.
const NOW: i64 = 1_767_225_660;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("tests/data/saml")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn idp() -> IdpMetadata {
    IdpMetadata::parse(&fixture("idp-metadata.xml")).expect("valid metadata")
}

fn verify_at(
    xml: &str,
    now: i64,
    audience: &str,
) -> Result<tessera_federation::saml::SamlAssertion, SamlError> {
    verify_response(
        &STANDARD.encode(xml),
        &idp(),
        &Expectations {
            audiences: &[audience.to_string()],
            now,
        },
    )
}

fn verify(xml: &str) -> Result<tessera_federation::saml::SamlAssertion, SamlError> {
    verify_at(xml, NOW, DEFAULT_AUDIENCE)
}

fn assert_invalid(result: Result<tessera_federation::saml::SamlAssertion, SamlError>, what: &str) {
    assert!(
        matches!(result, Err(SamlError::Invalid(_))),
        "{what}: {result:?}"
    );
}

#[test]
fn a_response_signed_by_the_idp_verifies_and_yields_its_values() {
    let assertion = verify(&fixture("assertion-signed.xml")).expect("valid");
    assert_eq!(assertion.issuer, "https://idp.example.com/saml");
    assert_eq!(assertion.subject, "alice");
    assert_eq!(assertion.subject_type(), "persistent");
    assert_eq!(assertion.recipient, DEFAULT_AUDIENCE);
    assert_eq!(assertion.audiences, vec![DEFAULT_AUDIENCE.to_string()]);
    assert_eq!(assertion.not_on_or_after, NOW + 240);
    assert_eq!(assertion.session_not_on_or_after, Some(1_767_254_400));
    assert_eq!(
        assertion.attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
        Some(&["alice".to_string()][..])
    );
}

#[test]
fn the_validity_window_is_enforced_with_a_minute_of_skew() {
    let xml = fixture("assertion-signed.xml");
    // NotOnOrAfter is 00:05:00; 60 s of skew.
    assert!(verify_at(&xml, NOW + 299, DEFAULT_AUDIENCE).is_ok());
    assert!(matches!(
        verify_at(&xml, NOW + 300, DEFAULT_AUDIENCE),
        Err(SamlError::Expired(_))
    ));
    // NotBefore is 23:59:00.
    assert!(verify_at(&xml, NOW - 180, DEFAULT_AUDIENCE).is_ok());
    assert_invalid(
        verify_at(&xml, NOW - 181, DEFAULT_AUDIENCE),
        "not yet valid",
    );
}

#[test]
fn another_audience_is_refused() {
    assert_invalid(
        verify_at(
            &fixture("assertion-signed.xml"),
            NOW,
            "https://sts.example.com/saml",
        ),
        "audience",
    );
}

#[test]
fn wrong_keys_tampering_and_missing_signatures_are_refused() {
    let xml = fixture("assertion-signed.xml");
    assert_invalid(verify(&fixture("other-key-signed.xml")), "other key");
    assert_invalid(
        verify(&xml.replace(">alice</saml:NameID>", ">mallory</saml:NameID>")),
        "tampered subject",
    );
    assert_invalid(
        verify(&xml.replace("saml-provider/corp", "saml-provider/evil")),
        "tampered attribute",
    );
    let start = xml.find("<ds:Signature").expect("signed");
    let end = xml.find("</ds:Signature>").expect("signed") + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &xml[..start], &xml[end..]);
    assert_invalid(verify(&unsigned), "unsigned");
    // A second, unsigned assertion beside the signed one.
    let assertion_start = xml.find("<saml:Assertion").expect("assertion");
    let evil = unsigned[assertion_start..]
        .split_once("</saml:Assertion>")
        .expect("assertion")
        .0
        .replace("_assertion1", "_evil")
        .replace(">alice<", ">mallory<");
    let wrapped = format!(
        "{}{evil}</saml:Assertion>{}",
        &xml[..assertion_start],
        &xml[assertion_start..]
    );
    assert_invalid(verify(&wrapped), "two assertions");
    // A DTD, however harmless.
    let with_dtd = xml.replacen(
        "<samlp:Response",
        "<!DOCTYPE samlp:Response [<!ENTITY a \"b\">]><samlp:Response",
        1,
    );
    assert_invalid(verify(&with_dtd), "DTD");
    assert_invalid(
        verify_response(
            "not base64!",
            &idp(),
            &Expectations {
                audiences: &[DEFAULT_AUDIENCE.to_string()],
                now: NOW,
            },
        ),
        "base64",
    );
}

#[test]
fn a_comment_cannot_truncate_the_subject() {
    let assertion = verify(&fixture("comment-in-nameid.xml")).expect("validly signed");
    assert_eq!(assertion.subject, "alice@example.com.evil.com");
}

#[test]
fn verification_is_safe_from_many_threads_at_once() {
    // libxml2 and libxmlsec1 keep global state; the server verifies on
    // several blocking threads at once.
    let good = STANDARD.encode(fixture("assertion-signed.xml"));
    let bad = STANDARD.encode(fixture("other-key-signed.xml"));
    let idp = idp();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let expect = Expectations {
                    audiences: &[DEFAULT_AUDIENCE.to_string()],
                    now: NOW,
                };
                for _ in 0..50 {
                    assert!(verify_response(&good, &idp, &expect).is_ok());
                    assert!(verify_response(&bad, &idp, &expect).is_err());
                }
            });
        }
    });
}
