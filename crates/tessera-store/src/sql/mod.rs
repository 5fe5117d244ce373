//! The one SQL layer, over SQLite (the embedded default) and PostgreSQL
//! (several nodes on one database). Its SQL is written once for both:
//! `$1, $2, …` placeholders (SQLite's driver binds them by number), `INSERT
//! … ON CONFLICT`, rows read by `#[derive(sqlx::FromRow)]` through sqlx's
//! `Any` driver, 64-bit integers, yes-or-no answers read as [`rows::Flag`].
//! Each backend has its own migrations.

mod cache;
mod certificates;
mod credential_reports;
mod hot_reads;
mod iam_entities;
mod iam_policies;
mod iam_providers;
mod instance_profiles;
mod login_profiles;
mod resource_policies;
mod revocations;
mod rows;
mod sealed;
mod service_roles;
mod tag_store;
mod tags;
mod watch;

use crate::{AccessKeyRecord, Account, AccountStore, StoreError};
use async_trait::async_trait;
use cache::HotCache;
use rows::AccountRow;
use sqlx::{AnyConnection, AnyPool, Executor, any::AnyPoolOptions, postgres::PgConnectOptions};
use std::{
    ops::{Deref, DerefMut},
    path::Path,
    str::FromStr,
    sync::Arc,
    time::Duration,
};

/// Which database a [`SqlStore`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (WAL mode, so other processes, such as the CLI, may
    /// write while a server reads).
    Sqlite,
    /// A PostgreSQL database that several nodes may share.
    Postgres,
}

/// How long a request waits for a connection before the store is
/// reported unavailable: a request that needs an unreachable database
/// fails within this time rather than hanging.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The time of a store operation, by kind (`read`: a hot read the cache
/// did not answer; `write`: a write transaction, begun to committed).
pub const QUERY_DURATION: &str = "tessera_store_query_duration_seconds";

/// The store over one SQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    backend: Backend,
    pub(crate) cache: Arc<HotCache>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The connection settings every SQLite connection starts with.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

/// The settings of every PostgreSQL connection: no statement, and no wait
/// for a lock, lasts long enough to hold a request past its client's
/// patience.
const POSTGRES_SETTINGS: &str = "SET statement_timeout = '10s'; SET lock_timeout = '10s'; SET idle_in_transaction_session_timeout = '30s';";

impl SqlStore {
    /// Opens (creating if needed) the SQLite database file and applies its
    /// migrations. The file and its `-wal` and `-shm` companions are
    /// readable by their owner only (they hold sealed secrets and every
    /// entity).
    pub async fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        make_private(path).map_err(|e| StoreError::Database(format!("{}: {e}", path.display())))?;
        let url = sqlite_url(path);
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _| {
                Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) })
            })
            .connect(&url)
            .await?;
        let store = Self::over(pool, Backend::Sqlite);
        SQLITE_MIGRATOR.run(&store.pool).await?;
        store.watch();
        Ok(store)
    }

    /// Connects to the PostgreSQL database `url` names and applies its
    /// migrations, once however many nodes start together (sqlx holds an
    /// advisory lock while it migrates).
    pub async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        // Checked here, so that a malformed URL is reported as such.
        PgConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .min_connections(0)
            .acquire_timeout(CONNECT_TIMEOUT)
            .after_connect(|conn, _| {
                Box::pin(async move { conn.execute(POSTGRES_SETTINGS).await.map(|_| ()) })
            })
            .connect(url)
            .await?;
        let store = Self::over(pool, Backend::Postgres);
        POSTGRES_MIGRATOR.run(&store.pool).await?;
        store.watch_postgres(url.to_string());
        Ok(store)
    }

    fn over(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            cache: Arc::new(HotCache::default()),
        }
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a write: every write of the store, however small, is made in
    /// a transaction begun here. Writes are serialized, on both backends,
    /// so that what a transaction reads before it writes (what a rule is
    /// asked about) holds until it commits, and none fails half-way:
    /// SQLite's `BEGIN IMMEDIATE` takes the database's write lock at once;
    /// on PostgreSQL, the transaction's first statement locks the one row
    /// of `store_changes` (every later statement reads what committed
    /// before it, under `READ COMMITTED`). The same statement counts the
    /// change, which tells every node's cache (see [`watch`]); PostgreSQL
    /// also notifies the listening nodes when the transaction commits.
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE store_changes SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        if self.backend == Backend::Postgres {
            sqlx::query(watch::NOTIFY).execute(&mut *tx).await?;
        }
        Ok(WriteTx {
            tx,
            cache: Some(Arc::clone(&self.cache)),
            begun: std::time::Instant::now(),
        })
    }

    /// Begins a write of what no cached read depends on (when an access key
    /// was last used): it is not counted as a change.
    pub(crate) async fn write_unobserved(&self) -> Result<WriteTx, StoreError> {
        Ok(WriteTx {
            tx: self.begin_write().await?,
            cache: None,
            begun: std::time::Instant::now(),
        })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Begins a read of several statements that see one state of the
    /// database.
    pub(crate) async fn read(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        })
    }

    /// Writes a consistent copy of an SQLite store to `path`, a file that
    /// must not exist yet, while other connections go on reading and
    /// writing (`VACUUM INTO`). The copy is readable by its owner only.
    pub async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Database(
                "only an SQLite store is backed up by Tessera; back PostgreSQL up with pg_dump"
                    .to_string(),
            ));
        }
        let io = |e: std::io::Error| StoreError::Database(format!("{}: {e}", path.display()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(path).map_err(io)?;
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Database(format!("{}: not a UTF-8 path", path.display())))?;
        if let Err(error) = sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await
        {
            let _ = std::fs::remove_file(path);
            return Err(error.into());
        }
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction, begun by [`SqlStore::write`]: its statements run on
/// the connection it derefs to, and [`WriteTx::commit`] empties this node's
/// cache of hot reads once a counted change is committed.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    cache: Option<Arc<HotCache>>,
    begun: std::time::Instant,
}

impl WriteTx {
    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        metrics::histogram!(QUERY_DURATION, "kind" => "write")
            .record(self.begun.elapsed().as_secs_f64());
        if let Some(cache) = self.cache {
            cache.clear();
        }
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// The `sqlite:` URL of a file, whatever characters its path holds.
fn sqlite_url(path: &Path) -> String {
    let mut url = String::from("sqlite://");
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(char::from(*byte));
            }
            other => url.push_str(&format!("%{other:02X}")),
        }
    }
    url.push_str("?mode=rwc");
    url
}

/// Creates the database file empty with mode 0600 when it is missing, so
/// that SQLite neither creates it with the process's default mode nor gives
/// that mode to the `-wal` and `-shm` files (it creates those with the main
/// file's mode); an existing file and its companions lose any group and
/// other permissions.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let companion = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::path::PathBuf::from(name)
        };
        for file in [path.to_path_buf(), companion("-wal"), companion("-shm")] {
            let mode = match std::fs::metadata(&file) {
                Ok(meta) => meta.permissions().mode(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && file != path => continue,
                Err(e) => return Err(e),
            };
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A page size as SQL's `LIMIT` takes it.
pub(crate) fn limit(max: usize) -> i64 {
    i64::try_from(max).unwrap_or(i64::MAX)
}

/// Stores a long-term access key.
pub(crate) async fn insert_access_key(
    conn: &mut AnyConnection,
    key: &AccessKeyRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, account_id, user_id, sealed_secret, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.access_key_id)
    .bind(&key.account_id)
    .bind(&key.user_id)
    .bind(&key.sealed_secret)
    .bind(key.status.as_str())
    .bind(key.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

const ACCOUNT_SELECT: &str = "SELECT id, name, created_at FROM accounts";

#[async_trait]
impl AccountStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_account(
        &self,
        account: &Account,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&account.id)
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        insert_access_key(&mut tx, root_key).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_first_account(
        &self,
        account: &Account,
        root_key: &AccessKeyRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *tx)
            .await?;
        if count > 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&account.id)
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        insert_access_key(&mut tx, root_key).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = sqlx::query_as(&format!("{ACCOUNT_SELECT} WHERE id = $1"))
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Account::from))
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = sqlx::query_as(&format!("{ACCOUNT_SELECT} WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Account::from))
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows: Vec<AccountRow> =
            sqlx::query_as(&format!("{ACCOUNT_SELECT} ORDER BY created_at, id"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    async fn record_access_key_use(
        &self,
        access_key_id: &str,
        at: i64,
        service: &str,
        region: &str,
    ) -> Result<(), StoreError> {
        // Noted first: while the write waits or fails, the node's next
        // requests with the key do not try again.
        self.cache.note_key_use(access_key_id, at, service, region);
        let mut tx = self.write_unobserved().await?;
        sqlx::query(
            "UPDATE access_keys SET last_used_at = $1, last_used_service = $2, last_used_region = $3
             WHERE access_key_id = $4",
        )
        .bind(at)
        .bind(service)
        .bind(region)
        .bind(access_key_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store contract, on a fresh SQLite database.
    #[tokio::test]
    async fn the_sqlite_store_keeps_the_contract() {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqlStore::open_sqlite(&dir.path().join("tessera.db"))
            .await
            .expect("open");
        crate::contract::run_all(&store).await;
        store.close().await;
    }

    /// The store contract, on a fresh PostgreSQL database.
    #[tokio::test]
    async fn the_postgres_store_keeps_the_contract() {
        let db = crate::test_database::TestDatabase::create().await;
        let store = SqlStore::connect_postgres(db.url()).await.expect("connect");
        crate::contract::run_all(&store).await;
        store.close().await;
        db.drop_database().await;
    }

    /// The SQL layer writes `$1, $2, …` as PostgreSQL does: SQLite's driver
    /// binds them by number, not by the order they appear in.
    #[tokio::test]
    async fn numbered_placeholders_bind_by_number() {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .connect("sqlite::memory:")
            .await
            .expect("memory");
        let row: (String, String, i64, String) = sqlx::query_as("SELECT $3, $1, $2, $1 || $3")
            .bind("one")
            .bind(2_i64)
            .bind("three")
            .fetch_one(&pool)
            .await
            .expect("select");
        assert_eq!(row, ("three".into(), "one".into(), 2, "onethree".into()));
    }

    #[test]
    fn a_path_becomes_a_url_sqlite_reads_back() {
        assert_eq!(
            sqlite_url(Path::new("/var/lib/tessera/tessera.db")),
            "sqlite:///var/lib/tessera/tessera.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b?#%.db")),
            "sqlite:///tmp/a%20b%3F%23%25.db?mode=rwc"
        );
    }
}
