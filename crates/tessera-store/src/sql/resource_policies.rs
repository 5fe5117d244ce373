use super::rows::{ResourcePolicyRow, bindings_to_json};
use crate::{ResourcePolicyRecord, ResourcePolicyStore, SqlStore, StoreError};
use async_trait::async_trait;
use sqlx::AnyConnection;

async fn bump_generation(conn: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE resource_policy_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[async_trait]
impl ResourcePolicyStore for SqlStore {
    async fn put_resource_policy(&self, policy: &ResourcePolicyRecord) -> Result<(), StoreError> {
        let bindings = bindings_to_json(
            &policy.principal_bindings,
            "principal bindings of a resource policy",
        )?;
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO resource_policies
                 (resource_arn, owner_account_id, document, principal_bindings, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (resource_arn) DO UPDATE
             SET owner_account_id = excluded.owner_account_id,
                 document = excluded.document,
                 principal_bindings = excluded.principal_bindings,
                 updated_at = excluded.updated_at",
        )
        .bind(&policy.resource_arn)
        .bind(&policy.owner_account_id)
        .bind(&policy.document)
        .bind(&bindings)
        .bind(policy.updated_at)
        .execute(&mut *tx)
        .await?;
        bump_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resource_policy(
        &self,
        resource_arn: &str,
    ) -> Result<Option<ResourcePolicyRecord>, StoreError> {
        let row: Option<ResourcePolicyRow> =
            sqlx::query_as("SELECT * FROM resource_policies WHERE resource_arn = $1")
                .bind(resource_arn)
                .fetch_optional(&self.pool)
                .await?;
        row.map(ResourcePolicyRecord::try_from).transpose()
    }

    async fn delete_resource_policy(&self, resource_arn: &str) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM resource_policies WHERE resource_arn = $1")
            .bind(resource_arn)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if deleted {
            bump_generation(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    async fn resource_policies(&self) -> Result<Vec<ResourcePolicyRecord>, StoreError> {
        let rows: Vec<ResourcePolicyRow> =
            sqlx::query_as("SELECT * FROM resource_policies ORDER BY resource_arn")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(ResourcePolicyRecord::try_from)
            .collect()
    }

    async fn resource_policy_generation(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM resource_policy_generation WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
