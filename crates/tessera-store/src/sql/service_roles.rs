//! [`ServiceRoleStore`] for SQLite: deletion tasks in
//! `service_role_deletions`, preferences in `sts_preferences`.

use super::iam_policies::delete_role_in;
use crate::{DeletionStatus, DeletionTask, ServiceRoleStore, SqlStore, StoreError};
use async_trait::async_trait;

#[async_trait]
impl ServiceRoleStore for SqlStore {
    async fn delete_service_linked_role(
        &self,
        role_name: &str,
        task_id: &str,
        account_id: &str,
        at: i64,
    ) -> Result<DeletionTask, StoreError> {
        let mut tx = self.write().await?;
        let (status, reason) = match delete_role_in(&mut tx, account_id, role_name).await {
            Ok(()) => (DeletionStatus::Succeeded, None),
            Err(StoreError::Conflict(conflict)) => {
                (DeletionStatus::Failed, Some(conflict.to_string()))
            }
            Err(other) => return Err(other),
        };
        sqlx::query(
            "INSERT INTO service_role_deletions (task_id, account_id, status, reason, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(task_id)
        .bind(account_id)
        .bind(status.as_str())
        .bind(&reason)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DeletionTask {
            task_id: task_id.to_string(),
            account_id: account_id.to_string(),
            status,
            reason,
            created_at: at,
        })
    }

    async fn deletion_task(
        &self,
        account_id: &str,
        task_id: &str,
    ) -> Result<Option<DeletionTask>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT status, reason, created_at FROM service_role_deletions
             WHERE account_id = $1 AND task_id = $2",
        )
        .bind(account_id)
        .bind(task_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(status, reason, created_at)| {
            Ok(DeletionTask {
                task_id: task_id.to_string(),
                account_id: account_id.to_string(),
                status: DeletionStatus::parse(&status).ok_or_else(|| {
                    StoreError::Database(format!("unknown deletion status {status}"))
                })?,
                reason,
                created_at,
            })
        })
        .transpose()
    }

    async fn global_endpoint_token_version(
        &self,
        account_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT global_endpoint_token_version FROM sts_preferences WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_global_endpoint_token_version(
        &self,
        account_id: &str,
        version: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sts_preferences (account_id, global_endpoint_token_version)
             VALUES ($1, $2)
             ON CONFLICT (account_id) DO UPDATE
             SET global_endpoint_token_version = excluded.global_endpoint_token_version",
        )
        .bind(account_id)
        .bind(version)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
