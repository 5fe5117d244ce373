use crate::{RevocationStore, SqliteStore, StoreError};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl RevocationStore for SqliteStore {
    async fn revoke_sessions(&self, principal_arn: &str, before: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_revocations (principal_arn, revoked_before) VALUES (?, ?)
             ON CONFLICT (principal_arn) DO UPDATE
             SET revoked_before = max(revoked_before, excluded.revoked_before)",
        )
        .bind(principal_arn)
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn sessions_revoked_before(
        &self,
        principal_arn: &str,
    ) -> Result<Option<i64>, StoreError> {
        sqlx::query("SELECT revoked_before FROM session_revocations WHERE principal_arn = ?")
            .bind(principal_arn)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get("revoked_before"))
            .transpose()
            .map_err(StoreError::from)
    }
}
