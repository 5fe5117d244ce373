use crate::{SealedKind, SealedStore, SealedTransaction, SealedValue, SqliteStore, StoreError};
use async_trait::async_trait;
use sqlx::Row;

/// A `BEGIN IMMEDIATE` transaction over the sealed columns.
struct SqliteSealed {
    tx: super::WriteTx,
}

#[async_trait]
impl SealedStore for SqliteStore {
    async fn begin_sealed(&self) -> Result<Box<dyn SealedTransaction>, StoreError> {
        Ok(Box::new(SqliteSealed {
            tx: self.write().await?,
        }))
    }
}

#[async_trait]
impl SealedTransaction for SqliteSealed {
    async fn sealed_values(&mut self) -> Result<Vec<SealedValue>, StoreError> {
        let rows = sqlx::query(
            "SELECT 'key' AS kind, access_key_id AS owner, sealed_secret AS sealed FROM access_keys
             UNION ALL
             SELECT 'mfa', serial_number, sealed_seed FROM mfa_devices
             ORDER BY kind, owner",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(SealedValue {
                    kind: if kind == "key" {
                        SealedKind::AccessKeySecret
                    } else {
                        SealedKind::MfaSeed
                    },
                    owner: row.try_get("owner")?,
                    sealed: row.try_get("sealed")?,
                })
            })
            .collect()
    }

    async fn replace_sealed(
        &mut self,
        kind: SealedKind,
        owner: &str,
        sealed: &str,
    ) -> Result<(), StoreError> {
        let sql = match kind {
            SealedKind::AccessKeySecret => {
                "UPDATE access_keys SET sealed_secret = ? WHERE access_key_id = ?"
            }
            SealedKind::MfaSeed => "UPDATE mfa_devices SET sealed_seed = ? WHERE serial_number = ?",
        };
        let done = sqlx::query(sql)
            .bind(sealed)
            .bind(owner)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(crate::Missing::SealedValue(
                owner.to_string(),
            )));
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
