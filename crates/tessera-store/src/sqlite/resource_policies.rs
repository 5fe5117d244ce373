use crate::{PrincipalBinding, ResourcePolicyRecord, ResourcePolicyStore, SqliteStore, StoreError};
use async_trait::async_trait;
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

fn record_from_row(row: &SqliteRow) -> Result<ResourcePolicyRecord, StoreError> {
    let bindings: String = row.try_get("principal_bindings")?;
    let principal_bindings: Vec<PrincipalBinding> =
        serde_json::from_str(&bindings).map_err(|e| {
            StoreError::Database(format!("principal bindings of a resource policy: {e}"))
        })?;
    Ok(ResourcePolicyRecord {
        resource_arn: row.try_get("resource_arn")?,
        owner_account_id: row.try_get("owner_account_id")?,
        document: row.try_get("document")?,
        principal_bindings,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn bump_generation(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE resource_policy_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[async_trait]
impl ResourcePolicyStore for SqliteStore {
    async fn put_resource_policy(&self, policy: &ResourcePolicyRecord) -> Result<(), StoreError> {
        let bindings = serde_json::to_string(&policy.principal_bindings).map_err(|e| {
            StoreError::Database(format!("principal bindings of a resource policy: {e}"))
        })?;
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO resource_policies
                 (resource_arn, owner_account_id, document, principal_bindings, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
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
        sqlx::query("SELECT * FROM resource_policies WHERE resource_arn = ?")
            .bind(resource_arn)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(record_from_row)
            .transpose()
    }

    async fn delete_resource_policy(&self, resource_arn: &str) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM resource_policies WHERE resource_arn = ?")
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
        sqlx::query("SELECT * FROM resource_policies ORDER BY resource_arn")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(record_from_row)
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
