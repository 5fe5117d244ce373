use crate::{RevocationStore, SqlStore, StoreError};
use async_trait::async_trait;

#[async_trait]
impl RevocationStore for SqlStore {
    async fn revoke_sessions(&self, principal_id: &str, before: i64) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO session_revocations_by_id (principal_id, revoked_before) VALUES ($1, $2)
             ON CONFLICT (principal_id) DO UPDATE
             SET revoked_before = CASE
                 WHEN excluded.revoked_before > session_revocations_by_id.revoked_before
                 THEN excluded.revoked_before
                 ELSE session_revocations_by_id.revoked_before END",
        )
        .bind(principal_id)
        .bind(before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
