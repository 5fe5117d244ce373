mod iam_entities;
mod iam_policies;
mod iam_providers;
mod policies_of;
mod resource_policies;
mod revocations;
mod sealed;

use crate::{AccessKeyRecord, AccessKeyStatus, Account, AccountStore, StoreError};
use async_trait::async_trait;
use sqlx::{
    Row, SqliteConnection, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
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

fn account_from_row(row: &SqliteRow) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn access_key_from_row(row: &SqliteRow) -> Result<AccessKeyRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let last_used_at: Option<i64> = row.try_get("last_used_at")?;
    let last_used_service: Option<String> = row.try_get("last_used_service")?;
    let last_used_region: Option<String> = row.try_get("last_used_region")?;
    Ok(AccessKeyRecord {
        access_key_id: row.try_get("access_key_id")?,
        account_id: row.try_get("account_id")?,
        user_id: row.try_get("user_id")?,
        sealed_secret: row.try_get("sealed_secret")?,
        status: AccessKeyStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown key status {status:?}")))?,
        created_at: row.try_get("created_at")?,
        last_used: match (last_used_at, last_used_service, last_used_region) {
            (Some(at), Some(service), Some(region)) => Some((at, service, region)),
            _ => None,
        },
    })
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(
        &self,
        account: &Account,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")
            .bind(&account.id)
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, account_id, user_id, sealed_secret, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&root_key.access_key_id)
        .bind(&root_key.account_id)
        .bind(&root_key.user_id)
        .bind(&root_key.sealed_secret)
        .bind(root_key.status.as_str())
        .bind(root_key.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(account_from_row)
            .transpose()
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        sqlx::query("SELECT id, name, created_at FROM accounts WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(account_from_row)
            .transpose()
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        sqlx::query("SELECT id, name, created_at FROM accounts ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(account_from_row)
            .collect()
    }

    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        sqlx::query("SELECT * FROM access_keys WHERE access_key_id = ?")
            .bind(access_key_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(access_key_from_row)
            .transpose()
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
            "UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?
             WHERE access_key_id = ?",
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

/// Puts tags on an entity (by its unique id or ARN) as the tag rules say.
pub(crate) async fn put_tags(
    conn: &mut SqliteConnection,
    owner_id: &str,
    tags: &[(String, String)],
) -> Result<(), StoreError> {
    let existing: Vec<String> = sqlx::query_scalar("SELECT key FROM tags WHERE owner_id = ?")
        .bind(owner_id)
        .fetch_all(&mut *conn)
        .await?;
    let writes = crate::rules::tags::put(existing.iter().map(String::as_str), tags)?;
    for (key, value) in &writes {
        sqlx::query(
            "INSERT INTO tags (owner_id, key, value) VALUES (?, ?, ?)
             ON CONFLICT (owner_id, key) DO UPDATE SET key = excluded.key, value = excluded.value",
        )
        .bind(owner_id)
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL layer writes `$1, $2, …` as PostgreSQL does; SQLite's driver
    /// must bind them by number, not by the order they appear in.
    #[tokio::test]
    async fn numbered_placeholders_bind_by_number() {
        let pool = SqlitePoolOptions::new()
            .connect("sqlite::memory:")
            .await
            .expect("memory");
        let row = sqlx::query("SELECT $3 AS third, $1 AS first, $2 AS second, $1 || $3 AS again")
            .bind("one")
            .bind(2_i64)
            .bind("three")
            .fetch_one(&pool)
            .await
            .expect("select");
        let third: String = row.try_get("third").expect("third");
        let first: String = row.try_get("first").expect("first");
        let second: i64 = row.try_get("second").expect("second");
        let again: String = row.try_get("again").expect("again");
        assert_eq!(
            (first.as_str(), second, third.as_str(), again.as_str()),
            ("one", 2, "three", "onethree")
        );
    }
}
