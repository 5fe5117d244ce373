//! The key ring as a running server holds it: reloaded from its file when
//! another process (`tessera keys rotate`) changed it.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant, SystemTime},
};
use tessera_token::{KeyRing, TokenError};

/// How often the file's modification time is looked at.
const RECHECK: Duration = Duration::from_secs(1);
/// How often a token naming an unknown key may trigger a look at the file:
/// a flood of forged tokens cannot turn into a flood of file reads.
const FORCED_RECHECK: Duration = Duration::from_millis(100);

/// A shared, reloadable key ring.
#[derive(Debug)]
pub struct KeyRingHandle {
    path: Option<PathBuf>,
    ring: RwLock<Arc<KeyRing>>,
    checked: Mutex<(Instant, Option<SystemTime>)>,
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
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
        let stamp = modified(&path);
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
        self.refresh(false);
        self.ring
            .read()
            .map(|r| Arc::clone(&r))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// The current ring, reloaded first if it lacks key `id` (a token minted
    /// by another process after a rotation).
    pub fn with_key(&self, id: u32) -> Arc<KeyRing> {
        let ring = self.current();
        if ring.contains(id) {
            return ring;
        }
        self.refresh(true);
        self.current()
    }

    fn refresh(&self, force: bool) {
        let Some(path) = &self.path else { return };
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let interval = if force { FORCED_RECHECK } else { RECHECK };
        if checked.0.elapsed() < interval {
            return;
        }
        checked.0 = Instant::now();
        let stamp = modified(path);
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
