//! The SQLite backend. Its SQL is written to be portable: `$1, $2, …`
//! placeholders (SQLite's driver binds them by number), `INSERT … ON
//! CONFLICT`, rows read by `#[derive(sqlx::FromRow)]`, 64-bit integers.

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

use crate::{AccessKeyRecord, Account, AccountStore, StoreError};
use async_trait::async_trait;
use rows::AccountRow;
use sqlx::{
    SqliteConnection, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{path::Path, str::FromStr, time::Duration};

/// The embedded SQLite store (WAL mode, so other processes — the CLI — may
/// write while a server reads).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

/// A write transaction, begun by [`SqliteStore::write`].
pub(crate) type WriteTx = sqlx::Transaction<'static, sqlx::Sqlite>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    /// The file and its `-wal` and `-shm` companions are readable by their
    /// owner only (they hold sealed secrets and every entity).
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        make_private(path).map_err(|e| StoreError::Database(format!("{}: {e}", path.display())))?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(StoreError::from)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Begins a write: every write of the store, however small, is made in
    /// a transaction begun here and nowhere else. SQLite's is `BEGIN
    /// IMMEDIATE`, which takes the database's write lock at once, so that
    /// what the transaction reads before it writes (what a rule is asked
    /// about) holds until it commits, and no write fails half-way for a
    /// lock another writer took meanwhile.
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
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
    conn: &mut SqliteConnection,
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
impl AccountStore for SqliteStore {
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
        let mut tx = self.write().await?;
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

    /// The store contract, on a fresh database.
    #[tokio::test]
    async fn the_sqlite_store_keeps_the_contract() {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(&dir.path().join("tessera.db"))
            .await
            .expect("open");
        crate::contract::run_all(&store).await;
        store.close().await;
    }

    /// The SQL layer writes `$1, $2, …` as PostgreSQL does: SQLite's driver
    /// binds them by number, not by the order they appear in.
    #[tokio::test]
    async fn numbered_placeholders_bind_by_number() {
        let pool = SqlitePoolOptions::new()
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
}
