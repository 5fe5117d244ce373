//! The key ring as a running server holds it: reloaded from its file when
//! another process (`tessera keys rotate`) changed it.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant, SystemTime},
};
use tessera_token::{KeyRing, TokenError, sealed_secret_key_id};

/// How often the file is looked at.
const RECHECK: Duration = Duration::from_secs(1);
/// How often a token naming an unknown key may trigger a look at the file:
/// a flood of forged tokens cannot turn into a flood of file reads.
const FORCED_RECHECK: Duration = Duration::from_millis(100);

/// What identifies one version of the ring file: its modification time,
/// length and inode (a save renames a new file over the old one, so the
/// inode changes even when two saves fall in one tick of the clock).
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &std::path::Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.modified().ok()?, meta.len(), inode))
}

/// When a look at the file is due.
#[derive(Clone, Copy)]
enum Recheck {
    /// At most once a second.
    Periodic,
    /// A client's token names a key the ring lacks: at most every 100 ms.
    Forced,
    /// A value from the store names a key the ring lacks: at once (the
    /// store is trusted, and only a changed file is read).
    Now,
}

/// A shared, reloadable key ring.
#[derive(Debug)]
pub struct KeyRingHandle {
    path: Option<PathBuf>,
    ring: RwLock<Arc<KeyRing>>,
    checked: Mutex<(Instant, Stamp)>,
}

impl KeyRingHandle {
    /// A handle over a ring held only in memory (tests).
    pub fn in_memory(ring: KeyRing) -> Self {
        Self {
            path: None,
            ring: RwLock::new(Arc::new(ring)),
            checked: Mutex::new((Instant::now(), None)),
        }
    }

    /// Loads the ring from its file and follows later changes to it.
    pub fn from_file(path: PathBuf) -> Result<Self, TokenError> {
        let stamp = stamp(&path);
        let ring = KeyRing::load(&path)?;
        Ok(Self {
            path: Some(path),
            ring: RwLock::new(Arc::new(ring)),
            checked: Mutex::new((Instant::now(), stamp)),
        })
    }

    /// The current ring, reloaded first if its file changed (checked at most
    /// once a second).
    pub fn current(&self) -> Arc<KeyRing> {
        self.refresh(Recheck::Periodic);
        self.loaded()
    }

    fn loaded(&self) -> Arc<KeyRing> {
        self.ring
            .read()
            .map(|r| Arc::clone(&r))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// The current ring, reloaded first if it lacks key `id` (a token minted
    /// by another process after a rotation).
    pub fn with_key(&self, id: u32) -> Arc<KeyRing> {
        self.holding(id, Recheck::Forced)
    }

    fn holding(&self, id: u32, recheck: Recheck) -> Arc<KeyRing> {
        let ring = self.current();
        if ring.contains(id) {
            return ring;
        }
        self.refresh(recheck);
        self.loaded()
    }

    /// Opens a secret sealed by [`KeyRing::seal_secret`] and kept in the
    /// store (an access key's secret, an MFA seed) for `owner`. When it names
    /// a key the ring lacks (another process rotated the ring and re-sealed
    /// the store), the ring is reloaded from its file first.
    pub fn open_stored_secret(&self, owner: &str, sealed: &str) -> Result<String, TokenError> {
        let ring = match sealed_secret_key_id(sealed) {
            Some(id) => self.holding(id, Recheck::Now),
            None => self.current(),
        };
        ring.open_secret(owner, sealed)
    }

    /// Seals a secret to be kept in the store for `owner`, under the newest
    /// active key: the ring file is looked at first, so that a secret is not
    /// sealed with a key a rotation has just retired.
    pub fn seal_stored_secret(&self, owner: &str, secret: &str) -> Result<String, TokenError> {
        self.refresh(Recheck::Now);
        self.loaded().seal_secret(owner, secret)
    }

    fn refresh(&self, recheck: Recheck) {
        let Some(path) = &self.path else { return };
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let interval = match recheck {
            Recheck::Periodic => RECHECK,
            Recheck::Forced => FORCED_RECHECK,
            Recheck::Now => Duration::ZERO,
        };
        if checked.0.elapsed() < interval {
            return;
        }
        checked.0 = Instant::now();
        let stamp = stamp(path);
        if stamp == checked.1 {
            return;
        }
        match KeyRing::load(path) {
            Ok(ring) => {
                checked.1 = stamp;
                *self.ring.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
                tracing::info!(path = %path.display(), "key ring reloaded");
            }
            Err(error) => tracing::warn!(%error, "key ring reload failed; keeping the loaded ring"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    /// A handle following a new ring file.
    fn handle_and_file() -> (tempfile::TempDir, PathBuf, KeyRingHandle) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keyring.json");
        KeyRing::generate(NOW)
            .expect("ring")
            .save(&path)
            .expect("save");
        let handle = KeyRingHandle::from_file(path.clone()).expect("load");
        (dir, path, handle)
    }

    /// Adds a key to the file, as another process (`tessera keys rotate`)
    /// does.
    fn rotate_file(path: &std::path::Path) -> KeyRing {
        let mut ring = KeyRing::load(path).expect("load");
        ring.add_key(NOW).expect("add");
        ring.save(path).expect("save");
        ring
    }

    #[test]
    fn stored_secrets_sealed_by_a_newer_key_open_at_once() {
        let (_dir, path, handle) = handle_and_file();
        let _ = handle.current();
        let rotated = rotate_file(&path);
        let sealed = rotated.seal_secret("AKIAX", "s3cr3t").expect("seal");
        // Well within the periodic recheck: the unknown key id reloads.
        assert_eq!(
            handle.open_stored_secret("AKIAX", &sealed).expect("open"),
            "s3cr3t"
        );
        assert!(handle.open_stored_secret("AKIAY", &sealed).is_err());
    }

    #[test]
    fn stored_secrets_are_sealed_under_the_newest_key() {
        let (_dir, path, handle) = handle_and_file();
        let _ = handle.current();
        rotate_file(&path);
        let sealed = handle.seal_stored_secret("AKIAX", "s3cr3t").expect("seal");
        assert_eq!(sealed_secret_key_id(&sealed), Some(2));
    }
}
