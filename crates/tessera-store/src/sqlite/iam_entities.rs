use crate::{EntityStore, SqliteStore, StoreError, User};
use async_trait::async_trait;
use sqlx::{Row, sqlite::SqliteRow};

pub(crate) fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        user_id: row.try_get("user_id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        permissions_boundary: row.try_get("permissions_boundary")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl EntityStore for SqliteStore {
    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT * FROM users WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_name(&self, account_id: &str, name: &str) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT * FROM users WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }
}
