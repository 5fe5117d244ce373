use crate::{
    KeyRingStore, RingKeyRecord, SealedKind, SealedStore, SealedTransaction, SealedValue, SqlStore,
    StoreError,
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct RingKeyRow {
    id: i64,
    sealed_material: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl From<RingKeyRow> for RingKeyRecord {
    fn from(row: RingKeyRow) -> Self {
        Self {
            id: row.id,
            sealed_material: row.sealed_material,
            created_at: row.created_at,
            retired_at: row.retired_at,
        }
    }
}

async fn ring_keys_in(conn: &mut AnyConnection) -> Result<Vec<RingKeyRecord>, StoreError> {
    let rows: Vec<RingKeyRow> = sqlx::query_as(
        "SELECT id, sealed_material, created_at, retired_at FROM key_ring ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(RingKeyRecord::from).collect())
}

async fn insert_ring(conn: &mut AnyConnection, keys: &[RingKeyRecord]) -> Result<(), StoreError> {
    for key in keys {
        sqlx::query(
            "INSERT INTO key_ring (id, sealed_material, created_at, retired_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(key.id)
        .bind(&key.sealed_material)
        .bind(key.created_at)
        .bind(key.retired_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl KeyRingStore for SqlStore {
    async fn ring_keys(&self) -> Result<Vec<RingKeyRecord>, StoreError> {
        ring_keys_in(&mut *self.pool.acquire().await?).await
    }

    async fn install_ring(&self, keys: &[RingKeyRecord]) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        if !ring_keys_in(&mut tx).await?.is_empty() {
            return Ok(false);
        }
        insert_ring(&mut tx, keys).await?;
        tx.commit().await?;
        Ok(true)
    }
}
use async_trait::async_trait;

/// A write transaction over the sealed columns.
struct SqlSealed {
    tx: super::WriteTx,
}

#[async_trait]
impl SealedStore for SqlStore {
    async fn begin_sealed(&self) -> Result<Box<dyn SealedTransaction>, StoreError> {
        Ok(Box::new(SqlSealed {
            tx: self.write().await?,
        }))
    }
}

#[async_trait]
impl SealedTransaction for SqlSealed {
    async fn sealed_values(&mut self) -> Result<Vec<SealedValue>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT 'key' AS kind, access_key_id AS owner, sealed_secret AS sealed FROM access_keys
             UNION ALL
             SELECT 'mfa', serial_number, sealed_seed FROM mfa_devices
             UNION ALL
             SELECT 'server-certificate', server_certificate_id, sealed_private_key
             FROM server_certificates
             ORDER BY kind, owner",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, owner, sealed)| SealedValue {
                kind: match kind.as_str() {
                    "key" => SealedKind::AccessKeySecret,
                    "mfa" => SealedKind::MfaSeed,
                    _ => SealedKind::ServerCertificateKey,
                },
                owner,
                sealed,
            })
            .collect())
    }

    async fn replace_sealed(
        &mut self,
        kind: SealedKind,
        owner: &str,
        sealed: &str,
    ) -> Result<(), StoreError> {
        let sql = match kind {
            SealedKind::AccessKeySecret => {
                "UPDATE access_keys SET sealed_secret = $1 WHERE access_key_id = $2"
            }
            SealedKind::MfaSeed => {
                "UPDATE mfa_devices SET sealed_seed = $1 WHERE serial_number = $2"
            }
            SealedKind::ServerCertificateKey => {
                "UPDATE server_certificates SET sealed_private_key = $1
                 WHERE server_certificate_id = $2"
            }
        };
        let done = sqlx::query(sql)
            .bind(sealed)
            .bind(owner)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(crate::Missing::SealedValue(owner.to_string()).into());
        }
        Ok(())
    }

    async fn ring_keys(&mut self) -> Result<Vec<RingKeyRecord>, StoreError> {
        ring_keys_in(&mut self.tx).await
    }

    async fn replace_ring(&mut self, keys: &[RingKeyRecord]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM key_ring")
            .execute(&mut *self.tx)
            .await?;
        insert_ring(&mut self.tx, keys).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
