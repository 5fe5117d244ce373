//! Parsed policies by content. Parsing a policy costs some fifty times one
//! decision, and a document's meaning never changes, so parsed policies are
//! kept by their text (and kind) and shared; the cache is bounded and
//! simply starts over when full.
//!
//! The documents parsed here are stored ones, read for evaluation: they are
//! parsed with [`Policy::parse_stored`], so that a rule IAM applies when a
//! policy is written, added after a policy was stored, never makes it stop
//! granting what it granted.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tessera_policy::{Policy, PolicyError, PolicyKind};

const CAPACITY: usize = 4096;

/// A bounded map from (kind, document) to the parsed policy.
#[derive(Debug, Default)]
pub struct PolicyCache {
    entries: Mutex<HashMap<(String, String), Arc<Policy>>>,
}

impl PolicyCache {
    /// The parsed stored policy for `document` of `kind`, parsed at most
    /// once while it stays in the cache.
    pub fn parse(&self, document: &str, kind: PolicyKind) -> Result<Arc<Policy>, PolicyError> {
        let key = (format!("{kind:?}"), document.to_string());
        if let Some(hit) = self.lock().get(&key) {
            return Ok(Arc::clone(hit));
        }
        let parsed = Arc::new(Policy::parse_stored(document, kind)?);
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, Arc::clone(&parsed));
        Ok(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Arc<Policy>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
