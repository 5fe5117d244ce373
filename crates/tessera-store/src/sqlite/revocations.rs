use crate::{RevocationStore, SessionOwner, SqliteStore, Standing, StoreError};
use async_trait::async_trait;

#[async_trait]
impl RevocationStore for SqliteStore {
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

    async fn session_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError> {
        // One read: whether the owner exists, and its latest mark.
        let (exists, own, other) = match owner {
            SessionOwner::Root { account_id } => (
                "SELECT 1 FROM accounts WHERE id = $1",
                account_id,
                account_id,
            ),
            SessionOwner::User { user_id } => {
                ("SELECT 1 FROM users WHERE user_id = $1", user_id, user_id)
            }
            SessionOwner::Role { role_id } => {
                ("SELECT 1 FROM roles WHERE role_id = $1", role_id, role_id)
            }
            SessionOwner::FederatedUser {
                federated_id,
                creator_id,
            } => (
                "SELECT 1 FROM users WHERE user_id = $1 UNION ALL SELECT 1 FROM accounts WHERE id = $1",
                creator_id,
                federated_id,
            ),
        };
        let (present, revoked_before): (bool, Option<i64>) = sqlx::query_as(&format!(
            "SELECT EXISTS ({exists}),
                    (SELECT max(revoked_before) FROM session_revocations_by_id
                     WHERE principal_id IN ($1, $2))"
        ))
        .bind(own)
        .bind(other)
        .fetch_one(&self.pool)
        .await?;
        Ok(if present {
            Standing::Present { revoked_before }
        } else {
            Standing::Gone
        })
    }
}
