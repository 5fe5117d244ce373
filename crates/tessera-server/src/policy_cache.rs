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

/// The parsed policies of one document, by the kind each was parsed as.
type Parsed = Vec<(PolicyKind, Arc<Policy>)>;

/// A bounded map from document (and kind) to the parsed policy.
#[derive(Debug, Default)]
pub struct PolicyCache {
    entries: Mutex<HashMap<String, Parsed>>,
}

impl PolicyCache {
    /// The parsed stored policy for `document` of `kind`, parsed at most
    /// once while it stays in the cache.
    pub fn parse(&self, document: &str, kind: PolicyKind) -> Result<Arc<Policy>, PolicyError> {
        if let Some(parsed) = self.lock().get(document)
            && let Some((_, hit)) = parsed.iter().find(|(k, _)| *k == kind)
        {
            return Ok(Arc::clone(hit));
        }
        let parsed = Arc::new(Policy::parse_stored(document, kind)?);
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(document) {
            entries.clear();
        }
        let kinds = entries.entry(document.to_string()).or_default();
        if !kinds.iter().any(|(k, _)| *k == kind) {
            kinds.push((kind, Arc::clone(&parsed)));
        }
        Ok(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Parsed>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
