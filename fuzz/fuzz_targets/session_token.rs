//! Fuzzes the session-token envelope: arbitrary text opened as a session
//! token (and as a sealed secret and message) against a fixed key ring, and
//! a genuine token presented with arbitrary access key ids. Nothing may
//! panic, nothing the fuzzer writes may open, and the genuine token opens
//! only with the access key id it was minted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tessera_token::{
    KeyRing, SessionClaims, SessionPrincipal, open_session_token, seal_session_token,
    sealed_message_key_id, sealed_secret_key_id, token_key_id,
};
use time::OffsetDateTime;

const ACCESS_KEY_ID: &str = "ASIAQAAAAAAAAAAAAAAA";

struct Fixed {
    ring: KeyRing,
    /// A token minted by the ring's first key, before it was rotated.
    token: String,
    claims: SessionClaims,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("fixed time");
        let mut ring = KeyRing::generate(now).expect("key ring");
        let claims = SessionClaims {
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
        };
        let token = seal_session_token(&ring, &claims).expect("seal");
        ring.add_key(now).expect("rotation");
        Fixed {
            ring,
            token,
            claims,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixed = fixed();
    let text = String::from_utf8_lossy(data);

    // Arbitrary text as a token, with the fixed id and with itself as id.
    let key_id = token_key_id(&text);
    for id in [ACCESS_KEY_ID, &*text] {
        assert!(open_session_token(&fixed.ring, &text, id).is_err());
    }
    if let Some(key_id) = key_id {
        let _ = fixed.ring.contains(key_id);
    }
    // The same text as a sealed secret and as a sealed message.
    let _ = sealed_secret_key_id(&text);
    let _ = sealed_message_key_id(&text);
    assert!(fixed.ring.open_secret(ACCESS_KEY_ID, &text).is_err());
    assert!(fixed.ring.open_message(&text).is_err());

    // The genuine token opens for its own access key id alone.
    match open_session_token(&fixed.ring, &fixed.token, &text) {
        Ok(claims) => {
            assert_eq!(text, ACCESS_KEY_ID);
            assert_eq!(claims, fixed.claims);
        }
        Err(_) => assert_ne!(text, ACCESS_KEY_ID),
    }
});
