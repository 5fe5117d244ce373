use base64::{Engine, engine::general_purpose::STANDARD};
use proptest::prelude::*;
use tessera_token::{
    AccessKeyKind, KeyRing, SessionClaims, SessionPrincipal, SessionTag, new_access_key_id,
    new_secret_access_key, open_session_token, seal_session_token,
};
use time::macros::datetime;

fn claims(access_key_id: &str) -> SessionClaims {
    SessionClaims {
        access_key_id: access_key_id.to_string(),
        secret_access_key: new_secret_access_key().expect("secret"),
        principal: SessionPrincipal::Root {
            account_id: "123456789012".into(),
        },
        issued_at: 1_700_000_000,
        expires_at: 1_700_003_600,
        session_policies: vec![],
        policy_arns: vec![],
        tags: vec![SessionTag {
            key: "team".into(),
            value: "blue".into(),
        }],
        transitive_tag_keys: vec![],
        source_identity: None,
        mfa_authenticated_at: None,
        chain_depth: 0,
    }
}

fn ring() -> KeyRing {
    KeyRing::generate(datetime!(2026-01-01 00:00 UTC)).expect("ring")
}

#[test]
fn round_trip() {
    let ring = ring();
    let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let c = claims(&id);
    let token = seal_session_token(&ring, &c).expect("seal");
    assert_eq!(open_session_token(&ring, &token, &id).expect("open"), c);
    assert!(!token.contains(&c.secret_access_key));
}

#[test]
fn every_single_byte_change_is_rejected() {
    let ring = ring();
    let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let token = seal_session_token(&ring, &claims(&id)).expect("seal");
    let bytes = STANDARD.decode(&token).expect("base64");
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut altered = bytes.clone();
            altered[i] ^= flip;
            let altered = STANDARD.encode(altered);
            assert!(
                open_session_token(&ring, &altered, &id).is_err(),
                "byte {i} ^ {flip:#x} accepted"
            );
        }
    }
    // Truncations and extensions too.
    for len in 0..bytes.len() {
        assert!(open_session_token(&ring, &STANDARD.encode(&bytes[..len]), &id).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(open_session_token(&ring, &STANDARD.encode(longer), &id).is_err());
}

#[test]
fn every_single_character_change_of_the_text_is_rejected() {
    let ring = ring();
    let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let token = seal_session_token(&ring, &claims(&id)).expect("seal");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    for i in 0..token.len() {
        for &c in alphabet {
            if token.as_bytes()[i] == c {
                continue;
            }
            let mut altered = token.clone().into_bytes();
            altered[i] = c;
            let altered = String::from_utf8(altered).expect("ascii");
            assert!(
                open_session_token(&ring, &altered, &id).is_err(),
                "char {i} -> {} accepted",
                c as char
            );
        }
    }
}

#[test]
fn token_is_bound_to_its_access_key_id_and_ring() {
    let ring = ring();
    let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let other = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let token = seal_session_token(&ring, &claims(&id)).expect("seal");
    assert!(open_session_token(&ring, &token, &other).is_err());
    assert!(open_session_token(&self::ring(), &token, &id).is_err());
}

#[test]
fn tokens_from_retired_keys_keep_opening_after_rotation() {
    let mut ring = ring();
    let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
    let old = seal_session_token(&ring, &claims(&id)).expect("seal");
    let new_key = ring
        .add_key(datetime!(2026-01-01 01:00 UTC))
        .expect("rotate");
    let new = seal_session_token(&ring, &claims(&id)).expect("seal");
    assert_eq!(tessera_token::token_key_id(&new), Some(new_key));
    assert_ne!(tessera_token::token_key_id(&old), Some(new_key));
    assert!(open_session_token(&ring, &old, &id).is_ok());
    assert!(open_session_token(&ring, &new, &id).is_ok());
}

proptest! {
    #[test]
    fn arbitrary_text_never_opens(token in ".{0,400}") {
        let ring = ring();
        prop_assert!(open_session_token(&ring, &token, "ASIAAAAAAAAAAAAAAAAA").is_err());
    }

    #[test]
    fn claims_round_trip(tags in proptest::collection::vec(("[a-zA-Z0-9+=,.@_-]{1,128}", ".{0,256}"), 0..10), policy in proptest::option::of(".{0,300}")) {
        let ring = ring();
        let id = new_access_key_id(AccessKeyKind::Temporary, "123456789012").expect("id");
        let mut c = claims(&id);
        c.tags = tags.into_iter().map(|(key, value)| SessionTag { key, value }).collect();
        c.session_policies = policy.into_iter().collect();
        let token = seal_session_token(&ring, &c).expect("seal");
        prop_assert_eq!(open_session_token(&ring, &token, &id).expect("open"), c);
    }
}
