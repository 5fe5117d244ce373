//! The key ring: one active key mints tokens and seals stored secrets; older
//! keys stay to open what they sealed: until every token they minted has
//! expired, and for as long as anything stored is still sealed with them.

use crate::TokenError;
use base64::{Engine, engine::general_purpose::STANDARD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    hkdf,
    rand::{SecureRandom, SystemRandom},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeSet, path::Path};
use time::OffsetDateTime;

const KEY_LEN: usize = 32;
const TOKEN_INFO: &[u8] = b"tessera/session-token/v1";
const SECRET_INFO: &[u8] = b"tessera/secret-at-rest/v1";
const MESSAGE_INFO: &[u8] = b"tessera/authorization-message/v1";
const SEALED_SECRET_PREFIX: &str = "v1:";

/// One key of the ring, as stored (the material is base64 in the file).
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenKey {
    /// The key's id, written into every envelope it seals.
    pub id: u32,
    material: String,
    /// When the key was created (Unix seconds).
    pub created_at: i64,
    /// When a newer key replaced it for minting (Unix seconds).
    #[serde(default)]
    pub retired_at: Option<i64>,
}

impl TokenKey {
    /// A key of this material (32 bytes for a usable key).
    pub(crate) fn with_material(
        id: u32,
        material: &[u8],
        created_at: i64,
        retired_at: Option<i64>,
    ) -> Self {
        Self {
            id,
            material: STANDARD.encode(material),
            created_at,
            retired_at,
        }
    }

    /// The key's material.
    pub(crate) fn material_bytes(&self) -> Result<Vec<u8>, TokenError> {
        STANDARD
            .decode(&self.material)
            .map_err(|_| TokenError::NoActiveKey)
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// Subkeys derived from one ring key, one per purpose.
struct DerivedKeys {
    id: u32,
    token: LessSafeKey,
    secret: LessSafeKey,
    message: LessSafeKey,
}

/// What a sealed blob is for: selects the subkey and the associated data.
#[derive(Clone, Copy)]
enum Purpose<'a> {
    /// A long-term secret, bound to its access key id.
    Secret(&'a str),
    /// An encoded authorization failure message.
    Message,
}

impl Purpose<'_> {
    fn key(self, keys: &DerivedKeys) -> &LessSafeKey {
        match self {
            Purpose::Secret(_) => &keys.secret,
            Purpose::Message => &keys.message,
        }
    }

    fn aad(self, key_id: u32) -> Vec<u8> {
        let mut aad = match self {
            Purpose::Secret(_) => b"secret\0".to_vec(),
            Purpose::Message => b"authorization-message\0".to_vec(),
        };
        aad.extend_from_slice(&key_id.to_be_bytes());
        if let Purpose::Secret(access_key_id) = self {
            aad.extend_from_slice(access_key_id.as_bytes());
        }
        aad
    }
}

/// The key ring, with its subkeys derived (HKDF-SHA256) once at load.
pub struct KeyRing {
    keys: Vec<TokenKey>,
    derived: Vec<DerivedKeys>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("keys", &self.keys).finish()
    }
}

#[derive(Serialize, Deserialize)]
struct KeyRingFile {
    keys: Vec<TokenKey>,
}

fn derive(material: &[u8], info: &[u8]) -> Result<LessSafeKey, TokenError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"tessera").extract(material);
    let info = [info];
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .map_err(|_| TokenError::NoActiveKey)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

pub(crate) fn random_nonce() -> Result<[u8; NONCE_LEN], TokenError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| TokenError::Random)?;
    Ok(nonce)
}

impl KeyRing {
    fn from_keys(keys: Vec<TokenKey>) -> Result<Self, TokenError> {
        let mut derived = Vec::with_capacity(keys.len());
        for key in &keys {
            let material = STANDARD
                .decode(&key.material)
                .map_err(|_| TokenError::NoActiveKey)?;
            if material.len() != KEY_LEN {
                return Err(TokenError::NoActiveKey);
            }
            derived.push(DerivedKeys {
                id: key.id,
                token: derive(&material, TOKEN_INFO)?,
                secret: derive(&material, SECRET_INFO)?,
                message: derive(&material, MESSAGE_INFO)?,
            });
        }
        Ok(Self { keys, derived })
    }

    /// The ring of these keys, which must include an active one.
    pub(crate) fn from_token_keys(keys: Vec<TokenKey>) -> Result<Self, TokenError> {
        let ring = Self::from_keys(keys)?;
        ring.active_id()?;
        Ok(ring)
    }

    fn new_key(id: u32, now: OffsetDateTime) -> Result<TokenKey, TokenError> {
        let mut material = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut material)
            .map_err(|_| TokenError::Random)?;
        Ok(TokenKey {
            id,
            material: STANDARD.encode(material),
            created_at: now.unix_timestamp(),
            retired_at: None,
        })
    }

    /// A new ring with one fresh active key.
    pub fn generate(now: OffsetDateTime) -> Result<Self, TokenError> {
        Self::from_keys(vec![Self::new_key(1, now)?])
    }

    /// Adds a new active key and retires the previous one, which is kept for
    /// opening what it sealed; nothing is dropped (see [`KeyRing::prune`]).
    /// Returns the new key's id.
    pub fn add_key(&mut self, now: OffsetDateTime) -> Result<u32, TokenError> {
        let next_id = self
            .keys
            .iter()
            .map(|k| k.id)
            .max()
            .unwrap_or(0)
            .wrapping_add(1);
        let mut keys = self.keys.clone();
        for key in &mut keys {
            key.retired_at.get_or_insert(now.unix_timestamp());
        }
        keys.push(Self::new_key(next_id, now)?);
        *self = Self::from_keys(keys)?;
        Ok(next_id)
    }

    /// Drops the retired keys that were retired before `retired_before` (so
    /// every token they minted has expired) and whose ids are not in
    /// `in_use` (the keys stored sealed values still name). The active key
    /// is never dropped. Returns the ids dropped.
    pub fn prune(&mut self, retired_before: OffsetDateTime, in_use: &BTreeSet<u32>) -> Vec<u32> {
        let horizon = retired_before.unix_timestamp();
        let droppable =
            |k: &TokenKey| k.retired_at.is_some_and(|at| at < horizon) && !in_use.contains(&k.id);
        let dropped: Vec<u32> = self
            .keys
            .iter()
            .filter(|k| droppable(k))
            .map(|k| k.id)
            .collect();
        self.keys.retain(|k| !droppable(k));
        self.derived.retain(|d| !dropped.contains(&d.id));
        dropped
    }

    /// The keys, oldest first (without their material in `Debug`).
    pub fn keys(&self) -> &[TokenKey] {
        &self.keys
    }

    fn active(&self) -> Result<&DerivedKeys, TokenError> {
        let id = self
            .keys
            .iter()
            .rev()
            .find(|k| k.retired_at.is_none())
            .map(|k| k.id)
            .ok_or(TokenError::NoActiveKey)?;
        self.by_id(id).ok_or(TokenError::NoActiveKey)
    }

    fn by_id(&self, id: u32) -> Option<&DerivedKeys> {
        self.derived.iter().find(|d| d.id == id)
    }

    /// Whether the ring holds key `id`.
    pub fn contains(&self, id: u32) -> bool {
        self.by_id(id).is_some()
    }

    /// The id of the key that mints new tokens.
    pub fn active_id(&self) -> Result<u32, TokenError> {
        self.active().map(|d| d.id)
    }

    pub(crate) fn token_key_active(&self) -> Result<(u32, &LessSafeKey), TokenError> {
        self.active().map(|d| (d.id, &d.token))
    }

    pub(crate) fn token_key(&self, id: u32) -> Option<&LessSafeKey> {
        self.by_id(id).map(|d| &d.token)
    }

    /// Encrypts a long-term secret for storage, bound to its access key id.
    pub fn seal_secret(&self, access_key_id: &str, secret: &str) -> Result<String, TokenError> {
        self.seal(Purpose::Secret(access_key_id), secret.as_bytes())
            .map(|sealed| format!("{SEALED_SECRET_PREFIX}{sealed}"))
    }

    /// Decrypts a secret sealed by [`KeyRing::seal_secret`] for `access_key_id`.
    pub fn open_secret(&self, access_key_id: &str, sealed: &str) -> Result<String, TokenError> {
        let body = sealed
            .strip_prefix(SEALED_SECRET_PREFIX)
            .ok_or(TokenError::SecretUndecryptable)?;
        let plain = self.open(Purpose::Secret(access_key_id), body)?;
        String::from_utf8(plain).map_err(|_| TokenError::SecretUndecryptable)
    }

    /// The secret sealed by [`KeyRing::seal_secret`] for `owner`, sealed anew
    /// under the active key; `None` when it is sealed under the active key
    /// already. Fails when the ring cannot open it.
    pub fn reseal_secret(&self, owner: &str, sealed: &str) -> Result<Option<String>, TokenError> {
        if sealed_secret_key_id(sealed) == Some(self.active_id()?) {
            return Ok(None);
        }
        let secret = self.open_secret(owner, sealed)?;
        self.seal_secret(owner, &secret).map(Some)
    }

    /// Encrypts an authorization failure message: only a holder of the key
    /// ring can read it (`DecodeAuthorizationMessage`).
    pub fn seal_message(&self, message: &[u8]) -> Result<String, TokenError> {
        self.seal(Purpose::Message, message)
    }

    /// Decrypts a message sealed by [`KeyRing::seal_message`]; anything
    /// altered or foreign fails.
    pub fn open_message(&self, sealed: &str) -> Result<Vec<u8>, TokenError> {
        self.open(Purpose::Message, sealed)
    }

    /// `base64( key id(4) ‖ nonce(12) ‖ AES-256-GCM(plaintext) )` under the
    /// active key's subkey for `purpose`.
    fn seal(&self, purpose: Purpose<'_>, plaintext: &[u8]) -> Result<String, TokenError> {
        let key = self.active()?;
        let nonce = random_nonce()?;
        let mut buffer = plaintext.to_vec();
        purpose
            .key(key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.aad(key.id)),
                &mut buffer,
            )
            .map_err(|_| TokenError::Random)?;
        let mut out = Vec::with_capacity(4 + NONCE_LEN + buffer.len());
        out.extend_from_slice(&key.id.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buffer);
        Ok(STANDARD.encode(out))
    }

    fn open(&self, purpose: Purpose<'_>, sealed: &str) -> Result<Vec<u8>, TokenError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| TokenError::SecretUndecryptable)?;
        if bytes.len() < 4 + NONCE_LEN {
            return Err(TokenError::SecretUndecryptable);
        }
        let (id_bytes, rest) = bytes.split_at(4);
        let id = u32::from_be_bytes([id_bytes[0], id_bytes[1], id_bytes[2], id_bytes[3]]);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let key = self.by_id(id).ok_or(TokenError::SecretUndecryptable)?;
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| TokenError::SecretUndecryptable)?;
        let mut buffer = ciphertext.to_vec();
        let plain = purpose
            .key(key)
            .open_in_place(nonce, Aad::from(purpose.aad(id)), &mut buffer)
            .map_err(|_| TokenError::SecretUndecryptable)?;
        Ok(plain.to_vec())
    }

    /// Reads a ring from its JSON file.
    pub fn load(path: &Path) -> Result<Self, TokenError> {
        let fail = |reason: String| TokenError::KeyRingFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let file: KeyRingFile = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let ring = Self::from_keys(file.keys).map_err(|e| fail(e.to_string()))?;
        ring.active_id().map_err(|e| fail(e.to_string()))?;
        Ok(ring)
    }

    /// Writes the ring to `path` atomically (a temporary file renamed over
    /// it), readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<(), TokenError> {
        let fail = |reason: String| TokenError::KeyRingFile {
            path: path.display().to_string(),
            reason,
        };
        let text = serde_json::to_string_pretty(&KeyRingFile {
            keys: self.keys.clone(),
        })
        .map_err(|e| fail(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        write_private(&tmp, text.as_bytes()).map_err(|e| fail(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))
    }
}

/// The key id a sealed blob (`base64( key id ‖ … )`) names, if it is shaped
/// like one.
fn sealed_key_id(sealed: &str) -> Option<u32> {
    let bytes = STANDARD.decode(sealed).ok()?;
    (bytes.len() >= 4 + NONCE_LEN)
        .then(|| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// The key id a secret sealed by [`KeyRing::seal_secret`] names: lets a
/// holder reload its ring when a stored secret was sealed by a key it has
/// not seen yet, and tells which keys stored secrets still need.
pub fn sealed_secret_key_id(sealed: &str) -> Option<u32> {
    sealed_key_id(sealed.strip_prefix(SEALED_SECRET_PREFIX)?)
}

/// The key id a message sealed by [`KeyRing::seal_message`] names.
pub fn sealed_message_key_id(sealed: &str) -> Option<u32> {
    sealed_key_id(sealed)
}

/// Writes a file that only its owner may read (mode 0600 on Unix).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    #[test]
    fn secrets_round_trip_and_are_bound_to_their_key_id() {
        let ring = KeyRing::generate(NOW).expect("ring");
        let sealed = ring.seal_secret("AKIAEXAMPLE", "s3cr3t").expect("seal");
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(
            ring.open_secret("AKIAEXAMPLE", &sealed).expect("open"),
            "s3cr3t"
        );
        assert!(ring.open_secret("AKIAOTHER", &sealed).is_err());
        let other = KeyRing::generate(NOW).expect("ring");
        assert!(other.open_secret("AKIAEXAMPLE", &sealed).is_err());
    }

    #[test]
    fn messages_round_trip_and_resist_tampering() {
        let ring = KeyRing::generate(NOW).expect("ring");
        let sealed = ring.seal_message(b"{\"allowed\":false}").expect("seal");
        assert_eq!(
            ring.open_message(&sealed).expect("open"),
            b"{\"allowed\":false}"
        );
        let mut bytes = STANDARD.decode(&sealed).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(ring.open_message(&STANDARD.encode(bytes)).is_err());
        // A sealed secret is not a message, nor a message a secret.
        let secret = ring.seal_secret("AKIAX", "s").expect("seal");
        assert!(ring.open_message(secret.trim_start_matches("v1:")).is_err());
        assert!(ring.open_secret("AKIAX", &format!("v1:{sealed}")).is_err());
        assert!(
            KeyRing::generate(NOW)
                .expect("ring")
                .open_message(&sealed)
                .is_err()
        );
    }

    #[test]
    fn rotation_keeps_old_keys_for_opening() {
        let mut ring = KeyRing::generate(NOW).expect("ring");
        let sealed = ring.seal_secret("AKIAEXAMPLE", "old").expect("seal");
        let id = ring
            .add_key(NOW + time::Duration::hours(1))
            .expect("rotate");
        assert_eq!(ring.active_id().expect("active"), id);
        assert_eq!(sealed_secret_key_id(&sealed), Some(1));
        assert_eq!(
            ring.open_secret("AKIAEXAMPLE", &sealed).expect("open"),
            "old"
        );
        // A key retired within the horizon stays, needed or not.
        let horizon = NOW;
        assert!(ring.prune(horizon, &BTreeSet::new()).is_empty());
        assert!(ring.contains(1));
    }

    #[test]
    fn prune_keeps_keys_stored_values_name_and_the_active_key() {
        let mut ring = KeyRing::generate(NOW).expect("ring");
        let sealed = ring.seal_secret("AKIAEXAMPLE", "old").expect("seal");
        ring.add_key(NOW + time::Duration::hours(1))
            .expect("rotate");
        ring.add_key(NOW + time::Duration::hours(2))
            .expect("rotate");
        let years_later = NOW + time::Duration::days(3 * 365);
        // Key 1 still seals a stored secret: kept, and it still opens.
        assert_eq!(ring.prune(years_later, &BTreeSet::from([1])), vec![2]);
        assert_eq!(
            ring.open_secret("AKIAEXAMPLE", &sealed).expect("open"),
            "old"
        );
        // Once nothing names it, it goes; the active key never does.
        assert_eq!(ring.prune(years_later, &BTreeSet::new()), vec![1]);
        assert!(ring.open_secret("AKIAEXAMPLE", &sealed).is_err());
        assert!(ring.prune(years_later, &BTreeSet::new()).is_empty());
        assert_eq!(ring.active_id().expect("active"), 3);
        assert!(ring.seal_secret("AKIAEXAMPLE", "new").is_ok());
    }

    #[test]
    fn reseal_moves_a_secret_to_the_active_key_bound_to_its_owner() {
        let mut ring = KeyRing::generate(NOW).expect("ring");
        let sealed = ring.seal_secret("AKIAEXAMPLE", "s3cr3t").expect("seal");
        let active = ring.add_key(NOW).expect("rotate");
        let resealed = ring
            .reseal_secret("AKIAEXAMPLE", &sealed)
            .expect("reseal")
            .expect("moved");
        assert_eq!(sealed_secret_key_id(&resealed), Some(active));
        assert_eq!(
            ring.open_secret("AKIAEXAMPLE", &resealed).expect("open"),
            "s3cr3t"
        );
        assert!(ring.open_secret("AKIAOTHER", &resealed).is_err());
        // Already under the active key: nothing to do.
        assert!(
            ring.reseal_secret("AKIAEXAMPLE", &resealed)
                .expect("reseal")
                .is_none()
        );
        // What the ring cannot open, it cannot reseal.
        assert!(ring.reseal_secret("AKIAOTHER", &sealed).is_err());
        let foreign = KeyRing::generate(NOW)
            .expect("ring")
            .seal_secret("AKIAEXAMPLE", "x")
            .expect("seal");
        assert!(ring.reseal_secret("AKIAEXAMPLE", &foreign).is_err());
    }

    #[test]
    fn sealed_blobs_name_their_key() {
        let mut ring = KeyRing::generate(NOW).expect("ring");
        ring.add_key(NOW).expect("rotate");
        let secret = ring.seal_secret("AKIAX", "s").expect("seal");
        let message = ring.seal_message(b"m").expect("seal");
        assert_eq!(sealed_secret_key_id(&secret), Some(2));
        assert_eq!(sealed_message_key_id(&message), Some(2));
        assert_eq!(sealed_secret_key_id(&message), None);
        for junk in ["", "v1:", "v1:!!", "v1:AAAA", "AAAA"] {
            assert_eq!(sealed_secret_key_id(junk), None, "{junk}");
            assert_eq!(sealed_message_key_id(junk), None, "{junk}");
        }
    }

    #[test]
    fn file_round_trip_is_private() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keyring.json");
        let ring = KeyRing::generate(NOW).expect("ring");
        ring.save(&path).expect("save");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = KeyRing::load(&path).expect("load");
        let sealed = ring.seal_secret("AKIAX", "v").expect("seal");
        assert_eq!(loaded.open_secret("AKIAX", &sealed).expect("open"), "v");
        assert!(!format!("{loaded:?}").contains(&ring.keys()[0].material));
    }
}
