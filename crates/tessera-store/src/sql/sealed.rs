use crate::{SealedKind, SealedStore, SealedTransaction, SealedValue, SqlStore, StoreError};
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

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
