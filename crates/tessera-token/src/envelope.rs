//! The session-token envelope:
//! `base64( version(1) ‖ key id(4, big-endian) ‖ nonce(12) ‖ AES-256-GCM(claims) )`,
//! with `version ‖ key id ‖ access key id` as associated data.

use crate::{KeyRing, SessionClaims, TokenError, keyring::random_nonce};
use base64::{Engine, engine::general_purpose::STANDARD};
use ring::aead::{Aad, NONCE_LEN, Nonce};

const VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

fn aad(key_id: u32, access_key_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(5 + access_key_id.len());
    aad.push(VERSION);
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad.extend_from_slice(access_key_id.as_bytes());
    aad
}

/// Seals `claims` into a session token under the ring's active key.
pub fn seal_session_token(ring: &KeyRing, claims: &SessionClaims) -> Result<String, TokenError> {
    let (key_id, key) = ring.token_key_active()?;
    let nonce = random_nonce()?;
    let mut buffer = serde_json::to_vec(claims).map_err(|_| TokenError::Invalid)?;
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad(key_id, &claims.access_key_id)),
        &mut buffer,
    )
    .map_err(|_| TokenError::Random)?;
    let mut out = Vec::with_capacity(HEADER_LEN + buffer.len());
    out.push(VERSION);
    out.extend_from_slice(&key_id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buffer);
    Ok(STANDARD.encode(out))
}

/// The key id a token names, if the token is shaped like an envelope: lets a
/// caller reload its key ring when a token names a key it has not seen yet.
///
/// Only the head is decoded (the whole token is when it is opened): its
/// first eight characters are the version and the key id, and its length
/// must be that of a token longer than the header.
pub fn token_key_id(token: &str) -> Option<u32> {
    let padding = token.bytes().rev().take_while(|&b| b == b'=').count();
    let length = (token.len() / 4 * 3).checked_sub(padding)?;
    if !token.len().is_multiple_of(4) || padding > 2 || length <= HEADER_LEN {
        return None;
    }
    let mut head = [0u8; 6];
    STANDARD.decode_slice(token.get(..8)?, &mut head).ok()?;
    (head[0] == VERSION).then(|| u32::from_be_bytes([head[1], head[2], head[3], head[4]]))
}

/// Opens a session token presented with `access_key_id`.
///
/// Fails with [`TokenError::Invalid`] for anything but an unaltered envelope
/// minted for this access key id by a key of the ring. Expiry is the
/// caller's decision (it holds the clock).
pub fn open_session_token(
    ring: &KeyRing,
    token: &str,
    access_key_id: &str,
) -> Result<SessionClaims, TokenError> {
    let bytes = STANDARD.decode(token).map_err(|_| TokenError::Invalid)?;
    if bytes.len() <= HEADER_LEN || bytes[0] != VERSION {
        return Err(TokenError::Invalid);
    }
    let key_id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let key = ring.token_key(key_id).ok_or(TokenError::Invalid)?;
    let nonce =
        Nonce::try_assume_unique_for_key(&bytes[5..HEADER_LEN]).map_err(|_| TokenError::Invalid)?;
    let mut buffer = bytes[HEADER_LEN..].to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad(key_id, access_key_id)), &mut buffer)
        .map_err(|_| TokenError::Invalid)?;
    let claims: SessionClaims = serde_json::from_slice(plain).map_err(|_| TokenError::Invalid)?;
    // Belt and braces: the associated data already binds the key id.
    if claims.access_key_id != access_key_id {
        return Err(TokenError::Invalid);
    }
    Ok(claims)
}
