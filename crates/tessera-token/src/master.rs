//! The master key: 32 random bytes kept outside the store (a file on each
//! node, mode 0600), which seals the key ring's keys where the store keeps
//! them. Whoever reads the store without the master key learns no key.

use crate::{KeyRing, TokenError, TokenKey, keyring::random_nonce};
use base64::{Engine, engine::general_purpose::STANDARD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    hkdf,
    rand::{SecureRandom, SystemRandom},
};
use std::path::Path;

const MASTER_LEN: usize = 32;
const RING_INFO: &[u8] = b"tessera/key-ring-at-rest/v1";

/// A ring key as the store keeps it: its material sealed by the master key,
/// bound to its id and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRingKey {
    /// The key's id.
    pub id: u32,
    /// `base64( nonce(12) ‖ AES-256-GCM(material) )`.
    pub sealed_material: String,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When a newer key replaced it for minting (Unix seconds).
    pub retired_at: Option<i64>,
}

/// The master key.
pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> TokenError {
    TokenError::MasterKeyFile {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl MasterKey {
    fn from_bytes(bytes: &[u8]) -> Result<Self, TokenError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"tessera").extract(bytes);
        let info = [RING_INFO];
        let okm = prk
            .expand(&info, &AES_256_GCM)
            .map_err(|_| TokenError::Random)?;
        Ok(Self {
            key: LessSafeKey::new(UnboundKey::from(okm)),
        })
    }

    /// Reads the key from its file: base64 of 32 bytes, on one line.
    pub fn read(path: &Path) -> Result<Self, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| file_error(path, "not base64"))?;
        if bytes.len() != MASTER_LEN {
            return Err(file_error(path, "not a key of 32 bytes"));
        }
        Self::from_bytes(&bytes)
    }

    /// Creates a new random key in a new file, readable by its owner only;
    /// an existing file is never replaced.
    pub fn create(path: &Path) -> Result<Self, TokenError> {
        let mut bytes = [0u8; MASTER_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| TokenError::Random)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| file_error(path, e))?;
        let text = format!("{}\n", STANDARD.encode(bytes));
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| file_error(path, e))?;
        file.sync_all().map_err(|e| file_error(path, e))?;
        Self::from_bytes(&bytes)
    }

    /// A key held in memory only (tests).
    pub fn generate() -> Result<Self, TokenError> {
        let mut bytes = [0u8; MASTER_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| TokenError::Random)?;
        Self::from_bytes(&bytes)
    }

    fn aad(key: &TokenKey) -> Vec<u8> {
        let mut aad = b"ring-key\0".to_vec();
        aad.extend_from_slice(&key.id.to_be_bytes());
        aad.extend_from_slice(&key.created_at.to_be_bytes());
        aad
    }

    /// The ring's keys sealed for the store.
    pub fn seal_ring(&self, ring: &KeyRing) -> Result<Vec<SealedRingKey>, TokenError> {
        ring.keys()
            .iter()
            .map(|key| {
                let nonce = random_nonce()?;
                let mut buffer = key.material_bytes()?;
                self.key
                    .seal_in_place_append_tag(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(Self::aad(key)),
                        &mut buffer,
                    )
                    .map_err(|_| TokenError::Random)?;
                let mut out = nonce.to_vec();
                out.extend_from_slice(&buffer);
                Ok(SealedRingKey {
                    id: key.id,
                    sealed_material: STANDARD.encode(out),
                    created_at: key.created_at,
                    retired_at: key.retired_at,
                })
            })
            .collect()
    }

    /// The ring the store's sealed keys make, opened with this key; fails
    /// with [`TokenError::MasterKeyMismatch`] when any of them does not
    /// open (another master key sealed them, or they were altered).
    pub fn open_ring(&self, sealed: &[SealedRingKey]) -> Result<KeyRing, TokenError> {
        let mut keys = Vec::with_capacity(sealed.len());
        for entry in sealed {
            let bytes = STANDARD
                .decode(&entry.sealed_material)
                .map_err(|_| TokenError::MasterKeyMismatch)?;
            if bytes.len() < NONCE_LEN {
                return Err(TokenError::MasterKeyMismatch);
            }
            let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
            let nonce = Nonce::try_assume_unique_for_key(nonce)
                .map_err(|_| TokenError::MasterKeyMismatch)?;
            let mut buffer = ciphertext.to_vec();
            let probe = TokenKey::with_material(entry.id, &[], entry.created_at, None);
            let material = self
                .key
                .open_in_place(nonce, Aad::from(Self::aad(&probe)), &mut buffer)
                .map_err(|_| TokenError::MasterKeyMismatch)?;
            keys.push(TokenKey::with_material(
                entry.id,
                material,
                entry.created_at,
                entry.retired_at,
            ));
        }
        KeyRing::from_token_keys(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_ring_sealed_by_one_master_key_opens_with_it_alone() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let mut ring = KeyRing::generate(now).expect("ring");
        ring.add_key(now).expect("add");
        let master = MasterKey::generate().expect("master");
        let sealed = master.seal_ring(&ring).expect("seal");
        assert_eq!(sealed.len(), 2);
        let opened = master.open_ring(&sealed).expect("open");
        let secret = ring.seal_secret("AKIAX", "s").expect("seal");
        assert_eq!(opened.open_secret("AKIAX", &secret).expect("opens"), "s");
        assert_eq!(opened.active_id().expect("active"), 2);

        let other = MasterKey::generate().expect("other");
        assert!(matches!(
            other.open_ring(&sealed),
            Err(TokenError::MasterKeyMismatch)
        ));
        // A key's id or creation time changed in the store: refused.
        let mut moved = sealed.clone();
        moved[0].id = 7;
        assert!(master.open_ring(&moved).is_err());
        let mut redated = sealed;
        redated[1].created_at += 1;
        assert!(master.open_ring(&redated).is_err());
    }

    #[test]
    fn the_file_is_created_private_once_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("master.key");
        let created = MasterKey::create(&path).expect("create");
        assert!(MasterKey::create(&path).is_err(), "never replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let read = MasterKey::read(&path).expect("read");
        let ring = KeyRing::generate(datetime!(2026-01-01 00:00 UTC)).expect("ring");
        let sealed = created.seal_ring(&ring).expect("seal");
        read.open_ring(&sealed).expect("the same key");
        std::fs::write(&path, "short\n").expect("write");
        assert!(MasterKey::read(&path).is_err());
    }
}
