//! Which store a node keeps its entities in, and opening it: the
//! configuration's `store` (a URL), or by default the embedded SQLite
//! database of the data directory.

use crate::error::CliError;
use std::{path::PathBuf, sync::Arc};
use tessera_server::DataDir;
use tessera_store::{SqliteStore, Store, StoreError};

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// An SQLite database file: `sqlite:PATH` (or `sqlite://PATH`).
    Sqlite(PathBuf),
}

impl StoreConfig {
    /// The store `url` names, or the embedded database of `dir` when none
    /// is configured.
    pub fn resolve(url: Option<&str>, dir: &DataDir) -> Result<Self, CliError> {
        let Some(url) = url else {
            return Ok(Self::Sqlite(dir.database_path()));
        };
        let bad = |reason: &str| CliError::BadValue {
            what: format!("store {url}"),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url
            .split_once(':')
            .ok_or_else(|| bad("give a URL such as sqlite:/var/lib/tessera/tessera.db"))?;
        match scheme {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(bad("the sqlite URL names no file"));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            _ => Err(bad("the only store backend is sqlite")),
        }
    }

    /// Whether the store exists yet (opening creates it).
    pub fn exists(&self) -> bool {
        match self {
            Self::Sqlite(path) => path.exists(),
        }
    }

    /// Opens (and migrates) the store.
    pub async fn open(&self) -> Result<OpenStore, StoreError> {
        match self {
            Self::Sqlite(path) => Ok(OpenStore::Sqlite(Arc::new(SqliteStore::open(path).await?))),
        }
    }
}

/// An open store.
#[derive(Debug, Clone)]
pub enum OpenStore {
    /// The embedded SQLite store.
    Sqlite(Arc<SqliteStore>),
}

impl OpenStore {
    /// The store, as the server uses it.
    pub fn shared(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store) => store.clone(),
        }
    }

    /// Closes it, once every write is on disk.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_backend() {
        let dir = DataDir::new("/data");
        assert_eq!(
            StoreConfig::resolve(None, &dir).expect("default"),
            StoreConfig::Sqlite(PathBuf::from("/data/tessera.db"))
        );
        for url in ["sqlite:/srv/t.db", "sqlite:///srv/t.db"] {
            assert_eq!(
                StoreConfig::resolve(Some(url), &dir).expect("sqlite"),
                StoreConfig::Sqlite(PathBuf::from("/srv/t.db")),
                "{url}"
            );
        }
        for url in ["postgres://db/tessera", "sqlite:", "/srv/t.db"] {
            assert!(StoreConfig::resolve(Some(url), &dir).is_err(), "{url}");
        }
    }
}
