//! Arbitrary input through the same entry points as the fuzz target
//! `session_token`: text opened as a session token, a sealed secret and a
//! sealed message against a fixed, rotated key ring, and a genuine token
//! presented with arbitrary access key ids. Nothing may panic and nothing
//! forged may open.

use base64::{Engine, engine::general_purpose::STANDARD};
use proptest::prelude::*;
use tessera_token::{
    KeyRing, SessionClaims, SessionPrincipal, open_session_token, seal_session_token,
    sealed_message_key_id, sealed_secret_key_id, token_key_id,
};
use time::macros::datetime;

const ACCESS_KEY_ID: &str = "ASIAQAAAAAAAAAAAAAAA";

fn claims() -> SessionClaims {
    SessionClaims {
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        principal: SessionPrincipal::Root {
            account_id: "123456789012".into(),
        },
        issued_at: 1_767_225_600,
        expires_at: 1_767_229_200,
        session_policies: vec![],
        policy_arns: vec![],
        tags: vec![],
        transitive_tag_keys: vec![],
        source_identity: None,
        mfa_authenticated_at: None,
        chain_depth: 0,
    }
}

/// A ring whose first key minted `token` and was then rotated out.
fn fixed() -> (KeyRing, String) {
    let now = datetime!(2026-01-01 00:00 UTC);
    let mut ring = KeyRing::generate(now).expect("ring");
    let token = seal_session_token(&ring, &claims()).expect("seal");
    ring.add_key(now).expect("rotation");
    (ring, token)
}

/// What the fuzz target checks for one input.
fn exercise(ring: &KeyRing, token: &str, text: &str) {
    for id in [ACCESS_KEY_ID, text] {
        assert!(open_session_token(ring, text, id).is_err());
    }
    let _ = sealed_secret_key_id(text);
    let _ = sealed_message_key_id(text);
    assert!(ring.open_secret(ACCESS_KEY_ID, text).is_err());
    assert!(ring.open_message(text).is_err());
    match open_session_token(ring, token, text) {
        Ok(opened) => {
            assert_eq!(text, ACCESS_KEY_ID);
            assert_eq!(opened, claims());
        }
        Err(_) => assert_ne!(text, ACCESS_KEY_ID),
    }
}

#[test]
fn the_genuine_token_opens_for_its_own_id() {
    let (ring, token) = fixed();
    exercise(&ring, &token, ACCESS_KEY_ID);
    assert_eq!(token_key_id(&token), Some(1));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_as_text_never_open(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (ring, token) = fixed();
        exercise(&ring, &token, &String::from_utf8_lossy(&data));
    }

    /// Envelopes with the right version and a key id of the ring reach the
    /// decryption itself, and still never open.
    #[test]
    fn forged_envelopes_never_open(
        key_id in 0u32..4,
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (ring, token) = fixed();
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&key_id.to_be_bytes());
        bytes.extend_from_slice(&body);
        let text = STANDARD.encode(&bytes);
        let shaped = bytes.len() > 17;
        prop_assert_eq!(token_key_id(&text), shaped.then_some(key_id));
        exercise(&ring, &token, &text);
    }
}
