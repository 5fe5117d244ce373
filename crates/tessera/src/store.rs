//! Which store a node keeps its entities in, and opening it: the
//! configuration's `store` (a URL), or by default the embedded SQLite
//! database of the data directory.

use crate::error::CliError;
use std::{path::PathBuf, sync::Arc};
use tessera_server::DataDir;
use tessera_store::{SqlStore, Store, StoreError};

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// An SQLite database file: `sqlite:PATH` (or `sqlite://PATH`).
    Sqlite(PathBuf),
    /// A PostgreSQL database: `postgres://USER@HOST:PORT/DB` (or
    /// `postgresql://`), with the TLS and other options sqlx reads from the
    /// URL.
    Postgres(String),
}

impl StoreConfig {
    /// The store `url` names, or the embedded database of `dir` when none
    /// is configured.
    pub fn resolve(url: Option<&str>, dir: &DataDir) -> Result<Self, CliError> {
        let Some(url) = url else {
            return Ok(Self::Sqlite(dir.database_path()));
        };
        let bad = |reason: &str| CliError::BadValue {
            what: "store".to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url.split_once(':').ok_or_else(|| {
            bad("give a URL such as sqlite:/var/lib/tessera/tessera.db or postgres://tessera@db/tessera")
        })?;
        match scheme {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(bad("the sqlite URL names no file"));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                url.parse::<sqlx::postgres::PgConnectOptions>()
                    .map_err(|e| bad(&format!("not a PostgreSQL URL: {e}")))?;
                Ok(Self::Postgres(url.to_string()))
            }
            _ => Err(bad("the store backends are sqlite and postgres")),
        }
    }

    /// Whether the store may hold a data directory's entities already
    /// (opening an SQLite file creates it; a PostgreSQL database is asked
    /// when opened).
    pub fn may_exist(&self) -> bool {
        match self {
            Self::Sqlite(path) => path.exists(),
            Self::Postgres(_) => true,
        }
    }

    /// Opens (and migrates) the store.
    pub async fn open(&self) -> Result<OpenStore, StoreError> {
        let store = match self {
            Self::Sqlite(path) => SqlStore::open_sqlite(path).await?,
            Self::Postgres(url) => SqlStore::connect_postgres(url).await?,
        };
        Ok(OpenStore(Arc::new(store)))
    }
}

/// An open store.
#[derive(Debug, Clone)]
pub struct OpenStore(Arc<SqlStore>);

impl OpenStore {
    /// The store, as the server uses it.
    pub fn shared(&self) -> Arc<dyn Store> {
        self.0.clone()
    }

    /// Writes a consistent copy of an SQLite store to `path`.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<(), StoreError> {
        self.0.backup_to(path).await
    }

    /// Closes it, once every write is on disk.
    pub async fn close(&self) {
        self.0.close().await;
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
        assert_eq!(
            StoreConfig::resolve(Some("postgres://tessera@db:5432/iam"), &dir).expect("pg"),
            StoreConfig::Postgres("postgres://tessera@db:5432/iam".into())
        );
        for url in [
            "mysql://db/tessera",
            "sqlite:",
            "/srv/t.db",
            "postgres://db:port/x",
        ] {
            assert!(StoreConfig::resolve(Some(url), &dir).is_err(), "{url}");
        }
    }
}
