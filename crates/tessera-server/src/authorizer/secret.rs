//! The shared secret a proxy presents to the authorizer.

use ring::{
    digest,
    rand::{SecureRandom, SystemRandom},
};
use std::{io::Write, path::Path};
use subtle::ConstantTimeEq;

/// Why the secret cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file cannot be read or created.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file holds no secret.
    #[error("{path}: the authorizer secret is empty")]
    Empty {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The system has no randomness to create one.
    #[error("no randomness for the authorizer secret")]
    NoRandomness,
}

/// The header that carries the secret.
pub const SECRET_HEADER: &str = "x-tessera-authz-secret";

/// The authorizer's shared secret. Only its digest is kept, so comparing
/// takes the same time whatever the length or content presented.
#[derive(Clone)]
pub struct AuthzSecret {
    digest: [u8; 32],
}

impl std::fmt::Debug for AuthzSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthzSecret(…)")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

impl AuthzSecret {
    /// A secret from its text (surrounding whitespace is not part of it);
    /// `None` for an empty one, which would open the authorizer to anyone.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self {
            digest: sha256(text.as_bytes()),
        })
    }

    /// Reads the secret from `path`.
    pub fn read(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::new(&text).ok_or_else(|| SecretError::Empty {
            path: path.to_path_buf(),
        })
    }

    /// Reads the secret from `path`, first creating the file (mode 0600)
    /// with 32 random bytes in hex when it does not exist.
    pub fn read_or_create(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SecretError::NoRandomness)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                let text = format!("{}\n", hex::encode(bytes));
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(io)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        Self::read(path)
    }

    /// Whether `presented` is the secret, compared in constant time.
    pub fn matches(&self, presented: Option<&[u8]>) -> bool {
        let Some(presented) = presented else {
            return false;
        };
        let presented = presented.trim_ascii();
        bool::from(sha256(presented).ct_eq(&self.digest)) && !presented.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let secret = AuthzSecret::new("s3cr3t\n").expect("secret");
        assert!(secret.matches(Some(b"s3cr3t")));
        assert!(!secret.matches(Some(b"s3cr3")));
        assert!(!secret.matches(Some(b"s3cr3t!")));
        assert!(!secret.matches(Some(b"")));
        assert!(!secret.matches(None));
        assert!(AuthzSecret::new("  \n").is_none());
    }

    #[test]
    fn a_created_secret_is_random_private_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("authz-secret");
        let first = AuthzSecret::read_or_create(&path).expect("created");
        let text = std::fs::read_to_string(&path).expect("file");
        assert_eq!(text.trim().len(), 64);
        assert!(first.matches(Some(text.trim().as_bytes())));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = AuthzSecret::read_or_create(&path).expect("read");
        assert!(again.matches(Some(text.trim().as_bytes())));
        let other = dir.path().join("other");
        let second = AuthzSecret::read_or_create(&other).expect("created");
        assert!(!second.matches(Some(text.trim().as_bytes())));
    }
}
